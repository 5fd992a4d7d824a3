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
 */
#include "fs/vfs.h"

#include <stdatomic.h>

#include "sched/wait.h"

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
