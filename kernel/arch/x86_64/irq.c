/*
 * Interrupt controller bring-up (see irq.h).
 *
 * Why the APIC and not the 8259: the 8259 pair cannot deliver to more than
 * one CPU, has 15 lines, and on modern chipsets many devices are only wired
 * to I/O APIC inputs. The MADT (ACPI 6.5, 5.2.12) says where the local APIC
 * and each I/O APIC are, and how ISA IRQs map to GSIs: on QEMU and most PCs
 * the PIT's IRQ 0 arrives on GSI 2, and the SCI is level-triggered.
 * Without a MADT there is no safe way to program an I/O APIC, so that is a
 * panic with the reason.
 */
#include "arch/x86_64/irq.h"

#include <stdatomic.h>

#include "acpi/boot.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/vectors.h"
#include "core/kprintf.h"
#include "core/panic.h"

static struct acpi_madt_info madt;

void irq_init(void)
{
	const struct acpi *a = acpi_tables();
	int err;

	pic_disable(); /* whether or not the MADT says PC-AT compatible */
	if (!a)
		panic("irq: no ACPI tables, so no MADT to find the APICs");
	err = acpi_parse_madt(a, &madt);
	if (err == ACPI_ERR_NOT_FOUND || err == ACPI_ERR_TABLE_SHORT)
		panic("irq: MADT unusable: %s", acpi_strerror(err));
	if (err != ACPI_OK) /* entries before the broken one are still good */
		kprintf("irq: MADT entry at offset %u is broken (%s); using the %u entries before it\n",
		        madt.bad_offset, acpi_strerror(err),
		        madt.cpu_count + madt.ioapic_count + madt.iso_count + madt.nmi_count);
	if (madt.cpu_seen > madt.cpu_count || madt.ioapic_seen > madt.ioapic_count ||
	    madt.iso_seen > madt.iso_count || madt.nmi_seen > madt.nmi_count)
		kprintf("irq: MADT has more entries than this kernel keeps (CPUs %u/%u, I/O APICs "
		        "%u/%u, overrides %u/%u, NMIs %u/%u)\n", madt.cpu_count, madt.cpu_seen,
		        madt.ioapic_count, madt.ioapic_seen, madt.iso_count, madt.iso_seen,
		        madt.nmi_count, madt.nmi_seen);
	lapic_init(madt.lapic_address);
	irq_init_cpu();
	for (uint32_t i = 0; i < madt.ioapic_count; i++)
		ioapic_add(madt.ioapics[i].id, madt.ioapics[i].address, madt.ioapics[i].gsi_base);
	if (ioapic_count() == 0)
		panic("irq: the MADT lists no I/O APIC");
	kprintf("irq: %u CPU%s in the MADT, %u I/O APIC%s, %u interrupt source override%s\n",
	        madt.cpu_count, madt.cpu_count == 1 ? "" : "s", madt.ioapic_count,
	        madt.ioapic_count == 1 ? "" : "s", madt.iso_count, madt.iso_count == 1 ? "" : "s");
}

void irq_init_cpu(void)
{
	/* LINT NMI entries apply to all CPUs or to one by ACPI UID: find ours by
	 * matching our APIC id (the first entry is not necessarily us). */
	uint32_t self = lapic_id(), self_uid = ACPI_NMI_ALL_CPUS;
	for (uint32_t i = 0; i < madt.cpu_count; i++)
		if (madt.cpus[i].apic_id == self)
			self_uid = madt.cpus[i].uid;
	for (uint32_t i = 0; i < madt.nmi_count; i++) {
		const struct acpi_nmi *n = &madt.nmis[i];
		if (n->uid == ACPI_NMI_ALL_CPUS || n->uid == self_uid)
			lapic_set_nmi(n->lint);
	}
}

bool irq_route_isa(uint8_t irq, trap_handler_fn fn, const char *name)
{
	bool active_low, level;
	uint32_t gsi = acpi_isa_irq_to_gsi(&madt, irq, &active_low, &level);
	uint8_t vector = (uint8_t)(VEC_ISA_BASE + irq);

	trap_register(vector, fn, name, TRAP_EOI);
	if (!ioapic_route(gsi, vector, active_low, level, lapic_id())) {
		kprintf("irq: no I/O APIC serves GSI %u (ISA IRQ %u, %s)\n", gsi, irq, name);
		return false;
	}
	kprintf("irq: ISA IRQ %u -> GSI %u (%s, %s) -> vector 0x%x: %s\n", irq, gsi,
	        level ? "level" : "edge", active_low ? "active low" : "active high", vector, name);
	return true;
}

const struct acpi_madt_info *irq_madt(void) { return &madt; }

/* MSI address and data, Intel SDM vol. 3A 11.11.1 and 11.11.2: the address
 * names the destination APIC (bits 19:12; redirection hint and destination
 * mode 0: exactly that CPU, physical), the data the vector (delivery mode
 * 000 fixed, trigger 0 edge). An x2APIC ID above 255 would need interrupt
 * remapping; the boot CPU's ID fits on every machine this kernel runs on,
 * and a larger one is refused rather than delivered elsewhere. */
#define MSI_ADDRESS_BASE 0xfee00000u
#define MSI_DEST_SHIFT 12

bool irq_alloc_msi(trap_handler_fn fn, const char *name, struct irq_msi *out)
{
	static _Atomic unsigned next = VEC_MSI_BASE;
	unsigned v = atomic_fetch_add_explicit(&next, 1, memory_order_relaxed); /* only unique */
	uint32_t dest = lapic_id();

	if (v >= VEC_MSI_END || dest > 0xff)
		return false;
	trap_register((uint8_t)v, fn, name, TRAP_EOI);
	out->vector = (uint8_t)v;
	out->address = MSI_ADDRESS_BASE | (dest << MSI_DEST_SHIFT);
	out->data = v;
	kprintf("irq: MSI vector 0x%x -> APIC id %u: %s\n", v, dest, name);
	return true;
}
