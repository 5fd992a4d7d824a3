/*
 * PC keyboard decoding, in two pure steps that touch no hardware (so the host
 * tests run them as they are):
 *
 *   scancode bytes --kbd_decode_byte--> key events --kbd_event_to_bytes--> bytes
 *
 * The first step parses PS/2 scancode set 1, which is what the 8042 delivers
 * with translation on (the PC default; i8042.c turns it on). The second is a
 * US QWERTY keymap that produces the bytes a VT100/xterm would send for the
 * same keys, so the shell reads one byte stream whether a person types on the
 * PS/2 keyboard or on a serial terminal.
 *
 * Invariants: each scancode byte yields at most one event, and a release never
 * yields bytes. Both structures start valid when zeroed (static storage) and
 * after their init function; neither needs anything else.
 *
 * Sources: the set 1 codes, the E0 and E1 prefixes, the fake shifts and the
 * Pause sequence are those of Microsoft's "Keyboard Scan Code Specification"
 * (Windows Platform Design Notes, rev. 1.3a, 2000, appendix "Scan Code
 * Tables"), Andries Brouwer's "Keyboard scancodes" and the OSDev wiki page
 * "PS/2 Keyboard" ("Scan Code Set 1"). The byte sequences are from "XTerm Control Sequences"
 * (ctlseqs, "PC-Style Function Keys"), the Ctrl combinations as the Linux
 * console's default keymap (drivers/tty/vt/defkeymap.map).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Key codes: the numbering of Linux's include/uapi/linux/input-event-codes.h,
 * so a reader can check them and a later evdev-like interface needs no second
 * table. A side effect: for the keys without a prefix, the code equals the
 * set 1 make code (KEY_A == 0x1e).
 */
enum kbd_key {
	KEY_NONE = 0,
	KEY_ESC = 1,
	KEY_1 = 2, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9, KEY_0,
	KEY_MINUS = 12,
	KEY_EQUAL = 13,
	KEY_BACKSPACE = 14,
	KEY_TAB = 15,
	KEY_Q = 16, KEY_W, KEY_E, KEY_R, KEY_T, KEY_Y, KEY_U, KEY_I, KEY_O, KEY_P,
	KEY_LEFTBRACE = 26,
	KEY_RIGHTBRACE = 27,
	KEY_ENTER = 28,
	KEY_LEFTCTRL = 29,
	KEY_A = 30, KEY_S, KEY_D, KEY_F, KEY_G, KEY_H, KEY_J, KEY_K, KEY_L,
	KEY_SEMICOLON = 39,
	KEY_APOSTROPHE = 40,
	KEY_GRAVE = 41,
	KEY_LEFTSHIFT = 42,
	KEY_BACKSLASH = 43,
	KEY_Z = 44, KEY_X, KEY_C, KEY_V, KEY_B, KEY_N, KEY_M,
	KEY_COMMA = 51,
	KEY_DOT = 52,
	KEY_SLASH = 53,
	KEY_RIGHTSHIFT = 54,
	KEY_KPASTERISK = 55,
	KEY_LEFTALT = 56,
	KEY_SPACE = 57,
	KEY_CAPSLOCK = 58,
	KEY_F1 = 59, KEY_F2, KEY_F3, KEY_F4, KEY_F5, KEY_F6, KEY_F7, KEY_F8, KEY_F9, KEY_F10,
	KEY_NUMLOCK = 69,
	KEY_SCROLLLOCK = 70,
	KEY_KP7 = 71, KEY_KP8, KEY_KP9,
	KEY_KPMINUS = 74,
	KEY_KP4 = 75, KEY_KP5, KEY_KP6,
	KEY_KPPLUS = 78,
	KEY_KP1 = 79, KEY_KP2, KEY_KP3,
	KEY_KP0 = 82,
	KEY_KPDOT = 83,
	KEY_102ND = 86,         /* the ISO key between left Shift and Z */
	KEY_F11 = 87,
	KEY_F12 = 88,
	KEY_KPENTER = 96,
	KEY_RIGHTCTRL = 97,
	KEY_KPSLASH = 98,
	KEY_SYSRQ = 99,         /* Print Screen / SysRq */
	KEY_RIGHTALT = 100,
	KEY_HOME = 102,
	KEY_UP = 103,
	KEY_PAGEUP = 104,
	KEY_LEFT = 105,
	KEY_RIGHT = 106,
	KEY_END = 107,
	KEY_DOWN = 108,
	KEY_PAGEDOWN = 109,
	KEY_INSERT = 110,
	KEY_DELETE = 111,
	KEY_PAUSE = 119,        /* Pause, and Ctrl+Pause (Break) */
	KEY_LEFTMETA = 125,     /* the Windows keys */
	KEY_RIGHTMETA = 126,
	KEY_COMPOSE = 127,      /* the Menu (Application) key */
	KEY_COUNT = 128,        /* every code above is below this */
};

struct kbd_event {
	uint16_t key;           /* an enum kbd_key, never KEY_NONE */
	bool pressed;           /* false for a release; a held key repeats presses */
};

/* What the decoder has seen. Prefix bytes, fake shifts and the second half
 * of Pause are normal and count only in `bytes`. */
struct kbd_decoder_stats {
	uint64_t bytes;         /* every byte fed in */
	uint64_t events;        /* events produced */
	uint64_t unknown;       /* codes no key has, and broken prefix sequences */
	uint64_t overruns;      /* 0xff: the keyboard's buffer overflowed, keys were lost */
	uint64_t replies;       /* command replies (ack, resend, echo): not keys */
};

/* Zeroed storage is a valid initial state. */
struct kbd_decoder {
	uint8_t state;          /* which prefix bytes have been seen (kbd_decode.c) */
	struct kbd_decoder_stats stats;
};

/* Modifier bits of kbd_state.mods: left and right apart, so releasing one
 * Shift while the other is held keeps Shift in effect. */
#define KBD_MOD_LSHIFT 0x01
#define KBD_MOD_RSHIFT 0x02
#define KBD_MOD_LCTRL 0x04
#define KBD_MOD_RCTRL 0x08
#define KBD_MOD_LALT 0x10
#define KBD_MOD_RALT 0x20
#define KBD_MOD_LMETA 0x40
#define KBD_MOD_RMETA 0x80
#define KBD_MOD_SHIFT (KBD_MOD_LSHIFT | KBD_MOD_RSHIFT)
#define KBD_MOD_CTRL (KBD_MOD_LCTRL | KBD_MOD_RCTRL)
#define KBD_MOD_ALT (KBD_MOD_LALT | KBD_MOD_RALT)

/* Lock bits of kbd_state.locks (and .held, which stops a held lock key's
 * repeated presses from toggling it again and again). */
#define KBD_LOCK_CAPS 0x01
#define KBD_LOCK_NUM 0x02
#define KBD_LOCK_SCROLL 0x04

/* The keymap's state. Zeroed storage is valid: no modifier held, all locks
 * off (the keyboard reset in i8042_init turns its lock LEDs off too). */
struct kbd_state {
	uint8_t mods;           /* KBD_MOD_* currently held */
	uint8_t locks;          /* KBD_LOCK_* currently on */
	uint8_t held;           /* KBD_LOCK_* keys currently held down */
};

/* The longest byte sequence one event produces ("\033[24~" is 5). */
#define KBD_MAX_BYTES 8

void kbd_decoder_init(struct kbd_decoder *d);

/*
 * Feeds one byte from the controller. Returns true and fills *ev when the byte
 * completes a key event; false for prefixes, the ignored fake shifts, the
 * second half of Pause, and anything counted in d->stats.
 */
bool kbd_decode_byte(struct kbd_decoder *d, uint8_t scancode, struct kbd_event *ev);

void kbd_state_init(struct kbd_state *s);

/*
 * Applies ev to the modifier and lock state and writes the bytes the key
 * produces into out (not NUL-terminated). Returns their number, 0 for
 * releases, modifiers, lock keys and keys that send nothing (Pause, Print
 * Screen, Windows keys...). Ctrl+Space, Ctrl+2 and Ctrl+@ return 1 with out[0]
 * == 0: a NUL byte is input like any other.
 *
 * The mapping, in the xterm defaults for a terminal with a US layout:
 *  - printable keys: US QWERTY (the ISO key beside left Shift gives < >, as
 *    in Linux's "us" keymap); Shift and Caps Lock as on a PC (Caps Lock
 *    changes letters only, Shift with Caps Lock gives lower case);
 *  - Ctrl on the main block: a character from 0x40 to 0x7e (the letters,
 *    @ [ \ ] ^ _ ` { | } ~) gives its low five bits, so Ctrl+C is 0x03 and
 *    Ctrl+[ is ESC; Space gives NUL, ? gives DEL, the digits 2-8 give NUL,
 *    ESC, FS, GS, RS, US, DEL; any other key sends its usual bytes;
 *  - Enter and keypad Enter '\n' (a serial terminal sends '\r' for Enter, so
 *    the line discipline must end a line on either), Tab '\t', Shift+Tab
 *    ESC [ Z, Escape 0x1b;
 *  - Backspace 0x7f (DEL), not 0x08: it is what a VT100/xterm sends, so the
 *    shell sees the same byte from both inputs; Ctrl+Backspace sends 0x08;
 *  - cursor and editing keys: ESC [ A/B/C/D (up, down, right, left), ESC [ H
 *    (Home), ESC [ F (End), ESC [ 2 ~ (Insert), ESC [ 3 ~ (Delete),
 *    ESC [ 5 ~ / ESC [ 6 ~ (Page Up/Down), whatever modifiers are held;
 *  - F1-F4 ESC O P/Q/R/S, F5-F12 ESC [ 15 ~, 17 ~, 18 ~, 19 ~, 20 ~, 21 ~,
 *    23 ~, 24 ~;
 *  - keypad: with Num Lock on, digits and '.'; off, the cursor and editing
 *    keys printed on them (5 sends nothing); / * - + always themselves;
 *  - Alt, AltGr and the Windows keys change nothing yet.
 */
size_t kbd_event_to_bytes(struct kbd_state *s, const struct kbd_event *ev,
                          char out[KBD_MAX_BYTES]);
