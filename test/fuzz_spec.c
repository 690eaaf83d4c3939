/* fuzz_spec.c: libFuzzer target over spec.c's whole parse-and-validate path,
 * the one create takes before anything exists: spec_parse, then
 * spec_check_supported. Built with ASan and UBSan (make fuzz, test/fuzz.sh).
 *
 * Each input is parsed from a malloc'd copy of exactly its bytes, without a
 * NUL after them, so a read past the end shows under ASan. Beyond "no crash,
 * no leak, no UB", every input must satisfy what the runtime relies on:
 *  - a failure fills a one-line error (what main prints after "husk: "),
 *    with no control character from the config in it, and leaves nothing
 *    allocated;
 *  - a success gives NULL-terminated string lists of their stated length,
 *    C strings that are readable to their NUL, and counts that match arrays.
 * A broken invariant aborts, so libFuzzer saves the input like a crash. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../husk.h"

/* util.c's logging reads these; runtime.c defines them in the real binary. */
const char *opt_log;
bool opt_log_json, opt_debug;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_spec: invariant broken: %s (input of %zu bytes)\n", what, size);
	(void)data;
	abort();
}

/* strlen touches every byte up to the NUL: ASan catches a dangling string. */
static void str(const char *s)
{
	if (s)
		(void)strlen(s);
}

static void strv(const struct strv *v, const uint8_t *data, size_t size)
{
	if (v->n && !v->v)
		broken("a string list with n > 0 and no array", data, size);
	for (size_t i = 0; v->v && i < v->n; i++) {
		if (!v->v[i])
			broken("a NULL inside a string list", data, size);
		str(v->v[i]);
	}
	if (v->v && v->v[v->n])
		broken("a string list not NULL-terminated at n", data, size);
}

static void kvv(const struct kvv *k, const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < k->n; i++) {
		if (!k->v[i].key || !k->v[i].value)
			broken("a NULL key or value", data, size);
		str(k->v[i].key);
		str(k->v[i].value);
	}
}

/* Walk what the runtime reads from a parsed spec. */
static void walk(const struct spec *s, const uint8_t *data, size_t size)
{
	str(s->oci_version);
	str(s->root_path);
	str(s->hostname);
	str(s->domainname);
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct mount_entry *m = &s->mounts[i];
		if (!m->destination)
			broken("a mount without destination", data, size);
		str(m->destination);
		str(m->source);
		str(m->type);
		strv(&m->options, data, size);
	}
	const struct process *p = &s->process;
	strv(&p->args, data, size);
	strv(&p->env, data, size);
	str(p->cwd);
	for (size_t i = 0; i < p->n_rlimits; i++)
		if (!strcmp(spec_rlimit_name(p->rlimits[i].resource), "unknown rlimit"))
			broken("an rlimit the parser does not know", data, size);
	for (size_t i = 0; i < p->n_additional_gids; i++)
		(void)*(volatile uint32_t *)&p->additional_gids[i];
	for (int k = 0; k < HOOK_KINDS; k++)
		for (size_t i = 0; i < s->hooks[k].n; i++) {
			const struct hook *h = &s->hooks[k].v[i];
			if (!h->path || h->path[0] != '/')
				broken("a hook path that is not absolute", data, size);
			strv(&h->args, data, size);
			strv(&h->env, data, size);
		}
	kvv(&s->annotations, data, size);
	const struct linux_cfg *l = &s->linux;
	for (size_t i = 0; i < l->n_namespaces; i++) {
		if (!spec_ns_name(l->namespaces[i].type))
			broken("a namespace without a name", data, size);
		str(l->namespaces[i].path);
	}
	for (size_t i = 0; i < l->n_devices; i++)
		str(l->devices[i].path);
	str(l->cgroups_path);
	kvv(&l->sysctl, data, size);
	kvv(&l->resources.unified, data, size);
	strv(&l->masked_paths, data, size);
	strv(&l->readonly_paths, data, size);
	strv(&l->seccomp.architectures, data, size);
	strv(&l->seccomp.flags, data, size);
	for (size_t i = 0; i < l->seccomp.n_rules; i++)
		strv(&l->seccomp.rules[i].names, data, size);
	str(l->seccomp.listener_path);
	str(l->seccomp.listener_metadata);
}

/* main prints "husk: <msg>[: strerror]" as one line on stderr. */
static void check_err(const struct husk_err *e, const uint8_t *data, size_t size)
{
	size_t n = strnlen(e->msg, sizeof(e->msg));
	if (n == sizeof(e->msg))
		broken("an error message without NUL", data, size);
	if (n == 0)
		broken("a failure with an empty message", data, size);
	/* a config string echoed raw could split the line or drive the terminal */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)e->msg[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			broken("a control character in an error message", data, size);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	struct spec s;
	struct husk_err e = {0};
	/* spec_parse owns text from here, on success and on failure */
	if (spec_parse(&s, text, size, &e) < 0) {
		check_err(&e, data, size);
		return 0;
	}
	walk(&s, data, size);
	memset(&e, 0, sizeof(e));
	if (spec_check_supported(&s, &e) < 0)
		check_err(&e, data, size);
	spec_free(&s);
	return 0;
}
