/*
 * Host tests for kernel/console/psf.c: the converted console font parses,
 * and every malformed header is rejected without reading past the blob.
 * Each blob is copied into a heap buffer of exactly its size, so
 * AddressSanitizer turns any read past the end into a failure.
 *
 * KESTREL_TEST_FONT is the path of the font cmake/Font.cmake converts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "console/psf.h"

#ifndef KESTREL_TEST_FONT
#error "KESTREL_TEST_FONT must name the converted console font"
#endif

/* Offsets of the header fields (PSF2, see psf.h). */
enum { OFF_VERSION = 4, OFF_HEADER_SIZE = 8, OFF_FLAGS = 12, OFF_LENGTH = 16,
       OFF_CHAR_SIZE = 20, OFF_HEIGHT = 24, OFF_WIDTH = 28 };

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A well-formed font: `count` glyphs of width x height with a header of
 * `header_size` bytes and a fake unicode table; glyph i is filled with i. */
static uint8_t *make_font(uint32_t count, uint32_t width, uint32_t height, uint32_t header_size,
                          size_t *size)
{
	uint32_t char_size = height * ((width + 7) / 8);
	*size = header_size + (size_t)count * char_size + count;
	uint8_t *b = calloc(1, *size);
	assert_non_null(b);
	put32(b, PSF2_MAGIC);
	put32(b + OFF_VERSION, 0);
	put32(b + OFF_HEADER_SIZE, header_size);
	put32(b + OFF_FLAGS, PSF2_FLAG_UNICODE_TABLE);
	put32(b + OFF_LENGTH, count);
	put32(b + OFF_CHAR_SIZE, char_size);
	put32(b + OFF_HEIGHT, height);
	put32(b + OFF_WIDTH, width);
	for (uint32_t i = 0; i < count; i++)
		memset(b + header_size + (size_t)i * char_size, (int)i, char_size);
	memset(b + header_size + (size_t)count * char_size, 0xff, count);
	return b;
}

/* Parse the first `n` bytes of `b` from an exact-size copy. */
static int parse_prefix(struct psf_font *font, const uint8_t *b, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, b, n);
	int err = psf_parse(font, copy, n);
	free(copy);
	return err;
}

static int parse_with(const uint8_t *b, size_t size, size_t offset, uint32_t value)
{
	uint8_t *copy = malloc(size);
	assert_non_null(copy);
	memcpy(copy, b, size);
	put32(copy + offset, value);
	struct psf_font font;
	int err = psf_parse(&font, copy, size);
	free(copy);
	return err;
}

static void test_converted_font(void **state)
{
	(void)state;
	FILE *f = fopen(KESTREL_TEST_FONT, "rb");
	assert_non_null(f);
	static uint8_t buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	uint8_t *blob = malloc(n);
	assert_non_null(blob);
	memcpy(blob, buf, n);

	struct psf_font font;
	assert_int_equal(psf_parse(&font, blob, n), PSF_OK);
	assert_int_equal(font.glyph_count, 256);
	assert_int_equal(font.width, 8);
	assert_int_equal(font.height, 16);
	assert_int_equal(font.bytes_per_row, 1);
	assert_int_equal(font.bytes_per_glyph, 16);
	assert_ptr_equal(font.glyphs, blob + PSF2_HEADER_SIZE);

	static const uint8_t blank[16];
	assert_memory_equal(psf_glyph(&font, ' '), blank, 16);
	assert_memory_equal(psf_glyph(&font, '\n'), blank, 16);
	assert_memory_equal(psf_glyph(&font, 0x85), blank, 16);
	/* Printable Latin-1 is drawn, and letters differ from each other. */
	for (uint32_t c = 0x21; c < 0x100; c++)
		if (c < 0x7f || c > 0xa0)
			assert_memory_not_equal(psf_glyph(&font, c), blank, 16);
	assert_memory_not_equal(psf_glyph(&font, 'A'), psf_glyph(&font, 'B'), 16);
	assert_memory_not_equal(psf_glyph(&font, 'e'), psf_glyph(&font, 0xe9), 16);
	/* The replacement slot is used (Terminus has U+FFFD). */
	assert_memory_not_equal(psf_glyph(&font, 0x1a), blank, 16);
	free(blob);
}

static void test_synthetic_font(void **state)
{
	(void)state;
	size_t size;
	/* 12 pixels wide: two bytes per row; a 40-byte header is legal. */
	uint8_t *b = make_font(5, 12, 7, 40, &size);
	struct psf_font font;
	assert_int_equal(parse_prefix(&font, b, size), PSF_OK);
	assert_int_equal(font.glyph_count, 5);
	assert_int_equal(font.width, 12);
	assert_int_equal(font.height, 7);
	assert_int_equal(font.bytes_per_row, 2);
	assert_int_equal(font.bytes_per_glyph, 14);

	/* psf_glyph: in range, and out of range falls back to glyph 0 here
	 * (no '?' in a 5-glyph font). */
	assert_int_equal(psf_parse(&font, b, size), PSF_OK);
	assert_ptr_equal(psf_glyph(&font, 3), b + 40 + 3 * 14);
	assert_ptr_equal(psf_glyph(&font, 5), b + 40);
	assert_ptr_equal(psf_glyph(&font, UINT32_MAX), b + 40);
	free(b);

	/* With 200 glyphs an unknown index shows '?'. */
	b = make_font(200, 8, 16, 32, &size);
	assert_int_equal(psf_parse(&font, b, size), PSF_OK);
	assert_ptr_equal(psf_glyph(&font, 200), psf_glyph(&font, '?'));
	assert_int_equal(psf_glyph(&font, 1000)[0], '?');
	free(b);

	/* No unicode table and no bytes after the glyphs: still fine. */
	b = make_font(3, 8, 8, 32, &size);
	put32(b + OFF_FLAGS, 0);
	assert_int_equal(parse_prefix(&font, b, size - 3), PSF_OK);
	free(b);
}

static void test_every_header_truncation(void **state)
{
	(void)state;
	size_t size;
	uint8_t *b = make_font(4, 8, 16, 48, &size);
	struct psf_font font;
	memset(&font, 0xa5, sizeof(font));
	struct psf_font before = font;

	assert_int_equal(psf_parse(&font, NULL, 0), PSF_ERR_TRUNCATED);
	for (size_t n = 0; n < 48; n++)
		assert_int_equal(parse_prefix(&font, b, n), PSF_ERR_TRUNCATED);
	/* A failed parse leaves *font alone. */
	assert_memory_equal(&font, &before, sizeof(font));
	free(b);
}

static void test_bad_magic(void **state)
{
	(void)state;
	size_t size;
	uint8_t *b = make_font(4, 8, 16, 32, &size);
	for (size_t i = 0; i < 4; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(parse_prefix(&(struct psf_font){ 0 }, b, size), PSF_ERR_MAGIC);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* A PSF1 font is not accepted: mkfont.py converts those. */
	static const uint8_t psf1[64] = { 0x36, 0x04, 0x02, 0x10 };
	assert_int_equal(parse_prefix(&(struct psf_font){ 0 }, psf1, sizeof(psf1)), PSF_ERR_MAGIC);
	free(b);
}

static void test_bad_fields(void **state)
{
	(void)state;
	size_t size;
	uint8_t *b = make_font(4, 8, 16, 32, &size);

	assert_int_equal(parse_with(b, size, OFF_VERSION, 1), PSF_ERR_VERSION);
	assert_int_equal(parse_with(b, size, OFF_HEADER_SIZE, 0), PSF_ERR_HEADER_SIZE);
	assert_int_equal(parse_with(b, size, OFF_HEADER_SIZE, 31), PSF_ERR_HEADER_SIZE);
	assert_int_equal(parse_with(b, size, OFF_HEADER_SIZE, (uint32_t)size + 1), PSF_ERR_TRUNCATED);
	assert_int_equal(parse_with(b, size, OFF_HEADER_SIZE, UINT32_MAX), PSF_ERR_TRUNCATED);
	assert_int_equal(parse_with(b, size, OFF_FLAGS, 2), PSF_ERR_FLAGS);
	assert_int_equal(parse_with(b, size, OFF_FLAGS, 0x80000001u), PSF_ERR_FLAGS);
	assert_int_equal(parse_with(b, size, OFF_LENGTH, 0), PSF_ERR_NO_GLYPHS);
	assert_int_equal(parse_with(b, size, OFF_WIDTH, 0), PSF_ERR_DIMENSIONS);
	assert_int_equal(parse_with(b, size, OFF_HEIGHT, 0), PSF_ERR_DIMENSIONS);
	assert_int_equal(parse_with(b, size, OFF_WIDTH, PSF_MAX_DIMENSION + 1), PSF_ERR_DIMENSIONS);
	assert_int_equal(parse_with(b, size, OFF_HEIGHT, UINT32_MAX), PSF_ERR_DIMENSIONS);
	assert_int_equal(parse_with(b, size, OFF_CHAR_SIZE, 15), PSF_ERR_GLYPH_SIZE);
	assert_int_equal(parse_with(b, size, OFF_CHAR_SIZE, 17), PSF_ERR_GLYPH_SIZE);
	assert_int_equal(parse_with(b, size, OFF_CHAR_SIZE, 0), PSF_ERR_GLYPH_SIZE);
	/* Width 9 needs two bytes per row: 16 bytes per glyph is wrong. */
	assert_int_equal(parse_with(b, size, OFF_WIDTH, 9), PSF_ERR_GLYPH_SIZE);
	free(b);
}

static void test_glyphs_past_end(void **state)
{
	(void)state;
	size_t size;
	uint8_t *b = make_font(4, 8, 16, 32, &size);
	size_t glyph_end = 32 + 4 * 16;

	/* Every cut inside the glyph table. */
	for (size_t n = 32; n < glyph_end; n++)
		assert_int_equal(parse_prefix(&(struct psf_font){ 0 }, b, n), PSF_ERR_GLYPHS_PAST_END);
	assert_int_equal(parse_prefix(&(struct psf_font){ 0 }, b, glyph_end), PSF_OK);

	/* Glyph counts whose table size would wrap a 32-bit multiplication. */
	assert_int_equal(parse_with(b, size, OFF_LENGTH, 5), PSF_ERR_GLYPHS_PAST_END);
	assert_int_equal(parse_with(b, size, OFF_LENGTH, 0x10000000u), PSF_ERR_GLYPHS_PAST_END);
	assert_int_equal(parse_with(b, size, OFF_LENGTH, UINT32_MAX), PSF_ERR_GLYPHS_PAST_END);

	/* A larger header pushes the table past the end. */
	assert_int_equal(parse_with(b, size, OFF_HEADER_SIZE, 32 + 5), PSF_ERR_GLYPHS_PAST_END);
	free(b);
}

static void test_strerror(void **state)
{
	(void)state;
	for (int e = PSF_ERR_GLYPHS_PAST_END; e <= PSF_OK; e++) {
		assert_non_null(psf_strerror(e));
		assert_string_not_equal(psf_strerror(e), "unknown error");
		for (int o = PSF_ERR_GLYPHS_PAST_END; o < e; o++)
			assert_string_not_equal(psf_strerror(e), psf_strerror(o));
	}
	assert_string_equal(psf_strerror(-100), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_converted_font),
		cmocka_unit_test(test_synthetic_font),
		cmocka_unit_test(test_every_header_truncation),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_glyphs_past_end),
		cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests_name("psf", tests, NULL, NULL);
}
