/*
 * The ACPI RSDP, from the EFI configuration table (UEFI 2.10 section 4.6;
 * ACPI 6.5 section 5.2.5.2: on UEFI systems the OS finds the RSDP here, not by
 * scanning low memory). The ACPI 2.0+ entry is preferred, since it carries the
 * XSDT address; the 1.0 entry is the fallback.
 */
#include "loader.h"

UINT64 ldr_find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	EFI_GUID acpi10 = ACPI_TABLE_GUID;
	UINT64 found = 0;

	for (UINTN i = 0; i < gST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &gST->ConfigurationTable[i];
		if (ldr_mem_equal(&t->VendorGuid, &acpi20, sizeof(EFI_GUID)))
			return (UINT64)(UINTN)t->VendorTable;
		if (ldr_mem_equal(&t->VendorGuid, &acpi10, sizeof(EFI_GUID)))
			found = (UINT64)(UINTN)t->VendorTable;
	}
	return found;
}
