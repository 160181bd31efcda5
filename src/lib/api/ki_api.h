/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the public API (src/lib/api/): the objects behind khoinspect.h's
 * opaque types, and the helpers its files share. Library objects are built
 * with -fvisibility=hidden; KHOINSPECT_EXPORT marks the definitions of
 * khoinspect.h's functions, the only symbols the .so exports (the version
 * script libkhoinspect.map says the same).
 */
#ifndef KI_API_H
#define KI_API_H

#include <khoinspect.h>

#include "ki_error.h"
#include "ki_finding.h"
#include "ki_handover.h"
#include "ki_owner.h"

#define KHOINSPECT_EXPORT __attribute__((visibility("default")))

struct khoinspect_error {
	enum khoinspect_error_code code;
	int errnum;
	bool has_phys;
	uint64_t phys;
	char *message;
};

struct khoinspect_findings {
	struct khoinspect_finding *v;
	size_t n;
	enum khoinspect_result result;
};

/* The caller's reader, called through reader_call (khoinspect.c). */
struct ki_api_reader {
	khoinspect_read_fn read;
	void *arg;
};

struct khoinspect_handover {
	struct ki_handover h;
	struct ki_api_reader reader;
	bool owners_built;           /* owners: built at the first ranges call
				      * that asks for them */
	struct ki_owners owners;
	struct ki_findings ownf;     /* what decoding the sub-formats said */
};

/* The public error for err (consumed); NULL for NULL. Never fails: out of
 * memory gives the static error. */
struct khoinspect_error *ki_api_error(struct ki_error *err);
/* A new error (never NULL; out of memory gives the static error). */
struct khoinspect_error *ki_api_create(enum khoinspect_error_code code, const char *fmt, ...)
	__attribute__((returns_nonnull, format(printf, 2, 3)));
/* A KHOINSPECT_ERR_USAGE error. */
struct khoinspect_error *ki_api_usage(const char *fmt, ...)
	__attribute__((returns_nonnull, format(printf, 1, 2)));
/* err, or the out-of-memory error when an allocation failed (and was
 * noted, ki_nomem_note) since ki_nomem_count() was n0. */
struct khoinspect_error *ki_api_nomem_since(unsigned long n0, struct khoinspect_error *err);

/* Copy findings lists (nfs of them) into a public object with the result
 * given; *ret NULL on failure (the returned error says why). */
struct khoinspect_error *ki_api_findings(const struct ki_findings *const *fs, size_t nfs,
					 enum khoinspect_result result,
					 struct khoinspect_findings **ret);
/* Copy a findings list into another (every item, dropped counts too). */
void ki_api_findings_copy(struct ki_findings *to, const struct ki_findings *from);
/* Errors opening found (the container's and the hand-over's): the map
 * then has holes. */
size_t ki_api_open_errors(const struct khoinspect_handover *h);

#endif
