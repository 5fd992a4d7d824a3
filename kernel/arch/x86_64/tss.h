/*
 * The Task State Segment: in long mode it no longer switches tasks; it holds
 * the stack pointers the CPU loads on a privilege change (RSP0) and the seven
 * Interrupt Stack Table pointers (Intel SDM vol. 3A, 8.7, figure 8-11).
 */
#pragma once

#include <stdint.h>

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7]; /* ist[0] is IST1 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");
_Static_assert(__builtin_offsetof(struct tss, rsp) == 4, "TSS RSP0");
_Static_assert(__builtin_offsetof(struct tss, ist) == 36, "TSS IST1");
_Static_assert(__builtin_offsetof(struct tss, iomap_base) == 102, "TSS I/O map base");

/* IST slots (1-based, as the IDT gate stores them). */
#define TSS_IST_DOUBLE_FAULT 1
#define TSS_IST_NMI 2
#define TSS_IST_MACHINE_CHECK 3

struct cpu;
/* Set up c's TSS with its IST stacks (c->ist_top), install it in c's GDT
 * and load TR. c must be the running CPU. */
void tss_init(struct cpu *c);
