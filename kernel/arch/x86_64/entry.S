/*
 * _start: where the loader jumps, with the boot-info pointer (a direct-map
 * virtual address) in %rdi, interrupts off, on the loader's small hand-off
 * stack. It never returns.
 *
 * The first instruction reads the TSC so the boot timing covers the whole
 * kernel. Then: clear the direction flag (the SysV ABI requires DF=0 at every
 * call, and the firmware gives no promise), switch to the kernel's own boot
 * stack in .bss, and call kmain(bootinfo, tsc) with a zero frame pointer so
 * backtraces end here.
 */
	.section .text.entry, "ax"
	.globl _start
	.type _start, @function
_start:
	rdtsc
	shl	$32, %rdx
	or	%rax, %rdx
	mov	%rdx, %rsi		/* 2nd argument: TSC at kernel entry */
	cli
	cld
	lea	boot_stack_top(%rip), %rsp
	xor	%ebp, %ebp
	/* GS base -> the boot CPU's struct cpu (percpu.h), so this_cpu() works
	 * from the first line of C; wrmsr clobbers only eax, ecx and edx. */
	mov	%rdi, %r8
	mov	%rsi, %r9
	mov	$0xc0000101, %ecx	/* IA32_GS_BASE */
	lea	percpu_cpus(%rip), %rax
	mov	%rax, (%rax)		/* cpu 0's self pointer (%gs:0) */
	mov	%rax, %rdx
	shr	$32, %rdx
	wrmsr
	mov	%r8, %rdi
	mov	%r9, %rsi
	push	%rdi			/* keep kmain's arguments across the call */
	push	%rsi
	call	canary_init		/* before any protected function returns */
	pop	%rsi
	pop	%rdi
	call	kmain
1:	cli
	hlt
	jmp	1b
	.size _start, . - _start

	/* The boot stack, with a guard page below it that stacks_init() unmaps:
	 * the same layout as the guarded stacks in stacks.c. */
	.section .bss
	.p2align 12
	.globl boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:
	.skip 4096
boot_stack_bottom:
	.skip 16384
boot_stack_top:
