/*
 * alarm(2), setitimer(2) and getitimer(2) for ITIMER_REAL: a process asks
 * for SIGALRM at a time on the monotonic clock, once or every interval.
 *
 * The armed timers live in a table indexed by slot, each naming its
 * process by pid (never by pointer, so a process that ends without
 * disarming leaves nothing dangling: the signal finds no one). The timer
 * tick of the boot CPU compares the clock with the earliest deadline, one
 * atomic load, and when it has passed wakes the "itimer" kernel thread,
 * which sends the signals in thread context (sending takes the process
 * tree's lock, which interrupt handlers must not) and arms the next
 * period. A timer thus fires at most one tick late (4 ms at 250 Hz).
 *
 *   tick (IRQ) --now >= earliest?--> wake --> itimer thread
 *                                              for each due slot:
 *                                                SIGALRM to its pid
 *                                                re-arm or free the slot
 */
#include <stdatomic.h>

#include "arch/x86_64/uaccess.h"
#include "lib/errno.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/sys.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "sync/spinlock.h"
#include "time/clock.h"
#include "time/timer.h"

#define ITIMER_REAL 0
#define ITIMER_PROF 2
#define NS 1000000000ull
#define US 1000ull

struct itimer {
	int pid;           /* 0: a free slot */
	uint64_t deadline; /* clock_ns() */
	uint64_t interval; /* 0: once */
};

static struct itimer timers[PROC_MAX];
static struct spinlock lock = SPINLOCK_INIT("itimer");
static _Atomic uint64_t earliest = UINT64_MAX;
static struct wait_queue due_wq = WAIT_QUEUE_INIT("itimer due");
static _Atomic bool started;

/* Lock held: the earliest deadline of all, for the tick to compare with. */
static void recompute(void)
{
	uint64_t e = UINT64_MAX;
	for (unsigned i = 0; i < PROC_MAX; i++)
		if (timers[i].pid && timers[i].deadline < e)
			e = timers[i].deadline;
	atomic_store(&earliest, e);
}

static void tick(void)
{
	if (clock_ns() >= atomic_load_explicit(&earliest, memory_order_relaxed))
		wake_one(&due_wq);
}

static bool something_due(void *arg)
{
	(void)arg;
	return clock_ns() >= atomic_load(&earliest);
}

static void itimer_thread(void *arg)
{
	(void)arg;
	for (;;) {
		wait_event(&due_wq, something_due, NULL);
		int fire[16];
		unsigned n;
		do {
			n = 0;
			uint64_t now = clock_ns();
			spin_lock(&lock);
			for (unsigned i = 0; i < PROC_MAX && n < 16; i++) {
				struct itimer *t = &timers[i];
				if (!t->pid || t->deadline > now)
					continue;
				fire[n++] = t->pid;
				if (t->interval) /* the next period, skipping missed ones */
					t->deadline += ((now - t->deadline) / t->interval + 1) * t->interval;
				else
					t->pid = 0;
			}
			recompute();
			spin_unlock(&lock);
			for (unsigned k = 0; k < n; k++)
				proc_kill_pid(fire[k], SIGALRM); /* gone meanwhile: -ESRCH, fine */
		} while (n == 16);
	}
}

static void start(void)
{
	bool no = false;
	if (!atomic_compare_exchange_strong(&started, &no, true))
		return;
	timer_add_hook(tick);
	if (!thread_spawn_detached("itimer", itimer_thread, NULL, ~0ull))
		atomic_store(&started, false);
}

/* Lock held: pid's slot, or NULL. */
static struct itimer *slot_of(int pid)
{
	for (unsigned i = 0; i < PROC_MAX; i++)
		if (timers[i].pid == pid)
			return &timers[i];
	return NULL;
}

/* Set pid's timer (value 0 disarms); the old value and interval. */
static int set(int pid, uint64_t value, uint64_t interval, uint64_t *old_value,
               uint64_t *old_interval)
{
	start();
	uint64_t now = clock_ns();
	spin_lock(&lock);
	struct itimer *t = slot_of(pid);
	*old_value = t && t->deadline > now ? t->deadline - now : (t ? 1 : 0);
	*old_interval = t ? t->interval : 0;
	if (!value) {
		if (t)
			t->pid = 0;
	} else {
		if (!t)
			t = slot_of(0);
		if (!t) {
			spin_unlock(&lock);
			return -EAGAIN; /* cannot happen: a slot per process */
		}
		*t = (struct itimer){.pid = pid, .deadline = now + value, .interval = interval};
	}
	recompute();
	spin_unlock(&lock);
	return 0;
}

void itimer_exit(int pid)
{
	spin_lock(&lock);
	struct itimer *t = slot_of(pid);
	if (t) {
		t->pid = 0;
		recompute();
	}
	spin_unlock(&lock);
}

struct timeval_user {
	int64_t sec, usec;
};
struct itimerval_user {
	struct timeval_user interval, value;
};

static uint64_t tv_ns(const struct timeval_user *tv)
{
	return (uint64_t)tv->sec * NS + (uint64_t)tv->usec * US;
}

static struct timeval_user ns_tv(uint64_t ns)
{
	return (struct timeval_user){(int64_t)(ns / NS), (int64_t)(ns % NS / US)};
}

static bool tv_ok(const struct timeval_user *tv)
{
	return tv->sec >= 0 && tv->usec >= 0 && tv->usec < 1000000 && tv->sec < (int64_t)(1ull << 33);
}

SYSCALL(setitimer) /* (int which, const struct itimerval *new, struct itimerval *old) */
{
	(void)a3, (void)a4, (void)a5;
	if ((int)a0 != ITIMER_REAL)
		return (int)a0 < 0 || (int)a0 > ITIMER_PROF ? -EINVAL : -ENOSYS;
	struct itimerval_user nv = {0}, ov;
	if (a1 && copy_from_user(&nv, a1, sizeof(nv)))
		return -EFAULT;
	if (!tv_ok(&nv.value) || !tv_ok(&nv.interval))
		return -EINVAL;
	uint64_t old_value, old_interval;
	int r = set(proc_current()->pid, tv_ns(&nv.value), tv_ns(&nv.interval), &old_value,
	            &old_interval);
	if (r)
		return r;
	ov = (struct itimerval_user){ns_tv(old_interval), ns_tv(old_value)};
	if (a2 && copy_to_user(a2, &ov, sizeof(ov)))
		return -EFAULT;
	return 0;
}

SYSCALL(getitimer) /* (int which, struct itimerval *cur) */
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if ((int)a0 != ITIMER_REAL)
		return (int)a0 < 0 || (int)a0 > ITIMER_PROF ? -EINVAL : -ENOSYS;
	uint64_t now = clock_ns(), value = 0, interval = 0;
	spin_lock(&lock);
	struct itimer *t = slot_of(proc_current()->pid);
	if (t) {
		value = t->deadline > now ? t->deadline - now : 1;
		interval = t->interval;
	}
	spin_unlock(&lock);
	struct itimerval_user cur = {ns_tv(interval), ns_tv(value)};
	return copy_to_user(a1, &cur, sizeof(cur)) ? -EFAULT : 0;
}

SYSCALL(alarm) /* (unsigned seconds): the seconds left of the previous alarm */
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	uint64_t old_value, old_interval;
	set(proc_current()->pid, (uint64_t)(uint32_t)a0 * NS, 0, &old_value, &old_interval);
	/* Rounded to the nearest second, but never 0 while one is pending
	 * (as Linux's alarm_setitimer). */
	uint64_t secs = old_value / NS, rest = old_value % NS;
	if ((!secs && rest) || rest >= NS / 2)
		secs++;
	return (int64_t)secs;
}
