/* safepath.h: the path-safety core (safepath.c, procfs.c): paths resolved
 * inside the rootfs, mounts made on the fds they resolve to, and the
 * verified procfs handle. */
#ifndef HUSK_SAFEPATH_H
#define HUSK_SAFEPATH_H

#include "compat.h"
#include "husk.h"

/* ---- inside the rootfs (safepath.c) ---- */

/* "/proc/self/fd/N" in buf. For mount(2) before pivot_root only. */
const char *safe_fdpath(char buf[32], int fd);
/* openat2(rootfd, path, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS|resolve), or
 * the same walk before Linux 5.6; -1 with errno. */
int safe_open(int rootfd, const char *path, int flags, uint64_t resolve);
/* mkdir -p inside the root; an O_PATH fd of the directory. */
int safe_mkdirs(int rootfd, const char *path, struct husk_err *e);
/* Open the mount point dest, creating it (a directory, or an empty file)
 * and its parents when missing; never under /proc. */
int safe_make_target(int rootfd, const char *dest, bool file, uint64_t resolve, struct husk_err *e);
/* The path of fd inside the rootfs ("/" for the root), from the kernel. */
int safe_path_in_root(int rootfd, int fd, char *out, size_t len, struct husk_err *e);
bool path_eq(const char *a, const char *b);
bool path_under(const char *path, const char *dir);
/* The parent of path in buf ("/" at the top), *base its last component. */
const char *path_split(const char *path, char *buf, size_t len, const char **base);

/* Undo mountinfo's \ooo escapes in place. */
void path_unescape(char *s);

unsigned long safe_kept_flags(unsigned long statvfs_flags);
/* Set the per-mount flags of the mount whose root fd is (MS_BIND|MS_REMOUNT). */
int safe_remount(int fd, unsigned long flags, const char *what, struct husk_err *e);
/* The mount just made on target, found again by dest and checked to be it. */
int safe_reopen_mount(int rootfd, const char *dest, int target, struct husk_err *e);

/* What a bind asks for. */
struct safe_bind {
	const char *dest;           /* the destination inside the rootfs */
	unsigned long flags, clear; /* per-mount MS_* flags to set, and those the options cleared */
	bool rec;                   /* rbind: the whole tree */
	const unsigned long *prop;  /* propagation changes, in order */
	size_t n_prop;
	struct husk_mount_attr rec_attr; /* rro, rnosuid...: on every mount of the tree */
};
/* Bind src (or srcfd >= 0) onto the fd target with its flags set before it
 * is attached (open_tree, mount_setattr, move_mount). */
int safe_bind(int rootfd, int target, const char *src, int srcfd, const struct safe_bind *b,
	      struct husk_err *e);
/* The same for tree, a detached clone of src the caller made (open_tree):
 * its flags set, then attached onto target. */
int safe_attach(int target, int tree, const char *src, const struct safe_bind *b,
		struct husk_err *e);

/* ---- the verified procfs handle (procfs.c) ---- */

/* /proc of the calling process's mount namespace, checked to be the root
 * of a procfs. Call before entering any of the container's mounts. */
int procfs_open_root(struct husk_err *e);
/* /proc holds a procfs: what every command on containers reads (the
 * sealed copy of husk, each init's liveness, mountinfo, cgroups). */
int procfs_check(struct husk_err *e);
/* Open path ("self/oom_score_adj", "sys/net/core/somaxconn") below the
 * handle: no symlink, no mount crossed, the result checked on procfs. */
int procfs_open(int proc, const char *path, int flags, struct husk_err *e);
int procfs_write(int proc, const char *path, const char *data, size_t len, struct husk_err *e);
/* Read at most len - 1 bytes, NUL-terminated; the count. */
int procfs_read(int proc, const char *path, char *buf, size_t len, struct husk_err *e);
/* PID/ns/NAME (pid 0: self/ns/NAME), checked to be a namespace file. */
int procfs_open_ns(int proc, pid_t pid, const char *name, struct husk_err *e);
/* A mount on dest, resolved to where (its path inside the rootfs) and the
 * fd target: refused inside /proc but for a procfs on /proc itself and
 * binds on the lxcfs files (runc's rules). */
int procfs_check_dest(const char *dest, const char *where, int target, bool source_proc,
		      struct husk_err *e);

#endif
