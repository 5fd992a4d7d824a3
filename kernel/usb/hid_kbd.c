/*
 * Boot-protocol keyboard reports to key events, and key repeat (hid_kbd.h
 * has the contract). The usage table follows the HID Usage Tables 1.12,
 * section 10 (Keyboard/Keypad page 0x07), mapped to the Linux key codes of
 * the same keys as Linux's drivers/hid/usbhid/usbkbd.c table does.
 */
#include "usb/hid_kbd.h"

static const uint8_t usage_keys[0x66] = {
	[0x04] = KEY_A, [0x05] = KEY_B, [0x06] = KEY_C, [0x07] = KEY_D, [0x08] = KEY_E,
	[0x09] = KEY_F, [0x0a] = KEY_G, [0x0b] = KEY_H, [0x0c] = KEY_I, [0x0d] = KEY_J,
	[0x0e] = KEY_K, [0x0f] = KEY_L, [0x10] = KEY_M, [0x11] = KEY_N, [0x12] = KEY_O,
	[0x13] = KEY_P, [0x14] = KEY_Q, [0x15] = KEY_R, [0x16] = KEY_S, [0x17] = KEY_T,
	[0x18] = KEY_U, [0x19] = KEY_V, [0x1a] = KEY_W, [0x1b] = KEY_X, [0x1c] = KEY_Y,
	[0x1d] = KEY_Z,
	[0x1e] = KEY_1, [0x1f] = KEY_2, [0x20] = KEY_3, [0x21] = KEY_4, [0x22] = KEY_5,
	[0x23] = KEY_6, [0x24] = KEY_7, [0x25] = KEY_8, [0x26] = KEY_9, [0x27] = KEY_0,
	[0x28] = KEY_ENTER, [0x29] = KEY_ESC, [0x2a] = KEY_BACKSPACE, [0x2b] = KEY_TAB,
	[0x2c] = KEY_SPACE, [0x2d] = KEY_MINUS, [0x2e] = KEY_EQUAL, [0x2f] = KEY_LEFTBRACE,
	[0x30] = KEY_RIGHTBRACE, [0x31] = KEY_BACKSLASH,
	[0x32] = KEY_BACKSLASH,        /* Non-US # and ~: where US keyboards have backslash */
	[0x33] = KEY_SEMICOLON, [0x34] = KEY_APOSTROPHE, [0x35] = KEY_GRAVE,
	[0x36] = KEY_COMMA, [0x37] = KEY_DOT, [0x38] = KEY_SLASH, [0x39] = KEY_CAPSLOCK,
	[0x3a] = KEY_F1, [0x3b] = KEY_F2, [0x3c] = KEY_F3, [0x3d] = KEY_F4, [0x3e] = KEY_F5,
	[0x3f] = KEY_F6, [0x40] = KEY_F7, [0x41] = KEY_F8, [0x42] = KEY_F9, [0x43] = KEY_F10,
	[0x44] = KEY_F11, [0x45] = KEY_F12,
	[0x46] = KEY_SYSRQ, [0x47] = KEY_SCROLLLOCK, [0x48] = KEY_PAUSE,
	[0x49] = KEY_INSERT, [0x4a] = KEY_HOME, [0x4b] = KEY_PAGEUP, [0x4c] = KEY_DELETE,
	[0x4d] = KEY_END, [0x4e] = KEY_PAGEDOWN, [0x4f] = KEY_RIGHT, [0x50] = KEY_LEFT,
	[0x51] = KEY_DOWN, [0x52] = KEY_UP,
	[0x53] = KEY_NUMLOCK, [0x54] = KEY_KPSLASH, [0x55] = KEY_KPASTERISK,
	[0x56] = KEY_KPMINUS, [0x57] = KEY_KPPLUS, [0x58] = KEY_KPENTER,
	[0x59] = KEY_KP1, [0x5a] = KEY_KP2, [0x5b] = KEY_KP3, [0x5c] = KEY_KP4,
	[0x5d] = KEY_KP5, [0x5e] = KEY_KP6, [0x5f] = KEY_KP7, [0x60] = KEY_KP8,
	[0x61] = KEY_KP9, [0x62] = KEY_KP0, [0x63] = KEY_KPDOT,
	[0x64] = KEY_102ND, [0x65] = KEY_COMPOSE,
};

/* Modifier byte bit i is usage 0xe0 + i: left Ctrl, Shift, Alt, GUI, then right. */
static const uint8_t modifier_keys[8] = {
	KEY_LEFTCTRL, KEY_LEFTSHIFT, KEY_LEFTALT, KEY_LEFTMETA,
	KEY_RIGHTCTRL, KEY_RIGHTSHIFT, KEY_RIGHTALT, KEY_RIGHTMETA,
};

void hid_kbd_init(struct hid_kbd *k)
{
	*k = (struct hid_kbd){ .repeat_key = KEY_NONE };
}

uint16_t hid_usage_to_key(uint8_t usage)
{
	return usage < sizeof(usage_keys) ? usage_keys[usage] : KEY_NONE;
}

static bool holds(const uint8_t keys[HID_KBD_KEY_SLOTS], uint8_t usage)
{
	for (int i = 0; i < HID_KBD_KEY_SLOTS; i++)
		if (keys[i] == usage)
			return true;
	return false;
}

static void put(struct kbd_event *ev, size_t *n, uint16_t key, bool pressed)
{
	ev[*n].key = key;
	ev[*n].pressed = pressed;
	(*n)++;
}

size_t hid_kbd_report(struct hid_kbd *k, const uint8_t *rep, size_t len, uint64_t now_ns,
                      struct kbd_event ev[HID_KBD_MAX_EVENTS])
{
	uint8_t keys[HID_KBD_KEY_SLOTS] = { 0 };
	size_t n = 0;

	if (len < 3)
		return 0;
	for (size_t i = 0; i < HID_KBD_KEY_SLOTS && 2 + i < len; i++)
		keys[i] = rep[2 + i];
	if (keys[0] == HID_USAGE_ERROR_ROLLOVER)
		return 0;       /* "too many keys": the state is unknown, keep ours */
	/* Usages below 4 (none, the error codes) are not keys. Slots are
	 * cleaned so that "held" only ever means a real key. */
	for (int i = 0; i < HID_KBD_KEY_SLOTS; i++)
		if (keys[i] < 0x04)
			keys[i] = 0;

	for (int i = 0; i < HID_KBD_KEY_SLOTS; i++) {
		uint8_t u = k->keys[i];
		if (u == 0 || holds(keys, u))
			continue;
		uint16_t key = hid_usage_to_key(u);
		if (key == KEY_NONE)
			continue;
		put(ev, &n, key, false);
		if (key == k->repeat_key)
			k->repeat_key = KEY_NONE;
	}
	uint8_t changed = k->mods ^ rep[0];
	for (int b = 0; b < 8; b++)
		if (changed & (1u << b))
			put(ev, &n, modifier_keys[b], (rep[0] >> b) & 1);
	for (int i = 0; i < HID_KBD_KEY_SLOTS; i++) {
		uint8_t u = keys[i];
		if (u == 0 || holds(k->keys, u))
			continue;
		uint16_t key = hid_usage_to_key(u);
		if (key == KEY_NONE)
			continue;
		put(ev, &n, key, true);
		k->repeat_key = key;            /* the newest key repeats, as on PS/2 */
		k->repeat_at_ns = now_ns + HID_KBD_REPEAT_DELAY_NS;
	}
	k->mods = rep[0];
	for (int i = 0; i < HID_KBD_KEY_SLOTS; i++)
		k->keys[i] = keys[i];
	return n;
}

bool hid_kbd_tick(struct hid_kbd *k, uint64_t now_ns, struct kbd_event *ev)
{
	if (k->repeat_key == KEY_NONE || now_ns < k->repeat_at_ns)
		return false;
	ev->key = k->repeat_key;
	ev->pressed = true;
	k->repeat_at_ns += HID_KBD_REPEAT_PERIOD_NS;
	if (k->repeat_at_ns <= now_ns)
		k->repeat_at_ns = now_ns + HID_KBD_REPEAT_PERIOD_NS;
	return true;
}

uint64_t hid_kbd_deadline(const struct hid_kbd *k)
{
	return k->repeat_key == KEY_NONE ? 0 : k->repeat_at_ns;
}
