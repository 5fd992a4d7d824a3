/*
 * Futex wait queues (see futex.h), after the design of Linux's
 * kernel/futex: a fixed hash table of buckets, each a spinlock and a FIFO
 * of waiters, so that waits and wakes on unrelated words rarely meet and
 * every operation is a hash and a short list walk.
 *
 * The race that matters: thread A reads the lock word, sees it taken and
 * calls FUTEX_WAIT; meanwhile thread B releases the lock, changes the word
 * and calls FUTEX_WAKE. A must not sleep through B's wake. So WAIT reads
 * the word again under the bucket lock and queues itself before dropping
 * it, and WAKE looks for waiters under the same lock: either WAIT sees the
 * new value (EAGAIN, and A retries in user space) or A is on the list
 * when WAKE looks.
 *
 * Reading user memory under a spinlock must not sleep, so the read is
 * made with interrupts off, where a page fault is not resolved but fails
 * the copy (uaccess.h). Then the lock is dropped, the page faulted in by
 * an ordinary read (EFAULT if that fails too), and the whole step retried.
 *
 * A waiter is a struct on the sleeping thread's kernel stack. It sleeps on
 * a wait queue of its own; the waker unlinks it, marks it woken and wakes
 * that queue, all under the bucket lock. The waiter, whatever ended its
 * sleep, takes the bucket lock again before it returns, so a waker is
 * never still touching a waiter whose frame is gone. Requeue moves a
 * waiter to another bucket, so the waiter finds its current bucket by
 * reading w->bucket and checking it again under that bucket's lock.
 *
 * Timeouts. The scheduler's timed sleep cannot be cut short by a wake, so
 * a timed waiter blocks like any other (a wake reaches it at once) and
 * arms a timeout on its own queue (sched/wait.h): at the deadline, to the
 * tick, the timeout is marked fired and the queue woken. The waiter
 * disarms it before it returns, so the timer never touches a frame that
 * is gone.
 */
#include "proc/futex.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "arch/x86_64/uaccess.h"
#include "lib/errno.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "sync/spinlock.h"
#include "time/clock.h"

#define FUTEX_BUCKETS 256 /* a power of two */
#define TIMED_SLICE_NS (4 * 1000 * 1000) /* one tick at 250 Hz */

struct futex_bucket;

struct futex_waiter {
	struct vm *vm;
	uint64_t uaddr;
	uint32_t bitset;
	_Atomic bool woken;                    /* set under the bucket lock */
	struct timeout deadline;               /* armed for a timed wait */
	_Atomic(struct futex_bucket *) bucket; /* changed under both locks (requeue) */
	struct futex_waiter *next, *prev;
	struct wait_queue wq; /* only this waiter sleeps here */
};

struct futex_bucket {
	struct spinlock lock; /* guards the list and its waiters' keys */
	struct futex_waiter *head, *tail;
};

static struct futex_bucket buckets[FUTEX_BUCKETS] = {
	[0 ... FUTEX_BUCKETS - 1] = {.lock = SPINLOCK_INIT("futex bucket")},
};

static struct futex_bucket *bucket_of(struct vm *vm, uint64_t uaddr)
{
	/* Fibonacci hashing of both halves of the key: the top bits of the
	 * product depend on every bit of the input. */
	uint64_t h = (uaddr ^ ((uint64_t)(uintptr_t)vm << 7)) * 0x9e3779b97f4a7c15ull;
	return &buckets[h >> (64 - 8)];
}
_Static_assert(FUTEX_BUCKETS == 1 << 8, "bucket_of takes the top 8 bits");

/* Under b->lock. */
static void enqueue(struct futex_bucket *b, struct futex_waiter *w)
{
	w->next = NULL;
	w->prev = b->tail;
	if (b->tail)
		b->tail->next = w;
	else
		b->head = w;
	b->tail = w;
	atomic_store_explicit(&w->bucket, b, memory_order_relaxed);
}

static void unlink(struct futex_bucket *b, struct futex_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		b->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		b->tail = w->prev;
	w->next = w->prev = NULL;
}

/* Under b->lock: the waiter is off the list for good. */
static void wake_waiter(struct futex_bucket *b, struct futex_waiter *w)
{
	unlink(b, w);
	atomic_store_explicit(&w->woken, true, memory_order_release);
	wake_all(&w->wq);
}

static bool matches(const struct futex_waiter *w, struct vm *vm, uint64_t uaddr)
{
	return w->vm == vm && w->uaddr == uaddr;
}

/* Lock the bucket of uaddr with the futex word read into *val: 0, or
 * -EFAULT (no lock held then). */
static int lock_and_read(struct futex_bucket *b, uint64_t uaddr, uint32_t *val)
{
	for (;;) {
		spin_lock(&b->lock);
		if (!copy_from_user(val, uaddr, sizeof(*val)))
			return 0;
		spin_unlock(&b->lock);
		if (copy_from_user(val, uaddr, sizeof(*val))) /* faults the page in, may sleep */
			return -EFAULT;
	}
}

static bool is_woken(void *arg)
{
	return atomic_load_explicit(&((struct futex_waiter *)arg)->woken, memory_order_acquire);
}

static bool woken_or_late(void *arg)
{
	struct futex_waiter *w = arg;
	return is_woken(w) || timeout_fired(&w->deadline);
}

/* Lock the bucket the waiter is in now (requeue may have moved it). */
static struct futex_bucket *lock_current(struct futex_waiter *w)
{
	for (;;) {
		struct futex_bucket *b = atomic_load_explicit(&w->bucket, memory_order_acquire);
		spin_lock(&b->lock);
		if (atomic_load_explicit(&w->bucket, memory_order_relaxed) == b)
			return b;
		spin_unlock(&b->lock);
	}
}

int futex_wait(struct vm *vm, uint64_t uaddr, uint32_t val, uint32_t bitset, uint64_t deadline)
{
	struct futex_waiter w = {.vm = vm, .uaddr = uaddr, .bitset = bitset};
	wait_queue_init(&w.wq, "futex");
	struct futex_bucket *b = bucket_of(vm, uaddr);
	uint32_t cur;
	int r = lock_and_read(b, uaddr, &cur);
	if (r)
		return r;
	if (cur != val) {
		spin_unlock(&b->lock);
		return -EAGAIN;
	}
	enqueue(b, &w);
	spin_unlock(&b->lock);

	bool interrupted = false;
	if (!deadline) {
		interrupted = !wait_event_interruptible(&w.wq, is_woken, &w);
	} else if (timeout_arm(&w.deadline, &w.wq, deadline)) {
		interrupted = !wait_event_interruptible(&w.wq, woken_or_late, &w);
		timeout_disarm(&w.deadline);
	} else { /* no timer thread: look for the wake between one-tick sleeps */
		for (;;) {
			if (is_woken(&w))
				break;
			if (thread_interrupted()) {
				interrupted = true;
				break;
			}
			uint64_t now = clock_ns();
			if (now >= deadline)
				break;
			thread_sleep_until(deadline - now > TIMED_SLICE_NS ? now + TIMED_SLICE_NS : deadline);
		}
	}

	b = lock_current(&w);
	bool woken = is_woken(&w);
	if (!woken)
		unlink(b, &w);
	spin_unlock(&b->lock);
	if (woken)
		return 0; /* a wake that raced with a signal or the deadline still counts */
	return interrupted ? -EINTR : -ETIMEDOUT;
}

int futex_wake(struct vm *vm, uint64_t uaddr, int n, uint32_t bitset)
{
	struct futex_bucket *b = bucket_of(vm, uaddr);
	int woke = 0;
	spin_lock(&b->lock);
	for (struct futex_waiter *w = b->head, *next; w; w = next) {
		next = w->next;
		if (!matches(w, vm, uaddr) || !(w->bitset & bitset))
			continue;
		wake_waiter(b, w);
		if (++woke >= n)
			break;
	}
	spin_unlock(&b->lock);
	return woke;
}

int futex_requeue(struct vm *vm, uint64_t uaddr, int nwake, uint64_t uaddr2, int nmove, bool cmp,
                  uint32_t val)
{
	struct futex_bucket *b1 = bucket_of(vm, uaddr), *b2 = bucket_of(vm, uaddr2);
	/* Two locks of one kind: always in address order. */
	struct futex_bucket *first = b1 < b2 ? b1 : b2, *second = b1 < b2 ? b2 : b1;
	for (;;) {
		spin_lock(&first->lock);
		if (second != first)
			spin_lock(&second->lock);
		uint32_t cur;
		if (!cmp || !copy_from_user(&cur, uaddr, sizeof(cur))) {
			if (cmp && cur != val) {
				if (second != first)
					spin_unlock(&second->lock);
				spin_unlock(&first->lock);
				return -EAGAIN;
			}
			break;
		}
		if (second != first)
			spin_unlock(&second->lock);
		spin_unlock(&first->lock);
		if (copy_from_user(&cur, uaddr, sizeof(cur)))
			return -EFAULT;
	}
	int woke = 0, moved = 0;
	for (struct futex_waiter *w = b1->head, *next; w; w = next) {
		next = w->next;
		if (!matches(w, vm, uaddr))
			continue;
		if (woke < nwake) {
			wake_waiter(b1, w);
			woke++;
			continue;
		}
		if (moved >= nmove)
			break;
		unlink(b1, w);
		w->uaddr = uaddr2;
		enqueue(b2, w);
		moved++;
	}
	if (second != first)
		spin_unlock(&second->lock);
	spin_unlock(&first->lock);
	return woke + moved;
}
