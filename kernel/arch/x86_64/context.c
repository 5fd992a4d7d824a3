/*
 * Switching the per-thread CPU state (see context.h). The FPU state is
 * switched eagerly: saving 512 bytes on each switch of a user thread costs
 * less than the #NM trap and its bookkeeping would, and there is no window
 * in which one thread's registers are live for another.
 */
#include "arch/x86_64/context.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/percpu.h"
#include "mm/vmm.h"

#define MSR_FS_BASE 0xc0000100u

static inline uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static void load(struct cpu *c, struct arch_thread *t)
{
	/* A kernel thread that follows a user thread gets the kernel's own
	 * tables, so that no CPU keeps a process's tables loaded after the
	 * process could free them. */
	uint64_t cr3 = t->user && t->cr3 ? t->cr3 : vmm_kernel_cr3();
	if (read_cr3() != cr3)
		__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
	if (!t->user)
		return;
	if (t->fpu) {
		fpu_restore(t->fpu);
		cpu_wrmsr(MSR_FS_BASE, t->fs_base);
		cpu_wrmsr(MSR_KERNEL_GS_BASE, t->gs_base);
	}
	c->tss.rsp[0] = t->kstack_top;
	c->kstack_top = t->kstack_top;
}

void arch_thread_switch_user(struct cpu *c, struct arch_thread *prev, struct arch_thread *next)
{
	if (prev->user && prev->fpu)
		fpu_save(prev->fpu);
	load(c, next);
}

void arch_thread_load(struct arch_thread *t)
{
	uint64_t f = cpu_irq_save();
	load(this_cpu(), t);
	cpu_irq_restore(f);
}

void arch_thread_set_fs(struct arch_thread *t, uint64_t base)
{
	t->fs_base = base;
	cpu_wrmsr(MSR_FS_BASE, base);
}

void arch_thread_set_gs(struct arch_thread *t, uint64_t base)
{
	t->gs_base = base;
	cpu_wrmsr(MSR_KERNEL_GS_BASE, base); /* the user's GS while we run (swapgs) */
}
