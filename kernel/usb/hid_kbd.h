/*
 * USB HID boot-protocol keyboard reports to key events, and key repeat: the
 * pure half of the USB keyboard driver (usbkbd.c is the other), so the host
 * tests drive it as it is.
 *
 *   8-byte report --hid_kbd_report--> key events --kbd_event_to_bytes--> bytes
 *   clock         --hid_kbd_tick----> repeated presses
 *
 * A boot-protocol report (HID 1.11, appendix B.1) is: a modifier byte (bit
 * 0 left Ctrl, 1 left Shift, 2 left Alt, 3 left GUI, 4-7 the same on the
 * right), a reserved byte, then up to six usage codes of keys held down
 * (HID Usage Tables 1.12, chapter 10, page 0x07), 0 in unused slots. A report
 * says what is held, not what changed, so this module keeps the last one and
 * produces the difference as the same struct kbd_event the PS/2 decoder
 * makes (kbd_decode.h), with Linux key codes; the keymap is then shared.
 *
 * A USB keyboard does not repeat keys itself (the PS/2 keyboard does, in its
 * own firmware), so the host does: the last key pressed, if not a modifier,
 * repeats after HID_KBD_REPEAT_DELAY_NS, then every HID_KBD_REPEAT_PERIOD_NS,
 * the PS/2 keyboard's defaults after reset (500 ms, 10.9 per second).
 *
 * Invariants: a release is produced only for a key reported held before, a
 * press only for a key not held before (or by the repeat); a report whose
 * key slots all say ErrorRollOver (0x01: too many keys) changes nothing.
 * Zeroed storage is a valid initial state (nothing held).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/kbd_decode.h"

#define HID_KBD_REPORT_LEN 8
#define HID_KBD_KEY_SLOTS 6
#define HID_KBD_REPEAT_DELAY_NS 500000000ull
#define HID_KBD_REPEAT_PERIOD_NS 91743119ull /* 1/10.9 s */
/* The most events one report yields: 8 modifiers, 6 releases, 6 presses. */
#define HID_KBD_MAX_EVENTS 20

/* HID usage IDs with a meaning of their own (Usage Tables 1.12, table 12). */
#define HID_USAGE_ERROR_ROLLOVER 0x01

struct hid_kbd {
	uint8_t mods;                          /* modifier byte of the last report */
	uint8_t keys[HID_KBD_KEY_SLOTS];       /* usages held in the last report */
	uint16_t repeat_key;                   /* enum kbd_key repeating, KEY_NONE if none */
	uint64_t repeat_at_ns;                 /* when it next repeats */
};

void hid_kbd_init(struct hid_kbd *k);

/* The Linux key code (enum kbd_key) of a keyboard-page usage, KEY_NONE for
 * usages the keymap has no key for. */
uint16_t hid_usage_to_key(uint8_t usage);

/*
 * Takes one report of len bytes (at least 3; bytes past 8 are ignored, a
 * short report's missing slots read as empty) received at now_ns, writes the
 * changes into ev (room for HID_KBD_MAX_EVENTS) and returns their number:
 * key releases first, then modifier changes, then key presses, so that
 * Shift and a letter arriving in one report give a capital.
 */
size_t hid_kbd_report(struct hid_kbd *k, const uint8_t *rep, size_t len, uint64_t now_ns,
                      struct kbd_event ev[HID_KBD_MAX_EVENTS]);

/* A repeated press of the held key if one is due at now_ns (returns true
 * and fills *ev). One at most per call: a caller that was late does not get
 * a burst, the repeat just restarts its period from now. */
bool hid_kbd_tick(struct hid_kbd *k, uint64_t now_ns, struct kbd_event *ev);

/* When hid_kbd_tick next has something to do, 0 if no key repeats. */
uint64_t hid_kbd_deadline(const struct hid_kbd *k);
