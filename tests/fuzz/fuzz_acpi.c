/*
 * libFuzzer target for kernel/acpi/tables.c: the input is a physical memory
 * image starting at FUZZ_BASE, with the RSDP at its first byte (physical 0
 * itself cannot hold the RSDP: bootinfo uses rsdp_phys == 0 for "none").
 * acpi_init and every decoder must then either refuse with an error code or
 * describe only what really is in the image; nothing may be read outside a
 * range the map function granted.
 *
 * Each input runs twice: as given, and with every checksum it declares made
 * good (fix_checksums), since a random mutation almost always breaks one and
 * the decoders behind the checks would otherwise never be reached.
 *
 * Each grant is a fresh heap copy of exactly the range asked for, so
 * AddressSanitizer catches a read one byte past what the code mapped, not
 * only past the input. CTest runs it briefly from seeds/acpi-qemu.bin: the
 * tables QEMU 7.2 builds for `-machine q35` (SeaBIOS), dumped from guest
 * memory with the monitor's pmemsave, relocated to FUZZ_BASE with fresh
 * checksums, behind a revision 2 RSDP with both an XSDT and an RSDT.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"

#define FUZZ_BASE  0x1000u
#define MAX_GRANTS 512

struct image {
	const uint8_t *data;
	size_t size;
	void *grants[MAX_GRANTS];
	unsigned n_grants;
};

static const void *fuzz_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct image *im = ctx;

	if (phys < FUZZ_BASE || phys - FUZZ_BASE > im->size || len > im->size - (phys - FUZZ_BASE))
		return NULL;
	if (len == 0 || im->n_grants == MAX_GRANTS)
		abort(); /* tables.c never asks for nothing, nor this often */
	void *copy = malloc(len);
	if (copy == NULL)
		abort();
	memcpy(copy, im->data + (phys - FUZZ_BASE), len);
	im->grants[im->n_grants++] = copy;
	return copy;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static uint8_t sum(const void *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + ((const uint8_t *)p)[i]);
	return s;
}

static void check_error(int err)
{
	if (err > 0 || strcmp(acpi_strerror(err), acpi_strerror(12345)) == 0)
		abort(); /* every failure must be a known error */
}

static struct acpi acpi; /* large: keep it off the stack */

static void check_tables(const struct image *im)
{
	if (acpi.count > ACPI_MAX_TABLES || !terminated(acpi.problem, sizeof(acpi.problem)))
		abort();
	for (uint32_t i = 0; i < acpi.count; i++) {
		const struct acpi_table *t = &acpi.tables[i];
		if (!terminated(t->reason, sizeof(t->reason)) || strlen(t->signature) != 4 ||
		    !terminated(t->oem_id, sizeof(t->oem_id)) ||
		    !terminated(t->oem_table_id, sizeof(t->oem_table_id)))
			abort();
		if (!t->valid) {
			if (t->hdr != NULL || t->reason[0] == '\0')
				abort();
			continue;
		}
		/* Valid: inside the image, whole, checksummed. Reading all of
		 * hdr->length bytes also proves the grant was that long. */
		if (t->hdr == NULL || t->hdr->length != t->length || t->length < 36 ||
		    t->phys < FUZZ_BASE || t->phys - FUZZ_BASE + t->length > im->size ||
		    sum(t->hdr, t->length) != 0 || t->reason[0] != '\0')
			abort();
	}
}

/* The table of `min` or more bytes at phys, with its length, if it lies in
 * the image; else NULL. */
static uint8_t *in_image(uint8_t *mem, size_t size, uint64_t phys, uint32_t min, uint32_t len_off,
                         uint32_t *len)
{
	if (phys < FUZZ_BASE || phys - FUZZ_BASE > size || size - (phys - FUZZ_BASE) < min)
		return NULL;
	uint8_t *p = mem + (phys - FUZZ_BASE);
	memcpy(len, p + len_off, 4);
	if (*len < min || *len > size - (phys - FUZZ_BASE))
		return NULL;
	return p;
}

static void fix_sum(uint8_t *p, uint32_t len, uint32_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)-sum(p, len);
}

/* Make good every checksum the RSDP, the root tables and their entries
 * declare: tables first, then the roots, then the RSDP, each sum covering
 * the fixed bytes before it. */
static void fix_checksums(uint8_t *mem, size_t size)
{
	struct acpi_rsdp r;
	uint32_t len, rlen;

	if (size < sizeof(r))
		return;
	memcpy(&r, mem, sizeof(r));
	uint64_t roots[2] = {r.rsdt_address, r.revision >= 2 ? r.xsdt_address : 0};
	for (int k = 0; k < 2; k++) {
		uint32_t esize = k == 0 ? 4 : 8;
		uint8_t *root = in_image(mem, size, roots[k], 36, 4, &rlen);
		if (root == NULL)
			continue;
		for (uint32_t off = 36; off + esize <= rlen; off += esize) {
			uint64_t phys = 0;
			memcpy(&phys, root + off, esize);
			uint8_t *t = in_image(mem, size, phys, 36, 4, &len);
			if (t != NULL)
				fix_sum(t, len, 9);
		}
		fix_sum(root, rlen, 9);
	}
	fix_sum(mem, ACPI_RSDP_V1_SIZE, 8);
	if (r.revision >= 2 && r.length >= sizeof(r) && r.length <= size)
		fix_sum(mem, r.length, 32);
}

static void run(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size);
	uint8_t *fixed = malloc(size ? size : 1);
	if (fixed == NULL)
		abort();
	memcpy(fixed, data, size);
	fix_checksums(fixed, size);
	run(fixed, size);
	free(fixed);
	return 0;
}

static void run(const uint8_t *data, size_t size)
{
	static struct acpi_madt_info madt;
	struct image *im = calloc(1, sizeof(*im));
	struct acpi_hpet_info hpet;
	struct acpi_fadt_info fadt;

	if (im == NULL)
		abort();
	im->data = data;
	im->size = size;

	int err = acpi_init(&acpi, FUZZ_BASE, fuzz_map, im);
	check_error(err);
	check_tables(im);
	if (err != ACPI_OK && acpi.count != 0)
		abort();

	err = acpi_parse_madt(&acpi, &madt);
	check_error(err);
	if (madt.cpu_count > ACPI_MAX_CPUS || madt.ioapic_count > ACPI_MAX_IOAPICS ||
	    madt.iso_count > ACPI_MAX_ISOS || madt.nmi_count > ACPI_MAX_NMIS ||
	    madt.cpu_seen < madt.cpu_count || madt.ioapic_seen < madt.ioapic_count ||
	    madt.iso_seen < madt.iso_count || madt.nmi_seen < madt.nmi_count)
		abort();
	for (unsigned irq = 0; irq < 16; irq++) {
		bool low, level;
		acpi_isa_irq_to_gsi(&madt, (uint8_t)irq, &low, &level);
	}

	check_error(acpi_parse_hpet(&acpi, &hpet));
	check_error(acpi_parse_fadt(&acpi, &fadt));
	if (acpi_find(&acpi, "APIC", 0) == NULL &&
	    acpi_parse_madt(&acpi, &madt) != ACPI_ERR_NOT_FOUND)
		abort();

	while (im->n_grants > 0)
		free(im->grants[--im->n_grants]);
	free(im);
}
