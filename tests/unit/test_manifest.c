// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading snapshot manifests back (ki_manifest.h). The manifests are
 * written here by hand, once in the exact layout snapshot writes (the
 * reader's fast path takes it), once pretty-printed (only the general
 * parser can read it), and once more with ki_manifest_slow set: all three
 * must give the ranges worked out below. Malformed manifests must fail
 * with KI_ERR_FORMAT or _UNSUPPORTED and a message naming the line.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_manifest.h"
#include "testutils.h"

TestSuite(manifest, .fini = tu_cleanup);

#define H32 "0123456789abcdef0123456789abcdef"
#define C16A "00112233445566aa"
#define C16B "ffeeddccbbaa9988"

/* snapshot's layout: no white space, keys in its order */
static const char COMPACT[] =
	"{\"khoinspect_manifest\":3,\"generator\":\"test\","
	"\"input\":{\"path\":\"x\",\"container\":\"raw\",\"page_size\":4096},"
	"\"hash\":\"xxh3-128\","
	"\"kho\":{\"compatible\":\"kho-v3\",\"fdt_phys\":\"0x5000\",\"fdt_size\":\"0x161\",\"fdt_xxh3\":\"" H32 "\"},"
	"\"subnodes\":[{\"name\":\"memblock\",\"phys\":\"0x6000\",\"size\":\"0x122\",\"xxh3\":\"" H32 "\"}],"
	"\"scratch\":[{\"start\":\"0x400000\",\"size\":\"0x200000\"}],"
	"\"ranges\":["
	"{\"start\":\"0x1000\",\"end\":\"0x3000\",\"order\":0,\"blocks\":2,\"owner\":\"kho:fdt\",\"xxh3\":\"" H32 "\",\"chunk_size\":\"0x1000\",\"chunks_xxh3_64\":\"" C16A C16B "\"},"
	"{\"start\":\"0x200000\",\"end\":\"0x600000\",\"order\":9,\"blocks\":2,\"owner\":\"unclaimed\",\"xxh3\":null,\"missing\":\"0x200000\"},"
	"{\"order\":0,\"owner\":\"luo:sessions\",\"not_in_dump\":[[\"0x10000\",3],[\"0x20000\",1]]},"
	"{\"order\":1,\"owner\":\"memblock:trace\",\"not_hashed\":[[\"0x40000\",2]]}"
	"],\"total\":{\"blocks\":10},\"map_errors\":0,"
	"\"incomplete\":[\"not-in-dump: the contents of 6 blocks are not in the dump\"]}";

/* the same document as a person might format it */
static const char PRETTY[] =
	"{\n"
	"  \"khoinspect_manifest\": 3,\n"
	"  \"input\": { \"page_size\": 4096 },\n"
	"  \"hash\": \"xxh3-128\",\n"
	"  \"kho\": {\n"
	"    \"fdt_phys\": \"0x5000\", \"fdt_size\": \"0x161\",\n"
	"    \"fdt_xxh3\": \"" H32 "\", \"compatible\": \"kho-v3\"\n"
	"  },\n"
	"  \"subnodes\": [ { \"phys\": \"0x6000\", \"name\": \"memblock\", \"size\": \"0x122\", \"xxh3\": \"" H32 "\" } ],\n"
	"  \"scratch\": [ { \"size\": \"0x200000\", \"start\": \"0x400000\" } ],\n"
	"  \"ranges\": [\n"
	"    { \"order\": 0, \"start\": \"0x1000\", \"end\": \"0x3000\", \"blocks\": 2,\n"
	"      \"owner\": \"kho:fdt\", \"xxh3\": \"" H32 "\",\n"
	"      \"chunk_size\": \"0x1000\", \"chunks_xxh3_64\": \"" C16A C16B "\" },\n"
	"    { \"start\": \"0x200000\", \"end\": \"0x600000\", \"order\": 9, \"blocks\": 2,\n"
	"      \"owner\": \"unclaimed\", \"xxh3\": null, \"missing\": \"0x200000\" },\n"
	"    { \"order\": 0, \"owner\": \"luo:sessions\",\n"
	"      \"not_in_dump\": [ [ \"0x10000\", 3 ], [\"0x20000\" , 1] ] },\n"
	"    { \"order\": 1, \"owner\": \"memblock:trace\", \"not_hashed\": [[\"0x40000\", 2]] }\n"
	"  ],\n"
	"  \"map_errors\": 0,\n"
	"  \"incomplete\": [ \"not-in-dump: the contents of 6 blocks are not in the dump\" ]\n"
	"}\n";

struct want {
	uint64_t start, end, blocks;
	unsigned int order;
	bool has_hash, has_missing;
	uint64_t missing;
	const char *owner;
	uint64_t chunk_size;
	const char *chunks;
};

/* Worked out from the documents above: groups become one range a pair,
 * end = start + blocks << (12 + order). */
static const struct want WANT[] = {
	{ 0x1000, 0x3000, 2, 0, true, false, 0, "kho:fdt", 0x1000, C16A C16B },
	{ 0x200000, 0x600000, 2, 9, false, true, 0x200000, "unclaimed", 0, "" },
	{ 0x10000, 0x13000, 3, 0, false, true, 0x10000, "luo:sessions", 0, "" },
	{ 0x20000, 0x21000, 1, 0, false, true, 0x20000, "luo:sessions", 0, "" },
	{ 0x40000, 0x44000, 2, 1, false, false, 0, "memblock:trace", 0, "" },
};
#define NWANT (sizeof(WANT) / sizeof(WANT[0]))

static struct ki_manifest *open_ok(const char *text)
{
	struct ki_manifest *m = NULL;
	struct ki_error *err = ki_manifest_open(tu_write_str("m.json", text), &m);

	cr_assert_null(err, "%s", err ? err->message : "");
	return m;
}

static void expect_header(const struct ki_manifest *m)
{
	cr_expect_eq(m->version, 3);
	cr_expect_eq(m->page_size, 4096);
	cr_expect_str_eq(m->compatible, "kho-v3");
	cr_expect(m->has_fdt_phys && m->fdt_phys == 0x5000);
	cr_expect_eq(m->fdt_size, 0x161);
	cr_expect(m->has_fdt_hash && !strcmp(m->fdt_hash, H32));
	cr_expect(m->hashed);
	cr_assert_eq(m->nblobs, 1);
	cr_expect_str_eq(m->blobs[0].name, "memblock");
	cr_expect_eq(m->blobs[0].phys, 0x6000);
	cr_expect_eq(m->blobs[0].size, 0x122);
	cr_assert_eq(m->nscratch, 1);
	cr_expect_eq(m->scratch[0].start, 0x400000);
	cr_expect_eq(m->scratch[0].size, 0x200000);
}

static void expect_ranges(struct ki_manifest *m)
{
	struct ki_mrange r;
	struct ki_error *err;
	size_t n = 0;
	bool got;

	for (;;) {
		err = ki_manifest_next(m, &r, &got);
		cr_assert_null(err, "%s", err ? err->message : "");
		if (!got)
			break;
		cr_assert_lt(n, NWANT, "more ranges than written");
		const struct want *w = &WANT[n];

		cr_expect_eq(r.start, w->start, "range %zu start 0x%" PRIx64, n, r.start);
		cr_expect_eq(r.end, w->end, "range %zu end 0x%" PRIx64, n, r.end);
		cr_expect_eq(r.blocks, w->blocks, "range %zu", n);
		cr_expect_eq(r.order, w->order, "range %zu", n);
		cr_expect_eq(r.has_hash, w->has_hash, "range %zu", n);
		if (w->has_hash)
			cr_expect_str_eq(r.hash, H32);
		cr_expect_eq(r.has_missing, w->has_missing, "range %zu", n);
		if (w->has_missing)
			cr_expect_eq(r.missing, w->missing, "range %zu", n);
		cr_expect_str_eq(r.owner, w->owner, "range %zu", n);
		cr_expect_eq(r.chunk_size, w->chunk_size, "range %zu", n);
		cr_expect_str_eq(r.chunks, w->chunks, "range %zu", n);
		n++;
	}
	cr_expect_eq(n, NWANT);
	/* the members after the ranges */
	cr_expect(m->tail_read);
	cr_expect(m->incomplete);
	cr_expect_not(m->incomplete_hidden, "gaps the ranges show one by one");
	cr_expect_not_null(strstr(m->why, "6 blocks"));
	/* and nothing more */
	cr_assert_null(ki_manifest_next(m, &r, &got));
	cr_expect_not(got);
}

Test(manifest, fast_path_reads_snapshot_layout)
{
	struct ki_manifest *m = open_ok(COMPACT);

	expect_header(m);
	expect_ranges(m);
	ki_manifest_close(m);
}

Test(manifest, slow_parser_agrees)
{
	struct ki_manifest *m;

	ki_manifest_slow = true;
	m = open_ok(COMPACT);
	expect_header(m);
	expect_ranges(m);
	ki_manifest_close(m);
}

Test(manifest, pretty_printed_agrees)
{
	struct ki_manifest *m = open_ok(PRETTY);

	expect_header(m);
	expect_ranges(m);
	ki_manifest_close(m);
}

Test(manifest, sniff)
{
	cr_expect(ki_manifest_sniff(tu_write_str("a.json", COMPACT)));
	cr_expect(ki_manifest_sniff(tu_write_str("b.json", PRETTY)));
	cr_expect_not(ki_manifest_sniff(tu_write_str("c.json", "{\"schema_version\":1}")));
	cr_expect_not(ki_manifest_sniff(tu_write_str("d.bin", "\x7f" "ELF")));
	cr_expect_not(ki_manifest_sniff(tu_path("absent.json")));
}

Test(manifest, version_1_map_errors_make_it_incomplete)
{
	struct ki_manifest *m = open_ok(
		"{\"khoinspect_manifest\":1,\"input\":{\"page_size\":16384},\"ranges\":[],\"map_errors\":3}");
	struct ki_mrange r;
	bool got;

	cr_assert_null(ki_manifest_next(m, &r, &got));
	cr_expect_not(got);
	cr_expect(m->incomplete);
	cr_expect(m->incomplete_hidden, "map errors are not in the ranges");
	cr_expect_eq(m->map_errors, 3);
	cr_expect_not_null(strstr(m->why, "3 error"));
	ki_manifest_close(m);
}

Test(manifest, incomplete_null_is_complete)
{
	struct ki_manifest *m = open_ok(
		"{\"khoinspect_manifest\":3,\"input\":{\"page_size\":65536},\"ranges\":["
		"{\"start\":\"0x10000\",\"end\":\"0x20000\",\"order\":0,\"blocks\":1,\"xxh3\":null}"
		"],\"map_errors\":0,\"incomplete\":null}");
	struct ki_mrange r;
	bool got;

	cr_assert_null(ki_manifest_next(m, &r, &got));
	cr_assert(got);
	cr_expect_eq(r.end, 0x20000);
	cr_expect_str_eq(r.owner, "");
	cr_assert_null(ki_manifest_next(m, &r, &got));
	cr_expect_not(got);
	cr_expect_not(m->incomplete);
	ki_manifest_close(m);
}

/* ---- malformed input ---- */

static void open_fails(const char *text, enum ki_error_code code, const char *msg)
{
	struct ki_manifest *m = NULL;
	const char *path = tu_write_str("bad.json", text);
	struct ki_error *err = ki_manifest_open(path, &m);

	cr_assert_not_null(err, "accepted: %s", text);
	cr_expect_eq(err->code, code, "%s", err->message);
	cr_expect_not_null(strstr(err->message, msg), "\"%s\" does not say \"%s\"", err->message,
			   msg);
	cr_expect_str_eq(err->path ? err->path : "", path, "the error names the file");
	cr_expect_null(m);
	ki_error_destroy(err);
}

Test(manifest, open_errors)
{
	open_fails("{\"input\":{\"page_size\":4096},\"ranges\":[]}", KI_ERR_FORMAT,
		   "must come before");
	open_fails("{\"input\":{\"page_size\":4096}}", KI_ERR_FORMAT, "line 1: no \"ranges\"");
	open_fails("{\"khoinspect_manifest\":7,\"ranges\":[]}", KI_ERR_UNSUPPORTED,
		   "version 7");
	open_fails("{\"khoinspect_manifest\":3,\"hash\":\"sha1\",\"ranges\":[]}",
		   KI_ERR_UNSUPPORTED, "\"sha1\"");
	open_fails("{\"khoinspect_manifest\":3,\n\"ranges\":[]}", KI_ERR_FORMAT,
		   "line 2: no input.page_size");
	open_fails("{\"khoinspect_manifest\":3,\"input\":{\"page_size\":3000},\"ranges\":[]}",
		   KI_ERR_FORMAT, "not a power of two");
	open_fails("[1,2]", KI_ERR_FORMAT, "line 1");
	open_fails("{\"khoinspect_manifest\":3,\n\n\"kho\":{\"fdt_phys\":12}", KI_ERR_FORMAT,
		   "line 3");
}

#define HEAD "{\"khoinspect_manifest\":3,\n\"input\":{\"page_size\":4096},\n\"ranges\":[\n"

/* The first ranges read, then the error: fast path and slow parser alike. */
static void next_fails(const char *text, size_t good, const char *msg)
{
	for (int slow = 0; slow < 2; slow++) {
		struct ki_manifest *m;
		struct ki_mrange r;
		struct ki_error *err = NULL;
		bool got = true;
		size_t n = 0;

		ki_manifest_slow = slow;
		m = open_ok(text);
		while (!err && got) {
			err = ki_manifest_next(m, &r, &got);
			n += !err && got;
		}
		cr_assert_not_null(err, "accepted (slow %d): %s", slow, text);
		cr_expect_eq(err->code, KI_ERR_FORMAT, "%s", err->message);
		cr_expect_eq(n, good, "slow %d: %zu good ranges before the error", slow, n);
		cr_expect_not_null(strstr(err->message, msg), "slow %d: \"%s\" does not say \"%s\"",
				   slow, err->message, msg);
		ki_error_destroy(err);
		ki_manifest_close(m);
	}
	ki_manifest_slow = false;
}

Test(manifest, range_errors_name_the_line)
{
	next_fails(HEAD "{\"start\":\"0x1000\",\"end\":\"0x3000\",\"order\":0,\"blocks\":1,\"xxh3\":null}\n]}",
		   0, "line 4: range whose start, end, order and blocks disagree");
	next_fails(HEAD "{\"start\":\"0x1000\",\"end\":\"0x2000\",\"order\":0,\"blocks\":1,\"xxh3\":null},\n"
		   "{\"start\":\"0x1000\",\"end\":\"0x2000\",\"order\":64,\"blocks\":1,\"xxh3\":null}\n]}",
		   1, "line 5: order above 63");
	next_fails(HEAD "{\"start\":\"0x1000\",\"end\":\"0x2000\",\"order\":0,\"blocks\":1,\"xxh3\":null}\n"
		   "{\"start\":\"0x2000\",\"end\":\"0x3000\",\"order\":0,\"blocks\":1,\"xxh3\":null}\n]}",
		   1, "line 5: expected ',' or ']' in ranges");
	next_fails(HEAD "{\"start\":\"0x1000\",\"end\":\"0x2000\",\"order\":0,\"blocks\":1,\"xxh3\":null,"
		   "\"chunk_size\":\"0x1000\",\"chunks_xxh3_64\":\"abc\"}\n]}",
		   0, "line 4: chunks_xxh3_64 is not a string");
	next_fails(HEAD "{\"order\":0,\"owner\":\"x\",\"not_in_dump\":[[\"0x1000\",2],\n[\"0x9000\",0]]}\n]}",
		   1, "line 5: a group's range is empty");
	next_fails(HEAD "{\"order\":60,\"not_in_dump\":[[\"0xf000000000000000\",1]]}\n]}",
		   0, "reaches past the 64-bit address space");
	next_fails(HEAD "{\"start\":\"0x1000\",\"order\":0,\"not_in_dump\":[[\"0x1000\",1]]}\n]}",
		   0, "line 4: a group of ranges has its order");
	next_fails(HEAD "{\"order\":0,\"not_in_dump\":[[\"0x1000\",1]],\"owner\":\"late\"}\n]}",
		   1, "line 4: a group's order and owner come before");
	next_fails(HEAD "{\"start\":\"0x1000\",\"end\":\"0x2000\",\"order\":0,\"blocks\":1,\"xxh3\":\"12\"}\n]}",
		   0, "line 4");
	/* the file ends inside the ranges */
	next_fails(HEAD "{\"start\":\"0x1000\",\"end\":\"0x2000\",\"order\":0,\"blocks\":1,\"xxh3\":null},\n",
		   1, "line 5");
}
