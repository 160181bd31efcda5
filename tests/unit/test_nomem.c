// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Out of memory in the run iteration is not "the end of the map": the
 * cursor, the foreach functions and the merge say so (KI_RUNS_NOMEM,
 * ki_merge_nomem), and the commands fail with "out of memory" instead of
 * a listing or a check that stops early with exit 0.
 *
 * Recipe: a map built in memory with one leaf of 0xffffffc0 bits (a
 * 512 MiB bitmap, which a radix or chunk walk never makes, but whose
 * words the cursor must hold) and the address space capped just above
 * what the test process uses (setrlimit RLIMIT_AS), so the cursor's first
 * allocation fails before any byte of a dump is read (there is none).
 * Skipped under the sanitizers, whose allocators do not return NULL.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ki_map.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define KI_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define KI_TEST_SANITIZED 1
#endif
#endif

static struct ki_leaf leaf = { .bitmap_pa = 0x1000, .phys_base = 0, .nbits = 0xffffffc0u };
static struct ki_map map = { .kind = "radix", .page_size = 4096, .page_shift = 12,
			     .leaves = &leaf, .nleaves = 1, .cap = 1 };

/* Cap the address space at what is mapped now + 64 MiB. */
static void cap_memory(void)
{
	unsigned long pages = 0;
	struct rlimit rl;
	FILE *fp;

#ifdef KI_TEST_SANITIZED
	cr_skip_test("the sanitizers' allocators abort instead of returning NULL");
#endif
	fp = fopen("/proc/self/statm", "r");
	cr_assert_not_null(fp);
	cr_assert_eq(fscanf(fp, "%lu", &pages), 1);
	fclose(fp);
	rl.rlim_cur = rl.rlim_max = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (64 << 20);
	cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0);
}

static int count_run(void *arg, uint64_t pa, unsigned int order, uint64_t n)
{
	(void)pa;
	(void)order;
	*(uint64_t *)arg += n;
	return 0;
}

Test(nomem, foreach_says_out_of_memory)
{
	uint64_t n = 0;

	cap_memory();
	cr_assert_eq(ki_map_foreach_run(&map, -1, count_run, &n), KI_RUNS_NOMEM,
		     "an allocation failure is not the end of the runs");
	cr_assert_eq(n, 0);
}

Test(nomem, cursor_flags_it)
{
	struct ki_run runs[4];
	struct ki_run_cursor c;

	cap_memory();
	ki_run_cursor_init(&c, &map, 0, map.nleaves, -1);
	cr_assert_eq(ki_run_cursor_fill(&c, runs, 4), 0);
	cr_assert(c.nomem, "the cursor says why it ended");
	ki_run_cursor_deinit(&c);
}

Test(nomem, merge_flags_it)
{
	struct ki_merge it;
	uint64_t pa, n;
	unsigned int order;

	cap_memory();
	ki_merge_init(&it, &map);
	cr_assert_not(ki_merge_next(&it, &pa, &order, &n));
	cr_assert(ki_merge_nomem(&it), "the merge says it ended for want of memory");
	ki_merge_deinit(&it);
}

/* the same map with memory to spare ends normally: the flag is not set
 * by the end itself (no dump: the leaf read fails, counted elsewhere) */
Test(nomem, end_is_not_nomem)
{
	static struct ki_leaf small = { .bitmap_pa = 0x1000, .nbits = 64, .unreadable = true };
	struct ki_map m = map;
	struct ki_merge it;
	uint64_t pa, n, cnt = 0;
	unsigned int order;

	m.leaves = &small;
	cr_assert_eq(ki_map_foreach_run(&m, -1, count_run, &cnt), 0);
	ki_merge_init(&it, &m);
	cr_assert_not(ki_merge_next(&it, &pa, &order, &n));
	cr_assert_not(ki_merge_nomem(&it));
	ki_merge_deinit(&it);
}
