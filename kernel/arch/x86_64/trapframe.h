/*
 * The trap frame: what isr_stubs.S leaves on the stack before calling
 * trap_dispatch(). The CPU pushes SS, RSP, RFLAGS, CS, RIP (and an error code
 * for some exceptions; the stub pushes a zero for the others so every frame
 * has the same shape), the stub pushes the vector, then the common path
 * pushes the fifteen general registers. Field order is the reverse of the
 * push order. The TF_* offsets are used by the assembly and checked here.
 */
#pragma once

#define TF_R15 0
#define TF_R11 32
#define TF_RCX 96
#define TF_RAX 112
#define TF_VECTOR 120
#define TF_ERROR 128
#define TF_RIP 136
#define TF_CS 144
#define TF_RFLAGS 152
#define TF_RSP 160
#define TF_SS 168
#define TF_SIZE 176

/* The vector field of a frame built by the SYSCALL entry: not a real
 * vector (those are 0..255). */
#define TF_VECTOR_SYSCALL 0x100

#ifdef __ASSEMBLER__
/* The general registers, in trap-frame order (trapframe.h), then cld and
 * the frame as trap_dispatch's argument. */
.macro TF_SAVE_REGS
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
.endm

.macro TF_RESTORE_REGS
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp	/* vector and error code */
.endm
#endif

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code;
	/* Pushed by the CPU (Intel SDM vol. 3A, 6.14.2, 64-bit mode stack frame). */
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(__builtin_offsetof(struct trap_frame, r15) == TF_R15, "trap frame");
_Static_assert(__builtin_offsetof(struct trap_frame, r11) == TF_R11, "trap frame");
_Static_assert(__builtin_offsetof(struct trap_frame, rcx) == TF_RCX, "trap frame");
_Static_assert(__builtin_offsetof(struct trap_frame, rax) == TF_RAX, "trap frame");
_Static_assert(__builtin_offsetof(struct trap_frame, vector) == TF_VECTOR, "trap frame");
_Static_assert(__builtin_offsetof(struct trap_frame, error_code) == TF_ERROR, "trap frame");
_Static_assert(__builtin_offsetof(struct trap_frame, rip) == TF_RIP, "trap frame");
_Static_assert(__builtin_offsetof(struct trap_frame, cs) == TF_CS, "trap frame");
_Static_assert(__builtin_offsetof(struct trap_frame, rflags) == TF_RFLAGS, "trap frame");
_Static_assert(__builtin_offsetof(struct trap_frame, rsp) == TF_RSP, "trap frame");
_Static_assert(__builtin_offsetof(struct trap_frame, ss) == TF_SS, "trap frame");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap frame");
/* The CPU aligns RSP to 16 before pushing the frame (SDM 6.14.2); a frame
 * that is a multiple of 16 keeps the handler's stack aligned for the call. */
_Static_assert(TF_SIZE % 16 == 0, "trap frame keeps the stack 16-byte aligned");

/* Whether the frame was interrupted in (or called from) ring 3. */
static inline bool trap_from_user(const struct trap_frame *tf) { return (tf->cs & 3) == 3; }
#endif
