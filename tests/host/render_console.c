/*
 * render_console: draw a text file the way the kernel console would, and
 * write the screen as a binary PPM, for the boot test to compare with a QEMU
 * screendump pixel by pixel.
 *
 *   render_console [--cursor] FONT.psf WIDTH HEIGHT PITCH FORMAT TEXTFILE OUT.ppm
 *
 * FORMAT is rgbx, bgrx, or four masks RED,GREEN,BLUE,RESERVED in hex (as in
 * struct bootinfo_framebuffer). PITCH is in pixels. --cursor shows the
 * cursor, for a kernel that does.
 *
 * The text goes through the kernel's own term.c, fb.c and psf.c into a
 * framebuffer that starts black (as the loader leaves it), in one write and
 * one flush: because the terminal draws exactly the difference between what
 * is shown and what should be, the final picture does not depend on how the
 * kernel split its writes and flushes. The PPM is WIDTH x HEIGHT, 8-bit RGB,
 * each channel scaled from its mask, which is what QEMU's screendump writes
 * for a 32-bit display surface.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/fb.h"
#include "console/psf.h"
#include "console/term.h"

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "render_console: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: cannot open", path);
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (!buf)
			die("%s: out of memory", path);
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		buf = realloc(buf, cap);
	}
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	*size = n;
	return buf;
}

static uint32_t parse_u32(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || *s == 0 || *end != 0 || v > UINT32_MAX)
		die("bad %s", what);
	return (uint32_t)v;
}

static void parse_format(const char *s, struct bootinfo_framebuffer *info)
{
	if (strcmp(s, "rgbx") == 0) {
		info->format = BOOTINFO_FB_RGBX;
		info->red_mask = 0x000000ff;
		info->green_mask = 0x0000ff00;
		info->blue_mask = 0x00ff0000;
		info->reserved_mask = 0xff000000;
		return;
	}
	if (strcmp(s, "bgrx") == 0) {
		info->format = BOOTINFO_FB_BGRX;
		info->red_mask = 0x00ff0000;
		info->green_mask = 0x0000ff00;
		info->blue_mask = 0x000000ff;
		info->reserved_mask = 0xff000000;
		return;
	}
	unsigned r, g, b, x;
	char tail;
	if (sscanf(s, "%x,%x,%x,%x%c", &r, &g, &b, &x, &tail) != 4)
		die("bad FORMAT '%s': rgbx, bgrx or RED,GREEN,BLUE,RESERVED masks in hex", s);
	info->format = BOOTINFO_FB_BITMASK;
	info->red_mask = r;
	info->green_mask = g;
	info->blue_mask = b;
	info->reserved_mask = x;
}

/* A channel of a pixel as 8 bits, rounding, like QEMU's conversion of an
 * 8-bit channel (exact) and a sensible one for other widths. */
static uint8_t channel8(uint32_t px, uint32_t mask)
{
	if (mask == 0)
		return 0;
	unsigned shift = 0;
	while (!(mask >> shift & 1))
		shift++;
	uint64_t max = mask >> shift;
	uint64_t v = (px & mask) >> shift;
	return (uint8_t)((v * 255 + max / 2) / max);
}

int main(int argc, char **argv)
{
	bool cursor = false;
	if (argc > 1 && strcmp(argv[1], "--cursor") == 0) {
		cursor = true;
		argv++;
		argc--;
	}
	if (argc != 8) {
		fprintf(stderr, "usage: render_console [--cursor] FONT.psf WIDTH HEIGHT PITCH "
		                "rgbx|bgrx|R,G,B,X TEXTFILE OUT.ppm\n");
		return 2;
	}

	size_t font_size, text_size;
	uint8_t *font_blob = read_file(argv[1], &font_size);
	struct psf_font font;
	int err = psf_parse(&font, font_blob, font_size);
	if (err != PSF_OK)
		die("font: %s", psf_strerror(err));

	struct bootinfo_framebuffer info = { 0 };
	info.width = parse_u32(argv[2], "WIDTH");
	info.height = parse_u32(argv[3], "HEIGHT");
	info.pitch = parse_u32(argv[4], "PITCH");
	parse_format(argv[5], &info);
	if (info.width == 0 || info.height == 0 || info.pitch < info.width || info.pitch > 65536 ||
	    info.height > 65536)
		die("bad geometry (%s)", "need 0 < WIDTH <= PITCH <= 65536, 0 < HEIGHT <= 65536");
	size_t npx = (size_t)info.pitch * info.height;
	info.size = npx * 4;
	uint32_t *px = calloc(npx, 4);
	if (!px)
		die("%s", "out of memory");

	struct fb fb;
	if (fb_init(&fb, px, &info, &font) != FB_OK)
		die("%s", "fb_init failed: font larger than the screen or bad masks");
	fb_set_palette(&fb, term_default_palette, TERM_COLOURS);

	struct term_cell *want = calloc(TERM_MAX_CELLS, sizeof(*want));
	struct term_cell *shown = calloc(TERM_MAX_CELLS, sizeof(*shown));
	struct term_cell *alt = calloc(TERM_MAX_CELLS, sizeof(*alt));
	if (!want || !shown || !alt)
		die("%s", "out of memory");
	struct term term;
	struct term_backend backend = { fb_draw_cell, &fb };
	if (term_init(&term, fb.cols, fb.rows, want, shown, TERM_MAX_CELLS, &backend) != TERM_OK)
		die("%s", "term_init failed");
	term_set_alt_screen(&term, alt, TERM_MAX_CELLS); /* as the kernel's console has */
	term_set_cursor_visible(&term, cursor);

	uint8_t *text = read_file(argv[6], &text_size);
	term_write(&term, (const char *)text, text_size);
	term_flush(&term);

	FILE *out = fopen(argv[7], "wb");
	if (!out)
		die("%s: cannot create", argv[7]);
	fprintf(out, "P6\n%u %u\n255\n", info.width, info.height);
	for (uint32_t y = 0; y < info.height; y++) {
		for (uint32_t x = 0; x < info.width; x++) {
			uint32_t p = px[(size_t)y * info.pitch + x];
			uint8_t rgb[3] = { channel8(p, info.red_mask), channel8(p, info.green_mask),
			                   channel8(p, info.blue_mask) };
			fwrite(rgb, 1, 3, out);
		}
	}
	if (fclose(out) != 0)
		die("%s: write error", argv[7]);

	free(text);
	free(want);
	free(shown);
	free(alt);
	free(px);
	free(font_blob);
	return 0;
}
