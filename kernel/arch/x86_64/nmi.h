/*
 * Non-maskable interrupts that are not the kernel's own. An NMI is a legal
 * event on a PC: the chipset raises one for a PCI system error (SERR#) or
 * an I/O channel check (IOCHK#), a BMC or a hypervisor for diagnostics
 * (QEMU's `nmi` monitor command). The kernel's own NMIs (a panic stopping
 * the other CPUs) are handled before this.
 *
 * The NMI handler may interrupt anything, the console's lock holder
 * included, so it only reads and acknowledges the reason in the chipset's
 * "NMI status and control" port (0x61: bit 7 SERR#, bit 6 IOCHK#; writing 1
 * to bit 2 or 3 clears them) and counts. The report comes later, from the
 * timer tick, where printing is safe; the machine carries on.
 */
#pragma once

/* In the NMI handler (trap.c): read, acknowledge and count the reason. */
void nmi_handle(void);
/* From the timer tick: one line per kind of NMI counted since the last call. */
void nmi_report_deferred(void);
