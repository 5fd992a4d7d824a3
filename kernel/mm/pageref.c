/*
 * Page sharing counts (see pageref.h).
 */
#include "mm/pageref.h"

#include <stdatomic.h>
#include <stddef.h>

#include "core/panic.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "lib/string.h"
#include "sync/spinlock.h"

#define PER_LEAF 1024u /* 32-bit counts in a 4 KiB page */

static _Atomic(_Atomic uint32_t *) *dir;
static uint64_t dir_len;
static struct spinlock grow_lock = SPINLOCK_INIT("pageref leaves");

void pageref_init(uint64_t phys_limit)
{
	dir_len = (phys_limit / 4096 + PER_LEAF - 1) / PER_LEAF;
	dir = kcalloc(dir_len, sizeof(*dir));
	if (!dir)
		panic("pageref: no memory for %llu directory entries", (unsigned long long)dir_len);
}

static _Atomic uint32_t *count(uint64_t pa, bool create)
{
	uint64_t pfn = pa / 4096, i = pfn / PER_LEAF;
	if (i >= dir_len)
		panic("pageref: page 0x%llx is past the direct map", (unsigned long long)pa);
	_Atomic uint32_t *leaf = atomic_load_explicit(&dir[i], memory_order_acquire);
	if (!leaf && create) {
		uint64_t page = pmm_alloc_page(mm_pmm());
		if (!page)
			return NULL;
		memset(phys_to_virt(page), 0, 4096);
		spin_lock(&grow_lock);
		leaf = atomic_load_explicit(&dir[i], memory_order_relaxed);
		if (!leaf) {
			leaf = phys_to_virt(page);
			atomic_store_explicit(&dir[i], leaf, memory_order_release);
			page = 0;
		}
		spin_unlock(&grow_lock);
		if (page) /* another CPU made it first */
			pmm_free_page(mm_pmm(), page);
	}
	return leaf ? &leaf[pfn % PER_LEAF] : NULL;
}

bool pageref_share(uint64_t pa)
{
	_Atomic uint32_t *c = count(pa, true);
	if (!c)
		return false;
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
	return true;
}

bool pageref_drop(uint64_t pa)
{
	_Atomic uint32_t *c = count(pa, false);
	uint32_t v = c ? atomic_load_explicit(c, memory_order_relaxed) : 0;
	/* acq_rel: whoever ends up owning the page sees every write the other
	 * sharers made to it before they let go. */
	while (v) {
		if (atomic_compare_exchange_weak_explicit(c, &v, v - 1, memory_order_acq_rel,
		                                          memory_order_relaxed))
			return false;
	}
	atomic_thread_fence(memory_order_acquire);
	return true;
}

bool pageref_shared(uint64_t pa)
{
	_Atomic uint32_t *c = count(pa, false);
	return c && atomic_load_explicit(c, memory_order_acquire) != 0;
}
