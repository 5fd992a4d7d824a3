/*
 * I/O APICs: route global system interrupts (GSIs) to vectors on a CPU.
 * Programmed from the MADT: each I/O APIC serves GSIs [gsi_base, gsi_base+n).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_MAX 8

/* Register one I/O APIC and mask all its inputs. */
void ioapic_add(uint8_t id, uint64_t mmio_phys, uint32_t gsi_base);
/* Route gsi to vector on the CPU with APIC id dest, then unmask it. False if
 * no I/O APIC serves that GSI. */
bool ioapic_route(uint32_t gsi, uint8_t vector, bool active_low, bool level, uint32_t dest);
void ioapic_mask(uint32_t gsi, bool masked);
unsigned ioapic_count(void);
