/*
 * Guarded kernel stacks (see kstack.h).
 *
 * Slot i covers [KSTACK_BASE + i * KSTACK_SLOT, + KSTACK_SLOT): its first
 * page is the guard, the next KSTACK_SIZE bytes the stack; the rest stays
 * unmapped. A freed slot keeps its pages and goes on a LIFO free list, so
 * allocation is O(1) and, after the first use of a slot, maps nothing. The
 * lock guards the slot table and the free list; it is taken before the
 * page-table lock (vmm) and the page-frame allocator's.
 */
#include "mm/kstack.h"

#include <stddef.h>

#include "core/panic.h"
#include "mm/mm.h"
#include "mm/vmm.h"
#include "sync/spinlock.h"

#define GUARD 4096ull
#define NO_SLOT UINT32_MAX

enum { SLOT_NEVER = 0, SLOT_USED, SLOT_FREE };

static struct {
	const char *name;
	uint32_t next_free;
	uint8_t state;
} slots[KSTACK_MAX];

static struct spinlock lock = SPINLOCK_INIT("kstack"); /* guards slots, free_head, counts */
static uint32_t free_head = NO_SLOT, next_new, in_use;

static uint64_t slot_base(uint32_t i) { return KSTACK_BASE + (uint64_t)i * KSTACK_SLOT; }
static uint64_t slot_top(uint32_t i) { return slot_base(i) + GUARD + KSTACK_SIZE; }

static bool map_slot(uint32_t i)
{
	for (uint64_t off = 0; off < KSTACK_SIZE; off += 4096) {
		uint64_t pa = pmm_alloc_page(mm_pmm());
		if (!pa || !vmm_map(slot_base(i) + GUARD + off, pa, VMM_WRITE)) {
			if (pa)
				pmm_free_page(mm_pmm(), pa);
			for (uint64_t o = 0; o < off; o += 4096)
				pmm_free_page(mm_pmm(), vmm_unmap(slot_base(i) + GUARD + o));
			return false;
		}
	}
	return true;
}

uint64_t kstack_alloc(const char *name)
{
	spin_lock(&lock);
	uint32_t i = free_head;
	if (i != NO_SLOT) {
		free_head = slots[i].next_free;
	} else {
		if (next_new == KSTACK_MAX || !map_slot(next_new)) {
			spin_unlock(&lock);
			return 0;
		}
		i = next_new++;
	}
	slots[i].state = SLOT_USED;
	slots[i].name = name;
	in_use++;
	spin_unlock(&lock);
	return slot_top(i);
}

static uint32_t slot_of(uint64_t va)
{
	if (va < KSTACK_BASE || va >= KSTACK_BASE + (uint64_t)KSTACK_MAX * KSTACK_SLOT)
		return NO_SLOT;
	return (uint32_t)((va - KSTACK_BASE) / KSTACK_SLOT);
}

void kstack_free(uint64_t top)
{
	uint32_t i = slot_of(top - 1);
	if (i == NO_SLOT || top != slot_top(i))
		panic("kstack: freeing 0x%llx, which is no stack's top", (unsigned long long)top);
	spin_lock(&lock);
	if (slots[i].state != SLOT_USED) {
		spin_unlock(&lock);
		panic("kstack: double free of the stack at 0x%llx", (unsigned long long)top);
	}
	slots[i].state = SLOT_FREE;
	slots[i].next_free = free_head;
	free_head = i;
	in_use--;
	spin_unlock(&lock);
}

void kstack_set_name(uint64_t top, const char *name)
{
	uint32_t i = slot_of(top - 1);
	if (i != NO_SLOT)
		slots[i].name = name;
}

/* Read without the lock: reports run on a faulting CPU that may hold it. */
const char *kstack_guard_owner(uint64_t va)
{
	uint32_t i = slot_of(va);
	if (i == NO_SLOT || slots[i].state == SLOT_NEVER || va >= slot_base(i) + GUARD)
		return NULL;
	return slots[i].state == SLOT_USED ? slots[i].name : "a freed kernel stack";
}

const char *kstack_owner(uint64_t va)
{
	uint32_t i = slot_of(va);
	if (i == NO_SLOT || slots[i].state == SLOT_NEVER || va < slot_base(i) + GUARD ||
	    va >= slot_top(i))
		return NULL;
	return slots[i].state == SLOT_USED ? slots[i].name : "a freed kernel stack";
}

uint32_t kstack_in_use(void) { return in_use; }
uint32_t kstack_mapped(void) { return next_new; }
