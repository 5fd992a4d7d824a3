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
	/* Interrupt-disable nesting (spin_lock, spin_irq_save): IF is restored
	 * from irq_flags only when the outermost section ends. */
	uint32_t irq_depth;
	uint32_t irq_nesting; /* > 0 inside an interrupt handler */
	uint64_t irq_flags;
	uint32_t preempt_off; /* > 0: the scheduler must not switch away */
	volatile bool need_resched;
	volatile bool online;
	bool panicking; /* this CPU is printing a panic or fatal report */
	uint32_t nheld;
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

/* The CPU with this index (any index below percpu_count()). */
static inline struct cpu *percpu_get(uint32_t index) { return &percpu_cpus[index]; }
/* CPUs given a struct so far (online or being started). */
uint32_t percpu_count(void);
/* CPUs that finished start-up. */
uint32_t percpu_online(void);
/* Give the next CPU its struct (index = the count before the call). */
struct cpu *percpu_add(uint32_t apic_id);
/* Point this CPU's GS base at c (after any segment-register reload). */
void percpu_load(struct cpu *c);
