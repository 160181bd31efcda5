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
 *   sub:   the sub-format decoders: a memory image at physical 0 with
 *          4K pages whose page 0 is the blob of a root child; the first
 *          byte picks the child's name (bits 0-2) and byte order (bit 3).
 *          In memory: no file, no scan. Every owner interval is owned,
 *          ki_owners_split agrees with ki_owner_of; with bit 4 the walk
 *          runs again through the fdt command's kind of sink (nesting
 *          checked) and must find as many problems.
 *   map:   the map decoders alone, in memory (no file, no FDT, no scan):
 *          byte 0 picks the page size (bits 0-1: 4K, 4K, 4K, 16K; 64K
 *          when bits 6-7 are set too), the
 *          format (bit 2: kho-v1 chunks, else radix), the radix depth
 *          (bits 3-4: the fixed one, one less, one more, 2) or the v1
 *          bitmap (bits 3-4: auto, 512, page), the byte order (bit 5);
 *          bytes 1-2 the page index where memory starts (little-endian),
 *          byte 3 the root's page counted from there; the rest is that
 *          memory. Then count, runs (all orders, and each order alone),
 *          both merges and the words (cursor and random access) must
 *          agree, and the highest run end be ki_map_max_end.
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
#include "ki_sub.h"
#include "ki_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* A dump whose memory is buf[0, size) at physical base, read with memcpy. */
__attribute__((unused)) static struct ki_error *read_buf(void *arg, void *out, uint64_t paddr,
							 size_t len, uint64_t pos)
{
	(void)paddr;
	memcpy(out, (const uint8_t *)arg + pos, len);
	return NULL;
}

__attribute__((unused)) static struct ki_dump *mem_dump(const uint8_t *buf, size_t size,
						       uint64_t base, uint64_t ps, bool be)
{
	struct ki_dump *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->fd = -1;
	d->path = strdup("fuzz");
	d->container = "raw";
	d->big_endian = be;
	ki_findings_init(&d->findings);
	ki_memreader_init(&d->mem, "fuzz");
	ki_dump_set_page_size(d, ps, "fuzz");
	if (!d->path || (size && ki_memreader_add_segment(&d->mem, base, size, size, 0, read_buf, NULL,
							  (void *)(uintptr_t)buf))) {
		ki_dump_destroy(d);
		return NULL;
	}
	return d;
}

__attribute__((unused)) static int count_run(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	uint64_t *total = arg;

	(void)pa;
	(void)order;
	*total += n;
	return 0;
}

/* The runs of one walk: their blocks, and where the highest ends. */
struct run_stats {
	unsigned int psh;
	uint64_t total, max_end;
	bool bad_order;
};

__attribute__((unused)) static int stat_run(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	struct run_stats *st = arg;
	unsigned int s = order + st->psh;
	uint64_t end;

	st->total += n;
	/* empty, or not ending below 2^64: never handed out (the byte
	 * length of a run whose end fits fits too) */
	if (!n || s >= 64 || n > (UINT64_MAX >> s) || __builtin_add_overflow(pa, n << s, &end)) {
		st->bad_order = true;
		return 0;
	}
	if (end > st->max_end)
		st->max_end = end;
	return 0;
}

/* ki_owners_split's pieces: contiguous, each one owner throughout. */
struct pieces {
	const struct ki_owners *o;
	uint64_t pa;
};

__attribute__((unused)) static int check_piece(void *arg, uint64_t pa, uint64_t n,
					       const char *owner)
{
	struct pieces *p = arg;
	const char *first = ki_owner_of(p->o, pa), *last = ki_owner_of(p->o, pa + (n - 1) * 4096);

	if (pa != p->pa || !n || first != owner || last != owner)
		abort();
	p->pa = pa + n * 4096;
	return 0;
}

/* A sink that checks what a sub-format walk shows: objects and arrays
 * closed as opened, keys and strings terminated. */
struct nest {
	int depth, arrays;
	bool bad;
	size_t bytes;        /* of every key and string (ASan reads them) */
	const struct ki_owners *own; /* of the first walk (NULL: truncated) */
};

__attribute__((unused)) static void nest_key(struct nest *n, const char *key)
{
	if (key)
		n->bytes += strlen(key);
}
__attribute__((unused)) static void nest_open(void *arg, const char *key)
{
	nest_key(arg, key);
	((struct nest *)arg)->depth++;
}
__attribute__((unused)) static void nest_close(void *arg)
{
	if (--((struct nest *)arg)->depth < 0)
		((struct nest *)arg)->bad = true;
}
__attribute__((unused)) static void nest_array(void *arg, const char *key)
{
	nest_key(arg, key);
	((struct nest *)arg)->arrays++;
}
__attribute__((unused)) static void nest_array_end(void *arg, uint64_t total, uint64_t shown)
{
	if (--((struct nest *)arg)->arrays < 0 || shown > total)
		((struct nest *)arg)->bad = true;
}
__attribute__((unused)) static void nest_num(void *arg, const char *key, uint64_t v)
{
	(void)v;
	nest_key(arg, key);
}
__attribute__((unused)) static void nest_str(void *arg, const char *key, const char *v)
{
	nest_key(arg, key);
	nest_key(arg, v);
}
__attribute__((unused)) static void nest_claim(void *arg, uint64_t pa, uint64_t len,
					       const char *label)
{
	struct nest *n = arg;

	nest_key(n, label);
	/* whole pages: ki_sub_claim rounds them */
	if (n->own && (!ki_owner_of(n->own, pa) || !ki_owner_of(n->own, pa + len - 4096)))
		n->bad = true;
}
__attribute__((unused)) static const struct ki_sub_sink nest_sink = {
	.open = nest_open, .close = nest_close, .array = nest_array,
	.array_end = nest_array_end, .num = nest_num, .hex = nest_num, .addr = nest_num,
	.str = nest_str, .claim = nest_claim,
};

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
	struct ki_subnode sn = { .has_phys = true, .phys = 0 };
	struct ki_kho k = { .subs = &sn, .nsubs = 1, .has_fdt_phys = true, .fdt_phys = 0x1000 };
	struct ki_findings f;
	struct ki_owners own;
	struct ki_dump *d;
	struct ki_error *err;
	bool truncated = false;

	if (size < 2)
		return 0;
	sn.name = (char *)(uintptr_t)names[data[0] & 7];
	d = mem_dump(data + 1, size - 1, 0, 4096, false);
	if (!d)
		return 0;
	ki_findings_init(&f);
	err = ki_owners_build(d, NULL, &k, 4096, data[0] & 8, &f, &own);
	if (!err) {
		struct pieces pc = { .o = &own, .pa = 0 };
		uint64_t lo = UINT64_MAX, hi = 0;

		truncated = own.truncated;

		/* every owner interval is whole pages and not empty, and owned */
		for (size_t i = 0; i < own.n; i++) {
			if (own.v[i].end <= own.v[i].start || ((own.v[i].start | own.v[i].end) & 4095) ||
			    !ki_owner_of(&own, own.v[i].start) || !ki_owner_of(&own, own.v[i].end - 4096))
				abort();
			lo = own.v[i].start < lo ? own.v[i].start : lo;
			hi = own.v[i].end > hi ? own.v[i].end : hi;
		}
		/* the split of the owned span (and a page either side) agrees
		 * with the owner of each piece's first and last page */
		if (own.n) {
			lo = lo ? lo - 4096 : 0;
			hi = hi + 4096 ? hi + 4096 : hi;
			pc.pa = lo;
			if (ki_owners_split(&own, lo, (hi - lo) / 4096, 4096, check_piece, &pc) ||
			    pc.pa != lo + (hi - lo) / 4096 * 4096)
				abort();
		}
	}
	if (!err && (data[0] & 16)) {
		/* the fdt command's walk: a sink that checks the nesting; the
		 * decoders find the same problems the second time, and every
		 * page they claim has an owner */
		struct ki_findings f2;
		struct nest ns = { .own = truncated ? NULL : &own };
		struct ki_sub_ctx c = {
			.d = d, .ps = 4096, .be = data[0] & 8, .sink = &nest_sink, .arg = &ns,
		};

		ki_findings_init(&f2);
		c.f = &f2;
		ki_sub_walk(&c, NULL, &k);
		if (ns.depth || ns.arrays || ns.bad ||
		    (!truncated && memcmp(f2.counts, f.counts, sizeof(f.counts))))
			abort();
		ki_findings_deinit(&f2);
	}
	if (!err)
		ki_owners_deinit(&own);
	ki_error_destroy(err);
	ki_dump_destroy(d);
	ki_findings_deinit(&f);
#elif defined(FUZZ_MODE_MAP)
	/* mostly 4K: the walk's logic is the same, its pages are 4 and 16 times smaller */
	static const uint64_t ps[] = { 4096, 4096, 4096, 16384 };
	struct ki_findings f;
	struct ki_map *m = NULL;
	struct ki_dump *d;
	struct ki_error *err;
	uint64_t page, base, root, total = 0, merged = 0, merged2 = 0, words = 0;
	unsigned int psh, sel;

	if (size < 4)
		return 0;
	page = (data[0] & 0xc3) == 0xc3 ? 65536 : ps[data[0] & 3];
	psh = (unsigned int)__builtin_ctzll(page);
	sel = (data[0] >> 3) & 3;
	base = (uint64_t)(data[1] | data[2] << 8) * page;
	root = base + data[3] * page;
	d = mem_dump(data + 4, size - 4, base, page, data[0] & 32);
	if (!d)
		return 0;
	ki_findings_init(&f);
	if (data[0] & 4) {
		static const enum ki_v1_bitmap bm[] = {
			KI_V1_BITMAP_AUTO, KI_V1_BITMAP_512, KI_V1_BITMAP_PAGE, KI_V1_BITMAP_AUTO,
		};

		err = ki_chunks_collect(d, root, d->page_size, bm[sel], &f, &m);
	} else {
		unsigned int fixed = ki_radix_fixed_depth(psh);
		unsigned int depth[] = { fixed, fixed - 1, fixed + 1, 2 };

		err = ki_radix_collect(d, root, d->page_size, depth[sel], &f, &m);
	}
	if (!err) {
		struct ki_merge it;
		struct run_stats rs = { .psh = psh };
		uint64_t pa, n, by_order = 0;
		unsigned int order;

		ki_map_count(m, &f);
		ki_map_foreach_run(m, -1, stat_run, &rs);
		total = rs.total;
		/* each order alone: its count, and together the total */
		for (unsigned int o = 0; o < KI_ORDERS; o++) {
			struct run_stats ro = { .psh = psh };

			if (!m->blocks[o] && o != sel)
				continue;
			ki_map_foreach_run(m, (int)o, stat_run, &ro);
			if (ro.total != m->blocks[o] || ro.bad_order) {
				fprintf(stderr, "order %u: runs %llu, count %llu\n", o,
					(unsigned long long)ro.total, (unsigned long long)m->blocks[o]);
				abort();
			}
			by_order += ro.total;
		}
		if (by_order != total || rs.bad_order || ki_map_max_end(m) != rs.max_end) {
			fprintf(stderr, "by order %llu of %llu; max end 0x%llx, runs end at 0x%llx\n",
				(unsigned long long)by_order, (unsigned long long)total,
				(unsigned long long)ki_map_max_end(m), (unsigned long long)rs.max_end);
			abort();
		}
		ki_merge_init(&it, m);
		while (ki_merge_next(&it, &pa, &order, &n))
			merged += n;
		ki_merge_deinit(&it);
		ki_merge_init(&it, m);
		while (ki_merge_next_by_order(&it, &pa, &order, &n))
			merged2 += n;
		ki_merge_deinit(&it);
		if (ki_map_words_ok(m)) {
			struct ki_run_cursor c;
			struct ki_leaf_words lw;

			ki_run_cursor_init(&c, m, 0, m->nleaves, -1);
			while (ki_run_cursor_next_leaf(&c, &lw)) {
				uint64_t w0 = 0, x = 0;
				size_t nw = 0;

				/* the random-access view of the same leaf (diff's) */
				if (!ki_map_leaf_span(m, c.leaf, &w0, &nw) || w0 != lw.w0 ||
				    nw != lw.nw)
					abort();
				for (size_t wi = 0; wi < lw.nw; wi++) {
					words += (uint64_t)__builtin_popcountll(lw.words[wi]);
					if (!ki_map_leaf_word(m, c.leaf, wi, &x) || x != lw.words[wi])
						abort();
				}
			}
			ki_run_cursor_deinit(&c);
		}
		/* three paths over the same leaves: the same number of blocks */
		if (total != m->total_blocks || merged != total || merged2 != total ||
		    (ki_map_words_ok(m) && words != total)) {
			fprintf(stderr, "count %llu, runs %llu, merge %llu/%llu, words %llu\n",
				(unsigned long long)m->total_blocks, (unsigned long long)total,
				(unsigned long long)merged, (unsigned long long)merged2,
				(unsigned long long)words);
			abort();
		}
	}
	ki_error_destroy(err);
	ki_map_destroy(m);
	ki_dump_destroy(d);
	ki_findings_deinit(&f);
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
#error "define FUZZ_MODE_RAW, _ELF, _KDUMP, _FDT, _TEXT, _SUB, _MAP or _MANIFEST"
#endif
	return 0;
}
