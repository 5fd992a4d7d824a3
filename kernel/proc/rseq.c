/*
 * rseq(2), restartable sequences: a thread registers a small area of its
 * memory (struct rseq_user, abi.h) where the kernel keeps the number of the
 * CPU it runs on, always up to date when the thread's code runs. glibc
 * registers one for every thread and answers sched_getcpu() from it
 * without a system call. The area also names the critical section the
 * thread is in (rseq_cs, set and cleared by the thread itself): if the
 * thread is interrupted, preempted or gets a signal inside it, the kernel
 * moves it to the section's abort address, so per-CPU data can be updated
 * with plain instructions and a commit at the end (Linux's
 * Documentation/userspace-api/rseq.rst explains the model).
 *
 * When the thread was away (the scheduler switched to it: sched's resume
 * hook sets rseq_pending) the way back to user mode calls rseq_resume,
 * which aborts a critical section in progress and writes the CPU number.
 * Signal delivery does the same before it builds the frame, so a handler
 * never returns into the middle of a section. A bad area or section ends
 * the thread's process with SIGSEGV, as on Linux.
 */
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/uaccess.h"
#include "core/kprintf.h"
#include "lib/errno.h"
#include "proc/abi.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/sys.h"
#include "proc/task.h"
#include "sched/sched.h"

#define RSEQ_FLAG_UNREGISTER 1
#define RSEQ_ORIG_SIZE 32 /* the first version of the area, what glibc 2.36 registers */

static bool fail(struct task *t, const char *why)
{
	kprintf("pid %d (%s): SIGSEGV: rseq: %s\n", t->proc->pid, t->proc->comm, why);
	t->rseq = 0; /* no second report on the way out */
	proc_signal_self(SIGSEGV);
	return false;
}

void rseq_resume(struct task *t, struct trap_frame *tf)
{
	t->rseq_pending = 0;
	if (!t->rseq)
		return;
	uint64_t cs_at;
	if (copy_from_user(&cs_at, t->rseq + __builtin_offsetof(struct rseq_user, rseq_cs), 8)) {
		fail(t, "the area cannot be read");
		return;
	}
	if (cs_at) {
		struct rseq_cs_user cs;
		if (cs_at >= USER_TOP || copy_from_user(&cs, cs_at, sizeof(cs))) {
			fail(t, "rseq_cs points at nothing readable");
			return;
		}
		if (cs.version != 0 || cs.start_ip >= USER_TOP || cs.post_commit_offset >= USER_TOP ||
		    cs.abort_ip >= USER_TOP) {
			fail(t, "a malformed critical section");
			return;
		}
		if (tf->rip - cs.start_ip < cs.post_commit_offset) { /* inside: abort */
			uint32_t sig;
			if (cs.abort_ip - cs.start_ip < cs.post_commit_offset ||
			    copy_from_user(&sig, cs.abort_ip - 4, 4) || sig != t->rseq_sig) {
				fail(t, "the abort handler is inside the section or lacks the signature");
				return;
			}
			tf->rip = cs.abort_ip;
		}
		uint64_t zero = 0;
		if (copy_to_user(t->rseq + __builtin_offsetof(struct rseq_user, rseq_cs), &zero, 8)) {
			fail(t, "the area cannot be written");
			return;
		}
	}
	/* The CPU this thread runs on. If it moves again before it reaches
	 * user mode, the scheduler sets rseq_pending again. */
	uint32_t cpu = thread_current()->cpu;
	uint32_t ids[2] = {cpu, cpu}; /* cpu_id_start, cpu_id */
	if (copy_to_user(t->rseq, ids, sizeof(ids)))
		fail(t, "the area cannot be written");
}

/* sched's resume hook: under the run queue lock, only a note. */
static void switched_in(struct thread *th)
{
	struct task *t = th->task;
	if (t && t->rseq)
		t->rseq_pending = 1;
}

void rseq_init(void) { sched_set_resume_hook(switched_in); }

SYSCALL(rseq) /* (struct rseq *rseq, uint32_t rseq_len, int flags, uint32_t sig) */
{
	(void)a4, (void)a5;
	struct task *t = task_current();
	uint64_t area = a0;
	uint32_t len = (uint32_t)a1, sig = (uint32_t)a3;
	int flags = (int)a2;
	if (flags & RSEQ_FLAG_UNREGISTER) {
		if (flags != RSEQ_FLAG_UNREGISTER || t->rseq != area || t->rseq_len != len)
			return -EINVAL;
		if (t->rseq_sig != sig)
			return -EPERM;
		uint32_t ids[2] = {0, (uint32_t)RSEQ_CPU_ID_UNINITIALIZED};
		if (copy_to_user(area, ids, sizeof(ids)))
			return -EFAULT;
		t->rseq = 0;
		return 0;
	}
	if (flags)
		return -EINVAL;
	if (t->rseq) { /* registered already: the same again is EBUSY */
		if (t->rseq != area || t->rseq_len != len)
			return -EINVAL;
		return t->rseq_sig != sig ? -EPERM : -EBUSY;
	}
	if (len < RSEQ_ORIG_SIZE || area % RSEQ_ORIG_SIZE)
		return -EINVAL;
	if (!uaccess_ok(area, len))
		return -EFAULT;
	t->rseq = area;
	t->rseq_len = len;
	t->rseq_sig = sig;
	t->rseq_pending = 1; /* the CPU number on the way out */
	return 0;
}
