/*
 * The console terminal (see tty.h): its device operations, the ioctls
 * Linux programs use on a terminal, and the thread that feeds keys into
 * the line discipline.
 *
 * The input thread also feeds the line discipline the terminal's own
 * answers: a program that writes ESC[6n (busybox's shell does at every
 * prompt) expects "ESC[row;colR" on its input, as if typed. The console
 * queues those answers while it interprets the output and hands them to
 * tty_reply (registered with console_set_reply_handler), which keeps them
 * here until the input thread passes them on, ahead of the keys that
 * arrive after them.
 */
#include "tty/tty.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "arch/x86_64/uaccess.h"
#include "console/console.h"
#include "core/kprintf.h"
#include "dev/input.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "sync/spinlock.h"
#include "tty/ldisc.h"

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCSBRK 0x5409
#define TCXONC 0x540a
#define TCFLSH 0x540b
#define TIOCSCTTY 0x540e
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define TIOCOUTQ 0x5411
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541b
#define TIOCNOTTY 0x5422
#define TIOCGSID 0x5429
#define TCIFLUSH 0
#define TCIOFLUSH 2
#define VTIME_STEP_NS (10u * 1000 * 1000) /* VTIME waits look every 10 ms */
#define WRITE_CHUNK 512
#define REPLY_MAX 128 /* queued answer bytes; more are dropped */

struct winsize_user { /* asm-generic/termios.h */
	uint16_t rows, cols, xpixel, ypixel;
};
_Static_assert(sizeof(struct winsize_user) == 8, "struct winsize");

struct tty {
	struct mutex lock;        /* the line discipline, the settings */
	struct ldisc ld;
	struct wait_queue readers; /* woken when input may have become readable */
	struct wait_queue input;  /* the input thread sleeps here */
	_Atomic int32_t fg_pgrp;
	struct winsize_user ws;
	_Atomic bool started;     /* the input thread runs */
};

static struct tty console;

/* The terminal's answers waiting for the input thread. */
static struct spinlock reply_lock = SPINLOCK_INIT("tty replies"); /* guards replies, nreplies */
static char replies[REPLY_MAX];
static _Atomic uint32_t nreplies; /* also read without the lock, as a hint */
static int (*signal_sender)(int pgrp, int sig);
static int (*current_pgrp)(void);
static bool (*refuses)(int sig);

void tty_set_signal_sender(int (*send)(int pgrp, int sig)) { signal_sender = send; }

void tty_set_job_hooks(int (*pgrp)(void), bool (*refuse)(int sig))
{
	current_pgrp = pgrp;
	refuses = refuse;
}

#define SIGTTIN 21
#define SIGTTOU 22

/* Job control's rule for a process outside the foreground group (POSIX
 * 11.1.4): reading stops it with SIGTTIN; writing with TOSTOP set, or
 * changing the terminal, stops it with SIGTTOU. 0: go ahead (in the
 * foreground, or writing while ignoring or blocking SIGTTOU); -EIO: a
 * read that ignores or blocks SIGTTIN; -EINTR: the signal is sent, and the
 * call runs again once the process is continued. */
static int background_check(struct tty *t, int sig)
{
	int32_t fg = atomic_load(&t->fg_pgrp);
	if (!current_pgrp || !signal_sender || fg <= 0 || current_pgrp() == fg)
		return 0;
	if (refuses(sig))
		return sig == SIGTTIN ? -EIO : 0;
	signal_sender(current_pgrp(), sig);
	return -EINTR;
}
void tty_set_foreground(int32_t pgrp) { atomic_store(&console.fg_pgrp, pgrp); }

static void emit(void *ctx, const uint8_t *s, size_t n)
{
	(void)ctx;
	console_write((const char *)s, n);
}

/* ---- Input ---- */

static bool input_ready(void *arg)
{
	(void)arg;
	return input_pending() != 0 || atomic_load_explicit(&nreplies, memory_order_relaxed) != 0;
}

/* Called from the input interrupts (dev/input.c): only a wake-up. */
static void input_arrived(void) { wake_one(&console.input); }

/* The console's reply handler: an answer, whole or not at all (half an
 * escape sequence would read as stray keys). From any thread, with no
 * console lock held; possibly with the tty mutex held (a write), so it
 * only queues and wakes. */
static void tty_reply(const char *s, size_t n)
{
	spin_lock(&reply_lock);
	uint32_t have = atomic_load_explicit(&nreplies, memory_order_relaxed);
	if (n <= REPLY_MAX - have) {
		memcpy(replies + have, s, n);
		atomic_store_explicit(&nreplies, have + (uint32_t)n, memory_order_relaxed);
	}
	spin_unlock(&reply_lock);
	wake_one(&console.input);
}

/* Take the queued answers (into buf, REPLY_MAX bytes); returns how many. */
static size_t take_replies(char *buf)
{
	spin_lock(&reply_lock);
	size_t n = atomic_load_explicit(&nreplies, memory_order_relaxed);
	memcpy(buf, replies, n);
	atomic_store_explicit(&nreplies, 0, memory_order_relaxed);
	spin_unlock(&reply_lock);
	return n;
}

static void input_thread(void *arg)
{
	struct tty *t = arg;
	for (;;) {
		wait_event(&t->input, input_ready, NULL);
		int sig = 0;
		char reply[REPLY_MAX];
		size_t nreply = take_replies(reply);
		mutex_lock(&t->lock);
		for (size_t i = 0; i < nreply; i++)
			ldisc_receive(&t->ld, (uint8_t)reply[i]); /* no signal keys in an answer */
		for (int c; (c = input_getc()) >= 0;) {
			int s = ldisc_receive(&t->ld, (uint8_t)c);
			if (s)
				sig = s; /* several in one batch: the last one */
		}
		mutex_unlock(&t->lock);
		wake_all(&t->readers);
		int32_t pg = atomic_load(&t->fg_pgrp);
		if (sig && pg > 0 && signal_sender)
			signal_sender(pg, sig);
	}
}

static void start(struct tty *t)
{
	bool no = false;
	if (!atomic_compare_exchange_strong(&t->started, &no, true))
		return;
	input_set_listener(input_arrived);
	if (!thread_spawn_detached("tty", input_thread, t, ~0ull)) {
		kprintf("tty: cannot start the console's input thread; input stays unread\n");
		return;
	}
	wake_one(&t->input); /* whatever was typed before */
}

/* ---- Reading ---- */

struct ready_arg {
	struct tty *t;
	unsigned min;
};

static bool readable(void *arg)
{
	struct ready_arg *a = arg;
	/* Without the lock: a stale answer only means one more look, since
	 * the input thread wakes the readers after every batch. */
	return ldisc_read_ready(&a->t->ld, a->min);
}

static int64_t tty_read(struct file *f, void *buf, size_t n)
{
	struct tty *t = &console;
	if (n == 0)
		return 0;
	int bg = background_check(t, SIGTTIN);
	if (bg)
		return bg;
	mutex_lock(&t->lock);
	bool canon = t->ld.t.lflag & TTY_ICANON;
	unsigned vmin = t->ld.t.cc[TTY_VMIN], vtime = t->ld.t.cc[TTY_VTIME];
	mutex_unlock(&t->lock);
	/* Non-canonical: VMIN bytes (at most n) are enough; with VTIME, a
	 * timer of VTIME tenths of a second (POSIX 11.1.7). */
	unsigned min = canon ? 1 : (vmin < n ? vmin : (unsigned)n);
	if (!canon && vmin == 0)
		min = vtime ? 1 : 0;
	struct ready_arg a = {t, min};
	if (!readable(&a)) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		/* A program waiting for input has stopped writing: the screen
		 * need not wait for the next frame. */
		console_drain();
		if (!canon && vtime) {
			/* VTIME: from the call (VMIN 0) or, simplified, also
			 * with VMIN > 0, a total wait; then what is there. */
			uint64_t waited = 0, limit = (uint64_t)vtime * 100 * 1000 * 1000;
			while (!readable(&a) && waited < limit) {
				if (thread_interrupted())
					return -EINTR;
				thread_sleep_ns(VTIME_STEP_NS);
				waited += VTIME_STEP_NS;
			}
		} else if (!wait_event_interruptible(&t->readers, readable, &a)) {
			return -EINTR;
		}
	}
	mutex_lock(&t->lock);
	size_t got = ldisc_read(&t->ld, buf, n);
	mutex_unlock(&t->lock);
	return (int64_t)got;
}

static int64_t tty_write(struct file *f, const void *buf, size_t n)
{
	(void)f;
	struct tty *t = &console;
	const uint8_t *p = buf;
	if (t->ld.t.lflag & TTY_TOSTOP) {
		int bg = background_check(t, SIGTTOU);
		if (bg)
			return bg;
	}
	for (size_t done = 0; done < n;) {
		size_t k = n - done < WRITE_CHUNK ? n - done : WRITE_CHUNK;
		mutex_lock(&t->lock);
		ldisc_write(&t->ld, p + done, k);
		mutex_unlock(&t->lock);
		done += k;
	}
	return (int64_t)n;
}

/* ---- Settings ---- */

static int64_t tty_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	(void)f;
	struct tty *t = &console;
	switch (req) {
	case TCGETS: {
		mutex_lock(&t->lock);
		struct tty_termios tio = t->ld.t;
		mutex_unlock(&t->lock);
		return copy_to_user(arg, &tio, sizeof(tio));
	}
	case TCSETS:
	case TCSETSW: /* drained: the screen first shows what was written */
	case TCSETSF: {
		int bg = background_check(t, SIGTTOU);
		if (bg)
			return bg;
		struct tty_termios tio;
		if (copy_from_user(&tio, arg, sizeof(tio)))
			return -EFAULT;
		if (req != TCSETS)
			console_drain();
		mutex_lock(&t->lock);
		if (req == TCSETSF)
			ldisc_flush_input(&t->ld);
		ldisc_set_termios(&t->ld, &tio);
		mutex_unlock(&t->lock);
		wake_all(&t->readers); /* a mode change can make input readable */
		return 0;
	}
	case TCFLSH:
		if (arg != TCIFLUSH && arg != TCIOFLUSH)
			return arg == 1 ? 0 : -EINVAL; /* TCOFLUSH: nothing is queued */
		mutex_lock(&t->lock);
		ldisc_flush_input(&t->ld);
		mutex_unlock(&t->lock);
		return 0;
	case TCSBRK: /* tcdrain: serial is written at once; draw the screen */
		console_drain();
		return 0;
	case TCXONC:
		return 0;
	case TIOCGWINSZ: {
		mutex_lock(&t->lock);
		struct winsize_user ws = t->ws;
		mutex_unlock(&t->lock);
		return copy_to_user(arg, &ws, sizeof(ws));
	}
	case TIOCSWINSZ: {
		struct winsize_user ws;
		if (copy_from_user(&ws, arg, sizeof(ws)))
			return -EFAULT;
		mutex_lock(&t->lock);
		t->ws = ws;
		mutex_unlock(&t->lock);
		return 0;
	}
	case TIOCGPGRP: {
		int32_t pg = atomic_load(&t->fg_pgrp);
		return copy_to_user(arg, &pg, sizeof(pg));
	}
	case TIOCSPGRP: {
		int bg = background_check(t, SIGTTOU);
		if (bg)
			return bg;
		int32_t pg;
		if (copy_from_user(&pg, arg, sizeof(pg)))
			return -EFAULT;
		if (pg <= 0)
			return -EINVAL;
		atomic_store(&t->fg_pgrp, pg);
		return 0;
	}
	case TIOCGSID: {
		int32_t sid = 1; /* the console's session: init's */
		return copy_to_user(arg, &sid, sizeof(sid));
	}
	case TIOCSCTTY:
	case TIOCNOTTY:
		return 0;
	case FIONREAD: {
		mutex_lock(&t->lock);
		int32_t avail = (int32_t)ldisc_available(&t->ld);
		mutex_unlock(&t->lock);
		return copy_to_user(arg, &avail, sizeof(avail));
	}
	case TIOCOUTQ: {
		int32_t zero = 0;
		return copy_to_user(arg, &zero, sizeof(zero));
	}
	default:
		return -ENOTTY;
	}
}

static unsigned tty_poll(struct file *f)
{
	(void)f;
	struct ready_arg a = {&console, 1};
	return (readable(&a) ? VFS_POLLIN : 0) | VFS_POLLOUT;
}

static int tty_open(struct file *f)
{
	(void)f;
	start(&console);
	return 0;
}

static const struct file_ops tty_ops = {
	.open = tty_open, .read = tty_read, .write = tty_write, .ioctl = tty_ioctl, .poll = tty_poll,
};

void tty_init(void)
{
	struct tty *t = &console;
	mutex_init(&t->lock, "tty");
	wait_queue_init(&t->readers, "tty readers");
	wait_queue_init(&t->input, "tty input");
	ldisc_init(&t->ld, emit, t);
	console_set_reply_handler(tty_reply);
	unsigned cols, rows;
	console_size(&cols, &rows);
	t->ws = (struct winsize_user){.rows = (uint16_t)rows, .cols = (uint16_t)cols};
	atomic_store(&t->fg_pgrp, 1);
	if (vfs_register_chrdev(5, 1, &tty_ops) || vfs_register_chrdev(5, 0, &tty_ops))
		kprintf("tty: cannot register /dev/console and /dev/tty\n");
}
