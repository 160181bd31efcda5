// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kho-test-v1 (kho-formats.md §2.7): the FDT lib/test_kho.c hands over,
 * root compatible "kho-test-v1" and a folio count "nr_folios".
 */
#include <libfdt.h>
#include <string.h>

#include "ki_sub.h"

static bool match(const struct ki_sub_ctx *c, const char *node, const unsigned char *blob,
		  size_t len)
{
	(void)c;
	(void)node;
	return ki_sub_fdt_is(blob, len, "kho-test-v1");
}

static void decode(struct ki_sub_ctx *c, const char *node, uint64_t pa, bool has_pa,
		   const unsigned char *blob, size_t len)
{
	int l;
	const void *p = fdt_getprop(blob, 0, "nr_folios", &l);

	(void)node;
	(void)len;
	if (p && l == 4)
		ki_sub_num(c, "nr_folios", ki_sub_u32(c, p));
	else if (p && l == 8)
		ki_sub_num(c, "nr_folios", ki_sub_u64(c, p));
	else
		ki_findings_add(c->f, KI_SEV_WARNING, "kho-test", has_pa, pa,
				"kho-test-v1: nr_folios is %s", p ? "neither 4 nor 8 bytes" : "missing");
}

const struct ki_subformat ki_sub_kho_test = {
	.id = "kho-test-v1",
	.what = "lib/test_kho.c: its folio count",
	.match = match,
	.decode = decode,
};
