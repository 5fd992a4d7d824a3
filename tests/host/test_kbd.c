/*
 * Host tests for kernel/dev/kbd_decode.c: scancode set 1 bytes in, key events
 * and terminal bytes out.
 *
 * The expected characters come from a table in this file keyed by scancode
 * (OSDev "PS/2 Keyboard", scan code set 1), not by the key codes the decoder
 * uses, so a wrong entry in either of the decoder's tables shows up. Output
 * buffers are filled with a sentinel beyond the returned length, and the
 * random-stream test checks the decoder's invariants over a million bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dev/kbd_decode.h"

#define SENTINEL 'Z'

struct kbd {
	struct kbd_decoder dec;
	struct kbd_state st;
	char out[256];          /* every byte produced, in order */
	size_t nout;
	struct kbd_event ev[1024];
	size_t nev;
};

static void kbd_reset(struct kbd *k)
{
	memset(k, 0, sizeof(*k));
	kbd_decoder_init(&k->dec);
	kbd_state_init(&k->st);
}

/* Feeds scancodes through both stages, recording events and bytes. */
static void feed_n(struct kbd *k, const uint8_t *sc, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct kbd_event ev;
		if (!kbd_decode_byte(&k->dec, sc[i], &ev))
			continue;
		assert_true(k->nev < sizeof(k->ev) / sizeof(k->ev[0]));
		k->ev[k->nev++] = ev;
		char buf[KBD_MAX_BYTES];
		memset(buf, SENTINEL, sizeof(buf));
		size_t m = kbd_event_to_bytes(&k->st, &ev, buf);
		assert_true(m <= KBD_MAX_BYTES);
		for (size_t j = m; j < KBD_MAX_BYTES; j++)
			assert_int_equal(buf[j], SENTINEL);
		if (!ev.pressed)
			assert_int_equal(m, 0);
		assert_true(k->nout + m <= sizeof(k->out));
		memcpy(k->out + k->nout, buf, m);
		k->nout += m;
	}
}

#define FEED(k, ...)                                                            \
	do {                                                                    \
		const uint8_t sc_[] = { __VA_ARGS__ };                          \
		feed_n((k), sc_, sizeof(sc_));                                  \
	} while (0)

/* Feeds scancodes on a fresh output buffer and checks exactly what came out. */
static void expect_bytes(struct kbd *k, const uint8_t *sc, size_t n, const char *want,
                         size_t want_len)
{
	k->nout = 0;
	feed_n(k, sc, n);
	if (k->nout != want_len || memcmp(k->out, want, want_len) != 0) {
		fprintf(stderr, "scancodes:");
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, " %02x", sc[i]);
		fprintf(stderr, "\n  want %zu bytes:", want_len);
		for (size_t i = 0; i < want_len; i++)
			fprintf(stderr, " %02x", (uint8_t)want[i]);
		fprintf(stderr, "\n  got  %zu bytes:", k->nout);
		for (size_t i = 0; i < k->nout; i++)
			fprintf(stderr, " %02x", (uint8_t)k->out[i]);
		fprintf(stderr, "\n");
		fail();
	}
}

#define EXPECT(k, want, ...)                                                    \
	do {                                                                    \
		const uint8_t sc_[] = { __VA_ARGS__ };                          \
		expect_bytes((k), sc_, sizeof(sc_), (want), sizeof(want) - 1);  \
	} while (0)

/* Press and release of one unprefixed key. */
static void tap(struct kbd *k, uint8_t make)
{
	FEED(k, make, (uint8_t)(make | 0x80));
}

#define LSHIFT 0x2a
#define RSHIFT 0x36
#define LCTRL 0x1d
#define LALT 0x38
#define CAPS 0x3a
#define NUMLOCK 0x45
#define BREAK(sc) ((uint8_t)((sc) | 0x80))

/* The main block of a US keyboard, by set 1 make code. */
static const struct {
	uint8_t sc;
	char plain, shifted;
} us_keys[] = {
	{ 0x02, '1', '!' }, { 0x03, '2', '@' }, { 0x04, '3', '#' }, { 0x05, '4', '$' },
	{ 0x06, '5', '%' }, { 0x07, '6', '^' }, { 0x08, '7', '&' }, { 0x09, '8', '*' },
	{ 0x0a, '9', '(' }, { 0x0b, '0', ')' }, { 0x0c, '-', '_' }, { 0x0d, '=', '+' },
	{ 0x10, 'q', 'Q' }, { 0x11, 'w', 'W' }, { 0x12, 'e', 'E' }, { 0x13, 'r', 'R' },
	{ 0x14, 't', 'T' }, { 0x15, 'y', 'Y' }, { 0x16, 'u', 'U' }, { 0x17, 'i', 'I' },
	{ 0x18, 'o', 'O' }, { 0x19, 'p', 'P' }, { 0x1a, '[', '{' }, { 0x1b, ']', '}' },
	{ 0x1e, 'a', 'A' }, { 0x1f, 's', 'S' }, { 0x20, 'd', 'D' }, { 0x21, 'f', 'F' },
	{ 0x22, 'g', 'G' }, { 0x23, 'h', 'H' }, { 0x24, 'j', 'J' }, { 0x25, 'k', 'K' },
	{ 0x26, 'l', 'L' }, { 0x27, ';', ':' }, { 0x28, '\'', '"' }, { 0x29, '`', '~' },
	{ 0x2b, '\\', '|' }, { 0x2c, 'z', 'Z' }, { 0x2d, 'x', 'X' }, { 0x2e, 'c', 'C' },
	{ 0x2f, 'v', 'V' }, { 0x30, 'b', 'B' }, { 0x31, 'n', 'N' }, { 0x32, 'm', 'M' },
	{ 0x33, ',', '<' }, { 0x34, '.', '>' }, { 0x35, '/', '?' }, { 0x39, ' ', ' ' },
};
#define N_US_KEYS (sizeof(us_keys) / sizeof(us_keys[0]))

static bool is_letter(char c)
{
	return c >= 'a' && c <= 'z';
}

static void expect_one(struct kbd *k, uint8_t sc, char want)
{
	const uint8_t seq[] = { sc, BREAK(sc) };
	expect_bytes(k, seq, sizeof(seq), &want, 1);
}

static void test_every_key_plain_and_shifted(void **state)
{
	(void)state;
	struct kbd k;
	kbd_reset(&k);
	for (size_t i = 0; i < N_US_KEYS; i++)
		expect_one(&k, us_keys[i].sc, us_keys[i].plain);
	for (int side = 0; side < 2; side++) {
		uint8_t shift = side ? RSHIFT : LSHIFT;
		FEED(&k, shift);
		for (size_t i = 0; i < N_US_KEYS; i++)
			expect_one(&k, us_keys[i].sc, us_keys[i].shifted);
		FEED(&k, BREAK(shift));
		expect_one(&k, 0x1e, 'a');
	}
}

static void test_caps_lock_letters_only(void **state)
{
	(void)state;
	struct kbd k;
	kbd_reset(&k);
	tap(&k, CAPS);
	for (size_t i = 0; i < N_US_KEYS; i++) {
		char c = us_keys[i].plain;
		expect_one(&k, us_keys[i].sc, is_letter(c) ? us_keys[i].shifted : c);
	}
	/* Shift with Caps Lock: lower-case letters, shifted everything else. */
	FEED(&k, LSHIFT);
	for (size_t i = 0; i < N_US_KEYS; i++) {
		char c = us_keys[i].plain;
		expect_one(&k, us_keys[i].sc, is_letter(c) ? c : us_keys[i].shifted);
	}
	FEED(&k, BREAK(LSHIFT));
	tap(&k, CAPS);
	expect_one(&k, 0x1e, 'a');
}

static void test_lock_key_repeat_toggles_once(void **state)
{
	(void)state;
	struct kbd k;
	kbd_reset(&k);
	FEED(&k, CAPS, CAPS, CAPS, CAPS, BREAK(CAPS));  /* held: typematic repeat */
	expect_one(&k, 0x1e, 'A');
	FEED(&k, NUMLOCK, NUMLOCK, NUMLOCK, BREAK(NUMLOCK));
	expect_one(&k, 0x47, '7');
}

static void test_key_repeat(void **state)
{
	(void)state;
	struct kbd k;
	kbd_reset(&k);
	EXPECT(&k, "aaa", 0x1e, 0x1e, 0x1e, 0x9e);
	assert_int_equal(k.nev, 4);
	for (int i = 0; i < 3; i++)
		assert_true(k.ev[i].key == KEY_A && k.ev[i].pressed);
	assert_true(k.ev[3].key == KEY_A && !k.ev[3].pressed);
	/* A repeating Shift stays one Shift. */
	EXPECT(&k, "Aa", LSHIFT, LSHIFT, LSHIFT, 0x1e, BREAK(LSHIFT), 0x1e);
}

static void test_shift_sides_independent(void **state)
{
	(void)state;
	struct kbd k;
	kbd_reset(&k);
	EXPECT(&k, "AA", LSHIFT, RSHIFT, BREAK(LSHIFT), 0x1e, 0x1e);
	EXPECT(&k, "a", BREAK(RSHIFT), 0x1e);
}

static void test_ctrl(void **state)
{
	(void)state;
	struct kbd k;
	kbd_reset(&k);
	EXPECT(&k, "\x03", LCTRL, 0x2e, 0xae, BREAK(LCTRL));
	EXPECT(&k, "c", 0x2e);
	/* Every letter, with either Ctrl, and with Caps Lock and Shift. */
	for (int variant = 0; variant < 3; variant++) {
		kbd_reset(&k);
		if (variant == 0)
			FEED(&k, LCTRL);
		else if (variant == 1)
			FEED(&k, 0xe0, 0x1d);   /* right Ctrl */
		else
			FEED(&k, CAPS, BREAK(CAPS), LSHIFT, LCTRL);
		for (size_t i = 0; i < N_US_KEYS; i++) {
			char c = us_keys[i].plain;
			if (is_letter(c))
				expect_one(&k, us_keys[i].sc, (char)(c - 'a' + 1));
		}
	}
	kbd_reset(&k);
	FEED(&k, LCTRL);
	EXPECT(&k, "\x1b", 0x1a);       /* Ctrl+[ */
	EXPECT(&k, "\x1c", 0x2b);       /* Ctrl+\ */
	EXPECT(&k, "\x1d", 0x1b);       /* Ctrl+] */
	EXPECT(&k, "\x00", 0x39);       /* Ctrl+Space: one NUL byte */
	EXPECT(&k, "\x00", 0x03);       /* Ctrl+2 */
	EXPECT(&k, "\x1b", 0x04);       /* Ctrl+3 */
	EXPECT(&k, "\x1e", 0x07);       /* Ctrl+6 */
	EXPECT(&k, "\x7f", 0x09);       /* Ctrl+8 */
	EXPECT(&k, "1", 0x02);          /* Ctrl+1: unchanged */
	EXPECT(&k, "\n", 0x1c);         /* Ctrl+Enter */
	EXPECT(&k, "\x08", 0x0e);       /* Ctrl+Backspace: BS */
	EXPECT(&k, "\033[A", 0xe0, 0x48); /* arrows ignore Ctrl */
	FEED(&k, LSHIFT);
	EXPECT(&k, "\x00", 0x03);       /* Ctrl+@ */
	EXPECT(&k, "\x1e", 0x07);       /* Ctrl+^ */
	EXPECT(&k, "\x1f", 0x0c);       /* Ctrl+_ */
	EXPECT(&k, "\x7f", 0x35);       /* Ctrl+? */
	FEED(&k, BREAK(LSHIFT), BREAK(LCTRL));
	EXPECT(&k, "c", 0x2e);
}

static void test_alt_ignored(void **state)
{
	(void)state;
	struct kbd k;
	kbd_reset(&k);
	EXPECT(&k, "aa", LALT, 0x1e, BREAK(LALT), 0xe0, 0x38, 0x1e, 0xe0, 0xb8);
	EXPECT(&k, "", 0xe0, 0x5b, 0xe0, 0xdb, 0xe0, 0x5d, 0xe0, 0xdd); /* Windows, Menu */
}

static void test_control_keys(void **state)
{
	(void)state;
	struct kbd k;
	kbd_reset(&k);
	EXPECT(&k, "\n", 0x1c, 0x9c);
	EXPECT(&k, "\x7f", 0x0e, 0x8e);         /* Backspace is DEL, as a VT100 */
	EXPECT(&k, "\t", 0x0f, 0x8f);
	EXPECT(&k, "\x1b", 0x01, 0x81);
	EXPECT(&k, "\033[Z", LSHIFT, 0x0f, 0x8f, BREAK(LSHIFT));
	EXPECT(&k, "\x7f", LSHIFT, 0x0e, BREAK(LSHIFT));
}

static void test_extended_keys(void **state)
{
	(void)state;
	static const struct {
		uint8_t sc;
		uint16_t key;
		const char *seq;
	} ext[] = {
		{ 0x48, KEY_UP, "\033[A" },      { 0x50, KEY_DOWN, "\033[B" },
		{ 0x4d, KEY_RIGHT, "\033[C" },   { 0x4b, KEY_LEFT, "\033[D" },
		{ 0x47, KEY_HOME, "\033[H" },    { 0x4f, KEY_END, "\033[F" },
		{ 0x52, KEY_INSERT, "\033[2~" }, { 0x53, KEY_DELETE, "\033[3~" },
		{ 0x49, KEY_PAGEUP, "\033[5~" }, { 0x51, KEY_PAGEDOWN, "\033[6~" },
		{ 0x1c, KEY_KPENTER, "\n" },     { 0x35, KEY_KPSLASH, "/" },
		{ 0x1d, KEY_RIGHTCTRL, "" },     { 0x38, KEY_RIGHTALT, "" },
		{ 0x5b, KEY_LEFTMETA, "" },      { 0x5c, KEY_RIGHTMETA, "" },
		{ 0x5d, KEY_COMPOSE, "" },
	};
	struct kbd k;
	kbd_reset(&k);
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		const uint8_t seq[] = { 0xe0, ext[i].sc, 0xe0, BREAK(ext[i].sc) };
		k.nev = 0;
		expect_bytes(&k, seq, sizeof(seq), ext[i].seq, strlen(ext[i].seq));
		assert_int_equal(k.nev, 2);
		assert_int_equal(k.ev[0].key, ext[i].key);
		assert_true(k.ev[0].pressed);
		assert_int_equal(k.ev[1].key, ext[i].key);  /* E0-prefixed release */
		assert_false(k.ev[1].pressed);
	}
	/* The same codes without E0 are the keypad; with Num Lock off they
	 * send the same sequences, and they are different keys. */
	k.nev = 0;
	EXPECT(&k, "\033[A", 0x48, 0xc8);
	assert_int_equal(k.ev[0].key, KEY_KP8);
	assert_int_equal(k.dec.stats.unknown, 0);
}

static void test_function_keys(void **state)
{
	(void)state;
	static const struct {
		uint8_t sc;
		const char *seq;
	} fkeys[] = {
		{ 0x3b, "\033OP" },   { 0x3c, "\033OQ" },   { 0x3d, "\033OR" },   { 0x3e, "\033OS" },
		{ 0x3f, "\033[15~" }, { 0x40, "\033[17~" }, { 0x41, "\033[18~" }, { 0x42, "\033[19~" },
		{ 0x43, "\033[20~" }, { 0x44, "\033[21~" }, { 0x57, "\033[23~" }, { 0x58, "\033[24~" },
	};
	struct kbd k;
	kbd_reset(&k);
	for (size_t i = 0; i < sizeof(fkeys) / sizeof(fkeys[0]); i++) {
		const uint8_t seq[] = { fkeys[i].sc, BREAK(fkeys[i].sc) };
		expect_bytes(&k, seq, sizeof(seq), fkeys[i].seq, strlen(fkeys[i].seq));
	}
}

static void test_keypad_num_lock(void **state)
{
	(void)state;
	static const struct {
		uint8_t sc;
		char digit;
		const char *nav;
	} pad[] = {
		{ 0x47, '7', "\033[H" }, { 0x48, '8', "\033[A" },  { 0x49, '9', "\033[5~" },
		{ 0x4b, '4', "\033[D" }, { 0x4c, '5', "" },        { 0x4d, '6', "\033[C" },
		{ 0x4f, '1', "\033[F" }, { 0x50, '2', "\033[B" },  { 0x51, '3', "\033[6~" },
		{ 0x52, '0', "\033[2~" }, { 0x53, '.', "\033[3~" },
	};
	struct kbd k;
	kbd_reset(&k);
	for (int pass = 0; pass < 3; pass++) {
		bool on = pass == 1;
		for (size_t i = 0; i < sizeof(pad) / sizeof(pad[0]); i++) {
			const uint8_t seq[] = { pad[i].sc, BREAK(pad[i].sc) };
			if (on)
				expect_bytes(&k, seq, sizeof(seq), &pad[i].digit, 1);
			else
				expect_bytes(&k, seq, sizeof(seq), pad[i].nav, strlen(pad[i].nav));
		}
		EXPECT(&k, "*-+", 0x37, 0xb7, 0x4a, 0xca, 0x4e, 0xce);
		tap(&k, NUMLOCK);
	}
}

static void test_print_screen_fake_shifts(void **state)
{
	(void)state;
	struct kbd k;
	kbd_reset(&k);
	EXPECT(&k, "", 0xe0, 0x2a, 0xe0, 0x37);
	assert_int_equal(k.nev, 1);
	assert_true(k.ev[0].key == KEY_SYSRQ && k.ev[0].pressed);
	EXPECT(&k, "", 0xe0, 0xb7, 0xe0, 0xaa);
	assert_int_equal(k.nev, 2);
	assert_true(k.ev[1].key == KEY_SYSRQ && !k.ev[1].pressed);
	EXPECT(&k, "a", 0x1e);                  /* no Shift was left behind */

	/* Shift held over a grey arrow: the keyboard wraps it in a fake Shift
	 * release and press, which must not release the real Shift. */
	EXPECT(&k, "\033[AA", LSHIFT, 0xe0, 0xaa, 0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0x2a, 0x1e);
	EXPECT(&k, "a", BREAK(LSHIFT), 0x1e);
	EXPECT(&k, "\033[BA", RSHIFT, 0xe0, 0xb6, 0xe0, 0x50, 0xe0, 0xd0, 0xe0, 0x36, 0x1e);
	assert_int_equal(k.dec.stats.unknown, 0);
}

static void test_pause(void **state)
{
	(void)state;
	struct kbd k;
	kbd_reset(&k);
	EXPECT(&k, "", 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
	assert_int_equal(k.nev, 1);
	assert_true(k.ev[0].key == KEY_PAUSE && k.ev[0].pressed);
	/* Ctrl stays up: the 1D inside the sequence is no Ctrl. */
	EXPECT(&k, "a", 0x1e);
	assert_int_equal(k.nev, 2);
	assert_int_equal(k.ev[1].key, KEY_A);
	/* Ctrl+Pause (Break) is an E0 key with a release. */
	EXPECT(&k, "", LCTRL, 0xe0, 0x46, 0xe0, 0xc6, BREAK(LCTRL));
	assert_true(k.ev[3].key == KEY_PAUSE && k.ev[3].pressed);
	assert_true(k.ev[4].key == KEY_PAUSE && !k.ev[4].pressed);
	assert_int_equal(k.dec.stats.unknown, 0);
}

static void test_unknown_and_special_bytes(void **state)
{
	(void)state;
	struct kbd k;
	kbd_reset(&k);
	/* Codes no key has, with and without E0 (0xe0 0x20 is a media key). */
	FEED(&k, 0x55, 0xd5, 0x59, 0x7f, 0x00, 0xe0, 0x20, 0xe0, 0xa0, 0xe0, 0x01);
	assert_int_equal(k.nev, 0);
	assert_int_equal(k.dec.stats.unknown, 8);
	FEED(&k, 0xfa, 0xfe, 0xee, 0xff);
	assert_int_equal(k.nev, 0);
	assert_int_equal(k.dec.stats.replies, 3);
	assert_int_equal(k.dec.stats.overruns, 1);

	/* Broken prefixes cost the prefix, not the next key. */
	EXPECT(&k, "a", 0xe1, 0x1e);
	EXPECT(&k, "b", 0xe1, 0x1d, 0x30);
	EXPECT(&k, "\033[A", 0xe0, 0xe0, 0x48);
	EXPECT(&k, "", 0xe0, 0xe1, 0x1d, 0x45);
	assert_int_equal(k.dec.stats.unknown, 8 + 4);
	assert_int_equal(k.dec.stats.bytes, 11 + 4 + 12);
	assert_int_equal(k.dec.stats.events, k.nev);
}

/* Linux's numbering (input-event-codes.h), which the header promises. */
static void test_key_code_values(void **state)
{
	(void)state;
	assert_int_equal(KEY_ENTER, 28);
	assert_int_equal(KEY_LEFTSHIFT, 42);
	assert_int_equal(KEY_F1, 59);
	assert_int_equal(KEY_F12, 88);
	assert_int_equal(KEY_KPENTER, 96);
	assert_int_equal(KEY_UP, 103);
	assert_int_equal(KEY_LEFT, 105);
	assert_int_equal(KEY_DELETE, 111);
	assert_int_equal(KEY_PAUSE, 119);
	assert_int_equal(KEY_RIGHTMETA, 126);
	for (size_t i = 0; i < N_US_KEYS; i++) {
		struct kbd_decoder d;
		struct kbd_event ev;
		kbd_decoder_init(&d);
		assert_true(kbd_decode_byte(&d, us_keys[i].sc, &ev));
		assert_int_equal(ev.key, us_keys[i].sc);
	}
}

static void test_events_outside_table(void **state)
{
	(void)state;
	struct kbd_state st;
	char out[KBD_MAX_BYTES];
	kbd_state_init(&st);
	struct kbd_event ev = { .key = 500, .pressed = true };
	assert_int_equal(kbd_event_to_bytes(&st, &ev, out), 0);
	ev.key = KEY_NONE;
	assert_int_equal(kbd_event_to_bytes(&st, &ev, out), 0);
	ev.key = 84;            /* a hole in the numbering */
	assert_int_equal(kbd_event_to_bytes(&st, &ev, out), 0);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

/*
 * A million random bytes, and a million drawn mostly from the interesting
 * ones (prefixes, modifiers, lock keys): no crash, no out-of-bounds write
 * (feed_n checks the sentinel), no bytes for releases, events counted right.
 */
static void test_random_stream(void **state)
{
	(void)state;
	static const uint8_t interesting[] = {
		0xe0, 0xe1, 0x1d, 0x9d, 0x45, 0xc5, 0x2a, 0xaa, 0x36, 0xb6, 0x3a, 0xba,
		0x45, 0x38, 0xb8, 0x37, 0xb7, 0x48, 0xc8, 0x1e, 0x9e, 0x0e, 0x0f, 0x57,
		0xfa, 0xff, 0x00, 0x80, 0x7f,
	};
	for (int mode = 0; mode < 2; mode++) {
		struct kbd k;
		uint64_t events = 0, bytes = 0;
		kbd_reset(&k);
		for (int i = 0; i < 1000000; i++) {
			uint32_t r = rng();
			uint8_t b = mode == 0 ? (uint8_t)r
			                      : interesting[r % sizeof(interesting)];
			feed_n(&k, &b, 1);
			events += k.nev;
			bytes += k.nout;
			k.nev = 0;
			k.nout = 0;
		}
		assert_int_equal(k.dec.stats.bytes, 1000000);
		assert_int_equal(k.dec.stats.events, events);
		assert_true(events > 1000);
		assert_true(bytes > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key_plain_and_shifted),
		cmocka_unit_test(test_caps_lock_letters_only),
		cmocka_unit_test(test_lock_key_repeat_toggles_once),
		cmocka_unit_test(test_key_repeat),
		cmocka_unit_test(test_shift_sides_independent),
		cmocka_unit_test(test_ctrl),
		cmocka_unit_test(test_alt_ignored),
		cmocka_unit_test(test_control_keys),
		cmocka_unit_test(test_extended_keys),
		cmocka_unit_test(test_function_keys),
		cmocka_unit_test(test_keypad_num_lock),
		cmocka_unit_test(test_print_screen_fake_shifts),
		cmocka_unit_test(test_pause),
		cmocka_unit_test(test_unknown_and_special_bytes),
		cmocka_unit_test(test_key_code_values),
		cmocka_unit_test(test_events_outside_table),
		cmocka_unit_test(test_random_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
