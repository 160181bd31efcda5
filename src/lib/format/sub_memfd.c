// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memfd, a LUO file handler (docs/formats.md §4.3). luo_file_ser.data is
 * the address of a memfd_luo_ser in its own preserved page:
 *   memfd-v1 (6.19-7.0): pos, size, nr_folios, folios (struct kho_vmalloc)
 *   memfd-v2 (7.1+):     pos, size, seals (u32), flags (u32), nr_folios, folios
 * folios is a vmalloc-preserved array of nr_folios 16-byte entries: a u64
 * with the PFN in bits 0-51 and flags in 52-63 (bit 0 dirty, bit 1
 * uptodate), then the page index in the file. Every folio is preserved.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ki_sub.h"

enum { FOLIO_SER = 16, BATCH = 256, PFN_BITS = 52 };

static void decode(struct ki_sub_ctx *c, uint64_t data, const char *label, bool v2)
{
	size_t size = v2 ? 48 : 40, kv_off = v2 ? 32 : 24;
	unsigned char m[48], batch[BATCH * FOLIO_SER];
	uint64_t nr, fsize, shown = 0;
	struct ki_vmalloc v;

	ki_sub_open(c, v2 ? "memfd-v2" : "memfd-v1");
	if (!ki_sub_read(c, data, m, size, c->ps, "memfd_luo_ser")) {
		ki_sub_close(c);
		return;
	}
	ki_sub_claim(c, data, size, label);
	fsize = ki_sub_u64(c, m + 8);
	ki_sub_num(c, "pos", ki_sub_u64(c, m));
	ki_sub_num(c, "size", fsize);
	if (v2) {
		ki_sub_num(c, "seals", ki_sub_u32(c, m + 16));
		ki_sub_num(c, "flags", ki_sub_u32(c, m + 20));
	}
	nr = ki_sub_u64(c, m + kv_off - 8);
	ki_sub_num(c, "nr_folios", nr);
	ki_sub_vmalloc(c, m + kv_off, label, label, &v);
	if (nr > KI_SUB_MAX_FOLIOS || nr * FOLIO_SER > v.nruns * (c->ps << v.order)) {
		if (v.complete || nr > KI_SUB_MAX_FOLIOS)
			ki_findings_add(c->f, KI_SEV_ERROR, "memfd-nr-folios", true, data,
					"%s: nr_folios %" PRIu64 " needs %" PRIu64 " bytes, its folio array holds %" PRIu64,
					label, nr, nr * FOLIO_SER, (uint64_t)v.nruns * (c->ps << v.order));
		nr = nr > KI_SUB_MAX_FOLIOS ? 0 : v.nruns * (c->ps << v.order) / FOLIO_SER;
	}
	ki_sub_array(c, "folios");
	for (uint64_t i = 0; i < nr; i += BATCH) {
		size_t n = nr - i < BATCH ? (size_t)(nr - i) : BATCH;

		if (!ki_sub_work(c, n) ||
		    !ki_sub_vmalloc_read(c, &v, i * FOLIO_SER, batch, n * FOLIO_SER, "memfd folio array"))
			break;
		for (size_t k = 0; k < n; k++) {
			uint64_t w = ki_sub_u64(c, batch + k * FOLIO_SER);
			uint64_t index = ki_sub_u64(c, batch + k * FOLIO_SER + 8);
			/* a GCC bitfield: the first member takes the low bits on a
			 * little-endian writer, the high bits on a big-endian one */
			uint64_t pfn = c->be ? w >> (64 - PFN_BITS) : w & ((UINT64_C(1) << PFN_BITS) - 1);
			unsigned int flags = (unsigned int)(c->be ? w & 0xfff : w >> PFN_BITS);
			uint64_t pa = pfn * c->ps;
			bool mute = i + k >= KI_SUB_SHOW;

			if (pfn > UINT64_MAX / c->ps) {
				ki_findings_add(c->f, KI_SEV_ERROR, "memfd-folio", true, data,
						"%s: folio %" PRIu64 " has PFN 0x%" PRIx64 " beyond physical memory",
						label, i + k, pfn);
				continue;
			}
			if (fsize && index > (fsize - 1) / c->ps)
				ki_findings_add(c->f, KI_SEV_WARNING, "memfd-folio", true, pa,
						"%s: folio at 0x%" PRIx64 " has index %" PRIu64 ", past the file's %" PRIu64 " bytes",
						label, pa, index, fsize);
			ki_sub_claim(c, pa, c->ps, label);
			c->mute += mute;
			shown += !mute;
			ki_sub_open(c, NULL);
			ki_sub_addr(c, "phys", pa);
			ki_sub_num(c, "index", index);
			ki_sub_num(c, "flags", flags);
			ki_sub_close(c);
			c->mute -= mute;
		}
	}
	ki_sub_array_end(c, nr, shown);
	ki_sub_vmalloc_free(&v);
	ki_sub_close(c);
}

void ki_sub_memfd_v1(struct ki_sub_ctx *c, uint64_t data, const char *label)
{
	decode(c, data, label, false);
}

void ki_sub_memfd_v2(struct ki_sub_ctx *c, uint64_t data, const char *label)
{
	decode(c, data, label, true);
}
