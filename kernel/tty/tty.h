/*
 * Terminals: a line discipline (ldisc.h) between an input source and an
 * output, as character devices a process opens, reads, writes and
 * configures with the termios ioctls. There are two, as on a Linux PC with
 * a serial console:
 *
 *   tty0   keyboard in, screen out      /dev/tty0 (4, 0), /dev/tty1 (4, 1)
 *   ttyS0  serial line in, serial out   /dev/ttyS0 (4, 64)
 *
 *   keyboard IRQ ─┐                                  ┌─► tty0 ─► screen
 *   serial IRQ  ──┴─► input queue ─► tty input thread ┤   (ldisc: echo, ^C...)
 *                     (dev/input.c,   splits by source └─► ttyS0 ─► serial
 *                      bytes tagged)
 *
 *   write(2) ─► ldisc_write (OPOST) ─► the terminal's own output
 *
 * /dev/console (5, 1) is one of them, as console= on the kernel command
 * line says (ttyS0 unless console=tty0); /dev/tty (5, 0) is the caller's
 * controlling terminal. Kernel messages still go to both outputs.
 *
 * Each terminal can be the controlling terminal of one session, with a
 * foreground process group that its signal keys (^C ^\ ^Z) reach
 * (session.c). The line disciplines run in one kernel thread ("tty"),
 * woken by the input interrupts: echo and the signal keys happen when a
 * key arrives, whether or not anybody is reading (a program busy computing
 * still gets its ^C). The thread starts when a terminal is first opened,
 * so the kernel's own shell, which reads the input queue itself, keeps it
 * until user space takes over.
 *
 * Locking: a mutex per terminal guards its line discipline and settings;
 * readers sleep on its wait queue, which the input thread wakes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tty;

/* What the terminals need to know about processes, from the process layer
 * (which registers it at its start; the terminals sit below the processes
 * and call up only through this). Each "caller" is the process making the
 * system call. */
struct tty_job_ops {
	int (*pgrp)(void);                    /* the caller's process group */
	int (*sid)(void);                     /* the caller's session */
	bool (*session_leader)(void);         /* the caller leads its session */
	struct tty *(*ctty)(void);            /* its controlling terminal, or NULL */
	void (*set_ctty)(struct tty *t);      /* make t that (t may be NULL) */
	/* Every process of session sid whose controlling terminal is t
	 * loses it. */
	void (*drop_ctty)(int sid, struct tty *t);
	/* Whether pgrp may be session sid's foreground group: 0, or
	 * -ESRCH (no such group) or -EPERM (it is another session's). */
	int (*pgrp_check)(int pgrp, int sid);
	/* Whether the caller ignores or blocks sig. */
	bool (*refuses)(int sig);
	/* sig to every process of group pgrp; -ESRCH if none. */
	int (*kill_pgrp)(int pgrp, int sig);
};

/* The kernel command line's say (main.c reads it). */
struct tty_config {
	const char *console;  /* console=: "tty0" or "ttyS0" (not NUL-terminated), or NULL */
	size_t console_len;
	/* tty.mirror=1: tty0's output is copied to the serial line, so a
	 * test can compare the screen with what was written to it (and a
	 * person can log a screen session). */
	bool mirror;
};
/* The terminals and their devices (after the file system and the pacer). */
void tty_init(const struct tty_config *cfg);
void tty_set_job_ops(const struct tty_job_ops *ops);
/* A session leader has ended (the process layer calls this for a leader
 * with a controlling terminal): as POSIX says, its terminal's foreground
 * group gets SIGHUP (and SIGCONT, should it be stopped), and the terminal
 * is free for another session. */
void tty_session_leader_exit(struct tty *t, int sid);
/* For /proc/PID/stat: the terminal's device number as Linux encodes it
 * (major << 8 | minor, for minors below 256), and its foreground process
 * group (-1: none, 0 would be a group). */
uint32_t tty_device_number(const struct tty *t);
int tty_foreground(const struct tty *t);
