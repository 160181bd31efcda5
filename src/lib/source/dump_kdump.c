// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kdump-compressed dumps (makedumpfile -c/-l/-p/-z, QEMU kdump-*), read
 * through libkdumpfile with KDUMP_MACHPHYSADDR, which needs no OS type,
 * VMCOREINFO or architecture. Pages the dump excluded read as NODATA.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ki_dump.h"

/* Offsets in makedumpfile's disk_dump_header (block 0). */
enum { KDUMP_HDR_STATUS = 424, KDUMP_STATUS_INCOMPLETE = 0x8 };
enum { KDUMP_CACHE_PAGES = 16 };

/*
 * Page descriptors are checked before libkdumpfile reads a page: 0.5.1
 * trusts them (a descriptor past the table, or of size 0, made it write
 * through NULL; found by fuzzing). A descriptor {i64 offset, u32 size,
 * u32 flags, u64 page_flags} of the n-th page stored (the n-th set bit of
 * the 2nd bitmap) sits at pd_start + 24 n; page data follows the table.
 */
enum {
	PD_SIZE = 24, BMP_CHUNK = 65536, PD_BLOCK = 170,
	PD_FLAGS_KNOWN = 0x1 | 0x2 | 0x4 | 0x20, /* zlib, lzo, snappy, zstd */
};

struct pd_check {
	int fd;
	bool be;
	uint64_t bs, bmp2_off, bmp2_len, pd_start, data_start, file_size;
	uint64_t *rank;            /* set bits before each 2nd-bitmap chunk */
	size_t nrank;
	unsigned char *chunk;      /* cached bitmap chunk */
	uint64_t chunk_no;
	size_t chunk_len;
	uint32_t *sub;             /* set bits in the chunk before each 8-byte word */
	unsigned char descs[PD_BLOCK * PD_SIZE];
	uint64_t desc_first;       /* index of descs[0] */
	size_t ndesc;
};

/* What the header says besides the layout (for the arch and page size). */
struct kdump_hdr {
	char machine[66];          /* utsname.machine */
	bool be;
	uint64_t vmci_off, vmci_size;  /* VMCOREINFO text (v3+) */
	uint64_t note_off, note_size;  /* ELF notes (v4+) */
};

struct kdump_src {
	kdump_ctx_t *ctx;
	kdump_bmp_t *pagemap;  /* pages stored in the file */
	uint64_t page_size;    /* the block size: the unit of the file's pages */
	struct pd_check pd;
	struct kdump_hdr hdr;
};

static uint64_t pd_u64(const struct pd_check *c, const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return c->be ? be64toh(v) : le64toh(v);
}

static uint32_t pd_u32(const struct pd_check *c, const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return c->be ? be32toh(v) : le32toh(v);
}

static struct ki_error *pd_chunk(struct pd_check *c, uint64_t no)
{
	uint64_t off = no * BMP_CHUNK;
	size_t len = off + BMP_CHUNK <= c->bmp2_len ? BMP_CHUNK : (size_t)(c->bmp2_len - off);
	size_t got;
	struct ki_error *err;

	if (c->chunk && c->chunk_no == no && c->chunk_len)
		return NULL;
	if (!c->chunk && !(c->chunk = calloc(1, BMP_CHUNK)))
		return &ki_enomem;
	if (!c->sub && !(c->sub = malloc((BMP_CHUNK / 8 + 1) * sizeof(*c->sub))))
		return &ki_enomem;
	c->chunk_len = 0;
	err = ki_pread_full(c->fd, "kdump bitmap", c->chunk, len, c->bmp2_off + off, &got);
	if (err)
		return err;
	if (got < len)
		return ki_error_create(KI_ERR_TRUNCATED, "kdump-compressed dump: the 2nd bitmap ends early at offset 0x%" PRIx64,
				       c->bmp2_off + off + got);
	memset(c->chunk + len, 0, BMP_CHUNK - len);
	c->sub[0] = 0;
	for (size_t w = 0; w < BMP_CHUNK / 8; w++) {
		uint64_t v;

		memcpy(&v, c->chunk + 8 * w, 8);
		c->sub[w + 1] = c->sub[w] + (uint32_t)__builtin_popcountll(v);
	}
	c->chunk_no = no;
	c->chunk_len = len;
	return NULL;
}

/*
 * Where the page data starts: right after the table, one descriptor per
 * stored page (makedumpfile and QEMU both write it so). The first
 * descriptor does not say it: QEMU writes the one zero page that every
 * zero page's descriptor shares first, so in a booted guest, whose PFN 0
 * is not zero, the first descriptor points one page past the start
 * (docs/formats.md §8.3, §8.6). A first descriptor that points into the
 * table does say the table is shorter than the 2nd bitmap counts.
 */
static struct ki_error *pd_table_end(struct pd_check *c, uint64_t total)
{
	unsigned char first[8];
	uint64_t first_off;
	size_t got;
	struct ki_error *err;

	if (total > (c->file_size - c->pd_start) / PD_SIZE)
		return ki_error_create(KI_ERR_TRUNCATED,
				       "kdump-compressed dump: the 2nd bitmap says %" PRIu64 " pages are stored, but the descriptor table at 0x%" PRIx64 " would run past the end of the 0x%" PRIx64 "-byte file: the dump is truncated or the bitmap is damaged",
				       total, c->pd_start, c->file_size);
	c->data_start = c->pd_start + total * PD_SIZE;
	if (!total)
		return NULL;
	err = ki_pread_full(c->fd, "kdump page descriptors", first, sizeof(first), c->pd_start, &got);
	if (err)
		return err;
	first_off = got == sizeof(first) ? pd_u64(c, first) : c->pd_start;
	if (first_off < c->data_start)
		return ki_error_create(KI_ERR_CORRUPT,
				       "kdump-compressed dump: the 2nd bitmap says %" PRIu64 " pages are stored, the descriptor table (0x%" PRIx64 "-0x%" PRIx64 ") has room for %" PRIu64 ": the bitmap or the table is damaged",
				       total, c->pd_start, first_off,
				       first_off > c->pd_start ? (first_off - c->pd_start) / PD_SIZE : 0);
	return NULL;
}

/*
 * At open: stream both bitmaps once. Every stored page must be RAM (2nd
 * bitmap within the 1st), and the descriptor table must hold a descriptor
 * for every stored page; otherwise descriptors would be matched to the
 * wrong pages. Builds the rank of each chunk of the 2nd bitmap.
 */
static struct ki_error *pd_scan(struct pd_check *c)
{
	uint64_t nchunks = (c->bmp2_len + BMP_CHUNK - 1) / BMP_CHUNK, total = 0;
	uint64_t bmp1_off = c->bmp2_off - c->bmp2_len;
	unsigned char *b1 = malloc(BMP_CHUNK);
	struct ki_error *err = NULL;

	c->rank = calloc(nchunks + 1, sizeof(*c->rank));
	if (!b1 || !c->rank) {
		free(b1);
		return &ki_enomem;
	}
	c->nrank = nchunks + 1;
	for (uint64_t no = 0; no < nchunks && !err; no++) {
		size_t got;

		c->rank[no] = total;
		err = pd_chunk(c, no);
		if (!err)
			err = ki_pread_full(c->fd, "kdump bitmap", b1, c->chunk_len,
					    bmp1_off + no * BMP_CHUNK, &got);
		if (err)
			break;
		for (size_t i = 0; i < c->chunk_len; i++) {
			if (c->chunk[i] & ~b1[i]) {
				uint64_t pfn = (no * BMP_CHUNK + i) * 8 +
					       (unsigned int)__builtin_ctz(c->chunk[i] & ~b1[i]);

				err = ki_error_create(KI_ERR_CORRUPT,
						      "kdump-compressed dump: PFN 0x%" PRIx64 " is stored (2nd bitmap) but not RAM (1st bitmap): the bitmaps are damaged",
						      pfn);
				break;
			}
		}
		total += c->sub[BMP_CHUNK / 8];
	}
	free(b1);
	if (err)
		return err;
	c->rank[nchunks] = total;
	return pd_table_end(c, total);
}

/* Whether pfn is stored and, if so, its descriptor index. */
static struct ki_error *pd_index(struct pd_check *c, uint64_t pfn, bool *stored, uint64_t *index)
{
	uint64_t byte = pfn / 8, no = byte / BMP_CHUNK;
	unsigned int bit = pfn % 8;
	size_t in;
	struct ki_error *err;

	*stored = false;
	if (byte >= c->bmp2_len)
		return NULL;
	err = pd_chunk(c, no);
	if (err)
		return err;
	in = (size_t)(byte - no * BMP_CHUNK);
	if (!(c->chunk[in] & (1u << bit)))
		return NULL;
	*stored = true;
	*index = c->rank[no] + c->sub[in / 8];
	for (size_t i = in & ~(size_t)7; i < in; i++)
		*index += (unsigned int)__builtin_popcount(c->chunk[i]);
	*index += (unsigned int)__builtin_popcount(c->chunk[in] & ((1u << bit) - 1));
	return NULL;
}

/* NULL when the descriptor of pfn (if stored) is one libkdumpfile can use. */
static struct ki_error *pd_verify(struct pd_check *c, uint64_t pfn, bool *stored)
{
	uint64_t index, off, at;
	uint32_t size, flags;
	const unsigned char *e;
	struct ki_error *err = pd_index(c, pfn, stored, &index);

	if (err || !*stored)
		return err;
	at = c->pd_start + index * PD_SIZE;
	if (c->data_start < c->pd_start + PD_SIZE || index > (c->data_start - c->pd_start) / PD_SIZE - 1)
		return ki_error_create(KI_ERR_CORRUPT,
				       "kdump-compressed dump: PFN 0x%" PRIx64 " is the %" PRIu64 "th page stored, but the descriptor table (0x%" PRIx64 "-0x%" PRIx64 ") holds fewer: the 2nd bitmap is damaged",
				       pfn, index, c->pd_start, c->data_start);
	if (index < c->desc_first || index >= c->desc_first + c->ndesc) {
		uint64_t n = (c->data_start - at) / PD_SIZE;
		size_t got;

		if (n > PD_BLOCK)
			n = PD_BLOCK;
		err = ki_pread_full(c->fd, "kdump page descriptors", c->descs, n * PD_SIZE, at, &got);
		if (err)
			return err;
		c->desc_first = index;
		c->ndesc = got / PD_SIZE;
		if (!c->ndesc)
			return ki_error_create(KI_ERR_TRUNCATED,
					       "kdump-compressed dump: page descriptor at offset 0x%" PRIx64 " is past the end of the file", at);
	}
	e = c->descs + (index - c->desc_first) * PD_SIZE;
	off = pd_u64(c, e);
	size = pd_u32(c, e + 8);
	flags = pd_u32(c, e + 12);
	if (off < c->data_start || size == 0 || size > c->bs || off > c->file_size ||
	    size > c->file_size - off || (flags & ~(uint32_t)PD_FLAGS_KNOWN) ||
	    (flags & (flags - 1)) || (!flags && size != c->bs))
		return ki_error_create(KI_ERR_CORRUPT,
				       "kdump-compressed dump: page descriptor of PFN 0x%" PRIx64 " at offset 0x%" PRIx64
				       " is damaged (data offset 0x%" PRIx64 ", size %u, flags 0x%x; the file has 0x%" PRIx64 " bytes)",
				       pfn, at, off, size, flags, c->file_size);
	return NULL;
}

static struct ki_error *kdump_read_fn(void *arg, void *buf, uint64_t paddr,
				      size_t len, uint64_t pos)
{
	struct kdump_src *k = arg;
	size_t got;
	kdump_status st;

	(void)pos;
	/*
	 * One page per kdump_read, only stored pages with sound descriptors,
	 * and an emptied cache after any failure: libkdumpfile 0.5.1 leaves
	 * its cache broken after a read that fails (an excluded page, a page
	 * that does not decompress), and a later read of an evicted page
	 * writes through NULL (found by fuzzing).
	 */
	while (len) {
		uint64_t pfn = paddr / k->page_size;
		size_t n = (size_t)(k->page_size - paddr % k->page_size);
		bool stored = true;

		if (n > len)
			n = len;
		if (k->pd.bs) {
			struct ki_error *err = pd_verify(&k->pd, pfn, &stored);

			if (err)
				return ki_error_set_paddr(err, paddr);
			if (!stored)
				return ki_error_set_paddr(ki_error_create(KI_ERR_NODATA,
						"physical address 0x%" PRIx64 " is not in the dump (its page is not stored: the dump was filtered, or this is not RAM)",
						paddr), paddr);
		}
		got = n;
		st = kdump_read(k->ctx, KDUMP_MACHPHYSADDR, paddr, buf, &got);
		if (st != KDUMP_OK) {
			const char *why = kdump_get_err(k->ctx);
			struct ki_error *err = ki_error_create(
				st == KDUMP_ERR_NODATA ? KI_ERR_NODATA :
				st == KDUMP_ERR_CORRUPT ? KI_ERR_CORRUPT : KI_ERR_FORMAT,
				st == KDUMP_ERR_NODATA
					? "physical address 0x%" PRIx64 " is not in the dump (%s; the dump was filtered, or this is not RAM)"
					: "reading physical address 0x%" PRIx64 ": %s",
				paddr + got, why ? why : "libkdumpfile gives no reason");

			/* a failed read can leave a cache entry without data that a
			 * later read writes through: start with an empty cache */
			kdump_set_number_attr(k->ctx, "cache.size", 0);
			kdump_set_number_attr(k->ctx, "cache.size", KDUMP_CACHE_PAGES);
			return ki_error_set_paddr(err, paddr + got);
		}
		buf = (unsigned char *)buf + n;
		paddr += n;
		len -= n;
	}
	return NULL;
}

/* Next address at or after pos whose page the file stores. */
static uint64_t kdump_next_data(void *arg, uint64_t pos)
{
	struct kdump_src *k = arg;
	kdump_addr_t pfn = pos / k->page_size;

	if (!k->pagemap)
		return pos;
	if (kdump_bmp_find_set(k->pagemap, &pfn) != KDUMP_OK)
		return UINT64_MAX;
	if (pfn > UINT64_MAX / k->page_size)
		return UINT64_MAX;
	return (uint64_t)pfn * k->page_size > pos ? (uint64_t)pfn * k->page_size : pos;
}

/*
 * libkdumpfile 0.5.1 can crash in kdump_free() after a failed open (seen
 * on a zeroed header and on forced-arch QEMU dumps). A context whose open
 * failed is parked here instead: reachable, so not a leak, and never freed.
 */
static kdump_ctx_t *failed_ctx[8];

static void park_failed(kdump_ctx_t *ctx)
{
	for (size_t i = 0; i < sizeof(failed_ctx) / sizeof(failed_ctx[0]); i++) {
		if (!failed_ctx[i]) {
			failed_ctx[i] = ctx;
			return;
		}
	}
	/* More failed opens than slots in one process: leak it. */
}

void ki_dump_kdump_close(void *src)
{
	struct kdump_src *k = src;

	if (!k)
		return;
	if (k->pagemap)
		kdump_bmp_decref(k->pagemap);
	if (k->ctx)
		kdump_free(k->ctx);
	free(k->pd.rank);
	free(k->pd.chunk);
	free(k->pd.sub);
	free(k);
}

static const char *arch_name(const char *s)
{
	static const char *const known[] = {
		"x86_64", "aarch64", "ppc64", "s390x", "riscv64", "arm", "loongarch64",
	};

	if (!strcmp(s, "ia32") || !strcmp(s, "i386") || !strcmp(s, "i686"))
		return "i386";
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(s, known[i]))
			return known[i];
	return NULL;
}

static uint32_t rd32(const unsigned char *p, bool be)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return be ? be32toh(v) : le32toh(v);
}

/* More than this of VMCOREINFO or notes is not a kernel's: not read. */
enum { KDUMP_TEXT_MAX = 1 << 20 };

/* The VMCOREINFO text the sub-header points at (makedumpfile always
 * writes it; QEMU when the guest gave it one): the page size, the release. */
static void read_vmcoreinfo(struct ki_dump *d, const struct kdump_hdr *hd)
{
	char *text;
	size_t got;
	struct ki_error *err;

	if (!hd->vmci_size || hd->vmci_size > KDUMP_TEXT_MAX)
		return;
	text = malloc(hd->vmci_size);
	if (!text)
		return;
	err = ki_pread_full(d->fd, d->path, text, hd->vmci_size, hd->vmci_off, &got);
	if (!err)
		ki_dump_parse_vmcoreinfo(d, text, got);
	ki_error_destroy(err);
	free(text);
}

/*
 * The ELF notes the sub-header points at: a VMCOREINFO note (QEMU copies
 * the guest's there) and the size of the first CORE NT_PRSTATUS, which is
 * the architecture's: 336 bytes on x86_64, 392 on aarch64 (a 112-byte
 * common part, then 27 or 34 registers and pr_fpvalid, padded to 8).
 * QEMU writes machine "Unknown" for aarch64 guests and no sysname, so
 * libkdumpfile names no architecture; the notes still do.
 */
static const char *read_notes(struct ki_dump *d, const struct kdump_hdr *hd)
{
	unsigned char *n;
	const char *arch = NULL;
	uint64_t prstatus = 0;
	size_t got, off = 0;
	struct ki_error *err;

	if (!hd->note_size || hd->note_size > KDUMP_TEXT_MAX)
		return NULL;
	n = malloc(hd->note_size);
	if (!n)
		return NULL;
	err = ki_pread_full(d->fd, d->path, n, hd->note_size, hd->note_off, &got);
	if (err) {
		ki_error_destroy(err);
		got = 0;
	}
	while (got >= 12 && off <= got - 12) {
		uint32_t namesz = rd32(n + off, hd->be), descsz = rd32(n + off + 4, hd->be);
		uint32_t type = rd32(n + off + 8, hd->be);
		uint64_t name = off + 12, desc = name + (((uint64_t)namesz + 3) & ~(uint64_t)3);
		uint64_t next = desc + (((uint64_t)descsz + 3) & ~(uint64_t)3);

		if (next > got)
			break;
		if (namesz == 5 && !memcmp(n + name, "CORE", 5) && type == 1 && !prstatus)
			prstatus = descsz;
		else if (namesz == sizeof("VMCOREINFO") &&
			 !memcmp(n + name, "VMCOREINFO", sizeof("VMCOREINFO")))
			ki_dump_parse_vmcoreinfo(d, (const char *)n + desc, descsz);
		off = (size_t)next;
	}
	free(n);
	if (prstatus == 336)
		arch = "x86_64";
	else if (prstatus == 392)
		arch = "aarch64";
	return arch;
}

/*
 * Check the disk_dump_header before libkdumpfile sees it: a context whose
 * open failed cannot be freed (see park_failed), so inputs that are
 * plainly not a diskdump are refused here, with the field that is wrong.
 *
 * kdump_sub_header (block 1) of a 64-bit writer: offset/size pairs of the
 * VMCOREINFO (v3+), the ELF notes (v4+) and the erase info (v5+) must lie
 * in the file, and max_mapnr_64 (v6+) within the bitmaps; libkdumpfile
 * otherwise tries to allocate what they say. (A 32-bit machine's dump is
 * refused before: check_header.)
 */
static struct ki_error *check_sub_header(struct ki_dump *d, struct kdump_hdr *hd,
					 uint32_t ver, uint32_t bs, uint32_t bmp, bool be,
					 uint64_t file_size)
{
	static const struct { uint32_t ver, off; const char *what; } pairs[] = {
		{ 3, 32, "VMCOREINFO" }, { 4, 48, "ELF notes" }, { 5, 64, "erase info" },
	};
	unsigned char sub[104];
	size_t got;
	struct ki_error *err;

	if (ver < 3)
		return NULL;
	err = ki_pread_full(d->fd, d->path, sub, sizeof(sub), bs, &got);
	if (err)
		return err;
	if (got < sizeof(sub))
		return ki_error_create(KI_ERR_TRUNCATED, "kdump-compressed sub-header at offset 0x%x: only %zu bytes", bs, got);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		uint64_t off, size;

		if (ver < pairs[i].ver)
			continue;
		memcpy(&off, sub + pairs[i].off, 8);
		memcpy(&size, sub + pairs[i].off + 8, 8);
		off = be ? be64toh(off) : le64toh(off);
		size = be ? be64toh(size) : le64toh(size);
		if (size && (off > file_size || size > file_size - off))
			return ki_error_create(KI_ERR_FORMAT,
					       "kdump-compressed sub-header: the %s (offset 0x%" PRIx64 ", 0x%" PRIx64 " bytes; fields at 0x%x) lie outside the 0x%" PRIx64 "-byte file",
					       pairs[i].what, off, size, bs + pairs[i].off, file_size);
		if (i == 0) {
			hd->vmci_off = off;
			hd->vmci_size = size;
		} else if (i == 1) {
			hd->note_off = off;
			hd->note_size = size;
		}
	}
	if (ver >= 6) {
		uint64_t max_mapnr;

		memcpy(&max_mapnr, sub + 96, 8);
		max_mapnr = be ? be64toh(max_mapnr) : le64toh(max_mapnr);
		if (max_mapnr > (uint64_t)bmp / 2 * bs * 8)
			return ki_error_create(KI_ERR_FORMAT,
					       "kdump-compressed sub-header: max_mapnr_64 0x%" PRIx64 " (at 0x%x) is more pages than the bitmaps (%u blocks) describe",
					       max_mapnr, bs + 96, bmp);
	}
	return NULL;
}

static struct ki_error *check_header(struct ki_dump *d, struct pd_check *pd,
				     struct kdump_hdr *hd)
{
	/* utsname machine of 32-bit writers */
	static const char *const narrow[] = {
		"i386", "i486", "i586", "i686", "arm", "armv7l", "ppc", "mips", "s390", "sh4", "sparc",
	};
	unsigned char h[464];
	size_t got;
	struct ki_error *err = ki_pread_full(d->fd, d->path, h, sizeof(h), 0, &got);
	uint32_t ver, bs, sub, bmp;
	bool be = false;
	struct stat st;

	if (err)
		return err;
	if (got < sizeof(h))
		return ki_error_create(KI_ERR_TRUNCATED,
				       "kdump-compressed header at offset 0: only %zu bytes", got);
	memcpy(&bs, h + 428, 4);
	if (le32toh(bs) != 4096 && le32toh(bs) != 16384 && le32toh(bs) != 65536)
		be = true;
	ver = rd32(h + 8, be);
	bs = rd32(h + 428, be);
	sub = rd32(h + 432, be);
	bmp = rd32(h + 436, be);
	if (bs != 4096 && bs != 16384 && bs != 65536)
		return ki_error_create(KI_ERR_FORMAT,
				       "kdump-compressed header: block_size %u at offset 428 is not a page size (4096, 16384, 65536)", bs);
	if (ver < 1 || ver > 64)
		return ki_error_create(KI_ERR_FORMAT,
				       "kdump-compressed header: header_version %u at offset 8 is not one makedumpfile writes", ver);
	if (sub > 1024 || bmp < 2 || (bmp & 1) || bmp > (1u << 30))
		return ki_error_create(KI_ERR_FORMAT,
				       "kdump-compressed header: sub_hdr_size %u / bitmap_blocks %u (offsets 432, 436) are not plausible", sub, bmp);
	if (fstat(d->fd, &st))
		return ki_error_create(KI_ERR_OS, "fstat: %s", strerror(errno));
	memcpy(hd->machine, h + 12 + 4 * 65, 65);
	hd->machine[65] = '\0';
	hd->be = be;
	/*
	 * KHO runs on 64-bit kernels only (x86_64, arm64: the kernel's
	 * ARCH_SUPPORTS_KEXEC_HANDOVER). A 32-bit machine's sub-header has
	 * 4-byte longs, yet libkdumpfile 0.5 reads it with 64-bit fields and
	 * allocates what they say (fuzzing found an "armv7l" header asking
	 * for 17 PB): refused here, by name.
	 */
	for (size_t i = 0; i < sizeof(narrow) / sizeof(narrow[0]); i++)
		if (!strcmp(hd->machine, narrow[i]))
			return ki_error_create(KI_ERR_UNSUPPORTED,
					       "kdump-compressed dump of a 32-bit machine (utsname machine \"%s\" at offset 0x%x): KHO exists only on 64-bit kernels (x86_64, arm64), so there is no hand-over to read",
					       hd->machine, 12 + 4 * 65);
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < (1 + (uint64_t)sub + bmp) * bs)
		return ki_error_create(KI_ERR_TRUNCATED,
				       "kdump-compressed dump: its header and bitmaps need 0x%" PRIx64 " bytes, the file has 0x%" PRIx64,
				       (1 + (uint64_t)sub + bmp) * bs, (uint64_t)st.st_size);
	if (S_ISREG(st.st_mode)) {
		err = check_sub_header(d, hd, ver, bs, bmp, be, (uint64_t)st.st_size);
		if (err)
			return err;
	}
	if (S_ISREG(st.st_mode)) {
		pd->fd = d->fd;
		pd->be = be;
		pd->bs = bs;
		pd->bmp2_off = (1 + (uint64_t)sub + bmp / 2) * bs;
		pd->bmp2_len = (uint64_t)bmp / 2 * bs;
		pd->pd_start = (1 + (uint64_t)sub + bmp) * bs;
		pd->file_size = (uint64_t)st.st_size;
		return pd_scan(pd);
	}
	return NULL;
}

struct ki_error *ki_dump_kdump_open(struct ki_dump *d)
{
	struct kdump_src *k;
	kdump_attr_t attr;
	kdump_num_t num, max_pfn;
	const char *str;
	unsigned char status[4];
	size_t got;
	kdump_status st;
	struct ki_error *err;

	k = calloc(1, sizeof(*k));
	if (!k)
		return &ki_enomem;
	d->kdump = k;
	err = check_header(d, &k->pd, &k->hdr);
	if (err)
		return err;
	k->ctx = kdump_new();
	if (!k->ctx)
		return &ki_enomem;
	/*
	 * Reads here are sequential or scattered single pages: a small cache
	 * is as good, and libkdumpfile's lookup cost grows with its size.
	 */
	kdump_set_number_attr(k->ctx, "cache.size", KDUMP_CACHE_PAGES);
	st = kdump_open_fd(k->ctx, d->fd);
	if (st != KDUMP_OK) {
		err = ki_error_create(KI_ERR_FORMAT,
				      "kdump-compressed header: libkdumpfile cannot open it: %s",
				      kdump_get_err(k->ctx));
		park_failed(k->ctx);
		k->ctx = NULL;
		return err;
	}
	if (kdump_get_number_attr(k->ctx, KDUMP_ATTR_BYTE_ORDER, &num) == KDUMP_OK)
		d->big_endian = num == KDUMP_BIG_ENDIAN;
	if (kdump_get_number_attr(k->ctx, KDUMP_ATTR_PAGE_SIZE, &num) != KDUMP_OK ||
	    (num != 4096 && num != 16384 && num != 65536))
		return ki_error_create(KI_ERR_UNSUPPORTED,
				       "kdump-compressed header: the block size (block_size) is unknown or not one this reader takes (4096, 16384, 65536)");
	k->page_size = num;
	/*
	 * The block size is the unit of the file, not the kernel's page size:
	 * QEMU writes 65536 for every aarch64 guest, 16 KiB pages included.
	 * The page size comes from VMCOREINFO, else the architecture, else
	 * the data (as for an ELF core without VMCOREINFO).
	 */
	read_vmcoreinfo(d, &k->hdr);
	str = read_notes(d, &k->hdr);
	{
		const char *name = NULL;

		if (kdump_get_string_attr(k->ctx, KDUMP_ATTR_ARCH_NAME, &name) == KDUMP_OK && name)
			d->arch = arch_name(name);
		if (!d->arch)
			d->arch = arch_name(k->hdr.machine);
		if (!d->arch)
			d->arch = str;
	}
	if (!d->page_size) {
		uint32_t m = ki_arch_page_sizes(d->arch);

		d->page_size_candidates = m;
		if (m == KI_PS_4K)
			ki_dump_set_page_size(d, 4096, ki_arch_page_size_rule(d->arch));
	}
	if (kdump_get_number_attr(k->ctx, "max_pfn", &max_pfn) != KDUMP_OK || !max_pfn)
		return ki_error_create(KI_ERR_FORMAT,
				       "kdump-compressed header: no max_pfn: the dump describes no memory");
	attr.type = KDUMP_BITMAP;
	if (kdump_get_typed_attr(k->ctx, KDUMP_ATTR_FILE_PAGEMAP, &attr) == KDUMP_OK) {
		k->pagemap = attr.val.bitmap;
		kdump_bmp_incref(k->pagemap);
	}
	err = ki_pread_full(d->fd, d->path, status, sizeof(status),
			    KDUMP_HDR_STATUS, &got);
	if (err)
		return err;
	if (got == sizeof(status) &&
	    (ki_dump_u32(d, status) & KDUMP_STATUS_INCOMPLETE))
		ki_findings_add(&d->findings, KI_SEV_WARNING, "incomplete-dump", false, 0,
				"kdump header status has bit 0x8 set: makedumpfile marked this dump incomplete (it ran out of space); parts of memory are missing");
	if ((uint64_t)max_pfn > UINT64_MAX / num)
		max_pfn = UINT64_MAX / num;
	return ki_memreader_add_segment(&d->mem, 0, (uint64_t)max_pfn * num,
					(uint64_t)max_pfn * num, 0, kdump_read_fn,
					kdump_next_data, k);
}
