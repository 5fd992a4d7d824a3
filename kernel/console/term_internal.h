/*
 * Inside the terminal: what term_parse.c (bytes to operations) uses of
 * term.c (the screen and its operations). Not for the terminal's users,
 * who have term.h. Every operation works on the current screen, clamps
 * to the grid, and marks the rows it changes for the next flush.
 */
#pragma once

#include "console/term.h"

/* The escape parser's states (struct term's `state`). */
enum term_state {
	TS_GROUND,
	TS_ESC,       /* after ESC */
	TS_ESC_INTER, /* ESC then intermediates (0x20-0x2f), until a final byte */
	TS_CSI_ENTRY, /* after ESC [ : a private marker may come first */
	TS_CSI,       /* parameters, intermediates, until a final byte */
	TS_STRING,    /* OSC, DCS, SOS, PM, APC: a string until BEL or ESC */
};

#define ASCII_BEL 0x07
#define ASCII_BS  0x08
#define ASCII_HT  0x09
#define ASCII_LF  0x0a
#define ASCII_VT  0x0b
#define ASCII_FF  0x0c
#define ASCII_CR  0x0d
#define ASCII_ESC 0x1b
#define ASCII_DEL 0x7f

static inline uint32_t term_clamp(uint32_t v, uint32_t max)
{
	return v < max ? v : max;
}

/* Row y of the current screen, through its row map. */
struct term_cell *term_row(const struct term *t, uint32_t y);
/* Rows [lo, hi) may differ from what is drawn. */
void term_mark(struct term *t, uint32_t lo, uint32_t hi);
/* Blank row y's columns [x0, x1) / rows [y0, y1) in the current background. */
void term_erase(struct term *t, uint32_t y, uint32_t x0, uint32_t x1);
void term_erase_rows(struct term *t, uint32_t y0, uint32_t y1);
/* Scroll rows [y0, y1) up or down by n, blank rows coming in. */
void term_scroll(struct term *t, uint32_t y0, uint32_t y1, uint32_t n, bool up);
/* IND, RI: a row down / up, scrolling the region at its margin. */
void term_linefeed(struct term *t);
void term_reverse_index(struct term *t);
/* CR and IND together, as the wrap does. */
void term_newline(struct term *t);
/* One character at the cursor, with the pending-wrap rule. */
void term_put(struct term *t, uint8_t glyph);
/* A run of printable ASCII starting at p (autowrap on); returns the bytes used. */
size_t term_put_ascii(struct term *t, const uint8_t *p, size_t n);
/* HT: to the next tab stop, or the last column. */
void term_tab(struct term *t);
/* DECSC, DECRC: the current screen's saved cursor and colours. */
void term_save_cursor(struct term *t);
void term_restore_cursor(struct term *t);
/* Show screen 0 (main) or 1 (alternate), if there is storage for it. */
void term_switch_screen(struct term *t, unsigned which);
/* SGR 0; RIS's modes, margins, tab stops and saved cursors. */
void term_reset_attrs(struct term *t);
void term_reset_modes(struct term *t);
