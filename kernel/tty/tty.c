/*
 * The terminals (see tty.h): tty0 on the keyboard and the screen, ttyS0 on
 * the serial line; their device operations, the ioctls Linux programs use
 * on a terminal, and the thread that feeds keys into the line disciplines.
 * Sessions and job control on them are session.c's.
 *
 * The input thread also feeds tty0 the screen's own answers: a program
 * that writes ESC[6n (busybox's shell does at every prompt) expects
 * "ESC[row;colR" on its input, as if typed. The console queues those
 * answers while it interprets the output and hands them to tty_reply
 * (registered with console_set_reply_handler), which keeps them here until
 * the input thread passes them on, ahead of the keys that arrive after
 * them. (A terminal on the serial line answers for itself.)
 */
#include "tty/tty.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "arch/x86_64/uaccess.h"
#include "console/console.h"
#include "core/kprintf.h"
#include "dev/input.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "sync/spinlock.h"
#include "time/clock.h"
#include "tty/tty_internal.h"

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCSBRK 0x5409
#define TCXONC 0x540a
#define TCFLSH 0x540b
#define TIOCSPGRP 0x5410
#define TIOCOUTQ 0x5411
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541b
#define TCIFLUSH 0
#define TCIOFLUSH 2
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGWINCH 28
#define VTIME_STEP_NS (10u * 1000 * 1000) /* without a timer thread, VTIME looks every 10 ms */
#define WRITE_CHUNK 512
#define REPLY_MAX 128 /* queued answer bytes; more are dropped */
#define SERIAL_COLS 80 /* a serial terminal's size until stty says otherwise */
#define SERIAL_ROWS 24

/* Device numbers, as Linux has them (Documentation/admin-guide/devices.txt). */
#define TTY_MAJOR 4     /* tty0 (the current virtual console), tty1, ttyS0 at 64 */
#define TTYAUX_MAJOR 5  /* /dev/tty 0, /dev/console 1 */

static bool mirror; /* tty.mirror=1: tty0's output goes to serial too */

static void screen_out(const char *s, size_t n)
{
	console_write_screen(s, n);
	if (mirror)
		console_write_serial(s, n);
}

static struct tty screen = {.name = "tty0", .minor = 0, .out = screen_out};
static struct tty serial = {.name = "ttyS0", .minor = 64, .out = console_write_serial};
static struct tty *console_tty = &serial; /* what /dev/console is */
static struct wait_queue input_wq;        /* the input thread sleeps here */
static _Atomic bool started;              /* the input thread runs */

/* The screen's answers waiting for the input thread. */
static struct spinlock reply_lock = SPINLOCK_INIT("tty replies"); /* guards replies, nreplies */
static char replies[REPLY_MAX];
static _Atomic uint32_t nreplies; /* also read without the lock, as a hint */

uint32_t tty_device_number(const struct tty *t) { return TTY_MAJOR << 8 | t->minor; }

int tty_foreground(const struct tty *t)
{
	int32_t fg = atomic_load(&t->fg_pgrp);
	return fg > 0 ? fg : -1;
}

static void emit(void *ctx, const uint8_t *s, size_t n)
{
	struct tty *t = ctx;
	t->out((const char *)s, n);
}

/* ---- Input ---- */

static bool input_ready(void *arg)
{
	(void)arg;
	return input_pending() != 0 || atomic_load_explicit(&nreplies, memory_order_relaxed) != 0;
}

/* Called from the input interrupts (dev/input.c): only a wake-up. */
static void input_arrived(void) { wake_one(&input_wq); }

/* The console's reply handler: an answer, whole or not at all (half an
 * escape sequence would read as stray keys). From any thread, with no
 * console lock held; possibly with tty0's mutex held (a write), so it
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
	wake_one(&input_wq);
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

/* One batch: the screen's answers to tty0, then the queued bytes each to
 * its own terminal. The signal keys take effect after the batch (several
 * on one terminal: the last one). */
static void input_batch(void)
{
	char reply[REPLY_MAX];
	size_t nreply = take_replies(reply);
	int sig[2] = {0, 0};
	struct tty *held = NULL;
	if (nreply) {
		held = &screen;
		mutex_lock(&held->lock);
		for (size_t i = 0; i < nreply; i++)
			ldisc_receive(&screen.ld, (uint8_t)reply[i]); /* no signal keys in an answer */
	}
	enum input_source src;
	for (int c; (c = input_getc_source(&src)) >= 0;) {
		struct tty *t = src == INPUT_SERIAL ? &serial : &screen;
		if (held != t) {
			if (held)
				mutex_unlock(&held->lock);
			held = t;
			mutex_lock(&held->lock);
		}
		int s = ldisc_receive(&t->ld, (uint8_t)c);
		if (s)
			sig[t == &serial] = s;
	}
	if (held)
		mutex_unlock(&held->lock);
	wake_all(&screen.readers);
	wake_all(&serial.readers);
	vfs_poll_notify();
	if (sig[0])
		tty_signal_foreground(&screen, sig[0]);
	if (sig[1])
		tty_signal_foreground(&serial, sig[1]);
}

static void input_thread(void *arg)
{
	(void)arg;
	for (;;) {
		wait_event(&input_wq, input_ready, NULL);
		input_batch();
	}
}

static void start(void)
{
	bool no = false;
	if (!atomic_compare_exchange_strong(&started, &no, true))
		return;
	input_set_listener(input_arrived);
	if (!thread_spawn_detached("tty", input_thread, NULL, ~0ull)) {
		kprintf("tty: cannot start the terminals' input thread; input stays unread\n");
		return;
	}
	wake_one(&input_wq); /* whatever was typed before */
}

/* ---- Reading ---- */

struct ready_arg {
	struct tty *t;
	const struct file *f; /* NULL: the terminal, not one open file */
	unsigned min;
	struct timeout deadline; /* VTIME's, when armed */
};

/*
 * An open file of a terminal: which one, and how many hang-ups it had
 * when the file was opened. A hang-up (tty_hangup) counts one more, which
 * makes every file opened before it hung up, in O(1) and without a list
 * of files: reads give end of file, writes and settings EIO, poll says
 * readable and hung up (Linux's hung_up_tty_fops). Files opened through
 * /dev/console are never hung up, as on Linux: init's descriptors outlive
 * the sessions on the console's terminal.
 */
struct tty_file {
	struct tty *t;
	uint32_t hangups;
	bool console;
};

static struct tty *file_tty(const struct file *f) { return ((struct tty_file *)f->private)->t; }

static bool hung_up(const struct file *f)
{
	const struct tty_file *tf = f->private;
	return !tf->console && atomic_load(&tf->t->hangups) != tf->hangups;
}

void tty_hangup(struct tty *t)
{
	mutex_lock(&t->lock);
	atomic_fetch_add(&t->hangups, 1);
	ldisc_flush_input(&t->ld);
	mutex_unlock(&t->lock);
	wake_all(&t->readers); /* their reads now end */
	vfs_poll_notify();
}

static bool readable(void *arg)
{
	struct ready_arg *a = arg;
	/* Without the lock: a stale answer only means one more look, since
	 * the input thread wakes the readers after every batch. */
	return ldisc_read_ready(&a->t->ld, a->min) || (a->f && hung_up(a->f));
}

static bool readable_or_late(void *arg)
{
	struct ready_arg *a = arg;
	return readable(a) || timeout_fired(&a->deadline);
}

static int64_t tty_read(struct file *f, void *buf, size_t n)
{
	struct tty *t = file_tty(f);
	if (n == 0 || hung_up(f))
		return 0;
	int bg = tty_background_check(t, SIGTTIN);
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
	struct ready_arg a = {.t = t, .f = f, .min = min};
	if (!readable(&a)) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		/* A program waiting for input has stopped writing: the screen
		 * need not wait for the next frame. */
		if (t == &screen)
			console_drain();
		if (!canon && vtime) {
			/* VTIME: from the call (VMIN 0) or, simplified, also
			 * with VMIN > 0, a total wait; then what is there.
			 * Input ends the wait at once, the timer at the end. */
			uint64_t deadline = clock_ns() + (uint64_t)vtime * 100 * 1000 * 1000;
			if (timeout_arm(&a.deadline, &t->readers, deadline)) {
				bool ok = wait_event_interruptible(&t->readers, readable_or_late, &a);
				timeout_disarm(&a.deadline);
				if (!ok)
					return -EINTR;
			} else {
				while (!readable(&a) && clock_ns() < deadline) {
					if (thread_interrupted())
						return -EINTR;
					thread_sleep_ns(VTIME_STEP_NS);
				}
			}
		} else if (!wait_event_interruptible(&t->readers, readable, &a)) {
			return -EINTR;
		}
	}
	mutex_lock(&t->lock);
	size_t got = hung_up(f) ? 0 : ldisc_read(&t->ld, buf, n);
	mutex_unlock(&t->lock);
	return (int64_t)got;
}

static int64_t tty_write(struct file *f, const void *buf, size_t n)
{
	struct tty *t = file_tty(f);
	const uint8_t *p = buf;
	if (hung_up(f))
		return -EIO;
	if (t->ld.t.lflag & TTY_TOSTOP) {
		int bg = tty_background_check(t, SIGTTOU);
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
	struct tty *t = file_tty(f);
	if (hung_up(f)) /* Linux's answer; TIOCSPGRP's is ENOTTY */
		return req == TIOCSPGRP ? -ENOTTY : -EIO;
	int64_t r = tty_session_ioctl(t, req, arg);
	if (r != TTY_NOT_SESSION_IOCTL)
		return r;
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
		int bg = tty_background_check(t, SIGTTOU);
		if (bg)
			return bg;
		struct tty_termios tio;
		if (copy_from_user(&tio, arg, sizeof(tio)))
			return -EFAULT;
		if (req != TCSETS && t == &screen)
			console_drain();
		mutex_lock(&t->lock);
		if (req == TCSETSF)
			ldisc_flush_input(&t->ld);
		ldisc_set_termios(&t->ld, &tio);
		mutex_unlock(&t->lock);
		wake_all(&t->readers); /* a mode change can make input readable */
		vfs_poll_notify();
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
		if (t == &screen)
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
		bool changed = memcmp(&ws, &t->ws, sizeof(ws)) != 0;
		t->ws = ws;
		mutex_unlock(&t->lock);
		if (changed) /* as Linux: the foreground redraws at the new size */
			tty_signal_foreground(t, SIGWINCH);
		return 0;
	}
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
	if (hung_up(f))
		return VFS_POLLIN | VFS_POLLOUT | VFS_POLLHUP;
	struct ready_arg a = {.t = file_tty(f), .f = f, .min = 1};
	return (readable(&a) ? VFS_POLLIN : 0) | VFS_POLLOUT;
}

/* Which terminal a device node opens: /dev/tty the caller's controlling
 * one (ENXIO without), /dev/console the console, the others their own. */
static int tty_open(struct file *f, int flags)
{
	struct tty *t = NULL;
	bool noctty = flags & O_NOCTTY;
	uint32_t major, minor;
	vfs_file_device(f, &major, &minor);
	if (major == TTYAUX_MAJOR && minor == 0) {
		t = tty_jobs ? tty_jobs->ctty() : NULL;
		if (!t)
			return -ENXIO;
		noctty = true; /* already is */
	} else if (major == TTYAUX_MAJOR && minor == 1) {
		t = console_tty;
		noctty = true;
	} else if (major == TTY_MAJOR && minor <= 1) {
		t = &screen;
	} else if (major == TTY_MAJOR && minor == 64) {
		t = &serial;
	} else {
		return -ENXIO;
	}
	struct tty_file *tf = kmalloc(sizeof(*tf));
	if (!tf)
		return -ENOMEM;
	*tf = (struct tty_file){t, atomic_load(&t->hangups), major == TTYAUX_MAJOR && minor == 1};
	f->private = tf;
	start();
	tty_session_open(t, noctty);
	return 0;
}

static void tty_release(struct file *f) { kfree(f->private); }

static const struct file_ops tty_ops = {
	.open = tty_open, .read = tty_read, .write = tty_write, .release = tty_release,
	.ioctl = tty_ioctl, .poll = tty_poll,
};

static void tty_setup(struct tty *t, unsigned cols, unsigned rows)
{
	mutex_init(&t->lock, t->name);
	wait_queue_init(&t->readers, "tty readers");
	ldisc_init(&t->ld, emit, t);
	t->ws = (struct winsize_user){.rows = (uint16_t)rows, .cols = (uint16_t)cols};
}

/* console=tty0 or console=ttyS0, as on Linux. */
static void choose_console(const char *v, size_t len)
{
	if (!v)
		return;
	if (len == 4 && !memcmp(v, "tty0", 4))
		console_tty = &screen;
	else if (len == 5 && !memcmp(v, "ttyS0", 5))
		console_tty = &serial;
	else
		kprintf("tty: console=%.*s is not a terminal here (tty0, ttyS0): /dev/console "
		        "is ttyS0\n", (int)len, v);
}

void tty_init(const struct tty_config *cfg)
{
	wait_queue_init(&input_wq, "tty input");
	unsigned cols, rows;
	console_size(&cols, &rows);
	tty_setup(&screen, cols, rows);
	tty_setup(&serial, SERIAL_COLS, SERIAL_ROWS);
	console_set_reply_handler(tty_reply);
	choose_console(cfg->console, cfg->console_len);
	mirror = cfg->mirror;
	static const struct {
		uint32_t major, minor;
	} devs[] = {{TTYAUX_MAJOR, 0}, {TTYAUX_MAJOR, 1}, {TTY_MAJOR, 0}, {TTY_MAJOR, 1},
	            {TTY_MAJOR, 64}};
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (vfs_register_chrdev(devs[i].major, devs[i].minor, &tty_ops))
			kprintf("tty: cannot register the terminal device (%u, %u)\n", devs[i].major,
			        devs[i].minor);
}
