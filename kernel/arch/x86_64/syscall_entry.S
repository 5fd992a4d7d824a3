/*
 * The SYSCALL entry and the way back to user mode (Intel SDM vol. 2B,
 * SYSCALL and SYSRET; AMD APM vol. 2, 6.1.1).
 *
 * SYSCALL leaves RIP in RCX and RFLAGS in R11, masks RFLAGS with
 * IA32_FMASK (IF, TF, DF, AC and NT off: syscall.c), loads CS and SS from
 * IA32_STAR, and does nothing else: RSP is still the user's, and GS the
 * user's. So the entry first swaps GS (swapgs: GS_BASE <-> KERNEL_GS_BASE)
 * to reach this CPU's struct, parks the user RSP there, loads the running
 * thread's kernel stack top, and builds the same struct trap_frame an
 * interrupt from user mode would (trapframe.h): every later path (fork,
 * execve, signals, a fault in a system call) sees one shape of frame at
 * the top of the thread's kernel stack.
 *
 *   kstack_top ->  SS = user data | RSP = user rsp | RFLAGS = r11 |
 *                  CS = user code | RIP = rcx | error 0 | vector 0x100 |
 *                  rax rbx rcx rdx rsi rdi rbp r8 ... r15  <- rsp, the frame
 *
 * Interrupts come back on once the frame is complete; the C dispatcher
 * (syscall_dispatch, proc/syscall.c through syscall.c) may sleep.
 *
 * The way out is user_return: SYSRET when it restores exactly the frame
 * (RCX == RIP, R11 == RFLAGS: true after any ordinary system call) and RIP
 * is a canonical lower-half address; IRETQ otherwise (after execve, a
 * signal return, a new thread). SYSRET to a non-canonical RIP would raise
 * #GP in ring 0 on the user's stack on Intel CPUs; the check avoids that.
 */
#include "arch/x86_64/trapframe.h"

#define CPU_KSTACK_TOP 16	/* percpu.h, checked there */
#define CPU_USER_RSP 24
#define USER_CS 0x23		/* gdt.h */
#define USER_DS 0x1b

	.text
	.globl syscall_entry
	.type syscall_entry, @function
	.p2align 4
syscall_entry:
	swapgs
	movq	%rsp, %gs:CPU_USER_RSP
	movq	%gs:CPU_KSTACK_TOP, %rsp
	pushq	$USER_DS
	pushq	%gs:CPU_USER_RSP
	pushq	%r11
	pushq	$USER_CS
	pushq	%rcx
	pushq	$0			/* error code */
	pushq	$TF_VECTOR_SYSCALL
	TF_SAVE_REGS
	sti
	call	syscall_dispatch
	/* fall through */

/*
 * user_return: rsp points at a complete trap frame whose CS is the user's.
 * Also the first return of a new process or thread (syscall.c). RIP must
 * be a canonical lower-half address for SYSRET: checked on the frame
 * first, while RCX is still free; then every register comes back, and
 * SYSRET is used only if RCX and R11 already hold RIP and RFLAGS.
 */
	.globl user_return
user_return:
	cli
	movq	TF_RIP(%rsp), %rcx
	shrq	$47, %rcx		/* canonical lower half: bits 63..47 clear */
	jnz	2f
	TF_RESTORE_REGS
	/* rsp -> rip, cs, rflags, rsp, ss */
	cmpq	(%rsp), %rcx
	jne	1f
	cmpq	16(%rsp), %r11
	jne	1f
	movq	24(%rsp), %rsp
	swapgs
	sysretq
1:	swapgs
	iretq
2:	TF_RESTORE_REGS
	swapgs
	iretq
	.size syscall_entry, . - syscall_entry
