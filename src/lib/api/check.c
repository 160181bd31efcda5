// SPDX-License-Identifier: GPL-2.0-or-later
/* The public API's checks against a manifest, snapshots and diffs: the
 * engines of src/lib/check/ (against.c, manifest_write.c, diff.c), one
 * thread. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ki_against.h"
#include "ki_api.h"
#include "ki_diff.h"
#include "ki_manifest.h"
#include "ki_manifest_write.h"

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

/* ---- Snapshot ----------------------------------------------------------- */

KHOINSPECT_EXPORT struct khoinspect_error *khoinspect_snapshot(struct khoinspect_handover *h,
							       const char *path, unsigned int flags)
{
	struct ki_manifest_source src = { 0 };
	struct ki_manifest_write_options o = { 0 };
	struct ki_manifest_lacks lacks = { 0 };
	struct ki_manifest_out *mo = NULL;
	const char *inputs[2];
	struct ki_error *err;
	unsigned long n0 = ki_nomem_count();

	if (!h || !path)
		return ki_api_usage("khoinspect_snapshot: %s is NULL", !h ? "the hand-over" : "path");
	if (flags)
		return ki_api_usage("khoinspect_snapshot: unknown flags 0x%x", flags);
	if (!h->h.m)
		return ki_api_create(h->h.incoming_consumed ? KHOINSPECT_ERR_NODATA : KHOINSPECT_ERR_USAGE,
				     "%s: %s", h->h.input,
				     h->h.incoming_consumed ? "the incoming hand-over was consumed at boot: its map does not decode in this memory, so its blocks cannot be recorded (a dump taken at the jump holds them)"
				     : "no memory to take the blocks from: open it with the mem option (a dump or /proc/kcore)");
	src.path = h->h.input;
	src.container = h->h.container;
	src.d = h->h.d;
	src.dbg = h->h.dbg;
	src.k = h->h.k;
	src.m = h->h.m;
	src.scratch = h->h.scratch;
	src.nscratch = h->h.nscratch;
	src.scratch_source = h->h.scratch_source;
	src.map_errors = ki_api_open_errors(h);
	o.hash = true;
	o.generator = "libkhoinspect 0.1.0";
	/* never written over what it reads */
	inputs[0] = h->h.d->reader ? NULL : h->h.d->path;
	inputs[1] = h->h.dbg ? h->h.dbg->dir : NULL;
	err = ki_manifest_out_open(path, inputs, 2, &mo);
	if (!err) {
		err = ki_manifest_write(ki_manifest_out_file(mo), &src, &o, &lacks);
		if (err && err != &ki_enomem)
			err = ki_error_set_path(err, path);
	}
	/* an allocation failed on the way: the manifest may lack something
	 * it does not know it lacks; none is put in place (as the command) */
	if (!err && ki_nomem_count() != n0)
		err = &ki_enomem;
	if (!err)
		err = ki_manifest_out_commit(mo);
	ki_manifest_out_destroy(mo);
	if (err)
		return ki_api_error(err);
	if (ki_manifest_lacks_any(&lacks))
		return ki_api_create(KHOINSPECT_ERR_INCOMPLETE,
				     "%s: the manifest is incomplete (it says so in \"incomplete\"): %zu map errors, %" PRIu64 " blocks not in the dump, %" PRIu64 " ranges read in part, %zu blobs unread",
				     path, lacks.map_errors, lacks.missing_blocks, lacks.partial_ranges,
				     lacks.blobs_unread);
	return NULL;
}

/* ---- Diff --------------------------------------------------------------- */

struct diff_ctx {
	khoinspect_diff_fn fn;
	void *arg;
	int stopped;                 /* fn's nonzero value: later lines dropped */
};

/* The engine's lines come in batches (ki_diff_line_fn); fn takes one. */
static void diff_lines(void *arg, const struct ki_diff_line *lines, size_t n)
{
	struct diff_ctx *c = arg;

	for (size_t i = 0; i < n && !c->stopped; i++) {
		const struct ki_diff_line *l = &lines[i];
		struct khoinspect_diff_line d = {
			.kind = l->kind == KI_DIFF_ONLY_A ? KHOINSPECT_DIFF_REMOVED :
				l->kind == KI_DIFF_ONLY_B ? KHOINSPECT_DIFF_ADDED : KHOINSPECT_DIFF_CHANGED,
			.start = l->start,
			.end = l->end,
			.order = l->order,
			.blocks = l->blocks,
		};

		c->stopped = c->fn(c->arg, &d);
	}
}

static struct khoinspect_error *side_of(struct khoinspect_handover *h, const char *name,
					struct ki_diff_side *s)
{
	if (!h->h.d || !h->h.m)
		return ki_api_usage("%s: %s has no memory map to compare (%s)", name, h->h.input,
				    h->h.incoming_consumed ? "the incoming hand-over was consumed at boot"
				    : "no memory behind the FDT: open it with the mem option");
	s->path = h->h.input;
	s->d = h->h.d;
	s->k = h->h.k;
	s->m = h->h.m;
	s->map_errors = ki_api_open_errors(h);
	return NULL;
}

static struct khoinspect_error *diff_sides(struct ki_diff_side *a, struct ki_diff_side *b,
					   unsigned int flags, khoinspect_diff_fn fn, void *arg,
					   enum khoinspect_result *result)
{
	struct ki_diff_options o = { 0 };
	struct ki_diff_result res;
	struct diff_ctx c = { fn, arg, 0 };
	struct ki_diff *df = NULL;
	struct khoinspect_error *e;
	unsigned long n0 = ki_nomem_count();

	o.hash = !(flags & KHOINSPECT_DIFF_NO_HASH);
	o.present_only = flags & KHOINSPECT_DIFF_PRESENT_ONLY;
	o.lines = fn ? diff_lines : NULL;
	o.ctx = &c;
	o.threads = KI_THREADS_ONE;  /* the library starts no thread */
	e = ki_api_error(ki_diff_create(a, b, &o, &df));
	if (!e)
		e = ki_api_error(ki_diff_run(df, &res));
	ki_diff_destroy(df);
	e = ki_api_nomem_since(n0, e);
	if (e)
		return e;
	*result = res.status == KI_DIFF_DIFFERENT ? KHOINSPECT_FAIL :
		  res.status == KI_DIFF_INCOMPLETE ? KHOINSPECT_INCOMPLETE : KHOINSPECT_PASS;
	return NULL;
}

static struct khoinspect_error *diff_check(const void *a, const void *b,
					   enum khoinspect_result *result, unsigned int flags,
					   const char *what)
{
	if (!result)
		return ki_api_usage("%s: result is NULL", what);
	*result = KHOINSPECT_INCOMPLETE;
	if (!a || !b)
		return ki_api_usage("%s: %s is NULL", what, !a ? "a" : "b");
	if (flags & ~(unsigned int)(KHOINSPECT_DIFF_NO_HASH | KHOINSPECT_DIFF_PRESENT_ONLY))
		return ki_api_usage("%s: unknown flags 0x%x", what, flags);
	return NULL;
}

KHOINSPECT_EXPORT struct khoinspect_error *khoinspect_diff_handovers(struct khoinspect_handover *a,
								     struct khoinspect_handover *b,
								     unsigned int flags,
								     khoinspect_diff_fn fn, void *arg,
								     enum khoinspect_result *result)
{
	struct ki_diff_side sa = { 0 }, sb = { 0 };
	struct khoinspect_error *e = diff_check(a, b, result, flags, "khoinspect_diff_handovers");

	if (!e)
		e = side_of(a, "A", &sa);
	if (!e)
		e = side_of(b, "B", &sb);
	return e ? e : diff_sides(&sa, &sb, flags, fn, arg, result);
}

/* One side of khoinspect_diff: a manifest, or a hand-over opened. */
struct path_side {
	struct ki_manifest *man;
	struct khoinspect_handover *h;
};

static struct khoinspect_error *open_side(const char *path,
					  const struct khoinspect_open_options *opts,
					  struct path_side *ps, struct ki_diff_side *s)
{
	struct khoinspect_error *e;

	if (ki_manifest_sniff(path)) {
		e = ki_api_error(ki_manifest_open(path, &ps->man));
		s->path = path;
		s->man = ps->man;
		return e;
	}
	e = khoinspect_open(path, opts, &ps->h);
	return e ? e : side_of(ps->h, path, s);
}

KHOINSPECT_EXPORT struct khoinspect_error *khoinspect_diff(const char *a, const char *b,
							   const struct khoinspect_open_options *opts,
							   unsigned int flags, khoinspect_diff_fn fn,
							   void *arg, enum khoinspect_result *result)
{
	struct ki_diff_side sa = { 0 }, sb = { 0 };
	struct path_side pa = { 0 }, pb = { 0 };
	struct khoinspect_error *e = diff_check(a, b, result, flags, "khoinspect_diff");

	if (!e)
		e = open_side(a, opts, &pa, &sa);
	if (!e)
		e = open_side(b, opts, &pb, &sb);
	if (!e)
		e = diff_sides(&sa, &sb, flags, fn, arg, result);
	ki_manifest_close(pa.man);
	ki_manifest_close(pb.man);
	khoinspect_close(pa.h);
	khoinspect_close(pb.h);
	return e;
}
