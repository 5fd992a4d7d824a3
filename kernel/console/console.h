/*
 * The kernel console: one place where text goes to every output, the serial
 * port and (when the loader found one) the framebuffer terminal. The text is
 * kept in the terminal's cell grid in RAM; the framebuffer only receives cells
 * that changed, at flush time.
 */
#pragma once

#include <boot/bootinfo.h>
#include <stdbool.h>
#include <stddef.h>

/* Serial first (works before anything else), then the framebuffer. */
void console_init_serial(void);
void console_init_framebuffer(const struct bootinfo_framebuffer *fb);
bool console_has_framebuffer(void);
/* Draw through another mapping of the same framebuffer from now on (the
 * write-combining one the kernel's page tables provide). */
void console_set_framebuffer_mapping(void *base);
/* Columns and rows of the framebuffer terminal (0 without one). */
void console_size(unsigned *cols, unsigned *rows);

/* Both outputs; console_write flushes the framebuffer at the end and takes
 * the console lock itself. */
void console_write(const char *s, size_t n);
/* The pieces of one message, between console_begin and console_end (which
 * take and release the console lock, interrupts off in between). */
void console_begin(void);
void console_end(void);
void console_write_noflush(const char *s, size_t n);
void console_flush(void);
/* Take the console over for a panic or fatal report on this CPU: from now
 * on this CPU writes without the lock, and any other CPU that tries to
 * print halts. False if another CPU took it first (then this one should
 * just stop). */
bool console_emergency(void);

/* One output only (tests and the screen-dump protocol). */
void console_write_serial(const char *s, size_t n);
void console_write_framebuffer(const char *s, size_t n);
