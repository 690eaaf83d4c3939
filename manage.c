/* manage.c: the commands that act on a live container through its cgroup:
 * pause and resume (cgroup.freeze), ps (its processes), events (its stats
 * and OOM kills), update (its limits).
 *
 * Each loads the container's state with runtime.c's load_one and works on
 * the cgroup recorded at create; runtime.c's command table calls them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "husk.h"

/* Load the state of a command that needs the container's cgroup. */
static int load_cgroup(int argc, char **argv, const struct opt *t, const char *cmd, struct args *a,
                       struct state *st, struct husk_err *e)
{
	AUTO_FD rootfd = -1;
	AUTO_FD dirfd = -1;
	if (load_one(argc, argv, t, cmd, a, st, &rootfd, &dirfd, e) < 0)
		return -1;
	if (!st->cgroup[0])
		return err_set(e, 0,
		               "%s: container %s has no cgroup (no cgroup v2 was mounted when it "
		               "was created)",
		               cmd, st->id);
	/* pause and update write into it: only a cgroup husk could have recorded */
	return cgroup_check_recorded(st->cgroup, e);
}

/* ---- pause, resume ------------------------------------------------------- */

/* pause and resume: cgroup.freeze, from running (or created) to paused and back. */
static int set_frozen(int argc, char **argv, bool frozen, struct husk_err *e)
{
	const char *cmd = frozen ? "pause" : "resume";
	const struct opt t[] = {OPT_END};
	struct args a;
	struct state st = {0};
	int r = load_cgroup(argc, argv, t, cmd, &a, &st, e);
	bool ok =
	    frozen ? st.status == ST_RUNNING || st.status == ST_CREATED : st.status == ST_PAUSED;
	if (r == 0 && !ok)
		r = err_set(e, 0, "cannot %s container %s: it is %s, not %s", cmd, st.id,
		            state_status_name(st.status), frozen ? "running" : "paused");
	if (r == 0)
		r = cgroup_freeze(st.cgroup, frozen, e);
	state_release(&st);
	return r;
}

int cmd_pause(int argc, char **argv, struct husk_err *e)
{
	return set_frozen(argc, argv, true, e);
}

int cmd_resume(int argc, char **argv, struct husk_err *e)
{
	return set_frozen(argc, argv, false, e);
}

/* ---- ps ------------------------------------------------------------------ */

/* The table runs no ps(1) (a board may have none, and runc's `ps -ef` needs
 * one): PID and the command line from /proc/PID/cmdline ([comm] for a
 * kernel-style process without one). */
static void ps_line(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	struct husk_err e;
	size_t len = 0;
	AUTO_FREE char *cmd = read_file_at(AT_FDCWD, path, sizeof(buf), &len, &e);
	if (cmd && len) {
		for (size_t i = 0; i + 1 < len; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		printf("%-8d %s\n", (int)pid, cmd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	AUTO_FREE char *comm = read_file_at(AT_FDCWD, path, 64, &len, &e);
	if (comm)
		comm[strcspn(comm, "\n")] = '\0';
	printf("%-8d [%s]\n", (int)pid, comm ? comm : "?");
}

/* ps(1)'s output, stdout and stderr together (runc: CombinedOutput), into
 * a malloc'd string. ps is looked up in husk's PATH, on the host. */
static char *ps_run(char **args, struct husk_err *e)
{
	int out[2], ex[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return err_sys(e, "ps: pipe"), NULL;
	if (pipe2(ex, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return err_sys(e, "ps: pipe"), NULL;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(out[1], 2);
		execvp("ps", args);
		int err = errno; /* the exec failed: tell the parent why */
		if (write(ex[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(out[1]);
	close(ex[1]);
	AUTO_FD rd = out[0];
	AUTO_FD exr = ex[0];
	if (pid < 0)
		return err_sys(e, "ps: fork"), NULL;
	char *text = read_fd(rd, "the output of ps(1)", 16 << 20, NULL, e);
	int status = 0, err = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (read(exr, &err, sizeof(err)) == (ssize_t)sizeof(err)) {
		free(text);
		errno = err;
		if (err == ENOENT)
			return err_set(e, 0, "ps: no ps(1) on this host's PATH, needed for ps arguments "
					     "(without them husk lists the processes itself)"), NULL;
		return err_sys(e, "ps: exec ps"), NULL;
	}
	if (text && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		text[strcspn(text, "\n")] = '\0';
		err_set(e, 0, "ps: ps(1) failed (exit status %d): %s",
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), text);
		free(text);
		return NULL;
	}
	return text;
}

static bool has_pid(const pid_t *pids, size_t n, long long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* runc's ps with ps(1) arguments: the header, and the lines whose PID
 * column (found by its title in the header) is one of the container's. */
static int ps_filter(char **args, const pid_t *pids, size_t n, struct husk_err *e)
{
	AUTO_FREE char *text = ps_run(args, e);
	if (!text)
		return -1;
	char *next = strchr(text, '\n'), word[32];
	if (next)
		*next++ = '\0';
	int col = 0;
	while (field(text, col, word, sizeof(word)) == 0 && strcmp(word, "PID"))
		col++;
	if (field(text, col, word, sizeof(word)) < 0)
		return err_set(e, 0, "ps: no PID column in the output of ps(1) (add -o pid or -f)");
	printf("%s\n", text);
	for (char *line = next; line && *line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		unsigned long long pid;
		if (field_u64(line, col, 10, &pid) == 0 && has_pid(pids, n, (long long)pid))
			printf("%s\n", line);
	}
	return 0;
}

/* runc's ps: options before the id are husk's, and whatever follows the id
 * (after an optional "--") goes to ps(1). */
int cmd_ps(int argc, char **argv, struct husk_err *e)
{
	const char *format = "table";
	const struct opt t[] = {
	    ARG("format", 'f', &format, "table|json", "output format (default table)"), OPT_END};
	struct args a;
	int i = parse_opts(t, argc, argv, &a, -1, e);
	if (i < 0)
		return -1;
	if (strcmp(format, "table") && strcmp(format, "json"))
		return err_set(e, 0, "ps: invalid format \"%s\" (table or json)", format);
	const struct opt none[] = {OPT_END};
	struct state st = {0};
	int r = load_cgroup(i < argc ? 1 : 0, argv + i, none, "ps", &a, &st, e);
	state_release(&st);
	if (r < 0)
		return -1;
	char **ps_args = argv + i + 1;
	int n_args = argc - i - 1;
	if (n_args > 0 && !strcmp(ps_args[0], "--")) {
		ps_args++;
		n_args--;
	}
	AUTO_FREE pid_t *pids = NULL;
	size_t n = 0;
	if (cgroup_pids(st.cgroup, &pids, &n, e) < 0)
		return -1;
	bool json = !strcmp(format, "json");
	if (!json && n_args > 0) {
		ps_args[-1] = "ps"; /* argv[0] for ps(1), in place of the id or "--" */
		return ps_filter(ps_args - 1, pids, n, e);
	}
	printf(json ? "[" : "%-8s %s\n", "PID", "CMD");
	for (size_t k = 0; k < n; k++) {
		if (json)
			printf("%s%d", k ? "," : "", (int)pids[k]);
		else
			ps_line(pids[k]);
	}
	if (json)
		printf("]\n");
	return 0;
}

/* ---- events -------------------------------------------------------------- */

/* A Go duration as runc's --interval takes it ("5s", "100ms", "1.5s";
 * "1m30s" is not needed: one number and one unit), or plain seconds.
 * Parsed by hand, in nanoseconds: no strtod (see field() in util.c). */
static int parse_duration(const char *s, long *ms, struct husk_err *e)
{
	static const struct {
		const char *unit;
		unsigned long long ns;
	} units[] = {{"ns", 1},		  {"us", 1000ULL},	     {"ms", 1000000ULL},   {"s", 1000000000ULL},
		     {"m", 60000000000ULL}, {"h", 3600000000000ULL}, {"", 1000000000ULL}};
	unsigned long long num = 0, den = 1;
	const char *p = s;
	int digits = 0;
	for (bool frac = false; (*p >= '0' && *p <= '9') || (*p == '.' && !frac); p++) {
		if (*p == '.') {
			frac = true;
			continue;
		}
		if (++digits > 12)
			break;
		num = num * 10 + (unsigned long long)(*p - '0');
		den *= frac ? 10 : 1;
	}
	for (size_t i = 0; digits && digits <= 12 && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].unit))
			continue;
		unsigned long long t; /* num/den units, in ms */
		if (__builtin_mul_overflow(num, units[i].ns, &t))
			break;
		t = t / den / 1000000;
		if (t < 1 || t > 86400000ULL)
			break;
		*ms = (long)t;
		return 0;
	}
	return err_set(e, 0, "events: invalid --interval \"%s\" (like 5s or 100ms, at least 1ms)",
	               s);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Without --stats: a stats event every interval and an oom event whenever
 * memory.events' oom_kill grows (inotify wakes us at once), until the
 * container stops. */
int cmd_events(int argc, char **argv, struct husk_err *e)
{
	bool stats = false;
	const char *interval = "5s";
	long ms = 5000;
	const struct opt t[] = {FLAG("stats", 0, &stats, "print the stats once, then exit"),
	                        ARG("interval", 0, &interval, "D", "time between stats (default 5s)"),
	                        OPT_END};
	struct args a;
	struct state st = {0};
	int r = load_cgroup(argc, argv, t, "events", &a, &st, e);
	state_release(&st);
	if (r < 0 || parse_duration(interval, &ms, e) < 0)
		return -1;
	if (st.status == ST_STOPPED)
		return err_set(e, 0, "events: container %s: container not running", st.id);
	if (stats)
		return cgroup_stats(stdout, st.id, st.cgroup, e);
	char path[4200];
	snprintf(path, sizeof(path), "%s/memory.events", st.cgroup);
	AUTO_FD in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in >= 0)
		inotify_add_watch(in, path, IN_MODIFY);
	uint64_t ooms = cgroup_oom_kills(st.cgroup);
	for (long next = now_ms(); state_pid_alive(&st);) {
		if (now_ms() >= next) {
			if (cgroup_stats(stdout, st.id, st.cgroup, e) < 0)
				return state_pid_alive(&st) ? -1 : 0;
			next += ms;
		}
		long wait = next - now_ms();
		struct pollfd p = {.fd = in, .events = POLLIN};
		poll(&p, 1, wait < 0 ? 0 : wait > 1000 ? 1000 : (int)wait);
		char buf[4096];
		while (in >= 0 && read(in, buf, sizeof(buf)) > 0)
			;
		uint64_t now = cgroup_oom_kills(st.cgroup);
		if (now > ooms) {
			printf("{\"type\":\"oom\",\"id\":");
			json_put_string(stdout, st.id);
			printf("}\n");
			fflush(stdout);
		}
		ooms = now;
	}
	return 0;
}

/* ---- update -------------------------------------------------------------- */

/* A byte size as runc's update takes it (go-units RAMInBytes): 1024, 64k,
 * 100M, 1GiB...; binary multiples; -1 is "no limit". */
static int parse_size(const char *s, const char *what, int64_t *out, struct husk_err *e)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (v == -1 && !*end) {
		*out = -1;
		return 0;
	}
	int shift = 0;
	const char *u = "kmgtp", *k = *end ? strchr(u, end[0] | 0x20) : NULL;
	if (k) {
		shift = 10 * (int)(k - u + 1);
		end++;
		if ((*end | 0x20) == 'i' && (end[1] | 0x20) == 'b')
			end += 2;
	}
	if ((*end | 0x20) == 'b')
		end++;
	if (errno || end == s || *end || v < 0 || (shift && v > (INT64_MAX >> shift)))
		return err_set(e, 0, "update: %s: invalid size \"%s\"", what, s);
	*out = (int64_t)v << shift;
	return 0;
}

static int parse_i64(const char *s, const char *what, int64_t *out, struct husk_err *e)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return err_set(e, 0, "update: %s: invalid number \"%s\"", what, s);
	*out = v;
	return 0;
}

struct update_opts {
	const char *file, *memory, *reservation, *swap, *pids, *quota, *period, *shares, *cpus,
	    *mems, *weight, *burst, *idle, *rt_period, *rt_runtime, *kmem, *kmem_tcp, *l3, *mem_bw;
};

/* runc's flags husk cannot honour on cgroup v2, refused with the reason
 * (runc itself drops cpu-rt-* silently on v2; husk drops no limit). */
static int update_refused(const struct update_opts *o, struct husk_err *e)
{
	if (o->rt_period || o->rt_runtime)
		return err_set(e, 0, "update: --cpu-rt-%s: not supported on cgroup v2 (cpu.rt_* exist "
				     "only in cgroup v1)", o->rt_period ? "period" : "runtime");
	if (o->l3 || o->mem_bw)
		return err_set(e, 0, "update: --%s: Intel RDT (linux.intelRdt) needs resctrl, which husk "
				     "does not implement", o->l3 ? "l3-cache-schema" : "mem-bw-schema");
	return 0;
}

/* runc's flags into r; r starts as the parse of "{}": every field unset. */
static int update_flags(const struct update_opts *o, struct resources *r, struct husk_err *e)
{
	const struct {
		const char *v, *name;
		int64_t *dst;
		bool size;
	} t[] = {
	    {o->memory, "--memory", &r->memory.limit, true},
	    {o->reservation, "--memory-reservation", &r->memory.reservation, true},
	    {o->swap, "--memory-swap", &r->memory.swap, true},
	    {o->pids, "--pids-limit", &r->pids_limit, false},
	    {o->quota, "--cpu-quota", &r->cpu.quota, false},
	    {o->period, "--cpu-period", &r->cpu.period, false},
	    {o->shares, "--cpu-share", &r->cpu.shares, false},
	    {o->weight, "--blkio-weight", &r->block_io.weight, false},
	    {o->burst, "--cpu-burst", &r->cpu.burst, false},
	    {o->idle, "--cpu-idle", &r->cpu.idle, false},
	    {o->kmem, "--kernel-memory", &r->memory.kernel, true},
	    {o->kmem_tcp, "--kernel-memory-tcp", &r->memory.kernel_tcp, true},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].v && (t[i].size ? parse_size(t[i].v, t[i].name, t[i].dst, e)
		                         : parse_i64(t[i].v, t[i].name, t[i].dst, e)) < 0)
			return -1;
	}
	if (o->burst && r->cpu.burst < 0) /* runc: an unsigned number */
		return err_set(e, 0, "update: --cpu-burst: invalid number \"%s\"", o->burst);
	r->cpu.cpus = (char *)o->cpus;
	r->cpu.mems = (char *)o->mems;
	/* runc 1.2-1.4: parsed, then ignored with this warning */
	if (o->kmem || o->kmem_tcp)
		log_warn("update: kernel memory settings are ignored and will be removed (as runc)");
	return 0;
}

/* The new limits go straight into the cgroup files (they are the record:
 * nothing of them is kept in the state). linux.resources.devices is not
 * changed by update, as the program attached at create stays. */
int cmd_update(int argc, char **argv, struct husk_err *e)
{
	struct update_opts o = {0};
	const struct opt t[] = {
	    ARG("resources", 'r', &o.file, "FILE", "a LinuxResources JSON object (- for stdin)"),
	    ARG("memory", 0, &o.memory, "N", "memory limit in bytes (memory.max)"),
	    ARG("memory-reservation", 0, &o.reservation, "N", "soft limit in bytes (memory.low)"),
	    ARG("memory-swap", 0, &o.swap, "N", "memory plus swap limit in bytes"),
	    ARG("pids-limit", 0, &o.pids, "N", "most processes (pids.max)"),
	    ARG("cpu-quota", 0, &o.quota, "N", "CPU time per period in us (cpu.max)"),
	    ARG("cpu-period", 0, &o.period, "N", "the period in us (cpu.max)"),
	    ARG("cpu-share", 0, &o.shares, "N", "relative CPU shares (cpu.weight)"),
	    ARG("cpuset-cpus", 0, &o.cpus, "S", "CPUs the container may use (cpuset.cpus)"),
	    ARG("cpuset-mems", 0, &o.mems, "S", "memory nodes it may use (cpuset.mems)"),
	    ARG("blkio-weight", 0, &o.weight, "N", "relative IO weight, 10-1000 (io.weight)"),
	    ARG("cpu-burst", 0, &o.burst, "N", "CPU time in us a period may borrow (cpu.max.burst)"),
	    ARG("cpu-idle", 0, &o.idle, "0|1", "1: SCHED_IDLE for the cgroup (cpu.idle)"),
	    ARG("cpu-rt-period", 0, &o.rt_period, "N", "refused: cgroup v1 only"),
	    ARG("cpu-rt-runtime", 0, &o.rt_runtime, "N", "refused: cgroup v1 only"),
	    ARG("kernel-memory", 0, &o.kmem, "N", "ignored with a warning, as runc"),
	    ARG("kernel-memory-tcp", 0, &o.kmem_tcp, "N", "ignored with a warning, as runc"),
	    ARG("l3-cache-schema", 0, &o.l3, "S", "refused: Intel RDT is not implemented"),
	    ARG("mem-bw-schema", 0, &o.mem_bw, "S", "refused: Intel RDT is not implemented"),
	    OPT_END};
	struct args a;
	struct state st = {0};
	int r = load_cgroup(argc, argv, t, "update", &a, &st, e);
	state_release(&st);
	if (r < 0)
		return -1;
	if (st.status == ST_STOPPED)
		return err_set(e, 0, "cannot update container %s: container not running", st.id);
	bool flags = o.memory || o.reservation || o.swap || o.pids || o.quota || o.period ||
	             o.shares || o.cpus || o.mems || o.weight || o.burst || o.idle || o.kmem ||
	             o.kmem_tcp;
	if (o.file && flags)
		return err_set(e, 0, "update: --resources and the limit options cannot be mixed");
	if (update_refused(&o, e) < 0)
		return -1;
	size_t len = 2;
	const char *src = !o.file ? NULL : strcmp(o.file, "-") ? o.file : "/proc/self/fd/0";
	char *text = src ? read_file_at(AT_FDCWD, src, 1 << 20, &len, e) : strdup("{}");
	if (!text)
		return src ? err_wrap(e, "update: ") : err_sys(e, "update: allocate");
	struct spec s;
	if (spec_parse_resources(&s, text, len, e) < 0)
		return err_wrap(e, "update: %s: ", o.file);
	AUTO_FD fd = open(st.cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		r = err_sys(e, "open cgroup %s", st.cgroup);
	else
		r = update_flags(&o, &s.linux.resources, e);
	if (r == 0 && st.unit[0])
		r = systemd_set(st.unit, st.cgroup, st.cgroup_ino, &s.linux.resources, e);
	if (r == 0)
		r = cgroup_apply(fd, st.cgroup, &s.linux.resources, true, e);
	spec_free(&s);
	return r;
}
