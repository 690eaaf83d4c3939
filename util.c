/* util.c: the one error value, logging, and small file helpers. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "husk.h"

/* An error is one line: a config or an id that holds newlines or escape
 * sequences must neither split it nor drive the terminal. */
static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int err_vset(struct husk_err *e, int errnum, const char *fmt, va_list ap)
{
	e->errnum = errnum;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	one_line(e->msg);
	return -1;
}

int err_set(struct husk_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(e, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int err_sys(struct husk_err *e, const char *fmt, ...)
{
	int saved = errno; /* captured before vsnprintf can touch it */
	va_list ap;
	va_start(ap, fmt);
	err_vset(e, saved, fmt, ap);
	va_end(ap);
	return -1;
}

int err_wrap(struct husk_err *e, const char *fmt, ...)
{
	char prefix[sizeof(e->msg)], old[sizeof(e->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	size_t n = strlen(prefix);
	memcpy(e->msg, prefix, n);
	/* the message is cut at the buffer's end rather than lose the prefix */
	size_t room = sizeof(e->msg) - 1 - n;
	size_t ol = strnlen(old, room);
	memcpy(e->msg + n, old, ol);
	e->msg[n + ol] = '\0';
	one_line(e->msg);
	return -1;
}

const char *err_text(const struct husk_err *e, char *buf, size_t len)
{
	if (e->errnum)
		snprintf(buf, len, "%s: %s", e->msg, strerror(e->errnum));
	else
		snprintf(buf, len, "%s", e->msg);
	return buf;
}

void close_fdp(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

void free_p(void *pp)
{
	free(*(void **)pp);
}

/* ---- files ---------------------------------------------------------------- */

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_file_at(int dirfd, const char *path, const char *data, size_t len, struct husk_err *e)
{
	AUTO_FD fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_sys(e, "open %s", path);
	if (write_all(fd, data, len) < 0)
		return err_sys(e, "write %s", path);
	return 0;
}

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* Write to a temporary name and rename, so readers see the old or the new
 * file, never half of one. swap: the file usually exists already (a
 * state.json written again); the new one is exchanged with it
 * (RENAME_EXCHANGE) and the old one unlinked, instead of a rename over it.
 * Readers see the same; but a rename that replaces a file makes ext4
 * (auto_da_alloc) and btrfs write the new file's data out at once: on a
 * --root on disk, a block write per state write, and a discard when the
 * file goes. Nothing to exchange with, or no exchange (ENOENT, EINVAL):
 * the rename. */
static int write_tmp_then(int dirfd, const char *name, const char *data, size_t len, int mode,
			  bool swap, struct husk_err *e)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	AUTO_FD fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return err_sys(e, "open %s", tmp);
	if (write_all(fd, data, len) < 0) {
		err_sys(e, "write %s", tmp);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (swap && syscall(SYS_renameat2, dirfd, tmp, dirfd, name, RENAME_EXCHANGE) == 0) {
		unlinkat(dirfd, tmp, 0); /* the old file; a leftover is removed with the dir */
		return 0;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		err_sys(e, "rename %s to %s", tmp, name);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

int write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len, int mode,
			 struct husk_err *e)
{
	return write_tmp_then(dirfd, name, data, len, mode, false, e);
}

int replace_file_at(int dirfd, const char *name, const char *data, size_t len, int mode,
		    struct husk_err *e)
{
	return write_tmp_then(dirfd, name, data, len, mode, true, e);
}

int field(const char *line, int n, char *buf, size_t len)
{
	const char *p = line;
	for (int i = 0;; i++) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		size_t w = strcspn(p, " \t\n");
		if (!w)
			return -1;
		if (i == n) {
			if (w >= len)
				return -1;
			memcpy(buf, p, w);
			buf[w] = '\0';
			return 0;
		}
		p += w;
	}
}

int field_u64(const char *line, int n, int base, unsigned long long *v)
{
	char buf[32], *end;
	if (field(line, n, buf, sizeof(buf)) < 0 || !isxdigit((unsigned char)buf[0]))
		return -1;
	errno = 0;
	*v = strtoull(buf, &end, base);
	return *end || errno ? -1 : 0;
}

char *read_file_at(int dirfd, const char *path, size_t max, size_t *len, struct husk_err *e)
{
	AUTO_FD fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err_sys(e, "open %s", path);
		return NULL;
	}
	return read_fd(fd, path, max, len, e);
}

char *read_fd(int fd, const char *path, size_t max, size_t *len, struct husk_err *e)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	if (!buf) {
		err_sys(e, "read %s", path);
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				free(buf);
				err_set(e, EFBIG, "read %s: larger than %zu bytes", path, max);
				return NULL;
			}
			cap = cap * 2 > max ? max : cap * 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				err_sys(e, "read %s", path);
				return NULL;
			}
			buf = nb;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			err_sys(e, "read %s", path);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* ---- logging ---------------------------------------------------------------- */

void time_rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	/* not strftime: it pulls in musl's time zone code (3.5 KB on arm64) */
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

/* A JSON string, quoted and escaped. */
void json_put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* "key": ["a", "b"] from a NULL-terminated list of names (pred may skip some). */
void json_put_names(FILE *f, const char *key, const char *const *names, bool (*keep)(const char *))
{
	fprintf(f, "\"%s\": [", key);
	bool first = true;
	for (; *names; names++) {
		if (keep && !keep(*names))
			continue;
		fputs(first ? "" : ", ", f);
		json_put_string(f, *names);
		first = false;
	}
	fputc(']', f);
}

/* The --log file, opened once by log_open: the init writes its debug lines
 * through the same fd after pivot_root, when the path would name a file
 * inside the container. Part of the parsed --log option. */
static int log_fd = -1;

int log_open(struct husk_err *e)
{
	if (!opt_log)
		return 0;
	log_fd = open(opt_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (log_fd < 0)
		return err_sys(e, "--log %s", opt_log);
	return 0;
}

/* The --log file is opened before --preserve-fds is checked, on the lowest
 * free fd: a gap in the caller's fds that the check must still see as one. */
bool log_is_fd(int fd)
{
	return fd >= 0 && fd == log_fd;
}

/* One line to the --log file, or to stderr when there is none; one write()
 * so that lines from the parent and the init do not interleave. */
static void log_line(const char *level, const char *msg)
{
	char t[64], line[2048];
	char *buf = NULL;
	size_t len = 0;
	time_rfc3339(t, sizeof(t));
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	if (opt_log_json) {
		fprintf(f, "{\"level\":\"%s\",\"msg\":", level);
		json_put_string(f, msg);
		fprintf(f, ",\"time\":\"%s\"}\n", t);
	} else if (log_fd < 0) {
		fprintf(f, "husk: %s: %s\n", level, msg);
	} else {
		fprintf(f, "time=\"%s\" level=%s msg=", t, level);
		json_put_string(f, msg);
		fputc('\n', f);
	}
	fclose(f);
	snprintf(line, sizeof(line), "%s", buf ? buf : "");
	free(buf);
	if (write(log_fd >= 0 ? log_fd : 2, line, strlen(line)) < 0)
		return; /* nowhere left to report it */
}

static void log_v(const char *level, const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_line(level, msg);
}

void log_debug(const char *fmt, ...)
{
	if (!opt_debug)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_v("debug", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v("warning", fmt, ap);
	va_end(ap);
}

/* The final error goes to the log (when there is one) and always to stderr,
 * as one line "husk: <what>: <why>": clients read either. */
void log_error(const struct husk_err *e)
{
	char buf[512];
	err_text(e, buf, sizeof(buf));
	if (log_fd >= 0 || opt_log_json)
		log_line("error", buf);
	if (log_fd >= 0 || !opt_log_json)
		fprintf(stderr, "husk: %s\n", buf);
}

#ifdef HUSK_FAULT
void fault_point(const char *name)
{
	const char *want = getenv("HUSK_FAULT");
	if (getenv("HUSK_FAULT_LIST"))
		dprintf(2, "fault point: %s\n", name);
	if (want && !strcmp(want, name))
		kill(getpid(), SIGKILL);
}
#endif

/* A connected AF_UNIX stream socket to path; what names it in errors
 * ("console socket", "linux.seccomp.listenerPath"). */
int unix_connect(const char *path, const char *what, struct husk_err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set(e, 0, "%s %s: path too long", what, path);
	strcpy(sa.sun_path, path);
	AUTO_FD fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, "%s %s: socket", what, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_sys(e, "%s: connect to %s", what, path);
	return take_fd(&fd);
}

/* Send fd over a unix socket (SCM_RIGHTS) with payload, as runc and conmon
 * expect: the fd goes with the first bytes, the rest follows. Returns -1
 * with errno on failure. */
int send_fd(int sock, int fd, const char *payload)
{
	return send_fd_buf(sock, fd, payload, strlen(payload));
}

int send_fd_buf(int sock, int fd, const void *buf, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	const char *payload = buf;
	struct iovec iov = {.iov_base = (void *)payload, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	for (size_t off = n > 0 ? (size_t)n : 0; n >= 0 && off < len; off += (size_t)n)
		do
			n = send(sock, payload + off, len - off, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}
