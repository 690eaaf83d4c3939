/* exec.c: `husk exec`, a new process in a running container: its
 * settings from --process or the command line over the container's
 * config.json, the checks on the container's state, then the same process
 * setup as the init's (container_exec) and, in the foreground, its wait. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "husk.h"

struct exec_opts {
	const char *process, *console_socket, *cwd, *user, *pid_file, *preserve_fds, *pidfd_socket;
	const char *apparmor, *process_label;
	bool tty, nnp, detach, ignore_paused;
	struct multi env, gids, caps, cgroup;
};

static int cap_number(const char *name)
{
	static const char *const names[] = {
		"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
		"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
		"NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
		"SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
		"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
		"AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
		"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"};
	const char *n = strncasecmp(name, "CAP_", 4) ? name : name + 4;
	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcasecmp(n, names[i]))
			return i;
	return -1;
}

/* Without --process, the container's own process is the default; the
 * options override it, as runc's exec does. */
static int exec_override(struct process *p, const struct exec_opts *o, char **cmd, int ncmd,
			 struct husk_err *e)
{
	static char *argv[256];
	if (ncmd < 1)
		return err_set(e, 0, "exec: a command is required (or --process FILE)");
	if (ncmd > 255)
		return err_set(e, 0, "exec: too many arguments");
	memcpy(argv, cmd, (size_t)ncmd * sizeof(char *));
	argv[ncmd] = NULL;
	p->args.v = argv;
	p->args.n = (size_t)ncmd;
	p->terminal = o->tty;
	if (o->cwd)
		p->cwd = (char *)o->cwd;
	if (o->apparmor && *o->apparmor)
		p->apparmor_profile = (char *)o->apparmor;
	if (o->process_label && *o->process_label)
		p->selinux_label = (char *)o->process_label;
	if (o->nnp)
		p->no_new_privileges = true;
	if (o->user) {
		char *end;
		unsigned long uid = strtoul(o->user, &end, 10), gid = p->gid;
		if (end == o->user || (*end && *end != ':') ||
		    (*end == ':' && (gid = strtoul(end + 1, &end, 10), *end)))
			return err_set(e, 0, "exec: --user \"%s\": UID[:GID] expected", o->user);
		p->uid = (uint32_t)uid;
		p->gid = (uint32_t)gid;
	}
	return 0;
}

static int exec_lists(struct process *p, const struct exec_opts *o, struct husk_err *e)
{
	static char *env[1024];
	static uint32_t gids[64];
	size_t n = 0;
	for (size_t i = 0; i < p->env.n && n < 960; i++)
		env[n++] = p->env.v[i];
	for (int i = 0; i < o->env.n; i++)
		env[n++] = (char *)o->env.v[i];
	env[n] = NULL;
	p->env.v = env;
	p->env.n = n;
	for (int i = 0; i < o->gids.n; i++)
		gids[i] = (uint32_t)strtoul(o->gids.v[i], NULL, 10);
	if (o->gids.n) {
		p->additional_gids = gids;
		p->n_additional_gids = (size_t)o->gids.n;
	}
	for (int i = 0; i < o->caps.n; i++) {
		int cap = cap_number(o->caps.v[i]);
		if (cap < 0)
			return err_set(e, 0, "exec: --cap: unknown capability \"%s\"", o->caps.v[i]);
		p->caps.present = true;
		p->caps.bounding |= 1ULL << cap;
		p->caps.effective |= 1ULL << cap;
		p->caps.permitted |= 1ULL << cap;
	}
	return 0;
}


static int load_process_file(const char *path, struct spec *ps, struct husk_err *e)
{
	size_t len;
	char *raw = read_file_at(AT_FDCWD, path, 16 << 20, &len, e);
	if (!raw || spec_parse_process(ps, raw, len, e) < 0)
		return err_wrap(e, "--process %s: ", path);
	return spec_check_supported(ps, e);
}

static int exec_check_state(const struct state *st, const struct exec_opts *o, struct husk_err *e)
{
	if (st->status == ST_STOPPED)
		return err_set(e, 0, "cannot exec in container %s: container not running", st->id);
	if (st->status == ST_PAUSED && !o->ignore_paused)
		return err_set(e, 0, "cannot exec in container %s: it is paused (see --ignore-paused)",
			       st->id);
	if (o->tty && o->detach && !o->console_socket)
		return err_set(e, 0, "exec: a terminal (-t) with --detach needs --console-socket");
	return 0;
}

/* --cgroup PATH (runc 1.2): one existing sub-cgroup of the container's,
 * relative to it ("/" is the container's own). runc's CONTROLLER:PATH is
 * for cgroup v1; on v2 only "unified:" means the one hierarchy. The path is
 * checked and opened by container_exec (cgroup_open_sub). */
static int exec_sub_cgroup(const struct exec_opts *o, const char **sub, struct husk_err *e)
{
	*sub = NULL;
	if (!o->cgroup.n)
		return 0;
	if (o->cgroup.n > 1)
		return err_set(e, 0, "exec: --cgroup: given %d times: cgroup v2 has one hierarchy, "
				     "so one path", o->cgroup.n);
	const char *v = o->cgroup.v[0], *colon = strchr(v, ':');
	if (colon && (colon - v != 7 || strncmp(v, "unified", 7)))
		return err_set(e, 0, "exec: --cgroup %s: a CONTROLLER: prefix is for cgroup v1; husk "
				     "uses cgroup v2 (give PATH or unified:PATH)", v);
	*sub = colon ? colon + 1 : v;
	return 0;
}

static int do_exec(struct exec_opts *o, const char *id, char **cmd, int ncmd, struct husk_err *e)
{
	struct state st = {0};
	struct spec cs = {0}, ps = {0};
	AUTO_FD rootfd = -1;
	AUTO_FD dirfd = -1;
	AUTO_FD console = -1;
	AUTO_FD local = -1;
	AUTO_FD pidfd_sock = -1;
	struct exec_req x = {.st = &st, .console = -1};
	int r = -1;
	/* exec passes no LISTEN_FDS: only --preserve-fds, checked first (see
	 * check_passed_fds) */
	if (parse_int(o->preserve_fds, "--preserve-fds", &x.preserve_fds, e) < 0 ||
	    guard_passed_fds(0, x.preserve_fds, e) < 0)
		return -1;
	if ((rootfd = state_open_root(false, e)) < 0) {
		if (e->errnum == ENOENT)
			err_set(e, 0, "container %s does not exist", id);
	} else if (state_load(rootfd, id, &st, &dirfd, e) == 0 && exec_check_state(&st, o, e) == 0 &&
		   load_saved_config(dirfd, &cs, e) == 0) {
		r = 0;
	}
	if (r == 0 && o->process) {
		r = load_process_file(o->process, &ps, e);
		x.process = &ps.process;
	} else if (r == 0) {
		r = exec_override(&cs.process, o, cmd, ncmd, e);
		x.process = &cs.process;
	}
	if (r == 0 && !o->process)
		r = exec_lists(&cs.process, o, e);
	if (r == 0 && x.process->apparmor_profile && *x.process->apparmor_profile &&
	    !apparmor_enabled())
		r = err_set(e, 0, "exec: %s: AppArmor is not enabled on this host",
			    o->apparmor && !o->process ? "--apparmor" : "process.apparmorProfile");
	/* a label from this command line: ignored with a warning, as at create
	 * (the config's own was warned about then) */
	const char *label = r == 0 ? x.process->selinux_label : NULL;
	if ((o->process || o->process_label) && label && *label && !selinux_enabled())
		log_warn("exec: %s: SELinux is not enabled on this host: ignored",
			 o->process ? "process.selinuxLabel" : "--process-label");
	if (r == 0)
		r = exec_sub_cgroup(o, &x.sub_cgroup, e);
	if (r == 0)
		r = connect_pidfd_socket(o->pidfd_socket, &pidfd_sock, e);
	if (r == 0 && x.process->terminal && o->console_socket)
		r = (console = connect_console(o->console_socket, e)) < 0 ? -1 : 0;
	else if (r == 0 && x.process->terminal) {
		int sp[2];
		r = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0 ? err_sys(e, "socketpair") : 0;
		console = r == 0 ? sp[1] : -1;
		local = r == 0 ? sp[0] : -1;
	}
	x.console = console;
	if (r == 0)
		r = seccomp_prepare(&cs, &x.seccomp, e);
	x.mem_policy = &cs.linux.memory_policy;
	if (r == 0)
		r = container_exec(&x, e);
	seccomp_free(x.seccomp);
	if (r == 0 && (send_pidfd(&pidfd_sock, x.pid, "setns", e) < 0 ||
		       (o->pid_file && write_pid_file(o->pid_file, x.pid, e) < 0))) {
		kill(x.pid, SIGKILL);
		waitpid(x.pid, NULL, 0);
		r = -1;
	}
	if (r == 0 && !o->detach)
		r = wait_in_foreground(x.pid, local);
	state_release(&st);
	spec_free(&cs);
	spec_free(&ps);
	return r;
}

int cmd_exec(int argc, char **argv, struct husk_err *e)
{
	static struct exec_opts o;
	const struct opt t[] = {
		ARG("process", 'p', &o.process, "FILE", "the process to run, as config.json's process"),
		ARG("console-socket", 0, &o.console_socket, "PATH",
		    "unix socket that receives the pty's master"),
		ARG("cwd", 0, &o.cwd, "DIR", "working directory in the container"),
		ARG("user", 'u', &o.user, "UID[:GID]", "user and group ids"),
		ARG("pid-file", 0, &o.pid_file, "PATH", "write the process's pid to PATH"),
		ARG("preserve-fds", 0, &o.preserve_fds, "N", "pass fds 3 to 3+N-1 on to the process"),
		FLAG("tty", 't', &o.tty, "give the process a terminal"),
		FLAG("no-new-privs", 0, &o.nnp, "set no_new_privs"),
		FLAG("detach", 'd', &o.detach, "return once it runs; do not wait"),
		FLAG("ignore-paused", 0, &o.ignore_paused, "exec in a paused container too"),
		MULTI("env", 'e', &o.env, "K=V", "add an environment variable (repeatable)"),
		MULTI("additional-gids", 'g', &o.gids, "GID", "add a supplementary group (repeatable)"),
		MULTI("cap", 'c', &o.caps, "CAP", "add a capability (repeatable)"),
		ARG("apparmor", 0, &o.apparmor, "PROFILE", "the process's AppArmor profile"),
		ARG("process-label", 0, &o.process_label, "LABEL", "the process's SELinux label"),
		MULTI("cgroup", 0, &o.cgroup, "PATH", "run it in this existing sub-cgroup of the container's"),
		ARG("pidfd-socket", 0, &o.pidfd_socket, "PATH",
		    "unix socket that receives a pidfd of the process"),
		OPT_END};
	struct args a;
	/* options, the id, more options, then the command and its own options */
	int n = argc;
	int i = parse_opts(t, n, argv, &a, -1, e);
	if (i < 0)
		return -1;
	if (i >= n)
		return err_set(e, 0, "exec: a container id is required");
	const char *id = argv[i++];
	int j = parse_opts(t, n - i, argv + i, &a, -1, e);
	if (j < 0 || state_valid_id(id, e) < 0)
		return -1;
	o.console_socket = abs_path(o.console_socket, (char[4096]){0}, 4096);
	o.pid_file = abs_path(o.pid_file, (char[4096]){0}, 4096);
	o.pidfd_socket = abs_path(o.pidfd_socket, (char[4096]){0}, 4096);
	return do_exec(&o, id, argv + i + j, n - i - j, e);
}
