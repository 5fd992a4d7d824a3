/*
 * Where an application processor starts (Intel SDM vol. 3A, 9.4.4 and 9.8):
 * a STARTUP IPI with vector VV makes it fetch its first instruction at
 * physical VV000 in real mode, CS = VV00, IP = 0. This code is copied to
 * that page (smp.c), so it must be position independent: it addresses its
 * data through DS = CS in real mode and through EBX = the page's physical
 * address after that.
 *
 *   real mode  --lgdt, CR0.PE-->  32-bit protected mode
 *              --CR4.PAE, CR3, EFER.LME(+NXE), CR0.PG-->  long mode (identity
 *              mapped start-up page) --jmp--> smp_ap_entry64 in the higher
 *              half, which loads the kernel's own CR3 and calls smp_ap_main.
 */
#include "arch/x86_64/smp_tramp.h"

	.section .rodata.trampoline, "a"
	.globl smp_trampoline, smp_trampoline_end, smp_tramp_pm32, smp_tramp_lm64
	.code16
smp_trampoline:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	xor	%ebx, %ebx
	mov	%ax, %bx
	shl	$4, %ebx		/* EBX = the page's physical address */
	movl	$1, TRAMP_DATA + TD_STAGE
	lgdtl	TRAMP_DATA + TD_GDTR
	mov	%cr0, %eax
	or	$1, %eax		/* PE */
	mov	%eax, %cr0
	ljmpl	*(TRAMP_DATA + TD_FAR32)

	.code32
smp_tramp_pm32:
	mov	$TRAMP_SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr4, %eax
	or	$0x20, %eax		/* PAE */
	mov	%eax, %cr4
	mov	(TRAMP_DATA + TD_CR3)(%ebx), %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx	/* EFER */
	mov	(TRAMP_DATA + TD_EFER)(%ebx), %eax
	mov	(TRAMP_DATA + TD_EFER + 4)(%ebx), %edx
	wrmsr
	mov	%cr0, %eax
	and	$0x9fffffff, %eax	/* clear CD and NW: INIT leaves caching off */
	or	$0x80000001, %eax	/* PG (PE still set) */
	mov	%eax, %cr0
	ljmpl	*(TRAMP_DATA + TD_FAR64)(%ebx)

	.code64
smp_tramp_lm64:
	mov	%ebx, %ebx		/* zero-extend: the upper half is undefined */
	movl	$2, (TRAMP_DATA + TD_STAGE)(%rbx)
	mov	(TRAMP_DATA + TD_STACK)(%rbx), %rsp
	mov	(TRAMP_DATA + TD_ARG)(%rbx), %rdi
	mov	(TRAMP_DATA + TD_KCR3)(%rbx), %rsi
	mov	(TRAMP_DATA + TD_ENTRY)(%rbx), %rax
	jmp	*%rax
smp_trampoline_end:

	.text
	.globl smp_ap_entry64
	.type smp_ap_entry64, @function
/* In the higher half, still on the start-up page tables (which map the
 * kernel too): switch to the kernel's, then C. %rdi = struct cpu. */
smp_ap_entry64:
	mov	%rsi, %cr3
	xor	%ebp, %ebp
	call	smp_ap_main
1:	cli
	hlt
	jmp	1b
	.size smp_ap_entry64, . - smp_ap_entry64
