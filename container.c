/* container.c: one clone, one sync channel.
 *
 * The parent (husk create/run) clones the init straight into its
 * namespaces and its cgroup, writes the id maps, runs the runtime-side hooks
 * when asked, and returns once the init says READY. The init sets up the root
 * filesystem, the console and its credentials, then waits on exec.sock, a
 * listening unix socket in the state dir. `start` connects and sends one
 * byte; the init runs the startContainer hooks and execs the user's program.
 * The connection is close-on-exec, so `start` reads EOF exactly when the exec
 * succeeded, or an error message when it did not: poststart hooks then run
 * after the program started, and a failed startContainer hook fails `start`.
 * husk itself is never re-executed.
 *
 * The sync channel is a SOCK_SEQPACKET pair: one message per step.
 *   parent -> init   SYNC_GO          maps written, cgroup placed; carries the host pid
 *   init -> parent   SYNC_NETDEV_PLS  namespaces in place: move linux.netDevices in
 *   parent -> init   SYNC_NETDEV_ACK
 *   init -> parent   SYNC_IDMAP_PLS   with a detached clone of mounts[N]'s source (SCM_RIGHTS):
 *                                     give it the mount's idmapping (idmap.c), once per such mount
 *   parent -> init   SYNC_IDMAP_ACK
 *   init -> parent   SYNC_HOOKS_PLS   namespaces and mounts ready: run prestart/createRuntime
 *   parent -> init   SYNC_HOOKS_ACK
 *   init -> parent   SYNC_READY       set up and waiting on exec.sock
 *   init -> parent   SYNC_ERR         with the error; the init then exits
 * If either side dies the other reads EOF, so nothing waits forever. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "husk.h"
#include "process.h"
#include "safepath.h"

enum sync_type {
	SYNC_GO = 1,
	SYNC_NETDEV_PLS,
	SYNC_NETDEV_ACK,
	SYNC_IDMAP_PLS,
	SYNC_IDMAP_ACK,
	SYNC_HOOKS_PLS,
	SYNC_HOOKS_ACK,
	SYNC_READY,
	SYNC_ERR
};

struct sync_msg {
	int type;
	pid_t pid;    /* SYNC_GO: the init's pid on the host */
	size_t mount; /* SYNC_IDMAP_PLS: the index in mounts[] */
	struct husk_err err;
};

static int sync_send(int fd, int type, pid_t pid, const struct husk_err *err)
{
	struct sync_msg m = {.type = type, .pid = pid};
	if (err)
		m.err = *err;
	return send(fd, &m, sizeof(m), MSG_NOSIGNAL) == (ssize_t)sizeof(m) ? 0 : -1;
}

/* Returns the message type, 0 on EOF (the other side is gone), -1 on error.
 * An fd sent with it (SCM_RIGHTS) goes to *fd when fd is given, else is
 * closed; *fd is -1 when none came. */
static int sync_recv_fd(int fd, struct sync_msg *m, int *passed)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	ssize_t n;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	int got = -1;
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(cm), sizeof(int));
	if (passed)
		*passed = got;
	else if (got >= 0)
		close(got);
	if (n == 0)
		return 0;
	return n == (ssize_t)sizeof(*m) ? m->type : -1;
}

static int sync_recv(int fd, struct sync_msg *m)
{
	return sync_recv_fd(fd, m, NULL);
}

/* ---- hooks ------------------------------------------------------------------ */

static const char *const hook_names[HOOK_KINDS] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};

/* The hook's exec error comes back through a close-on-exec pipe: nothing
 * read means the exec succeeded. */
static pid_t hook_fork(const struct hook *h, int stdin_fd, int err_fd)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	dup2(stdin_fd, 0);
	char *argv0[] = {h->path, NULL};
	char *envp0[] = {NULL};
	execve(h->path, h->args.n ? h->args.v : argv0, h->env.n ? h->env.v : envp0);
	int err = errno;
	if (write(err_fd, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(127);
}

static int hook_status(const struct hook *h, pid_t pid, const char *kind, struct husk_err *e)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, "wait for %s hook %s", kind, h->path);
	if (WIFSIGNALED(status))
		return err_set(e, 0, "%s hook %s: killed by signal %d", kind, h->path, WTERMSIG(status));
	if (WEXITSTATUS(status))
		return err_set(e, 0, "%s hook %s: exited with status %d", kind, h->path,
			       WEXITSTATUS(status));
	return 0;
}

/* Has pid exited? Without a pidfd (before Linux 5.3), ask without reaping. */
static bool exited(int pfd, pid_t pid, short revents)
{
	if (pfd >= 0)
		return revents != 0;
	siginfo_t si = {0};
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Feed the state to the hook's stdin while it runs, and wait for it to
 * exit, killing it after its timeout. A hook that stops reading, or exits
 * early, just ends the feeding. Returns 1 on timeout. */
static int hook_feed(int pfd, pid_t pid, int *in_w, const char *data, int64_t timeout)
{
	size_t len = strlen(data), off = 0;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct pollfd p[2] = {{.fd = pfd, .events = POLLIN}, {.fd = *in_w, .events = POLLOUT}};
	for (;;) {
		int left = -1;
		if (timeout != UNSET) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			long ms = (long)timeout * 1000 - (t.tv_sec - t0.tv_sec) * 1000 -
				  (t.tv_nsec - t0.tv_nsec) / 1000000;
			if (ms <= 0)
				return 1;
			left = (int)ms;
		}
		if (pfd < 0 && (left < 0 || left > 10))
			left = 10; /* no pidfd to poll: look every 10 ms */
		if (off == len && *in_w >= 0) {
			close(*in_w); /* EOF for a hook that reads to the end */
			*in_w = p[1].fd = -1;
		}
		int r = poll(p, 2, left);
		if (r < 0 && errno != EINTR)
			return 0;
		if (exited(pfd, pid, r > 0 ? p[0].revents : 0))
			return 0;
		if (r > 0 && p[1].revents) {
			ssize_t n = write(*in_w, data + off, len - off);
			if (n > 0)
				off += (size_t)n;
			else if (errno != EAGAIN && errno != EINTR)
				off = len; /* EPIPE: the hook closed its stdin */
		}
	}
}

static int hook_wait(const struct hook *h, pid_t pid, int in_w, const char *state_json,
		     const char *kind, struct husk_err *e)
{
	AUTO_FD pfd = sys_pidfd_open(pid, 0);
	/* SIGPIPE would kill husk when a hook exits without reading. */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGPIPE, &ign, &old);
	fcntl(in_w, F_SETFL, O_NONBLOCK);
	int timed_out = hook_feed(pfd, pid, &in_w, state_json, h->timeout);
	sigaction(SIGPIPE, &old, NULL);
	if (in_w >= 0)
		close(in_w);
	if (timed_out) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return err_set(e, 0, "%s hook %s: timed out after %llds", kind, h->path,
			       (long long)h->timeout);
	}
	return hook_status(h, pid, kind, e);
}

static int hook_run(const struct hook *h, const char *kind, const char *state_json,
		    struct husk_err *e)
{
	int in[2], err[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return err_sys(e, "%s hook %s: pipe", kind, h->path);
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return err_sys(e, "%s hook %s: pipe", kind, h->path);
	}
	fflush(NULL);
	pid_t pid = hook_fork(h, in[0], err[1]);
	int fork_errno = errno;
	close(in[0]);
	close(err[1]);
	AUTO_FD err_r = err[0];
	if (pid < 0) {
		close(in[1]);
		errno = fork_errno;
		return err_sys(e, "%s hook %s: fork", kind, h->path);
	}
	int exec_errno;
	if (read(err_r, &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno)) {
		close(in[1]);
		waitpid(pid, NULL, 0);
		return err_set(e, exec_errno, "%s hook %s: exec", kind, h->path);
	}
	return hook_wait(h, pid, in[1], state_json, kind, e);
}

int hooks_run(const struct hooks *hooks, enum hook_kind kind, const char *state_json,
	      struct husk_err *e)
{
	for (size_t i = 0; i < hooks[kind].n; i++) {
		if (hook_run(&hooks[kind].v[i], hook_names[kind], state_json, e) < 0) {
			if (kind != HOOK_POSTSTOP)
				return -1;
			/* runtime.md: a failing poststop hook is a warning; the
			 * remaining hooks and the lifecycle go on */
			char buf[512];
			log_warn("%s", err_text(e, buf, sizeof(buf)));
		}
	}
	return 0;
}

static int hooks_run_state(struct container *c, enum hook_kind kind, struct husk_err *e)
{
	if (!c->spec.hooks[kind].n)
		return 0;
	AUTO_FREE char *js = state_json(c->st, false, "");
	if (!js)
		return err_sys(e, "state JSON");
	return hooks_run(c->spec.hooks, kind, js, e);
}

/* ---- in the init: the process's own settings ---------------------------------- */

int container_ask_idmap(int sync, size_t mount, int tree, struct husk_err *e)
{
	struct sync_msg m = {.type = SYNC_IDMAP_PLS, .mount = mount};
	if (send_fd_buf(sync, tree, &m, sizeof(m)) < 0 || sync_recv(sync, &m) != SYNC_IDMAP_ACK)
		return err_set(e, 0, "config.json: mounts[%zu]: the runtime did not idmap it", mount);
	return 0;
}

static int join_namespaces(const struct spec *s, bool user, struct husk_err *e)
{
	for (size_t i = 0; i < s->linux.n_namespaces; i++) {
		const struct ns_entry *ns = &s->linux.namespaces[i];
		if (!ns->path || ns->type == CLONE_NEWPID || (ns->type == CLONE_NEWUSER) != user)
			continue;
		AUTO_FD fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return err_sys(e, "open %s namespace %s", spec_ns_name(ns->type), ns->path);
		if (setns(fd, ns->type) < 0)
			return err_sys(e, "join %s namespace %s", spec_ns_name(ns->type), ns->path);
	}
	return 0;
}

static int set_names(const struct spec *s, struct husk_err *e)
{
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return err_sys(e, "sethostname %s", s->hostname);
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return err_sys(e, "setdomainname %s", s->domainname);
	return 0;
}

/* linux.sysctl: through the procfs handle, never the container's /proc
 * (whatever procfs the file is read through, the kernel looks it up in the
 * init's own network, IPC and UTS namespaces). The keys were checked at
 * create to be namespaced ones. */
static int set_sysctls(int proc, const struct spec *s, struct husk_err *e)
{
	for (size_t i = 0; i < s->linux.sysctl.n; i++) {
		const struct kv *kv = &s->linux.sysctl.v[i];
		char path[512];
		int n = snprintf(path, sizeof(path), "sys/%s", kv->key);
		if (n >= (int)sizeof(path))
			return err_set(e, ENAMETOOLONG, "linux.sysctl %s", kv->key);
		for (char *p = path + 4; p < path + n; p++)
			if (*p == '.')
				*p = '/';
		if (procfs_write(proc, path, kv->value, strlen(kv->value), e) < 0)
			return err_wrap(e, "linux.sysctl %s: ", kv->key);
	}
	return 0;
}

/* What the process asks of the kernel for itself, before the user switch
 * drops the capabilities some of it needs (the real-time I/O class and
 * scheduler policies), and before a seccomp filter may deny the calls. */
static int set_process_kernel(int proc, const struct spec *s, const struct process *p,
			      struct husk_err *e)
{
	if (s->linux.has_personality && personality((unsigned long)s->linux.personality_domain) < 0)
		return err_sys(e, "linux.personality");
	if (process_io_priority(p, e) < 0 || process_scheduler(&p->scheduler, e) < 0 ||
	    process_mem_policy(&s->linux.memory_policy, e) < 0)
		return -1;
	if (process_apparmor(proc, p->apparmor_profile, e) < 0)
		return -1;
	return label_process(proc, p->selinux_label, e);
}


/* ---- in the init: the whole setup, in order ---------------------------------- */

struct init_ctx {
	struct container *c;
	int proc;    /* the verified procfs handle (procfs.c) */
	int sync;    /* this side of the sync channel */
	int console; /* connected console socket, or -1 */
	int start;   /* exec.sock, listening */
	int nfds;    /* fds 3 .. 3+nfds-1 pass to the program */
	int last_cap;
	char program[4096];
	char **env;
};

static bool in_new_userns(const struct spec *s)
{
	for (size_t i = 0; i < s->linux.n_namespaces; i++)
		if (s->linux.namespaces[i].type == CLONE_NEWUSER && !s->linux.namespaces[i].path)
			return true;
	return false;
}

/* Born in a new user namespace, the init is the overflow uid until it
 * switches to the namespace's root; files it made would fail EOVERFLOW. */
static int become_ns_root(struct husk_err *e)
{
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return err_sys(e, "become root in the new user namespace (is uid 0 mapped?)");
	return 0;
}

/* Open /proc/self/timens_offsets (0644). Non-dumpable, we own our /proc
 * files as the host's root, whom a user namespace does not map: there (only)
 * we are dumpable for the open itself; the write checks CAP_SYS_TIME, not
 * the mode. No opening for CVE-2019-5736: no process of the container
 * exists yet, and in a user namespace none of its users is the host's root. */
static int open_timens_offsets(int proc, struct husk_err *e)
{
	int fd = procfs_open(proc, "self/timens_offsets", O_WRONLY, e);
	if (fd < 0 && e->errnum == EACCES) {
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		fd = procfs_open(proc, "self/timens_offsets", O_WRONLY, e);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	return fd >= 0 ? fd : err_wrap(e, "linux.timeOffsets: ");
}

/* linux.timeOffsets go into a time namespace before any process is in it
 * (they are frozen then), so the init is not cloned into it but makes it:
 * unshare makes it the init's time_for_children, the offsets go in, setns
 * enters it. After the user namespace, which is to own it. */
static int enter_time_ns(int proc, const struct linux_cfg *l, struct husk_err *e)
{
	const struct {
		const char *name;
		const struct time_offset *o;
	} clocks[] = {{"monotonic", &l->monotonic}, {"boottime", &l->boottime}};
	char buf[128];
	size_t n = 0;
	for (size_t i = 0; i < 2; i++)
		if (clocks[i].o->given)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s %lld %lld\n", clocks[i].name,
					      (long long)clocks[i].o->secs, (long long)clocks[i].o->nanosecs);
	if (unshare(CLONE_NEWTIME) < 0)
		return err_sys(e, "linux.timeOffsets: unshare the time namespace");
	AUTO_FD offsets = open_timens_offsets(proc, e);
	if (offsets < 0)
		return -1;
	if (write(offsets, buf, n) != (ssize_t)n)
		return err_sys(e, "linux.timeOffsets: write /proc/self/timens_offsets");
	AUTO_FD fd = procfs_open_ns(proc, 0, "time_for_children", e);
	if (fd < 0)
		return err_wrap(e, "linux.timeOffsets: ");
	if (setns(fd, CLONE_NEWTIME) < 0)
		return err_sys(e, "linux.timeOffsets: enter the time namespace");
	return 0;
}

/* Before the root changes: namespaces, names, mounts, runtime hooks. */
static int init_before_pivot(struct init_ctx *x, struct husk_err *e)
{
	struct container *c = x->c;
	const struct spec *s = &c->spec;
	x->last_cap = process_cap_last(x->proc);
	if (join_namespaces(s, true, e) < 0 || join_namespaces(s, false, e) < 0)
		return -1;
	if (c->unshare_flags && unshare(c->unshare_flags) < 0)
		return err_sys(e, "unshare namespaces");
	if (in_new_userns(s) && become_ns_root(e) < 0)
		return -1;
	if (s->linux.has_time_offsets && enter_time_ns(x->proc, &s->linux, e) < 0)
		return -1;
	/* The network namespace is the container's now: husk moves the
	 * devices in before anything of the container (mounts, hooks) runs,
	 * as runc does, so that the runtime's hooks already see them. */
	if (s->linux.n_net_devices) {
		struct sync_msg m;
		if (sync_send(x->sync, SYNC_NETDEV_PLS, 0, NULL) < 0 ||
		    sync_recv(x->sync, &m) != SYNC_NETDEV_ACK)
			return err_set(e, 0, "linux.netDevices: husk could not move them");
	}
	/* Without a mount namespace of its own the container has the host's
	 * filesystem: nothing is mounted, the root does not change. */
	bool mnt = spec_has_ns(s, CLONE_NEWNS);
	if (set_names(s, e) < 0 || (mnt && mount_prepare_rootfs(s, c->rootfs, x->sync, e) < 0))
		return -1;
	if (s->hooks[HOOK_PRESTART].n || s->hooks[HOOK_CREATE_RUNTIME].n) {
		struct sync_msg m;
		if (sync_send(x->sync, SYNC_HOOKS_PLS, 0, NULL) < 0 ||
		    sync_recv(x->sync, &m) != SYNC_HOOKS_ACK)
			return err_set(e, 0, "the runtime's hooks failed");
	}
	/* createContainer hooks run here: in the container's namespaces, but
	 * before pivot_root, so their paths are the runtime's (runtime.md). */
	if (hooks_run_state(c, HOOK_CREATE_CONTAINER, e) < 0)
		return -1;
	/* The last mounts, still before pivot_root: with the root changed,
	 * /proc would be the container's, and no path may cross it then. */
	if (mnt && mount_protect_paths(s, c->rootfs, e) < 0)
		return -1;
	/* A session of its own, as runc's init: with a terminal the console
	 * makes it (setsid + TIOCSCTTY). criu dumps only a process tree whose
	 * session leader is inside it, and a container should not share the
	 * caller's session anyway (job control signals from its terminal). */
	if (!s->process.terminal)
		return setsid() < 0 ? err_sys(e, "setsid") : 0;
	AUTO_FD rootfd = open(mnt ? c->rootfs : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_sys(e, "open %s", c->rootfs);
	return process_console(&s->process, x->console, rootfd, e);
}

/* After the root changes: kernel settings, credentials. */
static int init_after_pivot(struct init_ctx *x, struct husk_err *e)
{
	struct container *c = x->c;
	const struct process *p = &c->spec.process;
	if (set_sysctls(x->proc, &c->spec, e) < 0)
		return -1;
	if ((spec_has_ns(&c->spec, CLONE_NEWNS) && mount_finish_rootfs(&c->spec, e) < 0) || process_rlimits(p, e) < 0 ||
	    process_oom_score_adj(x->proc, p, e) < 0)
		return -1;
	if (!c->no_new_keyring && syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, c->id) < 0 &&
	    errno != ENOSYS && errno != EPERM)
		return err_sys(e, "join a new session keyring");
	/* No process (config.md allows it until start): the init only holds
	 * the container's namespaces until delete; start refuses. */
	if (!c->spec.has_process)
		return 0;
	/* Without no_new_privs, loading a filter takes CAP_SYS_ADMIN, which the
	 * user switch may drop: load it now, as runc does. What follows then runs
	 * under it (setgroups, setres[ug]id, prctl, capset, chdir, stat, access,
	 * close_range, sendto, accept4, read, execve, and fork/wait4 for
	 * startContainer hooks), so the profile must allow those. */
	int cwd;
	if (set_process_kernel(x->proc, &c->spec, p, e) < 0 || (cwd = process_enter_cwd(p->cwd, false, e)) < 0)
		return -1;
	if (!p->no_new_privileges && seccomp_install(c->seccomp, c->st, e) < 0)
		return -1;
	if (process_user(p, x->last_cap, e) < 0 || (cwd && process_enter_cwd(p->cwd, true, e) < 0))
		return -1;
	if (process_find_program(p, x->program, sizeof(x->program), e) < 0)
		return -1;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(e, "prctl PR_SET_NO_NEW_PRIVS");
	return 0;
}

static int init_setup(struct init_ctx *x, struct husk_err *e)
{
	struct container *c = x->c;
	struct sync_msg m;
	if (sync_recv(x->sync, &m) != SYNC_GO)
		_exit(1); /* the parent is gone: nobody to report to */
	/* Non-dumpable until execve: no container process can open our
	 * /proc/PID/exe or ptrace us (already so when husk runs as root). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	c->st->pid = m.pid;
	/* Before anything of the container is joined or mounted: the host's. */
	if ((x->proc = procfs_open_root(e)) < 0)
		return -1;
	fault_point("init.go");
	if (init_before_pivot(x, e) < 0)
		return -1;
	fault_point("init.mounted");
	if (spec_has_ns(&c->spec, CLONE_NEWNS) && mount_enter_rootfs(&c->spec, c->rootfs, c->no_pivot, e) < 0)
		return -1;
	fault_point("init.pivoted");
	if (init_after_pivot(x, e) < 0)
		return -1;
	fault_point("init.set-up");
	x->env = process_env(&c->spec.process.env, c->listen_fds);
	if (!x->env)
		return err_sys(e, "environment");
	return process_seal_fds(x->proc, x->nfds, e);
}

/* Accept `start`'s connection and read its one byte. */
static int wait_for_start(int listener)
{
	int conn;
	do
		conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR);
	close(listener);
	char b;
	if (conn < 0 || read(conn, &b, 1) != 1)
		return -1;
	return conn;
}

/* After `start` connected, errors go to it (it prints them) and the init exits. */
static void tell_start(int conn, const struct husk_err *e, int status)
{
	char buf[512];
	err_text(e, buf, sizeof(buf));
	if (write(conn, buf, strlen(buf)) < 0)
		_exit(status);
	_exit(status);
}

/* Never returns. */
static void init_main(struct init_ctx *x)
{
	struct husk_err e = {0};
	if (init_setup(x, &e) < 0) {
		sync_send(x->sync, SYNC_ERR, 0, &e);
		_exit(1);
	}
	if (sync_send(x->sync, SYNC_READY, 0, NULL) < 0)
		_exit(1);
	close(x->sync);
	int conn = wait_for_start(x->start);
	if (conn < 0)
		_exit(1);
	fault_point("init.started");
	/* Point of no return: `start` is waiting for the exec. */
	x->c->st->status = ST_RUNNING;
	if (hooks_run_state(x->c, HOOK_START_CONTAINER, &e) < 0)
		tell_start(conn, &e, 1);
	/* As late as can be with no_new_privs: only execve runs under the filter. */
	if (x->c->spec.process.no_new_privileges &&
	    seccomp_install(x->c->seccomp, x->c->st, &e) < 0)
		tell_start(conn, &e, 1);
	execve(x->program, x->c->spec.process.args.v, x->env);
	err_sys(&e, "exec %s", x->program);
	tell_start(conn, &e, 127);
}

/* ---- the parent ------------------------------------------------------------------ */

static int write_id_map(pid_t pid, const char *file, const struct id_maps *m, struct husk_err *e)
{
	char buf[4096], path[64];
	int n = idmap_lines(m, buf, sizeof(buf));
	if (n < 0)
		return err_set(e, 0, "%s: too many mappings", file);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return write_file_at(AT_FDCWD, path, buf, (size_t)n, e);
}

/* New namespaces come from clone3 itself, except after joining a user
 * namespace by path: then they must be owned by it, so the init unshares
 * them once it has joined. A time namespace with offsets the init makes
 * itself (enter_time_ns). */
static uint64_t clone_flags(struct container *c)
{
	const struct linux_cfg *l = &c->spec.linux;
	uint64_t flags = 0;
	bool join_user = false;
	for (size_t i = 0; i < l->n_namespaces; i++) {
		if (!l->namespaces[i].path)
			flags |= (uint64_t)l->namespaces[i].type;
		else if (l->namespaces[i].type == CLONE_NEWUSER)
			join_user = true;
	}
	if (l->has_time_offsets)
		flags &= ~(uint64_t)CLONE_NEWTIME;
	if (join_user) {
		c->unshare_flags = (int)(flags & ~(uint64_t)CLONE_NEWPID);
		flags &= CLONE_NEWPID;
	}
	return flags;
}

static pid_t clone_init(struct container *c, bool *placed)
{
	struct husk_clone_args a = {.flags = clone_flags(c), .exit_signal = SIGCHLD};
	fflush(NULL);
	*placed = false;
	if (c->cgroup_fd >= 0) {
		/* Born in its cgroup: no migration, and no RCU wait for one. */
		a.flags |= CLONE_INTO_CGROUP;
		a.cgroup = (uint64_t)c->cgroup_fd;
		pid_t pid = (pid_t)sys_clone3(&a);
		if (pid >= 0) {
			*placed = true;
			return pid;
		}
		/* The cgroup (or a parent) is full: pids.max reached, or no memory
		 * for the task. Born outside and moved in, the init would dodge
		 * the limit (a move is never refused for it). */
		if (errno == EAGAIN || errno == ENOMEM)
			return -1;
		log_debug("clone3 with CLONE_INTO_CGROUP: %s; placing the init afterwards",
			  strerror(errno));
		a.flags &= ~CLONE_INTO_CGROUP;
		a.cgroup = 0;
		/* A cgroup namespace is rooted where it is made: the init makes
		 * it itself once it has been moved into its cgroup. */
		if (a.flags & CLONE_NEWCGROUP) {
			a.flags &= ~(uint64_t)CLONE_NEWCGROUP;
			c->unshare_flags |= CLONE_NEWCGROUP;
		}
	}
	pid_t pid = (pid_t)sys_clone3(&a);
	/* Before Linux 5.3: clone(2), which has no room for CLONE_NEWTIME (its
	 * bit is the exit signal's there); time namespaces came in 5.6 anyway. */
	if (pid < 0 && errno == ENOSYS && !(a.flags & CLONE_NEWTIME))
		pid = (pid_t)syscall(SYS_clone, (unsigned long)a.flags | SIGCHLD, 0, 0, 0, 0);
	return pid;
}

/* A pid namespace joined by path applies to children only: the parent
 * enters it just for the clone and returns to its own right after. */
static int enter_pid_ns(const struct spec *s, int *saved, struct husk_err *e)
{
	*saved = -1;
	for (size_t i = 0; i < s->linux.n_namespaces; i++) {
		const struct ns_entry *ns = &s->linux.namespaces[i];
		if (ns->type != CLONE_NEWPID || !ns->path)
			continue;
		AUTO_FD fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		*saved = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || *saved < 0 || setns(fd, CLONE_NEWPID) < 0)
			return err_sys(e, "join pid namespace %s", ns->path);
	}
	return 0;
}

static int parent_place(struct container *c, bool placed, int sync, struct husk_err *e)
{
	const struct linux_cfg *l = &c->spec.linux;
	if (!placed && c->cgroup_fd >= 0 && cgroup_enter(c->cgroup_fd, c->pid, e) < 0)
		return -1;
	if (l->uid_mappings.n && write_id_map(c->pid, "uid_map", &l->uid_mappings, e) < 0)
		return -1;
	/* An unprivileged writer may map its own gid only once setgroups is
	 * denied (user_namespaces(7)); the container then keeps no groups. */
	if (l->gid_mappings.n && geteuid() != 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)c->pid);
		if (write_file_at(AT_FDCWD, path, "deny", 4, e) < 0)
			return -1;
	}
	if (l->gid_mappings.n && write_id_map(c->pid, "gid_map", &l->gid_mappings, e) < 0)
		return -1;
	if (sync_send(sync, SYNC_GO, c->pid, NULL) < 0)
		return err_sys(e, "sync with the container's init");
	return 0;
}

/* linux.netDevices, into the init's network namespace, opened through the
 * procfs handle: the init is our child, not reaped, so its pid is its own. */
static int parent_netdev(struct container *c, struct husk_err *e)
{
	AUTO_FD proc = procfs_open_root(e);
	if (proc < 0)
		return -1;
	AUTO_FD ns = procfs_open_ns(proc, c->pid, "net", e);
	if (ns < 0 || netdev_move_in(&c->spec, proc, ns, e) < 0)
		return -1;
	fault_point("create.netdev");
	return 0;
}

/* SYNC_IDMAP_PLS: the init cannot idmap its clone of the mount's source
 * (idmap.c says why): we can, still on the host. */
static int parent_idmap(struct container *c, int sync, const struct sync_msg *m, int tree,
			struct husk_err *e)
{
	if (tree < 0)
		return err_set(e, 0, "config.json: mounts[%zu]: no mount came with the idmap request",
			       m->mount);
	int r = idmap_attach(&c->spec, m->mount, c->pid, tree, e);
	close(tree);
	if (r < 0)
		return -1;
	if (sync_send(sync, SYNC_IDMAP_ACK, 0, NULL) < 0)
		return err_sys(e, "sync with the container's init");
	return 0;
}

/* The init closed the sync channel without a word: say how it ended,
 * without reaping it (the caller does). A SIGKILL in set-up is most often
 * the OOM killer: memory.max of its cgroup, or of a parent, too small. */
static int init_gone(const struct container *c, struct husk_err *e)
{
	siginfo_t si = {0};
	if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOWAIT) < 0 || si.si_pid != c->pid)
		return err_set(e, 0, "the container's init exited during set-up");
	if (si.si_code == CLD_EXITED)
		return err_set(e, 0, "the container's init exited during set-up with status %d",
			       si.si_status);
	uint64_t ooms = c->st->cgroup[0] ? cgroup_oom_kills(c->st->cgroup) : 0;
	return err_set(e, 0, "the container's init was killed by signal %d during set-up%s",
		       si.si_status, ooms ? " (an OOM kill: memory.max of its cgroup or of a parent "
					    "is too small)" : "");
}

/* Serve the init until it is ready (or fails). */
static int parent_serve(struct container *c, int sync, struct husk_err *e)
{
	for (;;) {
		struct sync_msg m;
		int tree, type = sync_recv_fd(sync, &m, &tree);
		if (type != SYNC_IDMAP_PLS && tree >= 0)
			close(tree);
		switch (type) {
		case SYNC_READY:
			return 0;
		case SYNC_IDMAP_PLS:
			if (parent_idmap(c, sync, &m, tree, e) < 0)
				return -1;
			break;
		case SYNC_ERR:
			*e = m.err;
			return -1;
		case SYNC_NETDEV_PLS:
			if (parent_netdev(c, e) < 0)
				return -1;
			if (sync_send(sync, SYNC_NETDEV_ACK, 0, NULL) < 0)
				return err_sys(e, "sync with the container's init");
			break;
		case SYNC_HOOKS_PLS:
			if (hooks_run_state(c, HOOK_PRESTART, e) < 0 ||
			    hooks_run_state(c, HOOK_CREATE_RUNTIME, e) < 0)
				return -1;
			if (sync_send(sync, SYNC_HOOKS_ACK, 0, NULL) < 0)
				return err_sys(e, "sync with the container's init");
			break;
		default:
			return init_gone(c, e);
		}
	}
}

static void kill_init(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int container_clone(struct container *c, int console_sock, struct husk_err *e)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return err_sys(e, "socketpair");
	struct init_ctx x = {.c = c, .proc = -1, .sync = sp[1], .console = console_sock,
			     .start = c->start_fd, .nfds = c->listen_fds + c->preserve_fds};
	int saved_pidns;
	if (enter_pid_ns(&c->spec, &saved_pidns, e) < 0) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	/* Non-dumpable before the clone, so that the init never is, not even
	 * for its first instructions in the container's pid namespace. Not
	 * when unprivileged: the parent must then open the init's uid_map,
	 * which a non-dumpable process's /proc denies it; the init turns
	 * non-dumpable itself at GO, before anything of the container runs. */
	if (geteuid() == 0)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	c->pid = clone_init(c, &c->placed);
	if (c->pid == 0) {
		close(sp[0]);
		init_main(&x);
	}
	int clone_errno = errno;
	if (saved_pidns >= 0) {
		setns(saved_pidns, CLONE_NEWPID);
		close(saved_pidns);
	}
	close(sp[1]);
	if (c->pid < 0) {
		close(sp[0]);
		errno = clone_errno;
		if (c->cgroup_fd >= 0 && (errno == EAGAIN || errno == ENOMEM))
			return err_sys(e, "clone the container's init into cgroup %s", c->st->cgroup);
		return err_sys(e, "clone the container's init");
	}
	c->sync_fd = sp[0];
	c->st->pid = c->pid;
	log_debug("init is pid %d%s", (int)c->pid, c->placed ? ", born in its cgroup" : "");
	fault_point("create.cloned");
	return 0;
}

int container_go(struct container *c, struct husk_err *e)
{
	if (parent_place(c, c->placed, c->sync_fd, e) < 0) {
		close(take_fd(&c->sync_fd));
		kill_init(c->pid);
		return -1;
	}
	return 0;
}

int container_ready(struct container *c, struct husk_err *e)
{
	AUTO_FD sync = take_fd(&c->sync_fd);
	if (parent_serve(c, sync, e) < 0) {
		kill_init(c->pid);
		return -1;
	}
	return 0;
}

/* ---- exec: one more process in a running container ------------------------------ */

static const struct {
	int type;
	const char *file; /* in /proc/PID/ns */
} ns_files[] = {
	/* user first: the others are owned by it, and joining it grants the
	 * capabilities needed to join them. */
	{CLONE_NEWUSER, "user"}, {CLONE_NEWIPC, "ipc"},	      {CLONE_NEWUTS, "uts"},
	{CLONE_NEWNET, "net"},	 {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWNS, "mnt"},
};

/* pid and time namespaces apply to children: the parent joins them for the
 * clone, and returns to its own right after (saved[] holds them). */
static const char *const child_ns[] = {"pid", "time"};

static int exec_join_for_children(struct exec_req *x, int saved[2], struct husk_err *e)
{
	for (size_t i = 0; i < 2; i++) {
		char path[64], self[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)x->st->pid, child_ns[i]);
		snprintf(self, sizeof(self), "/proc/self/ns/%s_for_children", child_ns[i]);
		AUTO_FD fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		saved[i] = open(self, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || saved[i] < 0 || setns(fd, 0) < 0)
			return err_sys(e, "join %s", path);
	}
	return 0;
}

static void exec_leave_for_children(int saved[2])
{
	for (size_t i = 0; i < 2; i++)
		if (saved[i] >= 0) {
			setns(saved[i], 0);
			close(saved[i]);
		}
}

/* Open every namespace first: once in the container's user namespace, the
 * host's /proc may no longer let us. A namespace we are already in is left
 * alone (setns into one's own user namespace is EINVAL). */
static int exec_join(const struct exec_req *x, struct husk_err *e)
{
	enum { N = sizeof(ns_files) / sizeof(ns_files[0]) };
	int fds[N];
	int r = 0;
	for (size_t i = 0; i < N; i++) {
		char path[64], self[64];
		struct stat a, b;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)x->st->pid, ns_files[i].file);
		snprintf(self, sizeof(self), "/proc/self/ns/%s", ns_files[i].file);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0 && r == 0)
			r = err_sys(e, "open %s", path);
		if (fds[i] >= 0 && fstat(fds[i], &a) == 0 && stat(self, &b) == 0 && a.st_ino == b.st_ino) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	for (size_t i = 0; i < N; i++) {
		if (fds[i] >= 0 && r == 0 && setns(fds[i], ns_files[i].type) < 0)
			r = err_sys(e, "join the container's %s namespace", ns_files[i].file);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	if (r < 0)
		return -1;
	/* The mount namespace's root may be an initramfs below the container's
	 * root (the chroot fallback): use the init's root itself. */
	if (fchdir(x->rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return err_sys(e, "enter the container's root");
	return 0;
}

static int exec_setup(struct exec_req *x, char *program, size_t len, char ***env,
		      struct husk_err *e)
{
	const struct process *p = x->process;
	/* Where clone3 could not place it (before Linux 5.7, or refused): into
	 * the cgroup first thing, before any of the container's code runs. A
	 * sub-cgroup asked for must be it (runc fails too); the container's
	 * own stays best-effort, as before. */
	if (x->enter_cgroup >= 0 && cgroup_enter(x->enter_cgroup, 0, e) < 0 && x->sub_cgroup)
		return err_wrap(e, "exec: --cgroup %s: ", x->sub_cgroup);
	/* In the container's cgroup: execCPUAffinity.final applies now. */
	if (p->exec_affinity.has_final && process_affinity(0, &p->exec_affinity.final) < 0)
		return err_sys(e, "process.execCPUAffinity.final: sched_setaffinity");
	if (exec_join(x, e) < 0)
		return -1;
	if (p->terminal && process_console(p, x->console, -1, e) < 0)
		return -1;
	/* From here the container's own /proc is the container's to arrange
	 * (with CAP_SYS_ADMIN it can mount over it): only the handle is used. */
	if (process_rlimits(p, e) < 0 || process_oom_score_adj(x->proc, p, e) < 0 ||
	    process_io_priority(p, e) < 0 || process_scheduler(&p->scheduler, e) < 0 ||
	    process_mem_policy(x->mem_policy, e) < 0 || process_apparmor(x->proc, p->apparmor_profile, e) < 0 ||
	    label_process(x->proc, p->selinux_label, e) < 0)
		return -1;
	int cwd = process_enter_cwd(p->cwd, false, e);
	if (cwd < 0 || (!p->no_new_privileges && seccomp_install(x->seccomp, x->st, e) < 0))
		return -1;
	if (process_user(p, x->last_cap, e) < 0 || (cwd && process_enter_cwd(p->cwd, true, e) < 0) ||
	    process_find_program(p, program, len, e) < 0)
		return -1;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(e, "prctl PR_SET_NO_NEW_PRIVS");
	if (!(*env = process_env(&p->env, 0)))
		return err_sys(e, "environment");
	if (process_seal_fds(x->proc, x->preserve_fds, e) < 0)
		return -1;
	if (p->no_new_privileges && seccomp_install(x->seccomp, x->st, e) < 0)
		return -1;
	return 0;
}

/* Never returns. Errors go to the parent through the close-on-exec pipe:
 * EOF there means the exec succeeded. */
static void exec_child(struct exec_req *x, int err_fd)
{
	struct husk_err e = {0};
	char program[4096];
	char **env = NULL;
	/* CVE-2019-5736: the container must not open our /proc/PID/exe. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (exec_setup(x, program, sizeof(program), &env, &e) == 0) {
		execve(program, x->process->args.v, env);
		err_sys(&e, "exec %s", program);
	}
	if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(255);
	_exit(255);
}

/* process.execCPUAffinity.initial: the CPUs the process runs on before it
 * is in the container's cgroup. It is cloned straight into that cgroup, so
 * it gets them from us: we take them for the clone (own keeps ours). */
static int exec_enter_affinity(const struct process *p, struct bitset *own, struct husk_err *e)
{
	if (!p->exec_affinity.has_initial)
		return 0;
	memset(own, 0, sizeof(*own));
	if (syscall(SYS_sched_getaffinity, 0, sizeof(own->bits), own->bits) < 0)
		return err_sys(e, "sched_getaffinity");
	if (process_affinity(0, &p->exec_affinity.initial) < 0)
		return err_sys(e, "process.execCPUAffinity.initial: sched_setaffinity");
	return 0;
}

static void exec_leave_affinity(const struct process *p, const struct bitset *own)
{
	if (p->exec_affinity.has_initial)
		process_affinity(0, own);
}

/* The cgroup the process is born in: the container's, or with --cgroup one
 * below it. -1: none (the container has no cgroup), -2: error. */
static int exec_cgroup(const struct exec_req *x, struct husk_err *e)
{
	if (!x->st->cgroup[0] && x->sub_cgroup)
		return err_set(e, 0, "exec: --cgroup %s: container %s has no cgroup", x->sub_cgroup,
			       x->st->id), -2;
	if (!x->st->cgroup[0])
		return -1;
	AUTO_FD cg = open(x->st->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0 && x->sub_cgroup)
		return err_sys(e, "exec: --cgroup %s: open cgroup %s", x->sub_cgroup, x->st->cgroup), -2;
	if (cg < 0 || !x->sub_cgroup)
		return take_fd(&cg);
	int sub = cgroup_open_sub(cg, x->st->cgroup, x->sub_cgroup, e);
	return sub < 0 ? -2 : sub;
}

int container_exec(struct exec_req *x, struct husk_err *e)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/root", (int)x->st->pid);
	AUTO_FD rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_sys(e, "open %s", path);
	x->rootfd = rootfd;
	/* husk's own /proc, before the child enters the container's mounts */
	AUTO_FD proc = procfs_open_root(e);
	if (proc < 0)
		return -1;
	x->proc = proc;
	x->last_cap = process_cap_last(proc);
	AUTO_FD cg = exec_cgroup(x, e);
	if (cg == -2)
		return -1;
	int saved[2] = {-1, -1};
	if (exec_join_for_children(x, saved, e) < 0) {
		exec_leave_for_children(saved);
		return -1;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	struct husk_clone_args a = {.exit_signal = SIGCHLD};
	if (cg >= 0) {
		a.flags = CLONE_INTO_CGROUP;
		a.cgroup = (uint64_t)cg;
	}
	struct bitset own;
	if (exec_enter_affinity(x->process, &own, e) < 0) {
		close(p[0]);
		close(p[1]);
		exec_leave_for_children(saved);
		return -1;
	}
	fflush(NULL);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* inherited: the child is never dumpable */
	x->enter_cgroup = -1;
	x->pid = (pid_t)sys_clone3(&a);
	if (x->pid < 0 && cg >= 0) {
		a.flags = 0;
		x->enter_cgroup = cg;
		x->pid = (pid_t)sys_clone3(&a);
	}
	if (x->pid < 0 && errno == ENOSYS)
		x->pid = fork();
	if (x->pid == 0) {
		close(p[0]);
		exec_child(x, p[1]);
	}
	int clone_errno = errno;
	exec_leave_affinity(x->process, &own);
	exec_leave_for_children(saved);
	errno = clone_errno;
	close(p[1]);
	AUTO_FD r = p[0];
	if (x->pid < 0)
		return err_sys(e, "clone the exec'd process");
	if (read(r, e, sizeof(*e)) == (ssize_t)sizeof(*e)) {
		waitpid(x->pid, NULL, 0);
		return -1;
	}
	return 0;
}
