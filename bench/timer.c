/* timer.c: the bench's timing loop, so that no shell runs between the
 * measured commands.
 *
 *   timer [-n ITER] [-c CG2DIR] [-e ERRLOG] [-r RAWFILE] PLAN
 *   timer -c CG2DIR -x CMD ARG...    (just run CMD in -c's mount namespace)
 *
 * PLAN: one command a line, '#' starts a comment:
 *
 *   GROUP LABEL REPEAT IDLE_MS CMD ARG...
 *
 * Lines of one GROUP run in file order; the groups take turns (A B C A B C
 * ...), and the group that goes first rotates with each iteration, so drift
 * and "who ran just before" hit all groups alike. A line runs its command
 * REPEAT times back to back; what is recorded for the iteration is the sum
 * (REPEAT 100 = "100 sequential runs"). IDLE_MS: sleep this long (untimed)
 * before each execution. LABEL "-": run, check, but do not record. In the
 * arguments "{i}" becomes the repeat index and "{n}" the iteration index.
 * A CMD written !CMD is expected to fail: exit status 1 is its success.
 *
 * Each execution: clock_gettime(CLOCK_MONOTONIC), vfork, execvp with stdin
 * and stdout on /dev/null and stderr to ERRLOG, wait4; ru_maxrss from wait4
 * is the peak RSS of the command and of the descendants it reaped.
 *
 * -c CG2DIR: first move into a private mount namespace where
 * /sys/fs/cgroup/unified is an empty tmpfs (crun 1.8.1 refuses hybrid
 * cgroups) and the cgroup2 hierarchy is mounted at CG2DIR instead (husk and
 * lower need it). Every command of the plan runs in it. Skipped on a host
 * whose /sys/fs/cgroup is cgroup2 already.
 *
 * Output, one line per LABEL in order of first appearance:
 *   LABEL N MEDIAN_NS MIN_NS MAX_NS MEAN_NS RSS_MEDIAN_KB RSS_MAX_KB FAILS
 * -r RAWFILE also writes every sample: LABEL ITER NS RSS_KB STATUS.
 * Exit status: 0, 1 if a command failed (nonzero status), 2 on usage/setup errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXLINES 256
#define MAXARGS 64
#define CGROUP2_SUPER_MAGIC 0x63677270

struct line {
	int group, label, repeat, idle_ms, want;
	char *argv[MAXARGS];
};

struct label {
	char *name;
	int n;
	int64_t *ns;
	long *rss;
	int fails;
};

static struct line lines[MAXLINES];
static int nlines;
static char *groups[MAXLINES];
static int ngroups;
static struct label labels[MAXLINES];
static int nlabels;

static void die(const char *what)
{
	fprintf(stderr, "timer: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int intern(char **tab, int *n, const char *s)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(tab[i], s))
			return i;
	tab[*n] = strdup(s);
	return (*n)++;
}

static void read_plan(const char *path, int iters)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die(path);
	char buf[8192];
	char *lnames[MAXLINES];
	while (fgets(buf, sizeof(buf), f)) {
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		char *tok[MAXARGS + 4];
		int nt = 0;
		for (char *s = strtok(buf, " \t\n"); s && nt < MAXARGS + 3; s = strtok(NULL, " \t\n"))
			tok[nt++] = s;
		if (nt == 0)
			continue;
		if (nt < 5 || nlines == MAXLINES) {
			fprintf(stderr, "timer: %s: bad line (GROUP LABEL REPEAT IDLE_MS CMD...)\n", path);
			exit(2);
		}
		struct line *l = &lines[nlines++];
		l->group = intern(groups, &ngroups, tok[0]);
		l->label = strcmp(tok[1], "-") ? intern(lnames, &nlabels, tok[1]) : -1;
		l->repeat = atoi(tok[2]);
		l->idle_ms = atoi(tok[3]);
		if (l->repeat < 1)
			l->repeat = 1;
		l->want = tok[4][0] == '!';
		tok[4] += l->want;
		for (int i = 4; i < nt; i++)
			l->argv[i - 4] = strdup(tok[i]);
		l->argv[nt - 4] = NULL;
	}
	fclose(f);
	for (int i = 0; i < nlabels; i++) {
		labels[i].name = lnames[i];
		labels[i].ns = calloc((size_t)iters, sizeof(int64_t));
		labels[i].rss = calloc((size_t)iters, sizeof(long));
		if (!labels[i].ns || !labels[i].rss)
			die("calloc");
	}
}

static void cgroup_namespace(const char *cg2dir)
{
	struct statfs sf;
	if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
		return; /* pure cgroup v2: nothing to hide */
	if (unshare(CLONE_NEWNS) < 0)
		die("unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make / private");
	if (umount2("/sys/fs/cgroup/unified", MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		die("umount /sys/fs/cgroup/unified");
	if (mount("tmpfs", "/sys/fs/cgroup/unified", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=755") < 0)
		die("tmpfs over /sys/fs/cgroup/unified");
	mkdir(cg2dir, 0755);
	if (mount("cgroup2", cg2dir, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount cgroup2");
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void expand(char **out, char *const *argv, int i, int n, char bufs[][512])
{
	int k = 0;
	for (; argv[k]; k++) {
		const char *a = argv[k];
		if (!strstr(a, "{i}") && !strstr(a, "{n}")) {
			out[k] = (char *)a;
			continue;
		}
		char *o = bufs[k];
		size_t len = 0;
		for (const char *p = a; *p && len < 500; p++) {
			if (p[0] == '{' && (p[1] == 'i' || p[1] == 'n') && p[2] == '}') {
				len += (size_t)snprintf(o + len, 512 - len, "%d", p[1] == 'i' ? i : n);
				p += 2;
			} else {
				o[len++] = *p;
			}
		}
		o[len] = '\0';
		out[k] = o;
	}
	out[k] = NULL;
}

/* One execution: returns elapsed ns, stores status and ru_maxrss. */
static int64_t run_once(char *const *argv, int devnull, int errfd, int *status, long *rss)
{
	struct rusage ru;
	int64_t t0 = now_ns();
	pid_t pid = vfork();
	if (pid < 0)
		die("vfork");
	if (pid == 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(errfd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (wait4(pid, status, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4");
	int64_t t1 = now_ns();
	*rss = ru.ru_maxrss;
	return t1 - t0;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmplong(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int iters = 1, opt, exec_mode = 0;
	const char *cg2dir = NULL, *errlog = "/dev/null", *raw = NULL;
	while ((opt = getopt(argc, argv, "+n:c:e:r:x")) != -1) {
		switch (opt) {
		case 'n': iters = atoi(optarg); break;
		case 'c': cg2dir = optarg; break;
		case 'e': errlog = optarg; break;
		case 'r': raw = optarg; break;
		case 'x': exec_mode = 1; break;
		default: goto usage;
		}
	}
	if (exec_mode) {
		if (optind == argc)
			goto usage;
		if (cg2dir)
			cgroup_namespace(cg2dir);
		execvp(argv[optind], argv + optind);
		die(argv[optind]);
	}
	if (optind != argc - 1 || iters < 1)
		goto usage;
	read_plan(argv[optind], iters);
	if (cg2dir)
		cgroup_namespace(cg2dir);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int errfd = open(errlog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	FILE *rawf = raw ? fopen(raw, "w") : NULL;
	if (devnull < 0 || errfd < 0 || (raw && !rawf))
		die("open");
	int anyfail = 0;
	static char bufs[MAXARGS][512];
	char *xargv[MAXARGS];
	for (int it = 0; it < iters; it++) {
		for (int g0 = 0; g0 < ngroups; g0++) {
			int g = (g0 + it) % ngroups;
			for (int li = 0; li < nlines; li++) {
				struct line *l = &lines[li];
				if (l->group != g)
					continue;
				int64_t sum = 0;
				long rss = 0;
				int bad = 0;
				for (int r = 0; r < l->repeat; r++) {
					if (l->idle_ms > 0) {
						struct timespec ts = {l->idle_ms / 1000, (long)(l->idle_ms % 1000) * 1000000};
						nanosleep(&ts, NULL);
					}
					int st;
					long m;
					expand(xargv, l->argv, r, it, bufs);
					sum += run_once(xargv, devnull, errfd, &st, &m);
					if (m > rss)
						rss = m;
					if (!WIFEXITED(st) || WEXITSTATUS(st) != l->want) {
						bad = 1;
						anyfail = 1;
						dprintf(errfd, "timer: %s: status 0x%x\n", xargv[0], st);
					}
				}
				if (rawf)
					fprintf(rawf, "%s %d %lld %ld %d\n", l->label >= 0 ? labels[l->label].name : "-", it,
						(long long)sum, rss, bad);
				if (l->label < 0)
					continue;
				struct label *lb = &labels[l->label];
				lb->ns[lb->n] = sum;
				lb->rss[lb->n] = rss;
				lb->n++;
				lb->fails += bad;
			}
		}
	}
	for (int i = 0; i < nlabels; i++) {
		struct label *lb = &labels[i];
		if (!lb->n)
			continue;
		int64_t total = 0;
		for (int k = 0; k < lb->n; k++)
			total += lb->ns[k];
		qsort(lb->ns, (size_t)lb->n, sizeof(int64_t), cmp64);
		qsort(lb->rss, (size_t)lb->n, sizeof(long), cmplong);
		int64_t med = lb->n % 2 ? lb->ns[lb->n / 2] : (lb->ns[lb->n / 2 - 1] + lb->ns[lb->n / 2]) / 2;
		printf("%s %d %lld %lld %lld %lld %ld %ld %d\n", lb->name, lb->n, (long long)med,
		       (long long)lb->ns[0], (long long)lb->ns[lb->n - 1], (long long)(total / lb->n),
		       lb->rss[lb->n / 2], lb->rss[lb->n - 1], lb->fails);
	}
	if (rawf)
		fclose(rawf);
	return anyfail;
usage:
	fprintf(stderr, "usage: timer [-n ITER] [-c CG2DIR] [-e ERRLOG] [-r RAWFILE] PLAN\n"
			"       timer [-c CG2DIR] -x CMD [ARG...]\n");
	return 2;
}
