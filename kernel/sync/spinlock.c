/*
 * Spinlocks (see spinlock.h).
 *
 * Memory orders. Taking is an exchange of 1 with acquire order: once it
 * returns 0, everything the previous holder wrote before its release store
 * is visible. Waiting between attempts is a relaxed load (the exchange that
 * follows does the ordering). Releasing is a release store of 0. `cpu` is
 * written only by the holder and read by others only for reports, hence
 * relaxed; a CPU reading its own index there knows it holds the lock, since
 * nobody else writes that value.
 *
 * A spin that lasts very long (SPIN_REPORT_LOOPS pauses) is reported once
 * with the holder's CPU and site: on a time-sliced host a long wait is not
 * proof of a deadlock, so it is a message, not a panic.
 */
#include "sync/spinlock.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "core/kprintf.h"
#include "lib/ksyms.h"
#include "core/panic.h"
#include "sync/lockdep.h"

#define SPIN_REPORT_LOOPS (1ull << 31)

bool spin_checks = true;

/* Every CPU's copy too: the fast paths test that one. The other CPUs have
 * not started (their structs are still empty), and this one holds no lock. */
void spin_set_checks(bool on)
{
	spin_checks = on;
	lockdep_set_enabled(on);
	for (uint32_t i = 0; i < MAX_CPUS; i++) {
		struct cpu *c = percpu_get(i);
		c->irq_state &= ~PERCPU_IRQ_NO_CHECKS;
		if (!on)
			c->irq_state |= PERCPU_IRQ_NO_CHECKS;
	}
}

void spin_init(struct spinlock *l, const char *name)
{
	atomic_store_explicit(&l->locked, 0, memory_order_relaxed);
	atomic_store_explicit(&l->cpu, -1, memory_order_relaxed);
	l->cls = 0;
	l->name = name;
	l->site = 0;
}

void spin_irq_unbalanced(void)
{
	panic("spin_irq_restore without a matching save at %s",
	      ksyms_format((char[64]){0}, 64, (uintptr_t)__builtin_return_address(0)));
}

/* "function+0xoffset" of a code address, in one of two rotating buffers
 * (a report names two sites). Only the panic path and reports use it. */
static const char *sym(uintptr_t a)
{
	static char buf[2][64];
	static unsigned which;
	return ksyms_format(buf[which++ & 1], sizeof(buf[0]), a);
}

static void push_held(struct cpu *c, struct spinlock *l, uintptr_t site)
{
	if (c->nheld == PERCPU_MAX_HELD)
		panic("spinlock: CPU %u holds %u locks at once, taking %s at %s", c->index,
		      c->nheld, l->name, sym(site));
	c->held[c->nheld].lock = l;
	c->held[c->nheld].site = site;
	c->nheld++;
}

static void pop_held(struct cpu *c, struct spinlock *l)
{
	for (uint32_t i = c->nheld; i-- > 0;)
		if (c->held[i].lock == l) {
			for (uint32_t j = i; j + 1 < c->nheld; j++)
				c->held[j] = c->held[j + 1];
			c->nheld--;
			return;
		}
}

static void check_recursion(struct cpu *c, struct spinlock *l, uintptr_t site)
{
	if (atomic_load_explicit(&l->cpu, memory_order_relaxed) == (int32_t)c->index)
		panic("spinlock: recursive acquisition of %s on CPU %u: taken at %s, again at %s",
		      l->name, c->index, sym(l->site), sym(site));
}

static void took(struct cpu *c, struct spinlock *l, uintptr_t site)
{
	atomic_store_explicit(&l->cpu, (int32_t)c->index, memory_order_relaxed);
	l->site = site;
	push_held(c, l, site);
}

/* Contended: wait on a plain load until the lock looks free, then try the
 * lock bts again. Interrupts are already off (percpu_irq_enter). */
void spin_wait(struct spinlock *l)
{
	uint64_t loops = 0;
	do {
		while (atomic_load_explicit(&l->locked, memory_order_relaxed)) {
			cpu_pause();
			if (++loops == SPIN_REPORT_LOOPS)
				kprintf("spinlock: CPU %u has waited long for %s, held by CPU %d since %s\n",
				        this_cpu_index(), l->name,
				        (int)atomic_load_explicit(&l->cpu, memory_order_relaxed),
				        sym(l->site));
		}
	} while (spin_try_take(l));
}

/* The section just entered must be sane: not too deep (a carry into the
 * IF bit), and no level below it may have found interrupts on. */
static void check_section(struct cpu *c, struct spinlock *l, uintptr_t site)
{
	uint32_t s = c->irq_state;
	if (s & PERCPU_IRQ_BROKEN_MASK)
		panic("spinlock: interrupts were turned on inside a spinlock or interrupts-off "
		      "section on CPU %u (found taking %s at %s)", c->index, l->name, sym(site));
	if ((s & PERCPU_IRQ_DEPTH_MASK) / PERCPU_IRQ_LEVEL >= PERCPU_IRQ_MAX_DEPTH - 1)
		panic("spinlock: CPU %u nests %u spinlock or interrupts-off sections, taking %s at "
		      "%s", c->index, (s & PERCPU_IRQ_DEPTH_MASK) / PERCPU_IRQ_LEVEL, l->name,
		      sym(site));
}

/* The checked paths are noinline so that their return address is the site
 * of the spin_lock call (spin_lock itself is inlined there). They run with
 * this CPU's section already entered by the inline part. */
__attribute__((noinline)) void spin_lock_checked(struct spinlock *l)
{
	uintptr_t site = (uintptr_t)__builtin_return_address(0);
	struct cpu *c = this_cpu();
	check_section(c, l, site);
	check_recursion(c, l, site);
	lockdep_acquire(l, site);
	if (spin_try_take(l))
		spin_wait(l);
	took(c, l, site);
}

__attribute__((noinline)) bool spin_trylock_checked(struct spinlock *l)
{
	uintptr_t site = (uintptr_t)__builtin_return_address(0);
	struct cpu *c = this_cpu();
	check_section(c, l, site);
	check_recursion(c, l, site);
	if (atomic_load_explicit(&l->locked, memory_order_relaxed) || spin_try_take(l)) {
		spin_irq_end();
		return false;
	}
	lockdep_acquire_try(l, site);
	took(c, l, site);
	return true;
}

static void unlock_checked(struct cpu *c, struct spinlock *l, uintptr_t site)
{
	int32_t holder = atomic_load_explicit(&l->cpu, memory_order_relaxed);
	if (holder != (int32_t)c->index) {
		if (holder < 0)
			panic("spinlock: CPU %u releases %s, which nobody holds, at %s", c->index,
			      l->name, sym(site));
		panic("spinlock: CPU %u releases %s, which CPU %d holds (taken at %s), at %s",
		      c->index, l->name, holder, sym(l->site), sym(site));
	}
	atomic_store_explicit(&l->cpu, -1, memory_order_relaxed);
	pop_held(c, l);
	lockdep_release(l);
	atomic_store_explicit(&l->locked, 0, memory_order_release);
	spin_irq_restore();
}

/* Every release but the unchecked outermost one with interrupts to turn
 * back on: with the checks, or a lock nested in another section (or
 * taken with interrupts off). */
__attribute__((noinline)) void spin_unlock_slow(struct spinlock *l)
{
	struct cpu *c = this_cpu();
	if (!(c->irq_state & PERCPU_IRQ_NO_CHECKS)) {
		unlock_checked(c, l, (uintptr_t)__builtin_return_address(0));
		return;
	}
	atomic_store_explicit(&l->locked, 0, memory_order_release);
	spin_irq_end();
}

void spin_assert_may_sleep(const char *what, uintptr_t site)
{
	/* Interrupts on: no spinlock or interrupts-off section is held (each
	 * turns interrupts off) and no interrupt handler runs, so sleeping is
	 * allowed. It also means this thread may be moved to another CPU at
	 * any moment, so it must not read "its" CPU's counters then: they
	 * could be another CPU's, which a thread there is changing (a false
	 * report, or a fault while making one). With interrupts off the
	 * thread stays where it is and the counters are its own. */
	if (cpu_read_rflags() & RFLAGS_IF)
		return;
	struct cpu *c = this_cpu();
	if (c->irq_nesting)
		panic("%s in interrupt context on CPU %u (called at %s)", what, c->index, sym(site));
	if (c->nheld) {
		const char *held = sym(c->held[c->nheld - 1].site);
		panic("%s at %s while holding spinlock %s (taken at %s) on CPU %u", what, sym(site),
		      c->held[c->nheld - 1].lock->name, held, c->index);
	}
	uint32_t depth = (c->irq_state & PERCPU_IRQ_DEPTH_MASK) / PERCPU_IRQ_LEVEL;
	if (depth)
		panic("%s at %s inside %u spinlock or interrupts-off section%s on CPU %u", what,
		      sym(site), depth, depth == 1 ? "" : "s", c->index);
}
