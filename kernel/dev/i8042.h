/*
 * The PS/2 controller ("8042") at I/O ports 0x60/0x64 and the keyboard on its
 * first port. i8042_init brings both up, scancode translation on (so the
 * keyboard's bytes arrive as set 1, which kbd_decode.c decodes) and IRQ1
 * enabled; i8042_irq, called from the IRQ1 handler, turns received bytes into
 * terminal bytes in the input queue (dev/input.h, INPUT_KEYBOARD). The second
 * port (a PS/2 mouse) stays disabled.
 */
#pragma once

#include <stdint.h>

enum i8042_error {
	I8042_OK = 0,
	I8042_ENODEV,           /* no controller: the status port reads 0xff */
	I8042_ETIMEOUT,         /* the controller did not take or answer a command */
	I8042_ESELFTEST,        /* controller self-test failed */
	I8042_EPORT,            /* first-port interface test failed */
	I8042_ENOKBD,           /* no keyboard answered on the first port */
	I8042_EKBD,             /* the keyboard answered, but wrongly */
};

/*
 * Initialises controller and keyboard; call once, before IRQ1 is unmasked, in
 * a context that may spin for up to about 2 s (the keyboard's self-test after
 * reset takes 300-750 ms; a missing keyboard costs the whole timeout). Every
 * wait is bounded, so a machine without a controller returns promptly.
 *
 * Returns I8042_OK, or an error with *msg pointing to a one-line message for
 * the caller to print, naming the step and what the hardware returned, e.g.
 * "i8042: no controller (status 0xff)" or "i8042: self-test returned 0xfc
 * (expected 0x55)". The message lives in a static buffer until the next call.
 * After an error the keyboard is unusable and i8042_irq does nothing.
 */
enum i8042_error i8042_init(const char **msg);

/*
 * The IRQ1 handler's work: reads every byte the controller holds (bounded),
 * decodes it and pushes the bytes of each key press with
 * input_push(INPUT_KEYBOARD, ...). The caller sends the EOI afterwards.
 * Must not run concurrently with itself or with another input_push producer:
 * call it from the IRQ1 handler, or with interrupts disabled.
 */
void i8042_irq(void);

struct i8042_stats {
	uint64_t bytes;         /* bytes read in i8042_irq */
	uint64_t events;        /* key events (presses and releases) decoded */
	uint64_t unknown;       /* bytes the decoder knew no key for */
	uint64_t overruns;      /* keyboard buffer overruns reported (keys lost) */
	uint64_t replies;       /* command replies seen in the key stream */
	uint64_t errors;        /* bytes with a parity or timeout error, dropped */
	uint64_t aux;           /* bytes from the second port, dropped */
};

/* A copy of the counters; each is read atomically, the set is not. */
struct i8042_stats i8042_stats(void);
