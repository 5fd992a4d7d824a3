/*
 * Formatted output: the one printf-style formatter that every kernel output
 * path shares (kprintf to the console, ksnprintf into buffers, panic and
 * exception reports). It keeps no state outside its arguments and takes no
 * locks, so it is safe to call from any context, including a fault handler
 * that interrupted another call to it.
 *
 * Supported: conversions d i u x X o p s c %; length modifiers hh h l ll z j t;
 * flags - 0 + space # and ' (accepted and ignored: no grouping in the C
 * locale); field width and precision, each also as '*'. There is no floating
 * point (the kernel is built with -mgeneral-regs-only) and no %n.
 *
 * Where C leaves the behaviour open, the output matches glibc, so host tests
 * can compare against it:
 *   - %p prints "0x" and lowercase hex like %#lx, honouring all flags, width
 *     and precision; a NULL pointer prints "(nil)".
 *   - %s with NULL prints "(null)", or "" if the precision is below 6.
 *   - '0' pads only numeric conversions; %s, %c and "(nil)" pad with spaces.
 *   - "%5%" prints a single '%', ignoring flags and width.
 * Where glibc fails instead (it returns -1), this formatter prints the
 * offending specification verbatim and carries on, because a diagnostic
 * message with a typo is still worth seeing in a panic:
 *   - an unknown conversion, including %n, %f and the wide %lc and %ls, prints
 *     from the '%' through the conversion character ("%-5q" -> "%-5q"); any
 *     '*' arguments it named have already been consumed, the value has not;
 *   - a specification cut off by the end of the string prints what is there.
 * The return value is the length the complete output has, or -1 if that
 * exceeds INT_MAX (C11 7.21.6.5, POSIX EOVERFLOW).
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/*
 * Receives the output in pieces, in order; s is not NUL-terminated and is
 * only valid during the call. n is never 0.
 */
typedef void (*kformat_put_fn)(void *ctx, const char *s, size_t n);

/* Streams the formatted output to put; no length limit. */
int kvformat(kformat_put_fn put, void *ctx, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/*
 * C99 snprintf: writes at most size bytes including the terminating NUL
 * (always present when size > 0; buf may be NULL when size is 0) and returns
 * the length the untruncated output would have.
 */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
