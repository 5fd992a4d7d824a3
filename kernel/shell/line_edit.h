/*
 * The shell's line editor: turns the console's input bytes (kbd_decode.h and
 * a serial terminal send the same VT100/xterm sequences) into one line of
 * text, echoing and redrawing it through an output callback. It does no I/O
 * of its own and allocates nothing: all state, the history included, lives
 * in struct line_edit, so the host tests run it as it is.
 *
 * Keys: printable ASCII inserts at the cursor; Backspace (DEL or ^H) and
 * Delete (ESC[3~, or ^D on a non-empty line) delete; Left/Right (ESC[D/C,
 * ESC O D/C, ^B/^F); Home/End (ESC[H/F, ESC[1~/4~, ESC[7~/8~, ESC O H/F,
 * ^A/^E); Up/Down (ESC[A/B, ESC O A/B, ^P/^N) walk the history; ^K, ^U and
 * ^W delete to the end, to the start and the word before the cursor; ^L
 * clears the screen; ^C abandons the line; Tab asks for completion; CR or LF
 * ends the line (CR LF counts once). Modifier parameters are ignored, as the
 * keyboard decoder does (ESC[1;5C moves right); every other sequence,
 * control byte and non-ASCII byte is swallowed without trace.
 *
 * The screen: the prompt must start at column 0 and fit in one row, and
 * screen_cols must be at most the width of every terminal the output
 * reaches, because the editor moves the cursor over its rows with relative
 * CSI sequences computed from (prompt_width + index) / screen_cols. It ends
 * each row itself (CR LF after column screen_cols - 1), so a terminal wider
 * than screen_cols shows the same rows. Output uses CR, LF (always as CR LF), BEL, ESC[nA/B/C/D,
 * ESC[K, ESC[J and, for ^L only, ESC[2J ESC[H, which both the framebuffer
 * terminal (console/term.h) and a VT100 understand.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINE_SIZE         256             /* buffer bytes, with the NUL */
#define LINE_MAX_CHARS    (LINE_SIZE - 1) /* the longest line */
#define LINE_HISTORY      16              /* lines remembered; older ones are forgotten */
#define LINE_DEFAULT_COLS 80              /* used when screen_cols is 0 (serial only) */
#define LINE_OUT_BUF      128             /* output is batched up to this many bytes */

/* How the editor writes to the terminal. Called at least once per public
 * call that changed the screen, never with n == 0. */
typedef void line_output_fn(void *ctx, const char *bytes, size_t n);

enum line_result {
	LINE_NONE = 0,  /* byte consumed; keep feeding */
	LINE_DONE,      /* Enter: line_text() holds the line, already in the history */
	LINE_TOO_LONG,  /* Enter on a line that lost typed characters: do not run it */
	LINE_CANCELLED, /* ^C: "^C" and a fresh prompt are already on screen */
	LINE_EOF,       /* ^D on an empty line; the line stays open, ignoring it is fine */
	LINE_COMPLETE,  /* Tab: call line_complete() with the candidates (or nothing) */
};

/* All the editor's state. Initialise with line_init; treat as opaque. */
struct line_edit {
	const char *prompt;
	unsigned prompt_width; /* visible columns of the prompt */
	unsigned cols;         /* screen width, never 0 */
	line_output_fn *out;
	void *ctx;

	char buf[LINE_SIZE]; /* the line, NUL-terminated at len */
	size_t len, pos;     /* pos: cursor, 0..len */
	bool active;         /* between line_start and the end of the line */
	bool overflow;       /* typed characters were refused for want of room */
	unsigned tabs;       /* Tab presses in a row */

	size_t shown_len, shown_pos; /* the text on screen and where the cursor is */

	uint8_t esc;        /* input escape parser state (line_edit.c) */
	bool esc_bad;       /* sequence has a private marker or intermediates */
	uint8_t esc_nparam; /* ';' seen so far */
	uint16_t esc_param; /* the first parameter, clamped */
	bool after_cr;      /* the last byte was CR: a LF now is the same Enter */

	/* History ring: hist[(head - 1 - i) % LINE_HISTORY] is the i-th newest
	 * line, for i < count. browse is 0 while editing the new line, i + 1
	 * while showing the i-th newest; saved then holds the new line. */
	char hist[LINE_HISTORY][LINE_SIZE];
	unsigned hist_head, hist_count, browse;
	char saved[LINE_SIZE];
	bool saved_overflow;

	char obuf[LINE_OUT_BUF];
	size_t olen;
};

/* Sets up an editor with an empty history. `prompt` (NUL-terminated, may
 * hold SGR sequences) must outlive the editor; prompt_width is its visible
 * width. screen_cols 0 means LINE_DEFAULT_COLS. Prints nothing. */
void line_init(struct line_edit *le, const char *prompt, unsigned prompt_width,
               unsigned screen_cols, line_output_fn *out, void *ctx);

/* Starts a new, empty line and prints the prompt. Call after line_init and
 * after every LINE_DONE or LINE_TOO_LONG (once the command's output is
 * done, ending with a newline). */
void line_start(struct line_edit *le);

/* Consumes one input byte (any value; 0x80-0xff are ignored). Between the
 * end of a line and the next line_start, bytes are ignored (LINE_NONE). */
enum line_result line_feed(struct line_edit *le, char byte);

/* Completes the word that ends at the cursor against words[0..n) (those not
 * starting with it are skipped): one match inserts the rest of it and a
 * space; several insert their longest common prefix, or beep if that adds
 * nothing, and list the matches on the second Tab in a row; none beep. */
void line_complete(struct line_edit *le, const char *const *words, size_t n);

/* Which word the cursor is in or just after: 0 for the command name, 1 for
 * its first argument... so the caller knows which candidates to offer. */
unsigned line_cursor_word(const struct line_edit *le);

/* The line being edited, or after LINE_DONE the finished one; NUL-terminated. */
const char *line_text(const struct line_edit *le);
size_t line_cursor(const struct line_edit *le);

/* The i-th newest history line (0 is the last one entered), or NULL. */
const char *line_history(const struct line_edit *le, unsigned i);
unsigned line_history_count(const struct line_edit *le);
