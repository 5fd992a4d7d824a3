/*
 * The interrupt vector map. Vector numbers matter: the local APIC derives an
 * interrupt's priority class from vector >> 4 (Intel SDM vol. 3A, 11.8.3), so
 * the timer sits above the device interrupts and the spurious vector at the
 * top, with its low four bits set as older APICs require (SDM 11.9).
 */
#pragma once

#define VEC_NMI 0x02
#define VEC_EXCEPTIONS_END 0x20  /* 0x00-0x1f: CPU exceptions */
#define VEC_PIC_BASE 0x20        /* 0x20-0x2f: the masked 8259s, remapped out of the way */
#define VEC_PIC_SPURIOUS_MASTER 0x27
#define VEC_PIC_SPURIOUS_SLAVE 0x2f
#define VEC_ISA_BASE 0x30        /* 0x30-0x3f: ISA IRQ n via the I/O APIC is 0x30 + n */
#define VEC_LAPIC_TIMER 0x40
#define VEC_MSI_BASE 0x50        /* 0x50-0x5f: message-signalled interrupts (irq_alloc_msi) */
#define VEC_MSI_END 0x60
#define VEC_TEST 0x80            /* self-tests raise this with int $0x80 */
#define VEC_RESCHEDULE 0xf1     /* IPI: run the scheduler (sched/) */
#define VEC_TLB_SHOOTDOWN 0xf2  /* IPI: invalidate a page (mm/tlb.c) */
#define VEC_LAPIC_ERROR 0xfe
#define VEC_SPURIOUS 0xff
