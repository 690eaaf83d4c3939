/* dbus.c: the D-Bus wire protocol, as much as husk's systemd driver needs.
 *
 * A connection on a unix socket (systemd's private one, or the system bus),
 * EXTERNAL authentication, method calls whose arguments the caller lays out
 * with the dbuf_* writers, and one reader for what comes back: a method
 * return, an error, or a signal. Messages are in the host's byte order
 * (both ends are on this machine); one in the other order is refused.
 * Everything read is bounds-checked: test/fuzz_dbus.c feeds dbus_parse
 * whatever libFuzzer makes. Nothing here knows systemd (systemd.c). */
#include "husk.h"
#include "dbus.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ENDIAN 'l'
#else
#define ENDIAN 'B'
#endif

/* ---- writing -------------------------------------------------------------- */

static void put(struct dbuf *d, const void *p, size_t n)
{
	if (d->n + n > sizeof(d->b)) {
		d->over = true;
		return;
	}
	memcpy(d->b + d->n, p, n);
	d->n += n;
}

/* Offsets are from the start of the buffer: a body starts 8-aligned in its
 * message, so aligning within the body aligns within the message. */
void dbuf_align(struct dbuf *d, size_t a)
{
	static const uint8_t zero[8];
	put(d, zero, (a - d->n % a) % a);
}

void dbuf_u8(struct dbuf *d, uint8_t v)
{
	put(d, &v, 1);
}

void dbuf_u32(struct dbuf *d, uint32_t v)
{
	dbuf_align(d, 4);
	put(d, &v, 4);
}

void dbuf_u64(struct dbuf *d, uint64_t v)
{
	dbuf_align(d, 8);
	put(d, &v, 8);
}

/* s and o: length, bytes, NUL. */
void dbuf_str(struct dbuf *d, const char *s)
{
	size_t n = strlen(s);
	dbuf_u32(d, (uint32_t)n);
	put(d, s, n + 1);
}

/* g: one byte of length. */
void dbuf_sig(struct dbuf *d, const char *s)
{
	size_t n = strlen(s);
	dbuf_u8(d, (uint8_t)n);
	put(d, s, n + 1);
}

/* An array: its length is patched by dbuf_array_end; it counts the bytes
 * from the first element on, after the padding to the elements' alignment. */
struct darr dbuf_array_begin(struct dbuf *d, size_t elem_align)
{
	struct darr a;
	dbuf_u32(d, 0);
	a.at = d->n - 4;
	dbuf_align(d, elem_align);
	a.start = d->n;
	return a;
}

void dbuf_array_end(struct dbuf *d, struct darr a)
{
	uint32_t len = (uint32_t)(d->n - a.start);
	if (!d->over)
		memcpy(d->b + a.at, &len, 4);
}

/* ---- reading -------------------------------------------------------------- */

static bool take(struct drd *r, size_t align, size_t n)
{
	size_t at = r->off + (align - r->off % align) % align;
	if (r->bad || at > r->n || n > r->n - at) {
		r->bad = true;
		return false;
	}
	r->off = at;
	return true;
}

uint32_t drd_u32(struct drd *r)
{
	uint32_t v = 0;
	if (take(r, 4, 4)) {
		memcpy(&v, r->p + r->off, 4);
		r->off += 4;
	}
	return v;
}

/* s, o (4-byte length) and g (1-byte length): NUL-terminated, no NUL inside. */
static const char *str_of(struct drd *r, size_t len)
{
	if (!take(r, 1, len + 1) || r->p[r->off + len] || memchr(r->p + r->off, 0, len)) {
		r->bad = true;
		return NULL;
	}
	const char *s = (const char *)r->p + r->off;
	r->off += len + 1;
	return s;
}

const char *drd_str(struct drd *r)
{
	uint32_t len = drd_u32(r);
	return r->bad ? NULL : str_of(r, len);
}

static const char *drd_sig(struct drd *r)
{
	if (!take(r, 1, 1))
		return NULL;
	return str_of(r, r->p[r->off++]);
}

#define MAX_MSG (1u << 20)

size_t dbus_msg_len(const uint8_t *hdr)
{
	uint32_t body, fields;
	memcpy(&body, hdr + 4, 4);
	memcpy(&fields, hdr + 12, 4);
	if (hdr[0] != ENDIAN || hdr[3] != 1 || body > MAX_MSG || fields > MAX_MSG)
		return 0;
	return (16 + (size_t)fields + 7) / 8 * 8 + body;
}

/* One header field: (code, variant). The five husk reads are strings (s,
 * o, g), one is a u32; others of a basic type are skipped. */
static void header_field(struct drd *r, struct dbus_msg *m)
{
	if (!take(r, 8, 1))
		return;
	uint8_t code = r->p[r->off++];
	const char *sig = drd_sig(r);
	if (!sig || strlen(sig) != 1) {
		r->bad = true;
		return;
	}
	const char *s = NULL;
	uint32_t u = 0;
	switch (sig[0]) {
	case 's':
	case 'o':
		s = drd_str(r);
		break;
	case 'g':
		s = drd_sig(r);
		break;
	case 'u':
		u = drd_u32(r);
		break;
	default:
		r->bad = true;
		return;
	}
	const char **to[] = {NULL, &m->path, &m->interface, &m->member, &m->error, NULL, NULL,
			     NULL, &m->signature};
	if (code == 5 && sig[0] == 'u')
		m->reply_serial = u;
	else if (code < sizeof(to) / sizeof(to[0]) && to[code] && s)
		*to[code] = s;
}

int dbus_parse(uint8_t *buf, size_t len, struct dbus_msg *m)
{
	uint8_t *raw = m->raw;
	memset(m, 0, sizeof(*m));
	m->raw = raw;
	if (len < 16 || dbus_msg_len(buf) != len)
		return -1;
	uint32_t fields;
	memcpy(&fields, buf + 12, 4);
	memcpy(&m->serial, buf + 8, 4);
	m->type = buf[1];
	struct drd r = {.p = buf, .n = 16 + (size_t)fields, .off = 16};
	while (r.off < r.n && !r.bad)
		header_field(&r, m);
	size_t body = (r.n + 7) / 8 * 8;
	if (r.bad || m->type < DBUS_CALL || m->type > DBUS_SIGNAL || !m->serial || body > len)
		return -1;
	m->body = buf + body;
	m->body_len = len - body;
	return 0;
}

/* ---- the connection ------------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Read exactly n bytes before the deadline. */
static int read_full(int fd, void *buf, size_t n, long long deadline, struct husk_err *e)
{
	for (size_t got = 0; got < n;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long long left = deadline - now_ms();
		int r = left <= 0 ? 0 : poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? err_set(e, ETIMEDOUT, "no answer") : err_sys(e, "poll");
		ssize_t k = read(fd, (char *)buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k == 0 ? err_set(e, 0, "the connection closed") : err_sys(e, "read");
		got += (size_t)k;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t n, struct husk_err *e)
{
	while (n) {
		ssize_t k = send(fd, buf, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return err_sys(e, "send");
		buf = (const char *)buf + k;
		n -= (size_t)k;
	}
	return 0;
}

int dbus_read(struct dbus *b, struct dbus_msg *m, int timeout_ms, struct husk_err *e)
{
	long long deadline = now_ms() + timeout_ms;
	uint8_t hdr[16];
	m->raw = NULL;
	if (read_full(b->fd, hdr, 16, deadline, e) < 0)
		return -1;
	size_t len = dbus_msg_len(hdr);
	if (!len)
		return err_set(e, 0, "a message husk cannot read (byte order, version or size)");
	if (!(m->raw = malloc(len)))
		return err_sys(e, "malloc");
	memcpy(m->raw, hdr, 16);
	int r = read_full(b->fd, m->raw + 16, len - 16, deadline, e);
	if (r == 0 && dbus_parse(m->raw, len, m) < 0)
		r = err_set(e, 0, "a malformed message");
	if (r < 0) {
		free(m->raw);
		m->raw = NULL;
	}
	return r;
}

/* The header: byte order, type, flags, version, body length, serial, then
 * the fields (code, variant), padded to 8 before the body. */
static int send_msg(struct dbus *b, const char *dest, const char *path, const char *iface,
		    const char *member, const char *sig, const struct dbuf *body, struct husk_err *e)
{
	struct dbuf h = {.n = 0};
	dbuf_u8(&h, ENDIAN);
	dbuf_u8(&h, DBUS_CALL);
	dbuf_u8(&h, 0);
	dbuf_u8(&h, 1);
	dbuf_u32(&h, body ? (uint32_t)body->n : 0);
	dbuf_u32(&h, ++b->serial);
	struct darr a = dbuf_array_begin(&h, 8);
	const char *val[] = {NULL, path, iface, member, NULL, NULL, dest, NULL, sig};
	const char *type = "?osss?ssg";
	for (uint8_t code = 1; code < 9; code++) {
		if (!val[code] || !*val[code])
			continue;
		dbuf_align(&h, 8);
		dbuf_u8(&h, code);
		char t[2] = {type[code], 0};
		dbuf_sig(&h, t);
		if (type[code] == 'g')
			dbuf_sig(&h, val[code]);
		else
			dbuf_str(&h, val[code]);
	}
	dbuf_array_end(&h, a);
	dbuf_align(&h, 8);
	if (h.over || (body && (body->over || h.n + body->n > sizeof(h.b))))
		return err_set(e, 0, "%s: the call does not fit in husk's buffer", member);
	if (body) {
		memcpy(h.b + h.n, body->b, body->n);
		h.n += body->n;
	}
	return write_all(b->fd, h.b, h.n, e);
}

int dbus_call(struct dbus *b, const char *dest, const char *path, const char *iface,
	      const char *member, const char *sig, const struct dbuf *body, struct dbus_msg *reply,
	      void (*on_signal)(const struct dbus_msg *m, void *arg), void *arg, int timeout_ms,
	      struct husk_err *e)
{
	if (send_msg(b, dest, path, iface, member, sig, body, e) < 0)
		return -1;
	uint32_t serial = b->serial;
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		struct dbus_msg m;
		long long left = deadline - now_ms();
		if (dbus_read(b, &m, left > 0 ? (int)left : 0, e) < 0)
			return -1;
		if (m.type == DBUS_SIGNAL && on_signal)
			on_signal(&m, arg);
		if ((m.type != DBUS_RETURN && m.type != DBUS_ERROR) || m.reply_serial != serial) {
			free(m.raw);
			continue;
		}
		if (m.type == DBUS_RETURN) {
			if (reply)
				*reply = m;
			else
				free(m.raw);
			return 0;
		}
		/* an error's body is its message, when it has one */
		struct drd r = {.p = m.body, .n = m.body_len};
		const char *text = m.signature && m.signature[0] == 's' ? drd_str(&r) : NULL;
		err_set(e, 0, "%s%s%s", m.error ? m.error : "an error", text ? ": " : "", text ? text : "");
		free(m.raw);
		return -1;
	}
}

/* EXTERNAL: the server knows the uid from the socket (SO_PEERCRED); husk
 * says which it claims, in hex of its decimal digits, and BEGIN with it,
 * as sd-bus's own clients do: systemd's server has then left the
 * authentication before husk's first message comes (a message that came
 * in one read with a BEGIN sent on its own was seen to wait unanswered).
 * One line back: OK. */
static int auth(int fd, struct husk_err *e)
{
	char line[80], uid[16];
	int n = snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
	int k = snprintf(line, sizeof(line), "%cAUTH EXTERNAL ", 0);
	for (int i = 0; i < n; i++)
		k += snprintf(line + k, sizeof(line) - (size_t)k, "%02x", (unsigned char)uid[i]);
	k += snprintf(line + k, sizeof(line) - (size_t)k, "\r\nBEGIN\r\n");
	if (write_all(fd, line, (size_t)k, e) < 0)
		return -1;
	long long deadline = now_ms() + 10000;
	size_t got = 0;
	while (got < sizeof(line) - 1) {
		if (read_full(fd, line + got, 1, deadline, e) < 0)
			return -1;
		if (line[got++] == '\n')
			break;
	}
	line[got] = '\0';
	return strncmp(line, "OK ", 3) ? err_set(e, EACCES, "authentication refused") : 0;
}

int dbus_connect(struct dbus *b, const char *path, bool hello, struct husk_err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	b->serial = 0;
	b->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (b->fd < 0)
		return err_sys(e, "socket");
	if (connect(b->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err_sys(e, "connect %s", path);
		dbus_close(b);
		return -1;
	}
	if (auth(b->fd, e) < 0 ||
	    (hello && dbus_call(b, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				"org.freedesktop.DBus", "Hello", NULL, NULL, NULL, NULL, NULL, 10000, e) < 0)) {
		err_wrap(e, "%s: ", path);
		dbus_close(b);
		return -1;
	}
	return 0;
}

void dbus_close(struct dbus *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}
