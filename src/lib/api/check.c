// SPDX-License-Identifier: GPL-2.0-or-later
/* The public API's checks against a manifest, snapshots and diffs. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ki_against.h"
#include "ki_api.h"
#include "ki_manifest.h"

/* As `khoinspect verify --against` (cmd_verify.c): h's memory only (its
 * own map is not read: the next kernel reuses its pages). */
KHOINSPECT_EXPORT struct khoinspect_error *khoinspect_verify_against(struct khoinspect_handover *h,
								     const char *manifest,
								     unsigned int flags,
								     struct khoinspect_findings **ret)
{
	const struct ki_findings *fs[2];
	struct ki_against_stats st = { 0 };
	struct ki_manifest *m = NULL;
	struct ki_findings f;
	struct khoinspect_error *e;
	unsigned long n0 = ki_nomem_count();
	bool present_only = flags & KHOINSPECT_AGAINST_PRESENT_ONLY;
	char why[800];
	size_t nerr;

	if (!ret)
		return ki_api_usage("khoinspect_verify_against: ret is NULL");
	*ret = NULL;
	if (!h || !manifest)
		return ki_api_usage("khoinspect_verify_against: %s is NULL",
				    !h ? "the hand-over" : "the manifest");
	if (flags & ~(unsigned int)KHOINSPECT_AGAINST_PRESENT_ONLY)
		return ki_api_usage("khoinspect_verify_against: unknown flags 0x%x", flags);
	if (!h->h.d)
		return ki_api_usage("%s: no memory to check against %s: open it with the mem option",
				    h->h.input, manifest);
	e = ki_api_error(ki_manifest_open(manifest, &m));
	if (e)
		return e;
	ki_findings_init(&f);
	if (h->h.d->page_size != m->page_size)
		ki_findings_add(&f, KI_SEV_WARNING, "page-size-differs", false, 0,
				"the dump's page size %" PRIu64 " is not the manifest's %" PRIu64,
				h->h.d->page_size, m->page_size);
	e = ki_api_error(ki_against(h->h.d, m, &f, &st));
	if (!e) {
		bool incomplete = ki_against_incomplete(m, &st, present_only, why, sizeof(why));

		/* what could not be checked, said as the command says it */
		if (incomplete)
			ki_findings_add(&f, KI_SEV_INFO, "incomplete", false, 0, "%s", why);
		fs[0] = &h->h.d->findings;
		fs[1] = &f;
		nerr = fs[0]->counts[KI_SEV_ERROR] + fs[1]->counts[KI_SEV_ERROR];
		e = ki_api_nomem_since(n0, NULL);
		if (!e)
			e = ki_api_findings(fs, 2, nerr ? KHOINSPECT_FAIL :
					    incomplete ? KHOINSPECT_INCOMPLETE : KHOINSPECT_PASS, ret);
	}
	ki_findings_deinit(&f);
	ki_manifest_close(m);
	return e;
}

/*
 * Snapshots and diffs need the manifest writer and the diff engine in the
 * library; until they are there, these say so.
 */
static struct khoinspect_error *not_yet(const char *what)
{
	return ki_api_create(KHOINSPECT_ERR_UNSUPPORTED,
			     "%s is not in this build of libkhoinspect yet; use khoinspect(1)", what);
}

KHOINSPECT_EXPORT struct khoinspect_error *khoinspect_snapshot(struct khoinspect_handover *h,
							       const char *path, unsigned int flags)
{
	if (!h || !path)
		return ki_api_usage("khoinspect_snapshot: %s is NULL", !h ? "the hand-over" : "path");
	if (flags)
		return ki_api_usage("khoinspect_snapshot: unknown flags 0x%x", flags);
	return not_yet("khoinspect_snapshot");
}

KHOINSPECT_EXPORT struct khoinspect_error *khoinspect_diff(const char *a, const char *b,
							   const struct khoinspect_open_options *opts,
							   unsigned int flags, khoinspect_diff_fn fn,
							   void *arg, enum khoinspect_result *result)
{
	(void)opts;
	(void)flags;
	(void)fn;
	(void)arg;
	if (!a || !b || !result)
		return ki_api_usage("khoinspect_diff: %s is NULL", !a ? "a" : !b ? "b" : "result");
	*result = KHOINSPECT_INCOMPLETE;
	return not_yet("khoinspect_diff");
}

KHOINSPECT_EXPORT struct khoinspect_error *khoinspect_diff_handovers(struct khoinspect_handover *a,
								     struct khoinspect_handover *b,
								     unsigned int flags,
								     khoinspect_diff_fn fn, void *arg,
								     enum khoinspect_result *result)
{
	(void)flags;
	(void)fn;
	(void)arg;
	if (!a || !b || !result)
		return ki_api_usage("khoinspect_diff_handovers: %s is NULL",
				    !a ? "a" : !b ? "b" : "result");
	*result = KHOINSPECT_INCOMPLETE;
	return not_yet("khoinspect_diff_handovers");
}
