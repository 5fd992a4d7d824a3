/*
 * The console as a character device: /dev/console (5,1) and /dev/tty
 * (5,0), what a user program's descriptors 0, 1 and 2 are. Output goes to
 * every console (serial and screen); input comes from the keyboard and
 * serial input queue (dev/input.c). There is no line discipline yet: bytes
 * arrive as typed (a carriage return as a newline), and the program echoes
 * them itself, as busybox's line editing does; the terminal ioctls answer
 * as a terminal would so that programs treat it as one.
 */
#pragma once

#include <stdint.h>

void console_dev_init(void);
/* The foreground process group TIOCGPGRP reports (init's, at first). */
void console_dev_set_pgrp(int32_t pgrp);
