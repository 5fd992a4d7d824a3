/*
 * System calls at the CPU level: the SYSCALL MSRs of each CPU, the C side
 * of the entry (syscall_entry.S), and the first entry of a thread into user
 * mode. What a system call number means is the process layer's business
 * (proc/syscall.c), which installs itself with syscall_set_handler.
 */
#pragma once

#include "arch/x86_64/trapframe.h"

/* The lowest address user code may not use: the canonical lower half ends
 * at 0x0000800000000000; the top page stays unmapped so that no user
 * object ends right at the boundary (SYSRET's non-canonical RIP case). */
#define USER_TOP 0x00007ffffffff000ull

typedef void (*syscall_handler_fn)(struct trap_frame *tf);

/* This CPU: EFER.SCE on, STAR/LSTAR/FMASK for syscall_entry. */
void syscall_init_cpu(void);
/* Who handles system calls (tf->rax is the number and becomes the result);
 * it also runs the return-to-user work (syscall_user_return_work's). */
void syscall_set_handler(syscall_handler_fn fn);
/* Called on the way back to ring 3 from a system call or an interrupt or
 * exception that came from ring 3: pending work of the thread (a kill, a
 * signal). May switch threads or never return. */
void syscall_set_user_return(void (*fn)(struct trap_frame *tf));
void syscall_user_return_work(struct trap_frame *tf);

/* Called by syscall_entry.S with interrupts on. */
void syscall_dispatch(struct trap_frame *tf);

/* Leave the kernel for good on this thread's behalf: load tf (which must
 * lie at the top of the thread's kernel stack) and return to ring 3. */
__attribute__((noreturn)) void user_enter(struct trap_frame *tf);
/* A frame that starts user code at rip with stack rsp, all other registers
 * zero and interrupts on. */
void user_frame_init(struct trap_frame *tf, uint64_t rip, uint64_t rsp);
