/*
 * The text terminal: a grid of character cells, a cursor, colours and an
 * ANSI escape-sequence parser, drawn through a small backend interface
 * (fb.c in the kernel, an in-memory fake in the host tests). Like flanterm's
 * context vs its backends/fb.c, this file knows nothing about pixels.
 *
 * Invariants:
 *  - The all-zero cell means "blank, default colours", and both grids start
 *    all zero: the caller hands in zeroed storage (sized to the screen) and
 *    a screen that is already black (the loader clears it), so term_init
 *    touches neither cells nor pixels.
 *  - `shown` is exactly what the backend has drawn; term_flush draws the
 *    cells where the wanted grid (plus the cursor) differs from it, and only
 *    in rows marked dirty since the last flush. Nothing is drawn by
 *    term_write itself, so a burst of output costs one draw per changed cell.
 *  - A screen's rows are reached through a row map (screen row -> storage
 *    row): scrolling, in the whole screen or in a scroll region, and
 *    inserting or deleting lines permute the map and clear the rows that
 *    come in; no cell is copied between rows.
 *  - The alternate screen (ESC[?1049h and friends) is a second grid with
 *    its own row map; the main grid keeps its contents meanwhile. Without
 *    storage for it (term_set_alt_screen), those sequences are ignored.
 *  - Answers to the terminal's queries (cursor position, status, device
 *    attributes) are queued in the struct, never sent from inside
 *    term_write: the caller fetches them with term_take_reply once it
 *    holds no lock, and feeds them to whatever reads the terminal.
 *
 * Characters: input is UTF-8; a cell holds a Latin-1 glyph index (the font
 * from scripts/mkfont.py has glyph N = U+00NN), and anything outside
 * Latin-1, or malformed, shows the replacement glyph at TERM_GLYPH_REPLACEMENT.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest grid the kernel provides storage for: 4096x2560 pixels with an
 * 8x16 font. A larger screen (or smaller font) shows only the top-left
 * TERM_MAX_COLS x TERM_MAX_ROWS cells. */
#define TERM_MAX_COLS 512
#define TERM_MAX_ROWS 160
#define TERM_MAX_CELLS (TERM_MAX_COLS * TERM_MAX_ROWS)

#define TERM_COLOURS 16         /* 8 ANSI colours, then their bright versions */
#define TERM_DEFAULT_FG 7       /* light grey */
#define TERM_DEFAULT_BG 0       /* black: what the loader cleared the screen to */
#define TERM_GLYPH_REPLACEMENT 0x1a /* ASCII SUB; mkfont.py puts U+FFFD (or '?') there */
#define TERM_TAB_WIDTH 8
#define TERM_MAX_PARAMS 16      /* CSI parameters kept; more are ignored */
#define TERM_PARAM_MAX 9999     /* a larger CSI parameter is clamped to this */
#define TERM_REPLY_MAX 64       /* queued answer bytes; more are dropped */

/* The default palette, 0xRRGGBB, indexed by colour (VGA text-mode colours). */
extern const uint32_t term_default_palette[TERM_COLOURS];

/* A cell. glyph 0 is blank; attr holds (fg ^ TERM_DEFAULT_FG) in bits 0-3
 * and bg in bits 4-7, so that zero means the default colours. Treat it as
 * opaque and read it with term_get_cell. */
struct term_cell {
	uint8_t glyph;
	uint8_t attr;
};

/* Draw `glyph` at (col, row) in palette colours fg and bg (0..15). The
 * terminal never passes glyph 0: a blank cell is drawn as ' '. */
typedef void term_draw_cell_fn(void *ctx, uint32_t col, uint32_t row, uint8_t glyph, uint8_t fg,
                               uint8_t bg);

struct term_backend {
	term_draw_cell_fn *draw_cell;
	void *ctx;
};

enum term_error {
	TERM_OK = 0,
	TERM_ERR_SIZE = -1, /* no columns or rows, or storage for less than one row */
};

/* One screen: cell storage and the map from screen rows to storage rows. */
struct term_screen {
	struct term_cell *cells;
	uint16_t map[TERM_MAX_ROWS];
};

/* What DECSC (ESC 7, CSI s) saves and DECRC (ESC 8, CSI u) restores. */
struct term_saved {
	uint32_t cx, cy;
	uint8_t fg, bg;
	bool bold, inverse;
};

struct term {
	struct term_backend backend;
	struct term_screen screens[2]; /* main, alternate */
	struct term_screen *scr;    /* the one shown */
	bool has_alt;               /* screens[1] has storage */
	struct term_cell *shown;    /* in screen order: what the backend shows */
	uint32_t cols, rows;

	uint32_t cx, cy;            /* cursor */
	bool wrap_pending;          /* last column written: wrap before the next character */
	bool cursor_visible;
	bool autowrap;              /* DECAWM (?7): wrap at the right margin, else overwrite */
	bool newline_mode;          /* LNM (20): LF also returns to column 0; on by default */
	uint32_t margin_top, margin_bottom; /* scroll region: rows [top, bottom) */
	struct term_saved saved[2]; /* per screen, as xterm keeps them */
	uint8_t tabs[TERM_MAX_COLS / 8]; /* tab stops, one bit per column */
	uint32_t drawn_cy;          /* row the flush drew the cursor on, or UINT32_MAX */
	uint32_t dirty_lo, dirty_hi; /* screen rows [lo, hi) may differ from `shown` */

	uint8_t fg, bg;             /* SGR colours, 0..15 */
	bool bold, inverse;

	uint8_t state;              /* escape parser state (term.c) */
	bool csi_private;           /* CSI had a private marker ('?', '<', '=', '>') */
	bool csi_ignore;            /* CSI had intermediates or ':' sub-parameters */
	uint8_t nparams;
	uint16_t params[TERM_MAX_PARAMS];

	uint32_t utf8_cp;           /* code point being decoded */
	uint32_t utf8_min;          /* smallest code point its length may encode */
	uint8_t utf8_left;          /* continuation bytes still expected */

	uint8_t reply_len;          /* queued answer bytes (term_take_reply) */
	char reply[TERM_REPLY_MAX];
};

/* Set up a cols x rows terminal (clipped to TERM_MAX_COLS x TERM_MAX_ROWS
 * and to what `ncells` cells of storage hold) drawing through *backend.
 * `want` and `shown` must each hold `ncells` cells and be zeroed, and the
 * screen must show blank default cells (black); nothing is drawn or cleared
 * here. The cursor starts hidden. Returns TERM_OK or TERM_ERR_SIZE. */
int term_init(struct term *t, uint32_t cols, uint32_t rows, struct term_cell *want,
              struct term_cell *shown, size_t ncells, const struct term_backend *backend);

/* Give the terminal storage for the alternate screen: `ncells` cells,
 * zeroed, at least cols x rows of them (else ignored). */
void term_set_alt_screen(struct term *t, struct term_cell *alt, size_t ncells);

/* Move up to `cap` queued answer bytes (replies to ESC[6n, ESC[5n, ESC[c)
 * into buf, oldest first; returns how many. Bytes that did not fit stay
 * queued. The answers belong on the terminal's input, as if typed. */
size_t term_take_reply(struct term *t, char *buf, size_t cap);

/* Interpret n bytes of UTF-8 text with control characters and ANSI escape
 * sequences. Updates the grid only; call term_flush to draw. */
void term_write(struct term *t, const char *s, size_t n);

/* Draw every cell that differs from what is on screen. */
void term_flush(struct term *t);

/* Show the write position as an inverse cell (also ESC[?25h / ESC[?25l). */
void term_set_cursor_visible(struct term *t, bool visible);

/* The cursor position (0-based). After writing the last column the cursor
 * stays there until the next character wraps (as on a VT100). */
void term_get_cursor(const struct term *t, uint32_t *col, uint32_t *row);

/* What the grid holds at (col, row): glyph (' ' for a blank cell) and
 * palette colours. Returns false, leaving the outputs alone, off the grid. */
bool term_get_cell(const struct term *t, uint32_t col, uint32_t row, uint8_t *glyph,
                   uint8_t *fg, uint8_t *bg);
