// SPDX-License-Identifier: GPL-2.0-or-later
/* Format-independent part of the memory map: counting and run iteration. */
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_fdt.h"
#include "ki_map.h"
#include "ki_pipe.h"

/* Bytes of bitmap of a leaf (whole u64 words). */
static size_t leaf_bytes(const struct ki_leaf *l)
{
	return (size_t)l->nbits / 8;
}

/*
 * Address of the block for bit i; false when the block would not end below
 * 2^64: every range is [start, end) in 64 bits, so a block whose last byte
 * is the top one (end 2^64) is as unlisted as one past it (no physical
 * address is that high), and no run of them can wrap to end 0.
 */
static bool leaf_block(const struct ki_leaf *l, unsigned int psh, uint64_t i,
		       uint64_t *pa_ret)
{
	unsigned int s;
	uint64_t off, n = i;

	if (l->order >= 64 - psh) /* no u32 wrap */
		return false;
	s = l->order + psh;
	if (n && n > (UINT64_MAX >> s))
		return false;
	off = n << s;
	if (__builtin_add_overflow(l->phys_base, off, pa_ret))
		return false;
	/* Its end too. */
	if (*pa_ret + (UINT64_C(1) << s) <= *pa_ret)
		return false;
	return true;
}

/* A bitmap word in the dump's byte order, in the host's. */
static inline uint64_t word_to_host(const struct ki_map *m, uint64_t x)
{
	return m->dump->big_endian ? be64toh(x) : le64toh(x);
}

/* Read a leaf's bitmap as host-order words: what the hot loops scan. */
static struct ki_error *load_leaf(const struct ki_map *m, const struct ki_leaf *l,
				  uint64_t *words)
{
	size_t nw = leaf_bytes(l) / 8;
	struct ki_error *err = ki_memreader_read(&m->dump->mem, l->bitmap_pa, words,
						 leaf_bytes(l));

	if (err)
		return err;
	if (m->dump->big_endian || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
		for (size_t wi = 0; wi < nw; wi++)
			words[wi] = word_to_host(m, words[wi]);
	return NULL;
}

/* Whether every bit of the leaf names a block that fits in 64 bits: then
 * the per-run check can be skipped. */
static bool leaf_all_fit(const struct ki_leaf *l, unsigned int psh)
{
	uint64_t pa;

	return !l->nbits || leaf_block(l, psh, (uint64_t)l->nbits - 1, &pa);
}

/*
 * Set bits in words[0, nw). Baseline x86-64 has no POPCNT instruction, so
 * __builtin_popcountll is a libgcc call per word there (a fifth of
 * list --summary): use the instruction when the CPU has it.
 */
static uint64_t popcount_generic(const uint64_t *words, size_t nw)
{
	uint64_t n = 0;

	for (size_t wi = 0; wi < nw; wi++)
		n += (uint64_t)__builtin_popcountll(words[wi]);
	return n;
}

#if defined(__x86_64__)
__attribute__((target("popcnt")))
static uint64_t popcount_popcnt(const uint64_t *words, size_t nw)
{
	uint64_t n = 0;

	for (size_t wi = 0; wi < nw; wi++)
		n += (uint64_t)__builtin_popcountll(words[wi]);
	return n;
}
#endif

static uint64_t popcount_words(const uint64_t *words, size_t nw)
{
#if defined(__x86_64__)
	/* threads may ask at once (diff opens both dumps together) */
	static int have = -1;
	int h = __atomic_load_n(&have, __ATOMIC_RELAXED);

	if (h < 0) {
		__builtin_cpu_init();
		h = __builtin_cpu_supports("popcnt") ? 1 : 0;
		__atomic_store_n(&have, h, __ATOMIC_RELAXED);
	}
	if (h)
		return popcount_popcnt(words, nw);
#endif
	return popcount_generic(words, nw);
}

static void report_invalid(struct ki_map *m, const struct ki_leaf *l,
			   const uint64_t *words, struct ki_findings *f)
{
	size_t nw = leaf_bytes(l) / 8;
	unsigned int o0 = ki_radix_order0(m->page_shift);

	for (size_t wi = 0; wi < nw; wi++) {
		uint64_t w = words[wi];

		while (w) {
			uint64_t key = (uint64_t)wi * 64 + (unsigned int)__builtin_ctzll(w);

			w &= w - 1;
			m->errors++;
			m->key_errors++;
			if (key == 0) {
				ki_findings_add(f, KI_SEV_ERROR, "key-zero", true, l->bitmap_pa,
						"radix leaf at 0x%" PRIx64 ": bit 0 of the all-zero-index leaf is set; key 0 has no order marker and is not a block",
						l->bitmap_pa);
				continue;
			}
			ki_findings_add(f, KI_SEV_ERROR, "order-above-max", true, l->bitmap_pa,
					"radix leaf at 0x%" PRIx64 ": key 0x%" PRIx64
					" decodes to order %u (a block of 2^%u bytes); no kernel preserves that, not listed",
					l->bitmap_pa, key,
					o0 - (63 - (unsigned int)__builtin_clzll(key)),
					64 - (63 - (unsigned int)__builtin_clzll(key)));
		}
	}
}

void ki_map_count(struct ki_map *m, struct ki_findings *f)
{
	uint64_t *words = NULL;
	size_t cap = 0;

	memset(m->blocks, 0, sizeof(m->blocks));
	m->total_blocks = 0;
	for (size_t i = 0; i < m->nleaves; i++) {
		struct ki_leaf *l = &m->leaves[i];
		size_t need = leaf_bytes(l), nw = need / 8;
		struct ki_error *err;
		uint64_t n = 0, last = 0, pa;
		bool any = false;

		l->nset = 0;
		if (need > cap) {
			free(words);
			words = malloc(need);
			cap = words ? need : 0;
			if (!words) {
				ki_nomem_note();
				ki_findings_add(f, KI_SEV_ERROR, "nomem", false, 0,
						"out of memory reading bitmaps");
				m->errors++;
				return;
			}
		}
		err = load_leaf(m, l, words);
		if (err) {
			ki_findings_add(f, KI_SEV_ERROR,
					err->code == KI_ERR_NODATA ? "not-in-dump" : "map-read-error",
					true, l->bitmap_pa, "bitmap at 0x%" PRIx64 " (order %u): %s",
					l->bitmap_pa, l->order, err->message);
			ki_error_destroy(err);
			l->unreadable = true;
			m->errors++;
			continue;
		}
		if (l->invalid) {
			report_invalid(m, l, words, f);
			continue;
		}
		n = popcount_words(words, nw);
		for (size_t wi = nw; n && wi-- > 0;) {
			if (words[wi]) {
				last = (uint64_t)wi * 64 + 63 - (unsigned int)__builtin_clzll(words[wi]);
				any = true;
				break;
			}
		}
		if (any && !leaf_block(l, m->page_shift, last, &pa)) {
			ki_findings_add(f, KI_SEV_ERROR, "block-address-overflow", true,
					l->bitmap_pa,
					"bitmap at 0x%" PRIx64 " (order %u, first block 0x%" PRIx64
					"): bit %" PRIu64 " would describe a block that does not end below 2^64; bitmap not listed",
					l->bitmap_pa, l->order, l->phys_base, last);
			l->invalid = true;
			m->errors++;
			continue;
		}
		l->nset = n;
		l->last = (uint32_t)last;
		if (l->order < KI_ORDERS)
			m->blocks[l->order] += n;
		m->total_blocks += n;
	}
	free(words);
}

uint64_t ki_map_max_end(const struct ki_map *m)
{
	uint64_t max = 0, pa;

	for (size_t i = 0; i < m->nleaves; i++) {
		const struct ki_leaf *l = &m->leaves[i];
		unsigned int s = l->order + m->page_shift;

		if (l->invalid || l->unreadable || !l->nset || !leaf_block(l, m->page_shift, l->last, &pa))
			continue;
		/* leaf_block: the block's end fits */
		if (pa + (UINT64_C(1) << s) > max)
			max = pa + (UINT64_C(1) << s);
	}
	return max;
}

/*
 * The run scanner behind every iteration: resumable, it fills a caller's
 * array with up to max complete runs of the leaves [leaf, end) (one order's
 * group for the merge, all leaves for foreach), coalesced across words and
 * leaves. The hot loop works on locals and saves its place when it stops.
 */
void ki_run_cursor_init(struct ki_run_cursor *c, struct ki_map *m, size_t leaf,
			size_t end, int only_order)
{
	memset(c, 0, sizeof(*c));
	c->m = m;
	c->leaf = leaf;
	c->end = end;
	c->only_order = only_order;
}

void ki_run_cursor_deinit(struct ki_run_cursor *c)
{
	free(c->words);
	free(c->rs);
	free(c->re);
	c->words = NULL;
	c->rs = c->re = NULL;
	c->cap = c->rcap = 0;
}

/*
 * The runs of a loaded leaf as bit positions: a run starts at a set bit
 * whose lower neighbour (across words) is clear and ends after a set bit
 * whose upper neighbour is clear. The positions of a word's starts and
 * ends are stored four at a time whatever their number, and a longer loop
 * only for words with more: a loop per run would end at an unpredictable
 * point in every word of a random bitmap. rs and re have room for the
 * leaf's runs plus 4.
 */
static inline __attribute__((always_inline))
uint32_t *put_bits(uint64_t x, uint32_t *out, uint32_t b)
{
	unsigned int n = (unsigned int)__builtin_popcountll(x);

	/* | bit 63: ctz of an emptied word is defined (the slot is unused) */
	out[0] = b + (unsigned int)__builtin_ctzll(x | (UINT64_C(1) << 63));
	x &= x - 1;
	out[1] = b + (unsigned int)__builtin_ctzll(x | (UINT64_C(1) << 63));
	x &= x - 1;
	out[2] = b + (unsigned int)__builtin_ctzll(x | (UINT64_C(1) << 63));
	x &= x - 1;
	out[3] = b + (unsigned int)__builtin_ctzll(x | (UINT64_C(1) << 63));
	x &= x - 1;
	if (n > 4) {
		uint32_t *p = out + 4;

		while (x) {
			*p++ = b + (unsigned int)__builtin_ctzll(x);
			x &= x - 1;
		}
	}
	return out + n;
}

static inline __attribute__((always_inline))
size_t leaf_runs_body(const uint64_t *words, size_t nw, uint32_t *rs, uint32_t *re)
{
	uint32_t *ps = rs, *pe = re;
	uint64_t prev = 0;

	for (size_t wi = 0; wi < nw; wi++) {
		uint64_t w = words[wi], next = wi + 1 < nw ? words[wi + 1] : 0;
		uint64_t starts = w & ~((w << 1) | (prev >> 63));
		uint64_t lasts = w & ~((w >> 1) | (next << 63));

		prev = w;
		if (!w)
			continue;
		ps = put_bits(starts, ps, (uint32_t)wi * 64);
		pe = put_bits(lasts, pe, (uint32_t)wi * 64 + 1);
	}
	return (size_t)(ps - rs);
}

static size_t leaf_runs_generic(const uint64_t *words, size_t nw, uint32_t *rs,
				uint32_t *re)
{
	return leaf_runs_body(words, nw, rs, re);
}

#if defined(__x86_64__)
__attribute__((target("popcnt,bmi")))
static size_t leaf_runs_bmi(const uint64_t *words, size_t nw, uint32_t *rs,
			    uint32_t *re)
{
	return leaf_runs_body(words, nw, rs, re);
}
#endif

static size_t leaf_runs(const uint64_t *words, size_t nw, uint32_t *rs, uint32_t *re)
{
#if defined(__x86_64__)
	static int have = -1;
	int h = __atomic_load_n(&have, __ATOMIC_RELAXED);

	if (h < 0) {
		__builtin_cpu_init();
		h = __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi") ? 1 : 0;
		__atomic_store_n(&have, h, __ATOMIC_RELAXED);
	}
	if (h)
		return leaf_runs_bmi(words, nw, rs, re);
#endif
	return leaf_runs_generic(words, nw, rs, re);
}

/* The number of runs leaf_runs finds in words[0, nw). */
static size_t count_runs(const uint64_t *words, size_t nw)
{
	uint64_t prev = 0;
	size_t n = 0;

	for (size_t wi = 0; wi < nw; wi++) {
		uint64_t w = words[wi];

		n += (size_t)__builtin_popcountll(w & ~((w << 1) | (prev >> 63)));
		prev = w;
	}
	return n;
}

/* Load the next leaf to scan (and find its runs when runs); false when
 * none is left. */
static bool cursor_load(struct ki_run_cursor *c, bool runs)
{
	struct ki_map *m = c->m;

	for (; c->leaf < c->end; c->leaf++) {
		const struct ki_leaf *l = &m->leaves[c->leaf];
		size_t need = leaf_bytes(l);
		struct ki_error *err;

		if (l->invalid || l->unreadable)
			continue;
		if (c->only_order >= 0 && l->order != (unsigned int)c->only_order)
			continue;
		if (need > c->cap) {
			void *p = realloc(c->words, need);

			if (!p) {
				/* not an unreadable rest: the caller must say so */
				ki_nomem_note();
				c->leaf = c->end;
				c->nomem = true;
				return false;
			}
			c->words = p;
			c->cap = need;
		}
		err = load_leaf(m, l, c->words);
		if (err) {
			/* Counted and reported by ki_map_count. */
			ki_error_destroy(err);
			continue;
		}
		c->nw = need / 8;
		/*
		 * Room for this leaf's runs and 4 slots of slack, counted first:
		 * the bound (one run per two bits) is 2 MiB for a 64 KiB leaf,
		 * and a merge holds a cursor per order.
		 */
		if (runs) {
			size_t rcap = count_runs(c->words, c->nw) + 4;

			if (rcap > c->rcap) {
				uint32_t *rs = realloc(c->rs, rcap * sizeof(*rs));
				uint32_t *re = rs ? realloc(c->re, rcap * sizeof(*re)) : NULL;

				if (rs)
					c->rs = rs;
				if (!rs || !re) {
					ki_nomem_note();
					c->leaf = c->end;
					c->nomem = true;
					return false;
				}
				c->re = re;
				c->rcap = rcap;
			}
		}
		c->nr = runs ? leaf_runs(c->words, c->nw, c->rs, c->re) : 0;
		c->ri = 0;
		c->s = l->order + m->page_shift;
		c->fit = leaf_all_fit(l, m->page_shift);
		/* block of bit k: base + (k << s) (no wrap when fit) */
		c->base = c->fit ? l->phys_base : 0;
		c->loaded = true;
		return true;
	}
	return false;
}

size_t ki_run_cursor_fill(struct ki_run_cursor *c, struct ki_run *out, size_t max)
{
	/* the growing run in locals: out[] stores cannot alias them */
	bool active = c->active;
	struct ki_run cur = c->cur;
	uint64_t cur_end = c->cur_end;
	size_t n = 0;

	while (n < max) {
		const struct ki_leaf *l;
		const uint32_t *rs, *re;
		unsigned int s, order;
		uint64_t base;
		size_t ri, nr;
		bool fit;

		if (!c->loaded && !cursor_load(c, true)) {
			/* the end: the growing run is complete */
			if (active) {
				out[n++] = cur;
				active = false;
			}
			break;
		}
		l = &c->m->leaves[c->leaf];
		order = l->order;
		s = c->s;
		base = c->base;
		fit = c->fit;
		rs = c->rs;
		re = c->re;
		nr = c->nr;
		for (ri = c->ri; ri < nr; ri++) {
			uint64_t k = rs[ri], len = re[ri] - rs[ri], pa;

			if (fit)
				pa = base + (k << s);
			else if (!leaf_block(l, c->m->page_shift, k, &pa))
				continue;
			/* only a leaf's first run can go on from the last one */
			if (active && pa == cur_end && cur.order == order) {
				cur.n += len;
				cur_end += len << s;
				continue;
			}
			if (active) {
				out[n++] = cur;
				if (n == max) {
					/* this run starts the next fill */
					c->active = true;
					c->cur.pa = pa;
					c->cur.n = len;
					c->cur.order = order;
					c->cur_end = pa + (len << s);
					c->ri = ri + 1;
					return n;
				}
			}
			cur.pa = pa;
			cur.n = len;
			cur.order = order;
			cur_end = pa + (len << s);
			active = true;
		}
		c->loaded = false;
		c->leaf++;
	}
	c->active = active;
	c->cur = cur;
	c->cur_end = cur_end;
	return n;
}

/* A leaf's bit 0 as a block index (a multiple of 64) when it is one. */
static bool leaf_word0(const struct ki_leaf *l, unsigned int psh, uint64_t *w0)
{
	unsigned int s = l->order + psh;
	uint64_t b0 = l->phys_base;

	if (!leaf_all_fit(l, psh) || s >= 64)
		return false;
	if ((b0 & ((UINT64_C(1) << s) - 1)) || ((b0 >> s) & 63))
		return false;
	*w0 = (b0 >> s) / 64;
	return true;
}

bool ki_map_words_ok(const struct ki_map *m)
{
	uint64_t end = 0, w0;
	unsigned int order = 0;
	bool any = false;

	for (size_t i = 0; i < m->nleaves; i++) {
		const struct ki_leaf *l = &m->leaves[i];

		if (l->invalid || l->unreadable)
			continue;
		if (!leaf_word0(l, m->page_shift, &w0))
			return false;
		if (any && l->order == order && w0 < end)
			return false; /* overlapping leaves, or not sorted */
		if (any && l->order < order)
			return false;
		any = true;
		order = l->order;
		end = w0 + leaf_bytes(l) / 8;
	}
	return true;
}

bool ki_map_leaf_span(const struct ki_map *m, size_t li, uint64_t *w0, size_t *nw)
{
	const struct ki_leaf *l = &m->leaves[li];

	if (l->invalid || l->unreadable || !leaf_word0(l, m->page_shift, w0))
		return false;
	*nw = leaf_bytes(l) / 8;
	return true;
}

bool ki_map_leaf_word(const struct ki_map *m, size_t li, size_t wi, uint64_t *w)
{
	const struct ki_leaf *l = &m->leaves[li];
	struct ki_error *err;
	uint64_t x;

	if (wi >= leaf_bytes(l) / 8)
		return false;
	err = ki_memreader_read(&m->dump->mem, l->bitmap_pa + wi * 8, &x, 8);
	if (err) {
		ki_error_destroy(err);
		return false;
	}
	*w = word_to_host(m, x);
	return true;
}

bool ki_run_cursor_next_leaf(struct ki_run_cursor *c, struct ki_leaf_words *lw)
{
	const struct ki_leaf *l;

	for (;;) {
		if (c->loaded) {
			c->loaded = false;
			c->leaf++;
		}
		if (!cursor_load(c, false))
			return false;
		l = &c->m->leaves[c->leaf];
		/* a leaf ki_map_words_ok would refuse is skipped */
		if (leaf_word0(l, c->m->page_shift, &lw->w0))
			break;
	}
	lw->words = c->words;
	lw->nw = c->nw;
	lw->order = l->order;
	return true;
}

/*
 * Runs are handed out in batches: the consumer's loop over a batch inlines
 * its formatting, where a call per run would cost as much as the run.
 */
int ki_map_foreach_runs(struct ki_map *m, int only_order, ki_runs_fn fn,
			void *arg)
{
	struct ki_run runs[KI_RUN_BATCH];
	struct ki_run_cursor c;
	size_t n;
	int r = 0;

	ki_run_cursor_init(&c, m, 0, m->nleaves, only_order);
	while (!r && (n = ki_run_cursor_fill(&c, runs, KI_RUN_BATCH)))
		r = fn(arg, runs, n);
	if (!r && c.nomem)
		r = KI_RUNS_NOMEM;
	ki_run_cursor_deinit(&c);
	return r;
}

/* Runs in a slot of the pipe: 96 KiB, eight slots. */
enum { PIPE_RUNS = 16 * KI_RUN_BATCH, PIPE_SLOTS = 8 };

struct runs_job {
	struct ki_map *m;
	int only_order;
	bool nomem;                  /* the helper's cursor ran out of memory */
};

static void runs_producer(struct ki_pipe *p, void *arg)
{
	struct runs_job *j = arg;
	struct ki_run_cursor c;
	struct ki_run *slot;
	size_t n;

	ki_run_cursor_init(&c, j->m, 0, j->m->nleaves, j->only_order);
	while ((slot = ki_pipe_slot(p)) && (n = ki_run_cursor_fill(&c, slot, PIPE_RUNS)))
		ki_pipe_put(p, n);
	j->nomem = c.nomem;
	ki_run_cursor_deinit(&c);
}

int ki_map_foreach_runs_piped(struct ki_map *m, int only_order, enum ki_threads threads,
			      ki_runs_fn fn, void *arg)
{
	struct runs_job j = { m, only_order, false };
	struct ki_pipe *p = ki_pipe_wanted(threads, m->nleaves) ?
		ki_pipe_start(PIPE_RUNS * sizeof(struct ki_run), PIPE_SLOTS, runs_producer, &j) :
		NULL;
	const struct ki_run *runs;
	size_t n;
	int r = 0;

	if (!p) /* no helper wanted, or none to be had */
		return ki_map_foreach_runs(m, only_order, fn, arg);
	while (!r && (runs = ki_pipe_get(p, &n))) {
		/* to fn in the batches it is used to */
		for (size_t i = 0; i < n && !r; i += KI_RUN_BATCH)
			r = fn(arg, runs + i, n - i < KI_RUN_BATCH ? n - i : KI_RUN_BATCH);
		ki_pipe_release(p);
	}
	ki_pipe_join(p);
	/* joined: the helper's flag is settled */
	return !r && j.nomem ? KI_RUNS_NOMEM : r;
}

struct one_by_one {
	ki_run_fn fn;
	void *arg;
};

static int each_run(void *arg, const struct ki_run *runs, size_t n)
{
	const struct one_by_one *o = arg;
	int r = 0;

	for (size_t i = 0; i < n && !r; i++)
		r = o->fn(o->arg, runs[i].pa, runs[i].order, runs[i].n);
	return r;
}

int ki_map_foreach_run(struct ki_map *m, int only_order, ki_run_fn fn,
		       void *arg)
{
	struct one_by_one o = { fn, arg };

	return ki_map_foreach_runs(m, only_order, each_run, &o);
}

/* The next run of one order's stream, refilling its buffer when empty. */
static void order_iter_advance(struct ki_order_iter *it)
{
	if (++it->pos < it->count)
		return;
	it->pos = 0;
	it->count = it->runs ? ki_run_cursor_fill(&it->c, it->runs, KI_MERGE_BATCH) : 0;
}

void ki_merge_init(struct ki_merge *it, struct ki_map *m)
{
	size_t i = 0;

	memset(it, 0, sizeof(*it));
	it->m = m;
	while (i < m->nleaves && it->nits < KI_ORDERS + 1) {
		struct ki_order_iter *o = &it->its[it->nits];
		size_t j = i;

		/* Leaves found invalid while counting stay where they were
		 * sorted; the iterators skip them. */
		while (j < m->nleaves && m->leaves[j].order == m->leaves[i].order)
			j++;
		ki_run_cursor_init(&o->c, m, i, j, -1);
		/* no memory: an empty stream, and ki_merge_nomem says so */
		o->runs = malloc(KI_MERGE_BATCH * sizeof(*o->runs));
		if (!o->runs) {
			it->nomem = true;
			ki_nomem_note();
		}
		o->pos = o->count = 0;
		o->order = m->leaves[i].order;
		o->count = o->runs ? ki_run_cursor_fill(&o->c, o->runs, KI_MERGE_BATCH) : 0;
		it->nits++;
		i = j;
	}
}

bool ki_merge_next(struct ki_merge *it, uint64_t *pa, unsigned int *order,
		   uint64_t *nblocks)
{
	struct ki_order_iter *best = NULL;

	/* At most 64 orders: a linear pick is as fast as a heap. */
	for (size_t i = 0; i < it->nits; i++) {
		struct ki_order_iter *o = &it->its[i];

		if (o->pos < o->count &&
		    (!best || o->runs[o->pos].pa < best->runs[best->pos].pa))
			best = o;
	}
	if (!best)
		return false;
	*pa = best->runs[best->pos].pa;
	*order = best->runs[best->pos].order;
	*nblocks = best->runs[best->pos].n;
	order_iter_advance(best);
	return true;
}

bool ki_merge_next_by_order(struct ki_merge *it, uint64_t *pa,
			    unsigned int *order, uint64_t *nblocks)
{
	for (size_t i = it->cur; i < it->nits; i++) {
		struct ki_order_iter *o = &it->its[i];

		if (o->pos >= o->count)
			continue;
		it->cur = i; /* the streams before are done for good */
		*pa = o->runs[o->pos].pa;
		*order = o->runs[o->pos].order;
		*nblocks = o->runs[o->pos].n;
		order_iter_advance(o);
		return true;
	}
	it->cur = it->nits;
	return false;
}

bool ki_merge_nomem(const struct ki_merge *it)
{
	if (it->nomem)
		return true;
	for (size_t i = 0; i < it->nits; i++)
		if (it->its[i].c.nomem)
			return true;
	return false;
}

void ki_merge_deinit(struct ki_merge *it)
{
	for (size_t i = 0; i < it->nits; i++) {
		ki_run_cursor_deinit(&it->its[i].c);
		free(it->its[i].runs);
	}
	memset(it, 0, sizeof(*it));
}

/* Whether some listed block of any order covers pa. */
static bool map_covers(const struct ki_map *m, uint64_t pa)
{
	for (size_t li = 0; li < m->nleaves; li++) {
		const struct ki_leaf *l = &m->leaves[li];
		unsigned int s = l->order + m->page_shift;
		uint64_t i, w;

		if (l->invalid || l->unreadable || s >= 64 || pa < l->phys_base)
			continue;
		i = (pa - l->phys_base) >> s;
		if (i >= l->nbits || !ki_map_leaf_word(m, li, (size_t)(i / 64), &w))
			continue;
		if ((w >> (i % 64)) & 1)
			return true;
	}
	return false;
}

/*
 * Every kernel that writes a map preserves the root FDT page in it: from
 * 6.19 on always (kho_alloc_preserve at fs_initcall; kho-v2+ are 7.1+),
 * and from finalize on in 6.16-6.18, the only time a kho-v1 map pointer
 * is set (spec 1, 1.1). A map without it (or empty) was not read right:
 * most often a raw image's --base or the page size is wrong. Decided from
 * the data: a kho-v1 FDT with a 0 map pointer is not checked.
 * Not part of ki_map_open: locate ranks stale FDT copies (whose page the
 * map they point to does not hold) by their own rules.
 */
bool ki_map_holds_fdt_page(const struct ki_map *m, const struct ki_kho *k)
{
	/* before finalize (kho-v1, 6.19-7.0) there is no map yet */
	return !k->has_fdt_phys || (k->format == KI_KHO_V1 && !k->map_phys) ||
	       map_covers(m, k->fdt_phys & ~(m->page_size - 1));
}

void ki_map_check_fdt_page(struct ki_map *m, const struct ki_kho *k, struct ki_findings *f)
{
	uint64_t page = k->fdt_phys & ~(m->page_size - 1);

	if (ki_map_holds_fdt_page(m, k))
		return;
	ki_findings_add(f, KI_SEV_ERROR, "fdt-not-preserved", true, page,
			"the memory map at 0x%" PRIx64 " %s the KHO FDT page 0x%" PRIx64
			", which every kernel writing a %s map preserves: the map was not read right (a raw image's --base? the page size, --page-size, now %" PRIu64 "?) or the hand-over is broken",
			k->map_phys, m->total_blocks ? "lists no block covering" : "is empty: no block, not even",
			page, k->compatible, m->page_size);
	m->errors++;
}

/* Decode a radix map with a given depth into a fresh findings list. */
static struct ki_error *radix_try(struct ki_dump *d, uint64_t root, uint64_t ps,
				  unsigned int depth, struct ki_findings *f,
				  struct ki_map **ret)
{
	struct ki_error *err = ki_radix_collect(d, root, ps, depth, f, ret);

	if (!err)
		ki_map_count(*ret, f);
	return err;
}

static void move_findings(struct ki_findings *to, struct ki_findings *from)
{
	for (size_t i = 0; i < from->n; i++) {
		const struct ki_finding *x = &from->items[i];

		ki_findings_add(to, x->severity, x->id, x->has_paddr, x->paddr, "%s",
				x->message);
	}
	to->dropped += from->dropped;
	ki_findings_deinit(from);
}

/*
 * 16 KiB pages: kernels before the 7.1 depth fix wrote a 4-level tree, later
 * ones 5 levels, under the same compatible. Take the fixed depth unless only
 * the short one decodes cleanly.
 */
static struct ki_error *radix_open(struct ki_dump *d, uint64_t ps, const struct ki_kho *k,
				   const struct ki_map_options *mo,
				   struct ki_findings *f, struct ki_map **ret)
{
	unsigned int psh = (unsigned int)__builtin_ctzll(ps | (UINT64_C(1) << 63));
	unsigned int fixed = ki_radix_fixed_depth(psh);
	struct ki_findings f5, f4;
	struct ki_map *m5 = NULL, *m4 = NULL;
	struct ki_error *err;

	if (mo->radix_depth || psh != 14) {
		err = radix_try(d, k->map_phys, ps, mo->radix_depth ? mo->radix_depth : fixed,
				f, ret);
		if (!err)
			(*ret)->depth_source = mo->radix_depth ? "--radix-depth" : "page size";
		return err;
	}
	ki_findings_init(&f5);
	ki_findings_init(&f4);
	err = radix_try(d, k->map_phys, ps, fixed, &f5, &m5);
	/* kho-v4 is 7.2+: every such kernel has the depth fix, so a short
	 * tree under it is not a reading to fall back on */
	if (!err && (m5->errors || f5.counts[KI_SEV_ERROR]) && k->format != KI_KHO_V4)
		err = radix_try(d, k->map_phys, ps, fixed - 1, &f4, &m4);
	/*
	 * The short tree is structurally sound (every pointer, index and
	 * page checks out); its only errors may be order-0 keys that lost
	 * their marker bit and decode to impossible orders: the bug itself.
	 */
	if (!err && m4 && m4->errors == m4->key_errors &&
	    m5->errors > m5->key_errors) {
		m4->depth_source = "data (the 5-level reading fails; the short pre-7.1 tree is sound)";
		ki_findings_add(f, KI_SEV_WARNING, "radix-short-tree", true, k->map_phys,
				"radix tree at 0x%" PRIx64 " has %u levels, not %u: written by a kernel with the 16 KiB depth bug fixed in 7.1 (d64b0372); its order-0 marker bit was dropped, so order-0 blocks cannot be recovered faithfully (they show as wrong orders and addresses)",
				k->map_phys, fixed - 1, fixed);
		move_findings(f, &f4);
		ki_findings_deinit(&f5);
		ki_map_destroy(m5);
		*ret = m4;
		return NULL;
	}
	ki_map_destroy(m4);
	ki_findings_deinit(&f4);
	if (err) {
		ki_map_destroy(m5);
		ki_findings_deinit(&f5);
		return err;
	}
	m5->depth_source = "page size (7.1+ depth for 16 KiB pages)";
	move_findings(f, &f5);
	*ret = m5;
	return NULL;
}

/*
 * A map with errors at the page size in use: would another page size
 * decode it cleanly (at its own depth, the FDT page preserved)? Then say
 * which: the page size was most likely wrong (given, or assumed).
 */
static void hint_page_size(struct ki_dump *d, uint64_t saved, const struct ki_kho *k,
			   struct ki_map *m, struct ki_findings *f)
{
	char sizes[48] = "";
	size_t n = 0;

	if (!m->errors || k->format == KI_KHO_V1)
		return;
	for (uint64_t ps = 4096; ps <= 65536; ps <<= 2) {
		struct ki_findings tf;
		struct ki_map *t = NULL;
		struct ki_error *err;

		if (ps == saved)
			continue;
		ki_findings_init(&tf);
		err = radix_try(d, k->map_phys, ps,
				ki_radix_fixed_depth((unsigned int)__builtin_ctzll(ps)), &tf, &t);
		if (!err && !t->errors && !tf.counts[KI_SEV_ERROR] &&
		    ki_map_holds_fdt_page(t, k) && n < sizeof(sizes))
			n += (size_t)snprintf(sizes + n, sizeof(sizes) - n, "%s%" PRIu64,
					      n ? " or " : "", ps);
		ki_error_destroy(err);
		ki_map_destroy(t);
		ki_findings_deinit(&tf);
	}
	if (n)
		ki_findings_add(f, KI_SEV_ERROR, "page-size-contradicted", true, k->map_phys,
				"the memory map at 0x%" PRIx64 " has errors with %" PRIu64 "-byte pages but decodes cleanly, its FDT page preserved, with %s-byte pages: give --page-size %s%s",
				k->map_phys, saved, sizes, sizes,
				k->format == KI_KHO_V4 && saved == 16384 ?
				" (a short 16 KiB tree is impossible under kho-v4: 7.2+ kernels have the depth fix)" : "");
}

struct ki_error *ki_map_open(struct ki_dump *d, const struct ki_kho *k,
			     const struct ki_map_options *mo,
			     struct ki_findings *f, struct ki_map **ret)
{
	uint64_t ps = mo->page_size ? mo->page_size : d->page_size;
	struct ki_error *err;

	if (k->format == KI_KHO_UNKNOWN)
		return ki_error_set_paddr(ki_error_create(KI_ERR_UNSUPPORTED,
				"KHO FDT at paddr 0x%" PRIx64 ": compatible \"%s\" is not a format this build knows (%s); a newer khoinspect may",
				k->fdt_phys, k->compatible, ki_kho_known_formats()), k->fdt_phys);
	if (!k->has_map)
		return ki_error_set_paddr(ki_error_create(KI_ERR_CORRUPT,
				"KHO FDT at paddr 0x%" PRIx64 ": no usable preserved-memory-map property; nothing to walk",
				k->fdt_phys), k->fdt_phys);
	if (k->format != KI_KHO_V1) {
		err = radix_open(d, ps, k, mo, f, ret);
		if (!err && !mo->radix_depth)
			hint_page_size(d, ps, k, *ret, f);
		return err;
	}
	if (k->map_phys == 0)
		ki_findings_add(f, KI_SEV_INFO, "v1-not-finalized", true, k->fdt_phys,
				"kho-v1 preserved-memory-map is 0: nothing has been handed over yet (the hand-over was not finalized; the next kernel would refuse it)");
	err = ki_chunks_collect(d, k->map_phys, ps, mo->v1_bitmap, f, ret);
	if (err)
		return err;
	ki_map_count(*ret, f);
	return NULL;
}
