/*
 * Copies between kernel and user memory that survive a bad user pointer
 * (see uaccess.h). Each routine touches user memory only between its
 * _fault_begin and _fault_end labels; a page fault there that the memory
 * manager cannot resolve resumes at the routine's fixup (uaccess.c moves
 * RIP), which returns what was left undone. With SMAP on, user pages are
 * reachable only between stac and clac (Intel SDM vol. 3A, 4.6.1).
 */
	.text

.macro USER_ON
	testb	$1, uaccess_smap(%rip)
	jz	1f
	stac
1:
.endm

.macro USER_OFF
	testb	$1, uaccess_smap(%rip)
	jz	1f
	clac
1:
.endm

/* uint64_t uaccess_copy(void *dst, const void *src, uint64_t n):
 * returns the number of bytes not copied (0 on success). Eight bytes at a
 * time (rep movsq), then the tail (rep movsb): under QEMU's -icount each
 * iteration of a rep instruction counts as one instruction, and a signal
 * frame is a kilobyte. A fault in the first part leaves rcx quadwords and
 * rdx tail bytes uncopied: its fixup turns that into bytes. */
	.globl uaccess_copy
	.type uaccess_copy, @function
uaccess_copy:
	USER_ON
	movq	%rdx, %rcx
	shrq	$3, %rcx
	andl	$7, %edx
	.globl uaccess_copyq_fault_begin
uaccess_copyq_fault_begin:
	rep movsq
	.globl uaccess_copyq_fault_end
uaccess_copyq_fault_end:
	movq	%rdx, %rcx
	.globl uaccess_copy_fault_begin
uaccess_copy_fault_begin:
	rep movsb
	.globl uaccess_copy_fault_end
uaccess_copy_fault_end:
	.globl uaccess_copy_fixup
uaccess_copy_fixup:
	USER_OFF
	movq	%rcx, %rax
	ret
	.globl uaccess_copyq_fixup
uaccess_copyq_fixup:
	shlq	$3, %rcx
	addq	%rdx, %rcx
	jmp	uaccess_copy_fixup
	.size uaccess_copy, . - uaccess_copy

/* uint64_t uaccess_zero(void *dst, uint64_t n): bytes not cleared, eight
 * at a time first, as uaccess_copy. */
	.globl uaccess_zero
	.type uaccess_zero, @function
uaccess_zero:
	USER_ON
	movq	%rsi, %rcx
	shrq	$3, %rcx
	andl	$7, %esi
	xorl	%eax, %eax
	.globl uaccess_zeroq_fault_begin
uaccess_zeroq_fault_begin:
	rep stosq
	.globl uaccess_zeroq_fault_end
uaccess_zeroq_fault_end:
	movq	%rsi, %rcx
	.globl uaccess_zero_fault_begin
uaccess_zero_fault_begin:
	rep stosb
	.globl uaccess_zero_fault_end
uaccess_zero_fault_end:
	.globl uaccess_zero_fixup
uaccess_zero_fixup:
	USER_OFF
	movq	%rcx, %rax
	ret
	.globl uaccess_zeroq_fixup
uaccess_zeroq_fixup:
	shlq	$3, %rcx
	addq	%rsi, %rcx
	jmp	uaccess_zero_fixup
	.size uaccess_zero, . - uaccess_zero

/* int64_t uaccess_strncpy(char *dst, const char *usrc, uint64_t max):
 * copies up to and including the NUL; returns the length without it, -1
 * if there is no NUL within max bytes, -2 on a fault. */
	.globl uaccess_strncpy
	.type uaccess_strncpy, @function
uaccess_strncpy:
	USER_ON
	xorl	%eax, %eax
	.globl uaccess_str_fault_begin
uaccess_str_fault_begin:
1:	cmpq	%rdx, %rax
	je	2f
	movb	(%rsi,%rax), %cl
	movb	%cl, (%rdi,%rax)
	testb	%cl, %cl
	jz	3f
	incq	%rax
	jmp	1b
	.globl uaccess_str_fault_end
uaccess_str_fault_end:
2:	movq	$-1, %rax
3:	USER_OFF
	ret
	.globl uaccess_str_fixup
uaccess_str_fixup:
	USER_OFF
	movq	$-2, %rax
	ret
	.size uaccess_strncpy, . - uaccess_strncpy
