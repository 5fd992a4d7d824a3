/*
 * Host test for kernel/lib/errno.[ch]: for every number from 1 to 200, the
 * kernel's name must be the one the build machine's C library gives for it
 * (glibc's strerrorname_np, made from Linux's asm-generic/errno-base.h and
 * errno.h), and the text glibc's strerror; numbers Linux does not use must
 * have no name in the kernel either. This file includes the host's errno.h,
 * so it sees the kernel's values only through errno.c's table, which is
 * built from the same list as the kernel's constants.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

const char *errno_name(int err);
const char *errno_text(int err);

static void test_every_number(void **state)
{
	(void)state;
	int named = 0;
	for (int e = 1; e <= 200; e++) {
		const char *host = strerrorname_np(e);
		if (!host) {
			if (strcmp(errno_name(e), "E?") != 0)
				fail_msg("%d: the kernel names it %s, Linux has no such error", e,
				         errno_name(e));
			continue;
		}
		/* glibc names the aliases' shared values by the first name. */
		if (strcmp(errno_name(e), host) != 0)
			fail_msg("%d: kernel %s, Linux %s", e, errno_name(e), host);
		if (strcmp(errno_text(e), strerror(e)) != 0)
			fail_msg("%d (%s): kernel text \"%s\", glibc \"%s\"", e, host, errno_text(e),
			         strerror(e));
		assert_string_equal(errno_name(-e), host);
		named++;
	}
	assert_int_equal(named, 131);
	assert_string_equal(errno_name(0), "E?");
	assert_string_equal(errno_text(9999), "Unknown error");
	assert_string_equal(errno_name(ENOENT), "ENOENT");
	assert_string_equal(errno_name(ELOOP), "ELOOP");
	assert_string_equal(errno_name(ENOTEMPTY), "ENOTEMPTY");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_number),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
