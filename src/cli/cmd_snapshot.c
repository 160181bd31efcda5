// SPDX-License-Identifier: GPL-2.0-or-later
/* khoinspect snapshot: a manifest of a hand-over, with content hashes. */
#include <signal.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ki_cli.h"
#include "ki_input.h"
#include "ki_manifest.h"
#include "ki_manifest_write.h"

void cmd_snapshot_usage(void)
{
	printf("Usage: khoinspect [-p] snapshot [OPTIONS] INPUT [-o FILE]\n"
	       "\n"
	       "Write a manifest of the hand-over in INPUT: the compatible, the FDT (address,\n"
	       "size, hash), the sub-blobs (name, address, size, hash), the scratch areas\n"
	       "and every range of preserved blocks, per order then by address (start,\n"
	       "end, order, blocks) with an XXH3-128 hash of its contents (and XXH3-64\n"
	       "hashes of up to 1024 chunks of it, one page each in small ranges, so that\n"
	       "verify --against can point at the page that changed), or the first address the\n"
	       "dump does not hold. Take one before a kexec and check the next kernel\n"
	       "with `verify --against`, or compare two with `diff`. The format is JSON,\n"
	       "versioned (\"khoinspect_manifest\": 3), described in khoinspect(1). A\n"
	       "manifest that lacks something (map errors, contents not in the dump) says\n"
	       "so in \"incomplete\", with the reasons.\n"
	       "\n"
	       "%s\n%s"
	       "Output:\n"
	       "  -o, --output FILE    write the manifest to FILE (default: standard output),\n"
	       "                       through a temporary file beside it; never one of\n"
	       "                       the inputs\n"
	       "      --no-hash        do not hash the preserved memory (faster; diff can\n"
	       "                       then compare addresses only)\n"
	       "  -p, --pretty         indent the manifest\n"
	       "  -h, --help           this help\n"
	       KI_GLOBAL_HERE_HELP
	       "\n"
	       "Exit status: 0 a complete manifest written; 2 trouble: not written (the\n"
	       "output is one of the inputs or cannot be written, the input cannot be\n"
	       "read), or written but incomplete (standard error says why).\n",
	       ki_input_kinds_help, ki_input_help);
}

struct hash_progress {
	time_t last;
	bool printed;
};

static void hash_progress(void *arg, uint64_t done, uint64_t total)
{
	struct hash_progress *p = arg;
	time_t now = time(NULL);

	if (now == p->last)
		return;
	p->last = now;
	p->printed = true;
	fprintf(stderr, "\rkhoinspect: hashing preserved memory: %" PRIu64 " of %" PRIu64 " MiB (%d%%)",
		done >> 20, total >> 20, total ? (int)(done * 100 / total) : 100);
}

/* The temporary file while it exists: removed if a signal ends the run
 * (hashing a big dump takes minutes; Ctrl-C must not leave it behind). */
static const char *volatile live_tmp;

static void tmp_signal(int sig)
{
	const char *p = live_tmp;

	if (p)
		unlink(p);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void tmp_guard(const char *path)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

	live_tmp = path;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], path ? tmp_signal : SIG_DFL);
}

static void say_incomplete(const char *input, const char *out, const struct ki_manifest_lacks *l)
{
	fprintf(stderr, "khoinspect: %s: the manifest%s%s is incomplete (marked \"incomplete\" in it):",
		input, out ? " " : "", out ? out : "");
	if (l->map_errors)
		fprintf(stderr, " the map had %zu error%s (see `khoinspect verify`);", l->map_errors,
			l->map_errors == 1 ? "" : "s");
	if (l->blobs_unread)
		fprintf(stderr, " %zu sub-blob%s not read;", l->blobs_unread,
			l->blobs_unread == 1 ? "" : "s");
	if (l->missing_blocks)
		fprintf(stderr, " %" PRIu64 " block%s not in the dump;", l->missing_blocks,
			l->missing_blocks == 1 ? "" : "s");
	if (l->partial_ranges)
		fprintf(stderr, " %" PRIu64 " range%s read only in part;", l->partial_ranges,
			l->partial_ranges == 1 ? "" : "s");
	fprintf(stderr, " diff and verify --against treat what it lacks as unknown\n");
}

int cmd_snapshot(int argc, char **argv)
{
	enum { O_NO_HASH = 256 };
	static const struct option opts[] = {
		KI_INPUT_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "no-hash", no_argument, NULL, O_NO_HASH },
		KI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ki_input_opts o = { 0 };
	struct ki_handover in;
	struct hash_progress hp = { 0 };
	struct ki_manifest_write_options wo = { .generator = "khoinspect " KI_VERSION };
	struct ki_manifest_source src;
	struct ki_manifest_out *mo = NULL;
	const char *out_path = NULL;
	bool in_open = false;
	struct ki_error *err;
	FILE *fp = stdout;
	struct ki_manifest_lacks lk;
	int opt, r, ret = KI_EXIT_OK;

	wo.hash = true;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, KI_GLOBAL_SHORTOPTS "o:", opts, NULL)) != -1) {
		r = ki_input_option("snapshot", opt, optarg, &o);
		if (r < 0)
			goto usage;
		/* -j changes nothing: a manifest is always JSON (and -j
		 * anywhere makes errors JSON, main.c) */
		if (r == 0)
			r = ki_global_option("snapshot", opt, optarg);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		switch (opt) {
		case 'o':
			out_path = optarg;
			break;
		case O_NO_HASH:
			wo.hash = false;
			break;
		case 'h':
			cmd_snapshot_usage();
			free(o.scratch);
			return KI_EXIT_OK;
		default:
			ki_option_error("snapshot", opt, argv);
			goto usage;
		}
	}
	o.input = ki_one_input("snapshot", argc, argv);
	if (!o.input)
		goto usage;
	if (out_path && !strcmp(out_path, "-"))
		out_path = NULL;
	/* errors go to stderr only when stdout is the manifest; with -o FILE,
	 * -j makes a fatal error the error document on stdout */
	if (!out_path)
		ki_global.json = false;
	if (out_path) {
		const char *inputs[] = {
			!strcmp(o.input, "live") ? "/proc/kcore" : o.input, o.mem,
			!strcmp(o.input, "live") ? "/sys/kernel/debug/kho" : NULL,
		};

		/* before the input is read: a bad -o fails at once */
		err = ki_manifest_out_open(out_path, inputs, sizeof(inputs) / sizeof(inputs[0]), &mo);
		if (err) {
			ret = ki_fail(err, out_path);
			goto usage;
		}
		fp = ki_manifest_out_file(mo);
		tmp_guard(ki_manifest_out_temp(mo));
	}
	err = ki_input_open(&o, &in);
	in_open = true;
	if (err) {
		ret = ki_fail(err, o.input);
		goto out;
	}
	if (!in.m) {
		ret = ki_fail(in.incoming_consumed
			      ? ki_error_create(KI_ERR_NODATA, "the incoming hand-over was consumed at boot: its map does not decode in this memory, so its blocks cannot be recorded (a dump taken at the jump holds them)")
			      : ki_error_create(KI_ERR_USAGE,
						"no memory to take the blocks from: give --mem FILE (a dump or /proc/kcore)"),
			      o.input);
		goto out;
	}
	src = (struct ki_manifest_source){
		.path = in.input, .container = in.container, .d = in.d, .dbg = in.dbg,
		.k = in.k, .m = in.m, .scratch = in.scratch, .nscratch = in.nscratch,
		.scratch_source = in.scratch_source,
		.map_errors = in.f.counts[KI_SEV_ERROR] + in.d->findings.counts[KI_SEV_ERROR],
	};
	wo.pretty = ki_global.pretty;
	if (wo.hash && !ki_global.quiet && isatty(2)) {
		wo.progress = hash_progress;
		wo.progress_arg = &hp;
	}
	err = ki_manifest_write(fp, &src, &wo, &lk);
	if (hp.printed)
		fprintf(stderr, "\r\033[K");
	if (err) {
		if (err != &ki_enomem)
			err = ki_error_set_path(err, out_path ? out_path : "standard output");
		ret = ki_fail(err, o.input);
		goto out;
	}
	/* an allocation failed on the way: the manifest may lack something
	 * it does not know it lacks; none is put in place */
	if (ki_nomem_seen()) {
		ret = ki_fail(&ki_enomem, out_path);
		goto out;
	}
	if (mo) {
		err = ki_manifest_out_commit(mo);
		if (err) {
			ret = ki_fail(err, out_path);
			goto out;
		}
	}
	/* written, but not a whole record: trouble, and it says so inside */
	if (ki_manifest_lacks_any(&lk)) {
		say_incomplete(in.input, out_path, &lk);
		ret = KI_EXIT_TROUBLE;
	}
out:
	if (mo)
		tmp_guard(NULL);
	ki_manifest_out_destroy(mo);
	if (in_open)
		ki_input_close(&in, &o);
	else
		free(o.scratch);
	return ret;
usage:
	free(o.scratch);
	return KI_EXIT_TROUBLE;
}
