// SPDX-License-Identifier: GPL-2.0-or-later
/* khoinspect list: the preserved memory of a hand-over, per order. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ki_cli.h"
#include "ki_debugfs.h"
#include "ki_input.h"
#include "ki_jsondoc.h"
#include "ki_dump.h"
#include "ki_fdt.h"
#include "ki_locate.h"
#include "ki_map.h"
#include "ki_output.h"
#include "ki_owner.h"

void cmd_list_usage(void)
{
	printf("Usage: khoinspect [-j|-p] list [OPTIONS] INPUT\n"
	       "\n"
	       "Find the KHO FDT in INPUT, walk its preserved-memory map (kho-v1 chunk\n"
	       "list or kho-v2/v3/v4 radix tree) and list every preserved block: a\n"
	       "header, a per-order summary, then runs of adjacent blocks.\n"
	       "\n"
	       "%s\n%s"
	       "Output:\n"
	       "      --order N        list only blocks of order N\n"
	       "      --blocks         one line per block instead of coalesced ranges\n"
	       "      --summary        header and per-order table only\n"
	       "      --owners         say who preserved each range, from the decoded\n"
	       "                       sub-formats: kho:fdt, kho:BLOB, memblock:REGION,\n"
	       "                       luo:sessions, luo:flb, luo:SESSION/files,\n"
	       "                       luo:SESSION/file TOKEN (memfd; TOKEN in hex),\n"
	       "                       kho_test:folio, kho_test:folios_info, or unclaimed\n"
	       "  -j, --json           one JSON document (schema in khoinspect(1))\n"
	       "  -p, --pretty         indented JSON (implies --json)\n"
	       "  -h, --help           this help\n"
	       KI_GLOBAL_HERE_HELP
	       "\n"
	       "Exit status: 0 the whole map was listed; 2 trouble: unreadable or unsupported\n"
	       "input, no or ambiguous KHO FDT, or a map with errors (listed as findings;\n"
	       "everything readable is still listed).\n", ki_input_kinds_help, ki_input_help);
}

struct emit {
	struct ki_json j;
	bool json;
	bool blocks;
	uint64_t page_size;
	uint64_t items;
	const struct ki_owners *owners; /* --owners, else NULL */
	bool plain;                     /* text ranges, no owners: the hot path */
	struct ki_obuf *ob;             /* text lines */
	int sfx_order;                  /* the order sfx is for, or -1 */
	size_t sfx_len;
	char sfx[16];                   /* "  order NN" */
	size_t addr_w;                  /* hex digits of the largest address */
	size_t blocks_w;                /* decimal digits of the largest count */
	/* "  blocks N  SIZE" of runs of n < TAILS blocks of the order sfx is
	 * for: most runs are short, and formatting the size costs as much as
	 * the rest of the line */
	uint8_t tail_len[64];
	char tail[64][48];
};

/* Longest line or JSON object a piece makes, owner aside. */
enum { LINE_MAX_BYTES = 128 };

/* "  owner NAME", NAME cut to max bytes. */
static void put_owner(struct ki_obuf *ob, const char *name, size_t max)
{
	size_t n = strnlen(name, max);

	memcpy(ki_obuf_room(ob, 8), "  owner ", 8);
	ki_obuf_done(ob, 8);
	while (n) {
		size_t k = n < KI_OBUF ? n : KI_OBUF;

		memcpy(ki_obuf_room(ob, k), name, k);
		ki_obuf_done(ob, k);
		name += k;
		n -= k;
	}
}

/* Decimal v right-aligned in w columns. */
static inline char *put_udec_w(char *p, uint64_t v, size_t w)
{
	char tmp[20];
	size_t n = ki_fmt_udec(tmp, v);

	if (n < w) {
		memset(p, ' ', w - n);
		p += w - n;
	}
	memcpy(p, tmp, n);
	return p + n;
}

/* "  blocks N  SIZE": counts right-aligned, the size in 10 columns
 * ("1023.9 KiB"). */
static inline char *range_tail(const struct emit *e, char *p, unsigned int order, uint64_t n)
{
	char h[16];
	size_t hn;

	memcpy(p, "  blocks ", 9);
	p = put_udec_w(p + 9, n, e->blocks_w);
	hn = ki_fmt_human(h, n * e->page_size << order);
	memcpy(p, "            ", 12);
	p += 2 + (hn < 10 ? 10 - hn : 0);
	memcpy(p, h, hn);
	return p + hn;
}

/* "  0x…-0x…  order NN  blocks N  SIZE": the line there are millions of,
 * in columns (addresses zero-padded to the largest one's digits, counts
 * right-aligned, the size in the last column). */
static inline char *range_line(struct emit *e, char *p, uint64_t pa, unsigned int order,
			       uint64_t n)
{
	if ((int)order != e->sfx_order) {
		memcpy(e->sfx, "  order ", 8);
		e->sfx_len = (size_t)(put_udec_w(e->sfx + 8, order, 2) - e->sfx);
		e->sfx_order = (int)order;
		memset(e->tail_len, 0, sizeof(e->tail_len));
	}
	memcpy(p, "  ", 2);
	p += 2;
	p += ki_fmt_hex_w(p, pa, e->addr_w);
	*p++ = '-';
	p += ki_fmt_hex_w(p, pa + (n * e->page_size << order), e->addr_w);
	memcpy(p, e->sfx, sizeof(e->sfx)); /* whole: a fixed-size copy */
	p += e->sfx_len;
	if (n >= 64)
		return range_tail(e, p, order, n);
	if (!e->tail_len[n])
		e->tail_len[n] = (uint8_t)(range_tail(e, e->tail[n], order, n) - e->tail[n]);
	memcpy(p, e->tail[n], sizeof(e->tail[n]));
	return p + e->tail_len[n];
}

/* The same range as a compact JSON object (the one below, by hand). */
static inline char *range_object(char *p, uint64_t pa, unsigned int order, uint64_t n,
				 uint64_t bsize)
{
	memcpy(p, "{\"start\":\"", 10);
	p += 10;
	p += ki_fmt_hex(p, pa);
	memcpy(p, "\",\"end\":\"", 9);
	p += 9;
	p += ki_fmt_hex(p, pa + n * bsize);
	memcpy(p, "\",\"order\":", 10);
	p += 10;
	p += ki_fmt_udec(p, order);
	memcpy(p, ",\"blocks\":", 10);
	p += 10;
	p += ki_fmt_udec(p, n);
	*p++ = '}';
	return p;
}

/*
 * One run of blocks of one owner (owner NULL: not asked for, or unclaimed).
 * Millions of these: formatted by hand into the output buffers.
 */
static void emit_piece(struct emit *e, uint64_t pa, unsigned int order, uint64_t n,
		       const char *owner)
{
	uint64_t bsize = e->page_size << order;
	const char *shown = owner ? owner : "unclaimed";
	char *p, *s;

	if (e->blocks) {
		for (uint64_t i = 0; i < n; i++, pa += bsize) {
			if (e->json) {
				ki_json_begin_object(&e->j);
				ki_json_kv_hex(&e->j, "phys", pa);
				ki_json_kv_uint(&e->j, "order", order);
				if (e->owners)
					ki_json_kv_string(&e->j, "owner", shown);
				ki_json_end_object(&e->j);
				continue;
			}
			s = p = ki_obuf_room(e->ob, LINE_MAX_BYTES);
			memcpy(p, "  ", 2);
			p += 2;
			p += ki_fmt_hex_w(p, pa, e->addr_w);
			memcpy(p, "  order ", 8);
			p += 8;
			p = put_udec_w(p, order, 2);
			ki_obuf_done(e->ob, (size_t)(p - s));
			if (e->owners)
				put_owner(e->ob, shown, SIZE_MAX);
			*ki_obuf_room(e->ob, 1) = '\n';
			ki_obuf_done(e->ob, 1);
		}
	} else if (e->json && !e->j.pretty && !e->owners) {
		s = p = ki_json_value_room(&e->j, LINE_MAX_BYTES);
		p = range_object(p, pa, order, n, bsize);
		ki_json_value_done(&e->j, (size_t)(p - s));
	} else if (e->json) {
		ki_json_begin_object(&e->j);
		ki_json_kv_hex(&e->j, "start", pa);
		ki_json_kv_hex(&e->j, "end", pa + n * bsize);
		ki_json_kv_uint(&e->j, "order", order);
		ki_json_kv_uint(&e->j, "blocks", n);
		if (e->owners)
			ki_json_kv_string(&e->j, "owner", shown);
		ki_json_end_object(&e->j);
	} else {
		s = p = ki_obuf_room(e->ob, LINE_MAX_BYTES);
		p = range_line(e, p, pa, order, n);
		if (e->owners) {
			ki_obuf_done(e->ob, (size_t)(p - s));
			put_owner(e->ob, shown, 60);
			s = p = ki_obuf_room(e->ob, 1);
		}
		*p++ = '\n';
		ki_obuf_done(e->ob, (size_t)(p - s));
	}
	e->items += n;
}

/* A failed write stops the listing early (it is reported at the end). */
static int write_failed(const struct emit *e)
{
	return (e->json ? e->j.failed : e->ob->failed) ? -1 : 0;
}

static int emit_owned(void *arg, uint64_t pa, unsigned int order, uint64_t n, const char *owner)
{
	emit_piece(arg, pa, order, n, owner);
	return 0;
}

static int emit_run(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	struct emit *e = arg;

	/* split the run where the owner changes */
	ki_owners_split_run(e->owners, pa, order, n, e->page_size, emit_owned, e);
	return write_failed(e);
}

/* Text ranges without owners: the hot path, a batch at a time. */
static int emit_plain_runs(void *arg, const struct ki_run *runs, size_t n)
{
	struct emit *e = arg;

	for (size_t i = 0; i < n; i++) {
		char *s = ki_obuf_room(e->ob, LINE_MAX_BYTES), *p;

		p = range_line(e, s, runs[i].pa, runs[i].order, runs[i].n);
		*p++ = '\n';
		ki_obuf_done(e->ob, (size_t)(p - s));
		e->items += runs[i].n;
	}
	return e->ob->failed ? -1 : 0;
}

/* Compact JSON ranges without owners, a batch at a time: the first value
 * of the array through the writer (its separator state), the rest after a
 * ',' of their own. */
static int emit_json_runs(void *arg, const struct ki_run *runs, size_t n)
{
	struct emit *e = arg;

	for (size_t i = 0; i < n; i++) {
		const struct ki_run *r = &runs[i];
		char *s, *p;

		if (e->items) {
			s = p = ki_json_room(&e->j, LINE_MAX_BYTES + 1);
			*p++ = ',';
		} else {
			s = p = ki_json_value_room(&e->j, LINE_MAX_BYTES);
		}
		p = range_object(p, r->pa, r->order, r->n, e->page_size << r->order);
		ki_json_value_done(&e->j, (size_t)(p - s));
		e->items += r->n;
	}
	return e->j.failed ? -1 : 0;
}

static void text_findings(const struct ki_findings *const *fs, size_t nfs)
{
	size_t total = 0;

	for (size_t k = 0; k < nfs; k++)
		total += fs[k]->n + fs[k]->dropped;
	if (!total)
		return;
	printf("\nfindings:\n");
	ki_text_findings(stdout, fs, nfs, -1, KI_TEXT_SEVERITY, "", "");
	for (size_t k = 0; k < nfs; k++)
		if (fs[k]->dropped)
			printf("  (%zu more findings not listed)\n", fs[k]->dropped);
}

static const char *human(uint64_t v, char *buf, size_t len)
{
	ki_human_size(v, buf, len);
	return buf;
}

static const struct ki_blobfile *blob_of(const struct ki_handover *l, const char *name)
{
	for (size_t i = 0; l->dbg && i < l->dbg->nsubs; i++)
		if (!strcmp(l->dbg->subs[i].name, name))
			return &l->dbg->subs[i];
	return NULL;
}

/* The root compatible of a blob, when it is an FDT that says one. */
static char *blob_compatible(const struct ki_blobfile *b)
{
	struct ki_error *err;
	void *copy;
	char *out = NULL;
	const char *c;

	if (b->len < 40 || memcmp(b->data, "\xd0\x0d\xfe\xed", 4))
		return NULL;
	copy = aligned_alloc(8, (b->len + 7) & ~(size_t)7);
	if (!copy) {
		ki_nomem_note();
		return NULL;
	}
	memcpy(copy, b->data, b->len);
	err = ki_fdt_check(copy, b->len);
	if (!err && (c = ki_fdt_root_compatible(copy)) && !(out = strdup(c)))
		ki_nomem_note();
	ki_error_destroy(err);
	free(copy);
	return out;
}

static void print_header_text(const struct ki_handover *l)
{
	const struct ki_dump *d = l->d;
	const struct ki_kho *k = l->k;
	const struct ki_map *m = l->m;
	char hb[32];

	printf("input:       %s\n", l->input);
	if (l->dbg)
		printf("container:   %s (%s)\n", l->container,
		       l->dbg->dir ? l->dbg->dir : l->dbg->fdt_path);
	if (d)
		printf("%s%s, %s, %s, %zu memory segment%s\n",
		       l->dbg ? "memory:      " : "container:   ", d->container,
		       d->arch ? d->arch : "arch unknown",
		       d->big_endian ? "big-endian" : "little-endian", d->mem.nsegs,
		       d->mem.nsegs == 1 ? "" : "s");
	else
		printf("memory:      none (give --mem FILE: a dump or /proc/kcore)\n");
	if (d)
		printf("page size:   %" PRIu64 " (%s)\n", d->page_size, d->page_size_source);
	printf("compatible:  %s\n", k->compatible);
	if (k->has_fdt_phys)
		printf("fdt:         0x%" PRIx64 " (%u bytes; found by %s)\n", k->fdt_phys,
		       k->fdt_size, l->found_by);
	else
		printf("fdt:         %s (%u bytes)\n", l->found_by, k->fdt_size);
	if (!m && k->has_map)
		printf("memory map:  0x%" PRIx64 " (not walked: %s)\n", k->map_phys,
		       d ? "see the findings" : "the map lives in memory; give --mem FILE");
	else if (!m)
		printf("memory map:  none\n");
	else if (!strcmp(m->kind, "radix"))
		printf("memory map:  0x%" PRIx64 " (radix tree, %u levels from the %s; %" PRIu64
		       " tables, %zu leaves)\n",
		       m->root, m->depth, m->depth_source, m->tables, m->nleaves);
	else
		printf("memory map:  0x%" PRIx64 " (kho-v1 chunk list: %" PRIu64
		       " chunks, %zu bitmaps of %u bytes)\n",
		       m->root, m->chunks, m->nleaves, m->bitmap_bytes);
	if (k->nsubs) {
		printf("sub-nodes:\n");
		for (size_t i = 0; i < k->nsubs; i++) {
			const struct ki_subnode *s = &k->subs[i];
			const struct ki_blobfile *b = blob_of(l, s->name);

			printf("  %-20s", s->name);
			if (s->has_phys)
				printf("  0x%" PRIx64, s->phys);
			else
				printf("  (no address)");
			if (s->has_size)
				printf("  size 0x%" PRIx64, s->size);
			if (b) {
				char *c = blob_compatible(b);

				printf("  [sub_fdts/%s: %zu bytes%s%s%s]", b->name, b->len,
				       c ? ", FDT \"" : "", c ? c : "", c ? "\"" : "");
				free(c);
			}
			printf("\n");
		}
	}
	if (l->nscratch) {
		printf("scratch:     (boot memory; from %s)\n", l->scratch_source);
		for (size_t i = 0; i < l->nscratch; i++)
			printf("  0x%" PRIx64 "-0x%" PRIx64 "  %s\n", l->scratch[i].addr,
			       l->scratch[i].addr + l->scratch[i].size,
			       human(l->scratch[i].size, hb, sizeof(hb)));
	} else if (l->scratch_found.unfilled) {
		printf("scratch:     unknown: %s is not filled yet (all zeros)\n",
		       l->scratch_found.source ? l->scratch_found.source : "the scratch array");
	}
}

static void print_orders_text(const struct ki_map *m)
{
	char hs[32], hb[32];
	uint64_t total_bytes = 0;

	printf("\n%5s  %10s  %12s  %18s  %s\n", "order", "block size", "blocks",
	       "bytes", "");
	for (unsigned int o = 0; o < KI_ORDERS; o++) {
		uint64_t bytes;

		if (!m->blocks[o])
			continue;
		bytes = m->blocks[o] * (m->page_size << o);
		total_bytes += bytes;
		printf("%5u  %10s  %12" PRIu64 "  %#18" PRIx64 "  %s\n", o,
		       human(m->page_size << o, hs, sizeof(hs)), m->blocks[o], bytes,
		       human(bytes, hb, sizeof(hb)));
	}
	printf("%5s  %10s  %12" PRIu64 "  %#18" PRIx64 "  %s\n", "total", "",
	       m->total_blocks, total_bytes, human(total_bytes, hb, sizeof(hb)));
}

static void json_hex_or_null(struct ki_json *j, const char *key, bool has, uint64_t v)
{
	ki_json_key(j, key);
	if (has)
		ki_json_hex(j, v);
	else
		ki_json_null(j);
}

static void print_header_json(struct ki_json *j, const struct ki_handover *l)
{
	const struct ki_dump *d = l->d;
	const struct ki_kho *k = l->k;
	const struct ki_map *m = l->m;
	uint64_t total_bytes = 0;

	ki_json_doc_input(j, l->input, l->container, d);
	ki_json_doc_kho(j, k, l->found_by);

	ki_json_key(j, "map");
	if (!m) {
		ki_json_null(j);
	} else {
		ki_json_begin_object(j);
		ki_json_kv_string(j, "kind", m->kind);
		if (!strcmp(m->kind, "radix")) {
			ki_json_kv_uint(j, "depth", m->depth);
			ki_json_kv_string(j, "depth_source", m->depth_source);
			ki_json_kv_uint(j, "tables", m->tables);
			ki_json_kv_uint(j, "leaves", m->nleaves);
		} else {
			ki_json_kv_uint(j, "chunks", m->chunks);
			ki_json_kv_uint(j, "bitmaps", m->nleaves);
			ki_json_kv_uint(j, "bitmap_size", m->bitmap_bytes);
			ki_json_kv_string(j, "bitmap_size_source", m->bitmap_source);
		}
		ki_json_end_object(j);
	}

	ki_json_key(j, "subnodes");
	ki_json_begin_array(j);
	for (size_t i = 0; i < k->nsubs; i++) {
		const struct ki_subnode *s = &k->subs[i];
		const struct ki_blobfile *b = blob_of(l, s->name);

		ki_json_begin_object(j);
		ki_json_kv_string(j, "name", s->name);
		json_hex_or_null(j, "phys", s->has_phys, s->phys);
		json_hex_or_null(j, "size", s->has_size, s->size);
		if (b) {
			char *c = blob_compatible(b);

			ki_json_key(j, "blob_file");
			ki_json_begin_object(j);
			ki_json_kv_string(j, "name", b->name);
			ki_json_kv_uint(j, "bytes", b->len);
			ki_json_kv_string(j, "compatible", c);
			ki_json_end_object(j);
			free(c);
		}
		ki_json_end_object(j);
	}
	ki_json_end_array(j);

	ki_json_key(j, "scratch");
	ki_json_begin_array(j);
	for (size_t i = 0; i < l->nscratch; i++) {
		ki_json_begin_object(j);
		ki_json_kv_hex(j, "start", l->scratch[i].addr);
		ki_json_kv_hex(j, "size", l->scratch[i].size);
		ki_json_kv_string(j, "source", l->scratch_source);
		ki_json_end_object(j);
	}
	ki_json_end_array(j);

	ki_json_key(j, "orders");
	ki_json_begin_array(j);
	for (unsigned int o = 0; m && o < KI_ORDERS; o++) {
		if (!m->blocks[o])
			continue;
		ki_json_begin_object(j);
		ki_json_kv_uint(j, "order", o);
		ki_json_kv_uint(j, "blocks", m->blocks[o]);
		ki_json_kv_hex(j, "bytes", m->blocks[o] * (m->page_size << o));
		ki_json_end_object(j);
		total_bytes += m->blocks[o] * (m->page_size << o);
	}
	ki_json_end_array(j);
	ki_json_key(j, "total");
	ki_json_begin_object(j);
	ki_json_kv_uint(j, "blocks", m ? m->total_blocks : 0);
	ki_json_kv_hex(j, "bytes", total_bytes);
	ki_json_end_object(j);
}

struct list_opts {
	struct ki_input_opts in;
	int order;                 /* -1: all */
	bool blocks;
	bool summary;
	bool owners;
};

static int parse_args(int argc, char **argv, struct list_opts *o)
{
	enum { O_ORDER = 256, O_BLOCKS, O_SUMMARY, O_OWNERS };
	static const struct option opts[] = {
		KI_INPUT_LONGOPTS,
		{ "order", required_argument, NULL, O_ORDER },
		{ "blocks", no_argument, NULL, O_BLOCKS },
		{ "summary", no_argument, NULL, O_SUMMARY },
		{ "owners", no_argument, NULL, O_OWNERS },
		KI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int opt, r;

	o->order = -1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, KI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		r = ki_input_option("list", opt, optarg, &o->in);
		if (r < 0)
			return -1;
		if (r == 0)
			r = ki_global_option("list", opt, optarg);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (opt) {
		case O_ORDER:
			if (!ki_parse_u64(optarg, &v) || v >= KI_ORDERS) {
				ki_usage_error("list", "--order takes an order from 0 to 63, not \"%s\"",
					       optarg);
				return -1;
			}
			o->order = (int)v;
			break;
		case O_BLOCKS:
			o->blocks = true;
			break;
		case O_SUMMARY:
			o->summary = true;
			break;
		case O_OWNERS:
			o->owners = true;
			break;
		case 'h':
			cmd_list_usage();
			return 1;
		default:
			ki_option_error("list", opt, argv);
			return -1;
		}
	}
	o->in.input = ki_one_input("list", argc, argv);
	if (!o->in.input)
		return -1;
	if (o->blocks && o->summary) {
		ki_usage_error("list", "--blocks and --summary do not go together");
		return -1;
	}
	return 0;
}

int cmd_list(int argc, char **argv)
{
	static struct ki_obuf text_buf;  /* 256 KiB: not on the stack */
	struct list_opts o = { 0 };
	struct ki_handover l;
	struct ki_findings none;
	struct ki_error *err;
	struct emit e = { 0 };
	struct ki_owners owners = { 0 };
	const struct ki_findings *fs[3];
	struct ki_findings ownf;
	size_t nerr;
	int r, runs = 0, ret = KI_EXIT_OK;

	r = parse_args(argc, argv, &o);
	if (r) {
		free(o.in.scratch);
		return r > 0 ? KI_EXIT_OK : KI_EXIT_TROUBLE;
	}
	ki_findings_init(&none);
	/* what the sub-format decoders report: shown, but the listing itself
	 * is complete without them (verify judges them) */
	ki_findings_init(&ownf);
	err = ki_input_open(&o.in, &l);
	if (err) {
		ret = ki_fail(err, o.in.input);
		goto out;
	}
	fs[0] = l.d ? &l.d->findings : &none;
	fs[1] = &l.f;
	fs[2] = &ownf;

	e.json = ki_global.json;
	e.ob = &text_buf;
	ki_obuf_init(e.ob, stdout);
	e.sfx_order = -1;
	e.blocks = o.blocks;
	e.page_size = l.d ? l.d->page_size : 0;
	if (l.m) {
		uint64_t max_end = ki_map_max_end(l.m), most = 0;
		char tmp[20];

		/* columns as wide as the largest address and count */
		e.addr_w = (size_t)(64 - __builtin_clzll((max_end ? max_end : 1) | 1) + 3) / 4;
		for (unsigned int i = 0; i < KI_ORDERS; i++)
			if (l.m->blocks[i] > most)
				most = l.m->blocks[i];
		e.blocks_w = ki_fmt_udec(tmp, most);
	}
	if (o.owners && l.d && l.m) {
		err = ki_owners_build(l.d, l.dbg, l.k, l.d->page_size, l.d->big_endian, &ownf, &owners);
		if (err) {
			ret = ki_fail(err, o.in.input);
			goto out;
		}
		e.owners = &owners;
	}
	e.plain = !e.json && !e.blocks && !e.owners;
	if (e.json) {
		ki_json_doc_begin(&e.j);
		print_header_json(&e.j, &l);
		if (!o.summary) {
			ki_json_key(&e.j, o.blocks ? "blocks" : "ranges");
			ki_json_begin_array(&e.j);
			if (l.m && !o.blocks && !e.owners && !e.j.pretty)
				runs = ki_map_foreach_runs_piped(l.m, o.order, ki_threads_env(), emit_json_runs, &e);
			else if (l.m)
				runs = ki_map_foreach_run(l.m, o.order, emit_run, &e);
			ki_json_end_array(&e.j);
		}
		ki_json_findings(&e.j, fs, 3);
		ki_json_end_object(&e.j);
		ki_json_finish(&e.j);
	} else {
		print_header_text(&l);
		if (l.m) {
			print_orders_text(l.m);
			if (!o.summary) {
				printf("\n%s%s:\n", o.blocks ? "blocks" : "ranges (start-end, end exclusive)",
				       o.order >= 0 ? " of the chosen order" : "");
				if (e.plain)
					runs = ki_map_foreach_runs_piped(l.m, o.order, ki_threads_env(), emit_plain_runs, &e);
				else
					runs = ki_map_foreach_run(l.m, o.order, emit_run, &e);
				ki_obuf_flush(e.ob);
			}
		}
		text_findings(fs, 3);
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "khoinspect: writing the output failed\n");
		ret = KI_EXIT_TROUBLE;
	}
	if (runs == KI_RUNS_NOMEM) {
		/* the ranges stopped early: not a complete listing */
		fprintf(stderr, "khoinspect: %s: out of memory: the listing of the ranges is incomplete\n",
			l.input);
		ret = KI_EXIT_TROUBLE;
	}
	nerr = fs[0]->counts[KI_SEV_ERROR] + fs[1]->counts[KI_SEV_ERROR];
	if (ki_say_errors(l.input, nerr, "the listing is incomplete", "the hand-over", "findings"))
		ret = KI_EXIT_TROUBLE;
out:
	ki_owners_deinit(&owners);
	ki_findings_deinit(&ownf);
	ki_input_close(&l, &o.in);
	return ret;
}
