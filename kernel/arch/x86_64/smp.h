/*
 * Starting the application processors (APs) and stopping every CPU on a
 * panic. The boot CPU finds the others in the ACPI MADT, starts them one at
 * a time with INIT-SIPI-SIPI through a real-mode trampoline, and waits a
 * bounded time for each; a CPU that does not answer is reported by APIC id
 * and left out.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Start every enabled CPU in the MADT. Each AP sets itself up like the boot
 * CPU (GDT, TSS and IST stacks, IDT, page tables and protections, local
 * APIC) and calls ap_main, which calls smp_ap_online and must not return.
 * Needs the page-frame allocator, the kernel's page tables, the APIC and
 * the TSC clock. At most `limit` CPUs run, the boot CPU included.
 * `silent` (a test hook, 0 for none) is the index of a CPU that is to halt
 * instead of answering, to exercise the timeout. */
void smp_init(void (*ap_main)(void), uint32_t limit, uint32_t silent);

/* ap_main calls this once the CPU can take work (its scheduler is set up),
 * just before it enables interrupts; smp_init waits for it. */
void smp_ap_online(void);

/* Panic and fatal exceptions: stop every other CPU with an NMI and wait
 * (a bounded time) until they have stopped. Safe to call with interrupts
 * off and any lock held. Returns how many stopped (0 on a second call). */
uint32_t smp_stop_others(void);
/* In the NMI handler: whether this NMI is the stop request... */
bool smp_stopping(void);
/* ...and if so, count this CPU as stopped and halt. */
__attribute__((noreturn)) void smp_stopped(void);
