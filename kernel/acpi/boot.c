/*
 * Reaching the ACPI tables from the kernel. Tables in RAM (ACPI reclaim, as
 * OVMF places most of them) are read through the direct map. Real firmware
 * also puts them in ACPI NVS or reserved memory, which the direct map
 * leaves out (memory.md): acpi_map maps those pages write-back and
 * read-only in the MMIO window, as Linux maps its ACPI tables with
 * ioremap_cache. Every table that fails its checks is listed with the
 * reason; the kernel keeps going with the valid ones.
 */
#include "acpi/boot.h"

#include "boot/boot.h"
#include "core/kprintf.h"
#include "mm/mm.h"
#include "mm/vmm.h"

static struct acpi acpi;
static bool acpi_ok;

/* The windows acpi_map made, so that a table's header and then the whole
 * table, or two tables in one page, share one. Only acpi_boot_init and the
 * boot self-tests map, on one CPU, so no lock. */
#define ACPI_WINDOWS 16
static struct {
	uint64_t start, end; /* page aligned */
	const uint8_t *va;
} windows[ACPI_WINDOWS];
static unsigned nwindows;

const void *acpi_map(uint64_t phys, uint64_t len)
{
	if (len == 0 || phys + len < phys || phys + len > MEMMAP_PHYS_LIMIT)
		return NULL;
	if (mm_is_direct_mapped(phys, len))
		return phys_to_virt(phys);
	for (unsigned i = 0; i < nwindows; i++)
		if (phys >= windows[i].start && phys + len <= windows[i].end)
			return windows[i].va + (phys - windows[i].start);
	uint64_t start = phys & ~4095ull, end = (phys + len + 4095) & ~4095ull;
	const uint8_t *va = (const uint8_t *)vmm_map_phys(start, end - start, 0, "ACPI table");
	if (nwindows < ACPI_WINDOWS)
		windows[nwindows++] = (typeof(windows[0])){start, end, va};
	return va + (phys - start);
}

static const void *map_table(void *ctx, uint64_t phys, uint64_t len)
{
	(void)ctx;
	return acpi_map(phys, len);
}

void acpi_boot_init(void)
{
	const struct bootinfo *bi = boot_info();
	int err = acpi_init(&acpi, bi->rsdp_phys, map_table, NULL);

	if (err != ACPI_OK) {
		kprintf("acpi: no usable tables: %s%s%s\n", acpi_strerror(err),
		        acpi.problem[0] ? ": " : "", acpi.problem);
		return;
	}
	acpi_ok = true;
	if (acpi.problem[0])
		kprintf("acpi: %s\n", acpi.problem);
	kprintf("acpi: revision %u (%s), OEM '%s', %u tables:", acpi.rsdp_revision,
	        acpi.xsdt ? "XSDT" : "RSDT", acpi.rsdp_oem_id, acpi.count);
	for (uint32_t i = 0; i < acpi.count; i++)
		if (acpi.tables[i].valid)
			kprintf(" %s", acpi.tables[i].signature);
	kprintf("\n");
	for (uint32_t i = 0; i < acpi.count; i++)
		if (!acpi.tables[i].valid)
			kprintf("acpi: broken table: %s\n", acpi.tables[i].reason);
	if (acpi.dropped)
		kprintf("acpi: %u more tables ignored (limit %d)\n", acpi.dropped, ACPI_MAX_TABLES);
}

const struct acpi *acpi_tables(void) { return acpi_ok ? &acpi : NULL; }
