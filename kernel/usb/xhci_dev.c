/*
 * USB devices on an xHCI controller: what happens between "something was
 * plugged into a port" and "its interrupt endpoint delivers reports", and
 * the way back when it is unplugged (xHCI 1.2, 4.3 "USB Device
 * Initialization"; USB 2.0, 9.1 and chapter 11 for hubs).
 *
 *   port connect --(USB 2 port: port reset)--> port enabled, speed known
 *   Enable Slot command          --> slot ID; Device Context in the DCBAA
 *   Address Device command       --> EP0 usable, device at its address
 *   GET_DESCRIPTOR(device, 8)    --> bMaxPacketSize0 (Evaluate Context if new)
 *   GET_DESCRIPTOR(device, config)--> vendor, product, the interfaces
 *   SET_CONFIGURATION            --> interfaces live
 *   class start (usbkbd.c, or the hub code below)
 *   Configure Endpoint command   --> the interrupt IN endpoint's ring
 *   Normal TRB queued            --> a transfer event per report
 *
 * Every step runs in the controller's thread and waits for its completion;
 * a step that fails leaves the device disabled (its slot freed) with one
 * log line. A device behind a hub is the same, with a route string, its
 * hub's slot and port as transaction translator for a low- or full-speed
 * device behind a high-speed hub, and the hub's own port reset (class
 * requests) in place of PORTSC.
 */
#include "core/kprintf.h"
#include "lib/string.h"
#include "lib/vsnprintf.h"
#include "mm/phys.h"
#include "time/clock.h"
#include "usb/xhci_internal.h"
#include "usb/xhci_regs.h"

#define BUF_CONTROL 0                   /* d->buf: control data at 0, reports at 2048 */
#define BUF_INTR 2048
#define BUF_CONTROL_MAX 2048
#define CONTROL_TIMEOUT_NS 1000000000ull
#define PORT_RESET_MS 500
#define RESET_RECOVERY_MS 10            /* after a port reset, USB 2.0 7.1.7.3 (TRSTRCY) */
#define SET_ADDRESS_RECOVERY_MS 2       /* after SET_ADDRESS, USB 2.0 9.2.6.3 */

/* Hub class requests and features (USB 2.0, 11.24.2 and table 11-17). */
#define HUB_RT_PORT_OUT (USB_TYPE_CLASS | USB_RECIP_OTHER)
#define HUB_RT_PORT_IN (USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_OTHER)
#define HUB_RT_HUB_IN (USB_DIR_IN | USB_TYPE_CLASS)
#define HUB_FEAT_PORT_RESET 4
#define HUB_FEAT_PORT_POWER 8
#define HUB_FEAT_C_PORT_CONNECTION 16
#define HUB_FEAT_C_PORT_ENABLE 17
#define HUB_FEAT_C_PORT_RESET 20
#define HUB_PORT_CONNECTION (1u << 0)
#define HUB_PORT_LOW_SPEED (1u << 9)
#define HUB_PORT_HIGH_SPEED (1u << 10)
#define HUB_C_PORT_CONNECTION (1u << 0)
#define HUB_C_PORT_RESET (1u << 4)

static volatile uint32_t *ctx_dw(struct xhci *x, volatile uint8_t *base, unsigned index)
{
	return (volatile uint32_t *)(base + index * x->ctx_size);
}

static const char *kind_word(const struct usb_dev *d)
{
	return d->kind == USB_KEYBOARD ? "keyboard" : d->kind == USB_HUB ? "hub" : "device";
}

void usb_dev_where(const struct usb_dev *d, char *out, size_t n)
{
	uint8_t path[8];
	unsigned k = 0;
	for (const struct usb_dev *p = d; p->parent && k < 8; p = p->parent)
		path[k++] = p->parent_port;
	size_t len = (size_t)ksnprintf(out, n, "port %u", d->root_port);
	while (k > 0 && len < n)
		len += (size_t)ksnprintf(out + len, n - len, ".%u", path[--k]);
}

/* ---- Control transfers ------------------------------------------------ */

/* After a STALL the endpoint is halted (xHCI 4.8.3): reset it and move its
 * dequeue pointer past the failed TD, so the next transfer can run. */
static void recover_ep0(struct xhci *x, struct usb_dev *d)
{
	xhci_command(x, 0, 0, TRB_TYPE(TRB_RESET_EP) | TRB_SLOT(d->slot) | (1u << 16), NULL);
	uint64_t deq = d->ep0.phys + d->ep0.enq * sizeof(struct xhci_trb);
	xhci_command(x, deq | d->ep0.cycle, 0, TRB_TYPE(16) | TRB_SLOT(d->slot) | (1u << 16), NULL);
}

int usb_control(struct xhci *x, struct usb_dev *d, uint8_t type, uint8_t req, uint16_t value,
                uint16_t index, uint16_t len)
{
	bool in = type & USB_DIR_IN;
	uint64_t setup = type | (uint64_t)req << 8 | (uint64_t)value << 16 |
	                 (uint64_t)index << 32 | (uint64_t)len << 48;
	uint32_t trt = len == 0 ? TRB_TRT_NONE : in ? TRB_TRT_IN : TRB_TRT_OUT;

	if (len > BUF_CONTROL_MAX)
		return -1;
	d->ctl_done = false;
	xhci_ring_push(&d->ep0, setup, 8, TRB_TYPE(TRB_SETUP) | TRB_IDT | trt << TRB_TRT_SHIFT);
	if (len)
		xhci_ring_push(&d->ep0, d->buf_phys + BUF_CONTROL, len,
		               TRB_TYPE(TRB_DATA) | (in ? TRB_DIR_IN : 0));
	/* The status stage goes the other way from the data (USB 2.0 8.5.3). */
	xhci_ring_push(&d->ep0, 0, 0,
	               TRB_TYPE(TRB_STATUS) | TRB_IOC | (len && in ? 0 : TRB_DIR_IN));
	xhci_ring_doorbell(x, d->slot, 1);
	uint64_t end = clock_ns() + CONTROL_TIMEOUT_NS;
	while (!d->ctl_done) {
		if (clock_ns() > end) {
			kprintf("usb: slot %u: request 0x%x timed out\n", d->slot, req);
			return -1;
		}
		xhci_pause_ms(x, 1);
	}
	if (d->ctl_code == TRB_CC_SUCCESS || d->ctl_code == TRB_CC_SHORT_PACKET)
		return len;
	if (d->ctl_code == TRB_CC_STALL)
		recover_ep0(x, d);
	return -1;
}

static int get_descriptor(struct xhci *x, struct usb_dev *d, uint8_t type, uint16_t len)
{
	return usb_control(x, d, USB_DIR_IN, USB_REQ_GET_DESCRIPTOR, (uint16_t)(type << 8), 0, len);
}

/* ---- Slots and endpoints ---------------------------------------------- */

static void free_dev(struct xhci *x, struct usb_dev *d)
{
	if (d->slot) {
		xhci_command(x, 0, 0, TRB_TYPE(TRB_DISABLE_SLOT) | TRB_SLOT(d->slot), NULL);
		x->dcbaa[d->slot] = 0;
	}
	xhci_dma_free(d->out_phys);
	xhci_dma_free(d->in_phys);
	xhci_dma_free(d->ep0_phys);
	xhci_dma_free(d->intr_phys);
	xhci_dma_free(d->buf_phys);
	spin_lock(&x->lock);
	memset(d, 0, sizeof(*d));
	spin_unlock(&x->lock);
}

static uint16_t default_mps0(uint8_t speed)
{
	switch (speed) {
	case XHCI_SPEED_HIGH: return 64;
	case XHCI_SPEED_SUPER: return 512;
	default: return 8;              /* low and full speed: 8 is always allowed */
	}
}

/* The xHCI Interval field: a period of 2^Interval * 125 us (6.2.3.6). Low
 * and full speed give bInterval in 1 ms frames, high and super speed as an
 * exponent already. */
static uint32_t ep_interval(uint8_t speed, uint8_t b_interval)
{
	if (speed == XHCI_SPEED_HIGH || speed == XHCI_SPEED_SUPER)
		return b_interval >= 1 && b_interval <= 16 ? b_interval - 1u : 3;
	uint32_t frames = b_interval ? b_interval : 1, iv = 3;   /* 2^3 * 125 us = 1 frame */
	while (iv < 10 && (1u << (iv + 1 - 3)) <= frames)
		iv++;                   /* the largest power of two of frames not above bInterval */
	return iv;
}

static bool address_device(struct xhci *x, struct usb_dev *d)
{
	volatile uint32_t *icc = ctx_dw(x, d->in_ctx, 0);
	volatile uint32_t *slot = ctx_dw(x, d->in_ctx, 1);
	volatile uint32_t *ep0 = ctx_dw(x, d->in_ctx, 2);

	icc[1] = ICC_ADD(0) | ICC_ADD(1);
	slot[0] = SLOT_CTX_ROUTE(d->route) | SLOT_CTX_SPEED(d->speed) | SLOT_CTX_ENTRIES(1);
	slot[1] = SLOT_CTX_ROOT_PORT(d->root_port);
	struct usb_dev *hub = d->parent;
	if (hub && hub->speed == XHCI_SPEED_HIGH &&
	    (d->speed == XHCI_SPEED_LOW || d->speed == XHCI_SPEED_FULL))
		slot[2] = SLOT_CTX_TT_SLOT(hub->slot) | SLOT_CTX_TT_PORT(d->parent_port);
	ep0[1] = EP_CTX_CERR(3) | EP_CTX_TYPE(EP_TYPE_CONTROL) | EP_CTX_MPS(d->max_packet0);
	ep0[2] = (uint32_t)d->ep0_phys | 1;     /* DCS = the ring's cycle, 1 */
	ep0[3] = (uint32_t)(d->ep0_phys >> 32);
	ep0[4] = EP_CTX_AVG_TRB(8);
	return xhci_command(x, d->in_phys, 0, TRB_TYPE(TRB_ADDRESS_DEVICE) | TRB_SLOT(d->slot),
	                    NULL) == TRB_CC_SUCCESS;
}

/* The real bMaxPacketSize0, if it is not the one guessed from the speed. */
static bool fix_mps0(struct xhci *x, struct usb_dev *d, uint16_t mps)
{
	if (mps == d->max_packet0 || mps == 0)
		return true;
	d->max_packet0 = mps;
	volatile uint32_t *icc = ctx_dw(x, d->in_ctx, 0);
	volatile uint32_t *ep0 = ctx_dw(x, d->in_ctx, 2);
	icc[0] = 0;
	icc[1] = ICC_ADD(1);
	ep0[1] = EP_CTX_CERR(3) | EP_CTX_TYPE(EP_TYPE_CONTROL) | EP_CTX_MPS(mps);
	return xhci_command(x, d->in_phys, 0, TRB_TYPE(TRB_EVALUATE_CTX) | TRB_SLOT(d->slot),
	                    NULL) == TRB_CC_SUCCESS;
}

static bool configure_intr(struct xhci *x, struct usb_dev *d)
{
	uint8_t dci = (uint8_t)(2 * (d->iface.ep_address & 0xf) + 1);
	uint16_t mps = d->iface.ep_max_packet ? d->iface.ep_max_packet : 8;
	volatile uint32_t *out_slot = ctx_dw(x, d->out_ctx, 0);

	memset((void *)d->in_ctx, 0, 4096);
	volatile uint32_t *icc = ctx_dw(x, d->in_ctx, 0);
	volatile uint32_t *slot = ctx_dw(x, d->in_ctx, 1);
	volatile uint32_t *ep = ctx_dw(x, d->in_ctx, 1 + dci);
	icc[1] = ICC_ADD(0) | ICC_ADD(dci);
	for (int i = 0; i < 4; i++)
		slot[i] = out_slot[i];
	slot[0] = (slot[0] & ~(0x1fu << 27)) | SLOT_CTX_ENTRIES(dci);
	slot[3] = 0;                            /* address and state: output only */
	if (d->kind == USB_HUB) {
		slot[0] |= SLOT_CTX_HUB;
		slot[1] = (slot[1] & ~(0xffu << 24)) | SLOT_CTX_NPORTS(d->hub_ports);
	}
	xhci_ring_init(&d->intr, phys_to_virt(d->intr_phys), d->intr_phys, XHCI_RING_TRBS);
	ep[0] = EP_CTX_INTERVAL(ep_interval(d->speed, d->iface.ep_interval));
	ep[1] = EP_CTX_CERR(3) | EP_CTX_TYPE(EP_TYPE_INTR_IN) | EP_CTX_MPS(mps);
	ep[2] = (uint32_t)d->intr_phys | 1;
	ep[3] = (uint32_t)(d->intr_phys >> 32);
	ep[4] = EP_CTX_AVG_TRB(mps) | EP_CTX_ESIT_LO(mps);
	d->intr_dci = dci;
	return xhci_command(x, d->in_phys, 0, TRB_TYPE(TRB_CONFIGURE_EP) | TRB_SLOT(d->slot),
	                    NULL) == TRB_CC_SUCCESS;
}

void usb_queue_intr(struct xhci *x, struct usb_dev *d)
{
	uint16_t mps = d->iface.ep_max_packet ? d->iface.ep_max_packet : 8;
	if (mps > 64)
		mps = 64;
	xhci_ring_push(&d->intr, d->buf_phys + BUF_INTR, mps,
	               TRB_TYPE(TRB_NORMAL) | TRB_IOC | TRB_ISP);
	xhci_ring_doorbell(x, d->slot, d->intr_dci);
}

void usb_intr_done(struct xhci *x, struct usb_dev *d, uint8_t code, uint32_t residual)
{
	uint16_t mps = d->iface.ep_max_packet ? d->iface.ep_max_packet : 8;
	if (mps > 64)
		mps = 64;
	if (code != TRB_CC_SUCCESS && code != TRB_CC_SHORT_PACKET) {
		/* A device going away ends its transfers with an error; one
		 * that stays gets no more requests (see docs/usb.md). */
		kprintf("usb: slot %u: interrupt transfer ended with code %u\n", d->slot, code);
		return;
	}
	uint32_t len = residual < mps ? mps - residual : 0;
	if (d->kind == USB_KEYBOARD) {
		usbkbd_report(x, d, len);
	} else if (d->kind == USB_HUB) {
		uint16_t bits = 0;
		for (uint32_t i = 0; i < len && i < 2; i++)
			bits |= (uint16_t)(d->buf[BUF_INTR + i] << (8 * i));
		d->hub_change |= bits & ~1u;    /* bit 0 is the hub itself */
	}
	usb_queue_intr(x, d);
}

/* ---- Hubs --------------------------------------------------------------- */

static bool hub_start(struct xhci *x, struct usb_dev *d)
{
	if (usb_control(x, d, HUB_RT_HUB_IN, USB_REQ_GET_DESCRIPTOR, USB_DT_HUB << 8, 0,
	                sizeof(struct usb_hub_desc)) < 0)
		return false;
	struct usb_hub_desc hd;
	memcpy(&hd, (const void *)(d->buf + BUF_CONTROL), sizeof(hd));
	d->hub_ports = hd.num_ports > XHCI_HUB_MAX_PORTS ? XHCI_HUB_MAX_PORTS : hd.num_ports;
	for (uint8_t p = 1; p <= d->hub_ports; p++)
		usb_control(x, d, HUB_RT_PORT_OUT, USB_REQ_SET_FEATURE, HUB_FEAT_PORT_POWER, p, 0);
	xhci_pause_ms(x, hd.power_on_to_good * 2u + 20);
	/* Look at every port once, as for the root hub. */
	d->hub_change = (uint16_t)(((1u << d->hub_ports) - 1) << 1);
	return true;
}

/* ---- Attach and detach ------------------------------------------------ */

static struct usb_dev *new_dev(struct xhci *x)
{
	for (unsigned i = 0; i < XHCI_MAX_DEVS; i++)
		if (!x->devs[i].in_use && x->devs[i].slot == 0)
			return &x->devs[i];
	return NULL;
}

static void enumerate(struct xhci *x, struct usb_dev *parent, uint8_t port, uint8_t speed,
                      uint8_t root_port)
{
	struct usb_dev *d = new_dev(x);
	char at[32];
	uint8_t slot;

	if (d == NULL) {
		kprintf("usb: too many devices: the one on port %u is not used\n", port);
		return;
	}
	memset(d, 0, sizeof(*d));
	d->parent = parent;
	d->parent_port = parent ? port : 0;
	d->root_port = root_port;
	d->speed = speed;
	d->depth = parent ? (uint8_t)(parent->depth + 1) : 0;
	d->route = parent ? parent->route | (uint32_t)(port & 0xf) << (4 * parent->depth) : 0;
	d->max_packet0 = default_mps0(speed);
	usb_dev_where(d, at, sizeof(at));

	if (xhci_command(x, 0, 0, TRB_TYPE(TRB_ENABLE_SLOT), &slot) != TRB_CC_SUCCESS || slot == 0) {
		kprintf("usb: %s: no device slot\n", at);
		return;
	}
	d->slot = slot;
	d->out_phys = xhci_dma_page(x);
	d->in_phys = xhci_dma_page(x);
	d->ep0_phys = xhci_dma_page(x);
	d->intr_phys = xhci_dma_page(x);
	d->buf_phys = xhci_dma_page(x);
	if (!d->out_phys || !d->in_phys || !d->ep0_phys || !d->intr_phys || !d->buf_phys) {
		kprintf("usb: %s: out of memory\n", at);
		goto fail;
	}
	d->out_ctx = phys_to_virt(d->out_phys);
	d->in_ctx = phys_to_virt(d->in_phys);
	d->buf = phys_to_virt(d->buf_phys);
	xhci_ring_init(&d->ep0, phys_to_virt(d->ep0_phys), d->ep0_phys, XHCI_RING_TRBS);
	x->dcbaa[slot] = d->out_phys;
	d->in_use = true;               /* events for this slot are ours from here on */

	const char *step = "address device";
	if (!address_device(x, d))
		goto failed;
	xhci_pause_ms(x, SET_ADDRESS_RECOVERY_MS);
	step = "device descriptor";
	if (get_descriptor(x, d, USB_DT_DEVICE, 8) < 0)
		goto failed;
	step = "max packet size";
	/* A USB 3 device gives bMaxPacketSize0 as a power of two (USB 3.2,
	 * 9.6.1): 9 means 512. */
	if (!fix_mps0(x, d, speed >= XHCI_SPEED_SUPER ? (uint16_t)(1u << (d->buf[7] & 15)) : d->buf[7]))
		goto failed;
	step = "device descriptor";
	if (get_descriptor(x, d, USB_DT_DEVICE, sizeof(struct usb_device_desc)) < 0)
		goto failed;
	struct usb_device_desc dd;
	memcpy(&dd, (const void *)d->buf, sizeof(dd));
	step = "configuration descriptor";
	if (get_descriptor(x, d, USB_DT_CONFIG, sizeof(struct usb_config_desc)) < 0)
		goto failed;
	uint16_t total = (uint16_t)(d->buf[2] | d->buf[3] << 8);
	if (total > BUF_CONTROL_MAX)
		total = BUF_CONTROL_MAX;
	if (get_descriptor(x, d, USB_DT_CONFIG, total) < 0)
		goto failed;
	spin_lock(&x->lock);
	d->vendor = dd.vendor;
	d->product = dd.product;
	d->kind = USB_OTHER;
	if (usb_find_interface((const uint8_t *)d->buf, total, &d->iface))
		d->kind = d->iface.if_class == USB_CLASS_HUB ? USB_HUB : USB_KEYBOARD;
	spin_unlock(&x->lock);
	if (d->kind == USB_OTHER) {
		kprintf("usb: %s: %04x:%04x class %u: no driver\n", at, d->vendor, d->product,
		        dd.dev_class);
		return;
	}
	if (d->kind == USB_HUB && d->depth >= 4) {
		kprintf("usb: %s: hubs deeper than 4 levels are not used\n", at);
		d->kind = USB_OTHER;
		return;
	}
	step = "set configuration";
	if (usb_control(x, d, 0, USB_REQ_SET_CONFIGURATION, d->iface.config_value, 0, 0) < 0)
		goto failed;
	step = d->kind == USB_HUB ? "hub start" : "keyboard start";
	if (!(d->kind == USB_HUB ? hub_start(x, d) : usbkbd_start(x, d)))
		goto failed;
	step = "configure endpoint";
	if (!configure_intr(x, d))
		goto failed;
	usb_queue_intr(x, d);
	kprintf("usb: %s: %s-speed %s %04x:%04x, slot %u%s\n", at,
	        speed == XHCI_SPEED_LOW ? "low" : speed == XHCI_SPEED_FULL ? "full"
	        : speed == XHCI_SPEED_HIGH ? "high" : "super",
	        kind_word(d), d->vendor, d->product, slot,
	        d->kind == USB_KEYBOARD ? ": USB keyboard ready" : "");
	return;
failed:
	kprintf("usb: %s: %s failed: device not used\n", at, step);
fail:
	free_dev(x, d);
}

static void detach(struct xhci *x, struct usb_dev *d)
{
	char at[32];
	for (unsigned i = 0; i < XHCI_MAX_DEVS; i++)
		if (x->devs[i].in_use && x->devs[i].parent == d)
			detach(x, &x->devs[i]);
	usb_dev_where(d, at, sizeof(at));
	kprintf("usb: %s: %s %04x:%04x removed\n", at, kind_word(d), d->vendor, d->product);
	free_dev(x, d);
}

static struct usb_dev *child_on(struct xhci *x, struct usb_dev *parent, uint8_t port)
{
	for (unsigned i = 0; i < XHCI_MAX_DEVS; i++) {
		struct usb_dev *d = &x->devs[i];
		if (d->in_use && d->parent == parent &&
		    (parent ? d->parent_port == port : d->root_port == port))
			return d;
	}
	return NULL;
}

/* Waits for a root port's reset to finish (PRC), up to PORT_RESET_MS. */
static bool root_port_reset(struct xhci *x, uint8_t port)
{
	uint32_t v = xhci_op_read(x, XHCI_PORTSC(port));
	xhci_op_write(x, XHCI_PORTSC(port), PORTSC_KEEP(v) | PORTSC_PR);
	for (int ms = 0; ms < PORT_RESET_MS; ms++) {
		xhci_pause_ms(x, 1);
		v = xhci_op_read(x, XHCI_PORTSC(port));
		if (v & PORTSC_PRC) {
			xhci_op_write(x, XHCI_PORTSC(port), PORTSC_KEEP(v) | PORTSC_PRC);
			return v & PORTSC_PED;
		}
	}
	return false;
}

void usb_port_changed(struct xhci *x, uint8_t port)
{
	uint32_t v = xhci_op_read(x, XHCI_PORTSC(port));
	xhci_op_write(x, XHCI_PORTSC(port), PORTSC_KEEP(v) | (v & PORTSC_CHANGES));
	struct usb_dev *d = child_on(x, NULL, port);

	if (!(v & PORTSC_CCS)) {
		if (d)
			detach(x, d);
		return;
	}
	if (d)
		return;                 /* a change we caused (the reset), or a repeat */
	/* A USB 3 port enables itself; a USB 2 port needs a reset (4.3.1). */
	if (!(v & PORTSC_PED) && !root_port_reset(x, port)) {
		kprintf("usb: port %u: the port reset failed\n", port);
		return;
	}
	xhci_pause_ms(x, RESET_RECOVERY_MS);
	v = xhci_op_read(x, XHCI_PORTSC(port));
	enumerate(x, NULL, port, (uint8_t)PORTSC_SPEED(v), port);
}

static int hub_port_status(struct xhci *x, struct usb_dev *hub, uint8_t port, uint16_t *status,
                           uint16_t *change)
{
	if (usb_control(x, hub, HUB_RT_PORT_IN, USB_REQ_GET_STATUS, 0, port, 4) < 0)
		return -1;
	*status = (uint16_t)(hub->buf[0] | hub->buf[1] << 8);
	*change = (uint16_t)(hub->buf[2] | hub->buf[3] << 8);
	return 0;
}

static void hub_port_changed(struct xhci *x, struct usb_dev *hub, uint8_t port)
{
	uint16_t status, change;
	if (hub_port_status(x, hub, port, &status, &change) < 0)
		return;
	if (change & HUB_C_PORT_CONNECTION)
		usb_control(x, hub, HUB_RT_PORT_OUT, USB_REQ_CLEAR_FEATURE,
		            HUB_FEAT_C_PORT_CONNECTION, port, 0);
	usb_control(x, hub, HUB_RT_PORT_OUT, USB_REQ_CLEAR_FEATURE, HUB_FEAT_C_PORT_ENABLE, port, 0);
	struct usb_dev *d = child_on(x, hub, port);
	if (!(status & HUB_PORT_CONNECTION)) {
		if (d)
			detach(x, d);
		return;
	}
	if (d && !(change & HUB_C_PORT_CONNECTION))
		return;
	if (d)
		detach(x, d);           /* unplugged and plugged again between two looks */
	usb_control(x, hub, HUB_RT_PORT_OUT, USB_REQ_SET_FEATURE, HUB_FEAT_PORT_RESET, port, 0);
	for (int ms = 0;; ms += 10) {
		xhci_pause_ms(x, 10);
		if (hub_port_status(x, hub, port, &status, &change) < 0 || ms >= PORT_RESET_MS) {
			kprintf("usb: hub port %u: the port reset failed\n", port);
			return;
		}
		if (change & HUB_C_PORT_RESET)
			break;
	}
	usb_control(x, hub, HUB_RT_PORT_OUT, USB_REQ_CLEAR_FEATURE, HUB_FEAT_C_PORT_RESET, port, 0);
	xhci_pause_ms(x, RESET_RECOVERY_MS);
	uint8_t speed = (status & HUB_PORT_LOW_SPEED) ? XHCI_SPEED_LOW
	                : (status & HUB_PORT_HIGH_SPEED) ? XHCI_SPEED_HIGH : XHCI_SPEED_FULL;
	enumerate(x, hub, port, speed, hub->root_port);
}

void usb_hub_changed(struct xhci *x, struct usb_dev *hub)
{
	uint16_t bits = hub->hub_change;
	hub->hub_change = 0;
	for (uint8_t p = 1; p <= hub->hub_ports && hub->in_use; p++)
		if (bits & (1u << p))
			hub_port_changed(x, hub, p);
}
