/*
 * The kernel's ACPI tables: found once at boot from the loader's RSDP
 * (acpi_boot_init) and read by the interrupt, timer and power code.
 */
#pragma once

#include "acpi/acpi.h"

/* Validate the RSDP, root table and every table; report broken ones. */
void acpi_boot_init(void);
/* The tables, or NULL when the firmware gave no usable RSDP. */
const struct acpi *acpi_tables(void);
