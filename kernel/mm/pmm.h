/*
 * The page-frame allocator: hands out 4 KiB physical pages, one at a time in
 * constant time, or contiguous and aligned runs, from the usable ranges of a
 * sanitized memory map (mm/memmap.h).
 *
 * Three layers (the block comment in pmm.c explains why):
 *  - a binary buddy allocator over 256 KiB chunks (64 pages), orders 0 to
 *    PMM_MAX_ORDER (1 GiB), whose free lists are threaded through the free
 *    blocks themselves;
 *  - a page layer: a chunk taken from the buddy is split into 64 pages
 *    tracked by 64-bit masks in its descriptor;
 *  - per CPU, a small LIFO stack of freed pages and a current chunk, whose
 *    free pages it takes in one go.
 * Invariant: every managed page is in exactly one place: inside a free buddy
 * block, free in a chunk, held by a CPU (its stack or mask), or allocated.
 * Page 0, memory the map does not call usable, and the allocator's own
 * metadata are never managed.
 *
 * Safe on every CPU at once given the hooks in struct pmm_sync. Pure C:
 * runs in the kernel and in host tests.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/memmap.h"

#define PMM_PAGE_SIZE        4096ull
#define PMM_CHUNK_SHIFT      18 /* 256 KiB chunks... */
#define PMM_CHUNK_PAGES      64 /* ...of 64 pages: one bit each in a uint64_t */
#define PMM_MAX_ORDER        12 /* largest buddy block: 2^12 chunks = 1 GiB */
#define PMM_ORDERS           (PMM_MAX_ORDER + 1)
#define PMM_MAX_CONTIG_PAGES ((size_t)PMM_CHUNK_PAGES << PMM_MAX_ORDER) /* 1 GiB */
#define PMM_MAX_CPUS         64 /* per-CPU page stacks (one per CPU index) */

enum {
	PMM_OK = 0,
	PMM_ERR_ARG = -1,   /* bad configuration, or pmm_reclaim_acpi called twice */
	PMM_ERR_NOMEM = -2, /* no usable memory, or none large enough for the metadata */
};

/*
 * Called on a broken invariant (double free, foreign free, corrupted free
 * list) with a one-line message. The kernel passes panic(); host tests
 * record the message and longjmp. If it returns, the call is abandoned: a
 * refused free leaves the allocator exactly as it was, a corrupted free-list
 * header leaves it unusable.
 */
typedef void (*pmm_panic_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * How the allocator is shared between CPUs (all optional: a NULL hook does
 * nothing, and without local_enter every caller is CPU 0, which is what a
 * single-threaded host test wants).
 *  - lock/unlock guard everything shared: the buddy lists, the partial
 *    list, chunk pools and states, and the counters;
 *  - local_enter/local_exit bracket use of the running CPU's own stack
 *    (nothing may interleave with it on that CPU); local_enter returns the
 *    running CPU's index, below PMM_MAX_CPUS.
 * The kernel's build of pmm.c does not use the local hooks: it disables
 * preemption inline and finds the CPU's struct pmm_cpu through struct cpu
 * (pmm_init points every CPU's at its own), so the kernel has one
 * allocator. The allocation bitmap (`alloc`) is updated with atomic
 * read-modify-writes, since the per-CPU fast paths change it without the
 * lock; the old bit returned by the atomic clear keeps the double-free
 * check exact when two CPUs free the same page at once.
 */
struct pmm_sync {
	void (*lock)(void *ctx);
	void (*unlock)(void *ctx);
	unsigned (*local_enter)(void);
	void (*local_exit)(void);
	void *ctx;
};

struct pmm_config {
	uint64_t virt_offset; /* virtual = physical + virt_offset: the direct map, which
	                       * must cover all memory below phys_limit */
	uint64_t phys_limit;  /* manage only memory below this (the direct map's size); 0: none */
	pmm_panic_fn panic;
	struct pmm_sync sync;
	/* Pages a CPU gives back to the shared chunks from a full stack per
	 * trip under the lock (1..PMM_CPU_PAGES/2; 0 means 1). Larger batches
	 * take the lock less often. */
	unsigned cpu_batch;
};

/* Per-chunk descriptor: private to pmm.c, here only for struct pmm's sizes.
 * Which of a chunk's pages are allocated is not in it but in the flat
 * bitmap struct pmm's `alloc` (one bit per page), so that the fast paths
 * address a page's bit by its page number alone. */
struct pmm_chunk {
	uint64_t pool;       /* bit i set: page i is free in this chunk (neither this
	                      * nor its `alloc` bit: held by a CPU, or not managed) */
	uint32_t next, prev; /* list of partly free chunks, by chunk number */
	uint8_t state;       /* who owns the chunk (pmm.c: CH_*) */
	uint8_t head;        /* order + 1 if the head of a free buddy block, else 0 */
	uint8_t pad[6];
};
_Static_assert(sizeof(struct pmm_chunk) == 24, "with its 8 bytes of bitmap, 32 per chunk");

/* The first bytes of every free buddy block (intrusive list node). */
struct pmm_node {
	struct pmm_node *next, *prev;
	uint64_t check; /* key ^ physical address ^ order: catches overwritten headers */
};

#define PMM_CPU_PAGES 64 /* pages a CPU keeps in its stack */

/*
 * What one CPU owns: a LIFO stack of free pages (the ones it freed, handed
 * out again first while cache-hot), the chunk it allocates from when the
 * stack is empty, and `mask`: the pages of that chunk it has taken from the
 * chunk's pool (all at once, under the lock) and not handed out yet. The
 * stack and the mask are used without the lock (struct pmm_sync); the chunk
 * descriptor only under it. Pages in the stack and the mask count as free
 * (pmm_stats adds them up); only this CPU writes `count` and `mask`.
 */
struct pmm_cpu {
	uint32_t count;          /* pages in stack */
	uint64_t mask;           /* bit i: page base + i is this CPU's, free */
	uint64_t base;           /* page number of the chunk's first page */
	struct pmm_chunk *chunk; /* never NULL: &pmm.none when the CPU has no chunk */
	uint64_t stack[PMM_CPU_PAGES]; /* page numbers (physical address >> 12) */
};

struct pmm {
	uint64_t virt_offset;
	pmm_panic_fn panic;
	struct pmm_sync sync;
	unsigned batch;
	const struct memmap *map; /* for diagnostics; must outlive the allocator */
	uint64_t key;

	struct pmm_chunk *chunks;      /* descriptor of chunk c (lazily zeroed, see pmm.c) */
	uint64_t *alloc;               /* bit n set: page n (physical n << 12) is allocated;
	                                * word c belongs to chunk c, zeroed with its descriptor */
	uint8_t *ready;                /* [g]: chunks [128g, 128g+128) are valid (descriptors
	                                * and alloc words) */
	uint64_t nchunks;              /* chunks covered: [0, nchunks << PMM_CHUNK_SHIFT) */
	uint64_t npages;               /* nchunks * 64: page numbers below it have a bit */
	uint64_t limit;                /* no page at or above this is managed */
	uint64_t meta_start, meta_end; /* physical pages holding chunks and ready */

	struct pmm_node free_list[PMM_ORDERS]; /* sentinels: struct pmm must not move */
	uint32_t nonempty;                     /* bit k: free_list[k] is not empty */
	uint32_t partial;                      /* first partly free chunk, or UINT32_MAX */
	struct pmm_cpu cpu[PMM_MAX_CPUS];
	struct pmm_chunk none; /* an empty chunk for CPUs that have none */

	uint64_t total_pages, unmanaged_pages, reclaimed_pages;
	uint64_t free_pages; /* free pages not in a CPU's stack or mask */
	uint64_t free_blocks[PMM_ORDERS];
	uint64_t partial_chunks;
	int acpi_reclaimed;
};

struct pmm_stats {
	uint64_t total_pages; /* managed (allocatable) pages */
	uint64_t free_pages;
	uint64_t used_pages;      /* total - free */
	uint64_t meta_pages;      /* the allocator's metadata, taken from usable memory */
	uint64_t unmanaged_pages; /* usable pages at or above phys_limit */
	uint64_t reclaimed_pages; /* pages added by pmm_reclaim_acpi and pmm_reclaim_range */
	uint64_t class_pages[MEMMAP_NCLASSES]; /* the memory map's pages per class */
	uint64_t free_blocks[PMM_ORDERS];      /* free buddy blocks of 2^k chunks */
	uint64_t partial_chunks;               /* chunks split into pages, some free */
	uint64_t cpu_pages;                    /* free pages CPUs hold (in free_pages) */
};

/*
 * Build the allocator from a sanitized map (which must outlive it). Takes
 * pmm_meta_bytes() (1/8192 of the managed address range, page rounded) from
 * the top of the highest usable range that holds it, but writes little of
 * it: one byte per 128 MiB, and one group of metadata (16 KiB: descriptors
 * and bitmap) for each 128 MiB region where a usable range ends off a
 * 256 KiB boundary; the rest is zeroed a group at a time when first used. Of free memory it writes only the
 * 24-byte header of each initial buddy block (about one per GiB, plus a few
 * per range). So the cost is O(map ranges + RAM / 1 GiB), and RAM that is
 * never allocated is never touched.
 */
int pmm_init(struct pmm *p, const struct memmap *m, const struct pmm_config *cfg);
uint64_t pmm_meta_bytes(const struct memmap *m, uint64_t phys_limit);

/*
 * One page: physical address, or 0 when memory is exhausted. O(1).
 *
 * Frees are checked, exactly and in O(1): freeing a page that is not
 * allocated (double free, also of a page a CPU holds or inside a free
 * buddy block), one the allocator never managed (reserved, kept, page
 * 0, holes, its metadata, above phys_limit), an unaligned address, and a run
 * that goes past its allocation or its usable range all call the panic hook
 * with a message saying which (found through the map, off the fast path).
 * Free buddy blocks carry a header that is checked (key ^ address ^ order,
 * and the neighbours' links) whenever a block is taken or merged, which
 * catches a stray write into a free block's first 24 bytes (random data
 * escapes with probability 2^-64). Not caught: writes anywhere else in free
 * memory, and stray writes into the descriptors themselves.
 */
uint64_t pmm_alloc_page(struct pmm *p);
/* Free a page from any allocation (also part of a run). O(1). */
void pmm_free_page(struct pmm *p, uint64_t pa);

/*
 * n contiguous pages aligned to align_pages pages (a power of two; 0 means 1),
 * n and align_pages at most PMM_MAX_CONTIG_PAGES; 0 if that is not possible.
 * O(PMM_MAX_ORDER + n / 64). Runs may be freed whole or piecewise.
 */
uint64_t pmm_alloc_pages(struct pmm *p, size_t n, size_t align_pages);
void pmm_free_pages(struct pmm *p, uint64_t pa, size_t n);

/* Add the map's ACPI reclaim ranges once the ACPI tables are no longer needed. */
int pmm_reclaim_acpi(struct pmm *p);
/* Add [start, end) (page aligned), memory the map has just been told is
 * usable (memmap_release of loader memory the kernel is done with), once.
 * PMM_ERR_ARG, changing nothing, if any of it is not usable in the map.
 * Returns the pages added (none above phys_limit) in
 * *added. */
int pmm_reclaim_range(struct pmm *p, uint64_t start, uint64_t end, uint64_t *added);
/* Give a CPU's stack, mask and chunk back (CPU going offline; also done
 * before a contiguous allocation fails). */
void pmm_cpu_release(struct pmm *p, struct pmm_cpu *cpu);

void pmm_stats(const struct pmm *p, struct pmm_stats *out);

/*
 * The deliberately naive baseline for the benchmark (pmm_naive.c): one bit
 * per page, set = free, and every allocation scans the bitmap from its first
 * word. O(RAM) per allocation. Not for real use.
 */
struct pmm_naive {
	uint64_t *bits;
	uint64_t nwords;
	uint64_t total_pages, free_pages;
	const struct memmap *map;
	pmm_panic_fn panic;
};

/* Bitmap words needed for the usable memory of m below phys_limit (0: none). */
uint64_t pmm_naive_words(const struct memmap *m, uint64_t phys_limit);
/* bits: pmm_naive_words() words, carved by the caller (they are all written). */
int pmm_naive_init(struct pmm_naive *n, const struct memmap *m, uint64_t phys_limit, uint64_t *bits,
                   pmm_panic_fn panic);
uint64_t pmm_naive_alloc_page(struct pmm_naive *n);
void pmm_naive_free_page(struct pmm_naive *n, uint64_t pa);
