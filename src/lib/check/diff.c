// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The diff engine (ki_diff.h). Ranges come from both sides per order then
 * by address, and are merged in one pass: O(n), memory bounded. Two dumps
 * are compared word against word of their bitmaps instead, in two threads
 * on large maps when the caller allows (each taking every other part of
 * the maps).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_diff.h"
#include "ki_dump.h"
#include "ki_fdt.h"
#include "ki_hash.h"
#include "ki_manifest.h"
#include "ki_map.h"
#include "ki_pipe.h"

struct side {
	const char *path;
	struct ki_manifest *man;
	struct ki_dump *d;
	const struct ki_kho *k;
	struct ki_map *m;
	size_t map_errors;
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

/* Blocks both sides list whose contents were not compared. */
struct uncompared {
	uint64_t absent;             /* not in a dump */
	uint64_t unknown;            /* not comparable (a manifest's ranges cut otherwise) */
	uint64_t unknown_by_order[64];
};

struct counts {
	uint64_t only_ab[2][64];     /* only in A, only in B */
	uint64_t changed[64];
};

/* Where the lines of one thread go, and what it counted. */
struct out {
	ki_diff_line_fn line;
	void *ctx;
	struct ki_diff_line batch[KI_DIFF_BATCH]; /* lines not handed out yet */
	size_t nbatch;
	struct counts c;
	uint64_t page_size;
	int page_shift;              /* when page_size is a power of two, else -1 */
	bool differ;
	struct uncompared u;
	bool by_chunk;               /* a change counted per manifest chunk */
	bool nomem;                  /* a map's words could not all be read */
};

struct ki_diff {
	struct side a, b;
	struct ki_diff_options o;
	bool words;                  /* two dumps, word against word */
	struct out out;
	size_t segments;
};

/* Hand out the lines batched so far. */
static void flush_lines(struct out *o)
{
	if (o->nbatch)
		o->line(o->ctx, o->batch, o->nbatch);
	o->nbatch = 0;
}

/* A difference: kind 0 only in A (-), 1 only in B (+), 2 changed (!).
 * Millions of these: counted and batched inline, handed out a batch per
 * call. */
static inline __attribute__((always_inline))
void emit(struct out *o, int kind, uint64_t start, uint64_t end, unsigned int order)
{
	uint64_t blocks = o->page_shift >= 0 && o->page_shift + order < 64 ?
		(end - start) >> (o->page_shift + order) :
		(end - start) / (o->page_size << order);
	struct ki_diff_line *l;

	/* '-' and '+' alternate at random: indexed, not branched on */
	if (kind < 2)
		o->c.only_ab[kind][order] += blocks;
	else
		o->c.changed[order] += blocks;
	o->differ = true;
	if (!o->line)
		return;
	l = &o->batch[o->nbatch++];
	l->kind = (enum ki_diff_kind)kind;
	l->order = order;
	l->start = start;
	l->end = end;
	l->blocks = blocks;
	if (__builtin_expect(o->nbatch == KI_DIFF_BATCH, 0))
		flush_lines(o);
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
	if (ki_memreader_first_missing(&s->d->mem, start, end - start) != UINT64_MAX)
		return HASH_ABSENT;
	err = ki_hash_range(&s->d->mem, start, end, hex, NULL, NULL);
	if (!err)
		return HASH_OK;
	nodata = err->code == KI_ERR_NODATA;
	ki_error_destroy(err);
	return nodata ? HASH_ABSENT : HASH_UNAVAILABLE;
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
	if (ki_memreader_first_missing(&d->d->mem, m->rstart, m->rend - m->rstart) != UINT64_MAX)
		return d->cc_state = -1;
	err = ki_hash_range_chunks(&d->d->mem, m->rstart, m->rend, m->chunk_size, hex,
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

	ki_run_cursor_init(&ca, a->m, a0, a1, -1);
	ki_run_cursor_init(&cb, b->m, b0, b1, -1);
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
	if (!cut_word(a->m, &pa[0], &pa[1], order, w - 1, &xa0) ||
	    !cut_word(a->m, &pa[0], &pa[1], order, w, &xa1) ||
	    !cut_word(b->m, &pb[0], &pb[1], order, w - 1, &xb0) ||
	    !cut_word(b->m, &pb[0], &pb[1], order, w, &xb1))
		return false;
	return !((((xa0 | xb0) >> 63) & (xa1 | xb1)) & 1);
}

/* Cut both maps' leaves into segments; NULL (one segment) when not worth
 * it or out of memory. */
static struct dseg *cut_segments(const struct side *a, const struct side *b, size_t *nret)
{
	const struct ki_map *ma = a->m, *mb = b->m;
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


/* The helper's side of two threads. */
struct dpar {
	struct side *a, *b;
	bool hash;
	struct dseg *segs;
	size_t nsegs;
	const struct ki_diff_parts *parts;
	struct out h;                /* the helper's own counts */
	bool ok[KI_DIFF_SLOTS];      /* the slot's part was done by the helper */
};

static void diff_helper(struct ki_pipe *p, void *arg)
{
	struct dpar *dp = arg;

	for (size_t k = 1, j = 0; k < dp->nsegs; k += 2, j++) {
		unsigned int slot = (unsigned int)(j % KI_DIFF_SLOTS);
		bool *t = ki_pipe_slot(p);
		struct counts c = dp->h.c;
		struct uncompared u = dp->h.u;
		bool differ = dp->h.differ;

		if (!t)
			return;
		*t = false;
		dp->h.ctx = dp->h.line ? dp->parts->begin(dp->parts->arg, slot) : NULL;
		if (!dp->h.line || dp->h.ctx) {
			diff_leaves(&dp->h, dp->a, dp->b, dp->hash, dp->segs[k].a0,
				    dp->segs[k].a1, dp->segs[k].b0, dp->segs[k].b1);
			if (dp->h.line)
				flush_lines(&dp->h);
			*t = !dp->h.line || dp->parts->end(dp->parts->arg, slot);
		}
		if (!*t) {
			/* the main thread does the segment: its counts are not ours */
			dp->h.c = c;
			dp->h.u = u;
			dp->h.differ = differ;
		}
		ki_pipe_put(p, 1);
	}
}

/* Two dumps word against word; in two threads when both read their files
 * directly (pread is safe to share), the caller can take the helper's
 * lines, and the maps are large. */
static void diff_by_words(struct ki_diff *df)
{
	struct out *o = &df->out;
	struct side *a = &df->a, *b = &df->b;
	bool hash = df->o.hash;
	struct dpar dp = { .a = a, .b = b, .hash = hash, .parts = df->o.parts };
	struct ki_pipe *p = NULL;

	if ((!o->line || dp.parts) && ki_memreader_pread_only(&a->d->mem) &&
	    ki_memreader_pread_only(&b->d->mem) &&
	    ki_pipe_wanted(df->o.threads, a->m->nleaves + b->m->nleaves))
		dp.segs = cut_segments(a, b, &dp.nsegs);
	if (dp.segs) {
		dp.h = *o;
		memset(&dp.h.c, 0, sizeof(dp.h.c));
		memset(&dp.h.u, 0, sizeof(dp.h.u));
		dp.h.differ = false;
		dp.h.nbatch = 0;
		p = ki_pipe_start(sizeof(bool), KI_DIFF_SLOTS, diff_helper, &dp);
	}
	if (!p) {
		diff_leaves(o, a, b, hash, 0, a->m->nleaves, 0, b->m->nleaves);
		free(dp.segs);
		return;
	}
	for (size_t k = 0; k < dp.nsegs; k++) {
		const struct dseg *sg = &dp.segs[k];
		const bool *t;
		size_t n;

		if (!(k & 1)) {
			diff_leaves(o, a, b, hash, sg->a0, sg->a1, sg->b0, sg->b1);
			continue;
		}
		t = ki_pipe_get(p, &n);
		if (t && *t) {
			if (o->line) {
				flush_lines(o); /* the lines before the part's */
				dp.parts->put(dp.parts->arg, (unsigned int)((k / 2) % KI_DIFF_SLOTS));
			}
		} else { /* the helper could not */
			diff_leaves(o, a, b, hash, sg->a0, sg->a1, sg->b0, sg->b1);
		}
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
	df->segments = dp.nsegs;
	free(dp.segs);
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
		size_t e = s->man ? 0 : s->map_errors;

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

static void side_init(struct side *s, const struct ki_diff_side *src, bool want_hash)
{
	s->path = src->path;
	s->man = src->man;
	s->d = src->d;
	s->k = src->k;
	s->m = src->m;
	s->map_errors = src->map_errors;
	if (s->man) {
		s->page_size = s->man->page_size;
		s->hashes = want_hash && s->man->hashed;
		return;
	}
	s->page_size = s->m->page_size;
	s->hashes = want_hash;
	ki_run_cursor_init(&s->cur, s->m, 0, s->m->nleaves, -1);
	s->cursor = true;
}

static void side_deinit(struct side *s)
{
	if (s->cursor)
		ki_run_cursor_deinit(&s->cur);
	free(s->cc_chunks);
}

struct ki_error *ki_diff_create(struct ki_diff_side *a, struct ki_diff_side *b,
				const struct ki_diff_options *o, struct ki_diff **ret)
{
	struct ki_diff *df;
	struct ki_error *err = NULL;
	struct out *out;

	*ret = NULL;
	if ((!a->man && !a->m) || (!b->man && !b->m))
		return ki_error_create(KI_ERR_USAGE, "a side of a diff needs a manifest or a decoded map");
	df = calloc(1, sizeof(*df));
	if (!df)
		return &ki_enomem;
	df->o = *o;
	side_init(&df->a, a, o->hash);
	side_init(&df->b, b, o->hash);
	if (df->a.page_size != df->b.page_size)
		err = ki_error_create(KI_ERR_USAGE,
				      "A has %" PRIu64 "-byte pages, B %" PRIu64 ": not the same machine's hand-over",
				      df->a.page_size, df->b.page_size);
	out = &df->out;
	out->line = o->lines;
	out->ctx = o->ctx;
	out->page_size = df->a.page_size;
	out->page_shift = out->page_size && !(out->page_size & (out->page_size - 1)) ?
		__builtin_ctzll(out->page_size) : -1;
	/* two dumps: word against word when both maps allow it */
	df->words = !err && df->a.cursor && df->b.cursor && out->page_shift >= 0 &&
		ki_map_words_ok(df->a.m) && ki_map_words_ok(df->b.m);
	if (!err && !df->words)
		err = side_next(&df->a);
	if (!err && !df->words)
		err = side_next(&df->b);
	if (err) {
		ki_diff_destroy(df);
		return err;
	}
	*ret = df;
	return NULL;
}

uint64_t ki_diff_page_size(const struct ki_diff *df)
{
	return df->a.page_size;
}

const char *ki_diff_compatible(const struct ki_diff *df, int side)
{
	const struct side *s = side ? &df->b : &df->a;

	return s->man ? s->man->compatible : s->k->compatible;
}

/* Both sides' ranges merged in one pass. */
static struct ki_error *diff_by_ranges(struct ki_diff *df)
{
	struct side *a = &df->a, *b = &df->b;
	struct out *o = &df->out;
	struct ki_error *err = NULL;

	while (!err && (a->have || b->have)) {
		bool take_a = a->have && (!b->have || a->order < b->order ||
					  (a->order == b->order && a->end <= b->start));
		bool take_b = b->have && (!a->have || b->order < a->order ||
					  (a->order == b->order && b->end <= a->start));
		uint64_t end;

		if (take_a) {
			emit(o, 0, a->start, a->end, a->order);
			err = side_next(a);
			continue;
		}
		if (take_b) {
			emit(o, 1, b->start, b->end, b->order);
			err = side_next(b);
			continue;
		}
		/* same order, overlapping */
		if (a->start < b->start) {
			emit(o, 0, a->start, b->start, a->order);
			a->start = b->start;
			a->whole = false;
		} else if (b->start < a->start) {
			emit(o, 1, b->start, a->start, b->order);
			b->start = a->start;
			b->whole = false;
		}
		end = a->end < b->end ? a->end : b->end;
		if (df->o.hash)
			compare_contents(o, a, b, a->start, end, a->order);
		if (a->end == end) {
			err = side_next(a);
		} else {
			a->start = end;
			a->whole = false;
		}
		if (!err && b->end == end) {
			err = side_next(b);
		} else if (!err) {
			b->start = end;
			b->whole = false;
		}
	}
	return err;
}

struct ki_error *ki_diff_run(struct ki_diff *df, struct ki_diff_result *ret)
{
	struct out *o = &df->out;
	struct ki_error *err = NULL;

	memset(ret, 0, sizeof(*ret));
	ret->compatible_differs = strcmp(ki_diff_compatible(df, 0), ki_diff_compatible(df, 1)) != 0;
	if (df->words) {
		diff_by_words(df);
		if (o->nomem)
			err = ki_error_create(KI_ERR_NOMEM, "out of memory reading the maps' words");
	} else {
		err = diff_by_ranges(df);
	}
	if (o->line)
		flush_lines(o);
	if (err)
		return err;
	memcpy(ret->only, o->c.only_ab, sizeof(ret->only));
	memcpy(ret->changed, o->c.changed, sizeof(ret->changed));
	memcpy(ret->not_compared, o->u.unknown_by_order, sizeof(ret->not_compared));
	ret->absent = o->u.absent;
	ret->unknown = o->u.unknown;
	ret->differ = o->differ || ret->compatible_differs;
	ret->by_chunk = o->by_chunk;
	ret->parts = df->segments;
	ret->incomplete = why_incomplete(&df->a, &df->b, &o->u, df->o.hash, df->o.present_only,
					 ret->why, sizeof(ret->why));
	/* a difference found is certain; nothing found in an incomplete
	 * comparison is not "same" */
	ret->status = ret->differ ? KI_DIFF_DIFFERENT :
		      ret->incomplete ? KI_DIFF_INCOMPLETE : KI_DIFF_SAME;
	return NULL;
}

void ki_diff_destroy(struct ki_diff *df)
{
	if (!df)
		return;
	side_deinit(&df->a);
	side_deinit(&df->b);
	free(df);
}
