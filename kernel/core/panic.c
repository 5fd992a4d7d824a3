/*
 * The panic path. It must work from any state, so it takes no lock (a
 * console lock could be held by the code that panicked) and formats with
 * kvformat, which keeps no state. A second panic while printing the first
 * (a fault in the console, say) skips straight to stopping.
 * It takes the console over from whichever CPU holds its lock, then stops
 * every other CPU with an NMI (smp_stop_others), then prints.
 */
#include "core/panic.h"

#include <stdbool.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "console/console.h"
#include "dev/qemu_exit.h"
#include "core/kprintf.h"

static volatile int panic_depth;
static volatile bool expected;
static bool test_mode;

void panic_set_test_mode(bool on) { test_mode = on; }
bool panic_test_mode(void) { return test_mode; }

void panic_expect(void) { expected = true; }

void panic(const char *fmt, ...)
{
	va_list ap;

	cpu_cli();
	this_cpu()->panicking = true;
	/* Take the console (whoever holds its lock), then stop the others. */
	if (!console_emergency())
		cpu_halt_forever(); /* another CPU is reporting its panic */
	uint32_t online = percpu_online(), others = online ? online - 1 : 0;
	uint32_t stopped = smp_stop_others();
	if (panic_depth++ == 0) {
		kprintf("\n\033[1;31mpanic:\033[0m ");
		va_start(ap, fmt);
		kvprintf(fmt, ap);
		va_end(ap);
		kprintf("\n");
		if (others)
			kprintf("panic on CPU %u: %u of %u other CPU%s stopped\n", this_cpu_index(),
			        stopped, others, others == 1 ? "" : "s");
		kprintf("system halted\n");
		if (expected) {
			kprintf("panic: expected by the test\n");
			qemu_exit(true);
		}
	}
	if (test_mode)
		qemu_exit(false);
	cpu_halt_forever();
}
