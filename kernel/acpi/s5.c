/*
 * \_S5 from the DSDT (ACPI 6.5, 7.4.2 "\_Sx (System States)" and 20.2 AML
 * grammar). The object is compiled as
 *     NameOp(0x08) [RootChar '\' (0x5c)] NameSeg "_S5_" PackageOp(0x12)
 *     PkgLength NumElements element...
 * where each element is a small integer: ZeroOp (0x00), OneOp (0x01),
 * BytePrefix (0x0a) byte, WordPrefix (0x0b) word, DWordPrefix (0x0c) dword.
 * Searching for the NameSeg and checking what precedes and follows it is the
 * usual way to get this without an AML interpreter; when the firmware computes
 * \_S5 with a method instead, this returns an error and the caller says so.
 */
#include "acpi/s5.h"

#define AML_NAME_OP 0x08
#define AML_ROOT_CHAR 0x5c
#define AML_PACKAGE_OP 0x12
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c

/* One integer element at *pos; advances *pos. */
static int read_integer(const uint8_t *aml, size_t len, size_t *pos, uint8_t *out)
{
	size_t p = *pos;
	if (p >= len)
		return -1;
	switch (aml[p]) {
	case AML_ZERO_OP:
		*out = 0, *pos = p + 1;
		return 0;
	case AML_ONE_OP:
		*out = 1, *pos = p + 1;
		return 0;
	case AML_BYTE_PREFIX:
		if (p + 1 >= len)
			return -1;
		*out = aml[p + 1], *pos = p + 2;
		return 0;
	case AML_WORD_PREFIX:
		if (p + 2 >= len)
			return -1;
		*out = aml[p + 1], *pos = p + 3; /* SLP_TYP is 3 bits: the low byte holds it */
		return 0;
	case AML_DWORD_PREFIX:
		if (p + 4 >= len)
			return -1;
		*out = aml[p + 1], *pos = p + 5;
		return 0;
	default:
		return -1;
	}
}

int acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
	for (size_t i = 1; i + 4 < len; i++) {
		if (aml[i] != '_' || aml[i + 1] != 'S' || aml[i + 2] != '5' || aml[i + 3] != '_')
			continue;
		/* Defined by NameOp, directly or with a root prefix. */
		if (!(aml[i - 1] == AML_NAME_OP ||
		      (aml[i - 1] == AML_ROOT_CHAR && i >= 2 && aml[i - 2] == AML_NAME_OP)))
			continue;
		size_t p = i + 4;
		if (p >= len || aml[p] != AML_PACKAGE_OP)
			continue;
		p++;
		if (p >= len)
			return -1;
		/* PkgLength: bits 7-6 of the lead byte count the bytes that follow. */
		p += 1 + (aml[p] >> 6);
		if (p >= len)
			return -1;
		uint8_t count = aml[p++];
		if (count < 1)
			return -1;
		if (read_integer(aml, len, &p, slp_typa) != 0)
			return -1;
		*slp_typb = 0;
		if (count >= 2 && read_integer(aml, len, &p, slp_typb) != 0)
			return -1;
		return 0;
	}
	return -1;
}
