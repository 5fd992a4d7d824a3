/*
 * This CPU's TSS (one for now; SMP gives each CPU its own). Only the IST
 * pointers matter until user mode exists; the I/O permission bitmap is
 * disabled by pointing its base past the segment limit.
 */
#include "arch/x86_64/tss.h"

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/stacks.h"

static struct tss bsp_tss __attribute__((aligned(16)));

void tss_init(void)
{
	bsp_tss.ist[TSS_IST_DOUBLE_FAULT - 1] = stacks_ist_top(TSS_IST_DOUBLE_FAULT);
	bsp_tss.ist[TSS_IST_NMI - 1] = stacks_ist_top(TSS_IST_NMI);
	bsp_tss.ist[TSS_IST_MACHINE_CHECK - 1] = stacks_ist_top(TSS_IST_MACHINE_CHECK);
	bsp_tss.iomap_base = sizeof(bsp_tss);
	gdt_set_tss(&bsp_tss);
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)GDT_TSS) : "memory");
}
