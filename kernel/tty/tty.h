/*
 * Terminals: a line discipline (ldisc.h) between an input source and an
 * output, as character devices a process opens, reads, writes and
 * configures with the termios ioctls.
 *
 *   keyboard IRQ ─┐                      ┌─► readers (wait queue)
 *   serial IRQ  ──┴─► input queue ─► tty input thread ─► ldisc ─┤
 *                     (dev/input.c)      │  echo, ^C ^\ ^Z      └─► console
 *                                        └─► SIGINT... to the foreground
 *                                            process group
 *   write(2) ─► ldisc_write (OPOST) ─► console_write (screen and serial)
 *
 * There is one terminal for now, the console: /dev/console and /dev/tty,
 * fed by the keyboard and the serial port together, writing to the screen
 * and the serial port together. Its line discipline runs in a kernel
 * thread ("tty"), woken by the input interrupts: echo and the signal keys
 * happen when a key arrives, whether or not anybody is reading (a program
 * busy computing still gets its ^C). The thread starts when /dev/console
 * is first opened, so the kernel's own shell, which reads the input queue
 * itself, keeps it until user space takes over.
 *
 * Locking: a mutex guards the line discipline and the settings; readers
 * sleep on a wait queue that the input thread wakes.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* /dev/console (5, 1) and /dev/tty (5, 0). */
void tty_init(void);
/* Who gets the signals the keys raise: the process layer's "send sig to
 * every process of group pgrp" (proc.c), registered at its start; the
 * terminal sits below the processes and calls up only through this. */
void tty_set_signal_sender(int (*send)(int pgrp, int sig));
/* The foreground process group, as TIOCSPGRP sets it (the first process
 * takes the console at its start). */
void tty_set_foreground(int32_t pgrp);
/* For the background checks (a process outside the foreground group that
 * reads gets SIGTTIN; that writes with TOSTOP, or changes the settings,
 * SIGTTOU): the caller's process group, and whether it ignores or blocks
 * a signal. Registered by the process layer. */
void tty_set_job_hooks(int (*current_pgrp)(void), bool (*refuses)(int sig));
