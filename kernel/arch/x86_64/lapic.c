/*
 * Local APIC driver (Intel SDM vol. 3A, chapter 11).
 *
 * xAPIC registers are 32-bit MMIO at 16-byte strides, reached through the
 * uncacheable MMIO window (vmm_map_mmio), as registers must be; every CPU
 * sees its own APIC at the same address. In x2APIC mode the same register at offset R is MSR
 * 0x800 + R/16 (SDM 11.12.1.2). QEMU's TCG has no x2APIC, so the MMIO path is
 * the one the tests exercise; the MSR path is taken on real hardware.
 */
#include "arch/x86_64/lapic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/vectors.h"
#include "core/kprintf.h"
#include "mm/vmm.h"
#include "sync/spinlock.h"

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

#define ICR_FIXED (0u << 8)
#define ICR_NMI (4u << 8)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_PENDING (1u << 12) /* xAPIC delivery status */
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_ALL_BUT_SELF (3u << 18)

/* Write the ICR: in xAPIC mode the high half first (the low write sends),
 * with interrupts off so an IPI sent from a handler cannot split the pair;
 * in x2APIC mode one MSR write (SDM 11.12.9). */
static void icr_send(uint32_t dest, uint32_t low)
{
	spin_irq_save();
	if (x2apic) {
		cpu_wrmsr(X2APIC_MSR_BASE + (LAPIC_ICR_LOW >> 4), ((uint64_t)dest << 32) | low);
	} else {
		while (lapic_read(LAPIC_ICR_LOW) & ICR_PENDING)
			cpu_pause();
		lapic_write(LAPIC_ICR_HIGH, dest << 24);
		lapic_write(LAPIC_ICR_LOW, low);
		while (lapic_read(LAPIC_ICR_LOW) & ICR_PENDING)
			cpu_pause();
	}
	spin_irq_restore();
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector) { icr_send(apic_id, ICR_FIXED | ICR_ASSERT | vector); }
void lapic_send_nmi_others(void) { icr_send(0, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF); }

void lapic_send_init(uint32_t apic_id)
{
	icr_send(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	/* The de-assert is what the MultiProcessor spec's sequence sends; newer
	 * CPUs ignore it (SDM 11.6.1), older ones need it. */
	icr_send(apic_id, ICR_INIT | ICR_LEVEL);
}

void lapic_send_startup(uint32_t apic_id, uint8_t page) { icr_send(apic_id, ICR_STARTUP | page); }

/* The per-CPU part of enabling an APIC. */
static void lapic_setup(void)
{
	lapic_write(LAPIC_TPR, 0);                     /* accept every priority class */
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED); /* ExtINT from the 8259: unused */
	lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
	lapic_write(LAPIC_ESR, 0);                     /* back-to-back writes clear it */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | VEC_SPURIOUS);
	lapic_eoi();                                   /* drop anything left in service */
}

void lapic_init_ap(void)
{
	uint64_t base = cpu_rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;
	cpu_wrmsr(MSR_APIC_BASE, base);
	if (x2apic)
		cpu_wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2APIC);
	lapic_setup();
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

	trap_register(VEC_LAPIC_ERROR, lapic_error, "lapic error", TRAP_EOI);
	lapic_setup();
	kprintf("lapic: %s mode, id %u, version 0x%x\n", x2apic ? "x2APIC" : "xAPIC", lapic_id(),
	        lapic_read(LAPIC_VERSION) & 0xff);
}
