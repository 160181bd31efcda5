// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A pull parser for the manifest's JSON: just enough JSON (objects,
 * arrays, strings with escapes, numbers, literals) read from a FILE one
 * byte at a time, with bounded strings and nesting. Unknown keys are
 * skipped, so later manifest versions can add members.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ki_manifest.h"

enum { STR_MAX = 4096, DEPTH_MAX = 64 };

bool ki_manifest_slow;

/* The file is read in KI_MANIFEST_BUF blocks; pos and len index buf. */
static bool refill(struct ki_manifest *m)
{
	if (m->eof)
		return false;
	m->len = fread(m->buf, 1, KI_MANIFEST_BUF, m->fp);
	m->pos = 0;
	if (!m->len)
		m->eof = true;
	return m->len != 0;
}

static inline int peekc(struct ki_manifest *m)
{
	if (m->pos == m->len && !refill(m))
		return EOF;
	return (unsigned char)m->buf[m->pos];
}

static inline int nextc(struct ki_manifest *m)
{
	int c = peekc(m);

	if (c != EOF) {
		m->pos++;
		if (c == '\n')
			m->line++;
	}
	return c;
}

static int skip_ws(struct ki_manifest *m)
{
	int c;

	while ((c = peekc(m)) == ' ' || c == '\n' || c == '\t' || c == '\r')
		nextc(m);
	return c;
}

static struct ki_error *bad(struct ki_manifest *m, const char *what)
{
	return ki_error_set_path(ki_error_create(KI_ERR_FORMAT,
			"manifest line %" PRIu64 ": %s", m->line, what), m->path);
}

static struct ki_error *expect(struct ki_manifest *m, int want)
{
	char msg[48];

	if (skip_ws(m) == want) {
		nextc(m);
		return NULL;
	}
	snprintf(msg, sizeof(msg), "expected '%c'", want);
	return bad(m, msg);
}

/* A string into buf (UTF-8, \u escapes decoded); longer ones are an error. */
static struct ki_error *read_string(struct ki_manifest *m, char *buf, size_t cap)
{
	size_t n = 0;
	int c;

	if (skip_ws(m) != '"')
		return bad(m, "expected a string");
	nextc(m);
	for (;;) {
		unsigned int cp;

		/* plain characters straight from the buffer */
		while (m->pos < m->len) {
			unsigned char b = (unsigned char)m->buf[m->pos];

			if (b == '"' || b == '\\' || b < 0x20)
				break;
			if (n + 1 >= cap)
				return bad(m, "string too long");
			buf[n++] = (char)b;
			m->pos++;
		}
		c = nextc(m);
		if (c == EOF || c < 0x20)
			return bad(m, "unterminated string");
		if (c == '"')
			break;
		if (c == '\\') {
			c = nextc(m);
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				cp = 0;
				for (int i = 0; i < 4; i++) {
					int h = nextc(m);

					cp <<= 4;
					if (h >= '0' && h <= '9')
						cp |= (unsigned int)(h - '0');
					else if (h >= 'a' && h <= 'f')
						cp |= (unsigned int)(h - 'a' + 10);
					else if (h >= 'A' && h <= 'F')
						cp |= (unsigned int)(h - 'A' + 10);
					else
						return bad(m, "bad \\u escape");
				}
				if (cp >= 0x80) {
					/* Names we write are ASCII or hex objects:
					 * keep others as '?' rather than pair surrogates. */
					cp = '?';
				}
				c = (int)cp;
				break;
			default:
				return bad(m, "bad escape");
			}
		}
		if (n + 1 >= cap)
			return bad(m, "string too long");
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	m->slen = n;
	return NULL;
}

/* A scalar as text: number or literal. */
static struct ki_error *read_scalar(struct ki_manifest *m, char *buf, size_t cap)
{
	size_t n = 0;
	int c = skip_ws(m);

	while (c != EOF && (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') ||
			    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
		if (n + 1 >= cap)
			return bad(m, "value too long");
		buf[n++] = (char)nextc(m);
		c = peekc(m);
	}
	buf[n] = '\0';
	return n ? NULL : bad(m, "expected a value");
}

/* A string of any length, not kept (unknown members may be long). */
static struct ki_error *skip_string(struct ki_manifest *m)
{
	int c;

	nextc(m); /* the opening quote */
	for (;;) {
		c = nextc(m);
		if (c == EOF || c < 0x20)
			return bad(m, "unterminated string");
		if (c == '"')
			return NULL;
		if (c == '\\' && nextc(m) == EOF)
			return bad(m, "unterminated string");
	}
}

static struct ki_error *skip_value(struct ki_manifest *m, int depth)
{
	char tmp[STR_MAX];
	struct ki_error *err;
	int c = skip_ws(m);

	if (depth > DEPTH_MAX)
		return bad(m, "nested too deeply");
	if (c == '"')
		return skip_string(m);
	if (c == '{' || c == '[') {
		int close = c == '{' ? '}' : ']';

		nextc(m);
		if (skip_ws(m) == close) {
			nextc(m);
			return NULL;
		}
		for (;;) {
			if (close == '}') {
				err = read_string(m, tmp, sizeof(tmp));
				if (!err)
					err = expect(m, ':');
				if (err)
					return err;
			}
			err = skip_value(m, depth + 1);
			if (err)
				return err;
			c = skip_ws(m);
			nextc(m);
			if (c == close)
				return NULL;
			if (c != ',')
				return bad(m, "expected ',' or a closing bracket");
		}
	}
	return read_scalar(m, tmp, sizeof(tmp));
}

/* "0x…" string, or null (*has = false). */
static struct ki_error *read_hex(struct ki_manifest *m, uint64_t *v, bool *has)
{
	char buf[64];
	char *e;
	struct ki_error *err;

	if (skip_ws(m) != '"') {
		err = read_scalar(m, buf, sizeof(buf));
		if (err)
			return err;
		if (strcmp(buf, "null"))
			return bad(m, "expected an address string or null");
		if (has)
			*has = false;
		return NULL;
	}
	err = read_string(m, buf, sizeof(buf));
	if (err)
		return err;
	if (m->slen < 3 || m->slen > 18 || buf[0] != '0' || buf[1] != 'x')
		return bad(m, "expected \"0x…\" (at most 16 hex digits)");
	*v = 0;
	for (e = buf + 2; *e; e++) {
		int d = *e >= '0' && *e <= '9' ? *e - '0' : *e >= 'a' && *e <= 'f' ? *e - 'a' + 10 :
			*e >= 'A' && *e <= 'F' ? *e - 'A' + 10 : -1;

		if (d < 0)
			return bad(m, "bad hex number");
		*v = *v << 4 | (uint64_t)d;
	}
	if (has)
		*has = true;
	return NULL;
}

static struct ki_error *read_uint(struct ki_manifest *m, uint64_t *v)
{
	char buf[32];
	struct ki_error *err = read_scalar(m, buf, sizeof(buf));

	if (err)
		return err;
	*v = 0;
	for (const char *p = buf; *p; p++) {
		if (*p < '0' || *p > '9' || *v > (UINT64_MAX - 9) / 10)
			return bad(m, "expected a non-negative integer");
		*v = *v * 10 + (uint64_t)(*p - '0');
	}
	return NULL;
}

/* A hash string or null. */
static struct ki_error *read_hash(struct ki_manifest *m, char *hash, bool *has)
{
	char buf[64];
	struct ki_error *err;

	if (skip_ws(m) != '"') {
		err = read_scalar(m, buf, sizeof(buf));
		if (!err && strcmp(buf, "null"))
			return bad(m, "expected a hash string or null");
		*has = false;
		return err;
	}
	err = read_string(m, buf, sizeof(buf));
	if (err)
		return err;
	if (m->slen != KI_HASH_HEX - 1 || strspn(buf, "0123456789abcdef") != KI_HASH_HEX - 1)
		return bad(m, "a hash is 32 lowercase hex digits");
	memcpy(hash, buf, KI_HASH_HEX);
	*has = true;
	return NULL;
}

/* A member's key and the ':' after it. */
static struct ki_error *read_key(struct ki_manifest *m, char *key, size_t cap)
{
	struct ki_error *err = read_string(m, key, cap);

	m->klen = m->slen;
	return err ? err : expect(m, ':');
}

/* What follows a member: ',' (more members) or '}' (*end). */
static struct ki_error *after_member(struct ki_manifest *m, bool *end)
{
	int c = skip_ws(m);

	nextc(m);
	*end = c == '}';
	return *end || c == ',' ? NULL : bad(m, "expected ',' or '}'");
}

/* Iterate an object's members: calls fn for each key. */
typedef struct ki_error *(*member_fn)(struct ki_manifest *m, const char *key, void *arg);

static struct ki_error *read_object(struct ki_manifest *m, member_fn fn, void *arg)
{
	char key[128];
	struct ki_error *err;
	bool end;

	err = expect(m, '{');
	if (err)
		return err;
	if (skip_ws(m) == '}') {
		nextc(m);
		return NULL;
	}
	for (;;) {
		err = read_key(m, key, sizeof(key));
		if (!err)
			err = fn(m, key, arg);
		if (!err)
			err = after_member(m, &end);
		if (err || end)
			return err;
	}
}

/* Iterate an array: fn reads each element (the array may be empty). */
typedef struct ki_error *(*element_fn)(struct ki_manifest *m, void *arg);

static struct ki_error *read_array(struct ki_manifest *m, const char *what, element_fn fn,
				   void *arg)
{
	struct ki_error *err = expect(m, '[');
	int c;

	if (err)
		return err;
	if (skip_ws(m) == ']') {
		nextc(m);
		return NULL;
	}
	for (;;) {
		err = fn(m, arg);
		if (err)
			return err;
		c = skip_ws(m);
		nextc(m);
		if (c == ']')
			return NULL;
		if (c != ',')
			return bad(m, what);
	}
}

static struct ki_error *kho_member(struct ki_manifest *m, const char *key, void *arg)
{
	(void)arg;
	if (!strcmp(key, "compatible"))
		return read_string(m, m->compatible, sizeof(m->compatible));
	if (!strcmp(key, "fdt_phys"))
		return read_hex(m, &m->fdt_phys, &m->has_fdt_phys);
	if (!strcmp(key, "fdt_xxh3"))
		return read_hash(m, m->fdt_hash, &m->has_fdt_hash);
	if (!strcmp(key, "fdt_size")) {
		bool has;

		return read_hex(m, &m->fdt_size, &has);
	}
	return skip_value(m, 1);
}

static struct ki_error *input_member(struct ki_manifest *m, const char *key, void *arg)
{
	(void)arg;
	if (!strcmp(key, "page_size"))
		return read_uint(m, &m->page_size);
	return skip_value(m, 1);
}

static struct ki_error *blob_member(struct ki_manifest *m, const char *key, void *arg)
{
	struct ki_mblob *b = arg;
	bool has;

	if (!strcmp(key, "name"))
		return read_string(m, b->name, sizeof(b->name));
	if (!strcmp(key, "phys"))
		return read_hex(m, &b->phys, &b->has_phys);
	if (!strcmp(key, "size"))
		return read_hex(m, &b->size, &has);
	if (!strcmp(key, "xxh3"))
		return read_hash(m, b->hash, &b->has_hash);
	return skip_value(m, 1);
}

/* One blob; those past KI_MANIFEST_MAX_BLOBS are read and dropped. */
static struct ki_error *blob_element(struct ki_manifest *m, void *arg)
{
	struct ki_mblob tmp;
	struct ki_mblob *b = m->nblobs < KI_MANIFEST_MAX_BLOBS ? &m->blobs[m->nblobs] : &tmp;
	struct ki_error *err;

	(void)arg;
	memset(b, 0, sizeof(*b));
	err = read_object(m, blob_member, b);
	if (!err && b != &tmp)
		m->nblobs++;
	return err;
}

static struct ki_error *scratch_member(struct ki_manifest *m, const char *key, void *arg)
{
	struct ki_mscratch *sc = arg;
	bool has;

	if (!strcmp(key, "start"))
		return read_hex(m, &sc->start, &has);
	if (!strcmp(key, "size"))
		return read_hex(m, &sc->size, &has);
	return skip_value(m, 1);
}

static struct ki_error *scratch_element(struct ki_manifest *m, void *arg)
{
	struct ki_mscratch tmp = { 0 };
	struct ki_error *err = read_object(m, scratch_member, &tmp);

	(void)arg;
	if (!err && m->nscratch < KI_MANIFEST_MAX_BLOBS)
		m->scratch[m->nscratch++] = tmp;
	return err;
}

bool ki_manifest_sniff(const char *path)
{
	char buf[256];
	FILE *fp = fopen(path, "re");
	size_t n;

	if (!fp)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return buf[strspn(buf, " \t\r\n")] == '{' && strstr(buf, "\"khoinspect_manifest\"");
}

struct ki_error *ki_manifest_open(const char *path, struct ki_manifest **ret)
{
	struct ki_manifest *m = calloc(1, sizeof(*m));
	struct ki_error *err = NULL;
	char key[128];
	bool seen_version = false;

	if (!m)
		return &ki_enomem;
	m->line = 1;
	m->path = strdup(path);
	m->fp = fopen(path, "re");
	if (!m->path || !m->fp) {
		err = m->path ? ki_error_os(errno, path, "cannot open the manifest") : &ki_enomem;
		goto fail;
	}
	err = expect(m, '{');
	while (!err) {
		bool end;

		err = read_key(m, key, sizeof(key));
		if (err)
			break;
		if (!strcmp(key, "khoinspect_manifest")) {
			uint64_t v;

			err = read_uint(m, &v);
			if (!err && (v < KI_MANIFEST_OLDEST || v > KI_MANIFEST_VERSION))
				err = ki_error_set_path(ki_error_create(KI_ERR_UNSUPPORTED,
						"manifest format version %" PRIu64 "; this khoinspect reads versions %d to %d (take the snapshot again with this version)",
						v, KI_MANIFEST_OLDEST, KI_MANIFEST_VERSION), path);
			m->version = (int)v;
			seen_version = true;
		} else if (!strcmp(key, "input")) {
			err = read_object(m, input_member, NULL);
		} else if (!strcmp(key, "kho")) {
			err = read_object(m, kho_member, NULL);
		} else if (!strcmp(key, "hash")) {
			char h[32];

			if (skip_ws(m) == '"') {
				err = read_string(m, h, sizeof(h));
				if (!err && strcmp(h, "xxh3-128"))
					err = ki_error_set_path(ki_error_create(KI_ERR_UNSUPPORTED,
							"manifest hash \"%s\": only xxh3-128 is known", h), path);
				m->hashed = true;
			} else {
				err = skip_value(m, 1);
			}
		} else if (!strcmp(key, "subnodes")) {
			err = read_array(m, "expected ',' or ']'", blob_element, NULL);
		} else if (!strcmp(key, "scratch")) {
			err = read_array(m, "expected ',' or ']'", scratch_element, NULL);
		} else if (!strcmp(key, "ranges")) {
			if (!seen_version) {
				err = bad(m, "\"khoinspect_manifest\" must come before \"ranges\"");
				break;
			}
			err = expect(m, '[');
			m->in_ranges = true;
			m->first_range = true;
			break;
		} else {
			err = skip_value(m, 1);
		}
		if (err)
			break;
		err = after_member(m, &end);
		if (!err && end)
			err = bad(m, "no \"ranges\" in the manifest");
	}
	if (!err && !seen_version)
		err = ki_error_set_path(ki_error_create(KI_ERR_FORMAT,
				"not a khoinspect manifest (no \"khoinspect_manifest\" member)"), path);
	if (!err && !m->page_size)
		err = bad(m, "no input.page_size");
	if (!err && (m->page_size & (m->page_size - 1)))
		err = bad(m, "input.page_size is not a power of two");
	if (err)
		goto fail;
	*ret = m;
	return NULL;
fail:
	ki_manifest_close(m);
	return err;
}

/* key equals the literal k (m->slen is the key's length right after it is read) */
#define KEY_IS(k) (klen == sizeof(k) - 1 && !memcmp(key, k, sizeof(k) - 1))

static struct ki_error *range_member(struct ki_manifest *m, const char *key, void *arg)
{
	size_t klen = m->klen;
	struct ki_mrange *r = arg;
	uint64_t v;
	struct ki_error *err;
	bool has;

	switch (key[0]) { /* the keys differ in their first letters */
	case 's':
		if (KEY_IS("start"))
			return read_hex(m, &r->start, &has);
		break;
	case 'e':
		if (KEY_IS("end"))
			return read_hex(m, &r->end, &has);
		break;
	case 'b':
		if (KEY_IS("blocks"))
			return read_uint(m, &r->blocks);
		break;
	case 'x':
		if (KEY_IS("xxh3"))
			return read_hash(m, r->hash, &r->has_hash);
		break;
	case 'm':
		if (KEY_IS("missing"))
			return read_hex(m, &r->missing, &r->has_missing);
		break;
	case 'o':
		if (KEY_IS("order")) {
			err = read_uint(m, &v);
			if (!err && v >= 64)
				err = bad(m, "order above 63");
			r->order = (unsigned int)v;
			return err;
		}
		if (KEY_IS("owner"))
			return read_string(m, r->owner, sizeof(r->owner));
		break;
	case 'c':
		if (KEY_IS("chunk_size"))
			return read_hex(m, &r->chunk_size, &has);
		if (KEY_IS("chunks_xxh3_64")) {
			size_t n;

			err = read_string(m, r->chunks, sizeof(r->chunks));
			n = err ? 0 : m->slen;
			if (!err && (n % KI_CHUNK_HEX || strspn(r->chunks, "0123456789abcdef") != n))
				err = bad(m, "chunks_xxh3_64 is not a string of 16-digit hex hashes");
			return err;
		}
		break;
	default:
		break;
	}
	return skip_value(m, 1);
}

/*
 * The fast path for a range object laid out exactly as snapshot writes it
 * (keys in its order, no spaces, no escapes): parsed in place once the
 * whole object is in the buffer. Anything else, and any doubt, returns
 * false with nothing consumed, and the general parser reads the object.
 */
static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static inline __attribute__((always_inline)) bool lit(const char **p, const char *end,
							const char *s, size_t n)
{
	if ((size_t)(end - *p) < n || memcmp(*p, s, n))
		return false;
	*p += n;
	return true;
}
#define LIT(s) lit(&p, end, s, sizeof(s) - 1)

/* value of a hex digit, 0xff for anything else */
static unsigned char hex_digit[256];

static void hex_digit_init(void)
{
	static bool ready;

	if (ready)
		return;
	memset(hex_digit, 0xff, sizeof(hex_digit));
	for (int c = 0; c < 256; c++)
		if (hexval(c) >= 0)
			hex_digit[c] = (unsigned char)hexval(c);
	ready = true;
}

/* hex digits up to the closing quote (consumed) */
static inline bool fast_hex(const char **pp, const char *end, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;
	size_t n = 0;

	for (; p < end && *p != '"'; p++, n++) {
		unsigned char d = hex_digit[(unsigned char)*p];

		if (d == 0xff || n >= 16)
			return false;
		x = x << 4 | d;
	}
	if (!n || p >= end)
		return false;
	*v = x;
	*pp = p + 1;
	return true;
}

static bool fast_dec(const char **pp, const char *end, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;

	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (p == *pp)
		return false;
	*v = x;
	*pp = p;
	return true;
}

/* a string of plain characters (or lowercase hex digits) up to its quote */
static bool fast_str(const char **pp, const char *end, char *out, size_t cap, bool hex,
		     size_t *len)
{
	const char *p = *pp;
	size_t n = 0;

	for (; p < end && *p != '"'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\\' || c < 0x20 || n + 1 >= cap ||
		    (hex && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))))
			return false;
		out[n++] = (char)c;
	}
	if (p >= end)
		return false;
	out[n] = '\0';
	*len = n;
	*pp = p + 1;
	return true;
}

static bool fast_range(struct ki_manifest *m, struct ki_mrange *r)
{
	const char *p, *end, *close;
	uint64_t v;
	size_t n;

	hex_digit_init();
	if (m->pos == m->len && !refill(m))
		return false;
	close = memchr(m->buf + m->pos, '}', m->len - m->pos);
	if (!close && !m->eof) {
		/* move the tail to the front and read on behind it */
		memmove(m->buf, m->buf + m->pos, m->len - m->pos);
		m->len -= m->pos;
		m->pos = 0;
		n = fread(m->buf + m->len, 1, KI_MANIFEST_BUF - m->len, m->fp);
		if (!n)
			m->eof = true;
		m->len += n;
		close = memchr(m->buf, '}', m->len);
	}
	if (!close)
		return false;
	p = m->buf + m->pos;
	end = close + 1;
	if (!LIT("{\"start\":\"0x") || !fast_hex(&p, end, &r->start) ||
	    !LIT(",\"end\":\"0x") || !fast_hex(&p, end, &r->end) ||
	    !LIT(",\"order\":") || !fast_dec(&p, end, &v) || v >= 64 ||
	    !LIT(",\"blocks\":") || !fast_dec(&p, end, &r->blocks))
		return false;
	r->order = (unsigned int)v;
	if (LIT(",\"owner\":\"") && !fast_str(&p, end, r->owner, sizeof(r->owner), false, &n))
		return false;
	if (LIT(",\"xxh3\":\"")) {
		if (!fast_str(&p, end, r->hash, sizeof(r->hash), true, &n) || n != KI_HASH_HEX - 1)
			return false;
		r->has_hash = true;
	} else if (!LIT(",\"xxh3\":null")) {
		return false;
	}
	if (LIT(",\"missing\":\"0x")) {
		if (!fast_hex(&p, end, &r->missing))
			return false;
		r->has_missing = true;
	}
	if (LIT(",\"chunk_size\":\"0x")) {
		if (!fast_hex(&p, end, &r->chunk_size) || !LIT(",\"chunks_xxh3_64\":\"") ||
		    !fast_str(&p, end, r->chunks, sizeof(r->chunks), true, &n) || n % KI_CHUNK_HEX)
			return false;
	}
	if (!LIT("}"))
		return false;
	m->pos = (size_t)(p - m->buf);
	return true;
}
#undef LIT

/*
 * One [start, blocks] pair of a group as the writer lays it out
 * (,["0x…",N] with no white space), straight from the buffer; false
 * (nothing consumed) for anything else, which the general path reads.
 */
static bool fast_pair(struct ki_manifest *m, uint64_t *start, uint64_t *blocks)
{
	const unsigned char *b = (const unsigned char *)m->buf + m->pos, *p = b;
	uint64_t v = 0, n = 0;
	unsigned int nd;

	/* room for the longest: ,["0x" 16 digits ", 19 digits ] */
	if (m->len - m->pos < 64)
		return false;
	if (!m->group_first && *p++ != ',')
		return false;
	if (p[0] != '[' || p[1] != '"' || p[2] != '0' || p[3] != 'x')
		return false;
	p += 4;
	hex_digit_init();
	for (nd = 0; hex_digit[*p] != 0xff && nd < 17; nd++)
		v = v << 4 | hex_digit[*p++];
	if (!nd || nd > 16 || p[0] != '"' || p[1] != ',')
		return false;
	p += 2;
	for (nd = 0; *p >= '0' && *p <= '9' && nd < 20; nd++)
		n = n * 10 + (uint64_t)(*p++ - '0');
	if (!nd || nd > 19 || *p++ != ']')
		return false;
	m->pos += (size_t)(p - b);
	*start = v;
	*blocks = n;
	return true;
}

/* The same pair through the general reader (white space, any layout). */
static struct ki_error *slow_pair(struct ki_manifest *m, uint64_t *start, uint64_t *blocks)
{
	struct ki_error *err;
	bool has;
	int c = skip_ws(m);

	if (!m->group_first) {
		if (c != ',')
			return bad(m, "expected ',' or ']' in a group of ranges");
		nextc(m);
	}
	err = expect(m, '[');
	if (!err)
		err = read_hex(m, start, &has);
	if (!err && !has)
		err = bad(m, "a group's range starts at an address, not null");
	if (!err)
		err = expect(m, ',');
	if (!err)
		err = read_uint(m, blocks);
	if (!err)
		err = expect(m, ']');
	return err;
}

/* A group member that may follow its array: anything but what the ranges
 * in it needed (those come first, so that they can be streamed). */
static struct ki_error *group_tail_member(struct ki_manifest *m, const char *key, void *arg)
{
	(void)arg;
	if (!strcmp(key, "order") || !strcmp(key, "owner") || !strcmp(key, "not_in_dump") ||
	    !strcmp(key, "not_hashed"))
		return bad(m, "a group's order and owner come before its one array of ranges");
	return skip_value(m, 1);
}

/* The rest of a group object after its array, up to its '}'. */
static struct ki_error *group_end(struct ki_manifest *m)
{
	char key[128];
	struct ki_error *err;
	bool end;

	for (;;) {
		err = after_member(m, &end);
		if (err || end)
			return err;
		err = read_key(m, key, sizeof(key));
		if (!err)
			err = group_tail_member(m, key, NULL);
		if (err)
			return err;
	}
}

/*
 * The members of a range object up to its '}', or up to the array of a
 * group (version 2), which is then entered: *group says which.
 */
static struct ki_error *read_range_members(struct ki_manifest *m, struct ki_mrange *r,
					   bool *group)
{
	char key[128];
	struct ki_error *err;
	bool seen_order = false, seen_range = false, end;

	*group = false;
	err = expect(m, '{');
	if (err)
		return err;
	if (skip_ws(m) == '}') {
		nextc(m);
		return NULL;
	}
	for (;;) {
		bool missing;

		err = read_key(m, key, sizeof(key));
		if (err)
			return err;
		missing = !strcmp(key, "not_in_dump");
		if (m->version >= 2 && (missing || !strcmp(key, "not_hashed"))) {
			if (!seen_order || seen_range)
				return bad(m, "a group of ranges has its order (and owner) before its array, and no start, end or blocks of its own");
			err = expect(m, '[');
			if (err)
				return err;
			m->in_group = true;
			m->group_first = true;
			m->group_missing = missing;
			m->group_order = r->order;
			m->group_shift = r->order + (unsigned int)__builtin_ctzll(m->page_size);
			memcpy(m->group_owner, r->owner, sizeof(m->group_owner));
			*group = true;
			return NULL;
		}
		if (!strcmp(key, "order"))
			seen_order = true;
		else if (!strcmp(key, "start") || !strcmp(key, "end") || !strcmp(key, "blocks"))
			seen_range = true;
		err = range_member(m, key, r);
		if (!err)
			err = after_member(m, &end);
		if (err || end)
			return err;
	}
}

/* The next range of the group being read; *got false at its end. */
static struct ki_error *group_next(struct ki_manifest *m, struct ki_mrange *r, bool *got)
{
	struct ki_error *err;
	uint64_t start, blocks, len;

	*got = false;
	if (ki_manifest_slow || !fast_pair(m, &start, &blocks)) {
		if (skip_ws(m) == ']') {
			nextc(m);
			m->in_group = false;
			return group_end(m);
		}
		err = slow_pair(m, &start, &blocks);
		if (err)
			return err;
	}
	m->group_first = false;
	if (!blocks || m->group_shift >= 64 || blocks > (UINT64_MAX >> m->group_shift) ||
	    __builtin_add_overflow(start, blocks << m->group_shift, &len) || !len)
		return bad(m, "a group's range is empty or reaches past the 64-bit address space");
	/* every member set by hand: a memset here costs as much as the parse */
	r->start = start;
	r->end = len;
	r->blocks = blocks;
	r->order = m->group_order;
	r->has_hash = false;
	r->hash[0] = '\0';
	r->has_missing = m->group_missing;
	r->missing = m->group_missing ? start : 0;
	memcpy(r->owner, m->group_owner, sizeof(r->owner));
	r->chunk_size = 0;
	r->chunks[0] = '\0';
	*got = true;
	return NULL;
}

/* One reason a manifest is incomplete. */
static struct ki_error *reason_element(struct ki_manifest *m, void *arg)
{
	char why[256];
	struct ki_error *err = read_string(m, why, sizeof(why));

	(void)arg;
	if (err)
		return err;
	/* gaps the ranges show one by one, or something they cannot */
	if (strncmp(why, "not-in-dump:", 12) && strncmp(why, "partly-read:", 12))
		m->incomplete_hidden = true;
	if (strlen(m->why) + strlen(why) + 3 < sizeof(m->why)) {
		if (m->why[0])
			strcat(m->why, "; ");
		strcat(m->why, why);
	}
	return NULL;
}

/* "incomplete" (version 3): null, or the reasons as strings. */
static struct ki_error *read_incomplete(struct ki_manifest *m)
{
	if (skip_ws(m) != '[')
		return skip_value(m, 1); /* null: complete */
	m->incomplete = true;
	return read_array(m, "expected ',' or ']' in \"incomplete\"", reason_element, NULL);
}

/*
 * The members after the ranges, up to the end of the document: what the
 * manifest lacks is known only once the ranges are written ("map_errors"
 * in every version, "incomplete" from version 3). A manifest that stops
 * here is not whole either.
 */
static struct ki_error *read_tail(struct ki_manifest *m)
{
	char key[128];
	struct ki_error *err;
	bool end;

	m->tail_read = true;
	for (;;) {
		err = after_member(m, &end);
		if (err || end)
			break;
		err = read_key(m, key, sizeof(key));
		if (err)
			break;
		if (!strcmp(key, "map_errors"))
			err = read_uint(m, &m->map_errors);
		else if (!strcmp(key, "incomplete"))
			err = read_incomplete(m);
		else
			err = skip_value(m, 1);
		if (err)
			break;
	}
	if (!err && m->map_errors && !m->incomplete) {
		/* versions 1 and 2 say so only by the count */
		m->incomplete = true;
		m->incomplete_hidden = true;
		snprintf(m->why, sizeof(m->why),
			 "map-errors: the memory map had %" PRIu64 " error finding(s) when it was taken",
			 m->map_errors);
	}
	return err;
}

struct ki_error *ki_manifest_next(struct ki_manifest *m, struct ki_mrange *r,
				  bool *got)
{
	struct ki_error *err;
	bool group;
	int c;

	*got = false;
	for (;;) {
		if (m->in_group) {
			err = group_next(m, r, got);
			if (err || *got)
				return err;
			continue; /* the group ended: the next element */
		}
		if (!m->in_ranges)
			return NULL;
		c = skip_ws(m);
		if (c == ']') {
			nextc(m);
			m->in_ranges = false;
			return read_tail(m);
		}
		if (!m->first_range) {
			if (c != ',')
				return bad(m, "expected ',' or ']' in ranges");
			nextc(m);
		}
		m->first_range = false;
		/* everything but the (16 KiB) chunk string, which only needs ending */
		memset(r, 0, offsetof(struct ki_mrange, chunks));
		r->chunks[0] = '\0';
		if (!ki_manifest_slow && fast_range(m, r))
			break;
		memset(r, 0, offsetof(struct ki_mrange, chunks));
		r->chunks[0] = '\0';
		err = read_range_members(m, r, &group);
		if (err)
			return err;
		if (group)
			continue;
		break;
	}
	if (r->end <= r->start || !r->blocks ||
	    (r->order + __builtin_ctzll(m->page_size) < 64 &&
	     (r->end - r->start) != r->blocks * (m->page_size << r->order)))
		return bad(m, "range whose start, end, order and blocks disagree");
	*got = true;
	return NULL;
}

void ki_manifest_close(struct ki_manifest *m)
{
	if (!m)
		return;
	if (m->fp)
		fclose(m->fp);
	free(m->path);
	free(m);
}
