/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every command that reads a hand-over shares: the input options, and
 * opening a dump, a debugfs copy, a bare FDT or "live" into the library's
 * hand-over object (ki_handover.h).
 */
#ifndef KI_INPUT_H
#define KI_INPUT_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "ki_debugfs.h"
#include "ki_dump.h"
#include "ki_fdt.h"
#include "ki_finding.h"
#include "ki_handover.h"
#include "ki_locate.h"
#include "ki_map.h"

struct ki_input_opts {
	struct ki_dump_options dump;
	struct ki_locate_options loc;
	const char *input;
	const char *mem;             /* --mem: memory for a debugfs/FDT input */
	struct ki_scratch *scratch;  /* --scratch */
	size_t nscratch;
	bool no_progress;            /* no scan progress on stderr (another thread's) */
};

enum {
	KI_OPT_FORMAT = 300, KI_OPT_BASE, KI_OPT_PAGE_SIZE, KI_OPT_MEM,
	KI_OPT_FDT_PHYS, KI_OPT_SCRATCH, KI_OPT_DEPTH, KI_OPT_V1_BITMAP,
};

/* getopt_long entries for the input options (spliced into each command's). */
#define KI_INPUT_LONGOPTS \
	{ "format", required_argument, NULL, KI_OPT_FORMAT }, \
	{ "base", required_argument, NULL, KI_OPT_BASE }, \
	{ "page-size", required_argument, NULL, KI_OPT_PAGE_SIZE }, \
	{ "mem", required_argument, NULL, KI_OPT_MEM }, \
	{ "fdt-phys", required_argument, NULL, KI_OPT_FDT_PHYS }, \
	{ "scratch", required_argument, NULL, KI_OPT_SCRATCH }, \
	{ "radix-depth", required_argument, NULL, KI_OPT_DEPTH }, \
	{ "v1-bitmap", required_argument, NULL, KI_OPT_V1_BITMAP }

/* The help text of those options, for COMMAND --help. */
extern const char ki_input_help[];
/* The INPUT paragraph of COMMAND --help. */
extern const char ki_input_kinds_help[];

/* Scan progress on stderr: at most once a second, on a terminal. */
struct ki_progress {
	bool on;
	time_t last;
	bool printed;
};
void ki_progress_show(void *arg, uint64_t done, uint64_t total);
void ki_progress_end(struct ki_progress *p);

/* 1 if opt was an input option (handled), 0 if not, -1 after a usage error. */
int ki_input_option(const char *cmd, int opt, const char *arg,
		    struct ki_input_opts *o);
/* The running kernel's debugfs and memory ("live"; the environment
 * variables KHOINSPECT_LIVE_DEBUGFS and KHOINSPECT_LIVE_MEM override them). */
const char *ki_live_debugfs(void);
const char *ki_live_mem(void);
/* Can the running kernel's memory be read? The error says what is missing. */
struct ki_error *ki_live_mem_check(void);

/* Open o->input (ki_handover_open with "live" resolved, progress on
 * stderr, and the container's warnings on stderr when opening fails); on
 * error the partial state is still closed by close. */
struct ki_error *ki_input_open(struct ki_input_opts *o, struct ki_handover *in);
void ki_input_close(struct ki_handover *in, struct ki_input_opts *o);

#endif
