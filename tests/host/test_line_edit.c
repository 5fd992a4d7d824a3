/*
 * Host tests for kernel/shell/line_edit.c: byte sequences in, then the line,
 * cursor, result codes and history out; and the output read back through a
 * small VT100 screen model, which must show the prompt and the line, with
 * the cursor in the right cell, after every operation.
 *
 * The model is strict where real terminals differ, so that output correct
 * here is correct on both the framebuffer terminal and a serial one: LF does
 * not imply CR; writing the last column leaves the cursor there with a wrap
 * pending (an erase then starts at that column); cursor moves clamp at the
 * edges; and any sequence or control byte outside the subset the editor
 * promises (line_edit.h) fails the test.
 *
 * The shell's output reaches two terminals of different widths (the
 * framebuffer's and a serial one), so some tests feed the same bytes to a
 * second, wider model, which must show exactly the same rows.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shell/line_edit.h"

#define MAX_COLS 40
#define MAX_ROWS 30

static struct screen {
	unsigned cols, rows, cx, cy;
	bool pending; /* last column written, wrap before the next */
	char cell[MAX_ROWS][MAX_COLS];
	unsigned scrolls, bells;
	int esc; /* 0 ground, 1 after ESC, 2 in CSI */
	char params[16];
	size_t nparams;
} scr;

/* The second, wider terminal, when wide_on (setup_wide). */
static struct screen wide;
static bool wide_on;

static char out_log[1 << 16];
static size_t out_len;
static struct line_edit le;

static void scr_linefeed(void)
{
	scr.pending = false;
	if (scr.cy + 1 < scr.rows) {
		scr.cy++;
		return;
	}
	memmove(scr.cell[0], scr.cell[1], sizeof(scr.cell[0]) * (scr.rows - 1));
	memset(scr.cell[scr.rows - 1], ' ', sizeof(scr.cell[0]));
	scr.scrolls++;
}

static void scr_erase(unsigned row, unsigned from)
{
	memset(&scr.cell[row][from], ' ', scr.cols - from);
}

static unsigned clamp(long v, unsigned max)
{
	return v < 0 ? 0 : v > (long)max ? max : (unsigned)v;
}

static void scr_csi(char final)
{
	scr.params[scr.nparams] = '\0';
	long n = atol(scr.params), n1 = n == 0 ? 1 : n;
	if (scr.params[0] == '?') {
		assert_true(final == 'h' || final == 'l');
		return;
	}
	scr.pending = scr.pending && final == 'm';
	if (final == 'A' || final == 'B') {
		scr.cy = clamp(scr.cy + (final == 'A' ? -n1 : n1), scr.rows - 1);
	} else if (final == 'C' || final == 'D') {
		scr.cx = clamp(scr.cx + (final == 'D' ? -n1 : n1), scr.cols - 1);
	} else if (final == 'G') {
		scr.cx = clamp(n1 - 1, scr.cols - 1);
	} else if (final == 'H' && scr.nparams == 0) {
		scr.cx = scr.cy = 0;
	} else if (final == 'J' && n == 2) {
		memset(scr.cell, ' ', sizeof(scr.cell));
	} else if (final == 'J' || final == 'K') {
		assert_int_equal(n, 0);
		scr_erase(scr.cy, scr.cx);
		for (unsigned r = scr.cy + 1; final == 'J' && r < scr.rows; r++)
			scr_erase(r, 0);
	} else {
		assert_int_equal(final, 'm'); /* anything else is outside the promise */
	}
}

static void scr_byte(char c)
{
	if (scr.esc == 1) {
		assert_int_equal(c, '[');
		scr.esc = 2;
		scr.nparams = 0;
	} else if (scr.esc == 2) {
		if ((c >= '0' && c <= '9') || c == ';' || c == '?') {
			assert_true(scr.nparams + 1 < sizeof(scr.params));
			scr.params[scr.nparams++] = c;
		} else {
			scr.esc = 0;
			scr_csi(c);
		}
	} else if (c == '\033') {
		scr.esc = 1;
	} else if (c == '\r') {
		scr.cx = 0;
		scr.pending = false;
	} else if (c == '\n') {
		scr_linefeed();
	} else if (c == '\b') {
		scr.cx -= scr.cx > 0;
		scr.pending = false;
	} else if (c == '\a') {
		scr.bells++;
	} else {
		assert_true(c >= 0x20 && c < 0x7f);
		if (scr.pending) {
			scr.cx = 0;
			scr_linefeed();
		}
		scr.cell[scr.cy][scr.cx] = c;
		if (scr.cx + 1 < scr.cols)
			scr.cx++;
		else
			scr.pending = true;
	}
}

static void out(void *ctx, const char *bytes, size_t n)
{
	assert_ptr_equal(ctx, &scr);
	assert_true(n > 0 && n <= LINE_OUT_BUF);
	if (out_len + n > sizeof(out_log))
		out_len = 0; /* only the recent output is looked at */
	memcpy(out_log + out_len, bytes, n);
	out_len += n;
	for (size_t i = 0; i < n; i++)
		scr_byte(bytes[i]);
	if (wide_on) {
		/* The model works on scr: run the wide one in its place. */
		struct screen narrow = scr;
		scr = wide;
		for (size_t i = 0; i < n; i++)
			scr_byte(bytes[i]);
		wide = scr;
		scr = narrow;
	}
}

/* A blank cols x rows screen, cursor at (0, row), an editor on it. */
static void setup_at(const char *prompt, unsigned width, unsigned cols, unsigned rows, unsigned row)
{
	wide_on = false;
	memset(&scr, 0, sizeof(scr));
	memset(scr.cell, ' ', sizeof(scr.cell));
	scr.cols = cols;
	scr.rows = rows;
	scr.cy = row;
	out_len = 0;
	line_init(&le, prompt, width, cols, out, &scr);
	line_start(&le);
}

#define setup() setup_at("$ ", 2, MAX_COLS, MAX_ROWS, 0)

static enum line_result feed(const char *s)
{
	enum line_result r = LINE_NONE;
	for (; *s != '\0'; s++)
		r = line_feed(&le, *s);
	return r;
}

/* The screen shows `visible` (the prompt as seen, then the line) from the
 * start of row `row0`, blanks after it, and the cursor on the line's cursor. */
static void check_screen_at(unsigned row0, const char *visible, size_t prompt_width)
{
	char want[MAX_ROWS * MAX_COLS + 1];
	snprintf(want, sizeof(want), "%s%s", visible, line_text(&le));
	size_t n = strlen(want), total = (size_t)(scr.rows - row0) * scr.cols;
	assert_true(n <= total);
	for (size_t j = 0; j < total; j++) {
		char got = scr.cell[row0 + j / scr.cols][j % scr.cols];
		char exp = j < n ? want[j] : ' ';
		if (got != exp)
			fail_msg("cell (%zu,%zu): got '%c', want '%c' (line \"%s\")", j % scr.cols,
			         row0 + j / scr.cols, got, exp, line_text(&le));
	}
	size_t at = prompt_width + line_cursor(&le);
	assert_false(scr.pending);
	assert_int_equal(scr.cy, row0 + at / scr.cols);
	assert_int_equal(scr.cx, at % scr.cols);
}

static void check(unsigned row0, const char *text, size_t cursor)
{
	assert_string_equal(line_text(&le), text);
	assert_int_equal(line_cursor(&le), cursor);
	check_screen_at(row0, "$ ", 2);
}

static void step(const char *keys, unsigned row0, const char *text, size_t cursor)
{
	feed(keys);
	check(row0, text, cursor);
}

static void test_insert_middle(void **state)
{
	(void)state;
	setup();
	check(0, "", 0);
	assert_int_equal(feed("helo"), LINE_NONE);
	check(0, "helo", 4);
	step("\033[D", 0, "helo", 3);
	size_t before = out_len;
	step("l", 0, "hello", 4);
	/* The tail and one cursor move, not the whole line. */
	assert_int_equal(out_len - before, strlen("lo\033[D"));
	feed("\033[F");
	before = out_len;
	feed("!");
	assert_int_equal(out_len - before, 1); /* typing at the end: just the echo */
	check(0, "hello!", 6);
}

static void test_backspace_delete_bounds_eof(void **state)
{
	(void)state;
	setup();
	assert_int_equal(feed("\x04"), LINE_EOF); /* ^D on an empty line */
	step("abc\x01\x7f", 0, "abc", 0);
	step("\033[3~", 0, "bc", 0);
	step("\x05\033[3~\x04", 0, "bc", 2);
	step("\b", 0, "b", 1);
	step("\x7f\x7f\x7f", 0, "", 0);
	assert_int_equal(scr.bells, 0);
}

static void test_left_right_bounds(void **state)
{
	(void)state;
	setup();
	step("ab\033[D\033[D\033[D\033OD\x02", 0, "ab", 0);
	step("\033[C", 0, "ab", 1);
	step("\033OC\033[C\033[C\x06", 0, "ab", 2);
	feed("\033[1;5D"); /* modifier parameters ignored, as by kbd_decode */
	check(0, "ab", 1);
}

static void test_home_end_encodings(void **state)
{
	(void)state;
	const char *home[] = {"\033[H", "\033[1~", "\033[7~", "\033OH", "\x01"};
	const char *end[] = {"\033[F", "\033[4~", "\033[8~", "\033OF", "\x05"};
	setup();
	feed("hello world");
	for (size_t i = 0; i < 5; i++) {
		feed(home[i]);
		check(0, "hello world", 0);
		feed(end[i]);
		check(0, "hello world", 11);
	}
}

static void test_history_browse(void **state)
{
	(void)state;
	setup();
	assert_int_equal(feed("one\r"), LINE_DONE);
	line_start(&le);
	assert_int_equal(feed("two\n"), LINE_DONE);
	assert_string_equal(line_text(&le), "two");
	line_start(&le);
	feed("thr\033[D");
	step("\033[A", 2, "two", 3);
	step("\033[A", 2, "one", 3);
	feed("\033[A"); /* no older line: a bell, nothing else */
	assert_int_equal(scr.bells, 1);
	check(2, "one", 3);
	step("\033[B", 2, "two", 3);
	step("\033[B", 2, "thr", 3);
	feed("\033[B");
	assert_int_equal(scr.bells, 2);
	check(2, "thr", 3);
	/* A recalled line runs like a typed one. */
	feed("\x10\x10\x0e");
	assert_int_equal(feed("\r"), LINE_DONE);
	assert_string_equal(line_text(&le), "two");
	assert_int_equal(line_history_count(&le), 2);
}

static void test_history_duplicates_and_blanks(void **state)
{
	(void)state;
	const char *lines[] = {"a", "a", "", "   ", "b", "a", "a"};
	setup();
	for (size_t i = 0; i < 7; i++) {
		line_start(&le);
		feed(lines[i]);
		assert_int_equal(feed("\r"), LINE_DONE);
		assert_string_equal(line_text(&le), lines[i]);
	}
	assert_int_equal(line_history_count(&le), 3);
	assert_string_equal(line_history(&le, 0), "a");
	assert_string_equal(line_history(&le, 1), "b");
	assert_string_equal(line_history(&le, 2), "a");
	assert_null(line_history(&le, 3));
}

static void test_history_ring_wraps(void **state)
{
	(void)state;
	char cmd[16];
	setup_at("$ ", 2, MAX_COLS, 3, 0);
	for (int i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "cmd%d\r", i);
		line_start(&le);
		assert_int_equal(feed(cmd), LINE_DONE);
	}
	assert_int_equal(line_history_count(&le), LINE_HISTORY);
	assert_string_equal(line_history(&le, 0), "cmd19");
	assert_string_equal(line_history(&le, LINE_HISTORY - 1), "cmd4");
	line_start(&le);
	for (int i = 0; i < LINE_HISTORY; i++)
		feed("\033[A");
	check(2, "cmd4", 4);
	assert_int_equal(scr.bells, 0);
	feed("\033[A");
	assert_int_equal(scr.bells, 1);
	check(2, "cmd4", 4);
}

static void test_ctrl_c(void **state)
{
	(void)state;
	setup();
	feed("abc\033[D");
	assert_int_equal(feed("\x03"), LINE_CANCELLED);
	assert_memory_equal(scr.cell[0], "$ abc^C ", 8);
	check(1, "", 0);
	assert_int_equal(feed("x\r"), LINE_DONE);
	assert_string_equal(line_text(&le), "x");
	assert_int_equal(line_history_count(&le), 1);
}

static void test_ctrl_l(void **state)
{
	(void)state;
	setup_at("$ ", 2, MAX_COLS, MAX_ROWS, 5);
	feed("abc\033[D");
	size_t before = out_len;
	assert_int_equal(feed("\x0c"), LINE_NONE);
	assert_non_null(memmem(out_log + before, out_len - before, "\033[2J\033[H", 7));
	check(0, "abc", 2); /* and the rows below it blank */
}

static const char *const cmds[] = {"help", "halt", "echo", "reboot", "read", "regs"};

#define complete() line_complete(&le, cmds, 6)

static void test_complete_unique(void **state)
{
	(void)state;
	setup();
	assert_int_equal(feed("ec\t"), LINE_COMPLETE);
	complete();
	check(0, "echo ", 5);
	assert_int_equal(line_cursor_word(&le), 1);
	/* Inside a line, before a space: the space is stepped over. */
	step("\x01h\033[3~\033[3~\033[3~\033[3~", 0, "h ", 1);
	feed("a\t");
	complete();
	check(0, "halt ", 5);
	assert_int_equal(scr.bells, 0);
	static const char *const bad[] = {"x\ty", "x\xffz", "x y", ""};
	feed("\x15x\t");
	for (int i = 0; i < 4; i++) /* no match: they would break the line */
		line_complete(&le, &bad[i], 1);
	assert_int_equal(scr.bells, 4);
	check(0, "x", 1);
}

static void test_complete_ambiguous(void **state)
{
	(void)state;
	setup();
	feed("r\t");
	complete();
	check(0, "re", 2);
	assert_int_equal(scr.bells, 0);
	assert_int_equal(line_cursor_word(&le), 0);
	feed("\t");
	complete(); /* second Tab in a row: the list, then prompt and line again */
	assert_memory_equal(scr.cell[0], "$ re ", 5);
	assert_memory_equal(scr.cell[1], "reboot  read  regs  ", 20);
	check(2, "re", 2);
	feed("g\t");
	complete();
	check(2, "regs ", 5);
	/* Nothing to add on the first Tab: a bell; the second lists. */
	feed("\x15h\t");
	complete();
	assert_int_equal(scr.bells, 1);
	check(2, "h", 1);
	feed("\t");
	complete();
	assert_memory_equal(scr.cell[3], "help  halt  ", 12);
	check(4, "h", 1);
}

static void test_too_long(void **state)
{
	(void)state;
	char big[LINE_SIZE + 50];
	setup();
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	feed(big);
	assert_int_equal(strlen(line_text(&le)), LINE_MAX_CHARS);
	assert_int_equal(scr.bells, sizeof(big) - 1 - LINE_MAX_CHARS);
	feed("\x7f\x7f");
	assert_int_equal(feed("\r"), LINE_TOO_LONG);
	assert_int_equal(line_history_count(&le), 0);
	/* Exactly the maximum is fine. */
	line_start(&le);
	big[LINE_MAX_CHARS] = '\0';
	assert_int_equal(feed(big), LINE_NONE);
	assert_int_equal(feed("\r"), LINE_DONE);
	assert_int_equal(strlen(line_text(&le)), LINE_MAX_CHARS);
	/* Emptying the line forgets the refused part. */
	line_start(&le);
	big[LINE_MAX_CHARS] = 'x';
	feed(big);
	feed("\x15ok");
	assert_int_equal(feed("\r"), LINE_DONE);
}

static void test_unknown_escapes_swallowed(void **state)
{
	(void)state;
	setup();
	feed("a\033[15~\033[2~\033[5~\033OP\033[Z\033[?1;2c\033[1;5Z\033[99999999~\033x\033");
	feed("\033[>0;1q\xc3\xa9\x80\xff");
	line_feed(&le, '\0');
	feed("b");
	feed("\033[3;5~");         /* Ctrl+Delete: still Delete (nothing at the end) */
	feed("\033[?D\033[>1;2D"); /* private markers: no terminal's keys */
	check(0, "ab", 2);
	/* A control byte ends a sequence and counts: Enter is not lost. */
	assert_int_equal(feed("\033[1\r"), LINE_DONE);
	assert_string_equal(line_text(&le), "ab");
	assert_int_equal(scr.bells, 0);
}

static void test_crlf_is_one_enter(void **state)
{
	(void)state;
	setup();
	assert_int_equal(feed("ls\r"), LINE_DONE);
	line_start(&le);
	size_t before = out_len;
	assert_int_equal(feed("\n"), LINE_NONE); /* the LF of CR LF */
	assert_int_equal(out_len, before);
	assert_int_equal(feed("pwd\r\n"), LINE_NONE);
	assert_string_equal(line_text(&le), "pwd");
	line_start(&le);
	assert_int_equal(feed("\n"), LINE_DONE); /* a lone LF is an Enter */
	line_start(&le);
	assert_int_equal(feed("\r"), LINE_DONE);
	line_start(&le);
	assert_int_equal(feed("\r"), LINE_DONE); /* CR CR: two */
	assert_string_equal(line_text(&le), "");
	assert_int_equal(feed("x"), LINE_NONE); /* ignored until line_start */
	assert_string_equal(line_text(&le), "");
	assert_int_equal(line_history_count(&le), 2);
}

/* An editor `width` columns wide whose output also goes to a MAX_COLS-wide
 * terminal (`wide`), both blank, cursors at the top left. */
static void setup_wide(unsigned width, unsigned rows)
{
	setup_at("$ ", 2, width, rows, 0);
	wide = scr;
	wide.cols = MAX_COLS;
	wide_on = true;
}

/* The wide terminal shows the same rows as the narrow one and nothing to
 * their right, and its cursor is in the same cell. */
static void check_wide_matches(void)
{
	for (unsigned r = 0; r < scr.rows; r++)
		for (unsigned c = 0; c < MAX_COLS; c++) {
			char want = c < scr.cols ? scr.cell[r][c] : ' ';
			if (wide.cell[r][c] != want)
				fail_msg("wide terminal cell (%u,%u): got '%c', want '%c' (line \"%s\")", c,
				         r, wide.cell[r][c], want, line_text(&le));
		}
	assert_int_equal(wide.cy, scr.cy);
	assert_int_equal(wide.cx, scr.cx);
}

/* The shell's case: the editor is as wide as the narrower terminal (the
 * serial one), and the wider one (the framebuffer's) must not wrap the line
 * elsewhere. Relying on autowrap, the wide terminal showed one long row
 * while the editor moved the cursor over rows that were not there. */
static void test_wider_terminal_shows_the_same_rows(void **state)
{
	(void)state;
	setup_wide(10, 12);
	feed("0123456789abcdefghijklmnopqrstuvwxyz");
	check(0, "0123456789abcdefghijklmnopqrstuvwxyz", 36);
	check_wide_matches();
	static const char *const edits[] = {"\x01", "\033[C\033[C\033[C", "XY", "\x7f",
	                                    "\033[3~", "\x05", "\033[D\033[D\033[D\033[D", "Q",
	                                    "\x0b", "\x17", "\x15", "rest of line"};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		feed(edits[i]);
		check_screen_at(0, "$ ", 2);
		check_wide_matches();
	}
	srand(7);
	static const char *const keys[] = {"a", "bc", "\x7f", "\033[D", "\033[C", "\x01",
	                                   "\x05", "\033[3~", "\x0b"};
	for (int i = 0; i < 3000; i++) {
		const char *k = keys[rand() % 9];
		if (strlen(line_text(&le)) > 90)
			k = "\x15";
		feed(k);
		check_screen_at(0, "$ ", 2);
		check_wide_matches();
	}
}

/* 10 columns and "$ ": the text wraps at indexes 8, 18, 28. */
static void test_backspace_over_wrapped_line(void **state)
{
	(void)state;
	setup_at("$ ", 2, 10, 8, 0);
	const char *s = "abcdefghijklmnopqrstuvwxy";
	char want[32];
	feed(s);
	check(0, s, 25);
	for (size_t n = 25; n > 0; n--) {
		feed("\x7f");
		snprintf(want, sizeof(want), "%.*s", (int)n - 1, s);
		check(0, want, n - 1);
	}
	/* The same from the middle of the wrapped text. */
	feed(s);
	feed("\033[D\033[D\033[D\033[D\033[D");
	for (size_t n = 20; n > 0; n--) {
		feed("\x7f");
		snprintf(want, sizeof(want), "%.*s%s", (int)n - 1, s, s + 20);
		check(0, want, n - 1);
	}
}

static void test_insert_into_wrapped_line(void **state)
{
	(void)state;
	setup_at("$ ", 2, 10, 8, 0);
	feed("0123456789abcdefghij");
	step("\x01\033[C\033[C\033[C\033[C\033[C\033[C\033[C", 0, "0123456789abcdefghij", 7);
	step("X", 0, "0123456X789abcdefghij", 8); /* pushed over two row boundaries */
	step("YZ", 0, "0123456XYZ789abcdefghij", 10);
	step("\033[3~\033[3~", 0, "0123456XYZ9abcdefghij", 10);
	/* Left and right across a row boundary. */
	step("\033[D\033[D\033[C\033[C\033[C", 0, "0123456XYZ9abcdefghij", 11);
	step("\x05\x7f\x7f\x7f\x7f", 0, "0123456XYZ9abcdef", 17);
	/* Enter with the text ending at the right margin: no blank row. */
	step("g", 0, "0123456XYZ9abcdefg", 18);
	assert_int_equal(feed("\r"), LINE_DONE);
	assert_int_equal(scr.cy, 2);
	assert_int_equal(scr.cx, 0);
}

/* A coloured prompt as wide as a row, at the bottom of a short screen, so
 * the line scrolls the screen as it grows. */
static void test_wrapping_with_scroll(void **state)
{
	(void)state;
	setup_at("\033[1;32mkestrel\033[0m>", 8, 8, 4, 3);
	assert_int_equal(scr.scrolls, 1);
	feed("abcdefghijklmnopq");
	assert_int_equal(scr.scrolls, 3);
	check_screen_at(0, "kestrel>", 8);
	for (int i = 0; i < 9; i++)
		feed("\033[D");
	feed("\x7f\x7f");
	assert_string_equal(line_text(&le), "abcdefijklmnopq");
	check_screen_at(0, "kestrel>", 8);
	feed("\x0b");
	assert_string_equal(line_text(&le), "abcdef");
	check_screen_at(0, "kestrel>", 8);
}

/* Random edits on a narrow screen, scrolling now and then; after each the
 * screen must show exactly the editor's text and cursor. */
static void test_random_edits_keep_screen_in_sync(void **state)
{
	(void)state;
	static const char *const keys[] = {"a",      "b",      " ",    "\x7f", "\033[3~", "\033[D",
	                                   "\033[C", "\x01",   "\x05", "\x0b", "\x15",    "\x17",
	                                   "\033[A", "\033[B", "xyzw", "\x03", "\r",      "\x0c"};
	srand(1);
	setup_at("k> ", 3, 7, 20, 0);
	unsigned row0 = 0, scrolls = 0;
	for (int i = 0; i < 20000; i++) {
		const char *k = keys[rand() % 18];
		if (strlen(line_text(&le)) > 80)
			k = "\x15";
		if ((k[0] == '\r' || k[0] == '\x0c') && rand() % 4 != 0)
			k = "c";
		if (feed(k) == LINE_DONE)
			line_start(&le);
		row0 -= scr.scrolls - scrolls;
		scrolls = scr.scrolls;
		if (k[0] == '\r' || k[0] == '\x03' || k[0] == '\x0c')
			row0 = scr.cy - (unsigned)(3 + line_cursor(&le)) / 7;
		check_screen_at(row0, "k> ", 3);
	}
	assert_true(scr.scrolls > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_insert_middle),
	        cmocka_unit_test(test_backspace_delete_bounds_eof),
	        cmocka_unit_test(test_left_right_bounds),
	        cmocka_unit_test(test_home_end_encodings),
	        cmocka_unit_test(test_history_browse),
	        cmocka_unit_test(test_history_duplicates_and_blanks),
	        cmocka_unit_test(test_history_ring_wraps),
	        cmocka_unit_test(test_ctrl_c),
	        cmocka_unit_test(test_ctrl_l),
	        cmocka_unit_test(test_complete_unique),
	        cmocka_unit_test(test_complete_ambiguous),
	        cmocka_unit_test(test_too_long),
	        cmocka_unit_test(test_unknown_escapes_swallowed),
	        cmocka_unit_test(test_crlf_is_one_enter),
	        cmocka_unit_test(test_backspace_over_wrapped_line),
	        cmocka_unit_test(test_insert_into_wrapped_line),
	        cmocka_unit_test(test_wrapping_with_scroll),
	        cmocka_unit_test(test_random_edits_keep_screen_in_sync),
	        cmocka_unit_test(test_wider_terminal_shows_the_same_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
