/*
 * The line editor (line_edit.h): a byte-at-a-time input parser, a text
 * buffer with a cursor, a history ring, and the redraw that keeps the
 * terminal showing prompt + text.
 *
 * The main invariant ties the struct to the screen. Whenever no call is in
 * progress, the terminal shows the prompt followed by buf[0..shown_len), and
 * its cursor is at the screen position of index shown_pos, where index i
 * lives at row (prompt_width + i) / cols (counted from the prompt's row) and
 * column (prompt_width + i) % cols. When a public call returns, shown_len ==
 * len and shown_pos == pos. The position of index i is "normalized": when
 * prompt_width + i is a multiple of cols, the cursor is really at column 0
 * of the next row, never parked on the last column with a wrap pending (a
 * VT100 writing the last column keeps the cursor there until the next
 * character). That row therefore exists on screen whenever the cursor is at
 * the end, and every row from the prompt's to that of index shown_len
 * exists, so moving down with ESC[nB never runs into the bottom of the
 * screen.
 *
 * Rows end where the editor says, not where a terminal would wrap: after the
 * character in the last column (cols - 1) the redraw sends CR LF itself. The
 * same output reaches the framebuffer terminal and the serial port, whose
 * widths differ (240 columns at 1920 pixels, against the 80 of a serial
 * terminal); the shell passes the narrower one as cols, and a wider terminal
 * then shows exactly the same rows, with nothing past column cols. Relying on
 * autowrap instead garbled the narrower terminal as soon as a line passed
 * its width. The CR LF after the last column also makes a VT100's pending
 * wrap happen, which the invariant above needs.
 */
#include "shell/line_edit.h"

#define CTRL(c)   ((c) - '@')
#define BEL       0x07
#define ESC       0x1b
#define DEL       0x7f
#define PARAM_MAX 9999

enum esc_state {
	ESC_NONE, /* plain input */
	ESC_ESC,  /* after ESC */
	ESC_CSI,  /* after ESC [ : parameters until a final byte 0x40-0x7e */
	ESC_SS3,  /* after ESC O : one final byte */
};

/* ---- output ---- */

static void flush(struct line_edit *le)
{
	if (le->olen > 0)
		le->out(le->ctx, le->obuf, le->olen);
	le->olen = 0;
}

static void emit(struct line_edit *le, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (le->olen == sizeof(le->obuf))
			flush(le);
		le->obuf[le->olen++] = s[i];
	}
}

static void emit_str(struct line_edit *le, const char *s)
{
	size_t n = 0;
	while (s[n] != '\0')
		n++;
	emit(le, s, n);
}

static void emit_byte(struct line_edit *le, char c)
{
	emit(le, &c, 1);
}

/* ESC [ n final, with n left out when it is 1 (the default). */
static void emit_csi(struct line_edit *le, size_t n, char final)
{
	char digits[20];
	unsigned k = 0;

	emit_str(le, "\033[");
	if (n != 1) {
		do
			digits[k++] = (char)('0' + n % 10);
		while ((n /= 10) != 0);
		while (k > 0)
			emit_byte(le, digits[--k]);
	}
	emit_byte(le, final);
}

/* ---- screen geometry and redraw ---- */

static size_t row_of(const struct line_edit *le, size_t i)
{
	return (le->prompt_width + i) / le->cols;
}
static size_t col_of(const struct line_edit *le, size_t i)
{
	return (le->prompt_width + i) % le->cols;
}

/* Moves the terminal cursor from the position of index `from` to that of
 * `to`. Both must be <= shown_len, so the rows in between exist. */
static void move_cursor(struct line_edit *le, size_t from, size_t to)
{
	size_t rf = row_of(le, from), rt = row_of(le, to);
	size_t cf = col_of(le, from), ct = col_of(le, to);

	if (rt < rf)
		emit_csi(le, rf - rt, 'A');
	else if (rt > rf)
		emit_csi(le, rt - rf, 'B');
	if (ct < cf)
		emit_csi(le, cf - ct, 'D');
	else if (ct > cf)
		emit_csi(le, ct - cf, 'C');
}

/* Redraws the text from index `from` on, after an edit that left
 * buf[0..from) as the screen shows it (so from <= len and <= shown_len),
 * erases what is left of a longer old text and puts the cursor at pos. */
static void redraw_from(struct line_edit *le, size_t from)
{
	move_cursor(le, le->shown_pos, from);
	for (size_t i = from; i < le->len; i++) {
		emit_byte(le, le->buf[i]);
		if (col_of(le, i + 1) == 0)
			emit_str(le, "\r\n"); /* the row ends here, on every terminal */
	}
	if (le->shown_len > le->len)
		emit_str(le, row_of(le, le->shown_len) > row_of(le, le->len) ? "\033[J" : "\033[K");
	move_cursor(le, le->len, le->pos);
	le->shown_len = le->len;
	le->shown_pos = le->pos;
}

/* Prints the prompt and the whole text on a fresh row, cursor at column 0. */
static void draw_all(struct line_edit *le)
{
	emit_str(le, le->prompt);
	if (le->prompt_width > 0 && le->prompt_width % le->cols == 0)
		emit_str(le, "\r\n");
	le->shown_len = le->shown_pos = 0;
	redraw_from(le, 0);
}

/* Puts the cursor after the text and starts a new row there, leaving the
 * line on screen as it is: before output that must not overwrite it. */
static void leave_line(struct line_edit *le)
{
	move_cursor(le, le->shown_pos, le->shown_len);
	/* At the right margin the cursor is already at column 0 of a new row. */
	if (col_of(le, le->shown_len) != 0 || le->prompt_width + le->shown_len == 0)
		emit_str(le, "\r\n");
	le->shown_len = le->shown_pos = 0;
}

/* ---- editing ---- */

static void set_pos(struct line_edit *le, size_t pos)
{
	le->pos = pos;
	move_cursor(le, le->shown_pos, pos);
	le->shown_pos = pos;
}

/* Inserts s[0..n) at the cursor, all of it or (if it does not fit) none. */
static bool insert(struct line_edit *le, const char *s, size_t n)
{
	if (n > LINE_MAX_CHARS - le->len)
		return false;
	for (size_t i = le->len; i > le->pos; i--)
		le->buf[i - 1 + n] = le->buf[i - 1];
	for (size_t i = 0; i < n; i++)
		le->buf[le->pos + i] = s[i];
	le->len += n;
	le->buf[le->len] = '\0';
	size_t from = le->pos;
	le->pos += n;
	redraw_from(le, from);
	return true;
}

/* Deletes buf[a..b) and leaves the cursor at a. */
static void delete_range(struct line_edit *le, size_t a, size_t b)
{
	if (a >= b)
		return;
	for (size_t i = b; i <= le->len; i++) /* the NUL too */
		le->buf[i - (b - a)] = le->buf[i];
	le->len -= b - a;
	le->pos = a;
	/* Once the text is all gone, so is the part that was refused. */
	if (le->len == 0)
		le->overflow = false;
	redraw_from(le, a);
}

/* Replaces the whole text (a history entry) with the cursor at its end. */
static void replace(struct line_edit *le, const char *s, bool overflow)
{
	size_t n = 0;
	while (s[n] != '\0' && n < LINE_MAX_CHARS) {
		le->buf[n] = s[n];
		n++;
	}
	le->buf[n] = '\0';
	le->len = le->pos = n;
	le->overflow = overflow;
	redraw_from(le, 0);
}

static size_t word_start(const struct line_edit *le)
{
	size_t i = le->pos;
	while (i > 0 && le->buf[i - 1] != ' ')
		i--;
	return i;
}

/* ---- history ---- */

static char *hist_entry(struct line_edit *le, unsigned i)
{
	return le->hist[(le->hist_head + LINE_HISTORY - 1 - i) % LINE_HISTORY];
}

static bool same(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b)
		a++, b++;
	return *a == *b;
}

static void hist_add(struct line_edit *le)
{
	size_t i = 0;
	while (le->buf[i] == ' ')
		i++;
	if (le->buf[i] == '\0' || (le->hist_count > 0 && same(hist_entry(le, 0), le->buf)))
		return;
	char *slot = le->hist[le->hist_head];
	for (i = 0; i <= le->len; i++)
		slot[i] = le->buf[i];
	le->hist_head = (le->hist_head + 1) % LINE_HISTORY;
	if (le->hist_count < LINE_HISTORY)
		le->hist_count++;
}

/* Walks the history: dir +1 to older lines, -1 to newer and finally back to
 * the line that was being typed, kept in `saved` meanwhile. */
static void hist_move(struct line_edit *le, int dir)
{
	if ((dir > 0 && le->browse >= le->hist_count) || (dir < 0 && le->browse == 0)) {
		emit_byte(le, BEL);
		return;
	}
	if (le->browse == 0) {
		for (size_t i = 0; i <= le->len; i++)
			le->saved[i] = le->buf[i];
		le->saved_overflow = le->overflow;
	}
	le->browse = dir > 0 ? le->browse + 1 : le->browse - 1;
	if (le->browse == 0)
		replace(le, le->saved, le->saved_overflow);
	else
		replace(le, hist_entry(le, le->browse - 1), false);
}

/* ---- keys ---- */

enum key { K_NONE, K_UP, K_DOWN, K_LEFT, K_RIGHT, K_HOME, K_END, K_DELETE };

static enum line_result do_key(struct line_edit *le, enum key k)
{
	switch (k) {
	case K_UP:
		hist_move(le, 1);
		break;
	case K_DOWN:
		hist_move(le, -1);
		break;
	case K_LEFT:
		if (le->pos > 0)
			set_pos(le, le->pos - 1);
		break;
	case K_RIGHT:
		if (le->pos < le->len)
			set_pos(le, le->pos + 1);
		break;
	case K_HOME:
		set_pos(le, 0);
		break;
	case K_END:
		set_pos(le, le->len);
		break;
	case K_DELETE:
		delete_range(le, le->pos, le->pos < le->len ? le->pos + 1 : le->pos);
		break;
	case K_NONE:
		break;
	}
	return LINE_NONE;
}

/* The keys a final byte names after ESC [ or ESC O, and the control bytes
 * that act as keys (the readline/emacs bindings). */
static const uint8_t final_key[] = {
        ['A' - 'A'] = K_UP,   ['B' - 'A'] = K_DOWN, ['C' - 'A'] = K_RIGHT,
        ['D' - 'A'] = K_LEFT, ['F' - 'A'] = K_END,  ['H' - 'A'] = K_HOME,
};
static const uint8_t ctrl_key[0x20] = {
        [CTRL('A')] = K_HOME,  [CTRL('E')] = K_END, [CTRL('B')] = K_LEFT,
        [CTRL('F')] = K_RIGHT, [CTRL('P')] = K_UP,  [CTRL('N')] = K_DOWN,
};

static enum key csi_key(uint8_t final, unsigned param)
{
	if (final >= 'A' && final <= 'H')
		return (enum key)final_key[final - 'A'];
	/* VT220 editing keys, ESC [ n ~; 1/4 and 7/8 are Home/End in the Linux
	 * console and rxvt. Insert, Page Up/Down, F5 and up do nothing. */
	if (final == '~' && (param == 1 || param == 7))
		return K_HOME;
	if (final == '~' && (param == 4 || param == 8))
		return K_END;
	if (final == '~' && param == 3)
		return K_DELETE;
	return K_NONE;
}

/* One byte of an escape sequence, 0x20-0x7e (controls were handled). */
static enum line_result feed_escape(struct line_edit *le, uint8_t c)
{
	switch (le->esc) {
	case ESC_ESC:
		le->esc = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : ESC_NONE;
		le->esc_bad = false;
		le->esc_nparam = 0;
		le->esc_param = 0;
		return LINE_NONE; /* ESC x (Meta-x) is swallowed */
	case ESC_CSI:
		if (c >= '0' && c <= '9') {
			unsigned v = le->esc_param * 10u + (unsigned)(c - '0');
			if (le->esc_nparam == 0) /* later ones are modifiers: ignored */
				le->esc_param = (uint16_t)(v < PARAM_MAX ? v : PARAM_MAX);
		} else if (c == ';') {
			if (le->esc_nparam < UINT8_MAX)
				le->esc_nparam++;
		} else if (c < 0x40) {
			le->esc_bad = true; /* private markers, ':', intermediates */
		} else {
			le->esc = ESC_NONE;
			if (!le->esc_bad)
				return do_key(le, csi_key(c, le->esc_param));
		}
		return LINE_NONE;
	case ESC_SS3:
		if (c >= 0x40) {
			le->esc = ESC_NONE;
			/* ESC O A..D/H/F: cursor keys in application mode;
			 * F1-F4 (ESC O P..S) fall through csi_key as nothing. */
			return do_key(le, csi_key(c, 0));
		}
		return LINE_NONE;
	default:
		le->esc = ESC_NONE;
		return LINE_NONE;
	}
}

static enum line_result enter(struct line_edit *le)
{
	leave_line(le);
	flush(le);
	le->active = false;
	if (le->overflow)
		return LINE_TOO_LONG;
	hist_add(le);
	return LINE_DONE;
}

static enum line_result feed_control(struct line_edit *le, uint8_t c)
{
	switch (c) {
	case '\r':
	case '\n':
		return enter(le);
	case DEL:
	case CTRL('H'):
		if (le->pos > 0)
			delete_range(le, le->pos - 1, le->pos);
		return LINE_NONE;
	case CTRL('D'):
		if (le->len == 0)
			return LINE_EOF;
		return do_key(le, K_DELETE);
	case CTRL('K'):
		delete_range(le, le->pos, le->len);
		return LINE_NONE;
	case CTRL('U'):
		delete_range(le, 0, le->pos);
		return LINE_NONE;
	case CTRL('W'): {
		size_t end = le->pos;
		while (le->pos > 0 && le->buf[le->pos - 1] == ' ')
			le->pos--;
		size_t start = word_start(le);
		le->pos = end;
		delete_range(le, start, end);
		return LINE_NONE;
	}
	case CTRL('C'):
		/* The abandoned text stays on screen, marked, like a shell's. */
		move_cursor(le, le->shown_pos, le->shown_len);
		emit_str(le, "^C\r\n");
		le->len = le->pos = 0;
		le->buf[0] = '\0';
		le->overflow = false;
		le->browse = 0;
		draw_all(le);
		return LINE_CANCELLED;
	case CTRL('L'):
		emit_str(le, "\033[2J\033[H");
		draw_all(le);
		return LINE_NONE;
	case '\t':
		return LINE_COMPLETE;
	case ESC:
		le->esc = ESC_ESC;
		return LINE_NONE;
	default:
		/* The keys of ctrl_key; NUL and the other controls do nothing. */
		return c < 0x20 ? do_key(le, (enum key)ctrl_key[c]) : LINE_NONE;
	}
}

/* ---- public interface ---- */

void line_init(struct line_edit *le, const char *prompt, unsigned prompt_width,
               unsigned screen_cols, line_output_fn *out, void *ctx)
{
	*le = (struct line_edit){
	        .prompt = prompt != NULL ? prompt : "",
	        .prompt_width = prompt_width,
	        .cols = screen_cols != 0 ? screen_cols : LINE_DEFAULT_COLS,
	        .out = out,
	        .ctx = ctx,
	};
}

void line_start(struct line_edit *le)
{
	le->len = le->pos = 0;
	le->buf[0] = '\0';
	le->overflow = false;
	le->tabs = 0;
	le->browse = 0;
	le->esc = ESC_NONE;
	le->active = true;
	draw_all(le);
	flush(le);
}

enum line_result line_feed(struct line_edit *le, char byte)
{
	uint8_t c = (uint8_t)byte;
	enum line_result r = LINE_NONE;
	bool lf_of_crlf = c == '\n' && le->after_cr;

	le->after_cr = c == '\r';
	if (!le->active || lf_of_crlf)
		return LINE_NONE;
	le->tabs = c == '\t' ? le->tabs + 1 : 0;

	if (c >= 0x80) {
		le->esc = ESC_NONE; /* no terminal sends these inside a sequence */
	} else if (c >= 0x20 && c < DEL && le->esc != ESC_NONE) {
		r = feed_escape(le, c);
	} else if (c >= 0x20 && c < DEL) {
		if (!insert(le, (const char *)&c, 1)) {
			le->overflow = true;
			emit_byte(le, BEL);
		}
	} else {
		/* A control byte cancels a sequence and counts on its own, so an
		 * Enter or ^C after a stray ESC is never lost. */
		le->esc = ESC_NONE;
		r = feed_control(le, c);
	}
	flush(le);
	return r;
}

/* The length of w if it starts with prefix[0..plen) and is all printable
 * ASCII without spaces (anything else would break the line), else 0. */
static size_t candidate(const char *w, const char *prefix, size_t plen)
{
	size_t k = 0;
	while (k < plen && w[k] == prefix[k])
		k++;
	if (k < plen)
		return 0;
	while (w[k] > ' ' && w[k] < DEL)
		k++;
	return w[k] == '\0' ? k : 0;
}

void line_complete(struct line_edit *le, const char *const *words, size_t n)
{
	if (!le->active)
		return;
	size_t ws = word_start(le), plen = le->pos - ws;
	const char *prefix = le->buf + ws;
	const char *first = NULL;
	size_t matches = 0, lcp = 0, k;

	for (size_t i = 0; i < n; i++) {
		size_t wl = candidate(words[i], prefix, plen);
		if (wl == 0)
			continue;
		if (matches++ == 0) {
			first = words[i];
			lcp = wl;
		}
		for (k = plen; k < lcp && words[i][k] == first[k];)
			k++;
		lcp = k;
	}

	if (matches == 1) {
		bool ok = insert(le, first + plen, lcp - plen);
		if (ok && le->pos < le->len && le->buf[le->pos] == ' ')
			set_pos(le, le->pos + 1);
		else if (!ok || !insert(le, " ", 1))
			emit_byte(le, BEL);
	} else if (matches > 1 && lcp > plen) {
		if (!insert(le, first + plen, lcp - plen))
			emit_byte(le, BEL);
	} else if (matches > 1 && le->tabs >= 2) {
		/* The list goes below the line; then a fresh prompt and line. */
		leave_line(le);
		size_t col = 0;
		for (size_t i = 0; i < n; i++) {
			size_t wl = candidate(words[i], prefix, plen);
			if (wl == 0)
				continue;
			if (col > 0 && col + 2 + wl > le->cols) {
				emit_str(le, "\r\n");
				col = 0;
			} else if (col > 0) {
				emit_str(le, "  ");
				col += 2;
			}
			emit(le, words[i], wl);
			col += wl;
		}
		emit_str(le, "\r\n");
		draw_all(le);
	} else {
		emit_byte(le, BEL);
	}
	flush(le);
}

unsigned line_cursor_word(const struct line_edit *le)
{
	unsigned starts = 0;
	for (size_t i = 0; i < le->pos; i++)
		if (le->buf[i] != ' ' && (i == 0 || le->buf[i - 1] == ' '))
			starts++;
	/* Right after a space (or at 0) the cursor begins the next word. */
	if (le->pos == 0 || le->buf[le->pos - 1] == ' ')
		return starts;
	return starts - 1;
}

const char *line_text(const struct line_edit *le)
{
	return le->buf;
}
size_t line_cursor(const struct line_edit *le)
{
	return le->pos;
}
unsigned line_history_count(const struct line_edit *le)
{
	return le->hist_count;
}

const char *line_history(const struct line_edit *le, unsigned i)
{
	if (i >= le->hist_count)
		return NULL;
	return le->hist[(le->hist_head + LINE_HISTORY - 1 - i) % LINE_HISTORY];
}
