/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing a snapshot manifest (khoinspect_manifest 3, read back by
 * ki_manifest.h): the compatible, the FDT and sub-blobs with XXH3-128
 * hashes, the scratch areas and every range per order then by address,
 * with a content hash or the first address the dump lacks; ranges without
 * content as compact [start, blocks] groups. Memory does not grow with the
 * number of ranges. Nothing is printed: progress goes to a callback, what
 * the manifest lacks to the caller.
 */
#ifndef KI_MANIFEST_WRITE_H
#define KI_MANIFEST_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ki_error.h"

struct ki_dump;
struct ki_debugfs;
struct ki_kho;
struct ki_map;
struct ki_scratch;

/* The opened hand-over the manifest records. */
struct ki_manifest_source {
	const char *path;            /* the input as named ("input"."path") */
	const char *container;       /* "elf", "kdump", "raw", "debugfs", "fdt" */
	struct ki_dump *d;           /* the memory: required */
	const struct ki_debugfs *dbg;/* a debugfs copy's blobs, or NULL */
	const struct ki_kho *k;
	struct ki_map *m;            /* the decoded map: required */
	const struct ki_scratch *scratch;
	size_t nscratch;
	const char *scratch_source;
	size_t map_errors;           /* error findings of opening and decoding */
};

struct ki_manifest_write_options {
	bool hash;                   /* hash the preserved memory (else not_hashed) */
	bool pretty;                 /* indented JSON */
	const char *generator;       /* "generator", e.g. "khoinspect 0.1.0" */
	/* hashing progress, bytes done of total (from the writing thread);
	 * NULL: none */
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *progress_arg;
};

/* Why a manifest is not a whole record of the hand-over (its
 * "incomplete"); all zero: complete. */
struct ki_manifest_lacks {
	size_t map_errors;
	uint64_t missing_blocks;     /* blocks not in the dump from their first byte */
	uint64_t partial_ranges;     /* ranges read only in part */
	size_t blobs_unread;
};

static inline bool ki_manifest_lacks_any(const struct ki_manifest_lacks *l)
{
	return l->map_errors || l->missing_blocks || l->partial_ranges || l->blobs_unread;
}

/*
 * The manifest of src to fp, whole (a manifest that lacks something is
 * still written, and says so in it and in *ret). An error: nothing usable
 * was written (out of memory on the way, a write to fp failed: the error
 * then names no path, the caller adds it).
 */
struct ki_error *ki_manifest_write(FILE *fp, const struct ki_manifest_source *src,
				   const struct ki_manifest_write_options *o,
				   struct ki_manifest_lacks *ret);

/*
 * A manifest's destination. A regular file (through a symlink: its
 * target), or a name that does not exist yet, is written as a temporary
 * file beside it that ki_manifest_out_commit renames into place; a
 * device, FIFO or socket (/dev/null, a pipe) is written directly. Refused
 * (KI_ERR_USAGE): a directory, or the same file as one of inputs[] (NULL
 * entries skipped) or a file inside one that is a directory.
 */
struct ki_manifest_out;
struct ki_error *ki_manifest_out_open(const char *path, const char *const *inputs,
				      size_t ninputs, struct ki_manifest_out **ret);
FILE *ki_manifest_out_file(const struct ki_manifest_out *o);
/* The temporary file while it exists (a signal handler may unlink it), or NULL. */
const char *ki_manifest_out_temp(const struct ki_manifest_out *o);
/* Close and put in place; an error leaves nothing behind. */
struct ki_error *ki_manifest_out_commit(struct ki_manifest_out *o);
/* Free; a temporary file not committed is removed. NULL: no-op. */
void ki_manifest_out_destroy(struct ki_manifest_out *o);

/*
 * All of it: out_open, write, commit, destroy. A manifest that lacks
 * something is put in place (*ret says what); on an error nothing is.
 */
struct ki_error *ki_manifest_write_path(const char *path, const char *const *inputs,
					size_t ninputs, const struct ki_manifest_source *src,
					const struct ki_manifest_write_options *o,
					struct ki_manifest_lacks *ret);

#endif
