/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One error type for every fallible function: NULL means success. */
#ifndef KI_ERROR_H
#define KI_ERROR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum ki_error_code {
	KI_ERR_OS = 1,      /* system call failed; errno kept */
	KI_ERR_FORMAT,      /* not the format we expected */
	KI_ERR_TRUNCATED,   /* file ends before the data it promises */
	KI_ERR_NODATA,      /* address not held by the dump (hole or filtered) */
	KI_ERR_CORRUPT,     /* structure present but inconsistent */
	KI_ERR_UNSUPPORTED, /* understood, but not handled by this build */
	KI_ERR_USAGE,       /* the caller asked for something impossible */
	KI_ERR_NOMEM,
};

struct ki_error {
	enum ki_error_code code;
	int errnum;          /* errno for KI_ERR_OS, else 0 */
	bool has_offset;
	bool has_paddr;
	off_t offset;        /* file offset, when has_offset */
	uint64_t paddr;      /* physical address, when has_paddr */
	char *path;          /* file being read, or NULL */
	char *message;       /* "<object> at <where>: <reason>[; hint]" */
};

/* Never freed; returned when allocating an error fails. */
extern struct ki_error ki_enomem;

/*
 * An allocation failed somewhere (any thread). Code that cannot return the
 * failure (a void function, a finding that could not be stored) notes it;
 * destroying &ki_enomem notes it too. main() turns a run that saw one into
 * exit 2 with "out of memory", so a result missing something never passes
 * as complete.
 */
void ki_nomem_note(void);
bool ki_nomem_seen(void);
/* How many were noted so far: a caller that compares it before and after
 * an operation (the public API) knows whether that one lost something. */
unsigned long ki_nomem_count(void);

struct ki_error *ki_error_create(enum ki_error_code code, const char *fmt, ...)
	__attribute__((returns_nonnull, format(printf, 2, 3)));
struct ki_error *ki_error_os(int errnum, const char *path, const char *fmt, ...)
	__attribute__((returns_nonnull, format(printf, 3, 4)));
/* Attach context; both return err for chaining; no-ops on &ki_enomem. */
struct ki_error *ki_error_set_path(struct ki_error *err, const char *path);
struct ki_error *ki_error_set_paddr(struct ki_error *err, uint64_t paddr);
struct ki_error *ki_error_set_offset(struct ki_error *err, off_t offset);
/* Prefix the message with "<prefix>: " */
struct ki_error *ki_error_prefix(struct ki_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ki_error_destroy(struct ki_error *err);
const char *ki_error_code_name(enum ki_error_code code);

#endif
