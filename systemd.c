/* systemd.c: the systemd cgroup driver (--systemd-cgroup), as runc's.
 *
 * linux.cgroupsPath is "slice:prefix:name" ("" = system.slice, husk, the
 * id). husk asks systemd's manager over D-Bus (dbus.c) for a transient
 * scope, prefix-name.scope in the slice, with Delegate=yes and the limits
 * systemd knows as unit properties (so that systemd, which rewrites its
 * own cgroup attributes on every reload, keeps them), then writes the rest
 * of linux.resources to the scope's cgroup itself (cgroup.c), as it does
 * for a cgroupfs path. update sets the same properties again; delete stops
 * the scope.
 *
 * The order keeps husk's rule that the init is born in its cgroup with
 * every limit in force: a scope needs a process to exist, so a placeholder
 * (a child of husk that only waits) starts it; the limits are written; the
 * init is cloned into the scope; then the placeholder goes (systemd_release).
 * A husk killed on the way takes its placeholder with it (PDEATHSIG); the
 * init of a create that did not finish exits too, and systemd removes the
 * scope once it is empty.
 *
 * Nothing here runs without --systemd-cgroup: no connection, no cost. */
#include "husk.h"
#include "dbus.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef HUSK_NO_SYSTEMD
/* make SYSTEMD=0: a board's build without the driver (14 KB less on arm64); the
 * flag then says so. */
static int absent(struct husk_err *e)
{
	return err_set(e, 0, "--systemd-cgroup: this husk was built without the systemd driver "
			     "(make SYSTEMD=0)");
}

int systemd_create(const struct spec *s, const char *id, char *path, size_t len, char *unit,
		   size_t ulen, unsigned long long *ino, struct husk_err *e)
{
	(void)s, (void)id, (void)len, (void)ulen, (void)ino;
	path[0] = unit[0] = '\0';
	return absent(e);
}

void systemd_release(void)
{
}

int systemd_set(const char *unit, const char *path, unsigned long long ino,
		const struct resources *r, struct husk_err *e)
{
	(void)unit, (void)path, (void)ino, (void)r;
	return absent(e);
}

int systemd_stop(const char *unit, const char *path, unsigned long long ino, struct husk_err *e)
{
	(void)unit, (void)path, (void)ino;
	return absent(e);
}
#else

#define SD "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define PRIVATE "/run/systemd/private"
#define SYSTEM_BUS "/run/dbus/system_bus_socket"
/* runc waits 30 s for systemd's jobs */
#define JOB_MS 30000

/* One connection per husk process, opened at the first call. */
static struct dbus bus = {.fd = -1};
static pid_t holder = -1;

/* The JobRemoved signals seen so far (job object path, result). */
struct jobs {
	char path[8][96], result[8][24];
	unsigned n;
};

static void on_signal(const struct dbus_msg *m, void *arg)
{
	struct jobs *j = arg;
	if (!j || !m->member || strcmp(m->member, "JobRemoved") || !m->signature ||
	    strcmp(m->signature, "uoss"))
		return;
	struct drd r = {.p = m->body, .n = m->body_len};
	drd_u32(&r);
	const char *job = drd_str(&r);
	drd_str(&r);
	const char *result = drd_str(&r);
	if (!result)
		return;
	unsigned i = j->n++ % 8;
	snprintf(j->path[i], sizeof(j->path[i]), "%s", job);
	snprintf(j->result[i], sizeof(j->result[i]), "%s", result);
}

static int call(const char *member, const char *sig, const struct dbuf *body, struct dbus_msg *reply,
		struct jobs *j, struct husk_err *e)
{
	return dbus_call(&bus, SD, SD_PATH, SD_MANAGER, member, sig, body, reply, on_signal, j,
			 JOB_MS, e);
}

/* systemd's private socket (root, no bus daemon in between), else the
 * system bus; subscribed to the manager's signals either way, for the
 * JobRemoved that ends each job. */
static int connect_systemd(struct husk_err *e)
{
	if (bus.fd >= 0)
		return 0;
	struct husk_err e1, e2;
	struct dbuf match = {.n = 0};
	dbuf_str(&match, "type='signal',sender='" SD "',interface='" SD_MANAGER "',member='JobRemoved'");
	if (dbus_connect(&bus, PRIVATE, false, &e1) < 0 &&
	    (dbus_connect(&bus, SYSTEM_BUS, true, &e2) < 0 ||
	     dbus_call(&bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
		       "AddMatch", "s", &match, NULL, NULL, NULL, JOB_MS, &e2) < 0)) {
		log_debug("systemd: %s", e1.msg);
		log_debug("systemd: %s", e2.msg);
		dbus_close(&bus);
		return err_set(e, 0, "--systemd-cgroup: systemd is not reachable on " PRIVATE
				     " or the system bus");
	}
	if (call("Subscribe", NULL, NULL, NULL, NULL, e) < 0) {
		dbus_close(&bus);
		return err_wrap(e, "--systemd-cgroup: systemd: Subscribe: ");
	}
	return 0;
}

/* A call that queues a job (StartTransientUnit, StopUnit) answers with the
 * job's path; the job is done when its JobRemoved comes, which may have
 * come before the answer. */
static int run_job(const char *member, const char *sig, const struct dbuf *body, const char *unit,
		   struct husk_err *e)
{
	struct jobs j = {.n = 0};
	struct dbus_msg m;
	if (call(member, sig, body, &m, &j, e) < 0)
		return err_wrap(e, "systemd: %s %s: ", member, unit);
	struct drd r = {.p = m.body, .n = m.body_len};
	char job[96];
	const char *o = m.signature && !strcmp(m.signature, "o") ? drd_str(&r) : NULL;
	snprintf(job, sizeof(job), "%s", o ? o : "");
	free(m.raw);
	if (!job[0])
		return err_set(e, 0, "systemd: %s %s: no job in the answer", member, unit);
	for (;;) {
		for (unsigned i = 0; i < j.n && i < 8; i++)
			if (!strcmp(j.path[i], job))
				return strcmp(j.result[i], "done") ?
					       err_set(e, 0, "systemd: %s %s: the job ended \"%s\"",
						       member, unit, j.result[i]) : 0;
		if (dbus_read(&bus, &m, JOB_MS, e) < 0)
			return err_wrap(e, "systemd: %s %s: waiting for the job: ", member, unit);
		on_signal(&m, &j);
		free(m.raw);
	}
}

/* ---- names ------------------------------------------------------------------ */

/* Unit names are what systemd allows ([A-Za-z0-9:_.\-]), and never hold a
 * "/": a slice and a unit name become cgroup directory names below. */
static bool unit_chars(const char *s, size_t n)
{
	if (!n || n > 200)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.-\\", s[i]) ||
		    !s[i])
			return false;
	return true;
}

/* "a-b-c.slice" is the cgroup a.slice/a-b.slice/a-b-c.slice, as systemd
 * nests slices; "-.slice" is the root. */
static int expand_slice(const char *slice, char *out, size_t len, struct husk_err *e)
{
	size_t n = strlen(slice), k = 0;
	out[0] = '\0';
	if (n < 7 || strcmp(slice + n - 6, ".slice") || !unit_chars(slice, n))
		return err_set(e, 0, "linux.cgroupsPath: \"%s\" is not a slice name", slice);
	n -= 6;
	if (n == 1 && slice[0] == '-')
		return 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && slice[i] != '-')
			continue;
		if (!i || slice[i - 1] == '-' || (i == n && slice[i - 1] == '-'))
			return err_set(e, 0, "linux.cgroupsPath: \"%s\" is not a slice name", slice);
		k += (size_t)snprintf(out + k, k < len ? len - k : 0, "/%.*s.slice", (int)i, slice);
	}
	return k < len ? 0 : err_set(e, ENAMETOOLONG, "linux.cgroupsPath: %s", slice);
}

/* cgroupsPath "slice:prefix:name" into the unit's name and its cgroup
 * below the cgroup2 mount. */
static int unit_of(const struct spec *s, const char *id, char *unit, size_t ulen, char *rel,
		   size_t rlen, char *slice, size_t slen, struct husk_err *e)
{
	const char *cp = s->linux.cgroups_path ? s->linux.cgroups_path : "";
	const char *c1 = strchr(cp, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!*cp)
		snprintf(slice, slen, "system.slice");
	else if (!c2 || strchr(c2 + 1, ':'))
		return err_set(e, 0, "linux.cgroupsPath \"%s\": with --systemd-cgroup it is "
				     "\"slice:prefix:name\"", cp);
	else if (c1 == cp)
		snprintf(slice, slen, "system.slice");
	else
		snprintf(slice, slen, "%.*s", (int)(c1 - cp), cp);
	const char *prefix = *cp ? c1 + 1 : "husk", *name = *cp ? c2 + 1 : id;
	size_t plen = *cp ? (size_t)(c2 - c1 - 1) : 4;
	size_t nlen = strlen(name);
	if (nlen > 6 && !strcmp(name + nlen - 6, ".slice"))
		return err_set(e, 0, "linux.cgroupsPath \"%s\": a slice as the container's own unit "
				     "is not supported (a scope is)", cp);
	snprintf(unit, ulen, "%.*s%s%s.scope", (int)plen, prefix, plen ? "-" : "", name);
	if (!unit_chars(unit, strlen(unit)))
		return err_set(e, 0, "linux.cgroupsPath \"%s\": \"%s\" is not a unit name", cp, unit);
	char sl[1024];
	if (expand_slice(slice, sl, sizeof(sl), e) < 0)
		return -1;
	return (size_t)snprintf(rel, rlen, "%s/%s", sl, unit) < rlen ? 0 :
	       err_set(e, ENAMETOOLONG, "linux.cgroupsPath %s", cp);
}

/* ---- properties ------------------------------------------------------------- */

static void prop(struct dbuf *d, const char *name, const char *sig)
{
	dbuf_align(d, 8);
	dbuf_str(d, name);
	dbuf_sig(d, sig);
}

static void prop_t(struct dbuf *d, const char *name, uint64_t v)
{
	prop(d, name, "t");
	dbuf_u64(d, v);
}

static void prop_b(struct dbuf *d, const char *name, bool v)
{
	prop(d, name, "b");
	dbuf_u32(d, v);
}

/* A CPU or node list ("0-3,8") as systemd's bitmask: bit i of byte i/8. */
static int prop_bits(struct dbuf *d, const char *name, const char *field, const char *list,
		     struct husk_err *e)
{
	uint8_t bits[512] = {0};
	size_t top = 0;
	for (const char *p = list; *p;) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;
		if (end == p || *p == '-' || *p == '+')
			goto bad;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || *p == '-' || *p == '+')
				goto bad;
		}
		if (b < a || b >= 8 * sizeof(bits) || (*end && *end != ','))
			goto bad;
		for (unsigned long i = a; i <= b; i++)
			bits[i / 8] |= (uint8_t)(1u << (i % 8));
		top = top > b / 8 + 1 ? top : b / 8 + 1;
		p = end + (*end == ',');
		if (*end == ',' && !*p)
			goto bad;
	}
	prop(d, name, "ay");
	struct darr a = dbuf_array_begin(d, 1);
	for (size_t i = 0; i < top; i++)
		dbuf_u8(d, bits[i]);
	dbuf_array_end(d, a);
	return 0;
bad:
	return err_set(e, 0, "%s \"%s\": not a list of numbers below %zu", field, list, 8 * sizeof(bits));
}

static bool given(int64_t v)
{
	return v != UNSET && v != 0; /* as cgroup.c: 0 is "not set" */
}

static uint64_t max_or(int64_t v)
{
	return v < 0 ? UINT64_MAX : (uint64_t)v;
}

/* cpu.max's quota and period as systemd's CPUQuotaPerSecUSec/PeriodUSec. */
static void prop_quota(struct dbuf *d, int64_t quota, int64_t period)
{
	if (period > 0)
		prop_t(d, "CPUQuotaPeriodUSec", (uint64_t)period);
	uint64_t p = period > 0 ? (uint64_t)period : 100000;
	prop_t(d, "CPUQuotaPerSecUSec", quota > 0 ? (uint64_t)quota * 1000000 / p : UINT64_MAX);
}

/* A number, or "max", of linux.resources.unified. */
static int unified_num(const char *v, uint64_t *out)
{
	char *end;
	if (!strcmp(v, "max")) {
		*out = UINT64_MAX;
		return 0;
	}
	*out = strtoull(v, &end, 10);
	return end == v || *end ? -1 : 0;
}

/* The limits systemd keeps as unit properties (as runc's driver sets
 * them); everything is also written to the files by cgroup_apply. */
static int resource_props(struct dbuf *d, const struct resources *r, struct husk_err *e)
{
	int64_t swap;
	if (given(r->memory.limit))
		prop_t(d, "MemoryMax", max_or(r->memory.limit));
	if (given(r->memory.reservation))
		prop_t(d, "MemoryLow", max_or(r->memory.reservation));
	if (given(r->memory.swap) && given(r->memory.limit) &&
	    cgroup_swap_v2(r->memory.swap, r->memory.limit, &swap, e) == 0)
		prop_t(d, "MemorySwapMax", max_or(swap));
	if (given(r->cpu.shares))
		prop_t(d, "CPUWeight", cgroup_cpu_weight(r->cpu.shares));
	if (given(r->cpu.quota) || given(r->cpu.period))
		prop_quota(d, r->cpu.quota, given(r->cpu.period) ? r->cpu.period : 0);
	if (r->pids_limit != UNSET)
		prop_t(d, "TasksMax", r->pids_limit > 0 ? (uint64_t)r->pids_limit : UINT64_MAX);
	if (given(r->block_io.weight))
		prop_t(d, "IOWeight", cgroup_io_weight(r->block_io.weight));
	if (r->cpu.cpus && *r->cpu.cpus &&
	    prop_bits(d, "AllowedCPUs", "linux.resources.cpu.cpus", r->cpu.cpus, e) < 0)
		return -1;
	if (r->cpu.mems && *r->cpu.mems &&
	    prop_bits(d, "AllowedMemoryNodes", "linux.resources.cpu.mems", r->cpu.mems, e) < 0)
		return -1;
	static const char *const mem[][2] = {{"memory.max", "MemoryMax"}, {"memory.high", "MemoryHigh"},
		{"memory.low", "MemoryLow"}, {"memory.min", "MemoryMin"},
		{"memory.swap.max", "MemorySwapMax"}, {"pids.max", "TasksMax"}, {"cpu.weight", "CPUWeight"}};
	for (size_t i = 0; i < r->unified.n; i++) {
		const char *k = r->unified.v[i].key, *v = r->unified.v[i].value;
		uint64_t n;
		for (size_t m = 0; m < sizeof(mem) / sizeof(mem[0]); m++)
			if (!strcmp(k, mem[m][0]) && unified_num(v, &n) == 0)
				prop_t(d, mem[m][1], n);
		char q[32], p[32];
		if (!strcmp(k, "cpu.max") && field(v, 0, q, sizeof(q)) == 0)
			prop_quota(d, strcmp(q, "max") ? strtoll(q, NULL, 10) : -1,
				   field(v, 1, p, sizeof(p)) == 0 ? strtoll(p, NULL, 10) : 0);
		if (!strcmp(k, "cpuset.cpus") &&
		    prop_bits(d, "AllowedCPUs", "linux.resources.unified.cpuset.cpus", v, e) < 0)
			return -1;
		if (!strcmp(k, "cpuset.mems") &&
		    prop_bits(d, "AllowedMemoryNodes", "linux.resources.unified.cpuset.mems", v, e) < 0)
			return -1;
	}
	return 0;
}

/* ---- the scope ---------------------------------------------------------------- */

/* The placeholder: a child that waits to be killed, and dies with husk. */
static pid_t start_holder(struct husk_err *e)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(e, "--systemd-cgroup: fork a placeholder for the scope");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		for (;;)
			pause();
	}
	return pid;
}

void systemd_release(void)
{
	if (holder <= 0)
		return;
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	holder = -1;
}

/* StartTransientUnit(name, mode, properties a(sv), aux a(sa(sv))). */
static int start_scope(const char *unit, const char *slice, const char *id, const struct resources *r,
		       struct husk_err *e)
{
	struct dbuf d = {.n = 0};
	char desc[160];
	snprintf(desc, sizeof(desc), "husk container %s", id);
	dbuf_str(&d, unit);
	dbuf_str(&d, "replace");
	struct darr props = dbuf_array_begin(&d, 8);
	prop(&d, "Description", "s");
	dbuf_str(&d, desc);
	prop(&d, "Slice", "s");
	dbuf_str(&d, slice);
	prop_b(&d, "Delegate", true);
	prop(&d, "PIDs", "au");
	struct darr pids = dbuf_array_begin(&d, 4);
	dbuf_u32(&d, (uint32_t)holder);
	dbuf_array_end(&d, pids);
	static const char *const acct[] = {"MemoryAccounting", "CPUAccounting", "IOAccounting",
					   "TasksAccounting"};
	for (size_t i = 0; i < 4; i++)
		prop_b(&d, acct[i], true);
	prop_b(&d, "DefaultDependencies", false);
	if (resource_props(&d, r, e) < 0)
		return -1;
	dbuf_array_end(&d, props);
	dbuf_array_end(&d, dbuf_array_begin(&d, 8)); /* no auxiliary units */
	int rc = run_job("StartTransientUnit", "ssa(sv)a(sa(sv))", &d, unit, e);
	/* A failed scope of that name stays loaded until reset (runc retries
	 * once after ResetFailedUnit); a live one is another container's. */
	if (rc < 0 && strstr(e->msg, "org.freedesktop.systemd1.UnitExists")) {
		struct dbuf n = {.n = 0};
		dbuf_str(&n, unit);
		if (call("ResetFailedUnit", "s", &n, NULL, NULL, &(struct husk_err){0}) == 0)
			rc = run_job("StartTransientUnit", "ssa(sv)a(sa(sv))", &d, unit, e);
	}
	return rc;
}

/* Whether pid's cgroup is rel: systemd moved the placeholder. */
static bool in_cgroup(pid_t pid, const char *rel)
{
	char path[64], want[4200];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	snprintf(want, sizeof(want), "0::%s\n", rel);
	struct husk_err e;
	AUTO_FREE char *s = read_file_at(AT_FDCWD, path, 8192, NULL, &e);
	return s && strstr(s, want) && (s == strstr(s, want) || strstr(s, want)[-1] == '\n');
}

int systemd_create(const struct spec *s, const char *id, char *path, size_t len, char *unit,
		   size_t ulen, unsigned long long *ino, struct husk_err *e)
{
	char rel[2048], slice[256], mnt[4096];
	path[0] = unit[0] = '\0';
	if (geteuid() != 0)
		return err_set(e, 0, "--systemd-cgroup: rootless containers (the user's systemd) are "
				     "not supported");
	if (unit_of(s, id, unit, ulen, rel, sizeof(rel), slice, sizeof(slice), e) < 0)
		return -1;
	if (cgroup_mount(mnt, sizeof(mnt)) < 0)
		return err_set(e, 0, "--systemd-cgroup: no cgroup v2 is mounted");
	if (connect_systemd(e) < 0 || (holder = start_holder(e)) < 0)
		goto fail;
	if (start_scope(unit, slice, id, &s->linux.resources, e) < 0)
		goto fail;
	fault_point("create.scope");
	snprintf(path, len, "%s%s", mnt, rel);
	if (!in_cgroup(holder, rel)) {
		err_set(e, 0, "systemd: %s: started, but its cgroup is not %s", unit, path);
		goto fail_stop;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat sb;
	if (fd >= 0 && fstat(fd, &sb) == 0) {
		*ino = (unsigned long long)sb.st_ino;
		return fd;
	}
	err_sys(e, "open cgroup %s", path);
	if (fd >= 0)
		close(fd);
fail_stop:
	systemd_release();
	systemd_stop(unit, path, 0, &(struct husk_err){0});
fail:
	systemd_release();
	path[0] = unit[0] = '\0';
	return -1;
}

/* update: the properties first (systemd would put its own values back on
 * its next reload), then the files, by the caller. */
/* 1: the scope's cgroup is the one recorded (ino 0: the one create just
 * made, not yet recorded); 0: gone; -1: a cgroup of another unit (path "":
 * state_load found another unit's cgroup there). */
static int ours(const char *path, unsigned long long ino)
{
	struct stat sb;
	if (!path[0])
		return -1;
	if (stat(path, &sb) < 0)
		return 0;
	return !ino || (unsigned long long)sb.st_ino == ino ? 1 : -1;
}

int systemd_set(const char *unit, const char *path, unsigned long long ino,
		const struct resources *r, struct husk_err *e)
{
	struct dbuf d = {.n = 0};
	if (ours(path, ino) != 1)
		return err_set(e, 0, "systemd: %s: the container's scope is gone", unit);
	dbuf_str(&d, unit);
	dbuf_u32(&d, 1); /* runtime: not written to /etc */
	struct darr props = dbuf_array_begin(&d, 8);
	if (resource_props(&d, r, e) < 0)
		return -1;
	dbuf_array_end(&d, props);
	if (connect_systemd(e) < 0)
		return -1;
	if (call("SetUnitProperties", "sba(sv)", &d, NULL, NULL, e) < 0)
		return err_wrap(e, "systemd: SetUnitProperties %s: ", unit);
	return 0;
}

/* delete: stop the scope (its processes are gone already: husk killed
 * them), reset it if it failed (a failed unit stays listed), and wait
 * until its cgroup is gone. A scope that is no more is fine. */
int systemd_stop(const char *unit, const char *path, unsigned long long ino, struct husk_err *e)
{
	struct dbuf d = {.n = 0};
	int mine = ours(path, ino);
	if (mine < 0) {
		log_debug("systemd: %s is another unit's now: not stopped", unit);
		return 0;
	}
	dbuf_str(&d, unit);
	dbuf_str(&d, "replace");
	if (connect_systemd(e) < 0)
		return -1;
	/* gone: only a failed scope of husk's would still be listed */
	if (mine && run_job("StopUnit", "ss", &d, unit, e) < 0 &&
	    !strstr(e->msg, "org.freedesktop.systemd1.NoSuchUnit"))
		return -1;
	struct dbuf n = {.n = 0};
	dbuf_str(&n, unit);
	call("ResetFailedUnit", "s", &n, NULL, NULL, &(struct husk_err){0});
	struct stat sb;
	for (int i = 0; i < 10000 && path[0] && stat(path, &sb) == 0; i++)
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	if (path[0] && stat(path, &sb) == 0)
		return err_set(e, EBUSY, "systemd: %s stopped, but its cgroup %s is still there", unit,
			       path);
	return 0;
}
#endif
