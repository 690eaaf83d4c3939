/* procfs.c: the verified procfs handle, and what may be mounted under /proc.
 *
 * Every file under /proc that the init or an exec'd process opens once it
 * is inside the container (oom_score_adj, sysctls, attr/..., timens_offsets,
 * cap_last_cap, the fd list) is opened through a handle, never through a
 * "/proc/..." string. The string would be resolved in the container's own
 * /proc: an image symlink, a volume mounted inside /proc, or a container
 * with CAP_SYS_ADMIN that mounts over its own /proc before an exec could
 * redirect the write, and any procfs instance reaches the host's global
 * sysctls (kernel.core_pattern: a host program run as root).
 *
 * The handle is the /proc of the mount namespace the process started in,
 * opened before it joins or makes any mount of the container: the host's
 * (the init opens it first thing after GO, an exec'd process gets it from
 * husk before the clone). It is checked to be the root of a procfs
 * (PROC_SUPER_MAGIC, inode 1). Paths are then resolved below it with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_XDEV|
 * RESOLVE_NO_MAGICLINKS), or one component at a time with the same checks
 * where openat2 is missing (before Linux 5.6), and the opened file is
 * checked again to be on that same procfs. "self" and "thread-self" are
 * procfs's own symlinks: they are read once and replaced by the pid. Host
 * pids are what a host procfs shows, so it serves a process in any pid
 * namespace; the sysctls under sys/ are looked up in the opener's own
 * network, IPC and UTS namespaces, whichever procfs instance is used. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "compat.h"
#include "husk.h"
#include "safepath.h"

#define PROC_ROOT_INO 1

static bool on_procfs(int fd, dev_t dev)
{
	struct statfs sf;
	struct stat st;
	return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC && fstat(fd, &st) == 0 &&
	       st.st_dev == dev;
}

int procfs_open_root(struct husk_err *e)
{
	AUTO_FD fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sf;
	struct stat st;
	if (fd < 0)
		return err_sys(e, "open /proc (husk needs the host's procfs)");
	if (fstatfs(fd, &sf) < 0 || fstat(fd, &st) < 0)
		return err_sys(e, "stat /proc");
	if (sf.f_type != PROC_SUPER_MAGIC || st.st_ino != PROC_ROOT_INO)
		return err_set(e, 0, "/proc is not the root of a procfs: refusing to use it");
	return take_fd(&fd);
}

/* Without a procfs at /proc (an initramfs before its /init mounts it),
 * husk could neither copy itself for the init nor tell a running container
 * from a stopped one: `state` would say stopped and `delete` remove the
 * state of a live container. Refused up front, as runc and crun fail
 * there too. */
int procfs_check(struct husk_err *e)
{
	struct statfs sf;
	if (statfs("/proc", &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC)
		return 0;
	return err_set(e, 0, "/proc: no procfs mounted there (husk needs it: mount -t proc proc "
			     "/proc first)");
}

/* "self/x" -> "4242/x", "thread-self/x" -> "4242/task/4243/x": procfs's own
 * links, read through the handle (so in its pid namespace, the host's:
 * getpid() in a container would give the container's pid), so that the
 * walk needs no symlink. */
static int expand_self(int proc, const char *path, char *out, size_t len, struct husk_err *e)
{
	const char *link = NULL;
	if (!strncmp(path, "self/", 5) || !strcmp(path, "self"))
		link = "self";
	else if (!strncmp(path, "thread-self/", 12) || !strcmp(path, "thread-self"))
		link = "thread-self";
	if (!link)
		return snprintf(out, len, "%s", path) < (int)len ? 0 : err_set(e, ENAMETOOLONG, "/proc/%s", path);
	char target[64];
	ssize_t n = readlinkat(proc, link, target, sizeof(target) - 1);
	if (n <= 0)
		return err_sys(e, "readlink /proc/%s", link);
	target[n] = '\0';
	return snprintf(out, len, "%s%s", target, path + strlen(link)) < (int)len
		       ? 0
		       : err_set(e, ENAMETOOLONG, "/proc/%s", path);
}

/* Our own constant paths and validated sysctl keys only: no "", ".", "..". */
static bool clean_path(const char *p)
{
	if (!*p || *p == '/')
		return false;
	for (;;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

/* Before openat2 (Linux 5.6): one component at a time, no symlink followed,
 * every step on the handle's own procfs (no mount crossed). */
static int walk(int proc, const char *path, int flags, dev_t dev)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	AUTO_FD dir = fcntl(proc, F_DUPFD_CLOEXEC, 3);
	for (char *p = buf; dir >= 0;) {
		char *slash = strchr(p, '/');
		if (!slash)
			return openat(dir, p, flags | O_NOFOLLOW | O_CLOEXEC);
		*slash = '\0';
		int next = openat(dir, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next >= 0 && !on_procfs(next, dev)) {
			close(next);
			return errno = EXDEV, -1;
		}
		close(dir);
		dir = next;
		p = slash + 1;
	}
	return -1;
}

int procfs_open(int proc, const char *path, int flags, struct husk_err *e)
{
	char full[PATH_MAX];
	struct stat root;
	if (proc < 0)
		return err_set(e, EBADF, "/proc/%s: no procfs handle", path);
	if (!clean_path(path))
		return err_set(e, EINVAL, "/proc/%s: not a clean path below /proc", path);
	if (expand_self(proc, path, full, sizeof(full), e) < 0 || fstat(proc, &root) < 0)
		return -1;
	int fd = sys_openat2(proc, full, (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
			     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV |
				     RESOLVE_NO_MAGICLINKS);
	if (fd < 0 && errno == ENOSYS)
		fd = walk(proc, full, flags, root.st_dev);
	if (fd < 0)
		return err_sys(e, "open /proc/%s", path);
	if (!on_procfs(fd, root.st_dev)) {
		close(fd);
		return err_set(e, EXDEV, "/proc/%s is not on the host's procfs: refusing", path);
	}
	return fd;
}

int procfs_write(int proc, const char *path, const char *data, size_t len, struct husk_err *e)
{
	AUTO_FD fd = procfs_open(proc, path, O_WRONLY | O_NOCTTY, e);
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_sys(e, "write /proc/%s", path);
		off += (size_t)n;
	}
	return 0;
}

int procfs_read(int proc, const char *path, char *buf, size_t len, struct husk_err *e)
{
	AUTO_FD fd = procfs_open(proc, path, O_RDONLY | O_NOCTTY, e);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	if (n < 0)
		return err_sys(e, "read /proc/%s", path);
	buf[n] = '\0';
	return (int)n;
}

/* A namespace file (PID/ns/NAME, pid 0: self): the ns directory through the
 * handle, then its entry, which is a magic link only procfs itself makes:
 * followed, and checked to land on nsfs. */
int procfs_open_ns(int proc, pid_t pid, const char *name, struct husk_err *e)
{
	char ns[32];
	if (pid)
		snprintf(ns, sizeof(ns), "%d/ns", (int)pid);
	else
		snprintf(ns, sizeof(ns), "self/ns");
	AUTO_FD dir = procfs_open(proc, ns, O_PATH | O_DIRECTORY, e);
	if (dir < 0)
		return -1;
	AUTO_FD fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
	struct statfs sf;
	if (fd < 0 || fstatfs(fd, &sf) < 0)
		return err_sys(e, "open /proc/%s/%s", ns, name);
	if (sf.f_type != NSFS_MAGIC)
		return err_set(e, 0, "/proc/%s/%s is not a namespace: refusing", ns, name);
	return take_fd(&fd);
}


/* ---- mounts under /proc ------------------------------------------------------ */

/* The files lxcfs-style setups bind over (runc's list). */
static const char *const proc_binds[] = {
	"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",
	"/proc/swaps",	 "/proc/uptime",    "/proc/loadavg", "/proc/slabinfo",
	"/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

static bool fd_on_procfs(int fd)
{
	struct statfs sf;
	return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* where: the target's path inside the rootfs, as resolved; target its fd
 * (or the fd of the directory it is to be made in); source_proc: the mount
 * is a procfs (type proc, or a bind of a procfs source). runc refuses the
 * same ("cannot be mounted because it is inside /proc"). */
int procfs_check_dest(const char *dest, const char *where, int target, bool source_proc,
		      struct husk_err *e)
{
	if (!strcmp(where, "/proc")) {
		if (source_proc)
			return 0;
		return err_set(e, 0, "mount on %s: only a procfs may be mounted on /proc: refusing",
			       dest);
	}
	bool in_proc = under(where, "/proc") || fd_on_procfs(target);
	if (!in_proc)
		return 0;
	for (size_t i = 0; i < sizeof(proc_binds) / sizeof(proc_binds[0]); i++) {
		struct stat st;
		/* named as such in the config (not reached through an image's
		 * symlink; /proc/net is procfs's own link to self/net), and a
		 * plain procfs file */
		if (!path_eq(dest, proc_binds[i]))
			continue;
		if (fd_on_procfs(target) && fstat(target, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
		return err_set(e, 0, "mount on %s: %s is not a procfs file: refusing", dest, where);
	}
	return err_set(e, 0, "mount on %s: %s is inside /proc: refusing", dest, where);
}
