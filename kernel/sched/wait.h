/*
 * Sleeping synchronisation: wait queues, mutexes, semaphores and condition
 * variables. A thread that cannot go on is taken off its CPU (BLOCKED) and
 * put back by a wake-up; it never spins. None of these may be used with a
 * spinlock held or in an interrupt handler (a panic says so); waking is
 * allowed anywhere.
 *
 * No lost wake-ups: a waiter tests its condition and queues itself under
 * the queue's lock, and a waker changes the condition before it takes that
 * lock to wake. Whichever comes first, the waiter either sees the condition
 * or is on the queue when the wake comes. A wake that arrives between
 * queueing and switching away marks the thread RUNNING, and the switch is
 * skipped (sched.c).
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sync/spinlock.h"

struct thread;

/* A FIFO of threads (operations in sched/thread_queue.h). */
struct thread_queue {
	struct thread *head, *tail;
};

struct wait_queue {
	struct spinlock lock;   /* guards q and the waiters' queue links */
	struct thread_queue q;
};

#define WAIT_QUEUE_INIT(n) {.lock = SPINLOCK_INIT(n)}

void wait_queue_init(struct wait_queue *wq, const char *name);
/* Block until cond(arg) is true; cond is evaluated under wq->lock. */
void wait_event(struct wait_queue *wq, bool (*cond)(void *), void *arg);
/* Wake one waiter / every waiter. They re-test their condition. */
/* The same, but it also returns (false) when the thread is interrupted
 * (thread_interrupt), at once if it is already; true once cond holds. */
bool wait_event_interruptible(struct wait_queue *wq, bool (*cond)(void *), void *arg);
void wake_one(struct wait_queue *wq);
void wake_all(struct wait_queue *wq);

/*
 * A deadline for a wait on a wait queue. The scheduler's timed sleep
 * cannot be cut short by a wake-up, so a wait that must end at a wake-up or
 * at a deadline, whichever comes first, blocks on its queue as usual, with
 * a condition that also looks at timeout_fired(), and arms a timeout on
 * that queue: at the deadline (to the tick) the timer sets fired and wakes
 * the queue. The struct lives in the waiter's frame; timeout_disarm, before
 * the frame goes, guarantees the timer no longer touches it.
 *
 *   struct timeout t;
 *   if (timeout_arm(&t, &wq, deadline)) {
 *           ok = wait_event_interruptible(&wq, cond_or_fired, &t...);
 *           timeout_disarm(&t);
 *   } else { ...look at the clock in short sleeps... }
 */
struct timeout {
	uint64_t deadline;     /* clock_ns */
	struct wait_queue *wq; /* woken (wake_all) when the deadline passes */
	_Atomic bool fired;    /* set by the timer, under its lock */
	struct timeout *next;  /* the timer's list, under its lock */
};

/* Arm t for wq at deadline; a deadline already past fires at once. False,
 * with nothing armed, when the timer thread cannot run (no memory for it):
 * the caller then has to look at the clock itself. */
bool timeout_arm(struct timeout *t, struct wait_queue *wq, uint64_t deadline);
/* Off the timer's list, unless it fired already. */
void timeout_disarm(struct timeout *t);
static inline bool timeout_fired(const struct timeout *t)
{
	return atomic_load_explicit(&t->fired, memory_order_acquire);
}

/* A sleeping lock with an owner: only the owner may unlock. */
struct mutex {
	_Atomic(struct thread *) owner;
	_Atomic bool waiters; /* someone is (about to be) queued */
	struct wait_queue wq;
	const char *name;
};

#define MUTEX_INIT(n) {.wq = WAIT_QUEUE_INIT("mutex wait queue"), .name = (n)}

void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_held(const struct mutex *m);

/* A counting semaphore. */
struct semaphore {
	int64_t count; /* guarded by wq.lock */
	struct wait_queue wq;
};

void sem_init(struct semaphore *s, int64_t count);
void sem_down(struct semaphore *s);
void sem_up(struct semaphore *s);

/* A condition variable, used with a mutex. */
struct condvar {
	struct wait_queue wq;
};

void cond_init(struct condvar *cv);
/* Release m, wait for a signal, take m again. As everywhere, wake-ups may
 * be spurious: wait in a loop on the real condition. */
void cond_wait(struct condvar *cv, struct mutex *m);
void cond_signal(struct condvar *cv);
void cond_broadcast(struct condvar *cv);
