/* cgstats.c: a container's cgroup v2 files read back as runc's stats
 * (`husk events`): cpu.stat, memory.stat and memory.events, io.stat,
 * hugetlb, pids; and the "key value" reader cgroup.c shares. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "husk.h"

/* "key value" lines (cgroup.events, memory.stat...): key's value, 0 if absent. */
uint64_t cgroup_keyed(const char *text, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
	return 0;
}

static char *slurp(int dfd, const char *file)
{
	struct husk_err e;
	char *s = read_file_at(dfd, file, 1 << 20, NULL, &e);
	return s ? s : calloc(1, 1);
}

/* A single number; "max" (or a missing file) is UINT64_MAX as in runc's stats. */
static uint64_t value(int dfd, const char *file, uint64_t missing)
{
	AUTO_FREE char *s = slurp(dfd, file);
	if (!s || !*s)
		return missing;
	return strncmp(s, "max", 3) ? strtoull(s, NULL, 10) : UINT64_MAX;
}

uint64_t cgroup_oom_kills(const char *path)
{
	AUTO_FD dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	AUTO_FREE char *ev = slurp(dfd, "memory.events");
	return ev ? cgroup_keyed(ev, "oom_kill") : 0;
}

static void stats_cpu(FILE *f, int dfd)
{
	AUTO_FREE char *s = slurp(dfd, "cpu.stat");
	if (!s)
		return;
	fprintf(f, "\"cpu\":{\"usage\":{\"total\":%" PRIu64 ",\"kernel\":%" PRIu64 ",\"user\":%" PRIu64
		   "},\"throttling\":{\"periods\":%" PRIu64 ",\"throttledPeriods\":%" PRIu64
		   ",\"throttledTime\":%" PRIu64 "}}",
		cgroup_keyed(s, "usage_usec") * 1000, cgroup_keyed(s, "system_usec") * 1000, cgroup_keyed(s, "user_usec") * 1000,
		cgroup_keyed(s, "nr_periods"), cgroup_keyed(s, "nr_throttled"), cgroup_keyed(s, "throttled_usec") * 1000);
}

/* memory.stat as "raw"; memory.events as runc's "event_count"; swap as
 * runc reports it on v2: memory + swap, as v1's memsw did. */
static void stats_memory(FILE *f, int dfd)
{
	AUTO_FREE char *st = slurp(dfd, "memory.stat");
	AUTO_FREE char *ev = slurp(dfd, "memory.events");
	if (!st || !ev)
		return;
	uint64_t cur = value(dfd, "memory.current", 0), max = value(dfd, "memory.max", UINT64_MAX);
	uint64_t scur = value(dfd, "memory.swap.current", 0), smax = value(dfd, "memory.swap.max", 0);
	if (smax != UINT64_MAX && max != UINT64_MAX)
		smax += max;
	else
		smax = UINT64_MAX;
	fprintf(f, ",\"memory\":{\"cache\":%" PRIu64 ",\"usage\":{\"limit\":%" PRIu64 ",\"usage\":%" PRIu64
		   ",\"max\":%" PRIu64 ",\"failcnt\":%" PRIu64 "},\"swap\":{\"limit\":%" PRIu64
		   ",\"usage\":%" PRIu64 ",\"failcnt\":0},\"kernel\":{\"limit\":0,\"failcnt\":0},"
		   "\"kernelTCP\":{\"limit\":0,\"failcnt\":0},\"raw\":{",
		cgroup_keyed(st, "file"), max, cur, value(dfd, "memory.peak", 0), cgroup_keyed(ev, "max"), smax,
		scur + cur);
	bool first = true;
	for (char *p = st; *p;) {
		char key[128];
		unsigned long long v;
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (field(p, 0, key, sizeof(key)) == 0 && field_u64(p, 1, 10, &v) == 0) {
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",", key, v);
			first = false;
		}
		p = nl ? nl + 1 : p + strlen(p);
	}
	fprintf(f, "},\"event_count\":{\"low\":%" PRIu64 ",\"high\":%" PRIu64 ",\"max\":%" PRIu64
		   ",\"oom\":%" PRIu64 ",\"oom_kill\":%" PRIu64 "}}",
		cgroup_keyed(ev, "low"), cgroup_keyed(ev, "high"), cgroup_keyed(ev, "max"), cgroup_keyed(ev, "oom"),
		cgroup_keyed(ev, "oom_kill"));
}

/* io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." per device. */
static void stats_blkio(FILE *f, int dfd)
{
	AUTO_FREE char *s = slurp(dfd, "io.stat");
	const char *lists[2][3] = {{"ioServiceBytesRecursive", "rbytes=", "wbytes="},
				   {"ioServicedRecursive", "rios=", "wios="}};
	fprintf(f, ",\"blkio\":{");
	for (int l = 0; s && l < 2; l++) {
		fprintf(f, "%s\"%s\":[", l ? "," : "", lists[l][0]);
		bool first = true;
		for (char *p = s; *p;) {
			char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			char *end;
			unsigned maj = (unsigned)strtoul(p, &end, 10), min = 0;
			if (end != p && *end == ':' && isdigit((unsigned char)end[1]) &&
			    (min = (unsigned)strtoul(end + 1, &end, 10), *end == ' ')) {
				for (int op = 1; op <= 2; op++) {
					char *k = strstr(p, lists[l][op]);
					uint64_t v = k && k < p + len ? strtoull(k + strlen(lists[l][op]), NULL, 10) : 0;
					fprintf(f, "%s{\"major\":%u,\"minor\":%u,\"op\":\"%s\",\"value\":%" PRIu64 "}",
						first ? "" : ",", maj, min, op == 1 ? "Read" : "Write", v);
					first = false;
				}
			}
			p += len + (nl != NULL);
		}
		fputc(']', f);
	}
	fputc('}', f);
}

/* hugetlb.<size>.current / .max / .events "max" count, per page size. */
static void stats_hugetlb(FILE *f, int dfd)
{
	fprintf(f, ",\"hugetlb\":{");
	DIR *d = fdopendir(dup(dfd));
	bool first = true;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char size[64], file[128];
		size_t n = strlen(de->d_name);
		if (strncmp(de->d_name, "hugetlb.", 8) || n < 17 || strcmp(de->d_name + n - 8, ".current") ||
		    strstr(de->d_name, ".rsvd."))
			continue;
		snprintf(size, sizeof(size), "%.*s", (int)(n - 16), de->d_name + 8);
		snprintf(file, sizeof(file), "hugetlb.%s.max", size);
		uint64_t max = value(dfd, file, 0);
		snprintf(file, sizeof(file), "hugetlb.%s.events", size);
		AUTO_FREE char *ev = slurp(dfd, file);
		fprintf(f, "%s\"%s\":{\"usage\":%" PRIu64 ",\"max\":%" PRIu64 ",\"failcnt\":%" PRIu64 "}",
			first ? "" : ",", size, value(dfd, de->d_name, 0), max, ev ? cgroup_keyed(ev, "max") : 0);
		first = false;
	}
	if (d)
		closedir(d);
	fputc('}', f);
}

int cgroup_stats(FILE *f, const char *id, const char *path, struct husk_err *e)
{
	AUTO_FD dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, "open cgroup %s", path);
	fprintf(f, "{\"type\":\"stats\",\"id\":");
	json_put_string(f, id);
	fprintf(f, ",\"data\":{");
	stats_cpu(f, dfd);
	stats_memory(f, dfd);
	uint64_t pmax = value(dfd, "pids.max", 0);
	fprintf(f, ",\"pids\":{\"current\":%" PRIu64 ",\"limit\":%" PRIu64 "}",
		value(dfd, "pids.current", 0), pmax == UINT64_MAX ? 0 : pmax);
	stats_blkio(f, dfd);
	stats_hugetlb(f, dfd);
	fprintf(f, ",\"intel_rdt\":{},\"network_interfaces\":null}}\n");
	fflush(f);
	return 0;
}
