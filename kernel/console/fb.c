/*
 * Framebuffer backend: glyphs to pixels (see fb.h for the invariant).
 *
 * Drawing is the console's hot path: the kernel's boot budget has room for
 * roughly 300 instructions per glyph. An 8-pixel glyph row is 32 bytes of
 * framebuffer, i.e. four 64-bit stores, so the fast path looks each half of
 * a glyph-row byte up in a 16-entry table of ready-made pixel pairs for the
 * current colours and stores them: 14 instructions per 8 pixels, about 300
 * per 8x16 glyph with the call (measured with callgrind, clang 14 -O2). The
 * table (256 bytes) is rebuilt only when the colour pair changes, which in a
 * log is rare. The row pointer steps by the pitch, so no pixel address is
 * ever multiplied out. -mgeneral-regs-only rules out SSE, and 64-bit stores
 * need 8-byte aligned rows, so other fonts and odd pitches take a plain
 * pixel-by-pixel path.
 *
 * Stores go through a may_alias type because the framebuffer is addressed
 * as uint32_t pixels elsewhere (and by the host tests).
 */
#include "console/fb.h"

typedef uint64_t __attribute__((may_alias, aligned(8))) fb_pair;

/* Place an 8-bit channel value in `mask`, scaled to the mask's width with
 * rounding, so 5-, 6-, 8- and 10-bit channels all come out right. */
static uint32_t fb_channel(uint32_t mask, uint32_t v8)
{
	if (mask == 0)
		return 0;
	unsigned shift = 0;
	while (!(mask >> shift & 1))
		shift++;
	unsigned top = 31;
	while (!(mask >> top & 1))
		top--;
	uint64_t max = (2ull << (top - shift)) - 1;
	uint64_t v = (v8 * max + 127) / 255;
	return (uint32_t)(v << shift) & mask;
}

uint32_t fb_pixel(const struct fb *fb, uint32_t rgb)
{
	return fb_channel(fb->red_mask, rgb >> 16 & 0xff) |
	       fb_channel(fb->green_mask, rgb >> 8 & 0xff) |
	       fb_channel(fb->blue_mask, rgb & 0xff);
}

int fb_init(struct fb *fb, void *base, const struct bootinfo_framebuffer *info,
            const struct psf_font *font)
{
	if (base == NULL || info->format == BOOTINFO_FB_NONE)
		return FB_ERR_NO_FRAMEBUFFER;
	if (info->width == 0 || info->height == 0 || info->pitch < info->width)
		return FB_ERR_GEOMETRY;
	if (info->red_mask == 0 || info->green_mask == 0 || info->blue_mask == 0)
		return FB_ERR_GEOMETRY;

	/* Believe the GOP's buffer size over its mode height: never write past
	 * the buffer. Row y needs bytes up to (y * pitch + width) * 4. A size
	 * of 0 means the loader did not know it. */
	uint32_t height = info->height;
	if (info->size != 0) {
		uint64_t pixels = info->size / 4;
		if (pixels < info->width)
			return FB_ERR_GEOMETRY;
		uint64_t fit = (pixels - info->width) / info->pitch + 1;
		if (fit < height)
			height = (uint32_t)fit;
	}
	if (font->width > info->width || font->height > height)
		return FB_ERR_FONT;

	*fb = (struct fb){
		.base = base,
		.width = info->width,
		.height = height,
		.pitch = info->pitch,
		.red_mask = info->red_mask,
		.green_mask = info->green_mask,
		.blue_mask = info->blue_mask,
		.cols = info->width / font->width,
		.rows = height / font->height,
		.font = *font,
		.wide_stores = font->width == 8 && ((uintptr_t)base & 7) == 0 &&
		               (info->pitch & 1) == 0,
	};
	return FB_OK;
}

void fb_set_palette(struct fb *fb, const uint32_t *rgb, size_t n)
{
	if (n > FB_PALETTE_SIZE)
		n = FB_PALETTE_SIZE;
	for (size_t i = 0; i < n; i++)
		fb->palette[i] = fb_pixel(fb, rgb[i]);
}

static void fb_expand(struct fb *fb, uint32_t fg, uint32_t bg)
{
	for (unsigned n = 0; n < 16; n++) {
		uint64_t px[4];
		for (unsigned i = 0; i < 4; i++)
			px[i] = n & (8u >> i) ? fg : bg;
		fb->expand[n][0] = px[0] | px[1] << 32;
		fb->expand[n][1] = px[2] | px[3] << 32;
	}
	fb->expand_fg = fg;
	fb->expand_bg = bg;
	fb->expand_valid = true;
}

static void fb_draw8(struct fb *fb, uint32_t *p, const uint8_t *glyph, uint32_t fg, uint32_t bg)
{
	if (!fb->expand_valid || fg != fb->expand_fg || bg != fb->expand_bg)
		fb_expand(fb, fg, bg);
	/* Locals, so the may_alias stores below do not force reloads. */
	const uint64_t (*e)[2] = fb->expand;
	size_t pitch = fb->pitch;
	const uint8_t *end = glyph + fb->font.height;

	/* Two rows per iteration halves the loop overhead (a third of the
	 * instructions in a one-row loop); clang handles an odd height. */
#pragma clang loop unroll_count(2)
	for (; glyph < end; glyph++, p += pitch) {
		const uint64_t *left = e[*glyph >> 4];
		const uint64_t *right = e[*glyph & 15];
		fb_pair *d = (fb_pair *)p;
		d[0] = left[0];
		d[1] = left[1];
		d[2] = right[0];
		d[3] = right[1];
	}
}

static void fb_draw_any(const struct fb *fb, uint32_t *p, const uint8_t *glyph, uint32_t fg,
                        uint32_t bg)
{
	uint32_t w = fb->font.width, h = fb->font.height, bpr = fb->font.bytes_per_row;
	size_t pitch = fb->pitch;

	for (uint32_t y = 0; y < h; y++, glyph += bpr, p += pitch)
		for (uint32_t x = 0; x < w; x++)
			p[x] = glyph[x >> 3] & (0x80u >> (x & 7)) ? fg : bg;
}

void fb_draw_glyph(struct fb *fb, uint32_t col, uint32_t row, uint32_t glyph, uint32_t fg,
                   uint32_t bg)
{
	if (col >= fb->cols || row >= fb->rows)
		return;
	uint32_t *p = fb->base + (size_t)row * fb->font.height * fb->pitch +
	              (size_t)col * fb->font.width;
	/* psf_glyph, inlined: this is the hot path. */
	if (glyph >= fb->font.glyph_count)
		glyph = '?' < fb->font.glyph_count ? '?' : 0;
	const uint8_t *g = fb->font.glyphs + (size_t)glyph * fb->font.bytes_per_glyph;

	if (fb->wide_stores)
		fb_draw8(fb, p, g, fg, bg);
	else
		fb_draw_any(fb, p, g, fg, bg);
}

void fb_draw_cell(void *ctx, uint32_t col, uint32_t row, uint8_t glyph, uint8_t fg, uint8_t bg)
{
	struct fb *fb = ctx;

	fb_draw_glyph(fb, col, row, glyph, fb->palette[fg % FB_PALETTE_SIZE],
	              fb->palette[bg % FB_PALETTE_SIZE]);
}
