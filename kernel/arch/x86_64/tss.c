/*
 * Each CPU's TSS (the struct lives in its struct cpu, percpu.h). Only the IST
 * pointers matter until user mode exists; the I/O permission bitmap is
 * disabled by pointing its base past the segment limit.
 */
#include "arch/x86_64/tss.h"

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/percpu.h"

void tss_init(struct cpu *c)
{
	for (unsigned i = 0; i < 3; i++)
		c->tss.ist[i] = c->ist_top[i];
	c->tss.iomap_base = sizeof(c->tss);
	gdt_set_tss(c);
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)GDT_TSS) : "memory");
}
