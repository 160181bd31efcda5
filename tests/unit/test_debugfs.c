// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading debugfs copies: which hand-over a directory shows (the root's
 * out/, else in/; out/ without fdt after a KHO boot), the scratch files
 * under both names (7.4: bootmem_*), a truncated fdt, a whole copy with
 * sub_fdts/ and several scratch areas, a bare FDT file, and the files that
 * do not parse (scratch lines, --scratch arguments, oversized blobs). The
 * trees are made here, file by file, as a real 7.3 kernel lays them out
 * (docs/formats.md §5).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ki_debugfs.h"
#include "testutils.h"

TestSuite(debugfs, .fini = tu_cleanup);

/* The copy is made file by file in the test's directory (testutils.h). */
static void put(const char *rel, const void *data, size_t len)
{
	tu_write(rel, data, len);
}

static void dir(const char *rel)
{
	tu_mkdir(rel);
}

/* An FDT header whose totalsize is 405 and only 233 bytes of it. */
static void truncated_fdt(const char *rel)
{
	unsigned char b[233] = { 0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0x01, 0x95 };

	put(rel, b, sizeof(b));
}

static struct ki_debugfs *read_ok(const char *rel, struct ki_findings *f)
{
	char p[256];
	struct ki_debugfs *dbg = NULL;
	struct ki_error *err;

	snprintf(p, sizeof(p), "%s%s%s", tu_dir(), rel[0] ? "/" : "", rel);
	ki_findings_init(f);
	err = ki_debugfs_read(p, f, &dbg);
	cr_assert_null(err, "%s", err ? err->message : "");
	return dbg;
}

Test(debugfs, kexecd_root_gives_out_without_fdt_and_names_in)
{
	struct ki_findings f;
	struct ki_debugfs *dbg;

	dir("out");
	dir("out/sub_fdts");
	put("out/sub_fdts/LUO", "0123456789abcdef", 16);
	put("out/scratch_phys", "0x1000000\n0x2000000\n", 20);
	put("out/scratch_len", "0x400000\n0x200000\n", 18);
	dir("in");
	dir("in/sub_fdts");
	truncated_fdt("in/fdt");
	dbg = read_ok("", &f);
	cr_expect_eq(dbg->side, KI_DEBUGFS_OUT);
	cr_expect_null(dbg->fdt);
	cr_expect_null(dbg->fdt_path);
	cr_assert_not_null(dbg->in_dir);
	cr_expect_not_null(strstr(dbg->in_dir, "/in"));
	cr_expect_eq(dbg->nsubs, 1);
	cr_expect_eq(dbg->nscratch, 2);
	cr_expect_eq(dbg->scratch[1].size, 0x200000);
	ki_debugfs_destroy(dbg);
	ki_findings_deinit(&f);
	/* out/ alone is a copy too, not "not a copy" */
	dbg = read_ok("out", &f);
	cr_expect_eq(dbg->side, KI_DEBUGFS_OUT);
	cr_expect_null(dbg->in_dir);
	ki_debugfs_destroy(dbg);
	ki_findings_deinit(&f);
	dbg = read_ok("in", &f);
	cr_expect_eq(dbg->side, KI_DEBUGFS_IN);
	cr_expect_eq(dbg->nscratch, 0);
	ki_debugfs_destroy(dbg);
	ki_findings_deinit(&f);
}

Test(debugfs, truncated_fdt_is_recorded_not_refused)
{
	struct ki_findings f;
	struct ki_debugfs *dbg;

	dir("out");
	truncated_fdt("out/fdt");
	dbg = read_ok("", &f);
	cr_expect_eq(dbg->side, KI_DEBUGFS_OUT);
	cr_expect(dbg->fdt_truncated);
	cr_expect_eq(dbg->fdt_totalsize, 405);
	cr_expect_eq(dbg->fdt_len, 233);
	ki_debugfs_destroy(dbg);
	ki_findings_deinit(&f);
}

Test(debugfs, bootmem_names_of_linux_7_4)
{
	struct ki_findings f;
	struct ki_debugfs *dbg;

	dir("copy");
	put("copy/bootmem_phys", "0xb6800000\n", 11);
	put("copy/bootmem_len", "0x4000000\n", 10);
	dbg = read_ok("copy", &f);
	cr_expect_eq(dbg->side, KI_DEBUGFS_OUT, "only out/ has the scratch files");
	cr_assert_eq(dbg->nscratch, 1);
	cr_expect_eq(dbg->scratch[0].addr, 0xb6800000);
	cr_expect_eq(dbg->scratch[0].size, 0x4000000);
	cr_expect_not_null(strstr(dbg->scratch_source, "bootmem_phys/bootmem_len"));
	cr_expect_not_null(strstr(dbg->scratch_source, "boot memory"));
	ki_debugfs_destroy(dbg);
	ki_findings_deinit(&f);
}

Test(debugfs, empty_directory_is_not_a_copy)
{
	char p[128];
	struct ki_findings f;
	struct ki_debugfs *dbg = NULL;
	struct ki_error *err;

	dir("empty");
	snprintf(p, sizeof(p), "%s/empty", tu_dir());
	ki_findings_init(&f);
	err = ki_debugfs_read(p, &f, &dbg);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, KI_ERR_FORMAT);
	cr_expect_not_null(strstr(err->message, "not a copy of /sys/kernel/debug/kho"));
	cr_expect_null(dbg);
	ki_error_destroy(err);
	ki_findings_deinit(&f);
}

/* ---- a whole copy: fdt, sub_fdts, scratch ---- */

/*
 * A first kernel's out/ as 7.3 shows it: fdt (a KHO FDT built here),
 * sub_fdts/ with two blobs (listed by name), scratch_phys/scratch_len with
 * one "0x…" line per area.
 */
Test(debugfs, full_copy_fdt_subs_and_scratch)
{
	unsigned char fdt[4096];
	uint32_t size = tu_kho_fdt(fdt, sizeof(fdt), &(struct tu_kho){
		.compatible = "kho-v3", .map = 0x1006f6000, .nkids = 2,
		.kids = { { "memblock", "preserved-data", 0x3b9000, true, 0x122 },
			  { "LUO", "preserved-data", 0x128000, true, 0x40 } },
	});
	struct ki_findings f;
	struct ki_debugfs *dbg;

	put("kho/out/fdt", fdt, size);
	put("kho/out/sub_fdts/memblock", "memblock-bytes", 14);
	put("kho/out/sub_fdts/LUO", "L", 1);
	put("kho/out/scratch_phys", "0x1000000\n0x80000000\n0x200000000\n", 32);
	put("kho/out/scratch_len", "0x400000\n0x2000000\n0x10000000\n", 30);
	dbg = read_ok("kho", &f);
	cr_expect_eq(f.n, 0);
	cr_expect_eq(dbg->side, KI_DEBUGFS_OUT);
	cr_expect_null(dbg->in_dir, "no in/ here");
	cr_assert_not_null(dbg->fdt);
	cr_expect_eq(dbg->fdt_len, size);
	cr_expect_eq(dbg->fdt_totalsize, size);
	cr_expect_not(dbg->fdt_truncated);
	cr_expect_eq(memcmp(dbg->fdt, fdt, size), 0);
	/* sorted by name: "LUO" < "memblock" */
	cr_assert_eq(dbg->nsubs, 2);
	cr_expect_str_eq(dbg->subs[0].name, "LUO");
	cr_expect_eq(dbg->subs[0].len, 1);
	cr_expect_str_eq(dbg->subs[1].name, "memblock");
	cr_expect_eq(dbg->subs[1].len, 14);
	cr_expect_eq(memcmp(dbg->subs[1].data, "memblock-bytes", 14), 0);
	cr_assert_eq(dbg->nscratch, 3);
	cr_expect_eq(dbg->scratch[0].addr, 0x1000000);
	cr_expect_eq(dbg->scratch[0].size, 0x400000);
	cr_expect_eq(dbg->scratch[1].addr, 0x80000000);
	cr_expect_eq(dbg->scratch[1].size, 0x2000000);
	cr_expect_eq(dbg->scratch[2].addr, 0x200000000);
	cr_expect_eq(dbg->scratch[2].size, 0x10000000);
	cr_expect_str_eq(dbg->scratch_source, "debugfs scratch_phys/scratch_len");
	ki_debugfs_destroy(dbg);
	ki_findings_deinit(&f);
}

Test(debugfs, bare_fdt_file)
{
	unsigned char fdt[4096];
	uint32_t size = tu_kho_fdt(fdt, sizeof(fdt), &(struct tu_kho){ .compatible = "kho-v4" });
	struct ki_findings f;
	struct ki_debugfs *dbg;

	put("kho.dtb", fdt, size);
	dbg = read_ok("kho.dtb", &f);
	cr_expect_eq(dbg->side, KI_DEBUGFS_PLAIN);
	cr_expect_eq(dbg->fdt_len, size);
	cr_expect_eq(dbg->fdt_totalsize, size);
	cr_expect_eq(dbg->nsubs, 0);
	cr_expect_eq(dbg->nscratch, 0);
	cr_expect_null(dbg->scratch_source);
	ki_debugfs_destroy(dbg);
	ki_findings_deinit(&f);
}

/* Scratch files that cannot be read as areas: a finding, and no areas. */
static void bad_scratch(const char *phys, const char *len, const char *says)
{
	struct ki_findings f;
	struct ki_debugfs *dbg;
	const struct ki_finding *x;

	put("out/scratch_phys", phys, strlen(phys));
	put("out/scratch_len", len, strlen(len));
	dbg = read_ok("out", &f);
	cr_expect_eq(dbg->nscratch, 0);
	cr_expect_null(dbg->scratch_source);
	x = tu_find(&f, "debugfs-scratch");
	cr_assert_not_null(x, "no debugfs-scratch for %s / %s", phys, len);
	cr_expect_eq(x->severity, KI_SEV_WARNING);
	cr_expect_not_null(strstr(x->message, says), "\"%s\" lacks \"%s\"", x->message, says);
	cr_expect_not_null(strstr(x->message, "scratch areas unknown"));
	ki_debugfs_destroy(dbg);
	ki_findings_deinit(&f);
	tu_cleanup();
}

Test(debugfs, scratch_files_that_do_not_parse)
{
	bad_scratch("0x1000000\n0x2000000\n", "0x400000\n", "has 2 lines but");
	bad_scratch("0x1000000\nzzz\n", "0x1\n0x2\n", "line 2 \"zzz\" is not a hex number");
	bad_scratch("0x1000000\n", "-1\n", "scratch_len: line 1 \"-1\" is not a hex number");
	bad_scratch("0x10000000000000000000000000000000000\n", "0x1\n", "line 1 is too long");
	bad_scratch("0x1\n", "0x100000000000000000\n", "is not a hex number");
}

Test(debugfs, parse_hex_lines)
{
	uint64_t v[4];
	size_t n = 99;
	struct ki_error *err;
	static const char ok[] = "0x10\n\nff\n0XABCDEF0123456789";

	/* empty lines are skipped, the last line needs no newline, 0x is optional */
	cr_assert_null(ki_parse_hex_lines(ok, sizeof(ok) - 1, v, 4, &n));
	cr_assert_eq(n, 3);
	cr_expect_eq(v[0], 0x10);
	cr_expect_eq(v[1], 0xff);
	cr_expect_eq(v[2], UINT64_C(0xabcdef0123456789));
	cr_assert_null(ki_parse_hex_lines("", 0, v, 4, &n));
	cr_expect_eq(n, 0);
	err = ki_parse_hex_lines("1\n2\n3\n", 6, v, 2, &n);
	cr_assert_not_null(err);
	cr_expect_eq(err->code, KI_ERR_FORMAT);
	cr_expect_not_null(strstr(err->message, "more than 2 lines"), "%s", err->message);
	ki_error_destroy(err);
	err = ki_parse_hex_lines("1\n 2\n", 5, v, 4, &n);
	cr_assert_not_null(err);
	cr_expect_not_null(strstr(err->message, "line 2"), "%s", err->message);
	ki_error_destroy(err);
}

Test(debugfs, parse_scratch_arg)
{
	static const char *const bad[] = {
		"", "0x1000", "0x1000:", "0x1000:0", ":0x1000", "0x1000:0x10:0x20",
		"0xffffffffffffff00:0x1000", "x:1", "0x1000:0x1000;0x2000:0x1",
	};
	struct ki_scratch *v = NULL;
	size_t n = 0;

	cr_assert_null(ki_parse_scratch_arg("0x1000000:0x400000,4096:8192", &v, &n));
	cr_assert_eq(n, 2);
	cr_expect_eq(v[0].addr, 0x1000000);
	cr_expect_eq(v[0].size, 0x400000);
	cr_expect_eq(v[1].addr, 4096, "decimal is taken too");
	cr_expect_eq(v[1].size, 8192);
	free(v);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ki_error *err;

		v = NULL;
		err = ki_parse_scratch_arg(bad[i], &v, &n);
		cr_assert_not_null(err, "\"%s\" accepted", bad[i]);
		cr_expect_eq(err->code, KI_ERR_USAGE);
		cr_expect_not_null(strstr(err->message, "--scratch takes ADDR:SIZE"));
		cr_expect_null(v);
		ki_error_destroy(err);
	}
}

Test(debugfs, sub_fdts_that_cannot_be_read_are_findings)
{
	struct ki_findings f;
	struct ki_debugfs *dbg;
	const char *big;
	FILE *fp;

	put("out/sub_fdts/ok", "x", 1);
	/* larger than anything debugfs shows: skipped with a finding */
	big = tu_path("out/sub_fdts/huge");
	fp = fopen(big, "we");
	cr_assert_not_null(fp);
	cr_assert_eq(ftruncate(fileno(fp), KI_DEBUGFS_BLOB_MAX + 1), 0);
	fclose(fp);
	dbg = read_ok("out", &f);
	cr_assert_eq(dbg->nsubs, 1);
	cr_expect_str_eq(dbg->subs[0].name, "ok");
	cr_expect_eq(tu_count(&f, "debugfs-sub-fdts"), 1);
	cr_expect_null(dbg->fdt, "out/ without fdt");
	ki_debugfs_destroy(dbg);
	ki_findings_deinit(&f);
}
