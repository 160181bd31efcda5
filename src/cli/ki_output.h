/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output: findings as text and as JSON (the JSON writer itself is
 * src/lib/base/json.c, ki_json.h).
 */
#ifndef KI_OUTPUT_H
#define KI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ki_json.h"

struct ki_findings;
/* Findings of one id kept in the JSON array; the rest are counted in
 * "findings_capped". */
enum { KI_JSON_FINDINGS_PER_ID = 100 };
/* "findings": [{"id", "severity", "message", "phys"}…] from several lists,
 * at most KI_JSON_FINDINGS_PER_ID of one id, with a
 * findings-truncated entry where a list dropped some; then
 * "findings_capped": {id: findings left out by that cap}. */
void ki_json_findings(struct ki_json *j, const struct ki_findings *const *fs,
		      size_t nfs);

/* More than this many findings of one id and severity are one text line. */
enum { KI_TEXT_GROUP_AFTER = 3 };
enum ki_text_style {
	KI_TEXT_SEVERITY,    /* "  error   ID: message" */
	KI_TEXT_AT,          /* "  ID at 0xPHYS: message" */
};
/*
 * The findings of several lists as text on fp, those of severity sev only
 * (sev < 0: all), in order; an id and severity seen more than
 * KI_TEXT_GROUP_AFTER times is one line at its first place: the count, the
 * first addresses and the first message. Each id is put between on and
 * off (colour codes, or "" for none). Returns the lines printed.
 */
size_t ki_text_findings(FILE *fp, const struct ki_findings *const *fs, size_t nfs,
			int sev, enum ki_text_style style, const char *on, const char *off);

#endif
