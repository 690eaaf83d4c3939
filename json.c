/* json.c: the JSON layer under spec.c: strict syntax, jsmn's tokens decoded
 * in place, and a walker that fills structs from tables of {key, handler,
 * offset}, naming the JSON path of every error.
 *
 * Three passes over the text, none of them recursive on the input's depth:
 *  1. json_check: strict RFC 8259 syntax. jsmn alone accepts "[1 2]",
 *     "[1,,2]", trailing commas and numbers like "1.2.3"; nesting is bounded.
 *  2. jsmn tokenizes; every string is decoded in place and NUL-terminated
 *     (the structs filled point into the text); duplicate keys are looked for.
 *  3. The walker fills the structs from the caller's tables. It recurses
 *     only along the schema (a handful of levels); what it does not know it
 *     skips by token offsets.
 *
 * Policies decided here:
 *  - Unknown keys are ignored (config.md). `null` is the same as absent, as
 *    with Go's encoding/json, which runc uses.
 *  - Duplicate keys are rejected anywhere in the document. Go keeps the last
 *    one, other parsers the first: a config that two tools read differently
 *    is a hazard (a policy checker would vet one value, the runtime apply
 *    the other).
 *  - Strings must be valid UTF-8 and hold no NUL (they become C strings);
 *    Go would substitute U+FFFD.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#include <jsmn.h>

#include "husk.h"
#include "json.h"

#ifndef JSMN_PARENT_LINKS
#error "json.c needs jsmn's parent links (-DJSMN_PARENT_LINKS)"
#endif

#define JSON_MAX_DEPTH  512       /* real configs nest about 8 deep */
#define JSON_MAX_TOKENS (1 << 20) /* 20 MiB of tokens; a big seccomp profile has ~3000 */
#define ARENA_BLOCK     16384

/* ---- the arena --------------------------------------------------------- */

struct block {
	struct block *next;
	size_t used, cap;
	max_align_t data[];
};

/* Zeroed memory that lives until json_arena_free. */
static void *arena_alloc(void **arena, size_t size)
{
	size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	struct block *b = *arena;
	if (!b || b->cap - b->used < size) {
		size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
		b = calloc(1, sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->next = *arena;
		*arena = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += size ? size : sizeof(max_align_t);
	return p;
}

void json_arena_free(void *arena)
{
	while (arena) {
		struct block *b = arena;
		arena = b->next;
		free(b);
	}
}

/* ---- pass 1: JSON syntax ------------------------------------------------ */

static int invalid_at(struct husk_err *e, size_t at, const char *why)
{
	return err_set(e, 0, "invalid JSON at byte %zu: %s", at, why);
}

static size_t skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string from its opening quote; the contents are decoded in pass 2. */
static int scan_string(const char *s, size_t len, size_t *i, struct husk_err *e)
{
	size_t j = *i + 1;
	for (; j < len && s[j] != '"'; j++) {
		if ((unsigned char)s[j] < 0x20)
			return invalid_at(e, j, "control character in string");
		if (s[j] != '\\')
			continue;
		if (++j == len || !strchr("\"\\/bfnrtu", s[j]) || !s[j])
			return invalid_at(e, j, "invalid escape");
		for (int k = 0; s[j] == 'u' && k < 4; k++)
			if (j + 1 + k >= len || !is_hex(s[j + 1 + k]))
				return invalid_at(e, j, "invalid \\u escape");
		j += s[j] == 'u' ? 4 : 0;
	}
	if (j >= len)
		return invalid_at(e, *i, "unterminated string");
	*i = j + 1;
	return 0;
}

static size_t scan_digits(const char *s, size_t len, size_t i)
{
	while (i < len && is_digit(s[i]))
		i++;
	return i;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(const char *s, size_t len, size_t *i, struct husk_err *e)
{
	size_t j = *i + (s[*i] == '-');
	if (j >= len || !is_digit(s[j]))
		return invalid_at(e, *i, "invalid number");
	j = s[j] == '0' ? j + 1 : scan_digits(s, len, j);
	if (j < len && s[j] == '.') {
		if (j + 1 >= len || !is_digit(s[j + 1]))
			return invalid_at(e, *i, "invalid number");
		j = scan_digits(s, len, j + 1);
	}
	if (j < len && (s[j] == 'e' || s[j] == 'E')) {
		j += j + 1 < len && (s[j + 1] == '+' || s[j + 1] == '-') ? 2 : 1;
		if (j >= len || !is_digit(s[j]))
			return invalid_at(e, *i, "invalid number");
		j = scan_digits(s, len, j);
	}
	*i = j;
	return 0;
}

static int scan_scalar(const char *s, size_t len, size_t *i, struct husk_err *e)
{
	static const char *const words[] = {"true", "false", "null"};
	if (s[*i] == '"')
		return scan_string(s, len, i, e);
	if (s[*i] == '-' || is_digit(s[*i]))
		return scan_number(s, len, i, e);
	for (size_t k = 0; k < 3; k++) {
		size_t n = strlen(words[k]);
		if (len - *i >= n && !memcmp(s + *i, words[k], n)) {
			*i += n;
			return 0;
		}
	}
	return invalid_at(e, *i, "unexpected character");
}

/* The whole grammar as a small pushdown automaton: the stack holds '{' or
 * '[' per open container, so depth costs one byte and is bounded. */
static int json_check(const char *s, size_t len, struct husk_err *e)
{
	enum { VALUE, FIRST_VALUE, KEY, FIRST_KEY, AFTER } st = VALUE;
	char stack[JSON_MAX_DEPTH];
	int depth = 0;
	for (size_t i = skip_ws(s, len, 0);; i = skip_ws(s, len, i)) {
		if (i == len)
			return st == AFTER && !depth ? 0
			                             : invalid_at(e, i, "unexpected end of input");
		char c = s[i];
		switch (st) {
		case FIRST_KEY:
			if (c == '}') {
				depth--, i++, st = AFTER;
				break;
			}
			__attribute__((fallthrough));
		case KEY:
			if (c != '"')
				return invalid_at(e, i, "expected a string key");
			if (scan_string(s, len, &i, e) < 0)
				return -1;
			i = skip_ws(s, len, i);
			if (i == len || s[i] != ':')
				return invalid_at(e, i, "expected ':'");
			i++, st = VALUE;
			break;
		case FIRST_VALUE:
			if (c == ']') {
				depth--, i++, st = AFTER;
				break;
			}
			__attribute__((fallthrough));
		case VALUE:
			if (c == '{' || c == '[') {
				if (depth == JSON_MAX_DEPTH)
					return invalid_at(e, i, "nested too deep");
				stack[depth++] = c, i++;
				st = c == '{' ? FIRST_KEY : FIRST_VALUE;
			} else if (scan_scalar(s, len, &i, e) < 0) {
				return -1;
			} else {
				st = AFTER;
			}
			break;
		case AFTER:
			if (!depth)
				return invalid_at(e, i, "unexpected data after the end");
			if (c == ',')
				i++, st = stack[depth - 1] == '{' ? KEY : VALUE;
			else if (c == (stack[depth - 1] == '{' ? '}' : ']'))
				depth--, i++;
			else
				return invalid_at(e, i, "expected ',' or the end of the container");
			break;
		}
	}
}

/* ---- pass 2: tokens, strings, duplicate keys ---------------------------- */

struct walk {
	char *text;
	jsmntok_t *tok;
	int ntok;
	void **arena;
	const char *noted; /* the path of the first F_NOTE field given */
	struct husk_err *e;
	size_t plen;
	char path[256]; /* JSON path of the value being read: "process.rlimits[1].type" */
};

static int hex4(const char *p)
{
	char buf[5] = {p[0], p[1], p[2], p[3], 0};
	return (int)strtol(buf, NULL, 16);
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xE0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xF0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3F));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

/* The code point of the \u escape at *p (surrogate pairs joined), or -1. */
static long decode_u(const char **p, const char *end)
{
	long cp = hex4(*p + 2);
	*p += 6;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return -1;
	if (cp < 0xD800 || cp > 0xDBFF)
		return cp ? cp : -1; /* \u0000 cannot be in a C string */
	if (end - *p < 6 || (*p)[0] != '\\' || (*p)[1] != 'u')
		return -1;
	long lo = hex4(*p + 2);
	if (lo < 0xDC00 || lo > 0xDFFF)
		return -1;
	*p += 6;
	return 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
}

/* Length of the valid UTF-8 sequence at s (no overlongs, no surrogates,
 * at most U+10FFFF), or -1. */
static int utf8_len(const unsigned char *s, const unsigned char *end)
{
	unsigned char lo = 0x80, hi = 0xBF;
	int n;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3, lo = s[0] == 0xE0 ? 0xA0 : lo, hi = s[0] == 0xED ? 0x9F : hi;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4, lo = s[0] == 0xF0 ? 0x90 : lo, hi = s[0] == 0xF4 ? 0x8F : hi;
	} else {
		return -1;
	}
	if (end - s < n || s[1] < lo || s[1] > hi)
		return -1;
	for (int i = 2; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return -1;
	return n;
}

/* Decode the string token t in place and NUL-terminate it. The output is
 * never longer than the input; the NUL lands at most on the closing quote. */
static int decode_string(struct walk *w, int t)
{
	const char *p = w->text + w->tok[t].start, *end = w->text + w->tok[t].end;
	char *o = w->text + w->tok[t].start;
	static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";
	while (p < end) {
		size_t at = (size_t)(p - w->text);
		if (*p == '\\' && p[1] == 'u') {
			long cp = decode_u(&p, end);
			if (cp < 0)
				return invalid_at(w->e, at, "\\u0000 or an unpaired surrogate");
			o = put_utf8(o, (unsigned)cp);
		} else if (*p == '\\') {
			*o++ = esc_out[strchr(esc_in, p[1]) - esc_in];
			p += 2;
		} else if ((unsigned char)*p < 0x80) {
			*o++ = *p++;
		} else {
			int n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
			if (n < 0)
				return invalid_at(w->e, at, "invalid UTF-8");
			memmove(o, p, (size_t)n);
			o += n, p += n;
		}
	}
	*o = '\0';
	return 0;
}

/* Append n bytes to the path, cut at its end; return the old length, for
 * pop_path. Every value read pushes its key, so no printf here: it was a
 * third of a create's instructions. */
static size_t push_bytes(struct walk *w, const char *s, size_t n)
{
	size_t old = w->plen, room = sizeof(w->path) - 1 - old;
	memcpy(w->path + old, s, n < room ? n : room);
	w->plen = old + (n < room ? n : room);
	w->path[w->plen] = '\0';
	return old;
}

size_t json_push_key(struct walk *w, const char *key)
{
	size_t old = w->plen;
	if (old)
		push_bytes(w, ".", 1);
	push_bytes(w, key, strlen(key));
	return old;
}

size_t json_push_index(struct walk *w, size_t i)
{
	char buf[24], *p = buf + sizeof(buf);
	*--p = ']';
	do
		*--p = (char)('0' + i % 10);
	while (i /= 10);
	*--p = '[';
	return push_bytes(w, p, (size_t)(buf + sizeof(buf) - p));
}

static void pop_path(struct walk *w, size_t old)
{
	w->plen = old;
	w->path[old] = '\0';
}

const char *json_path(const struct walk *w)
{
	return w->path;
}

static const char *str_at(const struct walk *w, int t)
{
	return w->text + w->tok[t].start;
}

/* The token after t's subtree: tokens are in document order, and those
 * inside t start before t ends. */
static int skip(const struct walk *w, int t)
{
	int end = w->tok[t].end, i = t + 1;
	while (i < w->ntok && w->tok[i].start < end)
		i++;
	return i;
}

static bool is_key(const struct walk *w, int t)
{
	int p = w->tok[t].parent;
	return w->tok[t].type == JSMN_STRING && p >= 0 && w->tok[p].type == JSMN_OBJECT;
}

/* Set the path to token t's, from its parent links (for errors found
 * outside the walk). Depth is bounded by json_check. */
static void path_of(struct walk *w, int t)
{
	int chain[2 * JSON_MAX_DEPTH + 2], n = 0;
	for (int i = t; i >= 0 && n < (int)(sizeof(chain) / sizeof(chain[0])); i = w->tok[i].parent)
		chain[n++] = i;
	pop_path(w, 0);
	while (n-- > 0) {
		int i = chain[n], p = w->tok[i].parent;
		if (is_key(w, i)) {
			json_push_key(w, str_at(w, i));
		} else if (p >= 0 && w->tok[p].type == JSMN_ARRAY) {
			size_t idx = 0;
			for (int k = p + 1; k < i; k = skip(w, k))
				idx++;
			json_push_index(w, idx);
		}
	}
}

struct key_ref {
	int parent, tok;
	const char *name;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->tok > y->tok) - (x->tok < y->tok);
}

/* Every object's keys at once: sort (object, name) pairs, compare neighbours. */
static int check_duplicates(struct walk *w)
{
	AUTO_FREE struct key_ref *keys = malloc((size_t)w->ntok * sizeof(*keys));
	if (!keys)
		return err_sys(w->e, "config: allocate");
	size_t n = 0;
	for (int i = 0; i < w->ntok; i++)
		if (is_key(w, i))
			keys[n++] = (struct key_ref){w->tok[i].parent, i, str_at(w, i)};
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 1; i < n; i++) {
		if (keys[i].parent == keys[i - 1].parent &&
		    !strcmp(keys[i].name, keys[i - 1].name)) {
			path_of(w, keys[i].tok);
			return err_set(w->e, 0, "%s: duplicate key", w->path);
		}
	}
	return 0;
}

static int tokenize(struct walk *w, size_t len)
{
	jsmn_parser p;
	jsmn_init(&p);
	int n = jsmn_parse(&p, w->text, len, NULL, 0);
	if (n > JSON_MAX_TOKENS)
		return err_set(w->e, 0, "too many JSON values (%d, at most %d)", n,
		               JSON_MAX_TOKENS);
	w->tok = n > 0 ? malloc((size_t)n * sizeof(*w->tok)) : NULL;
	if (n > 0 && !w->tok)
		return err_sys(w->e, "config: allocate %d tokens", n);
	jsmn_init(&p);
	w->ntok = n > 0 ? jsmn_parse(&p, w->text, len, w->tok, (unsigned)n) : n;
	if (w->ntok <= 0) /* json_check already passed: should not happen */
		return err_set(w->e, 0, "invalid JSON (jsmn error %d)", w->ntok);
	for (int i = 0; i < w->ntok; i++)
		if (w->tok[i].type == JSMN_STRING && decode_string(w, i) < 0)
			return -1;
	return check_duplicates(w);
}

/* ---- pass 3: the walker ------------------------------------------------- */

/* An error about the value at the current path. */
int json_fail(struct walk *w, const char *fmt, ...)
{
	char msg[sizeof(w->e->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(w->e, 0, "%s: %s", w->path, msg);
}

static void *alloc(struct walk *w, size_t size)
{
	void *p = arena_alloc(w->arena, size);
	if (!p)
		err_set(w->e, ENOMEM, "%s", w->path);
	return p;
}

static const char *kind(const struct walk *w, int t)
{
	switch (w->tok[t].type) {
	case JSMN_OBJECT:
		return "an object";
	case JSMN_ARRAY:
		return "an array";
	case JSMN_STRING:
		return "a string";
	default:
		break;
	}
	char c = w->text[w->tok[t].start];
	return c == 'n' ? "null" : c == 't' || c == 'f' ? "a boolean" : "a number";
}

static int type_error(struct walk *w, int t, const char *want)
{
	return json_fail(w, "expected %s, got %s", want, kind(w, t));
}

static int expect(struct walk *w, int t, jsmntype_t type)
{
	static const char *const names[] = {
	    [JSMN_OBJECT] = "an object", [JSMN_ARRAY] = "an array", [JSMN_STRING] = "a string"};
	return w->tok[t].type == type ? 0 : type_error(w, t, names[type]);
}

static bool is_null(const struct walk *w, int t)
{
	return w->tok[t].type == JSMN_PRIMITIVE && w->text[w->tok[t].start] == 'n';
}

/* F_NOTE: keep the path of the first such field given a value other than
 * {} or [] (spec.c: the first resource limit, which the runtime names). */
static int note(struct walk *w, int t)
{
	const jsmntok_t *k = &w->tok[t];
	bool empty = (k->type == JSMN_OBJECT || k->type == JSMN_ARRAY) && k->size == 0;
	if (w->noted || empty)
		return 0;
	char *p = alloc(w, w->plen + 1);
	if (!p)
		return -1;
	memcpy(p, w->path, w->plen + 1);
	w->noted = p;
	return 0;
}

static int call_field(struct walk *w, const struct field *f, int t, void *base)
{
	size_t old = json_push_key(w, f->key);
	void *dst = (char *)base + f->off;
	int r = f->sub ? json_object(w, t, f->sub, dst) : f->fn(w, t, dst);
	if (r == 0 && (f->flags & F_NOTE))
		r = note(w, t);
	if (r == 0)
		pop_path(w, old);
	return r;
}

static int check_required(struct walk *w, const struct field *tab, uint64_t seen)
{
	for (size_t i = 0; tab[i].key; i++) {
		if ((tab[i].flags & F_REQ) && !(seen & (1ULL << i))) {
			json_push_key(w, tab[i].key);
			return json_fail(w, "missing required field");
		}
	}
	return 0;
}

/* Key by key through the table; the seen bits are why 64 entries at most. */
int json_object(struct walk *w, int t, const struct field *tab, void *base)
{
	if (expect(w, t, JSMN_OBJECT) < 0)
		return -1;
	uint64_t seen = 0;
	int k = t + 1;
	for (int i = 0; i < w->tok[t].size; i++, k = skip(w, k + 1)) {
		const struct field *f = tab;
		while (f->key && strcmp(f->key, str_at(w, k)))
			f++;
		if (!f->key || is_null(w, k + 1))
			continue;
		seen |= 1ULL << (f - tab);
		if (call_field(w, f, k + 1, base) < 0)
			return -1;
	}
	return check_required(w, tab, seen);
}

/* A map element's key is the token before its value. */
const char *json_key_of(const struct walk *w, int t)
{
	return str_at(w, t - 1);
}

static void *walk_list(struct walk *w, int t, jsmntype_t type, size_t sz, elem_fn *fn, size_t *n)
{
	if (expect(w, t, type) < 0)
		return NULL;
	size_t count = (size_t)w->tok[t].size;
	char *v = alloc(w, (count + 1) * sz); /* count < JSON_MAX_TOKENS: no overflow */
	if (!v)
		return NULL;
	int k = t + 1;
	for (size_t i = 0; i < count; i++) {
		int val = type == JSMN_OBJECT ? k + 1 : k;
		size_t old =
		    type == JSMN_OBJECT ? json_push_key(w, str_at(w, k)) : json_push_index(w, i);
		if (fn(w, val, v + i * sz) < 0)
			return NULL;
		pop_path(w, old);
		k = skip(w, val);
	}
	*n = count;
	return v;
}

void *json_array(struct walk *w, int t, size_t sz, elem_fn *fn, size_t *n)
{
	return walk_list(w, t, JSMN_ARRAY, sz, fn, n);
}

void *json_map(struct walk *w, int t, size_t sz, elem_fn *fn, size_t *n)
{
	return walk_list(w, t, JSMN_OBJECT, sz, fn, n);
}

/* ---- scalar handlers ---------------------------------------------------- */

int json_str(struct walk *w, int t, void *dst)
{
	if (expect(w, t, JSMN_STRING) < 0)
		return -1;
	*(char **)dst = w->text + w->tok[t].start;
	return 0;
}

static int get_bool(struct walk *w, int t, bool *out)
{
	char c = w->text[w->tok[t].start];
	if (w->tok[t].type != JSMN_PRIMITIVE || (c != 't' && c != 'f'))
		return type_error(w, t, "a boolean");
	*out = c == 't';
	return 0;
}

int json_bool(struct walk *w, int t, void *dst)
{
	return get_bool(w, t, dst);
}

int json_tristate(struct walk *w, int t, void *dst)
{
	bool b = false;
	if (get_bool(w, t, &b) < 0)
		return -1;
	*(int *)dst = b;
	return 0;
}

/* The magnitude and sign of the integer at t. A number with a fraction or
 * an exponent is not an integer, even 1.0 or 1e3 (as with Go). */
static int get_magnitude(struct walk *w, int t, uint64_t *mag, bool *neg)
{
	const char *p = str_at(w, t), *end = w->text + w->tok[t].end;
	int len = w->tok[t].end - w->tok[t].start;
	if (w->tok[t].type != JSMN_PRIMITIVE || (*p != '-' && !is_digit(*p)))
		return type_error(w, t, "an integer");
	*neg = *p == '-';
	*mag = 0;
	for (p += *neg; p < end; p++) {
		if (!is_digit(*p))
			return json_fail(w, "%.*s is not an integer", len > 40 ? 40 : len,
			                 str_at(w, t));
		unsigned d = (unsigned)(*p - '0');
		if (*mag > (UINT64_MAX - d) / 10)
			return json_fail(w, "%.*s is out of range", len > 40 ? 40 : len,
			                 str_at(w, t));
		*mag = *mag * 10 + d;
	}
	return 0;
}

/* The integer at t, in [lo, hi]. INT64_MIN is never in range: it is UNSET. */
int json_int(struct walk *w, int t, int64_t lo, int64_t hi, int64_t *out)
{
	uint64_t mag = 0;
	bool neg = false;
	if (get_magnitude(w, t, &mag, &neg) < 0)
		return -1;
	int64_t v = mag > INT64_MAX ? INT64_MIN : neg ? -(int64_t)mag : (int64_t)mag;
	if (v == INT64_MIN || v < lo || v > hi)
		return json_fail(w, "%s%" PRIu64 " is out of range (%" PRId64 " to %" PRId64 ")",
		                 neg ? "-" : "", mag, lo, hi);
	*out = v;
	return 0;
}

int json_u64(struct walk *w, int t, void *dst)
{
	uint64_t mag = 0;
	bool neg = false;
	if (get_magnitude(w, t, &mag, &neg) < 0)
		return -1;
	if (neg && mag)
		return json_fail(w, "-%" PRIu64 " is out of range (0 to %" PRIu64 ")", mag,
		                 UINT64_MAX);
	*(uint64_t *)dst = mag;
	return 0;
}

int json_u32(struct walk *w, int t, void *dst)
{
	int64_t v = 0;
	if (json_int(w, t, 0, UINT32_MAX, &v) < 0)
		return -1;
	*(uint32_t *)dst = (uint32_t)v;
	return 0;
}

/* Integers kept in an int64_t (UNSET when absent), by their schema type. */
int json_i64(struct walk *w, int t, void *dst)
{
	return json_int(w, t, INT64_MIN + 1, INT64_MAX, dst);
}

int json_u64i(struct walk *w, int t, void *dst)
{
	return json_int(w, t, 0, INT64_MAX, dst);
}

int json_u32i(struct walk *w, int t, void *dst)
{
	return json_int(w, t, 0, UINT32_MAX, dst);
}

int json_u16i(struct walk *w, int t, void *dst)
{
	return json_int(w, t, 0, UINT16_MAX, dst);
}

int json_i32i(struct walk *w, int t, void *dst)
{
	return json_int(w, t, INT32_MIN, INT32_MAX, dst);
}

/* ---- arrays and maps ------------------------------------------------------ */

int json_strv(struct walk *w, int t, void *dst)
{
	struct strv *sv = dst;
	sv->v = json_array(w, t, sizeof(char *), json_str, &sv->n);
	return sv->v ? 0 : -1;
}

static int elem_kv(struct walk *w, int t, void *elem)
{
	struct kv *kv = elem;
	kv->key = (char *)json_key_of(w, t);
	return json_str(w, t, &kv->value);
}

int json_kvv(struct walk *w, int t, void *dst)
{
	struct kvv *m = dst;
	m->v = json_map(w, t, sizeof(*m->v), elem_kv, &m->n);
	return m->v ? 0 : -1;
}

/* ---- the walk ------------------------------------------------------------- */

int json_walk(char *text, size_t len, void **arena, field_fn *top, void *dst, const char **noted,
              struct husk_err *e)
{
	struct walk w = {.text = text, .arena = arena, .e = e};
	if (json_check(text, len, e) < 0)
		return -1;
	if (text[skip_ws(text, len, 0)] != '{')
		return err_set(e, 0, "the top level is not a JSON object");
	int r = tokenize(&w, len);
	if (r == 0)
		r = top(&w, 0, dst);
	*noted = w.noted;
	free(w.tok);
	return r;
}
