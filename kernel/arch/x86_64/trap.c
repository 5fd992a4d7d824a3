/*
 * The one C entry point for all 256 vectors (see trap.h).
 *
 * EOI discipline: a fixed (non-spurious) interrupt delivered by the local
 * APIC is acknowledged exactly once, after its handler, by writing the EOI
 * register. The APIC's spurious vector must not be acknowledged (SDM vol. 3A,
 * 11.9), and neither must exceptions or software "int n". For a vector nobody
 * registered, the APIC's in-service bit tells whether it came from the APIC
 * and so needs an EOI.
 */
#include "arch/x86_64/trap.h"

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/nmi.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/uaccess.h"
#include "arch/x86_64/vectors.h"
#include "core/kprintf.h"
#include "lib/ksyms.h"

static struct {
	trap_handler_fn fn;
	const char *name;
	unsigned flags;
} handlers[256];

/* Per-vector counts, summed over CPUs: a relaxed atomic add, since only the
 * total matters. */
static uint64_t counts[256];
static void (*after_irq)(struct trap_frame *tf);
static void (*user_exception)(struct trap_frame *tf);

void trap_set_after_irq(void (*fn)(struct trap_frame *tf)) { after_irq = fn; }
void trap_set_user_exception(void (*fn)(struct trap_frame *tf)) { user_exception = fn; }

#define VEC_PF 14
#define VEC_MC 18

/* An exception. From ring 3 it is the process's problem (a signal, or a
 * page to map in), never a kernel report; NMI and #MC are about the
 * machine, not the program, and keep the kernel's handling. In ring 0, a
 * page fault inside a user copy is resolved or turns into -EFAULT. */
static void exception(struct trap_frame *tf, uint8_t v)
{
	if (trap_from_user(tf) && user_exception && v != VEC_NMI && v != VEC_MC) {
		user_exception(tf);
		return;
	}
	if (v == VEC_PF && !trap_from_user(tf) && uaccess_fault(tf, cpu_read_cr2()))
		return;
	exception_handle(tf);
}

void trap_register(uint8_t vector, trap_handler_fn fn, const char *name, unsigned flags)
{
	handlers[vector].fn = fn;
	handlers[vector].name = name;
	handlers[vector].flags = flags;
}

uint64_t trap_count(uint8_t vector) { return __atomic_load_n(&counts[vector], __ATOMIC_RELAXED); }

const char *trap_name(uint8_t vector)
{
	if (handlers[vector].name)
		return handlers[vector].name;
	if (vector == VEC_SPURIOUS)
		return "APIC spurious";
	if (vector == VEC_PIC_SPURIOUS_MASTER || vector == VEC_PIC_SPURIOUS_SLAVE)
		return "8259 spurious";
	return NULL;
}

static void unexpected(struct trap_frame *tf)
{
	uint64_t off;
	const char *sym = ksyms_lookup(tf->rip, &off);
	kprintf("interrupt: unexpected vector %llu (0x%llx) at rip 0x%llx <%s+0x%llx>\n",
	        (unsigned long long)tf->vector, (unsigned long long)tf->vector,
	        (unsigned long long)tf->rip, sym ? sym : "?", sym ? (unsigned long long)off : 0ull);
	if (lapic_in_service((uint8_t)tf->vector))
		lapic_eoi();
}

void trap_dispatch(struct trap_frame *tf)
{
	uint8_t v = (uint8_t)tf->vector;

	__atomic_fetch_add(&counts[v], 1, __ATOMIC_RELAXED);
	if (v == VEC_NMI) {
		if (smp_stopping())
			smp_stopped(); /* another CPU panicked and is reporting */
		nmi_handle(); /* anyone else's: counted, reported later */
		return;
	}
	if (v < VEC_EXCEPTIONS_END) {
		exception(tf, v);
		if (trap_from_user(tf))
			syscall_user_return_work(tf);
		return;
	}
	if (v == VEC_SPURIOUS)
		return;
	if (v == VEC_PIC_SPURIOUS_MASTER || v == VEC_PIC_SPURIOUS_SLAVE) {
		pic_spurious(v);
		return;
	}
	struct cpu *c = this_cpu();
	c->irq_nesting++;
	if (handlers[v].fn) {
		handlers[v].fn(tf);
		if (handlers[v].flags & TRAP_EOI)
			lapic_eoi();
	} else {
		unexpected(tf);
	}
	c->irq_nesting--;
	/* Back to code that had interrupts on: the scheduler may switch away
	 * now (preemption), after the EOI so the next tick can come. */
	if (after_irq && c->irq_nesting == 0 && (tf->rflags & RFLAGS_IF))
		after_irq(tf);
	if (trap_from_user(tf))
		syscall_user_return_work(tf);
}
