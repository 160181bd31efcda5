// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Radix key arithmetic (docs/formats.md §2.4). Expected values come from the
 * spec's tables and worked examples, or from arithmetic done in this file
 * (the test's own encoder), never from running the code under test.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdint.h>

#include "ki_map.h"

/* Page shifts of 4K, 16K and 64K pages. */
static const unsigned int PSH[] = { 12, 14, 16 };

/* The test's own encoder: key = marker(ORDER_0 - order) | pa >> (PSH + order). */
static uint64_t my_key(uint64_t pa, unsigned int order, unsigned int psh)
{
	unsigned int order0 = 64 - psh;

	return (UINT64_C(1) << (order0 - order)) | (pa >> (psh + order));
}

/* ---- geometry: the table of docs/formats.md §2.4 ---- */

Test(radix, geometry_4k)
{
	cr_assert_eq(ki_radix_order0(12), 52);
	cr_assert_eq(ki_radix_table_bits(12), 9);
	cr_assert_eq(ki_radix_bitmap_bits(12), 15);
	cr_assert_eq(ki_radix_fixed_depth(12), 6);
}

Test(radix, geometry_16k)
{
	cr_assert_eq(ki_radix_order0(14), 50);
	cr_assert_eq(ki_radix_table_bits(14), 11);
	cr_assert_eq(ki_radix_bitmap_bits(14), 17);
	/* 7.1-final depth: 5, not the broken 4 of 7.1-rc. */
	cr_assert_eq(ki_radix_fixed_depth(14), 5);
}

Test(radix, geometry_64k)
{
	cr_assert_eq(ki_radix_order0(16), 48);
	cr_assert_eq(ki_radix_table_bits(16), 13);
	cr_assert_eq(ki_radix_bitmap_bits(16), 19);
	cr_assert_eq(ki_radix_fixed_depth(16), 4);
}

/*
 * The fixed depth is the number of levels needed to hold a key of
 * ORDER_0 + 1 bits: B bits in the leaf plus T bits per table. Check that
 * it is the smallest such count (the depth table, restated).
 */
Test(radix, fixed_depth_is_minimal)
{
	for (size_t i = 0; i < 3; i++) {
		unsigned int psh = PSH[i], width = 64 - psh + 1;
		unsigned int t = psh - 3, b = psh + 3;
		unsigned int d = ki_radix_fixed_depth(psh);

		cr_assert_geq(b + (d - 1) * t, width, "psh %u: depth %u too small", psh, d);
		cr_assert_lt(b + (d - 2) * t, width, "psh %u: depth %u not minimal", psh, d);
	}
}

/* ---- worked example, 4K pages ---- */

Test(radix, example_4k_order0_at_0x1000)
{
	uint64_t key = ki_radix_key(0x1000, 0, 12), pa = 1;
	unsigned int order = 99;

	cr_assert_eq(key, UINT64_C(0x0010000000000001), "key 0x%016" PRIx64, key);
	cr_assert_eq(ki_radix_index(key, 5, 12), 2);   /* root */
	cr_assert_eq(ki_radix_index(key, 4, 12), 0);
	cr_assert_eq(ki_radix_index(key, 3, 12), 0);
	cr_assert_eq(ki_radix_index(key, 2, 12), 0);
	cr_assert_eq(ki_radix_index(key, 1, 12), 0);
	cr_assert_eq(ki_radix_index(key, 0, 12), 1);   /* leaf bit */
	cr_assert(ki_radix_key_decode(key, 12, &pa, &order));
	cr_assert_eq(order, 0);
	cr_assert_eq(pa, 0x1000);
}

Test(radix, example_4k_order9_at_0x40000000)
{
	uint64_t key = ki_radix_key(0x40000000, 9, 12), pa = 1;
	unsigned int order = 99;

	cr_assert_eq(key, UINT64_C(0x0000080000000200), "key 0x%016" PRIx64, key);
	cr_assert_eq(ki_radix_index(key, 5, 12), 0);
	cr_assert_eq(ki_radix_index(key, 4, 12), 2);
	cr_assert_eq(ki_radix_index(key, 3, 12), 0);
	cr_assert_eq(ki_radix_index(key, 2, 12), 0);
	cr_assert_eq(ki_radix_index(key, 1, 12), 0);
	cr_assert_eq(ki_radix_index(key, 0, 12), 512);
	cr_assert(ki_radix_key_decode(key, 12, &pa, &order));
	cr_assert_eq(order, 9);
	cr_assert_eq(pa, 0x40000000);
}

/* "the root index is 2 for order 0, 1 for order 1 and 0 for every order >= 2" */
Test(radix, example_4k_root_index_by_order)
{
	cr_assert_eq(ki_radix_index(ki_radix_key(0x1000, 0, 12), 5, 12), 2);
	cr_assert_eq(ki_radix_index(ki_radix_key(0x2000, 1, 12), 5, 12), 1);
	for (unsigned int order = 2; order <= 20; order++) {
		uint64_t pa = UINT64_C(0x123) << (12 + order);

		cr_assert_eq(ki_radix_index(ki_radix_key(pa, order, 12), 5, 12), 0,
			     "order %u", order);
	}
	/* 3 only if PA bit 63 were set. */
	cr_assert_eq(ki_radix_index(ki_radix_key(UINT64_C(1) << 63, 0, 12), 5, 12), 3);
}

/* Bit ranges at 4K: leaf 0-14, L1 15-23, L2 24-32, L3 33-41, L4 42-50, L5 51-59. */
Test(radix, bit_ranges_4k)
{
	static const unsigned int lo[] = { 0, 15, 24, 33, 42, 51 };
	static const unsigned int width[] = { 15, 9, 9, 9, 9, 9 };

	for (unsigned int level = 0; level < 6; level++) {
		/* Lowest and highest bit of the range, and one bit outside each side. */
		uint64_t first = UINT64_C(1) << lo[level];
		uint64_t last = UINT64_C(1) << (lo[level] + width[level] - 1);

		cr_assert_eq(ki_radix_index(first, level, 12), 1, "level %u", level);
		cr_assert_eq(ki_radix_index(last, level, 12),
			     UINT64_C(1) << (width[level] - 1), "level %u", level);
		if (lo[level] > 0)
			cr_assert_eq(ki_radix_index(first >> 1, level, 12), 0,
				     "level %u", level);
		cr_assert_eq(ki_radix_index(last << 1, level, 12), 0, "level %u", level);
	}
}

/* 16K, fixed depth 5: key = 2^50|1, L4 index 1, L3..L1 0, leaf bit 1. */
Test(radix, example_16k_order0_pfn1)
{
	uint64_t key = ki_radix_key(0x4000, 0, 14), pa = 0;
	unsigned int order = 99;

	cr_assert_eq(key, (UINT64_C(1) << 50) | 1);
	cr_assert_eq(ki_radix_index(key, 4, 14), 1);
	cr_assert_eq(ki_radix_index(key, 3, 14), 0);
	cr_assert_eq(ki_radix_index(key, 2, 14), 0);
	cr_assert_eq(ki_radix_index(key, 1, 14), 0);
	cr_assert_eq(ki_radix_index(key, 0, 14), 1);
	cr_assert(ki_radix_key_decode(key, 14, &pa, &order));
	cr_assert_eq(order, 0);
	cr_assert_eq(pa, 0x4000);
}

/* 16K bit ranges (fixed): leaf 0-16, L1 17-27, L2 28-38, L3 39-49, L4 50-60. */
Test(radix, bit_ranges_16k)
{
	static const unsigned int lo[] = { 0, 17, 28, 39, 50 };

	for (unsigned int level = 0; level < 5; level++)
		cr_assert_eq(ki_radix_index(UINT64_C(1) << lo[level], level, 14), 1,
			     "level %u", level);
	cr_assert_eq(ki_radix_index(UINT64_C(1) << 16, 0, 14), UINT64_C(1) << 16);
	cr_assert_eq(ki_radix_index(UINT64_C(1) << 17, 0, 14), 0);
	cr_assert_eq(ki_radix_index(UINT64_C(1) << 60, 4, 14), 1024);
}

/* 64K: key = 2^48|1 -> L3 index 8, L2/L1 0, leaf bit 1. */
Test(radix, example_64k_order0_pfn1)
{
	uint64_t key = ki_radix_key(0x10000, 0, 16), pa = 0;
	unsigned int order = 99;

	cr_assert_eq(key, (UINT64_C(1) << 48) | 1);
	cr_assert_eq(ki_radix_index(key, 3, 16), 8);
	cr_assert_eq(ki_radix_index(key, 2, 16), 0);
	cr_assert_eq(ki_radix_index(key, 1, 16), 0);
	cr_assert_eq(ki_radix_index(key, 0, 16), 1);
	cr_assert(ki_radix_key_decode(key, 16, &pa, &order));
	cr_assert_eq(order, 0);
	cr_assert_eq(pa, 0x10000);
}

/* 64K bit ranges: leaf 0-18, L1 19-31, L2 32-44, L3 45-57. */
Test(radix, bit_ranges_64k)
{
	static const unsigned int lo[] = { 0, 19, 32, 45 };

	for (unsigned int level = 0; level < 4; level++)
		cr_assert_eq(ki_radix_index(UINT64_C(1) << lo[level], level, 16), 1,
			     "level %u", level);
	cr_assert_eq(ki_radix_index(UINT64_C(1) << 57, 3, 16), 4096);
	cr_assert_eq(ki_radix_index(UINT64_C(1) << 19, 0, 16), 0);
}

/* ---- decode: rejected keys ---- */

Test(radix, decode_rejects_key_zero)
{
	uint64_t pa = 0x5a5a;
	unsigned int order = 77;

	for (size_t i = 0; i < 3; i++)
		cr_assert_not(ki_radix_key_decode(0, PSH[i], &pa, &order));
}

/* Keys never have bits above ORDER_0: anything >= 2^(ORDER_0 + 1) is invalid. */
Test(radix, decode_rejects_keys_above_order0)
{
	for (size_t i = 0; i < 3; i++) {
		unsigned int psh = PSH[i], o0 = 64 - psh;
		uint64_t max_ok = (UINT64_C(2) << o0) - 1;
		uint64_t pa = 0;
		unsigned int order = 0;

		cr_assert(ki_radix_key_decode(max_ok, psh, &pa, &order), "psh %u", psh);
		cr_assert_eq(order, 0);
		/* all PFN bits set: the last order-0 page below 2^64 */
		cr_assert_eq(pa, ~((UINT64_C(1) << psh) - 1), "psh %u pa 0x%" PRIx64, psh, pa);

		cr_assert_not(ki_radix_key_decode(max_ok + 1, psh, &pa, &order), "psh %u", psh);
		cr_assert_not(ki_radix_key_decode(UINT64_C(1) << (o0 + 1), psh, &pa, &order));
		cr_assert_not(ki_radix_key_decode((UINT64_C(1) << (o0 + 1)) | 1, psh, &pa, &order));
		cr_assert_not(ki_radix_key_decode(UINT64_C(1) << 63, psh, &pa, &order));
		cr_assert_not(ki_radix_key_decode(UINT64_MAX, psh, &pa, &order));
	}
}

/* ---- highest orders: marker at bit 0 and 1 ---- */

Test(radix, decode_highest_orders)
{
	for (size_t i = 0; i < 3; i++) {
		unsigned int psh = PSH[i], o0 = 64 - psh;
		uint64_t pa = 1;
		unsigned int order = 0;

		/* key 1: marker bit 0, order ORDER_0, block of 2^64 bytes at 0 */
		cr_assert(ki_radix_key_decode(1, psh, &pa, &order));
		cr_assert_eq(order, o0, "psh %u", psh);
		cr_assert_eq(pa, 0);
		/* key 2: order ORDER_0 - 1 (2^63-byte blocks), PFN part 0 */
		cr_assert(ki_radix_key_decode(2, psh, &pa, &order));
		cr_assert_eq(order, o0 - 1);
		cr_assert_eq(pa, 0);
		/* key 3: order ORDER_0 - 1, second block: pa 2^63 */
		cr_assert(ki_radix_key_decode(3, psh, &pa, &order));
		cr_assert_eq(order, o0 - 1);
		cr_assert_eq(pa, UINT64_C(1) << 63, "psh %u pa 0x%" PRIx64, psh, pa);
	}
}

/* Order 0 with the marker alone: page 0. */
Test(radix, decode_order0_page0)
{
	for (size_t i = 0; i < 3; i++) {
		unsigned int psh = PSH[i];
		uint64_t pa = 1;
		unsigned int order = 9;

		cr_assert(ki_radix_key_decode(UINT64_C(1) << (64 - psh), psh, &pa, &order));
		cr_assert_eq(order, 0);
		cr_assert_eq(pa, 0);
		cr_assert_eq(ki_radix_key(0, 0, psh), UINT64_C(1) << (64 - psh));
	}
}

/* ---- round trips ---- */

/* Block-aligned addresses of order `order` spread over the whole 64-bit space. */
static uint64_t sample_pa(unsigned int k, unsigned int order, unsigned int psh)
{
	unsigned int s = psh + order;        /* log2 of the block size */
	uint64_t nblocks_log2 = 64 - s;      /* 2^(64-s) blocks fit below 2^64 */
	uint64_t idx;

	switch (k) {
	case 0: idx = 0; break;
	case 1: idx = 1; break;
	case 2: idx = 2; break;
	case 3: idx = 0x5555; break;
	case 4: idx = UINT64_C(0x123456789) ; break;
	/* the last block under 2^52, 2^40, 2^63 and 2^64 */
	case 5: idx = (UINT64_C(1) << (52 - s)) - 1; break;
	case 6: idx = s < 40 ? (UINT64_C(1) << (40 - s)) - 1 : 3; break;
	case 7: idx = (UINT64_C(1) << (63 - s)) - 1; break;
	case 8: idx = nblocks_log2 == 64 ? UINT64_MAX : (UINT64_C(1) << nblocks_log2) - 1; break;
	/* a scatter of bits */
	default: idx = (UINT64_C(0x9e3779b97f4a7c15) * k) >> s; break;
	}
	/* keep the index inside the 64-bit space */
	if (nblocks_log2 < 64)
		idx &= (UINT64_C(1) << nblocks_log2) - 1;
	return idx << s;
}

Test(radix, round_trip_all_page_sizes)
{
	unsigned int checked = 0;

	for (size_t i = 0; i < 3; i++) {
		unsigned int psh = PSH[i], o0 = 64 - psh;

		for (unsigned int order = 0; order <= 20; order++) {
			for (unsigned int k = 0; k < 64; k++) {
				uint64_t pa = sample_pa(k, order, psh), got_pa = ~pa;
				uint64_t key = ki_radix_key(pa, order, psh);
				unsigned int got_order = 99;

				cr_assert_eq(key, my_key(pa, order, psh),
					     "psh %u order %u pa 0x%" PRIx64, psh, order, pa);
				/* marker is the highest set bit, at ORDER_0 - order */
				cr_assert_eq(63 - __builtin_clzll(key), (int)(o0 - order));
				cr_assert(ki_radix_key_decode(key, psh, &got_pa, &got_order));
				cr_assert_eq(got_order, order,
					     "psh %u order %u pa 0x%" PRIx64 " -> order %u",
					     psh, order, pa, got_order);
				cr_assert_eq(got_pa, pa,
					     "psh %u order %u pa 0x%" PRIx64 " -> 0x%" PRIx64,
					     psh, order, pa, got_pa);
				checked++;
			}
		}
	}
	cr_assert_eq(checked, 3 * 21 * 64);
}

/* Every index of a key, put back at its level's shift, rebuilds the key. */
Test(radix, indices_rebuild_key)
{
	for (size_t i = 0; i < 3; i++) {
		unsigned int psh = PSH[i], t = psh - 3, b = psh + 3;
		unsigned int depth = ki_radix_fixed_depth(psh);

		for (unsigned int order = 0; order <= 20; order++) {
			for (unsigned int k = 0; k < 16; k++) {
				uint64_t pa = sample_pa(k, order, psh);
				uint64_t key = my_key(pa, order, psh), re;

				re = ki_radix_index(key, 0, psh);
				cr_assert_lt(re, UINT64_C(1) << b);
				for (unsigned int l = 1; l < depth; l++) {
					uint64_t idx = ki_radix_index(key, l, psh);

					cr_assert_lt(idx, UINT64_C(1) << t);
					re |= idx << ((l - 1) * t + b);
				}
				cr_assert_eq(re, key, "psh %u order %u pa 0x%" PRIx64,
					     psh, order, pa);
			}
		}
	}
}

/* A leaf covers 32768 blocks of one order (4K): 128 MiB at order 0, 64 GiB at order 9. */
Test(radix, leaf_coverage_4k)
{
	uint64_t a = ki_radix_key(0, 0, 12), b = ki_radix_key((UINT64_C(128) << 20) - 4096, 0, 12);
	uint64_t c = ki_radix_key(UINT64_C(128) << 20, 0, 12);

	cr_assert_eq(ki_radix_index(a, 1, 12), ki_radix_index(b, 1, 12));
	cr_assert_eq(ki_radix_index(b, 0, 12), 32767);
	cr_assert_eq(ki_radix_index(c, 0, 12), 0);
	cr_assert_eq(ki_radix_index(c, 1, 12), 1);

	a = ki_radix_key((UINT64_C(64) << 30) - (UINT64_C(2) << 20), 9, 12);
	c = ki_radix_key(UINT64_C(64) << 30, 9, 12);
	cr_assert_eq(ki_radix_index(a, 0, 12), 32767);
	cr_assert_eq(ki_radix_index(a, 1, 12), 0);
	cr_assert_eq(ki_radix_index(c, 0, 12), 0);
	cr_assert_eq(ki_radix_index(c, 1, 12), 1);
}
