/*
 * sched_switch(uint64_t *save_rsp, uint64_t load_rsp): the context switch.
 * It saves only what the SysV ABI says a call preserves (rbx, rbp, r12-r15;
 * rsp goes into *save_rsp), loads the other thread's stack and returns on
 * it, into the sched_switch call that thread made earlier, or into
 * thread_entry for a new thread. Everything else was saved by the C
 * caller, or by the interrupt entry when the switch is a preemption.
 * Interrupts are off throughout (the run-queue lock is held).
 */
	.text
	.globl sched_switch
	.type sched_switch, @function
sched_switch:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, (%rdi)
	mov	%rsi, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size sched_switch, . - sched_switch

/*
 * A new thread's first return lands here (thread.c builds the frame): r12
 * holds the thread. Finish the switch (release the run-queue lock, restore
 * interrupts), then run fn(arg) and exit with its... nothing: fn returns
 * void, so the exit code is 0.
 */
	.globl thread_entry
	.type thread_entry, @function
thread_entry:
	mov	%r12, %rdi
	call	sched_switch_done
	mov	%r12, %rdi
	call	thread_run
	ud2
	.size thread_entry, . - thread_entry
