/*
 * panic(): for broken invariants. Prints the message on every console and
 * stops the CPU with interrupts off; in test mode (a "test=" command line) it
 * first exits QEMU with the failure code so the harness sees it.
 */
#pragma once

#include <stdbool.h>

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/* Test mode ("test=" on the command line, set by boot_init): a panic or
 * fatal exception exits QEMU with the failure code after its report. */
void panic_set_test_mode(bool on);
bool panic_test_mode(void);

/* Self-tests of the checks that panic: the next panic prints its message,
 * then exits QEMU with success. */
void panic_expect(void);

/* Debug check: panics with the expression, file and line when false. */
#define KASSERT(expr)                                                                      \
	do {                                                                               \
		if (!(expr))                                                               \
			panic("assertion failed: %s at %s:%d", #expr, __FILE__, __LINE__); \
	} while (0)
