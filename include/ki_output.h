/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output: a streaming JSON writer (valid UTF-8, every control byte
 * escaped, u64 as "0x…" strings) and the text helpers that share it.
 */
#ifndef KI_OUTPUT_H
#define KI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { KI_JSON_MAX_DEPTH = 32 };

enum { KI_JSON_BUF = 1 << 16 };

struct ki_json {
	FILE *fp;
	bool pretty;
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
/* Finish the document with a newline and flush it to the FILE. */
void ki_json_finish(struct ki_json *j);
/* Hand what is buffered to the FILE (before writing to it directly). */
void ki_json_flush(struct ki_json *j);

/* "0x…" of v into buf (at least 19 bytes), returns its length; no NUL. */
size_t ki_fmt_hex(char *buf, uint64_t v);
/* Decimal v into buf (at least 20 bytes), returns its length; no NUL. */
size_t ki_fmt_udec(char *buf, uint64_t v);

struct ki_findings;
/* "findings": [{"id", "severity", "message", "phys"}…] from several lists,
 * with a findings-truncated entry where a list dropped some. */
void ki_json_findings(struct ki_json *j, const struct ki_findings *const *fs,
		      size_t nfs);

/* Whether s[0..n) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
bool ki_utf8_valid(const char *s, size_t n);
/* "4 KiB", "1.5 GiB": exact bytes shown in binary units. */
void ki_human_size(uint64_t bytes, char *buf, size_t len);

#endif
