/*
 * The kernel console: fans text out to the serial port and to the
 * framebuffer terminal (term.c over fb.c with the built-in PSF2 font).
 *
 * The terminal's two cell grids live here as static arrays sized for the
 * largest supported screen (TERM_MAX_COLS x TERM_MAX_ROWS); a larger screen
 * uses its top-left part. They are in .bss, already zero, and a zero cell is
 * "blank, default colours", which is what the loader left on the screen, so
 * bringing the console up writes neither every cell nor every pixel.
 *
 * One lock, `lock`, guards both outputs and the terminal state: a whole
 * kprintf holds it (console_begin/console_end), so lines from different
 * CPUs, or from an interrupt handler and the code it interrupted, never
 * interleave. A CPU that panics or reports a fatal exception takes the
 * console over instead (console_emergency): it may have been interrupted
 * inside the lock, or another CPU may hold it and never let go, so from
 * then on it writes without the lock and every other CPU's output stops.
 */
#include "console/console.h"

#include "mm/phys.h"
#include "console/fb.h"
#include "console/psf.h"
#include "console/term.h"
#include "dev/serial.h"
#include "core/kprintf.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "sync/spinlock.h"

extern const uint8_t console_font_psf[], console_font_psf_end[];

static struct term_cell term_want[TERM_MAX_CELLS];
static struct term_cell term_shown[TERM_MAX_CELLS];
static struct term console_term;
static struct fb console_fb;
static bool fb_ready;
static struct spinlock lock = SPINLOCK_INIT("console"); /* guards serial, console_term, console_fb */
/* The CPU that took the console over, or -1. */
static _Atomic int32_t emergency_cpu = -1;

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
	struct term_backend backend = {fb_draw_cell, &console_fb};
	if (term_init(&console_term, cols, rows, term_want, term_shown, TERM_MAX_CELLS, &backend) !=
	    TERM_OK) {
		kprintf("console: terminal of %ux%u cells rejected; serial only\n", cols, rows);
		return;
	}
	fb_ready = true;
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

void console_flush(void)
{
	if (fb_ready)
		term_flush(&console_term);
}

void console_write(const char *s, size_t n)
{
	console_begin();
	console_write_noflush(s, n);
	console_flush();
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
	term_flush(&console_term);
	console_end();
}
