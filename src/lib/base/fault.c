// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Allocation-failure injection, for the test build only (make fault:
 * compiled with -DKI_FAULT_INJECT and linked with --wrap for every
 * allocator the library and the commands call; see KI_FAULT_WRAP in the
 * Makefile). Every allocation made by khoinspect's own code goes through
 * one counter here; libelf, libfdt and libkdumpfile allocate inside their
 * shared objects and are not counted.
 *
 *   KI_FAULT_NTH=N   the Nth allocation (from 1) fails, as malloc does:
 *                    NULL and errno ENOMEM; every other one succeeds
 *   KI_FAULT_LOG=F   at exit, append the number of allocations made to F
 *   KI_FAULT_TRACE=1 print the failing call's stack to stderr
 *
 * The ordinary build has neither: this file is empty there.
 */
#ifdef KI_FAULT_INJECT
#include <errno.h>
#include <execinfo.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_reallocarray(void *p, size_t n, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **ret, const char *fmt, va_list ap);
FILE *__real_open_memstream(char **buf, size_t *len);
FILE *__real_fopencookie(void *cookie, const char *mode, cookie_io_functions_t io);
void *__real_XXH3_createState(void);

static atomic_ulong calls;
static unsigned long nth;  /* 0: nothing fails */
static bool trace;

static void report(void)
{
	const char *log = getenv("KI_FAULT_LOG");
	FILE *fp;

	if (!log || !(fp = fopen(log, "a")))
		return;
	fprintf(fp, "%lu\n", (unsigned long)atomic_load(&calls));
	fclose(fp);
}

__attribute__((constructor)) static void setup(void)
{
	const char *s = getenv("KI_FAULT_NTH");

	if (s)
		nth = strtoul(s, NULL, 10);
	trace = getenv("KI_FAULT_TRACE");
	atexit(report);
}

static bool ki_fault_fail(void)
{
	unsigned long i = atomic_fetch_add(&calls, 1) + 1;

	if (nth && i == nth) {
		if (trace) {
			void *pcs[16];

			backtrace_symbols_fd(pcs, backtrace(pcs, 16), 2);
		}
		errno = ENOMEM;
		return true;
	}
	return false;
}

void *__wrap_malloc(size_t size);
void *__wrap_malloc(size_t size)
{
	return ki_fault_fail() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
	return ki_fault_fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size);
void *__wrap_realloc(void *p, size_t size)
{
	return ki_fault_fail() ? NULL : __real_realloc(p, size);
}

void *__wrap_reallocarray(void *p, size_t n, size_t size);
void *__wrap_reallocarray(void *p, size_t n, size_t size)
{
	return ki_fault_fail() ? NULL : __real_reallocarray(p, n, size);
}

void *__wrap_aligned_alloc(size_t align, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t size)
{
	return ki_fault_fail() ? NULL : __real_aligned_alloc(align, size);
}

char *__wrap_strdup(const char *s);
char *__wrap_strdup(const char *s)
{
	return ki_fault_fail() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n);
char *__wrap_strndup(const char *s, size_t n)
{
	return ki_fault_fail() ? NULL : __real_strndup(s, n);
}

int __wrap_vasprintf(char **ret, const char *fmt, va_list ap);
int __wrap_vasprintf(char **ret, const char *fmt, va_list ap)
{
	if (ki_fault_fail())
		return -1;
	return __real_vasprintf(ret, fmt, ap);
}

int __wrap_asprintf(char **ret, const char *fmt, ...);
int __wrap_asprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ki_fault_fail())
		return -1;
	va_start(ap, fmt);
	n = __real_vasprintf(ret, fmt, ap);
	va_end(ap);
	return n;
}

FILE *__wrap_open_memstream(char **buf, size_t *len);
FILE *__wrap_open_memstream(char **buf, size_t *len)
{
	return ki_fault_fail() ? NULL : __real_open_memstream(buf, len);
}

FILE *__wrap_fopencookie(void *cookie, const char *mode, cookie_io_functions_t io);
FILE *__wrap_fopencookie(void *cookie, const char *mode, cookie_io_functions_t io)
{
	return ki_fault_fail() ? NULL : __real_fopencookie(cookie, mode, io);
}

void *__wrap_XXH3_createState(void);
void *__wrap_XXH3_createState(void)
{
	return ki_fault_fail() ? NULL : __real_XXH3_createState();
}
#endif
