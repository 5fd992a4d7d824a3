/*
 * Scancode set 1 decoder and US keymap (see kbd_decode.h for the contract).
 *
 * Set 1 in brief (Microsoft, "Keyboard Scan Code Specification"; Brouwer,
 * "Keyboard scancodes"; OSDev "PS/2 Keyboard"): a key press sends its make code, 0x01-0x58; the release sends
 * the same code with bit 7 set. Keys added by the 101-key keyboard send 0xe0
 * first. Two keys are odd:
 *  - Print Screen wraps its E0 37 in "fake shifts": E0 2A E0 37 on press,
 *    E0 B7 E0 AA on release. The keyboard also sends fake shifts (E0 2A, E0 AA,
 *    E0 36, E0 B6) around the grey cursor keys when Shift or Num Lock is in
 *    effect, to undo what it thinks the host would otherwise do. They describe
 *    no key and are dropped.
 *  - Pause sends E1 1D 45 E1 9D C5 on press and nothing on release: make and
 *    break of a "Ctrl+NumLock" behind the E1 prefix. The press event comes out
 *    on the first half; the second half is swallowed, so the key never
 *    repeats and never releases. With Ctrl held it sends E0 46 E0 C6 instead
 *    (Break), decoded as a Pause press and release.
 *
 * The decoder is a small state machine over the prefixes. When a prefix is
 * followed by a byte it cannot take (a byte lost on the wire, a keyboard that
 * sends something new), the broken prefix is counted as unknown and the byte
 * is decoded afresh, so one lost byte costs at most one key, never the
 * stream.
 */
#include "dev/kbd_decode.h"

enum {
	ST_GROUND,              /* no prefix pending */
	ST_E0,                  /* after E0 */
	ST_E1,                  /* after E1: 1D (Pause make) or 9D (break) follows */
	ST_E1_MAKE,             /* after E1 1D: 45 completes the Pause press */
	ST_E1_BREAK,            /* after E1 9D: C5 completes the swallowed release */
};

#define SC_BREAK 0x80           /* bit 7: release */
#define SC_PREFIX_E0 0xe0
#define SC_PREFIX_E1 0xe1
#define SC_OVERRUN 0xff         /* set 1 error code; the 8042 translates set 2's 0x00 to it */
#define SC_ACK 0xfa             /* replies to host commands, not keys */
#define SC_RESEND 0xfe
#define SC_ECHO 0xee
#define SC_LSHIFT 0x2a          /* fake shifts after E0, make and break */
#define SC_RSHIFT 0x36
#define SC_PAUSE_1 0x1d         /* Pause: E1 1D 45, then E1 9D C5 */
#define SC_PAUSE_2 0x45

/*
 * Unprefixed codes 0x01-0x53 equal Linux's key codes (the numbering follows the
 * PC/XT scancodes); the rest of the block is a short list.
 */
#define SC_LAST_IDENTITY 0x53
_Static_assert(KEY_ESC == 0x01 && KEY_A == 0x1e && KEY_SPACE == 0x39 && KEY_F10 == 0x44,
               "key codes must follow the set 1 make codes");
_Static_assert(KEY_KPDOT == SC_LAST_IDENTITY, "key codes must follow the set 1 make codes");

static uint16_t set1_key(uint8_t code)
{
	if (code >= 0x01 && code <= SC_LAST_IDENTITY)
		return code;
	switch (code) {
	case 0x54: return KEY_SYSRQ;     /* Alt+Print Screen */
	case 0x56: return KEY_102ND;
	case 0x57: return KEY_F11;
	case 0x58: return KEY_F12;
	default: return KEY_NONE;
	}
}

/* Codes after E0 (Microsoft's scan code tables, the "Scan 1 Make" column).
 * Media and ACPI keys are left out: they count as unknown. */
static const uint8_t set1_e0_keys[0x80] = {
	[0x1c] = KEY_KPENTER,
	[0x1d] = KEY_RIGHTCTRL,
	[0x35] = KEY_KPSLASH,
	[0x37] = KEY_SYSRQ,
	[0x38] = KEY_RIGHTALT,
	[0x46] = KEY_PAUSE,      /* Ctrl+Pause, i.e. Break */
	[0x47] = KEY_HOME,
	[0x48] = KEY_UP,
	[0x49] = KEY_PAGEUP,
	[0x4b] = KEY_LEFT,
	[0x4d] = KEY_RIGHT,
	[0x4f] = KEY_END,
	[0x50] = KEY_DOWN,
	[0x51] = KEY_PAGEDOWN,
	[0x52] = KEY_INSERT,
	[0x53] = KEY_DELETE,
	[0x5b] = KEY_LEFTMETA,
	[0x5c] = KEY_RIGHTMETA,
	[0x5d] = KEY_COMPOSE,
};

void kbd_decoder_init(struct kbd_decoder *d)
{
	*d = (struct kbd_decoder){ .state = ST_GROUND };
}

static bool emit(struct kbd_decoder *d, struct kbd_event *ev, uint16_t key, bool pressed)
{
	ev->key = key;
	ev->pressed = pressed;
	d->stats.events++;
	return true;
}

/* A byte with no prefix pending. */
static bool decode_ground(struct kbd_decoder *d, uint8_t b, struct kbd_event *ev)
{
	switch (b) {
	case SC_PREFIX_E0:
		d->state = ST_E0;
		return false;
	case SC_PREFIX_E1:
		d->state = ST_E1;
		return false;
	case SC_OVERRUN:
		d->stats.overruns++;
		return false;
	case SC_ACK:
	case SC_RESEND:
	case SC_ECHO:
		d->stats.replies++;
		return false;
	}
	uint16_t key = set1_key(b & ~SC_BREAK);
	if (key == KEY_NONE) {
		d->stats.unknown++;
		return false;
	}
	return emit(d, ev, key, !(b & SC_BREAK));
}

/* The byte after E0. */
static bool decode_e0(struct kbd_decoder *d, uint8_t b, struct kbd_event *ev)
{
	uint8_t code = b & ~SC_BREAK;

	d->state = ST_GROUND;
	if (code == SC_LSHIFT || code == SC_RSHIFT)
		return false;                            /* fake shift */
	if (b == SC_PREFIX_E0 || b == SC_PREFIX_E1) {
		d->stats.unknown++;                      /* the first E0 led nowhere */
		return decode_ground(d, b, ev);
	}
	uint16_t key = set1_e0_keys[code];
	if (key == KEY_NONE) {
		d->stats.unknown++;
		return false;
	}
	return emit(d, ev, key, !(b & SC_BREAK));
}

bool kbd_decode_byte(struct kbd_decoder *d, uint8_t b, struct kbd_event *ev)
{
	d->stats.bytes++;
	switch (d->state) {
	case ST_E0:
		return decode_e0(d, b, ev);
	case ST_E1:
		if (b == SC_PAUSE_1 || b == (SC_PAUSE_1 | SC_BREAK)) {
			d->state = b == SC_PAUSE_1 ? ST_E1_MAKE : ST_E1_BREAK;
			return false;
		}
		break;
	case ST_E1_MAKE:
		if (b == SC_PAUSE_2) {
			d->state = ST_GROUND;
			return emit(d, ev, KEY_PAUSE, true);
		}
		break;
	case ST_E1_BREAK:
		if (b == (SC_PAUSE_2 | SC_BREAK)) {
			d->state = ST_GROUND;
			return false;
		}
		break;
	default:
		d->state = ST_GROUND;
		return decode_ground(d, b, ev);
	}
	/* A broken E1 sequence: count it, then read the byte as a new one. */
	d->stats.unknown++;
	d->state = ST_GROUND;
	return decode_ground(d, b, ev);
}

/* --- The keymap ------------------------------------------------------- */

/* US QWERTY, unshifted and shifted, for the keys of the main block that
 * produce one character (Linux drivers/tty/vt/defkeymap.map, "us"). */
static const char keymap[KEY_COUNT][2] = {
	[KEY_ESC] = { 0x1b, 0x1b },
	[KEY_1] = { '1', '!' }, [KEY_2] = { '2', '@' }, [KEY_3] = { '3', '#' },
	[KEY_4] = { '4', '$' }, [KEY_5] = { '5', '%' }, [KEY_6] = { '6', '^' },
	[KEY_7] = { '7', '&' }, [KEY_8] = { '8', '*' }, [KEY_9] = { '9', '(' },
	[KEY_0] = { '0', ')' },
	[KEY_MINUS] = { '-', '_' },
	[KEY_EQUAL] = { '=', '+' },
	[KEY_BACKSPACE] = { 0x7f, 0x7f },
	[KEY_TAB] = { '\t', '\t' },
	[KEY_Q] = { 'q', 'Q' }, [KEY_W] = { 'w', 'W' }, [KEY_E] = { 'e', 'E' },
	[KEY_R] = { 'r', 'R' }, [KEY_T] = { 't', 'T' }, [KEY_Y] = { 'y', 'Y' },
	[KEY_U] = { 'u', 'U' }, [KEY_I] = { 'i', 'I' }, [KEY_O] = { 'o', 'O' },
	[KEY_P] = { 'p', 'P' },
	[KEY_LEFTBRACE] = { '[', '{' },
	[KEY_RIGHTBRACE] = { ']', '}' },
	[KEY_ENTER] = { '\n', '\n' },
	[KEY_A] = { 'a', 'A' }, [KEY_S] = { 's', 'S' }, [KEY_D] = { 'd', 'D' },
	[KEY_F] = { 'f', 'F' }, [KEY_G] = { 'g', 'G' }, [KEY_H] = { 'h', 'H' },
	[KEY_J] = { 'j', 'J' }, [KEY_K] = { 'k', 'K' }, [KEY_L] = { 'l', 'L' },
	[KEY_SEMICOLON] = { ';', ':' },
	[KEY_APOSTROPHE] = { '\'', '"' },
	[KEY_GRAVE] = { '`', '~' },
	[KEY_BACKSLASH] = { '\\', '|' },
	[KEY_Z] = { 'z', 'Z' }, [KEY_X] = { 'x', 'X' }, [KEY_C] = { 'c', 'C' },
	[KEY_V] = { 'v', 'V' }, [KEY_B] = { 'b', 'B' }, [KEY_N] = { 'n', 'N' },
	[KEY_M] = { 'm', 'M' },
	[KEY_COMMA] = { ',', '<' },
	[KEY_DOT] = { '.', '>' },
	[KEY_SLASH] = { '/', '?' },
	[KEY_SPACE] = { ' ', ' ' },
	[KEY_102ND] = { '<', '>' },
};

/* Keys that send an escape sequence: xterm's "PC-Style Function Keys" in
 * normal cursor mode (ctlseqs). */
static const char *const key_sequences[KEY_COUNT] = {
	[KEY_UP] = "\033[A",
	[KEY_DOWN] = "\033[B",
	[KEY_RIGHT] = "\033[C",
	[KEY_LEFT] = "\033[D",
	[KEY_HOME] = "\033[H",
	[KEY_END] = "\033[F",
	[KEY_INSERT] = "\033[2~",
	[KEY_DELETE] = "\033[3~",
	[KEY_PAGEUP] = "\033[5~",
	[KEY_PAGEDOWN] = "\033[6~",
	[KEY_F1] = "\033OP",
	[KEY_F2] = "\033OQ",
	[KEY_F3] = "\033OR",
	[KEY_F4] = "\033OS",
	[KEY_F5] = "\033[15~",
	[KEY_F6] = "\033[17~",
	[KEY_F7] = "\033[18~",
	[KEY_F8] = "\033[19~",
	[KEY_F9] = "\033[20~",
	[KEY_F10] = "\033[21~",
	[KEY_F11] = "\033[23~",
	[KEY_F12] = "\033[24~",
};

#define SEQ_BACKTAB "\033[Z"
#define ASCII_BS 0x08
#define ASCII_DEL 0x7f

/* The keypad: its character with Num Lock on, the key it stands for when off
 * (KEY_NONE for 5, which then sends nothing). */
struct keypad_key {
	uint16_t key;
	char digit;
	uint16_t nav;
};

static const struct keypad_key keypad[] = {
	{ KEY_KP7, '7', KEY_HOME },   { KEY_KP8, '8', KEY_UP },   { KEY_KP9, '9', KEY_PAGEUP },
	{ KEY_KP4, '4', KEY_LEFT },   { KEY_KP5, '5', KEY_NONE }, { KEY_KP6, '6', KEY_RIGHT },
	{ KEY_KP1, '1', KEY_END },    { KEY_KP2, '2', KEY_DOWN }, { KEY_KP3, '3', KEY_PAGEDOWN },
	{ KEY_KP0, '0', KEY_INSERT }, { KEY_KPDOT, '.', KEY_DELETE },
};

void kbd_state_init(struct kbd_state *s)
{
	*s = (struct kbd_state){ 0 };
}

static uint8_t modifier_bit(uint16_t key)
{
	switch (key) {
	case KEY_LEFTSHIFT: return KBD_MOD_LSHIFT;
	case KEY_RIGHTSHIFT: return KBD_MOD_RSHIFT;
	case KEY_LEFTCTRL: return KBD_MOD_LCTRL;
	case KEY_RIGHTCTRL: return KBD_MOD_RCTRL;
	case KEY_LEFTALT: return KBD_MOD_LALT;
	case KEY_RIGHTALT: return KBD_MOD_RALT;
	case KEY_LEFTMETA: return KBD_MOD_LMETA;
	case KEY_RIGHTMETA: return KBD_MOD_RMETA;
	default: return 0;
	}
}

static uint8_t lock_bit(uint16_t key)
{
	switch (key) {
	case KEY_CAPSLOCK: return KBD_LOCK_CAPS;
	case KEY_NUMLOCK: return KBD_LOCK_NUM;
	case KEY_SCROLLLOCK: return KBD_LOCK_SCROLL;
	default: return 0;
	}
}

/* Ctrl applied to a main-block character (VT100 User Guide, table 3-5, and
 * xterm's digits). Returns c itself where Ctrl changes nothing. */
static char ctrl_char(char c)
{
	static const char ctrl_digits[] = { 0x00, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x7f };

	if (c >= 0x40 && c <= 0x7e)
		return (char)(c & 0x1f);
	if (c == ' ')
		return 0x00;
	if (c == '?')
		return ASCII_DEL;
	if (c >= '2' && c <= '8')
		return ctrl_digits[c - '2'];
	return c;
}

static size_t put_string(char out[KBD_MAX_BYTES], const char *s)
{
	size_t n = 0;
	while (s[n] != '\0' && n < KBD_MAX_BYTES) {
		out[n] = s[n];
		n++;
	}
	return n;
}

static size_t put_char(char out[KBD_MAX_BYTES], char c)
{
	out[0] = c;
	return 1;
}

size_t kbd_event_to_bytes(struct kbd_state *s, const struct kbd_event *ev,
                          char out[KBD_MAX_BYTES])
{
	uint16_t key = ev->key;
	uint8_t bit;

	if (key >= KEY_COUNT)
		return 0;
	if ((bit = modifier_bit(key)) != 0) {
		s->mods = ev->pressed ? s->mods | bit : s->mods & ~bit;
		return 0;
	}
	if ((bit = lock_bit(key)) != 0) {
		/* Toggle on the first press only: a held key repeats its make code. */
		if (ev->pressed && !(s->held & bit))
			s->locks ^= bit;
		s->held = ev->pressed ? s->held | bit : s->held & ~bit;
		return 0;
	}
	if (!ev->pressed)
		return 0;

	bool shift = s->mods & KBD_MOD_SHIFT, ctrl = s->mods & KBD_MOD_CTRL;

	switch (key) {
	case KEY_KPSLASH: return put_char(out, '/');
	case KEY_KPASTERISK: return put_char(out, '*');
	case KEY_KPMINUS: return put_char(out, '-');
	case KEY_KPPLUS: return put_char(out, '+');
	case KEY_KPENTER: return put_char(out, '\n');
	case KEY_TAB:
		if (shift)
			return put_string(out, SEQ_BACKTAB);
		break;
	case KEY_BACKSPACE:
		if (ctrl)
			return put_char(out, ASCII_BS);
		break;
	}
	for (size_t i = 0; i < sizeof(keypad) / sizeof(keypad[0]); i++) {
		if (keypad[i].key != key)
			continue;
		if (s->locks & KBD_LOCK_NUM)
			return put_char(out, keypad[i].digit);
		key = keypad[i].nav;
		if (key == KEY_NONE)
			return 0;
		break;
	}
	if (key_sequences[key] != NULL)
		return put_string(out, key_sequences[key]);

	char c = keymap[key][0];
	if (c == '\0')
		return 0;                       /* Pause, Print Screen, Menu... */
	bool letter = c >= 'a' && c <= 'z';
	if (letter && (s->locks & KBD_LOCK_CAPS))
		shift = !shift;
	c = keymap[key][shift];
	if (ctrl)
		c = ctrl_char(c);
	return put_char(out, c);
}
