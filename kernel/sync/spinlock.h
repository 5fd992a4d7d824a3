/*
 * Spinlocks: test-and-test-and-set locks that disable interrupts while held.
 *
 * Why not a ticket or MCS lock, which are FIFO-fair: both hand the lock to
 * one particular waiter, and if that waiter is a virtual CPU the host is not
 * running at that moment, every other CPU waits for the host to run it
 * ("lock-waiter preemption"). Kestrel's tests run 8 vCPUs on a 2-core host,
 * exactly that case: a ticket-lock counter test that takes seconds at -smp 4
 * did not finish in five minutes at -smp 8 on a loaded host. Here whichever
 * CPU is running when the lock is released takes it. The price is fairness:
 * under heavy contention one CPU can win repeatedly. Kestrel's critical
 * sections are short, and the sleeping locks (sched/wait.h) queue their
 * waiters in order. Linux solves both at once with MCS queues plus
 * paravirtual hooks that let a waiting vCPU yield to the host
 * (docs/smp.md).
 *
 * Uncontended, taking the lock is one locked xchg and releasing it one
 * plain store; waiters spin on a plain load, so the cache line stays shared
 * until it is released.
 *
 * Interrupts: spin_lock saves RFLAGS and disables interrupts; nesting is
 * counted per CPU and IF is restored only when the outermost lock is
 * released. So an interrupt handler can take a lock that thread code also
 * takes, on the same CPU, without deadlocking against itself.
 *
 * Checks that are always on, each a panic naming the lock and the sites:
 * taking a lock this CPU already holds, releasing one it does not hold,
 * releasing out of order is allowed (it is legal), holding more than
 * PERCPU_MAX_HELD at once. The lock-order checker (sync/lockdep.h) watches
 * every acquisition for inversions.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct spinlock {
	_Atomic uint32_t locked; /* 1 while held */
	_Atomic int32_t cpu;     /* index of the holding CPU, or -1 */
	uint16_t cls;           /* lock-order class (lockdep.c), 0 until first use */
	const char *name;       /* one name per kind of lock: the checker's class */
	uintptr_t site;         /* where the holder took it (return address) */
};

#define SPINLOCK_INIT(lockname) {.cpu = -1, .name = (lockname)}

void spin_init(struct spinlock *l, const char *name);
void spin_lock(struct spinlock *l);
/* One attempt; true if taken. Never waits, so it cannot deadlock and does
 * not feed the lock-order checker's ordering (it is still recorded as held). */
bool spin_trylock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
/* Whether the running CPU holds l. */
bool spin_held(const struct spinlock *l);

/* Interrupts off with the same nesting count, for per-CPU data that needs
 * no lock (irq_save/irq_restore pairs nest with spinlocks). */
void spin_irq_save(void);
void spin_irq_restore(void);

/* Spinlocks the running CPU holds (0 where sleeping is allowed). */
uint32_t spin_held_count(void);
/* Panic if the running CPU holds a spinlock or is in an interrupt handler:
 * called by everything that may sleep. `what` names the operation, `site`
 * is where it was called from (its caller's return address). */
void spin_assert_may_sleep(const char *what, uintptr_t site);
