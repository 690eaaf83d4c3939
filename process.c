/* process.c: the settings of one process of the container, the init's and
 * an exec'd process's alike: limits, credentials and capabilities, its
 * kernel settings (I/O priority, scheduler, memory policy, affinity,
 * AppArmor), its cwd and program, its console, and which fds it keeps.
 * container.c calls them in the order each needs. What goes through /proc
 * goes through the verified procfs handle (procfs.c), never the
 * container's /proc. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "compat.h"
#include "husk.h"
#include "process.h"
#include "safepath.h"

int process_rlimits(const struct process *p, struct husk_err *e)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {p->rlimits[i].soft, p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return err_sys(e, "process.rlimits[%zu]: setrlimit %s", i,
				       spec_rlimit_name(p->rlimits[i].resource));
	}
	return 0;
}

int process_oom_score_adj(int proc, const struct process *p, struct husk_err *e)
{
	if (p->oom_score_adj == UNSET)
		return 0;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)p->oom_score_adj);
	if (procfs_write(proc, "self/oom_score_adj", buf, (size_t)n, e) < 0)
		return err_wrap(e, "process.oomScoreAdj: ");
	return 0;
}

/* The highest capability this kernel knows: every one up to it not in the
 * bounding set is dropped. Read through the handle: a container that fakes
 * its own /proc/sys/kernel/cap_last_cap ("0") would keep the rest. */
int process_cap_last(int proc)
{
	char buf[16];
	struct husk_err e;
	if (procfs_read(proc, "sys/kernel/cap_last_cap", buf, sizeof(buf), &e) <= 0)
		return CAP_LAST_CAP;
	int n = atoi(buf);
	return n >= CAP_LAST_CAP && n < 64 ? n : CAP_LAST_CAP;
}

static int drop_bounding(const struct caps *caps, int last, struct husk_err *e)
{
	for (int cap = 0; cap <= last; cap++)
		if (!(caps->bounding & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			return err_sys(e, "drop capability %d from the bounding set", cap);
	return 0;
}

static int set_caps(const struct caps *caps, int last, struct husk_err *e)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(caps->effective >> (32 * i));
		d[i].permitted = (uint32_t)(caps->permitted >> (32 * i));
		d[i].inheritable = (uint32_t)(caps->inheritable >> (32 * i));
	}
	if (sys_capset(&h, d) < 0)
		return err_sys(e, "process.capabilities: capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_sys(e, "process.capabilities: clear ambient");
	/* An ambient capability needs to be permitted and inheritable too;
	 * runc's own `spec` (1.1) asks for ambient ones without inheritable,
	 * and runc runs it: warn, as config.md asks, and go on. */
	for (int cap = 0; cap <= last; cap++)
		if ((caps->ambient & (1ULL << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			log_warn("process.capabilities.ambient: capability %d not raised: %s", cap,
				 errno == EPERM ? "not in the permitted and inheritable sets"
						: strerror(errno));
	return 0;
}

/* Groups and ids, keeping the permitted capabilities across setresuid so that
 * the configured sets can be applied after it, as the user's own. */
int process_user(const struct process *p, int last, struct husk_err *e)
{
	if (p->caps.present && drop_bounding(&p->caps, last, e) < 0)
		return -1;
	/* setgroups is denied in a user namespace whose gid_map was written
	 * unprivileged; clearing the host's groups is then moot. */
	if (setgroups(p->n_additional_gids, (gid_t *)p->additional_gids) < 0 &&
	    (errno != EPERM || p->n_additional_gids))
		return err_sys(e, "setgroups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return err_sys(e, "setresgid %u", p->gid);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_sys(e, "prctl PR_SET_KEEPCAPS");
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return err_sys(e, "setresuid %u", p->uid);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (p->caps.present && set_caps(&p->caps, last, e) < 0)
		return -1;
	if (p->umask != UNSET)
		umask((mode_t)p->umask);
	return 0;
}

/* process.ioPriority: for the process and what it forks. */
int process_io_priority(const struct process *p, struct husk_err *e)
{
	if (!p->has_io_priority)
		return 0;
	int prio = (p->io_priority_class << 13) | (int)(p->io_priority == UNSET ? 0 : p->io_priority);
	if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, prio) < 0)
		return err_sys(e, "process.ioPriority: ioprio_set");
	return 0;
}

/* process.scheduler: for the process and what it forks (but see
 * SCHED_FLAG_RESET_ON_FORK). SCHED_FIFO and SCHED_RR take CAP_SYS_NICE in
 * the host's user namespace, a higher priority than the rlimit allows too. */
int process_scheduler(const struct scheduler *sc, struct husk_err *e)
{
	if (!sc->present)
		return 0;
	struct husk_sched_attr a = {
		.size = sizeof(a),
		.sched_policy = (uint32_t)sc->policy,
		.sched_flags = sc->flags,
		.sched_nice = (int32_t)sc->nice,
		.sched_priority = (uint32_t)sc->priority,
		.sched_runtime = (uint64_t)sc->runtime,
		.sched_deadline = (uint64_t)sc->deadline,
		.sched_period = (uint64_t)sc->period,
	};
	if (sys_sched_setattr(0, &a, 0) < 0)
		return err_sys(e, "process.scheduler: sched_setattr");
	return 0;
}

/* linux.memoryPolicy: kept across fork and execve. */
int process_mem_policy(const struct mem_policy *m, struct husk_err *e)
{
	if (!m || !m->present)
		return 0;
	int mode = m->mode | (int)m->flags;
	if (sys_set_mempolicy(mode, m->has_nodes ? m->nodes.bits : NULL,
			      m->has_nodes ? BITSET_MAX + 1 : 0) < 0)
		return err_sys(e, "linux.memoryPolicy: set_mempolicy");
	return 0;
}

int process_affinity(pid_t pid, const struct bitset *cpus)
{
	return (int)syscall(SYS_sched_setaffinity, pid, sizeof(cpus->bits), cpus->bits);
}

/* process.apparmorProfile: the profile the program runs under, from its
 * execve on. Checked at create that AppArmor is enabled (apparmor_enabled). */
int process_apparmor(int proc, const char *profile, struct husk_err *e)
{
	if (!profile || !*profile)
		return 0;
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "exec %s", profile);
	AUTO_FD fd = procfs_open(proc, "thread-self/attr/apparmor/exec", O_WRONLY, e);
	if (fd < 0)
		fd = procfs_open(proc, "thread-self/attr/exec", O_WRONLY, e);
	if (fd < 0)
		return err_wrap(e, "process.apparmorProfile %s: ", profile);
	if (write(fd, buf, (size_t)n) != n)
		return err_sys(e, "process.apparmorProfile %s", profile);
	return 0;
}

bool apparmor_enabled(void)
{
	char c = 'N';
	AUTO_FD fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
	return fd >= 0 && read(fd, &c, 1) == 1 && c == 'Y';
}

/* A cwd outside the container's root (CVE-2024-21626: a leaked fd as
 * /proc/self/fd/N) shows up in getcwd as "(unreachable)" or fails.
 * Called before the user switch and the container's seccomp filter, as
 * runc does, so that husk's own check never depends on what the profile
 * allows; a cwd that root may not enter there (a user namespace, NFS's
 * root_squash) returns 1: enter it again, with again set, after the switch. */
int process_enter_cwd(const char *cwd, bool again, struct husk_err *e)
{
	char buf[4096];
	if (chdir(cwd) < 0) {
		if (!again && (errno == EACCES || errno == EPERM))
			return 1;
		return err_sys(e, "process.cwd: chdir %s", cwd);
	}
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return err_set(e, 0, "process.cwd %s: outside the container's root", cwd);
	return 0;
}

static const char *env_get(const struct strv *env, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], name, n) && env->v[i][n] == '=')
			return env->v[i] + n + 1;
	return NULL;
}

static int check_executable(const char *path, struct husk_err *e)
{
	struct stat st;
	if (stat(path, &st) < 0 && errno == ENOENT)
		return err_set(e, 0, "exec %s: no such file or directory", path);
	if (stat(path, &st) < 0)
		return err_sys(e, "exec %s", path);
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return err_set(e, 0, "exec %s: permission denied", path);
	return 0;
}

/* args[0] through the container's PATH, as execvp would, but checked now so
 * that `create` fails (and clients see exit 127's words) rather than `start`. */
int process_find_program(const struct process *p, char *out, size_t len, struct husk_err *e)
{
	const char *name = p->args.v[0];
	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return check_executable(out, e);
	}
	const char *path = env_get(&p->env, "PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t dl = strcspn(path, ":");
		snprintf(out, len, "%.*s/%s", (int)dl, path, name);
		struct stat st;
		if (dl && stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
		path += dl + (path[dl] == ':');
	}
	return err_set(e, 0, "exec: \"%s\": executable file not found in $PATH", name);
}

/* ---- the console ----------------------------------------------------------------- */

/* Mount the pty's peer onto what was checked, not onto a path the image
 * could have turned into a symlink meanwhile (CVE-2025-52565). Before
 * pivot_root, inside the rootfs: the /proc/self/fd names are the host's. */
static int bind_console(int rootfd, int slave, const char *name, struct husk_err *e)
{
	char p[32], q[32];
	AUTO_FD console = safe_open(rootfd, "/dev/console", O_PATH, RESOLVE_NO_SYMLINKS);
	struct stat st;
	if (console < 0 || fstat(console, &st) < 0)
		return err_sys(e, "open /dev/console");
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		return err_set(e, 0, "/dev/console: not a file or a character device");
	if (mount(safe_fdpath(q, slave), safe_fdpath(p, console), NULL, MS_BIND, NULL) < 0)
		return err_sys(e, "mount %s on /dev/console", name);
	return 0;
}

/* /dev/ptmx: the init's (rootfd >= 0, before pivot_root) resolved inside
 * the rootfs, then opened through the host's /proc; an exec'd process's
 * inside the container it has entered. */
static int open_ptmx(int rootfd)
{
	if (rootfd < 0)
		return open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	AUTO_FD path = safe_open(rootfd, "/dev/ptmx", O_PATH, 0);
	char p[32];
	return path < 0 ? -1 : open(safe_fdpath(p, path), O_RDWR | O_NOCTTY | O_CLOEXEC);
}

/* The pty comes from the container's own devpts; its master goes to the
 * console socket and its peer becomes the stdio (and, for the init,
 * /dev/console). */
int process_console(const struct process *p, int sock, int rootfd, struct husk_err *e)
{
	AUTO_FD master = open_ptmx(rootfd);
	if (master < 0)
		return err_sys(e, "open /dev/ptmx");
	int unlock = 0, n;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		return err_sys(e, "unlock the pty");
	AUTO_FD slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return err_sys(e, "open the pty's peer");
	if (p->console_width) {
		struct winsize ws = {.ws_row = (unsigned short)p->console_height,
				     .ws_col = (unsigned short)p->console_width};
		ioctl(slave, TIOCSWINSZ, &ws);
	}
	char name[64];
	snprintf(name, sizeof(name), "/dev/pts/%d", n);
	if (rootfd >= 0 && bind_console(rootfd, slave, name, e) < 0)
		return -1;
	if (send_fd(sock, master, name) < 0)
		return err_sys(e, "send the console to the console socket");
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return err_sys(e, "make %s the controlling terminal", name);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return err_sys(e, "dup2 the console");
	return 0;
}


/* Only 0, 1, 2 and the preserved fds survive the exec (CVE-2024-21626). */
int process_seal_fds(int proc, int nfds, struct husk_err *e)
{
	for (int fd = 3; fd < 3 + nfds; fd++)
		fcntl(fd, F_SETFD, 0);
	if (sys_close_range(3 + (unsigned)nfds, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	/* before Linux 5.11: walk the open fds instead, through the handle */
	int dfd = procfs_open(proc, "self/fd", O_RDONLY | O_DIRECTORY, e);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return err_sys(e, "close_range, and open /proc/self/fd");
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);
		if (fd >= 3 + nfds && fd != dirfd(d))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
	return 0;
}

char **process_env(const struct strv *env, int listen_fds)
{
	char **v = calloc(env->n + 3, sizeof(char *));
	if (!v)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < env->n; i++)
		v[n++] = env->v[i];
	if (listen_fds > 0) {
		static char fds[32];
		snprintf(fds, sizeof(fds), "LISTEN_FDS=%d", listen_fds);
		v[n++] = fds;
		v[n++] = "LISTEN_PID=1";
	}
	return v;
}
