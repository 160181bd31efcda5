// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON writer and text helpers (ki_output.h). Output goes to an
 * open_memstream buffer and is compared with hand-written strings, and
 * checked by a small JSON parser written here (RFC 8259 grammar), which
 * also decodes strings so escaping can be verified as a round trip.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ki_output.h"

/* ---- capture ---- */

struct cap {
	FILE *fp;
	char *buf;
	size_t len;
	struct ki_json j;
};

static void cap_open(struct cap *c, bool pretty)
{
	c->buf = NULL;
	c->len = 0;
	c->fp = open_memstream(&c->buf, &c->len);
	cr_assert_not_null(c->fp);
	ki_json_init(&c->j, c->fp, pretty);
}

/* Close the stream; c->buf holds the output (free it). */
static const char *cap_close(struct cap *c)
{
	ki_json_flush(&c->j);  /* the writer buffers until finish or flush */
	cr_assert_eq(fclose(c->fp), 0);
	c->fp = NULL;
	return c->buf;
}

/* ---- an independent JSON checker ---- */

struct jp {
	const char *s;
	size_t n, i;
	unsigned char out[4096];  /* last decoded string */
	size_t outn;
	int depth;
};

static bool jp_ws(struct jp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\n' ||
			       p->s[p->i] == '\t' || p->s[p->i] == '\r'))
		p->i++;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put_utf8(struct jp *p, uint32_t cp)
{
	if (p->outn + 4 > sizeof(p->out))
		return;
	if (cp < 0x80) {
		p->out[p->outn++] = (unsigned char)cp;
	} else if (cp < 0x800) {
		p->out[p->outn++] = (unsigned char)(0xc0 | cp >> 6);
		p->out[p->outn++] = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		p->out[p->outn++] = (unsigned char)(0xe0 | cp >> 12);
		p->out[p->outn++] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		p->out[p->outn++] = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		p->out[p->outn++] = (unsigned char)(0xf0 | cp >> 18);
		p->out[p->outn++] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		p->out[p->outn++] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		p->out[p->outn++] = (unsigned char)(0x80 | (cp & 0x3f));
	}
}

/* A JSON string; raw bytes must be >= 0x20 (UTF-8 checked separately). */
static bool jp_string(struct jp *p)
{
	p->outn = 0;
	if (p->i >= p->n || p->s[p->i] != '"')
		return false;
	p->i++;
	while (p->i < p->n) {
		unsigned char c = (unsigned char)p->s[p->i++];

		if (c == '"')
			return true;
		if (c < 0x20)
			return false;
		if (c != '\\') {
			if (p->outn < sizeof(p->out))
				p->out[p->outn++] = c;
			continue;
		}
		if (p->i >= p->n)
			return false;
		c = (unsigned char)p->s[p->i++];
		switch (c) {
		case '"': case '\\': case '/':
			put_utf8(p, c);
			break;
		case 'b': put_utf8(p, 8); break;
		case 'f': put_utf8(p, 12); break;
		case 'n': put_utf8(p, 10); break;
		case 'r': put_utf8(p, 13); break;
		case 't': put_utf8(p, 9); break;
		case 'u': {
			uint32_t cp = 0;

			if (p->n - p->i < 4)
				return false;
			for (int k = 0; k < 4; k++) {
				int h = hexval(p->s[p->i++]);

				if (h < 0)
					return false;
				cp = cp << 4 | (uint32_t)h;
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				return false;  /* the writer never needs surrogates */
			put_utf8(p, cp);
			break;
		}
		default:
			return false;
		}
	}
	return false;
}

static bool jp_value(struct jp *p);

static bool jp_lit(struct jp *p, const char *w)
{
	size_t l = strlen(w);

	if (p->n - p->i < l || memcmp(p->s + p->i, w, l))
		return false;
	p->i += l;
	return true;
}

static bool jp_number(struct jp *p)
{
	size_t start = p->i;

	if (p->i < p->n && p->s[p->i] == '-')
		p->i++;
	if (p->i >= p->n)
		return false;
	if (p->s[p->i] == '0') {
		p->i++;
	} else if (p->s[p->i] >= '1' && p->s[p->i] <= '9') {
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	} else {
		return false;
	}
	return p->i > start;
}

static bool jp_value(struct jp *p)
{
	jp_ws(p);
	if (p->i >= p->n)
		return false;
	switch (p->s[p->i]) {
	case '{':
		p->i++;
		jp_ws(p);
		if (p->i < p->n && p->s[p->i] == '}') {
			p->i++;
			return true;
		}
		for (;;) {
			jp_ws(p);
			if (!jp_string(p))
				return false;
			jp_ws(p);
			if (p->i >= p->n || p->s[p->i++] != ':')
				return false;
			if (!jp_value(p))
				return false;
			jp_ws(p);
			if (p->i >= p->n)
				return false;
			if (p->s[p->i] == ',') {
				p->i++;
				continue;
			}
			if (p->s[p->i] == '}') {
				p->i++;
				return true;
			}
			return false;
		}
	case '[':
		p->i++;
		jp_ws(p);
		if (p->i < p->n && p->s[p->i] == ']') {
			p->i++;
			return true;
		}
		for (;;) {
			if (!jp_value(p))
				return false;
			jp_ws(p);
			if (p->i >= p->n)
				return false;
			if (p->s[p->i] == ',') {
				p->i++;
				continue;
			}
			if (p->s[p->i] == ']') {
				p->i++;
				return true;
			}
			return false;
		}
	case '"':
		return jp_string(p);
	case 't':
		return jp_lit(p, "true");
	case 'f':
		return jp_lit(p, "false");
	case 'n':
		return jp_lit(p, "null");
	default:
		return jp_number(p);
	}
}

/* One JSON document, optional surrounding whitespace. */
static bool json_valid(const char *s, size_t n)
{
	struct jp p = { .s = s, .n = n };

	if (!jp_value(&p))
		return false;
	jp_ws(&p);
	return p.i == p.n;
}

/* The checker itself: it must reject what is not JSON. */
Test(output, checker_self_test)
{
	static const char *const good[] = {
		"{}", "[]", "[1,-2,0]", "{\"a\":[true,false,null],\"b\":\"\\u001f\\n\"}",
		" {\n  \"a\": 1\n}\n",
	};
	static const char *const bad[] = {
		"", "[1,]", "[,1]", "{\"a\" 1}", "{\"a\":1,}", "[1 2]", "\"\x01\"",
		"\"\\x\"", "\"\\u12\"", "{a:1}", "[01]", "[1]]", "[[1]", "tru", "\"abc",
		"{\"a\":1}{}",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_assert(json_valid(good[i], strlen(good[i])), "rejected %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not(json_valid(bad[i], strlen(bad[i])), "accepted %s", bad[i]);
}

/* ---- escaping ---- */

/* Output of ki_json_string_n for n bytes, as a standalone document. */
static char *string_doc(const char *s, size_t n, size_t *len)
{
	struct cap c;

	cap_open(&c, false);
	ki_json_string_n(&c.j, s, n);
	cap_close(&c);
	*len = c.len;
	return c.buf;
}

Test(output, control_bytes_escaped)
{
	for (unsigned int b = 0; b < 0x20; b++) {
		char in = (char)b, want[16];
		const char *alt = b == '\n' ? "\"\\n\"" : b == '\t' ? "\"\\t\"" :
				  b == '\r' ? "\"\\r\"" : NULL;
		size_t len;
		char *out = string_doc(&in, 1, &len);

		cr_assert_eq(strlen(out), len, "byte 0x%02x: raw NUL in output", b);
		/* "\u00XX", hex digits in either case; \n \t \r may be short */
		snprintf(want, sizeof(want), "\"\\u%04x\"", b);
		cr_assert((!strcasecmp(out, want) && !strncmp(out, "\"\\u00", 5)) ||
			  (alt && !strcmp(out, alt)),
			  "byte 0x%02x -> %s, expected %s", b, out, want);
		free(out);
	}
}

/* Every control byte inside a longer string, all at once. */
Test(output, all_control_bytes_round_trip)
{
	char in[0x20 + 2];
	struct jp p;
	size_t len;
	char *out;

	in[0] = 'A';
	for (int b = 0; b < 0x20; b++)
		in[b + 1] = (char)b;
	in[0x21] = 'Z';
	out = string_doc(in, sizeof(in), &len);
	for (size_t i = 0; i < len; i++)
		cr_assert_geq((unsigned char)out[i], 0x20, "raw control byte at %zu", i);
	p = (struct jp){ .s = out, .n = len };
	cr_assert(jp_string(&p) && p.i == len, "not one JSON string: %s", out);
	cr_assert_eq(p.outn, sizeof(in));
	cr_assert_eq(memcmp(p.out, in, sizeof(in)), 0);
	free(out);
}

Test(output, quotes_and_backslashes)
{
	size_t len;
	char *out = string_doc("a\"b\\c\"\"\\\\", 9, &len);

	cr_assert_str_eq(out, "\"a\\\"b\\\\c\\\"\\\"\\\\\\\\\"");
	free(out);
	/* a forward slash needs no escape; either form is valid */
	out = string_doc("a/b", 3, &len);
	cr_assert(!strcmp(out, "\"a/b\"") || !strcmp(out, "\"a\\/b\""), "%s", out);
	free(out);
}

/* DEL is legal raw in JSON; escaped or not, it must decode to 0x7f. */
Test(output, del_byte)
{
	struct jp p;
	size_t len;
	char *out = string_doc("x\x7fy", 3, &len);

	cr_assert(!strcmp(out, "\"x\x7fy\"") || !strcasecmp(out, "\"x\\u007fy\""), "%s", out);
	p = (struct jp){ .s = out, .n = len };
	cr_assert(jp_string(&p));
	cr_assert_eq(p.outn, 3);
	cr_assert_eq(memcmp(p.out, "x\x7fy", 3), 0);
	free(out);
}

Test(output, valid_utf8_passes_through)
{
	static const char *const ok[] = {
		"caf\xc3\xa9",                 /* U+00E9 */
		"\xc2\x80",                    /* U+0080, smallest 2-byte */
		"\xdf\xbf",                    /* U+07FF */
		"\xe0\xa0\x80",                /* U+0800, smallest 3-byte */
		"\xe2\x82\xac",                /* U+20AC euro */
		"\xed\x9f\xbf",                /* U+D7FF, below the surrogates */
		"\xee\x80\x80",                /* U+E000, above them */
		"\xef\xbf\xbf",                /* U+FFFF */
		"\xf0\x90\x80\x80",            /* U+10000 */
		"\xf0\x9d\x84\x9e",            /* U+1D11E */
		"\xf4\x8f\xbf\xbf",            /* U+10FFFF, the last */
		"memblock \xe2\x9c\x93 LUO",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char want[64];
		size_t len;
		char *out;

		cr_assert(ki_utf8_valid(ok[i], strlen(ok[i])), "case %zu rejected", i);
		out = string_doc(ok[i], strlen(ok[i]), &len);
		snprintf(want, sizeof(want), "\"%s\"", ok[i]);
		cr_assert_str_eq(out, want, "case %zu", i);
		free(out);
	}
}

Test(output, utf8_rejects)
{
	static const struct { const char *s; size_t n; const char *why; } bad[] = {
		{ "\xc0\x80", 2, "overlong NUL" },
		{ "\xc1\xbf", 2, "overlong 2-byte" },
		{ "\xe0\x80\x80", 3, "overlong 3-byte" },
		{ "\xe0\x9f\xbf", 3, "overlong 3-byte (U+07FF)" },
		{ "\xf0\x80\x80\x80", 4, "overlong 4-byte" },
		{ "\xf0\x8f\xbf\xbf", 4, "overlong 4-byte (U+FFFF)" },
		{ "\xed\xa0\x80", 3, "surrogate U+D800" },
		{ "\xed\xbf\xbf", 3, "surrogate U+DFFF" },
		{ "\xed\xa0\xbd\xed\xb8\x80", 6, "CESU-8 surrogate pair" },
		{ "\xf4\x90\x80\x80", 4, "U+110000" },
		{ "\xf5\x80\x80\x80", 4, "lead byte 0xf5" },
		{ "\xf7\xbf\xbf\xbf", 4, "U+1FFFFF" },
		{ "\xf8\x88\x80\x80\x80", 5, "5-byte form" },
		{ "\xfc\x84\x80\x80\x80\x80", 6, "6-byte form" },
		{ "\xfe", 1, "0xfe" },
		{ "\xff", 1, "0xff" },
		{ "\x80", 1, "lone continuation" },
		{ "a\xbf", 2, "stray continuation" },
		{ "\xc3", 1, "truncated 2-byte" },
		{ "\xe2\x82", 2, "truncated 3-byte" },
		{ "\xf0\x9d\x84", 3, "truncated 4-byte" },
		{ "\xc3\x28", 2, "bad continuation" },
		{ "\xe2\x28\xa1", 3, "bad 2nd byte of 3" },
		{ "\xe2\x82\x28", 3, "bad 3rd byte of 3" },
		{ "ok\xf0\x9d\x84\x9e\xc3", 7, "valid then truncated" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not(ki_utf8_valid(bad[i].s, bad[i].n), "accepted %s", bad[i].why);
	cr_assert(ki_utf8_valid("", 0));
	cr_assert(ki_utf8_valid("a\0b", 3), "NUL is valid UTF-8");
	/* only n bytes are looked at */
	cr_assert(ki_utf8_valid("ab\xff", 2));
}

/* Bytes that are not UTF-8 become {"hex": "..."} with two digits per byte. */
Test(output, invalid_utf8_becomes_hex)
{
	static const struct { const char *s; size_t n; const char *hex; } cases[] = {
		{ "\xff\xfe", 2, "fffe" },
		{ "ab\xc0", 3, "6162c0" },
		{ "\xed\xa0\x80", 3, "eda080" },
		{ "\x00\x01\x80", 3, "000180" },
		{ "\"\\\x80", 3, "225c80" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char compact[64];
		size_t len;
		char *out = string_doc(cases[i].s, cases[i].n, &len);

		snprintf(compact, sizeof(compact), "{\"hex\":\"%s\"}", cases[i].hex);
		cr_assert(json_valid(out, len), "invalid JSON: %s", out);
		cr_assert(!strcasecmp(out, compact) ||
			  !strcasecmp(out, (snprintf(compact, sizeof(compact),
					"{\"hex\": \"%s\"}", cases[i].hex), compact)),
			  "case %zu: %s", i, out);
		free(out);
	}
}

/* Any byte string gives valid JSON that decodes back to it (or to its hex). */
Test(output, random_bytes_always_valid_json)
{
	uint64_t x = 0x243f6a8885a308d3;

	for (int round = 0; round < 2000; round++) {
		char in[24];
		size_t n = (size_t)(round % 24), len;
		char *out;
		struct jp p;

		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* bias toward interesting bytes */
			in[i] = (char)(round % 3 == 0 ? (x & 0x3f) : round % 3 == 1 ? (x | 0x80) : x);
		}
		out = string_doc(in, n, &len);
		cr_assert(json_valid(out, len), "round %d: invalid JSON %s", round, out);
		p = (struct jp){ .s = out, .n = len };
		if (out[0] == '"') {
			cr_assert(ki_utf8_valid(out, len), "round %d: output not UTF-8", round);
			cr_assert(jp_string(&p));
			cr_assert_eq(p.outn, n, "round %d", round);
			cr_assert_eq(memcmp(p.out, in, n), 0, "round %d", round);
			cr_assert(ki_utf8_valid(in, n));
		} else {
			const char *h = strstr(out, "\"hex\"");

			cr_assert_not(ki_utf8_valid(in, n), "round %d: valid UTF-8 hex-encoded", round);
			cr_assert_not_null(h);
			h = strchr(h + 5, '"');
			cr_assert_not_null(h);
			for (size_t i = 0; i < n; i++) {
				int hi = hexval(h[1 + 2 * i]), lo = hexval(h[2 + 2 * i]);

				cr_assert(hi >= 0 && lo >= 0, "round %d", round);
				cr_assert_eq((unsigned char)(hi << 4 | lo), (unsigned char)in[i]);
			}
			cr_assert_eq(h[1 + 2 * n], '"');
		}
		free(out);
	}
}

/* Keys are escaped like values. */
Test(output, key_escaping)
{
	struct cap c;
	const char *out;

	cap_open(&c, false);
	ki_json_begin_object(&c.j);
	ki_json_kv_uint(&c.j, "a\"b\n", 1);
	ki_json_end_object(&c.j);
	out = cap_close(&c);
	cr_assert_str_eq(out, "{\"a\\\"b\\n\":1}");
	free(c.buf);
}

/* ---- structure ---- */

static void sample_doc(struct ki_json *j)
{
	ki_json_begin_object(j);
	ki_json_kv_uint(j, "schema_version", 1);
	ki_json_key(j, "list");
	ki_json_begin_array(j);
	ki_json_uint(j, 1);
	ki_json_int(j, -2);
	ki_json_begin_object(j);
	ki_json_kv_string(j, "c", NULL);
	ki_json_kv_hex(j, "pa", 0x1000);
	ki_json_end_object(j);
	ki_json_end_array(j);
	ki_json_key(j, "empty_obj");
	ki_json_begin_object(j);
	ki_json_end_object(j);
	ki_json_key(j, "empty_arr");
	ki_json_begin_array(j);
	ki_json_end_array(j);
	ki_json_key(j, "t");
	ki_json_bool(j, true);
	ki_json_key(j, "f");
	ki_json_bool(j, false);
	ki_json_key(j, "n");
	ki_json_null(j);
	ki_json_kv_string(j, "s", "x");
	ki_json_end_object(j);
	ki_json_finish(j);
}

Test(output, nesting_and_commas_compact)
{
	struct cap c;
	const char *out;

	cap_open(&c, false);
	sample_doc(&c.j);
	out = cap_close(&c);
	cr_assert_str_eq(out,
		"{\"schema_version\":1,\"list\":[1,-2,{\"c\":null,\"pa\":\"0x1000\"}],"
		"\"empty_obj\":{},\"empty_arr\":[],\"t\":true,\"f\":false,\"n\":null,"
		"\"s\":\"x\"}\n");
	cr_assert(json_valid(out, c.len));
	free(c.buf);
}

Test(output, nesting_and_commas_pretty)
{
	struct cap c;
	const char *out;

	cap_open(&c, true);
	sample_doc(&c.j);
	out = cap_close(&c);
	cr_assert(json_valid(out, c.len), "invalid JSON:\n%s", out);
	cr_assert_str_eq(out,
		"{\n"
		"  \"schema_version\": 1,\n"
		"  \"list\": [\n"
		"    1,\n"
		"    -2,\n"
		"    {\n"
		"      \"c\": null,\n"
		"      \"pa\": \"0x1000\"\n"
		"    }\n"
		"  ],\n"
		"  \"empty_obj\": {},\n"
		"  \"empty_arr\": [],\n"
		"  \"t\": true,\n"
		"  \"f\": false,\n"
		"  \"n\": null,\n"
		"  \"s\": \"x\"\n"
		"}\n", "got:\n%s", out);
	free(c.buf);
}

/* Arrays of arrays and objects in arrays: commas between siblings only. */
Test(output, siblings_of_containers)
{
	struct cap c;
	const char *out;

	cap_open(&c, false);
	ki_json_begin_array(&c.j);
	for (int i = 0; i < 3; i++) {
		ki_json_begin_array(&c.j);
		for (int k = 0; k < i; k++) {
			ki_json_begin_object(&c.j);
			ki_json_end_object(&c.j);
		}
		ki_json_end_array(&c.j);
	}
	ki_json_end_array(&c.j);
	out = cap_close(&c);
	cr_assert_str_eq(out, "[[],[{}],[{},{}]]");
	free(c.buf);
}

/* An invalid-UTF-8 value inside an object keeps the commas right. */
Test(output, hex_value_inside_object)
{
	struct cap c;
	const char *out;

	cap_open(&c, false);
	ki_json_begin_object(&c.j);
	ki_json_kv_string(&c.j, "name", "\xff");
	ki_json_kv_uint(&c.j, "n", 2);
	ki_json_end_object(&c.j);
	out = cap_close(&c);
	cr_assert(json_valid(out, c.len), "invalid JSON: %s", out);
	cr_assert(!strcasecmp(out, "{\"name\":{\"hex\":\"ff\"},\"n\":2}"), "%s", out);
	free(c.buf);

	cap_open(&c, true);
	ki_json_begin_array(&c.j);
	ki_json_string_n(&c.j, "\xfe", 1);
	ki_json_string(&c.j, "ok");
	ki_json_end_array(&c.j);
	out = cap_close(&c);
	cr_assert(json_valid(out, c.len), "invalid JSON:\n%s", out);
	free(c.buf);
}

/* Deeper than KI_JSON_MAX_DEPTH: still one valid document. */
Test(output, deep_nesting_stays_valid)
{
	struct cap c;
	const char *out;
	int deep = KI_JSON_MAX_DEPTH + 8;

	for (int pretty = 0; pretty < 2; pretty++) {
		cap_open(&c, pretty);
		for (int i = 0; i < deep; i++) {
			ki_json_begin_array(&c.j);
			ki_json_uint(&c.j, (uint64_t)i);
		}
		for (int i = 0; i < deep; i++) {
			ki_json_uint(&c.j, 7);
			ki_json_end_array(&c.j);
		}
		out = cap_close(&c);
		cr_assert(json_valid(out, c.len), "invalid JSON (pretty %d):\n%s", pretty, out);
		free(c.buf);
	}
}

/* ---- numbers ---- */

static uint64_t parse_hex_string(const char *s)
{
	char *end;
	uint64_t v;

	cr_assert_eq(s[0], '"', "%s", s);
	cr_assert(s[1] == '0' && s[2] == 'x', "not \"0x...\": %s", s);
	v = strtoull(s + 3, &end, 16);
	cr_assert_eq(*end, '"', "%s", s);
	cr_assert_eq(end[1], '\0', "%s", s);
	return v;
}

Test(output, hex_values)
{
	static const uint64_t vals[] = { 0, 1, 0xfff, UINT64_C(0x80000000),
					 UINT64_C(1) << 53 | 1, UINT64_MAX };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct cap c;
		const char *out;

		cap_open(&c, false);
		ki_json_hex(&c.j, vals[i]);
		out = cap_close(&c);
		cr_assert_eq(parse_hex_string(out), vals[i], "%s", out);
		free(c.buf);
	}
	{
		struct cap c;

		cap_open(&c, false);
		ki_json_hex(&c.j, UINT64_MAX);
		cr_assert(!strcasecmp(cap_close(&c), "\"0xffffffffffffffff\""), "%s", c.buf);
		free(c.buf);
		cap_open(&c, false);
		ki_json_hex(&c.j, 0);
		cr_assert_str_eq(cap_close(&c), "\"0x0\"");
		free(c.buf);
	}
}

Test(output, integers_full_range)
{
	struct cap c;

	cap_open(&c, false);
	ki_json_begin_array(&c.j);
	ki_json_uint(&c.j, UINT64_MAX);
	ki_json_uint(&c.j, 0);
	ki_json_int(&c.j, INT64_MIN);
	ki_json_int(&c.j, INT64_MAX);
	ki_json_end_array(&c.j);
	cr_assert_str_eq(cap_close(&c),
			 "[18446744073709551615,0,-9223372036854775808,9223372036854775807]");
	free(c.buf);
}

/* ---- ki_human_size ---- */

static void expect_size(uint64_t bytes, const char *want)
{
	char buf[32];

	memset(buf, 'X', sizeof(buf));
	ki_human_size(bytes, buf, sizeof(buf));
	cr_assert_str_eq(buf, want, "%" PRIu64 " bytes -> \"%s\", expected \"%s\"",
			 bytes, buf, want);
}

Test(output, human_size_examples)
{
	expect_size(0, "0 B");
	expect_size(1, "1 B");
	expect_size(1023, "1023 B");
	expect_size(1024, "1 KiB");
	expect_size(4096, "4 KiB");
	expect_size(1536, "1.5 KiB");
	expect_size(UINT64_C(2) << 20, "2 MiB");
	expect_size(UINT64_C(128) << 20, "128 MiB");
	expect_size(UINT64_C(3) << 29, "1.5 GiB");
	expect_size(UINT64_C(64) << 30, "64 GiB");
	expect_size(UINT64_C(5) << 40, "5 TiB");
	expect_size(UINT64_C(1) << 50, "1 PiB");
	expect_size(UINT64_C(1) << 60, "1 EiB");
	expect_size(UINT64_C(15) << 60, "15 EiB");
}

/* Not a whole number of units: one decimal, never rounded up past the truth. */
Test(output, human_size_never_overstates)
{
	expect_size(1025, "1.0 KiB");
	expect_size(2047, "1.9 KiB");
	expect_size((UINT64_C(1) << 30) - 1, "1023.9 MiB");
	expect_size(UINT64_MAX, "15.9 EiB");
}

Test(output, human_size_small_buffer)
{
	char buf[5];

	memset(buf, 'X', sizeof(buf));
	ki_human_size(UINT64_C(3) << 29, buf, 4);
	cr_assert_eq(buf[4], 'X', "wrote past the length given");
	cr_assert_lt(strlen(buf), 4);
	cr_assert_eq(strncmp(buf, "1.5", strlen(buf)), 0, "%s", buf);
}

/* The hand-rolled number formatters against snprintf, at every digit
 * boundary and on a spread of values. */
Test(output, fmt_hex_and_udec_match_snprintf)
{
	uint64_t vals[200];
	size_t n = 0;
	uint64_t x = 0x9e3779b97f4a7c15;

	for (unsigned int b = 0; b < 64; b++) {
		vals[n++] = UINT64_C(1) << b;
		vals[n++] = (UINT64_C(1) << b) - 1;
	}
	vals[n++] = UINT64_MAX;
	vals[n++] = 9;
	vals[n++] = 10;
	vals[n++] = 99;
	vals[n++] = 100;
	vals[n++] = 10000000000000000000u;
	while (n < sizeof(vals) / sizeof(vals[0])) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		vals[n++] = x >> (x & 63);
	}
	for (size_t i = 0; i < n; i++) {
		char got[32], want[32];
		size_t len;

		len = ki_fmt_hex(got, vals[i]);
		got[len] = '\0';
		snprintf(want, sizeof(want), "0x%" PRIx64, vals[i]);
		cr_expect_str_eq(got, want);
		len = ki_fmt_udec(got, vals[i]);
		got[len] = '\0';
		snprintf(want, sizeof(want), "%" PRIu64, vals[i]);
		cr_expect_str_eq(got, want);
	}
}

/* Values written in place (ki_json_value_room) get their commas, also
 * after values written raw with their own (ki_json_room), across many
 * buffer flushes. */
Test(output, value_room_across_flushes)
{
	struct cap c;
	const char *out;
	size_t pos;

	cap_open(&c, false);
	ki_json_begin_array(&c.j);
	for (unsigned int i = 0; i < 20000; i++) {
		char *p;

		/* every third value with its own ',' through ki_json_room */
		if (i % 3 == 2) {
			p = ki_json_room(&c.j, 33);
			*p = ',';
			ki_json_value_done(&c.j, 1 + ki_fmt_udec(p + 1, i));
			continue;
		}
		p = ki_json_value_room(&c.j, 32);
		ki_json_value_done(&c.j, ki_fmt_udec(p, i));
	}
	ki_json_end_array(&c.j);
	ki_json_finish(&c.j);
	out = cap_close(&c);
	cr_assert(json_valid(out, c.len));
	cr_assert_eq(out[0], '[');
	pos = 1;
	for (unsigned int i = 0; i < 20000; i++) {
		char want[16];
		int n = snprintf(want, sizeof(want), "%u%c", i, i + 1 < 20000 ? ',' : ']');

		cr_assert(!strncmp(out + pos, want, (size_t)n), "value %u at %zu", i, pos);
		pos += (size_t)n;
	}
	cr_assert_str_eq(out + pos, "\n");
	cr_assert_not(c.j.failed);
	free(c.buf);
}

/* The text buffer: lines handed over in place come out whole and in order,
 * also when they straddle its flushes; a short write sets failed. */
Test(output, obuf_lines_in_order)
{
	static struct ki_obuf ob;
	char *buf = NULL;
	size_t len = 0, pos = 0;
	FILE *fp = open_memstream(&buf, &len);
	const unsigned int lines = 3 * KI_OBUF / 20;

	cr_assert_not_null(fp);
	ki_obuf_init(&ob, fp);
	for (unsigned int i = 0; i < lines; i++) {
		char *p = ki_obuf_room(&ob, 40), *s = p;

		p += ki_fmt_hex(p, (uint64_t)i << 12);
		*p++ = '\n';
		ki_obuf_done(&ob, (size_t)(p - s));
	}
	ki_obuf_flush(&ob);
	cr_assert_not(ob.failed);
	cr_assert_eq(fclose(fp), 0);
	for (unsigned int i = 0; i < lines; i++) {
		char want[32];
		int n = snprintf(want, sizeof(want), "0x%x\n", i << 12);

		cr_assert(!strncmp(buf + pos, want, (size_t)n), "line %u", i);
		pos += (size_t)n;
	}
	cr_assert_eq(pos, len);
	free(buf);

	fp = fopen("/dev/full", "w");
	cr_assert_not_null(fp);
	setvbuf(fp, NULL, _IONBF, 0);
	ki_obuf_init(&ob, fp);
	memcpy(ki_obuf_room(&ob, 3), "abc", 3);
	ki_obuf_done(&ob, 3);
	ki_obuf_flush(&ob);
	cr_assert(ob.failed);
	fclose(fp);
}

/* The hot-path size and padded-hex formatters of the list lines: the same
 * text as ki_human_size and as snprintf's %0*x, on every power of two, its
 * neighbours and a spread of values. */
Test(output, fmt_human_and_hex_w_match)
{
	uint64_t x = 0x9e3779b97f4a7c15;

	for (unsigned int i = 0; i < 64 * 3 + 200; i++) {
		uint64_t v = i < 192 ? (UINT64_C(1) << (i / 3)) + (i % 3) - 1 : (x = x * 6364136223846793005u + 1442695040888963407u) >> (i % 64);
		char want[40], got[40], hexw[40];
		size_t n;

		ki_human_size(v, want, sizeof(want));
		n = ki_fmt_human(got, v);
		got[n] = '\0';
		cr_assert_str_eq(got, want, "%" PRIu64 ": fmt_human \"%s\", human_size \"%s\"", v, got, want);
		for (size_t w = 1; w <= 16; w += 5) {
			snprintf(hexw, sizeof(hexw), "0x%0*" PRIx64, (int)w, v);
			n = ki_fmt_hex_w(got, v, w);
			got[n] = '\0';
			cr_assert_str_eq(got, hexw, "%" PRIx64 " width %zu", v, w);
		}
	}
}
