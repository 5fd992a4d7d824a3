/*
 * Inside the terminal layer: one terminal's state, shared by tty.c (the
 * devices, input, reading, writing, settings) and session.c (controlling
 * terminals, sessions and the job-control checks).
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dev/input.h"
#include "sched/wait.h"
#include "tty/ldisc.h"
#include "tty/tty.h"

struct winsize_user { /* asm-generic/termios.h */
	uint16_t rows, cols, xpixel, ypixel;
};
_Static_assert(sizeof(struct winsize_user) == 8, "struct winsize");

struct tty {
	const char *name;          /* "tty0", "ttyS0": for messages */
	uint32_t minor;            /* its device number: (TTY_MAJOR, minor) */
	struct mutex lock;         /* the line discipline, the settings, ws */
	struct ldisc ld;
	struct wait_queue readers; /* woken when input may have become readable */
	struct winsize_user ws;
	/* Where output goes: the screen or the serial line. */
	void (*out)(const char *s, size_t n);
	/* Job control (session.c): the session this is the controlling
	 * terminal of (0: none) and its foreground process group (0: none).
	 * Atomic: the input thread reads fg_pgrp without the lock. */
	_Atomic int32_t session;
	_Atomic int32_t fg_pgrp;
	/* Hang-ups so far (session.c): an open file of the terminal made
	 * before the last one is hung up (tty.c: end of file, EIO). */
	_Atomic uint32_t hangups;
};

/* The process layer's answers (tty.h), or NULL before it registered. */
extern const struct tty_job_ops *tty_jobs;

/* tty.c: hang t up, for every file open on it now (its session leader
 * ended): reads give end of file, writes and settings EIO; input typed
 * for the old session is dropped. Files opened later work as usual. */
void tty_hangup(struct tty *t);

/* session.c */
/* At open without O_NOCTTY: a session leader without a controlling
 * terminal takes t as its own, if no other session has it (Linux's rule;
 * /dev/console never becomes one, and is opened with noctty true). */
void tty_session_open(struct tty *t, bool noctty);
/* Job control's rule for a process outside the foreground group of its
 * controlling terminal t (POSIX 11.1.4): reading stops it with SIGTTIN;
 * writing with TOSTOP set, or changing the terminal, with SIGTTOU.
 * 0: go ahead; -EIO: a read that ignores or blocks SIGTTIN; -EINTR: the
 * signal is sent and the call runs again once the process is continued.
 * A terminal that is not the caller's controlling one never stops it. */
int tty_background_check(struct tty *t, int sig);
/* A signal key: sig to t's foreground process group, if it has one. */
void tty_signal_foreground(struct tty *t, int sig);
/* TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP, TIOCGSID; -ENOIOCTLCMD for
 * any other request. */
#define TTY_NOT_SESSION_IOCTL (-515)
int64_t tty_session_ioctl(struct tty *t, unsigned long req, uint64_t arg);
