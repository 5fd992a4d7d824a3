/*
 * An append-only text buffer that cannot overrun: the boot log's memory
 * (bootlog.c). Text arrives as UCS-2 (the firmware's CHAR16 strings) and is
 * stored as ASCII with CRLF line ends; anything outside printable ASCII
 * becomes '?'. When text no longer fits, what fits is kept, a notice is
 * appended, and everything after it is dropped. Pure C, so the host tests
 * and a fuzz target run the same code (tests/host/test_textlog.c,
 * tests/fuzz/fuzz_textlog.c).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define TEXTLOG_NOTICE "... (boot log full: later lines dropped)\r\n"
/* The smallest buffer: the notice must always fit. */
#define TEXTLOG_MIN_CAP (sizeof(TEXTLOG_NOTICE) - 1)

struct textlog {
	char *buf;
	size_t cap; /* bytes of buf */
	size_t len; /* bytes used; never more than cap */
	int full;   /* the notice is in: nothing more is taken */
};

/* Use buf[0..cap) (cap >= TEXTLOG_MIN_CAP, else the log starts full and empty). */
void textlog_init(struct textlog *t, char *buf, size_t cap);
/* Append the NUL-terminated UCS-2 string s ('\n' becomes "\r\n"). */
void textlog_put(struct textlog *t, const uint16_t *s);
