/*
 * The deliberately naive page allocator that the benchmark compares pmm.c
 * with (issue 4): one bit per page of physical memory, set while the page is
 * free, and every allocation scans the bitmap from word 0. Allocation costs
 * O(pages / 64) under churn, free is O(1). Built from the same sanitized map
 * and with the same panic hook as pmm.c, so the two are measured on the same
 * memory. Invariant: a bit is set only for a free page of a usable range.
 * Init writes the whole bitmap (RAM / 32768 bytes): naive on purpose.
 */
#include "mm/pmm.h"

#include <stdbool.h>

static uint64_t naive_top(const struct memmap *m, uint64_t phys_limit)
{
	uint64_t limit = phys_limit ? phys_limit : MEMMAP_PHYS_LIMIT, top = 0;
	for (size_t i = 0; i < m->count; i++) {
		const struct memmap_range *r = &m->ranges[i];
		if (r->mclass == MEMMAP_USABLE && r->start < limit)
			top = r->end < limit ? r->end : limit & ~(PMM_PAGE_SIZE - 1);
	}
	return top;
}

uint64_t pmm_naive_words(const struct memmap *m, uint64_t phys_limit)
{
	return (naive_top(m, phys_limit) / PMM_PAGE_SIZE + 63) / 64;
}

int pmm_naive_init(struct pmm_naive *n, const struct memmap *m, uint64_t phys_limit, uint64_t *bits,
                   pmm_panic_fn panic)
{
	uint64_t top = naive_top(m, phys_limit);

	*n = (struct pmm_naive){.bits = bits, .map = m, .panic = panic};
	if (!panic)
		return PMM_ERR_ARG;
	if (top == 0)
		return PMM_ERR_NOMEM;
	n->nwords = (top / PMM_PAGE_SIZE + 63) / 64;
	for (uint64_t w = 0; w < n->nwords; w++)
		bits[w] = 0;
	for (size_t i = 0; i < m->count; i++) {
		const struct memmap_range *r = &m->ranges[i];
		if (r->mclass != MEMMAP_USABLE)
			continue;
		for (uint64_t pa = r->start; pa < r->end && pa < top; pa += PMM_PAGE_SIZE) {
			uint64_t pg = pa / PMM_PAGE_SIZE;
			bits[pg / 64] |= 1ull << (pg % 64);
			n->total_pages++;
		}
	}
	n->free_pages = n->total_pages;
	return PMM_OK;
}

uint64_t pmm_naive_alloc_page(struct pmm_naive *n)
{
	for (uint64_t w = 0; w < n->nwords; w++) {
		uint64_t m = n->bits[w];
		if (m) {
			n->bits[w] = m & (m - 1);
			n->free_pages--;
			return (w * 64 + (uint64_t)__builtin_ctzll(m)) * PMM_PAGE_SIZE;
		}
	}
	return 0;
}

void pmm_naive_free_page(struct pmm_naive *n, uint64_t pa)
{
	uint64_t pg = pa / PMM_PAGE_SIZE;
	const struct memmap_range *r = memmap_find(n->map, pa);

	if ((pa % PMM_PAGE_SIZE) || !r || r->mclass != MEMMAP_USABLE || pg / 64 >= n->nwords) {
		n->panic("pmm_naive: free of 0x%llx, which was never allocatable",
		         (unsigned long long)pa);
		return;
	}
	if (n->bits[pg / 64] & (1ull << (pg % 64))) {
		n->panic("pmm_naive: double free of page 0x%llx", (unsigned long long)pa);
		return;
	}
	n->bits[pg / 64] |= 1ull << (pg % 64);
	n->free_pages++;
}
