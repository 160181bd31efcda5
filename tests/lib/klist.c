// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A client of the installed libkhoinspect, built only with
 * `pkg-config --cflags --libs khoinspect` (tests/cli/t_lib.sh): lists a
 * hand-over's header and ranges for tests/lib/check_blocks.py to hold
 * against a golden image's truth.json.
 *
 *   klist PATH                         khoinspect_open
 *   klist --raw PATH BASE              the same, a raw image at BASE
 *   klist --mem MEM PATH               the same, a debugfs copy with memory
 *   klist --reader-scan ELF|RAW BASE PS   khoinspect_open_reader over this
 *                                      file's own reader, the FDT found by
 *                                      scanning the ranges
 *   klist --reader-fdt ELF|RAW BASE PS FDT  the same at a given FDT address
 *   klist --errors PATH                the error cases; prints one line each
 *   klist --against[-present] MANIFEST PATH [BASE]
 *                                      khoinspect_verify_against (BASE: raw;
 *                                      -present: KHOINSPECT_AGAINST_PRESENT_ONLY)
 *   klist --verify[-fdt] PATH [BASE]   khoinspect_verify (-fdt: FDT_ONLY)
 *   klist --snapshot PATH OUT          khoinspect_snapshot
 *   klist --diff[-handovers] A B FLAGS khoinspect_diff (paths or manifests) or
 *                                      khoinspect_diff_handovers; FLAGS a number
 *
 * The reader is independent of the library: a tiny ELF64 program-header
 * reader (PT_LOAD p_paddr, p_offset, p_filesz) or a flat raw image at
 * BASE, read with pread.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <khoinspect.h>

struct seg {
	uint64_t paddr, size, offset;
};

struct file_reader {
	int fd;
	struct seg segs[64];
	size_t nsegs;
	uint64_t nodata_page;     /* --errors: this page says NODATA */
	uint64_t page_size;
	unsigned long calls;
};

static enum khoinspect_read_result file_read(void *arg, uint64_t phys, void *buf, size_t len)
{
	struct file_reader *r = arg;
	unsigned char *p = buf;

	r->calls++;
	if (r->nodata_page != UINT64_MAX && phys < r->nodata_page + r->page_size &&
	    phys + len > r->nodata_page)
		return KHOINSPECT_READ_NODATA;
	while (len) {
		const struct seg *s = NULL;
		uint64_t n;
		ssize_t got;

		for (size_t i = 0; i < r->nsegs; i++)
			if (phys >= r->segs[i].paddr && phys - r->segs[i].paddr < r->segs[i].size)
				s = &r->segs[i];
		if (!s)
			return KHOINSPECT_READ_NODATA;
		n = s->size - (phys - s->paddr);
		if (n > len)
			n = len;
		got = pread(r->fd, p, n, (off_t)(s->offset + (phys - s->paddr)));
		if (got != (ssize_t)n)
			return KHOINSPECT_READ_FAILED;
		p += n;
		phys += n;
		len -= n;
	}
	return KHOINSPECT_READ_OK;
}

/* ELF64 little- or big-endian: its PT_LOADs; else a raw image at base. */
static int load_segments(const char *path, uint64_t base, struct file_reader *r, bool *be)
{
	unsigned char id[EI_NIDENT];
	Elf64_Ehdr eh;
	off_t end;

	r->fd = open(path, O_RDONLY);
	if (r->fd < 0 || pread(r->fd, id, sizeof(id), 0) != (ssize_t)sizeof(id)) {
		fprintf(stderr, "klist: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*be = false;
	if (memcmp(id, ELFMAG, SELFMAG)) {
		end = lseek(r->fd, 0, SEEK_END);
		r->segs[0] = (struct seg){ base, (uint64_t)end, 0 };
		r->nsegs = 1;
		return 0;
	}
	if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB) {
		fprintf(stderr, "klist: %s: only little-endian ELF64 here\n", path);
		return -1;
	}
	if (pread(r->fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
		return -1;
	for (unsigned int i = 0; i < eh.e_phnum && r->nsegs < 64; i++) {
		Elf64_Phdr ph;

		if (pread(r->fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) !=
		    (ssize_t)sizeof(ph))
			return -1;
		if (ph.p_type == PT_LOAD && ph.p_filesz)
			r->segs[r->nsegs++] = (struct seg){ ph.p_paddr, ph.p_filesz, ph.p_offset };
	}
	return 0;
}

static int print_range(void *arg, const struct khoinspect_block_range *r)
{
	(void)arg;
	printf("range 0x%" PRIx64 " 0x%" PRIx64 " %u %" PRIu64 "\n", r->start, r->end, r->order,
	       r->blocks);
	return 0;
}

static int fail(struct khoinspect_error *err)
{
	fprintf(stderr, "klist: %s\n", khoinspect_error_message(err));
	khoinspect_error_free(err);
	return 2;
}

static int list(struct khoinspect_handover *h)
{
	struct khoinspect_error *err;
	uint64_t v;

	printf("compatible %s\n", khoinspect_compatible(h));
	printf("container %s\n", khoinspect_container(h));
	printf("page_size %" PRIu64 "\n", khoinspect_page_size(h));
	if (khoinspect_fdt_phys(h, &v))
		printf("fdt_phys 0x%" PRIx64 "\n", v);
	for (size_t i = 0; i < khoinspect_subnode_count(h); i++) {
		if (khoinspect_subnode_phys(h, i, &v))
			printf("subnode %s 0x%" PRIx64 "\n", khoinspect_subnode_name(h, i), v);
		else
			printf("subnode %s -\n", khoinspect_subnode_name(h, i));
	}
	for (int o = 0; o < 64; o++)
		if (khoinspect_blocks(h, o))
			printf("order %d %" PRIu64 "\n", o, khoinspect_blocks(h, o));
	printf("total %" PRIu64 "\n", khoinspect_blocks(h, -1));
	err = khoinspect_ranges(h, -1, 0, print_range, NULL, NULL);
	khoinspect_close(h);
	return err ? fail(err) : 0;
}

static int open_reader(int argc, char **argv, bool scan)
{
	static struct file_reader fr = { .nodata_page = UINT64_MAX };
	struct khoinspect_reader r = { .size = sizeof(r) };
	struct khoinspect_range ranges[64];
	struct khoinspect_handover *h;
	struct khoinspect_error *err;

	if (argc < (scan ? 5 : 6))
		return 2;
	if (load_segments(argv[2], strtoull(argv[3], NULL, 0), &fr, &r.big_endian))
		return 2;
	for (size_t i = 0; i < fr.nsegs; i++)
		ranges[i] = (struct khoinspect_range){ fr.segs[i].paddr,
						       fr.segs[i].paddr + fr.segs[i].size };
	r.read = file_read;
	r.arg = &fr;
	r.name = "klist-reader";
	r.page_size = strtoull(argv[4], NULL, 0);
	if (scan) {
		r.ranges = ranges;
		r.nranges = fr.nsegs;
	} else {
		r.fdt_phys_set = true;
		r.fdt_phys = strtoull(argv[5], NULL, 0);
	}
	err = khoinspect_open_reader(&r, &h);
	if (err)
		return fail(err);
	return list(h);
}

/* One line per case: "NAME CODE [phys 0x…]"; the script checks them. */
static void report(const char *name, struct khoinspect_error *err)
{
	uint64_t pa;

	printf("%s %d", name, err ? (int)khoinspect_error_code(err) : 0);
	if (err && khoinspect_error_phys(err, &pa))
		printf(" phys 0x%" PRIx64, pa);
	printf("\n");
	if (err && !*khoinspect_error_message(err))
		printf("%s: empty message\n", name);
	khoinspect_error_free(err);
}

static int bad_range(void *arg, const struct khoinspect_block_range *r)
{
	(void)arg;
	(void)r;
	return 7;
}

static int errors(const char *elf, uint64_t fdt, uint64_t ps)
{
	static struct file_reader fr = { .nodata_page = UINT64_MAX };
	struct khoinspect_open_options o = { .size = sizeof(o) };
	struct khoinspect_reader r = { .size = sizeof(r) };
	struct khoinspect_handover *h = NULL;
	struct khoinspect_findings *f = NULL;
	struct khoinspect_error *err;
	bool be;
	int stopped = 0;

	report("missing-file", khoinspect_open("/nonexistent/vmcore", NULL, &h));
	report("null-path", khoinspect_open(NULL, NULL, &h));
	report("null-ret", khoinspect_open(elf, NULL, NULL));
	o.format = "zip";
	report("bad-format", khoinspect_open(elf, &o, &h));
	o.format = NULL;
	o.size = 3;
	report("small-size", khoinspect_open(elf, &o, &h));
	report("null-reader", khoinspect_open_reader(NULL, &h));
	report("reader-no-read", khoinspect_open_reader(&r, &h));
	if (load_segments(elf, 0, &fr, &be))
		return 2;
	r.read = file_read;
	r.arg = &fr;
	r.page_size = ps;
	report("reader-no-fdt-no-ranges", khoinspect_open_reader(&r, &h));
	r.page_size = 5000;
	r.fdt_phys_set = true;
	r.fdt_phys = fdt;
	report("reader-bad-page-size", khoinspect_open_reader(&r, &h));
	r.page_size = ps;
	fr.page_size = ps;
	fr.nodata_page = fdt;
	report("reader-fdt-nodata", khoinspect_open_reader(&r, &h));
	fr.nodata_page = UINT64_MAX;
	err = khoinspect_open_reader(&r, &h);
	report("reader-ok", err);
	if (!err) {
		report("ranges-null-fn", khoinspect_ranges(h, -1, 0, NULL, NULL, NULL));
		report("ranges-bad-order", khoinspect_ranges(h, 64, 0, print_range, NULL, NULL));
		report("ranges-bad-flags", khoinspect_ranges(h, -1, 1u << 9, print_range, NULL, NULL));
		report("ranges-stopped", khoinspect_ranges(h, -1, 0, bad_range, NULL, &stopped));
		printf("stopped %d\n", stopped);
		report("verify-null-ret", khoinspect_verify(h, 0, NULL));
		err = khoinspect_verify(h, 0, &f);
		report("verify", err);
		printf("verify-result %d\n", (int)khoinspect_findings_result(f));
		khoinspect_findings_free(f);
		khoinspect_close(h);
	}
	report("ranges-null-h", khoinspect_ranges(NULL, -1, 0, print_range, NULL, NULL));
	report("verify-null-h", khoinspect_verify(NULL, 0, &f));
	report("findings-null-h", khoinspect_open_findings(NULL, &f));
	printf("null-accessors %d %d %d %d\n", khoinspect_compatible(NULL) == NULL,
	       khoinspect_page_size(NULL) == 0, khoinspect_blocks(NULL, -1) == 0,
	       khoinspect_subnode_name(NULL, 0) == NULL);
	khoinspect_close(NULL);
	khoinspect_findings_free(NULL);
	khoinspect_error_free(NULL);
	printf("version %s\n", khoinspect_version());
	return 0;
}

static int print_diff_line(void *arg, const struct khoinspect_diff_line *l)
{
	(void)arg;
	printf("%c 0x%" PRIx64 " 0x%" PRIx64 " %u %" PRIu64 "\n", (char)l->kind, l->start, l->end,
	       l->order, l->blocks);
	return 0;
}

static int diff(int argc, char **argv)
{
	unsigned int flags = (unsigned int)strtoul(argv[4], NULL, 0);
	enum khoinspect_result result = KHOINSPECT_PASS;
	struct khoinspect_handover *a = NULL, *b = NULL;
	struct khoinspect_error *err;

	(void)argc;
	if (!strcmp(argv[1], "--diff")) {
		err = khoinspect_diff(argv[2], argv[3], NULL, flags, print_diff_line, NULL, &result);
	} else {
		err = khoinspect_open(argv[2], NULL, &a);
		if (!err)
			err = khoinspect_open(argv[3], NULL, &b);
		if (!err)
			err = khoinspect_diff_handovers(a, b, flags, print_diff_line, NULL, &result);
		khoinspect_close(a);
		khoinspect_close(b);
	}
	if (err)
		return fail(err);
	printf("result %d\n", (int)result);
	return 0;
}

/* "result N", then "finding ID SEVERITY [PHYS]" for each warning or error. */
static int print_findings(struct khoinspect_error *err, struct khoinspect_findings *f)
{
	if (err)
		return fail(err);
	printf("result %d\n", (int)khoinspect_findings_result(f));
	for (size_t i = 0; i < khoinspect_findings_count(f); i++) {
		const struct khoinspect_finding *it = khoinspect_findings_get(f, i);

		if (it->severity == KHOINSPECT_INFO)
			continue;
		printf("finding %s %d", it->id, (int)it->severity);
		if (it->has_phys)
			printf(" 0x%" PRIx64, it->phys);
		printf("\n");
	}
	khoinspect_findings_free(f);
	return 0;
}

static struct khoinspect_error *open_maybe_raw(const char *path, const char *base,
					       struct khoinspect_handover **h)
{
	struct khoinspect_open_options o = { .size = sizeof(o) };

	if (base) {
		o.format = "raw";
		o.base_set = true;
		o.base = strtoull(base, NULL, 0);
	}
	return khoinspect_open(path, &o, h);
}

int main(int argc, char **argv)
{
	struct khoinspect_handover *h;
	struct khoinspect_error *err;

	if (argc >= 2 && !strcmp(argv[1], "--reader-scan"))
		return open_reader(argc, argv, true);
	if (argc >= 2 && !strcmp(argv[1], "--reader-fdt"))
		return open_reader(argc, argv, false);
	if (argc == 4 && !strcmp(argv[1], "--raw")) {
		struct khoinspect_open_options o = { .size = sizeof(o), .format = "raw" };

		o.base_set = true;
		o.base = strtoull(argv[3], NULL, 0);
		err = khoinspect_open(argv[2], &o, &h);
		return err ? fail(err) : list(h);
	}
	if (argc == 5 && !strncmp(argv[1], "--diff", 6))
		return diff(argc, argv);
	if (argc == 4 && !strcmp(argv[1], "--snapshot")) {
		err = khoinspect_open(argv[2], NULL, &h);
		if (err)
			return fail(err);
		err = khoinspect_snapshot(h, argv[3], 0);
		khoinspect_close(h);
		printf("snapshot %d\n", err ? (int)khoinspect_error_code(err) : 0);
		khoinspect_error_free(err);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "--mem")) {
		struct khoinspect_open_options o = { .size = sizeof(o), .mem = argv[2] };

		err = khoinspect_open(argv[3], &o, &h);
		return err ? fail(err) : list(h);
	}
	if ((argc == 4 || argc == 5) && !strncmp(argv[1], "--against", 9)) {
		struct khoinspect_findings *f = NULL;

		err = open_maybe_raw(argv[3], argc == 5 ? argv[4] : NULL, &h);
		if (err)
			return fail(err);
		err = khoinspect_verify_against(h, argv[2], strcmp(argv[1], "--against-present") ? 0 :
						KHOINSPECT_AGAINST_PRESENT_ONLY, &f);
		khoinspect_close(h);
		return print_findings(err, f);
	}
	if ((argc == 3 || argc == 4) && !strncmp(argv[1], "--verify", 8)) {
		struct khoinspect_findings *f = NULL;

		err = open_maybe_raw(argv[2], argc == 4 ? argv[3] : NULL, &h);
		if (err)
			return fail(err);
		printf("has_map %d\n", khoinspect_has_map(h));
		err = khoinspect_verify(h, strcmp(argv[1], "--verify-fdt") ? 0 : KHOINSPECT_VERIFY_FDT_ONLY,
					&f);
		khoinspect_close(h);
		return print_findings(err, f);
	}
	if (argc == 5 && !strcmp(argv[1], "--errors"))
		return errors(argv[2], strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
	if (argc != 2) {
		fprintf(stderr, "usage: klist PATH | --raw PATH BASE | --mem MEM PATH | --reader-scan FILE BASE PS | --reader-fdt FILE BASE PS FDT | --errors ELF FDT PS\n");
		return 2;
	}
	err = khoinspect_open(argv[1], NULL, &h);
	if (err)
		return fail(err);
	return list(h);
}
