/*
 * A panic hook for host tests of kernel modules that take one (pmm, heap):
 * it records the message and, when a test armed it with EXPECT_PANIC,
 * longjmps back so the test can check what was said. An unexpected panic
 * fails the test, unless panic_returns is set (to test that a refused
 * operation changes nothing when the hook returns). Include once per test
 * program, after <cmocka.h>.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static jmp_buf panic_jmp;
static bool panic_armed, panic_returns;
static char panic_msg[512];
static int panics; /* how many times the hook ran */

__attribute__((format(printf, 1, 2))) static void hook(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	panics++;
	if (panic_armed) {
		panic_armed = false;
		longjmp(panic_jmp, 1);
	}
	if (!panic_returns)
		fail_msg("unexpected panic: %s", panic_msg);
}

/* stmt must call the panic hook with a message containing what. */
#define EXPECT_PANIC(stmt, what)                                                       \
	do {                                                                           \
		panic_armed = true;                                                    \
		if (setjmp(panic_jmp) == 0) {                                          \
			stmt;                                                          \
			panic_armed = false;                                           \
			fail_msg("no panic from %s", #stmt);                           \
		}                                                                      \
		if (!strstr(panic_msg, what))                                          \
			fail_msg("panic \"%s\" does not say \"%s\"", panic_msg, what); \
	} while (0)
