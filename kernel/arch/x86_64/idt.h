/*
 * The Interrupt Descriptor Table: 256 interrupt gates, one per entry stub
 * (isr_stubs.S), all dispatched by trap_dispatch() in trap.c.
 */
#pragma once

#include <stdint.h>

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;        /* bits 0-2: Interrupt Stack Table index, 0 = none */
	uint8_t type_attr;  /* present, DPL, gate type */
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};
/* Intel SDM vol. 3A, 6.14.1, figure 6-8: 64-bit IDT gate descriptors. */
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate is 16 bytes");
_Static_assert(__builtin_offsetof(struct idt_gate, offset_high) == 8, "IDT gate layout");

#define IDT_GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate (IF cleared) */

/* Fill and load the IDT. */
void idt_init(void);
/* Load the (already filled) IDT on this CPU: every CPU shares one. */
void idt_load(void);
