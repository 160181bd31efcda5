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
#include "ki_dump.h"
#include "ki_fdt.h"
#include "ki_locate.h"
#include "ki_map.h"
#include "ki_output.h"

void cmd_list_usage(void)
{
	printf("Usage: khoinspect [-j|-p] list [OPTIONS] INPUT\n"
	       "\n"
	       "Find the KHO FDT in INPUT (an ELF vmcore, /proc/kcore, a QEMU ELF dump, a\n"
	       "kdump-compressed dump, or a raw memory image), walk its preserved-memory map (kho-v1 chunk list or\n"
	       "kho-v2/v3/v4 radix tree) and list every preserved block: a header, a\n"
	       "per-order summary, then runs of adjacent blocks.\n"
	       "\n"
	       "Input:\n"
	       "      --format FMT     auto (default), elf, kdump or raw\n"
	       "      --base ADDR      raw image: physical address of byte 0 (implies raw; default 0)\n"
	       "      --page-size N    4096, 16384 or 65536 (default: VMCOREINFO, then the\n"
	       "                       architecture, then what the data decodes with)\n"
	       "      --fdt-phys ADDR  physical address of the KHO FDT (default: scan for it)\n"
	       "      --radix-depth N  levels of the radix tree, leaf included (default: 6 at\n"
	       "                       4K, 4 at 64K; at 16K 5, or 4 when only the short tree\n"
	       "                       of pre-7.1 kernels decodes cleanly)\n"
	       "      --v1-bitmap SIZE kho-v1 bitmap size: 512 (Linux 6.16) or page (later);\n"
	       "                       default: decided from the data\n"
	       "Output:\n"
	       "      --order N        list only blocks of order N\n"
	       "      --blocks         one line per block instead of coalesced ranges\n"
	       "      --summary        header and per-order table only\n"
	       "  -j, --json           one JSON document (schema in khoinspect(1))\n"
	       "  -p, --pretty         indented JSON (implies --json)\n"
	       "  -h, --help           this help\n"
	       "\n"
	       "Exit status: 0 the whole map was listed; 2 trouble: unreadable or unsupported\n"
	       "input, no or ambiguous KHO FDT, or a map with errors (listed as findings;\n"
	       "everything readable is still listed).\n");
}

struct list_opts {
	struct ki_dump_options dump;
	struct ki_locate_options loc;
	int order;                 /* -1: all */
	bool blocks;
	bool summary;
	const char *input;
};

struct progress {
	bool on;
	time_t last;
	bool printed;
};

static void show_progress(void *arg, uint64_t done, uint64_t total)
{
	struct progress *p = arg;
	time_t now = time(NULL);

	if (!p->on || now == p->last)
		return;
	p->last = now;
	p->printed = true;
	fprintf(stderr, "\rkhoinspect: scanning for the KHO FDT: %" PRIu64 " of %" PRIu64 " MiB (%d%%)",
		done >> 20, total >> 20, total ? (int)(done * 100 / total) : 100);
}

static void end_progress(struct progress *p)
{
	if (p->printed)
		fprintf(stderr, "\r\033[K");
}

/* ---- emitting ---- */

struct emit {
	struct ki_json j;
	bool json;
	bool blocks;
	uint64_t page_size;
	uint64_t items;
};

static int emit_run(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	struct emit *e = arg;
	uint64_t bsize = e->page_size << order;

	if (e->blocks) {
		for (uint64_t i = 0; i < n; i++, pa += bsize) {
			if (e->json) {
				ki_json_begin_object(&e->j);
				ki_json_kv_hex(&e->j, "phys", pa);
				ki_json_kv_uint(&e->j, "order", order);
				ki_json_end_object(&e->j);
			} else {
				printf("  0x%" PRIx64 "  order %u\n", pa, order);
			}
		}
	} else if (e->json) {
		ki_json_begin_object(&e->j);
		ki_json_kv_hex(&e->j, "start", pa);
		ki_json_kv_hex(&e->j, "end", pa + n * bsize);
		ki_json_kv_uint(&e->j, "order", order);
		ki_json_kv_uint(&e->j, "blocks", n);
		ki_json_end_object(&e->j);
	} else {
		printf("  0x%" PRIx64 "-0x%" PRIx64 "  order %u  blocks %" PRIu64 "\n",
		       pa, pa + n * bsize, order, n);
	}
	e->items += n;
	return ferror(stdout) ? -1 : 0;
}

static void json_findings(struct ki_json *j, const struct ki_findings *const *fs,
			  size_t nfs)
{
	ki_json_key(j, "findings");
	ki_json_begin_array(j);
	for (size_t k = 0; k < nfs; k++) {
		for (size_t i = 0; i < fs[k]->n; i++) {
			const struct ki_finding *f = &fs[k]->items[i];

			ki_json_begin_object(j);
			ki_json_kv_string(j, "id", f->id);
			ki_json_kv_string(j, "severity", ki_severity_name(f->severity));
			ki_json_kv_string(j, "message", f->message);
			ki_json_key(j, "phys");
			if (f->has_paddr)
				ki_json_hex(j, f->paddr);
			else
				ki_json_null(j);
			ki_json_end_object(j);
		}
		if (fs[k]->dropped) {
			ki_json_begin_object(j);
			ki_json_kv_string(j, "id", "findings-truncated");
			ki_json_kv_string(j, "severity", "warning");
			ki_json_key(j, "message");
			{
				char msg[96];

				snprintf(msg, sizeof(msg), "%zu more findings not listed",
					 fs[k]->dropped);
				ki_json_string(j, msg);
			}
			ki_json_kv_string(j, "phys", NULL);
			ki_json_end_object(j);
		}
	}
	ki_json_end_array(j);
}

static void text_findings(const struct ki_findings *const *fs, size_t nfs)
{
	size_t total = 0;

	for (size_t k = 0; k < nfs; k++)
		total += fs[k]->n + fs[k]->dropped;
	if (!total)
		return;
	printf("\nfindings:\n");
	for (size_t k = 0; k < nfs; k++) {
		for (size_t i = 0; i < fs[k]->n; i++) {
			const struct ki_finding *f = &fs[k]->items[i];

			printf("  %-7s %s: %s\n", ki_severity_name(f->severity), f->id,
			       f->message);
		}
		if (fs[k]->dropped)
			printf("  (%zu more findings not listed)\n", fs[k]->dropped);
	}
}

/* A fatal error as the whole JSON document, so stdout stays valid JSON. */
static void json_error_doc(const struct ki_error *err, const char *path)
{
	struct ki_json j;

	ki_json_init(&j, stdout, ki_global.pretty);
	ki_json_begin_object(&j);
	ki_json_kv_uint(&j, "schema_version", 1);
	ki_json_key(&j, "errors");
	ki_json_begin_array(&j);
	ki_json_begin_object(&j);
	ki_json_kv_string(&j, "code", ki_error_code_name(err->code));
	ki_json_kv_string(&j, "path", err->path ? err->path : path);
	ki_json_kv_string(&j, "message", err->message);
	ki_json_key(&j, "phys");
	if (err->has_paddr)
		ki_json_hex(&j, err->paddr);
	else
		ki_json_null(&j);
	ki_json_end_object(&j);
	ki_json_end_array(&j);
	ki_json_end_object(&j);
	ki_json_finish(&j);
}

static int fail(struct ki_error *err, const char *path)
{
	ki_print_error(err, path);
	if (ki_global.json)
		json_error_doc(err, path);
	ki_error_destroy(err);
	return KI_EXIT_TROUBLE;
}

static void print_header_text(const struct ki_dump *d, const struct ki_kho *k,
			      const char *found_by, const struct ki_map *m)
{
	printf("input:       %s\n", d->path);
	printf("container:   %s, %s, %s, %zu memory segment%s\n", d->container,
	       d->arch ? d->arch : "arch unknown",
	       d->big_endian ? "big-endian" : "little-endian", d->mem.nsegs,
	       d->mem.nsegs == 1 ? "" : "s");
	printf("page size:   %" PRIu64 " (%s)\n", d->page_size, d->page_size_source);
	printf("compatible:  %s\n", k->compatible);
	printf("fdt:         0x%" PRIx64 " (%u bytes; found by %s)\n", k->fdt_phys,
	       k->fdt_size, found_by);
	if (!strcmp(m->kind, "radix"))
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

			printf("  %-20s", s->name);
			if (s->has_phys)
				printf("  0x%" PRIx64, s->phys);
			else
				printf("  (no address)");
			if (s->has_size)
				printf("  size 0x%" PRIx64, s->size);
			printf("\n");
		}
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
		ki_human_size(m->page_size << o, hs, sizeof(hs));
		ki_human_size(bytes, hb, sizeof(hb));
		printf("%5u  %10s  %12" PRIu64 "  %#18" PRIx64 "  %s\n", o, hs,
		       m->blocks[o], bytes, hb);
	}
	ki_human_size(total_bytes, hb, sizeof(hb));
	printf("%5s  %10s  %12" PRIu64 "  %#18" PRIx64 "  %s\n", "total", "",
	       m->total_blocks, total_bytes, hb);
}

static void print_header_json(struct ki_json *j, const struct ki_dump *d,
			      const struct ki_kho *k, const char *found_by,
			      const struct ki_map *m)
{
	uint64_t total_bytes = 0;

	ki_json_key(j, "input");
	ki_json_begin_object(j);
	ki_json_kv_string(j, "path", d->path);
	ki_json_kv_string(j, "container", d->container);
	ki_json_kv_string(j, "arch", d->arch);
	ki_json_kv_uint(j, "page_size", d->page_size);
	ki_json_kv_string(j, "page_size_source", d->page_size_source);
	ki_json_kv_string(j, "byte_order", d->big_endian ? "big" : "little");
	ki_json_end_object(j);

	ki_json_key(j, "kho");
	ki_json_begin_object(j);
	ki_json_kv_string(j, "compatible", k->compatible);
	ki_json_kv_hex(j, "fdt_phys", k->fdt_phys);
	ki_json_kv_string(j, "fdt_found_by", found_by);
	ki_json_kv_hex(j, "memory_map_phys", k->map_phys);
	ki_json_end_object(j);

	ki_json_key(j, "map");
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

	ki_json_key(j, "subnodes");
	ki_json_begin_array(j);
	for (size_t i = 0; i < k->nsubs; i++) {
		const struct ki_subnode *s = &k->subs[i];

		ki_json_begin_object(j);
		ki_json_kv_string(j, "name", s->name);
		ki_json_key(j, "phys");
		if (s->has_phys)
			ki_json_hex(j, s->phys);
		else
			ki_json_null(j);
		ki_json_key(j, "size");
		if (s->has_size)
			ki_json_hex(j, s->size);
		else
			ki_json_null(j);
		ki_json_end_object(j);
	}
	ki_json_end_array(j);

	ki_json_key(j, "orders");
	ki_json_begin_array(j);
	for (unsigned int o = 0; o < KI_ORDERS; o++) {
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
	ki_json_kv_uint(j, "blocks", m->total_blocks);
	ki_json_kv_hex(j, "bytes", total_bytes);
	ki_json_end_object(j);
}

static int parse_args(int argc, char **argv, struct list_opts *o)
{
	enum { O_FORMAT = 256, O_BASE, O_PAGE_SIZE, O_FDT_PHYS, O_DEPTH,
	       O_ORDER, O_BLOCKS, O_SUMMARY, O_V1_BITMAP };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "base", required_argument, NULL, O_BASE },
		{ "page-size", required_argument, NULL, O_PAGE_SIZE },
		{ "fdt-phys", required_argument, NULL, O_FDT_PHYS },
		{ "radix-depth", required_argument, NULL, O_DEPTH },
		{ "v1-bitmap", required_argument, NULL, O_V1_BITMAP },
		{ "order", required_argument, NULL, O_ORDER },
		{ "blocks", no_argument, NULL, O_BLOCKS },
		{ "summary", no_argument, NULL, O_SUMMARY },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int opt;

	o->order = -1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "jph", opts, NULL)) != -1) {
		switch (opt) {
		case O_FORMAT:
			if (strcmp(optarg, "auto") && strcmp(optarg, "elf") &&
			    strcmp(optarg, "kdump") && strcmp(optarg, "raw")) {
				ki_usage_error("list", "--format takes auto, elf, kdump or raw, not \"%s\"",
					       optarg);
				return -1;
			}
			o->dump.format = optarg;
			break;
		case O_BASE:
			if (!ki_parse_u64(optarg, &o->dump.base)) {
				ki_usage_error("list", "--base needs an address (0x… or decimal), not \"%s\"",
					       optarg);
				return -1;
			}
			o->dump.base_set = true;
			break;
		case O_PAGE_SIZE:
			if (!ki_parse_u64(optarg, &v) ||
			    (v != 4096 && v != 16384 && v != 65536)) {
				ki_usage_error("list", "--page-size takes 4096, 16384 or 65536, not \"%s\"",
					       optarg);
				return -1;
			}
			o->dump.page_size = v;
			break;
		case O_FDT_PHYS:
			if (!ki_parse_u64(optarg, &o->loc.fdt_phys)) {
				ki_usage_error("list", "--fdt-phys needs an address (0x… or decimal), not \"%s\"",
					       optarg);
				return -1;
			}
			o->loc.fdt_phys_set = true;
			break;
		case O_DEPTH:
			if (!ki_parse_u64(optarg, &v) || v < 2 || v > 8) {
				ki_usage_error("list", "--radix-depth takes a number of levels from 2 to 8, not \"%s\"",
					       optarg);
				return -1;
			}
			o->loc.map.radix_depth = (unsigned int)v;
			break;
		case O_V1_BITMAP:
			if (!strcmp(optarg, "512")) {
				o->loc.map.v1_bitmap = KI_V1_BITMAP_512;
			} else if (!strcmp(optarg, "page")) {
				o->loc.map.v1_bitmap = KI_V1_BITMAP_PAGE;
			} else {
				ki_usage_error("list", "--v1-bitmap takes 512 or page, not \"%s\"",
					       optarg);
				return -1;
			}
			break;
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
		case 'j':
			ki_global.json = true;
			break;
		case 'p':
			ki_global.json = ki_global.pretty = true;
			break;
		case 'h':
			cmd_list_usage();
			return 1;
		default:
			if (optopt > 0 && optopt < 256)
				ki_usage_error("list", "unknown option -%c or missing argument", optopt);
			else
				ki_usage_error("list", "unknown option or missing argument: %s",
					       argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc - 1) {
		ki_usage_error("list", optind >= argc ? "no INPUT given" :
			       "only one INPUT, got %d", argc - optind);
		return -1;
	}
	if (o->blocks && o->summary) {
		ki_usage_error("list", "--blocks and --summary do not go together");
		return -1;
	}
	o->input = argv[optind];
	return 0;
}

int cmd_list(int argc, char **argv)
{
	struct list_opts o = { 0 };
	struct progress prog = { 0 };
	struct ki_findings f;
	struct ki_dump *d = NULL;
	struct ki_kho *k = NULL;
	struct ki_map *m = NULL;
	struct ki_error *err;
	char *found_by = NULL;
	struct emit e = { 0 };
	const struct ki_findings *fs[2];
	int r, ret = KI_EXIT_OK;

	r = parse_args(argc, argv, &o);
	if (r)
		return r > 0 ? KI_EXIT_OK : KI_EXIT_TROUBLE;
	ki_findings_init(&f);
	err = ki_dump_open(o.input, &o.dump, &d);
	if (err)
		return fail(err, o.input);
	prog.on = !ki_global.quiet && isatty(2);
	o.loc.progress = show_progress;
	o.loc.progress_arg = &prog;
	err = ki_locate(d, &o.loc, &f, &k, &found_by);
	end_progress(&prog);
	if (!err)
		err = ki_map_open(d, k, &o.loc.map, &f, &m);
	if (err) {
		/* What the container said may explain the failure. */
		for (size_t i = 0; i < d->findings.n && !ki_global.quiet; i++)
			if (d->findings.items[i].severity != KI_SEV_INFO)
				fprintf(stderr, "khoinspect: %s: %s: %s\n", d->path,
					ki_severity_name(d->findings.items[i].severity),
					d->findings.items[i].message);
		ki_error_set_path(err, d->path);
		ret = fail(err, o.input);
		goto out;
	}
	fs[0] = &d->findings;
	fs[1] = &f;

	e.json = ki_global.json;
	e.blocks = o.blocks;
	e.page_size = d->page_size;
	if (e.json) {
		ki_json_init(&e.j, stdout, ki_global.pretty);
		ki_json_begin_object(&e.j);
		ki_json_kv_uint(&e.j, "schema_version", 1);
		print_header_json(&e.j, d, k, found_by, m);
		if (!o.summary) {
			ki_json_key(&e.j, o.blocks ? "blocks" : "ranges");
			ki_json_begin_array(&e.j);
			ki_map_foreach_run(m, o.order, emit_run, &e);
			ki_json_end_array(&e.j);
		}
		json_findings(&e.j, fs, 2);
		ki_json_end_object(&e.j);
		ki_json_finish(&e.j);
	} else {
		print_header_text(d, k, found_by, m);
		print_orders_text(m);
		if (!o.summary) {
			printf("\n%s%s:\n", o.blocks ? "blocks" : "ranges (start-end, end exclusive)",
			       o.order >= 0 ? " of the chosen order" : "");
			ki_map_foreach_run(m, o.order, emit_run, &e);
		}
		text_findings(fs, 2);
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "khoinspect: writing the output failed\n");
		ret = KI_EXIT_TROUBLE;
	}
	if (d->findings.counts[KI_SEV_ERROR] + f.counts[KI_SEV_ERROR]) {
		fprintf(stderr, "khoinspect: %s: the listing is incomplete: %zu error%s in the hand-over (see findings)\n",
			d->path, d->findings.counts[KI_SEV_ERROR] + f.counts[KI_SEV_ERROR],
			d->findings.counts[KI_SEV_ERROR] + f.counts[KI_SEV_ERROR] == 1 ? "" : "s");
		ret = KI_EXIT_TROUBLE;
	}
out:
	free(found_by);
	ki_map_destroy(m);
	ki_kho_destroy(k);
	ki_dump_destroy(d);
	ki_findings_deinit(&f);
	return ret;
}
