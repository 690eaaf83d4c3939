/* guard.c: what husk checks of its own process before it makes any
 * container process: that it runs from a copy no container can rewrite
 * (CVE-2019-5736), and that the fds it hands on are the caller's, not gaps
 * its own fds would fill (issue 14, F3). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

/* CVE-2019-5736: a container that execs /proc/self/exe of its init (or of
 * an exec'd process) at its execve runs the host's husk, and can then open
 * that file through /proc and rewrite it. Non-dumpable processes are not
 * enough for this: the exec'd husk is the container's, dumpable again.
 * So the commands that make container processes run from a sealed memfd
 * copy of husk: /proc/self/exe is then the copy, which cannot be written.
 * A husk on a read-only filesystem (squashfs, erofs: most boards) cannot be
 * rewritten anyway and skips the copy, as crun does. Returns only on error;
 * 0 when nothing needs doing. */
int guard_sealed(char **argv, struct husk_err *e)
{
	AUTO_FD self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct statfs sf;
	if (self < 0)
		return err_sys(e, "open /proc/self/exe");
	int seals = fcntl(self, F_GET_SEALS); /* -1 (EINVAL) for anything but a memfd */
	if (seals >= 0 && (seals & F_SEAL_WRITE))
		return 0; /* this is the copy already */
	if (fstatfs(self, &sf) == 0 && (sf.f_flags & ST_RDONLY))
		return 0;
	struct stat st;
	/* MFD_EXEC (6.3): executable even under vm.memfd_noexec=1 */
	AUTO_FD copy = memfd_create("husk", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (copy < 0 && errno == EINVAL)
		copy = memfd_create("husk", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (copy < 0 || fstat(self, &st) < 0)
		return err_sys(e, "a sealed copy of husk: memfd_create");
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = sendfile(copy, self, NULL, (size_t)left);
		if (n <= 0)
			return err_sys(e, "a sealed copy of husk: sendfile");
		left -= n;
	}
	if (fcntl(copy, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return err_sys(e, "a sealed copy of husk: seal");
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
