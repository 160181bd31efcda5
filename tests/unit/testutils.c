// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shared helpers of the unit tests: see testutils.h. The writers here are
 * written from docs/formats.md and share no code with the decoders (nor
 * with tests/gen/khogen.c, the CLI tests' generator).
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "testutils.h"

/* ---- temporary files and directories ---- */

static char tu_root[256];
static bool registered;
static char *tu_paths[256];
static size_t tu_npaths;

const char *tu_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (tu_root[0])
		return tu_root;
	snprintf(tu_root, sizeof(tu_root), "%s/ki-unit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(tu_root), "mkdtemp %s: %s", tu_root, strerror(errno));
	if (!registered)
		atexit(tu_cleanup);
	registered = true;
	return tu_root;
}

/* Keep a malloc'd string until tu_cleanup. */
static const char *keep(char *p)
{
	cr_assert_not_null(p);
	cr_assert_lt(tu_npaths, sizeof(tu_paths) / sizeof(tu_paths[0]), "too many paths");
	tu_paths[tu_npaths++] = p;
	return p;
}

const char *tu_path(const char *rel)
{
	char *p;

	cr_assert_geq(asprintf(&p, "%s/%s", tu_dir(), rel), 0);
	return keep(p);
}

const char *tu_mkdir(const char *rel)
{
	const char *path = tu_path(rel);
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + strlen(tu_dir()) + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		cr_assert(mkdir(buf, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", buf,
			  strerror(errno));
		*s = '/';
	}
	cr_assert(mkdir(buf, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", buf, strerror(errno));
	return path;
}

const char *tu_write(const char *rel, const void *data, size_t len)
{
	const char *slash = strrchr(rel, '/');
	const char *path;
	FILE *fp;

	if (slash) {
		char parent[256];

		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - rel), rel);
		tu_mkdir(parent);
	}
	path = tu_path(rel);
	fp = fopen(path, "we");
	cr_assert_not_null(fp, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, len, fp), len, "%s: short write", path);
	cr_assert_eq(fclose(fp), 0);
	return path;
}

const char *tu_write_str(const char *rel, const char *text)
{
	return tu_write(rel, text, strlen(text));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void tu_cleanup(void)
{
	if (tu_root[0])
		nftw(tu_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tu_root[0] = '\0';
	for (size_t i = 0; i < tu_npaths; i++)
		free(tu_paths[i]);
	tu_npaths = 0;
}

char *tu_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	cr_assert_not_null(fp, "%s: %s", path, strerror(errno));
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
		size_t got = fread(buf + n, 1, cap - n - 1, fp);

		if (!got)
			break;
		n += got;
	}
	fclose(fp);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* ---- findings ---- */

size_t tu_count(const struct ki_findings *f, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += !strcmp(f->items[i].id, id);
	return n;
}

const struct ki_finding *tu_find(const struct ki_findings *f, const char *id)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->items[i].id, id))
			return &f->items[i];
	return NULL;
}

const struct ki_finding *tu_find_at(const struct ki_findings *f, const char *id,
				    uint64_t paddr)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->items[i].id, id) && f->items[i].has_paddr &&
		    f->items[i].paddr == paddr)
			return &f->items[i];
	return NULL;
}

void tu_log_findings(const struct ki_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		cr_log_info("finding %s (%d) at %s0x%" PRIx64 ": %s", f->items[i].id,
			    (int)f->items[i].severity, f->items[i].has_paddr ? "" : "(none) ",
			    f->items[i].paddr, f->items[i].message);
}

/* ---- an image of physical memory ---- */

void tu_img_init(struct tu_img *m, uint64_t base, size_t size, uint64_t page_size)
{
	memset(m, 0, sizeof(*m));
	cr_assert(page_size && !(page_size & (page_size - 1)), "page size %" PRIu64, page_size);
	m->buf = calloc(1, size);
	cr_assert_not_null(m->buf);
	m->base = base;
	m->size = size;
	m->ps = page_size;
	m->next = 1;
}

void tu_img_free(struct tu_img *m)
{
	free(m->buf);
	m->buf = NULL;
}

static size_t img_off(const struct tu_img *m, uint64_t pa, size_t len)
{
	cr_assert(pa >= m->base && pa - m->base <= m->size && len <= m->size - (pa - m->base),
		  "0x%" PRIx64 "+0x%zx is outside the test image 0x%" PRIx64 "+0x%zx",
		  pa, len, m->base, m->size);
	return (size_t)(pa - m->base);
}

unsigned char *tu_img_at(struct tu_img *m, uint64_t pa, size_t len)
{
	return m->buf + img_off(m, pa, len);
}

void tu_img_put64(struct tu_img *m, uint64_t pa, uint64_t v)
{
	memcpy(tu_img_at(m, pa, 8), &v, 8);
}

void tu_img_put32(struct tu_img *m, uint64_t pa, uint32_t v)
{
	memcpy(tu_img_at(m, pa, 4), &v, 4);
}

uint64_t tu_img_get64(struct tu_img *m, uint64_t pa)
{
	uint64_t v;

	memcpy(&v, tu_img_at(m, pa, 8), 8);
	return v;
}

void tu_img_fill(struct tu_img *m, uint64_t pa, size_t len, unsigned int seed)
{
	unsigned char *p = tu_img_at(m, pa, len);

	for (size_t i = 0; i < len; i++) {
		uint64_t x = (pa + i) * UINT64_C(0x9e3779b97f4a7c15) + seed;

		p[i] = (unsigned char)(x >> 56 ^ (pa + i) ^ seed);
	}
}

uint64_t tu_img_page(struct tu_img *m)
{
	cr_assert_lt(m->next, m->size / m->ps, "test image too small for another page");
	return m->base + m->ps * m->next++;
}

const char *tu_img_write_raw(const struct tu_img *m, const char *name)
{
	return tu_write(name, m->buf, m->size);
}

static void pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	cr_assert_eq(pwrite(fd, buf, len, off), (ssize_t)len, "pwrite: %s", strerror(errno));
}

const char *tu_img_write_elf(const struct tu_img *m, const char *name, uint16_t machine,
			     const struct tu_seg *segs, size_t nsegs, const char *vmcoreinfo)
{
	Elf64_Ehdr eh = { 0 };
	size_t nph = nsegs + (vmcoreinfo ? 1 : 0);
	uint64_t off = (sizeof(eh) + nph * sizeof(Elf64_Phdr) + 0xfff) & ~UINT64_C(0xfff);
	const char *path = tu_path(name);
	int fd;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;   /* the tests run on a little-endian host */
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = machine ? machine : EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)nph;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	pwrite_all(fd, &eh, sizeof(eh), 0);
	for (size_t i = 0; i < nph; i++) {
		Elf64_Phdr ph = { 0 };

		if (vmcoreinfo && i == nsegs) {
			/* Elf64_Nhdr, "VMCOREINFO\0" padded to 12, the text padded to 4 */
			static const char nm[] = "VMCOREINFO";
			size_t len = strlen(vmcoreinfo), dpad = (len + 3) & ~(size_t)3;
			Elf64_Nhdr nh = { .n_namesz = sizeof(nm), .n_descsz = (Elf64_Word)len };
			char *note = calloc(1, sizeof(nh) + 12 + dpad);

			cr_assert_not_null(note);
			memcpy(note, &nh, sizeof(nh));
			memcpy(note + sizeof(nh), nm, sizeof(nm));
			memcpy(note + sizeof(nh) + 12, vmcoreinfo, len);
			ph.p_type = PT_NOTE;
			ph.p_offset = off;
			ph.p_filesz = sizeof(nh) + 12 + dpad;
			ph.p_align = 4;
			pwrite_all(fd, note, (size_t)ph.p_filesz, (off_t)off);
			free(note);
			off += ph.p_filesz;
		} else {
			const struct tu_seg *s = &segs[i];
			const unsigned char *src = m->buf + img_off(m, s->paddr, s->len);

			cr_assert_leq(s->stored, s->len);
			off = (off + 0xfff) & ~UINT64_C(0xfff);
			ph.p_type = PT_LOAD;
			ph.p_flags = PF_R | PF_W | PF_X;
			ph.p_offset = off;
			ph.p_paddr = s->paddr;
			ph.p_vaddr = UINT64_C(0xffff888000000000) + s->paddr;
			ph.p_filesz = s->stored;
			ph.p_memsz = s->len;
			ph.p_align = 0x1000;
			if (s->stored)
				pwrite_all(fd, src, (size_t)s->stored, (off_t)off);
			off += s->stored;
		}
		pwrite_all(fd, &ph, sizeof(ph), (off_t)(sizeof(eh) + i * sizeof(ph)));
	}
	cr_assert_eq(close(fd), 0);
	return path;
}

struct ki_dump *tu_dump_open(const char *path, const char *format, uint64_t base,
			     uint64_t page_size)
{
	struct ki_dump_options o = {
		.format = format, .base_set = format && !strcmp(format, "raw"), .base = base,
		.page_size = page_size,
	};
	struct ki_dump *d = NULL;
	struct ki_error *err = ki_dump_open(path, &o, &d);

	cr_assert_null(err, "ki_dump_open %s: %s", path, err ? err->message : "");
	cr_assert_not_null(d);
	return d;
}

/* ---- the KHO root FDT ---- */

static void u64_prop(void *buf, const char *name, uint64_t v)
{
	/* KHO's own u64 properties are the host's bytes, not FDT cells */
	cr_assert_eq(fdt_property(buf, name, &v, sizeof(v)), 0, "property %s", name);
}

uint32_t tu_kho_fdt(void *buf, size_t cap, const struct tu_kho *k)
{
	cr_assert_eq(fdt_create(buf, (int)cap), 0);
	cr_assert_eq(fdt_finish_reservemap(buf), 0);
	cr_assert_eq(fdt_begin_node(buf, ""), 0);
	if (k->compatible)
		cr_assert_eq(fdt_property_string(buf, "compatible", k->compatible), 0);
	if (!k->no_map)
		u64_prop(buf, "preserved-memory-map", k->map);
	for (int i = 0; i < k->nkids; i++) {
		const struct tu_kho_child *c = &k->kids[i];

		cr_assert_eq(fdt_begin_node(buf, c->name), 0);
		if (c->ptr_prop)
			u64_prop(buf, c->ptr_prop, c->phys);
		if (c->has_size)
			u64_prop(buf, "blob-size", c->size);
		cr_assert_eq(fdt_end_node(buf), 0);
	}
	cr_assert_eq(fdt_end_node(buf), 0);
	cr_assert_eq(fdt_finish(buf), 0);
	cr_assert_eq(fdt_check_full(buf, cap), 0, "the test's FDT is not valid");
	return fdt_totalsize(buf);
}

uint32_t tu_img_put_kho(struct tu_img *m, uint64_t pa, const struct tu_kho *k)
{
	cr_assert_eq(pa & (m->ps - 1), 0, "the KHO FDT starts a page");
	return tu_kho_fdt(tu_img_at(m, pa, m->ps), m->ps, k);
}

void tu_img_put_kexec_meta(struct tu_img *m, uint64_t pa, const char *release,
			   uint32_t kexec_count)
{
	unsigned char *p = tu_img_at(m, pa, 73);

	/* packed: u32 version 1, char release[65], u32 kexec count */
	memset(p, 0, 73);
	tu_img_put32(m, pa, 1);
	snprintf((char *)p + 4, 65, "%s", release);
	tu_img_put32(m, pa + 69, kexec_count);
}

uint32_t tu_img_put_memblock(struct tu_img *m, uint64_t pa, const struct tu_region *r,
			     size_t n)
{
	void *buf = tu_img_at(m, pa, m->ps);

	cr_assert_eq(fdt_create(buf, (int)m->ps), 0);
	cr_assert_eq(fdt_finish_reservemap(buf), 0);
	cr_assert_eq(fdt_begin_node(buf, ""), 0);
	cr_assert_eq(fdt_property_string(buf, "compatible", "memblock-v1"), 0);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(fdt_begin_node(buf, r[i].name), 0);
		cr_assert_eq(fdt_property_string(buf, "compatible", "reserve-mem-v1"), 0);
		u64_prop(buf, "start", r[i].start);
		u64_prop(buf, "size", r[i].size);
		cr_assert_eq(fdt_end_node(buf), 0);
	}
	cr_assert_eq(fdt_end_node(buf), 0);
	cr_assert_eq(fdt_finish(buf), 0);
	return fdt_totalsize(buf);
}

/* ---- the radix tree ---- */

void tu_radix_init(struct tu_radix *r, struct tu_img *m, unsigned int depth)
{
	memset(r, 0, sizeof(*r));
	r->m = m;
	r->psh = (unsigned int)__builtin_ctzll(m->ps);
	cr_assert(r->psh == 12 || r->psh == 14 || r->psh == 16, "page shift %u", r->psh);
	r->o0 = 64 - r->psh;
	r->t = r->psh - 3;
	r->b = r->psh + 3;
	/* levels above the leaf that hold the key's ORDER_0 + 1 bits */
	r->depth = depth ? depth : (r->o0 + 1 - r->b + r->t - 1) / r->t + 1;
	r->root = tu_img_page(m);
	r->tables = 1;
}

uint64_t tu_radix_key(const struct tu_radix *r, uint64_t pa, unsigned int order)
{
	return UINT64_C(1) << (r->o0 - order) | pa >> (r->psh + order);
}

void tu_radix_mark(struct tu_radix *r, uint64_t pa, unsigned int order)
{
	uint64_t key = tu_radix_key(r, pa, order), node = r->root, bit;

	cr_assert_eq(pa & ((r->m->ps << order) - 1), 0, "block 0x%" PRIx64 " not aligned", pa);
	for (unsigned int l = r->depth - 1; l >= 1; l--) {
		uint64_t idx = key >> ((l - 1) * r->t + r->b) & ((UINT64_C(1) << r->t) - 1);
		uint64_t child = tu_img_get64(r->m, node + idx * 8);

		if (!child) {
			child = tu_img_page(r->m);
			tu_img_put64(r->m, node + idx * 8, child);
			if (l == 1)
				r->leaves++;
			else
				r->tables++;
		}
		node = child;
	}
	bit = key & ((UINT64_C(1) << r->b) - 1);
	tu_img_put64(r->m, node + bit / 64 * 8,
		     tu_img_get64(r->m, node + bit / 64 * 8) | UINT64_C(1) << (bit % 64));
}

void tu_radix_mark_n(struct tu_radix *r, uint64_t pa, unsigned int order, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		tu_radix_mark(r, pa + (i << (r->psh + order)), order);
}

/* ---- kho-v1 chunk lists ---- */

void tu_v1_init(struct tu_v1 *v, struct tu_img *m, uint32_t bitmap_bytes)
{
	memset(v, 0, sizeof(*v));
	v->m = m;
	v->psh = (unsigned int)__builtin_ctzll(m->ps);
	v->bitmap_bytes = bitmap_bytes;
	cr_assert(bitmap_bytes == 512 || bitmap_bytes == m->ps);
}

void tu_v1_mark(struct tu_v1 *v, uint64_t pa, unsigned int order)
{
	uint64_t bits = (uint64_t)v->bitmap_bytes * 8;
	uint64_t ph = pa >> (v->psh + order), start = (ph / bits * bits) << (v->psh + order);
	uint64_t bit = ph % bits;
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->ent[i].order == order && v->ent[i].phys_start == start)
			break;
	if (i == v->n) {
		cr_assert_lt(v->n, TU_V1_MAX);
		v->ent[i].order = order;
		v->ent[i].phys_start = start;
		if (v->bitmap_bytes == v->m->ps) {
			v->ent[i].bitmap = tu_img_page(v->m);
		} else if (i && v->ent[i - 1].bitmap % v->m->ps + 2 * v->bitmap_bytes <= v->m->ps) {
			/* 512-byte bitmaps share pages, as slab objects do */
			v->ent[i].bitmap = v->ent[i - 1].bitmap + v->bitmap_bytes;
		} else {
			v->ent[i].bitmap = tu_img_page(v->m);
		}
		v->n++;
	}
	unsigned char *b = tu_img_at(v->m, v->ent[i].bitmap + bit / 8, 1);

	*b |= (unsigned char)(1u << (bit % 8));
}

static int ent_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;   /* order, then phys_start */

	if ((unsigned int)x[0] != (unsigned int)y[0])
		return (unsigned int)x[0] < (unsigned int)y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

uint64_t tu_v1_finish(struct tu_v1 *v)
{
	uint64_t e[TU_V1_MAX][3], head = 0, prev = 0, chunk = 0;
	uint32_t per_chunk = (uint32_t)((v->m->ps - 16) / 16), in_chunk = 0;

	for (size_t i = 0; i < v->n; i++) {
		e[i][0] = v->ent[i].order;
		e[i][1] = v->ent[i].phys_start;
		e[i][2] = v->ent[i].bitmap;
	}
	qsort(e, v->n, sizeof(e[0]), ent_cmp);
	for (size_t i = 0; i < v->n; i++) {
		/* a new chunk when the order changes or the chunk is full */
		if (!chunk || e[i][0] != e[i - 1][0] || in_chunk == per_chunk) {
			prev = chunk;
			chunk = tu_img_page(v->m);
			if (prev)
				tu_img_put64(v->m, prev, chunk);
			else
				head = chunk;
			tu_img_put32(v->m, chunk + 8, (uint32_t)e[i][0]);
			in_chunk = 0;
		}
		tu_img_put64(v->m, chunk + 16 + 16 * in_chunk, e[i][1]);
		tu_img_put64(v->m, chunk + 24 + 16 * in_chunk, e[i][2]);
		tu_img_put32(v->m, chunk + 12, ++in_chunk);
	}
	return head;
}

/* ---- content hashes ---- */

void tu_xxh128_hex(const void *buf, size_t len, char out[33])
{
	XXH128_hash_t h = XXH3_128bits(buf, len);

	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64,
		 (unsigned long long)h.low64);
}

void tu_xxh64_hex(const void *buf, size_t len, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)XXH3_64bits(buf, len));
}

/* ---- golden fixtures ---- */

const char *tu_fixture(const char *name)
{
	static const char *const shared = "../shared/fixtures/";
	char src[512], cmd[1200];
	const char *out;

	snprintf(src, sizeof(src), "%s%s", shared, name);
	if (!access(src, R_OK))
		return keep(strdup(src));
	snprintf(src, sizeof(src), "tests/fixtures/golden/%s.xz", name);
	cr_assert_eq(access(src, R_OK), 0, "fixture %s: neither %s%s nor %s (run from the top of the tree)",
		     name, shared, name, src);
	out = tu_path(name);
	snprintf(cmd, sizeof(cmd), "xz -dc '%s' > '%s'", src, out);
	cr_assert_eq(system(cmd), 0, "%s failed", cmd);
	return out;
}

/* A small reader for the truth files' JSON: just what tu_truth needs. */
struct jr {
	const char *p, *end, *start;
	const char *file;
};

static void jr_ws(struct jr *j)
{
	while (j->p < j->end && strchr(" \t\r\n", *j->p))
		j->p++;
}

static void jr_expect(struct jr *j, char c)
{
	jr_ws(j);
	cr_assert(j->p < j->end && *j->p == c, "%s: expected '%c' at byte %td", j->file, c,
		  j->p - j->start);
	j->p++;
}

static bool jr_peek(struct jr *j, char c)
{
	jr_ws(j);
	return j->p < j->end && *j->p == c;
}

static void jr_string(struct jr *j, char *out, size_t cap)
{
	size_t n = 0;

	jr_expect(j, '"');
	while (j->p < j->end && *j->p != '"') {
		cr_assert_neq(*j->p, '\\', "%s: escapes are not expected in truth files", j->file);
		if (n + 1 < cap)
			out[n++] = *j->p;
		j->p++;
	}
	cr_assert_lt(j->p, j->end, "%s: unterminated string", j->file);
	j->p++;
	out[n] = '\0';
}

/* A number or a "0x…" string, as an integer. */
static uint64_t jr_u64(struct jr *j)
{
	char buf[32], *e;
	uint64_t v;

	jr_ws(j);
	if (*j->p == '"') {
		jr_string(j, buf, sizeof(buf));
		v = strtoull(buf, &e, 0);
		cr_assert(e != buf && !*e, "%s: \"%s\" is not a number", j->file, buf);
		return v;
	}
	v = strtoull(j->p, &e, 10);
	cr_assert_neq(e, j->p, "%s: a number expected", j->file);
	j->p = e;
	return v;
}

static void jr_skip(struct jr *j)
{
	int depth = 0;

	jr_ws(j);
	do {
		cr_assert_lt(j->p, j->end, "%s: ends inside a value", j->file);
		if (*j->p == '"') {
			char tmp[256];

			jr_string(j, tmp, sizeof(tmp));
			continue;
		}
		if (*j->p == '{' || *j->p == '[')
			depth++;
		else if (*j->p == '}' || *j->p == ']')
			depth--;
		j->p++;
		if (!depth)
			while (j->p < j->end && !strchr(",}]", *j->p))
				j->p++;
	} while (depth > 0);
}

static void truth_blocks(struct jr *j, struct tu_truth *t)
{
	size_t cap = 0;

	jr_expect(j, '[');
	while (!jr_peek(j, ']')) {
		struct tu_tblock *b;

		if (t->nblocks) {
			jr_expect(j, ',');
		}
		if (t->nblocks == cap) {
			cap = cap ? cap * 2 : 256;
			t->blocks = reallocarray(t->blocks, cap, sizeof(*t->blocks));
			cr_assert_not_null(t->blocks);
		}
		b = &t->blocks[t->nblocks++];
		jr_expect(j, '[');
		b->pa = jr_u64(j);
		jr_expect(j, ',');
		b->order = (unsigned int)jr_u64(j);
		b->owner[0] = '\0';
		if (jr_peek(j, ',')) {
			jr_expect(j, ',');
			jr_string(j, b->owner, sizeof(b->owner));
		}
		jr_expect(j, ']');
	}
	jr_expect(j, ']');
}

void tu_truth_load(const char *name, struct tu_truth *t)
{
	char path[512], key[64];
	struct jr j;
	size_t len;
	char *text;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "tests/fixtures/golden/%s.truth.json", name);
	if (access(path, R_OK))
		snprintf(path, sizeof(path), "../shared/fixtures/%s.truth.json", name);
	text = tu_slurp(path, &len);
	j = (struct jr){ text, text + len, text, path };
	jr_expect(&j, '{');
	while (!jr_peek(&j, '}')) {
		jr_string(&j, key, sizeof(key));
		jr_expect(&j, ':');
		if (!strcmp(key, "format"))
			jr_string(&j, t->format, sizeof(t->format));
		else if (!strcmp(key, "arch"))
			jr_string(&j, t->arch, sizeof(t->arch));
		else if (!strcmp(key, "page_size"))
			t->page_size = jr_u64(&j);
		else if (!strcmp(key, "fdt_phys"))
			t->fdt_phys = jr_u64(&j);
		else if (!strcmp(key, "memory_map_phys"))
			t->map_phys = jr_u64(&j);
		else if (!strcmp(key, "blocks"))
			truth_blocks(&j, t);
		else
			jr_skip(&j);
		if (jr_peek(&j, ','))
			j.p++;
	}
	free(text);
	cr_assert(t->page_size && t->fdt_phys && t->nblocks, "%s: page_size, fdt_phys or blocks missing",
		  path);
}

void tu_truth_free(struct tu_truth *t)
{
	free(t->blocks);
	memset(t, 0, sizeof(*t));
}

size_t tu_boot_dtb(void *buf, size_t size, uint64_t fdt, uint64_t fdt_size, uint64_t scratch,
		   uint64_t scratch_size)
{
	fdt64_t kf[2] = { cpu_to_fdt64(fdt), cpu_to_fdt64(fdt_size) };
	fdt64_t ks[2] = { cpu_to_fdt64(scratch), cpu_to_fdt64(scratch_size) };

	cr_assert_eq(fdt_create(buf, (int)size), 0);
	cr_assert_eq(fdt_finish_reservemap(buf), 0);
	cr_assert_eq(fdt_begin_node(buf, ""), 0);
	cr_assert_eq(fdt_property_string(buf, "compatible", "linux,dummy-virt"), 0);
	cr_assert_eq(fdt_property_u32(buf, "#address-cells", 2), 0);
	cr_assert_eq(fdt_property_u32(buf, "#size-cells", 2), 0);
	cr_assert_eq(fdt_begin_node(buf, "chosen"), 0);
	cr_assert_eq(fdt_property(buf, "linux,kho-fdt", kf, sizeof(kf)), 0);
	cr_assert_eq(fdt_property(buf, "linux,kho-scratch", ks, sizeof(ks)), 0);
	cr_assert_eq(fdt_end_node(buf), 0);
	cr_assert_eq(fdt_end_node(buf), 0);
	cr_assert_eq(fdt_finish(buf), 0);
	return fdt_totalsize(buf);
}
