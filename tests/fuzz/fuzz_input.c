// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harnesses over the whole read path. One file, one harness per
 * FUZZ_MODE (raw, elf, kdump, fdt, text); the same entry point is replayed
 * over tests/fuzz/corpus/<mode>/ by replay.c in `make check`.
 *
 *   raw:   the input is a raw memory image at physical 0 (first byte picks
 *          the page size); scan, decode the map, count, iterate, verify.
 *   elf:   the input is a dump file, format auto-detected (ELF cores).
 *   kdump: the same, forced through libkdumpfile.
 *   fdt:   the input is a KHO FDT blob (debugfs fdt / bare FDT file).
 *   text:  debugfs scratch_phys text and the --scratch argument parser.
 *   manifest: a snapshot manifest, header then every range.
 *   sub:   the sub-format decoders: a raw memory image at physical 0 with
 *          4K pages whose page 0 is the blob of a root child; the first
 *          byte picks the child's name (bits 0-2) and byte order (bit 3).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ki_debugfs.h"
#include "ki_dump.h"
#include "ki_fdt.h"
#include "ki_locate.h"
#include "ki_manifest.h"
#include "ki_map.h"
#include "ki_owner.h"
#include "ki_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((unused)) static int count_run(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	uint64_t *total = arg;

	(void)pa;
	(void)order;
	*total += n;
	return 0;
}

/* Everything list and verify do with a dump. */
__attribute__((unused)) static void pipeline(const char *path, const struct ki_dump_options *dopts)
{
	struct ki_locate_options lo = { 0 };
	struct ki_findings f;
	struct ki_dump *d = NULL;
	struct ki_kho *k = NULL;
	struct ki_map *m = NULL;
	struct ki_error *err;
	char *found_by = NULL;
	struct ki_scratch_found sf = { 0 };
	uint64_t total = 0;

	ki_findings_init(&f);
	err = ki_dump_open(path, dopts, &d);
	if (err)
		goto out;
	err = ki_locate(d, &lo, &f, &k, &found_by, &sf);
	if (err)
		goto out;
	err = ki_map_open(d, k, &lo.map, &f, &m);
	if (err)
		goto out;
	ki_map_foreach_run(m, -1, count_run, &total);
	if (total != m->total_blocks) {
		fprintf(stderr, "run iteration found %llu blocks, count said %llu\n",
			(unsigned long long)total, (unsigned long long)m->total_blocks);
		abort();
	}
	{
		struct ki_scratch sc = { .addr = 0x200000, .size = 0x200000 };
		struct ki_verify_input vi = { .d = d, .k = k, .m = m, .scratch = &sc, .nscratch = 1 };
		struct ki_verify_stats st;
		struct ki_error *e2 = ki_verify(&vi, &f, &st);

		ki_error_destroy(e2);
		if (st.blocks != total) {
			fprintf(stderr, "verify saw %llu blocks, iteration %llu\n",
				(unsigned long long)st.blocks, (unsigned long long)total);
			abort();
		}
	}
out:
	ki_error_destroy(err);
	free(sf.areas);
	free(sf.source);
	free(found_by);
	ki_map_destroy(m);
	ki_kho_destroy(k);
	ki_dump_destroy(d);
	ki_findings_deinit(&f);
}

__attribute__((unused)) static void with_memfd(const uint8_t *data, size_t size,
		       const struct ki_dump_options *o)
{
	char path[64];
	int fd = memfd_create("khoinspect-fuzz", 0);

	if (fd < 0)
		return;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	pipeline(path, o);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#if defined(FUZZ_MODE_RAW)
	static const uint64_t ps[] = { 4096, 16384, 65536, 0 };
	struct ki_dump_options o = { .format = "raw", .base_set = true };

	if (size < 1)
		return 0;
	o.page_size = ps[data[0] & 3];
	with_memfd(data + 1, size - 1, &o);
#elif defined(FUZZ_MODE_ELF)
	struct ki_dump_options o = { .format = "elf" };

	with_memfd(data, size, &o);
#elif defined(FUZZ_MODE_KDUMP)
	struct ki_dump_options o = { .format = "kdump" };

	with_memfd(data, size, &o);
#elif defined(FUZZ_MODE_FDT)
	struct ki_findings f;
	struct ki_kho *k = NULL;
	struct ki_error *err;

	ki_findings_init(&f);
	err = ki_kho_from_blob(data, size, size & 1, "fuzz", &f, &k);
	ki_error_destroy(err);
	ki_kho_destroy(k);
	ki_findings_deinit(&f);
#elif defined(FUZZ_MODE_TEXT)
	uint64_t vals[64];
	size_t n;
	char *s = malloc(size + 1);
	struct ki_scratch *sc = NULL;
	struct ki_error *err;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	err = ki_parse_hex_lines(s, size, vals, 64, &n);
	ki_error_destroy(err);
	err = ki_parse_scratch_arg(s, &sc, &n);
	ki_error_destroy(err);
	free(sc);
	free(s);
#elif defined(FUZZ_MODE_SUB)
	static const char *const names[] = {
		"LUO", "memblock", "kexec-metadata", "kho_test", "LUO", "LUO", "other", "LUO",
	};
	struct ki_dump_options o = { .format = "raw", .base_set = true, .page_size = 4096 };
	struct ki_subnode sn = { .has_phys = true, .phys = 0 };
	struct ki_kho k = { .subs = &sn, .nsubs = 1, .has_fdt_phys = true, .fdt_phys = 0x1000 };
	struct ki_findings f;
	struct ki_owners own;
	struct ki_dump *d = NULL;
	struct ki_error *err;
	char path[64];
	int fd;

	if (size < 2)
		return 0;
	sn.name = (char *)(uintptr_t)names[data[0] & 7];
	fd = memfd_create("khoinspect-fuzz", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ki_findings_init(&f);
	err = ki_dump_open(path, &o, &d);
	if (!err) {
		err = ki_owners_build(d, NULL, &k, 4096, data[0] & 8, &f, &own);
		if (!err) {
			/* every owner interval is whole pages and not empty */
			for (size_t i = 0; i < own.n; i++)
				if (own.v[i].end <= own.v[i].start || ((own.v[i].start | own.v[i].end) & 4095))
					abort();
			ki_owners_deinit(&own);
		}
	}
	ki_error_destroy(err);
	ki_dump_destroy(d);
	ki_findings_deinit(&f);
	close(fd);
#elif defined(FUZZ_MODE_MANIFEST)
	/* read twice, with and without the fast path: the same ranges */
	struct ki_manifest *m = NULL;
	struct ki_mrange *r = malloc(2 * sizeof(*r));
	struct ki_error *err;
	char path[64];
	uint64_t sums[2] = { 0, 0 }, counts[2] = { 0, 0 };
	bool ok[2] = { false, false };
	int fd = memfd_create("khoinspect-fuzz", 0);

	if (fd < 0 || !r || (size && write(fd, data, size) != (ssize_t)size)) {
		if (fd >= 0)
			close(fd);
		free(r);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (int pass = 0; pass < 2; pass++) {
		bool got = true;

		ki_manifest_slow = pass == 1;
		m = NULL;
		err = ki_manifest_open(path, &m);
		while (!err && got) {
			err = ki_manifest_next(m, &r[pass], &got);
			if (!err && got) {
				/* a digest of what was read */
				const struct ki_mrange *x = &r[pass];

				sums[pass] = sums[pass] * 31 + x->start * 7 + x->end * 13 + x->blocks +
					     x->order + x->has_hash + x->has_missing * 3 + x->missing +
					     x->chunk_size + strlen(x->chunks) + strlen(x->owner) +
					     (x->has_hash ? (uint64_t)x->hash[0] : 0);
				counts[pass]++;
			}
		}
		ok[pass] = !err;
		ki_error_destroy(err);
		ki_manifest_close(m);
	}
	ki_manifest_slow = false;
	if (ok[0] != ok[1] || sums[0] != sums[1] || counts[0] != counts[1])
		abort(); /* the fast path read something else than the parser */
	free(r);
	close(fd);
#else
#error "define FUZZ_MODE_RAW, _ELF, _KDUMP, _FDT, _TEXT, _SUB or _MANIFEST"
#endif
	return 0;
}
