/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A producer thread and its consumer (the caller's thread), joined by a
 * ring of a few fixed-size slots: the decoder finds ranges in one thread
 * while the other formats them. Memory is the ring, whatever the output.
 * Only the producer may read the dump; only the consumer may write output.
 */
#ifndef KI_PIPE_H
#define KI_PIPE_H

#include <stdbool.h>
#include <stddef.h>

struct ki_pipe;

/* Whether a job may use a helper thread (the caller's choice). */
enum ki_threads {
	KI_THREADS_AUTO = 0,         /* on large jobs when more than one CPU is online */
	KI_THREADS_ONE = 1,          /* never */
	KI_THREADS_TWO = 2,          /* always, when the job allows it */
};

/*
 * Whether to run a helper thread for a job of `leaves` map leaves: as the
 * caller says (KI_THREADS_ONE: never, _TWO: always), else (AUTO) when
 * more than one CPU is online and the job is large enough to gain.
 */
bool ki_pipe_wanted(enum ki_threads threads, size_t leaves);

/* How many helper threads this process has started. */
size_t ki_pipe_started(void);

/*
 * Start producer(pipe, arg) in a new thread with nslots slots of
 * slot_bytes each. NULL when no thread could be started (the caller does
 * the work itself).
 */
struct ki_pipe *ki_pipe_start(size_t slot_bytes, size_t nslots,
			      void (*producer)(struct ki_pipe *, void *), void *arg);

/* Producer: an empty slot to fill (waits while all are full); NULL when
 * the consumer has stopped (ki_pipe_join), then the producer should return. */
void *ki_pipe_slot(struct ki_pipe *p);
/* Producer: hand the slot over with n records in it. */
void ki_pipe_put(struct ki_pipe *p, size_t n);

/* Consumer: the next full slot and its n records; NULL once the producer
 * has returned and every slot was taken. */
const void *ki_pipe_get(struct ki_pipe *p, size_t *n);
/* Consumer: give the slot from ki_pipe_get back. */
void ki_pipe_release(struct ki_pipe *p);
/* Consumer: stop the producer if it is still at work (a consumer that
 * stopped early), wait for it to return, free everything. */
void ki_pipe_join(struct ki_pipe *p);

#endif
