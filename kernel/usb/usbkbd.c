/*
 * The USB keyboard: a HID boot-protocol interface (HID 1.11, 7.2.5 and
 * appendix B) turned into the same terminal bytes as the PS/2 keyboard.
 * SET_PROTOCOL(boot) makes the keyboard send the fixed 8-byte report
 * whatever its report descriptor says, so no descriptor parser is needed;
 * SET_IDLE(0) makes it report only on a change (repeat is ours, hid_kbd.c).
 * Reports become key events (hid_kbd.c), events become bytes through the
 * PS/2 keymap (dev/kbd_decode.c), bytes go to the input queue as
 * INPUT_KEYBOARD, so the shell and tty0 cannot tell the keyboards apart.
 *
 * input_push wants one producer at a time (dev/input.h): the controller's
 * thread runs on CPU 0, where the PS/2 and serial interrupts arrive, and
 * pushes with interrupts off, so it never overlaps them.
 */
#include "arch/x86_64/cpu.h"
#include "dev/input.h"
#include "time/clock.h"
#include "usb/xhci_internal.h"

#define BUF_INTR 2048                   /* xhci_dev.c: where reports land */

bool usbkbd_start(struct xhci *x, struct usb_dev *d)
{
	const uint8_t out = USB_TYPE_CLASS | USB_RECIP_INTERFACE;

	hid_kbd_init(&d->hid);
	kbd_state_init(&d->keymap);
	if (usb_control(x, d, out, HID_REQ_SET_PROTOCOL, HID_PROTOCOL_BOOT, d->iface.number, 0) < 0)
		return false;
	/* Optional for keyboards that do not support it (HID 1.11, 7.2.4):
	 * a STALL here is not a failure. */
	usb_control(x, d, out, HID_REQ_SET_IDLE, 0, d->iface.number, 0);
	return true;
}

static void push_event(struct usb_dev *d, const struct kbd_event *ev)
{
	char bytes[KBD_MAX_BYTES];
	size_t n = kbd_event_to_bytes(&d->keymap, ev, bytes);
	if (n == 0)
		return;
	uint64_t flags = cpu_irq_save();
	input_push(INPUT_KEYBOARD, bytes, n);
	cpu_irq_restore(flags);
}

void usbkbd_report(struct xhci *x, struct usb_dev *d, uint32_t len)
{
	struct kbd_event ev[HID_KBD_MAX_EVENTS];
	(void)x;
	d->reports++;
	size_t n = hid_kbd_report(&d->hid, (const uint8_t *)(d->buf + BUF_INTR), len, clock_ns(), ev);
	for (size_t i = 0; i < n; i++)
		push_event(d, &ev[i]);
}

uint64_t usbkbd_repeat(struct xhci *x)
{
	uint64_t next = 0, now = clock_ns();
	for (unsigned i = 0; i < XHCI_MAX_DEVS; i++) {
		struct usb_dev *d = &x->devs[i];
		if (!d->in_use || d->kind != USB_KEYBOARD || d->intr_dci == 0)
			continue;
		struct kbd_event ev;
		if (hid_kbd_tick(&d->hid, now, &ev))
			push_event(d, &ev);
		uint64_t at = hid_kbd_deadline(&d->hid);
		if (at != 0 && (next == 0 || at < next))
			next = at;
	}
	return next;
}
