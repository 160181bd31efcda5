// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <string.h>

#include "ki_output.h"

void ki_json_init(struct ki_json *j, FILE *fp, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->fp = fp;
	j->pretty = pretty;
	j->first[0] = true;
}

static void indent(struct ki_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->fp);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->fp);
}

/* Separator before a value (or before a key in an object). */
static void before_value(struct ki_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->fp);
	if (j->depth > 0)
		indent(j);
	j->first[j->depth] = false;
}

static void open_(struct ki_json *j, char c)
{
	before_value(j);
	fputc(c, j->fp);
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
	fputc(c, j->fp);
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
	fputc('"', j->fp);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': fputs("\\\"", j->fp); break;
		case '\\': fputs("\\\\", j->fp); break;
		case '\n': fputs("\\n", j->fp); break;
		case '\t': fputs("\\t", j->fp); break;
		case '\r': fputs("\\r", j->fp); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(j->fp, "\\u%04x", c);
			else
				fputc(c, j->fp);
		}
	}
	fputc('"', j->fp);
}

void ki_json_key(struct ki_json *j, const char *key)
{
	before_value(j);
	raw_string(j, key, strlen(key));
	fputs(j->pretty ? ": " : ":", j->fp);
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
	fputc('"', j->fp);
	for (size_t i = 0; i < n; i++) {
		fputc(hexd[(unsigned char)s[i] >> 4], j->fp);
		fputc(hexd[(unsigned char)s[i] & 15], j->fp);
	}
	fputc('"', j->fp);
	ki_json_end_object(j);
}

void ki_json_string(struct ki_json *j, const char *s)
{
	ki_json_string_n(j, s, strlen(s));
}

void ki_json_hex(struct ki_json *j, uint64_t v)
{
	before_value(j);
	fprintf(j->fp, "\"0x%" PRIx64 "\"", v);
}

void ki_json_uint(struct ki_json *j, uint64_t v)
{
	before_value(j);
	fprintf(j->fp, "%" PRIu64, v);
}

void ki_json_int(struct ki_json *j, int64_t v)
{
	before_value(j);
	fprintf(j->fp, "%" PRId64, v);
}

void ki_json_bool(struct ki_json *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->fp);
}

void ki_json_null(struct ki_json *j)
{
	before_value(j);
	fputs("null", j->fp);
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
	fputc('\n', j->fp);
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
