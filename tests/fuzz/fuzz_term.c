/*
 * Fuzz target for the terminal (kernel/console/term.c and term_parse.c):
 * the input's first two bytes pick a terminal size (1..64 columns, 1..32
 * rows) and the third whether it has an alternate screen; the rest is
 * written to it in pieces whose sizes come from the data too, with
 * flushes and answers taken in between. Besides ASan/UBSan:
 * the cursor stays on the grid, every drawn cell is on the grid, the
 * margins stay ordered, the answer queue never overflows, and after a
 * flush the backend has drawn exactly the wanted picture (a shadow copy of
 * what it drew must equal the grid, cursor included).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "console/term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define COLS_MAX 64
#define ROWS_MAX 32

struct shadow {
	uint32_t cols, rows;
	uint8_t glyph[ROWS_MAX][COLS_MAX], fg[ROWS_MAX][COLS_MAX], bg[ROWS_MAX][COLS_MAX];
};

static void draw(void *ctx, uint32_t col, uint32_t row, uint8_t glyph, uint8_t fg, uint8_t bg)
{
	struct shadow *s = ctx;
	if (col >= s->cols || row >= s->rows || glyph == 0 || fg >= TERM_COLOURS ||
	    bg >= TERM_COLOURS)
		abort();
	s->glyph[row][col] = glyph;
	s->fg[row][col] = fg;
	s->bg[row][col] = bg;
}

static void check(const struct term *t, const struct shadow *s)
{
	uint32_t cx, cy;
	term_get_cursor(t, &cx, &cy);
	if (cx >= t->cols || cy >= t->rows)
		abort();
	if (t->margin_top >= t->margin_bottom || t->margin_bottom > t->rows)
		abort();
	if (t->reply_len > TERM_REPLY_MAX)
		abort();
	for (uint32_t y = 0; y < t->rows; y++) {
		for (uint32_t x = 0; x < t->cols; x++) {
			uint8_t g, fg, bg;
			if (!term_get_cell(t, x, y, &g, &fg, &bg))
				abort();
			if (t->cursor_visible && x == cx && y == cy) {
				uint8_t tmp = fg;
				fg = bg;
				bg = tmp;
			}
			if (s->glyph[y][x] != g || s->fg[y][x] != fg || s->bg[y][x] != bg)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct term_cell want[COLS_MAX * ROWS_MAX], shown[COLS_MAX * ROWS_MAX],
	        alt[COLS_MAX * ROWS_MAX];
	static struct shadow s;
	struct term t;

	if (size < 3)
		return 0;
	uint32_t cols = data[0] % COLS_MAX + 1, rows = data[1] % ROWS_MAX + 1;
	bool with_alt = data[2] & 1;
	data += 3;
	size -= 3;

	memset(want, 0, sizeof(want));
	memset(shown, 0, sizeof(shown));
	memset(alt, 0, sizeof(alt));
	/* A blank screen, as the loader leaves it. */
	s.cols = cols;
	s.rows = rows;
	memset(s.glyph, ' ', sizeof(s.glyph));
	memset(s.fg, TERM_DEFAULT_FG, sizeof(s.fg));
	memset(s.bg, TERM_DEFAULT_BG, sizeof(s.bg));
	struct term_backend be = {draw, &s};
	if (term_init(&t, cols, rows, want, shown, sizeof(want) / sizeof(want[0]), &be) != TERM_OK)
		abort();
	if (with_alt)
		term_set_alt_screen(&t, alt, sizeof(alt) / sizeof(alt[0]));

	/* Pieces: a length byte, then that many bytes of text. */
	while (size > 0) {
		size_t n = data[0] % 64;
		data++;
		size--;
		if (n > size)
			n = size;
		term_write(&t, (const char *)data, n);
		data += n;
		size -= n;
		char reply[TERM_REPLY_MAX];
		if (term_take_reply(&t, reply, n % 8) > n % 8)
			abort();
		if (n % 3 == 0) {
			term_flush(&t);
			check(&t, &s);
		}
	}
	term_flush(&t);
	check(&t, &s);
	return 0;
}
