/* safepath.c: paths inside the container's rootfs, and mounts made on the
 * fds they resolve to.
 *
 * Every path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT), or
 * a walk with the same rules before Linux 5.6, so no symlink in the image,
 * nor one swapped in through a shared volume, can lead a mkdir, a mknod or a
 * mount out of the rootfs (CVE-2021-30465). Nothing is created under the
 * container's /proc. Mounts then target the resolved fd, never the path
 * again: the kernel's /proc/self/fd/N magic link names it for mount(2),
 * which is only ever done before pivot_root, while /proc is still the
 * host's, in the init's own mount namespace, where no container process
 * can reach. A bind's flags are set on a detached clone before it is
 * attached (safe_bind), so that a rename racing the mount cannot make a
 * read-only bind land writable, or the flags land on another mount. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "compat.h"
#include "husk.h"
#include "safepath.h"

const char *safe_fdpath(char buf[32], int fd)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

/* Resolve path with rootfd as "/": "..", absolute symlinks and symlinks to
 * ".." all stay below it. Magic links (/proc/PID/fd/N) could jump anywhere,
 * so they are refused. EAGAIN means a rename raced the lookup: retry. */
/* The directory fd of the canonical path cur (no symlinks, no "..") below root. */
static int reopen_dir(int rootfd, const char *cur)
{
	return *cur ? openat(rootfd, cur, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
		    : fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
}

/* One step of walk_in_root: the component name in dir. A symlink's target
 * is put in front of the rest of the path (an absolute one restarts at the
 * root), so that no link ever leads out. Returns the next dir fd (>= 0),
 * -2 when the rest of the path was replaced, -1 on error. */
static int walk_step(int rootfd, int dir, const char *name, char *cur, char *rest, size_t len,
		     uint64_t resolve, int *links)
{
	int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	if (!S_ISLNK(st.st_mode)) {
		size_t n = strlen(cur);
		snprintf(cur + n, PATH_MAX - n, "%s%s", n ? "/" : "", name);
		return fd;
	}
	char target[PATH_MAX], joined[PATH_MAX * 2];
	ssize_t tl = readlinkat(fd, "", target, sizeof(target) - 1);
	close(fd);
	if ((resolve & RESOLVE_NO_SYMLINKS) || ++*links > 40)
		return errno = ELOOP, -1;
	if (tl < 0)
		return -1;
	target[tl] = '\0';
	if (target[0] == '/')
		cur[0] = '\0';
	if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", target, rest) >= len)
		return errno = ENAMETOOLONG, -1;
	memcpy(rest, joined, strlen(joined) + 1);
	(void)rootfd;
	return -2;
}

/* openat2(RESOLVE_IN_ROOT) for kernels before 5.6: walk one component at a
 * time with O_NOFOLLOW, resolving "..", and symlinks, against the root. */
static int walk_in_root(int rootfd, const char *path, int flags, uint64_t resolve)
{
	char cur[PATH_MAX] = "", rest[PATH_MAX * 2], name[NAME_MAX + 1];
	int links = 0;
	if ((size_t)snprintf(rest, sizeof(rest), "%s", path) >= sizeof(rest))
		return errno = ENAMETOOLONG, -1;
	AUTO_FD dir = reopen_dir(rootfd, cur);
	for (char *p = rest; dir >= 0;) {
		p += strspn(p, "/");
		size_t n = strcspn(p, "/");
		if (n == 0) /* the whole path was walked: dir is the result */
			return openat(dir, ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
		if (n > NAME_MAX)
			return errno = ENAMETOOLONG, -1;
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		memmove(rest, p, strlen(p) + 1);
		p = rest;
		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			char *slash = strrchr(cur, '/');
			*(slash ? slash : cur) = '\0'; /* ".." at the root stays there */
		} else if (!*(p + strspn(p, "/")) && !(flags & O_DIRECTORY)) {
			/* the last component: not followed if a symlink only when asked */
			int fd = openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC);
			struct stat st;
			if (fd < 0 || fstat(fd, &st) < 0 || !S_ISLNK(st.st_mode))
				return fd;
			close(fd);
		}
		if (strcmp(name, "..")) {
			int next = walk_step(rootfd, dir, name, cur, rest, sizeof(rest), resolve, &links);
			if (next == -1)
				return -1;
			if (next >= 0) {
				close(dir);
				dir = next;
				continue;
			}
		}
		close(dir);
		dir = reopen_dir(rootfd, cur);
	}
	return -1;
}

int safe_open(int rootfd, const char *path, int flags, uint64_t resolve)
{
	for (int i = 0; i < 16; i++) {
		int fd = sys_openat2(rootfd, path, (uint64_t)(flags | O_CLOEXEC),
				     RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve);
		if (fd >= 0 || errno != EAGAIN)
			return fd >= 0 || errno != ENOSYS ? fd : walk_in_root(rootfd, path, flags, resolve);
	}
	return -1;
}

/* "a//b/c/" and "/a/b/c" name the same path inside the root. */
bool path_eq(const char *a, const char *b)
{
	for (;;) {
		a += strspn(a, "/");
		b += strspn(b, "/");
		if (!*a || !*b)
			return !*a && !*b;
		size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
		if (la != lb || strncmp(a, b, la) != 0)
			return false;
		a += la;
		b += lb;
	}
}

/* path is dir or below it; both absolute and clean, as mountinfo prints them. */
bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* ---- where an fd is ------------------------------------------------------------ */

/* The path of fd inside the rootfs rootfd ("/" for the root itself), from
 * the kernel's own record of both (readlink of /proc/self/fd/N: before
 * pivot_root, the host's /proc). */
int safe_path_in_root(int rootfd, int fd, char *out, size_t len, struct husk_err *e)
{
	char p[32], root[PATH_MAX], path[PATH_MAX];
	ssize_t rl = readlink(safe_fdpath(p, rootfd), root, sizeof(root) - 1);
	ssize_t n = readlink(safe_fdpath(p, fd), path, sizeof(path) - 1);
	if (rl <= 0 || n <= 0)
		return err_sys(e, "readlink %s", p);
	root[rl] = path[n] = '\0';
	size_t r = strcmp(root, "/") ? (size_t)rl : 0;
	if (strncmp(path, root, r) || (path[r] != '/' && path[r] != '\0'))
		return err_set(e, EXDEV, "%s is not below the rootfs %s", path, root);
	return snprintf(out, len, "%s", path[r] ? path + r : "/") < (int)len
		       ? 0
		       : err_set(e, ENAMETOOLONG, "%s", path);
}

/* Nothing is made under the container's /proc (what comes there is the
 * kernel's): a destination that leads there is refused before any mkdir
 * or mknod, not only once it resolves (procfs_check_dest). */
static int not_in_proc(int rootfd, int dir, const char *name, const char *what,
		       struct husk_err *e)
{
	char where[PATH_MAX];
	if (safe_path_in_root(rootfd, dir, where, sizeof(where), e) < 0)
		return err_wrap(e, "%s: ", what);
	size_t n = strlen(where);
	if (snprintf(where + n, sizeof(where) - n, "%s%s", n > 1 ? "/" : "", name) >=
	    (int)(sizeof(where) - n))
		return err_set(e, ENAMETOOLONG, "%s", what);
	if (path_under(where, "/proc"))
		return err_set(e, 0, "%s: %s is inside /proc: refusing", what, where);
	return 0;
}

/* Split path into buf: returns the parent ("/" at the top), *base the last
 * component ("" for the root itself). NULL when path does not fit. */
const char *path_split(const char *path, char *buf, size_t len, const char **base)
{
	if (snprintf(buf, len, "%s", path) >= (int)len)
		return NULL;
	size_t n = strlen(buf);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	char *slash = strrchr(buf, '/');
	if (!slash) {
		*base = buf;
		return ".";
	}
	*base = slash + 1;
	if (slash == buf)
		return "/";
	*slash = '\0';
	return buf;
}

static int mkdirs_depth(int rootfd, const char *path, int depth, struct husk_err *e);

/* name, in the directory dir at path parent, is a dangling symlink: put the
 * path it points to, to be created instead, in out. Images have such links
 * (/etc/resolv.conf to /run/...), and runc creates their target; the target
 * is still resolved inside the root. */
static int link_target(int dir, const char *parent, const char *name, char *out, size_t len,
		       struct husk_err *e)
{
	char t[PATH_MAX];
	ssize_t n = readlinkat(dir, name, t, sizeof(t) - 1);
	if (n < 0)
		return err_sys(e, "readlink %s/%s", parent, name);
	t[n] = '\0';
	bool abs = t[0] == '/';
	if (snprintf(out, len, "%s/%s", abs ? "" : parent, t) >= (int)len)
		return err_set(e, ENAMETOOLONG, "readlink %s/%s", parent, name);
	return 0;
}

/* Open prefix (whose last component is name, in the directory dir at path
 * parent) as a directory, creating it, or where it points, when missing. */
static int open_or_mkdir(int rootfd, int dir, const char *parent, const char *prefix,
			 const char *name, int depth, struct husk_err *e)
{
	int fd = safe_open(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
	if (fd < 0 && errno == ENOENT) {
		if (not_in_proc(rootfd, dir, name, "mkdir", e) < 0)
			return -1;
		if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
			return err_sys(e, "mkdir %s", prefix);
		fd = safe_open(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
	}
	if (fd < 0 && errno == ENOENT) {
		char target[PATH_MAX];
		if (link_target(dir, parent, name, target, sizeof(target), e) < 0)
			return -1;
		AUTO_FD made = mkdirs_depth(rootfd, target, depth + 1, e);
		if (made < 0)
			return -1;
		fd = safe_open(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
	}
	if (fd < 0)
		return err_sys(e, "open %s", prefix);
	return fd;
}

/* mkdir -p inside the root, one component at a time, each resolved again
 * from the root. Returns an O_PATH fd of the directory. */
static int mkdirs_depth(int rootfd, const char *path, int depth, struct husk_err *e)
{
	char buf[PATH_MAX], parent[PATH_MAX] = "/";
	if (depth > 40)
		return err_set(e, ELOOP, "mkdir %s", path);
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return err_set(e, ENAMETOOLONG, "mkdir %s", path);
	AUTO_FD dir = safe_open(rootfd, "/", O_PATH | O_DIRECTORY, 0);
	if (dir < 0)
		return err_sys(e, "open /");
	char *p = buf;
	for (;;) {
		char *name = p + strspn(p, "/");
		char *end = name + strcspn(name, "/");
		if (end == name)
			return take_fd(&dir);
		char saved = *end;
		*end = '\0';
		int next = open_or_mkdir(rootfd, dir, parent, buf, name, depth, e);
		snprintf(parent, sizeof(parent), "%s", buf);
		*end = saved;
		if (next < 0)
			return -1;
		close(dir);
		dir = next;
		p = end;
	}
}

int safe_mkdirs(int rootfd, const char *path, struct husk_err *e)
{
	return mkdirs_depth(rootfd, path, 0, e);
}

/* Open the mount point dest, creating it and its parents when missing: a
 * directory, or an empty file when a file is bind-mounted. A dangling
 * symlink there is followed, inside the root. */
static int make_target_depth(int rootfd, const char *dest, bool file, uint64_t resolve,
			     int depth, struct husk_err *e)
{
	int fd = safe_open(rootfd, dest, O_PATH, resolve);
	if (fd < 0 && errno == ENOENT && depth <= 40) {
		char buf[PATH_MAX], target[PATH_MAX];
		const char *base, *parent = path_split(dest, buf, sizeof(buf), &base);
		if (!parent)
			return err_set(e, ENAMETOOLONG, "open %s", dest);
		AUTO_FD dir = safe_mkdirs(rootfd, parent, e);
		if (dir < 0 || not_in_proc(rootfd, dir, base, "create the mount point", e) < 0)
			return -1;
		int r = file ? mknodat(dir, base, S_IFREG | 0755, 0) : mkdirat(dir, base, 0755);
		if (r < 0 && errno != EEXIST)
			return err_sys(e, "%s %s", file ? "create" : "mkdir", dest);
		fd = safe_open(rootfd, dest, O_PATH, resolve);
		if (fd < 0 && errno == ENOENT && r < 0) {
			if (link_target(dir, parent, base, target, sizeof(target), e) < 0)
				return -1;
			AUTO_FD made = make_target_depth(rootfd, target, file, resolve, depth + 1, e);
			if (made < 0)
				return -1;
			fd = safe_open(rootfd, dest, O_PATH, resolve);
		}
	}
	if (fd < 0 && errno == ELOOP && (resolve & RESOLVE_NO_SYMLINKS))
		return err_set(e, ELOOP, "open %s: must be an ordinary directory, not a symlink", dest);
	if (fd < 0)
		return err_sys(e, "open %s", dest);
	return fd;
}

int safe_make_target(int rootfd, const char *dest, bool file, uint64_t resolve,
		       struct husk_err *e)
{
	int fd = make_target_depth(rootfd, dest, file, resolve, 0, e);
	if (fd < 0 && strstr(e->msg, "inside /proc"))
		err_wrap(e, "mount on %s: ", dest);
	else if (fd < 0 && e->errnum == EROFS) /* mkdir or create in a read-only rootfs */
		err_wrap(e, "mount on %s: the mount point is missing and cannot be made: ", dest);
	return fd;
}

/* ---- mounts on resolved fds --------------------------------------------------------- */

/* statvfs flags to the per-mount MS_* flags a bind remount must keep. */
unsigned long safe_kept_flags(unsigned long st)
{
	unsigned long ms = st & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME |
				 ST_NODIRATIME); /* same values as MS_* */
	if (st & ST_RELATIME)
		ms |= MS_RELATIME;
	return ms;
}

/* MS_BIND|MS_REMOUNT sets the per-mount flags to exactly flags. In a user
 * namespace those the host put on the source are locked, and dropping one
 * gives EPERM: retry with them kept. fd must be the mount itself (its
 * root), resolved once: this never looks the destination up again. */
int safe_remount(int fd, unsigned long flags, const char *what, struct husk_err *e)
{
	char p[32];
	struct statvfs sv;
	flags &= ~(MS_BIND | MS_REC | MS_REMOUNT);
	if (mount(NULL, safe_fdpath(p, fd), NULL, MS_BIND | MS_REMOUNT | flags, NULL) == 0)
		return 0;
	if (errno == EPERM && fstatvfs(fd, &sv) == 0 &&
	    mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | flags | safe_kept_flags(sv.f_flag), NULL) == 0)
		return 0;
	return err_sys(e, "remount %s", what);
}

/* MS_* per-mount flags as mount_setattr attributes. An atime mode is a
 * field: setting one clears the field first. */
static void ms_to_attr(unsigned long set, unsigned long clear, struct husk_mount_attr *a)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} bits[] = {
		{MS_RDONLY, HUSK_MOUNT_ATTR_RDONLY},	 {MS_NOSUID, HUSK_MOUNT_ATTR_NOSUID},
		{MS_NODEV, HUSK_MOUNT_ATTR_NODEV},	 {MS_NOEXEC, HUSK_MOUNT_ATTR_NOEXEC},
		{MS_NODIRATIME, HUSK_MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, HUSK_MOUNT_ATTR_NOSYMFOLLOW},
	};
	*a = (struct husk_mount_attr){0};
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (set & bits[i].ms)
			a->attr_set |= bits[i].attr;
		else if (clear & bits[i].ms)
			a->attr_clr |= bits[i].attr;
	}
	uint64_t atime = set & MS_NOATIME ? HUSK_MOUNT_ATTR_NOATIME
			 : set & MS_STRICTATIME ? HUSK_MOUNT_ATTR_STRICTATIME
			 : set & MS_RELATIME ? HUSK_MOUNT_ATTR_RELATIME : UINT64_MAX;
	if (atime != UINT64_MAX) {
		a->attr_set |= atime;
		a->attr_clr |= HUSK_MOUNT_ATTR__ATIME;
	}
}

/* The flags on the detached tree: plain ones on its top mount (as a bind
 * remount does), the recursive ones (rro...) on all of it. A flag the host
 * locked on the source (user namespaces) cannot be cleared: EPERM, then it
 * is kept, as safe_remount does. 1 when the kernel lacks mount_setattr. */
static int set_tree_attrs(int tree, const struct safe_bind *b, struct husk_err *e)
{
	struct husk_mount_attr a, rec = b->rec_attr;
	struct statvfs sv;
	ms_to_attr(b->flags, b->clear, &a);
	if (!a.attr_set && !a.attr_clr && !rec.attr_set && !rec.attr_clr)
		return 0;
	if (a.attr_set || a.attr_clr) {
		int r = sys_mount_setattr(tree, "", AT_EMPTY_PATH, &a);
		if (r < 0 && errno == ENOSYS && !rec.attr_set && !rec.attr_clr)
			return 1;
		if (r < 0 && errno == EPERM && fstatvfs(tree, &sv) == 0) {
			struct husk_mount_attr kept;
			ms_to_attr(0, safe_kept_flags(sv.f_flag), &kept);
			a.attr_clr &= ~kept.attr_clr;
			r = sys_mount_setattr(tree, "", AT_EMPTY_PATH, &a);
		}
		if (r < 0)
			return err_sys(e, "mount_setattr %s", b->dest);
	}
	if ((rec.attr_set || rec.attr_clr) &&
	    sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &rec) < 0)
		return err_sys(e, "mount_setattr %s", b->dest);
	return 0;
}

/* Where mount_setattr is missing: MS_REMOUNT sets every per-mount flag at
 * once, so keep those of the source that the options did not clear, as
 * mount_setattr would. */
static int remount_keeping(int fd, const struct safe_bind *b, struct husk_err *e)
{
	struct statvfs sv;
	if (fstatvfs(fd, &sv) < 0)
		return err_sys(e, "statvfs %s", b->dest);
	return safe_remount(fd, b->flags | (safe_kept_flags(sv.f_flag) & ~b->clear), b->dest, e);
}

static int set_propagation(int fd, const struct safe_bind *b, struct husk_err *e)
{
	char p[32];
	for (size_t i = 0; i < b->n_prop; i++)
		if (mount(NULL, safe_fdpath(p, fd), NULL, b->prop[i], NULL) < 0)
			return err_sys(e, "set propagation of %s", b->dest);
	return 0;
}

/* The mount id of fd (fdinfo has it since Linux 3.15). */
static int mnt_id(int fd)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	AUTO_FD f = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = f < 0 ? -1 : read(f, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *p = strstr(buf, "mnt_id:");
	return p ? atoi(p + 7) : -1;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
void path_unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Is mount id a child of mount parent, mounted exactly at point? */
static bool mounted_at(int id, int parent, const char *point, struct husk_err *e)
{
	size_t len;
	AUTO_FREE char *text = read_file_at(AT_FDCWD, "/proc/self/mountinfo", 16 << 20, &len, e);
	char *save;
	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long i, p;
		char mp[PATH_MAX];
		if (field_u64(l, 0, 10, &i) < 0 || field_u64(l, 1, 10, &p) < 0 || field(l, 4, mp, sizeof(mp)) < 0 ||
		    i != (unsigned long long)id)
			continue;
		path_unescape(mp);
		return p == (unsigned long long)parent && !strcmp(mp, point);
	}
	return false;
}

/* A mount just made on target, found again by its path: it must be a new
 * mount, a child of target's own mount, mounted exactly on target (a
 * rename racing the lookup gives anything else). Used only where the
 * kernel gives no fd of the new mount. */
int safe_reopen_mount(int rootfd, const char *dest, int target, struct husk_err *e)
{
	char p[32], point[PATH_MAX];
	AUTO_FD fd = safe_open(rootfd, dest, O_PATH, 0);
	if (fd < 0)
		return err_sys(e, "open %s", dest);
	ssize_t n = readlink(safe_fdpath(p, target), point, sizeof(point) - 1);
	int below = mnt_id(target), top = mnt_id(fd);
	if (n <= 0 || below < 0 || top < 0)
		return err_sys(e, "mount on %s: find the new mount", dest);
	point[n] = '\0';
	if (top == below || !mounted_at(top, below, point, e))
		return err_set(e, 0, "mount on %s: the destination changed while it was mounted "
				     "(a rename race?): refusing", dest);
	return take_fd(&fd);
}

/* Before open_tree (Linux 5.2): bind, then find the bind again by its
 * path, check it is the one just made (safe_reopen_mount, and the source's
 * own inode), and set its flags through that fd. */
static int bind_verified(int rootfd, int target, const char *src, const struct safe_bind *b,
			 struct husk_err *e)
{
	char p[32];
	struct stat s0, s1;
	if (stat(src, &s0) < 0)
		return err_sys(e, "stat %s", src);
	if (mount(src, safe_fdpath(p, target), NULL, MS_BIND | (b->rec ? MS_REC : 0), NULL) < 0)
		return err_sys(e, "mount %s on %s", src, b->dest);
	AUTO_FD fd = safe_reopen_mount(rootfd, b->dest, target, e);
	if (fd < 0)
		return -1;
	if (fstat(fd, &s1) < 0 || s1.st_dev != s0.st_dev || s1.st_ino != s0.st_ino)
		return err_set(e, 0, "mount on %s: the destination changed while it was mounted "
				     "(a rename race?): refusing", b->dest);
	if ((b->flags || b->clear) && remount_keeping(fd, b, e) < 0)
		return -1;
	log_debug("bind %s on %s: no open_tree, bound, found again and checked", src, b->dest);
	return set_propagation(fd, b, e);
}

/* Bind src (or the fd srcfd, when >= 0) onto target: cloned detached
 * (open_tree), its flags set there (mount_setattr), then attached onto the
 * target fd (move_mount). The mount is never visible without its flags,
 * and nothing looks the destination up again (the rename race of
 * CVE-2021-30465's kind that turned a ro bind rw). Linux 5.2 to 5.11 have
 * no mount_setattr: the clone is attached, then remounted through its own
 * fd. Before 5.2: bind_verified. */
int safe_bind(int rootfd, int target, const char *src, int srcfd, const struct safe_bind *b,
	      struct husk_err *e)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (b->rec ? AT_RECURSIVE : 0);
	AUTO_FD tree = srcfd >= 0 ? sys_open_tree(srcfd, "", flags | AT_EMPTY_PATH)
				  : sys_open_tree(AT_FDCWD, src, flags);
	char p[32];
	if (tree < 0 && errno == ENOSYS && srcfd < 0)
		return bind_verified(rootfd, target, src, b, e);
	if (tree < 0 && errno == ENOSYS) /* srcfd: name it through /proc (before pivot_root) */
		return bind_verified(rootfd, target, safe_fdpath(p, srcfd), b, e);
	if (tree < 0)
		return err_sys(e, "mount %s on %s: open_tree", src, b->dest);
	return safe_attach(target, tree, src, b, e);
}

/* The second half of safe_bind, for a clone the caller made (an idmapped
 * one): its flags, then attached onto target, then its propagation. */
int safe_attach(int target, int tree, const char *src, const struct safe_bind *b,
		struct husk_err *e)
{
	int late = set_tree_attrs(tree, b, e);
	if (late < 0)
		return -1;
	if (sys_move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return err_sys(e, "mount %s on %s: move_mount", src, b->dest);
	if (late && remount_keeping(tree, b, e) < 0)
		return -1;
	log_debug("bind %s on %s: %s", src, b->dest,
		  late ? "no mount_setattr: attached, then remounted through its own fd"
		       : "a detached clone, flags set before it was attached");
	return set_propagation(tree, b, e);
}
