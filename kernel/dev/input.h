/*
 * The input queue: the one stream of bytes the kernel reads, fed by the PS/2
 * keyboard (i8042.c, already translated to terminal bytes by kbd_decode.c),
 * USB keyboards (usb/usbkbd.c, through the same keymap) and by the serial
 * port's receive interrupt. Each byte remembers its
 * source: the kernel shell reads them all as one stream (a person at either
 * sees the same shell), the terminals (tty.h) split them again, keyboard to
 * tty0 and serial to ttyS0.
 *
 * Concurrency contract (input.c explains the memory orders):
 *  - Producers call input_push from interrupt handlers on one CPU, with
 *    interrupts not nested, or from a thread on that CPU with interrupts
 *    off (the USB keyboard's, usb/usbkbd.c), so at most one producer runs
 *    at any time. A
 *    producer on a second CPU (say, the serial IRQ routed elsewhere) would
 *    race with the first and needs a spinlock around input_push.
 *  - One consumer (the console, in normal context) calls input_getc. It never
 *    needs to disable interrupts: the queue is lock-free between the two
 *    sides.
 *
 * When the queue is full, new input is dropped and counted; unread input is
 * never overwritten. The unit is one input_push call: its bytes are queued
 * all together or dropped all together, so an escape sequence (one key) is
 * never cut in half, which would leave the shell's parser eating the next
 * keystrokes. Producers should therefore push one key, or one received
 * serial byte, per call.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Capacity in bytes. A power of two, so the free-running indices can be
 * reduced with a mask and their difference is the fill level even after
 * they wrap around 2^32. */
#define INPUT_QUEUE_SIZE 256

enum input_source {
	INPUT_KEYBOARD = 0,
	INPUT_SERIAL = 1,
	INPUT_SOURCES = 2,
};

struct input_stats {
	uint64_t received[INPUT_SOURCES]; /* bytes handed to input_push, queued or not */
	uint64_t dropped[INPUT_SOURCES];  /* of those, bytes refused for want of room */
};

/* Empties the queue and zeroes the counters. Only while no producer or
 * consumer can run (boot, tests): it is not atomic with respect to them. */
void input_init(void);

/* Producer side: queues all n bytes, or none of them (counted as n dropped)
 * if fewer than n bytes are free. n == 0 does nothing. */
void input_push(enum input_source src, const char *bytes, size_t n);

/* Called after every successful input_push, in the producer's (interrupt)
 * context: the consumer's wake-up (the terminal's). NULL: none. */
void input_set_listener(void (*fn)(void));

/* Consumer side: the oldest byte (0-255), or -1 if the queue is empty. */
int input_getc(void);
/* The same, and where the byte came from (the terminals keep the keyboard
 * and the serial line apart: tty.h). */
int input_getc_source(enum input_source *src);

/* Bytes waiting. Exact for the consumer; from anywhere else a snapshot that
 * a producer may already have made larger. */
size_t input_pending(void);

/* A copy of the counters. Each counter is read atomically, the set is not:
 * a push running meanwhile may be counted in one field and not yet in
 * another. */
struct input_stats input_stats(void);
