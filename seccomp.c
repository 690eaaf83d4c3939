/* seccomp.c: linux.seccomp, compiled by libseccomp in the parent, loaded by the init.
 *
 * seccomp_prepare runs in `create` before anything is created: libseccomp
 * turns the config into a BPF program, so that a rule it refuses fails the
 * command with nothing to undo, and the init (a copy of the parent's memory)
 * has a single seccomp(2) call left to make. husk loads the program itself
 * rather than through seccomp_load, for two reasons:
 *   - seccomp_load sets no_new_privs unless told not to (SCMP_FLTATR_CTL_NNP
 *     is on by default): the config's process.noNewPrivileges decides that;
 *   - libseccomp 2.5.4 cannot pass SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
 *     the kernel takes every flag of the spec directly.
 * The kernel's flags are checked in the parent too (seccomp(2) with a NULL
 * program fails EFAULT once the flags passed, EINVAL before), so a flag this
 * kernel lacks fails `create`, not `start`.
 *
 * With SCMP_ACT_NOTIFY, the parent connects to listenerPath (the init can no
 * longer reach the host's path after pivot_root); the init, once the filter
 * is loaded, sends the notify fd over that connection with the container
 * process state, as runc does, and closes it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "husk.h"

#define MAX_ARGS 6 /* a syscall has six arguments */

struct seccomp_filter {
	struct sock_fprog prog;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	int listener;       /* connected to listenerPath, or -1 */
	const char *metadata;
};

static const struct {
	const char *name;
	unsigned int flag;
} filter_flags[] = {
	{"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
	{"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
	{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
	{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

/* What the init calls between loading the filter and giving the agent its
 * fd: a notification there would wait for an agent that has no fd yet. */
static const char *const notify_forbidden[] = {"sendmsg", "close"};

static long sys_seccomp(unsigned int op, unsigned int flags, void *arg)
{
	return syscall(SYS_seccomp, op, flags, arg);
}

/* The action with its errno: EPERM unless errnoRet says otherwise, as runc
 * (for SCMP_ACT_TRACE too, where the value is the tracer's message). */
static uint32_t full_action(int action, int64_t errno_ret)
{
	uint32_t a = (uint32_t)action;
	uint32_t ret = errno_ret == UNSET ? EPERM : (uint32_t)errno_ret;
	if (a == SCMP_ACT_ERRNO(0) || a == SCMP_ACT_TRACE(0))
		return a | (ret & 0xffff);
	return a;
}

static bool uses_notify(const struct seccomp *sc)
{
	for (size_t i = 0; i < sc->n_rules; i++)
		if ((uint32_t)sc->rules[i].action == SCMP_ACT_NOTIFY)
			return true;
	return false;
}

/* Refuse what would hang the init or leave notifications unanswered. */
static int check_notify(const struct seccomp *sc, struct husk_err *e)
{
	if ((uint32_t)sc->default_action == SCMP_ACT_NOTIFY)
		return err_set(e, 0, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the "
				     "default action");
	for (size_t i = 0; i < sc->n_rules; i++) {
		const struct seccomp_rule *r = &sc->rules[i];
		if ((uint32_t)r->action != SCMP_ACT_NOTIFY)
			continue;
		if (!sc->listener_path)
			return err_set(e, 0, "linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY needs "
					     "linux.seccomp.listenerPath", i);
		for (size_t j = 0; j < r->names.n; j++)
			for (size_t k = 0; k < sizeof(notify_forbidden) / sizeof(*notify_forbidden); k++)
				if (!strcmp(r->names.v[j], notify_forbidden[k]))
					return err_set(e, 0, "linux.seccomp.syscalls[%zu].names[%zu]: "
							     "SCMP_ACT_NOTIFY cannot be used for %s "
							     "(husk needs it to hand over the notify fd)",
						       i, j, r->names.v[j]);
	}
	return 0;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64". */
static int add_arch(scmp_filter_ctx ctx, const char *name, size_t i, struct husk_err *e)
{
	char lower[32];
	const char *p = name + strlen("SCMP_ARCH_");
	size_t n = 0;
	for (; *p && n < sizeof(lower) - 1; p++)
		lower[n++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
	lower[n] = '\0';
	uint32_t arch = seccomp_arch_resolve_name(lower);
	if (!arch)
		return err_set(e, 0, "linux.seccomp.architectures[%zu]: %s not known to libseccomp %u.%u.%u",
			       i, name, SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
	int r = seccomp_arch_add(ctx, arch);
	if (r < 0 && r != -EEXIST) /* the native arch is always there */
		return err_set(e, -r, "linux.seccomp.architectures[%zu]: seccomp_arch_add %s", i, name);
	return 0;
}

static int add_conds(scmp_filter_ctx ctx, uint32_t action, int nr, const struct scmp_arg_cmp *c,
		     unsigned int n)
{
	return seccomp_rule_add_array(ctx, action, nr, n, n ? c : NULL);
}

/* One syscall of a rule. Conditions on distinct arguments all must hold (one
 * rule); two on the same argument cannot both be given to libseccomp, and
 * runc then adds one rule per condition (any may hold): so does husk. */
static int add_syscall(scmp_filter_ctx ctx, const struct seccomp_rule *r, uint32_t action, int nr)
{
	struct scmp_arg_cmp c[MAX_ARGS * 4];
	unsigned int n = 0, count[MAX_ARGS] = {0};
	bool repeated = false;
	if (r->n_args > sizeof(c) / sizeof(*c))
		return -E2BIG;
	for (size_t i = 0; i < r->n_args; i++) {
		const struct seccomp_arg *a = &r->args[i];
		c[n++] = (struct scmp_arg_cmp){.arg = a->index, .op = (enum scmp_compare)a->op,
					       .datum_a = a->value, .datum_b = a->value_two};
		repeated |= ++count[a->index] > 1;
	}
	if (!repeated)
		return add_conds(ctx, action, nr, c, n);
	for (unsigned int i = 0; i < n; i++) {
		int ret = add_conds(ctx, action, nr, &c[i], 1);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct seccomp *sc, size_t i, struct husk_err *e)
{
	const struct seccomp_rule *r = &sc->rules[i];
	uint32_t action = full_action(r->action, r->errno_ret);
	uint32_t dflt = full_action(sc->default_action, sc->default_errno_ret);
	for (size_t k = 0; k < r->n_args; k++)
		if (r->args[k].index >= MAX_ARGS)
			return err_set(e, 0, "linux.seccomp.syscalls[%zu].args[%zu].index: %u is out of "
					     "range (0-5)", i, k, r->args[k].index);
	if (action == dflt) { /* libseccomp refuses it (EACCES); it changes nothing */
		log_debug("linux.seccomp.syscalls[%zu]: same action as the default: skipped", i);
		return 0;
	}
	for (size_t j = 0; j < r->names.n; j++) {
		const char *name = r->names.v[j];
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR) { /* newer than libseccomp, or a typo: runc skips it too */
			log_debug("linux.seccomp.syscalls[%zu]: unknown syscall \"%s\": skipped", i, name);
			continue;
		}
		int ret = add_syscall(ctx, r, action, nr);
		if (ret < 0)
			return err_set(e, -ret, "linux.seccomp.syscalls[%zu]: seccomp_rule_add %s", i, name);
	}
	return 0;
}

static int build(scmp_filter_ctx ctx, const struct seccomp *sc, struct husk_err *e)
{
	for (size_t i = 0; i < sc->architectures.n; i++)
		if (add_arch(ctx, sc->architectures.v[i], i, e) < 0)
			return -1;
	for (size_t i = 0; i < sc->n_rules; i++)
		if (add_rule(ctx, sc, i, e) < 0)
			return -1;
	return 0;
}

/* The BPF program, through a memfd: libseccomp 2.5.4 exports only to an fd. */
static int export_prog(scmp_filter_ctx ctx, struct sock_fprog *prog, struct husk_err *e)
{
	AUTO_FD fd = memfd_create("husk-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "linux.seccomp: memfd_create");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return err_set(e, -r, "linux.seccomp: seccomp_export_bpf");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_sys(e, "linux.seccomp: fstat the exported filter");
	size_t len = (size_t)st.st_size / sizeof(struct sock_filter);
	if (len == 0 || len > BPF_MAXINSNS)
		return err_set(e, 0, "linux.seccomp: the filter has %zu instructions; the kernel takes "
				     "1 to %d", len, BPF_MAXINSNS);
	prog->filter = malloc((size_t)st.st_size);
	if (!prog->filter)
		return err_sys(e, "linux.seccomp: malloc");
	prog->len = (unsigned short)len;
	if (pread(fd, prog->filter, (size_t)st.st_size, 0) != st.st_size)
		return err_sys(e, "linux.seccomp: read the exported filter");
	return 0;
}

/* Kernel flags; a flag the kernel does not know is named. */
static int set_flags(struct seccomp_filter *f, const struct seccomp *sc, bool notify,
		     struct husk_err *e)
{
	for (size_t i = 0; i < sc->flags.n; i++)
		for (size_t k = 0; k < sizeof(filter_flags) / sizeof(*filter_flags); k++)
			if (!strcmp(sc->flags.v[i], filter_flags[k].name))
				f->flags |= filter_flags[k].flag;
	if ((f->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) && !notify) {
		/* the kernel takes it only with a listener; libseccomp 2.6 drops it too */
		log_debug("linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV without "
			  "SCMP_ACT_NOTIFY: ignored");
		f->flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	}
	if (notify)
		f->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	/* TSYNC with a listener needs TSYNC_ESRCH (5.7), as libseccomp does. */
	if (notify && (f->flags & SECCOMP_FILTER_FLAG_TSYNC))
		f->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	if (sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, NULL) == 0 || errno != EFAULT)
		return err_sys(e, "linux.seccomp: seccomp(2) SECCOMP_SET_MODE_FILTER");
	if (sys_seccomp(SECCOMP_SET_MODE_FILTER, f->flags, NULL) < 0 && errno == EFAULT)
		return 0;
	for (size_t i = 0; i < sc->flags.n; i++)
		for (size_t k = 0; k < sizeof(filter_flags) / sizeof(*filter_flags); k++)
			if (!strcmp(sc->flags.v[i], filter_flags[k].name) &&
			    sys_seccomp(SECCOMP_SET_MODE_FILTER, filter_flags[k].flag, NULL) < 0 &&
			    errno == EINVAL)
				return err_set(e, 0, "linux.seccomp.flags[%zu]: %s: not supported by "
						     "this kernel", i, sc->flags.v[i]);
	if (notify)
		return err_set(e, 0, "linux.seccomp: SCMP_ACT_NOTIFY: not supported by this kernel "
				     "(with these flags)");
	return err_set(e, EINVAL, "linux.seccomp.flags: seccomp(2)");
}

static int connect_listener(const char *path, struct husk_err *e)
{
	return unix_connect(path, "linux.seccomp.listenerPath", e);
}

static void release(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* ---- the program cache ------------------------------------------------------ */

/* libseccomp takes 3-20 ms to compile a profile like podman's default, on
 * every create and exec, and the result depends only on the profile, on
 * libseccomp (version, API level, native arch) and on this build of husk.
 * So programs are kept in <root>/@seccomp (root's, 0700, on tmpfs like the
 * state; '@' is not allowed in ids), each file holding the whole key it was
 * made from: a hit must match that key byte for byte, never just the hash
 * in its name, so that no crafted profile can pass its program off as
 * another's. Any failure here only means compiling. */
#define CACHE_DIR "@seccomp"
#define CACHE_MAGIC "husk-seccomp-bpf 1\n"
#define CACHE_MAX_FILES 16 /* then the cache starts over: bounded, and cheap to keep */

static void put_str(FILE *f, const char *s)
{
	fprintf(f, "%zu:%s;", strlen(s), s); /* length-prefixed: the key stays unambiguous */
}

static char *cache_key(const struct seccomp *sc, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	const struct scmp_version *v = seccomp_version();
	fprintf(f, "%s%s %s %s;libseccomp %u.%u.%u api %u arch %u;", CACHE_MAGIC, HUSK_VERSION,
		__DATE__, __TIME__, v->major, v->minor, v->micro, seccomp_api_get(),
		seccomp_arch_native());
	fprintf(f, "default %d %lld;", sc->default_action, (long long)sc->default_errno_ret);
	for (size_t i = 0; i < sc->architectures.n; i++)
		put_str(f, sc->architectures.v[i]);
	for (size_t i = 0; i < sc->n_rules; i++) {
		const struct seccomp_rule *r = &sc->rules[i];
		fprintf(f, "\nrule %d %lld %zu %zu;", r->action, (long long)r->errno_ret, r->names.n,
			r->n_args);
		for (size_t j = 0; j < r->names.n; j++)
			put_str(f, r->names.v[j]);
		for (size_t j = 0; j < r->n_args; j++)
			fprintf(f, "%u %llu %llu %d;", r->args[j].index,
				(unsigned long long)r->args[j].value,
				(unsigned long long)r->args[j].value_two, r->args[j].op);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* FNV-1a: only picks the file; the key inside is what is trusted. */
static void cache_name(const char *key, size_t len, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 0x100000001b3ULL;
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static int cache_dir(bool create)
{
	struct husk_err e;
	AUTO_FD root = state_open_root(create, &e);
	if (root < 0)
		return -1;
	if (create && mkdirat(root, CACHE_DIR, 0700) < 0 && errno != EEXIST)
		return -1;
	return openat(root, CACHE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

/* The file: the key (with its length first), then the program. */
static bool cache_load(const char *key, size_t klen, struct sock_fprog *prog)
{
	char name[17];
	struct husk_err e;
	size_t len, hdr = sizeof(uint64_t) + klen;
	cache_name(key, klen, name);
	AUTO_FD dir = cache_dir(false);
	AUTO_FREE char *buf = dir < 0 ? NULL : read_file_at(dir, name, hdr + BPF_MAXINSNS * 8, &len, &e);
	uint64_t stored;
	if (!buf || len <= hdr || (len - hdr) % sizeof(struct sock_filter))
		return false;
	memcpy(&stored, buf, sizeof(stored));
	if (stored != klen || memcmp(buf + sizeof(stored), key, klen))
		return false;
	prog->len = (unsigned short)((len - hdr) / sizeof(struct sock_filter));
	prog->filter = malloc(len - hdr);
	if (!prog->filter)
		return false;
	memcpy(prog->filter, buf + hdr, len - hdr);
	return true;
}

/* The programs in the cache dir: counted, or removed (remove = true). */
static size_t cache_entries(int dir, bool remove)
{
	DIR *d = fdopendir(dup(dir));
	size_t n = 0;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		n++;
		if (remove)
			unlinkat(dir, de->d_name, 0);
	}
	if (d)
		closedir(d);
	return n;
}

static void cache_store(const char *key, size_t klen, const struct sock_fprog *prog)
{
	char name[17];
	struct husk_err e;
	size_t plen = prog->len * sizeof(struct sock_filter), len = sizeof(uint64_t) + klen + plen;
	uint64_t stored = klen;
	AUTO_FD dir = cache_dir(true);
	AUTO_FREE char *buf = dir < 0 ? NULL : malloc(len);
	if (!buf)
		return;
	if (cache_entries(dir, false) >= CACHE_MAX_FILES)
		cache_entries(dir, true);
	memcpy(buf, &stored, sizeof(stored));
	memcpy(buf + sizeof(stored), key, klen);
	memcpy(buf + sizeof(stored) + klen, prog->filter, plen);
	cache_name(key, klen, name);
	if (write_file_atomic_at(dir, name, buf, len, 0600, &e) < 0)
		log_debug("linux.seccomp: cache the program: %s", e.msg);
}

static int compile_uncached(const struct seccomp *sc, struct seccomp_filter *f, struct husk_err *e)
{
	__attribute__((cleanup(release))) scmp_filter_ctx ctx =
		seccomp_init(full_action(sc->default_action, sc->default_errno_ret));
	if (!ctx)
		return err_set(e, EINVAL, "linux.seccomp.defaultAction: seccomp_init");
	/* A binary tree of syscall numbers rather than a list: a profile like
	 * podman's runs in a few compares per syscall, and the kernel's own
	 * per-syscall cache (built at load by running the filter for every
	 * number) is built that much faster. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (build(ctx, sc, e) < 0)
		return -1;
	return export_prog(ctx, &f->prog, e);
}

static int compile(const struct seccomp *sc, struct seccomp_filter *f, struct husk_err *e)
{
	size_t klen;
	AUTO_FREE char *key = cache_key(sc, &klen);
	if (key && cache_load(key, klen, &f->prog)) {
		log_debug("linux.seccomp: the program compiled for this profile before (%s/%s)",
			  opt_root, CACHE_DIR);
		return 0;
	}
	if (compile_uncached(sc, f, e) < 0)
		return -1;
	if (key)
		cache_store(key, klen, &f->prog);
	return 0;
}

int seccomp_prepare(const struct spec *s, struct seccomp_filter **out, struct husk_err *e)
{
	const struct seccomp *sc = &s->linux.seccomp;
	*out = NULL;
	if (!sc->present)
		return 0;
	if (check_notify(sc, e) < 0)
		return -1;
	struct seccomp_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return err_sys(e, "linux.seccomp: calloc");
	f->listener = -1;
	f->metadata = sc->listener_metadata;
	bool notify = uses_notify(sc);
	if (compile(sc, f, e) < 0 || set_flags(f, sc, notify, e) < 0 ||
	    (notify && (f->listener = connect_listener(sc->listener_path, e)) < 0)) {
		seccomp_free(f);
		return -1;
	}
	if (sc->listener_path && !notify)
		log_debug("linux.seccomp.listenerPath: no SCMP_ACT_NOTIFY rule: not used");
	*out = f;
	return 0;
}

void seccomp_free(struct seccomp_filter *f)
{
	if (!f)
		return;
	if (f->listener >= 0)
		close(f->listener);
	free(f->prog.filter);
	free(f);
}

/* runc's specs.ContainerProcessState, in one message with the fd. */
static char *process_state(const struct seccomp_filter *f, const struct state *st)
{
	AUTO_FREE char *state = state_json(st, false, "");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = state ? open_memstream(&buf, &len) : NULL;
	if (!m)
		return NULL;
	fprintf(m, "{\"ociVersion\": \"%s\", \"fds\": [\"seccompFd\"], \"pid\": %d, \"metadata\": ",
		HUSK_SPEC_VERSION, (int)st->pid);
	json_put_string(m, f->metadata ? f->metadata : "");
	fprintf(m, ", \"state\": %s}", state);
	return fclose(m) == 0 ? buf : NULL;
}

static int send_state(int sock, int fd, const char *msg, struct husk_err *e)
{
	if (send_fd(sock, fd, msg) < 0)
		return err_sys(e, "linux.seccomp.listenerPath: send the seccomp fd");
	return 0;
}

/* Everything that allocates happens before the load: after it, only
 * sendmsg and close run here (see notify_forbidden), then the caller's next
 * steps. The message is not freed: the init is about to exec. */
int seccomp_install(struct seccomp_filter *f, const struct state *st, struct husk_err *e)
{
	if (!f)
		return 0;
	char *msg = NULL;
	if (f->listener >= 0 && !(msg = process_state(f, st)))
		return err_sys(e, "linux.seccomp: the container process state");
	long fd = sys_seccomp(SECCOMP_SET_MODE_FILTER, f->flags, &f->prog);
	if (fd < 0)
		return err_sys(e, "linux.seccomp: load the filter");
	if (f->listener < 0)
		return 0;
	AUTO_FD notify = (int)fd;
	AUTO_FD sock = take_fd(&f->listener);
	return send_state(sock, notify, msg, e);
}

/* `husk features`: the flags husk knows, and those this kernel accepts. */
void seccomp_features(FILE *f)
{
	const char *known[5], *supported[5];
	size_t nk = 0, ns = 0;
	for (size_t i = 0; i < sizeof(filter_flags) / sizeof(filter_flags[0]); i++) {
		known[nk++] = filter_flags[i].name;
		/* EFAULT (NULL program) means the flag itself was accepted */
		if (sys_seccomp(SECCOMP_SET_MODE_FILTER, filter_flags[i].flag, NULL) < 0 &&
		    errno == EFAULT)
			supported[ns++] = filter_flags[i].name;
	}
	known[nk] = supported[ns] = NULL;
	json_put_names(f, "knownFlags", known, NULL);
	fputs(", ", f);
	json_put_names(f, "supportedFlags", supported, NULL);
}
