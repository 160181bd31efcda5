/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A copy of /sys/kernel/debug/kho (or its out/ or in/), or a bare FDT file. */
#ifndef KI_DEBUGFS_H
#define KI_DEBUGFS_H

#include <stddef.h>
#include <stdint.h>

#include "ki_error.h"
#include "ki_finding.h"

struct ki_blobfile {
	char *name;
	unsigned char *data;
	size_t len;
};

struct ki_scratch {
	uint64_t addr, size;
};

/*
 * Which hand-over a directory shows: out/ is this kernel's (a first kernel
 * has out/fdt; a kernel booted through KHO has none: its outgoing FDT is
 * only in memory), in/ the one it received and consumed at boot.
 */
enum ki_debugfs_side {
	KI_DEBUGFS_PLAIN = 0,   /* a bare FDT file, or a directory that says neither */
	KI_DEBUGFS_OUT,
	KI_DEBUGFS_IN,
};

struct ki_debugfs {
	char *dir;              /* the directory the files came from */
	enum ki_debugfs_side side;
	char *in_dir;           /* the kho root was given: its in/, when it has an fdt */
	char *fdt_path;         /* NULL: the directory has no fdt (out/ after a KHO boot) */
	unsigned char *fdt;     /* root FDT file contents */
	size_t fdt_len;
	uint32_t fdt_totalsize; /* its header's totalsize (0: no FDT header) */
	bool fdt_truncated;     /* shorter than that: debugfs sized it before it grew */
	struct ki_blobfile *subs;   /* sub_fdts/<name> */
	size_t nsubs;
	struct ki_scratch *scratch;
	size_t nscratch;
	const char *scratch_source; /* "debugfs scratch_phys/scratch_len", the 7.4
				     * names bootmem_phys/bootmem_len, or NULL */
};

/* Limits: what debugfs shows is small; anything larger is not it. */
enum { KI_DEBUGFS_BLOB_MAX = 1 << 20, KI_DEBUGFS_MAX_SUBS = 1024,
       KI_SCRATCH_MAX = 4096 };

/*
 * Read PATH: a kho debugfs directory (the root, out/ or in/), or a bare FDT
 * file. The root gives its out/ when there is one (this kernel's
 * hand-over), else its in/. A truncated or missing fdt is recorded, not an
 * error (the FDT may be read from memory). Problems with optional files
 * become findings.
 */
struct ki_error *ki_debugfs_read(const char *path, struct ki_findings *f,
				 struct ki_debugfs **ret);
void ki_debugfs_destroy(struct ki_debugfs *dbg);
/* Parse "0x…\n" lines (scratch_phys / scratch_len); at most max values. */
struct ki_error *ki_parse_hex_lines(const char *text, size_t len, uint64_t *vals,
				    size_t max, size_t *n_ret);
/* Parse --scratch ADDR:SIZE[,ADDR:SIZE…] */
struct ki_error *ki_parse_scratch_arg(const char *arg, struct ki_scratch **ret,
				      size_t *n_ret);
/* Whether path is a directory. */
bool ki_is_dir(const char *path);

#endif
