// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khoinspect diff A B: A and B are inputs (dumps, debugfs with --mem, ...)
 * or snapshot manifests. The comparison is the diff engine's
 * (src/lib/check/diff.c); this file opens the sides and renders its lines
 * as text or JSON.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_cli.h"
#include "ki_diff.h"
#include "ki_input.h"
#include "ki_manifest.h"
#include "ki_jsondoc.h"
#include "ki_output.h"
#include "ki_physmap.h"
#include "ki_pipe.h"

void cmd_diff_usage(void)
{
	printf("Usage: khoinspect [-j|-p] diff [OPTIONS] A B\n"
	       "\n"
	       "Compare two hand-overs. A and B are each an input (as for list) or a\n"
	       "manifest written by `khoinspect snapshot`. Per order: ranges only in A\n"
	       "(-), only in B (+), and ranges whose contents changed (!, when both sides\n"
	       "have content hashes: a manifest taken with hashes, or a dump); also the\n"
	       "root compatible. Input options apply to both sides.\n"
	       "\n"
	       "%s"
	       "Output:\n"
	       "      --stat           per-order counts only\n"
	       "      --no-hash        compare addresses only, not contents\n"
	       "      --present-only   compare the contents both sides hold; blocks whose\n"
	       "                       contents a side lacks (not in a dump, a manifest's\n"
	       "                       gap) are counted, not trouble\n"
	       "      --svg FILE       also draw the differences as `map --svg` does:\n"
	       "                       only in A, only in B, changed (- for stdout)\n"
	       "  -j, --json           one JSON document\n"
	       "  -p, --pretty         indented JSON (implies --json)\n"
	       "  -h, --help           this help\n"
	       KI_GLOBAL_HERE_HELP
	       "\n"
	       "A block whose contents could not be compared on both sides (not in a\n"
	       "dump, a manifest's gap), a map with errors or a manifest marked incomplete\n"
	       "is unknown, not equal: the result is then never \"same\".\n"
	       "\n"
	       "Exit status (as diff(1)): 0 same, 1 different (a difference was found,\n"
	       "even if the comparison is not complete), 2 trouble (including a\n"
	       "comparison that found nothing but is not complete).\n", ki_input_help);
}

struct side {
	const char *path;
	const char *kind;            /* "manifest" or the container */
	struct ki_manifest *man;
	struct ki_input_opts o;
	struct ki_handover in;
	bool opened;
};

static struct ki_error *side_open(struct side *s, const struct ki_input_opts *tmpl,
				  const char *path, bool no_progress)
{
	struct ki_error *err;

	s->path = path;
	if (ki_manifest_sniff(path)) {
		err = ki_manifest_open(path, &s->man);
		if (err)
			return err;
		s->kind = "manifest";
		return NULL;
	}
	s->o = *tmpl;
	s->o.scratch = NULL;
	s->o.input = path;
	s->o.no_progress = no_progress;
	err = ki_input_open(&s->o, &s->in);
	s->opened = true;
	if (err)
		return err;
	if (!s->in.m)
		return ki_error_set_path(s->in.incoming_consumed
			? ki_error_create(KI_ERR_NODATA, "the incoming hand-over was consumed at boot: its map does not decode in this memory, so its blocks cannot be compared")
			: ki_error_create(KI_ERR_USAGE, "no memory to take the blocks from: give --mem FILE"), path);
	s->kind = s->in.container;
	return NULL;
}

/* B opened in a helper thread while this one opens A. */
struct side_job {
	struct side *s;
	const struct ki_input_opts *tmpl;
	const char *path;
	struct ki_error *err;
};

static void *open_side_job(void *arg)
{
	struct side_job *j = arg;

	j->err = side_open(j->s, j->tmpl, j->path, true);
	return NULL;
}

/* Opening a large dump (a scan, its map read twice) is a good part of a
 * diff; a smaller one is open before a thread pays off. */
enum { PAR_OPEN_BYTES = 8 << 20 };

static bool big_dump(const char *path)
{
	struct stat st;

	return !ki_manifest_sniff(path) && !stat(path, &st) && S_ISREG(st.st_mode) &&
	       (uint64_t)st.st_blocks * 512 >= PAR_OPEN_BYTES;
}

/*
 * Open both sides; two dumps at once when threads are wanted and both are
 * large (or KHOINSPECT_THREADS=2). The errors are A's, then B's, as one
 * after the other would give them.
 */
static struct ki_error *open_sides(struct side *a, struct side *b,
				   const struct ki_input_opts *tmpl, const char *pa,
				   const char *pb, int threads)
{
	struct side_job j = { .s = b, .tmpl = tmpl, .path = pb };
	struct ki_error *err;
	sigset_t all, old;
	pthread_t t;
	bool two;

	two = threads == KI_THREADS_TWO ? !ki_manifest_sniff(pa) && !ki_manifest_sniff(pb) :
	      threads == KI_THREADS_AUTO && sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
	      big_dump(pa) && big_dump(pb);
	if (two) {
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		two = !pthread_create(&t, NULL, open_side_job, &j);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	err = side_open(a, tmpl, pa, false);
	if (!two)
		return err ? err : side_open(b, tmpl, pb, false);
	pthread_join(t, NULL);
	if (err) {
		ki_error_destroy(j.err);
		return err;
	}
	return j.err;
}

static void side_close(struct side *s)
{
	ki_manifest_close(s->man);
	if (s->opened)
		ki_input_close(&s->in, &s->o);
}

/* What the engine compares of a side. */
static struct ki_diff_side engine_side(const struct side *s)
{
	struct ki_diff_side e = { .path = s->path, .man = s->man };

	if (!s->man) {
		e.d = s->in.d;
		e.k = s->in.k;
		e.m = s->in.m;
		e.map_errors = s->in.f.counts[KI_SEV_ERROR] +
			       (s->in.d ? s->in.d->findings.counts[KI_SEV_ERROR] : 0);
	}
	return e;
}

/* The lines of one thread, as text or JSON. */
struct out {
	struct ki_json j;
	bool json, stat;
	int cur_order;               /* of the last line ("@@ order N @@") */
	struct ki_obuf *ob;          /* text lines */
	struct ki_pm_buckets *svg;   /* --svg: the differences drawn, else NULL */
	bool color;                  /* text lines in colour (--color) */
};

enum { LINE_MAX_BYTES = 128 };

static const char *const KIND_NAME[] = { "only_a", "only_b", "changed" };

/* The same line in colour (only for a terminal or --color=always: off
 * the hot path). */
static void emit_color(struct out *o, const struct ki_diff_line *l, char *p)
{
	static const enum ki_paint paint[] = { KI_PAINT_DEL, KI_PAINT_ADD, KI_PAINT_CHANGE };
	char *s = p;

	if ((int)l->order != o->cur_order) {
		p += sprintf(p, "%s@@ order %u @@%s\n", ki_paint(true, KI_PAINT_HEAD), l->order,
			     ki_paint(true, KI_PAINT_OFF));
		o->cur_order = (int)l->order;
	}
	p += sprintf(p, "%s%c0x%" PRIx64 "-0x%" PRIx64 "  blocks %" PRIu64 "%s%s\n",
		     ki_paint(true, paint[l->kind]), "-+!"[l->kind], l->start, l->end, l->blocks,
		     l->kind == KI_DIFF_CHANGED ? "  (contents differ)" : "",
		     ki_paint(true, KI_PAINT_OFF));
	ki_obuf_done(o->ob, (size_t)(p - s));
}

/* A difference. Millions of these: text lines formatted by hand into the
 * buffer. */
static inline __attribute__((always_inline))
void emit_one(struct out *o, const struct ki_diff_line *l)
{
	char *p, *s;

	if (o->svg) /* kinds in order: only A, only B, changed */
		ki_pm_buckets_add(o->svg, KI_PM_ONLY_A + (unsigned int)l->kind, l->start, l->end);
	if (o->stat)
		return;
	if (o->json) {
		ki_json_begin_object(&o->j);
		ki_json_kv_string(&o->j, "kind", KIND_NAME[l->kind]);
		ki_json_kv_hex(&o->j, "start", l->start);
		ki_json_kv_hex(&o->j, "end", l->end);
		ki_json_kv_uint(&o->j, "order", l->order);
		ki_json_kv_uint(&o->j, "blocks", l->blocks);
		ki_json_end_object(&o->j);
		return;
	}
	s = p = ki_obuf_room(o->ob, LINE_MAX_BYTES);
	if (__builtin_expect(o->color, 0))
		return emit_color(o, l, p);
	if ((int)l->order != o->cur_order) {
		memcpy(p, "@@ order ", 9);
		p += 9;
		p += ki_fmt_udec(p, l->order);
		memcpy(p, " @@\n", 4);
		p += 4;
		o->cur_order = (int)l->order;
	}
	*p++ = "-+!"[l->kind];
	p += ki_fmt_hex(p, l->start);
	*p++ = '-';
	p += ki_fmt_hex(p, l->end);
	memcpy(p, "  blocks ", 9);
	p += 9;
	p += ki_fmt_udec(p, l->blocks);
	if (l->kind == KI_DIFF_CHANGED) {
		memcpy(p, "  (contents differ)", 19);
		p += 19;
	}
	*p++ = '\n';
	ki_obuf_done(o->ob, (size_t)(p - s));
}

static void emit(void *ctx, const struct ki_diff_line *l, size_t n)
{
	struct out *o = ctx;

	for (size_t i = 0; i < n; i++)
		emit_one(o, &l[i]);
}

/*
 * The helper thread's parts (two dumps, text): printed into memory, one
 * buffer per slot kept from part to part; a part's lines begin with their
 * order's header, which the main thread drops when it is the current one.
 */
struct dbuf {
	char *buf;
	size_t len, cap;
};

struct helper_text {
	struct out *main;
	struct out h;                /* the helper's own line state */
	struct ki_obuf ob;
	FILE *fp;
	struct dbuf bufs[KI_DIFF_SLOTS];
	int last_order[KI_DIFF_SLOTS];
};

/* The write function of the helper's FILE: append to a dbuf. */
static ssize_t dbuf_write(void *cookie, const char *data, size_t n)
{
	struct dbuf *b = cookie;

	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 1 << 20;
		char *t;

		while (n > cap - b->len)
			cap *= 2;
		t = realloc(b->buf, cap);
		if (!t)
			return -1;
		b->buf = t;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	return (ssize_t)n;
}

static void *part_begin(void *arg, unsigned int slot)
{
	static const cookie_io_functions_t io = { .write = dbuf_write };
	struct helper_text *ht = arg;

	ht->bufs[slot].len = 0;
	ht->fp = fopencookie(&ht->bufs[slot], "w", io);
	if (!ht->fp)
		return NULL;
	ht->ob.fp = ht->fp;
	ht->h.cur_order = -1; /* a header before the first line */
	return &ht->h;
}

static bool part_end(void *arg, unsigned int slot)
{
	struct helper_text *ht = arg;
	bool ok;

	ht->last_order[slot] = ht->h.cur_order;
	ki_obuf_flush(&ht->ob);
	ok = !fclose(ht->fp) && !ht->ob.failed;
	ht->ob.failed = false;
	return ok;
}

/* Append a part's text from the helper, without its first header when
 * that order is the current one. */
static void part_put(void *arg, unsigned int slot)
{
	struct helper_text *ht = arg;
	struct out *o = ht->main;
	const struct dbuf *b = &ht->bufs[slot];
	const char *s = b->buf, *nl;
	size_t len = b->len;

	if (!len)
		return;
	nl = memchr(s, '\n', len);
	if (nl && !strncmp(s, "@@ order ", 9) &&
	    strtol(s + 9, NULL, 10) == o->cur_order) {
		len -= (size_t)(nl + 1 - s);
		s = nl + 1;
	}
	o->cur_order = ht->last_order[slot];
	/* straight to the FILE, after what is buffered: no copy */
	ki_obuf_flush(o->ob);
	if (fwrite_unlocked(s, 1, len, o->ob->fp) != len)
		o->ob->failed = true;
}

/* The kho-level comparison: the compatible. */
static void compare_kho(const struct ki_diff *df, struct out *o)
{
	const char *ca = ki_diff_compatible(df, 0), *cb = ki_diff_compatible(df, 1);

	if (strcmp(ca, cb)) {
		if (o->json) {
			ki_json_begin_object(&o->j);
			ki_json_kv_string(&o->j, "kind", "compatible");
			ki_json_kv_string(&o->j, "a", ca);
			ki_json_kv_string(&o->j, "b", cb);
			ki_json_end_object(&o->j);
		} else if (!o->stat) {
			printf("%s-compatible %s%s\n%s+compatible %s%s\n",
			       ki_paint(o->color, KI_PAINT_DEL), ca, ki_paint(o->color, KI_PAINT_OFF),
			       ki_paint(o->color, KI_PAINT_ADD), cb, ki_paint(o->color, KI_PAINT_OFF));
		}
	}
}

/* --svg: the differences as a picture over both dumps' memory. */
static bool draw_svg(struct out *o, const struct side *a, const struct side *b,
		     const char *path)
{
	struct ki_physmap pm;
	struct ki_error *err;
	char title[512];
	bool ok;

	err = ki_physmap_from_buckets(o->svg, a->in.d ? &a->in.d->mem : NULL,
				      b->in.d ? &b->in.d->mem : NULL, 512, 96, &pm);
	if (err) {
		ki_print_error(err, path);
		ki_error_destroy(err);
		return false;
	}
	ki_physmap_set_label(&pm, KI_PM_ONLY_A, "only in A (-)");
	ki_physmap_set_label(&pm, KI_PM_ONLY_B, "only in B (+)");
	ki_physmap_set_label(&pm, KI_PM_CHANGED, "changed (!)");
	snprintf(title, sizeof(title), "diff A %s B %s", a->path, b->path);
	ok = ki_physmap_write_svg(&pm, title, path);
	ki_physmap_deinit(&pm);
	return ok;
}

/* The per-order table, the result and the notes. */
static void write_summary(struct out *o, const struct ki_diff_result *r)
{
	if (o->json) {
		ki_json_end_array(&o->j);
		ki_json_key(&o->j, "orders");
		ki_json_begin_array(&o->j);
	} else {
		printf("%s%5s  %12s  %12s  %12s%s\n", o->stat ? "" : "\n", "order", "only in A",
		       "only in B", "changed", r->unknown ? "  not compared" : "");
	}
	for (unsigned int i = 0; i < 64; i++) {
		if (!r->only[0][i] && !r->only[1][i] && !r->changed[i] && !r->not_compared[i])
			continue;
		if (o->json) {
			ki_json_begin_object(&o->j);
			ki_json_kv_uint(&o->j, "order", i);
			ki_json_kv_uint(&o->j, "only_a_blocks", r->only[0][i]);
			ki_json_kv_uint(&o->j, "only_b_blocks", r->only[1][i]);
			ki_json_kv_uint(&o->j, "changed_blocks", r->changed[i]);
			ki_json_kv_uint(&o->j, "not_compared_blocks", r->not_compared[i]);
			ki_json_end_object(&o->j);
		} else {
			printf("%5u  %12" PRIu64 "  %12" PRIu64 "  %12" PRIu64, i, r->only[0][i],
			       r->only[1][i], r->changed[i]);
			if (r->unknown)
				printf("  %12" PRIu64, r->not_compared[i]);
			printf("\n");
		}
	}
	if (o->json) {
		ki_json_end_array(&o->j);
		ki_json_kv_uint(&o->j, "not_in_dump_blocks", r->absent);
		ki_json_kv_uint(&o->j, "not_compared_blocks", r->unknown);
		ki_json_key(&o->j, "changes_counted_per");
		ki_json_string(&o->j, r->by_chunk ? "manifest-chunk" : "block");
		ki_json_key(&o->j, "same");
		ki_json_bool(&o->j, r->status == KI_DIFF_SAME);
		ki_json_key(&o->j, "incomplete");
		if (r->incomplete)
			ki_json_string(&o->j, r->why);
		else
			ki_json_null(&o->j);
		ki_json_end_object(&o->j);
		ki_json_finish(&o->j);
		return;
	}
	/* never "same" when part of it could not be compared */
	printf("result: %s%s%s\n",
	       ki_paint(o->color, r->differ ? KI_PAINT_CHANGE : r->incomplete ? KI_PAINT_WARNING : KI_PAINT_OK),
	       r->differ ? (r->incomplete ? "different, and incomplete" : "different") :
	       r->incomplete ? "incomplete (not known to be the same)" : "same",
	       ki_paint(o->color, KI_PAINT_OFF));
	if (r->incomplete)
		printf("incomplete: %s\n", r->why);
	if (r->by_chunk)
		printf("note: some changes are counted per chunk of a manifest (its chunk holds several blocks)\n");
	if (r->unknown)
		printf("note: %" PRIu64 " blocks were not compared by content: the ranges are split differently and a manifest has one hash per range\n",
		       r->unknown);
	if (r->parts && ki_global.verbose)
		printf("note: compared in two threads, in %zu parts\n", r->parts);
	if (r->absent)
		printf("note: %" PRIu64 " blocks are listed on both sides but their contents are not in the dump(s) or manifest(s)\n",
		       r->absent);
}

/* The error as the end of the JSON document: stdout stays one document. */
static void json_close_with_error(struct out *o, const struct ki_error *err)
{
	ki_json_end_array(&o->j);
	ki_json_key(&o->j, "errors");
	ki_json_begin_array(&o->j);
	ki_json_begin_object(&o->j);
	ki_json_kv_string(&o->j, "code", ki_error_code_name(err->code));
	ki_json_kv_string(&o->j, "path", err->path);
	ki_json_kv_string(&o->j, "message", err->message);
	ki_json_key(&o->j, "phys");
	if (err->has_paddr)
		ki_json_hex(&o->j, err->paddr);
	else
		ki_json_null(&o->j);
	ki_json_end_object(&o->j);
	ki_json_end_array(&o->j);
	ki_json_end_object(&o->j);
	ki_json_finish(&o->j);
	fflush(stdout);
}

static void json_open(struct out *o, const struct side *a, const struct side *b,
		      const struct ki_diff *df)
{
	ki_json_doc_begin(&o->j);
	ki_json_key(&o->j, "a");
	ki_json_begin_object(&o->j);
	ki_json_kv_string(&o->j, "path", a->path);
	ki_json_kv_string(&o->j, "kind", a->kind);
	ki_json_end_object(&o->j);
	ki_json_key(&o->j, "b");
	ki_json_begin_object(&o->j);
	ki_json_kv_string(&o->j, "path", b->path);
	ki_json_kv_string(&o->j, "kind", b->kind);
	ki_json_end_object(&o->j);
	ki_json_key(&o->j, "kho");
	ki_json_begin_array(&o->j);
	compare_kho(df, o);
	ki_json_end_array(&o->j);
	ki_json_key(&o->j, "differences");
	ki_json_begin_array(&o->j);
}

int cmd_diff(int argc, char **argv)
{
	enum { O_STAT = 256, O_NO_HASH, O_PRESENT_ONLY, O_SVG };
	static const struct option opts[] = {
		KI_INPUT_LONGOPTS,
		{ "stat", no_argument, NULL, O_STAT },
		{ "no-hash", no_argument, NULL, O_NO_HASH },
		{ "present-only", no_argument, NULL, O_PRESENT_ONLY },
		{ "svg", required_argument, NULL, O_SVG },
		KI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct ki_input_opts tmpl = { 0 };
	struct side a = { 0 }, b = { 0 };
	static struct ki_obuf text_buf; /* 256 KiB: not on the stack */
	static struct helper_text ht;   /* and its own for the helper */
	static const struct ki_diff_parts parts = { part_begin, part_end, part_put, &ht };
	struct ki_diff_options dop = { .hash = true, .ctx = NULL };
	struct ki_diff_side da, db;
	struct ki_diff_result res;
	struct ki_diff *df = NULL;
	struct out o;
	struct ki_error *err = NULL;
	const char *svg = NULL;
	int opt, r, ret;

	memset(&o, 0, sizeof(o));
	o.cur_order = -1;
	o.ob = &text_buf;
	ki_obuf_init(o.ob, stdout);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, KI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		r = ki_input_option("diff", opt, optarg, &tmpl);
		if (r < 0)
			goto usage;
		if (r == 0)
			r = ki_global_option("diff", opt, optarg);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		switch (opt) {
		case O_STAT:
			o.stat = true;
			break;
		case O_NO_HASH:
			dop.hash = false;
			break;
		case O_PRESENT_ONLY:
			dop.present_only = true;
			break;
		case O_SVG:
			svg = optarg;
			break;
		case 'h':
			cmd_diff_usage();
			free(tmpl.scratch);
			return KI_EXIT_OK;
		default:
			ki_option_error("diff", opt, argv);
			goto usage;
		}
	}
	if (optind != argc - 2) {
		ki_usage_error("diff", "needs two inputs (A B), got %d", argc - optind);
		goto usage;
	}
	dop.threads = ki_threads_env();
	err = open_sides(&a, &b, &tmpl, argv[optind], argv[optind + 1], dop.threads);
	o.json = ki_global.json;
	o.color = !o.json && ki_color_on(stdout);
	if (!err) {
		da = engine_side(&a);
		db = engine_side(&b);
		if (!o.stat || svg) {
			dop.lines = emit;
			dop.ctx = &o;
		}
		/* the helper's lines: text only, not drawn */
		if (!o.json && !svg) {
			ht.main = &o;
			ht.h = o;
			ki_obuf_init(&ht.ob, NULL);
			ht.h.ob = &ht.ob;
			dop.parts = &parts;
		}
		err = ki_diff_create(&da, &db, &dop, &df);
	}
	if (!err && svg) {
		uint64_t ps = ki_diff_page_size(df);
		int shift = ps && !(ps & (ps - 1)) ? __builtin_ctzll(ps) : -1;

		err = ki_pm_buckets_create(shift > 0 ? (unsigned int)shift : 12, &o.svg);
	}
	if (err) {
		ret = ki_fail(err, NULL);
		goto out;
	}
	if (o.json) {
		json_open(&o, &a, &b, df);
	} else {
		if (!o.stat)
			printf("--- %s (%s)\n+++ %s (%s)\n", a.path, a.kind, b.path, b.kind);
		compare_kho(df, &o);
	}
	err = ki_diff_run(df, &res);
	ki_obuf_flush(o.ob);
	if (err) {
		if (o.json) {
			json_close_with_error(&o, err);
			ki_global.json = false; /* ki_fail: stderr only */
		}
		ret = ki_fail(err, NULL);
		goto out;
	}
	write_summary(&o, &res);
	ret = res.status == KI_DIFF_DIFFERENT ? KI_EXIT_FINDINGS :
	      res.status == KI_DIFF_INCOMPLETE ? KI_EXIT_TROUBLE : KI_EXIT_OK;
	if (svg && !draw_svg(&o, &a, &b, svg))
		ret = KI_EXIT_TROUBLE;
	if (fflush(stdout) || ferror(stdout) || o.ob->failed) {
		fprintf(stderr, "khoinspect: writing the output failed\n");
		ret = KI_EXIT_TROUBLE;
	}
out:
	ki_diff_destroy(df);
	ki_pm_buckets_destroy(o.svg);
	for (size_t i = 0; i < KI_DIFF_SLOTS; i++) {
		free(ht.bufs[i].buf);
		ht.bufs[i].buf = NULL;
	}
	side_close(&a);
	side_close(&b);
	free(tmpl.scratch);
	return ret;
usage:
	free(tmpl.scratch);
	return KI_EXIT_TROUBLE;
}
