/* compat.h: syscalls and constants that musl's headers lack, as static
 * inline wrappers over syscall(), so no #ifdef sits in the logic. */
#ifndef HUSK_COMPAT_H
#define HUSK_COMPAT_H

#include <linux/capability.h>
#include <linux/sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* sched_setattr(2): struct sched_attr up to SCHED_ATTR_SIZE_VER1 (the
 * utilization clamps, which SCHED_FLAG_UTIL_CLAMP_* need). glibc >= 2.41
 * declares its own struct sched_attr, hence the prefix. */
struct husk_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

static inline int sys_sched_setattr(pid_t pid, struct husk_sched_attr *attr, unsigned flags)
{
	return (int)syscall(SYS_sched_setattr, pid, attr, flags);
}

/* set_mempolicy(2); linux/mempolicy.h has the other modes (an enum). The
 * kernel reads maxnode - 1 bits of nodemask. */
#define HUSK_MPOL_WEIGHTED_INTERLEAVE 6 /* Linux 6.9 */

static inline int sys_set_mempolicy(int mode, const unsigned long *nodemask, unsigned long maxnode)
{
	return (int)syscall(SYS_set_mempolicy, mode, nodemask, maxnode);
}

/* openat2(2) */
struct husk_open_how {
	uint64_t flags, mode, resolve;
};
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10

static inline int sys_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct husk_open_how how = {.flags = flags, .mode = 0, .resolve = resolve};
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* clone3(2): with stack 0 it behaves like fork, returning twice. */
struct husk_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
		set_tid, set_tid_size, cgroup;
};

static inline long sys_clone3(struct husk_clone_args *args)
{
	return syscall(SYS_clone3, args, sizeof(*args));
}

static inline int sys_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

static inline int sys_close_range(unsigned first, unsigned last, unsigned flags)
{
	return (int)syscall(SYS_close_range, first, last, flags);
}

static inline int sys_pidfd_open(pid_t pid, unsigned flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

/* The new mount API. */
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC 02000000
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define HUSK_MOUNT_ATTR_RDONLY 0x00000001
#define HUSK_MOUNT_ATTR_NOSUID 0x00000002
#define HUSK_MOUNT_ATTR_NODEV 0x00000004
#define HUSK_MOUNT_ATTR_NOEXEC 0x00000008
#define HUSK_MOUNT_ATTR_IDMAP 0x00100000
#define HUSK_MOUNT_ATTR__ATIME 0x00000070 /* the atime mode field: clear it to set one */
#define HUSK_MOUNT_ATTR_RELATIME 0x00000000
#define HUSK_MOUNT_ATTR_NOATIME 0x00000010
#define HUSK_MOUNT_ATTR_STRICTATIME 0x00000020
#define HUSK_MOUNT_ATTR_NODIRATIME 0x00000080
#define HUSK_MOUNT_ATTR_NOSYMFOLLOW 0x00200000

struct husk_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static inline int sys_open_tree(int dirfd, const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

static inline int sys_move_mount(int from_dirfd, const char *from, int to_dirfd, const char *to,
				 unsigned flags)
{
	return (int)syscall(SYS_move_mount, from_dirfd, from, to_dirfd, to, flags);
}

static inline int sys_mount_setattr(int dirfd, const char *path, unsigned flags,
				    struct husk_mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr, sizeof(*attr));
}

/* Capabilities, without libcap. */
static inline int sys_capget(struct __user_cap_header_struct *h, struct __user_cap_data_struct *d)
{
	return (int)syscall(SYS_capget, h, d);
}

static inline int sys_capset(struct __user_cap_header_struct *h, struct __user_cap_data_struct *d)
{
	return (int)syscall(SYS_capset, h, d);
}

#endif
