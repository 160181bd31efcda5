// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify --against: does a later dump (the next kernel's, after the kexec)
 * still hold what a manifest recorded? Only the manifest's addresses are
 * read: the incoming memory map is reused after boot and is not trusted.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_against.h"
#include "ki_hash.h"

static void where_scratch(const struct ki_manifest *m, uint64_t start, uint64_t end,
			  char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < m->nscratch; i++) {
		const struct ki_mscratch *s = &m->scratch[i];

		if (start < s->start + s->size && s->start < end) {
			snprintf(buf, len, "; it lies in scratch area 0x%" PRIx64 "-0x%" PRIx64
				 ", which the new kernel uses during boot",
				 s->start, s->start + s->size);
			return;
		}
	}
}

/* First chunk whose XXH3-64 differs, from the manifest's chunk hashes. */
static bool first_changed_chunk(struct ki_dump *d, const struct ki_mrange *r,
				uint64_t *cs, uint64_t *ce)
{
	char hex[KI_HASH_HEX], now[KI_HASH_CHUNKS * KI_CHUNK_HEX + 1];
	size_t n = strlen(r->chunks) / KI_CHUNK_HEX;
	struct ki_error *err;

	if (!r->chunk_size || !n)
		return false;
	err = ki_hash_range_chunks(&d->mem, r->start, r->end, r->chunk_size, hex, now,
				   NULL, NULL);
	if (err) {
		ki_error_destroy(err);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (memcmp(now + KI_CHUNK_HEX * i, r->chunks + KI_CHUNK_HEX * i, KI_CHUNK_HEX)) {
			*cs = r->start + i * r->chunk_size;
			*ce = *cs + r->chunk_size < r->end ? *cs + r->chunk_size : r->end;
			return true;
		}
	}
	return false;
}

struct ki_error *ki_against(struct ki_dump *d, struct ki_manifest *m,
			    struct ki_findings *f, struct ki_against_stats *st)
{
	char hex[KI_HASH_HEX], sc[160];
	struct ki_error *err;
	struct ki_mrange r;
	bool got;

	memset(st, 0, sizeof(*st));
	if (m->has_fdt_phys && m->has_fdt_hash && m->fdt_size) {
		unsigned char *buf = malloc(m->fdt_size);

		if (!buf)
			return &ki_enomem;
		err = ki_memreader_read(&d->mem, m->fdt_phys, buf, m->fdt_size);
		if (err) {
			/* not checked, so not known to be changed: unknown */
			ki_findings_add(f, KI_SEV_WARNING, "fdt-not-in-dump", true, m->fdt_phys,
					"the KHO FDT the manifest recorded at 0x%" PRIx64 " cannot be read: %s; not verified",
					m->fdt_phys, err->message);
			ki_error_destroy(err);
			st->blobs_unverified++;
		} else {
			ki_hash_buffer(buf, m->fdt_size, hex);
			if (strcmp(hex, m->fdt_hash))
				ki_findings_add(f, KI_SEV_ERROR, "fdt-changed", true, m->fdt_phys,
						"the KHO FDT at 0x%" PRIx64 " (0x%" PRIx64 " bytes) is not the one the manifest recorded",
						m->fdt_phys, m->fdt_size);
		}
		free(buf);
	}
	for (size_t i = 0; i < m->nblobs; i++) {
		const struct ki_mblob *b = &m->blobs[i];

		if (!b->has_phys || !b->has_hash || !b->size)
			continue;
		err = ki_hash_range(&d->mem, b->phys, b->phys + b->size, hex, NULL, NULL);
		if (err) {
			ki_findings_add(f, KI_SEV_WARNING, "not-in-dump", true, b->phys,
					"sub-blob \"%s\" at 0x%" PRIx64 ": %s; not verified",
					b->name, b->phys, err->message);
			ki_error_destroy(err);
			st->blobs_unverified++;
			continue;
		}
		if (strcmp(hex, b->hash)) {
			where_scratch(m, b->phys, b->phys + b->size, sc, sizeof(sc));
			ki_findings_add(f, KI_SEV_ERROR, "blob-changed", true, b->phys,
					"sub-blob \"%s\" at 0x%" PRIx64 " (0x%" PRIx64 " bytes) differs from the manifest%s",
					b->name, b->phys, b->size, sc);
		}
	}
	for (;;) {
		err = ki_manifest_next(m, &r, &got);
		if (err)
			return err;
		if (!got)
			break;
		st->ranges++;
		if (!r.has_hash) {
			st->unrecorded++;
			continue;
		}
		err = ki_hash_range(&d->mem, r.start, r.end, hex, NULL, NULL);
		if (err) {
			st->unverified++;
			ki_findings_add(f, KI_SEV_WARNING, "not-in-dump", true,
					err->has_paddr ? err->paddr : r.start,
					"range 0x%" PRIx64 "-0x%" PRIx64 " (order %u): %s; not verified",
					r.start, r.end, r.order, err->message);
			ki_error_destroy(err);
			continue;
		}
		if (!strcmp(hex, r.hash)) {
			st->same++;
			continue;
		}
		st->changed++;
		where_scratch(m, r.start, r.end, sc, sizeof(sc));
		{
			uint64_t cs, ce;

			if (first_changed_chunk(d, &r, &cs, &ce))
				ki_findings_add(f, KI_SEV_ERROR, "range-changed", true, cs,
						"range 0x%" PRIx64 "-0x%" PRIx64 " (order %u, %" PRIu64
						" blocks, owner %s) differs from the manifest, first at 0x%" PRIx64 "-0x%" PRIx64 "%s",
						r.start, r.end, r.order, r.blocks,
						r.owner[0] ? r.owner : "not recorded", cs, ce, sc);
			else
				ki_findings_add(f, KI_SEV_ERROR, "range-changed", true, r.start,
						"range 0x%" PRIx64 "-0x%" PRIx64 " (order %u, %" PRIu64
						" blocks, owner %s) differs from the manifest%s",
						r.start, r.end, r.order, r.blocks,
						r.owner[0] ? r.owner : "not recorded", sc);
		}
	}
	return NULL;
}

/* Why verify --against could not check everything, into buf; false when
 * it could. What the manifest lacks, or this dump does not hold, is
 * unknown, not a pass. */
bool ki_against_incomplete(const struct ki_manifest *m, const struct ki_against_stats *st,
			   bool present_only, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (m->incomplete && (m->incomplete_hidden || !present_only))
		n += (size_t)snprintf(buf + n, len - n, "the manifest is incomplete: %s", m->why);
	if (!present_only && st->unrecorded && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s%" PRIu64 " range%s without a recorded hash (not in the dump the manifest was taken from, or --no-hash)",
				      n ? "; " : "", st->unrecorded, st->unrecorded == 1 ? "" : "s");
	if (!present_only && st->unverified && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s%" PRIu64 " range%s not in this dump",
				      n ? "; " : "", st->unverified, st->unverified == 1 ? "" : "s");
	if (!present_only && st->blobs_unverified && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s%" PRIu64 " of the FDT and sub-blobs not in this dump",
				      n ? "; " : "", st->blobs_unverified);
	return n != 0;
}
