/* guard.c: what husk checks of its own process before it makes any
 * container process: that it runs from a copy no container can rewrite
 * (CVE-2019-5736), and that the fds it hands on are the caller's, not gaps
 * its own fds would fill (issue 14, F3). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "compat.h"
#include "husk.h"

/* The new mount API (Linux 5.2), for the overlay seal. */
#define HUSK_FSOPEN_CLOEXEC 1
#define HUSK_FSMOUNT_CLOEXEC 1
#define HUSK_FSCONFIG_SET_STRING 1
#define HUSK_FSCONFIG_CMD_CREATE 6

/* husk opened through a private overlayfs (runc 1.2's exeseal, issue 19):
 * lower layers the directory holding husk, on top, and /dev below it, no
 * upper layer. Without an upper layer overlayfs runs "lower-only", with no
 * write reaching either layer, but it wants two lower layers, which must not
 * nest; /dev is there on every system husk runs on, and nothing in it is
 * looked up (older kernels refuse a detached tmpfs as a layer). Mounted
 * read-only, nosuid, nodev, and never attached to any mount namespace: no
 * one can remount it or reach it by a path, and it goes away with the last
 * fd or exe on it. /proc/self/exe then points into it, and the page cache is
 * the real file's: no copy. Both layers are given as /proc/self/fd/N of fds
 * opened here, so the overlay gets the directory checked to hold husk, not
 * whatever the path names later; the file opened through it must be husk's
 * inode again (xino=off keeps the number). Returns that fd, or -1 with
 * errno and *why saying what failed. */
static int seal_overlay(const struct stat *st, const char **why)
{
	char path[4096], lower[64];
	struct stat sb;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *base = n > 0 ? (path[n] = 0, strrchr(path, '/')) : NULL;
	*why = "readlink /proc/self/exe";
	if (!base)
		return -1;
	*base++ = 0;
	AUTO_FD dir = open(*path ? path : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	AUTO_FD dev = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
	*why = "husk's directory";
	if (dir < 0 || dev < 0 || fstatat(dir, base, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	errno = ESTALE; /* renamed or replaced since its exec */
	if (sb.st_dev != st->st_dev || sb.st_ino != st->st_ino)
		return -1;
	*why = "fsopen";
	AUTO_FD fs = (int)syscall(SYS_fsopen, "overlay", HUSK_FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	snprintf(lower, sizeof(lower), "/proc/self/fd/%d:/proc/self/fd/%d", dir, dev);
	*why = "fsconfig";
	if (syscall(SYS_fsconfig, fs, HUSK_FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, HUSK_FSCONFIG_SET_STRING, "xino", "off", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, HUSK_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	*why = "fsmount";
	AUTO_FD mnt = (int)syscall(SYS_fsmount, fs, HUSK_FSMOUNT_CLOEXEC,
				   HUSK_MOUNT_ATTR_RDONLY | HUSK_MOUNT_ATTR_NOSUID | HUSK_MOUNT_ATTR_NODEV);
	if (mnt < 0)
		return -1;
	*why = "open through it";
	AUTO_FD f = openat(mnt, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f < 0 || fstat(f, &sb) < 0)
		return -1;
	errno = ESTALE;
	if (sb.st_ino != st->st_ino || sb.st_size != st->st_size)
		return -1;
	return take_fd(&f); /* the mount lives on through f alone */
}

/* The fallback: a sealed memfd copy of husk (~0.4 MB of shared memory for
 * as long as the process runs). */
static int seal_memfd(int self, const struct stat *st, struct husk_err *e)
{
	/* MFD_EXEC (6.3): executable even under vm.memfd_noexec=1 */
	AUTO_FD copy = memfd_create("husk", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (copy < 0 && errno == EINVAL)
		copy = memfd_create("husk", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (copy < 0)
		return err_sys(e, "a sealed copy of husk: memfd_create");
	for (off_t left = st->st_size; left > 0;) {
		ssize_t n = sendfile(copy, self, NULL, (size_t)left);
		if (n <= 0)
			return err_sys(e, "a sealed copy of husk: sendfile");
		left -= n;
	}
	if (fcntl(copy, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return err_sys(e, "a sealed copy of husk: seal");
	return take_fd(&copy);
}

/* CVE-2019-5736: a container that execs /proc/self/exe of its init (or of
 * an exec'd process) at its execve runs the host's husk, and can then open
 * that file through /proc and rewrite it. Non-dumpable processes are not
 * enough for this: the exec'd husk is the container's, dumpable again.
 * So the commands that make container processes re-execute husk from where
 * no one can write it: a private read-only overlay of it (seal_overlay),
 * or where that cannot be made (no overlayfs, Linux < 5.2, fsopen refused:
 * rootless, or a seccomp profile) a sealed memfd copy. A husk on a read-only
 * filesystem (squashfs, erofs: most boards) cannot be rewritten anyway and
 * runs as it is, as crun does; so does the re-executed husk (the overlay is
 * read-only, the copy sealed). Returns only on error; 0 when nothing needs
 * doing. */
int guard_sealed(char **argv, struct husk_err *e)
{
	AUTO_FD self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct statfs sf;
	if (self < 0)
		return err_sys(e, "open /proc/self/exe");
	int seals = fcntl(self, F_GET_SEALS); /* -1 (EINVAL) for anything but a memfd */
	if (seals >= 0 && (seals & F_SEAL_WRITE))
		return 0; /* this is the copy already */
	if (fstatfs(self, &sf) == 0 && (sf.f_flags & ST_RDONLY)) {
		if (sf.f_type != OVERLAYFS_SUPER_MAGIC)
			log_debug("husk is on a read-only filesystem: runs as it is, unsealed");
		return 0;
	}
	struct stat st;
	const char *why;
	if (fstat(self, &st) < 0)
		return err_sys(e, "fstat /proc/self/exe");
	AUTO_FD copy = seal_overlay(&st, &why);
	if (copy >= 0) {
		log_debug("husk runs from a private read-only overlay of its directory");
	} else {
		log_debug("husk runs from a sealed memfd copy: no overlay (%s: %s)", why, strerror(errno));
		copy = seal_memfd(self, &st, e);
		if (copy < 0)
			return -1;
	}
	extern char **environ;
	syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
	/* no execveat (before 3.19, or valgrind): through /proc, which is
	 * resolved before close-on-exec shuts the fd */
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", copy);
	execve(path, argv, environ);
	return err_sys(e, "a sealed copy of husk: exec");
}

/* The fds handed on as they are, 3 .. 3+L+N-1 (L from socket activation,
 * then N from --preserve-fds), must be ones the caller opened: a gap would
 * be filled by whatever husk opens next (the state root, the state dir, the
 * cgroup), and the container would get a handle on the host. So they are
 * checked before husk opens anything; the one fd opened earlier, --log's,
 * lands in such a gap and counts as one. Once they are all open, every fd
 * husk opens is above them, and the init and exec seal those (seal_fds). */
int guard_passed_fds(int listen_fds, int preserve_fds, struct husk_err *e)
{
	struct stat sb;
	for (int fd = 3; fd < 3 + listen_fds + preserve_fds; fd++) {
		if (!log_is_fd(fd) && fstat(fd, &sb) == 0)
			continue;
		if (fd < 3 + listen_fds)
			return err_set(e, 0, "LISTEN_FDS=%d: fd %d is not open", listen_fds, fd);
		return err_set(e, 0, "--preserve-fds %d: fd %d is not open", preserve_fds, fd);
	}
	return 0;
}
