// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memblock-v1 (docs/formats.md §4.1): a one-page FDT, root compatible
 * "memblock-v1", one child per reserve_mem region (node name = region
 * name) with compatible "reserve-mem-v1" and native u64 "start" and "size".
 * Each region is preserved memory owned by "memblock:NAME".
 */
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "ki_sub.h"

static bool match(const struct ki_sub_ctx *c, const char *node, const unsigned char *blob,
		  size_t len)
{
	(void)c;
	(void)node;
	return ki_sub_fdt_is(blob, len, "memblock-v1");
}

static void decode(struct ki_sub_ctx *c, const char *node, uint64_t pa, bool has_pa,
		   const unsigned char *blob, size_t len)
{
	int child;
	uint64_t n = 0;

	(void)node;
	(void)len;
	ki_sub_array(c, "regions");
	fdt_for_each_subnode(child, blob, 0) {
		const char *name = fdt_get_name(blob, child, NULL), *compat;
		const void *st, *sz;
		int ls, lz, lc;
		char safe[80], label[100];
		uint64_t start, size;

		if (n >= KI_SUB_MAX_ENTRIES || !ki_sub_work(c, 1))
			break;
		c->mute += n >= KI_SUB_SHOW;
		ki_sub_cstr(name ? name : "?", name ? strlen(name) + 1 : 2, safe, sizeof(safe));
		ki_sub_open(c, NULL);
		ki_sub_str(c, "name", safe);
		compat = fdt_getprop(blob, child, "compatible", &lc);
		st = fdt_getprop(blob, child, "start", &ls);
		sz = fdt_getprop(blob, child, "size", &lz);
		if (!compat || lc < 1 || compat[lc - 1] || strcmp(compat, "reserve-mem-v1"))
			ki_findings_add(c->f, KI_SEV_WARNING, "memblock-region", has_pa, pa,
					"memblock region \"%s\": compatible is not \"reserve-mem-v1\"", safe);
		if (!st || !sz || ls != 8 || lz != 8) {
			ki_findings_add(c->f, KI_SEV_WARNING, "memblock-region", has_pa, pa,
					"memblock region \"%s\": start/size missing or not 8 bytes", safe);
		} else {
			start = ki_sub_u64(c, st);
			size = ki_sub_u64(c, sz);
			ki_sub_addr(c, "start", start);
			ki_sub_num(c, "size", size);
			if (start + size < start)
				ki_findings_add(c->f, KI_SEV_ERROR, "memblock-region", has_pa, pa,
						"memblock region \"%s\": 0x%" PRIx64 " + 0x%" PRIx64 " wraps",
						safe, start, size);
			else if ((start | size) & (c->ps - 1))
				ki_findings_add(c->f, KI_SEV_WARNING, "memblock-region", true, start,
						"memblock region \"%s\" 0x%" PRIx64 "-0x%" PRIx64
						" is not page aligned: its partial pages are preserved whole",
						safe, start, start + size);
			snprintf(label, sizeof(label), "memblock:%s", safe);
			if (start + size >= start)
				ki_sub_claim(c, start, size, label);
		}
		ki_sub_close(c);
		c->mute -= n >= KI_SUB_SHOW;
		n++;
	}
	ki_sub_array_end(c, n, n < KI_SUB_SHOW ? n : KI_SUB_SHOW);
}

const struct ki_subformat ki_sub_memblock = {
	.id = "memblock-v1",
	.what = "reserve_mem regions (memblock:NAME)",
	.match = match,
	.decode = decode,
};
