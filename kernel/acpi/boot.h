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
/* A pointer to len bytes of ACPI data at phys: through the direct map when
 * it is RAM, else through a read-only write-back mapping made now (reused
 * for later requests inside it). NULL for an empty or wrapping range. */
const void *acpi_map(uint64_t phys, uint64_t len);
