/*
 * Job control: stopping and continuing processes, as Ctrl-Z, `bg` and
 * `fg` need (POSIX "Signal Actions"; Linux's kernel/signal.c for the
 * details). A stop signal (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) whose action
 * is the default stops the whole process: the thread that takes it marks
 * the process stopped, tells the parent (a status for wait4 with
 * WUNTRACED, and SIGCHLD unless the parent asked for SA_NOCLDSTOP), and
 * parks; every other thread parks on its next way back to user mode.
 * SIGCONT, whatever its action, continues a stopped process at the moment
 * it is sent, and tells the parent again (WCONTINUED). A stopped process
 * still dies of SIGKILL.
 *
 *            stop signal, default action
 *   running ----------------------------> stopped ---- SIGKILL ---> ends
 *      ^                                     |
 *      +-------------- SIGCONT --------------+
 *
 * A system call that the stop interrupted runs again once the process
 * continues, as if nothing had happened, with Linux's two exceptions: a
 * relative sleep (nanosleep, clock_nanosleep without TIMER_ABSTIME) goes
 * on as restart_syscall, which sleeps only what was left of it (the
 * deadline its task kept, task.h), and rt_sigtimedwait returns EINTR, as
 * signal(7) says it does on Linux after a stop.
 */
#include "arch/x86_64/syscall.h"
#include "lib/errno.h"
#include "proc/proc.h"
#include "proc/proc_internal.h"
#include "proc/signal.h"
#include "proc/task.h"
#include "sched/thread.h"
#include "sched/wait.h"

#define SA_NOCLDSTOP 1u
#define NR_NANOSLEEP 35
#define NR_RT_SIGTIMEDWAIT 128
#define NR_RESTART_SYSCALL 219
#define NR_CLOCK_NANOSLEEP 230

static uint64_t bit(int sig) { return 1ull << (sig - 1); }

#define STOP_SIGNALS (bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU))

bool jobctl_is_stop_signal(int sig) { return sig > 0 && sig <= 64 && (STOP_SIGNALS & bit(sig)); }

/* Tell the parent (tree lock held): wake its wait4, and SIGCHLD unless it
 * asked not to hear about stops and continues; its siginfo says which
 * child, CLD_STOPPED with the stop signal or CLD_CONTINUED with SIGCONT. */
static void notify_parent(struct proc *p, int code, int sig)
{
	struct proc *parent = p->parent;
	if (!parent)
		return;
	wake_all(&parent->child_wait);
	if (!(__atomic_load_n(&parent->sigactions[SIGCHLD - 1].flags, __ATOMIC_RELAXED) & SA_NOCLDSTOP))
		proc_kill_info(parent, SIGCHLD, sig_info(code, p->pid, sig));
}

static void drop_pending(struct proc *p, uint64_t mask)
{
	__atomic_and_fetch(&p->sig_pending, ~mask, __ATOMIC_ACQ_REL);
	for (struct task *t = p->tasks; t; t = t->group_next)
		__atomic_and_fetch(&t->sig_pending, ~mask, __ATOMIC_ACQ_REL);
}

void jobctl_on_send(struct proc *p, int sig)
{
	if (sig == SIGCONT) {
		drop_pending(p, STOP_SIGNALS);
		if (p->stopped) {
			p->stopped = false;
			p->job_report = JOB_REPORT_CONTINUED;
			wake_all(&p->stop_wq);
			notify_parent(p, CLD_CONTINUED, SIGCONT);
		}
	} else if (jobctl_is_stop_signal(sig)) {
		drop_pending(p, bit(SIGCONT));
	}
}

struct park_arg {
	struct proc *p;
	struct task *t;
};

static bool may_go(void *arg)
{
	struct park_arg *a = arg;
	return !__atomic_load_n(&a->p->stopped, __ATOMIC_ACQUIRE) ||
	       ((__atomic_load_n(&a->t->sig_pending, __ATOMIC_RELAXED) |
	         __atomic_load_n(&a->p->sig_pending, __ATOMIC_RELAXED)) & bit(SIGKILL));
}

void jobctl_park(struct task *t, struct trap_frame *tf)
{
	struct proc *p = t->proc;
	struct park_arg a = {p, t};
	bool interrupted_call = tf->vector == TF_VECTOR_SYSCALL && (int64_t)tf->rax == -EINTR &&
	                        t->syscall_nr >= 0;
	while (!may_go(&a)) {
		atomic_store_explicit(&t->thread->interrupted, false, memory_order_release);
		wait_event_interruptible(&p->stop_wq, may_go, &a);
	}
	/* Continued (or being killed): the call the stop cut short runs again. */
	if (!interrupted_call || __atomic_load_n(&p->stopped, __ATOMIC_ACQUIRE))
		return;
	int64_t nr = t->syscall_nr;
	if (nr == NR_RT_SIGTIMEDWAIT)
		return; /* EINTR */
	if (t->restart.armed && (nr == NR_NANOSLEEP || nr == NR_CLOCK_NANOSLEEP || nr == NR_RESTART_SYSCALL))
		nr = NR_RESTART_SYSCALL; /* only the rest of the sleep */
	tf->rax = (uint64_t)nr;
	tf->rip -= 2; /* the syscall instruction again */
}

void jobctl_stop(struct task *t, int sig, struct trap_frame *tf)
{
	struct proc *p = t->proc;
	spin_lock(&proc_tree_lock);
	if (!p->stopped) {
		p->stopped = true;
		p->stop_sig = sig;
		p->job_report = JOB_REPORT_STOPPED;
		notify_parent(p, CLD_STOPPED, sig);
		/* The other threads stop on their way back to user mode. */
		for (struct task *o = p->tasks; o; o = o->group_next)
			if (o != t) {
				o->stop_pending = 1;
				thread_interrupt(o->thread);
			}
	}
	spin_unlock(&proc_tree_lock);
	jobctl_park(t, tf);
}
