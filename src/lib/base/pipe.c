// SPDX-License-Identifier: GPL-2.0-or-later
/* A producer thread and a consumer joined by a ring of slots (ki_pipe.h). */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ki_pipe.h"

struct ki_pipe {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t filled, emptied;
	unsigned char *mem;
	size_t slot_bytes, nslots;
	size_t *counts;
	size_t head, tail;           /* slots put, slots released (counters) */
	bool done, cancelled, taken;
	bool producer_waits, consumer_waits;
	void (*producer)(struct ki_pipe *, void *);
	void *arg;
};

/* Helper threads started so far (for tests). */
static size_t started;

size_t ki_pipe_started(void)
{
	return __atomic_load_n(&started, __ATOMIC_RELAXED);
}

/* A job smaller than this many leaves is over before a thread pays off. */
enum { PIPE_MIN_LEAVES = 64 };

bool ki_pipe_wanted(enum ki_threads threads, size_t leaves)
{
	if (threads != KI_THREADS_AUTO)
		return threads == KI_THREADS_TWO;
	return leaves >= PIPE_MIN_LEAVES && sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

static void *run(void *arg)
{
	struct ki_pipe *p = arg;

	p->producer(p, p->arg);
	pthread_mutex_lock(&p->lock);
	p->done = true;
	pthread_cond_signal(&p->filled); /* whether or not it waits yet */
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct ki_pipe *ki_pipe_start(size_t slot_bytes, size_t nslots,
			      void (*producer)(struct ki_pipe *, void *), void *arg)
{
	struct ki_pipe *p = calloc(1, sizeof(*p));
	sigset_t all, old;
	int rc;

	if (!p)
		return NULL;
	p->mem = malloc(slot_bytes * nslots);
	p->counts = calloc(nslots, sizeof(*p->counts));
	if (!p->mem || !p->counts)
		goto fail;
	p->slot_bytes = slot_bytes;
	p->nslots = nslots;
	p->producer = producer;
	p->arg = arg;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->filled, NULL);
	pthread_cond_init(&p->emptied, NULL);
	/* signals (SIGPIPE, SIGINT) go to the main thread, as without one */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&p->thread, NULL, run, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!rc)
		__atomic_add_fetch(&started, 1, __ATOMIC_RELAXED);
	if (rc) {
		pthread_cond_destroy(&p->filled);
		pthread_cond_destroy(&p->emptied);
		pthread_mutex_destroy(&p->lock);
		goto fail;
	}
	return p;
fail:
	free(p->mem);
	free(p->counts);
	free(p);
	return NULL;
}

void *ki_pipe_slot(struct ki_pipe *p)
{
	void *slot = NULL;

	pthread_mutex_lock(&p->lock);
	while (!p->cancelled && p->head - p->tail == p->nslots) {
		p->producer_waits = true;
		pthread_cond_wait(&p->emptied, &p->lock);
	}
	p->producer_waits = false;
	if (!p->cancelled)
		slot = p->mem + (p->head % p->nslots) * p->slot_bytes;
	pthread_mutex_unlock(&p->lock);
	return slot;
}

void ki_pipe_put(struct ki_pipe *p, size_t n)
{
	pthread_mutex_lock(&p->lock);
	p->counts[p->head % p->nslots] = n;
	p->head++;
	/* likewise a waiting consumer, when half the ring is full */
	if (p->consumer_waits && p->head - p->tail >= (p->nslots + 1) / 2)
		pthread_cond_signal(&p->filled);
	pthread_mutex_unlock(&p->lock);
}

const void *ki_pipe_get(struct ki_pipe *p, size_t *n)
{
	const void *slot = NULL;

	pthread_mutex_lock(&p->lock);
	while (!p->done && p->head == p->tail) {
		p->consumer_waits = true;
		pthread_cond_wait(&p->filled, &p->lock);
	}
	p->consumer_waits = false;
	if (p->head != p->tail) {
		slot = p->mem + (p->tail % p->nslots) * p->slot_bytes;
		*n = p->counts[p->tail % p->nslots];
		p->taken = true;
	}
	pthread_mutex_unlock(&p->lock);
	return slot;
}

void ki_pipe_release(struct ki_pipe *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->taken) {
		p->taken = false;
		p->tail++;
		/* a waiting producer is woken when half the ring is free, not
		 * for every slot: a wake-up per slot costs more than the slot */
		if (p->producer_waits && p->head - p->tail <= p->nslots / 2)
			pthread_cond_signal(&p->emptied);
	}
	pthread_mutex_unlock(&p->lock);
}

/* The producer is told to stop: its next ki_pipe_slot is NULL. */
static void pipe_cancel(struct ki_pipe *p)
{
	pthread_mutex_lock(&p->lock);
	p->cancelled = true;
	pthread_cond_signal(&p->emptied);
	pthread_mutex_unlock(&p->lock);
}

void ki_pipe_join(struct ki_pipe *p)
{
	if (!p)
		return;
	pipe_cancel(p);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->filled);
	pthread_cond_destroy(&p->emptied);
	pthread_mutex_destroy(&p->lock);
	free(p->mem);
	free(p->counts);
	free(p);
}
