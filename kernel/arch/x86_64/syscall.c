/*
 * The SYSCALL machinery of each CPU (see syscall.h and syscall_entry.S).
 *
 * IA32_STAR holds two selector bases (Intel SDM vol. 2B, SYSCALL/SYSRET):
 * bits 47:32 give CS on entry (SS is that + 8), bits 63:48 the base for
 * SYSRET to 64-bit code (CS = base + 16, SS = base + 8, both with RPL 3).
 * gdt.h orders the user selectors for that: user data at 0x18, user code
 * at 0x20, base 0x10.
 */
#include "arch/x86_64/syscall.h"

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/percpu.h"

#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_FMASK 0xc0000084u
#define EFER_SCE (1ull << 0)

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_AC (1ull << 18)
#define RFLAGS_RESERVED1 (1ull << 1) /* always reads as 1 */

#define ENOSYS 38

_Static_assert(GDT_USER_DATA == ((0x10 + 8) | 3), "SYSRET loads SS from STAR[63:48] + 8");
_Static_assert(GDT_USER_CODE == ((0x10 + 16) | 3), "SYSRET loads CS from STAR[63:48] + 16");
_Static_assert(GDT_KERNEL_DATA == GDT_KERNEL_CODE + 8, "SYSCALL loads SS from STAR[47:32] + 8");

extern void syscall_entry(void);
extern void user_return(void);

static syscall_handler_fn handler;
static void (*user_return_fn)(struct trap_frame *tf);

void syscall_init_cpu(void)
{
	cpu_wrmsr(MSR_STAR, (0x10ull << 48) | ((uint64_t)GDT_KERNEL_CODE << 32));
	cpu_wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* On entry: interrupts off until the frame is built, no single-step
	 * trap in the kernel, DF clear for the C code, AC clear so SMAP
	 * stays in force, NT clear so a later IRETQ is a plain return. */
	cpu_wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT);
	cpu_wrmsr(MSR_KERNEL_GS_BASE, 0); /* the user's GS base until a thread sets one */
	cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_SCE);
}

void syscall_set_handler(syscall_handler_fn fn) { handler = fn; }
void syscall_set_user_return(void (*fn)(struct trap_frame *tf)) { user_return_fn = fn; }

void syscall_user_return_work(struct trap_frame *tf)
{
	if (user_return_fn)
		user_return_fn(tf);
}

/* The handler also does the return-to-user work (syscall_handle checks
 * for pending signals itself: one test on the fast path, no second call). */
void syscall_dispatch(struct trap_frame *tf)
{
	if (__builtin_expect(handler != NULL, 1)) {
		handler(tf);
		return;
	}
	tf->rax = (uint64_t)-ENOSYS;
	syscall_user_return_work(tf);
}

void user_frame_init(struct trap_frame *tf, uint64_t rip, uint64_t rsp)
{
	*tf = (struct trap_frame){0};
	tf->rip = rip;
	tf->rsp = rsp;
	tf->cs = GDT_USER_CODE;
	tf->ss = GDT_USER_DATA;
	tf->rflags = RFLAGS_IF | RFLAGS_RESERVED1;
	tf->vector = TF_VECTOR_SYSCALL;
}

void user_enter(struct trap_frame *tf)
{
	__asm__ volatile("movq %0, %%rsp\n\t"
	                 "jmp user_return"
	                 :
	                 : "r"(tf)
	                 : "memory");
	__builtin_unreachable();
}
