/*
 * Terminal logic: bytes in, cells out (see term.h for the invariants).
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
 * The escape parser is a cut-down version of the VT500 state machine
 * (vt100.net/emu/dec_ansi_parser): ESC, ESC + intermediates, and CSI with up
 * to TERM_MAX_PARAMS numeric parameters, each clamped to TERM_PARAM_MAX. Any
 * sequence it does not implement is consumed whole and ignored, and so are
 * control strings (ESC ] title BEL and friends). Unlike a VT500, a C0
 * control or a non-ASCII byte inside a sequence (or a control string, other
 * than its BEL terminator) cancels it and is then processed normally, so a
 * truncated escape in a log (a panic in the middle of a printf) loses at
 * most the escape itself and never the lines after it.
 */
#include "console/term.h"

/* VGA text-mode colours, as the Linux console's default palette. */
const uint32_t term_default_palette[TERM_COLOURS] = {
	0x000000, 0xaa0000, 0x00aa00, 0xaa5500, 0x0000aa, 0xaa00aa, 0x00aaaa, 0xaaaaaa,
	0x555555, 0xff5555, 0x55ff55, 0xffff55, 0x5555ff, 0xff55ff, 0x55ffff, 0xffffff,
};

enum term_state {
	TS_GROUND,
	TS_ESC,         /* after ESC */
	TS_ESC_INTER,   /* ESC then intermediates (0x20-0x2f), until a final byte */
	TS_CSI_ENTRY,   /* after ESC [ : a private marker may come first */
	TS_CSI,         /* parameters, intermediates, until a final byte */
	TS_STRING,      /* OSC, DCS, SOS, PM, APC: a string until BEL or ESC */
};

#define ASCII_BEL 0x07
#define ASCII_BS 0x08
#define ASCII_HT 0x09
#define ASCII_LF 0x0a
#define ASCII_VT 0x0b
#define ASCII_FF 0x0c
#define ASCII_CR 0x0d
#define ASCII_ESC 0x1b
#define ASCII_DEL 0x7f

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

/* Row y of the screen in the wanted grid (a ring starting at t->top). */
static struct term_cell *term_row(const struct term *t, uint32_t y)
{
	uint32_t r = t->top + y;

	if (r >= t->rows)
		r -= t->rows;
	return t->want + (size_t)r * t->cols;
}

static void term_mark(struct term *t, uint32_t lo, uint32_t hi)
{
	if (lo < t->dirty_lo)
		t->dirty_lo = lo;
	if (hi > t->dirty_hi)
		t->dirty_hi = hi;
}

/* Blank cells in row y, columns [x0, x1), in the current background (as
 * VT terminals erase). */
static void term_erase(struct term *t, uint32_t y, uint32_t x0, uint32_t x1)
{
	struct term_cell *row = term_row(t, y);
	struct term_cell blank = { 0, term_attr(TERM_DEFAULT_FG, t->bg) };

	for (uint32_t x = x0; x < x1; x++)
		row[x] = blank;
	term_mark(t, y, y + 1);
}

static void term_erase_rows(struct term *t, uint32_t y0, uint32_t y1)
{
	for (uint32_t y = y0; y < y1; y++)
		term_erase(t, y, 0, t->cols);
}

/* Move down a line, scrolling at the bottom: the ring's top row becomes
 * the new bottom row, and every screen row now shows different text. */
static void term_linefeed(struct term *t)
{
	if (t->cy + 1 < t->rows) {
		t->cy++;
		return;
	}
	t->top = t->top + 1 == t->rows ? 0 : t->top + 1;
	term_erase(t, t->rows - 1, 0, t->cols);
	term_mark(t, 0, t->rows);
}

static void term_newline(struct term *t)
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

static void term_put(struct term *t, uint8_t glyph)
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
		t->wrap_pending = true;
}

/* term_put for a run of printable ASCII (p[0] must be one), stopping at the
 * end of the line or of the run: most of a log, stored without decoding
 * and dispatching every byte. Returns the number of bytes consumed. */
static size_t term_put_ascii(struct term *t, const uint8_t *p, size_t n)
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

static void term_reset_attrs(struct term *t)
{
	t->fg = TERM_DEFAULT_FG;
	t->bg = TERM_DEFAULT_BG;
	t->bold = false;
	t->inverse = false;
}

static void term_control(struct term *t, uint8_t c)
{
	switch (c) {
	case ASCII_LF:
	case ASCII_VT:
	case ASCII_FF:
		/* A kernel log ends lines with \n alone, so LF implies CR. */
		term_newline(t);
		break;
	case ASCII_CR:
		t->cx = 0;
		t->wrap_pending = false;
		break;
	case ASCII_HT:
		if (!t->wrap_pending) {
			uint32_t x = (t->cx / TERM_TAB_WIDTH + 1) * TERM_TAB_WIDTH;
			t->cx = x < t->cols ? x : t->cols - 1;
		}
		break;
	case ASCII_BS:
		/* As the Linux console and xterm: move left without erasing,
		 * also from a pending wrap (the cursor is on the last column). */
		if (t->cx > 0)
			t->cx--;
		t->wrap_pending = false;
		break;
	case ASCII_ESC:
		t->state = TS_ESC;
		break;
	default:
		break; /* BEL, NUL, DEL and the rest show nothing */
	}
}

static void term_codepoint(struct term *t, uint32_t cp)
{
	if (cp < 0x20 || cp == ASCII_DEL)
		term_control(t, (uint8_t)cp);
	else if (cp < 0x80 || (cp >= 0xa0 && cp <= 0xff))
		term_put(t, (uint8_t)cp);
	else if (cp >= 0x100)
		term_put(t, TERM_GLYPH_REPLACEMENT);
	/* else a C1 control (U+0080..U+009F): ignored */
}

/* UTF-8 decoding (RFC 3629): overlong forms, surrogates and code points
 * past U+10FFFF become the replacement glyph, as does a lead byte cut
 * short, after which the interrupting byte is processed on its own. */
static void term_ground(struct term *t, uint8_t b)
{
	if (t->utf8_left) {
		if ((b & 0xc0) == 0x80) {
			t->utf8_cp = t->utf8_cp << 6 | (b & 0x3f);
			if (--t->utf8_left == 0) {
				uint32_t cp = t->utf8_cp;
				bool bad = cp < t->utf8_min || (cp >= 0xd800 && cp <= 0xdfff) ||
				           cp > 0x10ffff;
				if (bad)
					term_put(t, TERM_GLYPH_REPLACEMENT);
				else
					term_codepoint(t, cp);
			}
			return;
		}
		t->utf8_left = 0;
		term_put(t, TERM_GLYPH_REPLACEMENT);
	}
	if (b < 0x80) {
		term_codepoint(t, b);
	} else if (b >= 0xc2 && b <= 0xdf) {
		t->utf8_cp = b & 0x1f;
		t->utf8_left = 1;
		t->utf8_min = 0x80;
	} else if (b >= 0xe0 && b <= 0xef) {
		t->utf8_cp = b & 0x0f;
		t->utf8_left = 2;
		t->utf8_min = 0x800;
	} else if (b >= 0xf0 && b <= 0xf4) {
		t->utf8_cp = b & 0x07;
		t->utf8_left = 3;
		t->utf8_min = 0x10000;
	} else {
		term_put(t, TERM_GLYPH_REPLACEMENT);
	}
}

/* Parameter i of the current CSI sequence, or `def` if it was empty or 0. */
static uint32_t term_param(const struct term *t, unsigned i, uint32_t def)
{
	unsigned n = t->nparams < TERM_MAX_PARAMS ? t->nparams : TERM_MAX_PARAMS;

	return i < n && t->params[i] != 0 ? t->params[i] : def;
}

static void term_sgr(struct term *t)
{
	unsigned n = t->nparams < TERM_MAX_PARAMS ? t->nparams : TERM_MAX_PARAMS;

	for (unsigned i = 0; i < n; i++) {
		unsigned p = t->params[i];

		if (p == 0) {
			term_reset_attrs(t);
		} else if (p == 1) {
			t->bold = true;
		} else if (p == 22) {
			t->bold = false;
		} else if (p == 7) {
			t->inverse = true;
		} else if (p == 27) {
			t->inverse = false;
		} else if (p >= 30 && p <= 37) {
			t->fg = (uint8_t)(p - 30);
		} else if (p == 39) {
			t->fg = TERM_DEFAULT_FG;
		} else if (p >= 40 && p <= 47) {
			t->bg = (uint8_t)(p - 40);
		} else if (p == 49) {
			t->bg = TERM_DEFAULT_BG;
		} else if (p >= 90 && p <= 97) {
			t->fg = (uint8_t)(p - 90 + 8);
		} else if (p >= 100 && p <= 107) {
			t->bg = (uint8_t)(p - 100 + 8);
		} else if (p == 38 || p == 48 || p == 58) {
			/* 256-colour and true-colour forms: skip their arguments so
			 * that "38;5;31" does not also set red. */
			if (i + 1 < n && t->params[i + 1] == 5)
				i += 2;
			else if (i + 1 < n && t->params[i + 1] == 2)
				i += 4;
			else
				i = n;
		}
		/* anything else (underline, blink, fonts...) is ignored */
	}
}

static uint32_t term_clamp(uint32_t v, uint32_t max)
{
	return v < max ? v : max;
}

static void term_csi_dispatch(struct term *t, uint8_t final)
{
	if (t->csi_ignore)
		return;
	if (t->csi_private) {
		/* DECTCEM: ESC[?25h shows the cursor, ESC[?25l hides it. */
		if ((final == 'h' || final == 'l') && term_param(t, 0, 0) == 25)
			term_set_cursor_visible(t, final == 'h');
		return;
	}

	uint32_t n = term_param(t, 0, 1);
	switch (final) {
	case 'm':
		term_sgr(t);
		return;
	case 'H':
	case 'f':
		t->cy = term_clamp(term_param(t, 0, 1), t->rows) - 1;
		t->cx = term_clamp(term_param(t, 1, 1), t->cols) - 1;
		break;
	case 'A':
		t->cy = n < t->cy ? t->cy - n : 0;
		break;
	case 'B':
		t->cy = term_clamp(t->cy + n, t->rows - 1);
		break;
	case 'C':
		t->cx = term_clamp(t->cx + n, t->cols - 1);
		break;
	case 'D':
		t->cx = n < t->cx ? t->cx - n : 0;
		break;
	case 'G':
		t->cx = term_clamp(n, t->cols) - 1;
		break;
	case 'J':
		switch (term_param(t, 0, 0)) {
		case 0:
			term_erase(t, t->cy, t->cx, t->cols);
			term_erase_rows(t, t->cy + 1, t->rows);
			break;
		case 1:
			term_erase_rows(t, 0, t->cy);
			term_erase(t, t->cy, 0, t->cx + 1);
			break;
		case 2:
		case 3:
			term_erase_rows(t, 0, t->rows);
			break;
		default:
			return;
		}
		break;
	case 'K':
		switch (term_param(t, 0, 0)) {
		case 0:
			term_erase(t, t->cy, t->cx, t->cols);
			break;
		case 1:
			term_erase(t, t->cy, 0, t->cx + 1);
			break;
		case 2:
			term_erase(t, t->cy, 0, t->cols);
			break;
		default:
			return;
		}
		break;
	default:
		return; /* unimplemented: ignored, and the wrap state kept */
	}
	/* Every implemented sequence but SGR ends a pending wrap. */
	t->wrap_pending = false;
}

static void term_csi_start(struct term *t)
{
	t->state = TS_CSI_ENTRY;
	t->csi_private = false;
	t->csi_ignore = false;
	t->nparams = 1;
	t->params[0] = 0;
}

/* Feed one byte to the parser in an escape state. Returns false if the byte
 * cancelled the sequence and must be processed again from the ground. */
static bool term_escape(struct term *t, uint8_t b)
{
	if (b == ASCII_ESC) {
		/* Restarts a sequence; also the first half of ST (ESC \),
		 * which then ends as an ignored ESC sequence. */
		t->state = TS_ESC;
		return true;
	}
	if (b == ASCII_DEL)
		return true; /* ignored anywhere in a sequence */
	if (b == ASCII_BEL && t->state == TS_STRING) {
		t->state = TS_GROUND;
		return true;
	}
	if (b < 0x20 || b > 0x7e) {
		t->state = TS_GROUND;
		return false;
	}

	switch (t->state) {
	case TS_ESC:
		if (b == '[') {
			term_csi_start(t);
		} else if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_') {
			t->state = TS_STRING;
		} else if (b < 0x30) {
			t->state = TS_ESC_INTER;
		} else {
			t->state = TS_GROUND;
			if (b == 'c') { /* RIS: reset to initial state */
				term_reset_attrs(t);
				term_erase_rows(t, 0, t->rows);
				t->cx = t->cy = 0;
				t->wrap_pending = false;
			}
		}
		return true;
	case TS_ESC_INTER:
		if (b >= 0x30)
			t->state = TS_GROUND;
		return true;
	case TS_STRING:
		return true;
	case TS_CSI_ENTRY:
		t->state = TS_CSI;
		if (b >= '<' && b <= '?') {
			t->csi_private = true;
			return true;
		}
		break;
	default:
		break;
	}

	/* TS_CSI */
	if (b >= '0' && b <= '9') {
		if (t->nparams <= TERM_MAX_PARAMS) {
			uint32_t v = t->params[t->nparams - 1] * 10u + (b - '0');
			t->params[t->nparams - 1] = (uint16_t)term_clamp(v, TERM_PARAM_MAX);
		}
	} else if (b == ';') {
		/* Past TERM_MAX_PARAMS, nparams stops at TERM_MAX_PARAMS + 1 and
		 * the digits that follow are dropped. */
		if (t->nparams < TERM_MAX_PARAMS)
			t->params[t->nparams++] = 0;
		else
			t->nparams = TERM_MAX_PARAMS + 1;
	} else if (b >= 0x40) {
		t->state = TS_GROUND;
		term_csi_dispatch(t, b);
	} else {
		/* ':' sub-parameters, a misplaced private marker, intermediates */
		t->csi_ignore = true;
	}
	return true;
}

void term_write(struct term *t, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;

	for (size_t i = 0; i < n;) {
		uint8_t b = p[i];

		if (t->state == TS_GROUND && t->utf8_left == 0 && b >= 0x20 && b < ASCII_DEL) {
			i += term_put_ascii(t, p + i, n - i);
			continue;
		}
		if (t->state == TS_GROUND || !term_escape(t, b))
			term_ground(t, b);
		i++;
	}
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
		.want = want,
		.shown = shown,
		.cols = cols,
		.rows = rows,
		.drawn_cy = UINT32_MAX,
		.dirty_lo = rows,
		.dirty_hi = 0,
		.fg = TERM_DEFAULT_FG,
		.bg = TERM_DEFAULT_BG,
		.state = TS_GROUND,
	};
	return TERM_OK;
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
