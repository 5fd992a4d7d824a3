/*
 * ldr_handoff(cr3, entry, stack_top, bootinfo_virt): the last seven
 * instructions of the loader. Called after ExitBootServices with interrupts
 * off. This code page is identity-mapped in the new tables (paging.c), so the
 * fetch after "mov %cr3" still finds it; everything after that uses only
 * registers. The kernel's _start is entered like a SysV function called with
 * one argument (the boot-info pointer in %rdi) and a 16-byte aligned stack
 * minus the return address, which is a zero that ends frame-pointer walks.
 */
	.text
	.globl ldr_handoff
	.type ldr_handoff, @function
	.p2align 12
ldr_handoff:
	cli
	mov	%rdi, %cr3
	mov	%rdx, %rsp
	mov	%rcx, %rdi
	xor	%ebp, %ebp
	push	$0
	jmp	*%rsi
	.size ldr_handoff, . - ldr_handoff
