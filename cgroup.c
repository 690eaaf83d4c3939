/* cgroup.c: cgroup v2 only. Placement, kill, removal.
 *
 * Where: linux.cgroupsPath absolute = below the cgroup2 mount's root;
 * relative = below husk's own cgroup; absent = /husk/<id>. The mount is
 * found in /proc/self/mountinfo, so /sys/fs/cgroup/unified on a hybrid host
 * works as well as /sys/fs/cgroup on a pure v2 one.
 * Resource limits are not applied yet: spec_check_supported refuses them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "husk.h"

/* The first cgroup2 mount point in mountinfo: field 5 is the mount point,
 * and the filesystem type follows the " - " separator. */
static int find_cgroup2_mount(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	char line[4096];
	int found = -1;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		char mnt[4096], fstype[64];
		char *sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
			snprintf(out, len, "%s", mnt);
			found = 0;
		}
	}
	fclose(f);
	return found;
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

static int cgroup_path(const struct spec *s, const char *id, char *out, size_t len, struct husk_err *e)
{
	char mnt[4096], self[4096] = "/";
	const char *cp = s->linux.cgroups_path;
	if (find_cgroup2_mount(mnt, sizeof(mnt)) < 0)
		return -2;
	if (cp && strstr(cp, ".."))
		return err_set(e, 0, "linux.cgroupsPath \"%s\": must not contain \"..\"", cp);
	if (cp && strchr(cp, ':'))
		return err_set(e, 0, "linux.cgroupsPath \"%s\": systemd cgroup paths are not supported", cp);
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

int cgroup_create(const struct spec *s, const char *id, char *path, size_t len, char *top,
		  size_t top_len, struct husk_err *e)
{
	char mnt[4096];
	int r = cgroup_path(s, id, path, len, e);
	if (r < 0)
		return r;
	find_cgroup2_mount(mnt, sizeof(mnt));
	if (make_dirs(path, strlen(mnt), top, top_len, e) < 0)
		return -1;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err_sys(e, "open cgroup %s", path);
		cgroup_remove(path, top, e);
		return -1;
	}
	return fd;
}

int cgroup_enter(int cgroup_fd, pid_t pid, struct husk_err *e)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	return write_file_at(cgroup_fd, "cgroup.procs", buf, (size_t)n, e);
}

/* cgroup.kill (Linux 5.14) kills everything at once, also processes forked
 * meanwhile; for other signals, or older kernels, walk cgroup.procs. */
int cgroup_kill_all(const char *path, int sig, struct husk_err *e)
{
	AUTO_FD dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : err_sys(e, "open cgroup %s", path);
	if (sig == SIGKILL && write_file_at(dfd, "cgroup.kill", "1", 1, e) == 0)
		return 0;
	AUTO_FREE char *procs = read_file_at(dfd, "cgroup.procs", 16 << 20, NULL, e);
	if (!procs)
		return err_wrap(e, "cgroup %s: ", path);
	for (char *p = procs; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0 && kill((pid_t)pid, sig) < 0 && errno != ESRCH)
			return err_sys(e, "kill %ld", pid);
		p = end + (*end == '\n');
	}
	return 0;
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

int cgroup_remove(const char *path, const char *top, struct husk_err *e)
{
	if (!path[0])
		return 0;
	if (rmdir_retry(path) < 0)
		return err_sys(e, "remove cgroup %s", path);
	if (!top[0])
		return 0;
	/* the parents husk created, up to and including top, if now empty */
	char p[4096];
	snprintf(p, sizeof(p), "%s", path);
	size_t tl = strlen(top);
	for (char *slash; strlen(p) > tl && (slash = strrchr(p, '/'));) {
		*slash = '\0';
		if (strlen(p) < tl || rmdir(p) < 0)
			break;
	}
	return 0;
}

bool cgroup_available(void)
{
	char mnt[4096];
	return find_cgroup2_mount(mnt, sizeof(mnt)) == 0;
}
