/* husk.h: what husk's files share.
 *
 * One error type, the parsed config, and each file's exported functions.
 * Conventions: functions return -1 on failure with *e filled, >= 0 on success.
 * Only main() prints an error. */
#ifndef HUSK_H
#define HUSK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* GNU C predefines `linux` as 1; the config's "linux" object keeps its name. */
#undef linux

#define HUSK_VERSION "0.2.2"
#ifndef HUSK_COMMIT
#define HUSK_COMMIT "" /* the Makefile passes the git commit it builds from */
#endif
#define HUSK_SPEC_VERSION "1.3.0"

/* ---- errors (util.c) ---------------------------------------------------- */

/* A fixed buffer: the error path never allocates, and a child can send the
 * whole struct to its parent in one write(). */
struct husk_err {
	int errnum; /* errno, 0 when the message says it all */
	char msg[256];
};

/* Fill *e with errnum and a message; return -1. */
int err_set(struct husk_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, errnum taken from errno (captured before formatting). */
int err_sys(struct husk_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Put context in front of the message: "config.json: " + old msg. */
int err_wrap(struct husk_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "msg: strerror(errnum)" (or just msg) into buf. */
const char *err_text(const struct husk_err *e, char *buf, size_t len);

/* Fault injection (make husk-fault, -DHUSK_FAULT): SIGKILL the calling
 * process at the point named by $HUSK_FAULT; with $HUSK_FAULT_LIST set,
 * print each point's name to stderr as it is passed. A no-op otherwise. */
#ifdef HUSK_FAULT
void fault_point(const char *name);
#else
static inline void fault_point(const char *name)
{
	(void)name;
}
#endif

/* Cleanup helpers for __attribute__((cleanup)). */
void close_fdp(int *fd);
void free_p(void *pp);
#define AUTO_FD __attribute__((cleanup(close_fdp))) int
#define AUTO_FREE __attribute__((cleanup(free_p)))
static inline int take_fd(int *fd) { int r = *fd; *fd = -1; return r; }

/* Small file helpers; all return -1 with *e filled on failure. */
int write_file_at(int dirfd, const char *path, const char *data, size_t len, struct husk_err *e);
int write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len, int mode,
			 struct husk_err *e);
/* The same for a file that usually exists already (see util.c). */
int replace_file_at(int dirfd, const char *name, const char *data, size_t len, int mode,
		    struct husk_err *e);
/* Read a whole file (at most max bytes) into a NUL-terminated malloc'd buffer. */
char *read_file_at(int dirfd, const char *path, size_t max, size_t *len, struct husk_err *e);
/* The same from an open fd (a pipe) until EOF; path names it in errors. */
char *read_fd(int fd, const char *path, size_t max, size_t *len, struct husk_err *e);
/* The n-th (from 0) blank-separated field of line into buf; -1 when line has
 * fewer fields or it does not fit. (No scanf in husk: it and strtod pull
 * musl's float scanner, 15 KB of a static arm64 binary.) */
int field(const char *line, int n, char *buf, size_t len);
/* field() as a number (base 10, or 16): -1 unless the whole field is one. */
int field_u64(const char *line, int n, int base, unsigned long long *v);

/* RFC 3339 UTC with nanoseconds, as containerd and runc's logrus write it. */
void time_rfc3339(char *buf, size_t len);

/* A JSON string, quoted and escaped. */
void json_put_string(FILE *f, const char *s);
/* "key": [names...] from a NULL-terminated list; keep (if set) filters. */
void json_put_names(FILE *f, const char *key, const char *const *names, bool (*keep)(const char *));
/* `husk features`: each file writes the names its own tables accept. */
void spec_features(FILE *f);
void mount_features(FILE *f);
void seccomp_features(FILE *f);

/* Open the --log file once (main, after the options). */
int log_open(struct husk_err *e);
/* fd is the --log file's (so not one the caller passed to husk). */
bool log_is_fd(int fd);
/* A connected AF_UNIX stream socket; what names it in errors. */
int unix_connect(const char *path, const char *what, struct husk_err *e);

/* Send fd with payload over a unix socket (SCM_RIGHTS); -1 with errno. */
int send_fd(int sock, int fd, const char *payload);
/* The same with len bytes of buf (on a SOCK_SEQPACKET socket: one message). */
int send_fd_buf(int sock, int fd, const void *buf, size_t len);

/* Logging (--log, --log-format, --debug). log_debug prints only with --debug. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The one place the final error is printed: stderr and the log file. */
void log_error(const struct husk_err *e);

/* ---- the parsed config (spec.c) ------------------------------------------ */

#define UNSET INT64_MIN /* an optional integer the config did not give */

struct strv {
	char **v; /* NULL-terminated: v[n] == NULL */
	size_t n;
};

struct kv {
	char *key, *value;
};

struct kvv {
	struct kv *v;
	size_t n;
};

struct id_map {
	uint32_t container_id, host_id, size;
};

struct id_maps {
	struct id_map *v;
	size_t n;
};

struct mount_entry {
	char *destination; /* required */
	char *source;      /* may be NULL */
	char *type;        /* may be NULL */
	struct strv options;
	struct id_maps uid_mappings, gid_mappings; /* idmapped mounts */
};

struct rlimit_entry {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

/* Capability sets as bit masks over CAP_* numbers. */
struct caps {
	bool present; /* process.capabilities given at all */
	uint64_t bounding, effective, permitted, inheritable, ambient;
};

struct hook {
	char *path; /* required, absolute */
	struct strv args, env;
	int64_t timeout; /* seconds, UNSET = none; must be > 0 when given */
};

enum hook_kind {
	HOOK_PRESTART,
	HOOK_CREATE_RUNTIME,
	HOOK_CREATE_CONTAINER,
	HOOK_START_CONTAINER,
	HOOK_POSTSTART,
	HOOK_POSTSTOP,
	HOOK_KINDS
};

struct hooks {
	struct hook *v;
	size_t n;
};

/* A set of CPUs or NUMA nodes, from a list like "0-3,7", laid out as the
 * kernel takes it (sched_setaffinity, set_mempolicy): bit n is CPU or node n. */
#define BITSET_MAX 1024
struct bitset {
	unsigned long bits[BITSET_MAX / (8 * sizeof(unsigned long))];
};

/* process.scheduler, as sched_setattr(2) takes it (absent fields are 0). */
struct scheduler {
	bool present;
	int policy;     /* SCHED_* */
	int64_t nice, priority;
	uint64_t flags; /* SCHED_FLAG_* bits */
	int64_t runtime, deadline, period; /* ns, for SCHED_DEADLINE */
};

/* process.execCPUAffinity: for `husk exec` only. An empty list is not given. */
struct exec_affinity {
	bool has_initial, has_final;
	struct bitset initial, final;
};

struct process {
	bool terminal;
	uint32_t console_height, console_width; /* 0 = not given */
	uint32_t uid, gid;
	int64_t umask; /* UNSET = not given */
	uint32_t *additional_gids;
	size_t n_additional_gids;
	struct strv args, env;
	char *cwd; /* required, absolute */
	struct caps caps;
	struct rlimit_entry *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	int64_t oom_score_adj; /* UNSET = not given */
	char *apparmor_profile, *selinux_label;
	bool has_io_priority;
	int io_priority_class; /* IOPRIO_CLASS_* */
	int64_t io_priority;
	struct scheduler scheduler;
	struct exec_affinity exec_affinity;
};

struct ns_entry {
	int type;   /* CLONE_NEW* */
	char *path; /* join this namespace; NULL = create one */
};

struct device_entry {
	char *path;
	char type; /* 'c', 'b', 'u' or 'p' */
	int64_t major, minor; /* required for c/b/u */
	int64_t file_mode, uid, gid; /* UNSET = not given */
};

struct device_rule {
	bool allow;
	char type;          /* 'a', 'c' or 'b' */
	int64_t major, minor; /* -1 = wildcard */
	char access[4];     /* subset of "rwm" */
};

/* linux.resources: every field the spec defines; UNSET where not given.
 * cgroup.c applies them (v2 names; runc's v1-to-v2 conversions). */
struct weight_device {
	int64_t major, minor, weight, leaf_weight;
};
struct throttle_device {
	int64_t major, minor, rate;
};
struct throttle_list {
	struct throttle_device *v;
	size_t n;
};
struct hugepage_limit {
	char *page_size;
	uint64_t limit;
};
struct rdma_limit {
	char *device;
	int64_t hca_handles, hca_objects;
};

struct resources {
	bool present;
	struct device_rule *devices;
	size_t n_devices;
	struct {
		int64_t limit, reservation, swap, kernel, kernel_tcp, swappiness;
		int bool_disable_oom_killer; /* -1 unset, 0 false, 1 true */
		int bool_use_hierarchy;
		int bool_check_before_update;
	} memory;
	struct {
		int64_t shares, quota, burst, period, realtime_runtime, realtime_period, idle;
		char *cpus, *mems;
	} cpu;
	int64_t pids_limit;
	struct {
		int64_t weight, leaf_weight;
		struct weight_device *weight_devices;
		size_t n_weight_devices;
		struct throttle_list read_bps, write_bps, read_iops, write_iops;
	} block_io;
	struct hugepage_limit *hugepages;
	size_t n_hugepages;
	struct rdma_limit *rdma;
	size_t n_rdma;
	bool has_network; /* linux.resources.network (v1 only: classID, priorities) */
	struct kvv unified;
	/* JSON path of the first field set, other than devices, or NULL:
	 * lets the runtime refuse limits it cannot apply by naming one. */
	const char *first_limit;
};

struct seccomp_arg {
	uint32_t index;
	uint64_t value, value_two;
	int op; /* SCMP_CMP_* */
};

struct seccomp_rule {
	struct strv names;
	int action; /* SCMP_ACT_* without the errno part */
	int64_t errno_ret; /* UNSET = default */
	struct seccomp_arg *args;
	size_t n_args;
};

struct seccomp {
	bool present;
	int default_action;
	int64_t default_errno_ret;
	struct strv architectures; /* SCMP_ARCH_* names as given */
	struct strv flags;
	char *listener_path, *listener_metadata;
	struct seccomp_rule *rules;
	size_t n_rules;
};

/* linux.timeOffsets: one clock's offset (absent fields are 0). */
struct time_offset {
	bool given;
	int64_t secs, nanosecs;
};

/* linux.memoryPolicy, as set_mempolicy(2) takes it. */
struct mem_policy {
	bool present;
	int mode;       /* MPOL_* */
	uint64_t flags; /* MPOL_F_* bits */
	bool has_nodes; /* a non-empty nodes list */
	struct bitset nodes;
};

/* linux.netDevices: a host interface moved into the container's network
 * namespace, renamed there when name is given. */
struct net_device {
	char *host_name; /* the map's key */
	char *name;      /* NULL = keep host_name */
};

static inline const char *netdev_name(const struct net_device *d)
{
	return d->name ? d->name : d->host_name;
}

struct linux_cfg {
	struct ns_entry *namespaces;
	size_t n_namespaces;
	struct id_maps uid_mappings, gid_mappings;
	struct device_entry *devices;
	size_t n_devices;
	char *cgroups_path;
	struct resources resources;
	unsigned long rootfs_propagation; /* MS_* flags, 0 = not given */
	struct seccomp seccomp;
	struct kvv sysctl;
	struct strv masked_paths, readonly_paths;
	char *mount_label;
	bool has_personality, has_intel_rdt;
	struct net_device *net_devices; /* linux.netDevices */
	size_t n_net_devices;
	int personality_domain; /* PER_LINUX or PER_LINUX32 */
	bool has_time_offsets; /* a clock given in timeOffsets */
	struct time_offset boottime, monotonic;
	struct mem_policy memory_policy;
};

struct spec {
	char *oci_version;
	char *root_path; /* required: relative to the bundle or absolute */
	bool root_readonly;
	struct mount_entry *mounts;
	size_t n_mounts;
	bool has_process; /* required by create/run, optional in the schema */
	struct process process;
	char *hostname, *domainname;
	struct hooks hooks[HOOK_KINDS];
	struct kvv annotations;
	struct linux_cfg linux;

	char *text; /* the config file's bytes; the strings above point into it */
	void *arena; /* every other allocation; spec_free releases it */
};

/* Parse config.json text (len bytes) into *s. Every error names the JSON
 * path: "process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"". */
int spec_parse(struct spec *s, char *text, size_t len, struct husk_err *e);
/* Parse a process object alone (exec --process FILE) into s->process. */
int spec_parse_process(struct spec *s, char *text, size_t len, struct husk_err *e);
/* Read <bundle>/config.json and parse it ("config.json: " in front of errors). */
int spec_load(struct spec *s, const char *bundle, struct husk_err *e);
/* Refuse what husk parses but does not implement yet, naming the field. */
int spec_check_supported(const struct spec *s, struct husk_err *e);
/* Is the mount idmapped: 0 no, 1 its top mount (mappings, or "idmap"),
 * 2 every mount of its tree ("ridmap"). */
int spec_mount_idmap(const struct mount_entry *m);
/* A LinuxResources JSON object alone (update -r) into s->linux.resources;
 * takes text (malloc'd) as spec_parse does; paths read "resources.memory...". */
int spec_parse_resources(struct spec *s, char *text, size_t len, struct husk_err *e);
void spec_free(struct spec *s);
/* The default config of `husk spec` (runc's, hostname "husk"). */
char *spec_default_json(bool rootless, bool cgroup_ns, struct husk_err *e);
/* "RLIMIT_NOFILE" for RLIMIT_NOFILE. */
const char *spec_rlimit_name(int resource);
/* Name of a namespace type: "pid", "network", ... */
const char *spec_ns_name(int type);
/* Does linux.namespaces list type (a new one or one joined by path)? */
bool spec_has_ns(const struct spec *s, int type);
/* Does this kernel have namespaces of this type ("time", "network"...)? */
bool spec_kernel_has_ns(const char *type);

/* ---- linux.sysctl: which keys a container may set (sysctl.c) ------------ */

/* The container's own namespaces a key may be scoped by (new, or joined and
 * not husk's own). */
#define SYSCTL_OWN_IPC 1u
#define SYSCTL_OWN_NET 2u
#define SYSCTL_OWN_UTS 4u
/* One key (dotted, as in the config), given the SYSCTL_OWN_* the container
 * has: refused when it is not scoped by one of them, in runc's words, or
 * when it would not name one file below /proc/sys. Pure. */
int sysctl_check_key(const char *key, unsigned own, struct husk_err *e);
/* Every key of linux.sysctl, the namespaces taken from the spec (a joined
 * one is compared with husk's own through /proc/self/ns). */
int sysctl_check(const struct spec *s, struct husk_err *e);
/* 1 when the spec gives the container a namespace of this type (name: its
 * /proc/self/ns file) of its own: a new one, or one joined by a path that
 * is not husk's own. 0 when not, -1 on error (netdev.c uses it too). */
int sysctl_own_ns(const struct spec *s, int type, const char *name, struct husk_err *e);

/* ---- linux.netDevices (netdev.c) ------------------------------------------ */

/* At create, before anything exists: the container has a network namespace
 * of its own, and each device is in husk's. Errors read
 * "config.json: linux.netDevices[\"eth1\"]: ...". */
int netdev_check(const struct spec *s, struct husk_err *e);
/* Move each device into the network namespace nsfd under its name there,
 * with its permanent global addresses, and set it up. proc: the verified
 * procfs handle (for husk's own namespace). Stops at the first failure:
 * the devices before it are in the container. */
int netdev_move_in(const struct spec *s, int proc, int nsfd, struct husk_err *e);

/* ---- husk's own process, before it acts (guard.c) --------------------------- */

/* Re-exec husk from a sealed memfd copy unless it runs from one, or from a
 * read-only filesystem. Returns only on error; 0 when nothing needs doing. */
int guard_sealed(char **argv, struct husk_err *e);
/* fds 3 .. 3+listen_fds+preserve_fds-1 are open, and none is husk's --log:
 * checked before husk opens anything. */
int guard_passed_fds(int listen_fds, int preserve_fds, struct husk_err *e);

/* ---- the parsed command line (runtime.c) --------------------------------- */

extern const char *opt_root;     /* --root, default /run/husk */
extern const char *opt_log;      /* --log FILE, NULL = none */
extern bool opt_log_json;        /* --log-format json */
extern bool opt_debug;           /* --debug */
extern bool opt_systemd;         /* --systemd-cgroup */
extern const char *opt_criu;     /* --criu PATH, NULL = criu from $PATH */

enum status { ST_CREATING, ST_CREATED, ST_RUNNING, ST_PAUSED, ST_STOPPED };

struct state {
	char id[256];
	pid_t pid;
	unsigned long long start_time; /* field 22 of /proc/PID/stat */
	char bundle[4096], rootfs[4096];
	char cgroup[4096];     /* absolute path of the cgroup dir, "" = none */
	char cgroup_top[4096]; /* the topmost dir husk created for it, removed at delete */
	char unit[256];        /* --systemd-cgroup: the scope systemd holds the cgroup in */
	unsigned long long cgroup_ino; /* and its cgroup's inode: the scope is still husk's */
	char created[64];  /* RFC 3339 */
	char owner[64];
	char *annotations_json; /* the config's annotations object, verbatim; may be NULL */
	unsigned hooks;         /* bit k: the config has hooks of kind k (enum hook_kind) */
	bool no_process;        /* the config has no process: start must fail (runtime.md) */
	enum status status; /* derived, not stored */
};

/* ---- what the commands share: options and loading (runtime.c) ------------ */

/* One option table per command, ended by OPT_END. An option sets a bool,
 * takes a value, or takes a repeatable value; positional arguments are
 * collected in order. `husk CMD --help` prints the same table, so the help
 * lists exactly what the parser accepts. */
struct multi {
	const char *v[64];
	int n;
};

struct opt {
	const char *name; /* long name, without "--" */
	char short_name;
	bool *flag;          /* set to true, or */
	const char **arg;    /* takes a value, or */
	struct multi *multi; /* takes a value, repeatable */
	const char *value;   /* what the value is, for the help: DIR, N... */
	const char *help;    /* one line for the help */
};

#define FLAG(n, s, p, h) {.name = (n), .short_name = (s), .flag = (p), .help = (h)}
#define ARG(n, s, p, v, h) {.name = (n), .short_name = (s), .arg = (p), .value = (v), .help = (h)}
#define MULTI(n, s, p, v, h) \
	{.name = (n), .short_name = (s), .multi = (p), .value = (v), .help = (h)}
#define OPT_END {.name = NULL}

struct args {
	const char *pos[8];
	int npos;
};

/* Fill t's targets and out->pos from argv: max_pos positional arguments at
 * most (< 0: the global options, see runtime.c). -h or --help, where t has
 * no such option, prints the command's help and exits 0. */
int parse_opts(const struct opt *t, int argc, char **argv, struct args *out, int max_pos,
	       struct husk_err *e);
/* A command on one container: parse (the id and one more argument at most),
 * open --root and load the id's state ("container ID does not exist").
 * state_release frees what st holds. */
int load_one(int argc, char **argv, const struct opt *t, const char *cmd, struct args *a,
	     struct state *st, int *rootfd, int *dirfd, struct husk_err *e);

/* The commands on a live container's cgroup (manage.c), for the command table. */
int cmd_pause(int argc, char **argv, struct husk_err *e);
int cmd_resume(int argc, char **argv, struct husk_err *e);
int cmd_ps(int argc, char **argv, struct husk_err *e);
int cmd_events(int argc, char **argv, struct husk_err *e);
int cmd_update(int argc, char **argv, struct husk_err *e);

/* ---- checkpoint and restore through criu's command line (checkpoint.c) ---- */

/* The options of both commands (runc's); runtime.c's tables fill them. */
struct cr_opts {
	const char *image_path, *work_path, *parent_path, *cg_mode;
	bool leave_running, tcp_established, ext_unix_sk, shell_job, file_locks, pre_dump;
	const char *bundle, *pid_file, *console_socket; /* restore */
	bool detach, no_subreaper, no_pivot;              /* restore */
	/* runc's, refused by name: husk does not drive these criu modes */
	const char *page_server, *status_fd, *empty_ns, *lsm_profile, *lsm_mount_context;
	bool lazy_pages, auto_dedup;
};
int checkpoint_run(const struct cr_opts *o, const char *id, struct husk_err *e);
/* runtime.c's helpers that exec.c shares */
int parse_int(const char *s, const char *what, int *out, struct husk_err *e);
int connect_console(const char *path, struct husk_err *e);
int connect_pidfd_socket(const char *path, int *sock, struct husk_err *e);
int send_pidfd(int *sock, pid_t pid, const char *kind, struct husk_err *e);
int load_saved_config(int dirfd, struct spec *s, struct husk_err *e);
int cmd_exec(int argc, char **argv, struct husk_err *e);
int cmd_checkpoint(int argc, char **argv, struct husk_err *e);
int cmd_restore(int argc, char **argv, struct husk_err *e);
/* runtime.c: the one positional id a command takes; a path made absolute. */
int want_id(const struct args *a, const char *cmd, struct husk_err *e);
const char *abs_path(const char *p, char *buf, size_t len);
int restore_run(const struct cr_opts *o, const char *id, struct husk_err *e);

/* ---- a container being created (container.c) ----------------------------- */

struct container {
	const char *id;
	char bundle[4096]; /* absolute */
	char rootfs[4096]; /* absolute */
	struct spec spec;
	char *config_raw;  /* config.json's bytes as parsed (resolve_bundle), for save_config */
	size_t config_raw_len;
	struct state *st;  /* what hooks are told; pid filled by container_spawn */
	int cgroup_fd;     /* -1 when no cgroup v2 is mounted */
	int start_fd;      /* exec.sock, listening: `start` connects to it */
	int listen_fds;    /* LISTEN_FDS passed on from husk's environment */
	int preserve_fds;  /* --preserve-fds */
	int unshare_flags; /* namespaces the init unshares itself (see clone_flags) */
	bool no_pivot, no_new_keyring;
	int sync_fd;  /* the parent's end of the sync channel, between clone and ready */
	bool placed;  /* born in its cgroup by clone3 */
	struct seccomp_filter *seccomp; /* linux.seccomp compiled, NULL = none */
	pid_t pid; /* the container's init, in the host's pid namespace */
};

/* What create and restore share (runtime.c): the bundle made absolute, its
 * config loaded and c->rootfs resolved (cwd: the bundle); st filled from c
 * (pid 0, ST_CREATING); the bundle's config.json kept in the state dir;
 * the --pid-file written. */
int resolve_bundle(struct container *c, const char *bundle, struct husk_err *e);
void fill_state(struct state *st, const struct container *c);
int save_config(int dirfd, struct container *c, struct husk_err *e);
/* husk features (features.c) */
int cmd_features(int argc, char **argv, struct husk_err *e);
int write_pid_file(const char *path, pid_t pid, struct husk_err *e);
/* run's foreground: relay the pty (console_local: where its master comes,
 * or -1), forward signals, return the exit code as a shell's. */
int wait_in_foreground(pid_t pid, int console_local);
/* delete's end: kill what is left, poststop hooks, cgroup and state gone. */
int destroy(int rootfd, int dirfd, struct state *st, struct husk_err *e);

/* AppArmor is on in this kernel (process.apparmorProfile can be applied). */
bool apparmor_enabled(void);

/* ---- SELinux labels (label.c) ---------------------------------------------- */

bool selinux_enabled(void);
/* At create: the labels a host without SELinux ignores, each with a warning. */
void label_warn_ignored(const struct spec *s);
/* process.selinuxLabel for the next execve, where SELinux is enabled. */
int label_process(int proc, const char *label, struct husk_err *e);
/* The context= a fresh mount of this type gets, or NULL. */
const char *label_mount(const struct spec *s, const char *type);
/* Start the container's init in three steps, so that the caller can work
 * while the init sets itself up: container_clone (c->pid set, the init
 * waiting for GO), container_go (place it, write the id maps, let it go),
 * then container_ready (run the runtime's hooks when asked, return at
 * READY, the init then waiting on exec.sock). console_sock gets the pty
 * master when process.terminal is set, else -1. container_go and
 * container_ready kill and reap the init on failure; an init whose husk
 * dies meanwhile exits at its next message. */
int container_clone(struct container *c, int console_sock, struct husk_err *e);
int container_go(struct container *c, struct husk_err *e);
int container_ready(struct container *c, struct husk_err *e);
/* Run the hooks of one kind (hooks is the config's array of HOOK_KINDS);
 * state_json goes to each hook's stdin. Errors name the kind and path. */
int hooks_run(const struct hooks *hooks, enum hook_kind kind, const char *state_json,
	      struct husk_err *e);

/* In the init: send the runtime the detached tree (an open_tree clone of
 * mounts[mount]'s source) on the sync channel, and wait until it has
 * idmapped it (idmap_attach). A failure there ends create in the parent. */
int container_ask_idmap(int sync, size_t mount, int tree, struct husk_err *e);

/* exec: a new process in the namespaces, root and cgroup of st's init. */
struct exec_req {
	const struct state *st;        /* the container, running */
	const struct process *process; /* what to run */
	struct seccomp_filter *seccomp; /* the container's filter, NULL = none */
	const struct mem_policy *mem_policy; /* the container's, NULL = none */
	const char *sub_cgroup;        /* exec --cgroup: below the container's, NULL = its own */
	int console;                   /* gets the pty master when process->terminal */
	int preserve_fds;
	int rootfd;                    /* internal: /proc/PID/root */
	int proc;                      /* internal: the verified procfs handle (the host's) */
	int last_cap;                  /* internal: the kernel's highest capability */
	int enter_cgroup;              /* internal: the cgroup the child enters itself, -1 = born in it */
	pid_t pid;                     /* out: the new process */
};
/* Returns once the process has exec'd the program (or failed, with the
 * error from inside the container). */
int container_exec(struct exec_req *x, struct husk_err *e);

/* ---- inside the child: the root filesystem (mount.c) --------------------- */

/* Make the mount namespace private (rootfsPropagation), bind the rootfs,
 * mount every entry of s->mounts in order, populate /dev. Runs in the new
 * mount namespace, before the root is changed. rootfs is absolute; sync is
 * the init's sync channel, for idmapped mounts (container_ask_idmap). */
int mount_prepare_rootfs(const struct spec *s, const char *rootfs, int sync, struct husk_err *e);

/* ---- idmapped mounts (idmap.c) -------------------------------------------- */

/* m as uid_map or gid_map lines ("containerID hostID size") in buf: their
 * length, or -1 when they do not fit. */
int idmap_lines(const struct id_maps *m, char *buf, size_t len);
/* The kernel has mount_setattr (Linux 5.12), which idmapped mounts need. */
bool idmap_supported(void);
/* Before anything is created: the host can make the config's idmapped
 * mounts (husk runs as root, the kernel has mount_setattr). */
int idmap_check_host(const struct spec *s, struct husk_err *e);
/* In the init: a detached clone of mounts[i]'s source (its whole tree when
 * rec: rbind), idmapped by the runtime; the caller attaches it. */
int idmap_clone(const struct mount_entry *m, size_t i, bool rec, int sync, struct husk_err *e);
/* In husk's parent: give tree, the init's clone of mounts[i], the mount's
 * idmapping (its own mappings in a user namespace made for it, or the
 * user namespace of init, the container's). Errors read
 * "config.json: mounts[i]: ...". */
int idmap_attach(const struct spec *s, size_t i, pid_t init, int tree, struct husk_err *e);
/* Make rootfs the root: pivot_root, or MS_MOVE + chroot with --no-pivot and
 * where pivot_root cannot work (initramfs), hiding the host's mounts first. */
int mount_enter_rootfs(const struct spec *s, const char *rootfs, bool no_pivot, struct husk_err *e);
/* Before the root is changed: readonlyPaths, then maskedPaths. */
int mount_protect_paths(const struct spec *s, const char *rootfs, struct husk_err *e);
/* After it is changed: root.readonly. */
int mount_finish_rootfs(const struct spec *s, struct husk_err *e);

/* ---- cgroups (cgroup.c) --------------------------------------------------- */

/* Create the container's cgroup dir (path out, and top: the topmost dir
 * husk had to create, "" when it existed) and return an O_DIRECTORY fd to
 * it. An existing cgroup that holds processes or is frozen is refused.
 * Returns -2 with no error when no cgroup v2 is mounted, -1 with *e filled
 * (and path "") on failure, having removed only what it made. */
int cgroup_create(const struct spec *s, const char *id, char *path, size_t len, char *top,
		  size_t top_len, struct husk_err *e);
bool cgroup_available(void);
/* The cgroup2 mount visible at its mount point (point, and root: the
 * hierarchy's directory mounted there), or -1: none, or every one hidden
 * by another mount (hidden, when not NULL, then names one). */
int cgroup2_mount(char *point, size_t plen, char *root, size_t rlen, char *hidden, size_t hlen);
/* The cgroup dir the config gives id, without creating it (0, or <0). */
int cgroup_path_for(const struct spec *s, const char *id, char *out, size_t len);
/* exec --cgroup: open the existing sub-cgroup sub of the container's
 * cgroup (cgfd, at cgpath); a path that leaves it is refused. */
int cgroup_open_sub(int cgfd, const char *cgpath, const char *sub, struct husk_err *e);
/* path below the cgroup2 mount as the kernel names it ("/husk/ID"). */
int cgroup_relative(const char *path, char *out, size_t len);
/* Place pid when clone3(CLONE_INTO_CGROUP) could not. */
int cgroup_enter(int cgroup_fd, pid_t pid, struct husk_err *e);
/* Send sig to every process in the cgroup (cgroup.kill for SIGKILL when
 * made: husk created the cgroup, the state's cgroup_top is set). */
int cgroup_kill_all(const char *path, int sig, bool made, struct husk_err *e);
/* Remove the cgroup (and the child cgroups made in it), and its parents up
 * to top that husk created and left empty. top "": the cgroup existed before
 * create, and only its child cgroups are removed. */
int cgroup_remove(const char *path, const char *top, struct husk_err *e);
int cgroup_remove_if_empty(const char *path, const char *top);
/* A cgroup path from state.json is one husk could have recorded (below the
 * cgroup2 mount, not its root, no "." or ".."), or does not exist. */
int cgroup_check_recorded(const char *path, struct husk_err *e);
/* Apply linux.resources to the cgroup at fd/path: enable the controllers the
 * limits need in the parents, write every limit, attach the device program
 * (not on update). Only the fields r sets are written, so update passes a
 * partial r. fd -2 (no cgroup v2 mounted): refuse any limit and any
 * device rule (they would not be enforced). Errors name the
 * field ("linux.resources.memory.limit: ..."). */
int cgroup_apply(int cgroup_fd, const char *path, const struct resources *r, bool update,
		 struct husk_err *e);
/* The cgroup2 mount point, or -1 (none visible). */
int cgroup_mount(char *out, size_t len);
/* What cgroup_apply writes, for systemd's properties (systemd.c):
 * v1's swap (memory+swap) as memory.swap.max, cpu.shares as cpu.weight,
 * blockIO.weight as io.weight, each as runc converts them. */
int cgroup_swap_v2(int64_t swap, int64_t mem, int64_t *out, struct husk_err *e);
uint64_t cgroup_cpu_weight(int64_t shares);
uint64_t cgroup_io_weight(int64_t w);

/* ---- the systemd cgroup driver (systemd.c) -------------------------------- */

/* --systemd-cgroup: a transient scope for the container (cgroupsPath
 * "slice:prefix:name"), started with a placeholder process, carrying the
 * limits systemd knows; the cgroup's fd, its path, the unit's name and the
 * cgroup's inode, or -1 with nothing left. systemd_release ends the
 * placeholder once the init is in the scope (or on failure). */
int systemd_create(const struct spec *s, const char *id, char *path, size_t len, char *unit,
		   size_t ulen, unsigned long long *ino, struct husk_err *e);
void systemd_release(void);
/* The scope is still the one husk made: its cgroup at path has inode ino
 * (a unit name is free again once the scope is gone, and another unit
 * may take it: husk must never stop or change that one). */
/* update: SetUnitProperties with the limits systemd knows. */
int systemd_set(const char *unit, const char *path, unsigned long long ino,
		const struct resources *r, struct husk_err *e);
/* delete: StopUnit, ResetFailedUnit, wait until the cgroup at path is gone;
 * a unit of that name whose cgroup is not the one recorded is not touched. */
int systemd_stop(const char *unit, const char *path, unsigned long long ino, struct husk_err *e);

/* cgroup.freeze, then wait until cgroup.events says so. */
int cgroup_freeze(const char *path, bool frozen, struct husk_err *e);
/* Every pid in the cgroup and below it (malloc'd array). */
int cgroup_pids(const char *path, pid_t **pids, size_t *n, struct husk_err *e);
/* One runc-style stats event, on one line:
 * {"type":"stats","id":ID,"data":{"cpu":..,"memory":..,"pids":..,"blkio":..,"hugetlb":..}} */
int cgroup_stats(FILE *f, const char *id, const char *path, struct husk_err *e);
/* memory.events' oom_kill count (0 without the memory controller). */
uint64_t cgroup_oom_kills(const char *path);
/* "key value" lines (cgroup.events, memory.stat...): key's value, 0 if absent. */
uint64_t cgroup_keyed(const char *text, const char *key);

/* ---- the device cgroup as eBPF (devices.c) ------------------------------- */

/* Compile the rules (evaluated as runc does: default deny, last match wins,
 * runc's default allow-list appended) to a BPF_PROG_TYPE_CGROUP_DEVICE
 * program and attach it to the cgroup with BPF_F_ALLOW_MULTI. */
int devices_attach(int cgroup_fd, const char *path, const struct device_rule *rules, size_t n,
		   struct husk_err *e);
/* Detach the device programs husk attached to the cgroup (by their name),
 * for a cgroup that existed before create and stays after delete. */
int devices_detach(int cgroup_fd, const char *path, struct husk_err *e);

/* ---- seccomp (seccomp.c) ------------------------------------------------- */

struct seccomp_filter;
/* In the parent, before anything is created: compile linux.seccomp, check its
 * flags against the kernel, connect to listenerPath. *out = NULL without it. */
int seccomp_prepare(const struct spec *s, struct seccomp_filter **out, struct husk_err *e);
/* In the init: load f (NULL: nothing); with a listener, send it the notify fd
 * and the container process state from st, then close the connection. */
int seccomp_install(struct seccomp_filter *f, const struct state *st, struct husk_err *e);
void seccomp_free(struct seccomp_filter *f);

/* ---- state store (state.c) ------------------------------------------------ */

int state_valid_id(const char *id, struct husk_err *e);
const char *state_status_name(enum status st);
/* Open (and with create, make) --root; returns an O_DIRECTORY fd. A root
 * not owned by the caller (euid), or writable by group or others, is
 * refused: its state.json files say what delete kills and removes. */
int state_open_root(bool create, struct husk_err *e);
/* Open <root>/<id> (no symlink), refused on the same terms as the root. */
int state_open_dir(int rootfd, const char *id, struct husk_err *e);
/* mkdir <root>/<id>: the atomic guard ("already exists"); returns its fd. */
int state_create_dir(int rootfd, const char *id, struct husk_err *e);
int state_remove_dir(int rootfd, const char *id, struct husk_err *e);
int state_write(int dirfd, const struct state *st, struct husk_err *e);
/* Load <root>/<id>/state.json and derive the status ("does not exist");
 * state_release frees what it allocated in st. */
int state_load(int rootfd, const char *id, struct state *st, int *dirfd_out, struct husk_err *e);
void state_release(struct state *st);
/* The state JSON: full adds rootfs/created/owner (the `state` command);
 * without it, the spec's form given to hooks. malloc'd. */
char *state_json(const struct state *st, bool full, const char *indent);
bool state_pid_alive(const struct state *st);
int proc_start_time(pid_t pid, unsigned long long *start, char *pstate);
const char *state_owner_name(const struct state *st);

#endif
