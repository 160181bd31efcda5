// SPDX-License-Identifier: GPL-2.0-or-later
/* The streaming JSON writer and the listings' text buffer (ki_json.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ki_json.h"

const char ki_hex2[513] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
const char ki_dec2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/*
 * Listings write millions of members: the hot paths avoid printf and take
 * the stdio lock once per call at most.
 */
void ki_json_flush(struct ki_json *j)
{
	if (j->len && fwrite(j->buf, 1, j->len, j->fp) != j->len)
		j->failed = true;
	j->len = 0;
}

void ki_obuf_init(struct ki_obuf *o, FILE *fp)
{
	o->fp = fp;
	o->failed = false;
	o->len = 0;
}

void ki_obuf_flush(struct ki_obuf *o)
{
	if (o->len && fwrite_unlocked(o->buf, 1, o->len, o->fp) != o->len)
		o->failed = true;
	o->len = 0;
}

static void put_mem(struct ki_json *j, const char *s, size_t n)
{
	if (n > KI_JSON_BUF - j->len) {
		ki_json_flush(j);
		if (n > KI_JSON_BUF) {
			if (fwrite(s, 1, n, j->fp) != n)
				j->failed = true;
			return;
		}
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static void put_ch(struct ki_json *j, char c)
{
	if (j->len == KI_JSON_BUF)
		ki_json_flush(j);
	j->buf[j->len++] = c;
}

static void put_hex(struct ki_json *j, uint64_t v)
{
	char buf[24];
	size_t n;

	buf[0] = '"';
	n = 1 + ki_fmt_hex(buf + 1, v);
	buf[n++] = '"';
	put_mem(j, buf, n);
}

static void put_udec(struct ki_json *j, uint64_t v)
{
	char buf[24];

	put_mem(j, buf, ki_fmt_udec(buf, v));
}

void ki_json_init(struct ki_json *j, FILE *fp, bool pretty)
{
	j->fp = fp;
	j->failed = false;
	j->depth = 0;
	j->after_key = false;
	j->len = 0;
	memset(j->first, 0, sizeof(j->first));
	j->pretty = pretty;
	j->first[0] = true;
}

static void indent(struct ki_json *j)
{
	if (!j->pretty)
		return;
	put_ch(j, '\n');
	for (int i = 0; i < j->depth; i++)
		put_mem(j, "  ", 2);
}

/* Separator before a value (or before a key in an object). */
static void before_value(struct ki_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		put_ch(j, ',');
	if (j->depth > 0)
		indent(j);
	j->first[j->depth] = false;
}

static void open_(struct ki_json *j, char c)
{
	before_value(j);
	put_ch(j, c);
	if (j->depth + 1 < KI_JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct ki_json *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	put_ch(j, c);
}

void ki_json_begin_object(struct ki_json *j) { open_(j, '{'); }
void ki_json_end_object(struct ki_json *j) { close_(j, '}'); }
void ki_json_begin_array(struct ki_json *j) { open_(j, '['); }
void ki_json_end_array(struct ki_json *j) { close_(j, ']'); }

bool ki_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t len;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

static void raw_string(struct ki_json *j, const char *s, size_t n)
{
	size_t plain = 0;

	put_ch(j, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		/* flush the plain run before this byte, then escape it */
		put_mem(j, s + plain, i - plain);
		plain = i + 1;
		switch (c) {
		case '"': put_mem(j, "\\\"", 2); break;
		case '\\': put_mem(j, "\\\\", 2); break;
		case '\n': put_mem(j, "\\n", 2); break;
		case '\t': put_mem(j, "\\t", 2); break;
		case '\r': put_mem(j, "\\r", 2); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put_mem(j, esc, 6);
		}
	}
	put_mem(j, s + plain, n - plain);
	put_ch(j, '"');
}

void ki_json_key(struct ki_json *j, const char *key)
{
	before_value(j);
	raw_string(j, key, strlen(key));
	put_mem(j, j->pretty ? ": " : ":", j->pretty ? 2 : 1);
	j->after_key = true;
}

void ki_json_string_n(struct ki_json *j, const char *s, size_t n)
{
	static const char hexd[] = "0123456789abcdef";

	if (ki_utf8_valid(s, n)) {
		before_value(j);
		raw_string(j, s, n);
		return;
	}
	ki_json_begin_object(j);
	ki_json_key(j, "hex");
	before_value(j);
	put_ch(j, '"');
	for (size_t i = 0; i < n; i++) {
		put_ch(j, hexd[(unsigned char)s[i] >> 4]);
		put_ch(j, hexd[(unsigned char)s[i] & 15]);
	}
	put_ch(j, '"');
	ki_json_end_object(j);
}

void ki_json_string(struct ki_json *j, const char *s)
{
	ki_json_string_n(j, s, strlen(s));
}

void ki_json_raw_value(struct ki_json *j, const char *s, size_t n)
{
	before_value(j);
	put_mem(j, s, n);
}

char *ki_json_value_room(struct ki_json *j, size_t n)
{
	before_value(j);
	if (n > KI_JSON_BUF - j->len)
		ki_json_flush(j);
	return j->buf + j->len;
}

void ki_json_hex(struct ki_json *j, uint64_t v)
{
	before_value(j);
	put_hex(j, v);
}

void ki_json_uint(struct ki_json *j, uint64_t v)
{
	before_value(j);
	put_udec(j, v);
}

void ki_json_int(struct ki_json *j, int64_t v)
{
	before_value(j);
	if (v < 0) {
		put_ch(j, '-');
		put_udec(j, (uint64_t)0 - (uint64_t)v);
	} else {
		put_udec(j, (uint64_t)v);
	}
}

void ki_json_bool(struct ki_json *j, bool v)
{
	before_value(j);
	put_mem(j, v ? "true" : "false", v ? 4 : 5);
}

void ki_json_null(struct ki_json *j)
{
	before_value(j);
	put_mem(j, "null", 4);
}

void ki_json_kv_string(struct ki_json *j, const char *k, const char *v)
{
	ki_json_key(j, k);
	if (v)
		ki_json_string(j, v);
	else
		ki_json_null(j);
}

void ki_json_kv_hex(struct ki_json *j, const char *k, uint64_t v)
{
	ki_json_key(j, k);
	ki_json_hex(j, v);
}

void ki_json_kv_uint(struct ki_json *j, const char *k, uint64_t v)
{
	ki_json_key(j, k);
	ki_json_uint(j, v);
}

void ki_json_finish(struct ki_json *j)
{
	put_ch(j, '\n');
	ki_json_flush(j);
}

void ki_human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int u = 0;
	uint64_t whole = bytes;

	while (whole >= 1024 && u < 6) {
		whole >>= 10;
		u++;
	}
	if (u == 0 || (bytes & ((UINT64_C(1) << (10 * u)) - 1)) == 0) {
		snprintf(buf, len, "%" PRIu64 " %s", whole, units[u]);
	} else {
		/* One decimal, truncated: never claim more than is there. */
		uint64_t frac = (bytes >> (10 * (u - 1))) & 1023;

		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " %s", whole,
			 frac * 10 / 1024, units[u]);
	}
}

