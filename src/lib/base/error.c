// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ki_error.h"

static char enomem_message[] = "out of memory";

struct ki_error ki_enomem = {
	.code = KI_ERR_NOMEM,
	.message = enomem_message,
};

static struct ki_error *error_vcreate(enum ki_error_code code, int errnum,
				      const char *fmt, va_list ap)
{
	struct ki_error *err = calloc(1, sizeof(*err));

	if (!err)
		return &ki_enomem;
	err->code = code;
	err->errnum = errnum;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &ki_enomem;
	}
	return err;
}

struct ki_error *ki_error_create(enum ki_error_code code, const char *fmt, ...)
{
	struct ki_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = error_vcreate(code, 0, fmt, ap);
	va_end(ap);
	return err;
}

struct ki_error *ki_error_os(int errnum, const char *path, const char *fmt, ...)
{
	struct ki_error *err;
	char *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	if (!what)
		return &ki_enomem;
	err = ki_error_create(KI_ERR_OS, "%s: %s", what, strerror(errnum));
	free(what);
	if (err != &ki_enomem)
		err->errnum = errnum;
	return ki_error_set_path(err, path);
}

struct ki_error *ki_error_set_path(struct ki_error *err, const char *path)
{
	if (err == &ki_enomem || !path || err->path)
		return err;
	err->path = strdup(path);
	return err;
}

struct ki_error *ki_error_set_paddr(struct ki_error *err, uint64_t paddr)
{
	if (err == &ki_enomem)
		return err;
	err->has_paddr = true;
	err->paddr = paddr;
	return err;
}

struct ki_error *ki_error_set_offset(struct ki_error *err, off_t offset)
{
	if (err == &ki_enomem)
		return err;
	err->has_offset = true;
	err->offset = offset;
	return err;
}

struct ki_error *ki_error_prefix(struct ki_error *err, const char *fmt, ...)
{
	char *prefix = NULL, *msg = NULL;
	va_list ap;
	int r;

	if (err == &ki_enomem)
		return err;
	va_start(ap, fmt);
	r = vasprintf(&prefix, fmt, ap);
	va_end(ap);
	if (r < 0)
		return err;
	if (asprintf(&msg, "%s: %s", prefix, err->message) >= 0) {
		free(err->message);
		err->message = msg;
	}
	free(prefix);
	return err;
}

static atomic_ulong nomem_count;

void ki_nomem_note(void)
{
	atomic_fetch_add(&nomem_count, 1);
}

bool ki_nomem_seen(void)
{
	return atomic_load(&nomem_count) != 0;
}

unsigned long ki_nomem_count(void)
{
	return atomic_load(&nomem_count);
}

void ki_error_destroy(struct ki_error *err)
{
	/* out of memory, handled or dropped: main() makes sure it is said */
	if (err == &ki_enomem)
		ki_nomem_note();
	if (!err || err == &ki_enomem)
		return;
	free(err->path);
	free(err->message);
	free(err);
}

const char *ki_error_code_name(enum ki_error_code code)
{
	switch (code) {
	case KI_ERR_OS: return "os";
	case KI_ERR_FORMAT: return "format";
	case KI_ERR_TRUNCATED: return "truncated";
	case KI_ERR_NODATA: return "not-in-dump";
	case KI_ERR_CORRUPT: return "corrupt";
	case KI_ERR_UNSUPPORTED: return "unsupported";
	case KI_ERR_USAGE: return "usage";
	case KI_ERR_NOMEM: return "nomem";
	}
	return "unknown";
}
