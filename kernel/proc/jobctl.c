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
 * continues, as if nothing had happened (a relative sleep starts its full
 * time again, where Linux would sleep only what was left).
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

static uint64_t bit(int sig) { return 1ull << (sig - 1); }

#define STOP_SIGNALS (bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU))

bool jobctl_is_stop_signal(int sig) { return sig > 0 && sig <= 64 && (STOP_SIGNALS & bit(sig)); }

/* Tell the parent (tree lock held): wake its wait4, and SIGCHLD unless it
 * asked not to hear about stops and continues. */
static void notify_parent(struct proc *p)
{
	struct proc *parent = p->parent;
	if (!parent)
		return;
	wake_all(&parent->child_wait);
	if (!(__atomic_load_n(&parent->sigactions[SIGCHLD - 1].flags, __ATOMIC_RELAXED) & SA_NOCLDSTOP))
		proc_kill(parent, SIGCHLD);
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
			notify_parent(p);
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
	if (interrupted_call && !__atomic_load_n(&p->stopped, __ATOMIC_ACQUIRE)) {
		tf->rax = (uint64_t)t->syscall_nr;
		tf->rip -= 2; /* the syscall instruction again */
	}
}

void jobctl_stop(struct task *t, int sig, struct trap_frame *tf)
{
	struct proc *p = t->proc;
	spin_lock(&proc_tree_lock);
	if (!p->stopped) {
		p->stopped = true;
		p->stop_sig = sig;
		p->job_report = JOB_REPORT_STOPPED;
		notify_parent(p);
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
