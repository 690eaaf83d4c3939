/* checkpoint.c: checkpoint and restore (runc's commands) by running criu.
 *
 * criu is a separate program, run through its command line (`criu dump`,
 * `criu pre-dump`, `criu restore`), never linked in and never spoken to
 * through its protobuf RPC: the options husk needs all exist on the command
 * line, and a protobuf encoder would cost husk more than this whole file.
 *
 * What goes where:
 *   <image dir>/descriptors.json  the init's fds 0-2 at checkpoint (runc's
 *       file; here criu's keys: "pipe:[N]", "tty[RDEV:DEV]", "file[MNT:INO]"
 *       or the path of a file criu restores itself)
 *   <image dir>/dump.log, restore.log  criu's logs (or in --work-path)
 criu wants the root it restores into to be a mount point whose parent is
 * not overmounted: restore binds the rootfs onto itself in a mount
 * namespace of its own (a slave of the host's), where criu runs, so the
 * bind ends with husk and criu whatever happens (runc binds it on a
 * directory of its state instead, and unmounts it after).
 * A checkpoint without --leave-running ends the container (criu kills it)
 * and husk deletes its state and cgroup, as runc does; restore takes the
 * bundle's config.json (-b), as runc does, and recreates the state. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "husk.h"

/* ---- criu's command line --------------------------------------------------- */

/* The argv of one criu run, its strings in buf. */
struct cmdline {
	char *v[200];
	int n;
	char buf[32768];
	size_t used;
	bool over; /* something did not fit: refused before criu runs */
};

static void add(struct cmdline *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct cmdline *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = sizeof(c->buf) - c->used;
	int n = vsnprintf(c->buf + c->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room || c->n + 1 >= (int)(sizeof(c->v) / sizeof(c->v[0]))) {
		c->over = true;
		return;
	}
	c->v[c->n++] = c->buf + c->used;
	c->v[c->n] = NULL;
	c->used += (size_t)n + 1;
}

/* --criu PATH, else "criu" in $PATH. */
static int find_criu(const char *cmd, char *out, size_t len, struct husk_err *e)
{
	const char *want = opt_criu ? opt_criu : "criu";
	const char *path = strchr(want, '/') ? "" : getenv("PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		int n = strchr(want, '/') ? snprintf(out, len, "%s", want)
					  : snprintf(out, len, "%.*s/%s", (int)(end - p), p, want);
		struct stat st;
		if (n > 0 && (size_t)n < len && stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0)
			return 0;
		if (!*end)
			break;
		p = end;
	}
	return err_set(e, 0, "%s: criu not found (install criu or pass --criu PATH)", cmd);
}

/* The first "Error" line of criu's log, for the one-line message. */
static void first_error(const char *log, char *out, size_t len)
{
	snprintf(out, len, "see %s", log);
	FILE *f = fopen(log, "re");
	char line[1024];
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "Error (");
		if (!p)
			continue;
		p[strcspn(p, "\n")] = '\0';
		snprintf(out, len, "%s (log: %s)", p, log);
		break;
	}
	if (f)
		fclose(f);
}

struct restored;
static int hooks_serve(struct restored *r, struct husk_err *e);
static int hook_fd(const struct restored *r);

/* Run criu and wait for it. Its stdio is /dev/null: husk's own fds 0-2
 * (the restored stdio) are passed as fds 10-12, the new pty's peer as 13,
 * the write end of restore's hook pipe as 14 (hr: hooks to run meanwhile),
 * and the child enters cgroup_fd first (restore: criu forks the restored
 * tasks from itself, so they are born in the container's cgroup). */
static int run_criu(const char *criu, struct cmdline *c, int cgroup_fd, int tty, const char *log,
		    const char *what, struct restored *hr, struct husk_err *e)
{
	if (c->over)
		return err_set(e, E2BIG, "%s: criu's command line", what);
	log_debug("%s: running %s %s ...", what, criu, c->v[1]);
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(e, "%s: fork criu", what);
	if (pid == 0) {
		struct husk_err ce;
		if (cgroup_fd >= 0 && cgroup_enter(cgroup_fd, getpid(), &ce) < 0)
			_exit(125);
		/* Through copies at 20 and up (gone at the exec): a source may sit
		 * on a target. */
		int src[5] = {0, 1, 2, tty, hr ? hook_fd(hr) : -1}, tmp[5];
		for (int i = 0; i < 5; i++)
			tmp[i] = src[i] < 0 ? -1 : fcntl(src[i], F_DUPFD_CLOEXEC, 20);
		for (int i = 0; i < 5; i++)
			if (tmp[i] >= 0 && dup2(tmp[i], 10 + i) < 0)
				_exit(125);
		int null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(125);
		if (null > 2)
			close(null);
		execv(criu, c->v);
		_exit(127);
	}
	int status, hooks = hr ? hooks_serve(hr, e) : 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, "%s: wait for criu", what);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (hooks < 0)
		return -1; /* a hook failed: e says which */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return err_set(e, 0, "%s: cannot run %s", what, criu);
	char why[200];
	first_error(log, why, sizeof(why));
	return err_set(e, 0, "%s: criu %s failed: %s", what, c->v[1], why);
}

/* The options both commands pass on. */
static void add_common(struct cmdline *c, const struct cr_opts *o, const char *images,
		       const char *work, const char *log)
{
	add(c, "--images-dir=%s", images);
	if (work)
		add(c, "--work-dir=%s", work);
	add(c, "--log-file=%s", log);
	add(c, "-v4");
	add(c, "--manage-cgroups=%s", o->cg_mode ? o->cg_mode : "soft");
	if (o->tcp_established)
		add(c, "--tcp-established");
	if (o->ext_unix_sk)
		add(c, "--ext-unix-sk");
	if (o->shell_job)
		add(c, "--shell-job");
	if (o->file_locks)
		add(c, "--file-locks");
}

/* Bind mounts come from outside the container: criu saves them as
 * external (cookie: the destination) and binds the source again. */
static void add_bind_mounts(struct cmdline *c, const struct spec *s, const char *bundle, bool dump)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct mount_entry *m = &s->mounts[i];
		bool bind = m->type && !strcmp(m->type, "bind");
		for (size_t j = 0; j < m->options.n; j++)
			bind |= !strcmp(m->options.v[j], "bind") || !strcmp(m->options.v[j], "rbind");
		if (!bind || !m->source)
			continue;
		if (dump)
			add(c, "--external=mnt[%s]:%s", m->destination, m->destination);
		else if (m->source[0] == '/')
			add(c, "--external=mnt[%s]:%s", m->destination, m->source);
		else
			add(c, "--external=mnt[%s]:%s/%s", m->destination, bundle, m->source);
	}
}

/* Options a checkpoint or restore cannot honour: refused by name. */
static int refuse(const struct cr_opts *o, const char *cmd, struct husk_err *e)
{
	const char *name = o->page_server	? "--page-server"
			   : o->lazy_pages	? "--lazy-pages"
			   : o->status_fd	? "--status-fd"
			   : o->empty_ns	? "--empty-ns"
			   : o->auto_dedup	? "--auto-dedup"
			   : o->lsm_profile	? "--lsm-profile"
			   : o->lsm_mount_context ? "--lsm-mount-context"
						: NULL;
	if (name)
		return err_set(e, 0, "%s: %s is not supported by husk", cmd, name);
	const char *m = o->cg_mode;
	if (m && strcmp(m, "soft") && strcmp(m, "full") && strcmp(m, "strict") && strcmp(m, "ignore"))
		return err_set(e, 0, "%s: --manage-cgroups-mode: invalid mode \"%s\" (soft, full, "
				     "strict or ignore)", cmd, m);
	return 0;
}

/* An absolute copy of a directory option (default name in the cwd). */
static int abs_dir(const char *p, const char *dflt, char *out, size_t len, struct husk_err *e)
{
	char cwd[4096];
	p = p ? p : dflt;
	if (p[0] == '/')
		return (size_t)snprintf(out, len, "%s", p) < len ? 0 : err_set(e, ENAMETOOLONG, "%s", p);
	if (!getcwd(cwd, sizeof(cwd)))
		return err_sys(e, "getcwd");
	if ((size_t)snprintf(out, len, "%s/%s", cwd, p) >= len)
		return err_set(e, ENAMETOOLONG, "%s", p);
	return 0;
}

/* ---- checkpoint ---------------------------------------------------------------- */

/* mnt_id of fd in pid's /proc/PID/fdinfo, and is that mount the process's? */
static bool mount_is_inside(pid_t pid, int fd, unsigned *mnt_id)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	struct husk_err e;
	AUTO_FREE char *info = read_file_at(AT_FDCWD, path, 1 << 16, NULL, &e);
	char *p = info ? strstr(info, "mnt_id:") : NULL;
	*mnt_id = p ? (unsigned)strtoul(p + 7, NULL, 10) : 0;
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	FILE *f = fopen(path, "re");
	bool inside = false;
	while (f && !inside && fgets(buf, sizeof(buf), f))
		inside = strtoul(buf, NULL, 10) == *mnt_id;
	if (f)
		fclose(f);
	return inside;
}

/* What criu must be told about the init's fd: key (for descriptors.json),
 * and whether it is external at dump. A pipe needs nothing at dump and is
 * inherited at restore; a pty's peer and a file from a mount the container
 * does not see are external (not saved; given back at restore). */
static bool describe_fd(pid_t pid, int fd, char *key, size_t len)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	ssize_t n = readlink(path, key, len - 1);
	key[n > 0 ? n : 0] = '\0';
	if (n <= 0 || !strncmp(key, "pipe:", 5) || !strncmp(key, "socket:", 7) ||
	    !strncmp(key, "anon_inode:", 11) || stat(path, &st) < 0)
		return false;
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143) {
		snprintf(key, len, "tty[%x:%x]", (unsigned)st.st_rdev, (unsigned)st.st_dev);
		return true;
	}
	unsigned mnt;
	if (mount_is_inside(pid, fd, &mnt))
		return false;
	snprintf(key, len, "file[%x:%llx]", mnt, (unsigned long long)st.st_ino);
	return true;
}

static int write_descriptors(const char *images, char keys[3][256], struct husk_err *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return err_sys(e, "descriptors.json");
	for (int i = 0; i < 3; i++) {
		fputs(i ? "," : "[", f);
		json_put_string(f, keys[i]);
	}
	fputs("]\n", f);
	fclose(f);
	AUTO_FD dfd = open(images, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = dfd < 0 ? err_sys(e, "open %s", images)
			: write_file_atomic_at(dfd, "descriptors.json", buf, len, 0600, e);
	free(buf);
	return r;
}

/* After a dump that ended the container: delete it, as runc does
 * (poststop hooks, cgroup, state). criu has killed the tree; once the
 * init is gone (a pid namespace's init exits last), its cgroup is empty. */
static int forget(int rootfd, int dirfd, struct state *st, struct husk_err *e)
{
	struct timespec ms = {0, 10000000};
	for (int i = 0; i < 500 && state_pid_alive(st); i++)
		nanosleep(&ms, NULL);
	st->status = ST_STOPPED;
	return destroy(rootfd, dirfd, st, e);
}

static int load_running(const char *id, struct state *st, int *rootfd, int *dirfd,
			struct husk_err *e)
{
	if ((*rootfd = state_open_root(false, e)) < 0)
		return e->errnum == ENOENT ? err_set(e, 0, "container %s does not exist", id) : -1;
	if (state_load(*rootfd, id, st, dirfd, e) < 0)
		return -1;
	if (st->status != ST_RUNNING && st->status != ST_PAUSED)
		return err_set(e, 0, "cannot checkpoint container %s: it is %s, not running", id,
			       state_status_name(st->status));
	return 0;
}

static int dump_args(struct cmdline *c, const struct cr_opts *o, const struct state *st, int dirfd,
		     const char *images, const char *work, const char *log, struct husk_err *e)
{
	struct spec s = {0};
	size_t len;
	char *raw = read_file_at(dirfd, "config.json", 16 << 20, &len, e);
	if (!raw || spec_parse(&s, raw, len, e) < 0)
		return err_wrap(e, "checkpoint: the container's saved config: ");
	add(c, "%s", o->pre_dump ? "pre-dump" : "dump");
	add(c, "--tree=%d", (int)st->pid);
	add(c, "--root=%s", st->rootfs);
	add_common(c, o, images, work, log);
	if (st->cgroup[0])
		add(c, "--freeze-cgroup=%s", st->cgroup);
	if (o->leave_running && !o->pre_dump)
		add(c, "--leave-running");
	if (o->pre_dump || o->parent_path)
		add(c, "--track-mem");
	if (o->parent_path)
		add(c, "--prev-images-dir=%s", o->parent_path);
	if (!o->pre_dump) {
		add_bind_mounts(c, &s, st->bundle, true);
		if (s.process.terminal) /* a bind of the pty's peer, given back at restore */
			add(c, "--external=mnt[/dev/console]:/dev/console");
	}
	spec_free(&s);
	return 0;
}

int checkpoint_run(const struct cr_opts *o, const char *id, struct husk_err *e)
{
	char criu[4096], images[4096], work[4096], log[8300];
	struct state st = {0};
	AUTO_FD rootfd = -1;
	AUTO_FD dirfd = -1;
	static struct cmdline c;
	c.v[c.n++] = "criu";
	if (refuse(o, "checkpoint", e) < 0 || find_criu("checkpoint", criu, sizeof(criu), e) < 0 ||
	    abs_dir(o->image_path, "checkpoint", images, sizeof(images), e) < 0 ||
	    (o->work_path && abs_dir(o->work_path, NULL, work, sizeof(work), e) < 0))
		return -1;
	if (load_running(id, &st, &rootfd, &dirfd, e) < 0)
		goto out;
	/* As runc: a checkpoint may be taken again into the same directory. */
	if (mkdir(images, 0700) < 0 && errno != EEXIST) {
		err_sys(e, "checkpoint: mkdir %s", images);
		goto out;
	}
	if (o->work_path && mkdir(work, 0700) < 0 && errno != EEXIST) {
		err_sys(e, "checkpoint: mkdir %s", work);
		goto out;
	}
	snprintf(log, sizeof(log), "%s/%s", o->work_path ? work : images,
		 o->pre_dump ? "pre-dump.log" : "dump.log");
	if (dump_args(&c, o, &st, dirfd, images, o->work_path ? work : NULL, log, e) < 0)
		goto out;
	char keys[3][256];
	for (int fd = 0; fd < 3; fd++)
		if (describe_fd(st.pid, fd, keys[fd], sizeof(keys[fd])) && !o->pre_dump)
			add(&c, "--external=%s", keys[fd]);
	if (!o->pre_dump && write_descriptors(images, keys, e) < 0)
		goto out;
	if (run_criu(criu, &c, -1, -1, log, "checkpoint", NULL, e) < 0)
		goto out;
	if (!o->leave_running && !o->pre_dump && forget(rootfd, dirfd, &st, e) < 0) {
		err_wrap(e, "checkpoint: saved in %s, but deleting the container: ", images);
		goto out;
	}
	state_release(&st);
	return 0;
out:
	state_release(&st);
	return -1;
}

/* ---- restore ------------------------------------------------------------------- */

/* descriptors.json as checkpoint wrote it: three JSON strings. */
static int read_descriptors(const char *images, char keys[3][256], struct husk_err *e)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/descriptors.json", images);
	AUTO_FREE char *js = read_file_at(AT_FDCWD, path, 1 << 16, NULL, e);
	if (!js)
		return err_wrap(e, "restore: ");
	const char *p = js;
	for (int i = 0; i < 3; i++) {
		p = strchr(p, '"');
		const char *end = p ? strchr(p + 1, '"') : NULL;
		if (!end || end - p - 1 >= 256)
			return err_set(e, 0, "restore: %s: not husk's descriptors", path);
		snprintf(keys[i], 256, "%.*s", (int)(end - p - 1), p + 1);
		p = end + 1;
	}
	return 0;
}

struct restored {
	struct container c;
	struct state st;
	char images[4096], work[4096], log[8300], pidfile[4200], pts[64];
	char keys[3][256];
	int rootfd, dirfd, cgroup_fd, console, master, slave, script, hook_fds[4], mntns;
};

/* ---- restore's hooks --------------------------------------------------------- */

/* runc runs the prestart and createRuntime hooks (and no others) when criu
 * says "setup-namespaces": the restored init exists in its namespaces and
 * runs nothing yet; the state they get has its pid. On criu's command line
 * only an --action-script hears it, run with fds 0-2 alone and no
 * argument: husk gives it this script in a memfd (/run may be noexec), as
 * /proc/PID/fd/N (so $0's dir is husk's fds). It writes CRTOOLS_INIT_PID
 * into a pipe of husk's and
 * fails, failing the restore, unless husk, which runs the hooks meanwhile,
 * answers 0 on another. criu holds the first pipe's only write end (fd 14,
 * closed in what it restores and in the script), so husk sees EOF there
 * if criu ends without asking. */
static const char hook_script[] = "#!/bin/sh\n[ $CRTOOLS_SCRIPT_ACTION != setup-namespaces ]||"
				  "{ cd ${0%%/*}&&echo $CRTOOLS_INIT_PID>%d&&read r<%d&&[ $r = 0 ];}\n";

/* hook_fds: the pid's pipe (read end, write end for criu), the answer's
 * write end, and its read end, kept open until husk is done: without a
 * reader, the answer written before the script opens the pipe would be
 * lost (EPIPE), and the script would wait for it forever. */
static int hook_fd(const struct restored *r)
{
	return r->hook_fds[1];
}

static int hooks_start(struct restored *r, struct husk_err *e)
{
	const struct hooks *h = r->c.spec.hooks;
	int p[2], n;
	char text[200];
	if (!h[HOOK_PRESTART].n && !h[HOOK_CREATE_RUNTIME].n)
		return 0;
	r->script = memfd_create("husk-restore-hooks", MFD_CLOEXEC);
	if (r->script < 0 || pipe2(r->hook_fds, O_CLOEXEC) < 0 || pipe2(p, O_CLOEXEC) < 0 ||
	    (n = snprintf(text, sizeof(text), hook_script, r->hook_fds[0], p[1])) < 0 ||
	    write(r->script, text, (size_t)n) != n ||
	    (r->mntns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0)
		return err_sys(e, "restore: the hooks");
	r->hook_fds[2] = p[1]; /* the script opens the pipe afresh */
	r->hook_fds[3] = p[0];
	return 0;
}

/* While criu runs: its question, the hooks in husk's own mount namespace,
 * the answer. -1 when a hook failed (e says which). */
static int hooks_serve(struct restored *r, struct husk_err *e)
{
	char buf[32] = "";
	close(r->hook_fds[1]);
	r->hook_fds[1] = -1;
	if (read(r->hook_fds[0], buf, sizeof(buf) - 1) <= 0)
		return 0; /* criu ended first */
	r->st.pid = (pid_t)strtol(buf, NULL, 10);
	AUTO_FREE char *js = state_json(&r->st, false, "");
	int rc = !js || setns(r->mntns, CLONE_NEWNS) < 0 ? err_sys(e, "restore: the hooks") : 0;
	for (int k = HOOK_PRESTART; k <= HOOK_CREATE_RUNTIME && rc == 0; k++)
		if (hooks_run(r->c.spec.hooks, k, js, e) < 0)
			rc = err_wrap(e, "restore: ");
	r->st.pid = 0;
	ssize_t w = write(r->hook_fds[2], rc < 0 ? "1\n" : "0\n", 2); /* else criu fails */
	(void)w;
	return rc;
}

/* The pty whose peer replaces the checkpointed one; its master goes to
 * --console-socket, as at create. */
static int new_pty(struct restored *r, struct husk_err *e)
{
	int unlock = 0, n;
	r->master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (r->master < 0)
		return err_sys(e, "restore: open /dev/ptmx");
	if (ioctl(r->master, TIOCSPTLCK, &unlock) < 0 || ioctl(r->master, TIOCGPTN, &n) < 0)
		return err_sys(e, "restore: unlock the pty");
	r->slave = ioctl(r->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (r->slave < 0)
		return err_sys(e, "restore: open the pty's peer");
	snprintf(r->pts, sizeof(r->pts), "/dev/pts/%d", n);
	if (send_fd(r->console, r->master, r->pts) < 0)
		return err_sys(e, "restore: send the console to the console socket");
	return 0;
}

static void restore_args(struct cmdline *c, const struct cr_opts *o, struct restored *r)
{
	add(c, "restore");
	add(c, "--root=%s", r->c.rootfs);
	add_common(c, o, r->images, o->work_path ? r->work : NULL, r->log);
	add(c, "--restore-detached");
	add(c, "--restore-sibling");
	add(c, "--evasive-devices");
	add(c, "--pidfile=%s", r->pidfile);
	char rel[4096];
	if (r->st.cgroup[0] && cgroup_relative(r->st.cgroup, rel, sizeof(rel)) == 0)
		add(c, "--cgroup-root=%s", rel);
	add_bind_mounts(c, &r->c.spec, r->c.bundle, false);
	if (r->c.spec.process.terminal)
		add(c, "--external=mnt[/dev/console]:%s", r->pts);
	/* One --inherit-fd a key: criu moves the fd into its store, so a
	 * second one (stdout and stderr on one pipe or pty) would find it gone. */
	for (int fd = 0; fd < 3; fd++) {
		const char *k = r->keys[fd];
		if ((fd > 0 && !strcmp(k, r->keys[0])) || (fd > 1 && !strcmp(k, r->keys[1])))
			continue;
		if (!strncmp(k, "tty[", 4))
			add(c, "--inherit-fd=fd[13]:%s", k);
		else if (!strncmp(k, "pipe:", 5) || !strncmp(k, "file[", 5))
			add(c, "--inherit-fd=fd[%d]:%s", 10 + fd, k);
	}
}

/* Phase 1, nothing made yet: the images, the bundle, the console. */
static int restore_check(struct restored *r, const struct cr_opts *o, struct husk_err *e)
{
	char inv[4200];
	if (abs_dir(o->image_path, "checkpoint", r->images, sizeof(r->images), e) < 0 ||
	    (o->work_path && abs_dir(o->work_path, NULL, r->work, sizeof(r->work), e) < 0))
		return -1;
	snprintf(inv, sizeof(inv), "%s/inventory.img", r->images);
	if (access(inv, R_OK) < 0)
		return err_sys(e, "restore: %s: not a checkpoint (inventory.img)", r->images);
	if (read_descriptors(r->images, r->keys, e) < 0)
		return -1;
	if (resolve_bundle(&r->c, o->bundle, e) < 0)
		return -1;
	bool tty = !strncmp(r->keys[0], "tty[", 4) || !strncmp(r->keys[1], "tty[", 4);
	if (tty && !o->console_socket)
		return err_set(e, 0, "restore: the checkpoint has a terminal: --console-socket is "
				     "required");
	if (!tty && o->console_socket)
		return err_set(e, 0, "restore: --console-socket given but the checkpoint has no "
				     "terminal");
	if (tty && !r->c.spec.process.terminal)
		return err_set(e, 0, "restore: the checkpoint has a terminal but config.json's "
				     "process.terminal is false");
	return 0;
}

/* Phase 2: the state dir, the cgroup with its limits, state.json (pid 0,
 * so that delete --force finds the cgroup), the rootfs a mount point. */
static int restore_prepare(struct restored *r, const char *id, struct husk_err *e)
{
	if ((r->rootfd = state_open_root(true, e)) < 0 ||
	    (r->dirfd = state_create_dir(r->rootfd, id, e)) < 0)
		return -1;
	fill_state(&r->st, &r->c);
	r->cgroup_fd = cgroup_create(&r->c.spec, id, r->st.cgroup, sizeof(r->st.cgroup),
				     r->st.cgroup_top, sizeof(r->st.cgroup_top), e);
	if (r->cgroup_fd == -1)
		return -1;
	const struct resources *res = &r->c.spec.linux.resources;
	if (cgroup_apply(r->cgroup_fd, r->st.cgroup, res, false, e) < 0 ||
	    (r->cgroup_fd >= 0 && res->n_devices &&
	     devices_attach(r->cgroup_fd, r->st.cgroup, res->devices, res->n_devices, e) < 0))
		return err_wrap(e, "config.json: ");
	if (state_write(r->dirfd, &r->st, e) < 0 || save_config(r->dirfd, &r->c, e) < 0 ||
	    hooks_start(r, e) < 0)
		return -1;
	snprintf(r->pidfile, sizeof(r->pidfile), "%s/%s/criu.pid", opt_root, id);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return err_sys(e, "restore: a mount namespace for criu");
	if (mount(r->c.rootfs, r->c.rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(e, "restore: bind %s on itself", r->c.rootfs);
	return 0;
}

/* Phase 3: criu, then the restored init recorded. */
static int restore_run_criu(struct restored *r, const struct cr_opts *o, const char *criu,
			    struct husk_err *e)
{
	static struct cmdline c;
	c.v[c.n++] = "criu";
	if (o->console_socket && ((r->console = unix_connect(o->console_socket, "console socket", e)) < 0 ||
				  new_pty(r, e) < 0))
		return -1;
	snprintf(r->log, sizeof(r->log), "%s/restore.log", o->work_path ? r->work : r->images);
	if (o->work_path && mkdir(r->work, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "restore: mkdir %s", r->work);
	restore_args(&c, o, r);
	if (r->script >= 0)
		add(&c, "--action-script=/proc/%d/fd/%d", (int)getpid(), r->script);
	if (run_criu(criu, &c, r->cgroup_fd, r->slave, r->log, "restore", r->script >= 0 ? r : NULL,
		     e) < 0)
		return -1;
	size_t len;
	AUTO_FREE char *pid = read_file_at(r->dirfd, "criu.pid", 64, &len, e);
	if (!pid)
		return err_wrap(e, "restore: criu's pid file: ");
	unlinkat(r->dirfd, "criu.pid", 0);
	/* The restored init is our child (--restore-sibling): reaped by
	 * whoever adopts it once husk exits, as create's. */
	r->st.pid = (pid_t)strtol(pid, NULL, 10);
	if (r->st.pid <= 0 || proc_start_time(r->st.pid, &r->st.start_time, NULL) < 0)
		return err_set(e, 0, "restore: criu's pid file: no process \"%s\"", pid);
	r->st.status = ST_RUNNING;
	if (state_write(r->dirfd, &r->st, e) < 0)
		return -1;
	if (o->pid_file && write_pid_file(o->pid_file, r->st.pid, e) < 0)
		return -1;
	return 0;
}

static void restore_close(struct restored *r)
{
	int fds[] = {r->rootfd, r->dirfd, r->cgroup_fd, r->console, r->master, r->slave, r->script,
		     r->hook_fds[0], r->hook_fds[1], r->hook_fds[2], r->hook_fds[3], r->mntns};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	state_release(&r->st);
	spec_free(&r->c.spec);
}

int restore_run(const struct cr_opts *o, const char *id, struct husk_err *e)
{
	static struct restored r;
	char criu[4096];
	r.rootfd = r.dirfd = r.cgroup_fd = r.console = r.master = r.slave = r.script = -1;
	r.hook_fds[0] = r.hook_fds[1] = r.hook_fds[2] = r.hook_fds[3] = r.mntns = -1;
	r.c.id = id;
	r.c.st = &r.st;
	if (refuse(o, "restore", e) < 0)
		return -1;
	if (find_criu("restore", criu, sizeof(criu), e) < 0 || restore_check(&r, o, e) < 0) {
		restore_close(&r);
		return -1;
	}
	if (restore_prepare(&r, id, e) < 0 || restore_run_criu(&r, o, criu, e) < 0)
		goto fail;
	int code = 0;
	if (!o->detach) {
		/* As run: the restored init is our child (--restore-sibling). A
		 * terminal's master went to --console-socket, so none to relay. */
		code = wait_in_foreground(r.st.pid, -1);
		r.st.status = ST_STOPPED;
		if (destroy(r.rootfd, r.dirfd, &r.st, e) < 0)
			code = -1;
	}
	restore_close(&r);
	return code;

fail:
	/* criu kills what it restored when it fails; a restored init that
	 * husk could not record is killed here, with the whole cgroup. */
	if (r.st.pid > 0)
		kill(r.st.pid, SIGKILL);
	if (r.st.cgroup[0]) {
		struct husk_err e2;
		cgroup_kill_all(r.st.cgroup, SIGKILL, r.st.cgroup_top[0], &e2);
		struct timespec ms = {0, 10000000};
		for (int i = 0; i < 500 && cgroup_remove_if_empty(r.st.cgroup, r.st.cgroup_top) < 0; i++)
			nanosleep(&ms, NULL);
		cgroup_remove(r.st.cgroup, r.st.cgroup_top, &e2);
	}
	if (r.st.pid > 0)
		waitpid(r.st.pid, NULL, 0);
	restore_close(&r);
	if (r.dirfd >= 0 || r.rootfd >= 0) {
		AUTO_FD rootfd = state_open_root(false, &(struct husk_err){0});
		if (rootfd >= 0 && r.st.id[0])
			state_remove_dir(rootfd, id, &(struct husk_err){0});
	}
	return -1;
}

/* ---- the command line: runc's options ---------------------------------------- */

#define CR_OPTS(o)                                                                                \
	ARG("image-path", 0, &(o).image_path, "DIR", "criu's images (default ./checkpoint)"),     \
	ARG("work-path", 0, &(o).work_path, "DIR", "criu's logs and work files (default: images)"), \
	FLAG("tcp-established", 0, &(o).tcp_established, "allow open TCP connections"),            \
	FLAG("ext-unix-sk", 0, &(o).ext_unix_sk, "allow external unix sockets"),                  \
	FLAG("shell-job", 0, &(o).shell_job, "allow a shell job (a session not of its own)"),     \
	FLAG("file-locks", 0, &(o).file_locks, "handle file locks"),                              \
	ARG("manage-cgroups-mode", 0, &(o).cg_mode, "MODE",                                       \
	    "soft (default), full, strict or ignore"),                                            \
	ARG("empty-ns", 0, &(o).empty_ns, "NS", "refused: not supported"),                        \
	FLAG("auto-dedup", 0, &(o).auto_dedup, "refused: not supported"),                         \
	FLAG("lazy-pages", 0, &(o).lazy_pages, "refused: not supported")

int cmd_checkpoint(int argc, char **argv, struct husk_err *e)
{
	static struct cr_opts o;
	const struct opt t[] = {
		CR_OPTS(o),
		FLAG("leave-running", 0, &o.leave_running, "keep the container running afterwards"),
		FLAG("pre-dump", 0, &o.pre_dump, "save memory only, keep it running (then --parent-path)"),
		ARG("parent-path", 0, &o.parent_path, "DIR", "a pre-dump's images, relative to --image-path"),
		ARG("page-server", 0, &o.page_server, "ADDR:PORT", "refused: not supported"),
		ARG("status-fd", 0, &o.status_fd, "FD", "refused: not supported"),
		OPT_END};
	struct args a;
	if (parse_opts(t, argc, argv, &a, 1, e) < 0 || want_id(&a, "checkpoint", e) < 0)
		return -1;
	return checkpoint_run(&o, a.pos[0], e);
}

int cmd_restore(int argc, char **argv, struct husk_err *e)
{
	static struct cr_opts o;
	static char bundle_buf[4096], sock_buf[4096], pid_buf[4096];
	const struct opt t[] = {
		CR_OPTS(o),
		ARG("bundle", 'b', &o.bundle, "DIR", "the bundle: config.json, rootfs (default .)"),
		FLAG("detach", 'd', &o.detach, "return once restored; do not wait"),
		ARG("pid-file", 0, &o.pid_file, "PATH", "write the restored init's pid to PATH"),
		ARG("console-socket", 0, &o.console_socket, "PATH",
		    "unix socket that receives the new pty's master"),
		FLAG("no-subreaper", 0, &o.no_subreaper, "accepted, as runc (husk is no subreaper)"),
		FLAG("no-pivot", 0, &o.no_pivot, "accepted, as runc (criu sets the root up)"),
		ARG("lsm-profile", 0, &o.lsm_profile, "TYPE:NAME", "refused: not supported"),
		ARG("lsm-mount-context", 0, &o.lsm_mount_context, "CTX", "refused: not supported"),
		OPT_END};
	struct args a;
	if (parse_opts(t, argc, argv, &a, 1, e) < 0 || want_id(&a, "restore", e) < 0)
		return -1;
	o.bundle = abs_path(o.bundle, bundle_buf, sizeof(bundle_buf));
	o.console_socket = abs_path(o.console_socket, sock_buf, sizeof(sock_buf));
	o.pid_file = abs_path(o.pid_file, pid_buf, sizeof(pid_buf));
	o.image_path = o.image_path ? strdup(abs_path(o.image_path, (char[4096]){0}, 4096)) : NULL;
	o.work_path = o.work_path ? strdup(abs_path(o.work_path, (char[4096]){0}, 4096)) : NULL;
	opt_root = strdup(abs_path(opt_root, (char[4096]){0}, 4096));
	return restore_run(&o, a.pos[0], e);
}
