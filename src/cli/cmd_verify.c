// SPDX-License-Identifier: GPL-2.0-or-later
/* khoinspect verify: the hand-over's invariants, as named findings. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_against.h"
#include "ki_cli.h"
#include "ki_input.h"
#include "ki_jsondoc.h"
#include "ki_output.h"
#include "ki_verify.h"

void cmd_verify_usage(void)
{
	printf("Usage: khoinspect [-j|-p] verify [OPTIONS] INPUT\n"
	       "\n"
	       "Check a KHO hand-over: the FDT (compatible, property sizes, alignment),\n"
	       "the memory map (pointers, cycles, key ranges, v1 chunk limits), and the\n"
	       "blocks: no two overlap, none lies in a scratch area, the FDT page and every\n"
	       "blob are preserved, no map page is preserved or in scratch, scratch\n"
	       "areas are aligned and disjoint. The sub-blobs are decoded (memblock, LUO\n"
	       "sessions and files, memfd folios, vmalloc areas, block chains): every\n"
	       "object they describe must be preserved, no memory claimed by two objects,\n"
	       "and their counts must agree. Each problem is a finding with a stable id,\n"
	       "grouped by severity.\n"
	       "\n"
	       "With --against MANIFEST (from `khoinspect snapshot` before a kexec), check\n"
	       "instead that INPUT (the next kernel's dump, or \"live\" for /proc/kcore)\n"
	       "still holds the FDT, the sub-blobs and every preserved range the manifest\n"
	       "recorded, byte for byte: each difference names the range and the first\n"
	       "chunk that changed (a page in small ranges), and says when it lies in a\n"
	       "scratch area. Only the manifest's addresses are read; the incoming memory\n"
	       "map is not used (the next kernel reuses its pages).\n"
	       "\n"
	       "%s\n%s"
	       "Output:\n"
	       "      --against MANIFEST  check INPUT against a snapshot manifest\n"
	       "      --present-only   with --against: check what both hold; ranges the\n"
	       "                       manifest or INPUT lacks are counted, not trouble\n"
	       "      --fdt-only       without memory (a debugfs copy, no --mem): a check of\n"
	       "                       the FDT and its sub-blobs alone may pass\n"
	       "      --numa START-END[,START-END...]\n"
	       "                       NUMA node ranges (as dmesg prints them): a block\n"
	       "                       crossing a node boundary is a finding\n"
	       "  -j, --json           one JSON document: findings and a summary\n"
	       "  -p, --pretty         indented JSON (implies --json)\n"
	       "  -h, --help           this help\n"
	       KI_GLOBAL_HERE_HELP
	       "\n"
	       "Exit status: 0 checked completely, no finding of severity error; 1 at\n"
	       "least one; 2 the input could not be read, its compatible is newer than\n"
	       "this khoinspect, or not everything could be checked (no memory without\n"
	       "--fdt-only; with --against, ranges the manifest or INPUT lacks, unless\n"
	       "--present-only).\n", ki_input_kinds_help, ki_input_help);
}

static const struct ki_findings *all_findings(const struct ki_handover *in,
					      const struct ki_findings *none,
					      const struct ki_findings **second)
{
	*second = &in->f;
	return in->d ? &in->d->findings : none;
}

static void text_group(const struct ki_findings *const *fs, enum ki_severity sev,
		       const char *title)
{
	bool c = ki_color_on(stdout);
	const char *on = ki_paint(c, sev == KI_SEV_ERROR ? KI_PAINT_ERROR :
				  sev == KI_SEV_WARNING ? KI_PAINT_WARNING : KI_PAINT_HEAD);
	const char *off = ki_paint(c, KI_PAINT_OFF);

	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < fs[k]->n; i++) {
			if (fs[k]->items[i].severity == sev) {
				printf("\n%s%s:%s\n", on, title, off);
				ki_text_findings(stdout, fs, 2, (int)sev, KI_TEXT_AT, on, off);
				return;
			}
		}
	}
}

static int verify_against(struct ki_input_opts *o, const char *manifest, bool present_only)
{
	char why[800];
	bool incomplete;
	struct ki_manifest *m = NULL;
	struct ki_dump *d = NULL;
	struct ki_findings f;
	struct ki_against_stats st;
	const struct ki_findings *fs[2];
	bool live = !strcmp(o->input, "live");
	const char *input = live ? ki_live_mem() : o->input;
	struct ki_error *err;
	size_t nerr, nwarn;
	int ret;

	ki_findings_init(&f);
	err = ki_manifest_open(manifest, &m);
	if (!err && live)
		err = ki_live_mem_check();
	if (!err)
		err = ki_dump_open(input, &o->dump, &d);
	if (err) {
		ret = ki_fail(err, NULL);
		goto out;
	}
	if (!d->page_size)
		ki_dump_set_page_size(d, m->page_size, "the manifest");
	else if (d->page_size != m->page_size)
		ki_findings_add(&f, KI_SEV_WARNING, "page-size-differs", false, 0,
				"the dump's page size %" PRIu64 " is not the manifest's %" PRIu64,
				d->page_size, m->page_size);
	err = ki_against(d, m, &f, &st);
	if (err) {
		ret = ki_fail(err, NULL);
		goto out;
	}
	fs[0] = &d->findings;
	fs[1] = &f;
	nerr = fs[0]->counts[KI_SEV_ERROR] + fs[1]->counts[KI_SEV_ERROR];
	nwarn = fs[0]->counts[KI_SEV_WARNING] + fs[1]->counts[KI_SEV_WARNING];
	incomplete = ki_against_incomplete(m, &st, present_only, why, sizeof(why));
	ret = nerr ? KI_EXIT_FINDINGS : incomplete ? KI_EXIT_TROUBLE : KI_EXIT_OK;
	if (ki_global.json) {
		struct ki_json j;

		ki_json_doc_begin(&j);
		ki_json_doc_input(&j, d->path, d->container, d);
		ki_json_kv_string(&j, "manifest", manifest);
		ki_json_findings(&j, fs, 2);
		ki_json_key(&j, "summary");
		ki_json_begin_object(&j);
		ki_json_kv_uint(&j, "errors", nerr);
		ki_json_kv_uint(&j, "warnings", nwarn);
		ki_json_kv_uint(&j, "ranges", st.ranges);
		ki_json_kv_uint(&j, "ranges_same", st.same);
		ki_json_kv_uint(&j, "ranges_changed", st.changed);
		ki_json_kv_uint(&j, "ranges_not_in_dump", st.unverified);
		ki_json_kv_uint(&j, "ranges_without_hash", st.unrecorded);
		ki_json_kv_uint(&j, "blobs_not_in_dump", st.blobs_unverified);
		ki_json_kv_string(&j, "incomplete", incomplete ? why : NULL);
		ki_json_kv_string(&j, "result", nerr ? "fail" : incomplete ? "incomplete" : "pass");
		ki_json_end_object(&j);
		ki_json_end_object(&j);
		ki_json_finish(&j);
	} else {
		printf("verify:   %s (%s) against %s (%s)\n", d->path, d->container, manifest,
		       m->compatible);
		printf("checked:  %" PRIu64 " ranges: %" PRIu64 " the same, %" PRIu64 " changed, %" PRIu64
		       " not in this dump, %" PRIu64 " without a recorded hash\n",
		       st.ranges, st.same, st.changed, st.unverified, st.unrecorded);
		text_group(fs, KI_SEV_ERROR, "errors");
		text_group(fs, KI_SEV_WARNING, "warnings");
		if (ki_global.verbose)
			text_group(fs, KI_SEV_INFO, "info");
		if (incomplete)
			printf("\nincomplete: %s%s\n", why,
			       present_only ? "" : " (--present-only checks only what both hold)");
		printf("\nresult:   %s%s%s: %zu error%s, %zu warning%s\n",
		       ki_paint(ki_color_on(stdout), nerr ? KI_PAINT_ERROR : incomplete ? KI_PAINT_WARNING : KI_PAINT_OK),
		       nerr ? "FAIL" : incomplete ? "incomplete" : "pass", ki_paint(ki_color_on(stdout), KI_PAINT_OFF),
		       nerr, nerr == 1 ? "" : "s", nwarn, nwarn == 1 ? "" : "s");
	}
	if (fflush(stdout) || ferror(stdout))
		ret = KI_EXIT_TROUBLE;
out:
	ki_manifest_close(m);
	ki_dump_destroy(d);
	ki_findings_deinit(&f);
	free(o->scratch);
	return ret;
}

int cmd_verify(int argc, char **argv)
{
	enum { O_AGAINST = 256, O_NUMA, O_PRESENT_ONLY, O_FDT_ONLY };
	static const struct option opts[] = {
		KI_INPUT_LONGOPTS,
		{ "against", required_argument, NULL, O_AGAINST },
		{ "numa", required_argument, NULL, O_NUMA },
		{ "present-only", no_argument, NULL, O_PRESENT_ONLY },
		{ "fdt-only", no_argument, NULL, O_FDT_ONLY },
		KI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ki_input_opts o = { 0 };
	struct ki_handover in;
	struct ki_findings none;
	const struct ki_findings *fs[2];
	struct ki_verify_input vi = { 0 };
	struct ki_verify_stats st = { 0 };
	const char *against = NULL;
	bool present_only = false, fdt_only = false, unsupported, no_mem;
	uint64_t *numa = NULL;
	size_t nnuma = 0;
	struct ki_error *err;
	size_t nerr, nwarn, ninfo;
	int opt, r, ret;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, KI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		r = ki_input_option("verify", opt, optarg, &o);
		if (r < 0)
			goto usage;
		if (r == 0)
			r = ki_global_option("verify", opt, optarg);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		switch (opt) {
		case O_AGAINST:
			against = optarg;
			break;
		case O_PRESENT_ONLY:
			present_only = true;
			break;
		case O_FDT_ONLY:
			fdt_only = true;
			break;
		case O_NUMA:
			free(numa);
			numa = NULL;
			err = ki_parse_numa(optarg, &numa, &nnuma);
			if (err) {
				ki_usage_error("verify", "%s", err->message);
				ki_error_destroy(err);
				goto usage;
			}
			break;
		case 'h':
			cmd_verify_usage();
			free(o.scratch);
			return KI_EXIT_OK;
		default:
			ki_option_error("verify", opt, argv);
			goto usage;
		}
	}
	o.input = ki_one_input("verify", argc, argv);
	if (!o.input)
		goto usage;
	if (against) {
		free(numa);
		return verify_against(&o, against, present_only);
	}
	ki_findings_init(&none);
	err = ki_input_open(&o, &in);
	if (err && err->code == KI_ERR_UNSUPPORTED && in.k &&
	    in.k->format == KI_KHO_UNKNOWN) {
		/* The FDT was read; its map format is unknown: ki_verify
		 * reports unknown-compatible. */
		ki_error_destroy(err);
		err = NULL;
	} else if (err && err->code == KI_ERR_CORRUPT && in.k) {
		ki_findings_add(&in.f, KI_SEV_ERROR, "no-memory-map", in.k->has_fdt_phys,
				in.k->fdt_phys, "%s", err->message);
		ki_error_destroy(err);
		err = NULL;
	}
	if (err) {
		ret = ki_fail(err, o.input);
		goto out;
	}
	vi.d = in.d;
	vi.k = in.k;
	vi.m = in.m;
	vi.scratch = in.scratch;
	vi.nscratch = in.nscratch;
	vi.scratch_source = in.scratch_source;
	vi.dbg = in.dbg;
	vi.numa = numa;
	vi.nnuma = nnuma;
	err = ki_verify(&vi, &in.f, &st);
	if (err) {
		ret = ki_fail(err, o.input);
		goto out;
	}
	fs[0] = all_findings(&in, &none, &fs[1]);
	nerr = fs[0]->counts[KI_SEV_ERROR] + fs[1]->counts[KI_SEV_ERROR];
	nwarn = fs[0]->counts[KI_SEV_WARNING] + fs[1]->counts[KI_SEV_WARNING];
	ninfo = fs[0]->counts[KI_SEV_INFO] + fs[1]->counts[KI_SEV_INFO];
	/* Not a broken hand-over but one this build cannot read: trouble,
	 * whatever else was found. Without memory the blocks were not
	 * checked: not a pass unless only the FDT was asked for. */
	unsupported = in.k && in.k->format == KI_KHO_UNKNOWN;
	no_mem = (!in.m && !fdt_only) || in.incoming_consumed;
	ret = unsupported ? KI_EXIT_TROUBLE : nerr ? KI_EXIT_FINDINGS :
	      no_mem ? KI_EXIT_TROUBLE : KI_EXIT_OK;
	if (in.incoming_consumed)
		ret = KI_EXIT_TROUBLE; /* the blocks could not be checked */

	if (ki_global.json) {
		struct ki_json j;

		ki_json_doc_begin(&j);
		ki_json_doc_input(&j, in.input, in.container, in.d);
		ki_json_doc_kho(&j, in.k, in.found_by);
		ki_json_findings(&j, fs, 2);
		ki_json_key(&j, "summary");
		ki_json_begin_object(&j);
		ki_json_kv_uint(&j, "errors", nerr);
		ki_json_kv_uint(&j, "warnings", nwarn);
		ki_json_kv_uint(&j, "info", ninfo);
		ki_json_kv_uint(&j, "findings_not_listed", fs[0]->dropped + fs[1]->dropped);
		ki_json_kv_uint(&j, "blocks_checked", st.blocks);
		ki_json_kv_uint(&j, "ranges_checked", st.queries);
		ki_json_kv_uint(&j, "objects_checked", st.objects);
		ki_json_kv_string(&j, "result", unsupported ? "unsupported" : nerr ? "fail" :
				  no_mem ? "incomplete" : "pass");
		ki_json_kv_string(&j, "checked", in.m ? "fdt, sub-blobs and blocks" : "fdt and sub-blobs only");
		ki_json_end_object(&j);
		ki_json_end_object(&j);
		ki_json_finish(&j);
	} else {
		printf("verify:   %s (%s)\n", in.input, in.container);
		printf("kho:      %s", in.k->compatible);
		if (in.k->has_fdt_phys)
			printf(", FDT 0x%" PRIx64, in.k->fdt_phys);
		if (in.k->has_map)
			printf(", map 0x%" PRIx64, in.k->map_phys);
		printf("\n");
		if (in.m)
			printf("checked:  %" PRIu64 " blocks in %" PRIu64 " runs against %zu address ranges (%zu of sub-format objects); ",
			       st.blocks, st.runs, st.queries, st.objects);
		if (in.m && in.nscratch)
			printf("%zu scratch area%s (from %s)\n", in.nscratch,
			       in.nscratch == 1 ? "" : "s", in.scratch_source);
		else if (in.m)
			printf("scratch checks not done: scratch areas unknown\n");
		else if (unsupported)
			printf("checked:  the FDT only (a map of an unknown format is not read)\n");
		else if (in.d && !in.incoming_consumed)
			printf("checked:  the FDT only (no memory map to walk)\n");
		else
			printf("checked:  the FDT%s only (%s)\n",
			       in.dbg && in.dbg->nsubs ? " and its sub-blobs" : "",
			       in.incoming_consumed ? "the incoming hand-over was consumed: its blocks cannot be checked from this memory"
						    : "no memory: give --mem to check the blocks");
		text_group(fs, KI_SEV_ERROR, "errors");
		text_group(fs, KI_SEV_WARNING, "warnings");
		if (ki_global.verbose)
			text_group(fs, KI_SEV_INFO, "info");
		if (fs[0]->dropped + fs[1]->dropped)
			printf("(%zu more findings not listed)\n", fs[0]->dropped + fs[1]->dropped);
		if (unsupported)
			printf("\nunsupported: compatible \"%s\" is a hand-over format this khoinspect does not know (it knows %s): a newer khoinspect may; the hand-over is not known to be broken\n",
			       in.k->compatible, ki_kho_known_formats());
		else if (no_mem && !nerr && in.incoming_consumed)
			printf("\nincomplete: the incoming hand-over was consumed at boot: its blocks cannot be checked from this memory\n");
		else if (no_mem && !nerr)
			printf("\nincomplete: no memory to check the blocks (give --mem FILE, or --fdt-only to check the FDT alone)\n");
		printf("\nresult:   %s%s%s: %zu error%s, %zu warning%s, %zu info%s\n",
		       ki_paint(ki_color_on(stdout), nerr ? KI_PAINT_ERROR :
				unsupported || no_mem ? KI_PAINT_WARNING : KI_PAINT_OK),
		       unsupported ? "unsupported" : nerr ? "FAIL" : no_mem ? "incomplete" : "pass",
		       ki_paint(ki_color_on(stdout), KI_PAINT_OFF),
		       nerr, nerr == 1 ? "" : "s", nwarn,
		       nwarn == 1 ? "" : "s", ninfo, ki_global.verbose || !ninfo ? "" : " (-v shows them)");
	}
	if (fflush(stdout) || ferror(stdout))
		ret = KI_EXIT_TROUBLE;
out:
	free(numa);
	ki_input_close(&in, &o);
	return ret;
usage:
	free(numa);
	free(o.scratch);
	return KI_EXIT_TROUBLE;
}
