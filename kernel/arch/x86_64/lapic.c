/*
 * Local APIC driver (Intel SDM vol. 3A, chapter 11).
 *
 * xAPIC registers are 32-bit MMIO at 16-byte strides, reached through the
 * direct map (the MTRRs the firmware set make that range uncacheable, as
 * registers must be). In x2APIC mode the same register at offset R is MSR
 * 0x800 + R/16 (SDM 11.12.1.2). QEMU's TCG has no x2APIC, so the MMIO path is
 * the one the tests exercise; the MSR path is taken on real hardware.
 */
#include "arch/x86_64/lapic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/vectors.h"
#include "boot/boot.h"
#include "lib/kprintf.h"
#include "mm/vmm.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define CPUID1_ECX_X2APIC (1u << 21)
#define X2APIC_MSR_BASE 0x800

static volatile uint32_t *lapic_mmio;
static bool x2apic;

bool lapic_x2apic(void) { return x2apic; }

uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)cpu_rdmsr(X2APIC_MSR_BASE + (reg >> 4));
	return lapic_mmio[reg / 4];
}

void lapic_write(uint32_t reg, uint32_t value)
{
	if (x2apic)
		cpu_wrmsr(X2APIC_MSR_BASE + (reg >> 4), value);
	else
		lapic_mmio[reg / 4] = value;
}

void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

bool lapic_in_service(uint8_t vector)
{
	if (!x2apic && !lapic_mmio)
		return false;
	return (lapic_read(LAPIC_ISR0 + 0x10 * (vector / 32)) >> (vector % 32)) & 1;
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);
	return x2apic ? id : id >> 24;
}

void lapic_set_nmi(unsigned lint)
{
	lapic_write(lint ? LAPIC_LVT_LINT1 : LAPIC_LVT_LINT0, LAPIC_LVT_NMI);
}

/* SDM vol. 3A, 11.5.3: write ESR before reading it to latch the errors. */
static void lapic_error(struct trap_frame *tf)
{
	(void)tf;
	lapic_write(LAPIC_ESR, 0);
	kprintf("lapic: error interrupt, ESR 0x%x\n", lapic_read(LAPIC_ESR));
}

void lapic_init(uint64_t mmio_phys)
{
	uint32_t a, b, c, d;
	uint64_t base = cpu_rdmsr(MSR_APIC_BASE);

	cpu_cpuid(1, 0, &a, &b, &c, &d);
	x2apic = (c & CPUID1_ECX_X2APIC) != 0;
	/* Enabling x2APIC requires the xAPIC enable bit set first (SDM 11.12.1). */
	base |= APIC_BASE_ENABLE;
	cpu_wrmsr(MSR_APIC_BASE, base);
	if (x2apic)
		cpu_wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2APIC);
	else
		lapic_mmio = vmm_map_mmio(mmio_phys, 4096, "local APIC");

	lapic_write(LAPIC_TPR, 0);                     /* accept every priority class */
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED); /* ExtINT from the 8259: unused */
	lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
	trap_register(VEC_LAPIC_ERROR, lapic_error, "lapic error", TRAP_EOI);
	lapic_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
	lapic_write(LAPIC_ESR, 0);                     /* back-to-back writes clear it */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | VEC_SPURIOUS);
	lapic_eoi();                                   /* drop anything left in service */
	kprintf("lapic: %s mode, id %u, version 0x%x\n", x2apic ? "x2APIC" : "xAPIC", lapic_id(),
	        lapic_read(LAPIC_VERSION) & 0xff);
}
