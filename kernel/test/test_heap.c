/*
 * test=heap: stress the kernel heap with sizes from 16 bytes to 64 KiB,
 * freed in random order (xorshift with a fixed seed, so every run does the
 * same), each allocation filled with a pattern derived from its address and
 * a per-allocation seed and checked just before it is freed (an allocation
 * handed out twice, or overlapping another, would hold the other's
 * pattern). At the end, with everything freed and empty slabs trimmed, the
 * heap's statistics must be back where they started.
 *
 * test=kfree-double-free and test=kmalloc-use-after-free: the checks of the
 * per-CPU magazines (mm/heap.c) panic with their messages: a second kfree
 * of an object waiting in the magazine, and an object written after its
 * kfree, found when kmalloc hands it out again.
 *
 * Also ktest_heap_bench, for scripts/bench: the cost of a small kmalloc/
 * kfree pair with interrupts masked, as TSC ticks (under -icount, 128 per
 * guest instruction; the script measures the ratio).
 */
#include "arch/x86_64/cpu.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "mm/heap.h"
#include "test/ktest.h"

#define SLOTS       512
#define OPS         30000
#define MAX_SIZE    65536
#define BENCH_PAIRS 10000
#define BENCH_SIZE  64

struct slot {
	uint64_t *p;
	uint32_t size;
	uint32_t seed;
};

static struct slot slots[SLOTS];

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Log-uniform between 16 and MAX_SIZE (every class and large sizes alike):
 * [2^b, 2^(b+1)) for b from 4 to 15, and one time in 16 exactly 64 KiB. */
static uint32_t random_size(uint64_t r)
{
	unsigned bits = 4 + (unsigned)(r % 12);
	uint32_t size = (1u << bits) + (uint32_t)((r >> 8) & ((1u << bits) - 1));
	return r >> 60 == 0 ? MAX_SIZE : size;
}

static uint64_t pattern(const struct slot *s, uint32_t i)
{
	return ((uint64_t)(uintptr_t)s->p ^ s->seed) * 0x9e3779b97f4a7c15ull + i;
}

static void fill(const struct slot *s)
{
	for (uint32_t i = 0; i < s->size / 8; i++)
		s->p[i] = pattern(s, i);
}

/* Words of s that no longer hold their pattern. */
static uint32_t damaged(const struct slot *s)
{
	uint32_t bad = 0;
	for (uint32_t i = 0; i < s->size / 8; i++)
		bad += s->p[i] != pattern(s, i);
	return bad;
}

struct run {
	uint64_t allocs, failed, corrupt, misaligned;
	uint64_t live_bytes, peak_bytes, peak_pages;
};

static void take(struct run *r, struct slot *s, uint64_t rnd)
{
	s->size = random_size(rnd);
	s->seed = (uint32_t)(rnd >> 32);
	s->p = kmalloc(s->size);
	if (!s->p) {
		r->failed++;
		return;
	}
	size_t align = s->size <= HEAP_MAX_SMALL ? ksize(s->p) : HEAP_LARGE_ALIGN;
	r->misaligned += (uintptr_t)s->p % align != 0 || ksize(s->p) < s->size;
	fill(s);
	r->allocs++;
	r->live_bytes += s->size;
	if (r->live_bytes > r->peak_bytes)
		r->peak_bytes = r->live_bytes;
}

static void give(struct run *r, struct slot *s)
{
	uint32_t bad = damaged(s);
	if (bad && r->corrupt++ < 5)
		kprintf("heap: %u of %u words of the %u-byte allocation at %p changed\n", bad,
		        s->size / 8, s->size, (void *)s->p);
	kfree(s->p);
	r->live_bytes -= s->size;
	s->p = NULL;
}

static bool same_usage(const struct heap_stats *a, const struct heap_stats *b)
{
	bool same = a->pages == b->pages && a->bytes_in_use == b->bytes_in_use &&
	            a->large_count == b->large_count &&
	            a->allocs - a->frees == b->allocs - b->frees;
	for (unsigned i = 0; i < HEAP_NCLASSES; i++)
		same &= a->cls[i].inuse == b->cls[i].inuse && a->cls[i].slabs == b->cls[i].slabs;
	return same;
}

bool ktest_heap(void)
{
	struct heap_stats before, st, after;
	struct run r = {0};
	uint64_t rng = 0x2545f4914f6cdd1dull;

	kheap_trim();
	kheap_stats(&before);
	for (unsigned op = 0; op < OPS; op++) {
		uint64_t rnd = xorshift(&rng);
		struct slot *s = &slots[rnd % SLOTS];
		if (s->p)
			give(&r, s);
		else
			take(&r, s, xorshift(&rng));
		if (op % 64 == 0) {
			kheap_stats(&st);
			r.peak_pages = st.pages > r.peak_pages ? st.pages : r.peak_pages;
		}
	}
	for (unsigned i = 0; i < SLOTS; i++)
		if (slots[i].p)
			give(&r, &slots[i]);
	bool consistent = kheap_check_and_trim();
	kheap_stats(&after);
	bool back = same_usage(&before, &after);
	kprintf("heap: %llu allocations (16 B to 64 KiB), %llu bytes peak in %llu pages, "
	        "%llu failed, %llu corrupted, %llu misaligned; stats %s: %s\n",
	        (unsigned long long)r.allocs, (unsigned long long)r.peak_bytes,
	        (unsigned long long)r.peak_pages, (unsigned long long)r.failed,
	        (unsigned long long)r.corrupt, (unsigned long long)r.misaligned,
	        back ? "back to the start" : "NOT back to the start",
	        r.failed || r.corrupt || r.misaligned || !back || !consistent ? "FAILED" : "ok");
	return !r.failed && !r.corrupt && !r.misaligned && back && consistent;
}

/*
 * A small kmalloc/kfree pair. One object of the class stays allocated, so
 * the slab is partly used as in normal operation and the pair measures the
 * fast paths only (with the slab empty at each kfree, the pair costs a few
 * instructions more: the empty count). The loop itself adds about 4
 * instructions per pair.
 */
void ktest_heap_bench(void)
{
	uint64_t flags = cpu_irq_save();
	void *keep = kmalloc(BENCH_SIZE);
	for (unsigned i = 0; i < 100; i++) /* warm up: QEMU translates the code */
		kfree(kmalloc(BENCH_SIZE));
	uint64_t t0 = cpu_rdtsc();
	for (unsigned i = 0; i < BENCH_PAIRS; i++)
		kfree(kmalloc(BENCH_SIZE));
	uint64_t t1 = cpu_rdtsc();
	kfree(keep);
	cpu_irq_restore(flags);
	kprintf("bench-kmalloc: pairs=%u tsc=%llu\n", BENCH_PAIRS, (unsigned long long)(t1 - t0));
}

bool ktest_kfree_double_free(void)
{
	void *p = kmalloc(64);
	if (!p)
		return false;
	kfree(p);
	kprintf("kfree-double-free: freeing %p a second time\n", p);
	panic_expect();
	kfree(p);
	return false;
}

bool ktest_kmalloc_use_after_free(void)
{
	uint64_t *p = kmalloc(64);
	if (!p)
		return false;
	kfree(p);
	p[1] = 0x1234; /* the poison word of the freed object */
	kprintf("kmalloc-use-after-free: wrote into %p after freeing it\n", (void *)p);
	panic_expect();
	void *q = kmalloc(64); /* the same object: the magazine is LIFO */
	kprintf("kmalloc-use-after-free: got %p, no report\n", q);
	return false;
}
