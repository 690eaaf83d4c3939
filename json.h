/* json.h: the JSON layer under spec.c (json.c). Only spec.c uses it.
 *
 * json_walk checks the text, decodes it in place and hands the top-level
 * object to a handler; handlers read values through the tables and
 * functions below. Every error names the JSON path of the value. */
#ifndef HUSK_JSON_H
#define HUSK_JSON_H

#include "husk.h"

/* Where a walk is: the text, its tokens, the path of the value being read. */
struct walk;

/* A handler fills *dst from the value at token t (the path names it). */
typedef int field_fn(struct walk *w, int t, void *dst);
/* An element handler fills *elem from the value at t. For an object used as
 * a map, the element's key is json_key_of(w, t). */
typedef int elem_fn(struct walk *w, int t, void *elem);

enum {
	F_REQ = 1,  /* the key must be given */
	F_NOTE = 2, /* json_walk's *noted: the path of the first one given, if not empty */
};

/* One key of an object: the value goes to base + off, through fn, or
 * through the table sub when it is an object of its own. */
struct field {
	const char *key;
	field_fn *fn;
	size_t off;
	unsigned flags;
	const struct field *sub;
};

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Check text (len bytes, strict RFC 8259, the top level an object), decode
 * its strings in place, then call top(w, 0, dst) on the object. Allocations
 * go to *arena (json_arena_free), strings point into text; *noted is the
 * path of the first F_NOTE field given, or NULL. */
int json_walk(char *text, size_t len, void **arena, field_fn *top, void *dst, const char **noted,
              struct husk_err *e);
void json_arena_free(void *arena);

/* Fill base from the object at t through the table (at most 64 entries).
 * Unknown keys and null values are skipped. */
int json_object(struct walk *w, int t, const struct field *tab, void *base);
/* The elements of an array, or the values of a map, each of size sz, into an
 * arena array with one zeroed element more (a strv's NULL); NULL on error. */
void *json_array(struct walk *w, int t, size_t sz, elem_fn *fn, size_t *n);
void *json_map(struct walk *w, int t, size_t sz, elem_fn *fn, size_t *n);
const char *json_key_of(const struct walk *w, int t);

/* An error about the value at the current path ("process.cwd: ..."). */
int json_fail(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Name a member or an element in the path (for the error that follows). */
size_t json_push_key(struct walk *w, const char *key);
size_t json_push_index(struct walk *w, size_t i);
const char *json_path(const struct walk *w);

/* The integer at t, in [lo, hi], into *out. */
int json_int(struct walk *w, int t, int64_t lo, int64_t hi, int64_t *out);

/* Handlers for plain values, by what they store at dst:
 *   json_str       char *, pointing into the text
 *   json_bool      bool
 *   json_tristate  int, 0 or 1 (the caller sets -1 for absent)
 *   json_u64, json_u32   uint64_t, uint32_t
 *   json_i64, json_u64i, json_u32i, json_u16i, json_i32i
 *                  int64_t in the range of the type named (the caller
 *                  sets UNSET for absent)
 *   json_strv      struct strv, from an array of strings
 *   json_kvv       struct kvv, from an object of strings */
field_fn json_str, json_bool, json_tristate, json_u64, json_u32, json_i64, json_u64i, json_u32i,
    json_u16i, json_i32i, json_strv, json_kvv;

#endif
