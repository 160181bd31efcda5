// SPDX-License-Identifier: GPL-2.0-or-later
/* khoinspect snapshot: a manifest of a hand-over, with content hashes. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ki_cli.h"
#include "ki_hash.h"
#include "ki_input.h"
#include "ki_manifest.h"
#include "ki_output.h"
#include "ki_owner.h"

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
	       "\n"
	       "Exit status: 0 a complete manifest written; 2 trouble: not written (the\n"
	       "output is one of the inputs or cannot be written, the input cannot be\n"
	       "read), or written but incomplete (standard error says why).\n",
	       ki_input_kinds_help, ki_input_help);
}

struct hash_progress {
	bool on;
	uint64_t done, total;
	time_t last;
	bool printed;
};

static void hash_progress(void *arg, uint64_t n)
{
	struct hash_progress *p = arg;
	time_t now;

	p->done += n;
	if (!p->on)
		return;
	now = time(NULL);
	if (now == p->last)
		return;
	p->last = now;
	p->printed = true;
	fprintf(stderr, "\rkhoinspect: hashing preserved memory: %" PRIu64 " of %" PRIu64 " MiB (%d%%)",
		p->done >> 20, p->total >> 20, p->total ? (int)(p->done * 100 / p->total) : 100);
}

/* false when the contents were asked for and could not be read */
static bool hash_member(struct ki_json *j, struct ki_memreader *r, uint64_t start,
			uint64_t end, bool hash, struct hash_progress *hp,
			uint64_t page_size)
{
	char hex[KI_HASH_HEX], chunks[KI_HASH_CHUNKS * KI_CHUNK_HEX + 1];
	uint64_t cs = ki_hash_chunk_size(end - start, page_size);
	struct ki_error *err;

	ki_json_key(j, "xxh3");
	if (!hash) {
		ki_json_null(j);
		return true;
	}
	err = ki_hash_range_chunks(r, start, end, cs, hex, chunks,
				   hp ? hash_progress : NULL, hp);
	if (!err) {
		ki_json_string(j, hex);
		ki_json_kv_hex(j, "chunk_size", cs);
		ki_json_kv_string(j, "chunks_xxh3_64", chunks);
		return true;
	}
	ki_json_null(j);
	ki_json_key(j, "missing");
	if (err->has_paddr)
		ki_json_hex(j, err->paddr);
	else
		ki_json_null(j);
	ki_error_destroy(err);
	return false;
}

struct snap_emit {
	struct ki_json *j;
	struct ki_memreader *mem;
	const struct ki_owners *owners;
	uint64_t page_size;
	bool hash;
	struct hash_progress *hp;
	/* the open group of ranges without content, if any */
	bool in_group;
	bool group_missing;
	unsigned int group_order;
	const char *group_owner;
	/* what the manifest lacks: blocks not in the dump from their first
	 * byte, ranges read only in part */
	uint64_t missing_blocks, partial_ranges;
};

static void group_close(struct snap_emit *se)
{
	if (!se->in_group)
		return;
	ki_json_end_array(se->j);
	ki_json_end_object(se->j);
	se->in_group = false;
}

/*
 * A range whose contents the manifest cannot hold (not in the dump from
 * its first byte, or --no-hash): one [start, blocks] pair in a group of
 * such ranges of one order and owner. Millions of them in a big dump.
 */
static void group_range(struct snap_emit *se, uint64_t pa, unsigned int order,
			uint64_t n, const char *owner, bool missing)
{
	char *p, *s;

	if (se->in_group && (se->group_order != order || se->group_missing != missing ||
			     strcmp(se->group_owner, owner)))
		group_close(se);
	if (!se->in_group) {
		ki_json_begin_object(se->j);
		ki_json_kv_uint(se->j, "order", order);
		ki_json_kv_string(se->j, "owner", owner);
		ki_json_key(se->j, missing ? "not_in_dump" : "not_hashed");
		ki_json_begin_array(se->j);
		se->in_group = true;
		se->group_order = order;
		se->group_missing = missing;
		se->group_owner = owner;
	}
	s = p = ki_json_value_room(se->j, 64);
	memcpy(p, "[\"", 2);
	p += 2;
	p += ki_fmt_hex(p, pa);
	memcpy(p, "\",", 2);
	p += 2;
	p += ki_fmt_udec(p, n);
	*p++ = ']';
	ki_json_value_done(se->j, (size_t)(p - s));
}

static void snap_piece(struct snap_emit *se, uint64_t pa, unsigned int order,
		       uint64_t n, const char *owner)
{
	uint64_t end = pa + n * (se->page_size << order);
	char hex[KI_HASH_HEX], chunks[KI_HASH_CHUNKS * KI_CHUNK_HEX + 1];
	uint64_t cs = ki_hash_chunk_size(end - pa, se->page_size);
	struct ki_error *err = NULL;
	uint64_t missing;

	owner = owner ? owner : "unclaimed";
	if (!se->hash) {
		group_range(se, pa, order, n, owner, false);
		return;
	}
	/* no I/O: most preserved memory of a big machine is not in a dump */
	missing = ki_memreader_first_missing(se->mem, pa, end - pa);
	if (missing == pa) {
		se->missing_blocks += n;
		if (se->hp)
			se->hp->done += end - pa; /* nothing to read: counted, not shown */
		group_range(se, pa, order, n, owner, true);
		return;
	}
	err = ki_hash_range_chunks(se->mem, pa, end, cs, hex, chunks,
				   se->hp ? hash_progress : NULL, se->hp);
	if (err && err->code == KI_ERR_NODATA && err->has_paddr && err->paddr == pa) {
		ki_error_destroy(err);
		se->missing_blocks += n;
		group_range(se, pa, order, n, owner, true);
		return;
	}
	group_close(se);
	ki_json_begin_object(se->j);
	ki_json_kv_hex(se->j, "start", pa);
	ki_json_kv_hex(se->j, "end", end);
	ki_json_kv_uint(se->j, "order", order);
	ki_json_kv_uint(se->j, "blocks", n);
	ki_json_kv_string(se->j, "owner", owner);
	ki_json_key(se->j, "xxh3");
	if (!err) {
		ki_json_string(se->j, hex);
		ki_json_kv_hex(se->j, "chunk_size", cs);
		ki_json_kv_string(se->j, "chunks_xxh3_64", chunks);
	} else {
		se->partial_ranges++;
		ki_json_null(se->j);
		ki_json_key(se->j, "missing");
		if (err->has_paddr)
			ki_json_hex(se->j, err->paddr);
		else
			ki_json_null(se->j);
		ki_error_destroy(err);
	}
	ki_json_end_object(se->j);
}

/* Ranges go out per order, then by address (the order diff merges in),
 * split where the owner changes. */
struct snap_order {
	struct snap_emit *se;
	unsigned int order;
};

static int snap_owned(void *arg, uint64_t pa, uint64_t n, const char *owner)
{
	const struct snap_order *so = arg;

	snap_piece(so->se, pa, so->order, n, owner);
	return 0;
}

static int snap_run(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	struct snap_emit *se = arg;
	struct snap_order so = { se, order };

	/* a range is cut where its owner changes */
	return ki_owners_split(se->owners, pa, n, se->page_size << order, snap_owned, &so);
}

/*
 * Whether path names the same file as one of the inputs (through links,
 * hard links, /proc/self/fd/N: the same device and inode), or lies inside
 * an input that is a directory (a debugfs copy). Writing there would
 * destroy what is being read.
 */
static bool is_an_input(const char *path, const char *const *inputs, size_t n)
{
	struct stat so, si;
	char *dup, *dir, *rdir = NULL, *rin;
	bool same = false;

	if (!stat(path, &so)) {
		for (size_t i = 0; i < n; i++)
			if (inputs[i] && !stat(inputs[i], &si) && si.st_dev == so.st_dev &&
			    si.st_ino == so.st_ino)
				return true;
	}
	dup = strdup(path);
	if (!dup)
		return false;
	dir = dirname(dup);
	rdir = realpath(dir, NULL);
	for (size_t i = 0; rdir && !same && i < n; i++) {
		size_t len;

		if (!inputs[i] || stat(inputs[i], &si) || !S_ISDIR(si.st_mode))
			continue;
		rin = realpath(inputs[i], NULL);
		len = rin ? strlen(rin) : 0;
		same = rin && !strncmp(rdir, rin, len) && (rdir[len] == '/' || !rdir[len]);
		free(rin);
	}
	free(rdir);
	free(dup);
	return same;
}

/* The temporary file while it exists: removed if a signal ends the run
 * (hashing a big dump takes minutes; Ctrl-C must not leave it behind). */
static char *volatile live_tmp;

static void tmp_signal(int sig)
{
	char *p = live_tmp;

	if (p)
		unlink(p);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void tmp_guard(char *path)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

	live_tmp = path;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], path ? tmp_signal : SIG_DFL);
}

/* The temporary file beside out_path (renamed over it when complete). */
static struct ki_error *open_temp(const char *out_path, char **tmp_ret, FILE **fp_ret)
{
	char *tmp;
	int fd;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", out_path) < 0)
		return &ki_enomem;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		struct ki_error *err = ki_error_os(errno, out_path,
				"cannot write the manifest (its temporary file beside it)");

		free(tmp);
		return err;
	}
	*fp_ret = fdopen(fd, "w");
	if (!*fp_ret) {
		struct ki_error *err = ki_error_os(errno, out_path, "cannot write the manifest");

		close(fd);
		unlink(tmp);
		free(tmp);
		return err;
	}
	/* mkostemp makes it 0600; a manifest is not secret: as a new file */
	{
		mode_t um = umask(0);

		umask(um);
		fchmod(fd, 0666 & ~um);
	}
	*tmp_ret = tmp;
	tmp_guard(tmp);
	return NULL;
}

/*
 * Open the manifest's destination. A regular file, or a name that does not
 * exist yet, gets a temporary file beside it that is renamed into place
 * when complete (*final_ret: the name to rename to). A symlink is followed,
 * so the link stays and its target is replaced. A device, FIFO or socket
 * (/dev/null, a named pipe) is written directly, *tmp_ret and *final_ret
 * NULL: renaming over it would replace the node itself, which as root
 * turned /dev/null into a regular file.
 */
static struct ki_error *open_output(const char *out_path, char **tmp_ret, char **final_ret,
				    FILE **fp_ret)
{
	char *real = realpath(out_path, NULL);
	struct ki_error *err;
	struct stat st;

	*tmp_ret = *final_ret = NULL;
	if (real && !stat(real, &st) && !S_ISREG(st.st_mode)) {
		int fd;

		free(real);
		if (S_ISDIR(st.st_mode))
			return ki_error_set_path(ki_error_create(KI_ERR_USAGE,
					"is a directory: give -o a file name"), out_path);
		fd = open(out_path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return ki_error_os(errno, out_path, "cannot write the manifest");
		*fp_ret = fdopen(fd, "w");
		if (!*fp_ret) {
			err = ki_error_os(errno, out_path, "cannot write the manifest");
			close(fd);
			return err;
		}
		return NULL;
	}
	if (!real) {
		real = strdup(out_path);
		if (!real)
			return &ki_enomem;
	}
	err = open_temp(real, tmp_ret, fp_ret);
	if (err) {
		free(real);
		return err;
	}
	*final_ret = real;
	return NULL;
}

/* Why the manifest is not a whole record of the hand-over; none: complete. */
struct lacks {
	bool nomem;                  /* the ranges stopped early: not written */
	size_t map_errors;
	uint64_t missing_blocks, partial_ranges;
	size_t blobs_unread;
};

static bool lacks_any(const struct lacks *l)
{
	return l->map_errors || l->missing_blocks || l->partial_ranges || l->blobs_unread;
}

static void write_incomplete(struct ki_json *j, const struct lacks *l)
{
	char buf[200];

	ki_json_key(j, "incomplete");
	if (!lacks_any(l)) {
		ki_json_null(j);
		return;
	}
	ki_json_begin_array(j);
	if (l->map_errors) {
		snprintf(buf, sizeof(buf), "map-errors: the memory map had %zu error finding%s; ranges past them are not listed (see khoinspect verify)",
			 l->map_errors, l->map_errors == 1 ? "" : "s");
		ki_json_string(j, buf);
	}
	if (l->blobs_unread) {
		snprintf(buf, sizeof(buf), "blobs-not-read: %zu sub-blob%s could not be read",
			 l->blobs_unread, l->blobs_unread == 1 ? "" : "s");
		ki_json_string(j, buf);
	}
	if (l->missing_blocks) {
		snprintf(buf, sizeof(buf), "not-in-dump: the contents of %" PRIu64 " block%s are not in the dump",
			 l->missing_blocks, l->missing_blocks == 1 ? "" : "s");
		ki_json_string(j, buf);
	}
	if (l->partial_ranges) {
		snprintf(buf, sizeof(buf), "partly-read: %" PRIu64 " range%s could be read only in part (no hash)",
			 l->partial_ranges, l->partial_ranges == 1 ? "" : "s");
		ki_json_string(j, buf);
	}
	ki_json_end_array(j);
}

/* The manifest itself: everything but the file handling. */
static void write_manifest(FILE *fp, struct ki_handover *in, const struct ki_owners *owners,
			   bool hash, struct hash_progress *hp, struct lacks *lk)
{
	struct ki_json j;

	for (unsigned int i = 0; i < KI_ORDERS; i++)
		hp->total += in->m->blocks[i] * (in->m->page_size << i);
	hp->on = hash && !ki_global.quiet && isatty(2);

	ki_json_init(&j, fp, ki_global.pretty);
	ki_json_begin_object(&j);
	ki_json_kv_uint(&j, "khoinspect_manifest", KI_MANIFEST_VERSION);
	ki_json_kv_string(&j, "generator", "khoinspect " KI_VERSION);
	ki_json_key(&j, "input");
	ki_json_begin_object(&j);
	ki_json_kv_string(&j, "path", in->input);
	ki_json_kv_string(&j, "container", in->container);
	ki_json_kv_string(&j, "arch", in->d->arch);
	ki_json_kv_uint(&j, "page_size", in->d->page_size);
	ki_json_kv_string(&j, "byte_order", in->d->big_endian ? "big" : "little");
	ki_json_end_object(&j);
	ki_json_kv_string(&j, "hash", hash ? "xxh3-128" : NULL);

	ki_json_key(&j, "kho");
	ki_json_begin_object(&j);
	ki_json_kv_string(&j, "compatible", in->k->compatible);
	ki_json_key(&j, "fdt_phys");
	if (in->k->has_fdt_phys)
		ki_json_hex(&j, in->k->fdt_phys);
	else
		ki_json_null(&j);
	ki_json_kv_hex(&j, "fdt_size", in->k->fdt_size);
	{
		char hex[KI_HASH_HEX];

		ki_hash_buffer(in->k->blob, in->k->fdt_size, hex);
		ki_json_kv_string(&j, "fdt_xxh3", hex);
	}
	ki_json_kv_hex(&j, "memory_map_phys", in->k->map_phys);
	ki_json_end_object(&j);

	ki_json_key(&j, "subnodes");
	ki_json_begin_array(&j);
	for (size_t i = 0; i < in->k->nsubs; i++) {
		const struct ki_subnode *s = &in->k->subs[i];
		uint64_t size = s->has_size && s->size ? s->size : in->d->page_size;

		ki_json_begin_object(&j);
		ki_json_kv_string(&j, "name", s->name);
		ki_json_key(&j, "phys");
		if (s->has_phys)
			ki_json_hex(&j, s->phys);
		else
			ki_json_null(&j);
		ki_json_kv_hex(&j, "size", size);
		if (s->has_phys && s->phys + size > s->phys &&
		    !hash_member(&j, &in->d->mem, s->phys, s->phys + size, true, NULL,
				 in->d->page_size))
			lk->blobs_unread++;
		ki_json_end_object(&j);
	}
	ki_json_end_array(&j);

	ki_json_key(&j, "scratch");
	ki_json_begin_array(&j);
	for (size_t i = 0; i < in->nscratch; i++) {
		ki_json_begin_object(&j);
		ki_json_kv_hex(&j, "start", in->scratch[i].addr);
		ki_json_kv_hex(&j, "size", in->scratch[i].size);
		ki_json_kv_string(&j, "source", in->scratch_source);
		ki_json_end_object(&j);
	}
	ki_json_end_array(&j);

	ki_json_key(&j, "ranges");
	ki_json_begin_array(&j);
	{
		struct snap_emit se = { .j = &j, .mem = &in->d->mem, .page_size = in->m->page_size,
					.hash = hash, .hp = hp, .owners = owners };

		if (ki_map_foreach_run(in->m, -1, snap_run, &se) == KI_RUNS_NOMEM)
			lk->nomem = true;
		group_close(&se);
		lk->missing_blocks = se.missing_blocks;
		lk->partial_ranges = se.partial_ranges;
	}
	ki_json_end_array(&j);
	ki_json_key(&j, "total");
	ki_json_begin_object(&j);
	ki_json_kv_uint(&j, "blocks", in->m->total_blocks);
	ki_json_kv_hex(&j, "bytes", hp->total);
	ki_json_end_object(&j);
	ki_json_kv_uint(&j, "map_errors", lk->map_errors);
	/* last, when all is known (version 3): null, or why not complete */
	write_incomplete(&j, lk);
	ki_json_end_object(&j);
	ki_json_finish(&j);
	if (hp->printed)
		fprintf(stderr, "\r\033[K");
}

static void say_incomplete(const char *input, const char *out, const struct lacks *l)
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
		{ "pretty", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ki_input_opts o = { 0 };
	struct ki_handover in;
	struct hash_progress hp = { 0 };
	const char *out_path = NULL;
	char *tmp_path = NULL, *final_path = NULL;
	bool hash = true, in_open = false;
	struct ki_error *err;
	FILE *fp = stdout;
	struct ki_owners owners = { 0 };
	struct ki_findings ownf;
	struct lacks lk = { 0 };
	int opt, r, ret = KI_EXIT_OK;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:jpqvh", opts, NULL)) != -1) {
		r = ki_input_option("snapshot", opt, optarg, &o);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		switch (opt) {
		case 'o':
			out_path = optarg;
			break;
		case O_NO_HASH:
			hash = false;
			break;
		case 'p':
			ki_global.pretty = true;
			break;
		case 'j':
			break; /* a manifest is always JSON */
		case 'q':
		case 'v':
			ki_output_option(opt);
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
	if (optind != argc - 1) {
		ki_usage_error("snapshot", optind >= argc ? "no INPUT given" : "only one INPUT, got %d",
			       argc - optind);
		goto usage;
	}
	o.input = argv[optind];
	ki_global.json = false; /* errors go to stderr only: stdout may be the manifest */
	if (out_path && !strcmp(out_path, "-"))
		out_path = NULL;
	if (out_path) {
		const char *inputs[] = {
			!strcmp(o.input, "live") ? "/proc/kcore" : o.input, o.mem,
			!strcmp(o.input, "live") ? "/sys/kernel/debug/kho" : NULL,
		};

		if (is_an_input(out_path, inputs, sizeof(inputs) / sizeof(inputs[0]))) {
			ret = ki_fail(ki_error_set_path(ki_error_create(KI_ERR_USAGE,
					"the output is one of the inputs: refusing to overwrite what is being read; choose another -o FILE"),
					out_path), NULL);
			goto usage;
		}
		/* before the input is read: a bad -o fails at once */
		err = open_output(out_path, &tmp_path, &final_path, &fp);
		if (err) {
			fp = stdout;
			ret = ki_fail(err, out_path);
			goto usage;
		}
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
	/* sub-format problems do not affect the manifest: verify reports them */
	ki_findings_init(&ownf);
	err = ki_owners_build(in.d, in.dbg, in.k, in.d->page_size, in.d->big_endian, &ownf, &owners);
	ki_findings_deinit(&ownf);
	if (err) {
		ret = ki_fail(err, o.input);
		goto out;
	}
	lk.map_errors = in.f.counts[KI_SEV_ERROR] + in.d->findings.counts[KI_SEV_ERROR];
	write_manifest(fp, &in, &owners, hash, &hp, &lk);
	if (lk.nomem) {
		ret = ki_fail(&ki_enomem, o.input);
		goto out;
	}
	if (fflush(fp) || ferror(fp)) {
		fprintf(stderr, "khoinspect: %s: writing the manifest failed%s%s\n",
			out_path ? out_path : "standard output", errno ? ": " : "",
			errno ? strerror(errno) : "");
		ret = KI_EXIT_TROUBLE;
		goto out;
	}
	/* an allocation failed on the way: the manifest may lack something
	 * it does not know it lacks; none is put in place */
	if (ki_nomem_seen()) {
		ki_global.json = false; /* the error goes to stderr only */
		ret = ki_fail(&ki_enomem, out_path);
		goto out;
	}
	if (fp != stdout) {
		r = fclose(fp);
		fp = stdout;
		if (r) {
			fprintf(stderr, "khoinspect: %s: writing the manifest failed: %s\n",
				out_path, strerror(errno));
			ret = KI_EXIT_TROUBLE;
			goto out;
		}
		if (tmp_path && rename(tmp_path, final_path)) {
			fprintf(stderr, "khoinspect: %s: cannot put the manifest in place: %s\n",
				out_path, strerror(errno));
			ret = KI_EXIT_TROUBLE;
			goto out;
		}
		tmp_guard(NULL);
		free(tmp_path);
		tmp_path = NULL;
	}
	/* written, but not a whole record: trouble, and it says so inside */
	if (lacks_any(&lk)) {
		say_incomplete(in.input, out_path, &lk);
		ret = KI_EXIT_TROUBLE;
	}
out:
	if (fp != stdout)
		fclose(fp);
	if (tmp_path) { /* any failure: no half manifest left behind */
		unlink(tmp_path);
		tmp_guard(NULL);
	}
	free(tmp_path);
	free(final_path);
	ki_owners_deinit(&owners);
	if (in_open)
		ki_input_close(&in, &o);
	else
		free(o.scratch);
	return ret;
usage:
	free(o.scratch);
	return KI_EXIT_TROUBLE;
}
