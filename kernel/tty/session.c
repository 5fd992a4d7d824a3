/*
 * Controlling terminals and job control on them (POSIX 11.1.2-11.1.4, and
 * Linux where POSIX leaves a choice):
 *
 *   - A session leader with no controlling terminal that opens a terminal
 *     no session has, without O_NOCTTY, gets it as its controlling terminal
 *     (busybox's init does exactly that: setsid, then open /dev/ttyS0), or
 *     asks with TIOCSCTTY. /dev/console never becomes one by open (Linux's
 *     rule: a program started on the console does not take it by accident).
 *     Children inherit the controlling terminal; setsid leaves it behind.
 *   - The terminal then has a foreground process group (TIOCSPGRP, only
 *     one of its own session's), which gets the signals of ^C ^\ ^Z and may
 *     read; any other group of the session that reads is stopped with
 *     SIGTTIN, and that writes (with TOSTOP) or changes the settings, with
 *     SIGTTOU.
 *   - When the session leader ends (or gives the terminal up with
 *     TIOCNOTTY), the foreground group gets SIGHUP and SIGCONT, and every
 *     process of the session loses the terminal. When it ends, the
 *     terminal is also hung up (tty_hangup, Linux's vhangup): the files
 *     open on it give end of file and EIO from then on, so a process
 *     that ignored SIGHUP cannot go on using the terminal of a session
 *     that is over.
 *
 *   session 7 (sh on ttyS0)             ttyS0
 *   ┌───────────────────────────┐      ┌──────────────┐
 *   │ pgrp 7:  sh (leader)      │◄─────│ session = 7  │
 *   │ pgrp 9:  sleep 100 &      │      │ fg_pgrp = 12 │── ^C: SIGINT to 12
 *   │ pgrp 12: cat | wc   ◄─────┼──────│              │
 *   └───────────────────────────┘      └──────────────┘
 *
 * The terminal keeps its session and foreground group; each process keeps
 * its controlling terminal (the process layer, through tty_job_ops).
 * Changes to a terminal's session happen under its mutex.
 */
#include "arch/x86_64/uaccess.h"
#include "lib/errno.h"
#include "tty/tty_internal.h"

#define SIGHUP 1
#define SIGCONT 18
#define SIGTTIN 21
#define SIGTTOU 22

#define TIOCSCTTY 0x540e
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define TIOCNOTTY 0x5422
#define TIOCGSID 0x5429

const struct tty_job_ops *tty_jobs;

void tty_set_job_ops(const struct tty_job_ops *ops) { tty_jobs = ops; }

/* Whether t is the calling process's controlling terminal. */
static bool is_ctty(struct tty *t) { return tty_jobs && tty_jobs->ctty() == t; }

/* The caller's session takes t (the caller is its leader, without a
 * controlling terminal). With the terminal's mutex held. */
static void take(struct tty *t)
{
	atomic_store(&t->session, tty_jobs->sid());
	atomic_store(&t->fg_pgrp, tty_jobs->pgrp());
	tty_jobs->set_ctty(t);
}

void tty_session_open(struct tty *t, bool noctty)
{
	if (noctty || !tty_jobs || !tty_jobs->session_leader() || tty_jobs->ctty())
		return;
	mutex_lock(&t->lock);
	if (atomic_load(&t->session) == 0)
		take(t);
	mutex_unlock(&t->lock);
}

/* The session sid lets go of t: its foreground group is told (SIGHUP,
 * then SIGCONT so that a stopped one sees it), and nobody in the session
 * has t any more. */
static void release(struct tty *t, int sid)
{
	mutex_lock(&t->lock);
	if (atomic_load(&t->session) != sid) {
		mutex_unlock(&t->lock);
		return;
	}
	int32_t fg = atomic_exchange(&t->fg_pgrp, 0);
	atomic_store(&t->session, 0);
	mutex_unlock(&t->lock);
	if (!tty_jobs)
		return;
	tty_jobs->drop_ctty(sid, t);
	if (fg > 0) {
		tty_jobs->kill_pgrp(fg, SIGHUP);
		tty_jobs->kill_pgrp(fg, SIGCONT);
	}
}

void tty_session_leader_exit(struct tty *t, int sid)
{
	if (atomic_load(&t->session) == sid)
		tty_hangup(t);
	release(t, sid);
}

int tty_background_check(struct tty *t, int sig)
{
	if (!is_ctty(t))
		return 0;
	int32_t fg = atomic_load(&t->fg_pgrp);
	int pg = tty_jobs->pgrp();
	if (fg <= 0 || pg == fg)
		return 0;
	if (tty_jobs->refuses(sig))
		return sig == SIGTTIN ? -EIO : 0;
	tty_jobs->kill_pgrp(pg, sig);
	return -EINTR;
}

void tty_signal_foreground(struct tty *t, int sig)
{
	int32_t fg = atomic_load(&t->fg_pgrp);
	if (fg > 0 && tty_jobs)
		tty_jobs->kill_pgrp(fg, sig);
}

/* TIOCSCTTY: arg 1 lets a privileged caller take a terminal another
 * session has (everyone is root here, as in Linux's check). */
static int set_ctty(struct tty *t, uint64_t arg)
{
	if (!tty_jobs->session_leader())
		return -EPERM;
	struct tty *cur = tty_jobs->ctty();
	if (cur == t)
		return 0;
	if (cur)
		return -EPERM;
	mutex_lock(&t->lock);
	int32_t other = atomic_load(&t->session);
	if (other && arg != 1) {
		mutex_unlock(&t->lock);
		return -EPERM;
	}
	take(t);
	mutex_unlock(&t->lock);
	if (other && other != tty_jobs->sid())
		tty_jobs->drop_ctty(other, t); /* stolen */
	return 0;
}

int64_t tty_session_ioctl(struct tty *t, unsigned long req, uint64_t arg)
{
	switch (req) {
	case TIOCSCTTY:
		return tty_jobs ? set_ctty(t, arg) : -EPERM;
	case TIOCNOTTY:
		if (!is_ctty(t))
			return -ENOTTY;
		if (tty_jobs->session_leader())
			release(t, tty_jobs->sid());
		else
			tty_jobs->set_ctty(NULL);
		return 0;
	case TIOCGPGRP: {
		if (!is_ctty(t))
			return -ENOTTY;
		int32_t pg = atomic_load(&t->fg_pgrp);
		return copy_to_user(arg, &pg, sizeof(pg));
	}
	case TIOCSPGRP: {
		if (!is_ctty(t))
			return -ENOTTY;
		int bg = tty_background_check(t, SIGTTOU);
		if (bg)
			return bg;
		int32_t pg;
		if (copy_from_user(&pg, arg, sizeof(pg)))
			return -EFAULT;
		if (pg < 0)
			return -EINVAL;
		int err = tty_jobs->pgrp_check(pg, tty_jobs->sid());
		if (err)
			return err;
		atomic_store(&t->fg_pgrp, pg);
		return 0;
	}
	case TIOCGSID: {
		int32_t sid = atomic_load(&t->session);
		if (!is_ctty(t) || sid == 0)
			return -ENOTTY;
		return copy_to_user(arg, &sid, sizeof(sid));
	}
	default:
		return TTY_NOT_SESSION_IOCTL;
	}
}
