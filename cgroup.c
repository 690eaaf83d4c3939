/* cgroup.c: cgroup v2 only. Placement, kill, removal.
 *
 * Where: linux.cgroupsPath absolute = below the cgroup2 mount's root;
 * relative = below husk's own cgroup; absent = /husk/<id>. The mount is
 * found in /proc/self/mountinfo, so /sys/fs/cgroup/unified on a hybrid host
 * works as well as /sys/fs/cgroup on a pure v2 one.
 *
 * Limits (cgroup_apply) follow runc's cgroup v2 driver (libcontainer/cgroups
 * fs2): the same v1-to-v2 conversions, 0 meaning "not set" where runc's
 * numToStr says so, -1 meaning "max", files written in runc's order (pids,
 * memory, io, cpu, cpuset, hugetlb, rdma, unified last so it can override).
 * Controllers: only those the limits need are enabled, in every
 * cgroup.subtree_control from the mount's root down to the container's
 * parent; a limit whose controller is not available is refused, never
 * dropped. Ignored as runc ignores them on v2, with a --debug line:
 * memory.kernel, kernelTCP, swappiness, disableOOMKiller, useHierarchy,
 * blockIO.leafWeight. Refused: cpu.realtime* (no v2 equivalent),
 * linux.resources.network (spec_check_supported: v1 only).
 * linux.resources.devices: an eBPF program (devices.c). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "husk.h"
#include "safepath.h"

/* Does a line from next on mount something at point (field 5, as
 * mountinfo escapes it)? The last mount at a point is the one visible
 * there; the lines come in the order the mounts were made. */
static bool covered_later(const char *next, const char *point)
{
	char mnt[4096];
	for (const char *l = next; *l; l += strcspn(l, "\n"), l += *l == '\n') {
		if (field(l, 4, mnt, sizeof(mnt)) == 0 && !strcmp(mnt, point))
			return true;
	}
	return false;
}

/* The cgroup2 mount visible at its mount point: a cgroup2 line of
 * /proc/self/mountinfo (the filesystem type follows " - ") that no later
 * line mounts over, and whose point statfs() still sees as a cgroup2. A
 * mount in mountinfo can be hidden: a tmpfs mounted on it or on a parent
 * (as a wrapper's private namespace does), or a cgroup v1 hierarchy. Then
 * husk behaves as where no cgroup2 is mounted. point and root (field 4,
 * the directory of the hierarchy at that point) out; hidden, when not
 * NULL, gets the point of a hidden one (for a --debug line). */
int cgroup2_mount(char *point, size_t plen, char *root, size_t rlen, char *hidden, size_t hlen)
{
	struct husk_err e;
	if (hidden && hlen)
		hidden[0] = '\0';
	AUTO_FREE char *text = read_file_at(AT_FDCWD, "/proc/self/mountinfo", 16 << 20, NULL, &e);
	if (!text)
		return -1;
	for (char *l = text, *end; *l; l = end + (*end == '\n')) {
		char mnt[4096], dir[4096], fstype[64];
		struct statfs sf;
		end = l + strcspn(l, "\n");
		char *sep = strstr(l, " - ");
		if (!sep || sep > end || field(sep + 3, 0, fstype, sizeof(fstype)) < 0 ||
		    strcmp(fstype, "cgroup2") || field(l, 4, mnt, sizeof(mnt)) < 0 ||
		    field(l, 3, dir, sizeof(dir)) < 0)
			continue;
		bool covered = covered_later(end + (*end == '\n'), mnt);
		path_unescape(mnt);
		path_unescape(dir);
		if (covered || statfs(mnt, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC) {
			if (hidden && hlen && !hidden[0])
				snprintf(hidden, hlen, "%s", mnt);
			continue;
		}
		snprintf(point, plen, "%s", mnt);
		if (root)
			snprintf(root, rlen, "%s", dir);
		return 0;
	}
	return -1;
}

/* The cgroup2 mount point: /sys/fs/cgroup on a pure v2 system (one statfs:
 * it sees what is visible there), else cgroup2_mount's. */
static int find_cgroup2_mount(char *out, size_t len)
{
	struct statfs sf;
	if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
		snprintf(out, len, "/sys/fs/cgroup");
		return 0;
	}
	char hidden[4096];
	int r = cgroup2_mount(out, len, NULL, 0, hidden, sizeof(hidden));
	if (r < 0 && hidden[0])
		log_debug("cgroup2 at %s is hidden (another filesystem is mounted over it): husk "
			  "goes on as where no cgroup v2 is mounted", hidden);
	return r;
}

int cgroup_mount(char *out, size_t len)
{
	return find_cgroup2_mount(out, len);
}

/* husk's own cgroup: the "0::" line of /proc/self/cgroup. */
static int own_cgroup(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -1;
	char line[4096];
	int found = -1;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(out, len, "%s", line + 3);
		found = 0;
	}
	fclose(f);
	return found;
}

/* mnt: the cgroup2 mount point (find_cgroup2_mount). */
static int cgroup_path(const struct spec *s, const char *mnt, const char *id, char *out, size_t len,
		       struct husk_err *e)
{
	char self[4096] = "/";
	const char *cp = s->linux.cgroups_path;
	if (cp && strstr(cp, ".."))
		return err_set(e, 0, "linux.cgroupsPath \"%s\": must not contain \"..\"", cp);
	if (cp && strchr(cp, ':'))
		return err_set(e, 0, "linux.cgroupsPath \"%s\": a systemd path (slice:prefix:name) "
				     "needs --systemd-cgroup", cp);
	/* The root holds every process of the host: delete would kill them all. */
	if (cp && cp[0] == '/' && !cp[strspn(cp, "/")])
		return err_set(e, 0, "linux.cgroupsPath \"%s\": the root of the cgroup2 hierarchy "
				     "cannot be a container's cgroup", cp);
	if (!cp || !*cp)
		snprintf(out, len, "%s/husk/%s", mnt, id);
	else if (cp[0] == '/')
		snprintf(out, len, "%s%s", mnt, cp);
	else if (own_cgroup(self, sizeof(self)) == 0)
		snprintf(out, len, "%s%s/%s", mnt, strcmp(self, "/") ? self : "", cp);
	else
		return err_set(e, 0, "cannot read husk's own cgroup from /proc/self/cgroup");
	return 0;
}

/* mkdir -p, remembering the topmost directory that did not exist, so that
 * delete removes what husk made and nothing else. */
static int make_dirs(char *path, size_t root_len, char *top, size_t top_len, struct husk_err *e)
{
	top[0] = '\0';
	for (char *p = path + root_len + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(path, 0755) == 0) {
			if (!top[0])
				snprintf(top, top_len, "%s", path);
		} else if (errno != EEXIST) {
			err_sys(e, "mkdir cgroup %s", path);
			*p = saved;
			return -1;
		}
		*p = saved;
		if (!saved)
			return 0;
	}
}

/* A cgroupsPath may name a cgroup that exists already. Joining one that
 * holds processes (a host service's) would put the container beside them,
 * and delete --force would kill them; in a frozen one the init would hang.
 * runc 1.2 refuses both. cgroup.events says it for the whole subtree
 * (populated) and for frozen ancestors too (frozen). */
static int check_joinable(int dfd, const char *path, struct husk_err *e)
{
	AUTO_FREE char *ev = read_file_at(dfd, "cgroup.events", 4096, NULL, e);
	if (!ev)
		return err_wrap(e, "cgroup %s: ", path);
	if (cgroup_keyed(ev, "populated"))
		return err_set(e, 0, "cgroup %s already holds processes: refusing to create a "
				     "container in it", path);
	char fz = '0';
	AUTO_FD ffd = openat(dfd, "cgroup.freeze", O_RDONLY | O_CLOEXEC); /* absent before 5.2 */
	if (cgroup_keyed(ev, "frozen") || (ffd >= 0 && read(ffd, &fz, 1) == 1 && fz == '1'))
		return err_set(e, 0, "cgroup %s is frozen: refusing to create a container in it", path);
	return 0;
}

int cgroup_create(const struct spec *s, const char *id, char *path, size_t len, char *top,
		  size_t top_len, struct husk_err *e)
{
	char mnt[4096];
	top[0] = '\0';
	if (find_cgroup2_mount(mnt, sizeof(mnt)) < 0)
		return -2;
	int r = cgroup_path(s, mnt, id, path, len, e);
	if (r == 0)
		r = make_dirs(path, strlen(mnt), top, top_len, e);
	AUTO_FD fd = r < 0 ? -1 : open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r == 0)
		r = fd < 0 ? err_sys(e, "open cgroup %s", path) : check_joinable(fd, path, e);
	if (r < 0) {
		/* undo only what husk made: a cgroup that was there stays as it was
		 * (its fd closed first: the failure may have been EMFILE) */
		if (fd >= 0)
			close(take_fd(&fd));
		if (top[0])
			cgroup_remove(path, top, &(struct husk_err){0});
		path[0] = top[0] = '\0';
		return -1;
	}
	return take_fd(&fd);
}

int cgroup_enter(int cgroup_fd, pid_t pid, struct husk_err *e)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (write_file_at(cgroup_fd, "cgroup.procs", buf, (size_t)n, e) == 0)
		return 0;
	if (e->errnum == EOPNOTSUPP) /* the kernel's "domain invalid" */
		return err_wrap(e, "the container's cgroup cannot hold processes (its parent holds "
				   "processes and has controllers on: cgroup v2's no-internal-process "
				   "rule): ");
	return -1;
}

/* Every pid of the cgroup at dfd and of its descendants, appended to *v. */
struct pidv {
	pid_t *v;
	size_t n, cap;
};

static int collect_pids(int dfd, const char *path, struct pidv *v, struct husk_err *e)
{
	AUTO_FREE char *procs = read_file_at(dfd, "cgroup.procs", 16 << 20, NULL, e);
	if (!procs)
		return err_wrap(e, "cgroup %s: ", path);
	for (char *p = procs, *end; *p; p = end + (*end == '\n')) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (v->n == v->cap) {
			size_t cap = v->cap ? v->cap * 2 : 64;
			pid_t *nv = realloc(v->v, cap * sizeof(*nv));
			if (!nv)
				return err_sys(e, "cgroup %s: allocate", path);
			v->v = nv, v->cap = cap;
		}
		v->v[v->n++] = (pid_t)pid;
	}
	DIR *d = fdopendir(dup(dfd));
	if (!d)
		return err_sys(e, "cgroup %s: opendir", path);
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		AUTO_FD sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub >= 0)
			r = collect_pids(sub, path, v, e);
	}
	closedir(d);
	return r;
}

int cgroup_pids(const char *path, pid_t **out, size_t *n, struct husk_err *e)
{
	struct pidv v = {0};
	AUTO_FD dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, "open cgroup %s", path);
	if (collect_pids(dfd, path, &v, e) < 0) {
		free(v.v);
		return -1;
	}
	*out = v.v;
	*n = v.n;
	return 0;
}

/* cgroup.kill (Linux 5.14) kills everything at once, also processes forked
 * meanwhile, in the whole subtree. Otherwise: freeze, signal every process
 * of the subtree, thaw (a frozen cgroup cannot fork behind our back). A
 * paused container is thawed after SIGKILL so that nothing waits on it.
 * Not cgroup.kill in a cgroup that outlives the container (made is false:
 * it existed before create): Linux 6.18 then SIGKILLs every child later
 * born into it by clone3(CLONE_INTO_CGROUP) (its kill_seq no longer
 * matches), so the next container there would die at birth. */
int cgroup_kill_all(const char *path, int sig, bool made, struct husk_err *e)
{
	if (cgroup_check_recorded(path, e) < 0)
		return -1;
	AUTO_FD dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : err_sys(e, "open cgroup %s", path);
	if (made && sig == SIGKILL && write_file_at(dfd, "cgroup.kill", "1", 1, e) == 0) {
		write_file_at(dfd, "cgroup.freeze", "0", 1, e);
		return 0;
	}
	bool frozen = sig == SIGKILL && write_file_at(dfd, "cgroup.freeze", "1", 1, e) == 0;
	struct pidv v = {0};
	int r = collect_pids(dfd, path, &v, e);
	for (size_t i = 0; r == 0 && i < v.n; i++)
		if (v.v[i] > 0 && kill(v.v[i], sig) < 0 && errno != ESRCH)
			r = err_sys(e, "kill %d", (int)v.v[i]);
	free(v.v);
	if (frozen)
		write_file_at(dfd, "cgroup.freeze", "0", 1, e);
	return r;
}

/* rmdir fails with EBUSY while the last processes are still being torn down
 * (they leave the cgroup only once fully reaped): retry briefly. */
static int rmdir_retry(const char *path)
{
	struct timespec ts = {0, 1000000};
	for (int i = 0; i < 1000; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		nanosleep(&ts, NULL);
	}
	return -1;
}

static int remove_tree(const char *path);

/* The child cgroups the container made in its cgroup (cgroupns). */
static int remove_children(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	struct dirent *de;
	char sub[4096];
	int r = 0;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) < sizeof(sub) &&
		    remove_tree(sub) < 0)
			r = -1;
	}
	closedir(d);
	return r;
}

/* The cgroup and its child cgroups. */
static int remove_tree(const char *path)
{
	remove_children(path);
	return rmdir_retry(path);
}

/* The parents husk created, up to and including top, if now empty. */
static void remove_parents(const char *path, const char *top)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s", path);
	size_t tl = strlen(top);
	for (char *slash; tl && strlen(p) > tl && (slash = strrchr(p, '/'));) {
		*slash = '\0';
		if (strlen(p) < tl || rmdir(p) < 0)
			break;
	}
}

/* A cgroup kept at delete: the child cgroups the container made go, and so
 * does husk's device program. */
static int keep_cleaned(const char *path, struct husk_err *e)
{
	if (remove_children(path) < 0)
		return err_sys(e, "remove the cgroups in %s", path);
	AUTO_FD dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : err_sys(e, "open cgroup %s", path);
	return devices_detach(dfd, path, e);
}

/* top "" means husk made no dir: the cgroup existed before create (an
 * empty one, see check_joinable), and it stays; only the child cgroups the
 * container made in it go. */
int cgroup_remove(const char *path, const char *top, struct husk_err *e)
{
	if (!path[0])
		return 0;
	if (cgroup_check_recorded(path, e) < 0)
		return -1;
	if (!top[0])
		return keep_cleaned(path, e);
	if (remove_tree(path) < 0)
		return err_sys(e, "remove cgroup %s", path);
	remove_parents(path, top);
	return 0;
}

/* One rmdir when nothing is left in the cgroup (the common end of a run):
 * 0 if it is gone, -1 if it still holds processes or child cgroups, or is
 * not husk's to remove (then cgroup_kill_all and cgroup_remove decide). */
int cgroup_remove_if_empty(const char *path, const char *top)
{
	struct husk_err e;
	if (path[0] && (!top[0] || cgroup_check_recorded(path, &e) < 0))
		return -1;
	if (path[0] && rmdir(path) < 0 && errno != ENOENT)
		return -1;
	remove_parents(path, top);
	return 0;
}

/* True when no component of path is "." or "..". */
static bool plain_path(const char *path)
{
	for (const char *p = path; (p = strstr(p, "/.")); p++)
		if (p[2] == '/' || !p[2] || (p[2] == '.' && (p[3] == '/' || !p[3])))
			return false;
	return true;
}

/* A cgroup path read back from state.json, before husk kills or removes
 * anything in it: husk records only paths below the cgroup2 mount, never
 * its root (which holds every process of the host), without "." or "..".
 * Anything else is not what husk wrote. A path that does not exist is
 * fine: there is nothing to kill or remove. */
int cgroup_check_recorded(const char *path, struct husk_err *e)
{
	char mnt[4096];
	struct stat sb;
	if (!path[0] || (lstat(path, &sb) < 0 && errno == ENOENT))
		return 0;
	if (find_cgroup2_mount(mnt, sizeof(mnt)) < 0)
		return err_set(e, 0, "cgroup %s: no cgroup v2 is mounted: refusing to kill or remove "
				     "anything in it", path);
	size_t n = strlen(mnt);
	if (strncmp(path, mnt, n) || path[n] != '/' || !path[n + strspn(path + n, "/")] ||
	    !plain_path(path + n))
		return err_set(e, 0, "cgroup %s: not a cgroup below the cgroup2 mount %s: refusing "
				     "to kill or remove anything in it", path, mnt);
	return 0;
}

bool cgroup_available(void)
{
	char mnt[4096];
	return find_cgroup2_mount(mnt, sizeof(mnt)) == 0;
}

/* ---- limits --------------------------------------------------------------- */

/* A field of linux.resources that asks for a controller. */
struct need {
	const char *ctrl; /* "memory", ... */
	const char *field; /* "linux.resources.memory.limit" */
};

#define MAX_NEEDS 64

static bool set(int64_t v)
{
	return v != UNSET && v != 0; /* runc's numToStr: 0 is "not set" */
}

/* Which controllers r needs, each with the first field that needs it. */
static size_t needs_of(const struct resources *r, struct need *out)
{
	const struct need all[] = {
		{set(r->memory.limit) ? "memory" : NULL, "linux.resources.memory.limit"},
		{set(r->memory.reservation) ? "memory" : NULL, "linux.resources.memory.reservation"},
		{set(r->memory.swap) ? "memory" : NULL, "linux.resources.memory.swap"},
		{set(r->cpu.shares) ? "cpu" : NULL, "linux.resources.cpu.shares"},
		{set(r->cpu.quota) ? "cpu" : NULL, "linux.resources.cpu.quota"},
		{set(r->cpu.period) ? "cpu" : NULL, "linux.resources.cpu.period"},
		{r->cpu.burst != UNSET ? "cpu" : NULL, "linux.resources.cpu.burst"},
		{r->cpu.idle != UNSET ? "cpu" : NULL, "linux.resources.cpu.idle"},
		{r->cpu.cpus && *r->cpu.cpus ? "cpuset" : NULL, "linux.resources.cpu.cpus"},
		{r->cpu.mems && *r->cpu.mems ? "cpuset" : NULL, "linux.resources.cpu.mems"},
		{r->pids_limit != UNSET ? "pids" : NULL, "linux.resources.pids.limit"},
		{set(r->block_io.weight) ? "io" : NULL, "linux.resources.blockIO.weight"},
		{r->block_io.n_weight_devices ? "io" : NULL, "linux.resources.blockIO.weightDevice"},
		{r->block_io.read_bps.n ? "io" : NULL, "linux.resources.blockIO.throttleReadBpsDevice"},
		{r->block_io.write_bps.n ? "io" : NULL, "linux.resources.blockIO.throttleWriteBpsDevice"},
		{r->block_io.read_iops.n ? "io" : NULL, "linux.resources.blockIO.throttleReadIOPSDevice"},
		{r->block_io.write_iops.n ? "io" : NULL, "linux.resources.blockIO.throttleWriteIOPSDevice"},
		{r->n_hugepages ? "hugetlb" : NULL, "linux.resources.hugepageLimits"},
		{r->n_rdma ? "rdma" : NULL, "linux.resources.rdma"},
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i].ctrl)
			out[n++] = all[i];
	/* unified: "memory.high" needs memory; "cgroup.*" files need none */
	static char names[MAX_NEEDS][64];
	for (size_t i = 0; i < r->unified.n && n < MAX_NEEDS; i++) {
		const char *k = r->unified.v[i].key, *dot = strchr(k, '.');
		if (!dot || (size_t)(dot - k) >= sizeof(names[0]) || !strncmp(k, "cgroup.", 7))
			continue;
		snprintf(names[n], sizeof(names[n]), "%.*s", (int)(dot - k), k);
		out[n] = (struct need){names[n], "linux.resources.unified"};
		n++;
	}
	return n;
}

/* What needs no cgroup to check: refused before anything is written. */
static int check_fields(const struct resources *r, struct husk_err *e)
{
	if (set(r->cpu.realtime_runtime) || set(r->cpu.realtime_period))
		return err_set(e, 0, "linux.resources.cpu.%s: not supported on cgroup v2 (cpu.rt_* "
				     "exist only in cgroup v1)",
			       set(r->cpu.realtime_runtime) ? "realtimeRuntime" : "realtimePeriod");
	if (r->has_network)
		return err_set(e, 0, "linux.resources.network: not supported on cgroup v2 (net_cls "
				     "and net_prio exist only in cgroup v1)");
	for (size_t i = 0; i < r->unified.n; i++) {
		const char *k = r->unified.v[i].key;
		if (strchr(k, '/') || !strcmp(k, "..") || !strcmp(k, "."))
			return err_set(e, 0, "linux.resources.unified.%s: must be a file name (no \"/\")", k);
		if (!strchr(k, '.'))
			return err_set(e, 0, "linux.resources.unified.%s: must be CONTROLLER.PARAMETER", k);
	}
	const struct {
		bool on;
		const char *what;
	} ignored[] = {
		{set(r->memory.kernel), "memory.kernel"},
		{set(r->memory.kernel_tcp), "memory.kernelTCP"},
		{r->memory.swappiness != UNSET, "memory.swappiness"},
		{r->memory.bool_disable_oom_killer == 1, "memory.disableOOMKiller"},
		{r->memory.bool_use_hierarchy >= 0, "memory.useHierarchy"},
		{set(r->block_io.leaf_weight), "blockIO.leafWeight"},
	};
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (ignored[i].on)
			log_debug("linux.resources.%s: ignored on cgroup v2, as runc does", ignored[i].what);
	return 0;
}

static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '\n') && (!p[n] || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

/* Enable ctrl in dir's cgroup.subtree_control unless it is on already.
 * path is the container's cgroup, for the messages. */
static int enable_in(const char *dir, const char *path, const struct need *nd, bool root,
		     struct husk_err *e)
{
	AUTO_FD dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, "open cgroup %s", dir);
	AUTO_FREE char *on = read_file_at(dfd, "cgroup.subtree_control", 65536, NULL, e);
	if (!on)
		return err_wrap(e, "cgroup %s: ", dir);
	if (has_word(on, nd->ctrl))
		return 0;
	AUTO_FREE char *avail = read_file_at(dfd, "cgroup.controllers", 65536, NULL, e);
	if (!avail)
		return err_wrap(e, "cgroup %s: ", dir);
	if (!has_word(avail, nd->ctrl))
		return err_set(e, 0, "%s: the %s controller is not available in %s%s%s%s", nd->field,
			       nd->ctrl, path, root ? "" : " (not delegated to ", root ? "" : dir,
			       root ? "" : ")");
	char buf[72];
	int n = snprintf(buf, sizeof(buf), "+%s", nd->ctrl);
	if (write_file_at(dfd, "cgroup.subtree_control", buf, (size_t)n, e) == 0)
		return 0;
	if (e->errnum == EBUSY)
		return err_set(e, EBUSY, "%s: cannot enable the %s controller in %s: it holds processes, "
					 "and cgroup v2 enables controllers only below cgroups without "
					 "processes (pick a linux.cgroupsPath under an empty cgroup)",
			       nd->field, nd->ctrl, dir);
	return err_wrap(e, "%s: enable the %s controller in %s: ", nd->field, nd->ctrl, dir);
}

/* From the mount's root down to the container's parent. */
static int enable_controllers(const char *path, const struct need *nds, size_t n, struct husk_err *e)
{
	char mnt[4096], dir[4096];
	if (n == 0)
		return 0;
	if (find_cgroup2_mount(mnt, sizeof(mnt)) < 0)
		return err_set(e, 0, "no cgroup2 mount in /proc/self/mountinfo");
	size_t ml = strlen(mnt), pl = strlen(path);
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			dup |= !strcmp(nds[k].ctrl, nds[i].ctrl);
		for (size_t end = ml; !dup && end < pl; end++) {
			if (end != ml && path[end] != '/')
				continue;
			snprintf(dir, sizeof(dir), "%.*s", (int)end, path);
			if (enable_in(dir, path, &nds[i], end == ml, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* Write one value; errors name the field, the file and the cgroup. */
static int put(int dfd, const char *path, const char *field, const char *file, struct husk_err *e,
	       const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int put(int dfd, const char *path, const char *field, const char *file, struct husk_err *e,
	       const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (write_file_at(dfd, file, buf, (size_t)n, e) == 0)
		return 0;
	return err_set(e, e->errnum, "%s: write \"%s\" to %s/%s", field, buf, path, file);
}

static void num(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%" PRId64, v);
}

static int64_t read_max(int dfd, const char *file)
{
	struct husk_err e;
	AUTO_FREE char *s = read_file_at(dfd, file, 4096, NULL, &e);
	if (!s || !strncmp(s, "max", 3))
		return -1;
	return strtoll(s, NULL, 10);
}

/* runc's ConvertMemorySwapToCgroupV2Value: v1's swap is memory+swap. */
int cgroup_swap_v2(int64_t swap, int64_t mem, int64_t *out, struct husk_err *e)
{
	*out = swap;
	if (mem == -1 && swap == 0)
		*out = -1;
	if (swap == -1 || swap == 0)
		return 0;
	if (mem == 0 || mem == -1)
		return err_set(e, 0, "linux.resources.memory.swap: needs a memory limit");
	if (swap < mem)
		return err_set(e, 0, "linux.resources.memory.swap: %" PRId64 " is below memory.limit "
				     "%" PRId64 " (swap is memory+swap, as in cgroup v1)", swap, mem);
	*out = swap - mem;
	return 0;
}

static int set_memory(int dfd, const char *path, const struct resources *r, bool update,
		      struct husk_err *e)
{
	int64_t mem = set(r->memory.limit) ? r->memory.limit : 0, swap;
	int64_t res = set(r->memory.reservation) ? r->memory.reservation : 0;
	int64_t sw = set(r->memory.swap) ? r->memory.swap : 0;
	if (!mem && !res && !sw)
		return 0;
	if (update && r->memory.bool_check_before_update == 1 && mem > 0) {
		int64_t cur = read_max(dfd, "memory.current");
		if (cur > mem)
			return err_set(e, 0, "linux.resources.memory.limit: %" PRId64 " is below the "
					     "current usage %" PRId64 " (checkBeforeUpdate)", mem, cur);
	}
	/* update --memory-swap alone: convert against the limit in force */
	int64_t base = mem ? mem : sw > 0 ? read_max(dfd, "memory.max") : 0;
	if (cgroup_swap_v2(sw, base, &swap, e) < 0)
		return -1;
	char v[32];
	if (swap || sw > 0) {
		num(v, sizeof(v), swap);
		/* no swap accounting: "max" and "0" are what it is anyway (as runc) */
		if (faccessat(dfd, "memory.swap.max", F_OK, 0) == 0 || (swap != -1 && swap != 0)) {
			if (put(dfd, path, "linux.resources.memory.swap", "memory.swap.max", e, "%s", v) < 0)
				return -1;
		}
	}
	num(v, sizeof(v), mem);
	if (mem && put(dfd, path, "linux.resources.memory.limit", "memory.max", e, "%s", v) < 0)
		return -1;
	num(v, sizeof(v), res);
	if (res && put(dfd, path, "linux.resources.memory.reservation", "memory.low", e, "%s", v) < 0)
		return -1;
	return 0;
}

/* runc's ConvertCPUSharesToCgroupV2Value: [2, 262144] onto [1, 10000] */
uint64_t cgroup_cpu_weight(int64_t shares)
{
	uint64_t sh = (uint64_t)shares;
	sh = sh < 2 ? 2 : sh > 262144 ? 262144 : sh;
	return 1 + ((sh - 2) * 9999) / 262142;
}

static int set_cpu(int dfd, const char *path, const struct resources *r, struct husk_err *e)
{
	const char *F = "linux.resources.cpu.";
	char field[64];
	if (r->cpu.idle != UNSET &&
	    put(dfd, path, "linux.resources.cpu.idle", "cpu.idle", e, "%" PRId64, r->cpu.idle) < 0)
		return -1;
	if (set(r->cpu.shares)) {
		snprintf(field, sizeof(field), "%sshares", F);
		if (put(dfd, path, field, "cpu.weight", e, "%" PRIu64, cgroup_cpu_weight(r->cpu.shares)) < 0)
			return -1;
	}
	/* A larger burst can be refused until the new quota is in: retry after. */
	bool burst_later = false;
	if (r->cpu.burst != UNSET &&
	    put(dfd, path, "linux.resources.cpu.burst", "cpu.max.burst", e, "%" PRId64, r->cpu.burst) < 0) {
		if (e->errnum != EINVAL || !set(r->cpu.quota))
			return -1;
		burst_later = true;
	}
	if (set(r->cpu.quota) || set(r->cpu.period)) {
		char q[32] = "max", p[32] = "";
		if (set(r->cpu.quota) && r->cpu.quota > 0)
			snprintf(q, sizeof(q), "%" PRId64, r->cpu.quota);
		if (set(r->cpu.period))
			snprintf(p, sizeof(p), " %" PRId64, r->cpu.period);
		if (put(dfd, path, set(r->cpu.quota) ? "linux.resources.cpu.quota" : "linux.resources.cpu.period",
			"cpu.max", e, "%s%s", q, p) < 0)
			return -1;
	}
	if (burst_later &&
	    put(dfd, path, "linux.resources.cpu.burst", "cpu.max.burst", e, "%" PRId64, r->cpu.burst) < 0)
		return -1;
	if (r->cpu.cpus && *r->cpu.cpus &&
	    put(dfd, path, "linux.resources.cpu.cpus", "cpuset.cpus", e, "%s", r->cpu.cpus) < 0)
		return -1;
	if (r->cpu.mems && *r->cpu.mems &&
	    put(dfd, path, "linux.resources.cpu.mems", "cpuset.mems", e, "%s", r->cpu.mems) < 0)
		return -1;
	return 0;
}

static int set_pids(int dfd, const char *path, const struct resources *r, struct husk_err *e)
{
	char v[32];
	if (r->pids_limit == UNSET)
		return 0;
	/* runc >= 1.2: 0 and negative mean no limit */
	num(v, sizeof(v), r->pids_limit > 0 ? r->pids_limit : -1);
	return put(dfd, path, "linux.resources.pids.limit", "pids.max", e, "%s", v);
}

static int set_throttle(int dfd, const char *path, const struct throttle_list *l, const char *key,
			const char *field, struct husk_err *e)
{
	for (size_t i = 0; i < l->n; i++) {
		char v[32];
		num(v, sizeof(v), l->v[i].rate ? l->v[i].rate : -1);
		if (put(dfd, path, field, "io.max", e, "%" PRId64 ":%" PRId64 " %s=%s", l->v[i].major,
			l->v[i].minor, key, v) < 0)
			return -1;
	}
	return 0;
}

/* BFQ's io.bfq.weight takes the v1 weight as it is; io.weight needs runc's
 * ConvertBlkIOToIOWeightValue, [10, 1000] onto [1, 10000]. */
uint64_t cgroup_io_weight(int64_t w)
{
	return 1 + ((uint64_t)(w < 10 ? 10 : w) - 10) * 9999 / 990;
}

static int set_io(int dfd, const char *path, const struct resources *r, struct husk_err *e)
{
	const char *F = "linux.resources.blockIO.";
	char field[96];
	bool bfq = faccessat(dfd, "io.bfq.weight", F_OK, 0) == 0;
	const char *wfile = bfq ? "io.bfq.weight" : "io.weight";
	if (set(r->block_io.weight) &&
	    put(dfd, path, "linux.resources.blockIO.weight", wfile, e, "%" PRIu64,
		bfq ? (uint64_t)r->block_io.weight : cgroup_io_weight(r->block_io.weight)) < 0)
		return -1;
	for (size_t i = 0; i < r->block_io.n_weight_devices; i++) {
		const struct weight_device *d = &r->block_io.weight_devices[i];
		snprintf(field, sizeof(field), "%sweightDevice[%zu]", F, i);
		if (d->weight != UNSET &&
		    put(dfd, path, field, wfile, e, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
			bfq ? (uint64_t)d->weight : cgroup_io_weight(d->weight)) < 0)
			return -1;
	}
	return set_throttle(dfd, path, &r->block_io.read_bps, "rbps",
			    "linux.resources.blockIO.throttleReadBpsDevice", e) < 0 ||
			       set_throttle(dfd, path, &r->block_io.write_bps, "wbps",
					    "linux.resources.blockIO.throttleWriteBpsDevice", e) < 0 ||
			       set_throttle(dfd, path, &r->block_io.read_iops, "riops",
					    "linux.resources.blockIO.throttleReadIOPSDevice", e) < 0 ||
			       set_throttle(dfd, path, &r->block_io.write_iops, "wiops",
					    "linux.resources.blockIO.throttleWriteIOPSDevice", e) < 0
		       ? -1
		       : 0;
}

static int set_hugetlb_rdma(int dfd, const char *path, const struct resources *r, struct husk_err *e)
{
	char field[96], file[96], h[32], o[32];
	for (size_t i = 0; i < r->n_hugepages; i++) {
		const struct hugepage_limit *l = &r->hugepages[i];
		snprintf(field, sizeof(field), "linux.resources.hugepageLimits[%zu]", i);
		snprintf(file, sizeof(file), "hugetlb.%s.max", l->page_size);
		if (put(dfd, path, field, file, e, "%" PRIu64, l->limit) < 0)
			return -1;
		/* reservations too, where the kernel has them (5.11), as runc */
		snprintf(file, sizeof(file), "hugetlb.%s.rsvd.max", l->page_size);
		if (faccessat(dfd, file, F_OK, 0) == 0 && put(dfd, path, field, file, e, "%" PRIu64, l->limit) < 0)
			return -1;
	}
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct rdma_limit *l = &r->rdma[i];
		snprintf(field, sizeof(field), "linux.resources.rdma.%s", l->device);
		num(h, sizeof(h), l->hca_handles == UNSET ? -1 : l->hca_handles);
		num(o, sizeof(o), l->hca_objects == UNSET ? -1 : l->hca_objects);
		if (put(dfd, path, field, "rdma.max", e, "%s hca_handle=%s hca_object=%s", l->device, h, o) < 0)
			return -1;
	}
	return 0;
}

/* Each line on its own, as runc's WriteFileByLine (io.max takes one device
 * per write). */
static int set_unified(int dfd, const char *path, const struct resources *r, struct husk_err *e)
{
	char field[320];
	for (size_t i = 0; i < r->unified.n; i++) {
		const struct kv *kv = &r->unified.v[i];
		snprintf(field, sizeof(field), "linux.resources.unified.%s", kv->key);
		if (faccessat(dfd, kv->key, F_OK, 0) < 0)
			return err_set(e, 0, "%s: no such file in %s", field, path);
		for (const char *p = kv->value; *p || p == kv->value;) {
			size_t n = strcspn(p, "\n");
			if (put(dfd, path, field, kv->key, e, "%.*s", (int)n, p) < 0)
				return -1;
			p += n + (p[n] == '\n');
			if (!*p)
				break;
		}
	}
	return 0;
}

int cgroup_apply(int cgroup_fd, const char *path, const struct resources *r, bool update,
		 struct husk_err *e)
{
	struct need nds[MAX_NEEDS];
	size_t n = needs_of(r, nds);
	if (check_fields(r, e) < 0)
		return -1;
	if (cgroup_fd == -2) {
		if (n)
			return err_set(e, 0, "%s: no cgroup v2 is mounted, so husk cannot apply limits",
				       nds[0].field);
		/* The device rules exist only as a program attached to the cgroup:
		 * without one, the container would run with every device open to
		 * it (mknod and write /dev/kmsg, a disk). Refused, never skipped. */
		if (r->n_devices)
			return err_set(e, 0, "linux.resources.devices: cannot be enforced: no cgroup v2 "
					     "is mounted (husk refuses to run the container with its "
					     "devices unrestricted)");
		return 0;
	}
	if (enable_controllers(path, nds, n, e) < 0 || set_pids(cgroup_fd, path, r, e) < 0 ||
	    set_memory(cgroup_fd, path, r, update, e) < 0 || set_io(cgroup_fd, path, r, e) < 0 ||
	    set_cpu(cgroup_fd, path, r, e) < 0 || set_hugetlb_rdma(cgroup_fd, path, r, e) < 0 ||
	    set_unified(cgroup_fd, path, r, e) < 0)
		return -1;
	return 0;
}

/* ---- pause, resume ------------------------------------------------------- */

/* The kernel freezes asynchronously: cgroup.events says "frozen 1" once every
 * process has stopped (at most a few ms; give it 10 s). */
int cgroup_freeze(const char *path, bool frozen, struct husk_err *e)
{
	AUTO_FD dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, "open cgroup %s", path);
	if (write_file_at(dfd, "cgroup.freeze", frozen ? "1" : "0", 1, e) < 0)
		return err_wrap(e, "cgroup %s: ", path);
	const char *want = frozen ? "frozen 1" : "frozen 0";
	for (int i = 0; i < 10000; i++) {
		AUTO_FREE char *ev = read_file_at(dfd, "cgroup.events", 4096, NULL, e);
		if (!ev)
			return err_wrap(e, "cgroup %s: ", path);
		if (strstr(ev, want))
			return 0;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	return err_set(e, ETIMEDOUT, "cgroup %s: cgroup.events never said \"%s\"", path, want);
}

/* Where the container's cgroup is, from its config: what delete --force
 * of a create killed before its state.json was written has to go on. */
int cgroup_relative(const char *path, char *out, size_t len)
{
	char mnt[4096];
	size_t n;
	if (find_cgroup2_mount(mnt, sizeof(mnt)) < 0 || strncmp(path, mnt, n = strlen(mnt)) ||
	    path[n] != '/')
		return -1;
	return (size_t)snprintf(out, len, "%s", path + n) < len ? 0 : -1;
}

int cgroup_path_for(const struct spec *s, const char *id, char *out, size_t len)
{
	struct husk_err e;
	char mnt[4096];
	if (find_cgroup2_mount(mnt, sizeof(mnt)) < 0)
		return -2;
	return cgroup_path(s, mnt, id, out, len, &e);
}

/* exec --cgroup: sub, relative to the container's cgroup (a leading "/"
 * too, as runc joins it), cleaned; a ".." that would climb out of it is
 * refused (runc: "bad sub cgroup path"). Opened below cgfd without crossing
 * a mount or following a symlink: the container may arrange its own
 * sub-cgroups, never what lies beside them. */
int cgroup_open_sub(int cgfd, const char *cgpath, const char *sub, struct husk_err *e)
{
	char clean[4096] = "";
	size_t len = 0;
	for (const char *p = sub; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && !strncmp(p, "..", 2)) {
			if (!len)
				return err_set(e, 0, "exec: --cgroup %s: bad sub cgroup path (it leaves the "
						     "container's cgroup)", sub);
			while (len && clean[len - 1] != '/')
				len--;
			len -= len ? 1 : 0;
		} else if (n && !(n == 1 && *p == '.')) {
			if (len + n + 2 > sizeof(clean))
				return err_set(e, ENAMETOOLONG, "exec: --cgroup %s", sub);
			len += (size_t)snprintf(clean + len, sizeof(clean) - len, "%s%.*s", len ? "/" : "", (int)n, p);
		}
		p += n + strspn(p + n, "/");
	}
	clean[len] = '\0';
	int fd = safe_open(cgfd, len ? clean : ".", O_RDONLY | O_DIRECTORY,
			   RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS);
	if (fd < 0)
		return err_sys(e, "exec: --cgroup %s: open cgroup %s/%s", sub, cgpath, clean);
	return fd;
}
