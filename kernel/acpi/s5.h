/*
 * Finding the \_S5 sleep type in the DSDT's AML, for ACPI soft-off (S5):
 * enough AML to read one package, not an interpreter.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Scans AML for the named object _S5_ defined as a package and returns its
 * first two elements (SLP_TYPa, SLP_TYPb). 0, or a negative error when there
 * is no such package or it is malformed. Never reads outside [aml, aml+len). */
int acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb);
