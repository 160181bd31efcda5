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
struct pg { uint64_t off; int leaf; };

static int cmp(const void *a, const void *b)
{
	const struct pg *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

int main(int argc, char **argv)
{
	Elf64_Ehdr eh;
	struct seg segs[64];
	size_t nsegs = 0, n = 0, cap = 1024;
	struct pg *pages = malloc(cap * sizeof(*pages));
	char kind[32], line[256];
	uint64_t pa, bits = 0, runs = 0, ps = 4096;
	int fd, do_runs;
	unsigned char *buf;
	FILE *fp;

	if (argc != 4 || !pages)
		return fprintf(stderr, "usage: floor --popcount|--runs IMAGE.elf LAYOUT\n"), 2;
	do_runs = !strcmp(argv[1], "--runs");
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
		if (leaf ? sscanf(line, "%31s %" SCNx64, kind, &pa) != 2 :
			   sscanf(line, "%31s %*u %" SCNx64, kind, &pa) != 2)
			continue;
		for (size_t s = 0; s < nsegs; s++) {
			if (pa >= segs[s].paddr && pa < segs[s].paddr + segs[s].size) {
				if (n == cap)
					pages = realloc(pages, (cap *= 2) * sizeof(*pages));
				pages[n++] = (struct pg){ segs[s].off + (pa - segs[s].paddr), leaf };
				break;
			}
		}
	}
	fclose(fp);
	qsort(pages, n, sizeof(*pages), cmp);
	buf = malloc(ps);
	for (size_t i = 0; i < n; i++) {
		const uint64_t *w = (const uint64_t *)buf;

		if (pread(fd, buf, ps, (off_t)pages[i].off) != (ssize_t)ps)
			return 2;
		if (!pages[i].leaf)
			continue;
		for (size_t k = 0; k < ps / 8; k++) {
			uint64_t x = w[k];

			bits += (uint64_t)__builtin_popcountll(x);
			if (do_runs)
				/* a run starts at every set bit whose lower neighbour is clear */
				runs += (uint64_t)__builtin_popcountll(x & ~(x << 1));
		}
	}
	printf("%zu map pages, %" PRIu64 " blocks", n, bits);
	if (do_runs)
		printf(", %" PRIu64 " runs (within words)", runs);
	printf("\n");
	free(buf);
	free(pages);
	close(fd);
	return 0;
}
