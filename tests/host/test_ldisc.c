/*
 * Host tests for kernel/tty/ldisc.c, the line discipline. Keys go in one at
 * a time as a terminal would receive them; the test checks what a read
 * gets and exactly what was echoed to the screen. The flag values and
 * struct termios are compared with Linux's own header.
 */
#include <asm/termbits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tty/ldisc.h"

static char screen[8192];
static size_t screen_len;

static void emit(void *ctx, const uint8_t *s, size_t n)
{
	assert_ptr_equal(ctx, screen);
	assert_true(screen_len + n < sizeof(screen));
	memcpy(screen + screen_len, s, n);
	screen_len += n;
	screen[screen_len] = 0;
}

static struct ldisc l;

static int setup(void **state)
{
	(void)state;
	ldisc_init(&l, emit, screen);
	screen_len = 0;
	screen[0] = 0;
	return 0;
}

/* Type the keys; the signal the last signal key raised (0: none). */
static int type(const char *keys)
{
	int sig = 0;
	for (const char *k = keys; *k; k++) {
		int s = ldisc_receive(&l, (uint8_t)*k);
		if (s)
			sig = s;
	}
	return sig;
}

static void expect_read(const char *want)
{
	char buf[256];
	size_t n = ldisc_read(&l, (uint8_t *)buf, sizeof(buf) - 1);
	buf[n] = 0;
	assert_int_equal(n, strlen(want));
	assert_string_equal(buf, want);
}

static void expect_screen(const char *want)
{
	assert_string_equal(screen, want);
	screen_len = 0;
	screen[0] = 0;
}

static void test_linux_values(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct tty_termios), sizeof(struct termios));
	assert_int_equal(offsetof(struct tty_termios, lflag), offsetof(struct termios, c_lflag));
	assert_int_equal(offsetof(struct tty_termios, cc), offsetof(struct termios, c_cc));
	assert_int_equal(TTY_NCCS, NCCS);
	assert_int_equal(TTY_ICRNL, ICRNL);
	assert_int_equal(TTY_INLCR, INLCR);
	assert_int_equal(TTY_IGNCR, IGNCR);
	assert_int_equal(TTY_ISTRIP, ISTRIP);
	assert_int_equal(TTY_IXON, IXON);
	assert_int_equal(TTY_IMAXBEL, IMAXBEL);
	assert_int_equal(TTY_IUTF8, IUTF8);
	assert_int_equal(TTY_OPOST, OPOST);
	assert_int_equal(TTY_ONLCR, ONLCR);
	assert_int_equal(TTY_OCRNL, OCRNL);
	assert_int_equal(TTY_ONOCR, ONOCR);
	assert_int_equal(TTY_ONLRET, ONLRET);
	assert_int_equal(TTY_XTABS, XTABS);
	assert_int_equal(TTY_CREAD, CREAD);
	assert_int_equal(TTY_CS8, CS8);
	assert_int_equal(TTY_B38400, B38400);
	assert_int_equal(TTY_HUPCL, HUPCL);
	assert_int_equal(TTY_ISIG, ISIG);
	assert_int_equal(TTY_ICANON, ICANON);
	assert_int_equal(TTY_ECHO, ECHO);
	assert_int_equal(TTY_ECHOE, ECHOE);
	assert_int_equal(TTY_ECHOK, ECHOK);
	assert_int_equal(TTY_ECHONL, ECHONL);
	assert_int_equal(TTY_NOFLSH, NOFLSH);
	assert_int_equal(TTY_TOSTOP, TOSTOP);
	assert_int_equal(TTY_ECHOCTL, ECHOCTL);
	assert_int_equal(TTY_ECHOKE, ECHOKE);
	assert_int_equal(TTY_IEXTEN, IEXTEN);
	assert_int_equal(TTY_VINTR, VINTR);
	assert_int_equal(TTY_VQUIT, VQUIT);
	assert_int_equal(TTY_VERASE, VERASE);
	assert_int_equal(TTY_VKILL, VKILL);
	assert_int_equal(TTY_VEOF, VEOF);
	assert_int_equal(TTY_VTIME, VTIME);
	assert_int_equal(TTY_VMIN, VMIN);
	assert_int_equal(TTY_VSTART, VSTART);
	assert_int_equal(TTY_VSTOP, VSTOP);
	assert_int_equal(TTY_VSUSP, VSUSP);
	assert_int_equal(TTY_VEOL, VEOL);
	assert_int_equal(TTY_VREPRINT, VREPRINT);
	assert_int_equal(TTY_VWERASE, VWERASE);
	assert_int_equal(TTY_VLNEXT, VLNEXT);
	assert_int_equal(TTY_VEOL2, VEOL2);
	/* What `stty -a` shows on a fresh Linux console. */
	struct tty_termios t;
	ldisc_default_termios(&t);
	assert_int_equal(t.lflag, 0x8a3b);
	assert_int_equal(t.oflag, 0x5);
	assert_int_equal(t.cc[VINTR], 3);
	assert_int_equal(t.cc[VEOF], 4);
	assert_int_equal(t.cc[VERASE], 127);
	assert_int_equal(t.cc[VMIN], 1);
}

/* A line is readable only once it is complete; Enter arrives as CR and
 * becomes NL (ICRNL); the echo goes out as CR NL (ONLCR). */
static void test_canonical_line(void **state)
{
	(void)state;
	type("hello");
	assert_false(ldisc_read_ready(&l, 1));
	assert_int_equal(ldisc_available(&l), 0);
	expect_screen("hello");
	type("\r");
	expect_screen("\r\n");
	assert_true(ldisc_read_ready(&l, 1));
	assert_int_equal(ldisc_available(&l), 6);
	expect_read("hello\n");
	assert_false(ldisc_read_ready(&l, 1));
	/* Two lines typed ahead: one per read. */
	type("a\rbc\r");
	expect_read("a\n");
	expect_read("bc\n");
	/* A small buffer takes the line in pieces. */
	type("abcdef\r");
	char buf[4];
	assert_int_equal(ldisc_read(&l, (uint8_t *)buf, 4), 4);
	assert_memory_equal(buf, "abcd", 4);
	expect_read("ef\n");
}

static void test_erase_and_kill(void **state)
{
	(void)state;
	type("abc\x7f" "d\r");
	expect_screen("abc\b \bd\r\n");
	expect_read("abd\n");
	/* A control character was echoed as two columns: erased as two. */
	type("x\x01\x7f\r");
	expect_screen("x^A\b \b\b \b\r\n");
	expect_read("x\n");
	/* A tab: back to the column where it began. */
	type("ab\t\x7fZ\r");
	expect_screen("ab\t\b\b\b\b\b\bZ\r\n");
	expect_read("abZ\n");
	/* Word erase (^W): the last word and the blanks after it. */
	type("one two  \x17three\r");
	expect_read("one three\n");
	/* Kill (^U) with ECHOKE: the line is wiped on the screen. */
	screen_len = 0;
	type("xy\x15z\r");
	expect_screen("xy\b \b\b \bz\r\n");
	expect_read("z\n");
	/* Without ECHOKE: the key, then a new line. */
	struct tty_termios t = l.t;
	t.lflag &= ~TTY_ECHOKE;
	ldisc_set_termios(&l, &t);
	type("xy\x15z\r");
	expect_screen("xy^U\r\nz\r\n");
	expect_read("z\n");
	/* Erasing an empty line does nothing, and echoes nothing. */
	type("\x7f\x7f\x15");
	expect_screen("");
	/* Output processing off after a program moved the cursor: erasing a
	 * tab must still end (it once looped forever waiting for the column,
	 * which without OPOST no longer moves). */
	struct tty_termios raw_out = l.t;
	ldisc_write(&l, (const uint8_t *)"prompt> ", 8);
	raw_out.oflag = 0;
	ldisc_set_termios(&l, &raw_out);
	screen_len = 0;
	type("\t\x7f\r");
	expect_read("\n");
	raw_out.oflag = TTY_OPOST | TTY_ONLCR;
	ldisc_set_termios(&l, &raw_out);
	screen_len = 0;
	screen[0] = 0;
	/* UTF-8 (IUTF8): one erase takes the whole character. */
	t.iflag |= TTY_IUTF8;
	ldisc_set_termios(&l, &t);
	type("a\xc3\xa9\x7f\r");
	expect_screen("a\xc3\xa9\b \b\r\n");
	expect_read("a\n");
}

static void test_end_of_file(void **state)
{
	(void)state;
	/* ^D on an empty line: a read of 0 bytes, end of file. */
	type("\x04");
	assert_true(ldisc_read_ready(&l, 1));
	expect_read("");
	assert_false(ldisc_read_ready(&l, 1));
	/* ^D after text: the text without a newline, and ^D not echoed. */
	type("abc\x04");
	expect_screen("abc");
	expect_read("abc");
	/* VEOL ends a line too, and is passed on. */
	l.t.cc[TTY_VEOL] = ';';
	type("x;");
	expect_read("x;");
}

static void test_signals(void **state)
{
	(void)state;
	type("some typing");
	screen_len = 0;
	assert_int_equal(type("\x03"), LDISC_SIGINT);
	expect_screen("^C");
	/* The input was flushed (no NOFLSH). */
	type("\r");
	expect_read("\n");
	assert_int_equal(type("\x1c"), LDISC_SIGQUIT);
	assert_int_equal(type("\x1a"), LDISC_SIGTSTP);
	/* NOFLSH keeps the input; without ISIG ^C is an ordinary byte. */
	struct tty_termios t = l.t;
	t.lflag |= TTY_NOFLSH;
	ldisc_set_termios(&l, &t);
	type("keep");
	assert_int_equal(type("\x03"), LDISC_SIGINT);
	type("\r");
	expect_read("keep\n");
	t.lflag &= ~TTY_ISIG;
	ldisc_set_termios(&l, &t);
	assert_int_equal(type("\x03\r"), 0);
	expect_read("\x03\n");
	/* A disabled entry (0) matches nothing, NUL included. */
	t.lflag |= TTY_ISIG;
	t.cc[TTY_VINTR] = 0;
	ldisc_set_termios(&l, &t);
	assert_int_equal(ldisc_receive(&l, 0), 0);
}

/* Raw mode, as a shell's line editor or a full-screen program sets it. */
static void test_raw_mode(void **state)
{
	(void)state;
	struct tty_termios t = l.t;
	t.lflag &= ~(TTY_ICANON | TTY_ECHO);
	t.iflag &= ~TTY_ICRNL;
	t.cc[TTY_VMIN] = 1;
	ldisc_set_termios(&l, &t);
	type("a");
	assert_true(ldisc_read_ready(&l, 1));
	assert_false(ldisc_read_ready(&l, 2));
	assert_true(ldisc_read_ready(&l, 0));
	type("\x7f\r\x04");
	expect_screen(""); /* no echo */
	expect_read("a\x7f\r\x04");
	/* Literal next (^V) is still special in raw mode with IEXTEN... */
	type("\x16\x03");
	expect_read("\x03");
	/* ...and ^C still a signal with ISIG. */
	assert_int_equal(type("\x03"), LDISC_SIGINT);
}

static void test_mode_switches(void **state)
{
	(void)state;
	/* A half-typed line becomes input when canonical mode is left. */
	type("partial");
	struct tty_termios raw = l.t;
	raw.lflag &= ~TTY_ICANON;
	ldisc_set_termios(&l, &raw);
	expect_read("partial");
	/* Unread raw input stays readable, as one line, when canonical
	 * mode returns; what is typed next is a new line. */
	type("ab");
	struct tty_termios cooked = l.t;
	cooked.lflag |= TTY_ICANON;
	ldisc_set_termios(&l, &cooked);
	assert_true(ldisc_read_ready(&l, 1));
	type("x\x7f" "c\r");
	expect_read("ab");
	expect_read("c\n");
	ldisc_flush_input(&l);
	assert_int_equal(ldisc_available(&l), 0);
}

static void test_output(void **state)
{
	(void)state;
	ldisc_write(&l, (const uint8_t *)"a\nb", 3);
	expect_screen("a\r\nb");
	struct tty_termios t = l.t;
	t.oflag = TTY_OPOST | TTY_XTABS;
	ldisc_set_termios(&l, &t);
	ldisc_write(&l, (const uint8_t *)"\rab\tc", 5);
	expect_screen("\rab      c");
	t.oflag = TTY_OPOST | TTY_OCRNL | TTY_ONOCR;
	ldisc_set_termios(&l, &t);
	ldisc_write(&l, (const uint8_t *)"x\r", 2);
	expect_screen("x\n");
	t.oflag = 0; /* no processing at all */
	ldisc_set_termios(&l, &t);
	ldisc_write(&l, (const uint8_t *)"a\n", 2);
	expect_screen("a\n");
	/* Output is emitted in chunks, all of it. */
	static uint8_t big[1000];
	memset(big, 'x', sizeof(big));
	ldisc_write(&l, big, sizeof(big));
	assert_int_equal(screen_len, sizeof(big));
}

/* A full buffer: in canonical mode the last byte is kept for the line's
 * end, so Enter still works, and IMAXBEL rings. */
static void test_full_buffer(void **state)
{
	(void)state;
	struct tty_termios t = l.t;
	t.lflag &= ~TTY_ECHO;
	ldisc_set_termios(&l, &t);
	for (int i = 0; i < LDISC_BUF + 10; i++)
		ldisc_receive(&l, 'x');
	ldisc_receive(&l, '\r');
	static uint8_t buf[LDISC_BUF + 16];
	size_t n = ldisc_read(&l, buf, sizeof(buf));
	assert_int_equal(n, LDISC_BUF);
	assert_int_equal(buf[n - 1], '\n');
	t.lflag |= TTY_ECHO;
	t.iflag |= TTY_IMAXBEL;
	ldisc_set_termios(&l, &t);
	for (int i = 0; i < LDISC_BUF - 1; i++)
		ldisc_receive(&l, 'y');
	screen_len = 0;
	ldisc_receive(&l, 'y');
	expect_screen("\a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_linux_values, setup),
		cmocka_unit_test_setup(test_canonical_line, setup),
		cmocka_unit_test_setup(test_erase_and_kill, setup),
		cmocka_unit_test_setup(test_end_of_file, setup),
		cmocka_unit_test_setup(test_signals, setup),
		cmocka_unit_test_setup(test_raw_mode, setup),
		cmocka_unit_test_setup(test_mode_switches, setup),
		cmocka_unit_test_setup(test_output, setup),
		cmocka_unit_test_setup(test_full_buffer, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
