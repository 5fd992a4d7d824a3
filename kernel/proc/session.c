/*
 * Sessions, the process side: setsid(2), and each process's controlling
 * terminal as the terminals ask about it (tty_job_ops, tty.h). The rules
 * themselves (who gets a terminal, who may read it) are the terminal
 * layer's, tty/session.c; here is only what a process holds:
 *
 *   - sid: its session, inherited at fork; setsid makes a new one, with
 *     the caller as its leader (sid == pid) and no controlling terminal.
 *   - ctty: the controlling terminal, inherited at fork and kept across
 *     execve. When a session leader ends, its terminal is released and
 *     every process of the session loses it (tty_session_leader_exit).
 *
 * p->ctty and p->sid change under the tree lock; a process reads its own
 * without it (only it and the tree-lock holders write them).
 */
#include "lib/errno.h"
#include "proc/proc.h"
#include "proc/proc_internal.h"
#include "proc/session.h"
#include "tty/tty.h"

static int cur_pgrp(void) { return __atomic_load_n(&proc_current()->pgid, __ATOMIC_RELAXED); }
static int cur_sid(void) { return __atomic_load_n(&proc_current()->sid, __ATOMIC_RELAXED); }

static bool cur_leader(void)
{
	struct proc *p = proc_current();
	return __atomic_load_n(&p->sid, __ATOMIC_RELAXED) == p->pid;
}

static struct tty *cur_ctty(void) { return __atomic_load_n(&proc_current()->ctty, __ATOMIC_RELAXED); }

static void set_ctty(struct tty *t)
{
	spin_lock(&proc_tree_lock);
	__atomic_store_n(&proc_current()->ctty, t, __ATOMIC_RELAXED);
	spin_unlock(&proc_tree_lock);
}

static void drop_ctty(int sid, struct tty *t)
{
	spin_lock(&proc_tree_lock);
	for (struct proc *q = proc_all(); q; q = q->all_next)
		if (q->sid == sid && q->ctty == t)
			__atomic_store_n(&q->ctty, NULL, __ATOMIC_RELAXED);
	spin_unlock(&proc_tree_lock);
}

/* As for setpgid, a group exists while any member does, zombies included:
 * a shell makes a pipeline's group the foreground from each of its
 * children, and the first may have ended before the last one asks. */
static int pgrp_check(int pgrp, int sid)
{
	int r = -ESRCH;
	spin_lock(&proc_tree_lock);
	for (struct proc *q = proc_all(); q && r; q = q->all_next)
		if (q->pgid == pgrp)
			r = q->sid == sid ? 0 : -EPERM;
	spin_unlock(&proc_tree_lock);
	return r;
}

static const struct tty_job_ops job_ops = {
	.pgrp = cur_pgrp,
	.sid = cur_sid,
	.session_leader = cur_leader,
	.ctty = cur_ctty,
	.set_ctty = set_ctty,
	.drop_ctty = drop_ctty,
	.pgrp_check = pgrp_check,
	.refuses = proc_current_refuses,
	.kill_pgrp = proc_kill_pgrp,
};

void session_init(void) { tty_set_job_ops(&job_ops); }

int session_setsid(void)
{
	struct proc *p = proc_current();
	int r;
	spin_lock(&proc_tree_lock);
	/* A process group leader cannot start a session (its group would
	 * straddle two), nor can anyone whose id another group uses. */
	bool used = false;
	for (struct proc *q = proc_all(); q && !used; q = q->all_next)
		used = q->pgid == p->pid && q->state == PROC_ALIVE;
	if (used) {
		r = -EPERM;
	} else {
		__atomic_store_n(&p->sid, p->pid, __ATOMIC_RELAXED);
		__atomic_store_n(&p->pgid, p->pid, __ATOMIC_RELAXED);
		__atomic_store_n(&p->ctty, NULL, __ATOMIC_RELAXED);
		r = p->pid;
	}
	spin_unlock(&proc_tree_lock);
	return r;
}

void session_exit(struct proc *p)
{
	struct tty *t = __atomic_load_n(&p->ctty, __ATOMIC_RELAXED);
	if (t && p->sid == p->pid)
		tty_session_leader_exit(t, p->sid);
}
