/*
 * test=screen: clear the framebuffer console, draw the fixed text of
 * tests/boot/screen_text.txt, and tell the harness (on serial only) that the
 * screen is ready for a QEMU screendump. The harness compares the dump with
 * the same text rendered by the host build of the console code, then sends a
 * byte on serial to let the test finish.
 */
#include "arch/x86_64/cpu.h"
#include "boot/boot.h"
#include "console/console.h"
#include "dev/serial.h"
#include "core/kprintf.h"
#include "lib/vsnprintf.h"
#include "test/ktest.h"

extern const char screen_text[], screen_text_end[];

bool ktest_screen(void)
{
	const struct bootinfo_framebuffer *fb = &boot_info()->fb;
	char line[128];

	if (!console_has_framebuffer()) {
		kprintf("screen: no framebuffer\n");
		return false;
	}
	console_write_framebuffer("\033[0m\033[2J\033[H", 11);
	console_write_framebuffer(screen_text, (size_t)(screen_text_end - screen_text));
	int n = ksnprintf(line, sizeof(line), "screen: ready %ux%u pitch %u format %s\n",
	                  fb->width, fb->height, fb->pitch,
	                  fb->format == BOOTINFO_FB_RGBX ? "rgbx" : "bgrx");
	/*
	 * Poll with interrupts off: otherwise the serial receive interrupt can
	 * move the harness's byte into the input queue before this loop reads
	 * the UART, and the test waits until the harness's timeout. (Seen once
	 * in scripts/fresh-check on a loaded machine.)
	 */
	uint64_t flags = cpu_irq_save();
	console_write_serial(line, (size_t)n);
	while (serial_try_getc() < 0)
		cpu_pause();
	cpu_irq_restore(flags);
	return true;
}
