/*
 * test=pmm-all: take every free page from the page-frame allocator, fill
 * each with a pattern derived from its address, check every page still holds
 * its own pattern (a page handed out twice would hold another's), free them
 * all, and check the free count returns exactly. The allocated pages are
 * chained through their first word, so the test needs no memory of its own.
 * Afterwards the boot info must be intact (the allocator never handed out a
 * page the loader asked to keep) and allocation must work again.
 *
 * test=pmm-double-free: freeing a page twice panics with the allocator's
 * message, although the first free left it in this CPU's page stack (the
 * kernel's own lock btr on the allocation bitmap, which host tests do not
 * run).
 */
#include <boot/bootinfo.h>

#include "boot/boot.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "mm/mm.h"
#include "test/ktest.h"

#define WORDS_PER_PAGE 512

static uint64_t pattern(uint64_t pa, unsigned i) { return pa * 0x9e3779b97f4a7c15ull ^ i; }

bool ktest_pmm_all(void)
{
	struct pmm *p = mm_pmm();
	struct pmm_stats before, during, after;
	uint64_t head = 0, count = 0, bad = 0;

	pmm_stats(p, &before);
	for (uint64_t pa; (pa = pmm_alloc_page(p)) != 0; count++) {
		uint64_t *w = phys_to_virt(pa);
		w[0] = head;
		for (unsigned i = 1; i < WORDS_PER_PAGE; i++)
			w[i] = pattern(pa, i);
		head = pa;
	}
	pmm_stats(p, &during);
	kprintf("pmm-all: allocated %llu pages (%llu MiB); %llu free before, %llu now\n",
	        (unsigned long long)count, (unsigned long long)(count / 256),
	        (unsigned long long)before.free_pages, (unsigned long long)during.free_pages);

	for (uint64_t pa = head; pa;) {
		const uint64_t *w = phys_to_virt(pa);
		for (unsigned i = 1; i < WORDS_PER_PAGE; i++)
			if (w[i] != pattern(pa, i)) {
				if (bad++ < 5)
					kprintf("pmm-all: page 0x%llx word %u changed\n",
					        (unsigned long long)pa, i);
				break;
			}
		pa = w[0];
	}
	for (uint64_t pa = head; pa;) {
		uint64_t next = ((const uint64_t *)phys_to_virt(pa))[0];
		pmm_free_page(p, pa);
		pa = next;
	}
	pmm_stats(p, &after);
	kprintf("pmm-all: %llu pages corrupted; free after freeing all: %llu (before: %llu)\n",
	        (unsigned long long)bad, (unsigned long long)after.free_pages,
	        (unsigned long long)before.free_pages);
	bool intact = boot_info()->magic == BOOTINFO_MAGIC;
	uint64_t again = pmm_alloc_page(p);
	if (again)
		pmm_free_page(p, again);
	kprintf("pmm-all: boot info %s; allocation after the test %s\n", intact ? "intact" : "DAMAGED",
	        again ? "works" : "FAILS");
	return count == before.free_pages && during.free_pages == 0 && bad == 0 &&
	       after.free_pages == before.free_pages && intact && again;
}

bool ktest_pmm_double_free(void)
{
	uint64_t pa = pmm_alloc_page(mm_pmm());
	if (!pa)
		return false;
	pmm_free_page(mm_pmm(), pa);
	kprintf("pmm-double-free: freeing page 0x%llx a second time\n", (unsigned long long)pa);
	panic_expect();
	pmm_free_page(mm_pmm(), pa);
	return false;
}
