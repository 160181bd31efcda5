/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A hand-over put together from whatever holds it: a dump (ELF, kdump,
 * raw, or the caller's memory through a read callback), a debugfs copy or
 * a bare FDT file (with or without the memory behind it), or the running
 * kernel. Opening finds the KHO FDT, settles the page size, decodes the
 * map and gathers the scratch areas; what it noticed on the way is in f.
 * The CLI's commands and the public API (khoinspect.h) both use it.
 */
#ifndef KI_HANDOVER_H
#define KI_HANDOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "ki_debugfs.h"
#include "ki_dump.h"
#include "ki_fdt.h"
#include "ki_finding.h"
#include "ki_locate.h"
#include "ki_map.h"

/* Where the running kernel shows itself when nothing else is said. */
#define KI_LIVE_DEBUGFS "/sys/kernel/debug/kho"
#define KI_LIVE_MEM "/proc/kcore"

struct ki_handover_options {
	const char *input;           /* a dump, a debugfs copy, a bare FDT file */
	bool live;                   /* input is the running kernel: */
	const char *live_debugfs;    /*   its debugfs (NULL: KI_LIVE_DEBUGFS) */
	const char *live_mem;        /*   its memory (NULL: KI_LIVE_MEM); also
				      *   what --mem is compared with to tell
				      *   the running kernel's memory */
	struct ki_dump_options dump;
	/* fdt_phys, map options, and the progress of scans (the caller's
	 * callback; the library never prints) */
	struct ki_locate_options loc;
	const char *mem;             /* memory for a debugfs or FDT input */
	const struct ki_scratch *scratch; /* given scratch areas (kept by the caller) */
	size_t nscratch;
};

/* Everything found in the input, whatever it was. */
struct ki_handover {
	const char *input;           /* as given ("live" for the running kernel) */
	const char *container;       /* "elf", "kdump", "raw", "debugfs", "fdt", "reader" */
	struct ki_dump *d;           /* memory, or NULL */
	struct ki_debugfs *dbg;      /* debugfs or bare FDT input, or NULL */
	struct ki_kho *k;
	struct ki_map *m;            /* NULL when there is no memory to walk */
	char *found_by;
	const struct ki_scratch *scratch;
	size_t nscratch;
	const char *scratch_source;
	struct ki_scratch_found scratch_found; /* from setup_data or a DTB */
	bool incoming_consumed;      /* in/ whose blocks this memory cannot show */
	struct ki_findings f;
};

/* Whether path names a debugfs directory or a bare FDT file (what
 * ki_handover_open reads as a copy rather than a dump). */
bool ki_handover_is_blob_input(const char *path);

/* Can the running kernel's memory (path) be read? The error says what is
 * missing. */
struct ki_error *ki_handover_live_mem_check(const char *path);

/*
 * Open o->input into h (caller-owned, initialised here). On error h holds
 * what was gathered (h->d is the dump opened, so its container findings can
 * explain the failure) and must still be closed with ki_handover_deinit.
 */
struct ki_error *ki_handover_open(const struct ki_handover_options *o,
				  struct ki_handover *h);
/*
 * The same over a dump the caller made (a read callback: dump_reader.c):
 * it takes d over, also on error. fdt_phys from o->loc, or a scan of d.
 */
struct ki_error *ki_handover_open_dump(const struct ki_handover_options *o,
				       struct ki_dump *d, struct ki_handover *h);
void ki_handover_deinit(struct ki_handover *h);

#endif
