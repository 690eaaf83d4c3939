/* nosys: run a command as if on an older kernel (before 5.2/5.3/5.6/5.9):
 * the syscalls husk has fallbacks for fail with ENOSYS under a seccomp
 * filter.
 *   nosys COMMAND ARGS...
 * Covers clone3, pidfd_open, openat2, close_range, mount_setattr, and the
 * new mount API's open_tree, move_mount and fsopen (Linux 5.2, which many
 * boards' 4.x kernels lack); with NOSYS_KERNEL=5.2 those three are left. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The filter passes other architectures' syscalls (a 32-bit compat one's
 * numbers differ) and hides these from this one's. */
#if defined(__x86_64__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_AARCH64
#elif defined(__arm__) && defined(__ARMEL__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_ARM
#else
#error "nosys: add this architecture's AUDIT_ARCH_"
#endif

#define DENY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS)

int main(int argc, char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_NATIVE, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		DENY(SYS_clone3),
		DENY(SYS_pidfd_open),
		DENY(SYS_openat2),
		DENY(SYS_close_range),
		DENY(SYS_mount_setattr),
		DENY(SYS_open_tree), /* the last three, left out for NOSYS_KERNEL=5.2 */
		DENY(SYS_move_mount),
		DENY(SYS_fsopen), /* husk's overlay seal: a memfd copy without it */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
	/* NOSYS_KERNEL=5.2: as Linux 5.2 to 5.11, which have open_tree and
	 * move_mount but no mount_setattr. */
	const char *k = getenv("NOSYS_KERNEL");
	if (k && !strcmp(k, "5.2")) {
		size_t n = prog.len;
		f[n - 7] = f[n - 1]; /* allow from open_tree's check on */
		prog.len = (unsigned short)(n - 6);
	}
	if (argc < 2) {
		fprintf(stderr, "usage: nosys COMMAND ARGS...\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("nosys: seccomp");
		return 2;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "nosys: exec %s: %s\n", argv[1], strerror(errno));
	return 127;
}
