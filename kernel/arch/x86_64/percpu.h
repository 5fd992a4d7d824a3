/*
 * Per-CPU data: one struct cpu for each processor, reached through the GS
 * segment base (IA32_GS_BASE, Intel SDM vol. 3A, 3.4.4.1). Its first field
 * points at itself, so `mov %gs:0, %reg` yields this CPU's struct in one
 * load, with no lookup of the APIC id. The boot CPU's base is set in _start,
 * before any C code runs, so this_cpu() works everywhere, panic included.
 *
 * Each CPU writes only its own struct; other CPUs read `online`, `apic_id`
 * and the counters (for the shell), nothing else.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/tss.h"

#define MAX_CPUS 64
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u /* swapped with GS_BASE by swapgs */

/* Spinlocks a CPU may hold at once (sync/spinlock.c records each). */
#define PERCPU_MAX_HELD 16

struct kmag;
struct pmm_cpu;
struct spinlock;
struct thread;

struct cpu_held_lock {
	struct spinlock *lock;
	uintptr_t site; /* return address of the spin_lock call */
};

struct cpu {
	struct cpu *self;       /* %gs:0, see above */
	struct thread *current; /* %gs:8, the running thread (sched/) */
	/* For the SYSCALL entry (syscall_entry.S), which has no stack of its own
	 * until it loads one from here: the running thread's kernel stack top
	 * (also TSS.RSP0), and a slot for the user RSP while it switches. */
	uint64_t kstack_top; /* %gs:16 */
	uint64_t user_rsp;   /* %gs:24 */
	uint32_t index;         /* 0 for the boot CPU, then in start-up order */
	uint32_t apic_id;
	/* Interrupt-disable nesting (spin_lock, spin_irq_save) and whether to
	 * turn interrupts back on when the outermost section ends, in one word
	 * (PERCPU_IRQ_*, below). */
	uint32_t irq_state;
	uint32_t irq_nesting; /* > 0 inside an interrupt handler */
	uint32_t preempt_off; /* > 0: the scheduler must not switch away */
	volatile bool need_resched;
	volatile bool online;
	bool panicking; /* this CPU is printing a panic or fatal report */
	uint32_t nheld;
	struct pmm_cpu *pmm_cpu; /* this CPU's page stack (mm/pmm.c) */
	struct kmag *kmag;       /* this CPU's kmalloc magazine (mm/heap.c) */
	struct cpu_held_lock held[PERCPU_MAX_HELD];
	uint64_t ticks;          /* local APIC timer ticks on this CPU */
	uint64_t ist_top[3];     /* IST1..3 stacks (tss.h) */
	uint64_t boot_stack_top; /* the stack the CPU started on: its idle thread's */
	uint64_t gdt[7] __attribute__((aligned(16)));
	struct tss tss __attribute__((aligned(16)));
};
_Static_assert(__builtin_offsetof(struct cpu, self) == 0, "this_cpu() reads %gs:0");
_Static_assert(__builtin_offsetof(struct cpu, current) == 8, "current thread at %gs:8");
_Static_assert(__builtin_offsetof(struct cpu, kstack_top) == 16, "syscall_entry.S: CPU_KSTACK_TOP");
_Static_assert(__builtin_offsetof(struct cpu, user_rsp) == 24, "syscall_entry.S: CPU_USER_RSP");

extern struct cpu percpu_cpus[MAX_CPUS];

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	/* volatile: a thread may resume on another CPU after any call, so the
	 * compiler must not reuse an earlier result. */
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

static inline uint32_t this_cpu_index(void) { return this_cpu()->index; }

/* The running thread, in one load from %gs:8. this_cpu()->current would be
 * two, and a thread preempted and moved to another CPU between them would
 * read the old CPU's current thread: someone else. */
static inline struct thread *percpu_current(void)
{
	struct thread *t;
	__asm__ volatile("mov %%gs:8, %0" : "=r"(t));
	return t;
}

/*
 * Preemption off and on again for the running CPU: one instruction each,
 * on %gs directly, so no interrupt can come between finding the CPU and
 * counting (a `this_cpu()->preempt_off++` could be preempted in between and
 * count on the wrong CPU). Interrupts stay on; only the scheduler's
 * preemption point (sched/sched.c) looks at the count.
 */
static inline void percpu_preempt_disable(void)
{
	__asm__ volatile("incl %%gs:%c0" : : "i"(__builtin_offsetof(struct cpu, preempt_off))
	                 : "memory");
}

static inline void percpu_preempt_enable(void)
{
	__asm__ volatile("decl %%gs:%c0" : : "i"(__builtin_offsetof(struct cpu, preempt_off))
	                 : "memory");
}

/*
 * irq_state: what spinlocks and spin_irq_save sections need per CPU, laid
 * out so that the fast paths are a handful of instructions each, on %gs
 * directly (sync/spinlock.h):
 *   bits 1-8   two per level: each section adds RFLAGS & 0x202 as it
 *              found it, and bit 1 of RFLAGS always reads 1 (SDM vol. 1,
 *              3.4.3), so every level adds 2...
 *   bit 9      ...and the outermost one adds RFLAGS_IF too if interrupts
 *              were on: the section that ends at exactly
 *              PERCPU_IRQ_OUTERMOST_ON turns them back on;
 *   bit 31     this CPU runs without the lock checks (lockdep=off: a copy
 *              of !spin_checks, clear in the zeroed struct, so checks are
 *              on from the start), so that entering a section sets the
 *              sign flag without them, and one compare tells a release
 *              both "no checks" and "outermost level, interrupts to turn
 *              back on" (PERCPU_IRQ_FAST_RELEASE).
 * Interrupts are off whenever the depth bits are not 0, so only this CPU's
 * own code changes the word, never halfway. Inner levels always find
 * interrupts off; one that found them on (a stray sti inside a section)
 * would carry into bit 10, which the checks report.
 */
#define PERCPU_IRQ_LEVEL        0x2u        /* RFLAGS bit 1 */
#define PERCPU_IRQ_IF           0x200u      /* RFLAGS_IF */
#define PERCPU_IRQ_DEPTH_MASK   0x1feu
#define PERCPU_IRQ_BROKEN_MASK  0x7ffffc00u /* never set: an inner level found IF on */
#define PERCPU_IRQ_NO_CHECKS    0x80000000u
#define PERCPU_IRQ_MAX_DEPTH    (PERCPU_IRQ_DEPTH_MASK / PERCPU_IRQ_LEVEL)
#define PERCPU_IRQ_OUTERMOST_ON (PERCPU_IRQ_LEVEL | PERCPU_IRQ_IF)
#define PERCPU_IRQ_FAST_RELEASE (PERCPU_IRQ_NO_CHECKS | PERCPU_IRQ_OUTERMOST_ON)

#define PERCPU_OFFSET(field) __builtin_offsetof(struct cpu, field)

/* Save IF, disable interrupts and count one level; true if this CPU runs
 * the lock checks (the sign flag of the add is PERCPU_IRQ_NO_CHECKS).
 * pushf/cli/add: the thread may move to another CPU before the cli, never
 * after it, and the add counts on the CPU it runs on then. */
static inline __attribute__((always_inline)) bool percpu_irq_enter(void)
{
	uint64_t f;
	bool checks;
	__asm__ volatile("pushfq\n\t"
	                 "popq %0\n\t"
	                 "cli\n\t"
	                 "andl %3, %k0\n\t"
	                 "addl %k0, %%gs:%c2"
	                 : "=&r"(f), "=@ccns"(checks)
	                 : "i"(PERCPU_OFFSET(irq_state)), "i"(PERCPU_IRQ_OUTERMOST_ON)
	                 : "memory");
	return checks;
}

/* Whether the running CPU's irq_state is exactly v (one compare). */
static inline __attribute__((always_inline)) bool percpu_irq_state_is(uint32_t v)
{
	bool eq;
	__asm__ volatile("cmpl %2, %%gs:%c1" : "=@cce"(eq) : "i"(PERCPU_OFFSET(irq_state)), "ir"(v)
	                 : "memory");
	return eq;
}

/* End the outermost level of a CPU without checks, which found interrupts
 * on (its state is PERCPU_IRQ_FAST_RELEASE): the state first, so an
 * interrupt right after the sti finds no section. */
static inline __attribute__((always_inline)) void percpu_irq_leave_outermost_on(void)
{
	__asm__ volatile("movl %1, %%gs:%c0\n\t"
	                 "sti"
	                 : : "i"(PERCPU_OFFSET(irq_state)), "i"(PERCPU_IRQ_NO_CHECKS) : "memory");
}

/* The running CPU's page stack (mm/pmm.c; call with preemption off). */
static inline struct pmm_cpu *percpu_pmm_cpu(void)
{
	struct pmm_cpu *p;
	__asm__ volatile("mov %%gs:%c1, %0" : "=r"(p) : "i"(PERCPU_OFFSET(pmm_cpu)));
	return p;
}

/* The running CPU's kmalloc magazine (mm/heap.c; with preemption off). */
static inline struct kmag *percpu_kmag(void)
{
	struct kmag *m;
	__asm__ volatile("mov %%gs:%c1, %0" : "=r"(m) : "i"(PERCPU_OFFSET(kmag)));
	return m;
}

/* The CPU with this index: below percpu_count(), or up to MAX_CPUS for
 * what must be set before a CPU starts (spin_set_checks, and the page and
 * kmalloc caches' pointers); percpu_add keeps those. */
static inline struct cpu *percpu_get(uint32_t index) { return &percpu_cpus[index]; }
/* CPUs given a struct so far (online or being started). */
uint32_t percpu_count(void);
/* CPUs that finished start-up. */
uint32_t percpu_online(void);
/* Give the next CPU its struct (index = the count before the call). */
struct cpu *percpu_add(uint32_t apic_id);
/* Point this CPU's GS base at c (after any segment-register reload). */
void percpu_load(struct cpu *c);
