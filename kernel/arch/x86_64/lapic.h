/*
 * The local APIC of the current CPU, in xAPIC mode (MMIO registers) or, where
 * CPUID offers it, x2APIC mode (MSRs). Callers do not see the difference.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Registers, as xAPIC MMIO offsets (Intel SDM vol. 3A, table 11-1). */
#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ISR0 0x100
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

#define LAPIC_SVR_ENABLE (1u << 8)
#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_LVT_NMI (4u << 8)
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_TIMER_DIVIDE_16 0x3

/* Enable this CPU's local APIC; mmio_phys comes from the MADT. */
void lapic_init(uint64_t mmio_phys);
/* The same on an application processor, in the mode the boot CPU chose. */
void lapic_init_ap(void);

/* Inter-processor interrupts (SDM vol. 3A, 11.6.1). Each waits until the
 * APIC has accepted the previous command. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
/* NMI to every CPU but this one (panic: stop the others). */
void lapic_send_nmi_others(void);
/* INIT assert + deassert, then a STARTUP IPI at page `page` (< 0x100). */
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint8_t page);
bool lapic_x2apic(void);
uint32_t lapic_id(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t value);
void lapic_eoi(void);
/* Whether the vector's bit is set in the in-service register. */
bool lapic_in_service(uint8_t vector);
/* Route LINT0/LINT1 as NMI (MADT local APIC NMI entries). */
void lapic_set_nmi(unsigned lint);
