/*
 * The per-thread CPU state beyond the registers sched_switch saves: what a
 * thread that runs user code needs loaded whenever it runs. Kernel-only
 * threads leave it zero and pay nothing but one test per switch.
 *
 *   kstack_top  where ring 3 -> ring 0 transitions land: TSS.RSP0 for
 *               interrupts and exceptions, %gs:kstack_top for SYSCALL
 *   cr3         the thread's page tables (0: the kernel's own)
 *   fs_base     the user's FS base (TLS; arch_prctl ARCH_SET_FS)
 *   gs_base     the user's GS base, kept in KERNEL_GS_BASE while the
 *               kernel runs (swapgs)
 *   fpu         x87/SSE registers (fpu.h), NULL for kernel-only threads
 *
 * FS and GS bases change only through arch_prctl (CR4.FSGSBASE stays off,
 * so user code cannot write them itself): the switch loads them and never
 * needs to read them back.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct cpu;
struct fpu_state;

struct arch_thread {
	bool user; /* runs user code: everything below matters */
	uint64_t kstack_top;
	uint64_t cr3;
	uint64_t fs_base;
	uint64_t gs_base;
	struct fpu_state *fpu;
};

void arch_thread_switch_user(struct cpu *c, struct arch_thread *prev, struct arch_thread *next);

/* On the CPU c, with interrupts off, just before switching stacks from
 * prev to next: save prev's user state, load next's. Between two kernel
 * threads there is nothing to do (they run on whatever page tables are
 * loaded: the kernel half is the same in all of them). */
static inline void arch_thread_switch(struct cpu *c, struct arch_thread *prev,
                                      struct arch_thread *next)
{
	if (__builtin_expect(prev->user | next->user, 0))
		arch_thread_switch_user(c, prev, next);
}
/* The running thread's user FS / GS base (arch_prctl): recorded and
 * loaded now. */
void arch_thread_set_fs(struct arch_thread *t, uint64_t base);
void arch_thread_set_gs(struct arch_thread *t, uint64_t base);
/* Load t's page tables, bases and stack top on this CPU now (after a
 * change to the running thread's state: execve, arch_prctl). */
void arch_thread_load(struct arch_thread *t);
