/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A streaming JSON writer (valid UTF-8, every control byte escaped, u64 as
 * "0x…" strings), a text buffer for long listings, and the number
 * formatting their hot paths share. Writes to a FILE the caller gives;
 * a short write is remembered (failed), never printed.
 */
#ifndef KI_JSON_H
#define KI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/*
 * The "schema_version" of every JSON document the commands print (one
 * number for all; schema/ holds one .schema.json per command, version 2).
 * Bump it when a member moves, is renamed or changes type; the manifest
 * has its own version.
 */
enum { KI_JSON_SCHEMA_VERSION = 2 };

enum { KI_JSON_MAX_DEPTH = 32 };

enum { KI_JSON_BUF = 1 << 16 };

struct ki_json {
	FILE *fp;
	bool pretty;
	bool failed;                 /* a write to fp fell short */
	int depth;
	bool first[KI_JSON_MAX_DEPTH];
	bool after_key;
	size_t len;                  /* bytes waiting in buf */
	char buf[KI_JSON_BUF];       /* written to fp when full and at finish */
};

void ki_json_init(struct ki_json *j, FILE *fp, bool pretty);
void ki_json_begin_object(struct ki_json *j);
void ki_json_end_object(struct ki_json *j);
void ki_json_begin_array(struct ki_json *j);
void ki_json_end_array(struct ki_json *j);
void ki_json_key(struct ki_json *j, const char *key);
/* Strings that are not valid UTF-8 become {"hex": "…"}. */
void ki_json_string(struct ki_json *j, const char *s);
void ki_json_string_n(struct ki_json *j, const char *s, size_t n);
void ki_json_hex(struct ki_json *j, uint64_t v);   /* "0x…" */
void ki_json_uint(struct ki_json *j, uint64_t v);
void ki_json_int(struct ki_json *j, int64_t v);
void ki_json_bool(struct ki_json *j, bool v);
void ki_json_null(struct ki_json *j);
/* Convenience: key + value. */
void ki_json_kv_string(struct ki_json *j, const char *k, const char *v); /* NULL → null */
void ki_json_kv_hex(struct ki_json *j, const char *k, uint64_t v);
void ki_json_kv_uint(struct ki_json *j, const char *k, uint64_t v);
/* A value already encoded as JSON by the caller (hot paths; compact mode). */
void ki_json_raw_value(struct ki_json *j, const char *s, size_t n);
/*
 * The same without a copy: the separator goes out, then the caller writes
 * at most n (<= KI_JSON_BUF) bytes at the pointer returned and says how
 * many with ki_json_value_done.
 */
char *ki_json_value_room(struct ki_json *j, size_t n);
/* Hand what is buffered to the FILE (before writing to it directly). */
void ki_json_flush(struct ki_json *j);
/* Room for n raw bytes with no separator: for the values after the first
 * of an array in compact mode, whose ',' the caller writes itself. */
static inline char *ki_json_room(struct ki_json *j, size_t n)
{
	if (n > KI_JSON_BUF - j->len)
		ki_json_flush(j);
	return j->buf + j->len;
}
static inline void ki_json_value_done(struct ki_json *j, size_t len)
{
	j->len += len;
}
/* Finish the document with a newline and flush it to the FILE. */
void ki_json_finish(struct ki_json *j);

/*
 * Number formatting for the listings' hot paths (millions of lines),
 * inline: two digits at a time from these tables, straight to their place.
 */
extern const char ki_hex2[513];   /* "000102…ff" */
extern const char ki_dec2[201];   /* "000102…99" */

/* "0x…" of v into buf (at least 19 bytes), returns its length; no NUL. */
static inline size_t ki_fmt_hex(char *buf, uint64_t v)
{
	size_t n = (size_t)(64 - __builtin_clzll(v | 1) + 3) / 4; /* digits */
#if defined(__SSE2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* all 16 digits of v shifted to the top, in one 16-byte store; the
	 * bytes past the first n are scratch (the caller writes over them) */
	__m128i x = _mm_cvtsi64_si128((long long)__builtin_bswap64(v << (64 - 4 * n)));
	__m128i mask = _mm_set1_epi8(0x0f);
	__m128i nib = _mm_unpacklo_epi8(_mm_and_si128(_mm_srli_epi16(x, 4), mask),
					_mm_and_si128(x, mask));
	__m128i letter = _mm_and_si128(_mm_cmpgt_epi8(nib, _mm_set1_epi8(9)),
				       _mm_set1_epi8('a' - '0' - 10));

	memcpy(buf, "0x", 2);
	_mm_storeu_si128((__m128i *)(void *)(buf + 2),
			 _mm_add_epi8(nib, _mm_add_epi8(letter, _mm_set1_epi8('0'))));
#else
	char *p = buf + 2 + n;

	buf[0] = '0';
	buf[1] = 'x';
	while (v >= 0x100) {
		p -= 2;
		memcpy(p, ki_hex2 + 2 * (v & 0xff), 2);
		v >>= 8;
	}
	if (v >= 0x10) {
		p -= 2;
		memcpy(p, ki_hex2 + 2 * v, 2);
	} else {
		p[-1] = ki_hex2[2 * v + 1];
	}
#endif
	return n + 2;
}

/* "0x…" of v zero-padded to at least w digits (w <= 16) into buf (at
 * least 19 bytes), returns its length; no NUL. */
static inline size_t ki_fmt_hex_w(char *buf, uint64_t v, size_t w)
{
	size_t n = (size_t)(64 - __builtin_clzll(v | 1) + 3) / 4;

	if (n >= w)
		return ki_fmt_hex(buf, v);
	ki_fmt_hex(buf + (w - n), v);
	memcpy(buf, "0x", 2);
	memset(buf + 2, '0', w - n);
	return w + 2;
}

/* Decimal v into buf (at least 20 bytes), returns its length; no NUL. */
static inline size_t ki_fmt_udec(char *buf, uint64_t v)
{
	char tmp[20];
	char *p = tmp + sizeof(tmp);
	size_t n;

	if (v < 10) {
		buf[0] = (char)('0' + v);
		return 1;
	}
	if (v < 100) {
		memcpy(buf, ki_dec2 + 2 * v, 2);
		return 2;
	}
	while (v >= 100) {
		p -= 2;
		memcpy(p, ki_dec2 + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, ki_dec2 + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(buf, p, n);
	return n;
}

/* ki_human_size's text ("4 KiB", "1.5 MiB", truncated to one decimal)
 * into buf (at least 16 bytes) for the hot paths; returns its length. */
static inline size_t ki_fmt_human(char *buf, uint64_t bytes)
{
	static const char units[7][4] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int u = bytes >= 1024 ? (unsigned int)(63 - __builtin_clzll(bytes)) / 10 : 0;
	size_t n;

	if (u > 6)
		u = 6;
	n = ki_fmt_udec(buf, bytes >> (10 * u));
	if (u && (bytes & ((UINT64_C(1) << (10 * u)) - 1))) {
		buf[n++] = '.';
		buf[n++] = (char)('0' + ((bytes >> (10 * (u - 1))) & 1023) * 10 / 1024);
	}
	buf[n++] = ' ';
	memcpy(buf + n, units[u], 4);
	return n + strlen(units[u]);
}

/*
 * Text listings: lines formatted by hand into one large buffer that goes
 * to the FILE in blocks (a fwrite that size bypasses stdio's own buffer).
 * Use it for every line in between, or flush it before other writes.
 */
enum { KI_OBUF = 1 << 18 };

struct ki_obuf {
	FILE *fp;
	bool failed;                 /* a write to fp fell short */
	size_t len;
	char buf[KI_OBUF];
};

void ki_obuf_init(struct ki_obuf *o, FILE *fp);
void ki_obuf_flush(struct ki_obuf *o);
/* Where to write at most n (<= KI_OBUF) bytes; then ki_obuf_done. */
static inline char *ki_obuf_room(struct ki_obuf *o, size_t n)
{
	if (n > KI_OBUF - o->len)
		ki_obuf_flush(o);
	return o->buf + o->len;
}

static inline void ki_obuf_done(struct ki_obuf *o, size_t len)
{
	o->len += len;
}

/* Whether s[0..n) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
bool ki_utf8_valid(const char *s, size_t n);
/* "4 KiB", "1.5 GiB": exact bytes shown in binary units. */
void ki_human_size(uint64_t bytes, char *buf, size_t len);

#endif
