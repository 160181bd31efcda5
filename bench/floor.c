// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The floor for khoinspect's benchmarks: read exactly the pages a KHO
 * radix map occupies (from khogen's --layout) out of an ELF core, in file
 * order, and either count the set bits of the leaves (--popcount) or also
 * find the runs of set bits (--runs), without decoding or formatting.
 * No decoder can do less work for the same answer.
 *
 *   floor --popcount|--runs IMAGE.elf LAYOUT
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct seg { uint64_t paddr, off, size; };
struct pg { uint64_t off; int leaf; unsigned int order; uint64_t base; };

static int cmp(const void *a, const void *b)
{
	const struct pg *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* leaves by (order, address), tables after them */
static int cmp_addr(const void *a, const void *b)
{
	const struct pg *x = a, *y = b;

	if (x->leaf != y->leaf)
		return x->leaf ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->base < y->base ? -1 : x->base > y->base;
}

int main(int argc, char **argv)
{
	Elf64_Ehdr eh;
	struct seg segs[64];
	size_t nsegs = 0, n = 0, cap = 1024;
	struct pg *pages = malloc(cap * sizeof(*pages));
	char kind[32], line[256];
	uint64_t pa, base = 0, bits = 0, runs = 0, ps = 4096;
	uint64_t ranges = 0, sum = 0, cur_start = 0, cur_end = 0;
	unsigned int order = 0, cur_order = 0;
	int fd, mode;
	unsigned char *buf;
	FILE *fp;

	if (argc != 4 || !pages)
		return fprintf(stderr, "usage: floor --popcount|--runs|--run-count IMAGE.elf LAYOUT\n"), 2;
	mode = !strcmp(argv[1], "--runs") ? 2 : !strcmp(argv[1], "--run-count");
	fd = open(argv[2], O_RDONLY);
	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))
		return perror(argv[2]), 2;
	for (int i = 0; i < eh.e_phnum && nsegs < 64; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) != sizeof(ph))
			return 2;
		if (ph.p_type == PT_LOAD)
			segs[nsegs++] = (struct seg){ ph.p_paddr, ph.p_offset, ph.p_filesz };
	}
	fp = fopen(argv[3], "r");
	if (!fp)
		return perror(argv[3]), 2;
	while (fgets(line, sizeof(line), fp)) {
		int leaf = !strncmp(line, "leaf ", 5);

		if (!leaf && strncmp(line, "map-node ", 9))
			continue;
		if (leaf ? sscanf(line, "%31s %" SCNx64 " order %u base %" SCNx64,
				  kind, &pa, &order, &base) < 2 :
			   sscanf(line, "%31s %*u %" SCNx64, kind, &pa) != 2)
			continue;
		for (size_t s = 0; s < nsegs; s++) {
			if (pa >= segs[s].paddr && pa < segs[s].paddr + segs[s].size) {
				if (n == cap)
					pages = realloc(pages, (cap *= 2) * sizeof(*pages));
				pages[n++] = (struct pg){ segs[s].off + (pa - segs[s].paddr), leaf,
							  order, base };
				break;
			}
		}
	}
	fclose(fp);
	qsort(pages, n, sizeof(*pages), mode == 2 ? cmp_addr : cmp);
	buf = malloc(ps);
	for (size_t i = 0; i < n; i++) {
		const uint64_t *w = (const uint64_t *)buf;
		unsigned int sh = pages[i].order + (unsigned int)__builtin_ctzll(ps);

		if (pread(fd, buf, ps, (off_t)pages[i].off) != (ssize_t)ps)
			return 2;
		if (!pages[i].leaf)
			continue;
		for (size_t k = 0; k < ps / 8; k++) {
			uint64_t x = w[k];

			bits += (uint64_t)__builtin_popcountll(x);
			if (mode == 1)
				/* a run starts at every set bit whose lower neighbour is clear */
				runs += (uint64_t)__builtin_popcountll(x & ~(x << 1));
			while (mode == 2 && x) {
				/* adding the lowest set bit carries through the lowest run */
				unsigned int lo = (unsigned int)__builtin_ctzll(x);
				uint64_t y = x + (x & -x);
				unsigned int hi = y ? (unsigned int)__builtin_ctzll(y) : 64;
				uint64_t start = pages[i].base + (((uint64_t)k * 64 + lo) << sh);
				uint64_t end = start + ((uint64_t)(hi - lo) << sh);

				x &= y;
				if (start == cur_end && pages[i].order == cur_order && ranges) {
					cur_end = end;
					continue;
				}
				if (ranges)
					sum += cur_start ^ (cur_end << 1);
				ranges++;
				cur_start = start;
				cur_end = end;
				cur_order = pages[i].order;
			}
		}
	}
	if (ranges)
		sum += cur_start ^ (cur_end << 1);
	printf("%zu map pages, %" PRIu64 " blocks", n, bits);
	if (mode == 1)
		printf(", %" PRIu64 " runs (within words)", runs);
	if (mode == 2)
		printf(", %" PRIu64 " ranges (checksum %" PRIx64 ")", ranges, sum);
	printf("\n");
	free(buf);
	free(pages);
	close(fd);
	return 0;
}
