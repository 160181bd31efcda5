// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Owners of preserved blocks: the claims of every sub-format object, kept
 * as intervals with interned labels, adjacent claims of one object merged.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_owner.h"
#include "ki_sub.h"

enum { BLOB_SEQ = 1u << 31 };

struct builder {
	struct ki_owners *o;
	struct ki_findings *f;
	struct ki_error *err;
};

static uint32_t intern(struct builder *b, const char *label)
{
	struct ki_owners *o = b->o;
	char *s;

	/* claims of one object come together: look back a little */
	for (size_t i = o->nlabels, k = 0; i > 0 && k < 8; i--, k++)
		if (!strcmp(o->labels[i - 1], label))
			return (uint32_t)(i - 1);
	if (o->nlabels == o->lcap) {
		size_t cap = o->lcap ? o->lcap * 2 : 16;
		void *p = reallocarray(o->labels, cap, sizeof(*o->labels));

		if (!p)
			return UINT32_MAX;
		o->labels = p;
		o->lcap = cap;
	}
	s = strdup(label);
	if (!s)
		return UINT32_MAX;
	o->labels[o->nlabels] = s;
	return (uint32_t)o->nlabels++;
}

static void claim(void *arg, uint64_t pa, uint64_t len, const char *label)
{
	struct builder *b = arg;
	struct ki_owners *o = b->o;
	struct ki_owner *last = o->n ? &o->v[o->n - 1] : NULL;
	uint32_t id;

	if (b->err)
		return;
	id = intern(b, label);
	if (id == UINT32_MAX) {
		b->err = &ki_enomem;
		return;
	}
	if (last && last->label == id && pa >= last->start && pa <= last->end) {
		if (pa + len > last->end)
			last->end = pa + len;
		return;
	}
	if (o->n >= KI_OWNERS_MAX) {
		if (!o->truncated)
			ki_findings_add(b->f, KI_SEV_WARNING, "owners-truncated", true, pa,
					"more than %d owner intervals: blocks from 0x%" PRIx64
					" on may show as unclaimed and are not checked against their objects",
					KI_OWNERS_MAX, pa);
		o->truncated = true;
		return;
	}
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		void *p = reallocarray(o->v, cap, sizeof(*o->v));

		if (!p) {
			b->err = &ki_enomem;
			return;
		}
		o->v = p;
		o->cap = cap;
	}
	o->v[o->n++] = (struct ki_owner){
		.start = pa, .end = pa + len, .label = id,
		.seq = (uint32_t)o->n | (strncmp(label, "kho:", 4) ? 0 : BLOB_SEQ),
	};
}

static int owner_cmp(const void *a, const void *b)
{
	const struct ki_owner *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq; /* most specific first */
}

/* A min-heap of claim indices by seq (the most specific on top). */
static void heap_push(size_t *h, size_t *n, const struct ki_owner *v, size_t x)
{
	size_t i = (*n)++;

	while (i && v[h[(i - 1) / 2]].seq > v[x].seq) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = x;
}

static void heap_pop(size_t *h, size_t *n, const struct ki_owner *v)
{
	size_t x = h[--(*n)], i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && v[h[c + 1]].seq < v[h[c]].seq)
			c++;
		if (v[h[c]].seq >= v[x].seq)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = x;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The claims (sorted by start) made disjoint, in o->flat: each piece of
 * memory keeps the most specific claim covering it (lowest seq), so a
 * lookup needs the one entry at or below an address (o->v stays as
 * claimed: verify reports the overlaps). Claims rarely overlap in a sound
 * hand-over, but a damaged one can stack thousands: a lookup that looked
 * back a fixed number of entries called owned pages unclaimed.
 */
static struct ki_error *flatten(struct ki_owners *o)
{
	size_t n = o->n, np = 0, nh = 0, nout = 0, j = 0;
	uint64_t *pts = malloc(2 * n * sizeof(*pts));
	size_t *heap = malloc(n * sizeof(*heap));
	struct ki_owner *out = malloc(2 * n * sizeof(*out));

	if (!pts || !heap || !out) {
		free(pts);
		free(heap);
		free(out);
		return &ki_enomem;
	}
	for (size_t i = 0; i < n; i++) {
		pts[np++] = o->v[i].start;
		pts[np++] = o->v[i].end;
	}
	qsort(pts, np, sizeof(*pts), u64_cmp);
	for (size_t k = 0; k + 1 < np; k++) {
		uint64_t p = pts[k];
		const struct ki_owner *top;

		if (p == pts[k + 1])
			continue;
		while (j < n && o->v[j].start <= p)
			heap_push(heap, &nh, o->v, j++);
		while (nh && o->v[heap[0]].end <= p)
			heap_pop(heap, &nh, o->v);
		if (!nh)
			continue;
		top = &o->v[heap[0]];
		if (nout && out[nout - 1].end == p && out[nout - 1].label == top->label &&
		    out[nout - 1].seq == top->seq) {
			out[nout - 1].end = pts[k + 1];
			continue;
		}
		out[nout++] = (struct ki_owner){
			.start = p, .end = pts[k + 1], .label = top->label, .seq = top->seq,
		};
	}
	free(pts);
	free(heap);
	o->flat = out;
	o->nflat = nout;
	return NULL;
}

struct ki_error *ki_owners_build(struct ki_dump *d, const struct ki_debugfs *dbg,
				 const struct ki_kho *k, uint64_t page_size, bool big_endian,
				 struct ki_findings *f, struct ki_owners *ret)
{
	static const struct ki_sub_sink sink = { .claim = claim };
	struct builder b = { .o = ret, .f = f };
	struct ki_sub_ctx c = {
		.d = d, .ps = page_size, .be = big_endian, .f = f, .sink = &sink, .arg = &b,
	};

	memset(ret, 0, sizeof(*ret));
	ki_sub_walk(&c, dbg, k);
	if (!b.err && ret->n > 1) {
		qsort(ret->v, ret->n, sizeof(*ret->v), owner_cmp);
		b.err = flatten(ret);
	}
	if (b.err) {
		ki_owners_deinit(ret);
		return b.err;
	}
	return NULL;
}

void ki_owners_deinit(struct ki_owners *o)
{
	for (size_t i = 0; i < o->nlabels; i++)
		free(o->labels[i]);
	free(o->labels);
	free(o->v);
	free(o->flat);
	memset(o, 0, sizeof(*o));
}

/* Entries starting at or below pa: the index after the last of them. */
static size_t owners_upto(const struct ki_owner *v, size_t n, uint64_t pa)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid].start <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The disjoint pieces ki_owners_build makes (one entry is enough), or a
 * list made by hand where a few entries overlap: looked back that far. */
enum { OWNER_BACK = 16 };

static const struct ki_owner *lookup_list(const struct ki_owners *o, size_t *n)
{
	*n = o->flat ? o->nflat : o->n;
	return o->flat ? o->flat : o->v;
}

const char *ki_owner_of(const struct ki_owners *o, uint64_t pa)
{
	size_t n;
	const struct ki_owner *v = lookup_list(o, &n), *best = NULL;
	size_t lo = owners_upto(v, n, pa);

	/* the last entry starting at or below pa, then a few before it */
	for (size_t i = lo, k = 0; i > 0 && k < OWNER_BACK; i--, k++) {
		const struct ki_owner *w = &v[i - 1];

		if (pa < w->end && (!best || w->seq < best->seq))
			best = w;
	}
	return best ? o->labels[best->label] : NULL;
}

/* The first address above pa where ki_owner_of's answer may change: the
 * next entry's start, or the end of one it looks at for pa. */
static uint64_t owner_next_change(const struct ki_owners *o, uint64_t pa)
{
	size_t n;
	const struct ki_owner *v = lookup_list(o, &n);
	size_t lo = owners_upto(v, n, pa);
	uint64_t next = lo < n ? v[lo].start : UINT64_MAX;

	for (size_t i = lo, k = 0; i > 0 && k < OWNER_BACK; i--, k++)
		if (v[i - 1].end > pa && v[i - 1].end < next)
			next = v[i - 1].end;
	return next;
}

int ki_owners_split(const struct ki_owners *o, uint64_t pa, uint64_t n, uint64_t bsize,
		    ki_owner_piece_fn fn, void *arg)
{
	const char *cur = ki_owner_of(o, pa), *at;
	uint64_t start = 0, i = 0;
	int r;

	while (i < n) {
		uint64_t c = owner_next_change(o, pa + i * bsize), j;

		if (c == UINT64_MAX)
			break;
		/* the first block whose first byte is at or past c */
		j = (c - pa) / bsize + ((c - pa) % bsize != 0);
		if (j >= n)
			break;
		at = ki_owner_of(o, pa + j * bsize);
		if (at != cur) {
			r = fn(arg, pa + start * bsize, j - start, cur);
			if (r)
				return r;
			start = j;
			cur = at;
		}
		i = j;
	}
	return fn(arg, pa + start * bsize, n - start, cur);
}

struct owned_run {
	ki_owned_run_fn fn;
	void *arg;
	unsigned int order;
};

static int owned_piece(void *arg, uint64_t pa, uint64_t n, const char *owner)
{
	const struct owned_run *r = arg;

	return r->fn(r->arg, pa, r->order, n, owner);
}

int ki_owners_split_run(const struct ki_owners *o, uint64_t pa, unsigned int order, uint64_t n,
			uint64_t page_size, ki_owned_run_fn fn, void *arg)
{
	struct owned_run r = { fn, arg, order };

	if (!o)
		return fn(arg, pa, order, n, NULL);
	return ki_owners_split(o, pa, n, page_size << order, owned_piece, &r);
}
