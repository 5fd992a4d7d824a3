/*
 * TLB shootdown (see tlb.h).
 *
 * One request at a time: the sender fills `request` under `lock`, sends
 * VEC_TLB_SHOOTDOWN to each other online CPU, and waits until `pending`
 * reaches zero. Each receiver invalidates the page and decrements `pending`
 * with release order, so when the sender's acquire load sees zero, every
 * receiver's invalidation has happened. The lock is taken by trylock in a
 * loop with interrupts on between attempts: a CPU waiting to send must still
 * answer the request of the CPU that holds it.
 */
#include "mm/tlb.h"

#include <stdatomic.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/vectors.h"
#include "core/panic.h"
#include "sync/spinlock.h"

static struct spinlock lock = SPINLOCK_INIT("tlb shootdown"); /* guards request */
static _Atomic uint64_t request;
static _Atomic uint32_t pending;
static _Atomic uint64_t sent;

#define TLB_ALL (~0ull)

static void shootdown_irq(struct trap_frame *tf)
{
	(void)tf;
	uint64_t va = atomic_load_explicit(&request, memory_order_relaxed);
	if (va == TLB_ALL)
		cpu_write_cr3(cpu_read_cr3());
	else
		cpu_invlpg(va);
	atomic_fetch_sub_explicit(&pending, 1, memory_order_release);
}

void tlb_init(void) { trap_register(VEC_TLB_SHOOTDOWN, shootdown_irq, "tlb shootdown", TRAP_EOI); }

void tlb_shootdown(uint64_t va)
{
	uint32_t n = percpu_count();
	if (percpu_online() <= 1)
		return; /* nobody else has a TLB yet */
	if (!(cpu_read_rflags() & RFLAGS_IF) || spin_depth())
		panic("tlb: shootdown of 0x%llx with interrupts off or a spinlock held",
		      (unsigned long long)va);
	while (!spin_trylock(&lock))
		cpu_pause();
	struct cpu *self = this_cpu();
	atomic_store_explicit(&request, va, memory_order_relaxed);
	uint32_t targets = 0;
	for (uint32_t i = 0; i < n; i++)
		if (percpu_get(i)->online && percpu_get(i) != self)
			targets++;
	/* Set the count before the first IPI can be answered. */
	atomic_store_explicit(&pending, targets, memory_order_relaxed);
	for (uint32_t i = 0; i < n; i++)
		if (percpu_get(i)->online && percpu_get(i) != self)
			lapic_send_ipi(percpu_get(i)->apic_id, VEC_TLB_SHOOTDOWN);
	while (atomic_load_explicit(&pending, memory_order_acquire) != 0)
		cpu_pause();
	atomic_fetch_add_explicit(&sent, 1, memory_order_relaxed);
	spin_unlock(&lock);
}

void tlb_shootdown_all(void) { tlb_shootdown(TLB_ALL); }

uint64_t tlb_shootdowns(void) { return atomic_load_explicit(&sent, memory_order_relaxed); }
