/*
 * Configuration descriptor parsing (usb.h). A configuration descriptor is
 * followed by its interfaces, each followed by its endpoints and class
 * descriptors (HID, hub...), all chained by their bLength (USB 2.0 9.6.3).
 * A device's descriptors are input, not trusted data: a zero or overlong
 * bLength ends the walk.
 */
#include "usb/usb.h"

static bool wanted(const struct usb_interface_desc *i)
{
	if (i->alt_setting != 0)
		return false;
	if (i->if_class == USB_CLASS_HUB)
		return true;
	return i->if_class == USB_CLASS_HID && i->if_subclass == HID_SUBCLASS_BOOT &&
	       i->if_protocol == HID_PROTOCOL_KEYBOARD;
}

bool usb_find_interface(const uint8_t *buf, size_t len, struct usb_iface_info *out)
{
	const struct usb_interface_desc *cur = NULL;

	if (len < sizeof(struct usb_config_desc) || buf[1] != USB_DT_CONFIG)
		return false;
	uint8_t config_value = ((const struct usb_config_desc *)buf)->config_value;
	for (size_t off = 0; off + 2 <= len;) {
		uint8_t dlen = buf[off], type = buf[off + 1];
		if (dlen < 2 || off + dlen > len)
			return false;
		if (type == USB_DT_INTERFACE && dlen >= sizeof(struct usb_interface_desc)) {
			const struct usb_interface_desc *i = (const void *)(buf + off);
			cur = wanted(i) ? i : NULL;
		} else if (type == USB_DT_ENDPOINT && dlen >= sizeof(struct usb_endpoint_desc) &&
		           cur != NULL) {
			const struct usb_endpoint_desc *e = (const void *)(buf + off);
			if ((e->address & USB_DIR_IN) &&
			    (e->attributes & USB_EP_XFER_MASK) == USB_EP_XFER_INTERRUPT) {
				*out = (struct usb_iface_info){
					.config_value = config_value,
					.number = cur->number,
					.if_class = cur->if_class,
					.ep_address = e->address,
					.ep_max_packet = e->max_packet & 0x7ff,
					.ep_interval = e->interval,
				};
				return true;
			}
		}
		off += dlen;
	}
	return false;
}
