/*
 * Interrupt controller bring-up and routing: the 8259s disabled, the local
 * APIC enabled, the I/O APICs programmed from the ACPI MADT, and ISA IRQs
 * routed to vectors through the MADT's interrupt source overrides.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "acpi/acpi.h"
#include "arch/x86_64/trap.h"

void irq_init(void);
/* This CPU's part: the MADT's LINT NMI entries for it (each AP calls it). */
void irq_init_cpu(void);
/* The MADT as parsed at boot (CPUs, I/O APICs, overrides). */
const struct acpi_madt_info *irq_madt(void);
/* Route ISA IRQ n (0-15) to vector VEC_ISA_BASE + n on this CPU and install
 * the handler (EOI'd by the dispatcher). False if no I/O APIC serves it. */
bool irq_route_isa(uint8_t irq, trap_handler_fn fn, const char *name);

/* A message-signalled interrupt (PCI MSI, PCI Local Bus 3.0 section 6.8):
 * the address and data a device writes to raise it. */
struct irq_msi {
	uint8_t vector;
	uint64_t address;
	uint32_t data;
};
/* Take the next free vector from VEC_MSI_BASE up, install fn there (EOI'd
 * by the dispatcher) and say what a device must write to deliver it to this
 * CPU: fixed delivery, edge, physical destination (Intel SDM vol. 3A,
 * 11.11). False when the MSI vectors are all taken. */
bool irq_alloc_msi(trap_handler_fn fn, const char *name, struct irq_msi *out);
