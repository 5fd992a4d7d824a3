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
#include <stdint.h>

/* Serial first (works before anything else), then the framebuffer. */
void console_init_serial(void);
void console_init_framebuffer(const struct bootinfo_framebuffer *fb);
bool console_has_framebuffer(void);
/* Give the screen its alternate screen (ESC[?1049h: vi, less), whose grid
 * comes from the heap; until then those sequences are ignored. Panics if
 * the heap cannot hold it. After heap_init_kernel. */
void console_init_alt_screen(void);
/* Draw through another mapping of the same framebuffer from now on (the
 * write-combining one the kernel's page tables provide). */
void console_set_framebuffer_mapping(void *base);
/* Columns and rows of the framebuffer terminal (0 without one). */
void console_size(unsigned *cols, unsigned *rows);

/* Both outputs, taking the console lock itself. Serial gets every byte
 * before the call returns; the framebuffer is redrawn now or, under a
 * flood, within a frame (console.c explains the pacing). Answers the
 * terminal owes (to ESC[6n and the like) go to the reply handler. */
void console_write(const char *s, size_t n);
/* The same for the screen alone (the screen's terminal, tty0): nothing
 * without a framebuffer. */
void console_write_screen(const char *s, size_t n);
/* Where console_write(_screen) sends the terminal's answers: the terminal layer's
 * input, as if typed (tty.c registers it; console/ does not know tty/).
 * Called without the console lock held. */
void console_set_reply_handler(void (*fn)(const char *s, size_t n));
/* Paced redraws (console.c explains them): from now on console_write may
 * leave a redraw to the pacer thread (tty/pacer.c), calling wake (without
 * the console lock) when it does. Before this, and without a framebuffer
 * (then it returns false), every write is drawn at once. */
bool console_start_pacing(void (*wake)(void));
/* A paced redraw is owed (a hint, read without the lock). */
bool console_redraw_pending(void);
/* When the owed redraw may happen (clock_ns time), or 0 if none is owed. */
uint64_t console_redraw_due(void);
/* Output has stopped: draw now whatever paced redraws still owe, so the
 * screen shows everything written so far (tcdrain, a reader about to wait
 * for input). */
void console_drain(void);
/* The pieces of one message, between console_begin and console_end (which
 * take and release the console lock, interrupts off in between). */
void console_begin(void);
void console_end(void);
void console_write_noflush(const char *s, size_t n);
/* Draw now (kprintf's flush: a kernel message is on the screen when the
 * call returns). */
void console_flush(void);
/* Take the console over for a panic or fatal report on this CPU: from now
 * on this CPU writes without the lock, and any other CPU that tries to
 * print halts. False if another CPU took it first (then this one should
 * just stop). */
bool console_emergency(void);

/* One output only, drawn at once and with no answers (tests, the
 * screen-dump protocol; the serial terminal, ttyS0, writes with
 * console_write_serial: the lock keeps its bytes apart from a kernel
 * message's). */
void console_write_serial(const char *s, size_t n);
void console_write_framebuffer(const char *s, size_t n);
