/*
 * kmain: the kernel's table of contents. Each line brings up one subsystem,
 * in dependency order; the comment says what it gives the lines after it.
 * kmain never returns.
 */
#include <boot/bootinfo.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "boot/boot.h"
#include "boot/summary.h"
#include "console/console.h"
#include "lib/kprintf.h"
#include "test/ktest.h"

void kmain(struct bootinfo *bi, uint64_t tsc_entry);

__attribute__((noreturn)) void kmain(struct bootinfo *bi, uint64_t tsc_entry)
{
	console_init_serial();                 // COM1: output works from here on
	boot_init(bi, tsc_entry);              // validate the loader's boot info
	gdt_init();                            // our GDT: the firmware's is unmapped
	console_init_framebuffer(&bi->fb);     // text on the screen too
	boot_summary();                        // what we booted on, and how fast
	boot_ready();                          // "kernel ready"

	ktest_run_from_cmdline();              // test=NAME: run it and exit QEMU
	kprintf("nothing more to run: this CPU halts (in QEMU, Ctrl-A x quits)\n");
	cpu_halt_forever();                    // the shell will live here
}
