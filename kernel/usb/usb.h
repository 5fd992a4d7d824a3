/*
 * USB 2.0 chapter 9 structures the host side needs: the setup packet, the
 * standard descriptors, the standard and HID class requests, and a parser
 * that finds the interfaces this kernel drives in a configuration
 * descriptor (usb_desc.c, pure, so the host tests run it). All fields are
 * little-endian on the wire, as on x86.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Setup packet, USB 2.0 section 9.3. */
struct usb_setup {
	uint8_t request_type;
	uint8_t request;
	uint16_t value;
	uint16_t index;
	uint16_t length;
} __attribute__((packed));
_Static_assert(sizeof(struct usb_setup) == 8, "setup packet (USB 2.0 9.3)");

#define USB_DIR_IN 0x80
#define USB_TYPE_CLASS 0x20
#define USB_RECIP_INTERFACE 0x01
#define USB_RECIP_OTHER 0x03            /* a hub's port */

/* Standard requests, USB 2.0 table 9-4. */
#define USB_REQ_GET_STATUS 0
#define USB_REQ_CLEAR_FEATURE 1
#define USB_REQ_SET_FEATURE 3
#define USB_REQ_GET_DESCRIPTOR 6
#define USB_REQ_SET_CONFIGURATION 9
/* HID class requests, HID 1.11 section 7.2. */
#define HID_REQ_SET_IDLE 0x0a
#define HID_REQ_SET_PROTOCOL 0x0b
#define HID_PROTOCOL_BOOT 0

/* Descriptor types, USB 2.0 table 9-5; the hub's, 11.23.2.1. */
#define USB_DT_DEVICE 1
#define USB_DT_CONFIG 2
#define USB_DT_INTERFACE 4
#define USB_DT_ENDPOINT 5
#define USB_DT_HUB 0x29

struct usb_device_desc {
	uint8_t length;
	uint8_t type;
	uint16_t bcd_usb;
	uint8_t dev_class;
	uint8_t dev_subclass;
	uint8_t dev_protocol;
	uint8_t max_packet0;
	uint16_t vendor;
	uint16_t product;
	uint16_t bcd_device;
	uint8_t i_manufacturer;
	uint8_t i_product;
	uint8_t i_serial;
	uint8_t num_configs;
} __attribute__((packed));
_Static_assert(sizeof(struct usb_device_desc) == 18, "device descriptor (USB 2.0 9.6.1)");

struct usb_config_desc {
	uint8_t length;
	uint8_t type;
	uint16_t total_length;
	uint8_t num_interfaces;
	uint8_t config_value;
	uint8_t i_config;
	uint8_t attributes;
	uint8_t max_power;
} __attribute__((packed));
_Static_assert(sizeof(struct usb_config_desc) == 9, "config descriptor (USB 2.0 9.6.3)");

struct usb_interface_desc {
	uint8_t length;
	uint8_t type;
	uint8_t number;
	uint8_t alt_setting;
	uint8_t num_endpoints;
	uint8_t if_class;
	uint8_t if_subclass;
	uint8_t if_protocol;
	uint8_t i_interface;
} __attribute__((packed));
_Static_assert(sizeof(struct usb_interface_desc) == 9, "interface descriptor (USB 2.0 9.6.5)");

struct usb_endpoint_desc {
	uint8_t length;
	uint8_t type;
	uint8_t address;        /* bit 7: IN */
	uint8_t attributes;     /* bits 1:0: transfer type */
	uint16_t max_packet;
	uint8_t interval;
} __attribute__((packed));
_Static_assert(sizeof(struct usb_endpoint_desc) == 7, "endpoint descriptor (USB 2.0 9.6.6)");

/* Hub descriptor, USB 2.0 section 11.23.2.1 (the fixed part). */
struct usb_hub_desc {
	uint8_t length;
	uint8_t type;
	uint8_t num_ports;
	uint16_t characteristics;
	uint8_t power_on_to_good;       /* units of 2 ms */
	uint8_t max_current;
} __attribute__((packed));
_Static_assert(sizeof(struct usb_hub_desc) == 7, "hub descriptor (USB 2.0 11.23.2.1)");

#define USB_EP_XFER_MASK 0x03
#define USB_EP_XFER_INTERRUPT 0x03

#define USB_CLASS_HID 3
#define USB_CLASS_HUB 9
#define HID_SUBCLASS_BOOT 1
#define HID_PROTOCOL_KEYBOARD 1

/* What the parser found: the first boot-protocol keyboard interface, or the
 * first hub interface, with its first interrupt IN endpoint. */
struct usb_iface_info {
	uint8_t config_value;   /* for SET_CONFIGURATION */
	uint8_t number;         /* interface number */
	uint8_t if_class;       /* USB_CLASS_HID or USB_CLASS_HUB */
	uint8_t ep_address;     /* bit 7 set: IN */
	uint16_t ep_max_packet; /* bits 10:0 */
	uint8_t ep_interval;    /* bInterval as in the descriptor */
};

/*
 * Walks a configuration descriptor of len bytes (as read, possibly cut
 * short of wTotalLength) descriptor by descriptor, never past len or past a
 * descriptor's own length. Returns true and fills *out for the first
 * interface (alternate setting 0) that is a HID boot keyboard or a hub and
 * has an interrupt IN endpoint.
 */
bool usb_find_interface(const uint8_t *buf, size_t len, struct usb_iface_info *out);
