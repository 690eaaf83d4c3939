/* nofsopen: run a command with fsopen(2) failing with ENOSYS (a one-rule
 * seccomp filter), so that husk seals itself with its fallback, the memfd
 * copy, as on Linux < 5.2 or under a profile that denies the new mount API.
 * The bench's "husk, memfd" rows (bench.sh).
 *   nofsopen COMMAND ARGS... */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fsopen, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
	if (argc < 2) {
		fprintf(stderr, "usage: nofsopen COMMAND ARGS...\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("nofsopen: seccomp");
		return 2;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "nofsopen: exec %s: %s\n", argv[1], strerror(errno));
	return 127;
}
