/* mount.c: the container's root filesystem: its mounts, /dev, the switch
 * of root, masked and read-only paths.
 *
 * Paths inside the rootfs are resolved by safepath.c (never out of the
 * rootfs, never into the container's /proc), and every mount lands on the
 * fd they resolved to; binds get their flags before they are attached.
 * All of it happens before the root is changed, while /proc is still the
 * host's in the init's own mount namespace: after pivot_root only "/"
 * itself is remounted (root.readonly), and no path crosses procfs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "compat.h"
#include "husk.h"
#include "safepath.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))


/* ---- mount options -------------------------------------------------------- */

struct mopts {
	unsigned long flags;        /* for mount(2) */
	unsigned long clear;        /* per-mount flags the options cleared (rw, suid...) */
	unsigned long prop[4];      /* propagation changes, in the given order */
	size_t n_prop;
	struct husk_mount_attr rec; /* rro, rnosuid...: mount_setattr(AT_RECURSIVE) */
	char data[4096];            /* the words that are not flags */
	bool copyup;                /* tmpcopyup: the tmpfs starts with what it covers */
	int idmap;                  /* spec_mount_idmap: 1 idmap, 2 ridmap (idmap.c) */
};

struct flag_word {
	const char *name;
	bool clear;
	unsigned long flag;
};

static const struct flag_word flag_words[] = {
	{"async", true, MS_SYNCHRONOUS},   {"atime", true, MS_NOATIME},
	{"bind", false, MS_BIND},          {"defaults", false, 0},
	{"dev", true, MS_NODEV},           {"diratime", true, MS_NODIRATIME},
	{"dirsync", false, MS_DIRSYNC},    {"exec", true, MS_NOEXEC},
	{"iversion", false, MS_I_VERSION}, {"lazytime", false, MS_LAZYTIME},
	{"loud", true, MS_SILENT},         {"mand", false, MS_MANDLOCK},
	{"noatime", false, MS_NOATIME},    {"nodev", false, MS_NODEV},
	{"nodiratime", false, MS_NODIRATIME}, {"noexec", false, MS_NOEXEC},
	{"noiversion", true, MS_I_VERSION}, {"nolazytime", true, MS_LAZYTIME},
	{"nomand", true, MS_MANDLOCK},     {"norelatime", true, MS_RELATIME},
	{"nostrictatime", true, MS_STRICTATIME}, {"nosuid", false, MS_NOSUID},
	{"nosymfollow", false, MS_NOSYMFOLLOW}, {"rbind", false, MS_BIND | MS_REC},
	{"relatime", false, MS_RELATIME},  {"remount", false, MS_REMOUNT},
	{"ro", false, MS_RDONLY},          {"rw", true, MS_RDONLY},
	{"silent", false, MS_SILENT},      {"strictatime", false, MS_STRICTATIME},
	{"suid", true, MS_NOSUID},         {"symfollow", true, MS_NOSYMFOLLOW},
	{"sync", false, MS_SYNCHRONOUS},
};

static const struct flag_word prop_words[] = {
	{"private", false, MS_PRIVATE},       {"rprivate", false, MS_PRIVATE | MS_REC},
	{"shared", false, MS_SHARED},         {"rshared", false, MS_SHARED | MS_REC},
	{"slave", false, MS_SLAVE},           {"rslave", false, MS_SLAVE | MS_REC},
	{"unbindable", false, MS_UNBINDABLE}, {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

struct attr_word {
	const char *name;
	uint64_t set, clr;
};

/* An atime mode is a field, not a bit: it is set by clearing the field. */
static const struct attr_word rec_words[] = {
	{"rro", HUSK_MOUNT_ATTR_RDONLY, 0},         {"rrw", 0, HUSK_MOUNT_ATTR_RDONLY},
	{"rnosuid", HUSK_MOUNT_ATTR_NOSUID, 0},     {"rsuid", 0, HUSK_MOUNT_ATTR_NOSUID},
	{"rnodev", HUSK_MOUNT_ATTR_NODEV, 0},       {"rdev", 0, HUSK_MOUNT_ATTR_NODEV},
	{"rnoexec", HUSK_MOUNT_ATTR_NOEXEC, 0},     {"rexec", 0, HUSK_MOUNT_ATTR_NOEXEC},
	{"rnodiratime", HUSK_MOUNT_ATTR_NODIRATIME, 0}, {"rdiratime", 0, HUSK_MOUNT_ATTR_NODIRATIME},
	{"rnosymfollow", HUSK_MOUNT_ATTR_NOSYMFOLLOW, 0},
	{"rsymfollow", 0, HUSK_MOUNT_ATTR_NOSYMFOLLOW},
	{"rnoatime", HUSK_MOUNT_ATTR_NOATIME, HUSK_MOUNT_ATTR__ATIME},
	{"rstrictatime", HUSK_MOUNT_ATTR_STRICTATIME, HUSK_MOUNT_ATTR__ATIME},
	{"rrelatime", HUSK_MOUNT_ATTR_RELATIME, HUSK_MOUNT_ATTR__ATIME},
	{"ratime", HUSK_MOUNT_ATTR_RELATIME, HUSK_MOUNT_ATTR__ATIME},
};

static const struct flag_word *find_flag(const struct flag_word *t, size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, w) == 0)
			return &t[i];
	return NULL;
}

static const struct attr_word *find_attr(const char *w)
{
	for (size_t i = 0; i < LEN(rec_words); i++)
		if (strcmp(rec_words[i].name, w) == 0)
			return &rec_words[i];
	return NULL;
}

/* One option word; 1 when it was a flag, 0 when it is filesystem data. */
static int option_word(struct mopts *o, const char *w, const char *dest, struct husk_err *e)
{
	const struct flag_word *f = find_flag(flag_words, LEN(flag_words), w);
	const struct attr_word *a = find_attr(w);
	if (f && f->clear) {
		o->flags &= ~f->flag;
		o->clear |= f->flag;
	} else if (f) {
		o->flags |= f->flag;
		o->clear &= ~f->flag;
	}
	else if ((f = find_flag(prop_words, LEN(prop_words), w))) {
		if (o->n_prop == LEN(o->prop))
			return err_set(e, E2BIG, "mount on %s: too many propagation options", dest);
		o->prop[o->n_prop++] = f->flag;
	} else if (a) {
		o->rec.attr_set = (o->rec.attr_set & ~a->clr) | a->set;
		o->rec.attr_clr = (o->rec.attr_clr & ~a->set) | a->clr;
	} else if (!strcmp(w, "tmpcopyup")) {
		o->copyup = true;
		return 1;
	} else if (!strcmp(w, "idmap") || !strcmp(w, "ridmap"))
		return 1; /* parse_options takes them from spec_mount_idmap */
	return f || a;
}

static int parse_options(const struct mount_entry *m, struct mopts *o, struct husk_err *e)
{
	memset(o, 0, sizeof(*o));
	o->idmap = spec_mount_idmap(m);
	size_t len = 0;
	for (size_t i = 0; i < m->options.n; i++) {
		const char *w = m->options.v[i];
		int r = option_word(o, w, m->destination, e);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		int n = snprintf(o->data + len, sizeof(o->data) - len, "%s%s", len ? "," : "", w);
		if (n < 0 || (size_t)n >= sizeof(o->data) - len)
			return err_set(e, E2BIG, "mount on %s: options too long", m->destination);
		len += (size_t)n;
	}
	if (m->type && !strcmp(m->type, "bind"))
		o->flags |= MS_BIND;
	return 0;
}

static bool is_bind(const struct mount_entry *m)
{
	if (m->type && !strcmp(m->type, "bind"))
		return true;
	for (size_t i = 0; i < m->options.n; i++)
		if (!strcmp(m->options.v[i], "bind") || !strcmp(m->options.v[i], "rbind"))
			return true;
	return false;
}

/* ---- applying flags ------------------------------------------------------- */

/* What a bind of these options asks safe_bind for. */
static struct safe_bind bind_req(const char *dest, const struct mopts *o)
{
	return (struct safe_bind){.dest = dest,
				  .flags = o->flags & ~(MS_BIND | MS_REC | MS_REMOUNT),
				  .clear = o->clear,
				  .rec = (o->flags & MS_REC) != 0,
				  .prop = o->prop,
				  .n_prop = o->n_prop,
				  .rec_attr = o->rec};
}

/* A new filesystem has no mounts below it yet: its recursive attributes
 * (rro, rnosuid...) are its plain flags, given to mount(2) itself, so the
 * mount is never visible without them. */
static unsigned long fold_rec(unsigned long flags, const struct husk_mount_attr *r)
{
	static const struct {
		uint64_t attr;
		unsigned long ms;
	} bits[] = {
		{HUSK_MOUNT_ATTR_RDONLY, MS_RDONLY},	 {HUSK_MOUNT_ATTR_NOSUID, MS_NOSUID},
		{HUSK_MOUNT_ATTR_NODEV, MS_NODEV},	 {HUSK_MOUNT_ATTR_NOEXEC, MS_NOEXEC},
		{HUSK_MOUNT_ATTR_NODIRATIME, MS_NODIRATIME}, {HUSK_MOUNT_ATTR_NOSYMFOLLOW, MS_NOSYMFOLLOW},
	};
	for (size_t i = 0; i < LEN(bits); i++) {
		if (r->attr_set & bits[i].attr)
			flags |= bits[i].ms;
		else if (r->attr_clr & bits[i].attr)
			flags &= ~bits[i].ms;
	}
	if (r->attr_clr & HUSK_MOUNT_ATTR__ATIME) {
		flags &= ~(MS_NOATIME | MS_STRICTATIME | MS_RELATIME);
		uint64_t t = r->attr_set & HUSK_MOUNT_ATTR__ATIME;
		flags |= t == HUSK_MOUNT_ATTR_NOATIME	    ? MS_NOATIME
			 : t == HUSK_MOUNT_ATTR_STRICTATIME ? MS_STRICTATIME
							    : MS_RELATIME;
	}
	return flags;
}

/* Propagation of a new filesystem mount. mount(2) gives no fd of the
 * mount it made: find it again, checked to be the one just made on target
 * (safe_reopen_mount), or refuse. */
static int fresh_propagation(int rootfd, const char *dest, int target, const struct mopts *o,
			     struct husk_err *e)
{
	if (!o->n_prop)
		return 0;
	AUTO_FD fd = safe_reopen_mount(rootfd, dest, target, e);
	if (fd < 0)
		return -1;
	char p[32];
	for (size_t i = 0; i < o->n_prop; i++)
		if (mount(NULL, safe_fdpath(p, fd), NULL, o->prop[i], NULL) < 0)
			return err_sys(e, "set propagation of %s", dest);
	return 0;
}

/* A mount destination must not lead into the container's /proc (procfs.c
 * says what may be mounted there). */
static int check_dest(int rootfd, const char *dest, int target, bool source_proc,
		      struct husk_err *e)
{
	char where[PATH_MAX];
	if (safe_path_in_root(rootfd, target, where, sizeof(where), e) < 0)
		return err_wrap(e, "mount on %s: ", dest);
	return procfs_check_dest(dest, where, target, source_proc, e);
}

/* A bind's source (path) or a remount's target (fd) is on procfs. */
static bool on_procfs(const char *path, int fd)
{
	struct statfs sf;
	int r = path ? statfs(path, &sf) : fstatfs(fd, &sf);
	return r == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* ---- /proc/self/mountinfo ------------------------------------------------- */

struct mnt {
	char *root, *point, *fstype;
	bool shared;
};

struct mnt_table {
	struct mnt *v;
	size_t n;
	char *text;
};

static void mnt_table_free(struct mnt_table *t)
{
	free(t->v);
	free(t->text);
}

/* "36 35 98:0 /root /point opts [optional...] - fstype source superopts" */
static bool parse_mnt(char *line, struct mnt *m)
{
	char *save, *tok = strtok_r(line, " ", &save);
	bool dash = false;
	*m = (struct mnt){0};
	for (int i = 0; tok; tok = strtok_r(NULL, " ", &save), i++) {
		if (i == 3)
			m->root = tok;
		else if (i == 4)
			m->point = tok;
		else if (i >= 6 && !dash && !strcmp(tok, "-"))
			dash = true;
		else if (i >= 6 && !dash && !strncmp(tok, "shared:", 7))
			m->shared = true;
		else if (dash && !m->fstype)
			m->fstype = tok;
	}
	if (!m->fstype)
		return false;
	path_unescape(m->root);
	path_unescape(m->point);
	return true;
}

static int mnt_table_read(struct mnt_table *t, struct husk_err *e)
{
	size_t len, cap = 1;
	*t = (struct mnt_table){0};
	t->text = read_file_at(AT_FDCWD, "/proc/self/mountinfo", 16 << 20, &len, e);
	if (!t->text)
		return -1;
	for (char *c = t->text; *c; c++)
		cap += *c == '\n';
	t->v = calloc(cap, sizeof(*t->v));
	if (!t->v)
		return err_sys(e, "read /proc/self/mountinfo");
	char *save;
	for (char *l = strtok_r(t->text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		t->n += parse_mnt(l, &t->v[t->n]);
	return 0;
}

/* ---- the kinds of mounts -------------------------------------------------- */

/* i and sync: the mount's index in mounts[] and the init's sync channel,
 * for an idmapped bind (idmap.c clones it and has the runtime idmap it). */
static int mount_bind(int rootfd, const struct mount_entry *m, const struct mopts *o, size_t i,
		      int sync, struct husk_err *e)
{
	struct stat st;
	if (!m->source)
		return err_set(e, EINVAL, "mount on %s: a bind mount needs a source", m->destination);
	if (stat(m->source, &st) < 0)
		return err_sys(e, "mount %s on %s: stat %s", m->source, m->destination, m->source);
	AUTO_FD target = safe_make_target(rootfd, m->destination, !S_ISDIR(st.st_mode), 0, e);
	if (target < 0 ||
	    check_dest(rootfd, m->destination, target, on_procfs(m->source, -1), e) < 0)
		return -1;
	struct safe_bind b = bind_req(m->destination, o);
	if (!o->idmap)
		return safe_bind(rootfd, target, m->source, -1, &b, e);
	AUTO_FD tree = idmap_clone(m, i, b.rec, sync, e);
	return tree < 0 ? -1 : safe_attach(target, tree, m->source, &b, e);
}

/* A new filesystem instance. proc and sysfs must land on a real directory:
 * a symlink there (possibly swapped in by a shared volume) could redirect
 * them onto a path the runtime later trusts (runc CVE-2019-19921). */
/* One entry of the tree being copied up: a file's bytes, a link, a node,
 * then its owner, mode and times. */
static int copy_entry(int from, int to, const char *name, const struct stat *st)
{
	char target[PATH_MAX];
	if (S_ISREG(st->st_mode)) {
		AUTO_FD in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		AUTO_FD out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (in < 0 || out < 0)
			return -1;
		char buf[65536];
		ssize_t n;
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				return -1;
		if (n < 0)
			return -1;
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(from, name, target, sizeof(target) - 1);
		if (n < 0)
			return -1;
		target[n] = '\0';
		if (symlinkat(target, to, name) < 0)
			return -1;
	} else if (!S_ISDIR(st->st_mode) && mknodat(to, name, st->st_mode, st->st_rdev) < 0) {
		return -1;
	}
	struct timespec times[2] = {st->st_atim, st->st_mtim};
	if (fchownat(to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!S_ISLNK(st->st_mode) && fchmodat(to, name, st->st_mode & 07777, 0) < 0)
		return -1;
	return utimensat(to, name, times, AT_SYMLINK_NOFOLLOW);
}

/* Copy the directory tree from into to (tmpcopyup), as runc does. Nothing
 * is followed: links are copied as links. */
static int copy_tree(int from, int to, int depth)
{
	if (depth > 64)
		return errno = ELOOP, -1;
	DIR *d = fdopendir(fcntl(from, F_DUPFD_CLOEXEC, 3));
	if (!d)
		return -1;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(from, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			r = -1;
		else if (S_ISDIR(st.st_mode) && mkdirat(to, de->d_name, 0700) < 0)
			r = -1;
		else if (S_ISDIR(st.st_mode)) {
			AUTO_FD f = openat(from, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			AUTO_FD t = openat(to, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = f < 0 || t < 0 ? -1 : copy_tree(f, t, depth + 1);
		}
		if (r == 0)
			r = copy_entry(from, to, de->d_name, &st);
	}
	closedir(d);
	return r;
}

/* top: the new tmpfs (safe_reopen_mount), below: what it covers. */
static int copy_up(int top_path, int below, const char *dest, struct husk_err *e)
{
	AUTO_FD top = openat(top_path, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (top < 0 || fstat(below, &st) < 0 || copy_tree(below, top, 0) < 0)
		return err_sys(e, "tmpcopyup of %s", dest);
	/* the tmpfs's own root takes the covered directory's owner and mode */
	if (fchown(top, st.st_uid, st.st_gid) < 0 || fchmod(top, st.st_mode & 07777) < 0)
		return err_sys(e, "tmpcopyup of %s", dest);
	return 0;
}

/* A new filesystem instance on dest, with every flag in the mount(2) call
 * itself. *top (when asked for) gets the new mount, found again and checked.
 * proc and sysfs must land on a real directory: a symlink there (possibly
 * swapped in by a shared volume) could redirect them onto a path the
 * runtime later trusts (runc CVE-2019-19921). */
static int fresh(int rootfd, const struct mount_entry *m, const struct mopts *o, int *top,
		 struct husk_err *e)
{
	if (!m->type)
		return err_set(e, EINVAL, "mount on %s: no type given", m->destination);
	bool proc = !strcmp(m->type, "proc"), kernfs = proc || !strcmp(m->type, "sysfs");
	AUTO_FD target = safe_make_target(rootfd, m->destination, false,
					  kernfs ? RESOLVE_NO_SYMLINKS : 0, e);
	if (target < 0 || check_dest(rootfd, m->destination, target, proc, e) < 0)
		return -1;
	const char *src = m->source ? m->source : m->type;
	char p[32];
	/* tmpcopyup: what the tmpfs will cover, opened before it does */
	AUTO_FD below = o->copyup ? openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (o->copyup && below < 0)
		return err_sys(e, "tmpcopyup: open %s", m->destination);
	if (mount(src, safe_fdpath(p, target), m->type, fold_rec(o->flags, &o->rec),
		  o->data[0] ? o->data : NULL) < 0)
		return err_sys(e, "mount %s on %s", src, m->destination);
	if (fresh_propagation(rootfd, m->destination, target, o, e) < 0)
		return -1;
	if (!o->copyup && !top)
		return 0;
	AUTO_FD fd = safe_reopen_mount(rootfd, m->destination, target, e);
	if (fd < 0 || (o->copyup && copy_up(fd, below, m->destination, e) < 0))
		return -1;
	if (top)
		*top = take_fd(&fd);
	return 0;
}

static int mount_fresh(int rootfd, const struct mount_entry *m, const struct mopts *o,
		       struct husk_err *e)
{
	return fresh(rootfd, m, o, NULL, e);
}

/* "remount" changes a mount that an earlier entry made. */
static int mount_remount(int rootfd, const struct mount_entry *m, const struct mopts *o,
			 struct husk_err *e)
{
	AUTO_FD fd = safe_open(rootfd, m->destination, O_PATH, 0);
	if (fd < 0)
		return err_sys(e, "open %s", m->destination);
	if (check_dest(rootfd, m->destination, fd, on_procfs(NULL, fd), e) < 0)
		return -1;
	char p[32];
	if (mount(m->source, safe_fdpath(p, fd), m->type, o->flags, o->data[0] ? o->data : NULL) < 0)
		return err_sys(e, "remount %s", m->destination);
	/* a remount needs the mount's own root: fd is the mount itself */
	for (size_t i = 0; i < o->n_prop; i++)
		if (mount(NULL, p, NULL, o->prop[i], NULL) < 0)
			return err_sys(e, "set propagation of %s", m->destination);
	struct husk_mount_attr rec = o->rec;
	if ((rec.attr_set || rec.attr_clr) &&
	    sys_mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &rec) < 0)
		return err_sys(e, "mount_setattr %s", m->destination);
	return 0;
}

static bool has_cgroupns(const struct spec *s)
{
	for (size_t i = 0; i < s->linux.n_namespaces; i++)
		if (s->linux.namespaces[i].type == CLONE_NEWCGROUP)
			return true;
	return false;
}

/* The init's cgroup v2 path, from the "0::/path" line of /proc/self/cgroup. */
static int own_cgroup(char *buf, size_t len, struct husk_err *e)
{
	size_t n;
	AUTO_FREE char *text = read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 16, &n, e);
	if (!text)
		return -1;
	char *p = strncmp(text, "0::", 3) == 0 ? text : strstr(text, "\n0::");
	if (!p)
		return err_set(e, ENOENT, "/proc/self/cgroup: no cgroup v2 line");
	p += (*p == '\n') + 3;
	p[strcspn(p, "\n")] = '\0';
	if (snprintf(buf, len, "%s", p) >= (int)len)
		return err_set(e, ENAMETOOLONG, "/proc/self/cgroup: path too long");
	return 0;
}

/* cgroup2 at dest. In a cgroup namespace a new instance has the container's
 * cgroup as its root. Without one it would show the host's whole tree, so
 * bind the container's own directory from the host's mount (host) instead. */
static int cgroup2_view(const struct spec *s, int rootfd, char *dest, const char *host_point,
			const char *host_root, const struct mopts *o, struct husk_err *e)
{
	struct mopts v = *o;
	v.data[0] = '\0';
	v.idmap = 0;
	if (has_cgroupns(s)) {
		struct mount_entry m = {.destination = dest, .source = "cgroup2", .type = "cgroup2"};
		return mount_fresh(rootfd, &m, &v, e);
	}
	char own[PATH_MAX], src[PATH_MAX];
	if (own_cgroup(own, sizeof(own), e) < 0)
		return err_wrap(e, "mount cgroup on %s: ", dest);
	const char *rel = own;
	size_t rl = strlen(host_root);
	if (strcmp(host_root, "/") != 0 && path_under(own, host_root))
		rel = own + rl;
	if (snprintf(src, sizeof(src), "%s%s", host_point, rel) >= (int)sizeof(src))
		return err_set(e, ENAMETOOLONG, "mount cgroup on %s: source too long", dest);
	struct mount_entry m = {.destination = dest, .source = src};
	v.flags |= MS_BIND | MS_REC;
	return mount_bind(rootfd, &m, &v, 0, -1, e);
}

/* runc's default config mounts type "cgroup" on /sys/fs/cgroup. husk manages
 * cgroup v2 only, so the container sees v2 alone, laid out as on the host:
 * - v2 host (cgroup2 mounted on /sys/fs/cgroup): cgroup2 at dest;
 * - hybrid host (cgroup2 elsewhere, e.g. /sys/fs/cgroup/unified): a tmpfs at
 *   dest, cgroup2 at dest/unified;
 * - v1-only host: the tmpfs alone.
 * The v1 controller hierarchies are not shown (runc binds each of them).
 * The host's cgroup2 is the one visible at its mount point (cgroup2_mount):
 * one hidden by another mount counts as none. */
static int mount_cgroup(const struct spec *s, int rootfd, const struct mount_entry *m,
			const struct mopts *o, struct husk_err *e)
{
	char point[PATH_MAX], root[PATH_MAX], hidden[PATH_MAX];
	bool v2 = cgroup2_mount(point, sizeof(point), root, sizeof(root), hidden, sizeof(hidden)) == 0;
	if (!v2 && hidden[0])
		log_debug("mount cgroup on %s: the host's cgroup2 at %s is hidden by another mount: "
			  "no cgroup2 in the container", m->destination, hidden);
	if (v2 && !strcmp(point, "/sys/fs/cgroup"))
		return cgroup2_view(s, rootfd, m->destination, point, root, o, e);
	struct mount_entry tm = {.destination = m->destination, .source = "tmpfs", .type = "tmpfs"};
	struct mopts to = *o;
	to.flags &= ~(MS_RDONLY | MS_BIND | MS_REC); /* read-only once unified is in */
	snprintf(to.data, sizeof(to.data), "mode=755");
	to.n_prop = 0;
	to.rec = (struct husk_mount_attr){0};
	AUTO_FD top = -1;
	if (fresh(rootfd, &tm, &to, &top, e) < 0)
		return -1;
	char sub[PATH_MAX];
	if (snprintf(sub, sizeof(sub), "%s/unified", m->destination) >= (int)sizeof(sub))
		return err_set(e, ENAMETOOLONG, "mount cgroup on %s", m->destination);
	if (v2 && cgroup2_view(s, rootfd, sub, point, root, o, e) < 0)
		return -1;
	char p[32];
	for (size_t i = 0; i < o->n_prop; i++)
		if (mount(NULL, safe_fdpath(p, top), NULL, o->prop[i], NULL) < 0)
			return err_sys(e, "set propagation of %s", m->destination);
	if ((o->flags & MS_RDONLY) && safe_remount(top, o->flags, m->destination, e) < 0)
		return -1;
	struct husk_mount_attr rec = o->rec;
	if ((rec.attr_set || rec.attr_clr) &&
	    sys_mount_setattr(top, "", AT_EMPTY_PATH | AT_RECURSIVE, &rec) < 0)
		return err_sys(e, "mount_setattr %s", m->destination);
	return 0;
}

static int mount_one(const struct spec *s, int rootfd, size_t i, int sync, struct husk_err *e)
{
	const struct mount_entry *m = &s->mounts[i];
	struct mopts o;
	if (parse_options(m, &o, e) < 0)
		return -1;
	if (o.copyup && (!m->type || strcmp(m->type, "tmpfs") || (o.flags & (MS_BIND | MS_REMOUNT))))
		return err_set(e, 0, "mount on %s: tmpcopyup needs a new tmpfs", m->destination);
	if (o.flags & MS_REMOUNT)
		return mount_remount(rootfd, m, &o, e);
	if (o.flags & MS_BIND)
		return mount_bind(rootfd, m, &o, i, sync, e);
	if (m->type && !strcmp(m->type, "cgroup"))
		return mount_cgroup(s, rootfd, m, &o, e);
	const char *label = label_mount(s, m->type);
	size_t len = strlen(o.data);
	if (label && snprintf(o.data + len, sizeof(o.data) - len, "%scontext=\"%s\"", len ? "," : "", label) >=
			     (int)(sizeof(o.data) - len))
		return err_set(e, 0, "mount on %s: options and linux.mountLabel too long", m->destination);
	return mount_fresh(rootfd, m, &o, e);
}

/* ---- /dev ----------------------------------------------------------------- */

static const struct device_entry default_devices[] = {
	{.path = "/dev/null", .type = 'c', .major = 1, .minor = 3, .file_mode = 0666},
	{.path = "/dev/zero", .type = 'c', .major = 1, .minor = 5, .file_mode = 0666},
	{.path = "/dev/full", .type = 'c', .major = 1, .minor = 7, .file_mode = 0666},
	{.path = "/dev/random", .type = 'c', .major = 1, .minor = 8, .file_mode = 0666},
	{.path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9, .file_mode = 0666},
	{.path = "/dev/tty", .type = 'c', .major = 5, .minor = 0, .file_mode = 0666},
};

/* In a user namespace mknod fails with EPERM: bind the host's node (same
 * path on the host) onto an empty file instead, as runc does. */
static int bind_device(int dir, const char *base, const char *path, struct husk_err *e)
{
	struct stat st;
	if (mknodat(dir, base, S_IFREG, 0) < 0 && errno != EEXIST)
		return err_sys(e, "create %s", path);
	AUTO_FD fd = openat(dir, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open %s", path);
	if (fstat(fd, &st) < 0)
		return err_sys(e, "stat %s", path);
	if (!S_ISREG(st.st_mode))
		return 0; /* the image has its own node there, or a symlink: leave it */
	char p[32];
	if (mount(path, safe_fdpath(p, fd), NULL, MS_BIND, NULL) < 0)
		return err_sys(e, "mount %s on %s", path, path);
	return 0;
}

/* A node that exists already is left as it is (as runc does). Most nodes
 * are right in /dev, whose fd the caller holds; the umask is 0 (fileMode
 * is exact). */
static int make_device(int rootfd, int devdir, const struct device_entry *d, struct husk_err *e)
{
	char buf[PATH_MAX];
	const char *base, *parent = path_split(d->path, buf, sizeof(buf), &base);
	if (!parent)
		return err_set(e, ENAMETOOLONG, "mknod %s", d->path);
	bool in_dev = path_eq(parent, "/dev");
	AUTO_FD own = in_dev ? -1 : safe_mkdirs(rootfd, parent, e);
	if (!in_dev && own < 0)
		return -1;
	int dir = in_dev ? devdir : own;
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	mode_t perm = d->file_mode == UNSET ? 0666 : (mode_t)d->file_mode & 07777;
	dev_t dev = d->type == 'p' ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
	int r = mknodat(dir, base, type | perm, dev);
	if (r < 0 && errno == EEXIST)
		return 0;
	if (r < 0 && errno == EPERM)
		return bind_device(dir, base, d->path, e);
	if (r < 0)
		return err_sys(e, "mknod %s", d->path);
	uid_t uid = d->uid == UNSET ? 0 : (uid_t)d->uid;
	gid_t gid = d->gid == UNSET ? 0 : (gid_t)d->gid;
	if ((uid || gid) && fchownat(dir, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "chown %s", d->path);
	return 0;
}

static bool has_mount_at(const struct spec *s, const char *dest)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (path_eq(s->mounts[i].destination, dest))
			return true;
	return false;
}

static int dev_symlink(int dev, const char *target, const char *name, struct husk_err *e)
{
	if (symlinkat(target, dev, name) < 0 && errno != EEXIST)
		return err_sys(e, "symlink /dev/%s", name);
	return 0;
}

/* The links of runtime-linux.md, runc's /dev/core, and /dev/ptmx. */
static int dev_links(const struct spec *s, int dev, struct husk_err *e)
{
	static const char *const links[][2] = {
		{"/proc/self/fd", "fd"},
		{"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"},
		{"/proc/self/fd/2", "stderr"},
	};
	for (size_t i = 0; i < LEN(links); i++)
		if (dev_symlink(dev, links[i][0], links[i][1], e) < 0)
			return -1;
	if (access("/proc/kcore", F_OK) == 0 && dev_symlink(dev, "/proc/kcore", "core", e) < 0)
		return -1;
	if (!has_mount_at(s, "/dev/pts"))
		return 0;
	/* The ptmx of the container's own devpts instance, never a host node. */
	if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
		return err_sys(e, "remove /dev/ptmx");
	return dev_symlink(dev, "pts/ptmx", "ptmx", e);
}

/* The config's devices first, then the default ones where the config did not
 * give them, then the links. /dev/console is an empty file for container.c
 * to bind the pty onto. */
static int populate_dev(const struct spec *s, int rootfd, struct husk_err *e)
{
	AUTO_FD dev = safe_mkdirs(rootfd, "/dev", e);
	if (dev < 0)
		return -1;
	mode_t old = umask(0);
	int r = 0;
	for (size_t i = 0; r == 0 && i < s->linux.n_devices; i++)
		r = make_device(rootfd, dev, &s->linux.devices[i], e);
	for (size_t i = 0; r == 0 && i < LEN(default_devices); i++)
		r = make_device(rootfd, dev, &default_devices[i], e);
	umask(old);
	if (r < 0 || dev_links(s, dev, e) < 0)
		return -1;
	if (s->process.terminal && mknodat(dev, "console", S_IFREG, 0) < 0 && errno != EEXIST)
		return err_sys(e, "create /dev/console");
	return 0;
}

/* runc's rule: /dev is populated unless the config binds it from the host
 * (then the host's nodes are there already). Without a /dev mount the nodes
 * go into the image's /dev, as with runc. */
static bool dev_from_host(const struct spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (path_eq(s->mounts[i].destination, "/dev") && is_bind(&s->mounts[i]))
			return true;
	return false;
}

/* ---- prepare -------------------------------------------------------------- */

/* pivot_root and MS_MOVE refuse a root whose parent mount is shared, and a
 * shared parent would carry the container's mounts to the host: make the
 * mount that holds the rootfs private (only needed when the config asked
 * for shared propagation of /). */
static int private_parent(const char *rootfs, struct husk_err *e)
{
	__attribute__((cleanup(mnt_table_free))) struct mnt_table t = {0};
	char real[PATH_MAX];
	if (!realpath(rootfs, real))
		return err_sys(e, "realpath %s", rootfs);
	if (mnt_table_read(&t, e) < 0)
		return -1;
	const struct mnt *best = NULL;
	for (size_t i = 0; i < t.n; i++)
		if (path_under(real, t.v[i].point) &&
		    (!best || strlen(t.v[i].point) >= strlen(best->point)))
			best = &t.v[i];
	if (best && best->shared && mount(NULL, best->point, NULL, MS_PRIVATE, NULL) < 0)
		return err_sys(e, "make %s private", best->point);
	return 0;
}

int mount_prepare_rootfs(const struct spec *s, const char *rootfs, int sync, struct husk_err *e)
{
	/* runc's default is rslave: host mounts still reach the container, and
	 * nothing mounted here goes back to the host. */
	unsigned long prop = s->linux.rootfs_propagation;
	/* "unbindable" belongs to the container's own root (set once it is
	 * entered): here it would make the rootfs's bind onto itself fail. */
	if (!prop || (prop & MS_UNBINDABLE))
		prop = MS_SLAVE | MS_REC;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return err_sys(e, "set propagation of /");
	if ((prop & MS_SHARED) && private_parent(rootfs, e) < 0)
		return -1;
	/* pivot_root needs the new root to be a mount point. */
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(e, "mount %s on itself", rootfs);
	AUTO_FD rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_sys(e, "open %s", rootfs);
	for (size_t i = 0; i < s->n_mounts; i++)
		if (mount_one(s, rootfd, i, sync, e) < 0)
			return -1;
	if (dev_from_host(s)) {
		log_debug("/dev is bound from the host: not populating it");
		return 0;
	}
	return populate_dev(s, rootfd, e);
}

/* ---- enter ---------------------------------------------------------------- */

/* pivot_root(".", ".") stacks the old root on top of the new one; with the
 * cwd moved to the old root, umount2(".") drops it: no put_old directory.
 * Returns 1 when pivot_root says EINVAL (the root is the initramfs). */
static int pivot(const char *rootfs, struct husk_err *e)
{
	AUTO_FD old = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (old < 0)
		return err_sys(e, "open /");
	AUTO_FD new = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (new < 0)
		return err_sys(e, "open %s", rootfs);
	if (fchdir(new) < 0)
		return err_sys(e, "chdir %s", rootfs);
	if (sys_pivot_root(".", ".") < 0)
		return errno == EINVAL ? 1 : err_sys(e, "pivot_root %s", rootfs);
	if (fchdir(old) < 0)
		return err_sys(e, "chdir to the old root");
	/* With a shared old root the unmount would propagate to the host. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return err_sys(e, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return err_sys(e, "unmount the old root");
	if (chdir("/") < 0)
		return err_sys(e, "chdir /");
	return 0;
}

static int deeper_first(const void *a, const void *b)
{
	size_t la = strlen(((const struct mnt *)a)->point);
	size_t lb = strlen(((const struct mnt *)b)->point);
	return la < lb ? 1 : la > lb ? -1 : 0;
}

/* A mount a user namespace locked to its parent cannot be detached (EINVAL):
 * cover it with an empty read-only tmpfs instead. ENOENT: already gone. */
static int hide_mount(const char *point, struct husk_err *e)
{
	if (umount2(point, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 || errno == ENOENT)
		return 0;
	if (errno != EINVAL)
		return err_sys(e, "unmount %s", point);
	if (mount("tmpfs", point, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0 ||
	    errno == ENOENT)
		return 0;
	return err_sys(e, "mount tmpfs on %s", point);
}

/* An unmount propagates to the peers of the parent mount: with a shared /
 * (rootfsPropagation "rshared") hiding would unmount the host's /dev/shm.
 * So first make the mounts outside the rootfs slaves: those to hide with
 * their whole subtree (MS_REC reaches mounts covered at the same point),
 * the ancestors alone, so the rootfs keeps what the config asked for. */
static int enslave_outside(const struct mnt_table *t, const char *rootfs, struct husk_err *e)
{
	for (size_t i = 0; i < t->n; i++) {
		const char *point = t->v[i].point;
		if (path_under(point, rootfs))
			continue;
		unsigned long rec = path_under(rootfs, point) ? 0 : MS_REC;
		if (mount(NULL, point, NULL, MS_SLAVE | rec, NULL) < 0 && errno != ENOENT)
			return err_sys(e, "make %s a slave", point);
	}
	return 0;
}

/* Keep the rootfs, what is below it, and the mounts that hold it. */
static int hide_host_mounts(const char *rootfs, struct husk_err *e)
{
	__attribute__((cleanup(mnt_table_free))) struct mnt_table t = {0};
	if (mnt_table_read(&t, e) < 0)
		return -1;
	if (enslave_outside(&t, rootfs, e) < 0)
		return -1;
	qsort(t.v, t.n, sizeof(*t.v), deeper_first);
	for (size_t i = 0; i < t.n; i++) {
		const char *point = t.v[i].point;
		if (path_under(point, rootfs) || path_under(rootfs, point))
			continue;
		if (hide_mount(point, e) < 0)
			return -1;
	}
	return 0;
}

/* Without pivot_root: MS_MOVE the rootfs onto / and chroot into it. A chroot
 * is no mount boundary: a process with CAP_SYS_CHROOT can chroot into a
 * subdirectory and walk ".." up to the real root of the mount namespace,
 * where every host mount of the namespace still hangs (a writable host
 * /proc or /sys is an escape). So detach them all first; what remains
 * reachable is the rootfs, its own mounts, and the mounts that hold it. */
static int move_root(const char *rootfs, struct husk_err *e)
{
	char real[PATH_MAX];
	if (!realpath(rootfs, real))
		return err_sys(e, "realpath %s", rootfs);
	if (hide_host_mounts(real, e) < 0)
		return -1;
	if (chdir(real) < 0)
		return err_sys(e, "chdir %s", real);
	if (mount(real, "/", NULL, MS_MOVE, NULL) < 0)
		return err_sys(e, "move %s onto /", real);
	if (chroot(".") < 0)
		return err_sys(e, "chroot %s", real);
	if (chdir("/") < 0)
		return err_sys(e, "chdir /");
	return 0;
}

static int enter_root(const char *rootfs, bool no_pivot, struct husk_err *e)
{
	if (!no_pivot) {
		int r = pivot(rootfs, e);
		if (r == 0)
			log_debug("pivot_root into %s", rootfs);
		if (r <= 0)
			return r;
		/* The initramfs (rootfs) cannot be pivoted away: runc and crun
		 * stop here; husk moves the rootfs over it instead. */
		log_debug("pivot_root %s: EINVAL, / is likely the initramfs", rootfs);
	}
	if (move_root(rootfs, e) < 0)
		return -1;
	log_debug("moved %s onto / and chrooted, host mounts detached", rootfs);
	return 0;
}

int mount_enter_rootfs(const struct spec *s, const char *rootfs, bool no_pivot,
		       struct husk_err *e)
{
	if (enter_root(rootfs, no_pivot, e) < 0)
		return -1;
	/* rootfsPropagation applies to the container's own "/", which exists
	 * only now; set before, a shared root would have reached the host. */
	unsigned long prop = s->linux.rootfs_propagation;
	if (prop && mount(NULL, "/", NULL, prop, NULL) < 0)
		return err_sys(e, "set propagation of / (linux.rootfsPropagation)");
	return 0;
}

/* ---- finish --------------------------------------------------------------- */

/* Masking binds /dev/null over a file. The container could have swapped its
 * /dev/null for a symlink to a procfs file, turning the mask into a bind of
 * that file (CVE-2025-31133): insist on the real null device. */
static int open_null(int root, struct husk_err *e)
{
	struct stat st;
	int fd = safe_open(root, "/dev/null", O_PATH, RESOLVE_NO_SYMLINKS);
	if (fd < 0)
		return err_sys(e, "open /dev/null");
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		return fd;
	close(fd);
	return err_set(e, 0, "/dev/null is not the null device 1:3, refusing to mask with it");
}

/* Files get /dev/null, directories an empty read-only tmpfs. */
static int mask_path(int root, int null, const char *path, struct husk_err *e)
{
	struct stat st;
	AUTO_FD fd = safe_open(root, path, O_PATH, 0);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return err_sys(e, "open %s", path);
	if (fstat(fd, &st) < 0)
		return err_sys(e, "stat %s", path);
	char p[32], q[32];
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", safe_fdpath(p, fd), "tmpfs",
			  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return err_sys(e, "mount tmpfs on %s", path);
		return 0;
	}
	if (mount(safe_fdpath(q, null), safe_fdpath(p, fd), NULL, MS_BIND, NULL) < 0)
		return err_sys(e, "mount /dev/null on %s", path);
	return 0;
}

static int readonly_path(int root, const char *path, struct husk_err *e)
{
	AUTO_FD fd = safe_open(root, path, O_PATH, 0);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return err_sys(e, "open %s", path);
	/* The root itself: its mount is husk's own bind of the rootfs, made
	 * read-only as root.readonly would, its other flags kept (a bind on
	 * top of it would not be the process's root, and noexec there would
	 * leave nothing to run). */
	struct stat a, b;
	struct statvfs sv;
	if (fstat(fd, &a) == 0 && fstat(root, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino && fstatvfs(root, &sv) == 0)
		return safe_remount(root, MS_RDONLY | safe_kept_flags(sv.f_flag), path, e);
	/* a clone of what is there, read-only, nosuid, nodev and noexec
	 * before it covers it */
	struct safe_bind req = {.dest = path,
				.flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				.rec = true};
	return safe_bind(root, fd, path, fd, &req, e);
}

/* MS_BIND|MS_REMOUNT sets every per-mount flag at once: keep nosuid etc. */
static int remount_root_ro(struct husk_err *e)
{
	struct statvfs sv;
	if (statvfs("/", &sv) < 0)
		return err_sys(e, "statvfs /");
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | safe_kept_flags(sv.f_flag);
	if (mount(NULL, "/", NULL, flags, NULL) < 0)
		return err_sys(e, "remount / read-only");
	return 0;
}

/* Before the root changes: the paths resolve inside the rootfs (its /proc
 * is the container's own procfs, mounted by now), and the mounts land on
 * the fds they resolved to. */
int mount_protect_paths(const struct spec *s, const char *rootfs, struct husk_err *e)
{
	AUTO_FD root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_sys(e, "open %s", rootfs);
	const struct strv *ro = &s->linux.readonly_paths, *masked = &s->linux.masked_paths;
	for (size_t i = 0; i < ro->n; i++)
		if (readonly_path(root, ro->v[i], e) < 0)
			return -1;
	if (masked->n) {
		AUTO_FD null = open_null(root, e);
		if (null < 0)
			return -1;
		for (size_t i = 0; i < masked->n; i++)
			if (mask_path(root, null, masked->v[i], e) < 0)
				return -1;
	}
	return 0;
}

/* After the root changed: root.readonly, on "/" itself (no /proc path). */
int mount_finish_rootfs(const struct spec *s, struct husk_err *e)
{
	if (s->root_readonly && remount_root_ro(e) < 0)
		return -1;
	return 0;
}

/* `husk features`: every option word mount_one understands. */
void mount_features(FILE *f)
{
	const char *names[LEN(flag_words) + LEN(prop_words) + LEN(rec_words) + 4];
	size_t n = 0;
	names[n++] = "tmpcopyup";
	for (size_t i = 0; i < LEN(flag_words); i++)
		names[n++] = flag_words[i].name;
	for (size_t i = 0; i < LEN(prop_words); i++)
		names[n++] = prop_words[i].name;
	/* the recursive words and idmapped mounts need mount_setattr (Linux 5.12) */
	bool setattr = idmap_supported();
	for (size_t i = 0; setattr && i < LEN(rec_words); i++)
		names[n++] = rec_words[i].name;
	if (setattr) {
		names[n++] = "idmap";
		names[n++] = "ridmap";
	}
	names[n] = NULL;
	json_put_names(f, "mountOptions", names, NULL);
}
