/*
 * The page-frame allocator's figures for scripts/bench (issue 4), as TSC
 * ticks with interrupts masked (under -icount, a fixed number per guest
 * instruction; the script measures the ratio). One machine-readable line
 * each:
 *
 *   bench-pmm: op=alloc count=N tsc=T       N single-page allocations
 *   bench-pmm: op=free count=N tsc=T        freeing those N pages
 *   bench-pmm: op=pair count=N tsc=T        N alloc/free pairs, memory half full
 *   bench-pmm: op=naive-pair count=N tsc=T  the same churn on pmm_naive.c
 *
 * Churn: a working set of pages; each burst frees 1 to 128 of them from a
 * random slot on, then allocates as many back into those slots, so the CPU
 * page stack (64 pages) overflows and runs dry now and then, as it would
 * under real load. "Half full": half the free pages are taken first and held
 * in a chain through index pages (each holds 510 page addresses), so only
 * 1/511 of the held memory is ever written and QEMU need not back the rest.
 *
 * The naive baseline must never hand out RAM the real allocator owns, so it
 * gets a range of its own: one contiguous run allocated from the real
 * allocator (up to 256 MiB, at most a quarter of what is free), described by
 * a one-range memory map, with its bitmap in pages also taken from the real
 * allocator. Everything goes back at the end, and the free-page count must
 * return exactly.
 */
#include "arch/x86_64/cpu.h"
#include "boot/boot.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "mm/mm.h"
#include "test/ktest.h"

#define COUNT           8192 /* single-page allocations, then frees */
#define ARRAY_PAGES     (COUNT * 8 / 4096)
#define WORKING_SET     512 /* pages churned (a power of two) */
#define MAX_BURST       128
#define PAIRS           50000
#define NAIVE_PAIRS     1000
#define NAIVE_MAX_PAGES 65536 /* 256 MiB */
#define HOLD_SLOTS      510

/* An index page of the held half: the addresses of other held pages. */
struct hold {
	uint64_t next, count;
	uint64_t pa[HOLD_SLOTS];
};
_Static_assert(sizeof(struct hold) == 4096, "one page per index");

/* The naive allocator's own memory. */
struct naive_bench {
	struct pmm_naive n;
	struct memmap map;
	struct memmap_range range;
	uint64_t base, pages, bits_pa, bits_pages;
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void report(const char *op, uint64_t count, uint64_t tsc)
{
	kprintf("bench-pmm: op=%s count=%llu tsc=%llu\n", op, (unsigned long long)count,
	        (unsigned long long)tsc);
}

static void bench_single(struct pmm *p, uint64_t *a)
{
	uint64_t n = 0, t0 = cpu_rdtsc();
	while (n < COUNT && (a[n] = pmm_alloc_page(p)) != 0)
		n++;
	uint64_t t1 = cpu_rdtsc();
	for (uint64_t i = 0; i < n; i++)
		pmm_free_page(p, a[i]);
	uint64_t t2 = cpu_rdtsc();
	report("alloc", n, t1 - t0);
	report("free", n, t2 - t1);
}

/* Take up to `pages` pages and hold them; returns the first index page. */
static uint64_t hold_fill(struct pmm *p, uint64_t pages)
{
	uint64_t head = 0, pa;
	struct hold *h = NULL;
	for (uint64_t i = 0; i < pages && (pa = pmm_alloc_page(p)) != 0; i++) {
		if (h && h->count < HOLD_SLOTS) {
			h->pa[h->count++] = pa;
			continue;
		}
		h = phys_to_virt(pa);
		h->next = head;
		h->count = 0;
		head = pa;
	}
	return head;
}

static void hold_free(struct pmm *p, uint64_t head)
{
	while (head) {
		const struct hold *h = phys_to_virt(head);
		uint64_t next = h->next;
		for (uint64_t i = 0; i < h->count; i++)
			pmm_free_page(p, h->pa[i]);
		pmm_free_page(p, head);
		head = next;
	}
}

/* Bursts of frees then allocations in the working set; pairs done. */
static uint64_t churn_pmm(struct pmm *p, uint64_t *ws, uint64_t pairs, uint64_t *rng)
{
	uint64_t done = 0;
	while (done < pairs) {
		uint64_t r = xorshift(rng);
		unsigned k = 1 + (unsigned)(r % MAX_BURST), start = (unsigned)(r >> 8);
		for (unsigned i = 0; i < k; i++)
			pmm_free_page(p, ws[(start + i) % WORKING_SET]);
		for (unsigned i = 0; i < k; i++)
			ws[(start + i) % WORKING_SET] = pmm_alloc_page(p);
		done += k;
	}
	return done;
}

static uint64_t churn_naive(struct pmm_naive *n, uint64_t *ws, uint64_t pairs, uint64_t *rng)
{
	uint64_t done = 0;
	while (done < pairs) {
		uint64_t r = xorshift(rng);
		unsigned k = 1 + (unsigned)(r % MAX_BURST), start = (unsigned)(r >> 8);
		for (unsigned i = 0; i < k; i++)
			pmm_naive_free_page(n, ws[(start + i) % WORKING_SET]);
		for (unsigned i = 0; i < k; i++)
			ws[(start + i) % WORKING_SET] = pmm_naive_alloc_page(n);
		done += k;
	}
	return done;
}

/* Half of memory held, a working set churned. */
static void bench_pair(struct pmm *p, uint64_t *ws, uint64_t *rng)
{
	for (unsigned i = 0; i < WORKING_SET; i++)
		ws[i] = pmm_alloc_page(p);
	churn_pmm(p, ws, 1000, rng); /* warm up */
	uint64_t t0 = cpu_rdtsc();
	uint64_t n = churn_pmm(p, ws, PAIRS, rng);
	report("pair", n, cpu_rdtsc() - t0);
	for (unsigned i = 0; i < WORKING_SET; i++)
		pmm_free_page(p, ws[i]);
}

/* A run and a bitmap from the real allocator for the naive one. */
static bool naive_setup(struct pmm *p, struct naive_bench *nb, uint64_t free_pages)
{
	for (nb->pages = NAIVE_MAX_PAGES; nb->pages >= 2 * WORKING_SET; nb->pages /= 2)
		if (nb->pages <= free_pages / 4 && (nb->base = pmm_alloc_pages(p, nb->pages, 1)))
			break;
	if (nb->pages < 2 * WORKING_SET)
		return false;
	memmap_init(&nb->map, &nb->range, 1);
	nb->range = (struct memmap_range){nb->base, nb->base + nb->pages * 4096, MEMMAP_USABLE, 0};
	nb->map.count = nb->map.needed = 1;
	nb->map.pages[MEMMAP_USABLE] = nb->pages;
	nb->bits_pages = (pmm_naive_words(&nb->map, 0) * 8 + 4095) / 4096;
	if ((nb->bits_pa = pmm_alloc_pages(p, nb->bits_pages, 1)) != 0 &&
	    pmm_naive_init(&nb->n, &nb->map, 0, phys_to_virt(nb->bits_pa), panic) == PMM_OK)
		return true;
	if (nb->bits_pa)
		pmm_free_pages(p, nb->bits_pa, nb->bits_pages);
	pmm_free_pages(p, nb->base, nb->pages);
	return false;
}

/* The state total_pages / 2 pmm_naive_alloc_page calls would leave (it
 * always takes the lowest free page), without their quadratic cost. */
static void naive_fill_half(struct pmm_naive *n)
{
	uint64_t want = n->total_pages / 2;
	for (uint64_t w = 0; w < n->nwords && want; w++) {
		uint64_t m = n->bits[w];
		for (; m && want; want--, n->free_pages--)
			m &= m - 1;
		n->bits[w] = m;
	}
}

static void bench_naive(struct pmm *p, uint64_t *ws, uint64_t *rng)
{
	struct pmm_stats st;
	struct naive_bench nb;
	pmm_stats(p, &st);
	if (!naive_setup(p, &nb, st.free_pages)) {
		kprintf("bench-pmm: no room for the naive baseline\n");
		return;
	}
	naive_fill_half(&nb.n);
	for (unsigned i = 0; i < WORKING_SET; i++)
		ws[i] = pmm_naive_alloc_page(&nb.n);
	churn_naive(&nb.n, ws, 100, rng); /* warm up */
	uint64_t t0 = cpu_rdtsc();
	uint64_t n = churn_naive(&nb.n, ws, NAIVE_PAIRS, rng);
	report("naive-pair", n, cpu_rdtsc() - t0);
	kprintf("bench-pmm: naive baseline over %llu pages at 0x%llx, half full\n",
	        (unsigned long long)nb.pages, (unsigned long long)nb.base);
	pmm_free_pages(p, nb.bits_pa, nb.bits_pages);
	pmm_free_pages(p, nb.base, nb.pages);
}

void ktest_pmm_bench(void)
{
	struct pmm *p = mm_pmm();
	struct pmm_stats before, after;
	uint64_t rng = 0x853c49e6748fea9bull;
	uint64_t flags = cpu_irq_save();

	pmm_stats(p, &before);
	uint64_t array_pa = pmm_alloc_pages(p, ARRAY_PAGES, 1);
	if (!array_pa) {
		cpu_irq_restore(flags);
		kprintf("bench-pmm: not enough memory\n");
		return;
	}
	uint64_t *array = phys_to_virt(array_pa);
	bench_single(p, array);
	uint64_t held = hold_fill(p, (before.free_pages - ARRAY_PAGES) / 2);
	bench_pair(p, array, &rng);
	bench_naive(p, array, &rng);
	hold_free(p, held);
	pmm_free_pages(p, array_pa, ARRAY_PAGES);
	pmm_stats(p, &after);
	cpu_irq_restore(flags);
	kprintf("bench-pmm: free pages %llu before, %llu after: %s\n",
	        (unsigned long long)before.free_pages, (unsigned long long)after.free_pages,
	        before.free_pages == after.free_pages ? "ok" : "LOST PAGES");
}
