// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kho-test-v1 (docs/formats.md §4.7): the FDT lib/test_kho.c hands over.
 * Root: compatible "kho-test-v1" and magic. A 7.3 kernel keeps the rest in
 * the child node /data: nr_folios (u32), folios_info (a 16-byte struct
 * kho_vmalloc whose pages hold one "phys | order" u64 per folio) and csum.
 * The properties are looked for in /data first, then at the root (the
 * project's model writes nr_folios there). Owners: the vmalloc chunks and
 * pages ("kho_test:folios_info") and every folio ("kho_test:folio").
 */
#include <inttypes.h>
#include <libfdt.h>
#include <string.h>

#include "ki_sub.h"

enum { BATCH = 512 };

static bool match(const struct ki_sub_ctx *c, const char *node, const unsigned char *blob,
		  size_t len)
{
	(void)c;
	(void)node;
	return ki_sub_fdt_is(blob, len, "kho-test-v1");
}

/* Property name in /data, else at the root; NULL when in neither. */
static const void *prop(const unsigned char *blob, const char *name, int *len,
			const char **where)
{
	int data = fdt_subnode_offset(blob, 0, "data");
	const void *p = data >= 0 ? fdt_getprop(blob, data, name, len) : NULL;

	*where = "/data";
	if (p)
		return p;
	*where = "/";
	return fdt_getprop(blob, 0, name, len);
}

/* Claim every folio folios_info lists: one u64 "phys | order" each. */
static void folios(struct ki_sub_ctx *c, const struct ki_vmalloc *v, uint64_t nr,
		   uint64_t pa)
{
	unsigned char batch[BATCH * 8];
	uint64_t shown = 0;

	ki_sub_array(c, "folios");
	for (uint64_t i = 0; i < nr; i += BATCH) {
		size_t n = nr - i < BATCH ? (size_t)(nr - i) : BATCH;

		if (!ki_sub_work(c, n) ||
		    !ki_sub_vmalloc_read(c, v, i * 8, batch, n * 8, "kho_test folios_info"))
			break;
		for (size_t k = 0; k < n; k++) {
			uint64_t w = ki_sub_u64(c, batch + k * 8);
			uint64_t phys = w & ~(c->ps - 1);
			unsigned int order = (unsigned int)(w & (c->ps - 1));
			bool mute = i + k >= KI_SUB_SHOW;

			if (order > 20 || (phys & ((c->ps << (order > 20 ? 0 : order)) - 1))) {
				ki_findings_add(c->f, KI_SEV_ERROR, "kho-test-folio", true, pa,
						"kho-test-v1: folio %" PRIu64 " is 0x%" PRIx64
						": order %u%s",
						i + k, w, order,
						order > 20 ? " is beyond any folio" : ", address not aligned to it");
				continue;
			}
			ki_sub_claim(c, phys, c->ps << order, "kho_test:folio");
			c->mute += mute;
			shown += !mute;
			ki_sub_open(c, NULL);
			ki_sub_addr(c, "phys", phys);
			ki_sub_num(c, "order", order);
			ki_sub_close(c);
			c->mute -= mute;
		}
	}
	ki_sub_array_end(c, nr, shown);
}

static void decode(struct ki_sub_ctx *c, const char *node, uint64_t pa, bool has_pa,
		   const unsigned char *blob, size_t len)
{
	const char *where, *iwhere;
	const void *p, *info;
	uint64_t nr = 0;
	int l, il;

	(void)node;
	(void)len;
	p = prop(blob, "magic", &l, &where);
	if (p && l == 4)
		ki_sub_num(c, "magic", ki_sub_u32(c, p));
	p = prop(blob, "nr_folios", &l, &where);
	if (p && (l == 4 || l == 8)) {
		nr = l == 4 ? ki_sub_u32(c, p) : ki_sub_u64(c, p);
		ki_sub_num(c, "nr_folios", nr);
	} else {
		ki_findings_add(c->f, KI_SEV_WARNING, "kho-test", has_pa, pa,
				"kho-test-v1: nr_folios is %s", p ? "neither 4 nor 8 bytes"
								  : "missing (in /data and at the root)");
	}
	p = prop(blob, "csum", &l, &where);
	if (p && l == 4)
		ki_sub_num(c, "csum", ki_sub_u32(c, p));
	info = prop(blob, "folios_info", &il, &iwhere);
	if (!info)
		return; /* older writers and the model: the count alone */
	if (il != 16) {
		ki_findings_add(c->f, KI_SEV_WARNING, "kho-test", has_pa, pa,
				"kho-test-v1: %s folios_info is %d bytes, not a 16-byte struct kho_vmalloc; the folios are not followed",
				iwhere, il);
		return;
	}
	{
		struct ki_vmalloc v;
		uint64_t room;

		ki_sub_vmalloc(c, info, "kho-test-v1 folios_info", "kho_test:folios_info", &v);
		room = (uint64_t)v.nruns * (c->ps << v.order) / 8;
		if (nr > room) {
			if (v.complete)
				ki_findings_add(c->f, KI_SEV_ERROR, "kho-test-nr-folios", has_pa, pa,
						"kho-test-v1: nr_folios %" PRIu64 " needs %" PRIu64
						" bytes, folios_info holds %" PRIu64,
						nr, nr * 8, room * 8);
			nr = room;
		}
		folios(c, &v, nr, pa);
		ki_sub_vmalloc_free(&v);
	}
}

const struct ki_subformat ki_sub_kho_test = {
	.id = "kho-test-v1",
	.what = "lib/test_kho.c: its folio count, folios_info array and folios",
	.match = match,
	.decode = decode,
};
