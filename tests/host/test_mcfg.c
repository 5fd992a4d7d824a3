/*
 * Host tests for kernel/acpi/mcfg.c: an MCFG as QEMU's q35 builds it (one
 * allocation, segment 0, buses 0-255 at 0xb0000000), one with bad and
 * surplus entries, one too short, and none at all. The struct acpi is made
 * by hand: acpi_find only needs a valid entry pointing at the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acpi/acpi.h"

static struct acpi acpi;
static uint8_t table[44 + 16 * 12] __attribute__((aligned(8)));

static void make(uint32_t nallocs, const struct acpi_mcfg_alloc *allocs)
{
	memset(&acpi, 0, sizeof(acpi));
	memset(table, 0, sizeof(table));
	struct acpi_sdt_header *h = (struct acpi_sdt_header *)table;
	memcpy(h->signature, "MCFG", 4);
	h->length = (uint32_t)(44 + 16 * nallocs);
	if (nallocs > 0)
		memcpy(table + 44, allocs, 16 * nallocs);
	acpi.count = 1;
	acpi.tables[0].valid = true;
	acpi.tables[0].hdr = h;
}

static void test_q35(void **state)
{
	(void)state;
	struct acpi_mcfg_alloc a = {.base = 0xb0000000, .segment = 0, .start_bus = 0, .end_bus = 255};
	struct acpi_mcfg_info m;
	make(1, &a);
	assert_int_equal(acpi_parse_mcfg(&acpi, &m), ACPI_OK);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.seen, 1);
	assert_int_equal(m.allocs[0].base, 0xb0000000);
	assert_int_equal(m.allocs[0].end_bus, 255);
}

static void test_bad_and_surplus(void **state)
{
	(void)state;
	struct acpi_mcfg_alloc a[12];
	for (int i = 0; i < 12; i++)
		a[i] = (struct acpi_mcfg_alloc){.base = 0xe0000000ull + ((uint64_t)i << 28),
		                                .segment = (uint16_t)i, .start_bus = 0, .end_bus = 7};
	a[1].start_bus = 9;   /* end < start */
	a[2].base = 0;
	struct acpi_mcfg_info m;
	make(12, a);
	assert_int_equal(acpi_parse_mcfg(&acpi, &m), ACPI_OK);
	assert_int_equal(m.seen, 12);
	assert_int_equal(m.rejected, 2);
	assert_int_equal(m.count, ACPI_MAX_MCFG);
	assert_int_equal(m.allocs[1].segment, 3);
	/* A trailing partial allocation is not read. */
	((struct acpi_sdt_header *)table)->length = 44 + 8;
	assert_int_equal(acpi_parse_mcfg(&acpi, &m), ACPI_OK);
	assert_int_equal(m.seen, 0);
}

static void test_short_and_missing(void **state)
{
	(void)state;
	struct acpi_mcfg_info m;
	make(0, NULL);
	((struct acpi_sdt_header *)table)->length = 40;
	assert_int_equal(acpi_parse_mcfg(&acpi, &m), ACPI_ERR_TABLE_SHORT);
	memcpy(table, "APIC", 4);
	assert_int_equal(acpi_parse_mcfg(&acpi, &m), ACPI_ERR_NOT_FOUND);
	assert_int_equal(m.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_q35),
		cmocka_unit_test(test_bad_and_surplus),
		cmocka_unit_test(test_short_and_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
