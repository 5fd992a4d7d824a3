/*
 * NMIs from outside the kernel (see nmi.h).
 */
#include "arch/x86_64/nmi.h"

#include <stdatomic.h>
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "core/kprintf.h"

#define NMI_STATUS_PORT 0x61
#define NMI_SERR (1u << 7)        /* PCI system error */
#define NMI_IOCHK (1u << 6)       /* I/O channel check */
#define NMI_CLEAR_SERR (1u << 2)  /* write 1, then 0: clears and re-arms SERR */
#define NMI_CLEAR_IOCHK (1u << 3)
#define NMI_WRITABLE 0x0fu        /* bits 0-3 are the control half */

enum { NMI_KIND_SERR, NMI_KIND_IOCHK, NMI_KIND_UNKNOWN, NMI_KINDS };
static _Atomic uint32_t pending[NMI_KINDS];
static const char *const kind_text[NMI_KINDS] = {
	"PCI system error (SERR#)",
	"I/O channel check (IOCHK#)",
	"no reason the chipset reports (a BMC, a hypervisor or a watchdog)",
};

static void acknowledge(uint8_t status, uint8_t clear)
{
	uint8_t ctl = status & NMI_WRITABLE;
	outb(NMI_STATUS_PORT, ctl | clear);
	outb(NMI_STATUS_PORT, ctl & ~clear);
}

void nmi_handle(void)
{
	uint8_t status = inb(NMI_STATUS_PORT);
	if (status & NMI_SERR) {
		acknowledge(status, NMI_CLEAR_SERR);
		atomic_fetch_add_explicit(&pending[NMI_KIND_SERR], 1, memory_order_relaxed);
	} else if (status & NMI_IOCHK) {
		acknowledge(status, NMI_CLEAR_IOCHK);
		atomic_fetch_add_explicit(&pending[NMI_KIND_IOCHK], 1, memory_order_relaxed);
	} else {
		atomic_fetch_add_explicit(&pending[NMI_KIND_UNKNOWN], 1, memory_order_relaxed);
	}
}

void nmi_report_deferred(void)
{
	for (int k = 0; k < NMI_KINDS; k++) {
		if (!atomic_load_explicit(&pending[k], memory_order_relaxed))
			continue;
		uint32_t n = atomic_exchange_explicit(&pending[k], 0, memory_order_relaxed);
		if (n)
			kprintf("nmi: %u NMI%s: %s; carrying on\n", n, n == 1 ? "" : "s", kind_text[k]);
	}
}
