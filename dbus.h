/* dbus.h: the D-Bus wire protocol of dbus.c (used by systemd.c). */
#ifndef HUSK_DBUS_H
#define HUSK_DBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct husk_err;

/* A message body being written: a fixed buffer (husk's calls are small);
 * over is set when something did not fit, and the call is then refused. */
struct dbuf {
	uint8_t b[2048];
	size_t n;
	bool over;
};
struct darr {
	size_t at, start; /* where the length is, where the elements begin */
};
void dbuf_align(struct dbuf *d, size_t a);
void dbuf_u8(struct dbuf *d, uint8_t v);
void dbuf_u32(struct dbuf *d, uint32_t v);
void dbuf_u64(struct dbuf *d, uint64_t v);
void dbuf_str(struct dbuf *d, const char *s); /* s, o */
void dbuf_sig(struct dbuf *d, const char *s); /* g, and a variant's type */
struct darr dbuf_array_begin(struct dbuf *d, size_t elem_align);
void dbuf_array_end(struct dbuf *d, struct darr a);

enum { DBUS_CALL = 1, DBUS_RETURN, DBUS_ERROR, DBUS_SIGNAL };

/* A message read: the strings point into raw (NULL when absent). */
struct dbus_msg {
	uint8_t *raw;
	uint8_t type;
	uint32_t serial, reply_serial;
	const char *path, *interface, *member, *error, *signature;
	const uint8_t *body;
	size_t body_len;
};

/* Reading a body: each read checks the bounds and sets bad instead. */
struct drd {
	const uint8_t *p;
	size_t n, off;
	bool bad;
};
uint32_t drd_u32(struct drd *r);
const char *drd_str(struct drd *r); /* s, o: NULL when bad */

/* The length of the message whose first 16 bytes are hdr, or 0 when they
 * are not the start of one (other byte order, bad version, too large). */
size_t dbus_msg_len(const uint8_t *hdr);
/* Parse a whole message of len bytes (its length from dbus_msg_len) into
 * *m (m->raw is left to the caller): 0, or -1 when it is malformed. */
int dbus_parse(uint8_t *buf, size_t len, struct dbus_msg *m);

struct dbus {
	int fd;
	uint32_t serial;
};
/* Connect to the socket at path and authenticate; on a bus (hello), say
 * Hello. -1 with *e filled (errnum from connect) on failure. */
int dbus_connect(struct dbus *b, const char *path, bool hello, struct husk_err *e);
void dbus_close(struct dbus *b);
/* Call dest's iface.member on path with the body sig/body (NULL: none),
 * and wait up to timeout_ms for its answer. Signals that come meanwhile go
 * to on_signal. A method return fills *reply (free reply->raw; NULL: not
 * kept); an error
 * becomes *e: "ERROR.NAME: message". */
int dbus_call(struct dbus *b, const char *dest, const char *path, const char *iface,
	      const char *member, const char *sig, const struct dbuf *body, struct dbus_msg *reply,
	      void (*on_signal)(const struct dbus_msg *m, void *arg), void *arg, int timeout_ms,
	      struct husk_err *e);
/* Read one message (a signal, usually) within timeout_ms: 0, or -1. */
int dbus_read(struct dbus *b, struct dbus_msg *m, int timeout_ms, struct husk_err *e);

#endif
