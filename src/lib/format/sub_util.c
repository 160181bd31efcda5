// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The helpers every sub-format decoder uses (reads, fields, claims), and
 * the two shared walkers: serialization block chains (docs/formats.md
 * §4.5) and vmalloc chunk lists (docs/formats.md §4.4). Below the
 * decoders and the registry (sub.c).
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

/* ---- helpers ---- */

bool ki_sub_fdt_is(const unsigned char *blob, size_t len, const char *compatible)
{
	const char *compat;
	struct ki_error *err;

	if (len < 40 || memcmp(blob, "\xd0\x0d\xfe\xed", 4))
		return false;
	err = ki_fdt_check(blob, len);
	if (err) {
		ki_error_destroy(err);
		return false;
	}
	compat = ki_fdt_root_compatible(blob);
	return compat && !strcmp(compat, compatible);
}

uint64_t ki_sub_u64(const struct ki_sub_ctx *c, const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return c->be ? be64toh(v) : le64toh(v);
}

uint32_t ki_sub_u32(const struct ki_sub_ctx *c, const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return c->be ? be32toh(v) : le32toh(v);
}

bool ki_sub_work(struct ki_sub_ctx *c, uint64_t n)
{
	if (c->exhausted)
		return false;
	c->work += n;
	if (c->work <= (c->budget ? c->budget : (uint64_t)KI_SUB_MAX_WORK))
		return true;
	c->exhausted = true;
	ki_findings_add(c->f, KI_SEV_WARNING, "sub-budget", false, 0,
			"sub-format decoding stopped after %" PRIu64 " reads and entries: the blobs describe more than any real hand-over (records that share their targets?); owners and checks after that point are missing",
			c->budget ? c->budget : (uint64_t)KI_SUB_MAX_WORK);
	return false;
}

bool ki_sub_read(struct ki_sub_ctx *c, uint64_t pa, void *buf, size_t len,
		 uint64_t align, const char *what)
{
	struct ki_error *err;

	if (!ki_sub_work(c, 1))
		return false;
	if (align && (pa & (align - 1))) {
		ki_findings_add(c->f, KI_SEV_ERROR, "sub-unaligned", true, pa,
				"%s at 0x%" PRIx64 " is not aligned to 0x%" PRIx64
				" (it comes from a page allocation); not followed",
				what, pa, align);
		return false;
	}
	if (!c->d)
		return false;
	err = ki_memreader_read(&c->d->mem, pa, buf, len);
	if (!err)
		return true;
	if (!c->quiet_missing)
		ki_findings_add(c->f, KI_SEV_WARNING, "sub-not-in-dump", true, pa,
				"%s at 0x%" PRIx64 " cannot be read (%s); what it describes is not checked",
				what, pa, err->message);
	ki_error_destroy(err);
	return false;
}

bool ki_sub_cstr(const void *field, size_t size, char *out, size_t outsize)
{
	const char *s = field;
	size_t n = strnlen(s, size), i;

	for (i = 0; i < n && i + 1 < outsize; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	return n < size;
}

void ki_sub_open(struct ki_sub_ctx *c, const char *key)
{
	if (!c->mute && c->sink && c->sink->open)
		c->sink->open(c->arg, key);
}

void ki_sub_close(struct ki_sub_ctx *c)
{
	if (!c->mute && c->sink && c->sink->close)
		c->sink->close(c->arg);
}

void ki_sub_array(struct ki_sub_ctx *c, const char *key)
{
	if (!c->mute && c->sink && c->sink->array)
		c->sink->array(c->arg, key);
}

void ki_sub_array_end(struct ki_sub_ctx *c, uint64_t total, uint64_t shown)
{
	if (!c->mute && c->sink && c->sink->array_end)
		c->sink->array_end(c->arg, total, shown);
}

void ki_sub_num(struct ki_sub_ctx *c, const char *key, uint64_t v)
{
	if (!c->mute && c->sink && c->sink->num)
		c->sink->num(c->arg, key, v);
}

void ki_sub_hex(struct ki_sub_ctx *c, const char *key, uint64_t v)
{
	if (!c->mute && c->sink && c->sink->hex)
		c->sink->hex(c->arg, key, v);
}

void ki_sub_addr(struct ki_sub_ctx *c, const char *key, uint64_t pa)
{
	if (!c->mute && c->sink && c->sink->addr)
		c->sink->addr(c->arg, key, pa);
}

void ki_sub_str(struct ki_sub_ctx *c, const char *key, const char *s)
{
	if (!c->mute && c->sink && c->sink->str)
		c->sink->str(c->arg, key, s);
}

void ki_sub_claim(struct ki_sub_ctx *c, uint64_t pa, uint64_t len, const char *label)
{
	uint64_t start = pa & ~(c->ps - 1), end;

	if (!len || !c->sink || !c->sink->claim)
		return;
	end = pa + len;
	if (end < pa)
		end = UINT64_MAX & ~(c->ps - 1);
	else if (end & (c->ps - 1))
		end = (end | (c->ps - 1)) + 1;
	if (end <= start)
		return;
	c->sink->claim(c->arg, start, end - start, label);
}

/* ---- serialization block chains ---- */

uint64_t ki_sub_blocks(struct ki_sub_ctx *c, uint64_t head, size_t entry_size,
		       const char *what, const char *label, ki_sub_entry_fn fn, void *arg)
{
	struct ki_pageset seen = { 0 };
	unsigned char *page;
	uint64_t pa = head, total = 0, nblocks = 0;
	uint64_t per_block = entry_size && c->ps > 16 ? (c->ps - 16) / entry_size : 0;
	char desc[160];
	bool go = true;

	if (!pa || !per_block)
		return 0;
	page = malloc(c->ps);
	if (!page)
		return 0;
	while (pa && go) {
		uint64_t next, count;
		int added;

		snprintf(desc, sizeof(desc), "%s block %" PRIu64, what, nblocks);
		if (++nblocks > KI_SUB_MAX_CHAIN) {
			ki_findings_add(c->f, KI_SEV_ERROR, "block-chain-long", true, pa,
					"%s: the block chain goes on past %d blocks (the kernel refuses longer chains)",
					what, KI_SUB_MAX_CHAIN);
			break;
		}
		added = ki_pageset_add(&seen, pa);
		if (added == 0) {
			ki_findings_add(c->f, KI_SEV_ERROR, "block-chain-cycle", true, pa,
					"%s: block 0x%" PRIx64 " is reached twice (a cycle in the chain)",
					what, pa);
			break;
		}
		if (added < 0 || !ki_sub_read(c, pa, page, c->ps, c->ps, desc))
			break;
		ki_sub_claim(c, pa, c->ps, label);
		next = ki_sub_u64(c, page);
		count = ki_sub_u64(c, page + 8);
		if (count == 0 || count > per_block) {
			ki_findings_add(c->f, KI_SEV_ERROR, "block-count", true, pa,
					"%s at 0x%" PRIx64 ": count %" PRIu64 ", expected 1 to %" PRIu64
					" (%zu-byte entries in a 0x%" PRIx64 "-byte block)",
					desc, pa, count, per_block, entry_size, c->ps);
			if (count > per_block)
				count = per_block;
		}
		for (uint64_t i = 0; i < count && go; i++)
			go = fn(c, page + 16 + i * entry_size, total++, arg);
		pa = next;
	}
	ki_pageset_deinit(&seen);
	free(page);
	return total;
}

/* ---- vmalloc areas ---- */

void ki_sub_vmalloc(struct ki_sub_ctx *c, const unsigned char *kv, const char *what,
		    const char *label, struct ki_vmalloc *v)
{
	struct ki_pageset seen = { 0 };
	uint64_t per_chunk = (c->ps - 8) / 8, pa, nchunks = 0, want_runs;
	unsigned char *page = NULL;
	char desc[160];
	size_t cap = 0;
	bool ended = false;

	memset(v, 0, sizeof(*v));
	v->first = ki_sub_u64(c, kv);
	v->total_pages = ki_sub_u32(c, kv + 8);
	v->flags = c->be ? be16toh(*(const uint16_t *)(const void *)(kv + 12))
			 : le16toh(*(const uint16_t *)(const void *)(kv + 12));
	v->order = c->be ? be16toh(*(const uint16_t *)(const void *)(kv + 14))
			 : le16toh(*(const uint16_t *)(const void *)(kv + 14));
	ki_sub_open(c, "vmalloc");
	ki_sub_addr(c, "first", v->first);
	ki_sub_num(c, "total_pages", v->total_pages);
	ki_sub_num(c, "flags", v->flags);
	ki_sub_num(c, "order", v->order);
	if (v->order > 20 || v->total_pages > KI_SUB_MAX_VMALLOC_PAGES) {
		ki_findings_add(c->f, KI_SEV_ERROR, "vmalloc-header", true, v->first,
				"%s: vmalloc area of %" PRIu64 " pages in order-%u pieces is beyond any real area; not followed",
				what, v->total_pages, v->order);
		v->order = 0;        /* nothing follows; keep shifts defined */
		v->total_pages = 0;
		goto out;
	}
	want_runs = v->total_pages >> v->order;
	if (v->total_pages & ((UINT64_C(1) << v->order) - 1))
		ki_findings_add(c->f, KI_SEV_ERROR, "vmalloc-total-pages", true, v->first,
				"%s: total_pages %" PRIu64 " is not a multiple of the %u-page pieces",
				what, v->total_pages, 1u << v->order);
	page = malloc(c->ps);
	if (!page)
		goto out;
	for (pa = v->first; pa && !ended; nchunks++) {
		int added;
		uint64_t next;

		snprintf(desc, sizeof(desc), "%s vmalloc chunk %" PRIu64, what, nchunks);
		if (nchunks >= KI_SUB_MAX_VMALLOC_CHUNKS || nchunks > want_runs / per_chunk + 1) {
			ki_findings_add(c->f, KI_SEV_ERROR, "vmalloc-chain-long", true, pa,
					"%s: more vmalloc chunks than %" PRIu64 " pieces need", what, want_runs);
			break;
		}
		if (!ki_sub_work(c, per_chunk))
			break;
		added = ki_pageset_add(&seen, pa);
		if (added == 0) {
			ki_findings_add(c->f, KI_SEV_ERROR, "vmalloc-cycle", true, pa,
					"%s: vmalloc chunk 0x%" PRIx64 " is reached twice (a cycle)", what, pa);
			break;
		}
		if (added < 0 || !ki_sub_read(c, pa, page, c->ps, c->ps, desc))
			goto out;
		ki_sub_claim(c, pa, c->ps, label);
		next = ki_sub_u64(c, page);
		for (uint64_t i = 0; i < per_chunk; i++) {
			uint64_t run = ki_sub_u64(c, page + 8 + i * 8);

			if (!run) {
				ended = true;
				break;
			}
			if (v->nruns >= want_runs) {
				v->nruns++; /* counted, not kept: reported below */
				continue;
			}
			if (v->nruns == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				void *p = reallocarray(v->runs, ncap, sizeof(*v->runs));

				if (!p)
					goto out;
				v->runs = p;
				cap = ncap;
			}
			if (run & ((c->ps << v->order) - 1))
				ki_findings_add(c->f, KI_SEV_ERROR, "sub-unaligned", true, run,
						"%s: vmalloc piece 0x%" PRIx64 " is not aligned to its order %u",
						what, run, v->order);
			v->runs[v->nruns++] = run;
			ki_sub_claim(c, run, c->ps << v->order, label);
		}
		pa = next;
	}
	if (c->exhausted)
		goto out;
	if (v->nruns != want_runs)
		ki_findings_add(c->f, KI_SEV_ERROR, "vmalloc-total-pages", true, v->first,
				"%s: total_pages %" PRIu64 " needs %" PRIu64 " order-%u pieces, the chunks list %zu",
				what, v->total_pages, want_runs, v->order, v->nruns);
	else
		v->complete = true;
	if (v->nruns > want_runs)
		v->nruns = want_runs;
	ki_sub_num(c, "chunks", nchunks);
	ki_sub_num(c, "pieces", v->nruns);
out:
	ki_sub_close(c);
	ki_pageset_deinit(&seen);
	free(page);
}

bool ki_sub_vmalloc_read(struct ki_sub_ctx *c, const struct ki_vmalloc *v, uint64_t off,
			 void *buf, size_t len, const char *what)
{
	uint64_t piece = c->ps << v->order;
	unsigned char *out = buf;

	while (len) {
		uint64_t i = off / piece, in = off % piece;
		size_t n = piece - in < len ? (size_t)(piece - in) : len;

		if (i >= v->nruns)
			return false;
		if (!ki_sub_read(c, v->runs[i] + in, out, n, 0, what))
			return false;
		out += n;
		off += n;
		len -= n;
	}
	return true;
}

void ki_sub_vmalloc_free(struct ki_vmalloc *v)
{
	free(v->runs);
	v->runs = NULL;
	v->nruns = 0;
}
