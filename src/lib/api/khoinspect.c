// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The public C API (include/khoinspect.h) over the library's modules:
 * errors, opening a hand-over (a path or the caller's reader), what it is,
 * its ranges with owners, findings and verify. Single-threaded: nothing
 * here starts a thread, prints, exits or reads the environment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_api.h"
#include "ki_dump.h"
#include "ki_verify.h"

KHOINSPECT_EXPORT const char *khoinspect_version(void)
{
	return "0.1.0";
}

/* ---- Errors ------------------------------------------------------------ */

static char oom_message[] = "out of memory";
static struct khoinspect_error oom_error = {
	.code = KHOINSPECT_ERR_NOMEM,
	.message = oom_message,
};

static enum khoinspect_error_code public_code(enum ki_error_code c)
{
	switch (c) {
	case KI_ERR_OS: return KHOINSPECT_ERR_OS;
	case KI_ERR_FORMAT: return KHOINSPECT_ERR_FORMAT;
	case KI_ERR_TRUNCATED: return KHOINSPECT_ERR_TRUNCATED;
	case KI_ERR_NODATA: return KHOINSPECT_ERR_NODATA;
	case KI_ERR_CORRUPT: return KHOINSPECT_ERR_CORRUPT;
	case KI_ERR_UNSUPPORTED: return KHOINSPECT_ERR_UNSUPPORTED;
	case KI_ERR_USAGE: return KHOINSPECT_ERR_USAGE;
	case KI_ERR_NOMEM: return KHOINSPECT_ERR_NOMEM;
	}
	return KHOINSPECT_ERR_CORRUPT;
}

struct khoinspect_error *ki_api_error(struct ki_error *err)
{
	struct khoinspect_error *e;
	int r;

	if (!err)
		return NULL;
	if (err == &ki_enomem) {
		ki_error_destroy(err);
		return &oom_error;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		ki_error_destroy(err);
		return &oom_error;
	}
	e->code = public_code(err->code);
	e->errnum = err->code == KI_ERR_OS ? err->errnum : 0;
	e->has_phys = err->has_paddr;
	e->phys = err->paddr;
	/* "FILE: OBJECT at paddr 0x…: REASON[; hint]", as khoinspect(1) says
	 * it without its "khoinspect: " */
	if (err->path)
		r = asprintf(&e->message, "%s: %s", err->path, err->message);
	else
		r = asprintf(&e->message, "%s", err->message);
	ki_error_destroy(err);
	if (r < 0) {
		free(e);
		return &oom_error;
	}
	return e;
}

static struct khoinspect_error *api_vcreate(enum khoinspect_error_code code, const char *fmt,
					    va_list ap)
{
	struct khoinspect_error *e = calloc(1, sizeof(*e));

	if (!e)
		return &oom_error;
	e->code = code;
	if (vasprintf(&e->message, fmt, ap) < 0) {
		free(e);
		return &oom_error;
	}
	return e;
}

struct khoinspect_error *ki_api_create(enum khoinspect_error_code code, const char *fmt, ...)
{
	struct khoinspect_error *e;
	va_list ap;

	va_start(ap, fmt);
	e = api_vcreate(code, fmt, ap);
	va_end(ap);
	return e;
}

struct khoinspect_error *ki_api_usage(const char *fmt, ...)
{
	struct khoinspect_error *e;
	va_list ap;

	va_start(ap, fmt);
	e = api_vcreate(KHOINSPECT_ERR_USAGE, fmt, ap);
	va_end(ap);
	return e;
}

struct khoinspect_error *ki_api_nomem_since(unsigned long n0, struct khoinspect_error *err)
{
	if (err || ki_nomem_count() == n0)
		return err;
	return &oom_error;
}

KHOINSPECT_EXPORT enum khoinspect_error_code khoinspect_error_code(const struct khoinspect_error *err)
{
	return err ? err->code : KHOINSPECT_ERR_USAGE;
}

KHOINSPECT_EXPORT const char *khoinspect_error_message(const struct khoinspect_error *err)
{
	return err ? err->message : "no error given (NULL)";
}

KHOINSPECT_EXPORT int khoinspect_error_errno(const struct khoinspect_error *err)
{
	return err ? err->errnum : 0;
}

KHOINSPECT_EXPORT bool khoinspect_error_phys(const struct khoinspect_error *err, uint64_t *ret)
{
	if (!err || !err->has_phys)
		return false;
	if (ret)
		*ret = err->phys;
	return true;
}

KHOINSPECT_EXPORT void khoinspect_error_free(struct khoinspect_error *err)
{
	if (!err || err == &oom_error)
		return;
	free(err->message);
	free(err);
}

/* ---- Opening ------------------------------------------------------------ */

/* The caller's struct, size bytes of it, into a zeroed one of ours: an
 * older caller's smaller struct leaves the newer fields zero. */
static struct khoinspect_error *take_struct(void *to, size_t to_size, const void *from,
					    size_t from_size, size_t min_size, const char *what)
{
	memset(to, 0, to_size);
	if (!from)
		return NULL;
	if (from_size < min_size)
		return ki_api_usage("%s: size is %zu; set it to sizeof(struct %s)", what,
				    from_size, what);
	memcpy(to, from, from_size < to_size ? from_size : to_size);
	return NULL;
}

static struct khoinspect_handover *handover_alloc(void)
{
	struct khoinspect_handover *h = calloc(1, sizeof(*h));

	if (h)
		ki_findings_init(&h->ownf);
	return h;
}

/* How the format option maps to the hand-over's: a dump format, or a
 * debugfs copy or bare FDT (told from the file itself, checked here). */
static struct khoinspect_error *set_format(const char *path, const char *format,
					   struct ki_handover_options *ho)
{
	bool dir;

	if (!format || !strcmp(format, "auto"))
		return NULL;
	if (!strcmp(format, "elf") || !strcmp(format, "kdump") || !strcmp(format, "raw")) {
		ho->dump.format = format;
		return NULL;
	}
	if (strcmp(format, "debugfs") && strcmp(format, "fdt"))
		return ki_api_usage("format \"%s\" is not one of auto, elf, kdump, raw, debugfs, fdt",
				    format);
	dir = ki_is_dir(path);
	if (!strcmp(path, "live") || (dir != !strcmp(format, "debugfs")) ||
	    !ki_handover_is_blob_input(path))
		return ki_api_error(ki_error_set_path(ki_error_create(KI_ERR_FORMAT,
				"format \"%s\" was asked for, but this is not %s", format,
				!strcmp(format, "debugfs") ? "a directory (a copy of /sys/kernel/debug/kho)"
							   : "a bare FDT file (magic 0xd00dfeed)"), path));
	return NULL;
}

KHOINSPECT_EXPORT struct khoinspect_error *khoinspect_open(const char *path,
							   const struct khoinspect_open_options *opts,
							   struct khoinspect_handover **ret)
{
	struct khoinspect_open_options o;
	struct ki_handover_options ho = { 0 };
	struct khoinspect_handover *h;
	struct khoinspect_error *e;
	unsigned long n0 = ki_nomem_count();

	if (!ret)
		return ki_api_usage("khoinspect_open: ret is NULL");
	*ret = NULL;
	if (!path || !*path)
		return ki_api_usage("khoinspect_open: no path given");
	e = take_struct(&o, sizeof(o), opts, opts ? opts->size : 0,
			offsetof(struct khoinspect_open_options, mem) + sizeof(o.mem),
			"khoinspect_open_options");
	if (e)
		return e;
	if (o.page_size && o.page_size != 4096 && o.page_size != 16384 && o.page_size != 65536)
		return ki_api_usage("page size %llu is not one KHO runs with (4096, 16384 or 65536)",
				    (unsigned long long)o.page_size);
	e = set_format(path, o.format, &ho);
	if (e)
		return e;
	ho.input = path;
	ho.live = !strcmp(path, "live");
	ho.live_debugfs = KI_LIVE_DEBUGFS;
	ho.live_mem = KI_LIVE_MEM;
	ho.dump.page_size = o.page_size;
	ho.dump.base_set = o.base_set;
	ho.dump.base = o.base;
	ho.loc.fdt_phys_set = o.fdt_phys_set;
	ho.loc.fdt_phys = o.fdt_phys;
	ho.mem = o.mem;
	h = handover_alloc();
	if (!h)
		return &oom_error;
	e = ki_api_nomem_since(n0, ki_api_error(ki_handover_open(&ho, &h->h)));
	if (e) {
		khoinspect_close(h);
		return e;
	}
	*ret = h;
	return NULL;
}

static int reader_call(void *arg, uint64_t phys, void *buf, size_t len)
{
	const struct ki_api_reader *r = arg;

	switch (r->read(r->arg, phys, buf, len)) {
	case KHOINSPECT_READ_OK:
		return KI_READER_OK;
	case KHOINSPECT_READ_NODATA:
		return KI_READER_NODATA;
	default:
		return KI_READER_FAILED;
	}
}

_Static_assert(sizeof(struct khoinspect_range) == sizeof(struct ki_reader_range) &&
	       offsetof(struct khoinspect_range, end) == offsetof(struct ki_reader_range, end),
	       "khoinspect_range and ki_reader_range differ");

KHOINSPECT_EXPORT struct khoinspect_error *khoinspect_open_reader(const struct khoinspect_reader *r,
								  struct khoinspect_handover **ret)
{
	struct khoinspect_reader o;
	struct ki_reader_options ro = { 0 };
	struct ki_handover_options ho = { 0 };
	struct khoinspect_handover *h;
	struct khoinspect_error *e;
	struct ki_dump *d = NULL;
	unsigned long n0 = ki_nomem_count();

	if (!ret)
		return ki_api_usage("khoinspect_open_reader: ret is NULL");
	*ret = NULL;
	if (!r)
		return ki_api_usage("khoinspect_open_reader: no reader given");
	e = take_struct(&o, sizeof(o), r, r->size,
			offsetof(struct khoinspect_reader, nranges) + sizeof(o.nranges),
			"khoinspect_reader");
	if (e)
		return e;
	if (!o.read)
		return ki_api_usage("khoinspect_open_reader: no read function given");
	if (!o.fdt_phys_set && !o.nranges)
		return ki_api_usage("khoinspect_open_reader: give the KHO FDT's address (fdt_phys) or the ranges of memory to scan for it");
	h = handover_alloc();
	if (!h)
		return &oom_error;
	h->reader.read = o.read;
	h->reader.arg = o.arg;
	ro.read = reader_call;
	ro.arg = &h->reader;
	ro.name = o.name;
	ro.page_size = o.page_size;
	ro.big_endian = o.big_endian;
	ro.ranges = (const struct ki_reader_range *)o.ranges;
	ro.nranges = o.nranges;
	e = ki_api_error(ki_dump_open_reader(&ro, &d));
	if (e) {
		khoinspect_close(h);
		return e;
	}
	ho.loc.fdt_phys_set = o.fdt_phys_set;
	ho.loc.fdt_phys = o.fdt_phys;
	e = ki_api_nomem_since(n0, ki_api_error(ki_handover_open_dump(&ho, d, &h->h)));
	if (e) {
		khoinspect_close(h);
		return e;
	}
	*ret = h;
	return NULL;
}

KHOINSPECT_EXPORT void khoinspect_close(struct khoinspect_handover *h)
{
	if (!h)
		return;
	ki_owners_deinit(&h->owners);
	ki_findings_deinit(&h->ownf);
	ki_handover_deinit(&h->h);
	free(h);
}

/* ---- What the hand-over is ---------------------------------------------- */

KHOINSPECT_EXPORT const char *khoinspect_compatible(const struct khoinspect_handover *h)
{
	return h && h->h.k ? h->h.k->compatible : NULL;
}

KHOINSPECT_EXPORT const char *khoinspect_container(const struct khoinspect_handover *h)
{
	return h ? h->h.container : NULL;
}

KHOINSPECT_EXPORT uint64_t khoinspect_page_size(const struct khoinspect_handover *h)
{
	return h && h->h.d ? h->h.d->page_size : 0;
}

KHOINSPECT_EXPORT bool khoinspect_fdt_phys(const struct khoinspect_handover *h, uint64_t *ret)
{
	if (!h || !h->h.k || !h->h.k->has_fdt_phys)
		return false;
	if (ret)
		*ret = h->h.k->fdt_phys;
	return true;
}

KHOINSPECT_EXPORT const char *khoinspect_found_by(const struct khoinspect_handover *h)
{
	return h ? h->h.found_by : NULL;
}

KHOINSPECT_EXPORT size_t khoinspect_subnode_count(const struct khoinspect_handover *h)
{
	return h && h->h.k ? h->h.k->nsubs : 0;
}

KHOINSPECT_EXPORT const char *khoinspect_subnode_name(const struct khoinspect_handover *h, size_t i)
{
	return i < khoinspect_subnode_count(h) ? h->h.k->subs[i].name : NULL;
}

KHOINSPECT_EXPORT bool khoinspect_subnode_phys(const struct khoinspect_handover *h, size_t i,
					       uint64_t *ret)
{
	if (i >= khoinspect_subnode_count(h) || !h->h.k->subs[i].has_phys)
		return false;
	if (ret)
		*ret = h->h.k->subs[i].phys;
	return true;
}

KHOINSPECT_EXPORT bool khoinspect_has_map(const struct khoinspect_handover *h)
{
	return h && h->h.m;
}

KHOINSPECT_EXPORT uint64_t khoinspect_blocks(const struct khoinspect_handover *h, int order)
{
	if (!h || !h->h.m || order < -1 || order >= KI_ORDERS)
		return 0;
	return order < 0 ? h->h.m->total_blocks : h->h.m->blocks[order];
}

size_t ki_api_open_errors(const struct khoinspect_handover *h)
{
	return (h->h.d ? h->h.d->findings.counts[KI_SEV_ERROR] : 0) +
	       h->h.f.counts[KI_SEV_ERROR];
}

/* ---- Ranges ------------------------------------------------------------- */

struct ranges_ctx {
	khoinspect_range_fn fn;
	void *arg;
	const struct ki_owners *owners;
	uint64_t page_size;
	int stopped;                 /* fn's nonzero value */
};

static int range_piece(void *arg, uint64_t pa, unsigned int order, uint64_t n, const char *owner)
{
	struct ranges_ctx *c = arg;
	struct khoinspect_block_range r = {
		.start = pa,
		.end = pa + (n * c->page_size << order),
		.order = order,
		.blocks = n,
		/* as list --owners says it */
		.owner = c->owners ? owner ? owner : "unclaimed" : NULL,
	};

	c->stopped = c->fn(c->arg, &r);
	return c->stopped ? 1 : 0;
}

static int range_run(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	struct ranges_ctx *c = arg;

	/* split the run where the owner changes */
	return ki_owners_split_run(c->owners, pa, order, n, c->page_size, range_piece, c);
}

KHOINSPECT_EXPORT struct khoinspect_error *khoinspect_ranges(struct khoinspect_handover *h, int order,
							     unsigned int flags,
							     khoinspect_range_fn fn, void *arg,
							     int *stopped)
{
	struct ranges_ctx c = { 0 };
	unsigned long n0 = ki_nomem_count();
	size_t nerr;
	int r;

	if (stopped)
		*stopped = 0;
	if (!h || !fn)
		return ki_api_usage("khoinspect_ranges: %s is NULL", !h ? "the hand-over" : "fn");
	if (order < -1 || order >= KI_ORDERS)
		return ki_api_usage("khoinspect_ranges: order %d is not -1 or 0..63", order);
	if (flags & ~(unsigned int)KHOINSPECT_RANGES_OWNERS)
		return ki_api_usage("khoinspect_ranges: unknown flags 0x%x", flags);
	if (!h->h.m)
		return ki_api_usage("%s: no preserved-memory map to list (%s)", h->h.input,
				    h->h.incoming_consumed ? "the incoming hand-over was consumed at boot"
				    : "no memory behind the FDT: open it with the mem option");
	if ((flags & KHOINSPECT_RANGES_OWNERS) && !h->owners_built) {
		struct ki_error *err = ki_owners_build(h->h.d, h->h.dbg, h->h.k, h->h.d->page_size,
						       h->h.d->big_endian, &h->ownf, &h->owners);

		if (err) {
			ki_owners_deinit(&h->owners);
			memset(&h->owners, 0, sizeof(h->owners));
			return ki_api_error(err);
		}
		h->owners_built = true;
	}
	c.fn = fn;
	c.arg = arg;
	c.page_size = h->h.d->page_size;
	c.owners = flags & KHOINSPECT_RANGES_OWNERS ? &h->owners : NULL;
	r = ki_map_foreach_run(h->h.m, order, range_run, &c);
	if (c.stopped) {
		if (stopped)
			*stopped = c.stopped;
		return NULL;
	}
	if (r == KI_RUNS_NOMEM)
		return &oom_error;
	if (ki_nomem_count() != n0)
		return &oom_error;
	nerr = ki_api_open_errors(h);
	if (nerr)
		return ki_api_create(KHOINSPECT_ERR_INCOMPLETE,
				     "%s: the listing is incomplete: %zu error%s in the hand-over (see khoinspect_open_findings)",
				     h->h.input, nerr, nerr == 1 ? "" : "s");
	return NULL;
}
