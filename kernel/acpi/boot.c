/*
 * Reaching the ACPI tables from the kernel: physical addresses go through the
 * direct map, which the loader made cover all of RAM and the 32-bit MMIO
 * space, where firmware puts its tables. A table outside the direct map is
 * refused (the map function returns NULL) and reported, never dereferenced.
 * Every table that fails its checks is listed with the reason; the kernel
 * keeps going with the valid ones.
 */
#include "acpi/boot.h"

#include "boot/boot.h"
#include "core/kprintf.h"

static struct acpi acpi;
static bool acpi_ok;

static const void *map_direct(void *ctx, uint64_t phys, uint64_t len)
{
	const struct bootinfo *bi = ctx;
	if (phys >= bi->direct_map_size || len > bi->direct_map_size - phys)
		return NULL;
	return phys_to_virt(phys);
}

void acpi_boot_init(void)
{
	const struct bootinfo *bi = boot_info();
	int err = acpi_init(&acpi, bi->rsdp_phys, map_direct, (void *)bi);

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
