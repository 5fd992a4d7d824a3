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
 *
 * Orphaned process groups. A stopped job needs someone to continue it:
 * the shell that started it, a process of the same session in another
 * group. A group with no member whose parent is such a process is
 * "orphaned" (POSIX, "orphaned process group"): nobody is left who would
 * send SIGCONT, so a stopped member would stay stopped for ever. When an
 * exit makes a group orphaned and a member of it is stopped, POSIX has
 * every member sent SIGHUP and then SIGCONT: the default action of SIGHUP
 * ends them, and a member that handles it runs on. An exit can orphan two
 * kinds of group: its own (it was a member whose parent gave the link),
 * and a child's (it was the parent giving the link):
 *
 *   session 1:  shell (group 1)                 shell exits: group 7 has
 *                 `-- job (group 7, stopped)    no link left, and a
 *                                               stopped member: SIGHUP,
 *                                               SIGCONT to group 7
 *
 * As on Linux, init (the new parent of orphans) never counts as a link.
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

/* Under the tree lock: does group pgid have a member, other than the
 * exiting process gone, whose parent links it to its session (a live
 * parent, not gone and not init, in another group of the same session)? */
static bool pgrp_has_link(int pgid, const struct proc *gone, const struct proc *init)
{
	for (struct proc *q = proc_all(); q; q = q->all_next) {
		if (q->pgid != pgid || q == gone || q->state != PROC_ALIVE)
			continue;
		const struct proc *par = q->parent;
		if (par && par != gone && par != init && par->state == PROC_ALIVE &&
		    par->pgid != pgid && par->sid == q->sid)
			return true;
	}
	return false;
}

/* Under the tree lock: group pgid, which gone's exit may have orphaned.
 * If it is orphaned now and a live member is stopped, SIGHUP and SIGCONT
 * to every live member. */
static void hangup_if_orphaned(int pgid, const struct proc *gone, const struct proc *init)
{
	bool stopped = false;
	for (struct proc *q = proc_all(); q && !stopped; q = q->all_next)
		stopped = q->pgid == pgid && q != gone && q->state == PROC_ALIVE && q->stopped;
	if (!stopped || pgrp_has_link(pgid, gone, init))
		return;
	uint64_t info = sig_info(SI_KERNEL, 0, 0);
	for (struct proc *q = proc_all(); q; q = q->all_next)
		if (q->pgid == pgid && q != gone && q->state == PROC_ALIVE) {
			proc_kill_info(q, SIGHUP, info);
			proc_kill_info(q, SIGCONT, info);
		}
}

void jobctl_exit_orphans(struct proc *p, const struct proc *init)
{
	/* p's own group, when p's parent linked it. */
	const struct proc *par = p->parent;
	if (par && par != init && par->pgid != p->pgid && par->sid == p->sid)
		hangup_if_orphaned(p->pgid, p, init);
	/* Its children's groups that p linked. Once a group got its
	 * signals nothing in it is stopped, so a second child of the same
	 * group sends nothing twice. */
	for (struct proc *c = p->children; c; c = c->sibling)
		if (c->state == PROC_ALIVE && c->pgid != p->pgid && c->sid == p->sid)
			hangup_if_orphaned(c->pgid, p, init);
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
