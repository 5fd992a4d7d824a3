/*
 * Building the IDT from the generated stubs. Each gate points at
 * isr_stubs + vector * ISR_STUB_SIZE; the table below says which vectors run
 * on an Interrupt Stack Table stack (tss.c): the double fault, NMI and machine
 * check can arrive when the current stack is unusable (a kernel stack
 * overflow is exactly a #PF that cannot push its frame), so they always
 * switch to a known-good stack (SDM vol. 3A, 6.14.5).
 * All gates are interrupt gates: the CPU clears IF on entry, so a handler
 * is never interrupted by a maskable interrupt before it chooses to be.
 */
#include "arch/x86_64/idt.h"

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/tss.h"
#include "core/panic.h"

#define ISR_STUB_SIZE 16

extern const char isr_stubs[], isr_stubs_end[];

static struct idt_gate idt[256] __attribute__((aligned(16)));

static const struct {
	uint8_t vector;
	uint8_t ist;
} idt_ist_table[] = {
	{2, TSS_IST_NMI},          /* NMI */
	{8, TSS_IST_DOUBLE_FAULT}, /* #DF */
	{18, TSS_IST_MACHINE_CHECK}, /* #MC */
};

static void set_gate(unsigned vector, uint64_t handler, uint8_t ist)
{
	idt[vector] = (struct idt_gate){
		.offset_low = (uint16_t)handler,
		.selector = GDT_KERNEL_CODE,
		.ist = ist,
		.type_attr = IDT_GATE_INTERRUPT,
		.offset_mid = (uint16_t)(handler >> 16),
		.offset_high = (uint32_t)(handler >> 32),
	};
}

void idt_init(void)
{
	_Static_assert(sizeof(idt) == 4096, "256 gates fill one page");
	if (isr_stubs_end - isr_stubs != 256 * ISR_STUB_SIZE)
		panic("idt: the interrupt stubs take %ld bytes, not 256 * %d",
		      (long)(isr_stubs_end - isr_stubs), ISR_STUB_SIZE);
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, (uint64_t)isr_stubs + v * ISR_STUB_SIZE, 0);
	for (unsigned i = 0; i < sizeof(idt_ist_table) / sizeof(idt_ist_table[0]); i++)
		idt[idt_ist_table[i].vector].ist = idt_ist_table[i].ist;

	idt_load();
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = {sizeof(idt) - 1, (uint64_t)idt};
	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}
