/*
 * Host tests of the loader's formatter (loader/fmt.c), which replaced
 * gnu-efi's Print family: every conversion the loader's messages use, with
 * the output gnu-efi gave (upper-case hex, "(null)"), and above all that it
 * never writes past the buffer, whatever the capacity. Buffers are malloc'd
 * at exactly their capacity, so ASan reports any write past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader/fmt.h"

/* ASCII to UCS-2; four rotating buffers so a test can hold a few at once. */
static const uint16_t *u16(const char *s)
{
	static uint16_t out[4][512];
	static int next;
	uint16_t *o = out[next++ % 4];
	size_t i = 0;
	for (; s[i] && i < 511; i++)
		o[i] = (uint8_t)s[i];
	o[i] = 0;
	return o;
}

/* UCS-2 (ASCII range) back to a char string, for assert_string_equal. */
static const char *ascii(const uint16_t *s)
{
	static char out[1024];
	size_t i = 0;
	for (; s[i] && i < 1023; i++)
		out[i] = s[i] < 0x80 ? (char)s[i] : '?';
	out[i] = 0;
	return out;
}

#define CHECK(expect, ...)                                                                         \
	do {                                                                                       \
		uint16_t buf_[256];                                                                \
		size_t n_ = fmt_format(buf_, 256, __VA_ARGS__);                                    \
		assert_string_equal(ascii(buf_), expect);                                          \
		assert_int_equal(n_, strlen(expect));                                              \
	} while (0)

static void test_integers(void **state)
{
	(void)state;
	CHECK("0 7 4294967295", u16("%u %u %u"), 0u, 7u, 4294967295u);
	CHECK("-5 2147483647 -2147483648", u16("%d %d %d"), -5, 2147483647, (int)-2147483648ll);
	CHECK("18446744073709551615", u16("%lu"), UINT64_MAX);
	CHECK("-9223372036854775808", u16("%ld"), INT64_MIN);
	CHECK("0x800000000000000E", u16("0x%lx"), 0x800000000000000eull);
	CHECK("0xFFFFFFFF80000000 0x0", u16("0x%lx 0x%x"), 0xffffffff80000000ull, 0u);
	CHECK("DEADBEEF", u16("%X"), 0xdeadbeefu);
}

static void test_width_and_flags(void **state)
{
	(void)state;
	/* The boot log's memory report: "%5lu ranges %9lu KiB". */
	CHECK("   12 ranges    261120 KiB", u16("%5lu ranges %9lu KiB"), 12ull, 261120ull);
	CHECK("00FF", u16("%04x"), 0xffu);
	CHECK("-0042|-42  |  -42", u16("%05d|%-5d|%5d"), -42, -42, -42);
	CHECK("ab   |   ab", u16("%-5a|%5s"), "ab", u16("ab"));
	CHECK("123456", u16("%3u"), 123456u); /* wider than the width: all digits */
}

static void test_strings_and_chars(void **state)
{
	(void)state;
	CHECK("file \\EFI\\BOOT\\KERNEL.ELF, cpu \"QEMU\"", u16("file %s, cpu \"%a\""),
	      u16("\\EFI\\BOOT\\KERNEL.ELF"), "QEMU");
	CHECK("(null) (null)", u16("%s %a"), (const uint16_t *)NULL, (const char *)NULL);
	CHECK("r-x", u16("%c%c%c"), 'r', '-', 'x');
	CHECK("100%", u16("100%%"));
	static const uint16_t wide[] = {'<', 0x00e9, 0x2603, '>', 0};
	uint16_t buf[16];
	fmt_format(buf, 16, u16("%s"), wide);
	assert_memory_equal(buf, wide, sizeof(wide));
}

static void test_unknown_conversions_are_copied(void **state)
{
	(void)state;
	CHECK("%q %-3z", u16("%q %-3z"));
	CHECK("ends in %", u16("ends in %"));
	CHECK("ends in %5l", u16("ends in %5l"));
}

/* Every capacity from 0 to past the full length: the output is the prefix
 * that fits, always terminated, never a unit beyond the buffer. */
static void test_truncation_at_every_capacity(void **state)
{
	(void)state;
	const char *full = "kestrel: error: 0x800000000000000E Not Found -17";
	size_t len = strlen(full);
	for (size_t cap = 0; cap <= len + 2; cap++) {
		uint16_t *buf = malloc(cap ? cap * sizeof(uint16_t) : 1);
		size_t n = fmt_format(buf, cap, u16("kestrel: %a: 0x%lx %s %d"), "error",
		                      0x800000000000000eull, u16("Not Found"), -17);
		size_t want = cap == 0 ? 0 : (cap - 1 < len ? cap - 1 : len);
		assert_int_equal(n, want);
		if (cap) {
			assert_int_equal(buf[n], 0);
			for (size_t i = 0; i < n; i++)
				assert_int_equal(buf[i], (uint8_t)full[i]);
		}
		free(buf);
	}
}

static void test_huge_width_is_capped(void **state)
{
	(void)state;
	uint16_t *buf = malloc(2048 * sizeof(uint16_t));
	size_t n = fmt_format(buf, 2048, u16("%99999999999u|"), 1u);
	assert_int_equal(n, 1001); /* a width of at most 1000, then "|" */
	assert_int_equal(buf[999], '1');
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_integers),
	        cmocka_unit_test(test_width_and_flags),
	        cmocka_unit_test(test_strings_and_chars),
	        cmocka_unit_test(test_unknown_conversions_are_copied),
	        cmocka_unit_test(test_truncation_at_every_capacity),
	        cmocka_unit_test(test_huge_width_is_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
