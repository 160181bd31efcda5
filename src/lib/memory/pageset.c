// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>

#include "ki_pageset.h"

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return x;
}

int ki_pageset_add(struct ki_pageset *s, uint64_t pa)
{
	uint64_t v = pa + 1;
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *slots = calloc(cap, sizeof(*slots));

		if (!slots)
			return -1;
		for (size_t j = 0; j < s->cap; j++) {
			if (!s->slots[j])
				continue;
			i = mix(s->slots[j]) & (cap - 1);
			while (slots[i])
				i = (i + 1) & (cap - 1);
			slots[i] = s->slots[j];
		}
		free(s->slots);
		s->slots = slots;
		s->cap = cap;
	}
	i = mix(v) & (s->cap - 1);
	while (s->slots[i]) {
		if (s->slots[i] == v)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->slots[i] = v;
	s->n++;
	return 1;
}

void ki_pageset_deinit(struct ki_pageset *s)
{
	free(s->slots);
	s->slots = NULL;
	s->n = s->cap = 0;
}
