/*
 * The kernel heap: kmalloc, kfree, kcalloc, krealloc, kmalloc_aligned.
 *
 * Small requests (up to 2048 bytes) are served by slab caches, one per power
 * of two from 16 to 2048 bytes; larger ones by a run of pages with a 64-byte
 * header at its start. Every slab and every large run is a block of whole
 * pages aligned to HEAP_BLOCK_SIZE (16 KiB) that starts with a header, so
 * kfree finds the header of any pointer it is given by masking the pointer
 * to 16 KiB; both alloc and free of a small object are O(1).
 *
 * Invariant: every object of every slab is either on its slab's free list
 * with its bit clear in the slab's bitmap, or handed out with its bit set;
 * a slab is on its class's partial list exactly when it has a free object.
 *
 * Alignment (documented contract):
 *  - kmalloc(n), 0 < n <= 2048: the object's class size, the smallest power
 *    of two >= max(n, 16), and it is aligned to that size (natural
 *    alignment: kmalloc(64) is 64-byte aligned, kmalloc(24) 32-byte);
 *  - kmalloc(n), n > 2048: 64 bytes;
 *  - kmalloc_aligned(n, a), a a power of two <= 4096: at least a.
 * kmalloc(0) returns a unique 16-byte object (never NULL unless memory is
 * exhausted) that must be freed like any other; so NULL always means "out
 * of memory". kfree(NULL) does nothing.
 *
 * Debug checks (always on; each costs a compare or two on the fast path)
 * call the panic hook with a message saying which: double free (small: the
 * object's bit; large: a "freed" tag left in the header), a foreign pointer
 * (no slab or large header at the pointer's 16 KiB boundary), a pointer into
 * a slab header or not at the start of an object, a corrupted slab header
 * (magic, class, in-use count out of range), a corrupted large header (tag,
 * list links), and a freed object written to (its free-list link or the
 * poison word in its second 8 bytes) when it is handed out again. The tags
 * mix the block's own address in, so a copy of a header elsewhere, or user
 * data that happens to look like one, does not pass.
 *
 * Not thread-safe: one CPU, and no interrupt handler allocates yet. SMP
 * plan: one spinlock (the `lock` slot in struct heap) around everything,
 * later per-CPU object caches in front of it.
 *
 * Pure C: runs in the kernel (pages from the page-frame allocator through the
 * direct map) and in host tests (any heap_page_source).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAP_PAGE_SIZE     4096u
#define HEAP_BLOCK_SHIFT   14
#define HEAP_BLOCK_SIZE    (1u << HEAP_BLOCK_SHIFT) /* one slab; alignment of every block */
#define HEAP_BLOCK_PAGES   (HEAP_BLOCK_SIZE / HEAP_PAGE_SIZE)
#define HEAP_MIN_SHIFT     4 /* smallest class: 16 bytes */
#define HEAP_NCLASSES      8 /* 16, 32, ..., 2048 */
#define HEAP_MAX_SMALL     (1u << (HEAP_MIN_SHIFT + HEAP_NCLASSES - 1))
#define HEAP_LARGE_ALIGN   64u   /* data offset of a large allocation: its header's size */
#define HEAP_MAX_ALIGN     4096u /* kmalloc_aligned's limit */
#define HEAP_EMPTY_RESERVE 1     /* empty slabs a class keeps instead of freeing */
#define HEAP_BITMAP_WORDS  (HEAP_BLOCK_SIZE >> HEAP_MIN_SHIFT >> 6)

/*
 * Where the heap's pages come from. alloc returns `pages` contiguous 4 KiB
 * pages aligned to HEAP_BLOCK_SIZE (virtual address), or NULL; free gives
 * back exactly a run alloc returned. The kernel's source is the page-frame
 * allocator through the direct map; host tests use posix_memalign.
 */
struct heap_page_source {
	void *(*alloc)(void *ctx, size_t pages);
	void (*free)(void *ctx, void *block, size_t pages);
	void *ctx;
};

/*
 * Called on a broken invariant with a one-line message (the kernel passes
 * panic()). If it returns (host tests), the call is abandoned: a refused
 * kfree changes nothing, and an allocation that found a corrupted free list
 * returns NULL.
 */
typedef void (*heap_panic_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A slab: the header at the start of its 16 KiB block. Private to heap.c. */
struct heap_slab {
	uint64_t tag; /* HEAP_SLAB_KEY ^ own address */
	uint8_t cls;  /* class index */
	uint8_t pad;
	uint16_t inuse; /* objects handed out */
	uint32_t pad2;
	void *free;                       /* first free object; each holds the next, and
	                                   * the slab's own address ends the list */
	struct heap_slab *next, *prev;    /* partial list (both NULL while full) */
	uint64_t used[HEAP_BITMAP_WORDS]; /* bit (offset >> class shift): handed out */
};

/* Per size class. */
struct heap_class {
	struct heap_slab *partial; /* slabs with a free object; new ones first */
	uint32_t size, shift;      /* object size = 1 << shift */
	uint32_t first;            /* offset of the first object in a slab */
	uint32_t nobj;             /* objects per slab */
	uint64_t slabs, empty;     /* slabs held, of which empty (<= reserve) */
	uint64_t allocs, frees;    /* cumulative; objects handed out: allocs - frees */
	uint64_t pad;              /* 64 bytes: indexing by class is a shift */
};
_Static_assert(sizeof(struct heap_class) == 64, "heap_class size");

/* Header of a large allocation, at the start of its run. */
struct heap_large {
	uint64_t tag;    /* HEAP_LARGE_KEY ^ own address */
	uint32_t offset; /* the pointer handed out is block + offset */
	uint32_t pad;
	uint64_t pages;                 /* length of the run */
	uint64_t size;                  /* bytes requested */
	struct heap_large *next, *prev; /* all live large allocations */
	uint64_t reserved[2];
};
_Static_assert(sizeof(struct heap_large) == HEAP_LARGE_ALIGN, "large header size");

struct heap {
	uint32_t lock; /* reserved: the spinlock that will guard all of struct heap */
	struct heap_page_source src;
	heap_panic_fn panic;
	struct heap_class cls[HEAP_NCLASSES];
	struct heap_large *large;           /* live large allocations, newest first */
	uint64_t large_pages;               /* pages they hold */
	uint64_t large_bytes;               /* bytes they were asked for */
	uint64_t large_allocs, large_frees; /* cumulative */
	uint64_t large_granted;             /* cumulative usable bytes of large allocations */
	uint64_t requested;                 /* cumulative bytes asked for (all allocations) */
	uint64_t failures;                  /* allocations that returned NULL for lack of memory */
};

struct heap_class_stats {
	uint32_t size, objs_per_slab;
	uint64_t inuse, free; /* objects handed out / free in held slabs */
	uint64_t slabs, empty_slabs;
	uint64_t allocs, frees; /* cumulative */
};

struct heap_stats {
	struct heap_class_stats cls[HEAP_NCLASSES];
	uint64_t large_count, large_pages; /* live large allocations and their pages */
	uint64_t large_bytes;              /* bytes requested by those */
	uint64_t slab_pages;               /* pages held by slabs */
	uint64_t pages;                    /* all pages held: slab_pages + large_pages */
	uint64_t bytes_in_use;             /* class sizes of live objects + large_bytes */
	uint64_t allocs, frees;            /* cumulative, small and large */
	uint64_t bytes_requested;          /* cumulative */
	uint64_t bytes_allocated;          /* cumulative: class size or large size granted */
	uint64_t failures;
};

/* ---- One heap (host tests make several) ---------------------------------- */

/* Start an empty heap; nothing is allocated until the first request. */
void heap_init(struct heap *h, const struct heap_page_source *src, heap_panic_fn panic);
void *heap_alloc(struct heap *h, size_t size);
void *heap_alloc_aligned(struct heap *h, size_t size, size_t align);
void *heap_calloc(struct heap *h, size_t n, size_t size);
void *heap_realloc(struct heap *h, void *p, size_t size);
void heap_free(struct heap *h, void *p);
/* Bytes usable at p (>= the size asked for), with the same checks as free. */
size_t heap_usable_size(struct heap *h, const void *p);
/* Give every empty slab back, the reserve too. */
void heap_trim(struct heap *h);
void heap_stats(const struct heap *h, struct heap_stats *out);
/* Walk every partial slab and large header and check them against the
 * counters (O(heap)); calls the panic hook on the first problem. */
bool heap_check(struct heap *h);
/* Size class index for n bytes, 1 <= n <= HEAP_MAX_SMALL (for tests). */
unsigned heap_class_of(size_t n);

/* ---- The kernel's heap ---------------------------------------------------- */

/* The kernel's heap (kmalloc and friends use it). */
struct heap *heap_kernel(void);
/* The kernel heap's statistics, check and trim, under its lock (use these,
 * not heap_stats(heap_kernel()), once other CPUs run). */
void kheap_stats(struct heap_stats *out);
bool kheap_check_and_trim(void);
void kheap_trim(void);
#ifndef KESTREL_HOST
/* Start the kernel heap on the page-frame allocator (after mm_init). */
void heap_init_kernel(void);
/* Give CPU c its kmalloc magazine (a per-CPU cache of small objects) before
 * it starts; panics if the heap cannot. The boot CPU has one from
 * heap_init_kernel. */
struct cpu;
void kheap_init_cpu(struct cpu *c);
#endif

void *kmalloc(size_t size);
/* align: a power of two up to HEAP_MAX_ALIGN; anything else returns NULL. */
void *kmalloc_aligned(size_t size, size_t align);
/* n * size bytes, zeroed; NULL if n * size overflows. */
void *kcalloc(size_t n, size_t size);
/*
 * Resize p (NULL: like kmalloc). Keeps p when it already has room; otherwise
 * copies into a new allocation and frees p. On failure returns NULL and p is
 * untouched. size 0 is treated as 1 (krealloc never frees).
 */
void *krealloc(void *p, size_t size);
void kfree(void *p);
size_t ksize(const void *p);
