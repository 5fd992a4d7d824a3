/*
 * The kernel heap (see heap.h for the contract). This file owns the slabs,
 * the size classes and the large-allocation headers.
 *
 * Layout. Every block the heap takes from its page source is 16 KiB
 * aligned and starts with a header whose first word is a tag: a key xor
 * the block's own address. A slab is one 16 KiB block: a 168-byte header
 * (counts, free list, one bit per object slot), then objects of one class
 * from the first multiple of the class size past the header, so each object
 * is naturally aligned (16-byte objects: 1013 per slab; 2048-byte: 7). A
 * large allocation is a run of pages with a 64-byte header at its start and
 * the data at offset 64 (or at the alignment asked for, up to 4096). So for
 * any pointer the heap handed out, masking it to 16 KiB gives its header;
 * the tag says which kind, and that it really is one.
 *
 * Fast paths. kmalloc maps the size to a class with one clz, pops the first
 * object of the class's first partial slab and sets its bit; kfree masks,
 * checks the tag, the class, the offset, the bit and the count, clears the
 * bit and pushes the object. A slab leaves its class's partial list when its
 * last object goes and rejoins it (at the head) when one comes back; a slab
 * that empties is given back to the page source unless the class has fewer
 * than HEAP_EMPTY_RESERVE empty slabs, so a class that churns around one
 * object does not take and return a page run each time.
 *
 * Checks. A free object keeps its free-list link in its first word and
 * HEAP_POISON in its second; both are checked when it is handed out again,
 * which catches most writes after free. Every detected problem goes through
 * diagnose(), off the fast path, which works out what exactly is wrong and
 * calls the panic hook with a message naming it.
 */
#include "mm/heap.h"

#ifndef KESTREL_HOST
#include <boot/bootinfo.h>

#include "mm/phys.h"
#include "core/panic.h"
#include "mm/mm.h"
#endif

#define BLOCK_MASK      ((uintptr_t)HEAP_BLOCK_SIZE - 1)
#define SLAB_KEY        0x534c41424b657331ull /* tag of a live slab */
#define SLAB_FREED_KEY  0x534c414266726565ull /* a slab given back */
#define LARGE_KEY       0x4c4152474b657331ull /* tag of a live large allocation */
#define LARGE_FREED_KEY 0x4c41524766726565ull /* a large allocation freed */
#define HEAP_POISON     0xf4eef4eef4eef4eeull /* second word of every free object */
#define MAX_LARGE       ((size_t)1 << 46)     /* larger requests fail at once */

#define unlikely(x) __builtin_expect(!!(x), 0)

_Static_assert(sizeof(struct heap_slab) == 168, "slab header layout");
_Static_assert(HEAP_BITMAP_WORDS * 64 == HEAP_BLOCK_SIZE >> HEAP_MIN_SHIFT, "one bit per slot");

static struct heap kernel_heap;

static inline uint64_t tag_of(const void *block, uint64_t key)
{
	return (uintptr_t)block ^ key;
}

static void zero_words(void *dst, size_t bytes)
{
	uint64_t *w = dst;
	for (size_t i = 0; i < bytes / 8; i++)
		w[i] = 0;
}

static void copy_words(void *dst, const void *src, size_t bytes)
{
	uint64_t *d = dst;
	const uint64_t *s = src;
	for (size_t i = 0; i < bytes / 8; i++)
		d[i] = s[i];
}

unsigned heap_class_of(size_t n)
{
	/* 1..16 -> 0, 17..32 -> 1, ..., 1025..2048 -> 7. */
	return 60u - (unsigned)__builtin_clzll((uint64_t)((n - 1) | 15));
}

void heap_init(struct heap *h, const struct heap_page_source *src, heap_panic_fn panic)
{
	*h = (struct heap){.src = *src, .panic = panic};
	for (unsigned i = 0; i < HEAP_NCLASSES; i++) {
		struct heap_class *c = &h->cls[i];
		c->shift = HEAP_MIN_SHIFT + i;
		c->size = 1u << c->shift;
		c->first = (uint32_t)((sizeof(struct heap_slab) + c->size - 1) & ~(c->size - 1));
		c->nobj = (HEAP_BLOCK_SIZE - c->first) >> c->shift;
	}
}

/* ---- Diagnosis (slow path) ---------------------------------------------- */

/* What is wrong with handing p to op? Calls the panic hook; false if nothing. */
static bool diagnose_slab(struct heap *h, const void *p, const char *op)
{
	const struct heap_slab *s = (const void *)((uintptr_t)p & ~BLOCK_MASK);
	uintptr_t off = (uintptr_t)p & BLOCK_MASK;

	if (s->cls >= HEAP_NCLASSES) {
		h->panic("heap: corrupted slab header at %p: class %u", (const void *)s, s->cls);
		return true;
	}
	const struct heap_class *c = &h->cls[s->cls];
	unsigned idx = (unsigned)(off >> c->shift);
	if (s->inuse > c->nobj) {
		h->panic("heap: corrupted slab header at %p: %u objects in use of %u",
		         (const void *)s, s->inuse, c->nobj);
	} else if (off < c->first) {
		h->panic("heap: %s(%p): points into the header of the slab at %p", op, p,
		         (const void *)s);
	} else if (off & (c->size - 1)) {
		h->panic("heap: %s(%p): not the start of an object (%u-byte objects, slab at %p)",
		         op, p, c->size, (const void *)s);
	} else if (!(s->used[idx / 64] & (1ull << (idx % 64)))) {
		h->panic("heap: %s(%p): double free: the %u-byte object is already free", op, p,
		         c->size);
	} else if (s->inuse == 0) {
		h->panic("heap: corrupted slab header at %p: %p is marked in use, count is 0",
		         (const void *)s, p);
	} else {
		return false;
	}
	return true;
}

/* Neighbours are other large headers: 16 KiB aligned, and linked back to l. */
static bool large_links_ok(const struct heap *h, const struct heap_large *l)
{
	if ((((uintptr_t)l->prev | (uintptr_t)l->next) & BLOCK_MASK) || l->pages == 0 ||
	    l->offset < HEAP_LARGE_ALIGN || l->offset > HEAP_MAX_ALIGN ||
	    (l->offset & (l->offset - 1)))
		return false;
	return (l->prev ? l->prev->next : h->large) == l && (!l->next || l->next->prev == l);
}

static bool diagnose(struct heap *h, const void *p, const char *op)
{
	const void *b = (const void *)((uintptr_t)p & ~BLOCK_MASK);
	uint64_t tag = *(const uint64_t *)b;

	if (tag == tag_of(b, SLAB_KEY))
		return diagnose_slab(h, p, op);
	if (tag == tag_of(b, SLAB_FREED_KEY)) {
		h->panic("heap: %s(%p): double free: its slab at %p was already given back", op, p,
		         b);
	} else if (tag == tag_of(b, LARGE_FREED_KEY)) {
		h->panic("heap: %s(%p): double free of a large allocation", op, p);
	} else if (tag != tag_of(b, LARGE_KEY)) {
		h->panic("heap: %s(%p): not a heap pointer: no slab or large header at %p "
		         "(a foreign pointer, or a corrupted header: tag 0x%llx)",
		         op, p, b, (unsigned long long)tag);
	} else if (!large_links_ok(h, b)) {
		h->panic("heap: corrupted large-allocation header at %p", b);
	} else if ((uintptr_t)p - (uintptr_t)b != ((const struct heap_large *)b)->offset) {
		h->panic("heap: %s(%p): not the start of the large allocation at %p", op, p,
		         (const void *)((const char *)b + ((const struct heap_large *)b)->offset));
	} else {
		return false;
	}
	return true;
}

/* ---- Slabs ---------------------------------------------------------------- */

static void partial_push(struct heap_class *c, struct heap_slab *s)
{
	s->prev = NULL;
	s->next = c->partial;
	if (c->partial)
		c->partial->prev = s;
	c->partial = s;
}

static void partial_unlink(struct heap_class *c, struct heap_slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		c->partial = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

static void *take_pages(struct heap *h, size_t pages)
{
	if (!h->src.alloc) {
		h->panic("heap: allocation before heap_init");
		return NULL;
	}
	void *b = h->src.alloc(h->src.ctx, pages);
	if (!b)
		h->failures++;
	return b;
}

/* A fresh slab for class c with every object on its free list, or NULL. */
static struct heap_slab *slab_new(struct heap *h, struct heap_class *c)
{
	struct heap_slab *s = take_pages(h, HEAP_BLOCK_PAGES);
	if (!s)
		return NULL;
	s->tag = tag_of(s, SLAB_KEY);
	s->cls = (uint8_t)(c - h->cls);
	s->inuse = 0;
	zero_words(s->used, sizeof(s->used));
	void **end = (void **)((char *)s + HEAP_BLOCK_SIZE);
	void **obj = (void **)((char *)s + c->first);
	s->free = obj;
	for (void **next; obj < end; obj = next) {
		next = (void **)((char *)obj + c->size);
		obj[0] = next < end ? (void *)next : (void *)s;
		obj[1] = (void *)HEAP_POISON;
	}
	partial_push(c, s);
	c->slabs++;
	c->empty++;
	return s;
}

static void slab_release(struct heap *h, struct heap_class *c, struct heap_slab *s)
{
	partial_unlink(c, s);
	s->tag = tag_of(s, SLAB_FREED_KEY);
	c->slabs--;
	c->empty--;
	h->src.free(h->src.ctx, s, HEAP_BLOCK_PAGES);
}

static __attribute__((noinline)) void *free_list_corrupt(struct heap *h, struct heap_slab *s,
                                                         void **obj)
{
	h->panic("heap: free %u-byte object %p in slab %p was written after it was freed "
	         "(link %p, poison word 0x%llx)",
	         h->cls[s->cls].size, (void *)obj, (void *)s, obj[0],
	         (unsigned long long)(uintptr_t)obj[1]);
	return NULL;
}

static void *slab_alloc_slow(struct heap *h, unsigned ci, size_t req);

static inline __attribute__((always_inline)) void *slab_alloc(struct heap *h, unsigned ci,
                                                              size_t req)
{
	struct heap_class *c = &h->cls[ci];
	struct heap_slab *s = c->partial;

	if (unlikely(!s))
		return slab_alloc_slow(h, ci, req);
	void **obj = s->free;
	void *next = obj[0];
	if (unlikely((uintptr_t)obj[1] != HEAP_POISON ||
	             (((uintptr_t)next ^ (uintptr_t)s) & ~BLOCK_MASK)))
		return free_list_corrupt(h, s, obj);
	s->free = next;
	if (s->inuse++ == 0)
		c->empty--;
	unsigned idx = (unsigned)(((uintptr_t)obj & BLOCK_MASK) >> c->shift);
	s->used[idx / 64] |= 1ull << (idx % 64);
	if (next == (void *)s) { /* full: off the partial list (it is the head) */
		c->partial = s->next;
		if (s->next)
			s->next->prev = NULL;
		s->next = NULL;
	}
	c->allocs++;
	h->requested += req;
	return obj;
}

/* The class has no free object: a new slab first (kept off the fast path,
 * which then needs fewer registers). */
static __attribute__((noinline)) void *slab_alloc_slow(struct heap *h, unsigned ci, size_t req)
{
	return slab_new(h, &h->cls[ci]) ? slab_alloc(h, ci, req) : NULL;
}

/* ---- Large allocations ----------------------------------------------------- */

static __attribute__((noinline)) void *large_alloc(struct heap *h, size_t size, size_t offset)
{
	if (size > MAX_LARGE) {
		h->failures++;
		return NULL;
	}
	size_t pages = (offset + (size ? size : 1) + HEAP_PAGE_SIZE - 1) / HEAP_PAGE_SIZE;
	struct heap_large *l = take_pages(h, pages);
	if (!l)
		return NULL;
	*l = (struct heap_large){.tag = tag_of(l, LARGE_KEY),
	                         .offset = (uint32_t)offset,
	                         .pages = pages,
	                         .size = size,
	                         .next = h->large};
	if (h->large)
		h->large->prev = l;
	h->large = l;
	h->large_pages += pages;
	h->large_bytes += size;
	h->large_allocs++;
	h->large_granted += pages * HEAP_PAGE_SIZE - offset;
	h->requested += size;
	return (char *)l + offset;
}

/* Free p, which is not in a live slab: a large allocation, or a bad pointer. */
static __attribute__((noinline)) void free_other(struct heap *h, void *p)
{
	struct heap_large *l = (void *)((uintptr_t)p & ~BLOCK_MASK);
	if (diagnose(h, p, "kfree"))
		return;
	if (l->prev)
		l->prev->next = l->next;
	else
		h->large = l->next;
	if (l->next)
		l->next->prev = l->prev;
	h->large_pages -= l->pages;
	h->large_bytes -= l->size;
	h->large_frees++;
	l->tag = tag_of(l, LARGE_FREED_KEY);
	h->src.free(h->src.ctx, l, l->pages);
}

/* ---- The API ----------------------------------------------------------------- */

static inline __attribute__((always_inline)) void *alloc_in(struct heap *h, size_t size)
{
	if (size - 1 < HEAP_MAX_SMALL)
		return slab_alloc(h, heap_class_of(size), size);
	return size ? large_alloc(h, size, HEAP_LARGE_ALIGN) : slab_alloc(h, 0, 0);
}

void *heap_alloc(struct heap *h, size_t size)
{
	return alloc_in(h, size);
}

void *heap_alloc_aligned(struct heap *h, size_t size, size_t align)
{
	if (align == 0 || (align & (align - 1)) || align > HEAP_MAX_ALIGN)
		return NULL;
	size_t need = size > align ? size : align;
	if (need <= HEAP_MAX_SMALL) /* natural alignment of the class does it */
		return slab_alloc(h, heap_class_of(need), size);
	return large_alloc(h, size, align > HEAP_LARGE_ALIGN ? align : HEAP_LARGE_ALIGN);
}

static inline __attribute__((always_inline)) void free_in(struct heap *h, void *p)
{
	struct heap_slab *s = (void *)((uintptr_t)p & ~BLOCK_MASK);
	uintptr_t off = (uintptr_t)p & BLOCK_MASK;

	if (unlikely(!p))
		return;
	if (unlikely(s->tag != tag_of(s, SLAB_KEY) || s->cls >= HEAP_NCLASSES))
		return free_other(h, p);
	struct heap_class *c = &h->cls[s->cls];
	unsigned idx = (unsigned)(off >> c->shift);
	uint64_t *w = &s->used[idx / 64], bit = 1ull << (idx % 64);
	if (unlikely(off < c->first || (off & (c->size - 1)) || !(*w & bit) ||
	             (unsigned)s->inuse - 1 >= c->nobj)) {
		diagnose(h, p, "kfree");
		return;
	}
	*w &= ~bit;
	void **obj = p;
	obj[0] = s->free;
	obj[1] = (void *)HEAP_POISON;
	if (s->free == (void *)s) /* was full */
		partial_push(c, s);
	s->free = obj;
	c->frees++;
	if (--s->inuse == 0 && ++c->empty > HEAP_EMPTY_RESERVE)
		slab_release(h, c, s);
}

void heap_free(struct heap *h, void *p)
{
	free_in(h, p);
}

/* Usable bytes at p; 0 after diagnosing a bad pointer (for op). */
static size_t usable(struct heap *h, const void *p, const char *op)
{
	const uint64_t *b = (const void *)((uintptr_t)p & ~BLOCK_MASK);
	if (!p || diagnose(h, p, op))
		return 0;
	if (*b == tag_of(b, SLAB_KEY))
		return h->cls[((const struct heap_slab *)b)->cls].size;
	const struct heap_large *l = (const void *)b;
	return l->pages * HEAP_PAGE_SIZE - l->offset;
}

size_t heap_usable_size(struct heap *h, const void *p)
{
	return usable(h, p, "ksize");
}

void *heap_calloc(struct heap *h, size_t n, size_t size)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes)) {
		h->failures++;
		return NULL;
	}
	void *p = heap_alloc(h, bytes);
	if (p) /* objects and large data are multiples of 16 bytes long */
		zero_words(p, (bytes + 7) & ~(size_t)7);
	return p;
}

void *heap_realloc(struct heap *h, void *p, size_t size)
{
	if (!p)
		return heap_alloc(h, size);
	size_t have = usable(h, p, "krealloc");
	if (have == 0)
		return NULL; /* bad pointer: diagnosed */
	struct heap_large *l = (void *)((uintptr_t)p & ~BLOCK_MASK);
	bool large = l->tag == tag_of(l, LARGE_KEY);
	if (size == 0)
		size = 1;
	if (size <= have) {
		if (large) {
			h->large_bytes += size - l->size;
			l->size = size;
		}
		return p;
	}
	void *q = large ? heap_alloc_aligned(h, size, l->offset) : heap_alloc(h, size);
	if (!q)
		return NULL;
	copy_words(q, p, have);
	heap_free(h, p);
	return q;
}

void heap_trim(struct heap *h)
{
	for (unsigned i = 0; i < HEAP_NCLASSES; i++) {
		struct heap_class *c = &h->cls[i];
		for (struct heap_slab *s = c->partial, *next; s && c->empty; s = next) {
			next = s->next;
			if (s->inuse == 0)
				slab_release(h, c, s);
		}
	}
}

void heap_stats(const struct heap *h, struct heap_stats *out)
{
	*out = (struct heap_stats){.large_pages = h->large_pages,
	                           .large_bytes = h->large_bytes,
	                           .failures = h->failures};
	for (unsigned i = 0; i < HEAP_NCLASSES; i++) {
		const struct heap_class *c = &h->cls[i];
		struct heap_class_stats *cs = &out->cls[i];
		*cs = (struct heap_class_stats){.size = c->size,
		                                .objs_per_slab = c->nobj,
		                                .inuse = c->allocs - c->frees,
		                                .slabs = c->slabs,
		                                .empty_slabs = c->empty,
		                                .allocs = c->allocs,
		                                .frees = c->frees};
		cs->free = c->slabs * c->nobj - cs->inuse;
		out->slab_pages += c->slabs * HEAP_BLOCK_PAGES;
		out->bytes_in_use += cs->inuse * c->size;
		out->bytes_allocated += c->allocs * c->size;
		out->allocs += c->allocs;
		out->frees += c->frees;
	}
	out->large_count = h->large_allocs - h->large_frees;
	out->pages = out->slab_pages + h->large_pages;
	out->bytes_in_use += h->large_bytes;
	out->bytes_allocated += h->large_granted;
	out->allocs += h->large_allocs;
	out->frees += h->large_frees;
	out->bytes_requested = h->requested;
}

/* ---- Consistency check (tests) ------------------------------------------------ */

static bool check_slab(struct heap *h, const struct heap_class *c, struct heap_slab *s,
                       const struct heap_slab *prev)
{
	unsigned bits = 0, nfree = 0;
	if (((uintptr_t)s & BLOCK_MASK) || s->tag != tag_of(s, SLAB_KEY) || s->cls != c - h->cls ||
	    s->prev != prev || s->inuse >= c->nobj) {
		h->panic("heap_check: bad header in slab %p on the %u-byte list", (void *)s,
		         c->size);
		return false;
	}
	for (unsigned i = 0; i < HEAP_BITMAP_WORDS; i++)
		bits += (unsigned)__builtin_popcountll(s->used[i]);
	for (void **o = s->free; o != (void *)s; o = o[0]) {
		uintptr_t off = (uintptr_t)o & BLOCK_MASK;
		unsigned idx = (unsigned)(off >> c->shift);
		if (++nfree > c->nobj || (((uintptr_t)o ^ (uintptr_t)s) & ~BLOCK_MASK) ||
		    off < c->first || (off & (c->size - 1)) ||
		    (s->used[idx / 64] >> (idx % 64) & 1) || (uintptr_t)o[1] != HEAP_POISON) {
			h->panic("heap_check: slab %p: free list broken at %p", (void *)s,
			         (void *)o);
			return false;
		}
	}
	if (bits != s->inuse || nfree != c->nobj - s->inuse) {
		h->panic("heap_check: slab %p: %u in use, %u bits set, %u on the free list",
		         (void *)s, s->inuse, bits, nfree);
		return false;
	}
	return true;
}

static bool check_class(struct heap *h, const struct heap_class *c)
{
	uint64_t partial = 0, inuse = 0, empty = 0;
	for (struct heap_slab *s = c->partial, *prev = NULL; s; prev = s, s = s->next) {
		if (++partial > c->slabs || !check_slab(h, c, s, prev)) {
			if (partial > c->slabs)
				h->panic("heap_check: %u-byte list longer than its slab count",
				         c->size);
			return false;
		}
		inuse += s->inuse;
		empty += s->inuse == 0;
	}
	if (inuse + (c->slabs - partial) * c->nobj != c->allocs - c->frees || empty != c->empty) {
		h->panic("heap_check: %u-byte class: counts disagree with its slabs", c->size);
		return false;
	}
	return true;
}

bool heap_check(struct heap *h)
{
	for (unsigned i = 0; i < HEAP_NCLASSES; i++)
		if (!check_class(h, &h->cls[i]))
			return false;
	uint64_t n = 0, pages = 0, bytes = 0;
	for (const struct heap_large *l = h->large; l; l = l->next) {
		if (l->tag != tag_of(l, LARGE_KEY) || !large_links_ok(h, l) ||
		    ++n > h->large_allocs - h->large_frees) {
			h->panic("heap_check: bad large-allocation header at %p", (const void *)l);
			return false;
		}
		pages += l->pages;
		bytes += l->size;
	}
	if (n != h->large_allocs - h->large_frees || pages != h->large_pages ||
	    bytes != h->large_bytes) {
		h->panic("heap_check: large allocations disagree with the counters");
		return false;
	}
	return true;
}

/* ---- The kernel's heap -------------------------------------------------------- */

struct heap *heap_kernel(void)
{
	return &kernel_heap;
}

#ifdef KESTREL_HOST
/* Host tests: one thread, no locks, no per-CPU caches. */
#define KHEAP_LOCK() ((void)0)
#define KHEAP_UNLOCK() ((void)0)
static void mags_drain(void) {}
static uint64_t mags_bytes(void) { return 0; }

void *kmalloc(size_t size)
{
	return alloc_in(&kernel_heap, size);
}

void kfree(void *p)
{
	free_in(&kernel_heap, p);
}
#else
/*
 * The kernel heap on every CPU: one lock (kheap_lock) for the heap itself,
 * and in front of it a per-CPU cache ("magazine") of up to KMAG_SIZE free
 * objects per size class. kmalloc and kfree of small objects use only the
 * running CPU's magazine; the heap lock is taken once per KMAG_BATCH
 * objects moved between a magazine and the heap. Lock order: magazine,
 * then kheap, then pmm.
 *
 * A magazine's lock is a bare flag taken with preemption off, not a
 * spinlock: the fast path must stay a few dozen instructions, and only
 * kheap_trim (draining every CPU's magazine) ever contends for it. No
 * interrupt handler allocates, so interrupts stay on (docs/memory.md).
 *
 * Objects in a magazine count as allocated for the heap (their slot bit is
 * set), so the heap's checks still hold, and the magazine adds its own:
 * a kfree of an object already in the magazine is a double free; an
 * object's second word is poisoned while it waits there, checked when it
 * is handed out (write after free) and cleared then, so that only freed
 * objects carry the poison and kfree searches the magazine only for those.
 */
#include <stdatomic.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "lib/string.h"
#include "sync/spinlock.h"

#define KMAG_SIZE 16
#define KMAG_BATCH 8

static struct spinlock kheap_lock = SPINLOCK_INIT("kheap"); /* guards kernel_heap */
#define KHEAP_LOCK() spin_lock(&kheap_lock)
#define KHEAP_UNLOCK() spin_unlock(&kheap_lock)

struct kmag {
	_Atomic uint32_t busy; /* bit 0 guards count and obj; see above */
	uint32_t count[HEAP_NCLASSES];
	void *obj[HEAP_NCLASSES][KMAG_SIZE];
} __attribute__((aligned(64)));

/* The boot CPU's magazine; each other CPU's comes from the heap when it is
 * started (kheap_init_cpu), so only CPUs that exist have one, instead of
 * MAX_CPUS of them (68 KiB) in .bss that the loader zeroes on every boot. */
static struct kmag boot_mag;

/* Taking is lock bts (a full barrier, so at least acquire), dropping a
 * release store: what one holder wrote to the magazine is seen by the
 * next. */
static inline __attribute__((always_inline)) void mag_take(struct kmag *m)
{
	while (cpu_atomic_test_and_set_bit0((uint32_t *)&m->busy))
		cpu_pause();
}

static inline __attribute__((always_inline)) void mag_drop(struct kmag *m)
{
	atomic_store_explicit(&m->busy, 0, memory_order_release);
}

/* This CPU's magazine, taken, with preemption off so that the thread
 * stays on the CPU whose magazine it holds. struct cpu points at it (one
 * load, where an index would need a multiply). */
static inline __attribute__((always_inline)) struct kmag *mag_lock(void)
{
	percpu_preempt_disable();
	struct kmag *m = percpu_kmag();
	mag_take(m);
	return m;
}

static inline __attribute__((always_inline)) void mag_unlock(struct kmag *m)
{
	mag_drop(m);
	percpu_preempt_enable();
}

/* Give `keep`.. of class ci's cached objects back to the heap. */
static __attribute__((noinline)) void mag_spill(struct kmag *m, unsigned ci, uint32_t keep)
{
	KHEAP_LOCK();
	while (m->count[ci] > keep)
		free_in(&kernel_heap, m->obj[ci][--m->count[ci]]);
	KHEAP_UNLOCK();
}

static void mags_drain(void)
{
	for (uint32_t cpu = 0; cpu < percpu_count(); cpu++) {
		struct kmag *m = percpu_get(cpu)->kmag;
		if (!m)
			continue;
		percpu_preempt_disable();
		mag_take(m);
		for (unsigned ci = 0; ci < HEAP_NCLASSES; ci++)
			mag_spill(m, ci, 0);
		mag_drop(m);
		percpu_preempt_enable();
	}
}

static uint64_t mags_bytes(void)
{
	uint64_t n = 0;
	for (uint32_t cpu = 0; cpu < percpu_count(); cpu++) {
		struct kmag *m = percpu_get(cpu)->kmag;
		for (unsigned ci = 0; m && ci < HEAP_NCLASSES; ci++)
			n += (uint64_t)__atomic_load_n(&m->count[ci], __ATOMIC_RELAXED) *
			     kernel_heap.cls[ci].size;
	}
	return n;
}

/*
 * kmalloc and kfree of a small object are the fast paths; everything else
 * is in separate functions reached by a tail call, so that the fast paths
 * need no saved registers. An object handed out has its poison word
 * checked (written after it was freed?) and then cleared: a live object
 * must not carry the poison, or its kfree would search the magazine for a
 * double free every time.
 */

/* An object whose poison word changed in the magazine. */
static __attribute__((noinline, cold)) void *kmalloc_written(void **o, unsigned ci)
{
	kernel_heap.panic("kmalloc: cached %u-byte object %p was written after it was freed "
	                  "(poison word 0x%llx)", kernel_heap.cls[ci].size, (void *)o,
	                  (unsigned long long)(uintptr_t)o[1]);
	return NULL;
}

/* An object that leaves the magazine. */
static inline __attribute__((always_inline)) void *mag_out(void **o, unsigned ci)
{
	if (unlikely((uintptr_t)o[1] != HEAP_POISON))
		return kmalloc_written(o, ci);
	o[1] = NULL;
	return o;
}

/* The magazine is empty: a batch from the heap. */
static __attribute__((noinline)) void *kmalloc_refill(struct kmag *m, unsigned ci)
{
	KHEAP_LOCK();
	while (m->count[ci] < KMAG_BATCH) {
		void **o = slab_alloc(&kernel_heap, ci, kernel_heap.cls[ci].size);
		if (!o)
			break;
		o[1] = (void *)HEAP_POISON;
		m->obj[ci][m->count[ci]++] = o;
	}
	KHEAP_UNLOCK();
	void **o = m->count[ci] ? m->obj[ci][--m->count[ci]] : NULL;
	mag_unlock(m);
	return o ? mag_out(o, ci) : NULL;
}

/* Large, or 0 (a unique 16-byte object): the heap itself. */
static __attribute__((noinline)) void *kmalloc_heap(size_t size)
{
	KHEAP_LOCK();
	void *p = alloc_in(&kernel_heap, size);
	KHEAP_UNLOCK();
	return p;
}

void *kmalloc(size_t size)
{
	if (size - 1 >= HEAP_MAX_SMALL)
		return kmalloc_heap(size);
	unsigned ci = heap_class_of(size);
	struct kmag *m = mag_lock();
	uint32_t n = m->count[ci];
	if (unlikely(n == 0))
		return kmalloc_refill(m, ci);
	void **o = m->obj[ci][n - 1];
	m->count[ci] = n - 1;
	mag_unlock(m);
	return mag_out(o, ci);
}

/* Anything but a live slab object: the heap's own path, which diagnoses. */
static __attribute__((noinline)) void kfree_heap(void *p)
{
	KHEAP_LOCK();
	free_in(&kernel_heap, p);
	KHEAP_UNLOCK();
}

/* Into the magazine, which has room. */
static inline __attribute__((always_inline)) void mag_in(struct kmag *m, unsigned ci, void *p)
{
	((void **)p)[1] = (void *)HEAP_POISON;
	m->obj[ci][m->count[ci]++] = p;
	mag_unlock(m);
}

/* An object that carries the poison word: freed already, or (rarely) a
 * live one whose owner stored that value there. Only then is the magazine
 * searched; a hit is a double free. */
static __attribute__((noinline)) void kfree_poisoned(struct kmag *m, unsigned ci, void *p);

/* The magazine is full: half of it back to the heap first. */
static __attribute__((noinline)) void kfree_spill(struct kmag *m, unsigned ci, void *p)
{
	mag_spill(m, ci, KMAG_SIZE - KMAG_BATCH);
	mag_in(m, ci, p);
}

static void kfree_poisoned(struct kmag *m, unsigned ci, void *p)
{
	for (uint32_t i = 0; i < m->count[ci]; i++)
		if (m->obj[ci][i] == p)
			kernel_heap.panic("kfree: double free of %u-byte object %p "
			                  "(it is already in CPU %u's cache)",
			                  kernel_heap.cls[ci].size, p, this_cpu_index());
	if (m->count[ci] == KMAG_SIZE)
		mag_spill(m, ci, KMAG_SIZE - KMAG_BATCH);
	mag_in(m, ci, p);
}

void kfree(void *p)
{
	struct heap_slab *s = (void *)((uintptr_t)p & ~BLOCK_MASK);
	uintptr_t off = (uintptr_t)p & BLOCK_MASK;
	/* Only a well-formed live object of a slab goes to the magazine;
	 * anything else (large, NULL, a bad pointer, a double free to the
	 * heap) takes the heap's own path, which diagnoses. */
	if (!p || s->tag != tag_of(s, SLAB_KEY) || s->cls >= HEAP_NCLASSES) {
		kfree_heap(p);
		return;
	}
	unsigned ci = s->cls;
	const struct heap_class *c = &kernel_heap.cls[ci];
	unsigned idx = (unsigned)(off >> c->shift);
	if (off < c->first || (off & (c->size - 1)) ||
	    !(__atomic_load_n(&s->used[idx / 64], __ATOMIC_RELAXED) & (1ull << (idx % 64)))) {
		kfree_heap(p); /* diagnoses */
		return;
	}
	struct kmag *m = mag_lock();
	if (unlikely((uintptr_t)((void **)p)[1] == HEAP_POISON)) {
		kfree_poisoned(m, ci, p);
		return;
	}
	if (unlikely(m->count[ci] == KMAG_SIZE)) {
		kfree_spill(m, ci, p);
		return;
	}
	mag_in(m, ci, p);
}

/* The boot CPU's struct cpu points at its magazine (the other CPUs have
 * not started). */
static void mags_init(void)
{
	this_cpu()->kmag = &boot_mag;
}

void kheap_init_cpu(struct cpu *c)
{
	if (c->kmag)
		return;
	struct kmag *m = kmalloc_aligned(sizeof(*m), _Alignof(struct kmag));
	if (!m)
		panic("heap: no memory for the kmalloc magazine of CPU %u", c->index);
	memset(m, 0, sizeof(*m));
	c->kmag = m;
}
#endif

void kheap_stats(struct heap_stats *out)
{
	KHEAP_LOCK();
	heap_stats(&kernel_heap, out);
	KHEAP_UNLOCK();
	/* Objects waiting in the per-CPU caches are free for the caller. */
	out->bytes_in_use -= mags_bytes();
}

bool kheap_check_and_trim(void)
{
	mags_drain();
	KHEAP_LOCK();
	bool ok = heap_check(&kernel_heap);
	heap_trim(&kernel_heap);
	KHEAP_UNLOCK();
	return ok;
}

void kheap_trim(void)
{
	mags_drain();
	KHEAP_LOCK();
	heap_trim(&kernel_heap);
	KHEAP_UNLOCK();
}

#ifndef KESTREL_HOST
/* Blocks come from the page-frame allocator, HEAP_BLOCK_SIZE aligned, and
 * are reached through the direct map. */
static void *pmm_source_alloc(void *ctx, size_t pages)
{
	uint64_t pa = pmm_alloc_pages(ctx, pages, HEAP_BLOCK_PAGES);
	return pa ? phys_to_virt(pa) : NULL;
}

static void pmm_source_free(void *ctx, void *block, size_t pages)
{
	pmm_free_pages(ctx, (uintptr_t)block - BOOTINFO_DIRECT_MAP_OFFSET, pages);
}

void heap_init_kernel(void)
{
	struct heap_page_source src = {pmm_source_alloc, pmm_source_free, mm_pmm()};
	heap_init(&kernel_heap, &src, panic);
	mags_init();
}
#endif

void *kmalloc_aligned(size_t size, size_t align)
{
	KHEAP_LOCK();
	void *p = heap_alloc_aligned(&kernel_heap, size, align);
	KHEAP_UNLOCK();
	return p;
}
void *kcalloc(size_t n, size_t size)
{
	KHEAP_LOCK();
	void *p = heap_calloc(&kernel_heap, n, size);
	KHEAP_UNLOCK();
	return p;
}
void *krealloc(void *p, size_t size)
{
	KHEAP_LOCK();
	void *q = heap_realloc(&kernel_heap, p, size);
	KHEAP_UNLOCK();
	return q;
}
size_t ksize(const void *p)
{
	KHEAP_LOCK();
	size_t n = heap_usable_size(&kernel_heap, p);
	KHEAP_UNLOCK();
	return n;
}
