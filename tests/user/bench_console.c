/*
 * bench-console: what the screen's terminal costs under a flood, measured
 * from user mode for scripts/bench: `cat` of a 1 MiB text file, as one
 * program that writes it to /dev/tty0 (the framebuffer terminal) the way
 * cat does (64 KiB writes), then waits with tcdrain (TCSBRK) until the
 * screen shows the last byte.
 *
 * The text is 80-column lines (80 characters and a newline) that all
 * differ, so every scroll changes every row of text on the screen. Under
 * QEMU -icount the TSC counts guest instructions, and the program converts
 * with its own calibration, as bench-syscall does.
 *
 * Output lines, after "bench-user: calibration instructions=I tsc=T":
 *   bench-user: op=console-cat count=BYTES tsc=T    the writes, all of them
 *   bench-console: drain ns=N                       from the last write's
 *                                                   return to tcdrain's, in
 *                                                   the guest's clock
 */
#include "sys.h"

#define TEXT_SIZE       (1u << 20)
#define LINE            81 /* 80 columns and '\n' */
#define CHUNK           (64u * 1024)
#define TCSBRK          0x5409
#define CLOCK_MONOTONIC 1

static char text[TEXT_SIZE];

static inline unsigned long rdtsc(void)
{
	unsigned lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((unsigned long)hi << 32) | lo;
}

static long now_ns(void)
{
	struct {
		long sec, nsec;
	} ts;
	sys2(NR_clock_gettime, CLOCK_MONOTONIC, &ts);
	return ts.sec * 1000000000l + ts.nsec;
}

/* The same loop as bench-syscall's: 2 instructions per iteration. */
static void calibrate(void)
{
	enum { LOOPS = 1000000 };
	unsigned long n = LOOPS, t0 = rdtsc();
	__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n));
	unsigned long t1 = rdtsc();
	t_puts("bench-user: calibration instructions=");
	t_putnum(2l * LOOPS);
	t_puts(" tsc=");
	t_putnum((long)(t1 - t0));
	t_puts("\n");
}

/* Line i: its number, then printable ASCII shifted by i, so that no two
 * neighbouring lines share a cell. */
static void make_text(void)
{
	for (unsigned i = 0, off = 0; off < TEXT_SIZE; i++) {
		char line[LINE];
		unsigned v = i;
		for (int d = 7; d >= 0; d--, v /= 10)
			line[d] = (char)('0' + v % 10);
		line[8] = ' ';
		for (unsigned c = 9; c < LINE - 1; c++)
			line[c] = (char)('!' + (c * 7 + i) % 94);
		line[LINE - 1] = '\n';
		for (unsigned c = 0; c < LINE && off < TEXT_SIZE; c++)
			text[off++] = line[c];
	}
	text[TEXT_SIZE - 1] = '\n';
}

int main(void)
{
	long fd = sys4(NR_openat, -100, "/dev/tty0", 1 | 0400 /* O_WRONLY | O_NOCTTY */, 0);
	if (fd < 0) {
		t_puts("bench-console: cannot open /dev/tty0\n");
		return 1;
	}
	make_text();
	calibrate();
	sys3(NR_write, fd, "\033[2J\033[H", 7);
	sys3(NR_ioctl, fd, TCSBRK, 1);

	unsigned long t0 = rdtsc();
	for (unsigned off = 0; off < TEXT_SIZE; off += CHUNK) {
		if (sys3(NR_write, fd, text + off, CHUNK) != CHUNK) {
			t_puts("bench-console: short write\n");
			return 1;
		}
	}
	unsigned long t1 = rdtsc();
	long n0 = now_ns();
	sys3(NR_ioctl, fd, TCSBRK, 1);
	long n1 = now_ns();

	t_puts("bench-user: op=console-cat count=");
	t_putnum(TEXT_SIZE);
	t_puts(" tsc=");
	t_putnum((long)(t1 - t0));
	t_puts("\nbench-console: drain ns=");
	t_putnum(n1 - n0);
	t_puts("\n");
	return 0;
}
