/*
 * Host tests of the boot log's buffer (loader/textlog.c): CRLF line ends and
 * '?' for non-ASCII, and above all that it never writes past its capacity,
 * however the text arrives (a review found the first boot-log buffer
 * overflowing once full, when a line's prefix, text and newline came as
 * three separate appends). Buffers are malloc'd at exactly their capacity, so
 * ASan reports any write past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader/textlog.h"

#define NOTICE_LEN (sizeof(TEXTLOG_NOTICE) - 1)

/* ASCII to a NUL-terminated UCS-2 string in a static buffer. */
static const uint16_t *u16(const char *s)
{
	static uint16_t out[4096];
	size_t i = 0;
	for (; s[i] && i < 4095; i++)
		out[i] = (uint8_t)s[i];
	out[i] = 0;
	return out;
}

static void test_crlf_and_ascii(void **state)
{
	(void)state;
	char buf[256];
	struct textlog t;
	textlog_init(&t, buf, sizeof(buf));
	textlog_put(&t, u16("one\ntwo"));
	static const uint16_t odd[] = {'x', 0x00e9, 0x2603, 0x07, 0x7f, 'y', '\n', 0};
	textlog_put(&t, odd);
	assert_int_equal(t.len, strlen("one\r\ntwox????y\r\n"));
	assert_memory_equal(buf, "one\r\ntwox????y\r\n", t.len);
	assert_false(t.full);
}

static void test_exact_fit_then_notice_once(void **state)
{
	(void)state;
	/* Room for 10 bytes of text besides the notice. */
	size_t cap = NOTICE_LEN + 10;
	char *buf = malloc(cap);
	struct textlog t;
	textlog_init(&t, buf, cap);
	textlog_put(&t, u16("0123456789"));
	assert_int_equal(t.len, 10);
	assert_false(t.full);
	textlog_put(&t, u16("x"));
	assert_true(t.full);
	assert_int_equal(t.len, cap);
	assert_memory_equal(buf + 10, TEXTLOG_NOTICE, NOTICE_LEN);
	textlog_put(&t, u16("more\n"));
	textlog_put(&t, u16("\n"));
	assert_int_equal(t.len, cap);
	free(buf);
}

static void test_newline_does_not_split(void **state)
{
	(void)state;
	/* One byte left: "\n" needs two, so the notice comes instead. */
	size_t cap = NOTICE_LEN + 3;
	char *buf = malloc(cap);
	struct textlog t;
	textlog_init(&t, buf, cap);
	textlog_put(&t, u16("ab\n"));
	assert_true(t.full);
	assert_int_equal(t.len, 2 + NOTICE_LEN);
	assert_memory_equal(buf, "ab" TEXTLOG_NOTICE, t.len);
	free(buf);
}

/* The sequence that overflowed the first version: a prefix, a line and a
 * newline as three appends after the log has filled. */
static void test_many_small_appends_after_full(void **state)
{
	(void)state;
	size_t cap = NOTICE_LEN + 100;
	char *buf = malloc(cap);
	struct textlog t;
	textlog_init(&t, buf, cap);
	for (int i = 0; i < 1000; i++) {
		textlog_put(&t, u16("  "));
		textlog_put(&t, u16("a line of text"));
		textlog_put(&t, u16("\n"));
		assert_true(t.len <= cap);
	}
	assert_true(t.full);
	assert_memory_equal(buf + t.len - NOTICE_LEN, TEXTLOG_NOTICE, NOTICE_LEN);
	free(buf);
}

static void test_every_capacity_and_split(void **state)
{
	(void)state;
	const char *text = "firmware: EDK II\nGOP mode 0: 1280x800\n\nmemory map\n";
	for (size_t cap = NOTICE_LEN; cap < NOTICE_LEN + 80; cap++) {
		for (size_t split = 1; split <= 7; split++) {
			char *buf = malloc(cap);
			struct textlog t;
			textlog_init(&t, buf, cap);
			for (int rep = 0; rep < 3; rep++) {
				char piece[8];
				size_t len = strlen(text);
				for (size_t i = 0; i < len; i += split) {
					size_t n = len - i < split ? len - i : split;
					memcpy(piece, text + i, n);
					piece[n] = 0;
					textlog_put(&t, u16(piece));
					assert_true(t.len <= cap);
				}
			}
			/* What was kept is a prefix of the text as CRLF, then maybe the notice. */
			size_t body = t.full ? t.len - NOTICE_LEN : t.len;
			if (t.full)
				assert_memory_equal(buf + body, TEXTLOG_NOTICE, NOTICE_LEN);
			assert_true(body <= cap - NOTICE_LEN);
			free(buf);
		}
	}
}

static void test_too_small_or_missing_buffer(void **state)
{
	(void)state;
	char buf[4];
	struct textlog t;
	textlog_init(&t, buf, sizeof(buf));
	assert_true(t.full);
	textlog_put(&t, u16("x\n"));
	assert_int_equal(t.len, 0);
	textlog_init(&t, NULL, 0);
	assert_true(t.full);
	textlog_put(&t, u16("x\n"));
	assert_int_equal(t.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crlf_and_ascii),
		cmocka_unit_test(test_exact_fit_then_notice_once),
		cmocka_unit_test(test_newline_does_not_split),
		cmocka_unit_test(test_many_small_appends_after_full),
		cmocka_unit_test(test_every_capacity_and_split),
		cmocka_unit_test(test_too_small_or_missing_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
