/*
 * Reboot and soft-off.
 *
 * Reboot tries, in order, what works on most PCs: the FADT reset register
 * (ACPI 6.5, 4.8.4.6; the FADT says whether it exists and in which address
 * space), the keyboard controller's reset line (command 0xfe to port 0x64,
 * the IBM PC AT way), and finally a triple fault (an empty IDT and an
 * exception), which resets every x86 CPU. Each step gets 100 ms to work.
 *
 * Soft-off writes SLP_TYPx | SLP_EN to PM1a_CNT (and PM1b_CNT if present)
 * (ACPI 6.5, 4.8.3.2.1 and 16.1.7), with SLP_TYP from the DSDT's \_S5 package
 * (acpi/s5.c). If the firmware left the machine in legacy mode (SCI_EN clear),
 * ACPI mode is enabled first through SMI_CMD (4.8.4.1). QEMU exits when the
 * guest enters S5.
 */
#include "acpi/power.h"

#include "acpi/boot.h"
#include "acpi/s5.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "core/kprintf.h"
#include "mm/vmm.h"
#include "time/clock.h"

#define STEP_WAIT_NS 100000000ull /* 100 ms */
#define PM1_SCI_EN (1u << 0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN (1u << 13)
#define KBC_STATUS 0x64
#define KBC_INPUT_FULL 0x02
#define KBC_RESET 0xfe

static void triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = {0, 0};
	__asm__ volatile("lidt %0\n\tint3" : : "m"(empty));
}

static bool gas_write8(const struct acpi_gas *g, uint8_t v)
{
	if (g->space_id == ACPI_GAS_IO) {
		outb((uint16_t)g->address, v);
		return true;
	}
	if (g->space_id == ACPI_GAS_MEMORY && g->address) {
		/* A chipset register: uncacheable, through the MMIO window. */
		*(volatile uint8_t *)vmm_map_mmio(g->address, 1, "ACPI reset register") = v;
		return true;
	}
	return false; /* PCI configuration space: not supported yet */
}

void power_reboot(void)
{
	struct acpi_fadt_info fadt;
	const struct acpi *a = acpi_tables();

	cpu_cli();
	if (a && acpi_parse_fadt(a, &fadt) == ACPI_OK && fadt.reset_supported) {
		kprintf("reboot: ACPI reset register (space %u, address 0x%llx, value 0x%x)\n",
		        fadt.reset_reg.space_id, (unsigned long long)fadt.reset_reg.address,
		        fadt.reset_value);
		if (gas_write8(&fadt.reset_reg, fadt.reset_value))
			clock_delay_ns(STEP_WAIT_NS);
	}
	kprintf("reboot: keyboard controller reset line\n");
	for (int i = 0; i < 100000 && (inb(KBC_STATUS) & KBC_INPUT_FULL); i++)
		cpu_pause();
	outb(KBC_STATUS, KBC_RESET);
	clock_delay_ns(STEP_WAIT_NS);
	kprintf("reboot: triple fault\n");
	triple_fault();
	cpu_halt_forever();
}

void power_off(void)
{
	struct acpi_fadt_info fadt;
	const struct acpi *a = acpi_tables();
	uint8_t typa, typb;

	if (!a || acpi_parse_fadt(a, &fadt) != ACPI_OK) {
		kprintf("poweroff: no usable FADT\n");
		return;
	}
	if (fadt.hw_reduced || fadt.pm1a_cnt.address == 0 || fadt.pm1a_cnt.space_id != ACPI_GAS_IO) {
		kprintf("poweroff: no I/O-port PM1a control block (hardware-reduced ACPI is not "
		        "supported yet)\n");
		return;
	}
	const struct acpi_sdt_header *dsdt = acpi_find(a, "DSDT", 0);
	if (!dsdt) {
		kprintf("poweroff: no valid DSDT\n");
		return;
	}
	const uint8_t *aml = (const uint8_t *)dsdt + sizeof(*dsdt);
	if (acpi_find_s5(aml, dsdt->length - sizeof(*dsdt), &typa, &typb) != 0) {
		kprintf("poweroff: the DSDT has no plain \\_S5 package\n");
		return;
	}
	uint16_t pm1a = (uint16_t)fadt.pm1a_cnt.address;
	if (!(inw(pm1a) & PM1_SCI_EN) && fadt.smi_cmd && fadt.acpi_enable) {
		kprintf("poweroff: switching the firmware to ACPI mode\n");
		outb((uint16_t)fadt.smi_cmd, fadt.acpi_enable);
		uint64_t end = clock_ns() + 3 * STEP_WAIT_NS * 10;
		while (!(inw(pm1a) & PM1_SCI_EN) && clock_ns() < end)
			cpu_pause();
	}
	kprintf("poweroff: entering ACPI S5 (SLP_TYPa %u) through PM1a_CNT at port 0x%x\n", typa,
	        pm1a);
	cpu_cli();
	if (fadt.pm1b_cnt.address && fadt.pm1b_cnt.space_id == ACPI_GAS_IO)
		outw((uint16_t)fadt.pm1b_cnt.address,
		     (uint16_t)(typb << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
	outw(pm1a, (uint16_t)((inw(pm1a) & ~(7u << PM1_SLP_TYP_SHIFT)) |
	                      (unsigned)typa << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
	clock_delay_ns(STEP_WAIT_NS * 10);
	cpu_sti();
	kprintf("poweroff: still running one second after entering S5: it did not work\n");
}
