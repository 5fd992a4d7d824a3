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
 * Scrolling permutes a row map rather than moving cells: a line feed at
 * the bottom of the scroll region rotates the map entries of the region by
 * one, so the old top row's storage becomes the new, cleared, bottom row.
 * Inserting and deleting lines (IL, DL) and reverse index (RI) are the same
 * rotation over other ranges. The flush then redraws whichever cells of
 * the moved rows really changed.
 *
 * The sequences are those of the Linux console (console_codes(4)) that
 * full-screen programs such as busybox vi, less and top rely on; docs/
 * console.md lists them. Where xterm and Linux differ, Linux wins, with
 * one deliberate exception: newline mode (LNM) starts on, because the
 * kernel's own messages end lines with a bare LF.
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

/* Row y of the screen in the wanted grid, through the current row map. */
static struct term_cell *term_row(const struct term *t, uint32_t y)
{
	return t->scr->cells + (size_t)t->scr->map[y] * t->cols;
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

static uint32_t term_clamp(uint32_t v, uint32_t max)
{
	return v < max ? v : max;
}

/* Scroll screen rows [y0, y1) by n rows: up (the text moves towards y0,
 * blank rows come in at the bottom) or down. Only the row map moves. */
static void term_scroll(struct term *t, uint32_t y0, uint32_t y1, uint32_t n, bool up)
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
static void term_linefeed(struct term *t)
{
	if (t->cy + 1 == t->margin_bottom)
		term_scroll(t, t->margin_top, t->margin_bottom, 1, true);
	else if (t->cy + 1 < t->rows)
		t->cy++;
}

/* Move up a line (RI), scrolling the region down at its top margin. */
static void term_reverse_index(struct term *t)
{
	if (t->cy == t->margin_top)
		term_scroll(t, t->margin_top, t->margin_bottom, 1, false);
	else if (t->cy > 0)
		t->cy--;
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

/* Store one character at the cursor. The pending-wrap rule: writing the
 * last column leaves the cursor there, and the next character first moves
 * to the start of the next line; with autowrap off it overwrites the last
 * column instead. */
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
		t->wrap_pending = t->autowrap;
}

/* term_put for a run of printable ASCII (p[0] must be one), stopping at the
 * end of the line or of the run: most of a log, stored without decoding
 * and dispatching every byte. Only with autowrap on. Returns the number of
 * bytes consumed. */
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

/* Queue an answer for term_take_reply; all of it or, if it does not fit,
 * none of it (half an answer would read as a stray key). */
static void term_reply(struct term *t, const char *s, size_t n)
{
	if (n > TERM_REPLY_MAX - t->reply_len)
		return;
	__builtin_memcpy(t->reply + t->reply_len, s, n);
	t->reply_len = (uint8_t)(t->reply_len + n);
}

static size_t term_format_uint(char *p, uint32_t v)
{
	char digits[10];
	size_t n = 0, i = 0;
	do
		digits[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		p[i++] = digits[--n];
	return i;
}

/* DSR 6 (CPR): ESC [ row ; col R, 1-based. */
static void term_report_cursor(struct term *t)
{
	char buf[2 + 10 + 1 + 10 + 1];
	size_t n = 0;
	buf[n++] = ASCII_ESC;
	buf[n++] = '[';
	n += term_format_uint(buf + n, t->cy + 1);
	buf[n++] = ';';
	n += term_format_uint(buf + n, t->cx + 1);
	buf[n++] = 'R';
	term_reply(t, buf, n);
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
static void term_tab(struct term *t)
{
	uint32_t x = t->cx + 1;
	while (x < t->cols && !term_is_tab(t, x))
		x++;
	t->cx = x < t->cols ? x : t->cols - 1;
}

static void term_save_cursor(struct term *t)
{
	t->saved[t->scr - t->screens] = (struct term_saved){ t->cx, t->cy, t->fg, t->bg, t->bold,
	                                                     t->inverse };
}

static void term_restore_cursor(struct term *t)
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
static void term_switch_screen(struct term *t, unsigned which)
{
	if (!t->has_alt || t->scr == &t->screens[which])
		return;
	t->scr = &t->screens[which];
	term_mark(t, 0, t->rows);
}

static void term_reset_attrs(struct term *t)
{
	t->fg = TERM_DEFAULT_FG;
	t->bg = TERM_DEFAULT_BG;
	t->bold = false;
	t->inverse = false;
}

/* RIS (ESC c) and term_init: modes, margins, tab stops and the saved
 * cursors to their defaults. The cursor's visibility is left alone. */
static void term_reset_modes(struct term *t)
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

static void term_control(struct term *t, uint8_t c)
{
	switch (c) {
	case ASCII_LF:
	case ASCII_VT:
	case ASCII_FF:
		/* In newline mode (the default: a kernel log ends lines with
		 * \n alone) LF implies CR. */
		if (t->newline_mode)
			t->cx = 0;
		t->wrap_pending = false;
		term_linefeed(t);
		break;
	case ASCII_CR:
		t->cx = 0;
		t->wrap_pending = false;
		break;
	case ASCII_HT:
		/* During a pending wrap the cursor is on the last column,
		 * and the tab leaves it there. */
		if (!t->wrap_pending)
			term_tab(t);
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

/* The palette colour nearest to 0xRRGGBB (squared distance per channel):
 * 256-colour and true-colour SGR land on the 16 colours there are. */
static uint8_t term_nearest(uint32_t rgb)
{
	uint8_t best = 0;
	uint32_t best_d = UINT32_MAX;

	for (uint8_t i = 0; i < TERM_COLOURS; i++) {
		uint32_t p = term_default_palette[i], d = 0;
		for (unsigned shift = 0; shift < 24; shift += 8) {
			int32_t diff = (int32_t)(rgb >> shift & 0xff) - (int32_t)(p >> shift & 0xff);
			d += (uint32_t)(diff * diff);
		}
		if (d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

/* xterm's 256 colours: 0-15 the palette, 16-231 a 6x6x6 cube, 232-255 a
 * grey ramp, each mapped to the nearest palette colour. */
static uint8_t term_colour256(uint32_t n)
{
	static const uint8_t level[6] = { 0, 95, 135, 175, 215, 255 };

	if (n < 16)
		return (uint8_t)n;
	if (n < 232) {
		n -= 16;
		return term_nearest((uint32_t)level[n / 36] << 16 | (uint32_t)level[n / 6 % 6] << 8 |
		                    level[n % 6]);
	}
	uint32_t g = 8 + 10 * (term_clamp(n, 255) - 232);
	return term_nearest(g << 16 | g << 8 | g);
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
		} else if (p == 21 || p == 22) {
			t->bold = false; /* 21: Linux's "normal intensity" too */
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
			/* 38;5;n and 38;2;r;g;b (48: the background), mapped to
			 * the nearest palette colour; 58 (underline colour) is
			 * skipped the same way. A form cut short ends the list,
			 * so that "38;5" does not turn into other attributes. */
			uint8_t c;
			if (i + 2 < n && t->params[i + 1] == 5) {
				c = term_colour256(t->params[i + 2]);
				i += 2;
			} else if (i + 4 < n && t->params[i + 1] == 2) {
				uint32_t rgb = term_clamp(t->params[i + 2], 255) << 16 |
				               term_clamp(t->params[i + 3], 255) << 8 |
				               term_clamp(t->params[i + 4], 255);
				c = term_nearest(rgb);
				i += 4;
			} else {
				return;
			}
			if (p == 38)
				t->fg = c;
			else if (p == 48)
				t->bg = c;
		}
		/* anything else (underline, blink, fonts...) is ignored */
	}
}

/* SM/RM with a '?' (DEC private modes), each parameter in turn. */
static void term_private_mode(struct term *t, bool set)
{
	unsigned n = t->nparams < TERM_MAX_PARAMS ? t->nparams : TERM_MAX_PARAMS;

	for (unsigned i = 0; i < n; i++) {
		switch (t->params[i]) {
		case 7: /* DECAWM */
			t->autowrap = set;
			if (!set)
				t->wrap_pending = false;
			break;
		case 25: /* DECTCEM */
			term_set_cursor_visible(t, set);
			break;
		case 47: /* the alternate screen, as it is */
			term_switch_screen(t, set);
			break;
		case 1047: /* the same, cleared when leaving it */
			if (!set && t->has_alt && t->scr == &t->screens[1])
				term_erase_rows(t, 0, t->rows);
			term_switch_screen(t, set);
			break;
		case 1049: /* save the cursor, then a cleared alternate screen */
			if (!t->has_alt)
				break;
			if (set && t->scr == &t->screens[0]) {
				term_save_cursor(t);
				term_switch_screen(t, 1);
				term_erase_rows(t, 0, t->rows);
			} else if (!set && t->scr == &t->screens[1]) {
				term_switch_screen(t, 0);
				term_restore_cursor(t);
			}
			break;
		default:
			break; /* DECCKM, mouse modes...: nothing to draw */
		}
	}
}

static void term_csi_dispatch(struct term *t, uint8_t final)
{
	if (t->csi_ignore)
		return;
	if (t->csi_private) {
		if (final == 'h' || final == 'l')
			term_private_mode(t, final == 'h');
		return;
	}

	uint32_t n = term_param(t, 0, 1);
	switch (final) {
	case 'm':
		term_sgr(t);
		return;
	case 'n': /* DSR */
		if (term_param(t, 0, 0) == 5)
			term_reply(t, "\x1b[0n", 4); /* "terminal OK" */
		else if (term_param(t, 0, 0) == 6)
			term_report_cursor(t);
		return;
	case 'c': /* DA: what Linux answers, "VT102" */
		if (term_param(t, 0, 0) == 0)
			term_reply(t, "\x1b[?6c", 5);
		return;
	case 'h': /* SM, RM: only LNM (20) */
	case 'l':
		if (term_param(t, 0, 0) == 20)
			t->newline_mode = final == 'h';
		return;
	case 's':
		term_save_cursor(t);
		return;
	case 'u':
		term_restore_cursor(t);
		return;
	case 'g': /* TBC */
		if (term_param(t, 0, 0) == 0)
			t->tabs[t->cx / 8] &= (uint8_t)~(1u << (t->cx % 8));
		else if (term_param(t, 0, 0) == 3)
			__builtin_memset(t->tabs, 0, sizeof(t->tabs));
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
	case 'e': /* VPR */
		t->cy = term_clamp(t->cy + n, t->rows - 1);
		break;
	case 'C':
	case 'a': /* HPR */
		t->cx = term_clamp(t->cx + n, t->cols - 1);
		break;
	case 'D':
		t->cx = n < t->cx ? t->cx - n : 0;
		break;
	case 'E': /* CNL */
		t->cy = term_clamp(t->cy + n, t->rows - 1);
		t->cx = 0;
		break;
	case 'F': /* CPL */
		t->cy = n < t->cy ? t->cy - n : 0;
		t->cx = 0;
		break;
	case 'G':
	case '`': /* HPA */
		t->cx = term_clamp(n, t->cols) - 1;
		break;
	case 'd': /* VPA */
		t->cy = term_clamp(n, t->rows) - 1;
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
	case 'X': /* ECH */
		term_erase(t, t->cy, t->cx, t->cx + term_clamp(n, t->cols - t->cx));
		break;
	case '@': /* ICH: the rest of the line moves right, blanks come in */
	case 'P': { /* DCH: the rest of the line moves left, blanks at its end */
		struct term_cell *row = term_row(t, t->cy);
		uint32_t k = term_clamp(n, t->cols - t->cx), rest = t->cols - t->cx - k;
		if (final == '@') {
			__builtin_memmove(row + t->cx + k, row + t->cx, rest * sizeof(*row));
			term_erase(t, t->cy, t->cx, t->cx + k);
		} else {
			__builtin_memmove(row + t->cx, row + t->cx + k, rest * sizeof(*row));
			term_erase(t, t->cy, t->cx + rest, t->cols);
		}
		break;
	}
	case 'L': /* IL, DL: only inside the scroll region, as on a VT102 */
	case 'M':
		if (t->cy >= t->margin_top && t->cy < t->margin_bottom)
			term_scroll(t, t->cy, t->margin_bottom, n, final == 'M');
		break;
	case 'S': /* SU, SD: scroll the region */
	case 'T':
		term_scroll(t, t->margin_top, t->margin_bottom, n, final == 'S');
		break;
	case 'r': { /* DECSTBM: the region, then the cursor home */
		uint32_t top = term_param(t, 0, 1), bottom = term_param(t, 1, t->rows);
		if (top >= bottom || bottom > t->rows)
			return;
		t->margin_top = top - 1;
		t->margin_bottom = bottom;
		t->cx = t->cy = 0;
		break;
	}
	default:
		return; /* unimplemented: ignored, and the wrap state kept */
	}
	/* Every sequence that reaches here cancels a pending wrap. */
	t->wrap_pending = false;
}

/* ESC followed by a final byte. */
static void term_esc_dispatch(struct term *t, uint8_t final)
{
	switch (final) {
	case '7': /* DECSC */
		term_save_cursor(t);
		return;
	case '8': /* DECRC */
		term_restore_cursor(t);
		return;
	case 'D': /* IND */
		term_linefeed(t);
		break;
	case 'E': /* NEL */
		t->cx = 0;
		term_linefeed(t);
		break;
	case 'M': /* RI */
		term_reverse_index(t);
		break;
	case 'H': /* HTS */
		t->tabs[t->cx / 8] |= (uint8_t)(1u << (t->cx % 8));
		return;
	case 'c': /* RIS: the initial state, main screen cleared */
		term_switch_screen(t, 0);
		term_reset_modes(t);
		term_erase_rows(t, 0, t->rows);
		t->cx = t->cy = 0;
		break;
	default:
		return;
	}
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
			term_esc_dispatch(t, b);
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

		if (t->state == TS_GROUND && t->utf8_left == 0 && b >= 0x20 && b < ASCII_DEL &&
		    t->autowrap) {
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

size_t term_take_reply(struct term *t, char *buf, size_t cap)
{
	size_t n = t->reply_len < cap ? t->reply_len : cap;
	__builtin_memcpy(buf, t->reply, n);
	__builtin_memmove(t->reply, t->reply + n, t->reply_len - n);
	t->reply_len = (uint8_t)(t->reply_len - n);
	return n;
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
