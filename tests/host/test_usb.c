/*
 * Host tests for the pure parts of the USB stack: HID boot reports to key
 * events and terminal bytes (through the same keymap as PS/2), key repeat
 * timing, xHCI producer/event ring arithmetic, and configuration
 * descriptor parsing, including hostile lengths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "usb/hid_kbd.h"
#include "usb/usb.h"
#include "usb/xhci_ring.h"

#define MS 1000000ull

struct kb {
	struct hid_kbd h;
	struct kbd_state st;
	char out[256];
	size_t nout;
};

static void kb_init(struct kb *k)
{
	memset(k, 0, sizeof(*k));
	hid_kbd_init(&k->h);
	kbd_state_init(&k->st);
}

static void to_bytes(struct kb *k, const struct kbd_event *ev)
{
	char buf[KBD_MAX_BYTES];
	size_t n = kbd_event_to_bytes(&k->st, ev, buf);
	assert_true(k->nout + n < sizeof(k->out));
	memcpy(k->out + k->nout, buf, n);
	k->nout += n;
	k->out[k->nout] = 0;
}

static size_t report(struct kb *k, uint64_t now, uint8_t mods, uint8_t k0, uint8_t k1)
{
	uint8_t rep[8] = {mods, 0, k0, k1, 0, 0, 0, 0};
	struct kbd_event ev[HID_KBD_MAX_EVENTS];
	size_t n = hid_kbd_report(&k->h, rep, sizeof(rep), now, ev);
	assert_true(n <= HID_KBD_MAX_EVENTS);
	for (size_t i = 0; i < n; i++)
		to_bytes(k, &ev[i]);
	return n;
}

/* "echo" typed as press/release reports gives the same bytes as on PS/2. */
static void test_typing(void **state)
{
	(void)state;
	struct kb k;
	kb_init(&k);
	const uint8_t word[] = {0x08, 0x06, 0x0b, 0x12, 0x2c, 0x28}; /* e c h o space enter */
	for (size_t i = 0; i < sizeof(word); i++) {
		assert_int_equal(report(&k, i * 10 * MS, 0, word[i], 0), 1);
		assert_int_equal(report(&k, i * 10 * MS + 5 * MS, 0, 0, 0), 1);
	}
	assert_string_equal(k.out, "echo \n");
}

/* Shift and a letter in one report: modifiers are applied first. Ctrl+C
 * gives 0x03; the arrows give xterm's escape sequences. */
static void test_modifiers_and_arrows(void **state)
{
	(void)state;
	struct kb k;
	kb_init(&k);
	report(&k, 0, 0x02, 0x04, 0);        /* left Shift + a */
	report(&k, 1, 0x00, 0, 0);
	report(&k, 2, 0x10, 0x06, 0);        /* right Ctrl + c */
	report(&k, 3, 0x00, 0, 0);
	report(&k, 4, 0, 0x52, 0);           /* up */
	report(&k, 5, 0, 0x50, 0x52);        /* left, up still held: only left is new */
	report(&k, 6, 0, 0, 0);
	assert_memory_equal(k.out, "A\x03\033[A\033[D", 8);
	assert_int_equal(k.nout, 8);
}

/* Releases come before presses, and only for keys held before. */
static void test_event_order(void **state)
{
	(void)state;
	struct hid_kbd h;
	struct kbd_event ev[HID_KBD_MAX_EVENTS];
	hid_kbd_init(&h);
	uint8_t r1[8] = {0, 0, 0x04, 0, 0, 0, 0, 0};
	uint8_t r2[8] = {0x02, 0, 0x05, 0, 0, 0, 0, 0};
	assert_int_equal(hid_kbd_report(&h, r1, 8, 0, ev), 1);
	assert_int_equal(hid_kbd_report(&h, r2, 8, 0, ev), 3);
	assert_int_equal(ev[0].key, KEY_A);
	assert_false(ev[0].pressed);
	assert_int_equal(ev[1].key, KEY_LEFTSHIFT);
	assert_true(ev[1].pressed);
	assert_int_equal(ev[2].key, KEY_B);
	assert_true(ev[2].pressed);
	/* The same report again changes nothing. */
	assert_int_equal(hid_kbd_report(&h, r2, 8, 0, ev), 0);
}

/* ErrorRollOver reports and short reports. */
static void test_rollover_and_short(void **state)
{
	(void)state;
	struct hid_kbd h;
	struct kbd_event ev[HID_KBD_MAX_EVENTS];
	hid_kbd_init(&h);
	uint8_t r1[8] = {0, 0, 0x04, 0, 0, 0, 0, 0};
	uint8_t roll[8] = {0, 0, 1, 1, 1, 1, 1, 1};
	assert_int_equal(hid_kbd_report(&h, r1, 8, 0, ev), 1);
	assert_int_equal(hid_kbd_report(&h, roll, 8, 0, ev), 0);
	assert_int_equal(hid_kbd_report(&h, r1, 8, 0, ev), 0);  /* a still held */
	assert_int_equal(hid_kbd_report(&h, r1, 2, 0, ev), 0);  /* too short: ignored */
	uint8_t r3[3] = {0, 0, 0};
	assert_int_equal(hid_kbd_report(&h, r3, 3, 0, ev), 1);  /* a released */
	assert_false(ev[0].pressed);
}

/* Every key slot full, then all released: 6 presses, 6 releases. */
static void test_six_keys(void **state)
{
	(void)state;
	struct hid_kbd h;
	struct kbd_event ev[HID_KBD_MAX_EVENTS];
	hid_kbd_init(&h);
	uint8_t all[8] = {0xff, 0, 4, 5, 6, 7, 8, 9};
	uint8_t none[8] = {0};
	assert_int_equal(hid_kbd_report(&h, all, 8, 0, ev), 14);
	assert_int_equal(hid_kbd_report(&h, none, 8, 0, ev), 14);
	for (int i = 0; i < 6; i++)
		assert_false(ev[i].pressed);
}

/* Typematic: nothing before the delay, then one press per period; no burst
 * after a late tick; a release stops it; modifiers never repeat. */
static void test_repeat(void **state)
{
	(void)state;
	struct kb k;
	struct kbd_event ev;
	kb_init(&k);
	report(&k, 1000 * MS, 0, 0x04, 0);
	assert_int_equal(hid_kbd_deadline(&k.h), 1000 * MS + HID_KBD_REPEAT_DELAY_NS);
	assert_false(hid_kbd_tick(&k.h, 1000 * MS + HID_KBD_REPEAT_DELAY_NS - 1, &ev));
	uint64_t t = 1000 * MS + HID_KBD_REPEAT_DELAY_NS;
	assert_true(hid_kbd_tick(&k.h, t, &ev));
	assert_int_equal(ev.key, KEY_A);
	assert_true(ev.pressed);
	to_bytes(&k, &ev);
	assert_false(hid_kbd_tick(&k.h, t + 1, &ev));
	assert_true(hid_kbd_tick(&k.h, t + HID_KBD_REPEAT_PERIOD_NS, &ev));
	to_bytes(&k, &ev);
	/* Ten periods late: one press, and the next one a period later. */
	uint64_t late = t + 11 * HID_KBD_REPEAT_PERIOD_NS;
	assert_true(hid_kbd_tick(&k.h, late, &ev));
	assert_false(hid_kbd_tick(&k.h, late + 1, &ev));
	assert_int_equal(hid_kbd_deadline(&k.h), late + HID_KBD_REPEAT_PERIOD_NS);
	report(&k, late + 2, 0, 0, 0);
	assert_int_equal(hid_kbd_deadline(&k.h), 0);
	assert_false(hid_kbd_tick(&k.h, late + 10000 * MS, &ev));
	assert_string_equal(k.out, "aaa");
	/* Shift alone does not repeat. */
	report(&k, 0, 0x02, 0, 0);
	assert_int_equal(hid_kbd_deadline(&k.h), 0);
	/* Releasing an older key keeps the newer one repeating. */
	report(&k, 0, 0, 0x04, 0);
	report(&k, 10, 0, 0x04, 0x05);
	report(&k, 20, 0, 0, 0x05);
	assert_true(hid_kbd_tick(&k.h, 10 + HID_KBD_REPEAT_DELAY_NS, &ev));
	assert_int_equal(ev.key, KEY_B);
}

static void test_usage_table(void **state)
{
	(void)state;
	assert_int_equal(hid_usage_to_key(0x04), KEY_A);
	assert_int_equal(hid_usage_to_key(0x1d), KEY_Z);
	assert_int_equal(hid_usage_to_key(0x27), KEY_0);
	assert_int_equal(hid_usage_to_key(0x28), KEY_ENTER);
	assert_int_equal(hid_usage_to_key(0x45), KEY_F12);
	assert_int_equal(hid_usage_to_key(0x4c), KEY_DELETE);
	assert_int_equal(hid_usage_to_key(0x62), KEY_KP0);
	assert_int_equal(hid_usage_to_key(0x65), KEY_COMPOSE);
	assert_int_equal(hid_usage_to_key(0x66), KEY_NONE);
	assert_int_equal(hid_usage_to_key(0xe0), KEY_NONE);
	assert_int_equal(hid_usage_to_key(0xff), KEY_NONE);
}

/* A producer ring of 4 TRBs (3 usable + link): cycle bits and the link. */
static void test_producer_ring(void **state)
{
	(void)state;
	struct xhci_trb mem[4];
	struct xhci_ring r;
	memset(mem, 0xaa, sizeof(mem));
	xhci_ring_init(&r, mem, 0x1000, 4);
	assert_int_equal(mem[3].param, 0x1000);
	assert_int_equal(TRB_GET_TYPE(mem[3].control), TRB_LINK);
	assert_true(mem[3].control & TRB_TC);
	assert_int_equal(mem[3].control & TRB_CYCLE, 0);
	assert_int_equal(mem[0].control, 0);
	for (int lap = 0; lap < 3; lap++) {
		uint32_t cyc = lap % 2 == 0 ? 1 : 0;
		for (int i = 0; i < 3; i++) {
			uint64_t at = xhci_ring_push(&r, 100 + i, 7, TRB_TYPE(TRB_NOOP_CMD) | TRB_CYCLE);
			assert_int_equal(at, 0x1000 + 16 * i);
			assert_int_equal(mem[i].param, 100 + i);
			assert_int_equal(mem[i].control & TRB_CYCLE, cyc);
			assert_int_equal(TRB_GET_TYPE(mem[i].control), TRB_NOOP_CMD);
		}
		/* The link was handed over with this lap's cycle. */
		assert_int_equal(mem[3].control & TRB_CYCLE, cyc);
		assert_int_equal(r.enq, 0);
		assert_int_equal(r.cycle, cyc ^ 1);
	}
}

static void test_event_ring(void **state)
{
	(void)state;
	struct xhci_trb mem[3];
	struct xhci_event_ring r;
	struct xhci_trb ev;
	xhci_event_ring_init(&r, mem, 0x2000, 3);
	assert_false(xhci_event_pop(&r, &ev));
	/* The controller writes 3 events with cycle 1, then wraps to 0. */
	for (int i = 0; i < 3; i++) {
		mem[i].param = i;
		mem[i].control = TRB_TYPE(TRB_EV_COMMAND) | 1;
	}
	for (int i = 0; i < 3; i++) {
		assert_true(xhci_event_pop(&r, &ev));
		assert_int_equal(ev.param, i);
	}
	assert_int_equal(xhci_event_dequeue_phys(&r), 0x2000);
	assert_false(xhci_event_pop(&r, &ev)); /* old cycle-1 entries are stale now */
	mem[0].param = 42;
	mem[0].control = TRB_TYPE(TRB_EV_PORT);
	assert_true(xhci_event_pop(&r, &ev));
	assert_int_equal(ev.param, 42);
	assert_int_equal(xhci_event_dequeue_phys(&r), 0x2010);
	assert_false(xhci_event_pop(&r, &ev));
}

/* QEMU's usb-kbd configuration descriptor (config, interface, HID, endpoint). */
static const uint8_t kbd_config[] = {
	9, 2, 34, 0, 1, 1, 0, 0xa0, 50,
	9, 4, 0, 0, 1, 3, 1, 1, 0,
	9, 0x21, 0x11, 1, 0, 1, 0x22, 63, 0,
	7, 5, 0x81, 3, 8, 0, 7,
};

static void test_find_keyboard(void **state)
{
	(void)state;
	struct usb_iface_info info;
	assert_true(usb_find_interface(kbd_config, sizeof(kbd_config), &info));
	assert_int_equal(info.config_value, 1);
	assert_int_equal(info.number, 0);
	assert_int_equal(info.if_class, USB_CLASS_HID);
	assert_int_equal(info.ep_address, 0x81);
	assert_int_equal(info.ep_max_packet, 8);
	assert_int_equal(info.ep_interval, 7);
	/* Cut before the endpoint: nothing. */
	assert_false(usb_find_interface(kbd_config, 27, &info));
	assert_false(usb_find_interface(kbd_config, 5, &info));
}

static void test_find_rejects(void **state)
{
	(void)state;
	struct usb_iface_info info;
	uint8_t buf[sizeof(kbd_config)];
	/* A mouse (protocol 2) is not a keyboard. */
	memcpy(buf, kbd_config, sizeof(buf));
	buf[9 + 7] = 2;
	assert_false(usb_find_interface(buf, sizeof(buf), &info));
	/* A zero length, or a length past the end, stops the walk. */
	memcpy(buf, kbd_config, sizeof(buf));
	buf[18] = 0;
	assert_false(usb_find_interface(buf, sizeof(buf), &info));
	memcpy(buf, kbd_config, sizeof(buf));
	buf[27] = 200;
	assert_false(usb_find_interface(buf, sizeof(buf), &info));
	/* An OUT endpoint is not the report endpoint. */
	memcpy(buf, kbd_config, sizeof(buf));
	buf[27 + 2] = 0x01;
	assert_false(usb_find_interface(buf, sizeof(buf), &info));
	/* A hub: class 9, interrupt IN. */
	const uint8_t hub[] = {9, 2, 25, 0, 1, 1, 0, 0xe0, 0, 9, 4, 0, 0, 1, 9, 0, 0, 0,
	                       7, 5, 0x81, 3, 1, 0, 0xff};
	assert_true(usb_find_interface(hub, sizeof(hub), &info));
	assert_int_equal(info.if_class, USB_CLASS_HUB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing),
		cmocka_unit_test(test_modifiers_and_arrows),
		cmocka_unit_test(test_event_order),
		cmocka_unit_test(test_rollover_and_short),
		cmocka_unit_test(test_six_keys),
		cmocka_unit_test(test_repeat),
		cmocka_unit_test(test_usage_table),
		cmocka_unit_test(test_producer_ring),
		cmocka_unit_test(test_event_ring),
		cmocka_unit_test(test_find_keyboard),
		cmocka_unit_test(test_find_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
