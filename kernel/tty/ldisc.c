/*
 * The line discipline (see ldisc.h). Every output byte, the program's and
 * the echo of typed keys alike, goes through out_byte, which applies the
 * output flags and keeps `column` up to date: erasing a tab needs to know
 * how far back the cursor must go.
 */
#include "tty/ldisc.h"

#include "lib/string.h"

#define BEL 0x07
#define OUT_CHUNK 128

/* Output is collected here and emitted in chunks, not byte by byte. */
struct out_buf {
	uint8_t b[OUT_CHUNK];
	size_t n;
};

static void flush(struct ldisc *l, struct out_buf *o)
{
	if (o->n)
		l->emit(l->ctx, o->b, o->n);
	o->n = 0;
}

static void put_out(struct ldisc *l, struct out_buf *o, uint8_t c)
{
	if (o->n == OUT_CHUNK)
		flush(l, o);
	o->b[o->n++] = c;
}

static bool lflag(const struct ldisc *l, uint32_t f) { return (l->t.lflag & f) != 0; }
static bool is_canon(const struct ldisc *l) { return lflag(l, TTY_ICANON); }
/* A c_cc entry matches c (0 disables an entry, _POSIX_VDISABLE). */
static bool is_cc(const struct ldisc *l, int index, uint8_t c) { return l->t.cc[index] && l->t.cc[index] == c; }
static bool is_control(uint8_t c) { return c < 0x20 || c == 0x7f; }
/* A UTF-8 continuation byte takes no column of its own. */
static bool is_continuation(const struct ldisc *l, uint8_t c)
{
	return (l->t.iflag & TTY_IUTF8) && (c & 0xc0) == 0x80;
}

/* One byte out through the output flags (OPOST), the column kept. */
static void out_byte(struct ldisc *l, struct out_buf *o, uint8_t c)
{
	uint32_t of = l->t.oflag;
	if (!(of & TTY_OPOST)) {
		put_out(l, o, c);
		return;
	}
	switch (c) {
	case '\n':
		if (of & (TTY_ONLCR | TTY_ONLRET))
			l->column = 0;
		if (of & TTY_ONLCR)
			put_out(l, o, '\r');
		put_out(l, o, '\n');
		return;
	case '\r':
		if ((of & TTY_ONOCR) && l->column == 0)
			return;
		if (of & TTY_OCRNL) {
			if (of & TTY_ONLRET)
				l->column = 0;
			put_out(l, o, '\n');
			return;
		}
		l->column = 0;
		put_out(l, o, '\r');
		return;
	case '\t': {
		unsigned next = (l->column | 7) + 1;
		if ((of & TTY_TABDLY) == TTY_XTABS) {
			while (l->column < next) {
				put_out(l, o, ' ');
				l->column++;
			}
			return;
		}
		l->column = next;
		put_out(l, o, '\t');
		return;
	}
	case '\b':
		if (l->column)
			l->column--;
		put_out(l, o, '\b');
		return;
	default:
		if (!is_control(c) && !is_continuation(l, c))
			l->column++;
		put_out(l, o, c);
	}
}

/* The echo of a typed byte: control characters as ^X with ECHOCTL (but
 * tab and newline as themselves). */
static void echo_byte(struct ldisc *l, struct out_buf *o, uint8_t c)
{
	if (lflag(l, TTY_ECHOCTL) && is_control(c) && c != '\t' && c != '\n') {
		out_byte(l, o, '^');
		out_byte(l, o, c ^ 0x40);
	} else {
		out_byte(l, o, c);
	}
}

/* How many columns byte c took when it was echoed at column col; the
 * column after it. */
static unsigned echo_advance(const struct ldisc *l, uint8_t c, unsigned col)
{
	if (c == '\t')
		return (col | 7) + 1;
	if (is_control(c))
		return lflag(l, TTY_ECHOCTL) ? col + 2 : col;
	return is_continuation(l, c) ? col : col + 1;
}

static uint8_t at(const struct ldisc *l, uint32_t i) { return l->buf[i % LDISC_BUF]; }
static bool bit(const uint8_t *map, uint32_t i) { return (map[(i % LDISC_BUF) / 8] >> (i % 8)) & 1; }
static void set_bit(uint8_t *map, uint32_t i, bool v)
{
	uint8_t m = (uint8_t)(1u << (i % 8));
	map[(i % LDISC_BUF) / 8] = v ? (map[(i % LDISC_BUF) / 8] | m) : (map[(i % LDISC_BUF) / 8] & ~m);
}

static void store(struct ldisc *l, uint8_t c, bool delim, bool eof)
{
	l->buf[l->head % LDISC_BUF] = c;
	set_bit(l->delim, l->head, delim);
	set_bit(l->eof, l->head, eof);
	l->head++;
}

void ldisc_default_termios(struct tty_termios *t)
{
	static const uint8_t cc[TTY_NCCS] = {
		[TTY_VINTR] = 3, [TTY_VQUIT] = 28, [TTY_VERASE] = 127, [TTY_VKILL] = 21,
		[TTY_VEOF] = 4, [TTY_VTIME] = 0, [TTY_VMIN] = 1, [TTY_VSTART] = 17,
		[TTY_VSTOP] = 19, [TTY_VSUSP] = 26, [TTY_VREPRINT] = 18, [TTY_VWERASE] = 23,
		[TTY_VLNEXT] = 22,
	};
	*t = (struct tty_termios){
		.iflag = TTY_ICRNL,
		.oflag = TTY_OPOST | TTY_ONLCR,
		.cflag = TTY_B38400 | TTY_CS8 | TTY_CREAD | TTY_HUPCL,
		.lflag = TTY_ISIG | TTY_ICANON | TTY_ECHO | TTY_ECHOE | TTY_ECHOK | TTY_ECHOCTL |
		         TTY_ECHOKE | TTY_IEXTEN,
	};
	memcpy(t->cc, cc, sizeof(cc));
}

void ldisc_init(struct ldisc *l, void (*emit)(void *ctx, const uint8_t *s, size_t n), void *ctx)
{
	memset(l, 0, sizeof(*l));
	ldisc_default_termios(&l->t);
	l->emit = emit;
	l->ctx = ctx;
}

void ldisc_set_termios(struct ldisc *l, const struct tty_termios *t)
{
	bool was_canon = is_canon(l);
	l->t = *t;
	if (was_canon && !is_canon(l)) {
		l->canon_head = l->head; /* the line being edited is input now */
	} else if (!was_canon && is_canon(l)) {
		/* Unread input stays readable, as one line ending at its last
		 * byte (Linux does the same: typed-ahead bytes are not lost in
		 * a line that nobody can finish). */
		if (l->head != l->read_tail) {
			set_bit(l->delim, l->head - 1, true);
			set_bit(l->eof, l->head - 1, false);
		}
		l->canon_head = l->head;
		l->canon_column = l->column;
	}
	l->lnext = false;
}

void ldisc_flush_input(struct ldisc *l)
{
	l->read_tail = l->canon_head = l->head;
	l->canon_column = l->column;
	l->lnext = false;
}

enum erase_kind { ERASE_CHAR, ERASE_WORD, ERASE_LINE };

static bool is_blank(uint8_t c) { return c == ' ' || c == '\t'; }

/* VERASE, VWERASE, VKILL on the line being edited, and their echo. */
static void erase(struct ldisc *l, struct out_buf *o, enum erase_kind kind, uint8_t key)
{
	if (l->head == l->canon_head)
		return;
	bool echo = lflag(l, TTY_ECHO);
	if (kind == ERASE_LINE && !(lflag(l, TTY_ECHOE) && lflag(l, TTY_ECHOKE))) {
		/* Not erased on the screen: the key, then a fresh line. */
		l->head = l->canon_head;
		if (echo) {
			echo_byte(l, o, key);
			if (lflag(l, TTY_ECHOK))
				out_byte(l, o, '\n');
		}
		l->canon_column = l->column;
		return;
	}
	if (kind == ERASE_CHAR && echo && !lflag(l, TTY_ECHOE)) {
		echo_byte(l, o, key); /* the key itself shows the erase */
		echo = false;
	}
	bool seen_word = false;
	while (l->head != l->canon_head) {
		uint8_t c = at(l, l->head - 1);
		if (kind == ERASE_WORD) {
			if (is_blank(c) && seen_word)
				break;
			if (!is_blank(c))
				seen_word = true;
		}
		/* A whole UTF-8 character: its continuation bytes and its lead. */
		uint32_t n = 1;
		while (is_continuation(l, c) && l->head - n > l->canon_head)
			c = at(l, l->head - ++n);
		l->head -= n;
		if (echo) {
			if (c == '\t') {
				/* Back to where the tab began: replay the line. */
				unsigned col = l->canon_column;
				for (uint32_t i = l->canon_head; i != l->head; i++)
					col = echo_advance(l, at(l, i), col);
				/* Counted, not "until the column is right": without
				 * OPOST the column does not follow the output. */
				unsigned back = l->column > col ? l->column - col : 0;
				for (unsigned k = 0; k < back && k < LDISC_BUF; k++)
					out_byte(l, o, '\b');
				l->column = col;
			} else {
				unsigned width = echo_advance(l, c, 0);
				for (unsigned k = 0; k < width; k++) {
					out_byte(l, o, '\b');
					out_byte(l, o, ' ');
					out_byte(l, o, '\b');
				}
			}
		}
		if (kind == ERASE_CHAR)
			break;
	}
}

/* ^R: the line being edited, again on a fresh line. */
static void reprint(struct ldisc *l, struct out_buf *o, uint8_t key)
{
	echo_byte(l, o, key);
	out_byte(l, o, '\n');
	l->canon_column = l->column;
	for (uint32_t i = l->canon_head; i != l->head; i++)
		echo_byte(l, o, at(l, i));
}

static int receive(struct ldisc *l, struct out_buf *o, uint8_t c)
{
	uint32_t used = l->head - l->read_tail;
	bool echo = lflag(l, TTY_ECHO);
	if (l->t.iflag & TTY_ISTRIP)
		c &= 0x7f;
	if (l->lnext) { /* taken literally: no mapping, no special meaning */
		l->lnext = false;
		if (echo)
			out_byte(l, o, '\b'); /* over the "^" shown for VLNEXT */
		goto ordinary;
	}
	if (c == '\r') {
		if (l->t.iflag & TTY_IGNCR)
			return 0;
		if (l->t.iflag & TTY_ICRNL)
			c = '\n';
	} else if (c == '\n' && (l->t.iflag & TTY_INLCR)) {
		c = '\r';
	}
	if (lflag(l, TTY_ISIG)) {
		int sig = is_cc(l, TTY_VINTR, c)   ? LDISC_SIGINT
		          : is_cc(l, TTY_VQUIT, c) ? LDISC_SIGQUIT
		          : is_cc(l, TTY_VSUSP, c) ? LDISC_SIGTSTP
		                                   : 0;
		if (sig) {
			if (!lflag(l, TTY_NOFLSH))
				ldisc_flush_input(l);
			if (echo)
				echo_byte(l, o, c);
			if (is_canon(l))
				l->canon_column = l->column;
			return sig;
		}
	}
	if (lflag(l, TTY_IEXTEN) && is_cc(l, TTY_VLNEXT, c)) {
		l->lnext = true;
		if (echo && lflag(l, TTY_ECHOCTL)) {
			out_byte(l, o, '^');
			out_byte(l, o, '\b');
		}
		return 0;
	}
	if (is_canon(l)) {
		if (is_cc(l, TTY_VERASE, c)) {
			erase(l, o, ERASE_CHAR, c);
			return 0;
		}
		if (lflag(l, TTY_IEXTEN) && is_cc(l, TTY_VWERASE, c)) {
			erase(l, o, ERASE_WORD, c);
			return 0;
		}
		if (is_cc(l, TTY_VKILL, c)) {
			erase(l, o, ERASE_LINE, c);
			return 0;
		}
		if (lflag(l, TTY_IEXTEN) && is_cc(l, TTY_VREPRINT, c)) {
			if (echo)
				reprint(l, o, c);
			return 0;
		}
		bool eof = is_cc(l, TTY_VEOF, c);
		if (c == '\n' || eof || is_cc(l, TTY_VEOL, c) || is_cc(l, TTY_VEOL2, c)) {
			if (used == LDISC_BUF)
				return 0;
			if (c == '\n' ? (echo || lflag(l, TTY_ECHONL)) : (echo && !eof))
				echo_byte(l, o, c);
			store(l, c, true, eof);
			l->canon_head = l->head;
			l->canon_column = l->column;
			return 0;
		}
	}
ordinary:
	/* In canonical mode one byte stays free for the line's end, so a
	 * full line can always be ended. */
	if (used >= LDISC_BUF - (is_canon(l) ? 1u : 0u)) {
		if (echo && (l->t.iflag & TTY_IMAXBEL))
			put_out(l, o, BEL);
		return 0;
	}
	if (echo)
		echo_byte(l, o, c);
	store(l, c, false, false);
	if (!is_canon(l))
		l->canon_head = l->head;
	return 0;
}

int ldisc_receive(struct ldisc *l, uint8_t c)
{
	struct out_buf o = {.n = 0};
	int sig = receive(l, &o, c);
	flush(l, &o);
	return sig;
}

bool ldisc_read_ready(const struct ldisc *l, unsigned min)
{
	if (is_canon(l))
		return l->canon_head != l->read_tail;
	return l->head - l->read_tail >= min;
}

size_t ldisc_available(const struct ldisc *l) { return l->canon_head - l->read_tail; }

size_t ldisc_read(struct ldisc *l, uint8_t *out, size_t n)
{
	size_t k = 0;
	while (k < n && l->read_tail != l->canon_head) {
		uint32_t i = l->read_tail;
		uint8_t c = at(l, i);
		bool delim = is_canon(l) && bit(l->delim, i);
		l->read_tail++;
		if (delim && bit(l->eof, i))
			break; /* an end of file: not passed on */
		out[k++] = c;
		if (delim)
			break; /* one line per read */
	}
	return k;
}

void ldisc_write(struct ldisc *l, const uint8_t *in, size_t n)
{
	struct out_buf o = {.n = 0};
	for (size_t i = 0; i < n; i++)
		out_byte(l, &o, in[i]);
	flush(l, &o);
}
