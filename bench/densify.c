// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Make a generated ELF core dense for the FDT scan bench: every page of
 * every PT_LOAD's file bytes that is all zeros (a hole of khogen's sparse
 * file, or a page it wrote nothing into) is filled with pseudo-random
 * bytes, so the file has no holes left and every page must be read.
 * Pages that hold anything are left as they are, so the hand-over khogen
 * wrote still decodes. The filler never starts a page with the FDT magic
 * (a real page may, by chance; that would add scan candidates here).
 *
 *   densify IMAGE.elf
 *
 * Little-endian ELF64 only (khogen --arch x86_64), pages of 4 KiB.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { PAGE = 4096, CHUNK = 1 << 20 };

static uint64_t rng = 0x9e3779b97f4a7c15;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int zero_page(const unsigned char *p)
{
	static const unsigned char z[PAGE];

	return !memcmp(p, z, PAGE);
}

static void fill(unsigned char *p)
{
	for (size_t i = 0; i < PAGE; i += 8) {
		uint64_t v = next();

		memcpy(p + i, &v, 8);
	}
	if (!memcmp(p, "\xd0\x0d\xfe\xed", 4))
		p[0] = 0;
}

int main(int argc, char **argv)
{
	Elf64_Ehdr eh;
	unsigned char *buf = malloc(CHUNK);
	uint64_t filled = 0;
	int fd;

	if (argc != 2 || !buf)
		return fprintf(stderr, "usage: densify IMAGE.elf\n"), 2;
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return fprintf(stderr, "densify: %s: not a little-endian ELF64 file\n", argv[1]), 2;
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) != sizeof(ph))
			return fprintf(stderr, "densify: %s: program header %u unreadable\n", argv[1], i), 2;
		if (ph.p_type != PT_LOAD || ph.p_offset % PAGE)
			continue;
		for (uint64_t done = 0; done + PAGE <= ph.p_filesz; done += CHUNK) {
			size_t len = ph.p_filesz - done < CHUNK ? (size_t)(ph.p_filesz - done) : CHUNK;
			off_t pos = (off_t)(ph.p_offset + done);
			int dirty = 0;

			len -= len % PAGE;
			if (pread(fd, buf, len, pos) != (ssize_t)len)
				return fprintf(stderr, "densify: %s: short read at 0x%jx\n", argv[1], (intmax_t)pos), 2;
			for (size_t o = 0; o < len; o += PAGE)
				if (zero_page(buf + o)) {
					fill(buf + o);
					dirty = 1;
					filled++;
				}
			if (dirty && pwrite(fd, buf, len, pos) != (ssize_t)len)
				return fprintf(stderr, "densify: %s: write at 0x%jx failed\n", argv[1], (intmax_t)pos), 2;
		}
	}
	if (close(fd))
		return perror("densify: close"), 2;
	printf("%s: %" PRIu64 " pages filled\n", argv[1], filled);
	return 0;
}
