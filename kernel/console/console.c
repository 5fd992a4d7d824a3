/*
 * The kernel console: fans text out to the serial port and to the
 * framebuffer terminal (term.c over fb.c with the built-in PSF2 font).
 *
 * The terminal's cell grids are sized to the screen (at most TERM_MAX_COLS
 * x TERM_MAX_ROWS; a larger screen uses its top-left part). The wanted and
 * shown grids are needed from the first line on the screen, before the
 * page-frame allocator exists, so they come from mm_alloc_early; the
 * alternate screen's grid (vi, less) is only needed once programs run, and
 * comes from the heap (console_init_alt_screen). Static arrays for the
 * largest screen would be 480 KiB of .bss that the loader zeroes on every
 * boot, for a 1920x1080 screen that uses a fifth of it. The grids start
 * zeroed, and a zero cell is "blank, default colours", which is what the
 * loader left on the screen, so bringing the console up writes neither
 * every cell nor every pixel.
 *
 * One lock, `lock`, guards both outputs and the terminal state: a whole
 * kprintf holds it (console_begin/console_end), so lines from different
 * CPUs, or from an interrupt handler and the code it interrupted, never
 * interleave. A CPU that panics or reports a fatal exception takes the
 * console over instead (console_emergency): it may have been interrupted
 * inside the lock, or another CPU may hold it and never let go, so from
 * then on it writes without the lock and every other CPU's output stops.
 *
 * Paced redraws. Serial output is always written at once, byte for byte.
 * The framebuffer is not: text that goes through console_write (the
 * terminal's output, the kernel shell) lands in the cell grid at once, but
 * the grid is drawn at most once per display frame. A redraw costs about
 * as much whether one line or fifty scrolled by since the last one, so
 * under a flood (cat of a big file) drawing once per frame instead of once
 * per write is what makes the output cost a few instructions per
 * character rather than a screen redraw per line. The rules:
 *  - A write that comes when the last redraw is at least a frame old (and
 *    the pacing below allows) is drawn before console_write returns:
 *    typing and prompts appear at once.
 *  - Otherwise the redraw is left to the "console" kernel thread (the
 *    pacer, tty/pacer.c: console/ sits below the scheduler, so the thread
 *    lives a layer up and is woken through a registered function), which
 *    sleeps until the earliest allowed time and then draws everything
 *    written meanwhile: under a flood, one redraw per frame, and the last
 *    byte reaches the screen at most a frame after it was written.
 *  - When the output stops, the rest is drawn at once (console_drain):
 *    the terminal calls it before a reader sleeps for input (the shell
 *    after cat, at its prompt) and for tcdrain.
 *  - The earliest next redraw is one frame after the last one started,
 *    and also no sooner than three times its duration after it ended: a
 *    CPU too slow to redraw in a quarter of a frame (an emulator counting
 *    instructions, a large screen) spends at most a quarter of its time
 *    redrawing, and the screen lags by that much more.
 *  - kprintf, the screen test and a panic draw synchronously, as before
 *    the pacing: a kernel message must be on the screen when the call
 *    returns, and a panicking CPU cannot count on another thread.
 * The pacing state is guarded by `lock`, like the terminal it describes.
 */
#include "console/console.h"

#include "core/panic.h"
#include "lib/string.h"
#include "mm/early.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "console/fb.h"
#include "console/psf.h"
#include "console/term.h"
#include "dev/serial.h"
#include "core/kprintf.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "sync/spinlock.h"
#include "time/clock.h"

#define CONSOLE_FRAME_NS (16u * 1000 * 1000) /* at most one redraw per 16 ms */
#define CONSOLE_REDRAW_SHARE 4                /* redraws take at most 1/4 of the time */

extern const uint8_t console_font_psf[], console_font_psf_end[];

static struct term console_term;
static struct fb console_fb;
static bool fb_ready;
static struct spinlock lock = SPINLOCK_INIT("console"); /* guards serial, console_term, console_fb */
/* The CPU that took the console over, or -1. */
static _Atomic int32_t emergency_cpu = -1;

/* Paced redraws, all guarded by `lock` (flush_pending is also read without
 * it, by the pacer's wait condition, which tolerates a stale value). */
static bool pacing;                   /* the pacer runs: console_write may defer */
static void (*pacer_wake)(void);      /* wakes it (called without the lock) */
static _Atomic bool flush_pending;    /* the grid has text the pacer will draw */
static uint64_t next_redraw_ns;       /* the earliest time for the next redraw */
static void (*reply_handler)(const char *s, size_t n);

void console_begin(void)
{
	int32_t e = atomic_load_explicit(&emergency_cpu, memory_order_acquire);
	if (e == (int32_t)this_cpu_index()) {
		spin_irq_save(); /* the same nesting, without the lock */
		return;
	}
	if (e >= 0) /* another CPU is reporting a panic: wait for its NMI */
		cpu_halt_forever();
	spin_lock(&lock);
}

void console_end(void)
{
	if (atomic_load_explicit(&emergency_cpu, memory_order_relaxed) == (int32_t)this_cpu_index())
		spin_irq_restore();
	else
		spin_unlock(&lock);
}

bool console_emergency(void)
{
	int32_t none = -1, self = (int32_t)this_cpu_index();
	return atomic_compare_exchange_strong_explicit(&emergency_cpu, &none, self,
	                                               memory_order_acq_rel,
	                                               memory_order_acquire) ||
	       none == self;
}

void console_init_serial(void) { serial_init(); }

void console_init_framebuffer(const struct bootinfo_framebuffer *info)
{
	struct psf_font font;
	int err;

	if (info->format == BOOTINFO_FB_NONE)
		return;
	err = psf_parse(&font, console_font_psf, (size_t)(console_font_psf_end - console_font_psf));
	if (err != PSF_OK) {
		kprintf("console: built-in font rejected: %s; serial only\n", psf_strerror(err));
		return;
	}
	err = fb_init(&console_fb, phys_to_virt(info->base_phys), info, &font);
	if (err != FB_OK) {
		kprintf("console: framebuffer %ux%u pitch %u unusable (error %d); serial only\n",
		        info->width, info->height, info->pitch, err);
		return;
	}
	fb_set_palette(&console_fb, term_default_palette, TERM_COLOURS);

	uint32_t cols = console_fb.cols < TERM_MAX_COLS ? console_fb.cols : TERM_MAX_COLS;
	uint32_t rows = console_fb.rows < TERM_MAX_ROWS ? console_fb.rows : TERM_MAX_ROWS;
	size_t ncells = (size_t)cols * rows;
	struct term_cell *want = mm_alloc_early(2 * ncells * sizeof(*want),
	                                        "the console's cell grids");
	memset(want, 0, 2 * ncells * sizeof(*want));
	struct term_backend backend = {fb_draw_cell, &console_fb};
	if (term_init(&console_term, cols, rows, want, want + ncells, ncells, &backend) != TERM_OK) {
		kprintf("console: terminal of %ux%u cells rejected; serial only\n", cols, rows);
		return;
	}
	fb_ready = true;
}

void console_init_alt_screen(void)
{
	if (!fb_ready)
		return;
	size_t ncells = (size_t)console_term.cols * console_term.rows;
	struct term_cell *alt = kcalloc(ncells, sizeof(*alt));
	if (!alt)
		panic("console: no memory for the alternate screen's cell grid (%zu KiB)",
		      ncells * sizeof(*alt) / 1024);
	console_begin();
	term_set_alt_screen(&console_term, alt, ncells);
	console_end();
}

bool console_has_framebuffer(void) { return fb_ready; }

void console_set_framebuffer_mapping(void *base)
{
	/* Same pixels, same alignment within the page: only the pointer moves. */
	if (fb_ready && base)
		console_fb.base = base;
}

void console_size(unsigned *cols, unsigned *rows)
{
	*cols = fb_ready ? console_term.cols : 0;
	*rows = fb_ready ? console_term.rows : 0;
}

void console_write_noflush(const char *s, size_t n)
{
	serial_write(s, n);
	if (fb_ready)
		term_write(&console_term, s, n);
}

/* Draw now, and from its cost set when the next paced redraw may be.
 * With the lock held. */
static void console_redraw(void)
{
	uint64_t start = clock_ns();
	term_flush(&console_term);
	uint64_t end = clock_ns();
	uint64_t frame = start + CONSOLE_FRAME_NS;
	uint64_t share = end + (end - start) * (CONSOLE_REDRAW_SHARE - 1);
	next_redraw_ns = frame > share ? frame : share;
	atomic_store_explicit(&flush_pending, false, memory_order_relaxed);
}

void console_flush(void)
{
	if (!fb_ready)
		return;
	if (pacing)
		console_redraw(); /* drawn now, and the next paced one waits for it */
	else
		term_flush(&console_term);
}

/* console_write's flush, with the lock held: now, or left to the pacer.
 * Returns true if the pacer must be woken (after the lock is dropped:
 * waking takes the scheduler's locks, which must not nest inside it). */
static bool console_flush_paced(void)
{
	if (!pacing || atomic_load_explicit(&emergency_cpu, memory_order_relaxed) >= 0) {
		term_flush(&console_term);
		return false;
	}
	if (atomic_load_explicit(&flush_pending, memory_order_relaxed))
		return false; /* already on its way */
	if (clock_ns() >= next_redraw_ns) {
		console_redraw();
		return false;
	}
	atomic_store_explicit(&flush_pending, true, memory_order_relaxed);
	return true;
}

/* console_write and console_write_screen: the text to the screen (and to
 * serial too if asked), drawn now or paced, and the answers it asked for
 * handed on. */
static void write_paced(const char *s, size_t n, bool to_serial)
{
	char reply[TERM_REPLY_MAX];
	size_t nreply = 0;
	bool wake = false;

	console_begin();
	if (to_serial)
		serial_write(s, n);
	if (fb_ready) {
		term_write(&console_term, s, n);
		wake = console_flush_paced();
		nreply = term_take_reply(&console_term, reply, sizeof(reply));
	}
	void (*handler)(const char *, size_t) = reply_handler;
	void (*waker)(void) = pacer_wake;
	console_end();
	if (wake)
		waker();
	/* Outside the lock: the handler feeds a terminal's input, which has
	 * locks of its own and wakes its reader. */
	if (nreply && handler)
		handler(reply, nreply);
}

void console_write(const char *s, size_t n) { write_paced(s, n, true); }

void console_write_screen(const char *s, size_t n)
{
	if (fb_ready)
		write_paced(s, n, false);
}

void console_set_reply_handler(void (*fn)(const char *s, size_t n))
{
	console_begin();
	reply_handler = fn;
	console_end();
}

bool console_start_pacing(void (*wake)(void))
{
	if (!fb_ready)
		return false; /* serial only: every write is complete when written */
	console_begin();
	pacer_wake = wake;
	pacing = true;
	console_end();
	return true;
}

bool console_redraw_pending(void)
{
	/* Relaxed: the writer sets the flag under the console lock and then
	 * wakes the pacer, whose wait queue lock orders the two. */
	return atomic_load_explicit(&flush_pending, memory_order_relaxed);
}

uint64_t console_redraw_due(void)
{
	console_begin();
	uint64_t due = atomic_load_explicit(&flush_pending, memory_order_relaxed) ? next_redraw_ns
	                                                                         : 0;
	console_end();
	return due;
}

void console_drain(void)
{
	/* Output has stopped (someone waits for the screen, or for input):
	 * no reason left to wait for the next frame. The pacer, if it was
	 * drawing, is done when the lock is ours, and then finds nothing. */
	if (!atomic_load_explicit(&flush_pending, memory_order_relaxed))
		return;
	console_begin();
	if (atomic_load_explicit(&flush_pending, memory_order_relaxed))
		console_redraw();
	console_end();
}

void console_write_serial(const char *s, size_t n)
{
	console_begin();
	serial_write(s, n);
	console_end();
}

void console_write_framebuffer(const char *s, size_t n)
{
	if (!fb_ready)
		return;
	console_begin();
	term_write(&console_term, s, n);
	console_flush();
	console_end();
}
