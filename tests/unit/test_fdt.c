// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The KHO root FDT: ki_fdt_check, ki_fdt_load, ki_kho_load, ki_kho_from_blob.
 *
 * Recipe: FDTs are built here with libfdt's sequential-write API as the
 * kernel does (fdt_create, fdt_finish_reservemap, fdt_begin_node(""),
 * properties, children, fdt_finish), with KHO's u64 properties stored as
 * native-endian 8-byte values (docs/formats.md §2.1). They are placed in a
 * raw memory image (base 0x80000000, 4 KiB pages) written to the test's
 * temporary directory, or checked from host buffers. Mangle tests copy a valid blob,
 * change one header field (big-endian, as in any FDT) and assert the exact
 * ki_error code.
 */
#include <criterion/criterion.h>
#include <endian.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ki_dump.h"
#include "ki_fdt.h"
#include "testutils.h"

TestSuite(fdt, .fini = tu_cleanup);

enum { PS = 4096, IMG_PAGES = 6 };
static const uint64_t BASE = UINT64_C(0x80000000);
static const uint64_t FDT_AT = UINT64_C(0x80001000);

/* ---- building FDTs ---- */

struct kid {
	const char *name;
	const char *ptr_prop;    /* NULL: none */
	uint64_t phys;
	bool has_size;
	uint64_t size;
	int size_len;            /* 0: 8 */
};

struct kfdt {
	const char *compat;      /* NULL: no compatible */
	bool compat_raw;         /* compat without its NUL */
	bool no_map;
	uint64_t map;
	int map_len;             /* 0: 8 */
	bool be;                 /* u64 values big-endian (a BE dump) */
	struct kid kids[4];
	int nkids;
};

static void u64_bytes(unsigned char out[8], uint64_t v, bool be)
{
	uint64_t x = be ? htobe64(v) : htole64(v);

	memcpy(out, &x, 8);
}

/* Build into buf (8-byte aligned, cap bytes); returns totalsize. */
static uint32_t build(void *buf, size_t cap, const struct kfdt *k)
{
	unsigned char v[8];

	cr_assert_eq(fdt_create(buf, (int)cap), 0);
	cr_assert_eq(fdt_finish_reservemap(buf), 0);
	cr_assert_eq(fdt_begin_node(buf, ""), 0);
	if (k->compat && k->compat_raw)
		cr_assert_eq(fdt_property(buf, "compatible", k->compat, (int)strlen(k->compat)), 0);
	else if (k->compat)
		cr_assert_eq(fdt_property_string(buf, "compatible", k->compat), 0);
	if (!k->no_map) {
		u64_bytes(v, k->map, k->be);
		cr_assert_eq(fdt_property(buf, "preserved-memory-map", v,
					  k->map_len ? k->map_len : 8), 0);
	}
	for (int i = 0; i < k->nkids; i++) {
		const struct kid *c = &k->kids[i];

		cr_assert_eq(fdt_begin_node(buf, c->name), 0);
		if (c->ptr_prop) {
			u64_bytes(v, c->phys, k->be);
			cr_assert_eq(fdt_property(buf, c->ptr_prop, v, 8), 0);
		}
		if (c->has_size) {
			u64_bytes(v, c->size, k->be);
			cr_assert_eq(fdt_property(buf, "blob-size", v,
						  c->size_len ? c->size_len : 8), 0);
		}
		cr_assert_eq(fdt_end_node(buf), 0);
	}
	cr_assert_eq(fdt_end_node(buf), 0);
	cr_assert_eq(fdt_finish(buf), 0);
	cr_assert_eq(fdt_check_full(buf, cap), 0, "test FDT is not valid");
	return fdt_totalsize(buf);
}

/* A kho-v3 root with two children, as 7.1 writes it. */
static const struct kfdt V3 = {
	.compat = "kho-v3",
	.map = UINT64_C(0x80003000),
	.kids = {
		{ "memblock", "preserved-data", UINT64_C(0x80002000), true, 0x1234, 0 },
		{ "LUO", "preserved-data", UINT64_C(0x123456789000), true, 0x4000, 0 },
	},
	.nkids = 2,
};

/* ---- the raw image ---- */

struct img {
	uint64_t buf[IMG_PAGES * PS / 8];   /* 8-byte aligned */
	size_t size;
	const char *path;
	struct ki_dump *d;
};

static unsigned char *img_at(struct img *m, uint64_t paddr)
{
	cr_assert_geq(paddr, BASE);
	cr_assert_lt(paddr - BASE, sizeof(m->buf));
	return (unsigned char *)m->buf + (paddr - BASE);
}

/* Build k into the image at paddr; returns totalsize. */
static uint32_t place(struct img *m, uint64_t paddr, const struct kfdt *k)
{
	static uint64_t tmp[PS / 8];
	uint32_t n = build(tmp, sizeof(tmp), k);

	memcpy(img_at(m, paddr), tmp, n);
	return n;
}

static void img_open(struct img *m, size_t size)
{
	struct ki_dump_options o = {
		.format = "raw", .base_set = true, .base = BASE, .page_size = PS,
	};
	struct ki_error *err;

	m->size = size ? size : sizeof(m->buf);
	m->path = tu_write("mem.raw", m->buf, m->size);
	err = ki_dump_open(m->path, &o, &m->d);
	cr_assert_null(err, "%s", err ? err->message : "");
}

static void img_close(struct img *m)
{
	ki_dump_destroy(m->d);
	tu_cleanup();
}

static struct img *img_new(void)
{
	struct img *m = calloc(1, sizeof(*m));

	cr_assert_not_null(m);
	return m;
}

static const struct ki_finding *find(const struct ki_findings *f, const char *id)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->items[i].id, id))
			return &f->items[i];
	return NULL;
}

/* Load the FDT at paddr; it must succeed. */
static struct ki_kho *load_ok(struct img *m, uint64_t paddr, struct ki_findings *f)
{
	struct ki_kho *k = NULL;
	struct ki_error *err = ki_kho_load(m->d, paddr, f, &k);

	cr_assert_null(err, "ki_kho_load: %s", err ? err->message : "");
	cr_assert_not_null(k);
	return k;
}

static void load_fails(struct img *m, uint64_t paddr, enum ki_error_code code)
{
	struct ki_findings f;
	struct ki_kho *k = NULL;
	struct ki_error *err;

	ki_findings_init(&f);
	err = ki_kho_load(m->d, paddr, &f, &k);
	cr_assert_not_null(err, "ki_kho_load succeeded, expected %s", ki_error_code_name(code));
	cr_assert_eq(err->code, code, "code %s, expected %s: %s",
		     ki_error_code_name(err->code), ki_error_code_name(code), err->message);
	cr_assert_null(k);
	ki_error_destroy(err);
	ki_findings_deinit(&f);
}

/* ---- ki_kho_load on valid trees ---- */

Test(fdt, v3_root_with_children)
{
	struct img *m = img_new();
	struct ki_findings f;
	struct ki_kho *k;
	uint32_t size;

	size = place(m, FDT_AT, &V3);
	img_open(m, 0);
	ki_findings_init(&f);
	k = load_ok(m, FDT_AT, &f);
	cr_assert_eq(f.n, 0, "unexpected finding %s", f.n ? f.items[0].id : "");
	cr_assert(k->has_fdt_phys);
	cr_assert_eq(k->fdt_phys, FDT_AT);
	cr_assert_eq(k->fdt_size, size);
	cr_assert_str_eq(k->compatible, "kho-v3");
	cr_assert_str_eq(k->family, "kho-v3");
	cr_assert_eq(k->format, KI_KHO_V3);
	cr_assert(k->has_map);
	cr_assert_eq(k->map_phys, UINT64_C(0x80003000), "map 0x%" PRIx64, k->map_phys);
	cr_assert_eq(k->nsubs, 2);
	cr_assert_str_eq(k->subs[0].name, "memblock");
	cr_assert_str_eq(k->subs[0].ptr_prop, "preserved-data");
	cr_assert(k->subs[0].has_phys);
	cr_assert_eq(k->subs[0].phys, UINT64_C(0x80002000));
	cr_assert(k->subs[0].has_size);
	cr_assert_eq(k->subs[0].size, 0x1234);
	cr_assert_str_eq(k->subs[1].name, "LUO");
	cr_assert_eq(k->subs[1].phys, UINT64_C(0x123456789000));
	cr_assert_eq(k->subs[1].size, 0x4000);
	/* the copy is 8-byte aligned and is the FDT we wrote */
	cr_assert_eq((uintptr_t)k->blob % 8, 0);
	cr_assert_eq(memcmp(k->blob, img_at(m, FDT_AT), size), 0);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	img_close(m);
	free(m);
}

/* The RFC composite string: the family is the part before the first ';'. */
Test(fdt, composite_compatible_v4)
{
	struct img *m = img_new();
	struct ki_findings f;
	struct kfdt c = V3;
	struct ki_kho *k;

	c.compat = "kho-v4;radix-v1;vmalloc-v1";
	place(m, FDT_AT, &c);
	img_open(m, 0);
	ki_findings_init(&f);
	k = load_ok(m, FDT_AT, &f);
	cr_assert_eq(f.n, 0);
	cr_assert_str_eq(k->compatible, "kho-v4;radix-v1;vmalloc-v1");
	cr_assert_str_eq(k->family, "kho-v4");
	cr_assert_eq(k->format, KI_KHO_V4);
	cr_assert_eq(k->nsubs, 2);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	img_close(m);
	free(m);
}

/* kho-v2: blob-size is optional, its absence is no finding. */
Test(fdt, v2_without_blob_size)
{
	struct img *m = img_new();
	struct ki_findings f;
	struct kfdt c = V3;
	struct ki_kho *k;

	c.compat = "kho-v2";
	c.kids[0].has_size = false;
	c.kids[1].has_size = false;
	place(m, FDT_AT, &c);
	img_open(m, 0);
	ki_findings_init(&f);
	k = load_ok(m, FDT_AT, &f);
	cr_assert_eq(f.n, 0, "finding %s", f.n ? f.items[0].id : "");
	cr_assert_eq(k->format, KI_KHO_V2);
	cr_assert_not(k->subs[0].has_size);
	cr_assert(k->subs[0].has_phys);
	cr_assert_eq(k->subs[0].phys, UINT64_C(0x80002000));
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	img_close(m);
	free(m);
}

/* kho-v3 requires blob-size on every child (the kernel rejects the node). */
Test(fdt, v3_child_without_blob_size)
{
	struct img *m = img_new();
	const struct ki_finding *fi;
	struct ki_findings f;
	struct kfdt c = V3;
	struct ki_kho *k;

	c.kids[1].has_size = false;
	place(m, FDT_AT, &c);
	img_open(m, 0);
	ki_findings_init(&f);
	k = load_ok(m, FDT_AT, &f);
	cr_assert_eq(f.n, 1);
	fi = find(&f, "subnode-no-size");
	cr_assert_not_null(fi);
	cr_assert_eq(fi->severity, KI_SEV_ERROR);
	cr_assert(fi->has_paddr);
	cr_assert_eq(fi->paddr, FDT_AT);
	cr_assert_not_null(strstr(fi->message, "LUO"), "%s", fi->message);
	cr_assert(k->subs[0].has_size);
	cr_assert_not(k->subs[1].has_size);
	cr_assert(k->subs[1].has_phys);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	img_close(m);
	free(m);
}

/* A 4-byte preserved-memory-map: the kernel wants exactly 8. */
Test(fdt, short_memory_map_property)
{
	struct img *m = img_new();
	const struct ki_finding *fi;
	struct ki_findings f;
	struct kfdt c = V3;
	struct ki_kho *k;

	c.map_len = 4;
	place(m, FDT_AT, &c);
	img_open(m, 0);
	ki_findings_init(&f);
	k = load_ok(m, FDT_AT, &f);
	fi = find(&f, "prop-length");
	cr_assert_not_null(fi);
	cr_assert_eq(fi->severity, KI_SEV_ERROR);
	cr_assert_eq(fi->paddr, FDT_AT);
	cr_assert_not(k->has_map);
	cr_assert_eq(f.n, 1);
	cr_assert_eq(k->nsubs, 2, "children are still read");
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	img_close(m);
	free(m);
}

Test(fdt, short_blob_size_property)
{
	struct img *m = img_new();
	struct ki_findings f;
	struct kfdt c = V3;
	struct ki_kho *k;

	c.kids[0].size_len = 4;
	place(m, FDT_AT, &c);
	img_open(m, 0);
	ki_findings_init(&f);
	k = load_ok(m, FDT_AT, &f);
	cr_assert_not_null(find(&f, "prop-length"));
	cr_assert_not(k->subs[0].has_size);
	cr_assert(k->subs[1].has_size);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	img_close(m);
	free(m);
}

Test(fdt, no_memory_map_property)
{
	struct img *m = img_new();
	struct ki_findings f;
	struct kfdt c = V3;
	struct ki_kho *k;

	c.no_map = true;
	place(m, FDT_AT, &c);
	img_open(m, 0);
	ki_findings_init(&f);
	k = load_ok(m, FDT_AT, &f);
	cr_assert_not_null(find(&f, "no-memory-map"));
	cr_assert_not(k->has_map);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	img_close(m);
	free(m);
}

/* kho-v1 children point with "fdt"; in kho-v3 that name is a warning. */
Test(fdt, pointer_property_names)
{
	struct img *m = img_new();
	struct ki_findings f;
	struct kfdt c = V3;
	struct ki_kho *k;
	const struct ki_finding *fi;

	c.compat = "kho-v1";
	c.kids[0].ptr_prop = "fdt";
	c.kids[0].has_size = false;
	c.kids[1].ptr_prop = "fdt";
	c.kids[1].has_size = false;
	place(m, FDT_AT, &c);
	c.compat = "kho-v3";
	c.kids[0].has_size = true;
	c.kids[1].has_size = true;
	place(m, FDT_AT + PS, &c);
	img_open(m, 0);

	ki_findings_init(&f);
	k = load_ok(m, FDT_AT, &f);
	cr_assert_eq(f.n, 0, "finding %s", f.n ? f.items[0].id : "");
	cr_assert_eq(k->format, KI_KHO_V1);
	cr_assert_str_eq(k->subs[0].ptr_prop, "fdt");
	cr_assert_eq(k->subs[0].phys, UINT64_C(0x80002000));
	ki_kho_destroy(k);
	ki_findings_deinit(&f);

	ki_findings_init(&f);
	k = load_ok(m, FDT_AT + PS, &f);
	cr_assert_eq(f.n, 2);
	fi = find(&f, "subnode-pointer-name");
	cr_assert_not_null(fi);
	cr_assert_eq(fi->severity, KI_SEV_WARNING);
	cr_assert_eq(fi->paddr, FDT_AT + PS);
	cr_assert(k->subs[0].has_phys);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	img_close(m);
	free(m);
}

Test(fdt, child_without_pointer)
{
	struct img *m = img_new();
	struct ki_findings f;
	struct kfdt c = V3;
	struct ki_kho *k;

	c.kids[0].ptr_prop = NULL;
	place(m, FDT_AT, &c);
	img_open(m, 0);
	ki_findings_init(&f);
	k = load_ok(m, FDT_AT, &f);
	cr_assert_not_null(find(&f, "subnode-no-pointer"));
	cr_assert_not(k->subs[0].has_phys);
	cr_assert(k->subs[1].has_phys);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	img_close(m);
	free(m);
}

/* An unknown kho-vN loads (format unknown); not-KHO compatibles are FORMAT errors. */
Test(fdt, compatible_strings)
{
	struct img *m = img_new();
	struct ki_findings f;
	struct kfdt c = V3;
	struct ki_kho *k;

	c.compat = "kho-v9";
	place(m, FDT_AT, &c);
	c.compat = "simple-bus";
	place(m, FDT_AT + PS, &c);
	c.compat = NULL;
	place(m, FDT_AT + 2 * PS, &c);
	c.compat = "kho-v3";
	c.compat_raw = true;       /* not NUL-terminated: not a string */
	place(m, FDT_AT + 3 * PS, &c);
	img_open(m, 0);

	ki_findings_init(&f);
	k = load_ok(m, FDT_AT, &f);
	cr_assert_eq(k->format, KI_KHO_UNKNOWN);
	cr_assert_str_eq(k->compatible, "kho-v9");
	ki_kho_destroy(k);
	ki_findings_deinit(&f);

	load_fails(m, FDT_AT + PS, KI_ERR_FORMAT);
	load_fails(m, FDT_AT + 2 * PS, KI_ERR_FORMAT);
	load_fails(m, FDT_AT + 3 * PS, KI_ERR_FORMAT);
	img_close(m);
	free(m);
}

Test(fdt, not_kho_error_carries_paddr)
{
	struct img *m = img_new();
	struct ki_findings f;
	struct kfdt c = V3;
	struct ki_kho *k = NULL;
	struct ki_error *err;

	c.compat = "linux,dummy";
	place(m, FDT_AT, &c);
	img_open(m, 0);
	ki_findings_init(&f);
	err = ki_kho_load(m->d, FDT_AT, &f, &k);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_FORMAT);
	cr_assert(err->has_paddr);
	cr_assert_eq(err->paddr, FDT_AT);
	cr_assert_not_null(strstr(err->message, "linux,dummy"), "%s", err->message);
	ki_error_destroy(err);
	ki_findings_deinit(&f);
	img_close(m);
	free(m);
}

/* ---- header mangles through ki_kho_load (the dump path) ---- */

static void set_be32(void *blob, size_t off, uint32_t v)
{
	uint32_t x = htobe32(v);

	memcpy((unsigned char *)blob + off, &x, 4);
}

static uint32_t get_be32(const void *blob, size_t off)
{
	uint32_t x;

	memcpy(&x, (const unsigned char *)blob + off, 4);
	return be32toh(x);
}

/* Header field offsets (struct fdt_header, all big-endian u32). */
enum {
	H_MAGIC = 0, H_TOTALSIZE = 4, H_OFF_STRUCT = 8, H_OFF_STRINGS = 12,
	H_OFF_RSVMAP = 16, H_VERSION = 20, H_LAST_COMP = 24, H_SIZE_STRINGS = 32,
	H_SIZE_STRUCT = 36,
};

Test(fdt, load_bad_magic)
{
	struct img *m = img_new();
	struct ki_findings f;
	struct ki_kho *k = NULL;
	struct ki_error *err;

	place(m, FDT_AT, &V3);
	set_be32(img_at(m, FDT_AT), H_MAGIC, 0xd00dfeee);
	img_open(m, 0);
	ki_findings_init(&f);
	err = ki_kho_load(m->d, FDT_AT, &f, &k);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_FORMAT);
	cr_assert(err->has_paddr);
	cr_assert_eq(err->paddr, FDT_AT);
	ki_error_destroy(err);
	ki_findings_deinit(&f);
	img_close(m);
	free(m);
}

/* A KHO FDT lives in one page: totalsize above the page size is corrupt. */
Test(fdt, load_totalsize_above_page)
{
	struct img *m = img_new();

	place(m, FDT_AT, &V3);
	set_be32(img_at(m, FDT_AT), H_TOTALSIZE, PS + 8);
	img_open(m, 0);   /* the image has the bytes, so this is not a read error */
	load_fails(m, FDT_AT, KI_ERR_CORRUPT);
	img_close(m);
	free(m);
}

Test(fdt, load_totalsize_below_header)
{
	struct img *m = img_new();

	place(m, FDT_AT, &V3);
	set_be32(img_at(m, FDT_AT), H_TOTALSIZE, 0x20);
	img_open(m, 0);
	load_fails(m, FDT_AT, KI_ERR_CORRUPT);
	img_close(m);
	free(m);
}

Test(fdt, load_totalsize_below_structure)
{
	struct img *m = img_new();
	struct ki_fdt_header h;

	place(m, FDT_AT, &V3);
	cr_assert(ki_fdt_header_decode(img_at(m, FDT_AT), &h));
	set_be32(img_at(m, FDT_AT), H_TOTALSIZE, h.off_dt_struct + 8);
	img_open(m, 0);
	load_fails(m, FDT_AT, KI_ERR_CORRUPT);
	img_close(m);
	free(m);
}

/* The image ends in the middle of the FDT: those bytes are not in the dump. */
Test(fdt, load_cut_by_end_of_image)
{
	struct img *m = img_new();
	uint64_t at = BASE + (IMG_PAGES - 1) * PS;
	struct ki_findings f;
	struct ki_kho *k = NULL;
	struct ki_error *err;
	uint32_t size;

	size = place(m, at, &V3);
	img_open(m, (IMG_PAGES - 1) * PS + size / 2);
	ki_findings_init(&f);
	err = ki_kho_load(m->d, at, &f, &k);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_NODATA, "%s: %s", ki_error_code_name(err->code),
		     err->message);
	cr_assert(err->has_paddr);
	cr_assert_eq(err->paddr, at + size / 2);
	ki_error_destroy(err);
	ki_findings_deinit(&f);
	img_close(m);
	free(m);
}

Test(fdt, load_outside_dump)
{
	struct img *m = img_new();

	place(m, FDT_AT, &V3);
	img_open(m, 0);
	load_fails(m, BASE - PS, KI_ERR_NODATA);
	load_fails(m, BASE + 64 * PS, KI_ERR_NODATA);
	img_close(m);
	free(m);
}

/* libfdt rejects blobs not 8-byte aligned; the loader copies, so any paddr works. */
Test(fdt, load_at_unaligned_paddr)
{
	struct img *m = img_new();
	struct ki_findings f;
	struct ki_kho *k;

	place(m, FDT_AT + 4, &V3);
	img_open(m, 0);
	ki_findings_init(&f);
	k = load_ok(m, FDT_AT + 4, &f);
	cr_assert_eq(f.n, 0);
	cr_assert_eq(k->fdt_phys, FDT_AT + 4);
	cr_assert_eq(k->format, KI_KHO_V3);
	cr_assert_eq(k->map_phys, UINT64_C(0x80003000));
	cr_assert_eq(k->subs[1].phys, UINT64_C(0x123456789000));
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	img_close(m);
	free(m);
}

/* ---- ki_fdt_check mangles on aligned host copies ---- */

static uint64_t good[PS / 8];
static uint32_t good_size;

static void make_good(void)
{
	good_size = build(good, sizeof(good), &V3);
}

/* An aligned copy of the good blob with one u32 header field changed. */
static void *mangled(size_t field, uint32_t v)
{
	void *b = aligned_alloc(8, PS);

	cr_assert_not_null(b);
	memcpy(b, good, PS);
	if (field != (size_t)-1)
		set_be32(b, field, v);
	return b;
}

static void check_msg(const void *blob, size_t len, enum ki_error_code code,
		      const char *needle)
{
	struct ki_error *err = ki_fdt_check(blob, len);

	cr_assert_not_null(err, "ki_fdt_check accepted it, expected %s",
			   ki_error_code_name(code));
	cr_assert_eq(err->code, code, "code %s, expected %s: %s",
		     ki_error_code_name(err->code), ki_error_code_name(code), err->message);
	cr_assert_not_null(err->message);
	cr_assert_null(strstr(err->message, "<unknown error>"), "%s", err->message);
	if (needle)
		cr_assert_not_null(strstr(err->message, needle), "\"%s\" not in: %s",
				   needle, err->message);
	ki_error_destroy(err);
}

static void check_code(const void *blob, size_t len, enum ki_error_code code)
{
	check_msg(blob, len, code, NULL);
}

Test(fdt, check_valid)
{
	struct ki_error *err;

	make_good();
	err = ki_fdt_check(good, good_size);
	cr_assert_null(err, "%s", err ? err->message : "");
	/* a buffer longer than the FDT (a whole page) is fine */
	err = ki_fdt_check(good, sizeof(good));
	cr_assert_null(err, "%s", err ? err->message : "");
}

Test(fdt, check_bad_magic)
{
	void *b;

	make_good();
	b = mangled(H_MAGIC, 0xedfe0dd0);   /* byte-swapped magic */
	check_msg(b, good_size, KI_ERR_FORMAT, "magic");
	free(b);
	b = mangled(H_MAGIC, 0);
	check_code(b, good_size, KI_ERR_FORMAT);
	free(b);
}

/* Fewer bytes than the header or than totalsize says: truncated. */
Test(fdt, check_truncated)
{
	make_good();
	check_code(good, 0, KI_ERR_TRUNCATED);
	check_msg(good, 39, KI_ERR_TRUNCATED, "39");
	check_code(good, good_size - 1, KI_ERR_TRUNCATED);
	check_code(good, good_size / 2, KI_ERR_TRUNCATED);
}

/* totalsize larger than the page that holds the blob. */
Test(fdt, check_totalsize_larger_than_buffer)
{
	void *b;

	make_good();
	b = mangled(H_TOTALSIZE, PS + 1);
	check_code(b, PS, KI_ERR_TRUNCATED);
	free(b);
	b = mangled(H_TOTALSIZE, 0xffffffff);
	check_code(b, PS, KI_ERR_TRUNCATED);
	free(b);
}

/* totalsize too small for the blocks the header places in it. */
Test(fdt, check_totalsize_smaller_than_structure)
{
	struct ki_fdt_header h;
	void *b;

	make_good();
	cr_assert(ki_fdt_header_decode(good, &h));
	b = mangled(H_TOTALSIZE, h.off_dt_struct + h.size_dt_struct - 4);
	check_code(b, PS, KI_ERR_CORRUPT);
	free(b);
	b = mangled(H_TOTALSIZE, 0x20);      /* not even the header */
	check_code(b, PS, KI_ERR_CORRUPT);
	free(b);
}

Test(fdt, check_offsets_outside)
{
	void *b;

	make_good();
	b = mangled(H_OFF_STRUCT, 0x10000);
	check_code(b, PS, KI_ERR_CORRUPT);
	free(b);
	b = mangled(H_OFF_STRUCT, good_size);
	check_code(b, PS, KI_ERR_CORRUPT);
	free(b);
	b = mangled(H_OFF_STRINGS, 0xfffffff0);
	check_code(b, PS, KI_ERR_CORRUPT);
	free(b);
	b = mangled(H_SIZE_STRUCT, 0x7fffffff);
	check_code(b, PS, KI_ERR_CORRUPT);
	free(b);
	b = mangled(H_OFF_RSVMAP, good_size + 0x100);
	check_code(b, PS, KI_ERR_CORRUPT);
	free(b);
}

/* KHO FDTs are version 17: old versions (and newer-only layouts) are refused. */
Test(fdt, check_versions)
{
	void *b;

	make_good();
	b = mangled(H_VERSION, 2);
	check_msg(b, good_size, KI_ERR_UNSUPPORTED, "version");
	free(b);
	b = mangled(H_VERSION, 1);
	check_code(b, good_size, KI_ERR_UNSUPPORTED);
	free(b);
	b = mangled(H_LAST_COMP, 18);
	check_code(b, good_size, KI_ERR_UNSUPPORTED);
	free(b);
}

/* A bad token at the start of the structure block. */
Test(fdt, check_bad_structure_token)
{
	struct ki_fdt_header h;
	void *b;

	make_good();
	cr_assert(ki_fdt_header_decode(good, &h));
	b = mangled((size_t)-1, 0);
	set_be32(b, h.off_dt_struct, 0x0000000f);
	check_code(b, good_size, KI_ERR_CORRUPT);
	free(b);
}

/* A string reference past the strings block. */
Test(fdt, check_bad_name_offset)
{
	struct ki_fdt_header h;
	void *b;

	make_good();
	cr_assert(ki_fdt_header_decode(good, &h));
	b = mangled((size_t)-1, 0);
	/* root node: BEGIN_NODE, "\0" padded to 4, then PROP len nameoff */
	cr_assert_eq(get_be32(b, h.off_dt_struct + 8), FDT_PROP);
	set_be32(b, h.off_dt_struct + 16, h.size_dt_strings + 100);
	check_code(b, good_size, KI_ERR_CORRUPT);
	free(b);
}

/* The FDT sits at an odd offset of a host buffer; a copy is checked. */
Test(fdt, check_copy_of_unaligned_blob)
{
	unsigned char *host = aligned_alloc(8, 2 * PS);
	void *copy;
	struct ki_error *err;

	make_good();
	cr_assert_not_null(host);
	memcpy(host + 4, good, good_size);
	cr_assert_eq((uintptr_t)(host + 4) % 8, 4);
	copy = aligned_alloc(8, (good_size + 7) & ~7u);
	cr_assert_not_null(copy);
	memcpy(copy, host + 4, good_size);
	err = ki_fdt_check(copy, good_size);
	cr_assert_null(err, "%s", err ? err->message : "");
	free(copy);
	free(host);
}

/*
 * Handed the unaligned pointer itself, ki_fdt_check must either cope or say
 * what is wrong in its own words: libfdt 1.6.1 returns FDT_ERR_ALIGNMENT,
 * for which fdt_strerror() has no text ("<unknown error>").
 */
Test(fdt, check_unaligned_pointer_is_named)
{
	unsigned char *host = aligned_alloc(8, 2 * PS);
	struct ki_error *err;

	make_good();
	cr_assert_not_null(host);
	memcpy(host + 4, good, good_size);
	err = ki_fdt_check(host + 4, good_size);
	if (err) {
		cr_assert_null(strstr(err->message, "<unknown error>"), "%s", err->message);
		cr_assert_not_null(strstr(err->message, "align"), "%s", err->message);
		ki_error_destroy(err);
	}
	free(host);
}

/* ki_kho_from_blob copies: an unaligned source is fine. */
Test(fdt, from_blob_unaligned_source)
{
	unsigned char *host = aligned_alloc(8, 2 * PS);
	struct ki_findings f;
	struct ki_kho *k = NULL;
	struct ki_error *err;

	make_good();
	cr_assert_not_null(host);
	memcpy(host + 4, good, good_size);
	ki_findings_init(&f);
	err = ki_kho_from_blob(host + 4, good_size, false, "out/fdt", &f, &k);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert_not(k->has_fdt_phys);
	cr_assert_eq(k->format, KI_KHO_V3);
	cr_assert_eq(k->map_phys, UINT64_C(0x80003000));
	cr_assert_eq(k->nsubs, 2);
	cr_assert_eq(f.n, 0);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
	free(host);
}

/* A big-endian dump's KHO values are big-endian (native to that kernel). */
Test(fdt, from_blob_big_endian_values)
{
	static uint64_t buf[PS / 8];
	struct ki_findings f;
	struct kfdt c = V3;
	struct ki_kho *k = NULL;
	struct ki_error *err;
	uint32_t n;

	c.be = true;
	n = build(buf, sizeof(buf), &c);
	ki_findings_init(&f);
	err = ki_kho_from_blob(buf, n, true, "be", &f, &k);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert_eq(k->map_phys, UINT64_C(0x80003000), "0x%" PRIx64, k->map_phys);
	cr_assert_eq(k->subs[0].phys, UINT64_C(0x80002000));
	cr_assert_eq(k->subs[0].size, 0x1234);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
}

Test(fdt, from_blob_errors)
{
	struct ki_findings f;
	struct ki_kho *k = NULL;
	struct ki_error *err;
	void *b;

	make_good();
	ki_findings_init(&f);
	err = ki_kho_from_blob(good, good_size - 8, false, "short", &f, &k);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_TRUNCATED);
	ki_error_destroy(err);
	err = ki_kho_from_blob(good, 20, false, "tiny", &f, &k);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_FORMAT);
	ki_error_destroy(err);
	b = mangled(H_OFF_STRUCT, 0x10000);
	err = ki_kho_from_blob(b, PS, false, "mangled", &f, &k);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_CORRUPT);
	ki_error_destroy(err);
	free(b);
	cr_assert_null(k);
	ki_findings_deinit(&f);
}

/* ---- header helpers ---- */

Test(fdt, header_decode_and_plausible)
{
	struct ki_fdt_header h;
	void *b;

	make_good();
	cr_assert(ki_fdt_header_decode(good, &h));
	cr_assert_eq(h.magic, 0xd00dfeed);
	cr_assert_eq(h.totalsize, good_size);
	cr_assert_eq(h.version, 17);
	cr_assert_eq(h.last_comp_version, 16);
	/* the reserve map follows the 40-byte header */
	cr_assert_geq(h.off_mem_rsvmap, 0x28);
	cr_assert_lt(h.off_dt_struct, h.totalsize);
	cr_assert(ki_fdt_header_plausible(&h, PS));
	cr_assert_not(ki_fdt_header_plausible(&h, good_size - 1));

	b = mangled(H_MAGIC, 0x12345678);
	cr_assert_not(ki_fdt_header_decode(b, &h));
	free(b);
	b = mangled(H_VERSION, 2);
	cr_assert(ki_fdt_header_decode(b, &h));
	cr_assert_not(ki_fdt_header_plausible(&h, PS));
	free(b);
	b = mangled(H_TOTALSIZE, 16);
	cr_assert(ki_fdt_header_decode(b, &h));
	cr_assert_not(ki_fdt_header_plausible(&h, PS));
	free(b);
}

Test(fdt, format_from_family)
{
	cr_assert_eq(ki_kho_format_from_family("kho-v1"), KI_KHO_V1);
	cr_assert_eq(ki_kho_format_from_family("kho-v2"), KI_KHO_V2);
	cr_assert_eq(ki_kho_format_from_family("kho-v3"), KI_KHO_V3);
	cr_assert_eq(ki_kho_format_from_family("kho-v4"), KI_KHO_V4);
	cr_assert_eq(ki_kho_format_from_family("kho-v5"), KI_KHO_UNKNOWN);
	cr_assert_eq(ki_kho_format_from_family("kho-v3;radix-v1"), KI_KHO_UNKNOWN);
	cr_assert_eq(ki_kho_format_from_family(""), KI_KHO_UNKNOWN);
}
