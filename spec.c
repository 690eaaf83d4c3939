/* spec.c: config.json into struct spec, and the default config.
 *
 * json.c checks the text, decodes it in place and walks it (its policies:
 * unknown keys ignored, null as absent, duplicate keys refused, UTF-8 only).
 * This file is the schema: a table of {key, handler, offset} per object,
 * handlers for what JSON alone does not say (paths, names, ranges, fields
 * that go together), and the names husk accepts.
 *
 * Policies decided here:
 *  - An unknown capability name is a warning, not an error: config.md says
 *    such names "MUST be logged as a warning" and runtimes "SHOULD NOT fail".
 *    Every other unknown enum value (rlimit, namespace, ...) is an error.
 *  - Platform sections other than "linux" (freebsd, zos, ...) are unknown
 *    keys, hence ignored.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <net/if.h>
#include <seccomp.h>

#include "compat.h"
#include "husk.h"
#include "json.h"

#define CONFIG_MAX (16 << 20) /* bytes of config.json */

/* ---- tables and strings ------------------------------------------------- */

#define F(type, key, member, fn, flags) { key, fn, offsetof(type, member), flags, NULL }
#define SUB(key, off, table, flags) { key, NULL, off, flags, table }

/* A linux.resources limit: json_walk notes the first one given in first_limit. */
enum { F_LIMIT = F_NOTE };

static int f_nonempty(struct walk *w, int t, void *dst)
{
	char **s = dst;
	if (json_str(w, t, s) < 0)
		return -1;
	return **s ? 0 : json_fail(w, "must not be empty");
}

static int f_abs_path(struct walk *w, int t, void *dst)
{
	char **s = dst;
	if (json_str(w, t, s) < 0)
		return -1;
	return **s == '/' ? 0 : json_fail(w, "\"%s\" is not an absolute path", *s);
}

/* ---- names ---------------------------------------------------------------- */

struct name_val {
	const char *name;
	long val;
};

static const struct name_val *find_name(const struct name_val *tab, const char *name)
{
	for (; tab->name; tab++)
		if (!strcmp(tab->name, name))
			return tab;
	return NULL;
}

static const char *name_of(const struct name_val *tab, long val)
{
	for (; tab->name; tab++)
		if (tab->val == val)
			return tab->name;
	return "unknown";
}

/* The string at t, one of tab's names: "unknown rlimit \"RLIMIT_FOO\"". */
static int get_enum(struct walk *w, int t, const struct name_val *tab, const char *what, long *out)
{
	char *s;
	if (json_str(w, t, &s) < 0)
		return -1;
	const struct name_val *n = find_name(tab, s);
	if (!n)
		return json_fail(w, "unknown %s \"%s\"", what, s);
	*out = n->val;
	return 0;
}

static const struct name_val ns_names[] = {
	{"mount", CLONE_NEWNS},   {"pid", CLONE_NEWPID},	 {"network", CLONE_NEWNET},
	{"uts", CLONE_NEWUTS},	  {"ipc", CLONE_NEWIPC},	 {"user", CLONE_NEWUSER},
	{"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}, {NULL, 0},
};

static const struct name_val rlimit_names[] = {
	{"RLIMIT_CPU", RLIMIT_CPU},	      {"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_DATA", RLIMIT_DATA},	      {"RLIMIT_STACK", RLIMIT_STACK},
	{"RLIMIT_CORE", RLIMIT_CORE},	      {"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_NPROC", RLIMIT_NPROC},	      {"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},	      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
	{NULL, 0},
};

/* Indexed by capability number (linux/capability.h). */
static const char *const cap_names[] = {
	"CAP_CHOWN",	       "CAP_DAC_OVERRIDE",  "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID",	       "CAP_KILL",	    "CAP_SETGID",	   "CAP_SETUID",
	"CAP_SETPCAP",	       "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",       "CAP_NET_RAW",	    "CAP_IPC_LOCK",	   "CAP_IPC_OWNER",
	"CAP_SYS_MODULE",      "CAP_SYS_RAWIO",	    "CAP_SYS_CHROOT",	   "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",       "CAP_SYS_ADMIN",	    "CAP_SYS_BOOT",	   "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",    "CAP_SYS_TIME",	    "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
	"CAP_LEASE",	       "CAP_AUDIT_WRITE",   "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",	    "CAP_SYSLOG",	   "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",    "CAP_PERFMON",	   "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

static const struct name_val propagation_names[] = {
	{"private", MS_PRIVATE},
	{"shared", MS_SHARED},
	{"slave", MS_SLAVE},
	{"unbindable", MS_UNBINDABLE},
	/* Not in the schema, but runc takes them and CRI-O sends "rslave"/"rshared". */
	{"rprivate", MS_REC | MS_PRIVATE},
	{"rshared", MS_REC | MS_SHARED},
	{"rslave", MS_REC | MS_SLAVE},
	{"runbindable", MS_REC | MS_UNBINDABLE},
	{NULL, 0},
};

static const struct name_val scmp_actions[] = {
	{"SCMP_ACT_KILL", SCMP_ACT_KILL},
	{"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
	{"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
	{"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
	{"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
	{"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
	{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
	{"SCMP_ACT_LOG", SCMP_ACT_LOG},
	{"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
	{NULL, 0},
};

static const struct name_val scmp_ops[] = {
	{"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
	{"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
	{"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
	{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}, {NULL, 0},
};

/* Names only: validated here, interpreted by whoever implements them. */
static const struct name_val scmp_arches[] = {
	{"SCMP_ARCH_X86", 0},	      {"SCMP_ARCH_X86_64", 0},	 {"SCMP_ARCH_X32", 0},
	{"SCMP_ARCH_ARM", 0},	      {"SCMP_ARCH_AARCH64", 0},	 {"SCMP_ARCH_LOONGARCH64", 0},
	{"SCMP_ARCH_M68K", 0},	      {"SCMP_ARCH_MIPS", 0},	 {"SCMP_ARCH_MIPS64", 0},
	{"SCMP_ARCH_MIPS64N32", 0},   {"SCMP_ARCH_MIPSEL", 0},	 {"SCMP_ARCH_MIPSEL64", 0},
	{"SCMP_ARCH_MIPSEL64N32", 0}, {"SCMP_ARCH_PPC", 0},	 {"SCMP_ARCH_PPC64", 0},
	{"SCMP_ARCH_PPC64LE", 0},     {"SCMP_ARCH_S390", 0},	 {"SCMP_ARCH_S390X", 0},
	{"SCMP_ARCH_SH", 0},	      {"SCMP_ARCH_SHEB", 0},	 {"SCMP_ARCH_PARISC", 0},
	{"SCMP_ARCH_PARISC64", 0},    {"SCMP_ARCH_RISCV64", 0},	 {NULL, 0},
};

static const struct name_val scmp_flags[] = {
	{"SECCOMP_FILTER_FLAG_TSYNC", 0},
	{"SECCOMP_FILTER_FLAG_LOG", 0},
	{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", 0},
	{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 0},
	{NULL, 0},
};

static const struct name_val ioprio_classes[] = {
	{"IOPRIO_CLASS_RT", IOPRIO_CLASS_RT},
	{"IOPRIO_CLASS_BE", IOPRIO_CLASS_BE},
	{"IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE},
	{NULL, 0},
};

static const struct name_val sched_policies[] = {
	{"SCHED_OTHER", 0}, {"SCHED_FIFO", 1},	{"SCHED_RR", 2},	{"SCHED_BATCH", 3},
	{"SCHED_ISO", 4},   {"SCHED_IDLE", 5},	{"SCHED_DEADLINE", 6}, {NULL, 0},
};

static const struct name_val sched_flags[] = {
	{"SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK},
	{"SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM},
	{"SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN},
	{"SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY},
	{"SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS},
	{"SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN},
	{"SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX},
	{NULL, 0},
};

static const struct name_val mpol_modes[] = {
	{"MPOL_DEFAULT", MPOL_DEFAULT},
	{"MPOL_BIND", MPOL_BIND},
	{"MPOL_INTERLEAVE", MPOL_INTERLEAVE},
	{"MPOL_WEIGHTED_INTERLEAVE", HUSK_MPOL_WEIGHTED_INTERLEAVE},
	{"MPOL_PREFERRED", MPOL_PREFERRED},
	{"MPOL_PREFERRED_MANY", MPOL_PREFERRED_MANY},
	{"MPOL_LOCAL", MPOL_LOCAL},
	{NULL, 0},
};

static const struct name_val mpol_flags[] = {
	{"MPOL_F_NUMA_BALANCING", MPOL_F_NUMA_BALANCING},
	{"MPOL_F_RELATIVE_NODES", MPOL_F_RELATIVE_NODES},
	{"MPOL_F_STATIC_NODES", MPOL_F_STATIC_NODES},
	{NULL, 0},
};

static const struct name_val personality_domains[] = {
	{"LINUX", PER_LINUX},
	{"LINUX32", PER_LINUX32},
	{NULL, 0},
};

static const struct name_val device_types[] = {
	{"c", 'c'}, {"b", 'b'}, {"u", 'u'}, {"p", 'p'}, {NULL, 0},
};

static const struct name_val rule_types[] = {
	{"a", 'a'}, {"c", 'c'}, {"b", 'b'}, {"", 'a'}, {NULL, 0},
};

static int f_enum_int(struct walk *w, int t, void *dst, const struct name_val *tab, const char *what)
{
	long v = 0;
	if (get_enum(w, t, tab, what, &v) < 0)
		return -1;
	*(int *)dst = (int)v;
	return 0;
}

static int f_ns_type(struct walk *w, int t, void *dst)
{
	return f_enum_int(w, t, dst, ns_names, "namespace type");
}

static int f_rlimit_type(struct walk *w, int t, void *dst)
{
	return f_enum_int(w, t, dst, rlimit_names, "rlimit");
}

static int f_scmp_action(struct walk *w, int t, void *dst)
{
	return f_enum_int(w, t, dst, scmp_actions, "seccomp action");
}

static int f_scmp_op(struct walk *w, int t, void *dst)
{
	return f_enum_int(w, t, dst, scmp_ops, "seccomp operator");
}

static int f_ioprio_class(struct walk *w, int t, void *dst)
{
	return f_enum_int(w, t, dst, ioprio_classes, "I/O priority class");
}

static int f_sched_policy(struct walk *w, int t, void *dst)
{
	return f_enum_int(w, t, dst, sched_policies, "scheduler policy");
}

static int f_mpol_mode(struct walk *w, int t, void *dst)
{
	return f_enum_int(w, t, dst, mpol_modes, "memory policy mode");
}

static int f_domain(struct walk *w, int t, void *dst)
{
	return f_enum_int(w, t, dst, personality_domains, "personality domain");
}

static int f_propagation(struct walk *w, int t, void *dst)
{
	long v = 0;
	if (get_enum(w, t, propagation_names, "rootfs propagation", &v) < 0)
		return -1;
	*(unsigned long *)dst = (unsigned long)v;
	return 0;
}

static int f_char_enum(struct walk *w, int t, void *dst, const struct name_val *tab)
{
	long v = 0;
	if (get_enum(w, t, tab, "device type", &v) < 0)
		return -1;
	*(char *)dst = (char)v;
	return 0;
}

static int f_device_type(struct walk *w, int t, void *dst)
{
	return f_char_enum(w, t, dst, device_types);
}

static int f_rule_type(struct walk *w, int t, void *dst)
{
	return f_char_enum(w, t, dst, rule_types);
}

/* ---- arrays and maps ------------------------------------------------------ */

static int f_abs_strv(struct walk *w, int t, void *dst)
{
	struct strv *sv = dst;
	sv->v = json_array(w, t, sizeof(char *), f_abs_path, &sv->n);
	return sv->v ? 0 : -1;
}

/* An array of names from tab (seccomp architectures, flags, ...). */
static int enum_strv(struct walk *w, int t, const struct name_val *tab, const char *what,
		     struct strv *out)
{
	if (json_strv(w, t, out) < 0)
		return -1;
	for (size_t i = 0; i < out->n; i++) {
		if (!find_name(tab, out->v[i])) {
			json_push_index(w, i);
			return json_fail(w, "unknown %s \"%s\"", what, out->v[i]);
		}
	}
	return 0;
}

static const struct field idmap_fields[] = {
	F(struct id_map, "containerID", container_id, json_u32, F_REQ),
	F(struct id_map, "hostID", host_id, json_u32, F_REQ),
	F(struct id_map, "size", size, json_u32, F_REQ),
	{0},
};

static int elem_idmap(struct walk *w, int t, void *elem)
{
	return json_object(w, t, idmap_fields, elem);
}

static int f_idmaps(struct walk *w, int t, void *dst)
{
	struct id_maps *m = dst;
	m->v = json_array(w, t, sizeof(*m->v), elem_idmap, &m->n);
	return m->v ? 0 : -1;
}

/* ---- root, mounts, hooks -------------------------------------------------- */

/* MAJOR.MINOR.PATCH with an optional -pre-release or +build suffix. */
static int f_version(struct walk *w, int t, void *dst)
{
	char **s = dst;
	if (json_str(w, t, s) < 0)
		return -1;
	const char *p = *s;
	for (int part = 0; part < 3; part++) {
		if (!is_digit(*p) || (*p == '0' && is_digit(p[1])))
			return json_fail(w, "\"%s\" is not a SemVer version", *s);
		while (is_digit(*p))
			p++;
		if (part < 2 && *p++ != '.')
			return json_fail(w, "\"%s\" is not a SemVer version", *s);
	}
	return !*p || *p == '-' || *p == '+' ? 0
	                                     : json_fail(w, "\"%s\" is not a SemVer version", *s);
}

static const struct field root_fields[] = {
	F(struct spec, "path", root_path, f_nonempty, F_REQ),
	F(struct spec, "readonly", root_readonly, json_bool, 0),
	{0},
};

static const struct field mount_fields[] = {
	/* config.md: a relative destination is taken as relative to "/". */
	F(struct mount_entry, "destination", destination, f_nonempty, F_REQ),
	F(struct mount_entry, "source", source, json_str, 0),
	F(struct mount_entry, "type", type, json_str, 0),
	F(struct mount_entry, "options", options, json_strv, 0),
	F(struct mount_entry, "uidMappings", uid_mappings, f_idmaps, 0),
	F(struct mount_entry, "gidMappings", gid_mappings, f_idmaps, 0),
	{0},
};

static int elem_mount(struct walk *w, int t, void *elem)
{
	struct mount_entry *m = elem;
	if (json_object(w, t, mount_fields, m) < 0)
		return -1;
	if (!m->uid_mappings.n != !m->gid_mappings.n)
		return json_fail(w, "uidMappings and gidMappings must be given together");
	return 0;
}

static int f_mounts(struct walk *w, int t, void *dst)
{
	struct spec *s = dst;
	s->mounts = json_array(w, t, sizeof(*s->mounts), elem_mount, &s->n_mounts);
	return s->mounts ? 0 : -1;
}

static int f_hook_timeout(struct walk *w, int t, void *dst)
{
	return json_int(w, t, 1, INT32_MAX, dst);
}

static const struct field hook_fields[] = {
	F(struct hook, "path", path, f_abs_path, F_REQ),
	F(struct hook, "args", args, json_strv, 0),
	F(struct hook, "env", env, json_strv, 0),
	F(struct hook, "timeout", timeout, f_hook_timeout, 0),
	{0},
};

static int elem_hook(struct walk *w, int t, void *elem)
{
	struct hook *h = elem;
	h->timeout = UNSET;
	return json_object(w, t, hook_fields, h);
}

static int f_hook_list(struct walk *w, int t, void *dst)
{
	struct hooks *h = dst;
	h->v = json_array(w, t, sizeof(*h->v), elem_hook, &h->n);
	return h->v ? 0 : -1;
}

static const struct field hooks_fields[] = {
	F(struct spec, "prestart", hooks[HOOK_PRESTART], f_hook_list, 0),
	F(struct spec, "createRuntime", hooks[HOOK_CREATE_RUNTIME], f_hook_list, 0),
	F(struct spec, "createContainer", hooks[HOOK_CREATE_CONTAINER], f_hook_list, 0),
	F(struct spec, "startContainer", hooks[HOOK_START_CONTAINER], f_hook_list, 0),
	F(struct spec, "poststart", hooks[HOOK_POSTSTART], f_hook_list, 0),
	F(struct spec, "poststop", hooks[HOOK_POSTSTOP], f_hook_list, 0),
	{0},
};

/* ---- process ------------------------------------------------------------- */

/* runc refuses an entry without '=' or with an empty name. */
static int elem_env(struct walk *w, int t, void *elem)
{
	char **s = elem;
	if (json_str(w, t, s) < 0)
		return -1;
	const char *eq = strchr(*s, '=');
	return eq && eq != *s ? 0 : json_fail(w, "\"%s\" is not NAME=VALUE", *s);
}

static int f_env(struct walk *w, int t, void *dst)
{
	struct strv *sv = dst;
	sv->v = json_array(w, t, sizeof(char *), elem_env, &sv->n);
	return sv->v ? 0 : -1;
}

static int f_gids(struct walk *w, int t, void *dst)
{
	struct process *p = dst;
	p->additional_gids =
		json_array(w, t, sizeof(uint32_t), json_u32, &p->n_additional_gids);
	return p->additional_gids ? 0 : -1;
}

static int f_capset(struct walk *w, int t, void *dst)
{
	struct strv names;
	uint64_t *mask = dst;
	if (json_strv(w, t, &names) < 0)
		return -1;
	*mask = 0;
	for (size_t i = 0; i < names.n; i++) {
		size_t c = 0;
		while (c < sizeof(cap_names) / sizeof(cap_names[0]) && strcmp(cap_names[c], names.v[i]))
			c++;
		if (c < sizeof(cap_names) / sizeof(cap_names[0]))
			*mask |= 1ULL << c;
		else
			log_warn("%s[%zu]: unknown capability \"%s\" ignored", json_path(w), i,
			         names.v[i]);
	}
	return 0;
}

static const struct field caps_fields[] = {
	F(struct caps, "bounding", bounding, f_capset, 0),
	F(struct caps, "effective", effective, f_capset, 0),
	F(struct caps, "permitted", permitted, f_capset, 0),
	F(struct caps, "inheritable", inheritable, f_capset, 0),
	F(struct caps, "ambient", ambient, f_capset, 0),
	{0},
};

static int f_caps(struct walk *w, int t, void *dst)
{
	struct caps *c = dst;
	c->present = true;
	return json_object(w, t, caps_fields, c);
}

static const struct field rlimit_fields[] = {
	F(struct rlimit_entry, "type", resource, f_rlimit_type, F_REQ),
	F(struct rlimit_entry, "soft", soft, json_u64, F_REQ),
	F(struct rlimit_entry, "hard", hard, json_u64, F_REQ),
	{0},
};

static int elem_rlimit(struct walk *w, int t, void *elem)
{
	return json_object(w, t, rlimit_fields, elem);
}

static int f_rlimits(struct walk *w, int t, void *dst)
{
	struct process *p = dst;
	p->rlimits = json_array(w, t, sizeof(*p->rlimits), elem_rlimit, &p->n_rlimits);
	if (!p->rlimits)
		return -1;
	uint64_t seen = 0; /* RLIMIT_* < 64 */
	for (size_t i = 0; i < p->n_rlimits; i++) {
		int r = p->rlimits[i].resource;
		if (seen & (1ULL << r)) {
			json_push_index(w, i);
			json_push_key(w, "type");
			return json_fail(w, "duplicate rlimit \"%s\"", name_of(rlimit_names, r));
		}
		seen |= 1ULL << r;
	}
	return 0;
}

static int f_oom(struct walk *w, int t, void *dst)
{
	return json_int(w, t, -1000, 1000, dst);
}

static int f_ioprio_level(struct walk *w, int t, void *dst)
{
	return json_int(w, t, 0, 7, dst);
}

static const struct field ioprio_fields[] = {
	F(struct process, "class", io_priority_class, f_ioprio_class, F_REQ),
	F(struct process, "priority", io_priority, f_ioprio_level, 0),
	{0},
};

static int f_ioprio(struct walk *w, int t, void *dst)
{
	struct process *p = dst;
	p->has_io_priority = true;
	return json_object(w, t, ioprio_fields, p);
}

/* The strings at t, each one of tab's names, as a bit mask of their values. */
static int enum_bits(struct walk *w, int t, const struct name_val *tab, const char *what,
		     uint64_t *out)
{
	struct strv v;
	if (enum_strv(w, t, tab, what, &v) < 0)
		return -1;
	for (size_t i = 0; i < v.n; i++)
		*out |= (uint64_t)find_name(tab, v.v[i])->val;
	return 0;
}

static int f_sched_flags(struct walk *w, int t, void *dst)
{
	return enum_bits(w, t, sched_flags, "scheduler flag", dst);
}

static const struct field sched_fields[] = {
	F(struct scheduler, "policy", policy, f_sched_policy, F_REQ),
	F(struct scheduler, "nice", nice, json_i32i, 0),
	F(struct scheduler, "priority", priority, json_i32i, 0),
	F(struct scheduler, "flags", flags, f_sched_flags, 0),
	F(struct scheduler, "runtime", runtime, json_u64i, 0),
	F(struct scheduler, "deadline", deadline, json_u64i, 0),
	F(struct scheduler, "period", period, json_u64i, 0),
	{0},
};

/* runc's checks: the fields that mean nothing to the policy must be 0. */
static const char *sched_misfit(const struct scheduler *sc)
{
	bool realtime = sc->policy == SCHED_FIFO || sc->policy == SCHED_RR;
	if ((sc->policy == SCHED_OTHER || sc->policy == SCHED_BATCH) &&
	    (sc->nice < -20 || sc->nice > 19))
		return "nice";
	if (sc->priority && !realtime)
		return "priority";
	if (sc->policy != SCHED_DEADLINE)
		return sc->runtime ? "runtime" : sc->deadline ? "deadline" : sc->period ? "period" : NULL;
	return NULL;
}

static int f_scheduler(struct walk *w, int t, void *dst)
{
	struct scheduler *sc = dst;
	sc->present = true;
	if (json_object(w, t, sched_fields, sc) < 0)
		return -1;
	const char *bad = sched_misfit(sc);
	if (!bad)
		return 0;
	json_push_key(w, bad);
	if (!strcmp(bad, "nice"))
		return json_fail(w, "%" PRId64 " is out of range (-20 to 19)", sc->nice);
	return json_fail(w, "not used by %s: must be 0", name_of(sched_policies, sc->policy));
}

/* One number of a CPU or node list; *p moves past it. Stops growing past
 * BITSET_MAX, so that a huge one is out of range, not wrapped around. */
static bool list_number(const char **p, unsigned long *v)
{
	if (!is_digit(**p))
		return false;
	for (*v = 0; is_digit(**p); (*p)++)
		*v = *v < BITSET_MAX ? *v * 10 + (unsigned long)(**p - '0') : *v;
	return true;
}

/* A list of CPUs or nodes: "0-3,7" (the schema's ^[0-9, -]*$), read as
 * runc does: spaces around an item and empty items are allowed. An empty
 * string is no list (*given false); one that names nothing is an error. */
static int get_bitset(struct walk *w, int t, const char *what, struct bitset *set, bool *given)
{
	const size_t word = 8 * sizeof(set->bits[0]);
	char *s;
	if (json_str(w, t, &s) < 0)
		return -1;
	memset(set, 0, sizeof(*set));
	*given = false;
	if (!*s)
		return 0;
	for (const char *p = s; *p; p += *p == ',') {
		unsigned long lo = 0, hi = 0;
		p += strspn(p, " ");
		if (!*p || *p == ',')
			continue;
		const char *last = p; /* the higher number, for the message */
		bool ok = list_number(&p, &lo);
		hi = lo;
		if (ok && *p == '-') {
			last = ++p;
			ok = list_number(&p, &hi);
		}
		int len = (int)(p - last);
		p += strspn(p, " ");
		if (!ok || (*p && *p != ','))
			return json_fail(w, "\"%s\" is not a %s list", s, what);
		if (hi >= BITSET_MAX)
			return json_fail(w, "\"%s\": %s %.*s is out of range (0 to %d)", s, what,
				    len > 24 ? 24 : len, last, BITSET_MAX - 1);
		if (lo > hi)
			return json_fail(w, "\"%s\": range %lu-%lu is backwards", s, lo, hi);
		for (unsigned long i = lo; i <= hi; i++)
			set->bits[i / word] |= 1UL << (i % word);
		*given = true;
	}
	return *given ? 0 : json_fail(w, "\"%s\" names no %s", s, what);
}

static int f_cpus_initial(struct walk *w, int t, void *dst)
{
	struct exec_affinity *a = dst;
	return get_bitset(w, t, "CPU", &a->initial, &a->has_initial);
}

static int f_cpus_final(struct walk *w, int t, void *dst)
{
	struct exec_affinity *a = dst;
	return get_bitset(w, t, "CPU", &a->final, &a->has_final);
}

static const struct field affinity_fields[] = {
	{"initial", f_cpus_initial, 0, 0, NULL},
	{"final", f_cpus_final, 0, 0, NULL},
	{0},
};

static const struct field console_fields[] = {
	F(struct process, "height", console_height, json_u32, F_REQ),
	F(struct process, "width", console_width, json_u32, F_REQ),
	{0},
};

static const struct field user_fields[] = {
	F(struct process, "uid", uid, json_u32, 0),
	F(struct process, "gid", gid, json_u32, 0),
	F(struct process, "umask", umask, json_u32i, 0),
	{"additionalGids", f_gids, 0, 0, NULL},
	{0},
};

static const struct field process_fields[] = {
	F(struct process, "terminal", terminal, json_bool, 0),
	SUB("consoleSize", 0, console_fields, 0),
	SUB("user", 0, user_fields, 0),
	F(struct process, "args", args, json_strv, 0),
	F(struct process, "env", env, f_env, 0),
	F(struct process, "cwd", cwd, f_abs_path, F_REQ),
	F(struct process, "capabilities", caps, f_caps, 0),
	{"rlimits", f_rlimits, 0, 0, NULL},
	F(struct process, "noNewPrivileges", no_new_privileges, json_bool, 0),
	F(struct process, "oomScoreAdj", oom_score_adj, f_oom, 0),
	F(struct process, "apparmorProfile", apparmor_profile, json_str, 0),
	F(struct process, "selinuxLabel", selinux_label, json_str, 0),
	{"ioPriority", f_ioprio, 0, 0, NULL},
	F(struct process, "scheduler", scheduler, f_scheduler, 0),
	SUB("execCPUAffinity", offsetof(struct process, exec_affinity), affinity_fields, 0),
	{0},
};

/* config.md: args needs at least one entry (non-Windows); user.uid and
 * user.gid default to 0, as with runc. */
static int f_process(struct walk *w, int t, void *dst)
{
	struct spec *s = dst;
	s->has_process = true;
	if (json_object(w, t, process_fields, &s->process) < 0)
		return -1;
	if (s->process.args.n > 0)
		return 0;
	json_push_key(w, "args");
	return json_fail(w, "must have at least one entry");
}

/* ---- linux: namespaces, devices ------------------------------------------ */

static const struct field ns_fields[] = {
	F(struct ns_entry, "type", type, f_ns_type, F_REQ),
	F(struct ns_entry, "path", path, f_abs_path, 0),
	{0},
};

static int elem_ns(struct walk *w, int t, void *elem)
{
	return json_object(w, t, ns_fields, elem);
}

static int f_namespaces(struct walk *w, int t, void *dst)
{
	struct linux_cfg *l = dst;
	l->namespaces = json_array(w, t, sizeof(*l->namespaces), elem_ns, &l->n_namespaces);
	if (!l->namespaces)
		return -1;
	int seen = 0; /* CLONE_NEW* are distinct bits */
	for (size_t i = 0; i < l->n_namespaces; i++) {
		if (seen & l->namespaces[i].type) {
			json_push_index(w, i);
			json_push_key(w, "type");
			return json_fail(w, "duplicate namespace \"%s\"",
			                 spec_ns_name(l->namespaces[i].type));
		}
		seen |= l->namespaces[i].type;
	}
	return 0;
}

static const struct field device_fields[] = {
	F(struct device_entry, "type", type, f_device_type, F_REQ),
	F(struct device_entry, "path", path, f_abs_path, F_REQ),
	F(struct device_entry, "major", major, json_i64, 0),
	F(struct device_entry, "minor", minor, json_i64, 0),
	/* The schema says at most 0777; runc takes any uint32 (callers pass
	 * st_mode & ~S_IFMT, which may carry setuid bits): the user masks. */
	F(struct device_entry, "fileMode", file_mode, json_u32i, 0),
	F(struct device_entry, "uid", uid, json_u32i, 0),
	F(struct device_entry, "gid", gid, json_u32i, 0),
	{0},
};

static int elem_device(struct walk *w, int t, void *elem)
{
	struct device_entry *d = elem;
	d->major = d->minor = d->file_mode = d->uid = d->gid = UNSET;
	if (json_object(w, t, device_fields, d) < 0)
		return -1;
	if (d->type == 'p' || (d->major != UNSET && d->minor != UNSET))
		return 0;
	json_push_key(w, d->major == UNSET ? "major" : "minor");
	return json_fail(w, "required for device type \"%c\"", d->type);
}

static int f_devices(struct walk *w, int t, void *dst)
{
	struct linux_cfg *l = dst;
	l->devices = json_array(w, t, sizeof(*l->devices), elem_device, &l->n_devices);
	return l->devices ? 0 : -1;
}

/* ---- linux.resources ------------------------------------------------------ */

/* A subset of "rwm", each letter at most once. */
static int f_access(struct walk *w, int t, void *dst)
{
	char *s, *access = dst;
	if (json_str(w, t, &s) < 0)
		return -1;
	size_t n = strlen(s);
	if (n > 3 || s[strspn(s, "rwm")] || (n > 1 && s[0] == s[1]) ||
	    (n > 2 && (s[0] == s[2] || s[1] == s[2])))
		return json_fail(w, "\"%s\" is not a subset of \"rwm\"", s);
	snprintf(access, 4, "%s", n ? s : "rwm");
	return 0;
}

static const struct field rule_fields[] = {
	F(struct device_rule, "allow", allow, json_bool, F_REQ),
	F(struct device_rule, "type", type, f_rule_type, 0),
	F(struct device_rule, "major", major, json_i64, 0),
	F(struct device_rule, "minor", minor, json_i64, 0),
	F(struct device_rule, "access", access, f_access, 0),
	{0},
};

/* Defaults as runc's: type "a", major and minor wildcards; access "rwm"
 * (crun's; runc would pass an empty set). */
static int elem_rule(struct walk *w, int t, void *elem)
{
	struct device_rule *r = elem;
	*r = (struct device_rule){.type = 'a', .major = -1, .minor = -1, .access = "rwm"};
	return json_object(w, t, rule_fields, r);
}

static int f_rules(struct walk *w, int t, void *dst)
{
	struct resources *r = dst;
	r->devices = json_array(w, t, sizeof(*r->devices), elem_rule, &r->n_devices);
	return r->devices ? 0 : -1;
}

static const struct field memory_fields[] = {
	F(struct resources, "limit", memory.limit, json_i64, F_LIMIT),
	F(struct resources, "reservation", memory.reservation, json_i64, F_LIMIT),
	F(struct resources, "swap", memory.swap, json_i64, F_LIMIT),
	F(struct resources, "kernel", memory.kernel, json_i64, F_LIMIT),
	F(struct resources, "kernelTCP", memory.kernel_tcp, json_i64, F_LIMIT),
	F(struct resources, "swappiness", memory.swappiness, json_u64i, F_LIMIT),
	F(struct resources, "disableOOMKiller", memory.bool_disable_oom_killer, json_tristate,
	  F_LIMIT),
	F(struct resources, "useHierarchy", memory.bool_use_hierarchy, json_tristate, F_LIMIT),
	F(struct resources, "checkBeforeUpdate", memory.bool_check_before_update, json_tristate,
	  F_LIMIT),
	{0},
};

static const struct field cpu_fields[] = {
	F(struct resources, "shares", cpu.shares, json_u64i, F_LIMIT),
	F(struct resources, "quota", cpu.quota, json_i64, F_LIMIT),
	F(struct resources, "burst", cpu.burst, json_u64i, F_LIMIT),
	F(struct resources, "period", cpu.period, json_u64i, F_LIMIT),
	F(struct resources, "realtimeRuntime", cpu.realtime_runtime, json_i64, F_LIMIT),
	F(struct resources, "realtimePeriod", cpu.realtime_period, json_u64i, F_LIMIT),
	F(struct resources, "idle", cpu.idle, json_i64, F_LIMIT),
	F(struct resources, "cpus", cpu.cpus, json_str, F_LIMIT),
	F(struct resources, "mems", cpu.mems, json_str, F_LIMIT),
	{0},
};

static const struct field pids_fields[] = {
	F(struct resources, "limit", pids_limit, json_i64, F_REQ | F_LIMIT),
	{0},
};

static const struct field weight_fields[] = {
	F(struct weight_device, "major", major, json_i64, F_REQ),
	F(struct weight_device, "minor", minor, json_i64, F_REQ),
	F(struct weight_device, "weight", weight, json_u16i, 0),
	F(struct weight_device, "leafWeight", leaf_weight, json_u16i, 0),
	{0},
};

static int elem_weight(struct walk *w, int t, void *elem)
{
	struct weight_device *d = elem;
	d->weight = d->leaf_weight = UNSET;
	if (json_object(w, t, weight_fields, d) < 0)
		return -1;
	if (d->weight == UNSET && d->leaf_weight == UNSET)
		return json_fail(w, "needs weight or leafWeight");
	return 0;
}

static int f_weights(struct walk *w, int t, void *dst)
{
	struct resources *r = dst;
	r->block_io.weight_devices = json_array(w, t, sizeof(struct weight_device),
					       elem_weight, &r->block_io.n_weight_devices);
	return r->block_io.weight_devices ? 0 : -1;
}

static const struct field throttle_fields[] = {
	F(struct throttle_device, "major", major, json_i64, F_REQ),
	F(struct throttle_device, "minor", minor, json_i64, F_REQ),
	F(struct throttle_device, "rate", rate, json_u64i, F_REQ),
	{0},
};

static int elem_throttle(struct walk *w, int t, void *elem)
{
	return json_object(w, t, throttle_fields, elem);
}

static int f_throttle(struct walk *w, int t, void *dst)
{
	struct throttle_list *l = dst;
	l->v = json_array(w, t, sizeof(*l->v), elem_throttle, &l->n);
	return l->v ? 0 : -1;
}

static const struct field blkio_fields[] = {
	F(struct resources, "weight", block_io.weight, json_u16i, F_LIMIT),
	F(struct resources, "leafWeight", block_io.leaf_weight, json_u16i, F_LIMIT),
	{"weightDevice", f_weights, 0, F_LIMIT, NULL},
	F(struct resources, "throttleReadBpsDevice", block_io.read_bps, f_throttle, F_LIMIT),
	F(struct resources, "throttleWriteBpsDevice", block_io.write_bps, f_throttle, F_LIMIT),
	F(struct resources, "throttleReadIOPSDevice", block_io.read_iops, f_throttle, F_LIMIT),
	F(struct resources, "throttleWriteIOPSDevice", block_io.write_iops, f_throttle, F_LIMIT),
	{0},
};

/* "2MB", "64KB", "1GB": ^[1-9][0-9]*[KMG]B$ */
static int f_page_size(struct walk *w, int t, void *dst)
{
	char **s = dst;
	if (json_str(w, t, s) < 0)
		return -1;
	size_t n = strspn(*s, "0123456789");
	if (n == 0 || **s == '0' || !strchr("KMG", (*s)[n]) || !(*s)[n] || strcmp(*s + n + 1, "B"))
		return json_fail(w, "\"%s\" is not a page size like \"2MB\"", *s);
	return 0;
}

static const struct field hugepage_fields[] = {
	F(struct hugepage_limit, "pageSize", page_size, f_page_size, F_REQ),
	F(struct hugepage_limit, "limit", limit, json_u64, F_REQ),
	{0},
};

static int elem_hugepage(struct walk *w, int t, void *elem)
{
	return json_object(w, t, hugepage_fields, elem);
}

static int f_hugepages(struct walk *w, int t, void *dst)
{
	struct resources *r = dst;
	r->hugepages = json_array(w, t, sizeof(*r->hugepages), elem_hugepage, &r->n_hugepages);
	return r->hugepages ? 0 : -1;
}

static const struct field rdma_fields[] = {
	F(struct rdma_limit, "hcaHandles", hca_handles, json_u32i, 0),
	F(struct rdma_limit, "hcaObjects", hca_objects, json_u32i, 0),
	{0},
};

static int elem_rdma(struct walk *w, int t, void *elem)
{
	struct rdma_limit *r = elem;
	r->device = (char *)json_key_of(w, t);
	r->hca_handles = r->hca_objects = UNSET;
	if (json_object(w, t, rdma_fields, r) < 0)
		return -1;
	if (r->hca_handles == UNSET && r->hca_objects == UNSET)
		return json_fail(w, "needs hcaHandles or hcaObjects");
	return 0;
}

static int f_rdma(struct walk *w, int t, void *dst)
{
	struct resources *r = dst;
	r->rdma = json_map(w, t, sizeof(*r->rdma), elem_rdma, &r->n_rdma);
	return r->rdma ? 0 : -1;
}

/* linux.resources.network (cgroup v1 only): validated, not kept. */
struct net_priority {
	char *name;
	int64_t priority;
};

static const struct field priority_fields[] = {
	F(struct net_priority, "name", name, json_str, F_REQ),
	F(struct net_priority, "priority", priority, json_u32i, F_REQ),
	{0},
};

static int elem_priority(struct walk *w, int t, void *elem)
{
	return json_object(w, t, priority_fields, elem);
}

struct net_cfg {
	int64_t class_id;
	struct net_priority *prio;
	size_t n_prio;
};

static int f_priorities(struct walk *w, int t, void *dst)
{
	struct net_cfg *n = dst;
	n->prio = json_array(w, t, sizeof(*n->prio), elem_priority, &n->n_prio);
	return n->prio ? 0 : -1;
}

static const struct field net_fields[] = {
	F(struct net_cfg, "classID", class_id, json_u32i, F_LIMIT),
	{"priorities", f_priorities, 0, F_LIMIT, NULL},
	{0},
};

static int f_network(struct walk *w, int t, void *dst)
{
	struct net_cfg cfg = {0};
	*(bool *)dst = true;
	return json_object(w, t, net_fields, &cfg);
}

static const struct field resources_fields[] = {
	{"devices", f_rules, 0, 0, NULL},
	SUB("memory", 0, memory_fields, 0),
	SUB("cpu", 0, cpu_fields, 0),
	SUB("pids", 0, pids_fields, 0),
	SUB("blockIO", 0, blkio_fields, 0),
	{"hugepageLimits", f_hugepages, 0, F_LIMIT, NULL},
	F(struct resources, "network", has_network, f_network, 0),
	{"rdma", f_rdma, 0, F_LIMIT, NULL},
	F(struct resources, "unified", unified, json_kvv, F_LIMIT),
	{0},
};

static int f_resources(struct walk *w, int t, void *dst)
{
	struct resources *r = dst;
	r->present = true;
	return json_object(w, t, resources_fields, r);
}

/* ---- linux.seccomp --------------------------------------------------------- */

static bool takes_errno(int action)
{
	return action == (int)SCMP_ACT_ERRNO(0) || action == (int)SCMP_ACT_TRACE(0);
}

static const struct field arg_fields[] = {
	F(struct seccomp_arg, "index", index, json_u32, F_REQ),
	F(struct seccomp_arg, "value", value, json_u64, F_REQ),
	F(struct seccomp_arg, "valueTwo", value_two, json_u64, 0),
	F(struct seccomp_arg, "op", op, f_scmp_op, F_REQ),
	{0},
};

static int elem_arg(struct walk *w, int t, void *elem)
{
	return json_object(w, t, arg_fields, elem);
}

static int f_args(struct walk *w, int t, void *dst)
{
	struct seccomp_rule *r = dst;
	r->args = json_array(w, t, sizeof(*r->args), elem_arg, &r->n_args);
	return r->args ? 0 : -1;
}

static int f_names(struct walk *w, int t, void *dst)
{
	struct strv *sv = dst;
	if (json_strv(w, t, sv) < 0)
		return -1;
	return sv->n ? 0 : json_fail(w, "must have at least one entry");
}

static const struct field rule_seccomp_fields[] = {
	F(struct seccomp_rule, "names", names, f_names, F_REQ),
	F(struct seccomp_rule, "action", action, f_scmp_action, F_REQ),
	F(struct seccomp_rule, "errnoRet", errno_ret, json_u32i, 0),
	{"args", f_args, 0, 0, NULL},
	{0},
};

/* config-linux.md: an errno with an action that takes none is an error. */
static int elem_syscall(struct walk *w, int t, void *elem)
{
	struct seccomp_rule *r = elem;
	r->errno_ret = UNSET;
	if (json_object(w, t, rule_seccomp_fields, r) < 0)
		return -1;
	if (r->errno_ret == UNSET || takes_errno(r->action))
		return 0;
	json_push_key(w, "errnoRet");
	return json_fail(w, "not allowed with action \"%s\"", name_of(scmp_actions, r->action));
}

static int f_syscalls(struct walk *w, int t, void *dst)
{
	struct seccomp *sc = dst;
	sc->rules = json_array(w, t, sizeof(*sc->rules), elem_syscall, &sc->n_rules);
	return sc->rules ? 0 : -1;
}

static int f_arches(struct walk *w, int t, void *dst)
{
	return enum_strv(w, t, scmp_arches, "seccomp architecture", dst);
}

static int f_scmp_flags(struct walk *w, int t, void *dst)
{
	return enum_strv(w, t, scmp_flags, "seccomp flag", dst);
}

static const struct field seccomp_fields[] = {
	F(struct seccomp, "defaultAction", default_action, f_scmp_action, F_REQ),
	F(struct seccomp, "defaultErrnoRet", default_errno_ret, json_u32i, 0),
	F(struct seccomp, "architectures", architectures, f_arches, 0),
	F(struct seccomp, "flags", flags, f_scmp_flags, 0),
	F(struct seccomp, "listenerPath", listener_path, f_abs_path, 0),
	F(struct seccomp, "listenerMetadata", listener_metadata, json_str, 0),
	{"syscalls", f_syscalls, 0, 0, NULL},
	{0},
};

static int f_seccomp(struct walk *w, int t, void *dst)
{
	struct seccomp *sc = dst;
	sc->present = true;
	if (json_object(w, t, seccomp_fields, sc) < 0)
		return -1;
	if (sc->listener_metadata && !sc->listener_path) {
		json_push_key(w, "listenerMetadata");
		return json_fail(w, "not allowed without listenerPath");
	}
	if (sc->default_errno_ret == UNSET || takes_errno(sc->default_action))
		return 0;
	json_push_key(w, "defaultErrnoRet");
	return json_fail(w, "not allowed with action \"%s\"",
	                 name_of(scmp_actions, sc->default_action));
}

/* ---- linux: what husk validates but does not implement yet ----------------- */

static int f_strv_unused(struct walk *w, int t, void *dst)
{
	struct strv sv;
	(void)dst;
	return json_strv(w, t, &sv);
}

static const struct field personality_fields[] = {
	F(struct linux_cfg, "domain", personality_domain, f_domain, F_REQ),
	{"flags", f_strv_unused, 0, 0, NULL},
	{0},
};

static int f_personality(struct walk *w, int t, void *dst)
{
	struct linux_cfg *l = dst;
	l->has_personality = true;
	return json_object(w, t, personality_fields, l);
}

struct rdt_cfg {
	char *clos_id, *l3_cache_schema, *mem_bw_schema;
	struct strv schemata;
	bool enable_monitoring;
};

static int f_mem_bw(struct walk *w, int t, void *dst)
{
	char **s = dst;
	if (json_str(w, t, s) < 0)
		return -1;
	return !strncmp(*s, "MB:", 3) && !strchr(*s, '\n')
	           ? 0
	           : json_fail(w, "must start with \"MB:\" and be one line");
}

static const struct field rdt_fields[] = {
	F(struct rdt_cfg, "closID", clos_id, json_str, 0),
	F(struct rdt_cfg, "l3CacheSchema", l3_cache_schema, json_str, 0),
	F(struct rdt_cfg, "memBwSchema", mem_bw_schema, f_mem_bw, 0),
	F(struct rdt_cfg, "schemata", schemata, json_strv, 0),
	F(struct rdt_cfg, "enableMonitoring", enable_monitoring, json_bool, 0),
	{0},
};

static int f_intel_rdt(struct walk *w, int t, void *dst)
{
	struct rdt_cfg cfg = {0};
	*(bool *)dst = true;
	return json_object(w, t, rdt_fields, &cfg);
}

/* A name the kernel takes for an interface (dev_valid_name): 1 to
 * IFNAMSIZ-1 bytes, not "." or "..", no '/', ':' or blank. With tmpl, a
 * template too: one %d, the first free number there (config-linux.md). */
static int check_ifname(struct walk *w, const char *name, bool tmpl)
{
	if (!*name || strlen(name) >= IFNAMSIZ)
		return json_fail(w, "\"%s\": an interface name has 1 to %d bytes", name, IFNAMSIZ - 1);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return json_fail(w, "\"%s\": not a valid interface name", name);
	for (const char *p = name; *p; p++) {
		if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r') ||
		    (*p == '%' && (!tmpl || p[1] != 'd' || strchr(p + 1, '%'))))
			return json_fail(w, "\"%s\": not a valid interface name (no /, : or blank; "
			                    "%% only in name, as one %%d)", name);
	}
	return 0;
}

static int f_ifname(struct walk *w, int t, void *dst)
{
	char **s = dst;
	return json_str(w, t, s) < 0 ? -1 : check_ifname(w, *s, true);
}

static const struct field netdev_fields[] = {
	F(struct net_device, "name", name, f_ifname, 0),
	{0},
};

static int elem_netdev(struct walk *w, int t, void *elem)
{
	struct net_device *d = elem;
	d->host_name = (char *)json_key_of(w, t);
	return check_ifname(w, d->host_name, false) < 0 ? -1 : json_object(w, t, netdev_fields, d);
}

/* Two devices may not take the same name in the container (a template may). */
static int f_net_devices(struct walk *w, int t, void *dst)
{
	struct linux_cfg *l = dst;
	l->net_devices = json_map(w, t, sizeof(*l->net_devices), elem_netdev, &l->n_net_devices);
	if (!l->net_devices)
		return -1;
	for (size_t i = 0; i < l->n_net_devices; i++)
		for (size_t k = 0; k < i; k++)
			if (!strcmp(netdev_name(&l->net_devices[i]), netdev_name(&l->net_devices[k])) &&
			    !strchr(netdev_name(&l->net_devices[i]), '%')) {
				json_push_key(w, l->net_devices[i].host_name);
				return json_fail(w, "\"%s\" is also the name of %s in the container",
				                 netdev_name(&l->net_devices[i]), l->net_devices[k].host_name);
			}
	return 0;
}

static int f_mpol_flags(struct walk *w, int t, void *dst)
{
	return enum_bits(w, t, mpol_flags, "memory policy flag", dst);
}

static int f_mpol_nodes(struct walk *w, int t, void *dst)
{
	struct mem_policy *m = dst;
	return get_bitset(w, t, "node", &m->nodes, &m->has_nodes);
}

static const struct field mpol_fields[] = {
	F(struct mem_policy, "mode", mode, f_mpol_mode, F_REQ),
	{"nodes", f_mpol_nodes, 0, 0, NULL},
	F(struct mem_policy, "flags", flags, f_mpol_flags, 0),
	{0},
};

/* set_mempolicy(2): MPOL_DEFAULT and MPOL_LOCAL take no nodes, MPOL_PREFERRED
 * zero or more, the others at least one (runc checks the same). */
static int f_memory_policy(struct walk *w, int t, void *dst)
{
	struct mem_policy *m = dst;
	m->present = true;
	if (json_object(w, t, mpol_fields, m) < 0)
		return -1;
	bool none = m->mode == MPOL_DEFAULT || m->mode == MPOL_LOCAL;
	if (m->mode == MPOL_PREFERRED || none != m->has_nodes)
		return 0;
	json_push_key(w, "nodes");
	return json_fail(w, none ? "must be empty for %s" : "required for %s",
	                 name_of(mpol_modes, m->mode));
}

/* The kernel takes 0 to 999999999 (timens_offsets is a timespec). */
static int f_nanosecs(struct walk *w, int t, void *dst)
{
	return json_int(w, t, 0, 999999999, dst);
}

static const struct field offset_fields[] = {
	F(struct time_offset, "secs", secs, json_i64, 0),
	F(struct time_offset, "nanosecs", nanosecs, f_nanosecs, 0),
	{0},
};

static int f_clock_offset(struct walk *w, int t, void *dst)
{
	struct time_offset *o = dst;
	o->given = true;
	return json_object(w, t, offset_fields, o);
}

static const struct field time_fields[] = {
	F(struct linux_cfg, "boottime", boottime, f_clock_offset, 0),
	F(struct linux_cfg, "monotonic", monotonic, f_clock_offset, 0),
	{0},
};

static int f_time_offsets(struct walk *w, int t, void *dst)
{
	struct linux_cfg *l = dst;
	if (json_object(w, t, time_fields, l) < 0)
		return -1;
	l->has_time_offsets = l->boottime.given || l->monotonic.given;
	return 0;
}

/* ---- linux, and the top level --------------------------------------------- */

static const struct field linux_fields[] = {
	{"namespaces", f_namespaces, 0, 0, NULL},
	F(struct linux_cfg, "uidMappings", uid_mappings, f_idmaps, 0),
	F(struct linux_cfg, "gidMappings", gid_mappings, f_idmaps, 0),
	{"timeOffsets", f_time_offsets, 0, 0, NULL},
	{"devices", f_devices, 0, 0, NULL},
	F(struct linux_cfg, "cgroupsPath", cgroups_path, json_str, 0),
	F(struct linux_cfg, "resources", resources, f_resources, 0),
	F(struct linux_cfg, "rootfsPropagation", rootfs_propagation, f_propagation, 0),
	F(struct linux_cfg, "seccomp", seccomp, f_seccomp, 0),
	F(struct linux_cfg, "sysctl", sysctl, json_kvv, 0),
	F(struct linux_cfg, "maskedPaths", masked_paths, f_abs_strv, 0),
	F(struct linux_cfg, "readonlyPaths", readonly_paths, f_abs_strv, 0),
	F(struct linux_cfg, "mountLabel", mount_label, json_str, 0),
	{"personality", f_personality, 0, 0, NULL},
	F(struct linux_cfg, "intelRdt", has_intel_rdt, f_intel_rdt, 0),
	{"netDevices", f_net_devices, 0, 0, NULL},
	F(struct linux_cfg, "memoryPolicy", memory_policy, f_memory_policy, 0),
	{0},
};

static const struct ns_entry *find_ns(const struct linux_cfg *l, int type)
{
	for (size_t i = 0; i < l->n_namespaces; i++)
		if (l->namespaces[i].type == type)
			return &l->namespaces[i];
	return NULL;
}

/* As runc: id mappings only mean something to a user namespace, and time
 * offsets to a new time namespace (they are frozen once a process is in it). */
static int f_linux(struct walk *w, int t, void *dst)
{
	struct linux_cfg *l = dst;
	if (json_object(w, t, linux_fields, l) < 0)
		return -1;
	const struct ns_entry *time = find_ns(l, CLONE_NEWTIME);
	if (l->has_time_offsets && (!time || time->path)) {
		json_push_key(w, "timeOffsets");
		return json_fail(w, "given without a new time namespace in linux.namespaces");
	}
	if ((!l->uid_mappings.n && !l->gid_mappings.n) || find_ns(l, CLONE_NEWUSER))
		return 0;
	json_push_key(w, l->uid_mappings.n ? "uidMappings" : "gidMappings");
	return json_fail(w, "given without a user namespace in linux.namespaces");
}

static const struct field spec_fields[] = {
	F(struct spec, "ociVersion", oci_version, f_version, F_REQ),
	SUB("root", 0, root_fields, F_REQ),
	{"mounts", f_mounts, 0, 0, NULL},
	{"process", f_process, 0, 0, NULL},
	F(struct spec, "hostname", hostname, json_str, 0),
	F(struct spec, "domainname", domainname, json_str, 0),
	SUB("hooks", 0, hooks_fields, 0),
	F(struct spec, "annotations", annotations, json_kvv, 0),
	F(struct spec, "linux", linux, f_linux, 0),
	{0},
};

/* ---- the exported functions ------------------------------------------------ */

static void spec_init(struct spec *s, char *text)
{
	memset(s, 0, sizeof(*s));
	s->text = text;
	s->process.umask = s->process.oom_score_adj = UNSET;
	s->linux.seccomp.default_errno_ret = UNSET;
	struct resources *r = &s->linux.resources;
	int64_t *unset[] = {
		&r->memory.limit, &r->memory.reservation, &r->memory.swap, &r->memory.kernel,
		&r->memory.kernel_tcp, &r->memory.swappiness, &r->cpu.shares, &r->cpu.quota,
		&r->cpu.burst, &r->cpu.period, &r->cpu.realtime_runtime, &r->cpu.realtime_period,
		&r->cpu.idle, &r->pids_limit, &r->block_io.weight, &r->block_io.leaf_weight,
	};
	for (size_t i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
		*unset[i] = UNSET;
	r->memory.bool_disable_oom_killer = r->memory.bool_use_hierarchy = -1;
	r->memory.bool_check_before_update = -1;
}

static int f_config(struct walk *w, int t, void *dst)
{
	return json_object(w, t, spec_fields, dst);
}

/* `update -r`: a LinuxResources object alone, read as if it were
 * {"resources": ...} under linux, so the paths read "resources.memory.limit". */
static int f_resources_alone(struct walk *w, int t, void *dst)
{
	struct spec *s = dst;
	json_push_key(w, "resources");
	return f_resources(w, t, &s->linux.resources);
}

/* top fills s from the top-level object: the whole config, one process
 * (exec --process) or resources alone. Takes text (malloc'd) in every case:
 * on failure all is freed and *s zeroed, on success spec_free releases it. */
static int parse(struct spec *s, char *text, size_t len, field_fn *top, struct husk_err *e)
{
	spec_init(s, text);
	int r = len > CONFIG_MAX
	            ? err_set(e, 0, "larger than %d bytes", CONFIG_MAX)
	            : json_walk(text, len, &s->arena, top, s, &s->linux.resources.first_limit, e);
	if (r < 0)
		spec_free(s);
	return r;
}

int spec_parse(struct spec *s, char *text, size_t len, struct husk_err *e)
{
	return parse(s, text, len, f_config, e);
}

int spec_parse_process(struct spec *s, char *text, size_t len, struct husk_err *e)
{
	return parse(s, text, len, f_process, e);
}

int spec_parse_resources(struct spec *s, char *text, size_t len, struct husk_err *e)
{
	return parse(s, text, len, f_resources_alone, e);
}

int spec_load(struct spec *s, const char *bundle, struct husk_err *e)
{
	char path[4096];
	size_t len;
	if ((size_t)snprintf(path, sizeof(path), "%s/config.json", bundle) >= sizeof(path))
		return err_set(e, ENAMETOOLONG, "config.json: %s/config.json", bundle);
	char *text = read_file_at(AT_FDCWD, path, CONFIG_MAX, &len, e);
	if (!text || spec_parse(s, text, len, e) < 0)
		return err_wrap(e, "config.json: ");
	return 0;
}

void spec_free(struct spec *s)
{
	json_arena_free(s->arena);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

const char *spec_rlimit_name(int resource)
{
	const char *n = name_of(rlimit_names, resource);
	return n ? n : "unknown rlimit";
}

const char *spec_ns_name(int type)
{
	return name_of(ns_names, type);
}

bool spec_has_ns(const struct spec *s, int type)
{
	for (size_t i = 0; i < s->linux.n_namespaces; i++)
		if (s->linux.namespaces[i].type == type)
			return true;
	return false;
}

/* The first field set that husk does not implement yet, or NULL. */
static const char *unsupported_field(const struct spec *s)
{
	const struct linux_cfg *l = &s->linux;
	const struct {
		const char *name;
		bool set;
	} t[] = {
		{"linux.intelRdt", l->has_intel_rdt},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].set)
			return t[i].name;
	return NULL;
}

int spec_mount_idmap(const struct mount_entry *m)
{
	int kind = m->uid_mappings.n || m->gid_mappings.n;
	for (size_t k = 0; k < m->options.n; k++) {
		if (!strcmp(m->options.v[k], "ridmap"))
			return 2;
		if (!strcmp(m->options.v[k], "idmap"))
			kind = 1;
	}
	return kind;
}

static bool has_option(const struct mount_entry *m, const char *w)
{
	for (size_t k = 0; k < m->options.n; k++)
		if (!strcmp(m->options.v[k], w))
			return true;
	return false;
}

/* Idmapped mounts (idmap.c), as runc 1.2: bind mounts only (a new
 * filesystem would need the fsmount API to be idmapped before it is
 * attached); "idmap"/"ridmap" without mappings take the container's user
 * namespace, so need one (config.md: an error MUST be returned otherwise).
 * Mappings of its own need no user namespace in the container. */
static int check_mount(const struct spec *s, const struct mount_entry *m, size_t i,
		       struct husk_err *e)
{
	if (!spec_mount_idmap(m))
		return 0;
	bool bind = (m->type && !strcmp(m->type, "bind")) || has_option(m, "bind") ||
		    has_option(m, "rbind");
	if (!bind)
		return err_set(e, 0, "config.json: mounts[%zu]: only a bind mount can be idmapped "
				     "(this one has type \"%s\")", i, m->type ? m->type : "");
	if (has_option(m, "remount"))
		return err_set(e, 0, "config.json: mounts[%zu]: a remount cannot be idmapped", i);
	if (!m->uid_mappings.n && !find_ns(&s->linux, CLONE_NEWUSER))
		return err_set(e, 0, "config.json: mounts[%zu].options: \"%s\" without uidMappings "
				     "and gidMappings needs a user namespace in linux.namespaces "
				     "(it takes the mapping from it)", i, spec_mount_idmap(m) == 2 ? "ridmap" : "idmap");
	return 0;
}

/* The messages carry "config.json: " themselves: this checks the config. */
int spec_check_supported(const struct spec *s, struct husk_err *e)
{
	const char *what = unsupported_field(s);
	if (what)
		return err_set(e, 0, "config.json: %s: not supported yet", what);
	/* The other limits are checked by cgroup_apply, against the cgroup. */
	if (s->linux.resources.has_network)
		return err_set(e, 0, "config.json: linux.resources.network: not supported (net_cls "
				     "and net_prio exist only in cgroup v1)");
	for (size_t i = 0; i < s->n_mounts; i++)
		if (check_mount(s, &s->mounts[i], i, e) < 0)
			return -1;
	return 0;
}

/* ---- the default config (`husk spec`) -------------------------------------- */

/* runc's (libcontainer/specconv Example), key order and tab indentation as
 * Go's json.MarshalIndent writes them, without the ambient set (runc >= 1.2). */
static const char default_head[] =
	"{\n"
	"\t\"ociVersion\": \"" HUSK_SPEC_VERSION "\",\n"
	"\t\"process\": {\n"
	"\t\t\"terminal\": true,\n"
	"\t\t\"user\": {\n"
	"\t\t\t\"uid\": 0,\n"
	"\t\t\t\"gid\": 0\n"
	"\t\t},\n"
	"\t\t\"args\": [\n"
	"\t\t\t\"sh\"\n"
	"\t\t],\n"
	"\t\t\"env\": [\n"
	"\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
	"\t\t\t\"TERM=xterm\"\n"
	"\t\t],\n"
	"\t\t\"cwd\": \"/\",\n"
	"\t\t\"capabilities\": {\n"
	"\t\t\t\"bounding\": [\n"
	"\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
	"\t\t\t\t\"CAP_KILL\",\n"
	"\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
	"\t\t\t],\n"
	"\t\t\t\"effective\": [\n"
	"\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
	"\t\t\t\t\"CAP_KILL\",\n"
	"\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
	"\t\t\t],\n"
	"\t\t\t\"permitted\": [\n"
	"\t\t\t\t\"CAP_AUDIT_WRITE\",\n"
	"\t\t\t\t\"CAP_KILL\",\n"
	"\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"
	"\t\t\t]\n"
	"\t\t},\n"
	"\t\t\"rlimits\": [\n"
	"\t\t\t{\n"
	"\t\t\t\t\"type\": \"RLIMIT_NOFILE\",\n"
	"\t\t\t\t\"hard\": 1024,\n"
	"\t\t\t\t\"soft\": 1024\n"
	"\t\t\t}\n"
	"\t\t],\n"
	"\t\t\"noNewPrivileges\": true\n"
	"\t},\n"
	"\t\"root\": {\n"
	"\t\t\"path\": \"rootfs\",\n"
	"\t\t\"readonly\": true\n"
	"\t},\n"
	"\t\"hostname\": \"husk\",\n";

struct default_mount {
	const char *dest, *type, *source;
	const char *opts[7]; /* NULL-terminated */
};

static const struct default_mount default_mounts[] = {
	{"/proc", "proc", "proc", {NULL}},
	{"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
	{"/dev/pts", "devpts", "devpts",
	 {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
	{"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
	{"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
	{"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
	{"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}},
};

/* Rootless (runc's ToRootless): sysfs needs a network namespace we do not
 * own, so /sys is bound from the host. */
static const struct default_mount rootless_sys = {
	"/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro", NULL}};

static const char *const default_masked[] = {
	"/proc/acpi",	     "/proc/asound",	 "/proc/kcore",	       "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/sys/firmware",     "/proc/scsi",	 NULL};

static const char *const default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};

/* "<ind>"key": [ ...strings... ]<tail>" */
static void put_list(FILE *f, const char *ind, const char *key, const char *const *v, const char *tail)
{
	fprintf(f, "%s\"%s\": [\n", ind, key);
	for (size_t i = 0; v[i]; i++)
		fprintf(f, "%s\t\"%s\"%s\n", ind, v[i], v[i + 1] ? "," : "");
	fprintf(f, "%s]%s\n", ind, tail);
}

static void put_mount(FILE *f, const struct default_mount *m, bool rootless, bool last)
{
	const char *opts[8];
	size_t n = 0;
	if (rootless && !strcmp(m->dest, "/sys"))
		m = &rootless_sys;
	for (size_t i = 0; m->opts[i]; i++) /* rootless: no uid=/gid= we cannot map */
		if (!rootless || (strncmp(m->opts[i], "uid=", 4) && strncmp(m->opts[i], "gid=", 4)))
			opts[n++] = m->opts[i];
	opts[n] = NULL;
	fprintf(f, "\t\t{\n\t\t\t\"destination\": \"%s\",\n\t\t\t\"type\": \"%s\",\n", m->dest, m->type);
	fprintf(f, "\t\t\t\"source\": \"%s\"%s\n", m->source, n ? "," : "");
	if (n)
		put_list(f, "\t\t\t", "options", opts, "");
	fprintf(f, "\t\t}%s\n", last ? "" : ",");
}

static void put_id_map(FILE *f, const char *key, unsigned id)
{
	fprintf(f,
		"\t\t\"%s\": [\n\t\t\t{\n\t\t\t\t\"containerID\": 0,\n\t\t\t\t\"hostID\": %u,\n"
		"\t\t\t\t\"size\": 1\n\t\t\t}\n\t\t],\n",
		key, id);
}

static void put_linux(FILE *f, bool rootless, bool cgroup_ns)
{
	const char *ns[8];
	size_t n = 0;
	ns[n++] = "pid";
	if (!rootless)
		ns[n++] = "network";
	ns[n++] = "ipc", ns[n++] = "uts", ns[n++] = "mount";
	if (cgroup_ns)
		ns[n++] = "cgroup";
	if (rootless)
		ns[n++] = "user";
	fprintf(f, "\t\"linux\": {\n");
	if (rootless) {
		put_id_map(f, "uidMappings", (unsigned)geteuid());
		put_id_map(f, "gidMappings", (unsigned)getegid());
	} else {
		fprintf(f, "\t\t\"resources\": {\n\t\t\t\"devices\": [\n\t\t\t\t{\n"
			   "\t\t\t\t\t\"allow\": false,\n\t\t\t\t\t\"access\": \"rwm\"\n"
			   "\t\t\t\t}\n\t\t\t]\n\t\t},\n");
	}
	fprintf(f, "\t\t\"namespaces\": [\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "\t\t\t{\n\t\t\t\t\"type\": \"%s\"\n\t\t\t}%s\n", ns[i], i + 1 < n ? "," : "");
	fprintf(f, "\t\t],\n");
	put_list(f, "\t\t", "maskedPaths", default_masked, ",");
	put_list(f, "\t\t", "readonlyPaths", default_readonly, "");
	fprintf(f, "\t}\n}");
}

/* No newline at the end, like runc's file. */
char *spec_default_json(bool rootless, bool cgroup_ns, struct husk_err *e)
{
	char *buf = NULL;
	size_t len = 0, n = sizeof(default_mounts) / sizeof(default_mounts[0]);
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		err_sys(e, "open_memstream");
		return NULL;
	}
	fputs(default_head, f);
	fprintf(f, "\t\"mounts\": [\n");
	for (size_t i = 0; i < n; i++)
		put_mount(f, &default_mounts[i], rootless, i + 1 == n);
	fprintf(f, "\t],\n");
	put_linux(f, rootless, cgroup_ns);
	if (ferror(f) | fclose(f)) {
		err_sys(e, "write the default config");
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- husk features -------------------------------------------------------- */

static void put_table(FILE *f, const char *key, const struct name_val *t, bool (*keep)(const char *))
{
	const char *names[64];
	size_t n = 0;
	for (; t->name && n < 63; t++)
		names[n++] = t->name;
	names[n] = NULL;
	json_put_names(f, key, names, keep);
}

static bool libseccomp_knows(const char *arch)
{
	char lower[32];
	size_t i = 0;
	for (const char *p = arch + strlen("SCMP_ARCH_"); *p && i < sizeof(lower) - 1; p++)
		lower[i++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	lower[i] = '\0';
	return seccomp_arch_resolve_name(lower) != 0;
}

/* A namespace type this kernel has (/proc/self/ns names it): 32-bit ARM
 * kernels have no time namespace, and cloning one fails with EINVAL. */
bool spec_kernel_has_ns(const char *type)
{
	char path[32];
	snprintf(path, sizeof path, "/proc/self/ns/%s",
		 !strcmp(type, "network") ? "net" : !strcmp(type, "mount") ? "mnt" : type);
	return access(path, F_OK) == 0;
}

/* The names this parser accepts: namespaces (those this kernel has),
 * capabilities, and seccomp's actions, operators and the architectures
 * libseccomp can filter. */
void spec_features(FILE *f)
{
	put_table(f, "namespaces", ns_names, spec_kernel_has_ns);
	fputs(", ", f);
	const char *caps[sizeof(cap_names) / sizeof(cap_names[0]) + 1];
	size_t n = 0;
	for (; n < sizeof(cap_names) / sizeof(cap_names[0]); n++)
		caps[n] = cap_names[n];
	caps[n] = NULL;
	json_put_names(f, "capabilities", caps, NULL);
	fputs(", \"seccomp\": {\"enabled\": true, ", f);
	put_table(f, "actions", scmp_actions, NULL);
	fputs(", ", f);
	put_table(f, "operators", scmp_ops, NULL);
	fputs(", ", f);
	put_table(f, "archs", scmp_arches, libseccomp_knows);
}
