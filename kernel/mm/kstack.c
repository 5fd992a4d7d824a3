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

#include <stdatomic.h>
#include <stddef.h>

#include "core/panic.h"
#include "lib/string.h"
#include "mm/mm.h"
#include "mm/phys.h"
#include "mm/vmm.h"
#include "sync/spinlock.h"

#define GUARD 4096ull
#define NO_SLOT UINT32_MAX

enum { SLOT_NEVER = 0, SLOT_USED, SLOT_FREE };

struct kslot {
	const char *name;
	uint32_t next_free;
	uint8_t state;
};

/*
 * The slot table grows with use, a page of slots at a time: slots are
 * created in order (next_new), and a table for all KSTACK_MAX of them would
 * be 128 KiB of .bss that the loader zeroes on every boot for the few dozen
 * stacks a boot uses. A chunk is published (release) before any slot in it
 * is handed out, so the lockless readers (fault reports) that find it
 * (acquire) see it zeroed; a missing chunk means "never used".
 */
#define SLOTS_PER_CHUNK (4096 / sizeof(struct kslot))
#define NCHUNKS ((KSTACK_MAX + SLOTS_PER_CHUNK - 1) / SLOTS_PER_CHUNK)
static struct kslot *_Atomic chunks[NCHUNKS];

/* Slot i, whose chunk exists (i < next_new). */
static struct kslot *slot(uint32_t i)
{
	return &atomic_load_explicit(&chunks[i / SLOTS_PER_CHUNK],
	                             memory_order_relaxed)[i % SLOTS_PER_CHUNK];
}

/* Slot i if its chunk exists, else NULL: for the lockless readers. */
static struct kslot *slot_if_any(uint32_t i)
{
	struct kslot *c = atomic_load_explicit(&chunks[i / SLOTS_PER_CHUNK], memory_order_acquire);
	return c ? &c[i % SLOTS_PER_CHUNK] : NULL;
}

/* Make sure slot i's chunk exists. With the lock held. */
static bool chunk_for(uint32_t i)
{
	if (atomic_load_explicit(&chunks[i / SLOTS_PER_CHUNK], memory_order_relaxed))
		return true;
	uint64_t pa = pmm_alloc_page(mm_pmm());
	if (!pa)
		return false;
	memset(phys_to_virt(pa), 0, 4096);
	atomic_store_explicit(&chunks[i / SLOTS_PER_CHUNK], phys_to_virt(pa), memory_order_release);
	return true;
}

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
		free_head = slot(i)->next_free;
	} else {
		if (next_new == KSTACK_MAX || !chunk_for(next_new) || !map_slot(next_new)) {
			spin_unlock(&lock);
			return 0;
		}
		i = next_new++;
	}
	slot(i)->state = SLOT_USED;
	slot(i)->name = name;
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
	struct kslot *k = slot_if_any(i);
	if (!k || k->state != SLOT_USED) {
		spin_unlock(&lock);
		panic("kstack: double free of the stack at 0x%llx", (unsigned long long)top);
	}
	k->state = SLOT_FREE;
	k->next_free = free_head;
	free_head = i;
	in_use--;
	spin_unlock(&lock);
}

void kstack_set_name(uint64_t top, const char *name)
{
	uint32_t i = slot_of(top - 1);
	struct kslot *k = i == NO_SLOT ? NULL : slot_if_any(i);
	if (k)
		k->name = name;
}

/* Read without the lock: reports run on a faulting CPU that may hold it. */
const char *kstack_guard_owner(uint64_t va)
{
	uint32_t i = slot_of(va);
	struct kslot *k = i == NO_SLOT ? NULL : slot_if_any(i);
	if (!k || k->state == SLOT_NEVER || va >= slot_base(i) + GUARD)
		return NULL;
	return k->state == SLOT_USED ? k->name : "a freed kernel stack";
}

const char *kstack_owner(uint64_t va)
{
	uint32_t i = slot_of(va);
	struct kslot *k = i == NO_SLOT ? NULL : slot_if_any(i);
	if (!k || k->state == SLOT_NEVER || va < slot_base(i) + GUARD || va >= slot_top(i))
		return NULL;
	return k->state == SLOT_USED ? k->name : "a freed kernel stack";
}

uint32_t kstack_in_use(void) { return in_use; }
uint32_t kstack_mapped(void) { return next_new; }
