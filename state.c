/* state.c: the state store. One directory per container under --root:
 *   <root>/<id>/state.json   what `state` prints, plus pid start time and cgroup
 *   <root>/<id>/config.json  the config as created, for start's and delete's hooks
 *   <root>/<id>/exec.sock    exists while the init waits for `start`
 * mkdir of the id's directory is the atomic guard against two creates. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "husk.h"

int state_valid_id(const char *id, struct husk_err *e)
{
	size_t n = strlen(id);
	if (n == 0 || n > 1024)
		return err_set(e, 0, "invalid container id: must be 1 to 1024 characters");
	if (!strcmp(id, ".") || !strcmp(id, ".."))
		return err_set(e, 0, "invalid container id \"%s\"", id);
	if (strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-") == n)
		return 0;
	char shown[65]; /* the id as given, made printable to keep the error one line */
	size_t i;
	for (i = 0; i < n && i < 64; i++)
		shown[i] = (id[i] >= 0x20 && id[i] < 0x7f) ? id[i] : '?';
	shown[i] = '\0';
	return err_set(e, 0, "invalid container id \"%s\": only [A-Za-z0-9_+.-] allowed", shown);
}

const char *state_status_name(enum status st)
{
	static const char *names[] = {"creating", "created", "running", "paused", "stopped"};
	return names[st];
}

/* The root and each <root>/<id> decide what delete kills and removes (the
 * recorded pid and cgroup): one that another user owns (and so can chmod)
 * or can write could hold a forged state.json aimed at the host. kind:
 * "state root" or "state dir", for the message. */
static int check_private(int fd, const char *what, const char *kind, struct husk_err *e)
{
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return err_sys(e, "%s", what);
	if (sb.st_uid != geteuid())
		return err_set(e, 0, "%s: owned by uid %u, not by the caller (uid %u): refusing a %s "
				     "others control", what, (unsigned)sb.st_uid, (unsigned)geteuid(), kind);
	if (sb.st_mode & 022)
		return err_set(e, 0, "%s: writable by %s (0%o): refusing a %s others control", what,
			       sb.st_mode & 002 ? "others" : "its group", (unsigned)(sb.st_mode & 07777),
			       kind);
	return 0;
}

int state_open_root(bool create, struct husk_err *e)
{
	if (create && mkdir(opt_root, 0700) < 0 && errno != EEXIST) {
		/* --root may name a path whose parents do not exist yet (/run/husk on a
		 * fresh tmpfs is the usual case, but nested roots are common too). */
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s", opt_root);
		for (char *p = tmp + 1; *p; p++) {
			if (*p != '/')
				continue;
			*p = '\0';
			/* the first parent that cannot be made is the cause (a
			 * read-only /run), not the ENOENT it leads to */
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return err_sys(e, "mkdir %s", tmp);
			*p = '/';
		}
		if (mkdir(opt_root, 0700) < 0 && errno != EEXIST)
			return err_sys(e, "mkdir %s", opt_root);
	}
	AUTO_FD fd = open(opt_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open %s", opt_root);
	char what[4200];
	snprintf(what, sizeof(what), "--root %s", opt_root);
	if (check_private(fd, what, "state root", e) < 0)
		return -1;
	return take_fd(&fd);
}

int state_open_dir(int rootfd, const char *id, struct husk_err *e)
{
	AUTO_FD fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_sys(e, "open %s/%s", opt_root, id);
	char what[4200];
	snprintf(what, sizeof(what), "state dir %s/%s", opt_root, id);
	if (check_private(fd, what, "state dir", e) < 0)
		return -1;
	return take_fd(&fd);
}

int state_create_dir(int rootfd, const char *id, struct husk_err *e)
{
	if (mkdirat(rootfd, id, 0700) < 0) {
		if (errno == EEXIST)
			return err_set(e, 0, "container %s already exists", id);
		return err_sys(e, "mkdir %s/%s", opt_root, id);
	}
	int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		err_sys(e, "open %s/%s", opt_root, id);
		unlinkat(rootfd, id, AT_REMOVEDIR);
	}
	return fd;
}

/* The files husk puts in a state dir (see the top of this file), with the
 * temporary names write_file_atomic_at uses. */
static const char *const state_files[] = {"state.json.tmp", "config.json", "config.json.tmp",
					  "exec.sock", "state.json", NULL}; /* state.json last: below */

/* Without a free fd (EMFILE, ENFILE: a create that failed for want of
 * one), the directory cannot be listed: its known files go by name. */
static int remove_known(int rootfd, const char *id, struct husk_err *e)
{
	char name[1100];
	struct stat sb; /* a symlink there is not husk's dir: nothing is followed */
	if (fstatat(rootfd, id, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(sb.st_mode))
		return errno == ENOENT ? 0 : err_set(e, ENOTDIR, "remove %s/%s", opt_root, id);
	for (const char *const *f = state_files; *f; f++) {
		snprintf(name, sizeof(name), "%s/%s", id, *f);
		unlinkat(rootfd, name, 0);
	}
	if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return err_sys(e, "remove %s/%s", opt_root, id);
	return 0;
}

/* Remove the id's directory and the few files husk puts in it, state.json
 * last: while the dir is going, a concurrent state/kill/exec either still
 * reads the whole state (and derives "stopped") or finds no state.json and
 * no config.json, which state_load tells from a create in progress. */
int state_remove_dir(int rootfd, const char *id, struct husk_err *e)
{
	AUTO_FD dfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0 && (errno == EMFILE || errno == ENFILE))
		return remove_known(rootfd, id, e);
	if (dfd < 0)
		return errno == ENOENT ? 0 : err_sys(e, "open %s/%s", opt_root, id);
	DIR *d = fdopendir(dfd);
	if (!d)
		return err_sys(e, "opendir %s/%s", opt_root, id);
	dfd = -1; /* owned by d now */
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "state.json"))
			unlinkat(dirfd(d), de->d_name, 0);
	unlinkat(dirfd(d), "state.json", 0);
	closedir(d);
	if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return err_sys(e, "remove %s/%s", opt_root, id);
	return 0;
}

/* ---- pid liveness --------------------------------------------------------- */

/* Field 22 of /proc/PID/stat (start time) and field 3 (state). comm may hold
 * spaces and parentheses, so parse from the last ')'. */
int proc_start_time(pid_t pid, unsigned long long *start, char *pstate)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	AUTO_FD fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	char st[2];
	unsigned long long t;
	/* after ')': state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime */
	if (field(p + 1, 0, st, sizeof(st)) < 0 || field_u64(p + 1, 19, 10, &t) < 0)
		return -1;
	*start = t;
	if (pstate)
		*pstate = st[0];
	return 0;
}

/* Alive means: the same process (pid and start time) and not a zombie. */
bool state_pid_alive(const struct state *st)
{
	unsigned long long t;
	char ps;
	if (st->pid <= 0 || proc_start_time(st->pid, &t, &ps) < 0)
		return false;
	return t == st->start_time && ps != 'Z' && ps != 'X';
}

/* ---- JSON in and out -------------------------------------------------------- */

/* The spec's state object (runtime.md), plus runc's rootfs/created/owner
 * (owner: a name for `state` and `list`, the uid as recorded on disk).
 * full=false gives the hooks' form (only the spec's fields). */
static char *json_of(const struct state *st, bool full, const char *indent, const char *owner)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	const char *nl = indent[0] ? "\n" : "";
	fprintf(f, "{%s%s\"ociVersion\": \"%s\",%s", nl, indent, HUSK_SPEC_VERSION, nl);
	fprintf(f, "%s\"id\": ", indent);
	json_put_string(f, st->id);
	fprintf(f, ",%s%s\"pid\": %d,%s", nl, indent, st->status == ST_STOPPED ? 0 : (int)st->pid, nl);
	fprintf(f, "%s\"status\": \"%s\",%s%s\"bundle\": ", indent, state_status_name(st->status), nl,
		indent);
	json_put_string(f, st->bundle);
	if (full) {
		fprintf(f, ",%s%s\"rootfs\": ", nl, indent);
		json_put_string(f, st->rootfs);
		fprintf(f, ",%s%s\"created\": \"%s\",%s%s\"owner\": ", nl, indent, st->created, nl, indent);
		json_put_string(f, owner);
	}
	if (st->annotations_json)
		fprintf(f, ",%s%s\"annotations\": %s", nl, indent, st->annotations_json);
	fprintf(f, "%s}", nl);
	fclose(f);
	return buf;
}

char *state_json(const struct state *st, bool full, const char *indent)
{
	return json_of(st, full, indent, full ? state_owner_name(st) : NULL);
}

/* state.json on disk: husk's own fields, then the full form, with the
 * owner as create recorded it, a uid (named only when shown: no passwd
 * read per write). The reader takes the first match of each key, and the
 * annotations (the config's, which a pod spec may fill) come last: a key
 * in them must never shadow one of husk's, or "husk.cgroup" would aim
 * delete at any cgroup. */
int state_write(int dirfd, const struct state *st, struct husk_err *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return err_sys(e, "write state.json");
	AUTO_FREE char *pub = json_of(st, true, "", st->owner);
	if (!pub) {
		fclose(f);
		free(buf);
		return err_sys(e, "write state.json");
	}
	fprintf(f, "{\"husk.start_time\": %llu,\"husk.hooks\": %u,%s\"husk.cgroup\": ", st->start_time,
		st->hooks, st->no_process ? "\"husk.no_process\": 1," : "");
	json_put_string(f, st->cgroup);
	fprintf(f, ",\"husk.cgroup_top\": ");
	json_put_string(f, st->cgroup_top);
	fprintf(f, ",\"husk.systemd_unit\": ");
	json_put_string(f, st->unit);
	fprintf(f, ",\"husk.cgroup_ino\": %llu", st->cgroup_ino);
	fprintf(f, ",%s\n", pub + 1); /* pub's own fields, annotations last */
	fclose(f);
	/* the first write makes state.json; later ones replace it */
	int r = st->status == ST_CREATING ? write_file_atomic_at(dirfd, "state.json", buf, len, 0600, e)
					  : replace_file_at(dirfd, "state.json", buf, len, 0600, e);
	free(buf);
	return r;
}

/* Reading back what state_write wrote: a tiny scanner for our own flat
 * object (string and integer values, annotations kept verbatim). */
static const char *find_key(const char *js, const char *key)
{
	char pat[64];
	size_t n = strlen(key);
	if (n + 4 > sizeof(pat))
		return NULL;
	pat[0] = '"';
	memcpy(pat + 1, key, n);
	memcpy(pat + 1 + n, "\": ", 4); /* with its NUL */
	const char *p = strstr(js, pat);
	return p ? p + n + 4 : NULL;
}

static int get_string(const char *js, const char *key, char *out, size_t outlen)
{
	const char *p = find_key(js, key);
	if (!p || *p != '"')
		return -1;
	size_t n = 0;
	for (p++; *p && *p != '"'; p++) {
		char c = *p;
		if (c == '\\') {
			p++;
			if (*p == 'u') {
				char hex[5] = {0};
				unsigned long long v;
				memcpy(hex, p + 1, strnlen(p + 1, 4));
				if (strlen(hex) != 4 || field_u64(hex, 0, 16, &v) < 0)
					return -1;
				c = (char)v;
				p += 4;
			} else {
				c = *p;
			}
		}
		if (!c || n + 1 >= outlen)
			return -1;
		out[n++] = c;
	}
	if (*p != '"')
		return -1;
	out[n] = '\0';
	return 0;
}

static int get_number(const char *js, const char *key, unsigned long long *out)
{
	const char *p = find_key(js, key);
	char *end;
	if (!p)
		return -1;
	errno = 0;
	*out = strtoull(p, &end, 10);
	return errno || end == p ? -1 : 0;
}

/* The annotations object, verbatim: from its '{' to the matching '}'. */
static char *get_object(const char *js, const char *key)
{
	const char *p = find_key(js, key);
	if (!p || *p != '{')
		return NULL;
	int depth = 0;
	bool in_str = false;
	for (const char *q = p; *q; q++) {
		if (in_str) {
			if (*q == '\\' && q[1])
				q++;
			else if (*q == '"')
				in_str = false;
		} else if (*q == '"') {
			in_str = true;
		} else if (*q == '{') {
			depth++;
		} else if (*q == '}' && --depth == 0) {
			return strndup(p, (size_t)(q - p + 1));
		}
	}
	return NULL;
}

static int parse_fields(const char *js, struct state *st);

static int parse_state(char *js, struct state *st)
{
	/* husk's fields are all before the annotations: an optional one that
	 * is absent must not be found among them (and the search is shorter) */
	char *ann = strstr(js, "\"annotations\": ");
	if (ann)
		*ann = '\0';
	int r = parse_fields(js, st);
	if (ann)
		*ann = '"';
	if (r < 0)
		return -1;
	st->annotations_json = ann ? get_object(ann, "annotations") : NULL;
	/* --systemd-cgroup: once the scope is gone, its name and so its
	 * cgroup's path are free for any other unit (a login session's, named
	 * by a hostile config): husk must never kill, freeze, change or stop
	 * what is there then. The cgroup's inode says whether it is the one
	 * husk recorded at create; if not, the container has no cgroup left. */
	struct stat sb;
	if (st->unit[0] && st->cgroup[0] && stat(st->cgroup, &sb) == 0 &&
	    (unsigned long long)sb.st_ino != st->cgroup_ino)
		st->cgroup[0] = '\0';
	return 0;
}

static int parse_fields(const char *js, struct state *st)
{
	unsigned long long pid, t, hooks, none;
	if (get_string(js, "id", st->id, sizeof(st->id)) || get_number(js, "pid", &pid) ||
	    get_number(js, "husk.start_time", &t) ||
	    get_string(js, "bundle", st->bundle, sizeof(st->bundle)) ||
	    get_string(js, "rootfs", st->rootfs, sizeof(st->rootfs)) ||
	    get_string(js, "created", st->created, sizeof(st->created)) ||
	    get_string(js, "owner", st->owner, sizeof(st->owner)) ||
	    get_string(js, "husk.cgroup", st->cgroup, sizeof(st->cgroup)) ||
	    get_string(js, "husk.cgroup_top", st->cgroup_top, sizeof(st->cgroup_top)))
		return -1;
	if (get_string(js, "husk.systemd_unit", st->unit, sizeof(st->unit)) < 0 ||
	    get_number(js, "husk.cgroup_ino", &st->cgroup_ino) < 0)
		st->unit[0] = '\0'; /* written by husk before 0.2.2 */
	st->pid = (pid_t)pid;
	st->start_time = t;
	/* written by husk before 0.1.1: no such field, so look at every kind */
	st->hooks = get_number(js, "husk.hooks", &hooks) == 0 ? (unsigned)hooks : ~0u;
	st->no_process = get_number(js, "husk.no_process", &none) == 0 && none;
	return 0;
}

/* Derive the status: the init's liveness, then exec.sock (created) and
 * cgroup.freeze (paused). */
static enum status derive_status(int dirfd, const struct state *st)
{
	if (!state_pid_alive(st)) /* (exec.sock matters only for pid 0 then) */
		return st->pid == 0 && faccessat(dirfd, "exec.sock", F_OK, AT_SYMLINK_NOFOLLOW) == 0 ?
			       ST_CREATING : ST_STOPPED;
	if (faccessat(dirfd, "exec.sock", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return ST_CREATED;
	if (st->cgroup[0]) {
		char path[4200], c = '0';
		snprintf(path, sizeof(path), "%s/cgroup.freeze", st->cgroup);
		AUTO_FD fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && read(fd, &c, 1) == 1 && c == '1')
			return ST_PAUSED;
	}
	return ST_RUNNING;
}

/* A state dir without state.json: a create in progress (it writes
 * config.json first, state.json once the cgroup exists) or killed midway,
 * or a delete in progress (state_remove_dir takes state.json last), or one
 * that has just finished (the dir is unlinked: nothing is left to name). */
static int no_state_json(int dfd, const char *id, struct husk_err *e)
{
	struct stat sb;
	if (fstat(dfd, &sb) == 0 && sb.st_nlink == 0)
		return err_set(e, 0, "container %s does not exist", id);
	if (faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return err_set(e, 0, "container %s is being created (no state.json yet)", id);
	return err_set(e, 0, "container %s is being created or deleted (no state.json)", id);
}

int state_load(int rootfd, const char *id, struct state *st, int *dirfd_out, struct husk_err *e)
{
	memset(st, 0, sizeof(*st));
	if (state_valid_id(id, e) < 0)
		return -1;
	AUTO_FD dfd = state_open_dir(rootfd, id, e);
	if (dfd < 0)
		return e->errnum == ENOENT ? err_set(e, 0, "container %s does not exist", id) : -1;
	AUTO_FREE char *js = read_file_at(dfd, "state.json", 1 << 20, NULL, e);
	if (!js && e->errnum == ENOENT)
		return no_state_json(dfd, id, e);
	if (!js)
		return err_wrap(e, "container %s: ", id);
	if (parse_state(js, st) < 0)
		return err_set(e, 0, "container %s: %s/%s/state.json is corrupt", id, opt_root, id);
	st->status = derive_status(dfd, st);
	if (dirfd_out)
		*dirfd_out = take_fd(&dfd);
	return 0;
}

void state_release(struct state *st)
{
	free(st->annotations_json);
	st->annotations_json = NULL;
}

/* create stores the creator's uid; the name is looked up only to show it
 * (reading /etc/passwd costs every create otherwise). */
const char *state_owner_name(const struct state *st)
{
	char *end;
	unsigned long uid = strtoul(st->owner, &end, 10);
	struct passwd *pw = *end || end == st->owner ? NULL : getpwuid((uid_t)uid);
	return pw ? pw->pw_name : st->owner;
}
