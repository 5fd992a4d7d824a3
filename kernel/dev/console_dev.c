/*
 * /dev/console and /dev/tty (see console_dev.h).
 *
 * A read waits for the first byte and then takes what has arrived, as a
 * terminal in non-canonical mode with VMIN 1 does. The wait looks at the
 * input queue every 10 ms: the queue has one consumer and no wait queue
 * (its producers are interrupt handlers); the terminal layer replaces this
 * with a proper line discipline and wake-ups.
 */
#include "dev/console_dev.h"

#include <stdbool.h>

#include "arch/x86_64/uaccess.h"
#include "console/console.h"
#include "core/kprintf.h"
#include "dev/input.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "sched/thread.h"

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCSCTTY 0x540e
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541b
#define POLL_MS 10

/* struct termios as TCGETS fills it (asm-generic/termbits.h). */
struct kernel_termios {
	uint32_t iflag, oflag, cflag, lflag;
	uint8_t line;
	uint8_t cc[19];
};
_Static_assert(sizeof(struct kernel_termios) == 36, "Linux's struct termios (TCGETS)");

/* What TCSETS stored, given back by TCGETS: a cooked terminal at first
 * (ICRNL; OPOST|ONLCR; B38400|CS8|CREAD; ISIG|ICANON|ECHO|ECHOE|ECHOK|
 * IEXTEN; ^C ^\ DEL ^U ^D ...). Recorded, not yet acted on. */
static struct kernel_termios termios = {
	.iflag = 0x100, .oflag = 0x5, .cflag = 0xbf, .lflag = 0x8a3b,
	.cc = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0},
};
static volatile int32_t fg_pgrp = 1;

void console_dev_set_pgrp(int32_t pgrp) { fg_pgrp = pgrp; }

static int64_t con_read(struct file *f, void *buf, size_t n)
{
	(void)f;
	if (n == 0)
		return 0;
	int c;
	while ((c = input_getc()) < 0) {
		if (thread_interrupted())
			return -EINTR;
		thread_sleep_ns(POLL_MS * 1000 * 1000);
	}
	char *out = buf;
	size_t k = 0;
	do
		out[k++] = (char)(c == '\r' ? '\n' : c);
	while (k < n && (c = input_getc()) >= 0);
	return (int64_t)k;
}

static int64_t con_write(struct file *f, const void *buf, size_t n)
{
	(void)f;
	console_write(buf, n);
	return (int64_t)n;
}

static int64_t con_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	(void)f;
	switch (req) {
	case TCGETS:
		return copy_to_user(arg, &termios, sizeof(termios));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return copy_from_user(&termios, arg, sizeof(termios));
	case TIOCGWINSZ: {
		unsigned cols, rows;
		console_size(&cols, &rows);
		uint16_t ws[4] = {(uint16_t)rows, (uint16_t)cols, 0, 0};
		return copy_to_user(arg, ws, sizeof(ws));
	}
	case TIOCSWINSZ:
		return 0;
	case TIOCGPGRP: {
		int32_t pg = fg_pgrp;
		return copy_to_user(arg, &pg, sizeof(pg));
	}
	case TIOCSPGRP: {
		int32_t pg;
		int r = copy_from_user(&pg, arg, sizeof(pg));
		if (!r)
			fg_pgrp = pg;
		return r;
	}
	case TIOCSCTTY:
		return 0;
	case FIONREAD: {
		int32_t n = (int32_t)input_pending();
		return copy_to_user(arg, &n, sizeof(n));
	}
	default:
		return -ENOTTY;
	}
}

static unsigned con_poll(struct file *f)
{
	(void)f;
	return (input_pending() ? VFS_POLLIN : 0) | VFS_POLLOUT;
}

static const struct file_ops console_ops = {
	.read = con_read, .write = con_write, .ioctl = con_ioctl, .poll = con_poll,
};

void console_dev_init(void)
{
	if (vfs_register_chrdev(5, 1, &console_ops) || vfs_register_chrdev(5, 0, &console_ops))
		kprintf("console: cannot register /dev/console and /dev/tty\n");
}
