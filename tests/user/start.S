/*
 * The entry of the project's freestanding test programs: the kernel starts
 * _start with rsp at argc (System V ABI AMD64, 3.4.1, figure 3.9), argv
 * right above it and envp after argv's NULL. Call main(argc, argv, envp)
 * with the stack 16-byte aligned, then exit_group with its result.
 */
	.text
	.globl _start
	.type _start, @function
_start:
	xorl	%ebp, %ebp		/* the outermost frame, for backtraces */
	movq	(%rsp), %rdi		/* argc */
	leaq	8(%rsp), %rsi		/* argv */
	leaq	16(%rsi,%rdi,8), %rdx	/* envp: past argv and its NULL */
	andq	$-16, %rsp
	call	main
	movl	%eax, %edi
	movl	$231, %eax		/* exit_group */
	syscall
	ud2
	.size _start, . - _start
