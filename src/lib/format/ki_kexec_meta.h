/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kexec-metadata sub-blob (7.1+): which kernel wrote the hand-over. */
#ifndef KI_KEXEC_META_H
#define KI_KEXEC_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ki_error.h"

/* Packed: u32 version (1), char previous_release[65], u32 kexec_count. */
enum { KI_KEXEC_META_SIZE = 73, KI_KEXEC_META_RELEASE = 65 };

struct ki_kexec_meta {
	uint32_t version;
	char release[KI_KEXEC_META_RELEASE + 1]; /* always NUL-terminated */
	bool release_terminated;                 /* was NUL-terminated in the blob */
	uint32_t kexec_count;
};

struct ki_error *ki_kexec_meta_decode(const void *buf, size_t len,
				      bool big_endian,
				      struct ki_kexec_meta *ret);

#endif
