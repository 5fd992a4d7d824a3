/*
 * Wait queues, mutexes, semaphores, condition variables (see wait.h for the
 * rule that keeps wake-ups from being lost).
 *
 * A waiter is queued through thread->next, which is free while it is
 * BLOCKED (the run queue uses it only for READY threads). The waker takes
 * the thread off the wait queue under the queue's lock, releases that, and
 * only then calls sched_wake, so no wait-queue lock is ever held with a
 * run-queue lock.
 *
 * Timeouts (at the end) are kept on one unsorted list: a handful are armed
 * at any time in practice. One kernel thread, "timeouts", started by the
 * first timeout_arm, looks at the list once a tick (or at the earliest
 * deadline, if sooner) while it is not empty, and sleeps on a wait queue
 * while it is; each expired timeout is taken off, marked fired and its
 * queue woken, all under the list's lock, which timeout_disarm takes too.
 * Lock order: the list's lock, then a wait queue's.
 */
#include "sched/wait.h"

#include <stddef.h>

#include "arch/x86_64/percpu.h"
#include "lib/ksyms.h"
#include "core/panic.h"
#include "sched/sched.h"
#include "sched/thread.h"
#include "sched/thread_queue.h"
#include "time/clock.h"

void wait_queue_init(struct wait_queue *wq, const char *name)
{
	spin_init(&wq->lock, name);
	wq->q.head = wq->q.tail = NULL;
}

/* Under wq->lock. */
static void push(struct wait_queue *wq, struct thread *t) { tq_push(&wq->q, t); }
static struct thread *pop(struct wait_queue *wq) { return tq_pop(&wq->q); }

/* Under wq->lock: queue the running thread and mark it BLOCKED. */
static void prepare_to_block(struct wait_queue *wq)
{
	struct thread *me = thread_current();
	atomic_store_explicit(&me->state, THREAD_BLOCKED, memory_order_relaxed);
	push(wq, me);
}

void wait_event(struct wait_queue *wq, bool (*cond)(void *), void *arg)
{
	spin_assert_may_sleep("wait_event", (uintptr_t)__builtin_return_address(0));
	for (;;) {
		spin_lock(&wq->lock);
		if (cond(arg)) {
			spin_unlock(&wq->lock);
			return;
		}
		prepare_to_block(wq);
		spin_unlock(&wq->lock);
		sched_block();
	}
}

/*
 * The interruptible form. The thread records the queue it waits on in
 * waiting_on (under its own wait_lock) for the whole wait, so that
 * thread_interrupt can find it, take it off that queue and wake it; the
 * queue cannot go away meanwhile, because the waiter is still inside this
 * function, using it, until it clears waiting_on. Lock order: the thread's
 * wait_lock, then the queue's lock.
 */
bool wait_event_interruptible(struct wait_queue *wq, bool (*cond)(void *), void *arg)
{
	spin_assert_may_sleep("wait_event_interruptible", (uintptr_t)__builtin_return_address(0));
	struct thread *me = thread_current();
	spin_lock(&me->wait_lock);
	me->waiting_on = wq;
	spin_unlock(&me->wait_lock);
	bool ok;
	for (;;) {
		spin_lock(&wq->lock);
		if (cond(arg)) {
			ok = true;
			break;
		}
		if (atomic_load_explicit(&me->interrupted, memory_order_acquire)) {
			ok = false;
			break;
		}
		prepare_to_block(wq);
		spin_unlock(&wq->lock);
		sched_block();
	}
	spin_unlock(&wq->lock);
	spin_lock(&me->wait_lock);
	me->waiting_on = NULL;
	spin_unlock(&me->wait_lock);
	return ok;
}

void thread_interrupt(struct thread *t)
{
	atomic_store_explicit(&t->interrupted, true, memory_order_release);
	spin_lock(&t->wait_lock);
	struct wait_queue *wq = t->waiting_on;
	bool queued = false;
	if (wq) {
		/* The flag is set before this lock: a waiter that queues itself
		 * after we look has checked the flag first, under the same lock. */
		spin_lock(&wq->lock);
		queued = tq_remove(&wq->q, t);
		spin_unlock(&wq->lock);
	}
	spin_unlock(&t->wait_lock);
	if (queued)
		sched_wake(t);
}

void wake_one(struct wait_queue *wq)
{
	spin_lock(&wq->lock);
	struct thread *t = pop(wq);
	spin_unlock(&wq->lock);
	if (t)
		sched_wake(t);
}

void wake_all(struct wait_queue *wq)
{
	spin_lock(&wq->lock);
	struct thread *list = wq->q.head;
	wq->q.head = wq->q.tail = NULL;
	spin_unlock(&wq->lock);
	while (list) {
		struct thread *t = list;
		list = t->next;
		t->next = NULL;
		sched_wake(t);
	}
}

/* ---- Mutex -------------------------------------------------------------- */

void mutex_init(struct mutex *m, const char *name)
{
	atomic_store_explicit(&m->owner, NULL, memory_order_relaxed);
	atomic_store_explicit(&m->waiters, false, memory_order_relaxed);
	wait_queue_init(&m->wq, "mutex wait queue");
	m->name = name;
}

bool mutex_trylock(struct mutex *m)
{
	struct thread *none = NULL;
	/* Acquire: the critical section sees what the last owner wrote. */
	return atomic_compare_exchange_strong_explicit(&m->owner, &none, thread_current(),
	                                               memory_order_acquire, memory_order_relaxed);
}

static void mutex_lock_slow(struct mutex *m, struct thread *me);
static void mutex_lock_unsleepable(struct mutex *m, uintptr_t site);

/* The fast paths keep their slow parts in other functions, reached by a
 * tail call, so that they need no saved registers (a few instructions
 * each, scripts/bench). */
void mutex_lock(struct mutex *m)
{
	struct cpu *c = this_cpu();
	struct thread *none = NULL;
	/* The may-sleep check inline: one load and test on the fast path. */
	if (__builtin_expect((c->irq_state & ~PERCPU_IRQ_NO_CHECKS) | c->irq_nesting, 0)) {
		mutex_lock_unsleepable(m, (uintptr_t)__builtin_return_address(0));
		return;
	}
	/* The thread from %gs:8 itself, not c->current: this thread may have
	 * moved to another CPU since c was read. */
	struct thread *me = percpu_current();
	if (__builtin_expect(!atomic_compare_exchange_strong_explicit(&m->owner, &none, me,
	                                                              memory_order_acquire,
	                                                              memory_order_relaxed),
	                     0))
		mutex_lock_slow(m, me);
}

/* mutex_lock where it may not sleep: the check names the reason and panics. */
__attribute__((noinline)) static void mutex_lock_unsleepable(struct mutex *m, uintptr_t site)
{
	spin_assert_may_sleep("mutex_lock", site);
	mutex_lock_slow(m, thread_current());
}

__attribute__((noinline)) static void mutex_lock_slow(struct mutex *m, struct thread *me)
{
	struct thread *none;
	if (atomic_load_explicit(&m->owner, memory_order_relaxed) == me)
		panic("mutex: recursive lock of %s by thread %s", m->name, me->name);
	for (;;) {
		spin_lock(&m->wq.lock);
		/* Announce ourselves before the last try. Both this store and the
		 * unlocker's store of owner are seq_cst, and each side then reads
		 * the other's variable: either our try sees the mutex free, or
		 * the unlocker sees `waiters` and wakes someone (Dekker). */
		atomic_store_explicit(&m->waiters, true, memory_order_seq_cst);
		none = NULL;
		if (atomic_compare_exchange_strong_explicit(&m->owner, &none, me,
		                                            memory_order_seq_cst,
		                                            memory_order_relaxed)) {
			if (!m->wq.q.head)
				atomic_store_explicit(&m->waiters, false, memory_order_relaxed);
			spin_unlock(&m->wq.lock);
			return;
		}
		prepare_to_block(&m->wq);
		spin_unlock(&m->wq.lock);
		sched_block();
	}
}

static void mutex_wake(struct mutex *m);

__attribute__((noinline, noreturn)) static void mutex_not_owner(struct mutex *m)
{
	panic("mutex: %s unlocked by thread %s, which does not hold it", m->name,
	      thread_current()->name);
}

void mutex_unlock(struct mutex *m)
{
	if (__builtin_expect(atomic_load_explicit(&m->owner, memory_order_relaxed) !=
	                             thread_current(), 0))
		mutex_not_owner(m);
	atomic_store_explicit(&m->owner, NULL, memory_order_seq_cst);
	if (__builtin_expect(atomic_load_explicit(&m->waiters, memory_order_seq_cst), 0))
		mutex_wake(m);
}

__attribute__((noinline)) static void mutex_wake(struct mutex *m)
{
	spin_lock(&m->wq.lock);
	struct thread *t = pop(&m->wq);
	if (!m->wq.q.head)
		atomic_store_explicit(&m->waiters, false, memory_order_relaxed);
	spin_unlock(&m->wq.lock);
	if (t)
		sched_wake(t);
}

bool mutex_held(const struct mutex *m)
{
	return atomic_load_explicit(&m->owner, memory_order_relaxed) == thread_current();
}

/* ---- Semaphore ---------------------------------------------------------- */

void sem_init(struct semaphore *s, int64_t count)
{
	s->count = count;
	wait_queue_init(&s->wq, "semaphore");
}

void sem_down(struct semaphore *s)
{
	spin_assert_may_sleep("sem_down", (uintptr_t)__builtin_return_address(0));
	for (;;) {
		spin_lock(&s->wq.lock);
		if (s->count > 0) {
			s->count--;
			spin_unlock(&s->wq.lock);
			return;
		}
		prepare_to_block(&s->wq);
		spin_unlock(&s->wq.lock);
		sched_block();
	}
}

void sem_up(struct semaphore *s)
{
	spin_lock(&s->wq.lock);
	s->count++;
	struct thread *t = pop(&s->wq);
	spin_unlock(&s->wq.lock);
	if (t)
		sched_wake(t);
}

/* ---- Condition variable ------------------------------------------------- */

void cond_init(struct condvar *cv) { wait_queue_init(&cv->wq, "condvar"); }

void cond_wait(struct condvar *cv, struct mutex *m)
{
	spin_assert_may_sleep("cond_wait", (uintptr_t)__builtin_return_address(0));
	/* Queued before the mutex is released: a signal sent by whoever takes
	 * the mutex next finds us on the queue. The queue's lock is held until
	 * the mutex is free, so this thread cannot be preempted while it is
	 * marked BLOCKED and still owns the mutex. */
	spin_lock(&cv->wq.lock);
	prepare_to_block(&cv->wq);
	mutex_unlock(m);
	spin_unlock(&cv->wq.lock);
	sched_block();
	mutex_lock(m);
}

void cond_signal(struct condvar *cv) { wake_one(&cv->wq); }
void cond_broadcast(struct condvar *cv) { wake_all(&cv->wq); }

/* ---- Timeouts ---- */

#define TIMEOUT_SLICE_NS (4 * 1000 * 1000) /* one tick at 250 Hz */

static struct spinlock timeout_lock = SPINLOCK_INIT("timeouts");
static struct timeout *timeouts; /* under timeout_lock */
static struct wait_queue timeout_idle = WAIT_QUEUE_INIT("timeouts idle");
static _Atomic int timeout_state; /* 0: not started, 1: starting or running, -1: cannot run */

static bool have_timeouts(void *arg)
{
	(void)arg;
	return __atomic_load_n(&timeouts, __ATOMIC_ACQUIRE) != NULL;
}

static void timeout_thread(void *arg)
{
	(void)arg;
	for (;;) {
		wait_event(&timeout_idle, have_timeouts, NULL);
		uint64_t now = clock_ns(), next = now + TIMEOUT_SLICE_NS;
		spin_lock(&timeout_lock);
		for (struct timeout **q = &timeouts; *q;) {
			struct timeout *t = *q;
			if (t->deadline > now) {
				if (t->deadline < next)
					next = t->deadline;
				q = &t->next;
				continue;
			}
			*q = t->next;
			atomic_store_explicit(&t->fired, true, memory_order_release);
			wake_all(t->wq);
		}
		spin_unlock(&timeout_lock);
		thread_sleep_until(next);
	}
}

/* Start the thread once; false if it cannot run. */
static bool timeout_running(void)
{
	int s = atomic_load_explicit(&timeout_state, memory_order_acquire);
	if (s)
		return s > 0;
	int expected = 0;
	if (!atomic_compare_exchange_strong(&timeout_state, &expected, 1))
		return expected > 0;
	if (!thread_spawn_detached("timeouts", timeout_thread, NULL, THREAD_ANY_CPU)) {
		atomic_store(&timeout_state, -1);
		return false;
	}
	return true;
}

bool timeout_arm(struct timeout *t, struct wait_queue *wq, uint64_t deadline)
{
	t->deadline = deadline;
	t->wq = wq;
	t->next = NULL;
	if (!timeout_running())
		return false;
	atomic_store_explicit(&t->fired, clock_ns() >= deadline, memory_order_release);
	if (timeout_fired(t))
		return true;
	spin_lock(&timeout_lock);
	t->next = timeouts;
	__atomic_store_n(&timeouts, t, __ATOMIC_RELEASE);
	spin_unlock(&timeout_lock);
	wake_one(&timeout_idle);
	return true;
}

void timeout_disarm(struct timeout *t)
{
	spin_lock(&timeout_lock);
	if (!atomic_load_explicit(&t->fired, memory_order_relaxed))
		for (struct timeout **q = &timeouts; *q; q = &(*q)->next)
			if (*q == t) {
				*q = t->next;
				break;
			}
	spin_unlock(&timeout_lock);
}
