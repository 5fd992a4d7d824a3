/*
 * Host tests of the loader's configuration parser (loader/config.c): every
 * key, defaults, comments and blank lines, and a warning naming the line for
 * each kind of bad input, with the default kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader/config.h"

static void parse(struct ldr_config *c, const char *text) { cfg_parse(c, text, strlen(text)); }

static void test_defaults(void **state)
{
	(void)state;
	struct ldr_config c;
	parse(&c, "");
	assert_string_equal(c.kernel, "");
	assert_string_equal(c.initrd, "");
	assert_int_equal(c.has_initrd, 0);
	assert_int_equal(c.has_cmdline, 0);
	assert_int_equal(c.width, 0);
	assert_int_equal(c.timeout_s, 10);
	assert_int_equal(c.verbose, 0);
	assert_int_equal(c.nwarnings, 0);
}

static void test_all_keys(void **state)
{
	(void)state;
	struct ldr_config c;
	parse(&c, "# Kestrel\r\n\n  kernel = /EFI/KESTREL/kernel.elf \r\ncmdline=test=boot timer_hz=100\n"
	          "resolution = 1280x800\ntimeout=3\n");
	assert_string_equal(c.kernel, "\\EFI\\KESTREL\\kernel.elf");
	assert_int_equal(c.has_cmdline, 1);
	assert_string_equal(c.cmdline, "test=boot timer_hz=100");
	assert_int_equal(c.width, 1280);
	assert_int_equal(c.height, 800);
	assert_int_equal(c.timeout_s, 3);
	assert_int_equal(c.nwarnings, 0);
}

/* initrd: a path like kernel's, or an empty value for none; the last
 * good line wins. */
static void test_initrd(void **state)
{
	(void)state;
	struct ldr_config c;
	parse(&c, "initrd = /EFI/KESTREL/initrd.cpio\n");
	assert_int_equal(c.has_initrd, 1);
	assert_string_equal(c.initrd, "\\EFI\\KESTREL\\initrd.cpio");
	assert_int_equal(c.nwarnings, 0);
	parse(&c, "initrd = /EFI/X\ninitrd =\n");
	assert_int_equal(c.has_initrd, 1);
	assert_string_equal(c.initrd, "");
	parse(&c, "initrd = /EFI/X\ninitrd = relative\n");
	assert_int_equal(c.nwarnings, 1);
	assert_string_equal(c.warnings[0],
	                    "line 2: initrd: needs an absolute path of printable ASCII, or nothing; "
	                    "line ignored");
	assert_string_equal(c.initrd, "\\EFI\\X");
	parse(&c, "colour = blue\n");
	assert_string_equal(c.warnings[0], "line 1: unknown key (known: kernel, initrd, cmdline, "
	                                   "resolution, timeout, verbose); ignored");
}

/* verbose: the usual spellings of yes and no; anything else warns and keeps
 * the earlier value. */
static void test_verbose(void **state)
{
	(void)state;
	struct ldr_config c;
	static const char *const yes[] = {"verbose = yes\n", "verbose=true\n", "verbose = on",
	                                  "verbose = 1\r\n"};
	static const char *const no[] = {"verbose = yes\nverbose = no\n", "verbose=false",
	                                 "verbose = off\n", "verbose = 0\n"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		parse(&c, yes[i]);
		assert_int_equal(c.verbose, 1);
		assert_int_equal(c.nwarnings, 0);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		parse(&c, no[i]);
		assert_int_equal(c.verbose, 0);
		assert_int_equal(c.nwarnings, 0);
	}
	parse(&c, "verbose = yes\nverbose = loud\nverbose =\n");
	assert_int_equal(c.verbose, 1);
	assert_int_equal(c.nwarnings, 2);
	assert_string_equal(c.warnings[0], "line 2: verbose: expected yes or no; line ignored");
	assert_string_equal(c.warnings[1], "line 3: verbose: expected yes or no; line ignored");
}

static void test_bad_values_warn_with_line(void **state)
{
	(void)state;
	struct ldr_config c;
	parse(&c, "kernel = relative.elf\nresolution = 1280\ntimeout = 9999\ncolour = blue\n"
	          "just words\nresolution = 100x50\ntimeout = -1\n");
	assert_int_equal(c.nwarnings, 7);
	assert_string_equal(c.kernel, "");
	assert_int_equal(c.width, 0);
	assert_int_equal(c.timeout_s, 10);
	assert_non_null(strstr(c.warnings[0], "line 1: kernel"));
	assert_non_null(strstr(c.warnings[1], "line 2: resolution"));
	assert_non_null(strstr(c.warnings[2], "line 3: timeout"));
	assert_non_null(strstr(c.warnings[3], "line 4: unknown key"));
	assert_non_null(strstr(c.warnings[4], "line 5: expected key = value"));
	assert_non_null(strstr(c.warnings[5], "line 6: resolution"));
	assert_non_null(strstr(c.warnings[6], "line 7: timeout"));
}

static void test_long_values_never_overflow(void **state)
{
	(void)state;
	char text[4096];
	struct ldr_config c;
	strcpy(text, "kernel = /");
	memset(text + strlen(text), 'k', 1000);
	text[10 + 1000] = 0;
	strcat(text, "\ncmdline = ");
	size_t n = strlen(text);
	memset(text + n, 'c', 2000);
	text[n + 2000] = 0;
	parse(&c, text);
	assert_int_equal(c.nwarnings, 2);
	assert_string_equal(c.kernel, "");
	assert_int_equal(c.has_cmdline, 0);
	/* Many warnings are capped, not overflowed. */
	char many[2048] = "";
	for (int i = 0; i < 40; i++)
		strcat(many, "bogus = 1\n");
	parse(&c, many);
	assert_int_equal(c.nwarnings, CFG_MAX_WARNINGS);
	assert_int_equal(c.nwarnings_dropped, 40 - CFG_MAX_WARNINGS);
	assert_non_null(strstr(c.warnings[CFG_MAX_WARNINGS - 1], "line 8:"));
}

/* A bad line is ignored: the value an earlier line set stays. */
static void test_bad_line_keeps_earlier_value(void **state)
{
	(void)state;
	struct ldr_config c;
	parse(&c, "kernel = /a.elf\ncmdline = one two\nresolution = 800x600\ntimeout = 5\n"
	          "kernel = relative.elf\ncmdline = bad\x01\nresolution = 800\ntimeout = 9999\n");
	assert_string_equal(c.kernel, "\\a.elf");
	assert_int_equal(c.has_cmdline, 1);
	assert_string_equal(c.cmdline, "one two");
	assert_int_equal(c.width, 800);
	assert_int_equal(c.height, 600);
	assert_int_equal(c.timeout_s, 5);
	assert_int_equal(c.nwarnings, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_non_null(strstr(c.warnings[i], "line ignored"));
}

static void test_every_truncation(void **state)
{
	(void)state;
	const char *text = "kernel=/a.elf\nresolution=800x600\ntimeout=5\ncmdline=x y\n";
	struct ldr_config c;
	for (size_t n = 0; n <= strlen(text); n++) {
		char *copy = malloc(n ? n : 1);
		memcpy(copy, text, n);
		cfg_parse(&c, copy, n); /* ASan: never reads past n */
		free(copy);
	}
	assert_int_equal(c.timeout_s, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_initrd),
		cmocka_unit_test(test_verbose),
		cmocka_unit_test(test_bad_values_warn_with_line),
		cmocka_unit_test(test_long_values_never_overflow),
		cmocka_unit_test(test_bad_line_keeps_earlier_value),
		cmocka_unit_test(test_every_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
