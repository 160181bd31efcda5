// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khoinspect diff A B: A and B are inputs (dumps, debugfs with --mem, ...)
 * or snapshot manifests. Ranges come from both sides per order then by
 * address, and are merged in one pass: O(n), memory bounded. Two dumps
 * are compared word against word of their bitmaps instead, in two threads
 * on large maps (each taking every other part of the maps).
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
#include "ki_hash.h"
#include "ki_input.h"
#include "ki_manifest.h"
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
	/* manifest: the whole range as read, and its chunk hashes */
	uint64_t rstart, rend, chunk_size;
	char chunks[KI_HASH_CHUNKS * KI_CHUNK_HEX + 1];
	/* dump: chunk hashes of [cc_start, cc_end) in cc_cs pieces (a
	 * manifest's range on the other side), computed once per range */
	uint64_t cc_start, cc_end, cc_cs;
	int cc_state;                /* 0 none, 1 ok, -1 absent, -2 unreadable */
	char *cc_chunks;
};

static struct ki_error *side_open(struct side *s, const struct ki_input_opts *tmpl,
				  const char *path, bool want_hash, bool no_progress)
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
	s->page_size = s->in.m->page_size;
	s->hashes = want_hash;
	ki_run_cursor_init(&s->cur, s->in.m, 0, s->in.m->nleaves, -1);
	s->cursor = true;
	return NULL;
}

/* B opened in a helper thread while this one opens A. */
struct side_job {
	struct side *s;
	const struct ki_input_opts *tmpl;
	const char *path;
	bool hash;
	struct ki_error *err;
};

static void *open_side_job(void *arg)
{
	struct side_job *j = arg;

	j->err = side_open(j->s, j->tmpl, j->path, j->hash, true);
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
				   const char *pb, bool hash)
{
	int env = ki_threads_env();
	struct side_job j = { .s = b, .tmpl = tmpl, .path = pb, .hash = hash };
	struct ki_error *err;
	sigset_t all, old;
	pthread_t t;
	bool two;

	two = env == 2 ? !ki_manifest_sniff(pa) && !ki_manifest_sniff(pb) :
	      !env && sysconf(_SC_NPROCESSORS_ONLN) > 1 && big_dump(pa) && big_dump(pb);
	if (two) {
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		two = !pthread_create(&t, NULL, open_side_job, &j);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	err = side_open(a, tmpl, pa, hash, false);
	if (!two)
		return err ? err : side_open(b, tmpl, pb, hash, false);
	pthread_join(t, NULL);
	if (err) {
		ki_error_destroy(j.err);
		return err;
	}
	return j.err;
}

static void side_close(struct side *s)
{
	if (s->cursor)
		ki_run_cursor_deinit(&s->cur);
	ki_manifest_close(s->man);
	if (s->opened)
		ki_input_close(&s->in, &s->o);
	free(s->cc_chunks);
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
	s->rstart = r.start;
	s->rend = r.end;
	s->chunk_size = s->hashes && r.has_hash ? r.chunk_size : 0;
	if (s->chunk_size)
		memcpy(s->chunks, r.chunks, sizeof(s->chunks));
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
			/* not the end of the map: the rest is unknown */
			return s->cur.nomem ? ki_error_set_path(ki_error_create(KI_ERR_NOMEM,
					"out of memory reading the map's ranges"), s->path) : NULL;
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
	uint64_t changed[64];
};

/* Blocks both sides list whose contents were not compared. */
struct uncompared {
	uint64_t absent;             /* not in a dump */
	uint64_t unknown;            /* not comparable (a manifest's ranges cut otherwise) */
	uint64_t unknown_by_order[64];
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
	struct uncompared u;
	size_t segments;             /* compared in two threads, in this many parts */
	bool by_chunk;               /* a change counted per manifest chunk */
	bool nomem;                  /* a map's words could not all be read */
	struct ki_pm_buckets *svg;   /* --svg: the differences drawn, else NULL */
	bool color;                  /* text lines in colour (--color) */
};

enum { LINE_MAX_BYTES = 128 };

static const char *const KIND_NAME[] = { "only_a", "only_b", "changed" };

/* The same line in colour (only for a terminal or --color=always: off
 * the hot path). */
static void emit_color(struct out *o, int kind, uint64_t start, uint64_t end,
		       unsigned int order, uint64_t blocks, char *p)
{
	static const enum ki_paint paint[] = { KI_PAINT_DEL, KI_PAINT_ADD, KI_PAINT_CHANGE };
	char *s = p;

	if ((int)order != o->cur_order) {
		p += sprintf(p, "%s@@ order %u @@%s\n", ki_paint(true, KI_PAINT_HEAD), order,
			     ki_paint(true, KI_PAINT_OFF));
		o->cur_order = (int)order;
	}
	p += sprintf(p, "%s%c0x%" PRIx64 "-0x%" PRIx64 "  blocks %" PRIu64 "%s%s\n",
		     ki_paint(true, paint[kind]), "-+!"[kind], start, end, blocks,
		     kind == 2 ? "  (contents differ)" : "", ki_paint(true, KI_PAINT_OFF));
	ki_obuf_done(o->ob, (size_t)(p - s));
}

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

	/* '-' and '+' alternate at random: indexed, not branched on */
	if (kind < 2)
		o->c.only_ab[kind][order] += blocks;
	else
		o->c.changed[order] += blocks;
	o->differ = true;
	if (o->svg) /* kinds in order: only A, only B, changed */
		ki_pm_buckets_add(o->svg, KI_PM_ONLY_A + (unsigned int)kind, start, end);
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
	if (__builtin_expect(o->color, 0))
		return emit_color(o, kind, start, end, order, blocks, p);
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

enum block_result { B_SAME, B_CHANGED, B_ABSENT, B_UNKNOWN };

/* XXH3-64 chunk hashes of a manifest range (m) on a dump side (d): all of
 * them at once, kept while the range lasts. */
static int dump_chunks(struct side *d, const struct side *m)
{
	char hex[KI_HASH_HEX];
	struct ki_error *err;

	if (d->cc_state && d->cc_start == m->rstart && d->cc_end == m->rend &&
	    d->cc_cs == m->chunk_size)
		return d->cc_state;
	d->cc_start = m->rstart;
	d->cc_end = m->rend;
	d->cc_cs = m->chunk_size;
	if (!d->cc_chunks && !(d->cc_chunks = malloc(KI_HASH_CHUNKS * KI_CHUNK_HEX + 1)))
		return d->cc_state = -2;
	if (ki_memreader_first_missing(&d->in.d->mem, m->rstart, m->rend - m->rstart) != UINT64_MAX)
		return d->cc_state = -1;
	err = ki_hash_range_chunks(&d->in.d->mem, m->rstart, m->rend, m->chunk_size, hex,
				   d->cc_chunks, NULL, NULL);
	d->cc_state = err ? (err->code == KI_ERR_NODATA ? -1 : -2) : 1;
	ki_error_destroy(err);
	return d->cc_state;
}

/*
 * One block [x, y) through the chunk hashes of manifest side m against
 * the other side o: every chunk of m's range that touches the block is
 * compared (*cover_ret: where those chunks end, past y when a chunk holds
 * several blocks: the comparison is then per chunk).
 */
static enum block_result by_chunks(struct side *m, struct side *o, uint64_t x, uint64_t y,
				   uint64_t *cover_ret)
{
	uint64_t cs = m->chunk_size, i0, i1;
	const char *oc;

	if (!cs || x < m->rstart || y > m->rend)
		return B_UNKNOWN;
	i0 = (x - m->rstart) / cs;
	i1 = (y - m->rstart + cs - 1) / cs;
	if (i1 > KI_HASH_CHUNKS)
		return B_UNKNOWN;
	*cover_ret = m->rstart + i1 * cs < m->rend ? m->rstart + i1 * cs : m->rend;
	if (o->man) {
		uint64_t off;

		/* the other manifest's chunks on the same grid, over these bytes */
		if (o->has_missing)
			return B_ABSENT;
		if (!o->chunk_size || o->chunk_size != cs || m->rstart < o->rstart ||
		    (m->rstart - o->rstart) % cs || m->rstart + i1 * cs > o->rend)
			return B_UNKNOWN;
		off = (m->rstart - o->rstart) / cs;
		if (off + i1 > KI_HASH_CHUNKS)
			return B_UNKNOWN;
		oc = o->chunks + KI_CHUNK_HEX * off;
	} else {
		int st = dump_chunks(o, m);

		if (st < 0)
			return st == -1 ? B_ABSENT : B_UNKNOWN;
		oc = o->cc_chunks;
	}
	return memcmp(m->chunks + KI_CHUNK_HEX * i0, oc + KI_CHUNK_HEX * i0,
		      (size_t)(i1 - i0) * KI_CHUNK_HEX) ? B_CHANGED : B_SAME;
}

/* A block [x, y) of two dumps: XXH3-128 of each. */
static enum block_result dumps_block(struct side *a, struct side *b, uint64_t x, uint64_t y)
{
	char ha[KI_HASH_HEX], hb[KI_HASH_HEX];
	enum hash_result ra = side_hash(a, x, y, ha), rb = side_hash(b, x, y, hb);

	if (ra == HASH_OK && rb == HASH_OK)
		return strcmp(ha, hb) ? B_CHANGED : B_SAME;
	return ra == HASH_ABSENT || rb == HASH_ABSENT ? B_ABSENT : B_UNKNOWN;
}

/* How a block compares, and up to where that answer holds (a chunk of a
 * manifest may hold several blocks). */
static enum block_result block_compare(struct out *o, struct side *a, struct side *b,
				       uint64_t x, uint64_t y, uint64_t *upto)
{
	enum block_result r;

	*upto = y;
	if (a->man && a->has_missing)
		return B_ABSENT;
	if (b->man && b->has_missing)
		return B_ABSENT;
	if (!a->man && !b->man)
		return dumps_block(a, b, x, y);
	r = by_chunks(a->man ? a : b, a->man ? b : a, x, y, upto);
	if (r == B_UNKNOWN && a->man && b->man) {
		/* the grids differ: perhaps B's chunks, against A's */
		r = by_chunks(b, a, x, y, upto);
	}
	if (*upto > y && r == B_CHANGED)
		o->by_chunk = true;
	if (*upto < y)
		*upto = y;
	return r;
}

/* A range both sides list, at the same order: its changed blocks ('!'),
 * each compared on its own (a run of 3 where 1 changed is 1 block), or,
 * where a manifest's chunk holds several blocks, per that chunk. Blocks
 * that could not be compared are counted: absent from a dump (or a
 * manifest's gap) or not comparable. */
static void compare_contents(struct out *o, struct side *a, struct side *b,
			     uint64_t start, uint64_t end, unsigned int order)
{
	char ha[KI_HASH_HEX], hb[KI_HASH_HEX];
	uint64_t bs = a->page_size << order, x, upto, chg = 0;
	bool in_chg = false;

	/* a manifest's gap covers its whole range: no block to look at */
	if ((a->man && a->has_missing) || (b->man && b->has_missing)) {
		o->u.absent += (end - start) / bs;
		return;
	}
	/* the common case first: the whole range is the same */
	if (side_hash(a, start, end, ha) == HASH_OK && side_hash(b, start, end, hb) == HASH_OK &&
	    !strcmp(ha, hb))
		return;
	for (x = start; x < end; x = upto) {
		enum block_result r = block_compare(o, a, b, x, x + bs, &upto);
		uint64_t nb;

		if (upto > end)
			upto = end;
		nb = (upto - x) / bs;
		if (r == B_CHANGED) {
			if (!in_chg)
				chg = x;
			in_chg = true;
			continue;
		}
		if (in_chg)
			emit(o, 2, chg, x, order);
		in_chg = false;
		if (r == B_ABSENT) {
			o->u.absent += nb;
		} else if (r == B_UNKNOWN) {
			o->u.unknown += nb;
			o->u.unknown_by_order[order] += nb;
		}
	}
	if (in_chg)
		emit(o, 2, chg, end, order);
}

/*
 * Two dumps whose maps are whole words at absolute positions: the
 * differences come from the words themselves (A & ~B, B & ~A, and A & B
 * for the contents), a word of both at a time, with no merge of two range
 * streams. Each kind's runs are disjoint from the others', so at most one
 * run goes on past a word's end; the runs of a word go out in address
 * order as they end.
 */
struct wdiff {
	struct out *o;
	struct side *a, *b;
	bool hash;
	int open;                    /* kind of the run going on, -1: none */
	uint64_t open_start;         /* its first block */
	uint64_t next_w;             /* the word it would go on into */
	unsigned int order, s;       /* the order, + the page shift */
};

/* Inline: called for every difference, where a call costs as much as a
 * line's formatting; the contents comparison stays a call. */
static inline __attribute__((always_inline))
void wrun(struct wdiff *d, unsigned int kind, uint64_t first, uint64_t end)
{
	uint64_t start = first << d->s, stop = end << d->s;

	if (__builtin_expect(kind == 2, 0)) {
		compare_contents(d->o, d->a, d->b, start, stop, d->order);
		return;
	}
	emit(d->o, (int)kind, start, stop, d->order);
}

static void wclose(struct wdiff *d)
{
	if (d->open >= 0)
		wrun(d, (unsigned int)d->open, d->open_start, d->next_w * 64);
	d->open = -1;
}

/* n words of one order from word w on; a side without words here has
 * stride 0 on a zero word. */
static void wdiff_words(struct wdiff *d, unsigned int order, uint64_t w,
			const uint64_t *pa, size_t sa, const uint64_t *pb,
			size_t sb, size_t n)
{
	uint64_t both = d->hash ? ~UINT64_C(0) : 0;

	if (d->open >= 0 && (order != d->order || w != d->next_w))
		wclose(d);
	d->order = order;
	d->s = order + (unsigned int)d->o->page_shift;
	for (size_t i = 0; i < n; i++, w++, pa += sa, pb += sb) {
		uint64_t x = *pa, y = *pb, base = w * 64, starts, carry;
		uint64_t km[3] = { x & ~y, y & ~x, x & y & both };

		carry = 0;
		if (d->open >= 0) {
			uint64_t t = ~km[d->open];

			if (!t) { /* the whole word goes on with the run */
				d->next_w = w + 1;
				continue;
			}
			/* its bits from 0 are the end of that run, no start */
			wrun(d, (unsigned int)d->open, d->open_start,
			     base + (unsigned int)__builtin_ctzll(t));
			carry = km[d->open] & 1 ? UINT64_C(1) << d->open : 0;
			d->open = -1;
		}
		if (!(x | y))
			continue;
		starts = (km[0] & ~((km[0] << 1) | (carry & 1))) |
			 (km[1] & ~((km[1] << 1) | ((carry >> 1) & 1))) |
			 (km[2] & ~((km[2] << 1) | ((carry >> 2) & 1)));
		while (starts) {
			unsigned int p = (unsigned int)__builtin_ctzll(starts);
			unsigned int kind = (unsigned int)(((km[1] >> p) & 1) | (((km[2] >> p) & 1) << 1));
			uint64_t t = ~km[kind] >> p;

			starts &= starts - 1;
			if (!t) { /* goes on into the next word */
				d->open = (int)kind;
				d->open_start = base + p;
				d->next_w = w + 1;
				break;
			}
			wrun(d, kind, base + p, base + p + (unsigned int)__builtin_ctzll(t));
		}
	}
}

/* Leaves [a0, a1) of A against [b0, b1) of B, word against word. */
static void diff_leaves(struct out *o, struct side *a, struct side *b, bool hash,
			size_t a0, size_t a1, size_t b0, size_t b1)
{
	struct wdiff dw = { .o = o, .a = a, .b = b, .hash = hash, .open = -1 };
	struct wdiff *d = &dw;
	static const uint64_t zero;
	struct ki_run_cursor ca, cb;
	struct ki_leaf_words la, lb;
	size_t ia = 0, ib = 0;
	bool ha, hb;

	ki_run_cursor_init(&ca, a->in.m, a0, a1, -1);
	ki_run_cursor_init(&cb, b->in.m, b0, b1, -1);
	ha = ki_run_cursor_next_leaf(&ca, &la);
	hb = ki_run_cursor_next_leaf(&cb, &lb);
	while (ha || hb) {
		uint64_t wa, wb;
		size_t n;

		if (ha && ia == la.nw) {
			ha = ki_run_cursor_next_leaf(&ca, &la);
			ia = 0;
			continue;
		}
		if (hb && ib == lb.nw) {
			hb = ki_run_cursor_next_leaf(&cb, &lb);
			ib = 0;
			continue;
		}
		wa = ha ? la.w0 + ia : 0;
		wb = hb ? lb.w0 + ib : 0;
		if (ha && (!hb || la.order < lb.order || (la.order == lb.order && wa < wb))) {
			/* A alone, up to B's next word of that order */
			n = la.nw - ia;
			if (hb && lb.order == la.order && wb - wa < n)
				n = (size_t)(wb - wa);
			wdiff_words(d, la.order, wa, la.words + ia, 1, &zero, 0, n);
			ia += n;
		} else if (hb && (!ha || lb.order < la.order || wb < wa)) {
			n = lb.nw - ib;
			if (ha && la.order == lb.order && wa - wb < n)
				n = (size_t)(wa - wb);
			wdiff_words(d, lb.order, wb, &zero, 0, lb.words + ib, 1, n);
			ib += n;
		} else {
			n = la.nw - ia < lb.nw - ib ? la.nw - ia : lb.nw - ib;
			wdiff_words(d, la.order, wa, la.words + ia, 1, lb.words + ib, 1, n);
			ia += n;
			ib += n;
		}
	}
	wclose(d);
	if (ca.nomem || cb.nomem)
		o->nomem = true;
	ki_run_cursor_deinit(&ca);
	ki_run_cursor_deinit(&cb);
}

/*
 * Two threads: the leaves cut into segments no run crosses, the helper
 * taking every other one into a buffer of its own while the main thread
 * prints the others and the helper's in turn. A segment holds about
 * SEG_BITS set bits of both sides, so a buffered one stays a few MiB.
 */
enum { SEG_BITS = 1 << 16, SEG_SLOTS = 2 };

struct dseg {
	size_t a0, a1, b0, b1;       /* leaf ranges */
};

/* A side's leaf in the cutting walk. */
struct cut_leaf {
	size_t li;
	unsigned int order;
	uint64_t w0, w1;
	bool ok;
};

/* Leaf li of m if listed, else ok false. */
static struct cut_leaf cut_leaf(const struct ki_map *m, size_t li)
{
	struct cut_leaf c = { .li = li };
	size_t nw;

	if (li < m->nleaves && ki_map_leaf_span(m, li, &c.w0, &nw)) {
		c.ok = true;
		c.order = m->leaves[li].order;
		c.w1 = c.w0 + nw;
	}
	return c;
}

/* Word w of order `order` of a side, from its last leaf before the cut
 * (prev) or its next one (next); 0 where neither holds it; false when
 * it cannot be read. */
static bool cut_word(const struct ki_map *m, const struct cut_leaf *prev,
		     const struct cut_leaf *next, unsigned int order, uint64_t w,
		     uint64_t *x)
{
	*x = 0;
	if (prev->ok && prev->order == order && w >= prev->w0 && w < prev->w1)
		return ki_map_leaf_word(m, prev->li, (size_t)(w - prev->w0), x);
	if (next->ok && next->order == order && w >= next->w0 && w < next->w1)
		return ki_map_leaf_word(m, next->li, (size_t)(w - next->w0), x);
	return true;
}

/* Whether the leaves can be cut before word w of `order`: no leaf of
 * either side goes across it, and no run of any kind does (the words
 * before and at it do not both have a set bit at the join). */
static bool cut_ok(const struct side *a, const struct side *b,
		   const struct cut_leaf pa[2], const struct cut_leaf pb[2],
		   unsigned int order, uint64_t w)
{
	uint64_t xa0, xa1, xb0, xb1;

	if ((pa[0].ok && pa[0].order == order && pa[0].w1 > w) ||
	    (pb[0].ok && pb[0].order == order && pb[0].w1 > w))
		return false;
	if (!w)
		return true;
	if (!cut_word(a->in.m, &pa[0], &pa[1], order, w - 1, &xa0) ||
	    !cut_word(a->in.m, &pa[0], &pa[1], order, w, &xa1) ||
	    !cut_word(b->in.m, &pb[0], &pb[1], order, w - 1, &xb0) ||
	    !cut_word(b->in.m, &pb[0], &pb[1], order, w, &xb1))
		return false;
	return !((((xa0 | xb0) >> 63) & (xa1 | xb1)) & 1);
}

/* Cut both maps' leaves into segments; NULL (one segment) when not worth
 * it or out of memory. */
static struct dseg *cut_segments(const struct side *a, const struct side *b, size_t *nret)
{
	const struct ki_map *ma = a->in.m, *mb = b->in.m;
	struct dseg *v = NULL, cur = { 0 };
	size_t n = 0, cap = 0, ia = 0, ib = 0;
	struct cut_leaf pa[2] = { { 0 } }, pb[2] = { { 0 } }; /* [0] last taken, [1] next */
	uint64_t bits = 0;

	while (ia < ma->nleaves || ib < mb->nleaves) {
		struct cut_leaf na = cut_leaf(ma, ia), nb = cut_leaf(mb, ib);
		bool take_a;
		const struct cut_leaf *x;

		/* leaves not listed go with the segment they are in */
		if (ia < ma->nleaves && !na.ok) {
			ia++;
			continue;
		}
		if (ib < mb->nleaves && !nb.ok) {
			ib++;
			continue;
		}
		take_a = na.ok && (!nb.ok || na.order < nb.order ||
				   (na.order == nb.order && na.w0 <= nb.w0));
		x = take_a ? &na : &nb;
		pa[1] = na;
		pb[1] = nb;
		if (bits >= SEG_BITS && cut_ok(a, b, pa, pb, x->order, x->w0)) {
			if (n == cap) {
				struct dseg *t = reallocarray(v, cap ? cap * 2 : 64, sizeof(*v));

				if (!t) {
					free(v);
					return NULL;
				}
				v = t;
				cap = cap ? cap * 2 : 64;
			}
			cur.a1 = ia;
			cur.b1 = ib;
			v[n++] = cur;
			cur = (struct dseg){ .a0 = ia, .b0 = ib };
			bits = 0;
		}
		if (take_a) {
			bits += ma->leaves[ia].nset;
			pa[0] = na;
			ia++;
		} else {
			bits += mb->leaves[ib].nset;
			pb[0] = nb;
			ib++;
		}
	}
	if (!n) {
		free(v);
		return NULL;
	}
	cur.a1 = ma->nleaves;
	cur.b1 = mb->nleaves;
	if (n == cap) {
		struct dseg *t = reallocarray(v, cap + 1, sizeof(*v));

		if (!t) {
			free(v);
			return NULL;
		}
		v = t;
	}
	v[n++] = cur;
	*nret = n;
	return v;
}

/* A segment the helper printed into memory: its lines begin with their
 * order's header, which the main thread drops when it is the current one. */
struct dtext {
	bool ok;                     /* false: not done (the main thread does it) */
	int last_order;              /* of its last line */
};

/* The helper's text buffers, one per slot, kept from segment to segment. */
struct dbuf {
	char *buf;
	size_t len, cap;
};

struct dpar {
	struct side *a, *b;
	bool hash;
	struct dseg *segs;
	size_t nsegs;
	struct out h;                /* the helper's own counts and buffer */
	struct dbuf bufs[SEG_SLOTS];
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

static void diff_helper(struct ki_pipe *p, void *arg)
{
	static const cookie_io_functions_t io = { .write = dbuf_write };
	struct dpar *dp = arg;

	for (size_t k = 1, j = 0; k < dp->nsegs; k += 2, j++) {
		struct dtext *t = ki_pipe_slot(p);
		struct dbuf *b = &dp->bufs[j % SEG_SLOTS];
		struct counts c = dp->h.c;
		struct uncompared u = dp->h.u;
		bool differ = dp->h.differ;
		FILE *fp;

		if (!t)
			return;
		t->ok = false;
		b->len = 0;
		fp = fopencookie(b, "w", io);
		if (fp) {
			dp->h.ob->fp = fp;
			dp->h.cur_order = -1; /* a header before the first line */
			diff_leaves(&dp->h, dp->a, dp->b, dp->hash, dp->segs[k].a0,
				    dp->segs[k].a1, dp->segs[k].b0, dp->segs[k].b1);
			t->last_order = dp->h.cur_order;
			ki_obuf_flush(dp->h.ob);
			t->ok = !fclose(fp) && !dp->h.ob->failed;
		}
		if (!t->ok) {
			/* the main thread does the segment: its counts are not ours */
			dp->h.c = c;
			dp->h.u = u;
			dp->h.differ = differ;
			dp->h.ob->failed = false;
		}
		ki_pipe_put(p, 1);
	}
}

/* Append a segment's text from the helper, without its first header when
 * that order is the current one. */
static void put_segment(struct out *o, const struct dtext *t, const struct dbuf *b)
{
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
	o->cur_order = t->last_order;
	/* straight to the FILE, after what is buffered: no copy */
	ki_obuf_flush(o->ob);
	if (fwrite_unlocked(s, 1, len, o->ob->fp) != len)
		o->ob->failed = true;
}

/* Two dumps word against word; in two threads when both read their files
 * directly (pread is safe to share), the output is text or counts, and the
 * maps are large. */
static void diff_by_words(struct out *o, struct side *a, struct side *b, bool hash)
{
	struct dpar dp = { .a = a, .b = b, .hash = hash };
	struct ki_pipe *p = NULL;

	if (!o->json && !o->svg && ki_memreader_pread_only(&a->in.d->mem) &&
	    ki_memreader_pread_only(&b->in.d->mem) &&
	    ki_pipe_wanted(a->in.m->nleaves + b->in.m->nleaves))
		dp.segs = cut_segments(a, b, &dp.nsegs);
	if (dp.segs) {
		dp.h = *o;
		memset(&dp.h.c, 0, sizeof(dp.h.c));
		memset(&dp.h.u, 0, sizeof(dp.h.u));
		dp.h.differ = false;
		dp.h.ob = malloc(sizeof(*dp.h.ob));
		if (dp.h.ob) {
			ki_obuf_init(dp.h.ob, NULL);
			p = ki_pipe_start(sizeof(struct dtext), SEG_SLOTS, diff_helper, &dp);
		}
	}
	if (!p) {
		diff_leaves(o, a, b, hash, 0, a->in.m->nleaves, 0, b->in.m->nleaves);
		free(dp.h.ob);
		free(dp.segs);
		return;
	}
	for (size_t k = 0; k < dp.nsegs; k++) {
		const struct dseg *sg = &dp.segs[k];
		const struct dtext *t;
		size_t n;

		if (!(k & 1)) {
			diff_leaves(o, a, b, hash, sg->a0, sg->a1, sg->b0, sg->b1);
			continue;
		}
		t = ki_pipe_get(p, &n);
		if (t && t->ok)
			put_segment(o, t, &dp.bufs[(k / 2) % SEG_SLOTS]);
		else /* the helper could not */
			diff_leaves(o, a, b, hash, sg->a0, sg->a1, sg->b0, sg->b1);
		if (t)
			ki_pipe_release(p);
	}
	ki_pipe_join(p);
	for (unsigned int i = 0; i < 64; i++) {
		o->c.only_ab[0][i] += dp.h.c.only_ab[0][i];
		o->c.only_ab[1][i] += dp.h.c.only_ab[1][i];
		o->c.changed[i] += dp.h.c.changed[i];
		o->u.unknown_by_order[i] += dp.h.u.unknown_by_order[i];
	}
	o->u.absent += dp.h.u.absent;
	o->u.unknown += dp.h.u.unknown;
	o->differ |= dp.h.differ;
	o->nomem |= dp.h.nomem;
	o->segments = dp.nsegs;
	for (size_t i = 0; i < SEG_SLOTS; i++)
		free(dp.bufs[i].buf);
	free(dp.h.ob);
	free(dp.segs);
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
			printf("%s-compatible %s%s\n%s+compatible %s%s\n",
			       ki_paint(o->color, KI_PAINT_DEL), ca, ki_paint(o->color, KI_PAINT_OFF),
			       ki_paint(o->color, KI_PAINT_ADD), cb, ki_paint(o->color, KI_PAINT_OFF));
		}
	}
}

/* Errors a side's map had (a dump): ranges past them are unknown. */
static size_t side_map_errors(const struct side *s)
{
	if (s->man || !s->opened)
		return 0;
	return s->in.f.counts[KI_SEV_ERROR] + (s->in.d ? s->in.d->findings.counts[KI_SEV_ERROR] : 0);
}

/*
 * Whether the comparison is not complete, and why (into buf): a map with
 * errors, a manifest that says it lacks something, blocks whose contents
 * are missing on a side or could not be compared. Such a diff is never
 * "same": what could not be seen is unknown, not equal.
 */
static bool why_incomplete(const struct side *a, const struct side *b,
			   const struct uncompared *u, bool hash, bool present_only,
			   char *buf, size_t len)
{
	const struct side *sides[2] = { a, b };
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < 2; i++) {
		const struct side *s = sides[i];
		size_t e = side_map_errors(s);

		if (e && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s (%s): its map had %zu error%s (see `khoinspect verify`)",
					      n ? "; " : "", s->path, i ? "B" : "A", e, e == 1 ? "" : "s");
		if (s->man && s->man->incomplete && (s->man->incomplete_hidden || !present_only) &&
		    n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s (%s): the manifest is incomplete: %s",
					      n ? "; " : "", s->path, i ? "B" : "A", s->man->why);
		if (s->man && hash && !s->man->hashed && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s (%s): the manifest has no content hashes (give --no-hash to compare addresses only)",
					      n ? "; " : "", s->path, i ? "B" : "A");
	}
	if (u->absent && !present_only && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s%" PRIu64 " block%s listed on both sides %s contents missing on a side (--present-only accepts that; --no-hash compares addresses only)",
				      n ? "; " : "", u->absent, u->absent == 1 ? "" : "s",
				      u->absent == 1 ? "has its" : "have their");
	if (u->unknown && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s%" PRIu64 " block%s could not be compared by content",
				      n ? "; " : "", u->unknown, u->unknown == 1 ? "" : "s");
	return n != 0;
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

int cmd_diff(int argc, char **argv)
{
	enum { O_STAT = 256, O_NO_HASH, O_PRESENT_ONLY, O_SVG };
	static const struct option opts[] = {
		KI_INPUT_LONGOPTS,
		{ "stat", no_argument, NULL, O_STAT },
		{ "no-hash", no_argument, NULL, O_NO_HASH },
		{ "present-only", no_argument, NULL, O_PRESENT_ONLY },
		{ "svg", required_argument, NULL, O_SVG },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ki_input_opts tmpl = { 0 };
	struct side a = { 0 }, b = { 0 };
	static struct ki_obuf text_buf; /* 256 KiB: not on the stack */
	struct out o;
	struct ki_error *err = NULL;
	bool hash = true, words, incomplete, present_only = false;
	char why[600];
	const char *svg = NULL;
	int opt, r, ret;

	memset(&o, 0, sizeof(o));
	o.cur_order = -1;
	o.ob = &text_buf;
	ki_obuf_init(o.ob, stdout);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jpqvh", opts, NULL)) != -1) {
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
		case O_PRESENT_ONLY:
			present_only = true;
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
	err = open_sides(&a, &b, &tmpl, argv[optind], argv[optind + 1], hash);
	if (!err && a.page_size != b.page_size)
		err = ki_error_create(KI_ERR_USAGE,
				      "A has %" PRIu64 "-byte pages, B %" PRIu64 ": not the same machine's hand-over",
				      a.page_size, b.page_size);
	o.page_size = a.page_size;
	o.page_shift = o.page_size && !(o.page_size & (o.page_size - 1)) ?
		__builtin_ctzll(o.page_size) : -1;
	/* two dumps: word against word when both maps allow it */
	words = !err && a.cursor && b.cursor && o.page_shift >= 0 &&
		ki_map_words_ok(a.in.m) && ki_map_words_ok(b.in.m);
	if (!err && !words)
		err = side_next(&a);
	if (!err && !words)
		err = side_next(&b);
	if (!err && svg)
		err = ki_pm_buckets_create(o.page_shift > 0 ? (unsigned int)o.page_shift : 12, &o.svg);
	if (err) {
		ret = ki_fail(err, NULL);
		goto out;
	}
	o.json = ki_global.json;
	o.color = !o.json && ki_color_on(stdout);
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

	if (words) {
		diff_by_words(&o, &a, &b, hash);
		if (o.nomem)
			err = ki_error_create(KI_ERR_NOMEM, "out of memory reading the maps' words");
	}
	while (!words && !err && (a.have || b.have)) {
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
		if (hash)
			compare_contents(&o, &a, &b, a.start, end, a.order);
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
		       "only in B", "changed", o.u.unknown ? "  not compared" : "");
	}
	for (unsigned int i = 0; i < 64; i++) {
		if (!o.c.only_ab[0][i] && !o.c.only_ab[1][i] && !o.c.changed[i] && !o.u.unknown_by_order[i])
			continue;
		if (o.json) {
			ki_json_begin_object(&o.j);
			ki_json_kv_uint(&o.j, "order", i);
			ki_json_kv_uint(&o.j, "only_a_blocks", o.c.only_ab[0][i]);
			ki_json_kv_uint(&o.j, "only_b_blocks", o.c.only_ab[1][i]);
			ki_json_kv_uint(&o.j, "changed_blocks", o.c.changed[i]);
			ki_json_kv_uint(&o.j, "not_compared_blocks", o.u.unknown_by_order[i]);
			ki_json_end_object(&o.j);
		} else {
			printf("%5u  %12" PRIu64 "  %12" PRIu64 "  %12" PRIu64, i, o.c.only_ab[0][i],
			       o.c.only_ab[1][i], o.c.changed[i]);
			if (o.u.unknown)
				printf("  %12" PRIu64, o.u.unknown_by_order[i]);
			printf("\n");
		}
	}
	incomplete = why_incomplete(&a, &b, &o.u, hash, present_only, why, sizeof(why));
	if (o.json) {
		ki_json_end_array(&o.j);
		ki_json_kv_uint(&o.j, "not_in_dump_blocks", o.u.absent);
		ki_json_kv_uint(&o.j, "not_compared_blocks", o.u.unknown);
		ki_json_key(&o.j, "changes_counted_per");
		ki_json_string(&o.j, o.by_chunk ? "manifest-chunk" : "block");
		ki_json_key(&o.j, "same");
		ki_json_bool(&o.j, !o.differ && !incomplete);
		ki_json_key(&o.j, "incomplete");
		if (incomplete)
			ki_json_string(&o.j, why);
		else
			ki_json_null(&o.j);
		ki_json_end_object(&o.j);
		ki_json_finish(&o.j);
	} else {
		/* never "same" when part of it could not be compared */
		printf("result: %s%s%s\n",
		       ki_paint(o.color, o.differ ? KI_PAINT_CHANGE : incomplete ? KI_PAINT_WARNING : KI_PAINT_OK),
		       o.differ ? (incomplete ? "different, and incomplete" : "different") :
		       incomplete ? "incomplete (not known to be the same)" : "same",
		       ki_paint(o.color, KI_PAINT_OFF));
		if (incomplete)
			printf("incomplete: %s\n", why);
		if (o.by_chunk)
			printf("note: some changes are counted per chunk of a manifest (its chunk holds several blocks)\n");
		if (o.u.unknown)
			printf("note: %" PRIu64 " blocks were not compared by content: the ranges are split differently and a manifest has one hash per range\n",
			       o.u.unknown);
		if (o.segments && ki_global.verbose)
			printf("note: compared in two threads, in %zu parts\n", o.segments);
		if (o.u.absent)
			printf("note: %" PRIu64 " blocks are listed on both sides but their contents are not in the dump(s) or manifest(s)\n",
			       o.u.absent);
	}
	/* a difference found is certain; nothing found in an incomplete
	 * comparison is not "same" */
	ret = o.differ ? KI_EXIT_FINDINGS : incomplete ? KI_EXIT_TROUBLE : KI_EXIT_OK;
	if (svg && !draw_svg(&o, &a, &b, svg))
		ret = KI_EXIT_TROUBLE;
	if (fflush(stdout) || ferror(stdout) || o.ob->failed) {
		fprintf(stderr, "khoinspect: writing the output failed\n");
		ret = KI_EXIT_TROUBLE;
	}
out:
	ki_pm_buckets_destroy(o.svg);
	side_close(&a);
	side_close(&b);
	free(tmpl.scratch);
	return ret;
usage:
	free(tmpl.scratch);
	return KI_EXIT_TROUBLE;
}
