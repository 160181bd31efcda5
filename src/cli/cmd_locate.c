// SPDX-License-Identifier: GPL-2.0-or-later
/* khoinspect locate: every KHO FDT in a dump, ranked. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ki_cli.h"
#include "ki_input.h"
#include "ki_dump.h"
#include "ki_locate.h"
#include "ki_jsondoc.h"
#include "ki_output.h"

void cmd_locate_usage(void)
{
	printf("Usage: khoinspect [-j|-p] locate [OPTIONS] INPUT\n"
	       "\n"
	       "Scan the memory INPUT holds (holes and excluded pages skipped) for KHO\n"
	       "FDTs and print each candidate: address, compatible, map pointer, whether\n"
	       "the map decodes cleanly (and with which page sizes), the number of blocks,\n"
	       "the kexec-metadata (previous release, kexec count) when present, and a\n"
	       "rank: clean maps first, then the highest kexec count, then the most\n"
	       "blocks. Rank 1 is what `list` uses when it can tell. INPUT \"live\" scans\n"
	       "the running kernel's memory (/proc/kcore, root needed).\n"
	       "\n"
	       "      --format FMT     auto (default), elf, kdump or raw\n"
	       "      --base ADDR      raw image: physical address of byte 0 (implies raw; default 0)\n"
	       "      --page-size N    4096, 16384 or 65536 (default: as list decides)\n"
	       "  -j, --json           one JSON document\n"
	       "  -p, --pretty         indented JSON (implies --json)\n"
	       "  -h, --help           this help\n"
	       KI_GLOBAL_HERE_HELP
	       "\n"
	       "Exit status: 0 at least one candidate; 2 none, or trouble.\n");
}

static void page_sizes(uint32_t mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint64_t ps = 4096; ps <= 65536; ps <<= 2)
		if (mask & ps)
			used += (size_t)snprintf(buf + used, len > used ? len - used : 0, "%s%" PRIu64 "K",
						 used ? "," : "", ps >> 10);
}

int cmd_locate(int argc, char **argv)
{
	enum { O_FORMAT = 256, O_BASE, O_PAGE_SIZE };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "base", required_argument, NULL, O_BASE },
		{ "page-size", required_argument, NULL, O_PAGE_SIZE },
		KI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ki_dump_options dopts = { 0 };
	struct ki_locate_options lo = { 0 };
	struct ki_progress prog = { 0 };
	struct ki_dump *d = NULL;
	struct ki_scan *s = NULL;
	struct ki_error *err;
	uint64_t v;
	const char *input;
	int opt, r, ret = KI_EXIT_OK;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, KI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		r = ki_global_option("locate", opt, optarg);
		if (r < 0)
			return KI_EXIT_TROUBLE;
		if (r > 0)
			continue;
		switch (opt) {
		case O_FORMAT:
			if (strcmp(optarg, "auto") && strcmp(optarg, "elf") &&
			    strcmp(optarg, "kdump") && strcmp(optarg, "raw")) {
				ki_usage_error("locate", "--format takes auto, elf, kdump or raw, not \"%s\"", optarg);
				return KI_EXIT_TROUBLE;
			}
			dopts.format = optarg;
			break;
		case O_BASE:
			if (!ki_parse_u64(optarg, &dopts.base)) {
				ki_usage_error("locate", "--base needs an address, not \"%s\"", optarg);
				return KI_EXIT_TROUBLE;
			}
			dopts.base_set = true;
			break;
		case O_PAGE_SIZE:
			if (!ki_parse_u64(optarg, &v) || (v != 4096 && v != 16384 && v != 65536)) {
				ki_usage_error("locate", "--page-size takes 4096, 16384 or 65536, not \"%s\"", optarg);
				return KI_EXIT_TROUBLE;
			}
			dopts.page_size = v;
			break;
		case 'h':
			cmd_locate_usage();
			return KI_EXIT_OK;
		default:
			ki_option_error("locate", opt, argv);
			return KI_EXIT_TROUBLE;
		}
	}
	input = ki_one_input("locate", argc, argv);
	if (!input)
		return KI_EXIT_TROUBLE;
	if (!strcmp(input, "live")) {
		/* the running kernel's memory: what is missing, said plainly */
		err = ki_live_mem_check();
		if (!err)
			err = ki_dump_open(ki_live_mem(), &dopts, &d);
	} else {
		err = ki_dump_open(input, &dopts, &d);
	}
	if (err)
		return ki_fail(err, input);
	prog.on = !ki_global.quiet && isatty(2);
	lo.progress = ki_progress_show;
	lo.progress_arg = &prog;
	err = ki_locate_scan(d, &lo, &s);
	ki_progress_end(&prog);
	if (err) {
		ret = ki_fail(ki_error_set_path(err, d->path), input);
		goto out;
	}
	if (ki_global.json) {
		struct ki_json j;

		ki_json_doc_begin(&j);
		ki_json_doc_input(&j, d->path, d->container, d);
		ki_json_kv_hex(&j, "scanned_bytes", s->bytes);
		ki_json_key(&j, "candidates");
		ki_json_begin_array(&j);
		for (size_t i = 0; i < s->n; i++) {
			const struct ki_candidate *c = &s->cands[i];

			ki_json_begin_object(&j);
			ki_json_kv_uint(&j, "rank", c->rank);
			ki_json_kv_hex(&j, "fdt_phys", c->paddr);
			ki_json_kv_string(&j, "compatible", c->compatible);
			ki_json_key(&j, "memory_map_phys");
			if (c->has_map)
				ki_json_hex(&j, c->map_phys);
			else
				ki_json_null(&j);
			ki_json_key(&j, "clean");
			ki_json_bool(&j, c->clean_mask != 0);
			ki_json_key(&j, "clean_page_sizes");
			ki_json_begin_array(&j);
			for (uint64_t ps = 4096; ps <= 65536; ps <<= 2)
				if (c->clean_mask & ps)
					ki_json_uint(&j, ps);
			ki_json_end_array(&j);
			ki_json_kv_uint(&j, "blocks", c->blocks);
			ki_json_key(&j, "kexec_metadata");
			if (c->has_meta) {
				ki_json_begin_object(&j);
				ki_json_kv_string(&j, "previous_release", c->release);
				ki_json_kv_uint(&j, "kexec_count", c->kexec_count);
				ki_json_end_object(&j);
			} else {
				ki_json_null(&j);
			}
			ki_json_end_object(&j);
		}
		ki_json_end_array(&j);
		ki_json_kv_uint(&j, "candidates_not_listed", s->dropped);
		ki_json_end_object(&j);
		ki_json_finish(&j);
	} else {
		printf("input:   %s (%s, %s)\n", d->path, d->container,
		       d->arch ? d->arch : "arch unknown");
		printf("scanned: 0x%" PRIx64 " bytes; %zu candidate%s\n", s->bytes,
		       s->n + s->dropped, s->n + s->dropped == 1 ? "" : "s");
		if (s->n)
			printf("\n%4s  %-18s  %-10s  %-18s  %-14s  %8s  %s\n", "rank", "fdt",
			       "compatible", "memory map", "decodes", "blocks", "kexec-metadata");
		for (size_t i = 0; i < s->n; i++) {
			const struct ki_candidate *c = &s->cands[i];
			char ps[32], map[24];

			page_sizes(c->clean_mask, ps, sizeof(ps));
			if (c->has_map)
				snprintf(map, sizeof(map), "0x%" PRIx64, c->map_phys);
			else
				snprintf(map, sizeof(map), "-");
			printf("%4u  0x%-16" PRIx64 "  %-10s  %-18s  %-14s  %8" PRIu64 "  ",
			       c->rank, c->paddr, c->compatible, map,
			       c->clean_mask ? ps : "no", c->blocks);
			if (c->has_meta)
				printf("count %u, %s\n", c->kexec_count, c->release);
			else
				printf("-\n");
		}
		if (s->dropped)
			printf("(%zu more candidates not listed)\n", s->dropped);
	}
	if (fflush(stdout) || ferror(stdout))
		ret = KI_EXIT_TROUBLE;
	if (!s->n) {
		fprintf(stderr, "khoinspect: %s: no KHO FDT found in 0x%" PRIx64 " bytes of memory\n",
			d->path, s->bytes);
		ret = KI_EXIT_TROUBLE;
	}
out:
	free(s);
	ki_dump_destroy(d);
	return ret;
}
