/*
 * libFuzzer target for the kernel heap (kernel/mm/heap.c): the input is a
 * page budget and then a program of heap operations on 64 slots.
 *
 *   byte 0        blocks the page source hands out before it fails (0: any)
 *   operations    an opcode byte, then operands (missing bytes read as 0):
 *                 op % 8 = 0..2  alloc:     slot, size (2 bytes; op bit 7:
 *                                           times 8, so up to 512 KiB)
 *                          3     aligned:   slot, size (2 bytes), log2 align
 *                          4     calloc:    slot, n, size (1 byte each; 255
 *                                           means SIZE_MAX: must overflow)
 *                          5     realloc:   slot, size (2 bytes)
 *                          6     free:      slot
 *                          7     check:     slot, offset: frees p + offset
 *                                           (1..15, never an object's start),
 *                                           which must panic and change
 *                                           nothing; then heap_check, stats
 *                                           against the model, and heap_trim
 *                                           when op bit 7 is set
 *
 * Every live allocation has its usable size and a byte pattern in the model;
 * results must be aligned as promised, never overlap a live allocation, and
 * keep their contents (checked at every free and realloc). Running out of
 * pages must return NULL cleanly. At the end everything is freed and the
 * heap, once trimmed, must hold no page. Any unexpected panic aborts.
 *
 * The seed (seeds/heap-ops.bin) is a budget of 0 and 400 operations from a
 * seeded generator (tests/fuzz/heap.cmake says how to remake it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/heap.h"

#define SLOTS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct input *in, unsigned bytes)
{
	unsigned v = 0;
	for (unsigned i = 0; i < bytes && in->n; i++, in->n--)
		v |= (unsigned)*in->p++ << (8 * i);
	return v;
}

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_heap: check failed: %s (line %d)\n", #cond,          \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* ---- Page source and panic hook ------------------------------------------ */

static long budget, pages_out;

static void *src_alloc(void *ctx, size_t pages)
{
	void *p;
	(void)ctx;
	if (budget == 0 || posix_memalign(&p, HEAP_BLOCK_SIZE, pages * HEAP_PAGE_SIZE) != 0)
		return NULL;
	if (budget > 0)
		budget--;
	pages_out += (long)pages;
	memset(p, 0x5a, pages * HEAP_PAGE_SIZE);
	return p;
}

static void src_free(void *ctx, void *block, size_t pages)
{
	(void)ctx;
	pages_out -= (long)pages;
	CHECK(pages_out >= 0);
	free(block);
}

static bool panic_expected;
static jmp_buf panic_jmp;

static void hook(const char *fmt, ...)
{
	if (panic_expected) {
		panic_expected = false;
		longjmp(panic_jmp, 1);
	}
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fuzz_heap: unexpected panic: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

/* ---- The model -------------------------------------------------------------- */

struct live {
	uint8_t *p;
	size_t n, have;
	uint8_t seed;
};

static struct heap heap;
static struct live slot[SLOTS];
static uint64_t large_live;

/* The pattern covers the first and last 256 bytes and one byte in 256
 * between: overlaps are checked directly, this catches stray writes. */
static size_t next_byte(size_t i, size_t n)
{
	return i < 256 || i + 257 >= n ? i + 1 : i + 256 < n - 256 ? i + 256 : n - 256;
}

static void fill(const struct live *l)
{
	for (size_t i = 0; i < l->n; i = next_byte(i, l->n))
		l->p[i] = (uint8_t)(l->seed + i);
}

/* The pattern's bytes below n (n <= l->n: what a shrinking realloc keeps). */
static void verify(const struct live *l, size_t n)
{
	for (size_t i = 0; i < n; i = next_byte(i, l->n))
		CHECK(l->p[i] == (uint8_t)(l->seed + i));
}

/* A result for slot s of n bytes with at least align alignment. */
static void took(unsigned s, void *p, size_t n, size_t align, uint8_t seed)
{
	struct live *l = &slot[s];
	if (!p)
		return;
	l->p = p;
	l->n = n;
	l->have = heap_usable_size(&heap, p);
	l->seed = seed;
	CHECK(l->have >= n && l->have > 0 && (uintptr_t)p % align == 0);
	CHECK((uintptr_t)p % (l->have <= HEAP_MAX_SMALL ? l->have : HEAP_LARGE_ALIGN) == 0);
	for (unsigned i = 0; i < SLOTS; i++)
		CHECK(i == s || !slot[i].p || slot[i].p >= l->p + l->have ||
		      l->p >= slot[i].p + slot[i].have);
	large_live += l->have > HEAP_MAX_SMALL;
	fill(l);
}

static void release(unsigned s)
{
	struct live *l = &slot[s];
	verify(l, l->n);
	large_live -= l->have > HEAP_MAX_SMALL;
	heap_free(&heap, l->p);
	l->p = NULL;
}

static void check_model(void)
{
	struct heap_stats st;
	uint64_t live = 0;
	CHECK(heap_check(&heap));
	heap_stats(&heap, &st);
	for (unsigned i = 0; i < SLOTS; i++)
		live += slot[i].p != NULL;
	CHECK(st.allocs - st.frees == live);
	CHECK(st.large_count == large_live);
	CHECK(st.pages == (uint64_t)pages_out);
}

/* Free an address inside a live allocation: refused, nothing changes. */
static void bad_free(unsigned s, unsigned off)
{
	struct heap_stats before, after;
	if (!slot[s].p)
		return;
	heap_stats(&heap, &before);
	panic_expected = true;
	if (setjmp(panic_jmp) == 0) {
		heap_free(&heap, slot[s].p + 1 + off % 15);
		CHECK(!"a free inside an allocation did not panic");
	}
	heap_stats(&heap, &after);
	CHECK(memcmp(&before, &after, sizeof(before)) == 0);
}

static void run_op(struct input *in, unsigned op)
{
	unsigned s = take(in, 1) % SLOTS;
	uint8_t seed = (uint8_t)(op * 31 + s);
	if (slot[s].p && op % 8 < 5) /* the slot is reused: free its allocation */
		release(s);
	switch (op % 8) {
	case 0:
	case 1:
	case 2: {
		size_t n = take(in, 2) * (op & 0x80 ? 8u : 1u);
		took(s, heap_alloc(&heap, n), n, 16, seed);
		break;
	}
	case 3: {
		size_t n = take(in, 2), align = (size_t)1 << take(in, 1) % 14;
		void *p = heap_alloc_aligned(&heap, n, align);
		CHECK(p || align > HEAP_MAX_ALIGN || budget == 0);
		took(s, p, n, align, seed);
		break;
	}
	case 4: {
		unsigned a = take(in, 1), b = take(in, 1);
		size_t n = a == 255 ? SIZE_MAX : a, sz = b == 255 ? SIZE_MAX : b;
		uint8_t *p = heap_calloc(&heap, n, sz);
		if (a == 255 && b > 1)
			CHECK(!p);
		for (size_t i = 0; p && i < n * sz; i++)
			CHECK(p[i] == 0);
		took(s, p, p ? n * sz : 0, 16, seed);
		break;
	}
	case 5: {
		size_t n = take(in, 2) * (op & 0x80 ? 8u : 1u);
		struct live *l = &slot[s];
		if (!l->p) {
			took(s, heap_realloc(&heap, NULL, n), n, 16, seed);
			break;
		}
		verify(l, l->n);
		uint8_t *p = heap_realloc(&heap, l->p, n);
		if (!p)
			break; /* out of pages: the old allocation stays */
		struct live old = *l;
		large_live -= old.have > HEAP_MAX_SMALL;
		l->p = NULL;
		old.p = p;
		verify(&old, n < old.n ? n : old.n);
		took(s, p, n, 16, old.seed);
		break;
	}
	case 6:
		if (slot[s].p)
			release(s);
		break;
	case 7:
		bad_free(s, take(in, 1));
		check_model();
		if (op & 0x80)
			heap_trim(&heap);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	static const struct heap_page_source src = {src_alloc, src_free, NULL};

	budget = take(&in, 1);
	budget = budget ? budget : -1;
	pages_out = 0;
	large_live = 0;
	memset(slot, 0, sizeof(slot));
	heap_init(&heap, &src, hook);
	for (unsigned ops = 0; in.n && ops < 2000; ops++)
		run_op(&in, take(&in, 1));
	check_model();
	for (unsigned i = 0; i < SLOTS; i++)
		if (slot[i].p)
			release(i);
	heap_trim(&heap);
	check_model();
	CHECK(pages_out == 0);
	return 0;
}
