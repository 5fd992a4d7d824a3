/*
 * PSF2 console fonts in memory. The kernel's font is a PSF2 blob embedded in
 * .rodata by font_blob.S (converted at build time by scripts/mkfont.py, which
 * makes glyph N the glyph for U+00NN); host tools load the same file.
 *
 * Invariant: a struct psf_font filled by a successful psf_parse describes
 * glyph data lying wholly inside the blob it was parsed from, and psf_glyph
 * never returns a pointer outside that data, whatever index it is given.
 * Nothing is allocated and the blob is not copied: it must outlive the font.
 *
 * PSF2 layout (kbd's psf.h / the Linux console documentation): eight
 * little-endian uint32 fields, then `length` glyphs of `charsize` bytes, each
 * glyph `height` rows of (width + 7) / 8 bytes, most significant bit leftmost,
 * then an optional unicode table that the kernel does not need.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define PSF2_MAGIC 0x864ab572u
#define PSF2_HEADER_SIZE 32u            /* the fixed part; headersize may be larger */
#define PSF2_FLAG_UNICODE_TABLE 0x1u    /* the only flag PSF2 defines */
#define PSF_MAX_DIMENSION 256u          /* cap on glyph width and height */

/* psf_parse results; negative so a caller can pass them on as errors. */
enum psf_error {
	PSF_OK = 0,
	PSF_ERR_TRUNCATED = -1,         /* shorter than the header it declares */
	PSF_ERR_MAGIC = -2,
	PSF_ERR_VERSION = -3,           /* only version 0 exists */
	PSF_ERR_HEADER_SIZE = -4,       /* headersize < 32 */
	PSF_ERR_FLAGS = -5,             /* unknown flag bits */
	PSF_ERR_NO_GLYPHS = -6,
	PSF_ERR_DIMENSIONS = -7,        /* width/height 0 or > PSF_MAX_DIMENSION */
	PSF_ERR_GLYPH_SIZE = -8,        /* charsize != height * ((width + 7) / 8) */
	PSF_ERR_GLYPHS_PAST_END = -9,   /* the glyph table runs past the blob */
};

struct psf_font {
	const uint8_t *glyphs;      /* glyph 0, inside the blob */
	uint32_t glyph_count;
	uint32_t bytes_per_glyph;   /* height * bytes_per_row */
	uint32_t bytes_per_row;     /* (width + 7) / 8 */
	uint32_t width;             /* pixels */
	uint32_t height;            /* pixels */
};

/* Validate the PSF2 blob [blob, blob + size) and describe it in *font.
 * Returns PSF_OK or a negative enum psf_error; *font is untouched on error. */
int psf_parse(struct psf_font *font, const void *blob, size_t size);

/* The bitmap of glyph `index`; an index past the table gives '?' (or glyph 0
 * in a font too small to have '?'), so a caller never needs to check. */
const uint8_t *psf_glyph(const struct psf_font *font, uint32_t index);

/* A short English description of a psf_parse result, for log messages. */
const char *psf_strerror(int err);

/* The kernel's converted console font, from font_blob.S (kernel only). */
extern const uint8_t console_font_psf[];
extern const uint8_t console_font_psf_end[];
