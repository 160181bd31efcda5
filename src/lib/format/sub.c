// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sub-format registry: the decoders of root children's blobs, finding
 * the one for a blob, fetching blobs and walking them. Above the decoders
 * (they use sub_util.c, never this file).
 */
#include <endian.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_pageset.h"
#include "ki_sub.h"

/* Root-child blobs. Order matters only between formats that could both
 * match; signatures and compatibles come before node names. */
const struct ki_subformat *const ki_subformats[] = {
	&ki_sub_memblock,
	&ki_sub_luo_v1,
	&ki_sub_luo_v5,
	&ki_sub_kho_test,
	&ki_sub_kexec_meta,
};
const size_t ki_nsubformats = sizeof(ki_subformats) / sizeof(ki_subformats[0]);

const struct ki_subformat *ki_sub_find(const struct ki_sub_ctx *c, const char *node,
				       const unsigned char *blob, size_t len)
{
	for (size_t i = 0; i < ki_nsubformats; i++)
		if (ki_subformats[i]->match(c, node, blob, len))
			return ki_subformats[i];
	return NULL;
}

/* ---- fetching a root child's blob ---- */

/* The blob of s read from memory: blob-size bytes, or a page (an FDT cut
 * to its totalsize) without blob-size. NULL with why in src. */
static unsigned char *fetch_memory(struct ki_dump *d, const struct ki_subnode *s, uint64_t ps,
				   size_t *len, char *src, size_t srclen)
{
	uint64_t size = s->has_size && s->size ? s->size : ps;
	unsigned char *buf;
	struct ki_error *err;

	if (size > KI_SUB_MAX_BLOB) {
		snprintf(src, srclen, "blob-size %" PRIu64 " is larger than %d bytes", size,
			 KI_SUB_MAX_BLOB);
		return NULL;
	}
	buf = malloc(size);
	if (!buf) {
		ki_nomem_note();
		snprintf(src, srclen, "out of memory");
		return NULL;
	}
	err = ki_memreader_read(&d->mem, s->phys, buf, size);
	if (err) {
		snprintf(src, srclen, "%s", err->message);
		ki_error_destroy(err);
		free(buf);
		return NULL;
	}
	/* without blob-size a page was read: an FDT says its own size */
	if (!(s->has_size && s->size) && size >= 40 && !memcmp(buf, "\xd0\x0d\xfe\xed", 4)) {
		uint32_t ts = be32toh(*(const uint32_t *)(const void *)(buf + 4));

		if (ts >= 40 && ts < size)
			size = ts;
	}
	*len = size;
	snprintf(src, srclen, "memory at 0x%" PRIx64, s->phys);
	return buf;
}

static unsigned char *fetch_file(const struct ki_blobfile *b, size_t *len, char *src,
				 size_t srclen, const char *why)
{
	unsigned char *buf = malloc(b->len ? b->len : 1);

	if (!buf)
		return NULL;
	memcpy(buf, b->data, b->len);
	*len = b->len;
	snprintf(src, srclen, "sub_fdts/%s%s", b->name, why);
	return buf;
}

unsigned char *ki_sub_fetch(struct ki_dump *d, const struct ki_debugfs *dbg,
			    const struct ki_subnode *s, uint64_t ps, struct ki_findings *f,
			    size_t *len, char *src, size_t srclen)
{
	const struct ki_blobfile *b = NULL;
	unsigned char *buf;
	char why[200];

	src[0] = '\0';
	for (size_t i = 0; dbg && i < dbg->nsubs; i++)
		if (!strcmp(dbg->subs[i].name, s->name))
			b = &dbg->subs[i];
	if (!d || !s->has_phys) {
		if (b)
			return fetch_file(b, len, src, srclen, "");
		snprintf(src, srclen, "%s", !s->has_phys ? "no pointer" : "no memory: give --mem");
		return NULL;
	}
	buf = fetch_memory(d, s, ps, len, why, sizeof(why));
	if (buf) {
		if (b && f && (b->len != *len || memcmp(b->data, buf, *len)))
			ki_findings_add(f, KI_SEV_WARNING, "blob-differs-from-debugfs", true, s->phys,
					"KHO blob \"%s\": memory at 0x%" PRIx64 " (%zu bytes) and sub_fdts/%s (%zu bytes) differ; the one in memory is used (a client may free its incoming blob once it has restored, and debugfs then shows whatever lives there)",
					s->name, s->phys, *len, b->name, b->len);
		snprintf(src, srclen, "%s", why);
		return buf;
	}
	if (b) {
		if (f)
			ki_findings_add(f, KI_SEV_WARNING, "blob-not-in-memory", true, s->phys,
					"KHO blob \"%s\" at 0x%" PRIx64 " cannot be read from memory (%s); sub_fdts/%s is used instead",
					s->name, s->phys, why, b->name);
		return fetch_file(b, len, src, srclen, " (not in memory)");
	}
	snprintf(src, srclen, "%s", why);
	return NULL;
}

void ki_sub_walk(struct ki_sub_ctx *c, const struct ki_debugfs *dbg, const struct ki_kho *k)
{
	for (size_t i = 0; i < k->nsubs; i++) {
		const struct ki_subnode *s = &k->subs[i];
		const struct ki_subformat *fmt;
		unsigned char *blob;
		size_t len = 0;
		char src[256], label[160];

		if (s->has_phys) {
			uint64_t n = s->has_size && s->size ? s->size : c->ps;

			snprintf(label, sizeof(label), "kho:%s", s->name);
			ki_sub_claim(c, s->phys, n, label);
		}
		blob = ki_sub_fetch(c->d, dbg, s, c->ps, c->f, &len, src, sizeof(src));
		if (!blob)
			continue;
		fmt = ki_sub_find(c, s->name, blob, len);
		if (fmt)
			fmt->decode(c, s->name, s->phys, s->has_phys, blob, len);
		free(blob);
	}
	if (k->has_fdt_phys)
		ki_sub_claim(c, k->fdt_phys, c->ps, "kho:fdt");
}

