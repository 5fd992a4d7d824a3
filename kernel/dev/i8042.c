/*
 * PS/2 controller and keyboard driver (i8042.h). This file owns the ports
 * 0x60/0x64, the keyboard's decoder and keymap state, and the driver's
 * counters; the decoder state is touched only by i8042_irq, which never runs
 * concurrently with itself (IRQ1 does not nest).
 *
 * Hardware facts, from the OSDev wiki pages "8042 PS/2 Controller" (ports,
 * status and configuration bits, commands, "Initialising the PS/2
 * Controller") and "PS/2 Keyboard" (keyboard commands and replies), which
 * follow the IBM PC AT Technical Reference (1984), "Keyboard" and "System
 * Board: Keyboard Controller". The controller's translation maps set 2 to
 * set 1 and passes bytes 0x80-0xff unchanged except 0x83 and 0x84 (Brouwer,
 * "Keyboard scancodes", on the 8042 translation; the Bochs 8042 model's table
 * is the same), so the keyboard's replies (0xfa, 0xaa, 0xfe, 0xfc) read the
 * same with translation on or off.
 *
 * Waits are poll counts, not time: a read of port 0x64 is an I/O cycle on the
 * LPC bus, about 1 us on real hardware, so N polls wait about N us (less in a
 * virtual machine, where it is a trap). No calibrated timer is needed, and no
 * wait can hang: a machine without a controller reads 0xff everywhere, which
 * i8042_init tests first. On PCs whose firmware emulates the 8042 for a USB
 * keyboard (USB legacy support, in SMM), this driver talks to the emulation,
 * which works until a USB driver takes the controller over.
 */
#include "dev/i8042.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "dev/input.h"
#include "dev/kbd_decode.h"
#include "lib/vsnprintf.h"

#define I8042_DATA 0x60
#define I8042_STATUS 0x64       /* read */
#define I8042_COMMAND 0x64      /* write */

/* Status register */
#define STATUS_OUT_FULL 0x01    /* a byte waits in the data port for us */
#define STATUS_IN_FULL 0x02     /* the controller has not taken our last byte */
#define STATUS_AUX_DATA 0x20    /* the waiting byte is from the second port */
#define STATUS_TIMEOUT 0x40
#define STATUS_PARITY 0x80
#define STATUS_ABSENT 0xff      /* nothing decodes the port: the bus floats high */

/* Controller commands (port 0x64) */
#define CMD_READ_CONFIG 0x20
#define CMD_WRITE_CONFIG 0x60
#define CMD_DISABLE_PORT2 0xa7
#define CMD_SELF_TEST 0xaa
#define CMD_TEST_PORT1 0xab
#define CMD_DISABLE_PORT1 0xad
#define CMD_ENABLE_PORT1 0xae

#define SELF_TEST_PASSED 0x55
#define PORT_TEST_PASSED 0x00

/* Controller configuration byte */
#define CFG_PORT1_IRQ 0x01
#define CFG_PORT2_IRQ 0x02
#define CFG_PORT1_CLOCK_OFF 0x10
#define CFG_PORT2_CLOCK_OFF 0x20
#define CFG_TRANSLATE 0x40

/* Keyboard commands (port 0x60) and replies */
#define KBD_CMD_ENABLE_SCAN 0xf4
#define KBD_CMD_RESET 0xff
#define KBD_ACK 0xfa
#define KBD_RESEND 0xfe
#define KBD_SELF_TEST_PASSED 0xaa
#define KBD_SELF_TEST_FAILED_1 0xfc
#define KBD_SELF_TEST_FAILED_2 0xfd
#define KBD_RESEND_TRIES 3

/* Poll budgets (see the top comment: about 1 us per poll on hardware). */
#define POLL_COMMAND 100000     /* controller commands and keyboard acks: ~0.1 s */
#define POLL_KBD_RESET 2000000  /* keyboard self-test after reset: ~2 s */
#define FLUSH_MAX 64            /* stale bytes thrown away at init */
#define IRQ_MAX_BYTES 32        /* bytes taken per interrupt */

static bool i8042_ready;

/* Written only by i8042_irq; relaxed atomics so that i8042_stats may read
 * them from any context (nothing else is published through them). */
static struct kbd_decoder decoder;
static struct kbd_state keymap;
static _Atomic uint64_t stat_bytes, stat_events, stat_unknown, stat_overruns, stat_replies,
	stat_errors, stat_aux;

static char error_msg[96];

__attribute__((format(printf, 2, 3))) static enum i8042_error
fail(enum i8042_error err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(error_msg, sizeof(error_msg), fmt, ap);
	va_end(ap);
	return err;
}

static uint8_t status(void)
{
	return inb(I8042_STATUS);
}

/* Waits until the controller can take a byte. */
static bool wait_writable(void)
{
	for (uint32_t i = 0; i < POLL_COMMAND; i++) {
		if (!(status() & STATUS_IN_FULL))
			return true;
		cpu_pause();
	}
	return false;
}

/* Returns the next byte from the data port, or -1 after `polls` polls. */
static int read_data(uint32_t polls)
{
	for (uint32_t i = 0; i < polls; i++) {
		if (status() & STATUS_OUT_FULL)
			return inb(I8042_DATA);
		cpu_pause();
	}
	return -1;
}

static bool send_command(uint8_t cmd)
{
	if (!wait_writable())
		return false;
	outb(I8042_COMMAND, cmd);
	return true;
}

/* Writes to the data port: an argument of the previous controller command,
 * or, if none is pending, a byte for the keyboard. */
static bool send_data(uint8_t b)
{
	if (!wait_writable())
		return false;
	outb(I8042_DATA, b);
	return true;
}

/* A controller command that answers one byte: the byte, or -1. */
static int command_reply(uint8_t cmd)
{
	if (!send_command(cmd))
		return -1;
	return read_data(POLL_COMMAND);
}

static bool write_config(uint8_t cfg)
{
	return send_command(CMD_WRITE_CONFIG) && send_data(cfg);
}

/* Sends a command byte to the keyboard and waits for its ack, sending it
 * again when the keyboard asks for that (0xfe). */
static enum i8042_error keyboard_command(uint8_t cmd)
{
	int r = -1;
	for (int tries = 0; tries < KBD_RESEND_TRIES; tries++) {
		if (!send_data(cmd))
			return fail(I8042_ETIMEOUT, "i8042: controller busy before keyboard command "
			            "0x%02x (status 0x%02x)", cmd, status());
		r = read_data(POLL_COMMAND);
		if (r == KBD_ACK)
			return I8042_OK;
		if (r != KBD_RESEND)
			break;
	}
	if (r < 0)
		return fail(I8042_ENOKBD, "i8042: no keyboard (no reply to command 0x%02x, "
		            "status 0x%02x)", cmd, status());
	return fail(I8042_EKBD, "i8042: keyboard answered 0x%02x to command 0x%02x "
	            "(expected ack 0xfa)", r, cmd);
}

static const char *port_test_meaning(int r)
{
	switch (r) {
	case 0x01: return "clock line stuck low";
	case 0x02: return "clock line stuck high";
	case 0x03: return "data line stuck low";
	case 0x04: return "data line stuck high";
	default: return "unknown code";
	}
}

static enum i8042_error controller_init(void)
{
	uint8_t st = status();
	if (st == STATUS_ABSENT)
		return fail(I8042_ENODEV, "i8042: no controller (status 0x%02x)", st);

	/* Step 3: quiet both ports so no device byte mixes with the replies. */
	if (!send_command(CMD_DISABLE_PORT1) || !send_command(CMD_DISABLE_PORT2))
		return fail(I8042_ETIMEOUT, "i8042: controller does not take commands "
		            "(status 0x%02x)", status());

	/* Step 4: drop whatever the firmware left in the output buffer. */
	for (int i = 0; i < FLUSH_MAX && (status() & STATUS_OUT_FULL); i++)
		(void)inb(I8042_DATA);
	if (status() & STATUS_OUT_FULL)
		return fail(I8042_ETIMEOUT, "i8042: output buffer does not empty "
		            "(status 0x%02x)", status());

	/* Step 5: no interrupts and no translation while testing. */
	int r = command_reply(CMD_READ_CONFIG);
	if (r < 0)
		return fail(I8042_ETIMEOUT, "i8042: no reply to read-configuration "
		            "(status 0x%02x)", status());
	uint8_t cfg = (uint8_t)r & ~(CFG_PORT1_IRQ | CFG_PORT2_IRQ | CFG_TRANSLATE);
	if (!write_config(cfg))
		return fail(I8042_ETIMEOUT, "i8042: write-configuration timed out "
		            "(status 0x%02x)", status());

	/* Step 6: self-test. Some controllers come out of it reset, so the
	 * configuration byte is written again. */
	r = command_reply(CMD_SELF_TEST);
	if (r < 0)
		return fail(I8042_ETIMEOUT, "i8042: no reply to self-test (status 0x%02x)",
		            status());
	if (r != SELF_TEST_PASSED)
		return fail(I8042_ESELFTEST, "i8042: self-test returned 0x%02x (expected 0x55)",
		            r);
	if (!write_config(cfg))
		return fail(I8042_ETIMEOUT, "i8042: write-configuration timed out "
		            "(status 0x%02x)", status());

	/* Step 8: the first port's lines (the second port is never used). */
	r = command_reply(CMD_TEST_PORT1);
	if (r < 0)
		return fail(I8042_ETIMEOUT, "i8042: no reply to port test (status 0x%02x)",
		            status());
	if (r != PORT_TEST_PASSED)
		return fail(I8042_EPORT, "i8042: port 1 test returned 0x%02x (%s)", r,
		            port_test_meaning(r));

	/*
	 * Step 9: enable the first port with translation on. IRQ1 stays off
	 * until the keyboard is reset: its replies are polled here, and an
	 * interrupt handler (if IRQ1 were already unmasked) would steal them.
	 */
	if (!send_command(CMD_ENABLE_PORT1))
		return fail(I8042_ETIMEOUT, "i8042: enable-port timed out (status 0x%02x)",
		            status());
	cfg = (cfg & ~CFG_PORT1_CLOCK_OFF) | CFG_PORT2_CLOCK_OFF | CFG_TRANSLATE;
	if (!write_config(cfg))
		return fail(I8042_ETIMEOUT, "i8042: write-configuration timed out "
		            "(status 0x%02x)", status());

	/* Step 10: reset the keyboard: ack, then its self-test result. */
	enum i8042_error err = keyboard_command(KBD_CMD_RESET);
	if (err != I8042_OK)
		return err;
	r = read_data(POLL_KBD_RESET);
	if (r < 0)
		return fail(I8042_ENOKBD, "i8042: keyboard acked reset but sent no self-test "
		            "result (status 0x%02x)", status());
	if (r == KBD_SELF_TEST_FAILED_1 || r == KBD_SELF_TEST_FAILED_2)
		return fail(I8042_EKBD, "i8042: keyboard self-test failed (0x%02x)", r);
	if (r != KBD_SELF_TEST_PASSED)
		return fail(I8042_EKBD, "i8042: keyboard self-test returned 0x%02x "
		            "(expected 0xaa)", r);

	/* A reset keyboard scans already; enabling says so for ones that wait. */
	err = keyboard_command(KBD_CMD_ENABLE_SCAN);
	if (err != I8042_OK)
		return err;

	if (!write_config(cfg | CFG_PORT1_IRQ))
		return fail(I8042_ETIMEOUT, "i8042: write-configuration timed out "
		            "(status 0x%02x)", status());
	return I8042_OK;
}

enum i8042_error i8042_init(const char **msg)
{
	i8042_ready = false;
	kbd_decoder_init(&decoder);
	kbd_state_init(&keymap);
	error_msg[0] = '\0';

	enum i8042_error err = controller_init();
	*msg = error_msg;
	i8042_ready = err == I8042_OK;
	return err;
}

static void counter_set(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, v, memory_order_relaxed);
}

static void counter_inc(_Atomic uint64_t *c)
{
	counter_set(c, atomic_load_explicit(c, memory_order_relaxed) + 1);
}

void i8042_irq(void)
{
	if (!i8042_ready)
		return;
	/* One byte per interrupt is the rule; the bound only keeps a stuck
	 * status bit from holding the CPU in the handler. */
	for (int i = 0; i < IRQ_MAX_BYTES; i++) {
		uint8_t st = status();
		if (!(st & STATUS_OUT_FULL))
			break;
		uint8_t b = inb(I8042_DATA);
		counter_inc(&stat_bytes);
		if (st & STATUS_AUX_DATA) {
			counter_inc(&stat_aux);
			continue;
		}
		if (st & (STATUS_PARITY | STATUS_TIMEOUT)) {
			counter_inc(&stat_errors);
			continue;
		}
		struct kbd_event ev;
		if (!kbd_decode_byte(&decoder, b, &ev))
			continue;
		char out[KBD_MAX_BYTES];
		size_t n = kbd_event_to_bytes(&keymap, &ev, out);
		if (n > 0)
			input_push(INPUT_KEYBOARD, out, n);
	}
	counter_set(&stat_events, decoder.stats.events);
	counter_set(&stat_unknown, decoder.stats.unknown);
	counter_set(&stat_overruns, decoder.stats.overruns);
	counter_set(&stat_replies, decoder.stats.replies);
}

struct i8042_stats i8042_stats(void)
{
	return (struct i8042_stats){
		.bytes = atomic_load_explicit(&stat_bytes, memory_order_relaxed),
		.events = atomic_load_explicit(&stat_events, memory_order_relaxed),
		.unknown = atomic_load_explicit(&stat_unknown, memory_order_relaxed),
		.overruns = atomic_load_explicit(&stat_overruns, memory_order_relaxed),
		.replies = atomic_load_explicit(&stat_replies, memory_order_relaxed),
		.errors = atomic_load_explicit(&stat_errors, memory_order_relaxed),
		.aux = atomic_load_explicit(&stat_aux, memory_order_relaxed),
	};
}
