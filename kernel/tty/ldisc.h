/*
 * The line discipline: what a terminal does between the keys a person
 * types and the bytes a program reads, and between the bytes a program
 * writes and what appears (Linux's n_tty, the POSIX "general terminal
 * interface"). Pure logic with no locks and no devices, so host tests and a
 * fuzzer run exactly this code; the terminal (tty.c) calls it with its
 * lock held and gives it a function that puts bytes on the screen.
 *
 *   keys ──► ldisc_receive ──► input mapping (ICRNL, INLCR, IGNCR, ISTRIP)
 *                              signal keys (ISIG: ^C ^\ ^Z) ──► the caller
 *                              editing (ICANON: erase, kill, word erase,
 *                              literal next, reprint), echo (ECHO...)
 *                              ──► the input buffer ──► ldisc_read
 *   write ──► ldisc_write ──► output processing (OPOST: ONLCR, OCRNL,
 *                              ONOCR, ONLRET, tabs) ──► emit ──► screen
 *
 * In canonical mode (ICANON) a read gets at most one line, and only once
 * the line is complete (newline, VEOL, VEOL2, or VEOF, which is not passed
 * on; VEOF on an empty line makes the read return 0: end of file). In
 * non-canonical mode every byte is readable at once; VMIN and VTIME are the
 * terminal's business (ldisc_read_ready helps it).
 *
 * The flag values and struct termios are Linux's (asm-generic/termbits.h):
 * programs pass them through TCGETS/TCSETS unchanged.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* c_iflag */
#define TTY_IGNBRK 0x001u
#define TTY_BRKINT 0x002u
#define TTY_ISTRIP 0x020u
#define TTY_INLCR 0x040u
#define TTY_IGNCR 0x080u
#define TTY_ICRNL 0x100u
#define TTY_IXON 0x400u
#define TTY_IMAXBEL 0x2000u
#define TTY_IUTF8 0x4000u
/* c_oflag */
#define TTY_OPOST 0x01u
#define TTY_ONLCR 0x04u
#define TTY_OCRNL 0x08u
#define TTY_ONOCR 0x10u
#define TTY_ONLRET 0x20u
#define TTY_TABDLY 0x1800u
#define TTY_XTABS 0x1800u /* expand tabs to spaces */
/* c_cflag */
#define TTY_B38400 0x0fu
#define TTY_CS8 0x30u
#define TTY_CREAD 0x80u
#define TTY_HUPCL 0x400u
/* c_lflag */
#define TTY_ISIG 0x00001u
#define TTY_ICANON 0x00002u
#define TTY_ECHO 0x00008u
#define TTY_ECHOE 0x00010u
#define TTY_ECHOK 0x00020u
#define TTY_ECHONL 0x00040u
#define TTY_NOFLSH 0x00080u
#define TTY_TOSTOP 0x00100u
#define TTY_ECHOCTL 0x00200u
#define TTY_ECHOKE 0x00800u
#define TTY_IEXTEN 0x08000u
/* c_cc indices */
#define TTY_VINTR 0
#define TTY_VQUIT 1
#define TTY_VERASE 2
#define TTY_VKILL 3
#define TTY_VEOF 4
#define TTY_VTIME 5
#define TTY_VMIN 6
#define TTY_VSTART 8
#define TTY_VSTOP 9
#define TTY_VSUSP 10
#define TTY_VEOL 11
#define TTY_VREPRINT 12
#define TTY_VWERASE 14
#define TTY_VLNEXT 15
#define TTY_VEOL2 16
#define TTY_NCCS 19

/* Linux's struct termios as TCGETS/TCSETS pass it (not glibc's, which is
 * larger and which glibc converts). */
struct tty_termios {
	uint32_t iflag, oflag, cflag, lflag;
	uint8_t line;
	uint8_t cc[TTY_NCCS];
};
_Static_assert(sizeof(struct tty_termios) == 36, "Linux's struct termios");

#define LDISC_BUF 4096 /* bytes of input held, as Linux's N_TTY_BUF_SIZE */

/* Signals a key can raise (Linux numbers). */
#define LDISC_SIGINT 2
#define LDISC_SIGQUIT 3
#define LDISC_SIGTSTP 20

struct ldisc {
	struct tty_termios t;
	/* The input ring. Free-running indices (mod LDISC_BUF): read_tail
	 * <= canon_head <= head. [read_tail, canon_head) is readable;
	 * [canon_head, head) is the line still being edited (canonical mode
	 * only; otherwise canon_head == head). */
	uint8_t buf[LDISC_BUF];
	uint8_t delim[LDISC_BUF / 8]; /* bit set: a line delimiter is stored here */
	uint8_t eof[LDISC_BUF / 8];   /* ...and it is VEOF, which a read drops */
	uint32_t read_tail, canon_head, head;
	unsigned column;        /* the cursor's column, as output moved it */
	unsigned canon_column;  /* the column where the line being edited began */
	bool lnext;             /* the previous key was VLNEXT: take this one as is */
	void (*emit)(void *ctx, const uint8_t *s, size_t n); /* to the screen */
	void *ctx;
};

/* A cooked terminal, as Linux starts one: ICRNL; OPOST ONLCR; B38400 CS8
 * CREAD HUPCL; ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN; ^C ^\
 * DEL ^U ^D, VMIN 1, ^Q ^S ^Z ^R ^W ^V. */
void ldisc_init(struct ldisc *l, void (*emit)(void *ctx, const uint8_t *s, size_t n), void *ctx);
void ldisc_default_termios(struct tty_termios *t);
/* New settings. Leaving canonical mode makes the line being edited
 * readable; entering it keeps unread input readable, as one line (Linux). */
void ldisc_set_termios(struct ldisc *l, const struct tty_termios *t);
/* One byte from the keyboard or the line. Returns the signal it raises
 * (LDISC_SIGINT, LDISC_SIGQUIT, LDISC_SIGTSTP), for the caller to send to
 * the foreground process group, or 0. */
int ldisc_receive(struct ldisc *l, uint8_t c);
/* Whether a read would return now: canonical, a complete line (or an end
 * of file); otherwise at least `min` bytes (min 0: always). */
bool ldisc_read_ready(const struct ldisc *l, unsigned min);
/* Bytes readable now (FIONREAD). */
size_t ldisc_available(const struct ldisc *l);
/* Take up to n bytes: in canonical mode at most one line (its newline
 * included, a VEOF not); 0 at an end of file or with nothing ready. */
size_t ldisc_read(struct ldisc *l, uint8_t *out, size_t n);
/* A program's output, processed (OPOST) and emitted. */
void ldisc_write(struct ldisc *l, const uint8_t *in, size_t n);
/* Drop all unread input (TCSETSF, TCFLSH, a signal key without NOFLSH). */
void ldisc_flush_input(struct ldisc *l);
