/*
 * The MCFG table: where each PCI segment's Enhanced Configuration Access
 * Mechanism window lies (PCI Firmware Specification 3.2, section 4.1.2;
 * PCI Express Base 4.0, section 7.2.2). Each allocation gives a base, a
 * segment and a bus range; bus b, device d, function f's 4 KiB of
 * configuration space is at base + (b << 20 | d << 15 | f << 12). Entries
 * that cannot be right (no bus in range, base 0) are counted and skipped.
 */
#include "acpi/acpi.h"

#ifdef KESTREL_HOST
#include <string.h>
#else
#include "lib/string.h"
#endif

int acpi_parse_mcfg(const struct acpi *a, struct acpi_mcfg_info *out)
{
	memset(out, 0, sizeof(*out));
	const struct acpi_sdt_header *h = acpi_find(a, "MCFG", 0);
	if (h == NULL)
		return ACPI_ERR_NOT_FOUND;
	if (h->length < sizeof(struct acpi_mcfg))
		return ACPI_ERR_TABLE_SHORT;
	const uint8_t *p = (const uint8_t *)h + sizeof(struct acpi_mcfg);
	uint32_t n = (h->length - sizeof(struct acpi_mcfg)) / sizeof(struct acpi_mcfg_alloc);
	for (uint32_t i = 0; i < n; i++) {
		struct acpi_mcfg_alloc e;
		memcpy(&e, p + i * sizeof(e), sizeof(e));  /* the table need not be aligned */
		out->seen++;
		if (e.end_bus < e.start_bus || e.base == 0) {
			out->rejected++;
			continue;
		}
		if (out->count < ACPI_MAX_MCFG)
			out->allocs[out->count++] = e;
	}
	return ACPI_OK;
}
