/*
 * xHCI controller bring-up and its thread (xHCI 1.2, chapter 4). This file
 * owns the registers, the command ring, the event ring and the wait for
 * work; xhci_dev.c owns the devices.
 *
 * Bring-up (4.2, "Host Controller Initialization"): take the controller
 * from the firmware (USB Legacy Support capability, 7.1.1: set OS Owned,
 * wait for BIOS Owned to clear, turn the firmware's SMIs off); stop and
 * reset it; allocate the Device Context Base Address Array, the scratchpad
 * pages the controller asks for, the command ring and a one-segment event
 * ring for interrupter 0; then run it and look at every port.
 *
 * One kernel thread per controller, pinned to CPU 0, does everything else:
 * commands and control transfers are synchronous (queue, ring, wait for
 * the completion event while handling the others), so no locking is
 * needed around the rings. It sleeps on a wait queue until irq_pending is
 * set: by the MSI handler, or, when the controller offers no MSI, by the
 * timer tick (polling at the tick rate), and by the tick when a held key's
 * repeat is due. Pinned to CPU 0 because the keyboard and serial interrupts
 * are delivered there and input_push wants one producer at a time: the
 * thread pushes with interrupts off, on the same CPU.
 */
#include "usb/xhci.h"

#include "arch/x86_64/irq.h"
#include "arch/x86_64/percpu.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/phys.h"
#include "mm/vmm.h"
#include "sched/thread.h"
#include "time/clock.h"
#include "time/timer.h"
#include "usb/xhci_internal.h"
#include "usb/xhci_regs.h"

#define XHCI_MAX_CONTROLLERS 4
#define CMD_TIMEOUT_MS 1000
#define HANDOFF_TIMEOUT_MS 1000
#define RESET_TIMEOUT_MS 1000
#define MS_NS 1000000ull

/* From the heap, one per controller found (a struct xhci is 4 KiB, and most
 * machines have one controller or none). */
static struct xhci *controllers[XHCI_MAX_CONTROLLERS];
static unsigned ncontrollers;

static uint32_t rd32(volatile uint8_t *base, uint32_t off)
{
	return *(volatile uint32_t *)(base + off);
}

static void wr32(volatile uint8_t *base, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

/* 64-bit registers as two dwords, low first (xHCI 5.1: allowed for every
 * 64-bit register, and the only way on a controller without AC64). */
static void wr64(volatile uint8_t *base, uint32_t off, uint64_t v)
{
	wr32(base, off, (uint32_t)v);
	wr32(base, off + 4, (uint32_t)(v >> 32));
}

uint32_t xhci_op_read(struct xhci *x, uint32_t off) { return rd32(x->op, off); }
void xhci_op_write(struct xhci *x, uint32_t off, uint32_t v) { wr32(x->op, off, v); }

void xhci_ring_doorbell(struct xhci *x, uint8_t slot, uint8_t target)
{
	wr32(x->db, 4u * slot, target);
}

uint64_t xhci_dma_page(struct xhci *x)
{
	uint64_t pa = pmm_alloc_page(mm_pmm());
	if (pa == 0)
		return 0;
	if (!(rd32(x->cap, XHCI_HCCPARAMS1) & HCC1_AC64) && pa >= (1ull << 32)) {
		pmm_free_page(mm_pmm(), pa);
		return 0;
	}
	memset(phys_to_virt(pa), 0, 4096);
	return pa;
}

void xhci_dma_free(uint64_t phys)
{
	if (phys)
		pmm_free_page(mm_pmm(), phys);
}

/* Waits up to ms for (reg & mask) == want, polling every 100 us. */
static bool wait_bits(volatile uint8_t *base, uint32_t off, uint32_t mask, uint32_t want,
                      uint32_t ms)
{
	uint64_t end = clock_ns() + ms * MS_NS;
	while ((rd32(base, off) & mask) != want) {
		if (clock_ns() > end)
			return false;
		clock_delay_ns(100000);
	}
	return true;
}

void xhci_pause_ms(struct xhci *x, uint32_t ms)
{
	uint64_t end = clock_ns() + ms * MS_NS;
	do {
		xhci_process_events(x);
		thread_sleep_ns(MS_NS);
	} while (clock_ns() < end);
}

/* ---- Events ----------------------------------------------------------- */

static struct usb_dev *dev_of_slot(struct xhci *x, uint8_t slot)
{
	for (unsigned i = 0; i < XHCI_MAX_DEVS; i++)
		if (x->devs[i].in_use && x->devs[i].slot == slot)
			return &x->devs[i];
	return NULL;
}

static void transfer_event(struct xhci *x, const struct xhci_trb *ev)
{
	struct usb_dev *d = dev_of_slot(x, (uint8_t)TRB_GET_SLOT(ev->control));
	uint8_t ep = (uint8_t)TRB_GET_EP(ev->control);
	uint8_t code = (uint8_t)TRB_GET_CODE(ev->status);

	if (d == NULL)
		return;
	if (ep == 1) {
		d->ctl_done = true;
		d->ctl_code = code;
		d->ctl_residual = TRB_GET_LEN(ev->status);
	} else if (ep == d->intr_dci) {
		usb_intr_done(x, d, code, TRB_GET_LEN(ev->status));
	}
}

void xhci_process_events(struct xhci *x)
{
	struct xhci_trb ev;
	bool any = false;

	while (xhci_event_pop(&x->ev, &ev)) {
		any = true;
		x->events++;
		switch (TRB_GET_TYPE(ev.control)) {
		case TRB_EV_COMMAND:
			x->cmd_done = true;
			x->cmd_code = (uint8_t)TRB_GET_CODE(ev.status);
			x->cmd_slot = (uint8_t)TRB_GET_SLOT(ev.control);
			x->cmd_trb = ev.param;
			break;
		case TRB_EV_TRANSFER:
			transfer_event(x, &ev);
			break;
		case TRB_EV_PORT: {
			uint8_t port = (uint8_t)(ev.param >> 24);
			if (port >= 1 && port <= x->max_ports)
				x->port_change |= 1ull << port;
			break;
		}
		default:
			break;
		}
	}
	if (any)    /* tell the controller how far we read; EHB is write-1-to-clear */
		wr64(x->rt, XHCI_ERDP(0), xhci_event_dequeue_phys(&x->ev) | ERDP_EHB);
}

uint8_t xhci_command(struct xhci *x, uint64_t param, uint32_t status, uint32_t control,
                     uint8_t *slot_out)
{
	x->cmd_done = false;
	uint64_t at = xhci_ring_push(&x->cmd, param, status, control);
	xhci_ring_doorbell(x, 0, 0);
	uint64_t end = clock_ns() + CMD_TIMEOUT_MS * MS_NS;
	for (;;) {
		xhci_process_events(x);
		if (x->cmd_done && x->cmd_trb == at)
			break;
		if (clock_ns() > end) {
			kprintf("xhci: command type %u timed out\n", TRB_GET_TYPE(control));
			return 0;
		}
		thread_sleep_ns(MS_NS);
	}
	if (slot_out)
		*slot_out = x->cmd_slot;
	return x->cmd_code;
}

/* ---- Interrupts and the thread's wait --------------------------------- */

static void xhci_irq(struct trap_frame *tf)
{
	(void)tf;
	for (unsigned i = 0; i < ncontrollers; i++) {
		struct xhci *x = controllers[i];
		if (!x->msi)
			continue;
		/* With MSI the controller clears IMAN.IP itself (5.5.2.1); EINT
		 * is ours to clear. Which controller fired does not matter: each
		 * thread checks its own ring. */
		wr32(x->op, XHCI_USBSTS, USBSTS_EINT);
		x->interrupts++;
		atomic_store_explicit(&x->irq_pending, true, memory_order_release);
		wake_one(&x->wq);
	}
}

/* Every tick of every CPU; acts on CPU 0 only. */
static void xhci_tick(void)
{
	if (this_cpu_index() != 0)
		return;
	uint64_t now = 0;
	for (unsigned i = 0; i < ncontrollers; i++) {
		struct xhci *x = controllers[i];
		if (!atomic_load_explicit(&x->running, memory_order_acquire))
			continue;
		uint64_t at = atomic_load_explicit(&x->wake_at_ns, memory_order_relaxed);
		bool due = !x->msi;                     /* no interrupt: poll every tick */
		if (at != 0) {
			if (now == 0)
				now = clock_ns();
			due |= now >= at;
		}
		if (due) {
			atomic_store_explicit(&x->irq_pending, true, memory_order_release);
			wake_one(&x->wq);
		}
	}
}

static bool has_work(void *arg)
{
	struct xhci *x = arg;
	return atomic_load_explicit(&x->irq_pending, memory_order_acquire);
}

/* ---- Bring-up --------------------------------------------------------- */

/* Takes the controller from the firmware's SMM code (xHCI 7.1.1). */
static void take_ownership(struct xhci *x)
{
	uint32_t off = HCC1_XECP(rd32(x->cap, XHCI_HCCPARAMS1)) * 4;
	for (int n = 0; off != 0 && n < 64; n++) {
		uint32_t v = rd32(x->cap, off);
		if (XECP_ID(v) == XECP_LEGACY) {
			if (v & LEGSUP_BIOS_OWNED) {
				wr32(x->cap, off, v | LEGSUP_OS_OWNED);
				if (!wait_bits(x->cap, off, LEGSUP_BIOS_OWNED, 0, HANDOFF_TIMEOUT_MS)) {
					kprintf("xhci: the firmware does not let go of the controller: "
					        "taking it anyway\n");
					wr32(x->cap, off, (rd32(x->cap, off) & ~LEGSUP_BIOS_OWNED) |
					                      LEGSUP_OS_OWNED);
				} else {
					kprintf("xhci: taken over from the firmware\n");
				}
			} else {
				wr32(x->cap, off, v | LEGSUP_OS_OWNED);
			}
			uint32_t ctl = rd32(x->cap, off + LEGCTLSTS);
			wr32(x->cap, off + LEGCTLSTS, (ctl & ~LEGCTLSTS_SMI_ENABLES) | LEGCTLSTS_SMI_EVENTS);
			return;
		}
		uint32_t next = XECP_NEXT(v);
		off = next ? off + next * 4 : 0;
	}
}

static bool reset(struct xhci *x)
{
	wr32(x->op, XHCI_USBCMD, rd32(x->op, XHCI_USBCMD) & ~USBCMD_RS);
	if (!wait_bits(x->op, XHCI_USBSTS, USBSTS_HCH, USBSTS_HCH, 100)) {
		kprintf("xhci: the controller does not halt\n");
		return false;
	}
	wr32(x->op, XHCI_USBCMD, USBCMD_HCRST);
	/* Some Intel controllers hang if the register is read at once after
	 * HCRST is written (Linux xhci_reset): wait a little first. */
	clock_delay_ns(MS_NS);
	if (!wait_bits(x->op, XHCI_USBCMD, USBCMD_HCRST, 0, RESET_TIMEOUT_MS) ||
	    !wait_bits(x->op, XHCI_USBSTS, USBSTS_CNR, 0, RESET_TIMEOUT_MS)) {
		kprintf("xhci: the controller does not come out of reset\n");
		return false;
	}
	return true;
}

static bool setup_memory(struct xhci *x)
{
	uint32_t hcs2 = rd32(x->cap, XHCI_HCSPARAMS2);
	uint32_t scratch = HCS2_SCRATCH(hcs2);

	x->dcbaa_phys = xhci_dma_page(x);
	uint64_t cmd = xhci_dma_page(x), ev = xhci_dma_page(x), erst = xhci_dma_page(x);
	if (!x->dcbaa_phys || !cmd || !ev || !erst)
		return false;
	x->dcbaa = phys_to_virt(x->dcbaa_phys);
	if (scratch > 0) {
		/* The scratchpad array (6.6): one page of pointers, then the
		 * pages; the controller uses them as it likes. */
		uint64_t arr = xhci_dma_page(x);
		if (!arr || scratch > 512)
			return false;
		uint64_t *p = phys_to_virt(arr);
		for (uint32_t i = 0; i < scratch; i++)
			if (!(p[i] = xhci_dma_page(x)))
				return false;
		x->dcbaa[0] = arr;
	}
	xhci_ring_init(&x->cmd, phys_to_virt(cmd), cmd, XHCI_RING_TRBS);
	xhci_event_ring_init(&x->ev, phys_to_virt(ev), ev, XHCI_RING_TRBS);
	struct xhci_erst_entry *e = phys_to_virt(erst);
	e->base = ev;
	e->size = XHCI_RING_TRBS;

	wr32(x->op, XHCI_CONFIG, x->max_slots);
	wr64(x->op, XHCI_DCBAAP, x->dcbaa_phys);
	wr64(x->op, XHCI_CRCR, cmd | CRCR_RCS);
	/* ERSTSZ and ERDP before ERSTBA: writing ERSTBA starts the ring (4.9.4). */
	wr32(x->rt, XHCI_ERSTSZ(0), 1);
	wr64(x->rt, XHCI_ERDP(0), ev);
	wr64(x->rt, XHCI_ERSTBA(0), erst);
	wr32(x->rt, XHCI_IMOD(0), 0);
	wr32(x->rt, XHCI_IMAN(0), IMAN_IE | IMAN_IP);
	return true;
}

/* MSI-X if offered (QEMU's qemu-xhci offers only that), else MSI, else
 * nothing: the tick polls. */
static void setup_interrupt(struct xhci *x)
{
	struct irq_msi msi;
	bool msix = pci_find_cap(x->pci, PCI_CAP_MSIX) != 0;
	if ((msix || pci_find_cap(x->pci, PCI_CAP_MSI)) && irq_alloc_msi(xhci_irq, "xhci", &msi) &&
	    (msix ? pci_enable_msix(x->pci, msi.address, msi.data)
	          : pci_enable_msi(x->pci, msi.address, msi.data))) {
		x->msi = true;
		x->msix = msix;
		x->msi_vector = msi.vector;
		kprintf("xhci: %s, vector 0x%x\n", msix ? "MSI-X" : "MSI", msi.vector);
	} else {
		kprintf("xhci: no MSI: polling the event ring on every timer tick\n");
	}
}

static bool start(struct xhci *x)
{
	uint64_t size;
	uint64_t bar = pci_bar_mem(x->pci, 0, &size);
	if (bar == 0 || size < 0x1000) {
		kprintf("xhci: BAR 0 is not a memory BAR\n");
		return false;
	}
	pci_enable(x->pci);
	x->cap = vmm_map_mmio(bar, size, "xhci");
	x->op = x->cap + (rd32(x->cap, XHCI_CAPLENGTH) & 0xff);
	x->rt = x->cap + (rd32(x->cap, XHCI_RTSOFF) & ~0x1fu);
	x->db = x->cap + (rd32(x->cap, XHCI_DBOFF) & ~0x3u);
	uint32_t hcs1 = rd32(x->cap, XHCI_HCSPARAMS1), hcc1 = rd32(x->cap, XHCI_HCCPARAMS1);
	x->max_slots = HCS1_MAX_SLOTS(hcs1);
	x->max_ports = HCS1_MAX_PORTS(hcs1);
	x->ctx_size = (hcc1 & HCC1_CSZ) ? 64 : 32;
	if (x->max_ports > 63)
		x->max_ports = 63;
	kprintf("xhci: version %x.%02x, %u slots, %u ports, %u-byte contexts%s\n",
	        rd32(x->cap, 0) >> 24, (rd32(x->cap, 0) >> 16) & 0xff, x->max_slots, x->max_ports,
	        x->ctx_size, (hcc1 & HCC1_AC64) ? "" : ", 32-bit DMA");

	take_ownership(x);
	if (!reset(x))
		return false;
	if (!(rd32(x->op, XHCI_PAGESIZE) & 1)) {
		kprintf("xhci: the controller does not do 4 KiB pages\n");
		return false;
	}
	if (!setup_memory(x)) {
		kprintf("xhci: out of DMA memory\n");
		return false;
	}
	setup_interrupt(x);
	wr32(x->op, XHCI_USBCMD, USBCMD_RS | USBCMD_INTE);
	if (!wait_bits(x->op, XHCI_USBSTS, USBSTS_HCH, 0, 100)) {
		kprintf("xhci: the controller does not run\n");
		return false;
	}
	if (hcc1 & HCC1_PPC) {
		for (uint32_t p = 1; p <= x->max_ports; p++) {
			uint32_t v = rd32(x->op, XHCI_PORTSC(p));
			if (!(v & PORTSC_PP))
				wr32(x->op, XHCI_PORTSC(p), PORTSC_KEEP(v) | PORTSC_PP);
		}
		xhci_pause_ms(x, 20);
	}
	return true;
}

static void xhci_thread(void *arg)
{
	struct xhci *x = arg;

	if (!start(x)) {
		kprintf("xhci: %02x:%02x.%u not used\n", x->pci->bus, x->pci->dev, x->pci->fn);
		return;
	}
	atomic_store_explicit(&x->running, true, memory_order_release);
	/* Devices present at boot: look at every port once. */
	for (uint32_t p = 1; p <= x->max_ports; p++)
		x->port_change |= 1ull << p;
	for (;;) {
		atomic_store_explicit(&x->irq_pending, false, memory_order_relaxed);
		xhci_process_events(x);
		while (x->port_change) {
			uint8_t p = (uint8_t)__builtin_ctzll(x->port_change);
			x->port_change &= ~(1ull << p);
			usb_port_changed(x, p);
		}
		for (unsigned i = 0; i < XHCI_MAX_DEVS; i++) {
			struct usb_dev *d = &x->devs[i];
			if (d->in_use && d->kind == USB_HUB && d->hub_change)
				usb_hub_changed(x, d);
		}
		atomic_store_explicit(&x->wake_at_ns, usbkbd_repeat(x), memory_order_relaxed);
		wait_event(&x->wq, has_work, x);
	}
}

void xhci_init(void)
{
	struct pci_dev *d;

	for (unsigned i = 0; (d = pci_find_class(0x0c, 0x03, PCI_PROGIF_XHCI, i)) != NULL; i++) {
		if (ncontrollers == XHCI_MAX_CONTROLLERS) {
			kprintf("xhci: more than %u controllers: the rest are not used\n",
			        XHCI_MAX_CONTROLLERS);
			break;
		}
		struct xhci *x = controllers[ncontrollers];
		if (x) /* left by a controller whose thread could not start */
			memset(x, 0, sizeof(*x));
		else if (!(x = controllers[ncontrollers] = kcalloc(1, sizeof(*x))))
			panic("xhci: no memory for the state of the controller at %02x:%02x.%u",
			      d->bus, d->dev, d->fn);
		x->pci = d;
		spin_init(&x->lock, "xhci devices");
		wait_queue_init(&x->wq, "xhci events");
		pci_claim(d, "xhci");
		/* Published before the thread and the tick hook can look at it. */
		ncontrollers++;
		if (!thread_spawn_detached("usb", xhci_thread, x, 1ull << 0)) {
			kprintf("xhci: no thread for %02x:%02x.%u\n", d->bus, d->dev, d->fn);
			ncontrollers--;
		}
	}
	if (ncontrollers == 0) {
		kprintf("xhci: no xHCI controller: no USB keyboard\n");
		return;
	}
	if (!timer_add_hook(xhci_tick))
		kprintf("xhci: no room for a timer hook: no key repeat, no polling\n");
}

static const char *const speed_names[] = {"?", "full", "low", "high", "super"};
static const char *const kind_names[] = {"", "no driver", "keyboard", "hub"};

void xhci_report(void)
{
	if (ncontrollers == 0) {
		kprintf("no xHCI controller\n");
		return;
	}
	for (unsigned i = 0; i < ncontrollers; i++) {
		struct xhci *x = controllers[i];
		kprintf("xhci %04x:%02x:%02x.%u: %u ports, %s, %llu events, %llu interrupts\n",
		        x->pci->segment, x->pci->bus, x->pci->dev, x->pci->fn, x->max_ports,
		        x->msix ? "MSI-X" : x->msi ? "MSI" : "polled on the tick", (unsigned long long)x->events,
		        (unsigned long long)x->interrupts);
		spin_lock(&x->lock);
		for (unsigned j = 0; j < XHCI_MAX_DEVS; j++) {
			struct usb_dev *d = &x->devs[j];
			if (!d->in_use)
				continue;
			char at[32];
			usb_dev_where(d, at, sizeof(at));
			kprintf("  slot %u %s %s-speed %04x:%04x %s", d->slot, at, speed_names[d->speed < 5 ? d->speed : 0],
			        d->vendor, d->product, kind_names[d->kind]);
			if (d->kind == USB_KEYBOARD)
				kprintf(" (boot protocol, in use: %llu reports)",
				        (unsigned long long)d->reports);
			if (d->kind == USB_HUB)
				kprintf(" (%u ports)", d->hub_ports);
			kprintf("\n");
		}
		spin_unlock(&x->lock);
	}
}
