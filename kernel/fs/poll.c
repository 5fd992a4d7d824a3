/*
 * Readiness changes, for poll(2) and select(2) (vfs.h). One wait queue and
 * one sequence number for the whole kernel: a driver whose poll answer may
 * have changed (a terminal got input, a pipe was written, read or closed)
 * calls vfs_poll_notify, which counts and wakes every poller; each poller
 * looks at its own descriptors again and sleeps once more if none is
 * ready. Linux keeps a wait queue per file and hooks a poller onto each of
 * its files; a single queue is simpler and costs a few needless wake-ups
 * when many programs poll at once, which is rare here.
 *
 * No lost wake-up: a poller takes the number before it looks at its
 * descriptors, and a driver changes its state before it notifies; so
 * either the poller sees the new state or the number has moved on.
 *
 * A poll with a timeout waits the same way, with a timeout armed on the
 * queue (sched/wait.h): a readiness change wakes it at once, the deadline
 * to the tick.
 */
#include "fs/vfs.h"

#include <stdatomic.h>

#include "sched/thread.h"
#include "sched/wait.h"
#include "time/clock.h"

static struct wait_queue poll_wq = WAIT_QUEUE_INIT("poll");
static _Atomic uint64_t poll_seq;

uint64_t vfs_poll_seq(void) { return atomic_load(&poll_seq); }

void vfs_poll_notify(void)
{
	atomic_fetch_add(&poll_seq, 1);
	wake_all(&poll_wq);
}

static bool moved_on(void *arg) { return atomic_load(&poll_seq) != *(uint64_t *)arg; }

bool vfs_poll_wait(uint64_t seq) { return wait_event_interruptible(&poll_wq, moved_on, &seq); }

struct timed_poll {
	uint64_t seq;
	struct timeout deadline;
};

static bool moved_on_or_late(void *arg)
{
	struct timed_poll *w = arg;
	return atomic_load(&poll_seq) != w->seq || timeout_fired(&w->deadline);
}

/* Without a timer thread (no memory for it): look every POLL_STEP_NS. */
#define POLL_STEP_NS (10 * 1000 * 1000)

bool vfs_poll_wait_until(uint64_t seq, uint64_t deadline)
{
	if (deadline == UINT64_MAX)
		return vfs_poll_wait(seq);
	struct timed_poll w = {.seq = seq};
	if (timeout_arm(&w.deadline, &poll_wq, deadline)) {
		bool ok = wait_event_interruptible(&poll_wq, moved_on_or_late, &w);
		timeout_disarm(&w.deadline);
		return ok;
	}
	uint64_t now = clock_ns();
	if (now < deadline)
		thread_sleep_until(deadline - now > POLL_STEP_NS ? now + POLL_STEP_NS : deadline);
	return !thread_interrupted();
}
