/*
 * Host tests of acpi_find_s5 (kernel/acpi/s5.c): the AML encodings firmware
 * uses for \_S5, and malformed or truncated input, each copied into an
 * exact-size heap block so ASan catches any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acpi/s5.h"

static int find(const uint8_t *aml, size_t len, uint8_t *a, uint8_t *b)
{
	uint8_t *copy = malloc(len ? len : 1);
	memcpy(copy, aml, len);
	int r = acpi_find_s5(copy, len, a, b);
	free(copy);
	return r;
}

/* QEMU's DSDT: Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }) */
static void test_qemu_zero_ops(void **state)
{
	(void)state;
	const uint8_t aml[] = {0x10, 0x08, 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04,
	                       0x00, 0x00, 0x00, 0x00};
	uint8_t a = 9, b = 9;
	assert_int_equal(find(aml, sizeof(aml), &a, &b), 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 0);
}

/* Name (\_S5, Package () { 0x07, 0x05 }) with byte prefixes and a root char. */
static void test_root_and_byte_prefix(void **state)
{
	(void)state;
	const uint8_t aml[] = {0x08, 0x5c, '_', 'S', '5', '_', 0x12, 0x08, 0x02,
	                       0x0a, 0x07, 0x0a, 0x05};
	uint8_t a, b;
	assert_int_equal(find(aml, sizeof(aml), &a, &b), 0);
	assert_int_equal(a, 7);
	assert_int_equal(b, 5);
}

/* A two-byte PkgLength (lead byte 0x4n) and One/Word/DWord encodings. */
static void test_long_pkglength_and_prefixes(void **state)
{
	(void)state;
	const uint8_t aml[] = {0x08, '_', 'S', '5', '_', 0x12, 0x41, 0x00, 0x03,
	                       0x01, 0x0b, 0x06, 0x00, 0x0c, 0, 0, 0, 0};
	uint8_t a, b;
	assert_int_equal(find(aml, sizeof(aml), &a, &b), 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 6);
}

/* "_S5_" that is not a NameOp definition (a reference inside a method) is
 * skipped, and the real definition after it is found. */
static void test_skips_references(void **state)
{
	(void)state;
	const uint8_t aml[] = {0x70, '_', 'S', '5', '_', 0x60, 0x08, '_', 'S', '5', '_',
	                       0x12, 0x04, 0x01, 0x0a, 0x03};
	uint8_t a, b;
	assert_int_equal(find(aml, sizeof(aml), &a, &b), 0);
	assert_int_equal(a, 3);
	assert_int_equal(b, 0);
}

static void test_missing_and_malformed(void **state)
{
	(void)state;
	uint8_t a, b;
	const uint8_t none[] = {0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x01, 0x00};
	assert_int_not_equal(find(none, sizeof(none), &a, &b), 0);
	const uint8_t method[] = {0x14, 0x08, '_', 'S', '5', '_', 0x00, 0xa4, 0x00};
	assert_int_not_equal(find(method, sizeof(method), &a, &b), 0);
	const uint8_t empty_pkg[] = {0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00};
	assert_int_not_equal(find(empty_pkg, sizeof(empty_pkg), &a, &b), 0);
	const uint8_t bad_elem[] = {0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x5b};
	assert_int_not_equal(find(bad_elem, sizeof(bad_elem), &a, &b), 0);
	assert_int_not_equal(find(none, 0, &a, &b), 0);
}

/* Every truncation of a valid encoding fails cleanly (or still parses if
 * the cut is after what is needed), never reading past the end. */
static void test_truncations(void **state)
{
	(void)state;
	const uint8_t aml[] = {0x08, 0x5c, '_', 'S', '5', '_', 0x12, 0x41, 0x00, 0x02,
	                       0x0c, 0x05, 0, 0, 0, 0x0b, 0x05, 0x00};
	uint8_t a, b;
	for (size_t n = 0; n < sizeof(aml); n++)
		assert_int_not_equal(find(aml, n, &a, &b), 0);
	assert_int_equal(find(aml, sizeof(aml), &a, &b), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_zero_ops),
		cmocka_unit_test(test_root_and_byte_prefix),
		cmocka_unit_test(test_long_pkglength_and_prefixes),
		cmocka_unit_test(test_skips_references),
		cmocka_unit_test(test_missing_and_malformed),
		cmocka_unit_test(test_truncations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
