/*
 * xHCI register and context layouts, xHCI 1.2 (eXtensible Host Controller
 * Interface for USB, rev. 1.2, 2019), chapters 5 and 6. Offsets are bytes
 * from the start of each register block; bits are named masks.
 */
#pragma once

#include <stdint.h>

/* Capability registers (5.3). */
#define XHCI_CAPLENGTH 0x00             /* byte: operational registers' offset */
#define XHCI_HCIVERSION 0x02
#define XHCI_HCSPARAMS1 0x04
#define XHCI_HCSPARAMS2 0x08
#define XHCI_HCCPARAMS1 0x10
#define XHCI_DBOFF 0x14
#define XHCI_RTSOFF 0x18

#define HCS1_MAX_SLOTS(v) ((v) & 0xff)
#define HCS1_MAX_PORTS(v) ((v) >> 24)
#define HCS2_SCRATCH(v) ((((v) >> 21) & 0x1f) << 5 | ((v) >> 27))
#define HCC1_AC64 (1u << 0)
#define HCC1_CSZ (1u << 2)              /* 64-byte contexts */
#define HCC1_PPC (1u << 3)              /* port power control */
#define HCC1_XECP(v) ((v) >> 16)        /* in dwords */

/* Operational registers (5.4). */
#define XHCI_USBCMD 0x00
#define XHCI_USBSTS 0x04
#define XHCI_PAGESIZE 0x08
#define XHCI_CRCR 0x18
#define XHCI_DCBAAP 0x30
#define XHCI_CONFIG 0x38
#define XHCI_PORTSC(n) (0x400 + 0x10 * ((n) - 1))   /* ports count from 1 */

#define USBCMD_RS (1u << 0)
#define USBCMD_HCRST (1u << 1)
#define USBCMD_INTE (1u << 2)
#define USBSTS_HCH (1u << 0)
#define USBSTS_EINT (1u << 3)
#define USBSTS_PCD (1u << 4)
#define USBSTS_CNR (1u << 11)
#define CRCR_RCS (1u << 0)

/* PORTSC (5.4.8). The change bits and PED are write-1-to-clear: a write
 * must carry zeros there except the one meant (PORTSC_KEEP). */
#define PORTSC_CCS (1u << 0)
#define PORTSC_PED (1u << 1)
#define PORTSC_PR (1u << 4)
#define PORTSC_PP (1u << 9)
#define PORTSC_SPEED(v) (((v) >> 10) & 0xf)
#define PORTSC_CSC (1u << 17)
#define PORTSC_PEC (1u << 18)
#define PORTSC_WRC (1u << 19)
#define PORTSC_OCC (1u << 20)
#define PORTSC_PRC (1u << 21)
#define PORTSC_PLC (1u << 22)
#define PORTSC_CEC (1u << 23)
#define PORTSC_CHANGES (PORTSC_CSC | PORTSC_PEC | PORTSC_WRC | PORTSC_OCC | PORTSC_PRC | \
                        PORTSC_PLC | PORTSC_CEC)
#define PORTSC_KEEP(v) ((v) & ~(PORTSC_PED | PORTSC_CHANGES | (0xfu << 5) | (1u << 16)))

/* Port speeds (PORTSC, default Protocol Speed IDs, 7.2.2.1.1). */
#define XHCI_SPEED_FULL 1
#define XHCI_SPEED_LOW 2
#define XHCI_SPEED_HIGH 3
#define XHCI_SPEED_SUPER 4

/* Runtime registers: interrupter 0 (5.5.2). */
#define XHCI_IMAN(i) (0x20 + 0x20 * (i))
#define XHCI_IMOD(i) (0x24 + 0x20 * (i))
#define XHCI_ERSTSZ(i) (0x28 + 0x20 * (i))
#define XHCI_ERSTBA(i) (0x30 + 0x20 * (i))
#define XHCI_ERDP(i) (0x38 + 0x20 * (i))
#define IMAN_IP (1u << 0)
#define IMAN_IE (1u << 1)
#define ERDP_EHB (1u << 3)

/* Extended capabilities (7.1, 7.2). */
#define XECP_ID(v) ((v) & 0xff)
#define XECP_NEXT(v) (((v) >> 8) & 0xff)
#define XECP_LEGACY 1
#define LEGSUP_BIOS_OWNED (1u << 16)
#define LEGSUP_OS_OWNED (1u << 24)
#define LEGCTLSTS 4                          /* offset from USBLEGSUP */
#define LEGCTLSTS_SMI_ENABLES 0x0000e011u    /* bits 0, 4, 13, 14, 15 */
#define LEGCTLSTS_SMI_EVENTS 0xe0000000u     /* bits 29-31, write 1 to clear */

/* Contexts (6.2). Dword indexes within a 32-byte context; with CSZ they
 * are 64 bytes, the last 32 reserved. */
#define SLOT_CTX_ROUTE(r) ((r) & 0xfffffu)
#define SLOT_CTX_SPEED(s) ((uint32_t)(s) << 20)
#define SLOT_CTX_HUB (1u << 26)
#define SLOT_CTX_ENTRIES(n) ((uint32_t)(n) << 27)
#define SLOT_CTX_ROOT_PORT(p) ((uint32_t)(p) << 16)
#define SLOT_CTX_NPORTS(n) ((uint32_t)(n) << 24)
#define SLOT_CTX_TT_SLOT(s) ((uint32_t)(s) << 0)
#define SLOT_CTX_TT_PORT(p) ((uint32_t)(p) << 8)
#define EP_CTX_INTERVAL(i) ((uint32_t)(i) << 16)
#define EP_CTX_CERR(c) ((uint32_t)(c) << 1)
#define EP_CTX_TYPE(t) ((uint32_t)(t) << 3)
#define EP_CTX_MPS(m) ((uint32_t)(m) << 16)
#define EP_CTX_AVG_TRB(n) ((uint32_t)(n))
#define EP_CTX_ESIT_LO(n) ((uint32_t)(n) << 16)
#define EP_TYPE_CONTROL 4
#define EP_TYPE_INTR_IN 7
#define ICC_ADD(dci) (1u << (dci))

/* One context's dwords, for the _Static_assert the style asks of hardware
 * structures; the code indexes dwords by ctx_size. */
struct xhci_slot_ctx {
	uint32_t dw[8];
};
_Static_assert(sizeof(struct xhci_slot_ctx) == 32, "slot context (xHCI 6.2.2)");
