/*
 * A FIFO of threads linked through thread->next: a run queue's ready list
 * and a wait queue's waiters are both one. A thread is on at most one at a
 * time (READY threads on a run queue, BLOCKED ones on a wait queue), so one
 * link field serves both. The caller holds the lock that guards the queue.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "sched/thread.h"
#include "sched/wait.h" /* struct thread_queue */

static inline void tq_push(struct thread_queue *q, struct thread *t)
{
	t->next = NULL;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}

static inline struct thread *tq_pop(struct thread_queue *q)
{
	struct thread *t = q->head;
	if (t) {
		q->head = t->next;
		if (!q->head)
			q->tail = NULL;
		t->next = NULL;
	}
	return t;
}

/* Unlink t, whose predecessor is prev (NULL: t is the head). */
static inline void tq_unlink(struct thread_queue *q, struct thread *prev, struct thread *t)
{
	if (prev)
		prev->next = t->next;
	else
		q->head = t->next;
	if (q->tail == t)
		q->tail = prev;
	t->next = NULL;
}

/* Unlink t wherever it is; false if it is not queued here. O(length). */
static inline bool tq_remove(struct thread_queue *q, struct thread *t)
{
	for (struct thread *prev = NULL, *c = q->head; c; prev = c, c = c->next)
		if (c == t) {
			tq_unlink(q, prev, t);
			return true;
		}
	return false;
}
