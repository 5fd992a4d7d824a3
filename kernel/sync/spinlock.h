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
 * Uncontended, taking the lock is one lock bts and releasing it one plain
 * store; waiters spin on a plain load, so the cache line stays shared
 * until it is released.
 *
 * Interrupts: spin_lock saves IF and disables interrupts; nesting is
 * counted per CPU (struct cpu's irq_state, percpu.h) and IF is restored
 * only when the outermost lock is released. So an interrupt handler can
 * take a lock that thread code also takes, on the same CPU, without
 * deadlocking against itself.
 *
 * Checks, each a panic naming the lock and the sites: taking a lock this
 * CPU already holds, releasing one it does not hold, holding more than
 * PERCPU_MAX_HELD at once (releasing out of order is legal), nesting
 * deeper than PERCPU_IRQ_MAX_DEPTH, and interrupts turned on inside a
 * section. With them, the lock-order checker (sync/lockdep.h) watches
 * every acquisition. They are on by default; "lockdep=off" leaves only the
 * bare lock, which is what the benchmark's uncontended figure measures too.
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
 * CPU starts; a lock must be released in the mode it was taken in. Each
 * CPU keeps the opposite, PERCPU_IRQ_NO_CHECKS, in its irq_state, which is
 * what the fast paths test. */
extern bool spin_checks;
void spin_set_checks(bool on);

void spin_init(struct spinlock *l, const char *name);

/* The checked paths, the nested release and the contended wait, out of
 * line. spin_lock_checked and spin_trylock_checked are entered with this
 * CPU's section already counted (percpu_irq_enter). */
void spin_lock_checked(struct spinlock *l);
bool spin_trylock_checked(struct spinlock *l);
void spin_unlock_slow(struct spinlock *l);
void spin_wait(struct spinlock *l);
__attribute__((noreturn)) void spin_irq_unbalanced(void);

/* One exchange-like attempt at the lock word: lock bts, a full barrier on
 * x86 (so at least the acquire order taking needs); true if it was held. */
static inline __attribute__((always_inline)) bool spin_try_take(struct spinlock *l)
{
	return cpu_atomic_test_and_set_bit0((uint32_t *)&l->locked);
}

/* Interrupts off with the same nesting count as spinlocks, for per-CPU
 * data that needs no lock (irq_save/irq_restore pairs nest with locks). */
static inline __attribute__((always_inline)) void spin_irq_save(void)
{
	(void)percpu_irq_enter();
}

/* The end of one level, without the balance check. Interrupts are off
 * until it ends, so the thread cannot move between the read and the write. */
static inline __attribute__((always_inline)) void spin_irq_end(void)
{
	struct cpu *c = this_cpu();
	uint32_t s = c->irq_state;
	if ((s & ~PERCPU_IRQ_NO_CHECKS) == PERCPU_IRQ_OUTERMOST_ON) {
		c->irq_state = s & PERCPU_IRQ_NO_CHECKS;
		cpu_sti();
	} else {
		c->irq_state = s - PERCPU_IRQ_LEVEL;
	}
}

static inline __attribute__((always_inline)) void spin_irq_restore(void)
{
	if (__builtin_expect(!(this_cpu()->irq_state & PERCPU_IRQ_DEPTH_MASK), 0))
		spin_irq_unbalanced();
	spin_irq_end();
}

/*
 * The fast paths (scripts/bench): taking is the section's five
 * instructions, a branch on their sign flag (checks on: the checked path)
 * and lock bts; releasing an outermost lock with interrupts to turn back
 * on, on a CPU without checks, is one compare, the release store, and
 * clearing the state before sti. Everything else takes spin_unlock_slow.
 */
static inline __attribute__((always_inline)) void spin_lock(struct spinlock *l)
{
	if (__builtin_expect(percpu_irq_enter(), 0))
		spin_lock_checked(l);
	else if (__builtin_expect(spin_try_take(l), 0))
		spin_wait(l);
}

/* One attempt; true if taken. Never waits, so it cannot deadlock and does
 * not feed the lock-order checker's ordering (it is still recorded as held). */
static inline __attribute__((always_inline)) bool spin_trylock(struct spinlock *l)
{
	if (__builtin_expect(percpu_irq_enter(), 0))
		return spin_trylock_checked(l);
	if (atomic_load_explicit(&l->locked, memory_order_relaxed) || spin_try_take(l)) {
		spin_irq_end();
		return false;
	}
	return true;
}

static inline __attribute__((always_inline)) void spin_unlock(struct spinlock *l)
{
	if (__builtin_expect(percpu_irq_state_is(PERCPU_IRQ_FAST_RELEASE), 1)) {
		atomic_store_explicit(&l->locked, 0, memory_order_release);
		percpu_irq_leave_outermost_on();
	} else {
		spin_unlock_slow(l);
	}
}

/* Spinlocks (and spin_irq_save sections) the running CPU is inside: 0
 * where sleeping is allowed. */
static inline uint32_t spin_depth(void)
{
	return (this_cpu()->irq_state & PERCPU_IRQ_DEPTH_MASK) / PERCPU_IRQ_LEVEL;
}
/* Panic if the running CPU holds a spinlock or is in an interrupt handler:
 * called by everything that may sleep. `what` names the operation, `site`
 * is where it was called from (its caller's return address). */
void spin_assert_may_sleep(const char *what, uintptr_t site);
