/*
 * Taking signals without a handler: rt_sigtimedwait (what sigwait,
 * sigwaitinfo and sigtimedwait of the C library call) and rt_sigpending.
 * busybox init lives on the first: it blocks the signals it cares about
 * and waits for them, with a zero timeout to poll and with none to sleep
 * until a child ends (SIGCHLD, left at its default action).
 *
 * The waiter takes a signal of its set off the pending sets (its own
 * first, then its process's) with signal_take, as delivery does, and
 * copies out the siginfo its sender left (signal.h). When none is
 * pending it waits as Linux does: the signals of the set, normally
 * blocked, are unblocked for the wait (task.sigwait records the set, and
 * senders keep such a signal pending even if its action is to ignore it),
 * so a sender interrupts the waiter as it would any thread that does not
 * block the signal. The mask and set change under the tree lock, which
 * every sender holds, so a signal sent at that moment is either pending
 * when the waiter first looks or interrupts it (proc.c, "Sending").
 *
 *   rt_sigtimedwait(set, info, timeout)
 *     take one of set ------------------------------> return it
 *     none, and a zero timeout ---------------------> EAGAIN
 *     mask &= ~set (tree lock); sleep until a signal not blocked is
 *       pending, an interrupt, or the deadline
 *     mask restored (tree lock); take one of set ---> return it
 *     the deadline passed --------------------------> EAGAIN
 *     another signal to handle, an exit or a stop --> EINTR
 *     nothing (another thread took it) -------------> wait again
 *
 * Without a timeout the wait is a wait queue's, ended by the sender's
 * interrupt at once; with one, it sleeps a tick at a time, since the
 * scheduler's timed sleep cannot be cut short (futex.c explains), so a
 * signal ends it within a tick.
 */
#include "arch/x86_64/uaccess.h"
#include "lib/errno.h"
#include "proc/abi.h"
#include "proc/proc.h"
#include "proc/proc_internal.h"
#include "proc/signal.h"
#include "proc/sys.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "sync/spinlock.h"
#include "time/clock.h"

#define NS 1000000000ull
#define SLICE_NS (4 * 1000 * 1000) /* one tick at 250 Hz */

static uint64_t bit(int sig) { return 1ull << (sig - 1); }

/* Under the tree lock: wait for set (0: the wait is over) with mask. */
static void set_wait(struct task *t, uint64_t set, uint64_t mask)
{
	spin_lock(&proc_tree_lock);
	t->sigwait = set;
	/* One store: senders read it (proc.c) under the lock we hold. */
	__atomic_store_n(&t->sigmask, mask, __ATOMIC_RELAXED);
	spin_unlock(&proc_tree_lock);
}

/* Sleep with set unblocked until a signal t does not block is pending,
 * an interrupt, or the deadline (deadline 0: none); true if it passed. */
static bool sleep_unblocked(struct task *t, uint64_t set, uint64_t deadline)
{
	uint64_t mask = t->sigmask;
	set_wait(t, set, mask & ~set);
	bool late = false;
	for (;;) {
		if (signal_ready(t) || thread_interrupted())
			break;
		if (!deadline) {
			wait_event_interruptible(&t->sig_wait, signal_ready, t);
			continue;
		}
		uint64_t now = clock_ns();
		if (now >= deadline) {
			late = true;
			break;
		}
		thread_sleep_until(deadline - now > SLICE_NS ? now + SLICE_NS : deadline);
	}
	set_wait(t, 0, mask);
	return late;
}

SYSCALL(rt_sigtimedwait) /* (const sigset_t *set, siginfo_t *info, const struct timespec *timeout, size_t sigsetsize) */
{
	(void)a4, (void)a5;
	if (a3 != 8)
		return -EINVAL;
	uint64_t set;
	if (copy_from_user(&set, a0, sizeof(set)))
		return -EFAULT;
	set &= ~(bit(SIGKILL) | bit(SIGSTOP)); /* never taken this way, as on Linux */
	uint64_t deadline = 0; /* none */
	bool poll = false;
	if (a2) {
		struct {
			int64_t sec, nsec;
		} ts;
		if (copy_from_user(&ts, a2, sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NS)
			return -EINVAL;
		uint64_t ns = (uint64_t)ts.sec > UINT64_MAX / NS / 4 ? UINT64_MAX / 4
		                                                    : (uint64_t)ts.sec * NS + (uint64_t)ts.nsec;
		poll = ns == 0;
		deadline = clock_ns() + ns;
	}
	struct task *t = task_current();
	uint64_t info = 0;
	int sig = signal_take(t, set, &info);
	while (!sig && !poll) {
		bool late = sleep_unblocked(t, set, deadline);
		sig = signal_take(t, set, &info);
		if (sig)
			break;
		if (late)
			return -EAGAIN;
		if (signal_settle(t))
			return -EINTR; /* delivered on the way out */
		/* A stale interrupt, or another thread took the signal. */
	}
	if (!sig)
		return -EAGAIN;
	signal_settle(t); /* the interrupt was for this signal: spent */
	if (a1) {
		struct siginfo_user si;
		signal_info_fill(&si, sig, info);
		if (copy_to_user(a1, &si, sizeof(si)))
			return -EFAULT; /* the signal is gone all the same, as on Linux */
	}
	return sig;
}

SYSCALL(rt_sigpending) /* (sigset_t *set, size_t sigsetsize) */
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a1 > 8)
		return -EINVAL;
	struct task *t = task_current();
	/* Pending and blocked: the rest are on their way to a handler. */
	uint64_t pending = (__atomic_load_n(&t->sig_pending, __ATOMIC_ACQUIRE) |
	                    __atomic_load_n(&t->proc->sig_pending, __ATOMIC_ACQUIRE)) & t->sigmask;
	if (copy_to_user(a0, &pending, a1))
		return -EFAULT;
	return 0;
}
