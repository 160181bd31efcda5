// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ELF cores: /proc/vmcore, /proc/kcore, makedumpfile -E, QEMU
 * dump-guest-memory. Physical addresses come from PT_LOAD p_paddr.
 */
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ki_dump.h"

/* A VMCOREINFO note larger than this is not one. */
static const size_t VMCOREINFO_MAX = 1 << 20;
/* Notes segments larger than this are skipped (a kernel writes KiBs). */
static const uint64_t NOTES_MAX = 64 << 20;

static const char *arch_from_machine(unsigned int m)
{
	switch (m) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390x";
	case EM_RISCV: return "riscv64";
	case 258: return "loongarch64"; /* EM_LOONGARCH, newer than some elf.h */
	default: return NULL;
	}
}

static struct ki_error *elf_err(const char *what)
{
	return ki_error_create(KI_ERR_FORMAT, "%s: %s", what, elf_errmsg(-1));
}

static void read_notes(struct ki_dump *d, Elf *e, const GElf_Phdr *ph, size_t idx)
{
	Elf_Data *data;
	size_t off = 0, noff, doff;
	GElf_Nhdr nh;

	if (ph->p_filesz == 0)
		return;
	if (ph->p_filesz > NOTES_MAX) {
		ki_findings_add(&d->findings, KI_SEV_WARNING, "elf-notes", false, 0,
				"PT_NOTE #%zu at offset 0x%" PRIx64 " claims 0x%" PRIx64
				" bytes; skipped (more than 64 MiB of notes is not a kernel's)",
				idx, (uint64_t)ph->p_offset, (uint64_t)ph->p_filesz);
		return;
	}
	data = elf_getdata_rawchunk(e, (int64_t)ph->p_offset, ph->p_filesz,
				    ELF_T_NHDR);
	if (!data) {
		ki_findings_add(&d->findings, KI_SEV_WARNING, "elf-notes", false, 0,
				"PT_NOTE #%zu at offset 0x%" PRIx64 " (0x%" PRIx64
				" bytes) cannot be read: %s",
				idx, (uint64_t)ph->p_offset, (uint64_t)ph->p_filesz,
				elf_errmsg(-1));
		return;
	}
	while (off < data->d_size) {
		size_t next = gelf_getnote(data, off, &nh, &noff, &doff);
		const char *name;

		if (next == 0 || next <= off)
			break;
		name = (const char *)data->d_buf + noff;
		if (nh.n_namesz == sizeof("VMCOREINFO") &&
		    !memcmp(name, "VMCOREINFO", sizeof("VMCOREINFO")) &&
		    nh.n_descsz <= VMCOREINFO_MAX)
			ki_dump_parse_vmcoreinfo(d, (const char *)data->d_buf + doff,
					 nh.n_descsz);
		off = next;
	}
}

struct ki_error *ki_dump_elf_open(struct ki_dump *d)
{
	struct ki_error *err = NULL;
	GElf_Ehdr eh;
	struct stat st;
	size_t phnum, nload = 0, nzero = 0;
	Elf *e;

	if (fstat(d->fd, &st) < 0)
		return ki_error_os(errno, d->path, "cannot stat the dump");
	{
		/* libelf calls a short file "not ELF"; say what it is. */
		unsigned char id[EI_NIDENT];
		size_t got = 0;
		struct ki_error *e2 = ki_pread_full(d->fd, d->path, id, sizeof(id), 0, &got);
		uint64_t need = got >= EI_CLASS + 1 && id[EI_CLASS] == ELFCLASS32 ?
				sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr);

		if (e2)
			return e2;
		if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < need)
			return ki_error_set_offset(ki_error_create(KI_ERR_TRUNCATED,
					"ELF header at offset 0: the file has only %" PRIu64 " bytes, the header needs %" PRIu64
					" (truncated dump?)", (uint64_t)st.st_size, need), 0);
	}
	elf_version(EV_CURRENT);
	/* ELF_C_READ: libelf reads what it needs with pread, no mmap. */
	e = elf_begin(d->fd, ELF_C_READ, NULL);
	if (!e)
		return elf_err("ELF header at offset 0");
	if (elf_kind(e) != ELF_K_ELF) {
		err = ki_error_create(KI_ERR_FORMAT,
				      "ELF header at offset 0: not an ELF file");
		goto out;
	}
	if (!gelf_getehdr(e, &eh)) {
		err = elf_err("ELF header at offset 0 (truncated file?)");
		goto out;
	}
	if (eh.e_type != ET_CORE) {
		err = ki_error_create(KI_ERR_FORMAT,
				      "ELF header at offset 0: e_type %u is not ET_CORE; this is an ELF %s, not a memory dump",
				      (unsigned int)eh.e_type,
				      eh.e_type == ET_EXEC ? "executable (a vmlinux?)" :
				      eh.e_type == ET_DYN ? "shared object" : "object");
		goto out;
	}
	d->elf_class = eh.e_ident[EI_CLASS] == ELFCLASS32 ? 32 : 64;
	d->big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	d->e_machine = eh.e_machine;
	d->arch = arch_from_machine(eh.e_machine);
	if (eh.e_flags & 1)
		ki_findings_add(&d->findings, KI_SEV_WARNING, "incomplete-dump",
				false, 0,
				"ELF e_flags bit 0 is set: makedumpfile marked this dump incomplete (it ran out of space); parts of memory are missing");
	if (S_ISREG(st.st_mode) && eh.e_phnum && eh.e_phnum != PN_XNUM &&
	    eh.e_phoff + (uint64_t)eh.e_phnum * eh.e_phentsize > (uint64_t)st.st_size) {
		err = ki_error_set_offset(ki_error_create(KI_ERR_TRUNCATED,
				"ELF program headers at offset 0x%" PRIx64 " (%u of %u bytes) run past the end of the file (0x%" PRIx64
				" bytes): truncated dump?", (uint64_t)eh.e_phoff, (unsigned int)eh.e_phnum,
				(unsigned int)eh.e_phentsize, (uint64_t)st.st_size), (off_t)eh.e_phoff);
		goto out;
	}
	if (elf_getphdrnum(e, &phnum) != 0) {
		err = elf_err("ELF program header count (PN_XNUM section 0 unreadable?)");
		goto out;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph)) {
			err = ki_error_create(KI_ERR_TRUNCATED,
					      "ELF program header #%zu (table at offset 0x%" PRIx64
					      "): cannot be read: %s",
					      i, (uint64_t)eh.e_phoff, elf_errmsg(-1));
			goto out;
		}
		if (ph.p_type == PT_NOTE) {
			read_notes(d, e, &ph, i);
			continue;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		/* /proc/kcore: segments without a physical address. */
		if (ph.p_paddr == UINT64_MAX ||
		    (d->elf_class == 32 && ph.p_paddr == UINT32_MAX))
			continue;
		if (ph.p_paddr == 0)
			nzero++;
		nload++;
		if (ph.p_filesz && ph.p_offset > (uint64_t)INT64_MAX - ph.p_filesz) {
			ki_findings_add(&d->findings, KI_SEV_WARNING, "elf-segment",
					true, ph.p_paddr,
					"PT_LOAD #%zu (paddr 0x%" PRIx64 "): file offset 0x%" PRIx64
					" + size 0x%" PRIx64 " overflows; segment ignored",
					i, (uint64_t)ph.p_paddr, (uint64_t)ph.p_offset,
					(uint64_t)ph.p_filesz);
			continue;
		}
		if (S_ISREG(st.st_mode) && ph.p_filesz &&
		    ph.p_offset + ph.p_filesz > (uint64_t)st.st_size)
			ki_findings_add(&d->findings, KI_SEV_WARNING, "segment-past-eof",
					true, ph.p_paddr,
					"PT_LOAD #%zu (paddr 0x%" PRIx64 "-0x%" PRIx64
					") needs file bytes up to offset 0x%" PRIx64
					" but the file has 0x%" PRIx64
					"; the dump is truncated and reads past its end will fail",
					i, (uint64_t)ph.p_paddr,
					(uint64_t)(ph.p_paddr + ph.p_memsz),
					(uint64_t)(ph.p_offset + ph.p_filesz),
					(uint64_t)st.st_size);
		err = ki_memreader_add_segment(&d->mem, ph.p_paddr, ph.p_filesz,
					       ph.p_memsz > ph.p_filesz ? ph.p_memsz : ph.p_filesz,
					       ph.p_offset, ki_read_fd,
					       ki_next_data_fd,
					       (void *)(intptr_t)d->fd);
		if (err)
			goto out;
	}
	if (nload == 0) {
		err = ki_error_create(KI_ERR_FORMAT,
				      "ELF core has no PT_LOAD segment with a physical address (%zu program headers): it holds no memory",
				      phnum);
		goto out;
	}
	if (nload > 1 && nzero == nload)
		ki_findings_add(&d->findings, KI_SEV_WARNING, "no-paddr", false, 0,
				"every PT_LOAD has p_paddr 0 (an old /proc/kcore?): physical addresses are unknown, reads will be wrong");
	if (!d->page_size) {
		uint32_t m = ki_arch_page_sizes(d->arch);

		d->page_size_candidates = m;
		if (m == KI_PS_4K)
			ki_dump_set_page_size(d, 4096,
					      eh.e_machine == EM_386 ?
					      "x86 runs with 4 KiB pages only; EM_386 is a QEMU guest still in real mode" :
					      ki_arch_page_size_rule(d->arch));
	}
out:
	elf_end(e);
	return err;
}
