// SPDX-License-Identifier: GPL-2.0-or-later
/* Findings handed out by the public API (copies), and verify. */
#include <stdlib.h>
#include <string.h>

#include "ki_api.h"
#include "ki_verify.h"

static void findings_free(struct khoinspect_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free((char *)(uintptr_t)f->v[i].id);
		free((char *)(uintptr_t)f->v[i].message);
	}
	free(f->v);
	free(f);
}

struct khoinspect_error *ki_api_findings(const struct ki_findings *const *fs, size_t nfs,
					 enum khoinspect_result result,
					 struct khoinspect_findings **ret)
{
	struct khoinspect_findings *f = calloc(1, sizeof(*f));
	size_t n = 0;

	*ret = NULL;
	if (!f)
		return ki_api_error(&ki_enomem);
	for (size_t k = 0; k < nfs; k++)
		n += fs[k]->n;
	f->result = result;
	f->v = calloc(n ? n : 1, sizeof(*f->v));
	if (!f->v) {
		free(f);
		return ki_api_error(&ki_enomem);
	}
	for (size_t k = 0; k < nfs; k++) {
		for (size_t i = 0; i < fs[k]->n; i++) {
			const struct ki_finding *it = &fs[k]->items[i];
			struct khoinspect_finding *o = &f->v[f->n];

			o->id = strdup(it->id);
			o->message = strdup(it->message);
			o->severity = it->severity == KI_SEV_ERROR ? KHOINSPECT_ERROR :
				      it->severity == KI_SEV_WARNING ? KHOINSPECT_WARNING : KHOINSPECT_INFO;
			o->has_phys = it->has_paddr;
			o->phys = it->paddr;
			f->n++;
			if (!o->id || !o->message) {
				findings_free(f);
				return ki_api_error(&ki_enomem);
			}
		}
	}
	*ret = f;
	return NULL;
}

void ki_api_findings_copy(struct ki_findings *to, const struct ki_findings *from)
{
	size_t kept[3] = { 0 };

	for (size_t i = 0; i < from->n; i++) {
		const struct ki_finding *it = &from->items[i];

		ki_findings_add(to, it->severity, it->id, it->has_paddr, it->paddr, "%s",
				it->message);
		kept[it->severity]++;
	}
	/* the ones the cap dropped: counted only */
	for (int s = 0; s < 3; s++)
		to->counts[s] += from->counts[s] - kept[s];
	to->dropped += from->dropped;
}

KHOINSPECT_EXPORT size_t khoinspect_findings_count(const struct khoinspect_findings *f)
{
	return f ? f->n : 0;
}

KHOINSPECT_EXPORT const struct khoinspect_finding *khoinspect_findings_get(const struct khoinspect_findings *f,
									    size_t i)
{
	return f && i < f->n ? &f->v[i] : NULL;
}

KHOINSPECT_EXPORT enum khoinspect_result khoinspect_findings_result(const struct khoinspect_findings *f)
{
	return f ? f->result : KHOINSPECT_INCOMPLETE;
}

KHOINSPECT_EXPORT void khoinspect_findings_free(struct khoinspect_findings *f)
{
	if (f)
		findings_free(f);
}

KHOINSPECT_EXPORT struct khoinspect_error *khoinspect_open_findings(const struct khoinspect_handover *h,
								    struct khoinspect_findings **ret)
{
	static const struct ki_findings none;
	const struct ki_findings *fs[2];

	if (!ret)
		return ki_api_usage("khoinspect_open_findings: ret is NULL");
	*ret = NULL;
	if (!h)
		return ki_api_usage("khoinspect_open_findings: the hand-over is NULL");
	fs[0] = h->h.d ? &h->h.d->findings : &none;
	fs[1] = &h->h.f;
	/* errors here are holes in the map: what list calls incomplete */
	return ki_api_findings(fs, 2, ki_api_open_errors(h) ? KHOINSPECT_INCOMPLETE : KHOINSPECT_PASS,
			       ret);
}

/* As `khoinspect verify` (cmd_verify.c) decides its exit status. */
KHOINSPECT_EXPORT struct khoinspect_error *khoinspect_verify(struct khoinspect_handover *h,
							     unsigned int flags,
							     struct khoinspect_findings **ret)
{
	static const struct ki_findings none;
	const struct ki_findings *fs[2];
	struct ki_verify_input vi = { 0 };
	struct ki_verify_stats st = { 0 };
	struct ki_findings f;
	struct khoinspect_error *e;
	enum khoinspect_result result;
	unsigned long n0 = ki_nomem_count();
	bool unsupported, no_mem;
	size_t nerr;

	if (!ret)
		return ki_api_usage("khoinspect_verify: ret is NULL");
	*ret = NULL;
	if (!h)
		return ki_api_usage("khoinspect_verify: the hand-over is NULL");
	if (flags & ~(unsigned int)KHOINSPECT_VERIFY_FDT_ONLY)
		return ki_api_usage("khoinspect_verify: unknown flags 0x%x", flags);
	/* the hand-over's own findings stay as opening left them: a second
	 * verify gives the same answer */
	ki_findings_init(&f);
	ki_api_findings_copy(&f, &h->h.f);
	vi.d = h->h.d;
	vi.k = h->h.k;
	vi.m = h->h.m;
	vi.scratch = h->h.scratch;
	vi.nscratch = h->h.nscratch;
	vi.scratch_source = h->h.scratch_source;
	vi.dbg = h->h.dbg;
	e = ki_api_error(ki_verify(&vi, &f, &st));
	if (e)
		goto out;
	fs[0] = h->h.d ? &h->h.d->findings : &none;
	fs[1] = &f;
	nerr = fs[0]->counts[KI_SEV_ERROR] + fs[1]->counts[KI_SEV_ERROR];
	unsupported = h->h.k && h->h.k->format == KI_KHO_UNKNOWN;
	no_mem = (!h->h.m && !(flags & KHOINSPECT_VERIFY_FDT_ONLY)) || h->h.incoming_consumed;
	result = unsupported ? KHOINSPECT_INCOMPLETE : nerr ? KHOINSPECT_FAIL :
		 no_mem ? KHOINSPECT_INCOMPLETE : KHOINSPECT_PASS;
	if (h->h.incoming_consumed)
		result = KHOINSPECT_INCOMPLETE;
	e = ki_api_nomem_since(n0, NULL);
	if (!e)
		e = ki_api_findings(fs, 2, result, ret);
out:
	ki_findings_deinit(&f);
	return e;
}
