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
 * Checks, each a panic naming the lock and the sites: taking a lock this
 * CPU already holds, releasing one it does not hold, holding more than
 * PERCPU_MAX_HELD at once (releasing out of order is legal). With them,
 * the lock-order checker (sync/lockdep.h) watches every acquisition. They
 * are on by default; "lockdep=off" leaves only the bare lock, which is what
 * the benchmark's uncontended figure measures too.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"

struct spinlock {
	_Atomic uint32_t locked; /* 1 while held */
	_Atomic int32_t cpu;     /* index of the holding CPU, or -1 */
	uint16_t cls;           /* lock-order class (lockdep.c), 0 until first use */
	const char *name;       /* one name per kind of lock: the checker's class */
	uintptr_t site;         /* where the holder took it (return address) */
};

#define SPINLOCK_INIT(lockname) {.cpu = -1, .name = (lockname)}

/* Whether the checks above (and the lock-order checker) run: on, unless
 * the command line says lockdep=off. Set once in kmain, before any other
 * CPU starts; a lock must be released in the mode it was taken in. */
extern bool spin_checks;
void spin_set_checks(bool on);

void spin_init(struct spinlock *l, const char *name);

/* The checked paths and the contended wait, out of line. */
void spin_lock_checked(struct spinlock *l);
bool spin_trylock_checked(struct spinlock *l);
void spin_unlock_checked(struct spinlock *l);
void spin_wait(struct spinlock *l);
__attribute__((noreturn)) void spin_irq_unbalanced(void);

/* Interrupts off with the same nesting count as spinlocks, for per-CPU
 * data that needs no lock (irq_save/irq_restore pairs nest with locks). */
static inline __attribute__((always_inline)) void spin_irq_save(void)
{
	uint64_t f = cpu_irq_save();
	struct cpu *c = this_cpu();
	if (c->irq_depth++ == 0)
		c->irq_flags = f;
}

/* The end of one level, without the balance check (the unchecked unlock:
 * its lock was taken with spin_irq_save, so the level exists). */
static inline __attribute__((always_inline)) void spin_irq_end(struct cpu *c)
{
	if (--c->irq_depth == 0)
		cpu_irq_restore(c->irq_flags);
}

static inline __attribute__((always_inline)) void spin_irq_restore(void)
{
	struct cpu *c = this_cpu();
	if (__builtin_expect(c->irq_depth == 0, 0))
		spin_irq_unbalanced();
	spin_irq_end(c);
}

/* The unchecked fast paths are a few instructions each (scripts/bench). */
static inline __attribute__((always_inline)) void spin_lock(struct spinlock *l)
{
	if (__builtin_expect(spin_checks, 1)) {
		spin_lock_checked(l);
		return;
	}
	spin_irq_save();
	if (__builtin_expect(atomic_exchange_explicit(&l->locked, 1, memory_order_acquire), 0))
		spin_wait(l);
}

/* One attempt; true if taken. Never waits, so it cannot deadlock and does
 * not feed the lock-order checker's ordering (it is still recorded as held). */
static inline __attribute__((always_inline)) bool spin_trylock(struct spinlock *l)
{
	if (__builtin_expect(spin_checks, 1))
		return spin_trylock_checked(l);
	spin_irq_save();
	if (atomic_load_explicit(&l->locked, memory_order_relaxed) ||
	    atomic_exchange_explicit(&l->locked, 1, memory_order_acquire)) {
		spin_irq_restore();
		return false;
	}
	return true;
}

static inline __attribute__((always_inline)) void spin_unlock(struct spinlock *l)
{
	if (__builtin_expect(spin_checks, 1)) {
		spin_unlock_checked(l);
		return;
	}
	atomic_store_explicit(&l->locked, 0, memory_order_release);
	spin_irq_end(this_cpu());
}

/* Spinlocks (and spin_irq_save sections) the running CPU is inside: 0
 * where sleeping is allowed. */
static inline uint32_t spin_depth(void) { return this_cpu()->irq_depth; }
/* Panic if the running CPU holds a spinlock or is in an interrupt handler:
 * called by everything that may sleep. `what` names the operation, `site`
 * is where it was called from (its caller's return address). */
void spin_assert_may_sleep(const char *what, uintptr_t site);
