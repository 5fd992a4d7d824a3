/*
 * Building and loading the GDT (Intel SDM vol. 3A, 3.4.5 segment descriptors
 * and 5.2.1 64-bit code segments). In long mode base and limit are ignored for
 * code and data; what matters is the type, DPL, present and the L bit.
 * A TSS descriptor joins this table with the interrupt work.
 */
#include "arch/x86_64/gdt.h"

#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tss.h"

#define SEG_ACCESSED (1ull << 40)
#define SEG_RW (1ull << 41)       /* data: writable; code: readable */
#define SEG_CODE (1ull << 43)
#define SEG_S (1ull << 44)        /* code/data, not system */
#define SEG_DPL3 (3ull << 45)
#define SEG_PRESENT (1ull << 47)
#define SEG_LONG (1ull << 53)     /* 64-bit code segment */
#define SEG_DB (1ull << 54)       /* 32-bit default operand size (data: big) */
#define SEG_GRAN (1ull << 55)     /* limit in 4 KiB units */
#define SEG_LIMIT_MAX 0x000f00000000ffffull

#define SEG_COMMON (SEG_PRESENT | SEG_S | SEG_RW | SEG_ACCESSED | SEG_GRAN | SEG_LIMIT_MAX)

#define SEG_TYPE_TSS_AVAILABLE (0x9ull << 40) /* 64-bit TSS, not busy */

static const uint64_t gdt_template[7] = {
	0,                                     /* the mandatory null descriptor */
	SEG_COMMON | SEG_CODE | SEG_LONG,      /* 0x08 kernel code */
	SEG_COMMON | SEG_DB,                   /* 0x10 kernel data */
	SEG_COMMON | SEG_DB | SEG_DPL3,        /* 0x18 user data */
	SEG_COMMON | SEG_CODE | SEG_LONG | SEG_DPL3, /* 0x20 user code */
	0, 0,                                  /* 0x28 TSS, filled by gdt_set_tss */
};

/* SDM vol. 3A, 8.2.3, figure 8-4: the 16-byte TSS descriptor in long mode. */
void gdt_set_tss(struct cpu *c)
{
	uint64_t base = (uint64_t)&c->tss, limit = sizeof(c->tss) - 1;
	c->gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | SEG_TYPE_TSS_AVAILABLE |
	                   SEG_PRESENT | (((limit >> 16) & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	c->gdt[GDT_TSS / 8 + 1] = base >> 32;
}

_Static_assert(sizeof(gdt_template) == sizeof(((struct cpu *)0)->gdt), "GDT size");

void gdt_init(struct cpu *c)
{
	for (unsigned i = 0; i < 7; i++)
		c->gdt[i] = gdt_template[i];
	struct gdt_pointer p = {.limit = sizeof(c->gdt) - 1, .base = (uint64_t)c->gdt};

	/* Reload CS with a far return (there is no far jump to an immediate in
	 * long mode), then every data segment register. */
	__asm__ volatile("lgdt %0\n\t"
	                 "pushq %[cs]\n\t"
	                 "leaq 1f(%%rip), %%rax\n\t"
	                 "pushq %%rax\n\t"
	                 "lretq\n"
	                 "1:\n\t"
	                 "movl %[ds], %%eax\n\t"
	                 "movl %%eax, %%ds\n\t"
	                 "movl %%eax, %%es\n\t"
	                 "movl %%eax, %%ss\n\t"
	                 "xorl %%eax, %%eax\n\t"
	                 "movl %%eax, %%fs\n\t"
	                 "movl %%eax, %%gs\n\t"
	                 :
	                 : "m"(p), [cs] "i"(GDT_KERNEL_CODE), [ds] "i"(GDT_KERNEL_DATA)
	                 : "rax", "memory");
	/* Loading a null selector into GS clears its base on Intel CPUs (and in
	 * QEMU): point it back at this CPU's struct. */
	percpu_load(c);
}
