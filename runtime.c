/* runtime.c: the command line (runc's) and the lifecycle: create, start,
 * run, kill, delete, state, list, exec. The commands on a live container's
 * cgroup (pause, resume, ps, events, update) are in manage.c.
 *
 * Every command parses all its options first, then acts. Only main() prints
 * an error: one line "husk: <what>: <why>", exit status 1. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "compat.h"
#include "husk.h"
#include "safepath.h"

/* The parsed options: husk's only globals. */
const char *opt_root = "/run/husk";
const char *opt_log;
bool opt_log_json;
bool opt_debug;
static bool opt_version, opt_help;
bool opt_systemd;
const char *opt_criu;
static const char *opt_log_format = "text", *opt_rootless;
/* The usage line of the command given (set by dispatch), for its --help. */
static const char *opt_usage;

/* The global options, before the command: `husk --help` prints this table. */
static const struct opt global_opts[] = {
	ARG("root", 0, &opt_root, "DIR", "state directory (default /run/husk)"),
	ARG("log", 0, &opt_log, "FILE", "append log lines and the error to FILE"),
	ARG("log-format", 0, &opt_log_format, "text|json", "the log's format (default text)"),
	FLAG("debug", 0, &opt_debug, "log what husk does"),
	ARG("rootless", 0, &opt_rootless, "true|false|auto", "accepted, as runc"),
	ARG("criu", 0, &opt_criu, "PATH", "the criu binary for checkpoint/restore (default: $PATH)"),
	FLAG("systemd-cgroup", 0, &opt_systemd,
	     "cgroups through systemd: a scope per container (cgroupsPath slice:prefix:name)"),
	FLAG("version", 'v', &opt_version, "print the version"),
	FLAG("help", 'h', &opt_help, "this text; husk COMMAND --help for one command"),
	OPT_END};

/* ---- option parsing ------------------------------------------------------ */

/* The option tables (struct opt, FLAG, ARG, MULTI) are in husk.h, for
 * manage.c's commands too. Options may follow the id, as in runc; "--"
 * ends them. */
static const struct opt *find_opt(const struct opt *t, const char *a, size_t len)
{
	for (; t->name; t++) {
		if (a[1] == '-' ? strlen(t->name) == len - 2 && !strncmp(a + 2, t->name, len - 2)
				: len == 2 && a[1] == t->short_name)
			return t;
	}
	return NULL;
}

static void print_opt(FILE *f, char short_name, const char *name, const char *value,
		      const char *help)
{
	char left[64], sh[4] = "   ";
	if (short_name)
		snprintf(sh, sizeof(sh), "-%c,", short_name);
	snprintf(left, sizeof(left), "%s --%s%s%s", sh, name, value ? " " : "", value ? value : "");
	fprintf(f, "  %-30s %s\n", left, help);
}

static void print_opts(FILE *f, const struct opt *t)
{
	for (; t->name; t++)
		print_opt(f, t->short_name, t->name, t->value, t->help);
}

/* A command's -h/--help: nothing has been done yet (every command parses
 * all its options before it acts), so husk can end here. */
static _Noreturn void command_help(const struct opt *t)
{
	printf("usage: husk %s\n\noptions:\n", opt_usage);
	print_opts(stdout, t);
	print_opt(stdout, 'h', "help", NULL, "this text");
	exit(0);
}

/* max_pos < 0: stop at the first positional argument and return its index
 * (the global options stop at the command). */
int parse_opts(const struct opt *t, int argc, char **argv, struct args *out, int max_pos,
	       struct husk_err *e)
{
	out->npos = 0;
	bool only_pos = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (max_pos < 0 && (a[0] != '-' || !a[1]))
			return i;
		if (only_pos || a[0] != '-' || !a[1]) {
			if (out->npos >= max_pos)
				return err_set(e, 0, "unexpected argument \"%s\"", a);
			out->pos[out->npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
		const struct opt *o = find_opt(t, a, eq ? (size_t)(eq - a) : strlen(a));
		if (!o && opt_usage && (!strcmp(a, "--help") || !strcmp(a, "-h")))
			command_help(t);
		if (!o)
			return err_set(e, 0, "unknown option %s", a);
		if (o->flag) {
			/* runc's boolean flags also take "=true"/"=false" */
			*o->flag = !eq || strcmp(eq + 1, "false");
			continue;
		}
		const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (!v)
			return err_set(e, 0, "option %s needs a value", a);
		if (!o->multi)
			*o->arg = v;
		else if (o->multi->n < 64)
			o->multi->v[o->multi->n++] = v;
		else
			return err_set(e, 0, "option %s: too many", a);
	}
	return max_pos < 0 ? argc : 0;
}

int want_id(const struct args *a, const char *cmd, struct husk_err *e)
{
	if (a->npos < 1)
		return err_set(e, 0, "%s: a container id is required", cmd);
	return state_valid_id(a->pos[0], e);
}

/* Paths given on the command line are relative to the caller's cwd, but
 * create works from inside the bundle: make them absolute first. */
const char *abs_path(const char *p, char *buf, size_t len)
{
	if (!p || p[0] == '/')
		return p;
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		return p;
	if ((size_t)snprintf(buf, len, "%s/%s", cwd, p) >= len)
		return p;
	return buf;
}

int parse_int(const char *s, const char *what, int *out, struct husk_err *e)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (s && (errno || *end || end == s || v < 0 || v > 65536))
		return err_set(e, 0, "%s: invalid number \"%s\"", what, s);
	*out = (int)v;
	return 0;
}

/* ---- signals ------------------------------------------------------------------ */

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},     {"ILL", SIGILL},
	{"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"IOT", SIGIOT},       {"BUS", SIGBUS},
	{"FPE", SIGFPE},   {"KILL", SIGKILL},     {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2}, {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},     {"TERM", SIGTERM},
	{"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
	{"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},     {"URG", SIGURG},
	{"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	{"WINCH", SIGWINCH}, {"IO", SIGIO},       {"POLL", SIGPOLL},     {"PWR", SIGPWR},
	{"SYS", SIGSYS},
};

/* "9", "KILL", "SIGKILL", and "RTMIN+3" style real-time signals. */
static int parse_signal(const char *s, struct husk_err *e)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (end != s && !*end && n > 0 && n < NSIG)
		return (int)n;
	const char *name = strncasecmp(s, "SIG", 3) ? s : s + 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!strcasecmp(name, signals[i].name))
			return signals[i].sig;
	if (!strncasecmp(name, "RTMIN+", 6) && (n = strtol(name + 6, &end, 10)) >= 0 && !*end &&
	    SIGRTMIN + n <= SIGRTMAX)
		return SIGRTMIN + (int)n;
	return err_set(e, 0, "invalid signal \"%s\"", s);
}

/* ---- create ------------------------------------------------------------------ */

struct create_opts {
	const char *bundle, *console_socket, *pid_file, *preserve_fds, *pidfd_socket;
	bool no_pivot, no_new_keyring, detach, keep;
	bool create_only; /* create, not run */
	char bundle_buf[4096], sock_buf[4096], pid_buf[4096], pidfd_buf[4096];
};

/* What the config must have for create/run, beyond what the parser checks. */
static int check_config(const struct container *c, const struct create_opts *o, struct husk_err *e)
{
	const struct spec *s = &c->spec;
	bool user = false, uts = false;
	/* config.md: process is required only by start (which then fails) */
	if (!s->has_process && !o->create_only)
		return err_set(e, 0, "config.json: process: required to run a container");
	for (size_t i = 0; i < s->linux.n_namespaces; i++) {
		const char *type = spec_ns_name(s->linux.namespaces[i].type);
		if (!spec_kernel_has_ns(type)) /* else the clone fails with EINVAL */
			return err_set(e, 0, "config.json: linux.namespaces[%zu]: this kernel has no %s namespace",
				       i, type);
		uts |= s->linux.namespaces[i].type == CLONE_NEWUTS;
		user |= s->linux.namespaces[i].type == CLONE_NEWUSER && !s->linux.namespaces[i].path;
	}
	/* config-linux.md: a namespace not listed is the runtime's. Without a
	 * mount namespace of its own the container sees husk's filesystem, as
	 * with runc: nothing is mounted (that would be on the host), no root
	 * change; paths to mask or make read-only cannot be, so are refused. */
	if (!spec_has_ns(s, CLONE_NEWNS)) {
		if (s->linux.masked_paths.n || s->linux.readonly_paths.n)
			return err_set(e, 0, "config.json: linux.%s: needs a mount namespace of its own",
				       s->linux.masked_paths.n ? "maskedPaths" : "readonlyPaths");
		if (s->n_mounts)
			log_warn("config.json: mounts: not mounted: the container shares the runtime's "
				 "mount namespace (no \"mount\" in linux.namespaces)");
	}
	/* Without its own UTS namespace the container would rename the host. */
	if ((s->hostname || s->domainname) && !uts)
		return err_set(e, 0, "config.json: %s: needs a new uts namespace",
			       s->hostname ? "hostname" : "domainname");
	if (user && (!s->linux.uid_mappings.n || !s->linux.gid_mappings.n))
		return err_set(e, 0, "config.json: linux.uidMappings: a new user namespace needs uid "
				     "and gid mappings");
	if (s->process.terminal && o->detach && !o->console_socket)
		return err_set(e, 0, "cannot allocate a terminal (process.terminal) without "
				     "--console-socket when detached");
	if (s->process.apparmor_profile && *s->process.apparmor_profile && !apparmor_enabled())
		return err_set(e, 0, "config.json: process.apparmorProfile: AppArmor is not enabled "
				     "on this host");
	if (!s->process.terminal && o->console_socket)
		return err_set(e, 0, "--console-socket given but process.terminal is false");
	label_warn_ignored(s);
	if (netdev_check(s, e) < 0 || idmap_check_host(s, e) < 0) /* before anything exists */
		return -1;
	return sysctl_check(s, e); /* a key the host's namespaces scope would set the host */
}

int connect_console(const char *path, struct husk_err *e)
{
	return unix_connect(path, "console socket", e);
}

/* --pidfd-socket (runc 1.2): connected before anything is created, so a
 * missing socket or a kernel without pidfds (before 5.3) leaves nothing
 * behind. -1 without the option. */
int connect_pidfd_socket(const char *path, int *sock, struct husk_err *e)
{
	*sock = -1;
	if (!path)
		return 0;
	AUTO_FD self = sys_pidfd_open(getpid(), 0);
	if (self < 0 && errno == ENOSYS)
		return err_set(e, 0, "--pidfd-socket: this kernel has no pidfd_open (Linux 5.3 or "
				     "later needed)");
	if (self < 0)
		return err_sys(e, "--pidfd-socket: pidfd_open");
	return (*sock = unix_connect(path, "pidfd socket", e)) < 0 ? -1 : 0;
}

/* A pidfd of pid (husk's child, not reaped: it cannot be another process)
 * over sock, with runc's payload: "standard" for an init, "setns" for an
 * exec'd process. The socket is closed after, as runc does. */
int send_pidfd(int *sock, pid_t pid, const char *kind, struct husk_err *e)
{
	if (*sock < 0)
		return 0;
	AUTO_FD conn = take_fd(sock);
	AUTO_FD pfd = sys_pidfd_open(pid, 0);
	if (pfd < 0)
		return err_sys(e, "--pidfd-socket: pidfd_open %d", (int)pid);
	if (send_fd(conn, pfd, kind) < 0)
		return err_sys(e, "--pidfd-socket: send the pidfd");
	return 0;
}

int resolve_bundle(struct container *c, const char *bundle, struct husk_err *e)
{
	if (!realpath(bundle ? bundle : ".", c->bundle))
		return err_sys(e, "bundle %s", bundle ? bundle : ".");
	if (chdir(c->bundle) < 0)
		return err_sys(e, "chdir to bundle %s", c->bundle);
	/* config.json's bytes as read for the parse (which rewrites its buffer
	 * in place): save_config keeps these, so the kept copy is the config
	 * this container was made from even if the bundle's file changes
	 * meanwhile, and the file is read once. */
	char path[4200];
	size_t len;
	snprintf(path, sizeof(path), "%s/config.json", c->bundle);
	char *text = read_file_at(AT_FDCWD, path, 16 << 20, &len, e);
	if (text && !(c->config_raw = malloc(len + 1)))
		err_sys(e, "read %s", path);
	if (!c->config_raw) {
		free(text);
		return err_wrap(e, "config.json: ");
	}
	memcpy(c->config_raw, text, len);
	c->config_raw_len = len;
	if (spec_parse(&c->spec, text, len, e) < 0)
		return err_wrap(e, "config.json: ");
	if (spec_check_supported(&c->spec, e) < 0)
		return -1;
	struct stat st;
	if (!realpath(c->spec.root_path, c->rootfs))
		return err_sys(e, "root.path %s", c->spec.root_path);
	if (stat(c->rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(e, ENOTDIR, "root.path %s", c->rootfs);
	return 0;
}

static char *annotations_json(const struct kvv *a)
{
	if (!a->n)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fputc('{', f);
	for (size_t i = 0; i < a->n; i++) {
		fputs(i ? ", " : " ", f);
		json_put_string(f, a->v[i].key);
		fputs(": ", f);
		json_put_string(f, a->v[i].value);
	}
	fputs(" }", f);
	fclose(f);
	return buf;
}

void fill_state(struct state *st, const struct container *c)
{
	snprintf(st->id, sizeof(st->id), "%s", c->id);
	snprintf(st->bundle, sizeof(st->bundle), "%s", c->bundle);
	snprintf(st->rootfs, sizeof(st->rootfs), "%s", c->rootfs);
	time_rfc3339(st->created, sizeof(st->created));
	snprintf(st->owner, sizeof(st->owner), "%u", (unsigned)geteuid()); /* named when shown */
	st->annotations_json = annotations_json(&c->spec.annotations);
	for (int k = 0; k < HOOK_KINDS; k++)
		st->hooks |= c->spec.hooks[k].n ? 1u << k : 0;
	st->no_process = !c->spec.has_process;
	st->status = ST_CREATING;
}

/* The config as created, for start's and delete's hooks and exec's
 * defaults: runtime.md says later edits of the bundle must not matter. */
int save_config(int dirfd, struct container *c, struct husk_err *e)
{
	if (!c->config_raw)
		return err_set(e, EINVAL, "config.json: not read");
	int r = write_file_atomic_at(dirfd, "config.json", c->config_raw, c->config_raw_len, 0600, e);
	free(c->config_raw);
	c->config_raw = NULL;
	return r;
}

int write_pid_file(const char *path, pid_t pid, struct husk_err *e)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid); /* no newline: go-runc's Atoi */
	if (write_file_atomic_at(AT_FDCWD, path, buf, (size_t)n, 0644, e) < 0)
		return err_wrap(e, "--pid-file: ");
	return 0;
}

/* <state dir>/exec.sock, named through /proc/self/fd so that a long --root
 * or id never overflows sun_path. */
static void start_socket_addr(int dirfd, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/exec.sock", dirfd);
}

static int listen_start_socket(int dirfd, struct husk_err *e)
{
	struct sockaddr_un sa;
	start_socket_addr(dirfd, &sa);
	AUTO_FD fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
		return err_sys(e, "exec.sock in %s", opt_root);
	return take_fd(&fd);
}

/* Socket activation, as runc: the fds systemd passed to husk itself
 * (LISTEN_PID is our pid) go on to the container, before --preserve-fds. */
static int listen_fds_from_env(void)
{
	const char *s = getenv("LISTEN_FDS"), *p = getenv("LISTEN_PID");
	int n = s ? atoi(s) : 0;
	if (!p || atoi(p) != (int)getpid())
		return 0;
	return n > 0 && n < 65536 ? n : 0;
}

struct created {
	struct container c;
	struct state st;
	int rootfd, dirfd;
	int console;       /* given to the init: where the pty master goes */
	int console_local; /* our end when husk relays the pty itself, else -1 */
	int pidfd_sock;    /* --pidfd-socket, connected; -1 without */
};

/* Phase 1: the state dir (the atomic guard on the id), exec.sock's
 * listener, the config as created. */
static int create_state(struct created *k, const char *id, struct husk_err *e)
{
	struct container *c = &k->c;
	if ((k->rootfd = state_open_root(true, e)) < 0)
		return -1;
	if ((k->dirfd = state_create_dir(k->rootfd, id, e)) < 0)
		return -1;
	fault_point("create.statedir");
	if ((c->start_fd = listen_start_socket(k->dirfd, e)) < 0 || save_config(k->dirfd, c, e) < 0) {
		state_remove_dir(k->rootfd, id, &(struct husk_err){0});
		return -1;
	}
	fill_state(&k->st, c);
	return 0;
}

/* Phase 2: the cgroup, with every limit, before the init exists; then
 * state.json (pid 0) so that delete --force finds the cgroup whatever
 * happens next. */
static int create_cgroup(struct created *k, struct husk_err *e)
{
	struct container *c = &k->c;
	if (opt_systemd)
		c->cgroup_fd = systemd_create(&c->spec, c->id, k->st.cgroup, sizeof(k->st.cgroup),
					      k->st.unit, sizeof(k->st.unit), &k->st.cgroup_ino, e);
	else
		c->cgroup_fd = cgroup_create(&c->spec, c->id, k->st.cgroup, sizeof(k->st.cgroup),
					     k->st.cgroup_top, sizeof(k->st.cgroup_top), e);
	/* Rootless, as runc: without a delegated cgroup, a container that asks
	 * for no limit and no device rule runs without one (device rules live
	 * in the cgroup: cgroup_apply below refuses them without one too). */
	if (c->cgroup_fd == -1 && geteuid() != 0 && !c->spec.linux.resources.present &&
	    !c->spec.linux.resources.n_devices &&
	    (e->errnum == EACCES || e->errnum == EPERM || e->errnum == EROFS)) {
		log_debug("rootless: %s: running without a cgroup", e->msg);
		k->st.cgroup[0] = k->st.cgroup_top[0] = '\0';
		c->cgroup_fd = -3;
	}
	if (c->cgroup_fd == -1)
		return -1;
	if (c->cgroup_fd == -2)
		log_debug("no cgroup v2 mounted: the container runs without a cgroup");
	if (c->cgroup_fd < 0)
		c->cgroup_fd = -2;
	fault_point("create.cgroup");
	if (cgroup_apply(c->cgroup_fd, k->st.cgroup, &c->spec.linux.resources, false, e) < 0) {
		err_wrap(e, "config.json: ");
		return -1;
	}
	return state_write(k->dirfd, &k->st, e);
}

static int create_console(struct created *k, const struct create_opts *o, struct husk_err *e)
{
	if (o->console_socket)
		return (k->console = connect_console(o->console_socket, e)) < 0 ? -1 : 0;
	if (!k->c.spec.process.terminal)
		return 0;
	/* run in the foreground: husk itself receives the pty and relays it */
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return err_sys(e, "socketpair for the console");
	k->console = sp[1];
	k->console_local = sp[0];
	return 0;
}

/* Phase 3: the init. Once it is let go it sets itself up (mounts, /dev,
 * credentials) while husk records it and loads the device program: both
 * before READY, so before anything of the container can run. A husk
 * killed from GO on leaves an init that exits at READY, and a state.json
 * (pid 0 until the second write) that delete --force cleans up. */
static int create_init(struct created *k, const struct create_opts *o, struct husk_err *e)
{
	struct container *c = &k->c;
	const struct resources *res = &c->spec.linux.resources;
	int r = container_clone(c, k->console, e);
	systemd_release(); /* the init holds the scope now (--systemd-cgroup) */
	if (r == 0)
		r = container_go(c, e);
	if (r == 0 && proc_start_time(c->pid, &k->st.start_time, NULL) < 0)
		r = err_sys(e, "read /proc/%d/stat", (int)c->pid);
	k->st.status = ST_CREATED;
	if (r == 0 && state_write(k->dirfd, &k->st, e) < 0)
		r = -1;
	fault_point("create.state");
	if (r == 0 && c->cgroup_fd >= 0 && res->n_devices &&
	    devices_attach(c->cgroup_fd, k->st.cgroup, res->devices, res->n_devices, e) < 0)
		r = err_wrap(e, "config.json: ");
	if (r < 0 && c->sync_fd >= 0) {
		close(take_fd(&c->sync_fd)); /* EOF: the init gives up */
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	if (r == 0)
		r = container_ready(c, e);
	/* The init has its own copies: the listener's connection must close
	 * with it, and exec.sock's listener is the init's alone. */
	seccomp_free(c->seccomp);
	c->seccomp = NULL;
	close(take_fd(&c->start_fd));
	fault_point("create.ready");
	if (r == 0 && (send_pidfd(&k->pidfd_sock, c->pid, "standard", e) < 0 ||
		       (o->pid_file && write_pid_file(o->pid_file, c->pid, e) < 0))) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		r = -1;
	}
	return r;
}

/* Close each fd of the NULL-terminated list that is open, and mark it so. */
static void close_all(int **fds)
{
	for (; *fds; fds++)
		if (**fds >= 0)
			close(take_fd(*fds));
}

/* Parse everything first; then each phase undoes its own work on failure,
 * and this ladder undoes the earlier phases': the cgroup, the state dir. */
static int do_create(struct created *k, const char *id, struct create_opts *o, struct husk_err *e)
{
	struct container *c = &k->c;
	c->id = id;
	c->st = &k->st;
	c->cgroup_fd = c->start_fd = c->sync_fd = -1;
	k->rootfd = k->dirfd = k->console = k->console_local = k->pidfd_sock = -1;
	c->no_pivot = o->no_pivot;
	c->no_new_keyring = o->no_new_keyring;
	c->listen_fds = listen_fds_from_env();
	if (parse_int(o->preserve_fds, "--preserve-fds", &c->preserve_fds, e) < 0 ||
	    guard_passed_fds(c->listen_fds, c->preserve_fds, e) < 0)
		return -1;
	if (resolve_bundle(c, o->bundle, e) < 0 || check_config(c, o, e) < 0 ||
	    connect_pidfd_socket(o->pidfd_socket, &k->pidfd_sock, e) < 0)
		return -1;
	if (seccomp_prepare(&c->spec, &c->seccomp, e) < 0)
		return -1;
	if (create_state(k, id, e) < 0)
		return -1;
	if (create_cgroup(k, e) < 0)
		goto fail_cgroup;
	if (create_console(k, o, e) < 0 || create_init(k, o, e) < 0)
		goto fail_cgroup;
	return 0;

fail_cgroup:
	/* Undoing needs fds of its own (mountinfo, the dirs to empty): give back
	 * what is no longer needed first, since the failure may be EMFILE. */
	close_all((int *[]){&c->cgroup_fd, &c->start_fd, &k->dirfd, &k->console, &k->console_local,
			    &k->pidfd_sock, NULL});
	seccomp_free(c->seccomp);
	c->seccomp = NULL;
	systemd_release();
	if (k->st.unit[0])
		systemd_stop(k->st.unit, k->st.cgroup, k->st.cgroup_ino, &(struct husk_err){0});
	else if (k->st.cgroup[0])
		cgroup_remove(k->st.cgroup, k->st.cgroup_top, &(struct husk_err){0});
	state_remove_dir(k->rootfd, id, &(struct husk_err){0});
	return -1;
}

/* ---- start, kill, delete: on a loaded state ------------------------------------ */

int load_saved_config(int dirfd, struct spec *s, struct husk_err *e)
{
	size_t len;
	char *raw = read_file_at(dirfd, "config.json", 16 << 20, &len, e);
	if (!raw || spec_parse(s, raw, len, e) < 0)
		return err_wrap(e, "the container's saved config: ");
	return 0;
}

/* The config kept at create for poststart/poststop hooks; absent = none.
 * state.json says which kinds there are, so most calls read nothing. */
static int run_saved_hooks(int dirfd, struct state *st, enum hook_kind kind, struct husk_err *e)
{
	if (!(st->hooks & (1u << kind)))
		return 0;
	size_t len;
	char *raw = read_file_at(dirfd, "config.json", 16 << 20, &len, e);
	if (!raw)
		return e->errnum == ENOENT ? 0 : err_wrap(e, "hooks: saved config: ");
	struct spec s;
	if (spec_parse(&s, raw, len, e) < 0)
		return err_wrap(e, "hooks: saved config.json: ");
	AUTO_FREE char *js = state_json(st, false, "");
	int r = js ? hooks_run(s.hooks, kind, js, e) : err_sys(e, "state JSON");
	spec_free(&s);
	return r;
}

/* Signal the init, checking through a pidfd that it is still the same
 * process (pid and start time), so a reused pid is never signalled. */
static int signal_init(const struct state *st, int sig, struct husk_err *e)
{
	AUTO_FD pfd = sys_pidfd_open(st->pid, 0);
	if (!state_pid_alive(st))
		return err_set(e, 0, "container %s: container not running", st->id);
	long r = pfd >= 0 ? syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) : kill(st->pid, sig);
	if (r < 0 && errno == ESRCH)
		return err_set(e, 0, "container %s: container not running", st->id);
	if (r < 0)
		return err_sys(e, "kill container %s", st->id);
	return 0;
}

/* The init reported a failed start and exits: wait (10 s at most) until it
 * has, so that once start returns, state says stopped, not running. */
static void wait_init_gone(const struct state *st)
{
	AUTO_FD pfd = sys_pidfd_open(st->pid, 0);
	if (pfd >= 0 && state_pid_alive(st)) {
		struct pollfd p = {.fd = pfd, .events = POLLIN};
		while (poll(&p, 1, 10000) < 0 && errno == EINTR)
			;
		return;
	}
	for (int i = 0; i < 10000 && state_pid_alive(st); i++)
		usleep(1000); /* no pidfd (before Linux 5.3) */
}

static int start_loaded(int dirfd, struct state *st, struct husk_err *e)
{
	if (st->status == ST_STOPPED)
		return err_set(e, 0, "cannot start container %s: container not running", st->id);
	if (st->status == ST_CREATED && st->no_process)
		return err_set(e, 0, "cannot start container %s: its config.json has no process "
				     "(required to start)", st->id);
	if (st->status != ST_CREATED)
		return err_set(e, 0, "cannot start container %s: it is %s, not created", st->id,
			       state_status_name(st->status));
	struct sockaddr_un sa;
	start_socket_addr(dirfd, &sa);
	AUTO_FD conn = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (conn < 0)
		return err_sys(e, "start container %s: socket", st->id);
	if (connect(conn, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_set(e, 0, "cannot start container %s: container not running", st->id);
	/* MSG_NOSIGNAL: an init killed meanwhile must not kill us with SIGPIPE */
	if (send(conn, "0", 1, MSG_NOSIGNAL) != 1)
		return err_set(e, 0, "cannot start container %s: container not running", st->id);
	fault_point("start.sent");
	unlinkat(dirfd, "exec.sock", 0);
	/* EOF: the program was exec'd. Text: the init's error. A reset: the
	 * init accepted another start's connection and closed its listener with
	 * ours still queued (two starts at once both found exec.sock). */
	char msg[sizeof(e->msg)];
	ssize_t n = read(conn, msg, sizeof(msg) - 1);
	if (n < 0 && errno == ECONNRESET)
		return err_set(e, 0, "cannot start container %s: another start came first", st->id);
	if (n < 0)
		return err_sys(e, "start container %s: read from the init", st->id);
	if (n > 0) {
		msg[n] = '\0';
		wait_init_gone(st);
		return err_set(e, 0, "start container %s: %s", st->id, msg);
	}
	st->status = ST_RUNNING;
	/* runtime.md: a failing poststart hook is an error, and stops the container. */
	if (run_saved_hooks(dirfd, st, HOOK_POSTSTART, e) < 0) {
		struct husk_err e2;
		signal_init(st, SIGKILL, &e2);
		if (st->cgroup[0])
			cgroup_kill_all(st->cgroup, SIGKILL, st->cgroup_top[0], &e2);
		return -1;
	}
	return 0;
}

/* Wait (10 s at most) until the init has exited; its pid namespace, if it
 * has one, is torn down by then. */
static void wait_gone(const struct state *st)
{
	AUTO_FD pfd = sys_pidfd_open(st->pid, 0);
	if (!state_pid_alive(st))
		return;
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	if (pfd >= 0) {
		while (poll(&p, 1, 10000) < 0 && errno == EINTR)
			;
		return;
	}
	struct timespec ms = {0, 1000000}; /* no pidfd before Linux 5.3: look */
	for (int i = 0; i < 10000 && state_pid_alive(st); i++)
		nanosleep(&ms, NULL);
}

/* Kill what is left, run poststop hooks, remove the cgroup and the state.
 * Works on a half-created container too (no state.json: st->id only). */
int destroy(int rootfd, int dirfd, struct state *st, struct husk_err *e)
{
	if (st->status != ST_STOPPED && signal_init(st, SIGKILL, e) == 0)
		wait_gone(st);
	/* Once the init is gone the cgroup is usually empty, and one rmdir
	 * ends it. Processes left (an init without a pid namespace leaves its
	 * daemons; a paused container) are killed first. */
	bool empty = !st->unit[0] && cgroup_remove_if_empty(st->cgroup, st->cgroup_top) == 0;
	if (!empty)
		cgroup_kill_all(st->cgroup, SIGKILL, st->cgroup_top[0] || st->unit[0], e);
	fault_point("delete.killed");
	st->status = ST_STOPPED;
	/* runtime.md: a failing poststop hook is only a warning. */
	struct husk_err w;
	char buf[512];
	if (dirfd >= 0 && run_saved_hooks(dirfd, st, HOOK_POSTSTOP, &w) < 0)
		log_warn("%s", err_text(&w, buf, sizeof(buf)));
	/* --systemd-cgroup: the scope is systemd's to remove (once empty, it
	 * goes by itself; stopped, it goes now) */
	if (st->unit[0] ? systemd_stop(st->unit, st->cgroup, st->cgroup_ino, e) < 0 :
			  !empty && cgroup_remove(st->cgroup, st->cgroup_top, e) < 0)
		return -1;
	fault_point("delete.cgroup");
	return state_remove_dir(rootfd, st->id, e);
}

/* ---- run in the foreground ------------------------------------------------------ */

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

static bool relay(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w <= 0)
			return false;
		off += w;
	}
	return true;
}

static int recv_fd(int sock)
{
	char name[4096], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf)};
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int fd = -1;
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Forward signals to the init and relay the pty (if husk holds it) until
 * the init exits; return its wait status. */
static int wait_foreground(pid_t pid, int master)
{
	sigset_t set;
	sigemptyset(&set);
	int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD};
	for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaddset(&set, fwd[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	AUTO_FD sfd = signalfd(-1, &set, SFD_CLOEXEC);
	struct pollfd p[3] = {{.fd = sfd, .events = POLLIN},
			      {.fd = master >= 0 ? 0 : -1, .events = POLLIN},
			      {.fd = master, .events = POLLIN}};
	int status;
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (poll(p, 3, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGWINCH)
				copy_winsize(0, master);
			else if (si.ssi_signo != SIGCHLD)
				kill(pid, (int)si.ssi_signo);
		}
		if (p[1].revents && !relay(0, master))
			p[1].fd = -1;
		if (p[2].revents && !relay(master, 1))
			p[2].fd = -1;
	}
	while (master >= 0 && relay(master, 1))
		;
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return status;
}

/* A process in the foreground (run's init, exec's process): relay the pty
 * if we hold it, forward signals, and return its exit code as a shell's. */
int wait_in_foreground(pid_t pid, int console_local)
{
	AUTO_FD master = console_local >= 0 ? recv_fd(console_local) : -1;
	struct termios saved;
	bool raw = master >= 0 && isatty(0) && tcgetattr(0, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		tcsetattr(0, TCSANOW, &t);
		copy_winsize(0, master);
	}
	int status = wait_foreground(pid, master);
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static int run_foreground(struct created *k, bool keep, struct husk_err *e)
{
	int code = wait_in_foreground(k->c.pid, k->console_local);
	k->st.status = ST_STOPPED;
	if (!keep && destroy(k->rootfd, k->dirfd, &k->st, e) < 0)
		return -1;
	return code;
}

/* ---- the commands ------------------------------------------------------------------ */

#define CREATE_OPTS(o)                                                                            \
	ARG("bundle", 'b', &(o).bundle, "DIR", "the bundle: config.json, rootfs (default .)"),    \
	ARG("console-socket", 0, &(o).console_socket, "PATH",                                     \
	    "unix socket that receives the pty's master"),                                        \
	ARG("pid-file", 0, &(o).pid_file, "PATH", "write the init's pid to PATH"),                \
	FLAG("no-pivot", 0, &(o).no_pivot, "move the root onto / and chroot, no pivot_root"),     \
	FLAG("no-new-keyring", 0, &(o).no_new_keyring, "keep the caller's session keyring"),      \
	ARG("preserve-fds", 0, &(o).preserve_fds, "N", "pass fds 3 to 3+N-1 on to the container"), \
	ARG("pidfd-socket", 0, &(o).pidfd_socket, "PATH", "unix socket that receives a pidfd of the init")

static void created_close(struct created *k)
{
	int fds[] = {k->rootfd, k->dirfd, k->console, k->console_local,
		     k->c.cgroup_fd, k->c.start_fd, k->pidfd_sock};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	state_release(&k->st);
	seccomp_free(k->c.seccomp);
	spec_free(&k->c.spec);
}

static void absolutize(struct create_opts *o)
{
	o->console_socket = abs_path(o->console_socket, o->sock_buf, sizeof(o->sock_buf));
	o->pid_file = abs_path(o->pid_file, o->pid_buf, sizeof(o->pid_buf));
	o->pidfd_socket = abs_path(o->pidfd_socket, o->pidfd_buf, sizeof(o->pidfd_buf));
	o->bundle = abs_path(o->bundle, o->bundle_buf, sizeof(o->bundle_buf));
	opt_root = strdup(abs_path(opt_root, (char[4096]){0}, 4096));
}

static int cmd_create(int argc, char **argv, struct husk_err *e)
{
	static struct create_opts o;
	const struct opt t[] = {CREATE_OPTS(o), OPT_END};
	struct args a;
	if (parse_opts(t, argc, argv, &a, 1, e) < 0 || want_id(&a, "create", e) < 0)
		return -1;
	o.detach = o.create_only = true;
	absolutize(&o);
	struct created k = {0};
	int r = do_create(&k, a.pos[0], &o, e);
	free(k.c.config_raw); /* save_config had it, unless create failed first */
	created_close(&k);
	return r;
}

static int cmd_run(int argc, char **argv, struct husk_err *e)
{
	static struct create_opts o;
	const struct opt t[] = {CREATE_OPTS(o),
				FLAG("detach", 'd', &o.detach, "return once it runs; do not wait"),
				FLAG("keep", 0, &o.keep, "do not delete the container once it exits"),
				OPT_END};
	struct args a;
	if (parse_opts(t, argc, argv, &a, 1, e) < 0 || want_id(&a, "run", e) < 0)
		return -1;
	absolutize(&o);
	struct created k = {0};
	int r = do_create(&k, a.pos[0], &o, e);
	free(k.c.config_raw); /* save_config had it, unless create failed first */
	if (r == 0 && start_loaded(k.dirfd, &k.st, e) < 0) {
		struct husk_err e2;
		destroy(k.rootfd, k.dirfd, &k.st, &e2);
		r = -1;
	}
	if (r == 0 && !o.detach)
		r = run_foreground(&k, o.keep, e);
	created_close(&k);
	return r;
}

/* Load the id's state for a command that takes only an id. */
int load_one(int argc, char **argv, const struct opt *t, const char *cmd, struct args *a,
	     struct state *st, int *rootfd, int *dirfd, struct husk_err *e)
{
	*rootfd = *dirfd = -1;
	if (parse_opts(t, argc, argv, a, 2, e) < 0 || want_id(a, cmd, e) < 0)
		return -1;
	if ((*rootfd = state_open_root(false, e)) < 0) {
		if (e->errnum == ENOENT)
			err_set(e, 0, "container %s does not exist", a->pos[0]);
		return -1;
	}
	return state_load(*rootfd, a->pos[0], st, dirfd, e);
}

static int cmd_start(int argc, char **argv, struct husk_err *e)
{
	const struct opt t[] = {OPT_END};
	struct args a;
	struct state st = {0};
	AUTO_FD rootfd = -1;
	AUTO_FD dirfd = -1;
	int r = load_one(argc, argv, t, "start", &a, &st, &rootfd, &dirfd, e);
	if (r == 0)
		r = start_loaded(dirfd, &st, e);
	state_release(&st);
	return r;
}

static int cmd_kill(int argc, char **argv, struct husk_err *e)
{
	bool all = false;
	const struct opt t[] = {
		FLAG("all", 'a', &all, "signal every process in the container's cgroup"), OPT_END};
	struct args a;
	struct state st = {0};
	AUTO_FD rootfd = -1;
	AUTO_FD dirfd = -1;
	int r = load_one(argc, argv, t, "kill", &a, &st, &rootfd, &dirfd, e);
	fault_point("kill.loaded");
	int sig = r < 0 ? -1 : parse_signal(a.npos > 1 ? a.pos[1] : "TERM", e);
	/* --all signals whatever is still in the cgroup, also once the init
	 * is gone (as runc: containerd's shim sends `kill --all ID 9` when the
	 * init exits, for what it left behind); a plain kill needs the init. */
	if (sig < 0)
		r = -1;
	else if (all && st.cgroup[0])
		r = cgroup_kill_all(st.cgroup, sig, st.cgroup_top[0], e);
	else if (st.status == ST_STOPPED)
		r = err_set(e, 0, "cannot kill container %s: container not running", st.id);
	else
		r = signal_init(&st, sig, e);
	state_release(&st);
	return r;
}

/* A container whose create was killed midway has a dir but no state.json:
 * --force still cleans it up, from what the dir says. */
static int force_delete_partial(const char *id, struct husk_err *e)
{
	/* a root or state dir others control is refused, not cleaned up */
	AUTO_FD rootfd = state_open_root(false, e);
	if (rootfd < 0)
		return e->errnum == ENOENT ? 0 : -1;
	struct state st = {.status = ST_STOPPED};
	snprintf(st.id, sizeof(st.id), "%s", id);
	AUTO_FD dirfd = state_open_dir(rootfd, id, e);
	if (dirfd < 0 && e->errnum != ENOENT)
		return -1;
	/* killed before state.json: its cgroup (and the init, if one was
	 * born in it) is where the saved config says. Husk made the default
	 * one (/husk/<id>) itself; a cgroupsPath may have existed before, and
	 * is then kept (see cgroup_remove). */
	struct spec s;
	if (dirfd >= 0 && load_saved_config(dirfd, &s, e) == 0) {
		cgroup_path_for(&s, id, st.cgroup, sizeof(st.cgroup));
		if (!s.linux.cgroups_path || !*s.linux.cgroups_path)
			snprintf(st.cgroup_top, sizeof(st.cgroup_top), "%s", st.cgroup);
		spec_free(&s);
	}
	return destroy(rootfd, -1, &st, e);
}

static int cmd_delete(int argc, char **argv, struct husk_err *e)
{
	bool force = false;
	const struct opt t[] = {FLAG("force", 'f', &force, "kill the container first if it runs"),
				OPT_END};
	struct args a;
	struct state st = {0};
	AUTO_FD rootfd = -1;
	AUTO_FD dirfd = -1;
	int r = load_one(argc, argv, t, "delete", &a, &st, &rootfd, &dirfd, e);
	if (r < 0 && force && a.npos >= 1 && strstr(e->msg, "does not exist"))
		return 0; /* as runc: clients delete --force what may be gone */
	if (r < 0 && force && a.npos >= 1 && state_valid_id(a.pos[0], e) == 0)
		return force_delete_partial(a.pos[0], e);
	if (r == 0 && !force && st.status != ST_STOPPED && st.status != ST_CREATED)
		r = err_set(e, 0, "cannot delete container %s: it is %s (stop it first, or use --force)",
			    st.id, state_status_name(st.status));
	if (r == 0)
		r = destroy(rootfd, dirfd, &st, e);
	state_release(&st);
	return r;
}

static int cmd_state(int argc, char **argv, struct husk_err *e)
{
	const struct opt t[] = {OPT_END};
	struct args a;
	struct state st = {0};
	AUTO_FD rootfd = -1;
	AUTO_FD dirfd = -1;
	if (load_one(argc, argv, t, "state", &a, &st, &rootfd, &dirfd, e) < 0)
		return -1;
	AUTO_FREE char *js = state_json(&st, true, "  ");
	state_release(&st);
	if (!js)
		return err_sys(e, "state JSON");
	printf("%s\n", js);
	return 0;
}

/* ---- list ---------------------------------------------------------------------------- */

static void list_header(bool quiet, bool json)
{
	if (json)
		putchar('[');
	else if (!quiet)
		printf("%-12s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
}

static void list_one(const struct state *st, bool quiet, bool json, bool first)
{
	if (json) {
		AUTO_FREE char *js = state_json(st, true, "");
		printf("%s%s", first ? "" : ",", js ? js : "{}");
	} else if (quiet) {
		printf("%s\n", st->id);
	} else {
		printf("%-12s %-8d %-10s %-40s %-31s %s\n", st->id,
		       st->status == ST_STOPPED ? 0 : (int)st->pid, state_status_name(st->status),
		       st->bundle, st->created, state_owner_name(st));
	}
}

/* One container at a time: a board with hundreds of them lists in
 * constant memory. A state dir that cannot be read as husk's (corrupt,
 * being created, others control it) is skipped; husk itself short of fds
 * or memory is an error, never a list that silently leaves containers out. */
static int list_all(int rootfd, bool quiet, bool json, struct husk_err *e)
{
	DIR *d = NULL;
	if (rootfd >= 0) {
		AUTO_FD dfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
		if (dfd < 0 || !(d = fdopendir(dfd)))
			return err_sys(e, "list: open %s", opt_root);
		dfd = -1; /* owned by d now */
	}
	list_header(quiet, json);
	struct dirent *de;
	bool first = true;
	int r = 0;
	while (r == 0 && d && (de = readdir(d))) {
		struct state st;
		if (de->d_name[0] == '.')
			continue;
		if (state_load(rootfd, de->d_name, &st, NULL, e) < 0) {
			int n = e->errnum;
			r = n == EMFILE || n == ENFILE || n == ENOMEM ? err_wrap(e, "list: ") : 0;
			continue;
		}
		list_one(&st, quiet, json, first);
		first = false;
		state_release(&st);
	}
	if (d)
		closedir(d);
	if (json && r == 0)
		puts("]");
	return r;
}

static int cmd_list(int argc, char **argv, struct husk_err *e)
{
	bool quiet = false;
	const char *format = "table";
	const struct opt t[] = {FLAG("quiet", 'q', &quiet, "print the ids only"),
				ARG("format", 'f', &format, "table|json", "output format (default table)"),
				OPT_END};
	struct args a;
	if (parse_opts(t, argc, argv, &a, 0, e) < 0)
		return -1;
	if (strcmp(format, "table") && strcmp(format, "json"))
		return err_set(e, 0, "list: invalid format \"%s\" (table or json)", format);
	/* no root yet: an empty list; a root others control: refused (a state
	 * dir others control is skipped, as a corrupt one is) */
	AUTO_FD rootfd = state_open_root(false, e);
	if (rootfd < 0 && e->errnum != ENOENT)
		return -1;
	return list_all(rootfd, quiet, !strcmp(format, "json"), e);
}

/* ---- exec (exec.c) -------------------------------------------------------------------- */

/* ---- checkpoint, restore (checkpoint.c) ------------------------------------------ */

/* ---- spec ------------------------------------------------------------------------------ */

static int cmd_spec(int argc, char **argv, struct husk_err *e)
{
	bool rootless = false;
	const char *bundle = ".";
	const struct opt t[] = {
		FLAG("rootless", 0, &rootless, "for a user namespace, with the caller's ids mapped"),
		ARG("bundle", 'b', &bundle, "DIR", "write DIR/config.json (default .)"), OPT_END};
	struct args a;
	if (parse_opts(t, argc, argv, &a, 0, e) < 0)
		return -1;
	/* runc adds a cgroup namespace when the host's cgroups are v2 only */
	struct statfs sf;
	bool v2 = statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
	AUTO_FREE char *text = spec_default_json(rootless, v2, e);
	if (!text)
		return -1;
	char path[4200];
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	AUTO_FD fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return err_sys(e, "spec: %s", path);
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len)
		return err_sys(e, "spec: write %s", path);
	return 0;
}

/* ---- help and main ------------------------------------------------------------------------ */

static const struct command {
	const char *name;
	int (*fn)(int, char **, struct husk_err *);
	const char *usage;
} commands[] = {
	{"create", cmd_create,
	 "create [-b DIR] [--console-socket PATH] [--pid-file PATH] [--no-pivot]\n"
	 "        [--no-new-keyring] [--preserve-fds N] [--pidfd-socket PATH] ID\n"
	 "    Set the container up and leave it waiting for `start`."},
	{"start", cmd_start, "start ID\n    Run the user's program of a created container."},
	{"run", cmd_run,
	 "run [-b DIR] [-d|--detach] [--keep] [--console-socket PATH] [--pid-file PATH]\n"
	 "    [--no-pivot] [--no-new-keyring] [--preserve-fds N] [--pidfd-socket PATH] ID\n"
	 "    create + start; in the foreground, wait and exit with the container's status\n"
	 "    (128+N if killed by signal N), then delete it unless --keep."},
	{"kill", cmd_kill,
	 "kill [-a|--all] ID [SIGNAL]\n    Send SIGNAL (default TERM; 9, KILL and SIGKILL alike) to the init,\n"
	 "    or with --all to every process of the container's cgroup."},
	{"delete", cmd_delete,
	 "delete [-f|--force] ID\n    Remove a created or stopped container; --force kills a running one."},
	{"state", cmd_state, "state ID\n    Print the container's state as JSON."},
	{"list", cmd_list, "list [-q|--quiet] [-f|--format table|json]\n    List the containers under --root."},
	{"exec", cmd_exec,
	 "exec [-p FILE] [-t] [--console-socket PATH] [--cwd DIR] [-e K=V]... [-u UID[:GID]]\n"
	 "     [-g GID]... [-c CAP]... [--no-new-privs] [-d] [--pid-file PATH]\n"
	 "     [--preserve-fds N] [--ignore-paused] [--apparmor PROFILE] [--process-label LABEL]\n"
	 "     [--cgroup PATH] [--pidfd-socket PATH] ID [COMMAND ARGS...]\n"
	 "    Run one more process in a running container; exits with its status\n"
	 "    (255 when husk or the exec fails)."},
	{"features", cmd_features, "features\n    Print what this husk implements, as runtime-spec features JSON."},
	{"spec", cmd_spec,
	 "spec [--rootless] [-b|--bundle DIR]\n    Write a default config.json (as runc's) in DIR."},
	{"pause", cmd_pause, "pause ID\n    Freeze every process of the container (cgroup.freeze)."},
	{"resume", cmd_resume, "resume ID\n    Thaw a paused container."},
	{"ps", cmd_ps,
	 "ps [-f|--format table|json] ID [--] [PS-ARGS...]\n"
	 "    List the container's processes: PID and command line, or a JSON array of\n"
	 "    pids (no ps(1) is run); with PS-ARGS, the host's ps(1) output for them."},
	{"events", cmd_events,
	 "events [--stats] [--interval D] ID\n    Print the cgroup's stats as JSON once (--stats), or every D\n"
	 "    (default 5s) with an oom event at each OOM kill, until the container stops."},
	{"update", cmd_update,
	 "update [-r|--resources FILE|-] [--memory N] [--memory-reservation N] [--memory-swap N]\n"
	 "       [--pids-limit N] [--cpu-quota N] [--cpu-period N] [--cpu-share N]\n"
	 "       [--cpuset-cpus S] [--cpuset-mems S] [--blkio-weight N] [--cpu-burst N]\n"
	 "       [--cpu-idle 0|1] ID\n"
	 "    Change the limits of a live container (FILE: a LinuxResources JSON object;\n"
	 "    sizes take k/m/g suffixes, -1 is no limit). Refused on cgroup v2 or without\n"
	 "    Intel RDT: --cpu-rt-period, --cpu-rt-runtime, --l3-cache-schema, --mem-bw-schema;\n"
	 "    ignored with a warning, as runc: --kernel-memory, --kernel-memory-tcp."},
	{"checkpoint", cmd_checkpoint,
	 "checkpoint [--image-path DIR] [--work-path DIR] [--leave-running] [--pre-dump]\n"
	 "           [--parent-path DIR] [--tcp-established] [--ext-unix-sk] [--shell-job]\n"
	 "           [--file-locks] [--manage-cgroups-mode MODE] ID\n"
	 "    Save a running container with criu; it ends unless --leave-running.\n"
	 "    Refused: --page-server, --status-fd, --lazy-pages, --empty-ns, --auto-dedup."},
	{"restore", cmd_restore,
	 "restore [-d] [-b DIR] [--image-path DIR] [--work-path DIR] [--pid-file PATH]\n"
	 "        [--console-socket PATH] [--tcp-established] [--ext-unix-sk] [--shell-job]\n"
	 "        [--file-locks] [--manage-cgroups-mode MODE] [--no-subreaper] [--no-pivot] ID\n"
	 "    Run a checkpointed container again, as ID, from the bundle's config; in the\n"
	 "    foreground, wait and exit with its status, then delete it (as run).\n"
	 "    Refused: --lazy-pages, --empty-ns, --auto-dedup, --lsm-profile,\n"
	 "    --lsm-mount-context."},
};

static void usage(FILE *f)
{
	fprintf(f, "husk %s: a small OCI container runtime with runc's command line\n\n"
		   "usage: husk [global options] COMMAND [options] ID ...\n\n"
		   "global options:\n",
		HUSK_VERSION);
	print_opts(f, global_opts);
	fprintf(f, "\ncommands (husk COMMAND --help, or husk help COMMAND, for one):\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
}

/* husk help COMMAND: the command's own --help, printed from its table. */
static int cmd_help(const char *name, struct husk_err *e)
{
	for (size_t i = 0; name && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name)) {
			opt_usage = commands[i].usage;
			return commands[i].fn(1, (char *[]){"--help", NULL}, e);
		}
	if (name)
		return err_set(e, 0, "help: unknown command \"%s\"", name);
	usage(stdout);
	return 0;
}

/* Global options come before the command. Returns the command's index in
 * argv, or 0 when the options said all there was to say. */
static int parse_global(int argc, char **argv, struct husk_err *e)
{
	struct args a;
	const char *root_default = opt_root;
	int i = parse_opts(global_opts, argc - 1, argv + 1, &a, -1, e) + 1;
	if (i <= 0 || log_open(e) < 0)
		return -1;
	/* rootless, as runc: the state goes where the user may write */
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	static char rootless_root[4096];
	if (opt_root == root_default && geteuid() != 0 && xdg && *xdg) {
		snprintf(rootless_root, sizeof(rootless_root), "%s/husk", xdg);
		opt_root = rootless_root;
	}
	const char *fmt = opt_log_format, *rootless = opt_rootless;
	if (strcmp(fmt, "text") && strcmp(fmt, "json"))
		return err_set(e, 0, "--log-format: invalid format \"%s\" (text or json)", fmt);
	opt_log_json = !strcmp(fmt, "json");
	if (rootless && strcmp(rootless, "true") && strcmp(rootless, "false") && strcmp(rootless, "auto"))
		return err_set(e, 0, "--rootless: invalid value \"%s\" (true, false or auto)", rootless);
	if (opt_version) {
		printf("husk version %s\n", HUSK_VERSION);
		if (*HUSK_COMMIT)
			printf("commit: %s\n", HUSK_COMMIT);
		printf("spec: %s\nlibseccomp: %u.%u.%u\n", HUSK_SPEC_VERSION, seccomp_version()->major,
		       seccomp_version()->minor, seccomp_version()->micro);
		return 0;
	}
	if (opt_help || i >= argc) {
		usage(opt_help ? stdout : stderr);
		return opt_help ? 0 : err_set(e, 0, "no command given (see husk --help)");
	}
	return i;
}

static int dispatch(int argc, char **argv, struct husk_err *e)
{
	const char *cmd = argv[0];
	if (!strcmp(cmd, "help"))
		return cmd_help(argc > 1 ? argv[1] : NULL, e);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name)) {
			opt_usage = commands[i].usage;
			return commands[i].fn(argc - 1, argv + 1, e);
		}
	return err_set(e, 0, "unknown command \"%s\" (see husk --help)", cmd);
}

static bool makes_container_processes(const char *cmd)
{
	return !strcmp(cmd, "create") || !strcmp(cmd, "run") || !strcmp(cmd, "exec");
}

/* Every command on containers reads /proc; these do not. */
static bool needs_proc(const char *cmd)
{
	return strcmp(cmd, "spec") && strcmp(cmd, "features") && strcmp(cmd, "help");
}

int main(int argc, char **argv)
{
	struct husk_err e = {0};
	int i = parse_global(argc, argv, &e), r = i;
	if (r > 0 && needs_proc(argv[i]) && procfs_check(&e) < 0)
		r = -1;
	if (r > 0 && makes_container_processes(argv[i]) && guard_sealed(argv, &e) < 0)
		r = -1;
	if (r > 0 && opt_systemd && !strcmp(argv[i], "restore"))
		r = err_set(&e, 0, "restore: --systemd-cgroup is not supported (restore into a "
				   "cgroupfs path)");
	if (r > 0)
		r = dispatch(argc - i, argv + i, &e);
	if (r < 0) {
		log_error(&e);
		/* runc: exec fails with 255, so that it differs from the program's status */
		return i > 0 && !strcmp(argv[i], "exec") ? 255 : 1;
	}
	return r;
}
