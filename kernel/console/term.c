/*
 * The terminal's screen: the cell grids, the cursor and the operations the
 * escape sequences are made of (term_parse.c turns bytes into calls to
 * them), and the flush that draws the difference. See term.h for the
 * invariants.
 *
 * Output is two-phase. term_write interprets text into the wanted grid and
 * marks the screen rows it touched; term_flush compares those rows with the
 * `shown` grid and draws only differing cells. The comparison is cheap next
 * to drawing a glyph (a few hundred stores), and it makes the common cases
 * cost what they should: appending a log line draws that line's characters,
 * rewriting identical text draws nothing, and a scroll redraws exactly the
 * cells whose character or colour changed, without reading or moving
 * framebuffer memory.
 *
 * Scrolling permutes a row map rather than moving cells: a line feed at
 * the bottom of the scroll region rotates the map entries of the region by
 * one, so the old top row's storage becomes the new, cleared, bottom row.
 * Inserting and deleting lines (IL, DL) and reverse index (RI) are the same
 * rotation over other ranges. The flush then redraws whichever cells of
 * the moved rows really changed.
 */
#include "console/term_internal.h"

/* VGA text-mode colours, as the Linux console's default palette. */
const uint32_t term_default_palette[TERM_COLOURS] = {
	0x000000, 0xaa0000, 0x00aa00, 0xaa5500, 0x0000aa, 0xaa00aa, 0x00aaaa, 0xaaaaaa,
	0x555555, 0xff5555, 0x55ff55, 0xffff55, 0x5555ff, 0xff55ff, 0x55ffff, 0xffffff,
};


static uint8_t term_attr(uint8_t fg, uint8_t bg)
{
	return (uint8_t)(((fg ^ TERM_DEFAULT_FG) & 15) | (bg & 15) << 4);
}

static uint8_t term_attr_fg(uint8_t attr)
{
	return (attr & 15) ^ TERM_DEFAULT_FG;
}

static uint8_t term_attr_bg(uint8_t attr)
{
	return attr >> 4;
}

static bool term_cell_eq(struct term_cell a, struct term_cell b)
{
	return a.glyph == b.glyph && a.attr == b.attr;
}

/* Row y of the screen in the wanted grid, through the current row map. */
struct term_cell *term_row(const struct term *t, uint32_t y)
{
	return t->scr->cells + (size_t)t->scr->map[y] * t->cols;
}

void term_mark(struct term *t, uint32_t lo, uint32_t hi)
{
	if (lo < t->dirty_lo)
		t->dirty_lo = lo;
	if (hi > t->dirty_hi)
		t->dirty_hi = hi;
}

/* Blank cells in row y, columns [x0, x1), in the current background (as
 * VT terminals erase). */
void term_erase(struct term *t, uint32_t y, uint32_t x0, uint32_t x1)
{
	struct term_cell *row = term_row(t, y);
	struct term_cell blank = { 0, term_attr(TERM_DEFAULT_FG, t->bg) };

	for (uint32_t x = x0; x < x1; x++)
		row[x] = blank;
	term_mark(t, y, y + 1);
}

void term_erase_rows(struct term *t, uint32_t y0, uint32_t y1)
{
	for (uint32_t y = y0; y < y1; y++)
		term_erase(t, y, 0, t->cols);
}

/* Scroll screen rows [y0, y1) by n rows: up (the text moves towards y0,
 * blank rows come in at the bottom) or down. Only the row map moves. */
void term_scroll(struct term *t, uint32_t y0, uint32_t y1, uint32_t n, bool up)
{
	if (y0 >= y1)
		return;
	n = term_clamp(n, y1 - y0);
	uint16_t *map = t->scr->map, tmp[TERM_MAX_ROWS];
	uint32_t keep = y1 - y0 - n;

	if (up) {
		__builtin_memcpy(tmp, map + y0, n * sizeof(*map));
		__builtin_memmove(map + y0, map + y0 + n, keep * sizeof(*map));
		__builtin_memcpy(map + y0 + keep, tmp, n * sizeof(*map));
		term_erase_rows(t, y0 + keep, y1);
	} else {
		__builtin_memcpy(tmp, map + y0 + keep, n * sizeof(*map));
		__builtin_memmove(map + y0 + n, map + y0, keep * sizeof(*map));
		__builtin_memcpy(map + y0, tmp, n * sizeof(*map));
		term_erase_rows(t, y0, y0 + n);
	}
	term_mark(t, y0, y1);
}

/* Move down a line (IND), scrolling the region when at its bottom margin.
 * Below the region the cursor stops at the last row without scrolling. */
void term_linefeed(struct term *t)
{
	if (t->cy + 1 == t->margin_bottom)
		term_scroll(t, t->margin_top, t->margin_bottom, 1, true);
	else if (t->cy + 1 < t->rows)
		t->cy++;
}

/* Move up a line (RI), scrolling the region down at its top margin. */
void term_reverse_index(struct term *t)
{
	if (t->cy == t->margin_top)
		term_scroll(t, t->margin_top, t->margin_bottom, 1, false);
	else if (t->cy > 0)
		t->cy--;
}

void term_newline(struct term *t)
{
	t->cx = 0;
	t->wrap_pending = false;
	term_linefeed(t);
}

/* The attribute bytes for a character and for a blank in the current SGR
 * state. A space looks the same in any foreground colour, so it is stored
 * as the blank cell: it then matches a screen that was never drawn. */
static void term_pen(const struct term *t, uint8_t *attr, uint8_t *blank)
{
	uint8_t fg = t->fg, bg = t->bg;

	if (t->bold && fg < 8)
		fg += 8;
	if (t->inverse) {
		uint8_t tmp = fg;
		fg = bg;
		bg = tmp;
	}
	*attr = term_attr(fg, bg);
	*blank = term_attr(TERM_DEFAULT_FG, bg);
}

/* Store one character at the cursor. The pending-wrap rule: writing the
 * last column leaves the cursor there, and the next character first moves
 * to the start of the next line; with autowrap off it overwrites the last
 * column instead. */
void term_put(struct term *t, uint8_t glyph)
{
	if (t->wrap_pending)
		term_newline(t);

	uint8_t attr, blank;
	term_pen(t, &attr, &blank);
	term_row(t, t->cy)[t->cx] = glyph == ' ' ? (struct term_cell){ 0, blank }
	                                         : (struct term_cell){ glyph, attr };
	term_mark(t, t->cy, t->cy + 1);

	if (t->cx + 1 < t->cols)
		t->cx++;
	else
		t->wrap_pending = t->autowrap;
}

/* term_put for a run of printable ASCII (p[0] must be one), stopping at the
 * end of the line or of the run: most of a log, stored without decoding
 * and dispatching every byte. Only with autowrap on. Returns the number of
 * bytes consumed. */
size_t term_put_ascii(struct term *t, const uint8_t *p, size_t n)
{
	if (t->wrap_pending)
		term_newline(t);

	uint8_t attr, blank;
	term_pen(t, &attr, &blank);
	struct term_cell *row = term_row(t, t->cy);
	uint32_t x = t->cx, cols = t->cols;
	size_t i = 0;

	for (; i < n && x < cols; i++, x++) {
		uint8_t b = p[i];
		if (b < 0x20 || b >= ASCII_DEL)
			break;
		row[x] = b == ' ' ? (struct term_cell){ 0, blank } : (struct term_cell){ b, attr };
	}
	term_mark(t, t->cy, t->cy + 1);
	if (x == cols) {
		t->cx = cols - 1;
		t->wrap_pending = true;
	} else {
		t->cx = x;
	}
	return i;
}

static void term_tabs_default(struct term *t)
{
	for (uint32_t i = 0; i < TERM_MAX_COLS / 8; i++)
		t->tabs[i] = 1; /* columns 0, 8, 16...: bit 0 of each byte */
}

static bool term_is_tab(const struct term *t, uint32_t x)
{
	return t->tabs[x / 8] >> (x % 8) & 1;
}

/* HT: the next tab stop right of the cursor, or the last column. */
void term_tab(struct term *t)
{
	uint32_t x = t->cx + 1;
	while (x < t->cols && !term_is_tab(t, x))
		x++;
	t->cx = x < t->cols ? x : t->cols - 1;
}

void term_save_cursor(struct term *t)
{
	t->saved[t->scr - t->screens] = (struct term_saved){ t->cx, t->cy, t->fg, t->bg, t->bold,
	                                                     t->inverse };
}

void term_restore_cursor(struct term *t)
{
	const struct term_saved *s = &t->saved[t->scr - t->screens];
	t->cx = term_clamp(s->cx, t->cols - 1);
	t->cy = term_clamp(s->cy, t->rows - 1);
	t->fg = s->fg;
	t->bg = s->bg;
	t->bold = s->bold;
	t->inverse = s->inverse;
	t->wrap_pending = false;
}

/* Show screen `which` (0 main, 1 alternate). Every row may now differ from
 * what is drawn; the flush compares and redraws what does. */
void term_switch_screen(struct term *t, unsigned which)
{
	if (!t->has_alt || t->scr == &t->screens[which])
		return;
	t->scr = &t->screens[which];
	term_mark(t, 0, t->rows);
}

void term_reset_attrs(struct term *t)
{
	t->fg = TERM_DEFAULT_FG;
	t->bg = TERM_DEFAULT_BG;
	t->bold = false;
	t->inverse = false;
}

/* RIS (ESC c) and term_init: modes, margins, tab stops and the saved
 * cursors to their defaults. The cursor's visibility is left alone. */
void term_reset_modes(struct term *t)
{
	term_reset_attrs(t);
	t->autowrap = true;
	t->newline_mode = true;
	t->margin_top = 0;
	t->margin_bottom = t->rows;
	term_tabs_default(t);
	for (unsigned i = 0; i < 2; i++)
		t->saved[i] = (struct term_saved){ 0, 0, TERM_DEFAULT_FG, TERM_DEFAULT_BG, false, false };
}

static struct term_cell term_inverse(struct term_cell c)
{
	return (struct term_cell){ c.glyph, term_attr(term_attr_bg(c.attr), term_attr_fg(c.attr)) };
}

static void term_draw(struct term *t, uint32_t x, uint32_t y, struct term_cell c)
{
	t->backend.draw_cell(t->backend.ctx, x, y, c.glyph ? c.glyph : ' ', term_attr_fg(c.attr),
	                     term_attr_bg(c.attr));
}

/* Draw the cells of screen row y in [x0, x1) where `want` differs from
 * `shown`. Most cells match, so compare four at a time (8 bytes; the
 * __builtin_memcpy compiles to one load, and is no libc call). */
static void term_flush_span(struct term *t, uint32_t y, const struct term_cell *want,
                            struct term_cell *shown, uint32_t x0, uint32_t x1)
{
	for (uint32_t x = x0; x < x1;) {
		if (x + 4 <= x1) {
			uint64_t a, b;
			__builtin_memcpy(&a, want + x, sizeof(a));
			__builtin_memcpy(&b, shown + x, sizeof(b));
			if (a == b) {
				x += 4;
				continue;
			}
		}
		if (!term_cell_eq(want[x], shown[x])) {
			shown[x] = want[x];
			term_draw(t, x, y, want[x]);
		}
		x++;
	}
}

void term_flush(struct term *t)
{
	/* The cursor is part of the picture: look again at the row it was
	 * drawn on and the row it is on now. */
	if (t->drawn_cy < t->rows)
		term_mark(t, t->drawn_cy, t->drawn_cy + 1);
	if (t->cursor_visible)
		term_mark(t, t->cy, t->cy + 1);

	for (uint32_t y = t->dirty_lo; y < t->dirty_hi; y++) {
		const struct term_cell *want = term_row(t, y);
		struct term_cell *shown = t->shown + (size_t)y * t->cols;

		if (!t->cursor_visible || y != t->cy) {
			term_flush_span(t, y, want, shown, 0, t->cols);
			continue;
		}
		uint32_t x = t->cx;
		term_flush_span(t, y, want, shown, 0, x);
		struct term_cell c = term_inverse(want[x]);
		if (!term_cell_eq(c, shown[x])) {
			shown[x] = c;
			term_draw(t, x, y, c);
		}
		term_flush_span(t, y, want, shown, x + 1, t->cols);
	}
	t->dirty_lo = t->rows;
	t->dirty_hi = 0;
	t->drawn_cy = t->cursor_visible ? t->cy : UINT32_MAX;
}

void term_set_cursor_visible(struct term *t, bool visible)
{
	t->cursor_visible = visible;
}

int term_init(struct term *t, uint32_t cols, uint32_t rows, struct term_cell *want,
              struct term_cell *shown, size_t ncells, const struct term_backend *backend)
{
	cols = term_clamp(cols, TERM_MAX_COLS);
	rows = term_clamp(rows, TERM_MAX_ROWS);
	if (cols == 0 || rows == 0 || ncells < cols)
		return TERM_ERR_SIZE;
	if ((size_t)cols * rows > ncells)
		rows = (uint32_t)(ncells / cols);

	*t = (struct term){
		.backend = *backend,
		.shown = shown,
		.cols = cols,
		.rows = rows,
		.drawn_cy = UINT32_MAX,
		.dirty_lo = rows,
		.dirty_hi = 0,
		.state = TS_GROUND,
	};
	t->screens[0].cells = want;
	for (uint32_t y = 0; y < rows; y++)
		t->screens[0].map[y] = t->screens[1].map[y] = (uint16_t)y;
	t->scr = &t->screens[0];
	term_reset_modes(t);
	return TERM_OK;
}

void term_set_alt_screen(struct term *t, struct term_cell *alt, size_t ncells)
{
	if (alt == NULL || ncells < (size_t)t->cols * t->rows)
		return;
	t->screens[1].cells = alt;
	t->has_alt = true;
}

void term_get_cursor(const struct term *t, uint32_t *col, uint32_t *row)
{
	*col = t->cx;
	*row = t->cy;
}

bool term_get_cell(const struct term *t, uint32_t col, uint32_t row, uint8_t *glyph,
                   uint8_t *fg, uint8_t *bg)
{
	if (col >= t->cols || row >= t->rows)
		return false;
	struct term_cell c = term_row(t, row)[col];
	*glyph = c.glyph ? c.glyph : ' ';
	*fg = term_attr_fg(c.attr);
	*bg = term_attr_bg(c.attr);
	return true;
}
