/*
 * Tasks: one thread of a process, as Linux's task_struct is one thread of
 * a thread group. A process (proc.h) is what its threads share; a task is
 * what each of them has alone. The kernel thread (sched/thread.h) runs the
 * task's code and holds its kernel stack and registers; the task adds the
 * user-side state a thread needs:
 *
 *   per task (here)                      per process (struct proc)
 *   ---------------                      -------------------------
 *   tid (from the pid space)             pid (= the thread-group id)
 *   kernel thread, stack, FS base, FPU   address space (vm, shared by ref)
 *   signal mask, saved mask              descriptors, cwd, umask
 *   signals sent to this thread (tgkill) signals sent to the process (kill)
 *   sigaltstack                          signal actions (handlers)
 *   clear_child_tid, robust list head    parent, children, wait status
 *   the system call in progress          comm, process group, session
 *
 * A task lives from clone (or the start of init) until its thread ends:
 * task_exit frees it just before thread_exit, and nobody else keeps a
 * pointer to it past the tree lock (proc.c), under which it leaves its
 * process's list.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "sched/thread.h"
#include "sched/wait.h"

struct proc;
struct file;
struct inode;
struct semaphore;

/* References a system call took on descriptors' files and on the working
 * directory (fd.c): dropped when the call returns, so another thread's
 * close or chdir cannot free what this one is using. */
#define TASK_BORROW_MAX 80

struct task {
	int tid;                  /* the leader's is the process's pid */
	struct proc *proc;
	struct thread *thread;
	struct task *group_next;  /* the process's tasks (tree lock) */
	uint64_t sig_pending;     /* sent to this thread: bit sig - 1 (atomic) */
	uint64_t sig_info[64];    /* each pending signal's sender (signal.h, atomic) */
	uint64_t sigmask;         /* blocked signals (rt_sigprocmask) */
	uint64_t sigwait;         /* rt_sigtimedwait's set while it waits, else 0:
	                           * those are unblocked meanwhile (sigwait.c);
	                           * both change under the tree lock then */
	uint64_t saved_mask;      /* rt_sigsuspend: the mask to restore after delivery */
	bool restore_mask;
	bool must_exit;           /* exit_group, a fatal signal or execve by another
	                           * thread: leave at the next return to user mode */
	int64_t syscall_nr;       /* the system call in progress (SA_RESTART), or -1 */
	/* A relative sleep a signal cut short (nanosleep, clock_nanosleep):
	 * its deadline on the monotonic clock and where to write the time
	 * left, so that after a stop restart_syscall sleeps only what is left
	 * (sys_time.c, jobctl.c). Set by each sleep that returns EINTR. */
	struct {
		uint64_t deadline;
		uint64_t rem;         /* struct timespec * for the time left, or 0 */
		bool armed;
	} restart;
	struct wait_queue sig_wait; /* pause, rt_sigsuspend, rt_sigtimedwait sleep here */
	uint64_t altstack_sp, altstack_size; /* sigaltstack; size 0: none */
	uint64_t clear_child_tid; /* set_tid_address / CLONE_CHILD_CLEARTID */
	uint64_t robust_list;     /* set_robust_list: recorded only (see sys_proc.c) */
	struct semaphore *vfork_done; /* CLONE_VFORK: the parent waits on it */
	struct {                  /* a fault on its way to the thread's handler */
		int sig, code;        /* 0: none; si_code (SEGV_MAPERR...) */
		uint64_t addr;        /* si_addr */
	} fault;
	uint64_t rseq;            /* rseq(2): the registered area, 0 for none */
	uint32_t rseq_len, rseq_sig;
	/* Work for the way back to user mode, tested as one word on the
	 * system-call fast path: borrowed references to drop, and rseq to
	 * refresh (the thread ran elsewhere or was interrupted meanwhile). */
	union {
		uint32_t work;
		struct {
			uint16_t nborrowed;
			uint8_t rseq_pending;
			uint8_t stop_pending; /* its process stopped: park (jobctl.c) */
		};
	};
	struct {
		void *obj;
		bool inode;           /* a struct inode (cwd), else a struct file */
	} borrowed[TASK_BORROW_MAX];
};

/* rseq.c: on the way back to user mode after rseq_pending (or before a
 * signal frame): abort a critical section in progress, write the CPU. */
struct trap_frame;
void rseq_resume(struct task *t, struct trap_frame *tf);

/* The running thread's task, or NULL for a kernel thread. */
static inline struct task *task_current(void) { return thread_current()->task; }

/* End the running task: exit(2) of one thread. The last task of a process
 * ends the process (a zombie with wait_status, or the group's status if
 * exit_group or a fatal signal came first). Never returns. */
__attribute__((noreturn)) void task_exit(int wait_status);
/* Drop what the current system call borrowed (fd.c). */
void task_release_borrowed(struct task *t);
/* Find a live task by thread id; tgid > 0 also requires its process. For
 * signals: send under the tree lock (proc.c). */
int task_kill(int tgid, int tid, int sig);
