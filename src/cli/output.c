// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <string.h>

#include "ki_finding.h"
#include "ki_output.h"

/* Same id (static strings, compared by content too), and severity when
 * by_sev. */
static bool same_kind(const struct ki_finding *a, const struct ki_finding *b, bool by_sev)
{
	return (!by_sev || a->severity == b->severity) &&
	       (a->id == b->id || !strcmp(a->id, b->id));
}

/* The position of x among the findings of its kind before it, and (when
 * total) how many there are in all; over every list. */
static size_t kind_rank(const struct ki_findings *const *fs, size_t nfs,
			const struct ki_finding *x, bool by_sev, size_t *total)
{
	size_t rank = 0, n = 0;
	bool before = true;

	for (size_t k = 0; k < nfs; k++) {
		for (size_t i = 0; i < fs[k]->n; i++) {
			const struct ki_finding *y = &fs[k]->items[i];

			if (y == x)
				before = false;
			if (!same_kind(x, y, by_sev))
				continue;
			if (before)
				rank++;
			n++;
			if (!total && !before)
				return rank;
		}
	}
	if (total)
		*total = n;
	return rank;
}

void ki_json_findings(struct ki_json *j, const struct ki_findings *const *fs,
		      size_t nfs)
{
	ki_json_key(j, "findings");
	ki_json_begin_array(j);
	for (size_t k = 0; k < nfs; k++) {
		for (size_t i = 0; i < fs[k]->n; i++) {
			const struct ki_finding *f = &fs[k]->items[i];

			if (kind_rank(fs, nfs, f, false, NULL) >= KI_JSON_FINDINGS_PER_ID)
				continue;
			ki_json_begin_object(j);
			ki_json_kv_string(j, "id", f->id);
			ki_json_kv_string(j, "severity", ki_severity_name(f->severity));
			ki_json_kv_string(j, "message", f->message);
			ki_json_key(j, "phys");
			if (f->has_paddr)
				ki_json_hex(j, f->paddr);
			else
				ki_json_null(j);
			ki_json_end_object(j);
		}
		if (fs[k]->dropped) {
			ki_json_begin_object(j);
			ki_json_kv_string(j, "id", "findings-truncated");
			ki_json_kv_string(j, "severity", "warning");
			ki_json_key(j, "message");
			{
				char msg[96];

				snprintf(msg, sizeof(msg), "%zu more findings not listed",
					 fs[k]->dropped);
				ki_json_string(j, msg);
			}
			ki_json_kv_string(j, "phys", NULL);
			ki_json_end_object(j);
		}
	}
	ki_json_end_array(j);
	/* one member per id over the cap, at its first finding */
	ki_json_key(j, "findings_capped");
	ki_json_begin_object(j);
	for (size_t k = 0; k < nfs; k++) {
		for (size_t i = 0; i < fs[k]->n; i++) {
			const struct ki_finding *f = &fs[k]->items[i];
			size_t n;

			if (kind_rank(fs, nfs, f, false, &n) == 0 && n > KI_JSON_FINDINGS_PER_ID)
				ki_json_kv_uint(j, f->id, n - KI_JSON_FINDINGS_PER_ID);
		}
	}
	ki_json_end_object(j);
}

static void text_one(FILE *fp, const struct ki_finding *f, enum ki_text_style style,
		     const char *on, const char *off)
{
	if (style == KI_TEXT_SEVERITY)
		fprintf(fp, "  %-7s %s%s%s: %s\n", ki_severity_name(f->severity), on, f->id, off,
			f->message);
	else if (f->has_paddr)
		fprintf(fp, "  %s%s%s at 0x%" PRIx64 ": %s\n", on, f->id, off, f->paddr, f->message);
	else
		fprintf(fp, "  %s%s%s: %s\n", on, f->id, off, f->message);
}

/* "ID: N times, at 0xA, 0xB, 0xC, …; the first: message" (distinct
 * addresses, in order) */
static void text_group(FILE *fp, const struct ki_findings *const *fs, size_t nfs,
		       const struct ki_finding *first, size_t n, enum ki_text_style style,
		       const char *on, const char *off)
{
	uint64_t seen[KI_TEXT_GROUP_AFTER];
	size_t shown = 0;

	if (style == KI_TEXT_SEVERITY)
		fprintf(fp, "  %-7s ", ki_severity_name(first->severity));
	else
		fprintf(fp, "  ");
	fprintf(fp, "%s%s%s: %zu times", on, first->id, off, n);
	for (size_t k = 0; k < nfs && shown <= KI_TEXT_GROUP_AFTER; k++) {
		for (size_t i = 0; i < fs[k]->n && shown <= KI_TEXT_GROUP_AFTER; i++) {
			const struct ki_finding *y = &fs[k]->items[i];

			bool dup = false;

			if (!same_kind(first, y, true) || !y->has_paddr)
				continue;
			for (size_t s = 0; s < shown && s < KI_TEXT_GROUP_AFTER; s++)
				dup |= seen[s] == y->paddr;
			if (dup)
				continue;
			if (shown == KI_TEXT_GROUP_AFTER) {
				fprintf(fp, ", …");
			} else {
				fprintf(fp, "%s0x%" PRIx64, shown ? ", " : ", at ", y->paddr);
				seen[shown] = y->paddr;
			}
			shown++;
		}
	}
	fprintf(fp, "; the first: %s\n", first->message);
}

size_t ki_text_findings(FILE *fp, const struct ki_findings *const *fs, size_t nfs,
			int sev, enum ki_text_style style, const char *on, const char *off)
{
	size_t lines = 0;

	for (size_t k = 0; k < nfs; k++) {
		for (size_t i = 0; i < fs[k]->n; i++) {
			const struct ki_finding *f = &fs[k]->items[i];
			size_t n, rank;

			if (sev >= 0 && f->severity != (enum ki_severity)sev)
				continue;
			rank = kind_rank(fs, nfs, f, true, &n);
			if (n <= KI_TEXT_GROUP_AFTER) {
				text_one(fp, f, style, on, off);
				lines++;
			} else if (rank == 0) {
				text_group(fp, fs, nfs, f, n, style, on, off);
				lines++;
			}
		}
	}
	return lines;
}
