// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LUO, the live update orchestrator (docs/formats.md §4.2), in both forms:
 *
 *  luo-v1 (6.19-7.1): the LUO child's blob is an FDT, root compatible
 *    "luo-v1" with "liveupdate-number"; child "luo-session" points
 *    (luo-session-header) at {u64 count; luo_session_ser[count]}, child
 *    "luo-flb" (luo-flb-header) at {u64 pgcnt, count; luo_flb_ser[count]}.
 *    A session's files point at a contiguous 2-page luo_file_ser array.
 *  luo-v5 (7.2): a raw 32-byte luo_ser {compatible[8], liveupdate_num,
 *    sessions_pa, flbs_pa}; sessions and each session's files are
 *    serialization block chains (docs/formats.md §4.5).
 *
 * Records (packed, native): luo_session_ser 80 bytes {name[64], files,
 * count}; luo_file_ser 64 {compatible[48], data, token}; luo_flb_ser 64
 * {name[48], data, count}. A file's data goes to the handler its
 * compatible names (ki_luo_handlers).
 */
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_sub.h"

/* LUO file handlers, by luo_file_ser.compatible. */
const struct ki_luo_handler ki_luo_handlers[] = {
	{ "memfd-v1", "memfd", ki_sub_memfd_v1 },
	{ "memfd-v2", "memfd", ki_sub_memfd_v2 },
};
const size_t ki_nluo_handlers = sizeof(ki_luo_handlers) / sizeof(ki_luo_handlers[0]);

const struct ki_luo_handler *ki_luo_handler_find(const char *compatible)
{
	for (size_t i = 0; i < ki_nluo_handlers; i++)
		if (!strcmp(ki_luo_handlers[i].compatible, compatible))
			return &ki_luo_handlers[i];
	return NULL;
}

enum {
	SESSION_SER = 80, SESSION_NAME = 64,
	FILE_SER = 64, FILE_COMPAT = 48,
	FLB_SER = 64, FLB_NAME = 48,
	LUO_SER = 32,
	V1_FILE_PAGES = 2,         /* luo-v1: a session's file array */
	MAX_FLB_PAGES = 1024,
};

struct files_ctx {
	const char *session;       /* sanitised name, for labels */
	uint64_t shown;
};

static bool one_file(struct ki_sub_ctx *c, const unsigned char *e, uint64_t index, void *arg)
{
	struct files_ctx *fc = arg;
	char compat[FILE_COMPAT + 1], label[200];
	uint64_t data = ki_sub_u64(c, e + 48), token = ki_sub_u64(c, e + 56);
	const struct ki_luo_handler *h;
	bool mute = index >= KI_SUB_SHOW;

	c->mute += mute;
	fc->shown += !mute;
	ki_sub_open(c, NULL);
	if (!ki_sub_cstr(e, FILE_COMPAT, compat, sizeof(compat)))
		ki_findings_add(c->f, KI_SEV_ERROR, "luo-string", true, data,
				"LUO session \"%s\" file %" PRIu64 ": handler compatible is not NUL-terminated",
				fc->session, index);
	ki_sub_str(c, "compatible", compat);
	ki_sub_hex(c, "token", token);
	ki_sub_addr(c, "data", data);
	h = ki_luo_handler_find(compat);
	if (h && data) {
		snprintf(label, sizeof(label), "luo:%s/file 0x%" PRIx64 " (%s)", fc->session, token,
			 h->owner);
		h->decode(c, data, label);
	} else if (!h) {
		ki_findings_add(c->f, KI_SEV_INFO, "luo-handler-unknown", true, data,
				"LUO session \"%s\" file 0x%" PRIx64 ": handler \"%s\" is not one this build decodes; its data is not followed",
				fc->session, token, compat);
	}
	ki_sub_close(c);
	c->mute -= mute;
	return true;
}

/* One luo_session_ser; v5 says whether files is a block chain. */
static void one_session(struct ki_sub_ctx *c, const unsigned char *e, uint64_t index, bool v5)
{
	char name[SESSION_NAME + 1], label[200];
	uint64_t files = ki_sub_u64(c, e + 64), count = ki_sub_u64(c, e + 72), seen = 0;
	struct files_ctx fc = { .session = name };
	bool mute = index >= KI_SUB_SHOW;

	c->mute += mute;
	ki_sub_open(c, NULL);
	if (!ki_sub_cstr(e, SESSION_NAME, name, sizeof(name)))
		ki_findings_add(c->f, KI_SEV_ERROR, "luo-string", true, files,
				"LUO session %" PRIu64 ": name is not NUL-terminated", index);
	ki_sub_str(c, "name", name);
	ki_sub_addr(c, "files", files);
	ki_sub_num(c, "count", count);
	snprintf(label, sizeof(label), "luo:%s/files", name);
	ki_sub_array(c, "file_list");
	if (v5) {
		seen = ki_sub_blocks(c, files, FILE_SER, "LUO file block", label, one_file, &fc);
	} else if (files & (c->ps - 1)) {
		ki_findings_add(c->f, KI_SEV_ERROR, "sub-unaligned", true, files,
				"LUO session \"%s\": file array at 0x%" PRIx64 " is not page aligned; not followed",
				name, files);
	} else if (files) {
		uint64_t cap = V1_FILE_PAGES * c->ps / FILE_SER, n = count;
		unsigned char e2[FILE_SER];

		if (n > cap) {
			ki_findings_add(c->f, KI_SEV_ERROR, "luo-file-count", true, files,
					"LUO session \"%s\": %" PRIu64 " files, the %d-page array holds %" PRIu64,
					name, count, V1_FILE_PAGES, cap);
			n = cap;
		}
		ki_sub_claim(c, files, V1_FILE_PAGES * c->ps, label);
		for (uint64_t i = 0; i < n; i++) {
			if (!ki_sub_read(c, files + i * FILE_SER, e2, FILE_SER, 0, "LUO file record"))
				break;
			one_file(c, e2, i, &fc);
		}
	}
	ki_sub_array_end(c, v5 ? seen : count, fc.shown);
	if (v5 && seen != count && !c->exhausted)
		ki_findings_add(c->f, KI_SEV_ERROR, "luo-file-count", true, files,
				"LUO session \"%s\": count says %" PRIu64 " files, the block chain holds %" PRIu64,
				name, count, seen);
	ki_sub_close(c);
	c->mute -= mute;
}

static bool v5_session(struct ki_sub_ctx *c, const unsigned char *e, uint64_t index, void *arg)
{
	(void)arg;
	one_session(c, e, index, true);
	return true;
}

/* FLB header: {u64 pgcnt, u64 count; luo_flb_ser[count]}, pgcnt pages. */
static void flbs(struct ki_sub_ctx *c, uint64_t pa)
{
	unsigned char h[16], e[FLB_SER];
	uint64_t pgcnt, count, cap;

	if (!pa)
		return;
	ki_sub_open(c, "flb");
	ki_sub_addr(c, "header", pa);
	if (!ki_sub_read(c, pa, h, sizeof(h), c->ps, "LUO FLB header"))
		goto out;
	pgcnt = ki_sub_u64(c, h);
	count = ki_sub_u64(c, h + 8);
	ki_sub_num(c, "pgcnt", pgcnt);
	ki_sub_num(c, "count", count);
	if (pgcnt == 0 || pgcnt > MAX_FLB_PAGES) {
		ki_findings_add(c->f, KI_SEV_ERROR, "luo-flb-count", true, pa,
				"LUO FLB header at 0x%" PRIx64 ": pgcnt %" PRIu64 " (1 to %d expected)",
				pa, pgcnt, MAX_FLB_PAGES);
		pgcnt = 1;
	}
	ki_sub_claim(c, pa, pgcnt * c->ps, "luo:flb");
	cap = (pgcnt * c->ps - 16) / FLB_SER;
	if (count > cap) {
		ki_findings_add(c->f, KI_SEV_ERROR, "luo-flb-count", true, pa,
				"LUO FLB header at 0x%" PRIx64 ": %" PRIu64 " entries do not fit its %" PRIu64 " page(s)",
				pa, count, pgcnt);
		count = cap;
	}
	ki_sub_array(c, "entries");
	for (uint64_t i = 0; i < count; i++) {
		char name[FLB_NAME + 1];
		bool mute = i >= KI_SUB_SHOW;

		if (!ki_sub_read(c, pa + 16 + i * FLB_SER, e, sizeof(e), 0, "LUO FLB entry"))
			break;
		c->mute += mute;
		ki_sub_open(c, NULL);
		if (!ki_sub_cstr(e, FLB_NAME, name, sizeof(name)))
			ki_findings_add(c->f, KI_SEV_ERROR, "luo-string", true, pa,
					"LUO FLB entry %" PRIu64 ": name is not NUL-terminated", i);
		ki_sub_str(c, "name", name);
		ki_sub_addr(c, "data", ki_sub_u64(c, e + 48));
		ki_sub_num(c, "count", ki_sub_u64(c, e + 56));
		ki_sub_close(c);
		c->mute -= mute;
	}
	ki_sub_array_end(c, count, count < KI_SUB_SHOW ? count : KI_SUB_SHOW);
out:
	ki_sub_close(c);
}

/* ---- luo-v1: an FDT ---- */

static bool match_v1(const struct ki_sub_ctx *c, const char *node, const unsigned char *blob,
		     size_t len)
{
	(void)c;
	(void)node;
	return ki_sub_fdt_is(blob, len, "luo-v1");
}

/* The u64 pointer property prop of child name, or 0 (with a finding). */
static uint64_t child_ptr(struct ki_sub_ctx *c, const unsigned char *blob, const char *name,
			  const char *compat, const char *prop, uint64_t pa)
{
	int node = fdt_subnode_offset(blob, 0, name), l;
	const char *cp;
	const void *p;

	if (node < 0)
		return 0;
	cp = fdt_getprop(blob, node, "compatible", &l);
	if (!cp || l < 1 || cp[l - 1] || strcmp(cp, compat))
		ki_findings_add(c->f, KI_SEV_WARNING, "luo-compatible", true, pa,
				"LUO node \"%s\": compatible is %s, expected \"%s\"", name,
				cp && l > 0 && !cp[l - 1] ? cp : "missing", compat);
	p = fdt_getprop(blob, node, prop, &l);
	if (!p || l != 8) {
		ki_findings_add(c->f, KI_SEV_ERROR, "prop-length", true, pa,
				"LUO node \"%s\": \"%s\" is %s", name, prop,
				p ? "not 8 bytes" : "missing");
		return 0;
	}
	return ki_sub_u64(c, p);
}

static void decode_v1(struct ki_sub_ctx *c, const char *node, uint64_t pa, bool has_pa,
		      const unsigned char *blob, size_t len)
{
	int l;
	const void *num = fdt_getprop(blob, 0, "liveupdate-number", &l);
	uint64_t hdr, count = 0;
	unsigned char cnt[8], e[SESSION_SER];

	(void)node;
	(void)len;
	(void)has_pa;
	if (num && l == 8)
		ki_sub_num(c, "liveupdate_number", ki_sub_u64(c, num));
	hdr = child_ptr(c, blob, "luo-session", "luo-session-v2", "luo-session-header", pa);
	ki_sub_addr(c, "sessions", hdr);
	ki_sub_array(c, "session_list");
	if (hdr && ki_sub_read(c, hdr, cnt, 8, c->ps, "LUO session header")) {
		count = ki_sub_u64(c, cnt);
		if (count > KI_SUB_MAX_ENTRIES) {
			ki_findings_add(c->f, KI_SEV_ERROR, "luo-session-count", true, hdr,
					"LUO session header at 0x%" PRIx64 ": %" PRIu64 " sessions is beyond any real count",
					hdr, count);
			count = 0;
		}
		ki_sub_claim(c, hdr, 8 + count * SESSION_SER, "luo:sessions");
		for (uint64_t i = 0; i < count; i++) {
			if (!ki_sub_read(c, hdr + 8 + i * SESSION_SER, e, sizeof(e), 0,
					 "LUO session record"))
				break;
			one_session(c, e, i, false);
		}
	}
	ki_sub_array_end(c, count, count < KI_SUB_SHOW ? count : KI_SUB_SHOW);
	flbs(c, child_ptr(c, blob, "luo-flb", "luo-flb-v1", "luo-flb-header", pa));
}

/* ---- luo-v5: a raw luo_ser ---- */

static bool match_v5(const struct ki_sub_ctx *c, const char *node, const unsigned char *blob,
		     size_t len)
{
	(void)c;
	(void)node;
	return len >= 8 && !memcmp(blob, "luo-v5\0\0", 8);
}

static void decode_v5(struct ki_sub_ctx *c, const char *node, uint64_t pa, bool has_pa,
		      const unsigned char *blob, size_t len)
{
	uint64_t sessions, n;

	(void)node;
	if (len < LUO_SER) {
		ki_findings_add(c->f, KI_SEV_ERROR, "luo-blob-size", has_pa, pa,
				"luo-v5 blob: %zu bytes, struct luo_ser needs %d (the kernel refuses it)",
				len, LUO_SER);
		return;
	}
	sessions = ki_sub_u64(c, blob + 16);
	ki_sub_num(c, "liveupdate_number", ki_sub_u64(c, blob + 8));
	ki_sub_addr(c, "sessions", sessions);
	ki_sub_array(c, "session_list");
	n = ki_sub_blocks(c, sessions, SESSION_SER, "LUO session block", "luo:sessions",
			  v5_session, NULL);
	ki_sub_array_end(c, n, n < KI_SUB_SHOW ? n : KI_SUB_SHOW);
	flbs(c, ki_sub_u64(c, blob + 24));
}

const struct ki_subformat ki_sub_luo_v1 = {
	.id = "luo-v1",
	.what = "LUO sessions and files in an FDT (6.19-7.1)",
	.match = match_v1,
	.decode = decode_v1,
};

const struct ki_subformat ki_sub_luo_v5 = {
	.id = "luo-v5",
	.what = "LUO luo_ser with block chains (7.2)",
	.match = match_v5,
	.decode = decode_v5,
};
