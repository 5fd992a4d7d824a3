/*
 * Host tests for kernel/console/term.c, term_parse.c and fb.c: the terminal logic, read
 * back from the cell grid, and the pixels the framebuffer backend draws into
 * an in-memory framebuffer.
 *
 * The pixel oracle (check_pixels) recomputes every cell from the grid, the
 * synthetic font and the palette independently of fb.c, so a wrong glyph,
 * colour, position or a stale cell shows up as a pixel mismatch. The memory
 * around the visible cell grid (pitch padding, the rows below the last whole
 * cell) is filled with a sentinel that must survive every test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "console/fb.h"
#include "console/psf.h"
#include "console/term.h"

#define SENTINEL 0x5a5a5a5au

/* Masks of the two UEFI GOP 32-bit formats (UEFI 2.10 section 12.9). */
#define RGBX_MASKS 0x000000ffu, 0x0000ff00u, 0x00ff0000u, 0xff000000u
#define BGRX_MASKS 0x00ff0000u, 0x0000ff00u, 0x000000ffu, 0xff000000u

struct fixture {
	uint8_t *font_blob;
	struct psf_font font;
	uint32_t *alloc;            /* pixels, plus room to misalign them */
	uint32_t *px;
	uint32_t width, height, pitch;
	struct fb fb;
	struct term t;
	struct term_cell *want, *shown, *alt;
	size_t ncells;
	unsigned draws;             /* backend calls since the last reset */
};

/* One pattern byte per glyph row; ' ' is blank and '#' solid so tests can
 * read colours straight off the pixels. */
static uint8_t pattern(uint32_t glyph, uint32_t row, uint32_t byte)
{
	if (glyph == ' ')
		return 0;
	if (glyph == '#')
		return 0xff;
	uint32_t h = (glyph * 2654435761u) ^ (row * 40503u) ^ (byte * 97u);
	return (uint8_t)(h >> 13 | 0x81);
}

static uint8_t *make_font(uint32_t width, uint32_t height, struct psf_font *font)
{
	uint32_t bpr = (width + 7) / 8, char_size = height * bpr;
	size_t size = 32 + 256 * (size_t)char_size;
	uint8_t *b = calloc(1, size);
	assert_non_null(b);
	uint32_t hdr[8] = { PSF2_MAGIC, 0, 32, 0, 256, char_size, height, width };
	memcpy(b, hdr, sizeof(hdr));
	for (uint32_t g = 0; g < 256; g++)
		for (uint32_t r = 0; r < height; r++)
			for (uint32_t i = 0; i < bpr; i++)
				b[32 + g * char_size + r * bpr + i] = pattern(g, r, i);
	assert_int_equal(psf_parse(font, b, size), PSF_OK);
	return b;
}

static void counting_draw(void *ctx, uint32_t col, uint32_t row, uint8_t glyph, uint8_t fg,
                          uint8_t bg)
{
	struct fixture *fx = ctx;
	fx->draws++;
	fb_draw_cell(&fx->fb, col, row, glyph, fg, bg);
}

struct geometry {
	uint32_t width, height, pitch;
	uint32_t font_w, font_h;
	uint32_t masks[4];
	uint32_t misalign;          /* pixels to offset the base by */
	size_t ncells;              /* grid storage; 0 = TERM_MAX_CELLS */
};

static struct fixture *setup(const struct geometry *g)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	fx->font_blob = make_font(g->font_w, g->font_h, &fx->font);
	fx->width = g->width;
	fx->height = g->height;
	fx->pitch = g->pitch;
	size_t npx = (size_t)g->pitch * g->height;
	fx->alloc = malloc((npx + g->misalign) * 4);
	assert_non_null(fx->alloc);
	fx->px = fx->alloc + g->misalign;
	for (size_t i = 0; i < npx; i++)
		fx->px[i] = SENTINEL;
	/* The loader clears the screen: black inside the cell grid. */
	uint32_t cols = g->width / g->font_w, rows = g->height / g->font_h;
	for (uint32_t y = 0; y < rows * g->font_h; y++)
		for (uint32_t x = 0; x < cols * g->font_w; x++)
			fx->px[(size_t)y * g->pitch + x] = 0;

	struct bootinfo_framebuffer info = {
		.base_phys = 0x80000000,
		.size = npx * 4,
		.width = g->width,
		.height = g->height,
		.pitch = g->pitch,
		.format = g->masks[0] == 0xff ? BOOTINFO_FB_RGBX : BOOTINFO_FB_BGRX,
		.red_mask = g->masks[0],
		.green_mask = g->masks[1],
		.blue_mask = g->masks[2],
		.reserved_mask = g->masks[3],
	};
	assert_int_equal(fb_init(&fx->fb, fx->px, &info, &fx->font), FB_OK);
	fb_set_palette(&fx->fb, term_default_palette, TERM_COLOURS);

	fx->ncells = g->ncells ? g->ncells : TERM_MAX_CELLS;
	fx->want = calloc(fx->ncells, sizeof(struct term_cell));
	fx->shown = calloc(fx->ncells, sizeof(struct term_cell));
	assert_non_null(fx->want);
	assert_non_null(fx->shown);
	struct term_backend backend = { counting_draw, fx };
	assert_int_equal(term_init(&fx->t, fx->fb.cols, fx->fb.rows, fx->want, fx->shown, fx->ncells,
	                           &backend),
	                 TERM_OK);
	fx->alt = calloc(fx->ncells, sizeof(struct term_cell));
	assert_non_null(fx->alt);
	term_set_alt_screen(&fx->t, fx->alt, fx->ncells);
	return fx;
}

/* 80x25 cells of 8x16 with padding: pitch > width and 8 spare pixel rows. */
static const struct geometry std_geometry = { 640, 408, 656, 8, 16, { BGRX_MASKS }, 0, 0 };

static int setup_std(void **state)
{
	*state = setup(&std_geometry);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	free(fx->font_blob);
	free(fx->alloc);
	free(fx->want);
	free(fx->shown);
	free(fx->alt);
	free(fx);
	return 0;
}

static void put(struct fixture *fx, const char *s)
{
	term_write(&fx->t, s, strlen(s));
}

static char glyph_at(struct fixture *fx, uint32_t col, uint32_t row)
{
	uint8_t g, fg, bg;
	assert_true(term_get_cell(&fx->t, col, row, &g, &fg, &bg));
	return (char)g;
}

/* Row `row` of the grid as text, trailing blanks removed. */
static const char *row_text(struct fixture *fx, uint32_t row)
{
	static char buf[TERM_MAX_COLS + 1];
	uint32_t n = 0;
	for (uint32_t x = 0; x < fx->t.cols; x++)
		buf[n++] = glyph_at(fx, x, row);
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = 0;
	return buf;
}

static void assert_cell(struct fixture *fx, uint32_t col, uint32_t row, uint8_t glyph,
                        uint8_t fg, uint8_t bg)
{
	uint8_t g, f, b;
	assert_true(term_get_cell(&fx->t, col, row, &g, &f, &b));
	assert_int_equal(g, glyph);
	assert_int_equal(f, fg);
	assert_int_equal(b, bg);
}

static void assert_cursor(struct fixture *fx, uint32_t col, uint32_t row)
{
	uint32_t c, r;
	term_get_cursor(&fx->t, &c, &r);
	assert_int_equal(c, col);
	assert_int_equal(r, row);
}

/* Independent pixel value: same scaling as fb.c only for 8-bit masks. */
static uint32_t expected_pixel(struct fixture *fx, uint8_t colour)
{
	uint32_t rgb = term_default_palette[colour];
	uint8_t r = (uint8_t)(rgb >> 16), g = (uint8_t)(rgb >> 8), b = (uint8_t)rgb;
	if (fx->fb.red_mask == 0xff)
		return (uint32_t)r | (uint32_t)g << 8 | (uint32_t)b << 16;
	return (uint32_t)b | (uint32_t)g << 8 | (uint32_t)r << 16;
}

/* Every pixel of the cell grid matches the cells (with the cursor cell
 * inverted when `cursor` is set); everything outside it is untouched. */
static void check_pixels_cursor(struct fixture *fx, bool cursor)
{
	uint32_t fw = fx->font.width, fh = fx->font.height;
	uint32_t cols = fx->fb.cols, rows = fx->fb.rows;
	uint32_t ccol, crow;
	term_get_cursor(&fx->t, &ccol, &crow);

	for (uint32_t row = 0; row < rows; row++) {
		for (uint32_t col = 0; col < cols; col++) {
			uint8_t g = ' ', fg = TERM_DEFAULT_FG, bg = TERM_DEFAULT_BG;
			if (col < fx->t.cols && row < fx->t.rows)
				term_get_cell(&fx->t, col, row, &g, &fg, &bg);
			if (cursor && col == ccol && row == crow) {
				uint8_t tmp = fg;
				fg = bg;
				bg = tmp;
			}
			uint32_t fgp = expected_pixel(fx, fg), bgp = expected_pixel(fx, bg);
			for (uint32_t y = 0; y < fh; y++) {
				for (uint32_t x = 0; x < fw; x++) {
					bool on = pattern(g, y, x / 8) & (0x80u >> (x % 8));
					uint32_t want = on ? fgp : bgp;
					uint32_t got = fx->px[(size_t)(row * fh + y) * fx->pitch + col * fw + x];
					if (got != want)
						fail_msg("cell (%u,%u) glyph 0x%02x pixel (%u,%u): got %08x want %08x",
						         col, row, g, x, y, got, want);
				}
			}
		}
	}
	for (uint32_t y = 0; y < fx->height; y++)
		for (uint32_t x = 0; x < fx->pitch; x++)
			if (y >= rows * fh || x >= cols * fw)
				assert_int_equal(fx->px[(size_t)y * fx->pitch + x], SENTINEL);
}

static void check_pixels(struct fixture *fx)
{
	check_pixels_cursor(fx, false);
}

static unsigned flush(struct fixture *fx)
{
	fx->draws = 0;
	term_flush(&fx->t);
	return fx->draws;
}

/* ---- plain text and control characters ---- */

static void test_plain_text(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(fx->t.cols, 80);
	assert_int_equal(fx->t.rows, 25);
	put(fx, "Hello, world");
	assert_string_equal(row_text(fx, 0), "Hello, world");
	assert_string_equal(row_text(fx, 1), "");
	assert_cursor(fx, 12, 0);
	assert_cell(fx, 0, 0, 'H', TERM_DEFAULT_FG, TERM_DEFAULT_BG);
	flush(fx);
	check_pixels(fx);
}

static void test_newline_cr_tab_backspace(void **state)
{
	struct fixture *fx = *state;
	put(fx, "ab\ncd");
	assert_string_equal(row_text(fx, 0), "ab");
	assert_string_equal(row_text(fx, 1), "cd");
	assert_cursor(fx, 2, 1); /* \n is CR+LF */

	put(fx, "\nhello\rJ");
	assert_string_equal(row_text(fx, 2), "Jello");
	assert_cursor(fx, 1, 2);

	put(fx, "\na\tb\tc");
	assert_string_equal(row_text(fx, 3), "a       b       c");
	assert_cursor(fx, 17, 3);
	put(fx, "\t\t\t\t\t\t\t\t\t\t");
	assert_cursor(fx, 79, 3); /* tabs stop at the last column */

	put(fx, "\nabc\b\bX");
	assert_string_equal(row_text(fx, 4), "aXc"); /* \b moves, does not erase */
	assert_cursor(fx, 2, 4);
	put(fx, "\b\b\b\b");
	assert_cursor(fx, 0, 4);

	/* Other controls show nothing. */
	put(fx, "\n\a\x01\x7f\x1a" "z");
	assert_string_equal(row_text(fx, 5), "z");
	flush(fx);
	check_pixels(fx);
}

static void test_wrap(void **state)
{
	struct fixture *fx = *state;
	char line[81];
	memset(line, 'x', 80);
	line[80] = 0;

	put(fx, line);
	/* The last column is written; the wrap waits for the next character. */
	assert_cursor(fx, 79, 0);
	put(fx, "y");
	assert_cursor(fx, 1, 1);
	assert_string_equal(row_text(fx, 0), line);
	assert_string_equal(row_text(fx, 1), "y");

	/* A full line followed by \n does not leave an empty line. */
	put(fx, "\n");
	put(fx, line);
	put(fx, "\nz");
	assert_string_equal(row_text(fx, 2), line);
	assert_string_equal(row_text(fx, 3), "z");

	/* \r at the pending wrap returns to the same line. */
	put(fx, "\n");
	put(fx, line);
	put(fx, "\rQ");
	assert_cell(fx, 0, 4, 'Q', TERM_DEFAULT_FG, TERM_DEFAULT_BG);
	assert_cell(fx, 1, 4, 'x', TERM_DEFAULT_FG, TERM_DEFAULT_BG);
	assert_string_equal(row_text(fx, 5), "");

	/* A long string wraps over several lines. */
	put(fx, "\n");
	for (int i = 0; i < 3; i++)
		put(fx, "0123456789012345678901234567890123456789012345678901234567890123456789");
	assert_string_equal(row_text(fx, 6), "01234567890123456789012345678901234567890123456789"
	                                     "012345678901234567890123456789");
	assert_string_equal(row_text(fx, 7), "0123456789012345678901234567890123456789"
	                                     "0123456789");
	assert_cursor(fx, 50, 7);

	/* \b at a pending wrap moves back from the last column. */
	put(fx, "\n");
	put(fx, line);
	put(fx, "\bR");
	assert_cell(fx, 78, 8, 'R', TERM_DEFAULT_FG, TERM_DEFAULT_BG);
	assert_cell(fx, 79, 8, 'x', TERM_DEFAULT_FG, TERM_DEFAULT_BG);
	assert_cursor(fx, 79, 8);
	assert_string_equal(row_text(fx, 9), "");
	flush(fx);
	check_pixels(fx);
}

static void test_scroll(void **state)
{
	struct fixture *fx = *state;
	char buf[64];

	for (int i = 0; i < 30; i++) {
		snprintf(buf, sizeof(buf), "line %d\n", i);
		put(fx, buf);
	}
	/* 30 lines and a final \n: lines 6..29 on rows 0..23, row 24 empty. */
	assert_string_equal(row_text(fx, 0), "line 6");
	assert_string_equal(row_text(fx, 23), "line 29");
	assert_string_equal(row_text(fx, 24), "");
	assert_cursor(fx, 0, 24);
	flush(fx);
	check_pixels(fx);

	/* Many screens, flushing now and then, in colour. */
	for (int i = 0; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "\x1b[%dmrow %d of many\x1b[0m\n", 31 + i % 7, i);
		put(fx, buf);
		if (i % 37 == 0)
			flush(fx);
	}
	assert_string_equal(row_text(fx, 0), "row 976 of many");
	assert_string_equal(row_text(fx, 23), "row 999 of many");
	assert_cell(fx, 0, 23, 'r', 1 + 999 % 7, 0);
	flush(fx);
	check_pixels(fx);

	/* Scrolled-in lines are blank, and erased in the current background. */
	put(fx, "\x1b[44m\n\x1b[0m");
	assert_cell(fx, 5, 24, ' ', TERM_DEFAULT_FG, 4);
	flush(fx);
	check_pixels(fx);
}

static void test_scroll_draws_only_changes(void **state)
{
	struct fixture *fx = *state;
	/* A screen of identical lines: scrolling changes nothing visible, so
	 * once the screen is full a flush draws only what really differs. */
	for (int i = 0; i < 23; i++)
		put(fx, "same\n");
	assert_int_equal(flush(fx), 23 * 4);
	put(fx, "same\n");
	assert_int_equal(flush(fx), 4); /* row 23 gained "same", no scroll yet */
	put(fx, "same\n");
	assert_int_equal(flush(fx), 0); /* scrolled: every row looks the same */
	put(fx, "diff\n");
	/* Row 23 changes from "same" to "diff"; nothing else. */
	assert_int_equal(flush(fx), 4);
	put(fx, "same\n");
	/* "diff" moved up a row: row 22 "same" -> "diff", row 23 back. */
	assert_int_equal(flush(fx), 8);
	check_pixels(fx);
}

/* ---- colours ---- */

static void test_sgr_colours(void **state)
{
	struct fixture *fx = *state;
	put(fx, "\x1b[31mR\x1b[0mN\x1b[1;32mG\x1b[22mg\x1b[44;93mY\x1b[39;49mD"
	        "\x1b[101mB\x1b[1mb\x1b[mx\x1b[1m\x1b[39mW\x1b[97;100mw\x1b[0;47;30mk");
	assert_cell(fx, 0, 0, 'R', 1, 0);
	assert_cell(fx, 1, 0, 'N', 7, 0);
	assert_cell(fx, 2, 0, 'G', 10, 0);  /* bold makes the foreground bright */
	assert_cell(fx, 3, 0, 'g', 2, 0);   /* 22: normal intensity */
	assert_cell(fx, 4, 0, 'Y', 11, 4);
	assert_cell(fx, 5, 0, 'D', 7, 0);
	assert_cell(fx, 6, 0, 'B', 7, 9);
	assert_cell(fx, 7, 0, 'b', 15, 9);
	assert_cell(fx, 8, 0, 'x', 7, 0);   /* ESC[m is ESC[0m */
	assert_cell(fx, 9, 0, 'W', 15, 0);  /* bold default foreground: white */
	assert_cell(fx, 10, 0, 'w', 15, 8);
	assert_cell(fx, 11, 0, 'k', 0, 7);
	flush(fx);
	check_pixels(fx);

	/* Read colours off the pixels: '#' is solid, ' ' shows the background. */
	put(fx, "\r\x1b[0m\x1b[36;41m# ");
	flush(fx);
	assert_int_equal(fx->px[0], expected_pixel(fx, 6));
	assert_int_equal(fx->px[0], 0x0000aaaa); /* BGRX: cyan 0x00aaaa */
	assert_int_equal(fx->px[8 + 5 * fx->pitch], expected_pixel(fx, 1));
	assert_int_equal(fx->px[8 + 5 * fx->pitch], 0x00aa0000);
	check_pixels(fx);
}

static void test_sgr_parameters(void **state)
{
	struct fixture *fx = *state;
	/* Empty parameters are 0, so ";31" resets then sets red. */
	put(fx, "\x1b[1;44m\x1b[;31mA");
	assert_cell(fx, 0, 0, 'A', 1, 0);
	put(fx, "\x1b[31;mB");
	assert_cell(fx, 1, 0, 'B', 7, 0);
	/* 256-colour and true-colour forms map to the nearest palette colour
	 * (colour 32 is #0087d7: cyan; #292a2b: black) and do not leak their
	 * arguments; a form cut short ends the list. */
	put(fx, "\x1b[38;5;32mC\x1b[48;2;41;42;43mD\x1b[38;5mE\x1b[0;38mF\x1b[35;38;2;1m" "G");
	assert_cell(fx, 2, 0, 'C', 6, 0);
	assert_cell(fx, 3, 0, 'D', 6, 0);
	assert_cell(fx, 4, 0, 'E', 6, 0); /* "38;5": nothing changes */
	assert_cell(fx, 5, 0, 'F', 7, 0);
	assert_cell(fx, 6, 0, 'G', 5, 0);
	/* Inverse swaps, including for spaces. */
	put(fx, "\x1b[0;7;31mH \x1b[27mI");
	assert_cell(fx, 7, 0, 'H', 0, 1);
	assert_cell(fx, 8, 0, ' ', 7, 1);
	assert_cell(fx, 9, 0, 'I', 1, 0);
	/* Unknown SGR codes are ignored; later ones still apply. */
	put(fx, "\x1b[0;4;5;53;32mJ");
	assert_cell(fx, 10, 0, 'J', 2, 0);
	/* Many parameters: only the first TERM_MAX_PARAMS count. */
	put(fx, "\x1b[0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;33;34;35;36mK");
	assert_cell(fx, 11, 0, 'K', 3, 0);
	flush(fx);
	check_pixels(fx);
}

/* ---- cursor movement and erasing ---- */

static void test_cursor_position(void **state)
{
	struct fixture *fx = *state;
	put(fx, "\x1b[5;10HX");
	assert_cell(fx, 9, 4, 'X', 7, 0);
	assert_cursor(fx, 10, 4);
	put(fx, "\x1b[HY");
	assert_cell(fx, 0, 0, 'Y', 7, 0);
	put(fx, "\x1b[99;999H");
	assert_cursor(fx, 79, 24);
	put(fx, "\x1b[0;0H");
	assert_cursor(fx, 0, 0);
	put(fx, "\x1b[3H");
	assert_cursor(fx, 0, 2);
	put(fx, "\x1b[;7H");
	assert_cursor(fx, 6, 0);
	put(fx, "\x1b[2B\x1b[3C");
	assert_cursor(fx, 9, 2);
	put(fx, "\x1b[A\x1b[100D");
	assert_cursor(fx, 0, 1);
	put(fx, "\x1b[100A\x1b[100C\x1b[100B");
	assert_cursor(fx, 79, 24);
	put(fx, "\x1b[20G");
	assert_cursor(fx, 19, 24);

	/* Positioning cancels a pending wrap. */
	put(fx, "\x1b[1;80HZ\x1b[2;1HW");
	assert_cell(fx, 79, 0, 'Z', 7, 0);
	assert_cell(fx, 0, 1, 'W', 7, 0);
	assert_string_equal(row_text(fx, 2), "");
	flush(fx);
	check_pixels(fx);
}

static void test_erase(void **state)
{
	struct fixture *fx = *state;
	put(fx, "0123456789\n0123456789\n0123456789\n0123456789");
	put(fx, "\x1b[1;4H\x1b[K");
	assert_string_equal(row_text(fx, 0), "012");
	assert_cursor(fx, 3, 0); /* erasing does not move the cursor */
	put(fx, "\x1b[2;4H\x1b[1K");
	assert_string_equal(row_text(fx, 1), "    456789");
	put(fx, "\x1b[3;4H\x1b[2K");
	assert_string_equal(row_text(fx, 2), "");
	put(fx, "\x1b[4;4H\x1b[0K");
	assert_string_equal(row_text(fx, 3), "012");
	flush(fx);
	check_pixels(fx);

	/* Erase uses the current background. */
	put(fx, "\x1b[1;1H\x1b[42m\x1b[K\x1b[0m");
	assert_cell(fx, 50, 0, ' ', 7, 2);
	flush(fx);
	check_pixels(fx);

	put(fx, "\x1b[2;5H\x1b[J");
	assert_string_equal(row_text(fx, 1), "");
	assert_cell(fx, 0, 0, ' ', 7, 2);
	put(fx, "abc\x1b[1;2H\x1b[1J");
	assert_cell(fx, 1, 0, ' ', 7, 0);
	assert_cell(fx, 2, 0, ' ', 7, 2);

	put(fx, "\x1b[5;5Hjunk\x1b[2J");
	for (uint32_t y = 0; y < 25; y++)
		assert_string_equal(row_text(fx, y), "");
	assert_cursor(fx, 8, 4); /* ESC[2J leaves the cursor alone */
	flush(fx);
	check_pixels(fx);

	/* ESC c resets everything. */
	put(fx, "\x1b[31mred\x1b" "cA");
	assert_cell(fx, 0, 0, 'A', 7, 0);
	assert_string_equal(row_text(fx, 4), "");
	flush(fx);
	check_pixels(fx);
}

/* ---- the VT100/xterm subset full-screen programs use ---- */

/* "row N" on each of the 25 rows, cursor left at (0, 0). */
static void fill_rows(struct fixture *fx)
{
	char buf[32];
	for (int y = 0; y < 25; y++) {
		snprintf(buf, sizeof(buf), "\x1b[%d;1Hrow %d", y + 1, y);
		put(fx, buf);
	}
	put(fx, "\x1b[H");
}

static void assert_row(struct fixture *fx, uint32_t row, const char *text)
{
	assert_string_equal(row_text(fx, row), text);
}

/* Take the queued answers as a string. */
static const char *reply(struct fixture *fx)
{
	static char buf[TERM_REPLY_MAX + 1];
	size_t n = term_take_reply(&fx->t, buf, TERM_REPLY_MAX);
	buf[n] = 0;
	return buf;
}

static void test_cursor_sequences(void **state)
{
	struct fixture *fx = *state;
	put(fx, "\x1b[10;10H\x1b[3d"); /* VPA: row 3, column kept */
	assert_cursor(fx, 9, 2);
	put(fx, "\x1b[40`"); /* HPA */
	assert_cursor(fx, 39, 2);
	put(fx, "\x1b[2E"); /* CNL: down 2, column 0 */
	assert_cursor(fx, 0, 4);
	put(fx, "\x1b[5C\x1b[F"); /* CPL: up 1, column 0 */
	assert_cursor(fx, 0, 3);
	put(fx, "\x1b[99F");
	assert_cursor(fx, 0, 0);
	put(fx, "\x1b[99E");
	assert_cursor(fx, 0, 24);
	put(fx, "\x1b[3a\x1b[H\x1b[2e"); /* HPR, VPR */
	assert_cursor(fx, 0, 2);
	put(fx, "\x1b[4a");
	assert_cursor(fx, 4, 2);
	put(fx, "\x1b[999d\x1b[0d");
	assert_cursor(fx, 4, 0);
	put(fx, "\x1b[7;9f"); /* HVP */
	assert_cursor(fx, 8, 6);
	/* A pending wrap ends with any cursor motion. */
	put(fx, "\x1b[1;80Hx\x1b[3dy");
	assert_cell(fx, 79, 2, 'y', 7, 0);
	assert_cursor(fx, 79, 2);
	flush(fx);
	check_pixels(fx);
}

static void test_erase_characters(void **state)
{
	struct fixture *fx = *state;
	put(fx, "0123456789\x1b[1;3H\x1b[4X"); /* ECH: 4 cells from the cursor */
	assert_row(fx, 0, "01    6789");
	assert_cursor(fx, 2, 0);
	put(fx, "\x1b[1;78H\x1b[99X"); /* stops at the end of the line */
	assert_row(fx, 0, "01    6789");
	put(fx, "\x1b[44m\x1b[1;1H\x1b[X\x1b[0m"); /* one cell, in the background */
	assert_cell(fx, 0, 0, ' ', 7, 4);
	assert_cell(fx, 1, 0, '1', 7, 0);
	/* ED 1 and EL 1 include the cursor's cell. */
	put(fx, "\x1b[2;1Habcdef\x1b[2;3H\x1b[1K");
	assert_row(fx, 1, "   def");
	flush(fx);
	check_pixels(fx);
}

static void test_scroll_region(void **state)
{
	struct fixture *fx = *state;
	fill_rows(fx);
	put(fx, "\x1b[5;10Hxx\x1b[3;6r"); /* rows 3-6 (1-based); cursor home */
	assert_cursor(fx, 0, 0);
	/* LF at the bottom margin scrolls the region only. */
	put(fx, "\x1b[6;1H\nnew");
	assert_row(fx, 0, "row 0");
	assert_row(fx, 1, "row 1");
	assert_row(fx, 2, "row 3");
	assert_row(fx, 3, "row 4    xx");
	assert_row(fx, 4, "row 5");
	assert_row(fx, 5, "new");
	assert_row(fx, 6, "row 6");
	assert_row(fx, 24, "row 24");
	assert_cursor(fx, 3, 5);
	flush(fx);
	check_pixels(fx);
	/* Below the region, LF moves down to the last row and stops there. */
	put(fx, "\x1b[24;1H\n\n\nlast");
	assert_cursor(fx, 4, 24);
	assert_row(fx, 24, "last24");
	assert_row(fx, 23, "row 23");
	/* RI at the top margin scrolls the region down. */
	put(fx, "\x1b[3;1H\x1bMtop");
	assert_row(fx, 1, "row 1");
	assert_row(fx, 2, "top");
	assert_row(fx, 3, "row 3");
	assert_row(fx, 5, "row 5");
	assert_row(fx, 6, "row 6");
	/* Above the region RI moves up and stops at row 0. */
	put(fx, "\x1b[2;1H\x1bM\x1bM");
	assert_cursor(fx, 0, 0);
	assert_row(fx, 0, "row 0");
	/* SU and SD scroll the region by n. */
	put(fx, "\x1b[2S");
	assert_row(fx, 2, "row 4    xx");
	assert_row(fx, 3, "row 5");
	assert_row(fx, 4, "");
	assert_row(fx, 5, "");
	put(fx, "\x1b[T");
	assert_row(fx, 2, "");
	assert_row(fx, 3, "row 4    xx");
	assert_row(fx, 6, "row 6");
	flush(fx);
	check_pixels(fx);
	/* An invalid region is ignored (cursor kept); ESC[r is the whole screen. */
	put(fx, "\x1b[10;5H\x1b[6;6r\x1b[9;30r");
	assert_cursor(fx, 4, 9);
	put(fx, "\x1b[r\x1b[25;1H\nend");
	assert_row(fx, 0, "row 1");
	assert_row(fx, 24, "end");
	flush(fx);
	check_pixels(fx);
}

static void test_index_sequences(void **state)
{
	struct fixture *fx = *state;
	put(fx, "abc\x1b" "Ddef"); /* IND: down, column kept */
	assert_row(fx, 0, "abc");
	assert_row(fx, 1, "   def");
	put(fx, "\x1b" "Eghi"); /* NEL: CR LF */
	assert_row(fx, 2, "ghi");
	put(fx, "\x1b[25;5H\x1b" "Dz"); /* IND at the bottom scrolls */
	assert_row(fx, 24, "    z");
	assert_row(fx, 0, "   def");
	put(fx, "\x1b[H\x1bMtop"); /* RI at the top scrolls down */
	assert_row(fx, 0, "top");
	assert_row(fx, 1, "   def");
	assert_row(fx, 24, "");
	flush(fx);
	check_pixels(fx);
}

static void test_insert_delete(void **state)
{
	struct fixture *fx = *state;
	fill_rows(fx);
	put(fx, "\x1b[3;4H\x1b[2L"); /* IL: two blank rows at row 2 */
	assert_row(fx, 1, "row 1");
	assert_row(fx, 2, "");
	assert_row(fx, 3, "");
	assert_row(fx, 4, "row 2");
	assert_row(fx, 24, "row 22");
	assert_cursor(fx, 3, 2);
	put(fx, "\x1b[3M"); /* DL: rows 2-4 go, blank rows at the bottom */
	assert_row(fx, 2, "row 3");
	assert_row(fx, 21, "row 22");
	assert_row(fx, 22, "");
	assert_row(fx, 24, "");
	flush(fx);
	check_pixels(fx);
	/* Inside a region, IL/DL move only the rows down to its bottom. */
	fill_rows(fx);
	put(fx, "\x1b[5;8r\x1b[6;1H\x1b[L");
	assert_row(fx, 4, "row 4");
	assert_row(fx, 5, "");
	assert_row(fx, 6, "row 5");
	assert_row(fx, 7, "row 6");
	assert_row(fx, 8, "row 8");
	put(fx, "\x1b[99M");
	assert_row(fx, 5, "");
	assert_row(fx, 7, "");
	assert_row(fx, 8, "row 8");
	/* Outside the region they do nothing. */
	put(fx, "\x1b[2;1H\x1b[L\x1b[M");
	assert_row(fx, 1, "row 1");
	assert_row(fx, 2, "row 2");
	put(fx, "\x1b[r");
	/* ICH and DCH shift the rest of the line. */
	put(fx, "\x1b[1;1H\x1b[2K0123456789\x1b[1;3H\x1b[2@");
	assert_row(fx, 0, "01  23456789");
	put(fx, "\x1b[3P");
	assert_row(fx, 0, "013456789");
	put(fx, "\x1b[1;79H\x1b[5@ab");
	assert_cell(fx, 78, 0, 'a', 7, 0);
	assert_cell(fx, 79, 0, 'b', 7, 0);
	put(fx, "\x1b[1;1H\x1b[100P");
	assert_row(fx, 0, "");
	/* Characters pushed off the end are gone. */
	put(fx, "\x1b[2;1H\x1b[2K");
	for (int i = 0; i < 8; i++)
		put(fx, "0123456789");
	put(fx, "\x1b[2;1H\x1b[@\x1b[P");
	assert_cell(fx, 79, 1, ' ', 7, 0);
	assert_cell(fx, 78, 1, '8', 7, 0);
	flush(fx);
	check_pixels(fx);
}

static void test_save_restore(void **state)
{
	struct fixture *fx = *state;
	put(fx, "\x1b[5;6H\x1b[1;31m\x1b" "7\x1b[0m\x1b[H\x1b" "8X");
	assert_cell(fx, 5, 4, 'X', 9, 0); /* position and colours back */
	put(fx, "\x1b[0m\x1b[10;20H\x1b[s\x1b[42m\x1b[Hq\x1b[uY");
	assert_cell(fx, 19, 9, 'Y', 7, 0);
	/* Restore without a save: home, default colours. */
	fx->t.saved[0] = (struct term_saved){ 0, 0, TERM_DEFAULT_FG, TERM_DEFAULT_BG, false, false };
	put(fx, "\x1b[31m\x1b[u");
	assert_cursor(fx, 0, 0);
	put(fx, "Z");
	assert_cell(fx, 0, 0, 'Z', 7, 0);
	flush(fx);
	check_pixels(fx);
}

static void test_alt_screen(void **state)
{
	struct fixture *fx = *state;
	fill_rows(fx);
	put(fx, "\x1b[7;3H");
	flush(fx);
	/* 1049: cursor saved, a cleared alternate screen. */
	put(fx, "\x1b[?1049h");
	for (uint32_t y = 0; y < 25; y++)
		assert_row(fx, y, "");
	assert_cursor(fx, 2, 6);
	put(fx, "\x1b[Hvi screen\x1b[10;1Hline 10");
	flush(fx);
	check_pixels(fx);
	put(fx, "\x1b[?1049l");
	assert_row(fx, 0, "row 0");
	assert_row(fx, 9, "row 9");
	assert_cursor(fx, 2, 6);
	flush(fx);
	check_pixels(fx);
	/* Back into it: cleared again. */
	put(fx, "\x1b[?1049h");
	assert_row(fx, 0, "");
	put(fx, "\x1b[?1049l");
	/* 47 keeps the alternate screen's contents; 1047 clears them on the
	 * way out. */
	put(fx, "\x1b[?47h\x1b[Halt");
	put(fx, "\x1b[?47l");
	assert_row(fx, 0, "row 0");
	put(fx, "\x1b[?47h");
	assert_row(fx, 0, "alt");
	put(fx, "\x1b[?1047l\x1b[?1047h");
	assert_row(fx, 0, "");
	put(fx, "\x1b[?1047l");
	assert_row(fx, 3, "row 3");
	/* Scrolling on the alternate screen leaves the main one alone. */
	put(fx, "\x1b[?1049h\x1b[25;1H\n\n\nx\x1b[?1049l");
	assert_row(fx, 0, "row 0");
	assert_row(fx, 24, "row 24");
	/* ESC c goes back to the main screen. */
	put(fx, "\x1b[?1049h\x1b" "c");
	assert_true(fx->t.scr == &fx->t.screens[0]);
	flush(fx);
	check_pixels(fx);
}

static void test_alt_screen_without_storage(void **state)
{
	(void)state;
	struct fixture *fx = setup(&std_geometry);
	struct term_backend backend = { counting_draw, fx };
	assert_int_equal(term_init(&fx->t, 80, 25, fx->want, fx->shown, fx->ncells, &backend),
	                 TERM_OK);
	term_set_alt_screen(&fx->t, fx->alt, 80 * 24); /* too small: ignored */
	put(fx, "main\x1b[?1049hstill");
	assert_row(fx, 0, "mainstill");
	put(fx, "\x1b[?1049l\x1b[?47h\x1b[?1047l");
	assert_row(fx, 0, "mainstill");
	void *p = fx;
	teardown(&p);
}

static void test_autowrap_mode(void **state)
{
	struct fixture *fx = *state;
	char line[81];
	memset(line, 'x', 80);
	line[80] = 0;
	put(fx, "\x1b[?7l");
	put(fx, line);
	put(fx, "abc");
	assert_cursor(fx, 79, 0);
	assert_cell(fx, 79, 0, 'c', 7, 0); /* overwrites the last column */
	assert_row(fx, 1, "");
	put(fx, "\xc3\xa9"); /* the slow path too */
	assert_cell(fx, 79, 0, 0xe9, 7, 0);
	put(fx, "\x1b[?7h\rQ");
	put(fx, line + 1);
	assert_cursor(fx, 79, 0);
	put(fx, "w");
	assert_cell(fx, 0, 1, 'w', 7, 0);
	/* Turning autowrap off cancels a pending wrap. */
	put(fx, "\x1b[3;1H");
	put(fx, line);
	put(fx, "\x1b[?7lz");
	assert_cell(fx, 79, 2, 'z', 7, 0);
	assert_row(fx, 3, "");
	flush(fx);
	check_pixels(fx);
}

static void test_newline_mode(void **state)
{
	struct fixture *fx = *state;
	put(fx, "ab\ncd"); /* LNM on by default: LF is CR LF */
	assert_cursor(fx, 2, 1);
	put(fx, "\x1b[20l\nef\x0bg\x0ch"); /* off: LF, VT, FF keep the column */
	assert_row(fx, 2, "  ef");
	assert_row(fx, 3, "    g");
	assert_row(fx, 4, "     h");
	put(fx, "\x1b[20h\nij");
	assert_row(fx, 5, "ij");
	put(fx, "\x1b[20l\x1b" "cx\ny"); /* ESC c turns it back on */
	assert_row(fx, 1, "y");
	flush(fx);
	check_pixels(fx);
}

static void test_tab_stops(void **state)
{
	struct fixture *fx = *state;
	put(fx, "\t");
	assert_cursor(fx, 8, 0);
	put(fx, "\x1b[3G\x1bH\x1b[1G\t"); /* HTS at column 2 */
	assert_cursor(fx, 2, 0);
	put(fx, "\t");
	assert_cursor(fx, 8, 0);
	put(fx, "\x1b[g\x1b[1G\t\t"); /* TBC 0: the stop at column 8 goes */
	assert_cursor(fx, 16, 0);
	put(fx, "\x1b[3g\x1b[1G\t"); /* TBC 3: all stops go */
	assert_cursor(fx, 79, 0);
	put(fx, "\x1b" "c\x1b[5G\t"); /* ESC c brings the defaults back */
	assert_cursor(fx, 8, 0);
	put(fx, "\x1b[80G\x1bH\x1b[79G\t");
	assert_cursor(fx, 79, 0);
}

static void test_replies(void **state)
{
	struct fixture *fx = *state;
	assert_string_equal(reply(fx), "");
	put(fx, "\x1b[6n");
	assert_string_equal(reply(fx), "\x1b[1;1R");
	put(fx, "\x1b[12;34H\x1b[6n\x1b[5n");
	assert_string_equal(reply(fx), "\x1b[12;34R\x1b[0n");
	put(fx, "\x1b[25;80H\x1b[c\x1b[6n");
	assert_string_equal(reply(fx), "\x1b[?6c\x1b[25;80R");
	/* A pending wrap reports the last column, as the cursor is there. */
	put(fx, "\x1b[1;80Hx\x1b[6n");
	assert_string_equal(reply(fx), "\x1b[1;80R");
	/* Private and unknown forms answer nothing. */
	put(fx, "\x1b[?6n\x1b[7n\x1b[>c\x1b[1c");
	assert_string_equal(reply(fx), "");
	/* Taken in pieces, oldest first; a full queue drops whole answers. */
	put(fx, "\x1b[H\x1b[6n");
	char buf[4];
	assert_int_equal(term_take_reply(&fx->t, buf, 3), 3);
	assert_memory_equal(buf, "\x1b[1", 3);
	assert_string_equal(reply(fx), ";1R");
	for (int i = 0; i < 20; i++)
		put(fx, "\x1b[6n");
	const char *r = reply(fx);
	assert_int_equal(strlen(r), 64 / 6 * 6);
	assert_string_equal(reply(fx), "");
}

static void test_colour256(void **state)
{
	struct fixture *fx = *state;
	/* 0-15 are the palette; the cube and the greys map to the nearest
	 * colour: 196 (#ff0000) is red (#aa0000 is nearer than #ff5555), 203
	 * (#ff5f5f) bright red, 21 (#0000ff) blue, 16 black, 231 white, 240
	 * (#585858) dark grey, 250 (#bcbcbc) light grey; a number past 255
	 * counts as 255 (#eeeeee, white). */
	put(fx, "\x1b[38;5;3ma\x1b[38;5;12mb\x1b[38;5;196mc\x1b[38;5;21md\x1b[38;5;16;48;5;231me"
	        "\x1b[0;38;5;240mf\x1b[38;5;250mg\x1b[38;2;250;250;0mh\x1b[48;5;9999mi"
	        "\x1b[38;5;203mj");
	assert_cell(fx, 0, 0, 'a', 3, 0);
	assert_cell(fx, 1, 0, 'b', 12, 0);
	assert_cell(fx, 2, 0, 'c', 1, 0);
	assert_cell(fx, 3, 0, 'd', 4, 0);
	assert_cell(fx, 4, 0, 'e', 0, 15);
	assert_cell(fx, 5, 0, 'f', 8, 0);
	assert_cell(fx, 6, 0, 'g', 7, 0);
	assert_cell(fx, 7, 0, 'h', 11, 0);
	assert_cell(fx, 8, 0, 'i', 11, 15);
	assert_cell(fx, 9, 0, 'j', 9, 15);
	put(fx, "\x1b[0m\r");
	/* Bold brightens 0-7 only; 21 ends bold as 22 does. */
	put(fx, "\x1b[0;1;38;5;4mj\x1b[21mk");
	assert_cell(fx, 0, 0, 'j', 12, 0);
	assert_cell(fx, 1, 0, 'k', 4, 0);
	flush(fx);
	check_pixels(fx);
}


/* ---- parser robustness ---- */

static void test_escape_split_and_truncated(void **state)
{
	struct fixture *fx = *state;
	/* A sequence split across writes still works. */
	put(fx, "\x1b");
	put(fx, "[3");
	put(fx, "1mA");
	assert_cell(fx, 0, 0, 'A', 1, 0);
	put(fx, "\x1b[0m");

	/* A truncated sequence followed by a newline: the newline cancels it
	 * and is processed, the text after it is printed normally. */
	put(fx, "\x1b[31\nhello");
	assert_string_equal(row_text(fx, 1), "hello");
	assert_cell(fx, 0, 1, 'h', 7, 0);

	/* ESC inside a sequence restarts it. */
	put(fx, "\n\x1b[4\x1b[32mB");
	assert_cell(fx, 0, 2, 'B', 2, 0);
	put(fx, "\x1b[0m");

	/* Unknown sequences are swallowed whole. */
	put(fx, "\n\x1b[5nC\x1b[?1hD\x1b(BE\x1b#8F\x1b" "7G\x1b[1 qH\x1b[1:2mI\x1b[=5mJ");
	assert_string_equal(row_text(fx, 3), "CDEFGHIJ");
	assert_cell(fx, 0, 3, 'C', 7, 0);
	assert_cell(fx, 7, 3, 'J', 7, 0);

	/* Control strings are swallowed up to BEL or ST, and cancelled by a
	 * newline rather than eating the log. */
	put(fx, "\n\x1b]0;window title\aK\x1b]2;x\x1b\\L\x1bPdata\x1b\\M\x1b]0;oops\nN");
	assert_string_equal(row_text(fx, 4), "KLM");
	assert_string_equal(row_text(fx, 5), "N");

	/* Parameter overflow is clamped, not wrapped. */
	put(fx, "\x1b[99999999999999999999999999;99999999999999999999Hz");
	assert_cell(fx, 79, 24, 'z', 7, 0);
	put(fx, "\x1b[4294967297;2H");
	assert_cursor(fx, 1, 24);
	/* Too many parameters are dropped, including their digits. */
	put(fx, "\x1b[1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;31mO");
	assert_cell(fx, 1, 24, 'O', 15, 0);
	put(fx, "\x1b[0m");

	/* DECTCEM, alone or among other private modes; not without the '?'. */
	put(fx, "\x1b[?25h");
	assert_true(fx->t.cursor_visible);
	put(fx, "\x1b[?25l");
	assert_false(fx->t.cursor_visible);
	put(fx, "\x1b[25h");
	assert_false(fx->t.cursor_visible);
	put(fx, "\x1b[?1;25h");
	assert_true(fx->t.cursor_visible);
	put(fx, "\x1b[?25l");
	flush(fx);
	check_pixels(fx);
}

static void test_garbage(void **state)
{
	struct fixture *fx = *state;
	/* Random bytes biased towards the parser's interesting ones. */
	static const char interesting[] = "\x1b[;?0123456789mHJKABCDfGc\n\r\t\b\a]P\\:<> \x7f";
	uint32_t seed = 12345;
	char buf[4096];

	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245u + 12345u;
			uint32_t r = seed >> 16;
			buf[i] = r & 1 ? interesting[(r >> 1) % (sizeof(interesting) - 1)]
			               : (char)(r >> 3);
		}
		term_write(&fx->t, buf, sizeof(buf));
		uint32_t c, r;
		term_get_cursor(&fx->t, &c, &r);
		assert_true(c < fx->t.cols && r < fx->t.rows);
		if (round % 16 == 0) {
			flush(fx);
			check_pixels_cursor(fx, fx->t.cursor_visible);
		}
	}
	/* Garbage leaves the terminal usable: cancel, reset, print. */
	put(fx, "\x18\x1b[0m\x1b[?25l\x1b[2J\x1b[Hok");
	assert_string_equal(row_text(fx, 0), "ok");
	assert_cell(fx, 0, 0, 'o', 7, 0);
	for (uint32_t y = 1; y < 25; y++)
		assert_string_equal(row_text(fx, y), "");
	flush(fx);
	check_pixels(fx);
}

static void test_utf8(void **state)
{
	struct fixture *fx = *state;
	const uint8_t r = TERM_GLYPH_REPLACEMENT;

	put(fx, "caf\xc3\xa9 \xc2\xb5s");
	assert_cell(fx, 3, 0, 0xe9, 7, 0);
	assert_cell(fx, 5, 0, 0xb5, 7, 0);
	put(fx, "\n\xe2\x82\xac|\xf0\x9f\x98\x80|\xff|\xc0\xaf|\xe0\x80\xaf|\xed\xa0\x80|\xc3" "A|\xc2\x85|");
	/* euro, emoji: outside Latin-1; 0xff: invalid; c0 af: invalid lead and a
	 * stray continuation; e0 80 af: overlong; ed a0 80: surrogate; c3 A: cut
	 * short; c2 85: a C1 control, invisible. */
	const uint8_t want[] = { r, '|', r, '|', r, '|', r, r, '|', r, '|', r, '|', r, 'A', '|', '|' };
	for (size_t i = 0; i < sizeof(want); i++)
		assert_int_equal((uint8_t)glyph_at(fx, (uint32_t)i, 1), want[i]);
	/* An escape interrupting a sequence. */
	put(fx, "\n\xc3\x1b[31mB");
	assert_cell(fx, 0, 2, r, 7, 0);
	assert_cell(fx, 1, 2, 'B', 1, 0);
	flush(fx);
	check_pixels(fx);
}

/* ---- drawing only what changed ---- */

static void test_draws_only_changes(void **state)
{
	struct fixture *fx = *state;
	/* Nothing to draw on a fresh terminal. */
	assert_int_equal(flush(fx), 0);
	put(fx, "hello world");
	assert_int_equal(flush(fx), 10); /* the space matches the blank screen */
	assert_int_equal(flush(fx), 0);
	put(fx, "\rhello world");
	assert_int_equal(flush(fx), 0);
	put(fx, "\rjello");
	assert_int_equal(flush(fx), 1);
	put(fx, "\x1b[31m\rj");
	assert_int_equal(flush(fx), 1); /* colour change */
	put(fx, "\r\x1b[2K");
	assert_int_equal(flush(fx), 10);
	assert_int_equal(flush(fx), 0);
	check_pixels(fx);

	/* Writes between flushes cost one draw per changed cell in the end. */
	for (int i = 0; i < 100; i++)
		put(fx, "\rabc");
	assert_int_equal(flush(fx), 3);
	/* Text that changes and changes back draws nothing. */
	put(fx, "\rxyz\rabc");
	assert_int_equal(flush(fx), 0);
	check_pixels(fx);
}

static void test_init_touches_nothing(void **state)
{
	(void)state;
	/* A screen full of sentinel: init and an empty flush must not draw. */
	struct fixture *fx = setup(&std_geometry);
	for (size_t i = 0; i < (size_t)fx->pitch * fx->height; i++)
		fx->px[i] = SENTINEL;
	struct term_cell *w = fx->want, *s = fx->shown;
	struct term_backend backend = { counting_draw, fx };
	assert_int_equal(term_init(&fx->t, 80, 25, w, s, fx->ncells, &backend), TERM_OK);
	assert_int_equal(flush(fx), 0);
	for (size_t i = 0; i < (size_t)fx->pitch * fx->height; i++)
		assert_int_equal(fx->px[i], SENTINEL);
	struct term_cell zero = { 0, 0 };
	for (size_t i = 0; i < fx->ncells; i++) {
		assert_memory_equal(&w[i], &zero, sizeof(zero));
		assert_memory_equal(&s[i], &zero, sizeof(zero));
	}
	void *p = fx;
	teardown(&p);
}

static void test_cursor_visible(void **state)
{
	struct fixture *fx = *state;
	term_set_cursor_visible(&fx->t, true);
	assert_int_equal(flush(fx), 1);
	check_pixels_cursor(fx, true);
	put(fx, "a");
	assert_int_equal(flush(fx), 2); /* 'a' drawn, cursor moved on */
	check_pixels_cursor(fx, true);
	put(fx, "\n");
	assert_int_equal(flush(fx), 2);
	check_pixels_cursor(fx, true);
	assert_int_equal(flush(fx), 0);
	term_set_cursor_visible(&fx->t, false);
	assert_int_equal(flush(fx), 1);
	check_pixels(fx);
	/* A cursor over a coloured cell swaps its colours. */
	put(fx, "\x1b[?25h\x1b[32;44mq\x1b[0m\x1b[D");
	assert_int_equal(flush(fx), 1);
	check_pixels_cursor(fx, true);
}

/* ---- sizes, formats, backends ---- */

static void test_term_sizes(void **state)
{
	(void)state;
	struct term t;
	static struct term_cell a[TERM_MAX_CELLS], b[TERM_MAX_CELLS];
	struct term_backend be = { counting_draw, NULL };
	uint32_t c, r;

	assert_int_equal(term_init(&t, 1000, 500, a, b, TERM_MAX_CELLS, &be), TERM_OK);
	assert_int_equal(t.cols, TERM_MAX_COLS);
	assert_int_equal(t.rows, TERM_MAX_ROWS);
	/* Less storage: fewer rows. */
	assert_int_equal(term_init(&t, 100, 100, a, b, 2050, &be), TERM_OK);
	assert_int_equal(t.cols, 100);
	assert_int_equal(t.rows, 20);
	const char *s = "\x1b[999;999H";
	term_write(&t, s, strlen(s));
	term_get_cursor(&t, &c, &r);
	assert_int_equal(c, 99);
	assert_int_equal(r, 19);
	assert_false(term_get_cell(&t, 100, 0, &(uint8_t){ 0 }, &(uint8_t){ 0 }, &(uint8_t){ 0 }));
	assert_false(term_get_cell(&t, 0, 20, &(uint8_t){ 0 }, &(uint8_t){ 0 }, &(uint8_t){ 0 }));
	assert_int_equal(term_init(&t, 100, 100, a, b, 99, &be), TERM_ERR_SIZE);
	assert_int_equal(term_init(&t, 0, 25, a, b, TERM_MAX_CELLS, &be), TERM_ERR_SIZE);
	assert_int_equal(term_init(&t, 80, 0, a, b, TERM_MAX_CELLS, &be), TERM_ERR_SIZE);

	/* A one-cell terminal wraps and scrolls on every character. */
	struct term_cell one_a[1] = { { 0, 0 } }, one_b[1] = { { 0, 0 } };
	assert_int_equal(term_init(&t, 1, 1, one_a, one_b, 1, &be), TERM_OK);
	s = "abc\t\b\n\x1b[5;5Hd";
	term_write(&t, s, strlen(s));
	uint8_t g, fg, bg;
	assert_true(term_get_cell(&t, 0, 0, &g, &fg, &bg));
	assert_int_equal(g, 'd');
}

static void test_fb_pixel_formats(void **state)
{
	(void)state;
	struct psf_font font;
	uint8_t *blob = make_font(8, 16, &font);
	static uint32_t px[64 * 32];
	struct fb fb;
	struct bootinfo_framebuffer info = { 0, sizeof(px), 64, 32, 64, BOOTINFO_FB_RGBX,
	                                     RGBX_MASKS };

	assert_int_equal(fb_init(&fb, px, &info, &font), FB_OK);
	assert_int_equal(fb.cols, 8);
	assert_int_equal(fb.rows, 2);
	assert_int_equal(fb_pixel(&fb, 0x123456), 0x00563412);
	info = (struct bootinfo_framebuffer){ 0, sizeof(px), 64, 32, 64, BOOTINFO_FB_BGRX,
	                                      BGRX_MASKS };
	assert_int_equal(fb_init(&fb, px, &info, &font), FB_OK);
	assert_int_equal(fb_pixel(&fb, 0x123456), 0x00123456);
	/* 5-6-5 in a bitmask mode: channels scaled with rounding. */
	info.format = BOOTINFO_FB_BITMASK;
	info.red_mask = 0xf800;
	info.green_mask = 0x07e0;
	info.blue_mask = 0x001f;
	assert_int_equal(fb_init(&fb, px, &info, &font), FB_OK);
	assert_int_equal(fb_pixel(&fb, 0xffffff), 0xffff);
	assert_int_equal(fb_pixel(&fb, 0x000000), 0);
	assert_int_equal(fb_pixel(&fb, 0xff0000), 0xf800);
	assert_int_equal(fb_pixel(&fb, 0x808080), 16u << 11 | 32u << 5 | 16u);
	/* 10-bit channels (x2r10g10b10). */
	info.red_mask = 0x3ff00000;
	info.green_mask = 0x000ffc00;
	info.blue_mask = 0x000003ff;
	assert_int_equal(fb_init(&fb, px, &info, &font), FB_OK);
	assert_int_equal(fb_pixel(&fb, 0xff00ff), 0x3ff003ff);
	assert_int_equal(fb_pixel(&fb, 0x000100), 4u << 10);
	/* Palette. */
	fb_set_palette(&fb, term_default_palette, TERM_COLOURS);
	assert_int_equal(fb.palette[15], 0x3fffffff);
	assert_int_equal(fb.palette[0], 0);
	free(blob);
}

static void test_fb_init_errors(void **state)
{
	(void)state;
	struct psf_font font;
	uint8_t *blob = make_font(8, 16, &font);
	static uint32_t px[64 * 32];
	struct fb fb;
	struct bootinfo_framebuffer ok = { 0, sizeof(px), 64, 32, 64, BOOTINFO_FB_BGRX, BGRX_MASKS };
	struct bootinfo_framebuffer info;

	assert_int_equal(fb_init(&fb, NULL, &ok, &font), FB_ERR_NO_FRAMEBUFFER);
	info = ok;
	info.format = BOOTINFO_FB_NONE;
	assert_int_equal(fb_init(&fb, px, &info, &font), FB_ERR_NO_FRAMEBUFFER);
	info = ok;
	info.pitch = 63;
	assert_int_equal(fb_init(&fb, px, &info, &font), FB_ERR_GEOMETRY);
	info = ok;
	info.width = 0;
	assert_int_equal(fb_init(&fb, px, &info, &font), FB_ERR_GEOMETRY);
	info = ok;
	info.green_mask = 0;
	assert_int_equal(fb_init(&fb, px, &info, &font), FB_ERR_GEOMETRY);
	info = ok;
	info.size = 100;
	assert_int_equal(fb_init(&fb, px, &info, &font), FB_ERR_GEOMETRY);
	/* A buffer smaller than the mode: rows clipped to what fits. */
	info = ok;
	info.size = (64 * 20 + 64) * 4;
	assert_int_equal(fb_init(&fb, px, &info, &font), FB_OK);
	assert_int_equal(fb.height, 21);
	assert_int_equal(fb.rows, 1);
	info.size = 64 * 10 * 4;
	assert_int_equal(fb_init(&fb, px, &info, &font), FB_ERR_FONT);
	info = ok;
	info.width = 7;
	info.pitch = 7;
	assert_int_equal(fb_init(&fb, px, &info, &font), FB_ERR_FONT);

	/* Cells off the grid are ignored, without touching memory. */
	assert_int_equal(fb_init(&fb, px, &ok, &font), FB_OK);
	fb_draw_glyph(&fb, 8, 0, 'A', 1, 2);
	fb_draw_glyph(&fb, 0, 2, 'A', 1, 2);
	fb_draw_glyph(&fb, UINT32_MAX, UINT32_MAX, 'A', 1, 2);
	for (size_t i = 0; i < 64 * 32; i++)
		assert_int_equal(px[i], 0);
	free(blob);
}

/* The same text through other geometries: the 32-bit store path (odd pitch,
 * misaligned base, 12- and 6-pixel fonts) and RGBX. */
static void run_geometry(const struct geometry *g)
{
	struct fixture *fx = setup(g);
	char buf[128];
	for (int i = 0; i < 300; i++) {
		snprintf(buf, sizeof(buf), "\x1b[%d;%dm%d: The quick brown fox \xc3\xa9\t#\n",
		         30 + i % 8, 40 + (i / 8) % 8, i);
		put(fx, buf);
		if (i % 50 == 0) {
			flush(fx);
			check_pixels(fx);
		}
	}
	flush(fx);
	check_pixels(fx);
	void *p = fx;
	teardown(&p);
}

static void test_geometries(void **state)
{
	(void)state;
	const struct geometry geometries[] = {
		{ 640, 400, 640, 8, 16, { RGBX_MASKS }, 0, 0 },
		{ 643, 405, 645, 8, 16, { BGRX_MASKS }, 0, 0 },   /* odd pitch */
		{ 640, 400, 640, 8, 16, { BGRX_MASKS }, 1, 0 },   /* base not 8-aligned */
		{ 600, 300, 610, 12, 24, { BGRX_MASKS }, 0, 0 },  /* two bytes per row */
		{ 300, 200, 300, 6, 9, { RGBX_MASKS }, 0, 0 },
		{ 640, 400, 640, 8, 16, { BGRX_MASKS }, 0, 80 * 10 }, /* grid clipped */
	};
	for (size_t i = 0; i < sizeof(geometries) / sizeof(geometries[0]); i++)
		run_geometry(&geometries[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain_text, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_newline_cr_tab_backspace, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_wrap, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_scroll, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_scroll_draws_only_changes, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_sgr_colours, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_sgr_parameters, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_position, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_erase, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_sequences, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_erase_characters, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_scroll_region, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_index_sequences, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_insert_delete, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_save_restore, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_alt_screen, setup_std, teardown),
		cmocka_unit_test(test_alt_screen_without_storage),
		cmocka_unit_test_setup_teardown(test_autowrap_mode, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_newline_mode, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_tab_stops, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_replies, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_colour256, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_escape_split_and_truncated, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_utf8, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_draws_only_changes, setup_std, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_visible, setup_std, teardown),
		cmocka_unit_test(test_init_touches_nothing),
		cmocka_unit_test(test_term_sizes),
		cmocka_unit_test(test_fb_pixel_formats),
		cmocka_unit_test(test_fb_init_errors),
		cmocka_unit_test(test_geometries),
	};
	return cmocka_run_group_tests_name("term", tests, NULL, NULL);
}
