/*
 * Host tests for kernel/mm/heap.c: size-class boundaries, alignment,
 * kmalloc(0), kcalloc overflow, krealloc, empty slabs given back, statistics,
 * running out of memory, long random runs against a reference model, and
 * every debug check reaching the panic hook (which records the message and
 * longjmps out, or returns to show that a refused free changes nothing).
 * The page source hands out 16 KiB-aligned posix_memalign blocks filled with
 * junk, can be told to fail, and keeps the last QUARANTINE freed blocks, so a
 * double free reads memory that still exists, as freed pages stay mapped in
 * the kernel's direct map.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mm/heap.h"

#define QUARANTINE 64

static struct {
	long pages_out; /* pages handed out and not given back */
	long allowed;   /* blocks it will still hand out; < 0: any number */
	void *quarantine[QUARANTINE];
	unsigned qnext;
} src_state;

static void *src_alloc(void *ctx, size_t pages)
{
	void *p;
	(void)ctx;
	if (src_state.allowed == 0)
		return NULL;
	if (posix_memalign(&p, HEAP_BLOCK_SIZE, pages * HEAP_PAGE_SIZE) != 0)
		return NULL;
	memset(p, 0xa5, pages * HEAP_PAGE_SIZE);
	if (src_state.allowed > 0)
		src_state.allowed--;
	src_state.pages_out += (long)pages;
	return p;
}

static void src_free(void *ctx, void *block, size_t pages)
{
	(void)ctx;
	assert_int_equal((uintptr_t)block % HEAP_BLOCK_SIZE, 0);
	src_state.pages_out -= (long)pages;
	assert_true(src_state.pages_out >= 0);
	free(src_state.quarantine[src_state.qnext]);
	src_state.quarantine[src_state.qnext] = block;
	src_state.qnext = (src_state.qnext + 1) % QUARANTINE;
}

static const struct heap_page_source source = {src_alloc, src_free, NULL};

#include "tests/host/panic_hook.h"

static struct heap heap;

static int setup(void **state)
{
	(void)state;
	src_state.pages_out = 0;
	src_state.allowed = -1;
	panic_armed = panic_returns = false;
	heap_init(&heap, &source, hook);
	return 0;
}

/* Every test frees what it allocated: trimmed, the heap holds no page. */
static int teardown(void **state)
{
	(void)state;
	heap_trim(&heap);
	assert_int_equal(src_state.pages_out, 0);
	for (unsigned i = 0; i < QUARANTINE; i++) {
		free(src_state.quarantine[i]);
		src_state.quarantine[i] = NULL;
	}
	return 0;
}

static struct heap_stats stats(void)
{
	struct heap_stats s;
	heap_stats(&heap, &s);
	assert_int_equal(s.pages, (uint64_t)src_state.pages_out);
	assert_true(heap_check(&heap));
	return s;
}

static void fill(void *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = (uint8_t)(seed + i * 7);
}

static void verify(const void *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i] != (uint8_t)(seed + i * 7))
			fail_msg("byte %zu of %p (%zu bytes) changed", i, p, n);
}

/* kmalloc(n), n <= 2048, gives its class: a power of two, 16 or more, as
 * many bytes as it is aligned to; larger ones have 64-byte alignment. */
static void check_one(void *p, size_t n)
{
	assert_non_null(p);
	size_t have = heap_usable_size(&heap, p);
	assert_true(have >= n);
	if (n <= HEAP_MAX_SMALL) {
		assert_true(have >= 16 && (have & (have - 1)) == 0 && (n <= 16 || have < 2 * n));
		assert_int_equal(have, 16u << heap_class_of(n ? n : 1));
		assert_int_equal((uintptr_t)p % have, 0);
	} else {
		assert_int_equal((uintptr_t)p % HEAP_LARGE_ALIGN, 0);
		assert_int_equal((have + HEAP_LARGE_ALIGN) % HEAP_PAGE_SIZE, 0);
	}
}

/* ---- Tests ------------------------------------------------------------- */

static void test_class_boundaries(void **state)
{
	(void)state;
	static const size_t sizes[] = {1,    2,    8,    15,   16,   17,    31,     32,   33,
	                               63,   64,   65,   127,  128,  129,   255,    256,  257,
	                               511,  512,  513,  1023, 1024, 1025,  2047,   2048, 2049,
	                               4031, 4032, 4033, 4096, 8192, 65536, 1 << 20};
	void *p[sizeof(sizes) / sizeof(sizes[0])];
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p[i] = heap_alloc(&heap, sizes[i]);
		check_one(p[i], sizes[i]);
		fill(p[i], sizes[i], (uint8_t)i);
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		verify(p[i], sizes[i], (uint8_t)i);
		heap_free(&heap, p[i]);
	}
}

/* kmalloc(0) is a unique 16-byte object; kfree(NULL) does nothing. */
static void test_zero_size(void **state)
{
	(void)state;
	void *a = heap_alloc(&heap, 0), *b = heap_alloc(&heap, 0);
	assert_true(a && b && a != b);
	assert_int_equal(heap_usable_size(&heap, a), 16);
	heap_free(&heap, a);
	heap_free(&heap, b);
	heap_free(&heap, NULL);
	assert_int_equal(stats().bytes_requested, 0);
}

static void test_aligned(void **state)
{
	(void)state;
	static const size_t sizes[] = {0, 1, 24, 100, 2048, 3000, 5000, 20000};
	for (size_t a = 1; a <= HEAP_MAX_ALIGN; a *= 2)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			void *p = heap_alloc_aligned(&heap, sizes[i], a);
			assert_non_null(p);
			assert_int_equal((uintptr_t)p % a, 0);
			assert_true(heap_usable_size(&heap, p) >= (sizes[i] ? sizes[i] : 1));
			fill(p, sizes[i], 3);
			verify(p, sizes[i], 3);
			heap_free(&heap, p);
		}
	for (size_t a = 0; a <= 2 * HEAP_MAX_ALIGN; a += 48) /* 0, not powers of two, too large */
		if (a & (a - 1) || a == 0 || a > HEAP_MAX_ALIGN)
			assert_null(heap_alloc_aligned(&heap, 16, a));
}

static void test_zeroed(void **state)
{
	(void)state;
	for (size_t n = 0; n < 5000; n += 333) {
		uint8_t *p = heap_calloc(&heap, n, 3);
		assert_non_null(p);
		for (size_t i = 0; i < n * 3; i++)
			assert_int_equal(p[i], 0);
		heap_free(&heap, p);
	}
	assert_null(heap_calloc(&heap, SIZE_MAX / 2 + 1, 2));
	assert_null(heap_calloc(&heap, (size_t)1 << 32, (size_t)1 << 32));
	assert_null(heap_calloc(&heap, SIZE_MAX, SIZE_MAX));
	struct heap_stats s = stats();
	assert_int_equal(s.failures, 3);
	assert_int_equal(s.bytes_in_use, 0);
}

static void test_resize(void **state)
{
	(void)state;
	uint8_t *p = heap_realloc(&heap, NULL, 10);
	fill(p, 10, 1);
	assert_ptr_equal(heap_realloc(&heap, p, 16), p); /* room already */
	for (size_t n = 17; n < 100000; n = n * 3 / 2) {
		p = heap_realloc(&heap, p, n);
		check_one(p, n);
		verify(p, 10, 1);
	}
	assert_ptr_equal(heap_realloc(&heap, p, 0), p); /* never frees */
	heap_free(&heap, p);
	/* A moving krealloc keeps a large allocation's alignment. */
	p = heap_alloc_aligned(&heap, 5000, 4096);
	p = heap_realloc(&heap, p, 50000);
	assert_int_equal((uintptr_t)p % 4096, 0);
	heap_free(&heap, p);
	assert_int_equal(stats().bytes_in_use, 0);
}

/* Slabs that empty go back, beyond one per class; heap_trim takes that too. */
static void test_empty_slabs_returned(void **state)
{
	(void)state;
	static void *p[2000];
	const struct heap_class *c = &heap.cls[heap_class_of(64)];
	for (int i = 0; i < 2000; i++)
		p[i] = heap_alloc(&heap, 64);
	struct heap_stats s = stats();
	uint64_t slabs = (2000 + c->nobj - 1) / c->nobj;
	assert_int_equal(s.cls[2].slabs, slabs);
	assert_int_equal(s.cls[2].inuse, 2000);
	assert_int_equal(s.cls[2].free, slabs * c->nobj - 2000);
	assert_int_equal(s.slab_pages, slabs * HEAP_BLOCK_PAGES);
	for (int i = 0; i < 2000; i += 2) /* every other: no slab empties */
		heap_free(&heap, p[i]);
	assert_int_equal(stats().cls[2].slabs, slabs);
	for (int i = 1; i < 2000; i += 2)
		heap_free(&heap, p[i]);
	s = stats();
	assert_int_equal(s.cls[2].slabs, HEAP_EMPTY_RESERVE);
	assert_int_equal(s.cls[2].empty_slabs, HEAP_EMPTY_RESERVE);
	assert_int_equal(src_state.pages_out, HEAP_EMPTY_RESERVE * HEAP_BLOCK_PAGES);
	heap_trim(&heap);
	assert_int_equal(stats().pages, 0);
}

static void test_stats(void **state)
{
	(void)state;
	void *a = heap_alloc(&heap, 20), *b = heap_alloc(&heap, 100), *c = heap_alloc(&heap, 5000);
	struct heap_stats s = stats();
	assert_int_equal(s.cls[1].inuse, 1);
	assert_int_equal(s.cls[3].inuse, 1);
	assert_int_equal(s.large_count, 1);
	assert_int_equal(s.large_pages, 2);
	assert_int_equal(s.large_bytes, 5000);
	assert_int_equal(s.bytes_in_use, 32 + 128 + 5000);
	assert_int_equal(s.bytes_requested, 20 + 100 + 5000);
	assert_int_equal(s.bytes_allocated, 32 + 128 + 2 * 4096 - 64);
	assert_int_equal(s.pages, 2 * HEAP_BLOCK_PAGES + 2);
	heap_free(&heap, a);
	heap_free(&heap, b);
	heap_free(&heap, c);
	s = stats();
	assert_int_equal(s.allocs - s.frees, 0);
	assert_int_equal(s.pages, 2 * HEAP_BLOCK_PAGES); /* the reserve */
}

static void test_out_of_memory(void **state)
{
	(void)state;
	src_state.allowed = 1; /* one slab, then nothing */
	const struct heap_class *c = &heap.cls[0];
	static void *p[2000];
	for (unsigned i = 0; i < c->nobj; i++)
		assert_non_null(p[i] = heap_alloc(&heap, 16));
	assert_null(heap_alloc(&heap, 16));
	assert_null(heap_alloc(&heap, 100));
	assert_null(heap_alloc(&heap, 10000));
	assert_null(heap_alloc(&heap, SIZE_MAX - 10));
	assert_null(heap_alloc_aligned(&heap, SIZE_MAX, 4096));
	struct heap_stats s = stats();
	assert_int_equal(s.failures, 5);
	assert_int_equal(s.cls[0].inuse, c->nobj);
	heap_free(&heap, p[5]);
	assert_ptr_equal(heap_alloc(&heap, 1), p[5]); /* freed memory is usable again */
	for (unsigned i = 0; i < c->nobj; i++)
		heap_free(&heap, p[i]);
}

/* The kmalloc family on the kernel heap object. */
static void test_kernel_api(void **state)
{
	(void)state;
	heap_init(heap_kernel(), &source, hook);
	char *a = kmalloc(40), *b = kcalloc(10, 10), *c = kmalloc_aligned(100, 256);
	assert_int_equal(b[99], 0);
	assert_int_equal((uintptr_t)c % 256, 0);
	assert_int_equal(ksize(a), 64);
	a = krealloc(a, 3000);
	assert_int_equal(ksize(a), 4096 - 64);
	kfree(a);
	kfree(b);
	kfree(c);
	assert_null(kcalloc(SIZE_MAX, 2));
	heap_trim(heap_kernel());
	assert_int_equal(src_state.pages_out, 0);
}

/* ---- Random runs against a model ------------------------------------------- */

#define SLOTS 3000

struct live {
	uint8_t *p;
	size_t n, have;
	uint8_t seed;
};

static struct live slot[SLOTS];
static struct live *by_addr[SLOTS]; /* live allocations sorted by address */
static size_t nlive;

static uint64_t rng;
static uint64_t next_rand(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

static size_t find_addr(const uint8_t *p)
{
	size_t lo = 0, hi = nlive;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (by_addr[mid]->p < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Record a new allocation: it must not overlap any live one. */
static void model_add(struct live *l)
{
	size_t i = find_addr(l->p);
	if ((i > 0 && by_addr[i - 1]->p + by_addr[i - 1]->have > l->p) ||
	    (i < nlive && l->p + l->have > by_addr[i]->p))
		fail_msg("%p (%zu bytes) overlaps a live allocation", (void *)l->p, l->have);
	memmove(&by_addr[i + 1], &by_addr[i], (nlive - i) * sizeof(by_addr[0]));
	by_addr[i] = l;
	nlive++;
}

static void model_remove(struct live *l)
{
	size_t i = find_addr(l->p);
	assert_ptr_equal(by_addr[i], l);
	memmove(&by_addr[i], &by_addr[i + 1], (nlive - i - 1) * sizeof(by_addr[0]));
	nlive--;
}

/* One in 16 anything up to 68 KiB, one in 16 around the small/large
 * boundary, the rest small, every class alike. */
static size_t random_size(void)
{
	uint64_t r = next_rand();
	return r % 16 == 0   ? (r >> 8) % 70000
	       : r % 16 == 1 ? 2040 + (r >> 8) % 16
	                     : (r >> 8) % (16u << (r >> 4) % 8);
}

static void random_alloc(struct live *l)
{
	size_t n = random_size();
	uint64_t r = next_rand();
	if (r % 8 == 0) {
		size_t align = (size_t)1 << (r >> 3) % 13;
		l->p = heap_alloc_aligned(&heap, n, align);
		assert_int_equal((uintptr_t)l->p % align, 0);
	} else if (r % 8 == 1) {
		l->p = heap_calloc(&heap, 1, n);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(l->p[i], 0);
	} else {
		l->p = heap_alloc(&heap, n);
		check_one(l->p, n);
	}
	assert_non_null(l->p);
	l->n = n;
	l->have = heap_usable_size(&heap, l->p);
	l->seed = (uint8_t)(r >> 32);
	fill(l->p, n, l->seed);
	model_add(l);
}

static void random_run(uint64_t seed, unsigned ops)
{
	rng = seed;
	nlive = 0;
	memset(slot, 0, sizeof(slot));
	struct heap_stats s0 = stats();
	for (unsigned op = 0; op < ops; op++) {
		struct live *l = &slot[next_rand() % SLOTS];
		if (!l->p) {
			random_alloc(l);
		} else if (next_rand() % 8 == 0) { /* krealloc */
			size_t n = random_size(), keep = n < l->n ? n : l->n;
			verify(l->p, l->n, l->seed);
			model_remove(l);
			l->p = heap_realloc(&heap, l->p, n);
			assert_non_null(l->p);
			verify(l->p, keep, l->seed);
			fill(l->p, n, l->seed);
			l->n = n;
			l->have = heap_usable_size(&heap, l->p);
			model_add(l);
		} else {
			verify(l->p, l->n, l->seed);
			model_remove(l);
			heap_free(&heap, l->p);
			l->p = NULL;
		}
		if (op % 20000 == 0) {
			struct heap_stats s = stats();
			uint64_t live_small = 0;
			for (size_t i = 0; i < nlive; i++)
				live_small += by_addr[i]->have <= HEAP_MAX_SMALL;
			assert_int_equal(s.allocs - s.frees, nlive);
			assert_int_equal(s.allocs - s.frees - s.large_count, live_small);
		}
	}
	for (size_t i = 0; i < SLOTS; i++)
		if (slot[i].p) {
			verify(slot[i].p, slot[i].n, slot[i].seed);
			heap_free(&heap, slot[i].p);
		}
	heap_trim(&heap);
	struct heap_stats s = stats();
	assert_int_equal(s.pages, s0.pages);
	assert_int_equal(s.bytes_in_use, 0);
	assert_int_equal(s.allocs, s.frees);
}

static void test_random(void **state)
{
	(void)state;
	random_run(1, 120000);
	random_run(0x9e3779b97f4a7c15ull, 120000);
}

/* ---- Debug checks ------------------------------------------------------------- */

static void test_double_free(void **state)
{
	(void)state;
	void *keep = heap_alloc(&heap, 32), *a = heap_alloc(&heap, 32);
	heap_free(&heap, a);
	EXPECT_PANIC(heap_free(&heap, a), "double free: the 32-byte object is already free");
	void *big = heap_alloc(&heap, 10000);
	heap_free(&heap, big);
	EXPECT_PANIC(heap_free(&heap, big), "double free of a large allocation");
	/* Free the last object of a slab beyond the reserve: the slab goes back. */
	void *b = heap_alloc(&heap, 512), *c = heap_alloc(&heap, 1024);
	heap_free(&heap, keep);
	heap_free(&heap, b);
	heap_free(&heap, c);
	heap_trim(&heap);
	EXPECT_PANIC(heap_free(&heap, b), "was already given back");
	EXPECT_PANIC(heap_usable_size(&heap, c), "ksize");
}

static void test_bad_pointers(void **state)
{
	(void)state;
	static _Alignas(HEAP_BLOCK_SIZE) uint8_t foreign[2 * HEAP_BLOCK_SIZE];
	uint8_t *a = heap_alloc(&heap, 64), *big = heap_alloc(&heap, 40000);
	uint8_t *slab = (uint8_t *)((uintptr_t)a & ~(uintptr_t)(HEAP_BLOCK_SIZE - 1));
	EXPECT_PANIC(heap_free(&heap, foreign + 100), "not a heap pointer");
	EXPECT_PANIC(heap_free(&heap, a + 16), "not the start of an object (64-byte objects");
	EXPECT_PANIC(heap_free(&heap, a + 1), "not the start of an object");
	EXPECT_PANIC(heap_free(&heap, slab + 64), "points into the header of the slab");
	EXPECT_PANIC(heap_free(&heap, slab), "points into the header of the slab");
	EXPECT_PANIC(heap_free(&heap, big + 64), "not the start of the large allocation");
	EXPECT_PANIC(heap_free(&heap, big - 64), "not the start of the large allocation");
	EXPECT_PANIC(heap_free(&heap, big + 20000), "not a heap pointer");
	EXPECT_PANIC(heap_realloc(&heap, a + 8, 100), "krealloc");
	/* A refused free changes nothing. */
	struct heap_stats before = stats();
	panic_returns = true;
	heap_free(&heap, a + 32);
	heap_free(&heap, foreign);
	panic_returns = false;
	struct heap_stats after = stats();
	assert_memory_equal(&before, &after, sizeof(before));
	heap_free(&heap, a);
	heap_free(&heap, big);
}

static void test_corrupted_headers(void **state)
{
	(void)state;
	uint8_t *a = heap_alloc(&heap, 128), *b = heap_alloc(&heap, 128);
	struct heap_slab *s = (void *)((uintptr_t)a & ~(uintptr_t)(HEAP_BLOCK_SIZE - 1));
	uint64_t tag = s->tag;
	s->tag ^= 1;
	EXPECT_PANIC(heap_free(&heap, a), "a corrupted header");
	s->tag = tag;
	s->cls = 200;
	EXPECT_PANIC(heap_free(&heap, a), "corrupted slab header");
	s->cls = (uint8_t)heap_class_of(128);
	s->inuse = 5000;
	EXPECT_PANIC(heap_free(&heap, a), "5000 objects in use");
	s->inuse = 0;
	EXPECT_PANIC(heap_free(&heap, a), "count is 0");
	s->inuse = 2;
	heap_free(&heap, a);
	heap_free(&heap, b);

	uint8_t *big = heap_alloc(&heap, 9000);
	struct heap_large *l = (void *)(big - HEAP_LARGE_ALIGN);
	l->tag ^= 1ull << 40;
	EXPECT_PANIC(heap_free(&heap, big), "not a heap pointer");
	l->tag ^= 1ull << 40;
	l->prev = l;
	EXPECT_PANIC(heap_free(&heap, big), "corrupted large-allocation");
	l->prev = NULL;
	heap_free(&heap, big);
	assert_int_equal(stats().bytes_in_use, 0);
}

/* A write into a free object is caught when it would be handed out again. */
static void test_write_after_free(void **state)
{
	(void)state;
	uint64_t *a = heap_alloc(&heap, 256), *keep = heap_alloc(&heap, 256);
	heap_free(&heap, a);
	a[1] = 42; /* the poison word */
	EXPECT_PANIC(heap_alloc(&heap, 200), "written after it was freed");
	a[1] = 0xf4eef4eef4eef4eeull;
	a[0] = 0x1234; /* the free-list link, to outside the slab */
	EXPECT_PANIC(heap_alloc(&heap, 200), "written after it was freed");
	panic_returns = true;
	assert_null(heap_alloc(&heap, 200));
	panic_returns = false;
	EXPECT_PANIC(heap_check(&heap), "");
	heap_free(&heap, keep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_class_boundaries, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_zero_size, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_aligned, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_zeroed, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_resize, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_empty_slabs_returned, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_kernel_api, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_random, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_double_free, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_pointers, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_corrupted_headers, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_write_after_free, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
