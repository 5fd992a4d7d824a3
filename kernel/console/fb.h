/*
 * The framebuffer backend of the console: turns "glyph G in colours F/B at
 * cell (col, row)" into pixels. It knows pixel formats and fonts, and nothing
 * about text, cursors or escape sequences (that is term.c).
 *
 * Invariant: the backend only ever writes whole cells inside the visible
 * rectangle [0, cols * font width) x [0, rows * font height), and never
 * reads the framebuffer (real VRAM is uncached: a read costs a bus round
 * trip). Pixels outside the cell grid are never touched, so they keep the
 * black the loader cleared them to.
 *
 * Pixels are 32 bits (bootinfo.h), the pitch is in pixels, and the four
 * masks are always filled in, so RGBX, BGRX and bitmask modes share one path.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <boot/bootinfo.h>

#include "console/psf.h"

#define FB_PALETTE_SIZE 16

enum fb_error {
	FB_OK = 0,
	FB_ERR_NO_FRAMEBUFFER = -1, /* BOOTINFO_FB_NONE or a null base */
	FB_ERR_GEOMETRY = -2,       /* zero size, pitch < width, size too small, no colour masks */
	FB_ERR_FONT = -3,           /* a glyph is larger than the screen */
};

struct fb {
	uint32_t *base;             /* virtual address of pixel (0, 0) */
	uint32_t width;             /* visible pixels */
	uint32_t height;
	uint32_t pitch;             /* pixels per scan line */
	uint32_t red_mask, green_mask, blue_mask;
	uint32_t cols;              /* whole cells that fit on the screen */
	uint32_t rows;
	struct psf_font font;
	bool wide_stores;           /* 8-pixel glyphs, 8-byte aligned rows: 64-bit stores */
	uint32_t palette[FB_PALETTE_SIZE]; /* pixel values, for fb_draw_cell */

	/* Fast path colour table, rebuilt when the colour pair changes: the
	 * four pixels of a glyph-row nibble (most significant bit leftmost),
	 * as two little-endian pixel pairs. */
	bool expand_valid;
	uint32_t expand_fg, expand_bg;
	uint64_t expand[16][2];
};

/* Describe the framebuffer at virtual address `base` with the geometry and
 * masks in *info, drawing with *font (copied; the glyph data must outlive
 * the fb). Touches no pixel. The palette starts all black: call
 * fb_set_palette before fb_draw_cell. Returns FB_OK or an enum fb_error. */
int fb_init(struct fb *fb, void *base, const struct bootinfo_framebuffer *info,
            const struct psf_font *font);

/* The pixel value of colour 0xRRGGBB, each channel scaled to its mask's
 * width and moved to its position. */
uint32_t fb_pixel(const struct fb *fb, uint32_t rgb);

/* Convert `n` (at most FB_PALETTE_SIZE) 0xRRGGBB colours into fb->palette. */
void fb_set_palette(struct fb *fb, const uint32_t *rgb, size_t n);

/* Draw glyph `glyph` at cell (col, row) with pixel values fg and bg. Cells
 * outside the grid are ignored. */
void fb_draw_glyph(struct fb *fb, uint32_t col, uint32_t row, uint32_t glyph,
                   uint32_t fg, uint32_t bg);

/* The same with palette indices: the draw_cell callback of a struct
 * term_backend whose ctx is a struct fb. */
void fb_draw_cell(void *fb, uint32_t col, uint32_t row, uint8_t glyph, uint8_t fg, uint8_t bg);
