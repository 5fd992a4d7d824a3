/*
 * kprintf: formatted output to every console (serial and framebuffer).
 * The conversions are those of kvformat (lib/vsnprintf.h).
 */
#pragma once

#include <stdarg.h>

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
