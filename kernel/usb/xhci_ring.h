/*
 * xHCI rings, as memory only (no registers), so the host tests drive the
 * index and cycle-bit arithmetic as it is. xHCI 1.2 section 4.9.
 *
 * A producer ring (the command ring, each endpoint's transfer ring) is an
 * array of TRBs whose last entry is a Link TRB back to the first, with
 * Toggle Cycle set. Software owns a TRB while its cycle bit differs from the
 * ring's producer cycle state (PCS); writing a TRB means filling it and then,
 * last, setting its cycle bit to PCS, which hands it to the controller. On
 * reaching the Link TRB, software hands that over too and flips PCS.
 *
 * The event ring goes the other way (4.9.4): the controller writes, software
 * consumes a TRB while its cycle bit equals the consumer cycle state (CCS),
 * and flips CCS when it wraps. One segment, described by a one-entry Event
 * Ring Segment Table (struct xhci_erst_entry).
 *
 * Invariants: enq < size - 1 (the Link TRB's slot is never a free slot);
 * deq < size; a push never overwrites a TRB the controller may still read
 * as long as the caller never has more than size - 2 TRBs outstanding (the
 * driver waits for each control transfer and keeps one TRB queued per
 * interrupt endpoint, far below that).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Transfer Request Block, xHCI 1.2 section 4.11.1: every TRB is 16 bytes. */
struct xhci_trb {
	uint64_t param;
	uint32_t status;
	uint32_t control;
};
_Static_assert(sizeof(struct xhci_trb) == 16, "TRB layout (xHCI 4.11.1)");
_Static_assert(__builtin_offsetof(struct xhci_trb, control) == 12, "TRB layout");

/* Event Ring Segment Table entry, xHCI 1.2 section 6.5. */
struct xhci_erst_entry {
	uint64_t base;
	uint32_t size;          /* TRBs in the segment, 16..4096 */
	uint32_t reserved;
};
_Static_assert(sizeof(struct xhci_erst_entry) == 16, "ERST entry layout (xHCI 6.5)");

/* TRB control word (xHCI 1.2 section 6.4). */
#define TRB_CYCLE (1u << 0)
#define TRB_TC (1u << 1)                /* Link TRB: toggle cycle */
#define TRB_ENT (1u << 1)               /* transfer TRBs: evaluate next TRB */
#define TRB_ISP (1u << 2)               /* interrupt on short packet */
#define TRB_CH (1u << 4)                /* chain */
#define TRB_IOC (1u << 5)               /* interrupt on completion */
#define TRB_IDT (1u << 6)               /* immediate data (setup stage) */
#define TRB_TYPE_SHIFT 10
#define TRB_TYPE_MASK (0x3fu << TRB_TYPE_SHIFT)
#define TRB_TYPE(t) ((uint32_t)(t) << TRB_TYPE_SHIFT)
#define TRB_GET_TYPE(c) (((c) & TRB_TYPE_MASK) >> TRB_TYPE_SHIFT)
#define TRB_DIR_IN (1u << 16)           /* data and status stages */
#define TRB_TRT_SHIFT 16                /* setup stage: transfer type */
#define TRB_TRT_NONE 0u
#define TRB_TRT_OUT 2u
#define TRB_TRT_IN 3u
#define TRB_SLOT(s) ((uint32_t)(s) << 24)
#define TRB_GET_SLOT(c) ((c) >> 24)
#define TRB_GET_EP(c) (((c) >> 16) & 0x1f)
#define TRB_BSR (1u << 9)               /* Address Device: block SET_ADDRESS */
#define TRB_GET_CODE(s) ((s) >> 24)     /* event status: completion code */
#define TRB_GET_LEN(s) ((s) & 0xffffffu) /* transfer event: bytes not transferred */

/* TRB types, xHCI 1.2 table 6-91. */
enum {
	TRB_NORMAL = 1,
	TRB_SETUP = 2,
	TRB_DATA = 3,
	TRB_STATUS = 4,
	TRB_LINK = 6,
	TRB_ENABLE_SLOT = 9,
	TRB_DISABLE_SLOT = 10,
	TRB_ADDRESS_DEVICE = 11,
	TRB_CONFIGURE_EP = 12,
	TRB_EVALUATE_CTX = 13,
	TRB_RESET_EP = 14,
	TRB_NOOP_CMD = 23,
	TRB_EV_TRANSFER = 32,
	TRB_EV_COMMAND = 33,
	TRB_EV_PORT = 34,
	TRB_EV_HOST = 37,
};

/* Completion codes, xHCI 1.2 table 6-90 (selection). */
enum {
	TRB_CC_SUCCESS = 1,
	TRB_CC_STALL = 6,
	TRB_CC_SHORT_PACKET = 13,
};

struct xhci_ring {
	volatile struct xhci_trb *trb;
	uint64_t phys;          /* of trb[0] */
	uint32_t size;          /* TRBs, the Link TRB included */
	uint32_t enq;           /* producer: next TRB to write */
	uint32_t cycle;         /* producer cycle state, 0 or 1 */
};

struct xhci_event_ring {
	volatile struct xhci_trb *trb;
	uint64_t phys;
	uint32_t size;
	uint32_t deq;           /* consumer: next TRB to read */
	uint32_t cycle;         /* consumer cycle state */
};

/* mem: size zeroed-or-not TRBs at physical phys (size >= 2). Zeroes them
 * and writes the Link TRB. PCS starts at 1, as CRCR.RCS / the endpoint
 * context's DCS must then say. */
void xhci_ring_init(struct xhci_ring *r, volatile struct xhci_trb *mem, uint64_t phys,
                    uint32_t size);
/* Writes one TRB (the cycle bit of control is replaced by PCS) and returns
 * its physical address, which the event for it will quote. */
uint64_t xhci_ring_push(struct xhci_ring *r, uint64_t param, uint32_t status, uint32_t control);

/* The same for an event ring of size TRBs; CCS starts at 1. */
void xhci_event_ring_init(struct xhci_event_ring *r, volatile struct xhci_trb *mem,
                          uint64_t phys, uint32_t size);
/* The next event, if the controller has written one: copies it to *out
 * and advances. */
bool xhci_event_pop(struct xhci_event_ring *r, struct xhci_trb *out);
/* What to write to ERDP after consuming: the next TRB to be read. */
uint64_t xhci_event_dequeue_phys(const struct xhci_event_ring *r);
