/*
 * The terminal's parser: bytes in, calls to the screen operations of
 * term.c out (see term.h for the invariants).
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
 *
 * Questions (DSR, DA) are answered into the struct's reply queue, never
 * sent from here: the caller takes the answers with term_take_reply.
 */
#include "console/term_internal.h"

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
			int32_t diff =
			        (int32_t)(rgb >> shift & 0xff) - (int32_t)(p >> shift & 0xff);
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
	static const uint8_t level[6] = {0, 95, 135, 175, 215, 255};

	if (n < 16)
		return (uint8_t)n;
	if (n < 232) {
		n -= 16;
		return term_nearest((uint32_t)level[n / 36] << 16 |
		                    (uint32_t)level[n / 6 % 6] << 8 | level[n % 6]);
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
			t->tabs[t->cx / 8] &= (uint8_t) ~(1u << (t->cx % 8));
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
	case '@':   /* ICH: the rest of the line moves right, blanks come in */
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

size_t term_take_reply(struct term *t, char *buf, size_t cap)
{
	size_t n = t->reply_len < cap ? t->reply_len : cap;
	__builtin_memcpy(buf, t->reply, n);
	__builtin_memmove(t->reply, t->reply + n, t->reply_len - n);
	t->reply_len = (uint8_t)(t->reply_len - n);
	return n;
}
