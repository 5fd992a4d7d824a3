/*
 * What xhci.c (the controller: registers, rings, events, the thread),
 * xhci_dev.c (devices: port reset, addressing, descriptors, endpoints, hubs)
 * and usbkbd.c (the keyboard) share. Only these files include it.
 *
 * Everything here belongs to the controller's thread ("usb"), the only code
 * that touches the rings and the device table, except: irq_pending and
 * wake_at_ns (atomics, written by the interrupt and tick side), and the
 * fields the shell's `usb` prints, which change under `lock`.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pci/pci.h"
#include "sched/wait.h"
#include "sync/spinlock.h"
#include "usb/hid_kbd.h"
#include "usb/usb.h"
#include "usb/xhci_ring.h"

#define XHCI_MAX_DEVS 16
#define XHCI_RING_TRBS 256              /* one page */
#define XHCI_HUB_MAX_PORTS 15

enum usb_kind { USB_NONE, USB_OTHER, USB_KEYBOARD, USB_HUB };

struct usb_dev {
	bool in_use;
	enum usb_kind kind;
	uint8_t slot;
	uint8_t root_port;              /* 1-based port of the root hub it hangs from */
	uint8_t speed;                  /* XHCI_SPEED_* */
	uint8_t depth;                  /* 0: on a root port; 1: behind one hub... */
	uint32_t route;                 /* route string (xHCI 8.9) */
	struct usb_dev *parent;         /* its hub, NULL on a root port */
	uint8_t parent_port;            /* port of that hub, 1-based */
	uint16_t vendor, product;
	uint16_t max_packet0;
	struct usb_iface_info iface;
	uint8_t intr_dci;               /* device context index of the interrupt IN endpoint */
	/* DMA memory, each one page: output (device) context, input context,
	 * EP0 ring, interrupt ring, data buffer. */
	uint64_t out_phys, in_phys, ep0_phys, intr_phys, buf_phys;
	volatile uint8_t *out_ctx, *in_ctx, *buf;
	struct xhci_ring ep0, intr;
	/* The last control transfer's completion (set by the event loop). */
	bool ctl_done;
	uint8_t ctl_code;
	uint32_t ctl_residual;
	/* Keyboards */
	struct hid_kbd hid;
	struct kbd_state keymap;
	uint64_t reports;
	/* Hubs */
	uint8_t hub_ports;
	uint16_t hub_change;            /* bit n: port n reported a change */
};

struct xhci {
	struct pci_dev *pci;
	volatile uint8_t *cap, *op, *rt, *db;
	uint32_t max_slots, max_ports, ctx_size;
	uint64_t dcbaa_phys;
	volatile uint64_t *dcbaa;
	struct xhci_ring cmd;
	struct xhci_event_ring ev;
	/* The last command's completion. */
	bool cmd_done;
	uint8_t cmd_code, cmd_slot;
	uint64_t cmd_trb;
	uint64_t port_change;           /* bit n: root port n reported a change */
	bool msi;                       /* an MSI or MSI-X interrupt is set up */
	bool msix;
	uint8_t msi_vector;
	struct usb_dev devs[XHCI_MAX_DEVS];
	struct spinlock lock;           /* guards what the shell reads: devs[].in_use, kind, ids */
	struct wait_queue wq;           /* the thread waits here for irq_pending */
	_Atomic bool running;           /* started: the tick may wake the thread */
	_Atomic bool irq_pending;       /* an interrupt or a due deadline: look at the rings */
	_Atomic uint64_t wake_at_ns;    /* key repeat deadline, 0 none (read by the tick) */
	uint64_t events, interrupts;
};

/* xhci.c */
uint32_t xhci_op_read(struct xhci *x, uint32_t off);
void xhci_op_write(struct xhci *x, uint32_t off, uint32_t v);
void xhci_ring_doorbell(struct xhci *x, uint8_t slot, uint8_t target);
/* Runs a command and waits for its completion: the completion code, or 0
 * on timeout. *slot_out (may be NULL) gets the event's slot ID. */
uint8_t xhci_command(struct xhci *x, uint64_t param, uint32_t status, uint32_t control,
                     uint8_t *slot_out);
/* Takes every event off the event ring and acts on it. */
void xhci_process_events(struct xhci *x);
/* Sleeps about ms milliseconds, still processing events. */
void xhci_pause_ms(struct xhci *x, uint32_t ms);
/* A zeroed page of DMA memory: its physical address, 0 when out of memory
 * (or above 4 GiB on a controller without 64-bit addressing). */
uint64_t xhci_dma_page(struct xhci *x);
void xhci_dma_free(uint64_t phys);

/* xhci_dev.c */
/* Root port `port` changed (connect or disconnect): act on it. */
void usb_port_changed(struct xhci *x, uint8_t port);
/* A hub's interrupt endpoint reported changes: handle its ports. */
void usb_hub_changed(struct xhci *x, struct usb_dev *hub);
/* Queue one report-sized IN transfer on the device's interrupt endpoint. */
void usb_queue_intr(struct xhci *x, struct usb_dev *d);
/* A control transfer on EP0, data (if any) in d->buf: the bytes asked
 * for, or -1 on an error or a timeout. */
int usb_control(struct xhci *x, struct usb_dev *d, uint8_t type, uint8_t req, uint16_t value,
                uint16_t index, uint16_t len);
/* "port 3" or "port 3.1.2": where a device hangs (root port, then hub ports). */
void usb_dev_where(const struct usb_dev *d, char *out, size_t n);
/* A transfer event for d's interrupt endpoint. */
void usb_intr_done(struct xhci *x, struct usb_dev *d, uint8_t code, uint32_t residual);

/* usbkbd.c */
/* SET_PROTOCOL(boot), SET_IDLE; false if the device refused. */
bool usbkbd_start(struct xhci *x, struct usb_dev *d);
/* One report arrived in d->buf (len bytes). */
void usbkbd_report(struct xhci *x, struct usb_dev *d, uint32_t len);
/* Repeats due now; the next deadline over all keyboards (0 none). */
uint64_t usbkbd_repeat(struct xhci *x);
