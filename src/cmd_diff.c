// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khoinspect diff A B: A and B are inputs (dumps, debugfs with --mem, ...)
 * or snapshot manifests. Ranges come from both sides per order then by
 * address, and are merged in one pass: O(n), memory bounded.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_cli.h"
#include "ki_hash.h"
#include "ki_input.h"
#include "ki_manifest.h"
#include "ki_output.h"

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
	       "  -j, --json           one JSON document\n"
	       "  -p, --pretty         indented JSON (implies --json)\n"
	       "  -h, --help           this help\n"
	       "\n"
	       "Exit status (as diff(1)): 0 same, 1 different, 2 trouble.\n", ki_input_help);
}

struct side {
	const char *path;
	const char *kind;            /* "manifest" or the container */
	struct ki_manifest *man;
	struct ki_input_opts o;
	struct ki_input in;
	bool opened;
	/* a dump: its runs by order then address, a batch at a time */
	struct ki_run_cursor cur;
	bool cursor;
	struct ki_run runs[KI_RUN_BATCH];
	size_t rpos, rcount;
	uint64_t page_size;
	bool hashes;                 /* can give content hashes */
	/* current range */
	bool have;
	uint64_t start, end;
	unsigned int order;
	bool has_hash;
	char hash[KI_HASH_HEX];
	bool has_missing;            /* manifest: contents were not in the dump */
	bool whole;                  /* [start, end) is the whole range as read */
};

static struct ki_error *side_open(struct side *s, const struct ki_input_opts *tmpl,
				  const char *path, bool want_hash)
{
	struct ki_error *err;

	s->path = path;
	if (ki_manifest_sniff(path)) {
		err = ki_manifest_open(path, &s->man);
		if (err)
			return err;
		s->kind = "manifest";
		s->page_size = s->man->page_size;
		s->hashes = want_hash && s->man->hashed;
		return NULL;
	}
	s->o = *tmpl;
	s->o.scratch = NULL;
	s->o.input = path;
	err = ki_input_open(&s->o, &s->in);
	s->opened = true;
	if (err)
		return err;
	if (!s->in.m)
		return ki_error_set_path(ki_error_create(KI_ERR_USAGE,
				"no memory to take the blocks from: give --mem FILE"), path);
	s->kind = s->in.container;
	s->page_size = s->in.m->page_size;
	s->hashes = want_hash;
	ki_run_cursor_init(&s->cur, s->in.m, 0, s->in.m->nleaves, -1);
	s->cursor = true;
	return NULL;
}

static void side_close(struct side *s)
{
	if (s->cursor)
		ki_run_cursor_deinit(&s->cur);
	ki_manifest_close(s->man);
	if (s->opened)
		ki_input_close(&s->in, &s->o);
}

/* The next range of a manifest side (checked to be in order). */
static struct ki_error *side_next_manifest(struct side *s)
{
	struct ki_error *err;
	struct ki_mrange r;
	bool got;
	unsigned int po = s->order;
	uint64_t pe = s->end;
	bool first = !s->start && !s->end;

	s->have = false;
	s->has_hash = false;
	s->has_missing = false;
	s->whole = true;
	err = ki_manifest_next(s->man, &r, &got);
	if (err || !got)
		return err;
	if (!first && (r.order < po || (r.order == po && r.start < pe)))
		return ki_error_set_path(ki_error_create(KI_ERR_FORMAT,
				"manifest ranges are not sorted by order then address (at 0x%" PRIx64 ")",
				r.start), s->path);
	s->have = true;
	s->start = r.start;
	s->end = r.end;
	s->order = r.order;
	s->has_hash = r.has_hash && s->hashes;
	s->has_missing = r.has_missing;
	memcpy(s->hash, r.hash, KI_HASH_HEX);
	return NULL;
}

/* The next range of a side; have is false at the end. Inline: called
 * for every range of both sides. */
static inline struct ki_error *side_next(struct side *s)
{
	const struct ki_run *r;

	if (s->man)
		return side_next_manifest(s);
	s->has_hash = false;
	s->has_missing = false;
	s->whole = true;
	if (s->rpos == s->rcount) {
		s->rpos = 0;
		s->rcount = ki_run_cursor_fill(&s->cur, s->runs, KI_RUN_BATCH);
		if (!s->rcount) {
			s->have = false;
			return NULL;
		}
	}
	r = &s->runs[s->rpos++];
	s->have = true;
	s->start = r->pa;
	s->end = r->pa + (r->n * s->page_size << r->order);
	s->order = r->order;
	return NULL;
}

enum hash_result { HASH_OK, HASH_ABSENT, HASH_UNAVAILABLE };

/* Hash [start, end) of a side: from the manifest, or read (lazily, only
 * when compared). ABSENT: the memory is not in the dump. */
static enum hash_result side_hash(struct side *s, uint64_t start, uint64_t end,
				  char *hex)
{
	struct ki_error *err;
	bool nodata;

	if (s->man) {
		if (s->has_missing)
			return HASH_ABSENT;
		if (!s->has_hash || start != s->start || end != s->end || !s->whole)
			return HASH_UNAVAILABLE;
		memcpy(hex, s->hash, KI_HASH_HEX);
		return HASH_OK;
	}
	if (!s->hashes)
		return HASH_UNAVAILABLE;
	/* often not in the dump at all: no error object for that (no I/O) */
	if (ki_memreader_first_missing(&s->in.d->mem, start, end - start) != UINT64_MAX)
		return HASH_ABSENT;
	err = ki_hash_range(&s->in.d->mem, start, end, hex, NULL, NULL);
	if (!err)
		return HASH_OK;
	nodata = err->code == KI_ERR_NODATA;
	ki_error_destroy(err);
	return nodata ? HASH_ABSENT : HASH_UNAVAILABLE;
}

struct counts {
	uint64_t only_ab[2][64];     /* only in A, only in B */
	uint64_t changed[64], unknown[64];
};

struct out {
	struct ki_json j;
	bool json, stat;
	int cur_order;
	struct counts c;
	uint64_t page_size;
	int page_shift;              /* when page_size is a power of two, else -1 */
	bool differ;
	struct ki_obuf *ob;          /* text lines */
};

enum { LINE_MAX_BYTES = 128 };

static const char *const KIND_NAME[] = { "only_a", "only_b", "changed" };

/* A difference: kind 0 only in A (-), 1 only in B (+), 2 changed (!).
 * Millions of these: text lines formatted by hand into the buffer. */
static inline __attribute__((always_inline))
void emit(struct out *o, int kind, uint64_t start, uint64_t end,
			unsigned int order)
{
	uint64_t blocks = o->page_shift >= 0 && o->page_shift + order < 64 ?
		(end - start) >> (o->page_shift + order) :
		(end - start) / (o->page_size << order);
	char *p, *s;

	if (kind == 0)
		o->c.only_ab[0][order] += blocks;
	else if (kind == 1)
		o->c.only_ab[1][order] += blocks;
	else
		o->c.changed[order] += blocks;
	o->differ = true;
	if (o->stat)
		return;
	if (o->json) {
		ki_json_begin_object(&o->j);
		ki_json_kv_string(&o->j, "kind", KIND_NAME[kind]);
		ki_json_kv_hex(&o->j, "start", start);
		ki_json_kv_hex(&o->j, "end", end);
		ki_json_kv_uint(&o->j, "order", order);
		ki_json_kv_uint(&o->j, "blocks", blocks);
		ki_json_end_object(&o->j);
		return;
	}
	s = p = ki_obuf_room(o->ob, LINE_MAX_BYTES);
	if ((int)order != o->cur_order) {
		memcpy(p, "@@ order ", 9);
		p += 9;
		p += ki_fmt_udec(p, order);
		memcpy(p, " @@\n", 4);
		p += 4;
		o->cur_order = (int)order;
	}
	*p++ = "-+!"[kind];
	p += ki_fmt_hex(p, start);
	*p++ = '-';
	p += ki_fmt_hex(p, end);
	memcpy(p, "  blocks ", 9);
	p += 9;
	p += ki_fmt_udec(p, blocks);
	if (kind == 2) {
		memcpy(p, "  (contents differ)", 19);
		p += 19;
	}
	*p++ = '\n';
	ki_obuf_done(o->ob, (size_t)(p - s));
}

/* Reposition a dump side on runs[i] (its current range), refilling past
 * the batch's end. */
static struct ki_error *side_seek(struct side *s, size_t i)
{
	const struct ki_run *r;

	if (i >= s->rcount) {
		s->rpos = s->rcount;
		return side_next(s);
	}
	r = &s->runs[i];
	s->rpos = i + 1;
	s->start = r->pa;
	s->end = r->pa + (r->n * s->page_size << r->order);
	s->order = r->order;
	return NULL;
}

/*
 * Two dumps, text: while neither side's current range overlaps the
 * other's, one of them is the next difference. The sides interleave at
 * random, so this loop works on the two batches directly and decides
 * which side goes out with flags, not a chain of branches (a mispredicted
 * branch costs about as much as formatting a line); it stops at an
 * overlap or a batch's end and leaves the sides on their current ranges
 * for the general loop.
 */
static struct ki_error *merge_apart(struct out *o, struct side *a, struct side *b)
{
	const struct ki_run *ra = a->runs, *rb = b->runs;
	size_t ia = a->rpos - 1, ib = b->rpos - 1, na = a->rcount, nb = b->rcount;
	unsigned int psh = (unsigned int)o->page_shift;
	struct ki_error *err;

	while (ia < na && ib < nb) {
		const struct ki_run *x = &ra[ia], *y = &rb[ib], *r;
		uint64_t xe = x->pa + (x->n << (psh + x->order));
		uint64_t ye = y->pa + (y->n << (psh + y->order));
		bool lt = x->order < y->order, gt = x->order > y->order;
		bool ta = lt | (!gt & (xe <= y->pa));
		bool tb = gt | (!lt & (ye <= x->pa));
		unsigned int kind = tb;
		char *p, *s;

		if (!(ta | tb))
			break;
		r = ta ? x : y;
		o->c.only_ab[kind][r->order] += r->n;
		ia += ta;
		ib += tb;
		if (o->stat)
			continue;
		s = p = ki_obuf_room(o->ob, LINE_MAX_BYTES);
		if ((int)r->order != o->cur_order) {
			memcpy(p, "@@ order ", 9);
			p += 9;
			p += ki_fmt_udec(p, r->order);
			memcpy(p, " @@\n", 4);
			p += 4;
			o->cur_order = (int)r->order;
		}
		*p++ = "-+"[kind];
		p += ki_fmt_hex(p, r->pa);
		*p++ = '-';
		p += ki_fmt_hex(p, r->pa + (r->n << (psh + r->order)));
		memcpy(p, "  blocks ", 9);
		p += 9;
		p += ki_fmt_udec(p, r->n);
		*p++ = '\n';
		ki_obuf_done(o->ob, (size_t)(p - s));
	}
	if (ia != a->rpos - 1 || ib != b->rpos - 1)
		o->differ = true;
	err = ia != a->rpos - 1 ? side_seek(a, ia) : NULL;
	if (!err && ib != b->rpos - 1)
		err = side_seek(b, ib);
	return err;
}

/* The kho-level comparison: compatible and sub-blobs. */
static void compare_kho(struct side *a, struct side *b, struct out *o)
{
	const char *ca = a->man ? a->man->compatible : a->in.k->compatible;
	const char *cb = b->man ? b->man->compatible : b->in.k->compatible;

	if (strcmp(ca, cb)) {
		o->differ = true;
		if (o->json) {
			ki_json_begin_object(&o->j);
			ki_json_kv_string(&o->j, "kind", "compatible");
			ki_json_kv_string(&o->j, "a", ca);
			ki_json_kv_string(&o->j, "b", cb);
			ki_json_end_object(&o->j);
		} else if (!o->stat) {
			printf("-compatible %s\n+compatible %s\n", ca, cb);
		}
	}
}

int cmd_diff(int argc, char **argv)
{
	enum { O_STAT = 256, O_NO_HASH };
	static const struct option opts[] = {
		KI_INPUT_LONGOPTS,
		{ "stat", no_argument, NULL, O_STAT },
		{ "no-hash", no_argument, NULL, O_NO_HASH },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ki_input_opts tmpl = { 0 };
	struct side a = { 0 }, b = { 0 };
	static struct ki_obuf text_buf; /* 256 KiB: not on the stack */
	struct out o;
	struct ki_error *err = NULL;
	bool hash = true, fast;
	uint64_t unknown = 0, absent = 0;
	int opt, r, ret;

	memset(&o, 0, sizeof(o));
	o.cur_order = -1;
	o.ob = &text_buf;
	ki_obuf_init(o.ob, stdout);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "jph", opts, NULL)) != -1) {
		r = ki_input_option("diff", opt, optarg, &tmpl);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		if (ki_output_option(opt))
			continue;
		switch (opt) {
		case O_STAT:
			o.stat = true;
			break;
		case O_NO_HASH:
			hash = false;
			break;
		case 'h':
			cmd_diff_usage();
			free(tmpl.scratch);
			return KI_EXIT_OK;
		default:
			ki_usage_error("diff", "unknown option or missing argument: %s", argv[optind - 1]);
			goto usage;
		}
	}
	if (optind != argc - 2) {
		ki_usage_error("diff", "needs two inputs (A B), got %d", argc - optind);
		goto usage;
	}
	err = side_open(&a, &tmpl, argv[optind], hash);
	if (!err)
		err = side_open(&b, &tmpl, argv[optind + 1], hash);
	if (!err && a.page_size != b.page_size)
		err = ki_error_create(KI_ERR_USAGE,
				      "A has %" PRIu64 "-byte pages, B %" PRIu64 ": not the same machine's hand-over",
				      a.page_size, b.page_size);
	if (!err)
		err = side_next(&a);
	if (!err)
		err = side_next(&b);
	if (err) {
		ret = ki_fail(err, NULL);
		goto out;
	}
	o.json = ki_global.json;
	o.page_size = a.page_size;
	o.page_shift = o.page_size && !(o.page_size & (o.page_size - 1)) ?
		__builtin_ctzll(o.page_size) : -1;
	if (o.json) {
		ki_json_init(&o.j, stdout, ki_global.pretty);
		ki_json_begin_object(&o.j);
		ki_json_kv_uint(&o.j, "schema_version", 1);
		ki_json_key(&o.j, "a");
		ki_json_begin_object(&o.j);
		ki_json_kv_string(&o.j, "path", a.path);
		ki_json_kv_string(&o.j, "kind", a.kind);
		ki_json_end_object(&o.j);
		ki_json_key(&o.j, "b");
		ki_json_begin_object(&o.j);
		ki_json_kv_string(&o.j, "path", b.path);
		ki_json_kv_string(&o.j, "kind", b.kind);
		ki_json_end_object(&o.j);
		ki_json_key(&o.j, "kho");
		ki_json_begin_array(&o.j);
		compare_kho(&a, &b, &o);
		ki_json_end_array(&o.j);
		ki_json_key(&o.j, "differences");
		ki_json_begin_array(&o.j);
	} else {
		if (!o.stat)
			printf("--- %s (%s)\n+++ %s (%s)\n", a.path, a.kind, b.path, b.kind);
		compare_kho(&a, &b, &o);
	}

	/* the fast path: two dumps whose runs fit in 64-bit shifts, as text */
	fast = a.cursor && b.cursor && !o.json && o.page_shift >= 0;
	while (!err && (a.have || b.have)) {
		if (fast && a.have && b.have && a.whole && b.whole) {
			size_t ra = a.rpos, rb = b.rpos;

			err = merge_apart(&o, &a, &b);
			if (err)
				break;
			if (ra != a.rpos || rb != b.rpos)
				continue;
		}
		bool take_a = a.have && (!b.have || a.order < b.order ||
					 (a.order == b.order && a.end <= b.start));
		bool take_b = b.have && (!a.have || b.order < a.order ||
					 (a.order == b.order && b.end <= a.start));
		uint64_t end;

		if (take_a) {
			emit(&o, 0, a.start, a.end, a.order);
			err = side_next(&a);
			continue;
		}
		if (take_b) {
			emit(&o, 1, b.start, b.end, b.order);
			err = side_next(&b);
			continue;
		}
		/* same order, overlapping */
		if (a.start < b.start) {
			emit(&o, 0, a.start, b.start, a.order);
			a.start = b.start;
			a.whole = false;
		} else if (b.start < a.start) {
			emit(&o, 1, b.start, a.start, b.order);
			b.start = a.start;
			b.whole = false;
		}
		end = a.end < b.end ? a.end : b.end;
		if (hash) {
			char ha[KI_HASH_HEX], hb[KI_HASH_HEX];
			enum hash_result ra = side_hash(&a, a.start, end, ha);
			enum hash_result rb = ra == HASH_OK ? side_hash(&b, b.start, end, hb) : HASH_UNAVAILABLE;
			uint64_t nb = (end - a.start) / (o.page_size << a.order);

			if (ra == HASH_OK && rb == HASH_OK) {
				if (strcmp(ha, hb))
					emit(&o, 2, a.start, end, a.order);
			} else if (ra == HASH_ABSENT || rb == HASH_ABSENT ||
				   side_hash(&b, b.start, end, hb) == HASH_ABSENT) {
				absent += nb;
			} else if (a.hashes && b.hashes) {
				unknown += nb;
				o.c.unknown[a.order] += nb;
			}
		}
		if (a.end == end) {
			err = side_next(&a);
		} else {
			a.start = end;
			a.whole = false;
		}
		if (!err && b.end == end) {
			err = side_next(&b);
		} else if (!err) {
			b.start = end;
			b.whole = false;
		}
	}
	ki_obuf_flush(o.ob);
	if (err) {
		if (o.json) {
			/* stdout stays one JSON document: the error goes in it */
			ki_json_end_array(&o.j);
			ki_json_key(&o.j, "errors");
			ki_json_begin_array(&o.j);
			ki_json_begin_object(&o.j);
			ki_json_kv_string(&o.j, "code", ki_error_code_name(err->code));
			ki_json_kv_string(&o.j, "path", err->path);
			ki_json_kv_string(&o.j, "message", err->message);
			ki_json_end_object(&o.j);
			ki_json_end_array(&o.j);
			ki_json_end_object(&o.j);
			ki_json_finish(&o.j);
			fflush(stdout);
			ki_global.json = false; /* ki_fail: stderr only */
		}
		ret = ki_fail(err, NULL);
		goto out;
	}
	if (o.json) {
		ki_json_end_array(&o.j);
		ki_json_key(&o.j, "orders");
		ki_json_begin_array(&o.j);
	} else {
		printf("%s%5s  %12s  %12s  %12s%s\n", o.stat ? "" : "\n", "order", "only in A",
		       "only in B", "changed", unknown ? "  not compared" : "");
	}
	for (unsigned int i = 0; i < 64; i++) {
		if (!o.c.only_ab[0][i] && !o.c.only_ab[1][i] && !o.c.changed[i] && !o.c.unknown[i])
			continue;
		if (o.json) {
			ki_json_begin_object(&o.j);
			ki_json_kv_uint(&o.j, "order", i);
			ki_json_kv_uint(&o.j, "only_a_blocks", o.c.only_ab[0][i]);
			ki_json_kv_uint(&o.j, "only_b_blocks", o.c.only_ab[1][i]);
			ki_json_kv_uint(&o.j, "changed_blocks", o.c.changed[i]);
			ki_json_kv_uint(&o.j, "not_compared_blocks", o.c.unknown[i]);
			ki_json_end_object(&o.j);
		} else {
			printf("%5u  %12" PRIu64 "  %12" PRIu64 "  %12" PRIu64, i, o.c.only_ab[0][i],
			       o.c.only_ab[1][i], o.c.changed[i]);
			if (unknown)
				printf("  %12" PRIu64, o.c.unknown[i]);
			printf("\n");
		}
	}
	if (o.json) {
		ki_json_end_array(&o.j);
		ki_json_kv_uint(&o.j, "not_in_dump_blocks", absent);
		ki_json_key(&o.j, "same");
		ki_json_bool(&o.j, !o.differ);
		ki_json_end_object(&o.j);
		ki_json_finish(&o.j);
	} else {
		printf("result: %s\n", o.differ ? "different" : "same");
		if (unknown)
			printf("note: %" PRIu64 " blocks were not compared by content: the ranges are split differently and a manifest has one hash per range\n",
			       unknown);
		if (absent && ki_global.verbose)
			printf("note: %" PRIu64 " blocks are listed on both sides but their contents are not in the dump(s)\n",
			       absent);
	}
	ret = o.differ ? KI_EXIT_FINDINGS : KI_EXIT_OK;
	if (fflush(stdout) || ferror(stdout))
		ret = KI_EXIT_TROUBLE;
out:
	side_close(&a);
	side_close(&b);
	free(tmpl.scratch);
	return ret;
usage:
	free(tmpl.scratch);
	return KI_EXIT_TROUBLE;
}
