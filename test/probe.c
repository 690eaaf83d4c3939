/* probe: print what a process sees, one "key: value" per line.
 *
 * Lives in the test rootfs as /bin/probe; the integration tests run it as the
 * container's process and compare its lines with what the config asked for.
 *   probe ids | caps | fds | mounts | cgroup | rlimits | ns | hostname | env
 *         | cwd | pid | tty | clocks | write PATH | read PATH
 *         | syscall NAME ARG...  (NAME's own number of ARGs: see syscall_table)
 *         | sysno NAME  ("sysno NAME: N", the number of that syscall_table entry
 *           on this architecture: what a seccomp agent is told)
 *         | escape DIR  (the classic chroot escape: chroot DIR, chdir .. 64 times,
 *           chroot .; then "escape: /NAME" for each entry of the new /)
 *         | swap A B SECONDS  (renameat2(A, B, RENAME_EXCHANGE) in a loop until
 *           SECONDS have passed, the attacker's half of a mount-destination race;
 *           then "swap: N" exchanges, or the first error)
 *   (several may follow each other). "syscall" makes the raw system call, not
 *   libc's wrapper, so that seccomp filters see exactly it.
 * Exit status: 0, or 2 on a usage error. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const struct {
	int num;
	const char *name;
} errnames[] = {
	{EPERM, "EPERM"},   {ENOENT, "ENOENT"}, {EIO, "EIO"},         {ENXIO, "ENXIO"},
	{EBADF, "EBADF"},   {EACCES, "EACCES"}, {EBUSY, "EBUSY"},     {EEXIST, "EEXIST"},
	{ENODEV, "ENODEV"}, {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"}, {EINVAL, "EINVAL"},
	{ENOSPC, "ENOSPC"}, {EROFS, "EROFS"},   {ELOOP, "ELOOP"},     {ENAMETOOLONG, "ENAMETOOLONG"},
};

static const char *errname(int num)
{
	static char buf[32];
	for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
		if (errnames[i].num == num)
			return errnames[i].name;
	snprintf(buf, sizeof buf, "errno %d", num);
	return buf;
}

static void ids(void)
{
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);
	mode_t mask = umask(0);

	umask(mask);
	printf("uid: %u\ngid: %u\neuid: %u\negid: %u\ngroups:", (unsigned)getuid(),
	       (unsigned)getgid(), (unsigned)geteuid(), (unsigned)getegid());
	for (int i = 0; i < n; i++)
		printf(" %u", (unsigned)groups[i]);
	printf("\numask: %04o\n", (unsigned)mask);
}

/* Copy the lines of /proc/self/status that start with one of the prefixes,
 * as "Key: value". */
static void status_lines(const char *const *prefixes)
{
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f) {
		printf("status: %s\n", errname(errno));
		return;
	}
	while (fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':'), *v;
		for (const char *const *p = prefixes; *p && colon; p++) {
			if (strncmp(line, *p, strlen(*p)) != 0)
				continue;
			*colon = '\0';
			for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
				;
			printf("%s: %s", line, v);
			break;
		}
	}
	fclose(f);
}

static void caps(void)
{
	static const char *const prefixes[] = {"Cap", "NoNewPrivs", "Seccomp", NULL};
	status_lines(prefixes);
}

static void fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d) {
		printf("fds: %s\n", errname(errno));
		return;
	}
	while ((de = readdir(d))) {
		char target[PATH_MAX];
		ssize_t n;
		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
			continue;
		n = readlinkat(dirfd(d), de->d_name, target, sizeof target - 1);
		target[n < 0 ? 0 : n] = '\0';
		printf("%s: %s\n", de->d_name, target);
	}
	closedir(d);
}

/* "MOUNTPOINT: FSTYPE MOUNT-OPTIONS SUPER-OPTIONS [shared:N master:N ...]" */
static void mounts(void)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f) {
		printf("mounts: %s\n", errname(errno));
		return;
	}
	while (fgets(line, sizeof line, f)) {
		char *field[32], *save = NULL, *tok, opt[512] = "";
		int n = 0, dash = -1;
		for (tok = strtok_r(line, " \n", &save); tok && n < 32; tok = strtok_r(NULL, " \n", &save)) {
			if (strcmp(tok, "-") == 0 && dash < 0)
				dash = n;
			field[n++] = tok;
		}
		if (dash < 6 || dash + 3 >= n)
			continue;
		for (int i = 6; i < dash; i++) {
			strncat(opt, " ", sizeof opt - strlen(opt) - 1);
			strncat(opt, field[i], sizeof opt - strlen(opt) - 1);
		}
		printf("%s: %s %s %s%s\n", field[4], field[dash + 1], field[5], field[dash + 3], opt);
	}
	fclose(f);
}

static void cat_prefixed(const char *key, const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "re");

	if (!f) {
		printf("%s: %s\n", key, errname(errno));
		return;
	}
	while (fgets(line, sizeof line, f))
		printf("%s: %s%s", key, line, strchr(line, '\n') ? "" : "\n");
	fclose(f);
}

static void rlimits(void)
{
	static const struct {
		int res;
		const char *name;
	} r[] = {
		{RLIMIT_AS, "RLIMIT_AS"},         {RLIMIT_CORE, "RLIMIT_CORE"},
		{RLIMIT_CPU, "RLIMIT_CPU"},       {RLIMIT_DATA, "RLIMIT_DATA"},
		{RLIMIT_FSIZE, "RLIMIT_FSIZE"},   {RLIMIT_LOCKS, "RLIMIT_LOCKS"},
		{RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"}, {RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"},
		{RLIMIT_NICE, "RLIMIT_NICE"},     {RLIMIT_NOFILE, "RLIMIT_NOFILE"},
		{RLIMIT_NPROC, "RLIMIT_NPROC"},   {RLIMIT_RSS, "RLIMIT_RSS"},
		{RLIMIT_RTPRIO, "RLIMIT_RTPRIO"}, {RLIMIT_RTTIME, "RLIMIT_RTTIME"},
		{RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"}, {RLIMIT_STACK, "RLIMIT_STACK"},
	};

	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
		struct rlimit rl;
		char soft[32] = "unlimited", hard[32] = "unlimited";
		if (getrlimit(r[i].res, &rl) != 0)
			continue;
		if (rl.rlim_cur != RLIM_INFINITY)
			snprintf(soft, sizeof soft, "%llu", (unsigned long long)rl.rlim_cur);
		if (rl.rlim_max != RLIM_INFINITY)
			snprintf(hard, sizeof hard, "%llu", (unsigned long long)rl.rlim_max);
		printf("%s: %s %s\n", r[i].name, soft, hard);
	}
}

static void ns(void)
{
	static const char *const names[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
					    "time", "time_for_children", "user", "uts"};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char path[64], target[128];
		ssize_t n;
		snprintf(path, sizeof path, "/proc/self/ns/%s", names[i]);
		n = readlink(path, target, sizeof target - 1);
		target[n < 0 ? 0 : n] = '\0';
		printf("%s: %s\n", names[i], n < 0 ? errname(errno) : target);
	}
}

static void hostname(void)
{
	struct utsname u;

	if (uname(&u) != 0) {
		printf("hostname: %s\n", errname(errno));
		return;
	}
	printf("hostname: %s\ndomainname: %s\n", u.nodename, u.domainname);
}

static void cwd(void)
{
	char buf[PATH_MAX];
	printf("cwd: %s\n", getcwd(buf, sizeof buf) ? buf : errname(errno));
}

static void tty(void)
{
	for (int fd = 0; fd < 3; fd++) {
		const char *name = ttyname(fd);
		printf("tty%d: %s\n", fd, name ? name : isatty(fd) ? "yes" : "no");
	}
	printf("sid: %d\npgid: %d\n", (int)getsid(0), (int)getpgid(0));
}

static void do_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, "probe\n", 6) != 6) {
		printf("write %s: %s\n", path, errname(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	printf("write %s: %s\n", path, close(fd) == 0 ? "ok" : errname(errno));
}

/* "read PATH: ok N bytes" and the first line as "data PATH: ..." */
static void do_read(const char *path)
{
	char buf[4096], first[256] = "";
	size_t total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		printf("read %s: %s\n", path, errname(errno));
		return;
	}
	while ((n = read(fd, buf, sizeof buf - 1)) > 0) {
		if (total == 0) {
			buf[n] = '\0';
			snprintf(first, sizeof first, "%.*s", (int)strcspn(buf, "\n"), buf);
		}
		total += (size_t)n;
	}
	close(fd);
	if (n < 0)
		printf("read %s: %s\n", path, errname(errno));
	else
		printf("read %s: ok %zu bytes\ndata %s: %s\n", path, total, path, first);
}

/* "syscall NAME: ok RET" or "syscall NAME: ERRNO": the syscall itself, not
 * libc's wrapper (for seccomp filters). An ARG that starts with a digit is a
 * number (0x... too), else a string. Only syscalls every architecture has:
 * arm64 has no mkdir or rmdir, so the *at forms, whose directory fd is
 * always AT_FDCWD (at = 1): "syscall mkdirat PATH MODE",
 * "syscall unlinkat PATH FLAGS" (0x200, AT_REMOVEDIR, for a directory). */
static const struct {
	const char *name;
	long nr;
	int nargs, at;
} syscall_table[] = {
	{"getpid", SYS_getpid, 0, 0},     {"getppid", SYS_getppid, 0, 0},
	{"mkdirat", SYS_mkdirat, 2, 1},   {"unlinkat", SYS_unlinkat, 2, 1},
	{"chdir", SYS_chdir, 1, 0},       {"personality", SYS_personality, 1, 0},
	{"unshare", SYS_unshare, 1, 0},   {"umask", SYS_umask, 1, 0},
};

/* The index of syscall_table's entry NAME, or -1. */
static int syscall_find(const char *name)
{
	for (size_t k = 0; k < sizeof syscall_table / sizeof syscall_table[0]; k++)
		if (name && strcmp(name, syscall_table[k].name) == 0)
			return (int)k;
	return -1;
}

static int do_syscall(int argc, char **argv, int i)
{
	long a[3] = {AT_FDCWD};
	int k = syscall_find(argv[i + 1]);

	if (k < 0 || i + 1 + syscall_table[k].nargs >= argc)
		return -1;
	for (int j = 0; j < syscall_table[k].nargs; j++) {
		const char *v = argv[i + 2 + j];
		a[syscall_table[k].at + j] = (*v >= '0' && *v <= '9') ? (long)strtoull(v, NULL, 0) : (long)v;
	}
	long r = syscall(syscall_table[k].nr, a[0], a[1], a[2]);
	if (r < 0)
		printf("syscall %s: %s\n", syscall_table[k].name, errname(errno));
	else
		printf("syscall %s: ok %ld\n", syscall_table[k].name, r);
	return i + 1 + syscall_table[k].nargs;
}

/* The clocks a time namespace offsets, through the vDSO as programs read
 * them: "monotonic: SECS" and "boottime: SECS". */
static void clocks(void)
{
	struct timespec m, b;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_BOOTTIME, &b);
	printf("monotonic: %lld\nboottime: %lld\n", (long long)m.tv_sec, (long long)b.tv_sec);
}

static void escape(const char *dir)
{
	DIR *d;
	struct dirent *de;

	mkdir(dir, 0755);
	if (chroot(dir) < 0) {
		printf("escape: chroot %s\n", errname(errno));
		return;
	}
	for (int k = 0; k < 64; k++)
		if (chdir("..") < 0)
			break;
	if (chroot(".") < 0 || !(d = opendir("/"))) {
		printf("escape: %s\n", errname(errno));
		return;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			printf("escape: /%s\n", de->d_name);
	closedir(d);
}

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* musl has renameat2() only from 1.2.5 on: the raw system call. */
static void swap(const char *a, const char *b, const char *secs)
{
	time_t end = time(NULL) + atoi(secs);
	long n = 0;
	while (time(NULL) < end) {
		for (int i = 0; i < 1000; i++, n++)
			if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) < 0) {
				printf("swap: %s after %ld\n", errname(errno), n);
				return;
			}
	}
	printf("swap: %ld\n", n);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: probe ids|caps|fds|mounts|cgroup|rlimits|ns|hostname|env|cwd|pid|tty|clocks"
				"|write PATH|read PATH|syscall NAME ARG...|sysno NAME|escape DIR|swap A B SECONDS ...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		if (strcmp(w, "ids") == 0)
			ids();
		else if (strcmp(w, "caps") == 0)
			caps();
		else if (strcmp(w, "fds") == 0)
			fds();
		else if (strcmp(w, "mounts") == 0)
			mounts();
		else if (strcmp(w, "cgroup") == 0)
			cat_prefixed("cgroup", "/proc/self/cgroup");
		else if (strcmp(w, "rlimits") == 0)
			rlimits();
		else if (strcmp(w, "ns") == 0)
			ns();
		else if (strcmp(w, "hostname") == 0)
			hostname();
		else if (strcmp(w, "env") == 0)
			for (char **e = environ; *e; e++)
				printf("env: %s\n", *e);
		else if (strcmp(w, "cwd") == 0)
			cwd();
		else if (strcmp(w, "pid") == 0)
			printf("pid: %d\nppid: %d\n", (int)getpid(), (int)getppid());
		else if (strcmp(w, "tty") == 0)
			tty();
		else if (strcmp(w, "clocks") == 0)
			clocks();
		else if (strcmp(w, "write") == 0 && i + 1 < argc)
			do_write(argv[++i]);
		else if (strcmp(w, "read") == 0 && i + 1 < argc)
			do_read(argv[++i]);
		else if (strcmp(w, "escape") == 0 && i + 1 < argc)
			escape(argv[++i]);
		else if (strcmp(w, "swap") == 0 && i + 3 < argc) {
			swap(argv[i + 1], argv[i + 2], argv[i + 3]);
			i += 3;
		}
		else if (strcmp(w, "syscall") == 0 && (i = do_syscall(argc, argv, i)) > 0)
			fflush(stdout);
		else if (strcmp(w, "sysno") == 0 && syscall_find(argv[i + 1]) >= 0) {
			printf("sysno %s: %ld\n", argv[i + 1], syscall_table[syscall_find(argv[i + 1])].nr);
			i++;
		}
		else {
			fprintf(stderr, "probe: unknown or incomplete word: %s\n", w);
			return 2;
		}
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
