/*
 * The system-call layer: Linux x86-64 numbers and semantics (arguments in
 * rdi, rsi, rdx, r10, r8, r9; the number in rax; the result, or -errno, in
 * rax). syscall.c dispatches through one table; the calls themselves live
 * in sys_*.c by topic, each defined with SYSCALL(name) so that every one
 * has the same six-argument signature the table needs.
 */
#pragma once

#include <stdint.h>

#include "arch/x86_64/trapframe.h"

#define SYSCALL(name)                                                                     \
	int64_t sys_##name(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, \
	                   uint64_t a5)

typedef int64_t (*syscall_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

/* The handler syscall_entry reaches (arch/x86_64/syscall.h). */
void syscall_handle(struct trap_frame *tf);
/* How many distinct unimplemented numbers were called (each logged once). */
uint32_t syscall_unknown_count(void);
