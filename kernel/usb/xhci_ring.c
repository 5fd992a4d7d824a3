/*
 * xHCI producer and event rings (xhci_ring.h has the ownership rules). The
 * fences order the TRB's other words before the cycle bit that hands it
 * over, and the cycle bit's read before the event's other words: the
 * controller is another agent on the memory bus. x86 keeps stores in order
 * and loads in order anyway, so there the fences only stop the compiler.
 */
#include "usb/xhci_ring.h"

#include <stdatomic.h>

static void zero_trbs(volatile struct xhci_trb *mem, uint32_t size)
{
	for (uint32_t i = 0; i < size; i++) {
		mem[i].param = 0;
		mem[i].status = 0;
		mem[i].control = 0;
	}
}

void xhci_ring_init(struct xhci_ring *r, volatile struct xhci_trb *mem, uint64_t phys,
                    uint32_t size)
{
	zero_trbs(mem, size);
	r->trb = mem;
	r->phys = phys;
	r->size = size;
	r->enq = 0;
	r->cycle = 1;
	/* The Link TRB, still owned by software (cycle 0 != PCS 1). */
	mem[size - 1].param = phys;
	mem[size - 1].control = TRB_TYPE(TRB_LINK) | TRB_TC;
}

static void hand_over(volatile struct xhci_trb *t, uint32_t control, uint32_t cycle)
{
	atomic_thread_fence(memory_order_release);
	t->control = (control & ~TRB_CYCLE) | cycle;
}

uint64_t xhci_ring_push(struct xhci_ring *r, uint64_t param, uint32_t status, uint32_t control)
{
	volatile struct xhci_trb *t = &r->trb[r->enq];
	uint64_t at = r->phys + (uint64_t)r->enq * sizeof(struct xhci_trb);

	t->param = param;
	t->status = status;
	hand_over(t, control, r->cycle);
	if (++r->enq == r->size - 1) {
		/* Give the Link TRB to the controller with the old cycle, then
		 * continue from the start with the other one. Its chain bit
		 * follows the TRB before it (4.11.5.1), so a chained TD may
		 * cross the link. */
		volatile struct xhci_trb *link = &r->trb[r->size - 1];
		hand_over(link, TRB_TYPE(TRB_LINK) | TRB_TC | (control & TRB_CH), r->cycle);
		r->enq = 0;
		r->cycle ^= 1;
	}
	return at;
}

void xhci_event_ring_init(struct xhci_event_ring *r, volatile struct xhci_trb *mem,
                          uint64_t phys, uint32_t size)
{
	zero_trbs(mem, size);
	r->trb = mem;
	r->phys = phys;
	r->size = size;
	r->deq = 0;
	r->cycle = 1;
}

bool xhci_event_pop(struct xhci_event_ring *r, struct xhci_trb *out)
{
	volatile struct xhci_trb *t = &r->trb[r->deq];
	uint32_t control = t->control;

	if ((control & TRB_CYCLE) != r->cycle)
		return false;
	atomic_thread_fence(memory_order_acquire);
	out->param = t->param;
	out->status = t->status;
	out->control = control;
	if (++r->deq == r->size) {
		r->deq = 0;
		r->cycle ^= 1;
	}
	return true;
}

uint64_t xhci_event_dequeue_phys(const struct xhci_event_ring *r)
{
	return r->phys + (uint64_t)r->deq * sizeof(struct xhci_trb);
}
