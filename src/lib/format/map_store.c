// SPDX-License-Identifier: GPL-2.0-or-later
/* The map's storage (ki_map_store.h): what the decoders fill. */
#include <stdlib.h>

#include "ki_map_store.h"

struct ki_error *ki_map_create(const char *kind, struct ki_dump *d, uint64_t root,
			       uint64_t page_size, struct ki_map **ret)
{
	struct ki_map *m = calloc(1, sizeof(*m));

	if (!m)
		return &ki_enomem;
	m->kind = kind;
	m->dump = d;
	m->root = root;
	m->page_size = page_size;
	m->page_shift = (unsigned int)__builtin_ctzll(page_size | (UINT64_C(1) << 63));
	*ret = m;
	return NULL;
}

struct ki_error *ki_map_add_leaf(struct ki_map *m, const struct ki_leaf *l)
{
	if (m->nleaves == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		void *p = reallocarray(m->leaves, cap, sizeof(*m->leaves));

		if (!p)
			return &ki_enomem;
		m->leaves = p;
		m->cap = cap;
	}
	m->leaves[m->nleaves++] = *l;
	return NULL;
}

struct ki_error *ki_map_add_page(struct ki_map *m, uint64_t pa)
{
	if (m->npages == m->pages_cap) {
		size_t cap = m->pages_cap ? m->pages_cap * 2 : 64;
		void *p = reallocarray(m->pages, cap, sizeof(*m->pages));

		if (!p)
			return &ki_enomem;
		m->pages = p;
		m->pages_cap = cap;
	}
	m->pages[m->npages++] = pa;
	return NULL;
}

static int leaf_cmp(const void *a, const void *b)
{
	const struct ki_leaf *x = a, *y = b;

	if (x->invalid != y->invalid)
		return x->invalid ? 1 : -1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	if (x->phys_base != y->phys_base)
		return x->phys_base < y->phys_base ? -1 : 1;
	return 0;
}

void ki_map_sort_leaves(struct ki_map *m)
{
	if (m->nleaves > 1)
		qsort(m->leaves, m->nleaves, sizeof(*m->leaves), leaf_cmp);
}

void ki_map_destroy(struct ki_map *m)
{
	if (!m)
		return;
	free(m->leaves);
	free(m->pages);
	free(m);
}
