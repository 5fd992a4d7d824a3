/*
 * kmain: the kernel's table of contents. Each line brings up one subsystem,
 * in dependency order; the comment says what it gives the lines after it.
 * kmain never returns.
 */
#include <boot/bootinfo.h>

#include "acpi/boot.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/nmi.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/stacks.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/uaccess.h"
#include "arch/x86_64/tss.h"
#include "boot/boot.h"
#include "boot/summary.h"
#include "console/console.h"
#include "dev/isa.h"
#include "dev/memdev.h"
#include "fs/initramfs.h"
#include "proc/procfs.h"
#include "fs/platform.h"
#include "core/kprintf.h"
#include "core/random.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/pageref.h"
#include "mm/tlb.h"
#include "mm/vmm.h"
#include "pci/pci.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "shell/shell.h"
#include "sync/spinlock.h"
#include "test/ktest.h"
#include "time/clock.h"
#include "time/timer.h"
#include "tty/pacer.h"
#include "tty/tty.h"
#include "usb/xhci.h"

void kmain(struct bootinfo *bi, uint64_t tsc_entry);

/* Process 1: init=PATH, else /init from the initramfs. Returns when it
 * cannot start or has ended, or at once with init=kshell, each time with
 * a line saying why the kernel shell comes next. */
static void run_init(void)
{
	static char path[128] = "/init";
	size_t len;
	const char *v = boot_cmdline_get("init", &len);
	if (v && len == 6 && !memcmp(v, "kshell", 6)) {
		kprintf("init=kshell: starting the kernel shell\n");
		return;
	}
	if (v) {
		if (len >= sizeof(path)) {
			kprintf("init: the init= path is too long: starting the kernel shell\n");
			return;
		}
		memcpy(path, v, len);
		path[len] = 0;
	}
	if (!initramfs_loaded()) {
		kprintf("init: no initramfs, so no %s: starting the kernel shell\n", path);
		return;
	}
	const char *const argv[] = {path, NULL};
	const char *const envp[] = {"HOME=/", "TERM=linux", "PATH=/sbin:/usr/sbin:/bin:/usr/bin", NULL};
	if (!proc_start_init(path, argv, envp)) {
		kprintf("init: starting the kernel shell instead\n");
		return;
	}
	int st = proc_wait_init();
	kprintf("init: %s ended (wait status 0x%x): starting the kernel shell\n", path, st);
}

/* Where each application processor goes once it is set up (smp.c). */
static void ap_main(void)
{
	timer_init_cpu();                      // this CPU's tick
	sched_run_ap();                        // become this CPU's idle thread
}

/* The terminals, as the command line configures them (console=, tty.mirror=). */
static void terminals_init(void)
{
	struct tty_config cfg = {.mirror = boot_cmdline_is("tty.mirror", "1")};
	cfg.console = boot_cmdline_get("console", &cfg.console_len);
	tty_init(&cfg);
}

__attribute__((noreturn)) void kmain(struct bootinfo *bi, uint64_t tsc_entry)
{
	console_init_serial();                 // COM1: output works from here on
	boot_init(bi, tsc_entry);              // validate the loader's boot info
	spin_set_checks(!boot_cmdline_is("lockdep", "off")); // lock checks, lock order
	gdt_init(this_cpu());                  // our GDT: the firmware's is unmapped
	cpu_init_protections();                // CR0.WP: read-only means read-only
	stacks_init();                         // guard pages under the fixed stacks
	tss_init(this_cpu());                  // TSS with the IST stacks
	fpu_init_cpu();                        // x87, SSE and AVX on, for user programs
	idt_init();                            // every exception reports from here on
	console_init_framebuffer(&bi->fb);     // text on the screen too
	boot_summary();                        // what we booted on, and how fast
	mm_init();                             // memory map sanitized, page-frame allocator
	vmm_init();                            // our page tables: W^X, NX, guards, WC framebuffer
	console_set_framebuffer_mapping((void *)vmm_framebuffer()); // draw through WC
	mm_reclaim_handoff();                  // the loader's page tables and stack are free
	heap_init_kernel();                    // kmalloc/kfree: slab caches and page runs
	console_init_alt_screen();             // the screen's alternate screen (vi, less)
	pageref_init(mm_direct_map_end());     // sharing counts for copy-on-write pages
	syscall_init_cpu();                    // SYSCALL enters syscall_entry
	uaccess_init(vmm_smap());              // user copies open SMAP with stac/clac
	acpi_boot_init();                      // ACPI tables, each one validated
	pci_init();                            // PCI devices, through the MCFG's ECAM windows
	irq_init();                            // 8259s masked, local APIC, I/O APICs
	clock_init();                          // TSC frequency, HPET, monotonic clock
	timer_init();                          // periodic local APIC timer tick
	timer_add_hook(nmi_report_deferred);   // outside NMIs: reported from the tick
	isa_input_init();                      // PS/2 keyboard and COM1 receive IRQs
	tlb_init();                            // TLB shootdown IPIs
	sched_init();                          // this code becomes thread "main"
	proc_init();                           // system calls and ring-3 faults go to processes
	random_init();                         // RDRAND or a TSC-seeded stream, for programs
	sched_set_idle_poll(boot_cmdline_is("idle", "poll")); // measurements only
	smp_init(ap_main, boot_cmdline_uint("maxcpus", MAX_CPUS, MAX_CPUS), // every other CPU
	         boot_test_mode() ? boot_cmdline_uint("smp.test-silent", 0, MAX_CPUS - 1) : 0);
	cpu_sti();                             // interrupts on
	boot_ready();                          // "kernel ready"
	fs_init_kernel();                      // the root file system: an empty ramfs
	initramfs_init();                      // the loader's initramfs unpacked into it
	procfs_init();                         // /proc: processes and figures as files
	memdev_init();                         // /dev/null, zero, full, random, urandom
	pacer_start();                         // screen redraws at most once a frame ("console" thread)
	terminals_init();                      // the terminals: tty0 (screen), ttyS0 (serial)
	xhci_init();                           // USB keyboards, one thread per xHCI controller

	ktest_run_from_cmdline();              // test=NAME: run it and exit QEMU
	run_init();                            // /init as process 1, as Linux does
	shell_run();                           // the kernel shell: init=kshell, or init ended
}
