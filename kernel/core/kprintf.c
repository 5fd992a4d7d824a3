/*
 * kprintf streams kvformat's pieces straight to the consoles, so there is no
 * buffer to overflow and no length limit. The framebuffer is flushed once per
 * call rather than per piece, which keeps drawing proportional to what
 * changed.
 */
#include "core/kprintf.h"

#include "console/console.h"
#include "lib/vsnprintf.h"

static void kprintf_put(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write_noflush(s, n);
}

int kvprintf(const char *fmt, va_list ap)
{
	console_begin();
	int n = kvformat(kprintf_put, NULL, fmt, ap);
	console_flush();
	console_end();
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}
