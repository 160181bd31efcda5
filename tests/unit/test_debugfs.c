// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading debugfs copies: which hand-over a directory shows (the root's
 * out/, else in/; out/ without fdt after a KHO boot), the scratch files
 * under both names (7.4: bootmem_*), a truncated fdt. The trees are made
 * here, file by file, as a real 7.3 kernel lays them out (kho-formats.md §4).
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
