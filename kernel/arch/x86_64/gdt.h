/*
 * The kernel's Global Descriptor Table. The firmware's GDT lives in boot
 * services memory at an identity-mapped address that the hand-off page tables
 * do not map, so the kernel loads its own before anything could reload a
 * segment register (an interrupt, an iretq).
 */
#pragma once

#include <stdint.h>

/* Selectors; user ones come in the order SYSRET expects (data, then code). */
#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_DATA 0x1b /* index 3, RPL 3 */
#define GDT_USER_CODE 0x23 /* index 4, RPL 3 */
#define GDT_TSS 0x28       /* indexes 5 and 6: a 16-byte system descriptor */

struct cpu;

struct gdt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct gdt_pointer) == 10, "LGDT operand is 10 bytes");

/* Build this CPU's GDT in c->gdt (each CPU needs its own: its TSS
 * descriptor points at its own TSS and carries the busy bit), load it,
 * reload every segment register and point GS back at c. */
void gdt_init(struct cpu *c);
/* Install c's TSS descriptor in its GDT (before LTR). */
void gdt_set_tss(struct cpu *c);
