/*
 * PSF2 parsing and validation. Every header field is checked against the
 * blob's size before any glyph is looked at, with 64-bit arithmetic so that
 * a hostile glyph count or size cannot wrap around; after psf_parse succeeds,
 * glyph lookups need no further checks (see the invariant in psf.h).
 *
 * The header is read byte by byte, not through a struct pointer, because the
 * blob need not be aligned (a host tool may read it at any offset) and PSF is
 * little-endian by definition, whatever the machine.
 */
#include "console/psf.h"

/* Offsets of the PSF2 header fields, each a little-endian uint32. */
enum {
	PSF2_OFF_MAGIC = 0,
	PSF2_OFF_VERSION = 4,
	PSF2_OFF_HEADER_SIZE = 8,
	PSF2_OFF_FLAGS = 12,
	PSF2_OFF_LENGTH = 16,
	PSF2_OFF_CHAR_SIZE = 20,
	PSF2_OFF_HEIGHT = 24,
	PSF2_OFF_WIDTH = 28,
};

static uint32_t psf_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int psf_parse(struct psf_font *font, const void *blob, size_t size)
{
	const uint8_t *b = blob;

	if (b == NULL || size < PSF2_HEADER_SIZE)
		return PSF_ERR_TRUNCATED;
	if (psf_le32(b + PSF2_OFF_MAGIC) != PSF2_MAGIC)
		return PSF_ERR_MAGIC;
	if (psf_le32(b + PSF2_OFF_VERSION) != 0)
		return PSF_ERR_VERSION;

	uint32_t header_size = psf_le32(b + PSF2_OFF_HEADER_SIZE);
	uint32_t flags = psf_le32(b + PSF2_OFF_FLAGS);
	uint32_t length = psf_le32(b + PSF2_OFF_LENGTH);
	uint32_t char_size = psf_le32(b + PSF2_OFF_CHAR_SIZE);
	uint32_t height = psf_le32(b + PSF2_OFF_HEIGHT);
	uint32_t width = psf_le32(b + PSF2_OFF_WIDTH);

	if (header_size < PSF2_HEADER_SIZE)
		return PSF_ERR_HEADER_SIZE;
	if (header_size > size)
		return PSF_ERR_TRUNCATED;
	if (flags & ~PSF2_FLAG_UNICODE_TABLE)
		return PSF_ERR_FLAGS;
	if (length == 0)
		return PSF_ERR_NO_GLYPHS;
	if (width == 0 || height == 0 || width > PSF_MAX_DIMENSION || height > PSF_MAX_DIMENSION)
		return PSF_ERR_DIMENSIONS;

	uint32_t bytes_per_row = (width + 7) / 8;
	if (char_size != height * bytes_per_row)
		return PSF_ERR_GLYPH_SIZE;
	/* length < 2^32 and char_size <= 256 * 32, so this cannot overflow. */
	if ((uint64_t)length * char_size > (uint64_t)(size - header_size))
		return PSF_ERR_GLYPHS_PAST_END;

	font->glyphs = b + header_size;
	font->glyph_count = length;
	font->bytes_per_glyph = char_size;
	font->bytes_per_row = bytes_per_row;
	font->width = width;
	font->height = height;
	return PSF_OK;
}

const uint8_t *psf_glyph(const struct psf_font *font, uint32_t index)
{
	if (index >= font->glyph_count)
		index = '?' < font->glyph_count ? '?' : 0;
	return font->glyphs + (size_t)index * font->bytes_per_glyph;
}

const char *psf_strerror(int err)
{
	switch (err) {
	case PSF_OK: return "ok";
	case PSF_ERR_TRUNCATED: return "truncated header";
	case PSF_ERR_MAGIC: return "not a PSF2 font (bad magic)";
	case PSF_ERR_VERSION: return "unknown PSF2 version";
	case PSF_ERR_HEADER_SIZE: return "header size below 32";
	case PSF_ERR_FLAGS: return "unknown PSF2 flags";
	case PSF_ERR_NO_GLYPHS: return "no glyphs";
	case PSF_ERR_DIMENSIONS: return "glyph width or height out of range";
	case PSF_ERR_GLYPH_SIZE: return "bytes per glyph do not match width and height";
	case PSF_ERR_GLYPHS_PAST_END: return "glyph table runs past the end";
	}
	return "unknown error";
}
