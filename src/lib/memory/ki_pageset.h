/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A set of page addresses (open addressing), for "visited" checks. */
#ifndef KI_PAGESET_H
#define KI_PAGESET_H

#include <stddef.h>
#include <stdint.h>

struct ki_pageset {
	uint64_t *slots; /* 0 = empty; addresses are stored + 1 */
	size_t n, cap;
};

/* 1 if added, 0 if already present, -1 on allocation failure. */
int ki_pageset_add(struct ki_pageset *s, uint64_t pa);
void ki_pageset_deinit(struct ki_pageset *s);

#endif
