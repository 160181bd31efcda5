// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ki_dump_open on ELF cores written byte by byte by this file.
 *
 * Recipe: the ELF header and program headers are the <elf.h> structures
 * (Elf64_Ehdr/Elf64_Phdr or the 32-bit ones), every field stored at its
 * offsetof() position in the byte order under test. A VMCOREINFO note is an
 * Elf_Nhdr, "VMCOREINFO\0" padded to 12 bytes and the "KEY=value\n" text
 * padded to 4. Segment bytes are a pattern of their physical address
 * (pat(paddr)), so a read at the wrong place shows. Files go to the test's
 * temporary directory (testutils.h) and are removed.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ki_dump.h"
#include "testutils.h"

TestSuite(elf, .fini = tu_cleanup);

/* ---- byte-order-aware writer ---- */

struct img {
	unsigned char *buf;
	size_t size;
	bool be;
	bool is64;
};

static void img_init(struct img *m, size_t size, bool is64, bool be)
{
	m->buf = calloc(1, size);
	cr_assert_not_null(m->buf);
	m->size = size;
	m->is64 = is64;
	m->be = be;
}

static void put(struct img *m, size_t off, uint64_t v, unsigned int width)
{
	cr_assert_leq(off + width, m->size, "write at 0x%zx past the image", off);
	for (unsigned int i = 0; i < width; i++) {
		unsigned int shift = m->be ? 8 * (width - 1 - i) : 8 * i;

		m->buf[off + i] = (unsigned char)(v >> shift);
	}
}

#define PUT(m, base, type, field, v) \
	put((m), (base) + offsetof(type, field), (v), sizeof(((type *)0)->field))

static unsigned char pat(uint64_t paddr)
{
	uint64_t x = paddr * UINT64_C(0x9e3779b97f4a7c15);

	return (unsigned char)(x >> 56 ^ paddr);
}

/* Fill file bytes [off, off+len) with the pattern of physical paddr.. */
static void fill(struct img *m, size_t off, uint64_t paddr, size_t len)
{
	cr_assert_leq(off + len, m->size);
	for (size_t i = 0; i < len; i++)
		m->buf[off + i] = pat(paddr + i);
}

struct ehdr {
	uint16_t type, machine;
	uint32_t flags;
	uint64_t phoff;
	uint32_t phnum;          /* > 0xfffe: PN_XNUM + section 0's sh_info */
	uint64_t shoff;          /* for PN_XNUM */
};

static void put_ehdr(struct img *m, const struct ehdr *h)
{
	bool xnum = h->phnum >= PN_XNUM;

	memcpy(m->buf, ELFMAG, SELFMAG);
	m->buf[EI_CLASS] = m->is64 ? ELFCLASS64 : ELFCLASS32;
	m->buf[EI_DATA] = m->be ? ELFDATA2MSB : ELFDATA2LSB;
	m->buf[EI_VERSION] = EV_CURRENT;
	m->buf[EI_OSABI] = ELFOSABI_NONE;
	if (m->is64) {
		PUT(m, 0, Elf64_Ehdr, e_type, h->type);
		PUT(m, 0, Elf64_Ehdr, e_machine, h->machine);
		PUT(m, 0, Elf64_Ehdr, e_version, EV_CURRENT);
		PUT(m, 0, Elf64_Ehdr, e_phoff, h->phoff);
		PUT(m, 0, Elf64_Ehdr, e_shoff, xnum ? h->shoff : 0);
		PUT(m, 0, Elf64_Ehdr, e_flags, h->flags);
		PUT(m, 0, Elf64_Ehdr, e_ehsize, sizeof(Elf64_Ehdr));
		PUT(m, 0, Elf64_Ehdr, e_phentsize, sizeof(Elf64_Phdr));
		PUT(m, 0, Elf64_Ehdr, e_phnum, xnum ? PN_XNUM : h->phnum);
		PUT(m, 0, Elf64_Ehdr, e_shentsize, xnum ? sizeof(Elf64_Shdr) : 0);
		PUT(m, 0, Elf64_Ehdr, e_shnum, xnum ? 1 : 0);
		PUT(m, 0, Elf64_Ehdr, e_shstrndx, SHN_UNDEF);
		if (xnum) {
			/* section 0 holds the real count in sh_info */
			size_t s = (size_t)h->shoff;

			PUT(m, s, Elf64_Shdr, sh_type, SHT_NULL);
			PUT(m, s, Elf64_Shdr, sh_info, h->phnum);
		}
	} else {
		PUT(m, 0, Elf32_Ehdr, e_type, h->type);
		PUT(m, 0, Elf32_Ehdr, e_machine, h->machine);
		PUT(m, 0, Elf32_Ehdr, e_version, EV_CURRENT);
		PUT(m, 0, Elf32_Ehdr, e_phoff, h->phoff);
		PUT(m, 0, Elf32_Ehdr, e_flags, h->flags);
		PUT(m, 0, Elf32_Ehdr, e_ehsize, sizeof(Elf32_Ehdr));
		PUT(m, 0, Elf32_Ehdr, e_phentsize, sizeof(Elf32_Phdr));
		PUT(m, 0, Elf32_Ehdr, e_phnum, h->phnum);
	}
}

struct phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

static void put_phdr(struct img *m, uint64_t phoff, size_t i, const struct phdr *p)
{
	if (m->is64) {
		size_t o = (size_t)phoff + i * sizeof(Elf64_Phdr);

		PUT(m, o, Elf64_Phdr, p_type, p->type);
		PUT(m, o, Elf64_Phdr, p_flags, PF_R | PF_W | PF_X);
		PUT(m, o, Elf64_Phdr, p_offset, p->offset);
		/* a kernel direct-map style vaddr, different from paddr */
		PUT(m, o, Elf64_Phdr, p_vaddr, p->type == PT_LOAD ?
		    UINT64_C(0xffff888000000000) + p->paddr : 0);
		PUT(m, o, Elf64_Phdr, p_paddr, p->paddr);
		PUT(m, o, Elf64_Phdr, p_filesz, p->filesz);
		PUT(m, o, Elf64_Phdr, p_memsz, p->memsz);
		PUT(m, o, Elf64_Phdr, p_align, p->type == PT_LOAD ? 0x1000 : 4);
	} else {
		size_t o = (size_t)phoff + i * sizeof(Elf32_Phdr);

		PUT(m, o, Elf32_Phdr, p_type, p->type);
		PUT(m, o, Elf32_Phdr, p_offset, p->offset);
		PUT(m, o, Elf32_Phdr, p_vaddr, p->type == PT_LOAD ? 0xc0000000u + p->paddr : 0);
		PUT(m, o, Elf32_Phdr, p_paddr, p->paddr);
		PUT(m, o, Elf32_Phdr, p_filesz, p->filesz);
		PUT(m, o, Elf32_Phdr, p_memsz, p->memsz);
		PUT(m, o, Elf32_Phdr, p_flags, PF_R | PF_W | PF_X);
		PUT(m, o, Elf32_Phdr, p_align, p->type == PT_LOAD ? 0x1000 : 4);
	}
}

/* A VMCOREINFO note at off; returns its size (for p_filesz). */
static size_t put_vmcoreinfo(struct img *m, size_t off, const char *text)
{
	static const char name[] = "VMCOREINFO";
	size_t len = strlen(text), namesz = sizeof(name);
	size_t npad = (namesz + 3) & ~(size_t)3, dpad = (len + 3) & ~(size_t)3;

	/* Elf32_Nhdr and Elf64_Nhdr are the same three 4-byte words */
	PUT(m, off, Elf64_Nhdr, n_namesz, namesz);
	PUT(m, off, Elf64_Nhdr, n_descsz, len);
	PUT(m, off, Elf64_Nhdr, n_type, 0);
	cr_assert_leq(off + sizeof(Elf64_Nhdr) + npad + dpad, m->size);
	memcpy(m->buf + off + sizeof(Elf64_Nhdr), name, namesz);
	memcpy(m->buf + off + sizeof(Elf64_Nhdr) + npad, text, len);
	return sizeof(Elf64_Nhdr) + npad + dpad;
}

/* ---- files ---- */

struct tmpf {
	char path[256];
};

static void write_img(struct tmpf *t, const struct img *m, size_t len)
{
	snprintf(t->path, sizeof(t->path), "%s", tu_write("vmcore", m->buf, len));
}

static void rm_img(const struct tmpf *t)
{
	cr_assert_str_eq(t->path, tu_path("vmcore"));
	tu_cleanup();
}

static struct ki_error *open_core(const struct tmpf *t, struct ki_dump **d)
{
	struct ki_dump_options o = { .format = NULL };

	*d = NULL;
	return ki_dump_open(t->path, &o, d);
}

static struct ki_dump *open_ok(const struct tmpf *t)
{
	struct ki_dump *d = NULL;
	struct ki_error *err = open_core(t, &d);

	cr_assert_null(err, "ki_dump_open: %s", err ? err->message : "");
	cr_assert_not_null(d);
	cr_assert_str_eq(d->container, "elf");
	return d;
}

static void expect_open_error(const struct tmpf *t, enum ki_error_code code)
{
	struct ki_dump *d = NULL;
	struct ki_error *err = open_core(t, &d);

	cr_assert_not_null(err, "ki_dump_open succeeded, expected error code %d", code);
	cr_assert_eq(err->code, code, "code %d (%s), expected %d: %s", err->code,
		     ki_error_code_name(err->code), code, err->message);
	cr_assert_not_null(err->message);
	cr_assert_null(d);
	ki_error_destroy(err);
}

/* Read len bytes at paddr and compare with the pattern. */
static void expect_mem(struct ki_dump *d, uint64_t paddr, size_t len)
{
	unsigned char buf[256];
	struct ki_error *err;

	cr_assert_leq(len, sizeof(buf));
	err = ki_memreader_read(&d->mem, paddr, buf, len);
	cr_assert_null(err, "read at 0x%" PRIx64 ": %s", paddr, err ? err->message : "");
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(buf[i], pat(paddr + i), "paddr 0x%" PRIx64 ": 0x%02x, expected 0x%02x",
			     paddr + i, buf[i], pat(paddr + i));
}

static struct ki_error *read_at(struct ki_dump *d, uint64_t paddr, size_t len)
{
	unsigned char buf[256];

	cr_assert_leq(len, sizeof(buf));
	return ki_memreader_read(&d->mem, paddr, buf, len);
}

static const struct ki_finding *find_finding(const struct ki_dump *d, const char *id)
{
	for (size_t i = 0; i < d->findings.n; i++)
		if (!strcmp(d->findings.items[i].id, id))
			return &d->findings.items[i];
	return NULL;
}

/*
 * The standard 64-bit core: ehdr, phdrs at 0x40, a note at 0x400, two
 * PT_LOADs: paddr 0x1000000 (0x2000 bytes at file 0x1000) and paddr
 * 0x100000000 (0x1000 bytes at file 0x3000). File: 0x4000 bytes.
 */
static void std_core(struct img *m, bool be, uint16_t machine, const char *vmcoreinfo,
		     uint32_t flags)
{
	struct phdr ph[3];
	size_t n = 0, nsz = 0;

	img_init(m, 0x4000, true, be);
	if (vmcoreinfo)
		nsz = put_vmcoreinfo(m, 0x400, vmcoreinfo);
	if (vmcoreinfo)
		ph[n++] = (struct phdr){ PT_NOTE, 0x400, 0, nsz, nsz };
	ph[n++] = (struct phdr){ PT_LOAD, 0x1000, 0x1000000, 0x2000, 0x2000 };
	ph[n++] = (struct phdr){ PT_LOAD, 0x3000, UINT64_C(0x100000000), 0x1000, 0x1000 };
	put_ehdr(m, &(struct ehdr){ .type = ET_CORE, .machine = machine, .flags = flags,
				    .phoff = 0x40, .phnum = (uint32_t)n });
	for (size_t i = 0; i < n; i++)
		put_phdr(m, 0x40, i, &ph[i]);
	fill(m, 0x1000, 0x1000000, 0x2000);
	fill(m, 0x3000, UINT64_C(0x100000000), 0x1000);
}

static void expect_std_mem(struct ki_dump *d)
{
	cr_assert_eq(d->mem.nsegs, 2);
	expect_mem(d, 0x1000000, 64);
	expect_mem(d, 0x1001ff0, 16);
	expect_mem(d, UINT64_C(0x100000000), 256);
	expect_mem(d, UINT64_C(0x100000f00), 256);
	/* a hole between the segments */
	{
		struct ki_error *err = read_at(d, 0x1002000, 8);

		cr_assert_not_null(err);
		cr_assert_eq(err->code, KI_ERR_NODATA);
		cr_assert(err->has_paddr);
		cr_assert_eq(err->paddr, 0x1002000);
		ki_error_destroy(err);
	}
}

/* ---- containers ---- */

Test(elf, x86_64_with_vmcoreinfo)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_X86_64, "OSRELEASE=7.1.0-rc3\nPAGESIZE=4096\nCRASHTIME=1\n", 0);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_str_eq(d->arch, "x86_64");
	cr_assert_eq(d->e_machine, EM_X86_64);
	cr_assert_eq(d->elf_class, 64);
	cr_assert_not(d->big_endian);
	cr_assert_eq(d->page_size, 4096);
	cr_assert_not_null(d->page_size_source);
	cr_assert_not_null(strstr(d->page_size_source, "VMCOREINFO"), "source: %s",
			   d->page_size_source);
	cr_assert_not_null(d->osrelease);
	cr_assert_str_eq(d->osrelease, "7.1.0-rc3");
	cr_assert_eq(d->findings.counts[KI_SEV_WARNING] + d->findings.counts[KI_SEV_ERROR], 0);
	expect_std_mem(d);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* The last VMCOREINFO line need not end in a newline. */
Test(elf, vmcoreinfo_last_line_without_newline)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_AARCH64, "OSRELEASE=7.1.0\nPAGESIZE=16384", 0);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_eq(d->page_size, 16384);
	cr_assert_str_eq(d->osrelease, "7.1.0");
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* A PT_NOTE past the end of the file: a warning, the memory is still read. */
Test(elf, unreadable_notes_warn)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	img_init(&m, 0x2000, true, false);
	put_ehdr(&m, &(struct ehdr){ .type = ET_CORE, .machine = EM_AARCH64, .phoff = 0x40,
				     .phnum = 2 });
	put_phdr(&m, 0x40, 0, &(struct phdr){ PT_NOTE, 0x100000, 0, 0x100, 0x100 });
	put_phdr(&m, 0x40, 1, &(struct phdr){ PT_LOAD, 0x1000, 0x9000000, 0x1000, 0x1000 });
	fill(&m, 0x1000, 0x9000000, 0x1000);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_eq(d->findings.counts[KI_SEV_WARNING], 1);
	cr_assert_eq(d->page_size, 0);
	expect_mem(d, 0x9000000, 128);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* aarch64 can run 4K, 16K or 64K: VMCOREINFO decides. */
Test(elf, aarch64_vmcoreinfo_64k)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_AARCH64, "PAGESIZE=65536\n", 0);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_str_eq(d->arch, "aarch64");
	cr_assert_eq(d->page_size, 65536);
	cr_assert_not_null(strstr(d->page_size_source, "VMCOREINFO"));
	expect_std_mem(d);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

Test(elf, aarch64_without_vmcoreinfo)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_AARCH64, NULL, 0);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_str_eq(d->arch, "aarch64");
	cr_assert_eq(d->page_size, 0, "page size %" PRIu64 " decided without evidence",
		     d->page_size);
	cr_assert_eq(d->page_size_candidates, (uint32_t)(KI_PS_4K | KI_PS_16K | KI_PS_64K));
	cr_assert_null(d->osrelease);
	expect_std_mem(d);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* A PAGESIZE KHO never runs with is ignored with a warning. */
Test(elf, vmcoreinfo_bad_pagesize)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_AARCH64, "PAGESIZE=8192\n", 0);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_eq(d->page_size, 0);
	cr_assert_not_null(find_finding(d, "vmcoreinfo-pagesize"));
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* EM_386 cores (QEMU, i386) have 4 KiB pages; ELF32 layout. */
Test(elf, em_386_elf32)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	img_init(&m, 0x3000, false, false);
	put_ehdr(&m, &(struct ehdr){ .type = ET_CORE, .machine = EM_386, .phoff = 0x34,
				     .phnum = 2 });
	put_phdr(&m, 0x34, 0, &(struct phdr){ PT_LOAD, 0x1000, 0x100000, 0x1000, 0x1000 });
	/* kcore-style "no physical address" in a 32-bit core: skipped */
	put_phdr(&m, 0x34, 1, &(struct phdr){ PT_LOAD, 0x2000, UINT32_MAX, 0x1000, 0x1000 });
	fill(&m, 0x1000, 0x100000, 0x1000);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_eq(d->elf_class, 32);
	cr_assert_str_eq(d->arch, "i386");
	cr_assert_eq(d->page_size, 4096);
	cr_assert_not_null(d->page_size_source);
	cr_assert_eq(d->mem.nsegs, 1);
	expect_mem(d, 0x100000, 256);
	expect_mem(d, 0x100f00, 256);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* QEMU dump-guest-memory of an x86 guest in real mode: ELF64, EM_386. */
Test(elf, em_386_elf64)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_386, NULL, 0);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_eq(d->elf_class, 64);
	cr_assert_eq(d->page_size, 4096);
	expect_std_mem(d);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* p_offset not page aligned (QEMU writes segments right after the notes). */
Test(elf, unaligned_p_offset)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	img_init(&m, 0x5000, true, false);
	put_ehdr(&m, &(struct ehdr){ .type = ET_CORE, .machine = EM_X86_64, .phoff = 0x40,
				     .phnum = 2 });
	put_phdr(&m, 0x40, 0, &(struct phdr){ PT_LOAD, 0x123, 0, 0x1000, 0x1000 });
	put_phdr(&m, 0x40, 1, &(struct phdr){ PT_LOAD, 0x1123 + 5, 0x7ffff000, 0x2000, 0x2000 });
	fill(&m, 0x123, 0, 0x1000);
	fill(&m, 0x1128, 0x7ffff000, 0x2000);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_eq(d->mem.nsegs, 2);
	expect_mem(d, 0, 256);
	expect_mem(d, 0xf80, 128);
	expect_mem(d, 0x7ffff000, 256);
	expect_mem(d, 0x7ffffff8, 16);   /* crosses the 2 GiB line inside one segment */
	expect_mem(d, 0x80000f00, 256);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* /proc/kcore: PT_LOADs without a physical address (p_paddr = -1) are skipped. */
Test(elf, kcore_style_segments_skipped)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;
	struct ki_error *err;

	img_init(&m, 0x3000, true, false);
	put_ehdr(&m, &(struct ehdr){ .type = ET_CORE, .machine = EM_X86_64, .phoff = 0x40,
				     .phnum = 3 });
	put_phdr(&m, 0x40, 0, &(struct phdr){ PT_LOAD, 0x1000, UINT64_MAX, 0x1000, 0x1000 });
	put_phdr(&m, 0x40, 1, &(struct phdr){ PT_LOAD, 0x2000, 0x40000000, 0x1000, 0x1000 });
	put_phdr(&m, 0x40, 2, &(struct phdr){ PT_LOAD, 0x1000, UINT64_MAX, 0x1000, 0x1000 });
	fill(&m, 0x1000, 0xabc000, 0x1000);
	fill(&m, 0x2000, 0x40000000, 0x1000);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_eq(d->mem.nsegs, 1);
	expect_mem(d, 0x40000000, 256);
	err = read_at(d, UINT64_MAX - 0xfff, 8);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_NODATA);
	ki_error_destroy(err);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* p_filesz < p_memsz: the tail is described but filtered (NODATA). */
Test(elf, filesz_below_memsz)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;
	struct ki_error *err;

	img_init(&m, 0x2000, true, false);
	put_ehdr(&m, &(struct ehdr){ .type = ET_CORE, .machine = EM_X86_64, .phoff = 0x40,
				     .phnum = 1 });
	put_phdr(&m, 0x40, 0, &(struct phdr){ PT_LOAD, 0x1000, 0x200000, 0x1000, 0x4000 });
	fill(&m, 0x1000, 0x200000, 0x1000);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	expect_mem(d, 0x200f00, 256);
	err = read_at(d, 0x202000, 16);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_NODATA, "%s", err->message);
	cr_assert(err->has_paddr);
	cr_assert_eq(err->paddr, 0x202000);
	cr_assert_not_null(strstr(err->message, "filtered"), "%s", err->message);
	ki_error_destroy(err);
	/* straddling the end of the stored part */
	err = read_at(d, 0x200ff8, 16);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_NODATA);
	cr_assert_eq(err->paddr, 0x201000);
	ki_error_destroy(err);
	cr_assert(ki_memreader_contains(&d->mem, 0x200000, 0x1000));
	cr_assert_not(ki_memreader_contains(&d->mem, 0x200000, 0x1001));
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* A PT_LOAD running past the end of the file: a warning at open, TRUNCATED on read. */
Test(elf, segment_past_eof)
{
	const struct ki_finding *fi;
	struct ki_dump *d;
	struct tmpf t;
	struct img m;
	struct ki_error *err;

	img_init(&m, 0x4000, true, false);
	put_ehdr(&m, &(struct ehdr){ .type = ET_CORE, .machine = EM_X86_64, .phoff = 0x40,
				     .phnum = 2 });
	put_phdr(&m, 0x40, 0, &(struct phdr){ PT_LOAD, 0x1000, 0x1000000, 0x1000, 0x1000 });
	/* promises 0x4000 bytes from 0x2000; the file ends at 0x2800 */
	put_phdr(&m, 0x40, 1, &(struct phdr){ PT_LOAD, 0x2000, 0x2000000, 0x4000, 0x4000 });
	fill(&m, 0x1000, 0x1000000, 0x1000);
	fill(&m, 0x2000, 0x2000000, 0x2000);
	write_img(&t, &m, 0x2800);
	d = open_ok(&t);
	fi = find_finding(d, "segment-past-eof");
	cr_assert_not_null(fi, "no segment-past-eof finding");
	cr_assert_eq(fi->severity, KI_SEV_WARNING);
	cr_assert(fi->has_paddr);
	cr_assert_eq(fi->paddr, 0x2000000);
	cr_assert_eq(d->findings.counts[KI_SEV_WARNING], 1, "only the second segment is short");
	expect_mem(d, 0x1000000, 256);
	expect_mem(d, 0x2000700, 256);
	err = read_at(d, 0x2000800, 8);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_TRUNCATED, "%s", err->message);
	cr_assert(err->has_paddr);
	cr_assert_eq(err->paddr, 0x2000800);
	ki_error_destroy(err);
	err = read_at(d, 0x20007f8, 16);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_TRUNCATED);
	cr_assert_eq(err->paddr, 0x2000800);
	ki_error_destroy(err);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* p_offset + p_filesz overflowing: the segment is ignored with a warning. */
Test(elf, segment_offset_overflow_ignored)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	img_init(&m, 0x2000, true, false);
	put_ehdr(&m, &(struct ehdr){ .type = ET_CORE, .machine = EM_X86_64, .phoff = 0x40,
				     .phnum = 2 });
	put_phdr(&m, 0x40, 0, &(struct phdr){ PT_LOAD, UINT64_C(0x7fffffffffffff00),
					      0x5000000, 0x1000, 0x1000 });
	put_phdr(&m, 0x40, 1, &(struct phdr){ PT_LOAD, 0x1000, 0x6000000, 0x1000, 0x1000 });
	fill(&m, 0x1000, 0x6000000, 0x1000);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_eq(d->mem.nsegs, 1);
	cr_assert_eq(d->findings.counts[KI_SEV_WARNING], 1);
	expect_mem(d, 0x6000000, 64);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

Test(elf, no_pt_load_is_format_error)
{
	struct tmpf t;
	struct img m;
	size_t nsz;

	img_init(&m, 0x1000, true, false);
	nsz = put_vmcoreinfo(&m, 0x200, "PAGESIZE=4096\n");
	put_ehdr(&m, &(struct ehdr){ .type = ET_CORE, .machine = EM_X86_64, .phoff = 0x40,
				     .phnum = 1 });
	put_phdr(&m, 0x40, 0, &(struct phdr){ PT_NOTE, 0x200, 0, nsz, nsz });
	write_img(&t, &m, m.size);
	expect_open_error(&t, KI_ERR_FORMAT);
	rm_img(&t);
	free(m.buf);
}

/* Only kcore-style segments: still no memory with physical addresses. */
Test(elf, only_kcore_segments_is_format_error)
{
	struct tmpf t;
	struct img m;

	img_init(&m, 0x2000, true, false);
	put_ehdr(&m, &(struct ehdr){ .type = ET_CORE, .machine = EM_X86_64, .phoff = 0x40,
				     .phnum = 1 });
	put_phdr(&m, 0x40, 0, &(struct phdr){ PT_LOAD, 0x1000, UINT64_MAX, 0x1000, 0x1000 });
	write_img(&t, &m, m.size);
	expect_open_error(&t, KI_ERR_FORMAT);
	rm_img(&t);
	free(m.buf);
}

/*
 * The ELF header promises three program headers the file does not have.
 * Was a bug (fixed with this test): dump_elf.c returns KI_ERR_FORMAT
 * "ELF program header count (PN_XNUM section 0 unreadable?)": libelf's
 * elf_getphdrnum() fails when e_phoff is at or past EOF, and that failure
 * is worded as a PN_XNUM problem although e_phnum is a plain 3. The file
 * ends before data its header promises: KI_ERR_TRUNCATED (STYLE §3).
 */
Test(elf, truncated_after_header)
{
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_X86_64, "PAGESIZE=4096\n", 0);
	write_img(&t, &m, sizeof(Elf64_Ehdr));
	expect_open_error(&t, KI_ERR_TRUNCATED);
	rm_img(&t);
	free(m.buf);
}

/* The file ends inside the program header table. */
Test(elf, truncated_in_program_headers)
{
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_X86_64, "PAGESIZE=4096\n", 0);
	write_img(&t, &m, 0x40 + sizeof(Elf64_Phdr) + 20);
	expect_open_error(&t, KI_ERR_TRUNCATED);
	rm_img(&t);
	free(m.buf);
}

/*
 * The file ends inside the ELF header itself: it starts with the ELF magic,
 * so it is a truncated ELF file rather than something of another format.
 * Was a bug (fixed with this test): dump_elf.c says KI_ERR_FORMAT "not
 * an ELF file" (libelf's elf_kind() is ELF_K_NONE for a 40-byte file).
 */
Test(elf, truncated_in_elf_header)
{
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_X86_64, NULL, 0);
	write_img(&t, &m, 40);
	expect_open_error(&t, KI_ERR_TRUNCATED);
	rm_img(&t);
	free(m.buf);
}

Test(elf, et_exec_is_format_error)
{
	struct ki_dump *d = NULL;
	struct ki_error *err;
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_X86_64, NULL, 0);
	PUT(&m, 0, Elf64_Ehdr, e_type, ET_EXEC);
	write_img(&t, &m, m.size);
	err = open_core(&t, &d);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_FORMAT);
	cr_assert_not_null(strstr(err->message, "ET_CORE"), "%s", err->message);
	cr_assert_null(d);
	ki_error_destroy(err);
	rm_img(&t);
	free(m.buf);
}

Test(elf, et_dyn_is_format_error)
{
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_X86_64, NULL, 0);
	PUT(&m, 0, Elf64_Ehdr, e_type, ET_DYN);
	write_img(&t, &m, m.size);
	expect_open_error(&t, KI_ERR_FORMAT);
	rm_img(&t);
	free(m.buf);
}

/* makedumpfile sets e_flags bit 0 on an incomplete dump: always a warning. */
Test(elf, incomplete_flag_warns)
{
	const struct ki_finding *fi;
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_X86_64, "PAGESIZE=4096\n", 1);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	fi = find_finding(d, "incomplete-dump");
	cr_assert_not_null(fi);
	cr_assert_eq(fi->severity, KI_SEV_WARNING);
	expect_std_mem(d);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);

	/* and only bit 0 means that */
	std_core(&m, false, EM_X86_64, "PAGESIZE=4096\n", 2);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_null(find_finding(d, "incomplete-dump"));
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* Big-endian ppc64 core with a 64 KiB VMCOREINFO page size. */
Test(elf, big_endian_ppc64)
{
	static const unsigned char word[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	std_core(&m, true, EM_PPC64, "OSRELEASE=7.2.0\nPAGESIZE=65536\n", 0);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert(d->big_endian);
	cr_assert_eq(d->elf_class, 64);
	cr_assert_eq(d->e_machine, EM_PPC64);
	cr_assert_str_eq(d->arch, "ppc64");
	cr_assert_eq(d->page_size, 65536);
	cr_assert_not_null(strstr(d->page_size_source, "VMCOREINFO"));
	cr_assert_str_eq(d->osrelease, "7.2.0");
	expect_std_mem(d);
	/* values in the dump's byte order */
	cr_assert_eq(ki_dump_u64(d, word), UINT64_C(0x0102030405060708));
	cr_assert_eq(ki_dump_u32(d, word), 0x01020304);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

Test(elf, little_endian_u64)
{
	static const unsigned char word[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_X86_64, NULL, 0);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_not(d->big_endian);
	cr_assert_eq(ki_dump_u64(d, word), UINT64_C(0x0807060504030201));
	cr_assert_eq(ki_dump_u32(d, word), 0x04030201);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* Big-endian s390x: 4 KiB from the architecture. */
Test(elf, big_endian_s390x_arch_page_size)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	std_core(&m, true, EM_S390, NULL, 0);
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert(d->big_endian);
	cr_assert_str_eq(d->arch, "s390x");
	cr_assert_eq(d->page_size, 4096);
	expect_std_mem(d);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/*
 * PN_XNUM: 65537 program headers, more than e_phnum can hold. e_phnum is
 * 0xffff and section header 0's sh_info holds the count. Segment i is 16
 * bytes at paddr 0x10000000 + i * 0x1000, file offset DATA + i * 16.
 */
Test(elf, pn_xnum_many_segments, .timeout = 30)
{
	enum { N = 65537 };
	const size_t phoff = 0x40, shoff = phoff + (size_t)N * sizeof(Elf64_Phdr);
	const size_t data = (shoff + sizeof(Elf64_Shdr) + 0xfff) & ~(size_t)0xfff;
	struct ki_error *err;
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	img_init(&m, data + (size_t)N * 16, true, false);
	put_ehdr(&m, &(struct ehdr){ .type = ET_CORE, .machine = EM_X86_64, .phoff = phoff,
				     .phnum = N, .shoff = shoff });
	cr_assert_eq(m.buf[offsetof(Elf64_Ehdr, e_phnum)], 0xff);
	cr_assert_eq(m.buf[offsetof(Elf64_Ehdr, e_phnum) + 1], 0xff);
	for (size_t i = 0; i < N; i++) {
		uint64_t pa = 0x10000000 + i * 0x1000;

		put_phdr(&m, phoff, i, &(struct phdr){ PT_LOAD, data + i * 16, pa, 16, 16 });
		fill(&m, data + i * 16, pa, 16);
	}
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_eq(d->mem.nsegs, N, "%zu segments registered, expected %d",
		     d->mem.nsegs, N);
	expect_mem(d, 0x10000000, 16);
	expect_mem(d, 0x10000000 + 0xfffe * 0x1000, 16);     /* index 65534 */
	expect_mem(d, 0x10000000 + 0xffff * 0x1000, 16);     /* index 65535 */
	expect_mem(d, 0x10000000 + (uint64_t)(N - 1) * 0x1000, 16);
	err = read_at(d, 0x10000010, 1);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_NODATA);
	ki_error_destroy(err);
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* Several PT_LOADs all at paddr 0 (an old kcore): a warning. */
Test(elf, all_paddr_zero_warns)
{
	struct ki_dump *d;
	struct tmpf t;
	struct img m;

	img_init(&m, 0x3000, true, false);
	put_ehdr(&m, &(struct ehdr){ .type = ET_CORE, .machine = EM_X86_64, .phoff = 0x40,
				     .phnum = 2 });
	put_phdr(&m, 0x40, 0, &(struct phdr){ PT_LOAD, 0x1000, 0, 0x1000, 0x1000 });
	put_phdr(&m, 0x40, 1, &(struct phdr){ PT_LOAD, 0x2000, 0, 0x1000, 0x1000 });
	write_img(&t, &m, m.size);
	d = open_ok(&t);
	cr_assert_not_null(find_finding(d, "no-paddr"));
	ki_dump_destroy(d);
	rm_img(&t);
	free(m.buf);
}

/* --page-size given: it wins, and a disagreement with the dump is a warning. */
Test(elf, page_size_option_overrides)
{
	struct ki_dump_options o = { .page_size = 16384 };
	struct ki_dump *d = NULL;
	struct ki_error *err;
	struct tmpf t;
	struct img m;

	std_core(&m, false, EM_AARCH64, "PAGESIZE=4096\n", 0);
	write_img(&t, &m, m.size);
	err = ki_dump_open(t.path, &o, &d);
	cr_assert_null(err, "%s", err ? err->message : "");
	cr_assert_eq(d->page_size, 16384);
	cr_assert_not_null(find_finding(d, "page-size-override"));
	ki_dump_destroy(d);

	o.page_size = 8192;
	err = ki_dump_open(t.path, &o, &d);
	cr_assert_not_null(err);
	cr_assert_eq(err->code, KI_ERR_USAGE);
	ki_error_destroy(err);
	rm_img(&t);
	free(m.buf);
}
