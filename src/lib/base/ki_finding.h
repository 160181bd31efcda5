/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Findings: what a decoder noticed but could continue past. */
#ifndef KI_FINDING_H
#define KI_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ki_severity { KI_SEV_INFO, KI_SEV_WARNING, KI_SEV_ERROR };

struct ki_finding {
	const char *id;          /* stable id, e.g. "map-cycle" */
	enum ki_severity severity;
	bool has_paddr;
	uint64_t paddr;
	char *message;
};

struct ki_findings {
	struct ki_finding *items;
	size_t n, cap;
	size_t dropped;          /* findings beyond the cap, counted only */
	size_t counts[3];        /* per severity, dropped ones included */
};

/*
 * At most this many findings are kept; the rest are only counted. The
 * fuzz builds keep fewer (-DKI_FINDINGS_KEEP=N): formatting a thousand
 * findings of one damaged input costs more than decoding it.
 */
#ifndef KI_FINDINGS_KEEP
#define KI_FINDINGS_KEEP 1000
#endif
enum { KI_FINDINGS_MAX = KI_FINDINGS_KEEP };
enum { KI_NO_PADDR = 0 };

void ki_findings_init(struct ki_findings *f);
void ki_findings_deinit(struct ki_findings *f);
/* Never fails: on allocation failure the finding is counted as dropped. */
void ki_findings_add(struct ki_findings *f, enum ki_severity sev,
		     const char *id, bool has_paddr, uint64_t paddr,
		     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Append from's findings to to, as if they had been added to it (the cap
 * and the counts included); from is left empty. */
void ki_findings_move(struct ki_findings *to, struct ki_findings *from);
const char *ki_severity_name(enum ki_severity sev);

#endif
