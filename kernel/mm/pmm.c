/*
 * The page-frame allocator (see pmm.h for the invariant and what its checks
 * catch). This file owns the buddy free lists, the chunk descriptors, the
 * allocation bitmap, the page layer and what each CPU holds; nothing else
 * reads them.
 *
 * Chunks. Memory is cut into 256 KiB chunks, chunk c covering
 * [c << 18, (c + 1) << 18). Whole free chunks live in a binary buddy
 * allocator (orders 0..12: 256 KiB..1 GiB) whose lists run through a
 * 24-byte header at the start of each free block. A chunk in use for pages
 * belongs to the page layer: its descriptor's mask `pool` says which of its
 * pages are free in the chunk, and its word of the flat bitmap `alloc`
 * which are allocated; a page in neither is held by a CPU or not managed.
 * Chunks a usable range covers only partly ("edge chunks") stay in the page
 * layer for good, their foreign pages in neither.
 *
 * Fast paths. A CPU frees onto its own stack of up to 64 pages and allocates
 * from it first (LIFO, so churn stays on the CPU and in its cache); with an
 * empty stack it allocates from `mask`, the free pages of its current chunk
 * it took out of the pool all at once under the lock, and with a full stack
 * it gives a batch back to their chunks under the lock. Each operation sets
 * or clears the page's bit in the bitmap, addressed by page number (lock
 * bts/btr from the bitmap's base). About one operation in 64 moves a chunk
 * between the layers: O(PMM_MAX_ORDER) buddy work at most.
 *
 * Lazy metadata. Descriptors (24 bytes per chunk) and the bitmap (8 bytes
 * per chunk), 1/8192 of RAM together, are reserved at init but not written;
 * a group's (512 chunks, 128 MiB of RAM: three pages of descriptors and one
 * of bitmap) are zeroed when one of its descriptors is first written, and
 * ready[] says which groups are valid. A zero descriptor and bitmap word
 * mean "in the buddy, nothing allocated", right for every chunk nobody has
 * touched. A group is whole pages, so each page is written whole when
 * first used: under QEMU's TCG a page that still holds code translated
 * earlier (the firmware's, in memory that is now free) makes every write to
 * it take a slow path until every byte the code came from has been written
 * over, and the bitmap is written on every page operation. One subtle case: the first chunk of an initial free block has
 * head 0, not order + 1, so the buddy never merges another block into it.
 * That is harmless: the initial blocks are the maximal aligned blocks of
 * each run of whole usable chunks, so the buddy of an initial block always
 * contains a chunk outside the run (else the two would have formed a larger
 * initial block), which is never free; no merge is ever owed to an initial
 * block. (Once pmm_reclaim_acpi adds memory next to one, a merge may be
 * missed: fragmentation, not an error.)
 */
#include "mm/pmm.h"

#include <stdbool.h>

#define PAGE_SHIFT  12
#define CHUNK_SHIFT PMM_CHUNK_SHIFT
#define CHUNK_SIZE  (1ull << CHUNK_SHIFT)
#define GROUP_SHIFT 9 /* 512 chunks: 16 KiB of metadata */
#define GROUP_DESC_BYTES  (sizeof(struct pmm_chunk) << GROUP_SHIFT)
#define GROUP_ALLOC_BYTES (sizeof(uint64_t) << GROUP_SHIFT)
#define GROUP_BYTES       (GROUP_DESC_BYTES + GROUP_ALLOC_BYTES)
#define NO_CHUNK    UINT32_MAX
#define ALL         ~0ull
#define MAX_PHYS    (1ull << 49) /* chunk numbers stay far below NO_CHUNK */

/* Chunk states. CH_BUDDY must be 0: the state of a never-written descriptor.
 * In CH_BUDDY the chunk's bitmap word is 0; in CH_FULL pool == 0; a CH_CPU
 * chunk is some CPU's current chunk. */
enum { CH_BUDDY = 0, CH_PARTIAL, CH_FULL, CH_CPU };

_Static_assert(GROUP_DESC_BYTES % 4096 == 0 && GROUP_ALLOC_BYTES == 4096,
               "a group's descriptors and bitmap are whole pages");
_Static_assert(sizeof(struct pmm) % 8 == 0, "zero() clears struct pmm");

static inline uint64_t page_bit(uint64_t pa)
{
	return 1ull << ((pa >> PAGE_SHIFT) & 63);
}

/* Zero bytes (a multiple of 8) with 64-bit stores: the kernel's memset goes
 * a byte at a time, and this runs on first use of each descriptor page. */
static void zero(void *dst, size_t bytes)
{
	uint64_t *w = dst;
	for (size_t i = 0; i < bytes / 8; i++)
		w[i] = 0;
}

/* ---- Descriptors and the lazily zeroed metadata ------------------------ */

static inline bool ready(const struct pmm *p, uint64_t c)
{
	return p->ready[c >> GROUP_SHIFT];
}

/* The descriptor of chunk c, for writing: its group's descriptors and
 * bitmap words are zeroed on first use. */
static struct pmm_chunk *desc_w(struct pmm *p, uint64_t c)
{
	if (!ready(p, c)) {
		uint64_t first = c & ~((1ull << GROUP_SHIFT) - 1);
		zero(&p->chunks[first], GROUP_DESC_BYTES);
		zero(&p->alloc[first], GROUP_ALLOC_BYTES);
		p->ready[c >> GROUP_SHIFT] = 1;
	}
	return &p->chunks[c];
}

static inline struct pmm_node *node_of(const struct pmm *p, uint64_t c)
{
	return (struct pmm_node *)(uintptr_t)((c << CHUNK_SHIFT) + p->virt_offset);
}

static inline uint64_t check_of(const struct pmm *p, uint64_t c, unsigned k)
{
	return p->key ^ (c << CHUNK_SHIFT) ^ k;
}

/* ---- Buddy free lists -------------------------------------------------- */

/* Put block c of order k on its list; track: record it in its descriptor
 * (not done for the initial blocks, see the top comment). */
static void buddy_push(struct pmm *p, uint64_t c, unsigned k, bool track)
{
	struct pmm_node *n = node_of(p, c), *h = &p->free_list[k];

	n->check = check_of(p, c, k);
	n->next = h->next;
	n->prev = h;
	h->next->prev = n;
	h->next = n;
	p->nonempty |= 1u << k;
	p->free_blocks[k]++;
	if (track)
		desc_w(p, c)->head = (uint8_t)(k + 1);
}

/* A pointer that may be followed: a list sentinel or a chunk's first byte. */
static bool node_ok(const struct pmm *p, const struct pmm_node *n)
{
	uint64_t pa = (uint64_t)(uintptr_t)n - p->virt_offset;
	return (n >= p->free_list && n < p->free_list + PMM_ORDERS) ||
	       ((pa & (CHUNK_SIZE - 1)) == 0 && (pa >> CHUNK_SHIFT) < p->nchunks);
}

/* Take block c of order k off its list, after checking its header. */
static bool list_unlink(struct pmm *p, uint64_t c, unsigned k)
{
	struct pmm_node *n = node_of(p, c);

	if (n->check != check_of(p, c, k) || !node_ok(p, n->next) || !node_ok(p, n->prev) ||
	    n->next->prev != n || n->prev->next != n) {
		p->panic("pmm: corrupted free-list header in the free block at 0x%llx (order %u)",
		         (unsigned long long)(c << CHUNK_SHIFT), k);
		return false;
	}
	n->next->prev = n->prev;
	n->prev->next = n->next;
	if (p->free_list[k].next == &p->free_list[k])
		p->nonempty &= ~(1u << k);
	p->free_blocks[k]--;
	return true;
}

/* A free block of order >= k, split down to order k; NO_CHUNK if none. */
static uint64_t buddy_pop(struct pmm *p, unsigned k)
{
	uint32_t avail = p->nonempty & ~((1u << k) - 1);
	if (avail == 0)
		return NO_CHUNK;
	unsigned j = (unsigned)__builtin_ctz(avail);
	uint64_t c = ((uint64_t)(uintptr_t)p->free_list[j].next - p->virt_offset) >> CHUNK_SHIFT;
	if (!list_unlink(p, c, j))
		return NO_CHUNK;
	desc_w(p, c)->head = 0;
	while (j > k) {
		j--;
		buddy_push(p, c + (1ull << j), j, true);
	}
	return c;
}

/*
 * Return block c of order k (its chunks in state CH_BUDDY) and merge it with
 * its buddy for as long as that is a free block of the same order: at most
 * PMM_MAX_ORDER steps.
 */
static void buddy_free(struct pmm *p, uint64_t c, unsigned k)
{
	while (k < PMM_MAX_ORDER) {
		uint64_t b = c ^ (1ull << k);
		if (b >= p->nchunks || !ready(p, b) || p->chunks[b].head != k + 1)
			break;
		if (!list_unlink(p, b, k))
			return;
		p->chunks[b].head = 0;
		c &= ~(1ull << k);
		k++;
	}
	buddy_push(p, c, k, true);
}

/* ---- Page layer: chunks split into pages ------------------------------- */

static void partial_link(struct pmm *p, uint64_t c, struct pmm_chunk *d)
{
	d->state = CH_PARTIAL;
	d->prev = NO_CHUNK;
	d->next = p->partial;
	if (p->partial != NO_CHUNK)
		p->chunks[p->partial].prev = (uint32_t)c;
	p->partial = (uint32_t)c;
	p->partial_chunks++;
}

static void partial_unlink(struct pmm *p, struct pmm_chunk *d)
{
	if (d->prev != NO_CHUNK)
		p->chunks[d->prev].next = d->next;
	else
		p->partial = d->next;
	if (d->next != NO_CHUNK)
		p->chunks[d->next].prev = d->prev;
	p->partial_chunks--;
}

/* Chunk c's pool grew from old to d->pool: move the chunk to the list or
 * layer where it now belongs. */
static void chunk_freed(struct pmm *p, uint64_t c, struct pmm_chunk *d, uint64_t old)
{
	if (d->state == CH_CPU)
		return; /* stays with its CPU, even when wholly free */
	if (d->pool == ALL) {
		if (d->state == CH_PARTIAL)
			partial_unlink(p, d);
		d->state = CH_BUDDY;
		buddy_free(p, c, 0);
	} else if (old == 0) {
		partial_link(p, c, d);
	}
}

/* ---- Sharing between CPUs (struct pmm_sync) ---------------------------- */

static inline void lock(struct pmm *p)
{
	if (p->sync.lock)
		p->sync.lock(p->sync.ctx);
}

static inline void unlock(struct pmm *p)
{
	if (p->sync.unlock)
		p->sync.unlock(p->sync.ctx);
}

#ifndef KESTREL_HOST
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"

_Static_assert(PMM_MAX_CPUS == MAX_CPUS, "one struct pmm_cpu per CPU");

/* In the kernel the per-CPU part is inline, not a hook: preemption off
 * (one instruction each way) keeps the thread on this CPU while it uses
 * the CPU's stack, and struct cpu points at that stack (one load, where an
 * index would need a multiply). Interrupts stay on: no interrupt handler
 * allocates pages (docs/memory.md). */
static inline struct pmm_cpu *local_enter(struct pmm *p)
{
	(void)p;
	percpu_preempt_disable();
	return percpu_pmm_cpu();
}

static inline void local_exit(struct pmm *p)
{
	(void)p;
	percpu_preempt_enable();
}

/* Every CPU's struct cpu points at its own stack of this allocator (the
 * kernel has one, mm.c's; the other CPUs have not started). */
static void local_init(struct pmm *p)
{
	for (uint32_t i = 0; i < PMM_MAX_CPUS; i++)
		percpu_get(i)->pmm_cpu = &p->cpu[i];
}

/* Page n's bit in the allocation bitmap: set it, or clear it and say
 * whether it was set. One locked instruction each, addressed by n alone. */
static inline void bit_set(struct pmm *p, uint64_t n) { cpu_atomic_bit_set(p->alloc, n); }

static inline bool bit_test_clear(struct pmm *p, uint64_t n)
{
	return cpu_atomic_bit_test_and_clear(p->alloc, n);
}
#else
static inline struct pmm_cpu *local_enter(struct pmm *p)
{
	return &p->cpu[p->sync.local_enter ? p->sync.local_enter() : 0];
}

static inline void local_exit(struct pmm *p)
{
	if (p->sync.local_exit)
		p->sync.local_exit();
}

static void local_init(struct pmm *p) { (void)p; }

static inline void bit_set(struct pmm *p, uint64_t n)
{
	__atomic_fetch_or(&p->alloc[n >> 6], 1ull << (n & 63), __ATOMIC_RELAXED);
}

static inline bool bit_test_clear(struct pmm *p, uint64_t n)
{
	uint64_t b = 1ull << (n & 63);
	return __atomic_fetch_and(&p->alloc[n >> 6], ~b, __ATOMIC_RELAXED) & b;
}
#endif

/* Chunk c's word of the bitmap, whole masks at a time (contiguous runs,
 * under the lock): atomic too, because a fast path on another CPU may
 * change another bit of the same word meanwhile. Relaxed, like the bit
 * operations: the page itself is handed over through the CPU that owns the
 * stack, and the lock orders everything else. */
static inline void alloc_set(struct pmm *p, uint64_t c, uint64_t mask)
{
	__atomic_fetch_or(&p->alloc[c], mask, __ATOMIC_RELAXED);
}

static inline void alloc_clear(struct pmm *p, uint64_t c, uint64_t mask)
{
	__atomic_fetch_and(&p->alloc[c], ~mask, __ATOMIC_RELAXED);
}

/* The free count is p->free_pages (under the lock: pages free in the buddy
 * and in chunk pools) plus what every CPU holds, which pmm_stats adds up;
 * so the fast paths change no shared counter. Only the owning CPU writes
 * its count and mask, with relaxed atomic stores (plain moves), so a reader
 * on another CPU sees either value, never a torn one. */
static inline void free_add(struct pmm *p, int64_t n) { p->free_pages += (uint64_t)n; }

static inline void set_count(struct pmm_cpu *cpu, uint32_t n)
{
	__atomic_store_n(&cpu->count, n, __ATOMIC_RELAXED);
}

static inline void set_mask(struct pmm_cpu *cpu, uint64_t m)
{
	__atomic_store_n(&cpu->mask, m, __ATOMIC_RELAXED);
}

/* The CPU's chunk and mask are used up: take a partly free chunk, else a
 * fresh one. Under the lock. */
static bool refill(struct pmm *p, struct pmm_cpu *cpu)
{
	struct pmm_chunk *d;
	uint64_t c = p->partial;

	cpu->chunk->state = CH_FULL; /* harmless on p->none */
	cpu->chunk = &p->none;
	if (c != NO_CHUNK) {
		partial_unlink(p, d = &p->chunks[c]);
	} else {
		if ((c = buddy_pop(p, 0)) == NO_CHUNK)
			return false;
		*(d = desc_w(p, c)) = (struct pmm_chunk){.pool = ALL};
	}
	d->state = CH_CPU;
	cpu->chunk = d;
	cpu->base = c * PMM_CHUNK_PAGES;
	return true;
}

/* The CPU's mask goes back to its chunk's pool. Under the lock, on the
 * caller's own CPU (or an offline one's). */
static void mask_return(struct pmm *p, struct pmm_cpu *cpu)
{
	uint64_t m = cpu->mask;
	set_mask(cpu, 0);
	free_add(p, __builtin_popcountll(m));
	cpu->chunk->pool |= m; /* harmless on p->none: m is 0 */
}

/*
 * The fast paths: pmm_alloc_page and pmm_free_page use only what the CPU
 * holds and one atomic instruction on the bitmap. Their slow parts are
 * separate functions reached by a tail call, entered with the CPU's part in
 * use (local_enter) and ending that themselves, so that the fast paths
 * need no saved registers.
 */

/* Stack and mask are empty: take the chunk's pool whole into the mask
 * under the lock (after a fresh chunk if it has none), then hand out its
 * first page. One lock trip per chunk's worth of pages. */
static __attribute__((noinline)) uint64_t alloc_slow(struct pmm *p, struct pmm_cpu *cpu)
{
	lock(p);
	uint64_t m = cpu->chunk->pool;
	if (m == 0 && refill(p, cpu))
		m = cpu->chunk->pool;
	cpu->chunk->pool = 0; /* harmless on p->none */
	free_add(p, -(int64_t)__builtin_popcountll(m));
	unlock(p);
	uint64_t pa = 0;
	if (m) {
		uint64_t n = cpu->base + (uint64_t)__builtin_ctzll(m);
		set_mask(cpu, m & (m - 1));
		bit_set(p, n);
		pa = n << PAGE_SHIFT;
	}
	local_exit(p);
	return pa;
}

uint64_t pmm_alloc_page(struct pmm *p)
{
	struct pmm_cpu *cpu = local_enter(p);
	uint64_t n;
	uint32_t k = cpu->count;
	if (__builtin_expect(k != 0, 1)) {
		n = cpu->stack[k - 1];
		set_count(cpu, k - 1);
	} else {
		uint64_t m = cpu->mask;
		if (__builtin_expect(m == 0, 0))
			return alloc_slow(p, cpu);
		n = cpu->base + (uint64_t)__builtin_ctzll(m);
		set_mask(cpu, m & (m - 1));
	}
	bit_set(p, n);
	local_exit(p);
	return n << PAGE_SHIFT;
}

/* Give the stack's pages back to their chunks (all of them, or down to
 * `keep`), under the lock. A run of pages of one chunk (pages freed in
 * address order) joins its pool at once. */
static void spill(struct pmm *p, struct pmm_cpu *cpu, uint32_t keep)
{
	uint32_t n = cpu->count;
	if (n <= keep)
		return;
	free_add(p, n - keep);
	const uint64_t *sp = &cpu->stack[n], *stop = &cpu->stack[keep];
	do {
		uint64_t c = sp[-1] / PMM_CHUNK_PAGES, mask = 0;
		do
			mask |= 1ull << (*--sp % PMM_CHUNK_PAGES);
		while (sp != stop && sp[-1] / PMM_CHUNK_PAGES == c);
		struct pmm_chunk *d = &p->chunks[c];
		uint64_t old = d->pool;
		d->pool = old | mask;
		chunk_freed(p, c, d, old);
	} while (sp != stop);
	set_count(cpu, keep);
}

/* Under the lock; cpu must not be in use by its CPU meanwhile (it is the
 * caller's own, or that CPU is offline). */
static void cpu_release(struct pmm *p, struct pmm_cpu *cpu)
{
	spill(p, cpu, 0);
	mask_return(p, cpu);
	struct pmm_chunk *d = cpu->chunk;
	if (d != &p->none) {
		cpu->chunk = &p->none;
		d->state = CH_FULL;
		if (d->pool)
			chunk_freed(p, (uint64_t)(d - p->chunks), d, 0);
	}
}

void pmm_cpu_release(struct pmm *p, struct pmm_cpu *cpu)
{
	local_enter(p);
	lock(p);
	cpu_release(p, cpu);
	unlock(p);
	local_exit(p);
}

/* ---- Frees and their diagnosis ----------------------------------------- */

/* Is page pa currently allocated? Never reads an unready bitmap word. */
static bool allocated(const struct pmm *p, uint64_t pa)
{
	uint64_t c = pa >> CHUNK_SHIFT;
	if ((pa & (PMM_PAGE_SIZE - 1)) || c >= p->nchunks || !ready(p, c))
		return false;
	return p->alloc[c] & page_bit(pa);
}

/* Slow path: say what is wrong with freeing n pages at pa, via the map. */
static __attribute__((noinline, cold)) void bad_free(struct pmm *p, uint64_t pa, size_t n)
{
	unsigned long long a = pa, b;
	if (pa & (PMM_PAGE_SIZE - 1)) {
		p->panic("pmm: free of unaligned address 0x%llx", a);
		return;
	}
	uint64_t q = pa;
	for (size_t i = 0; i < n && allocated(p, q); i++)
		q += PMM_PAGE_SIZE;
	const struct memmap_range *r = memmap_find(p->map, q);
	const char *why = NULL; /* NULL: managed memory, so it is free already */
	if (q >= p->meta_start && q < p->meta_end)
		why = "it holds the allocator's own metadata";
	else if (!r)
		why = "it is not memory (a hole in the memory map)";
	else if (r->mclass != MEMMAP_USABLE &&
	         !(r->mclass == MEMMAP_ACPI_RECLAIM && p->acpi_reclaimed))
		why = memmap_class_name(r->mclass);
	else if (q >= p->limit || q < PMM_PAGE_SIZE)
		why = "it lies outside the managed memory";
	b = q;
	if (q == pa && !why)
		p->panic("pmm: double free of page 0x%llx", a);
	else if (q == pa)
		p->panic("pmm: free of page 0x%llx, which was never allocatable: %s", a, why);
	else if (!why)
		p->panic("pmm: free of %zu pages at 0x%llx: page 0x%llx is already free "
		         "(double free, or the wrong size)",
		         n, a, b);
	else
		p->panic("pmm: free of %zu pages at 0x%llx runs out of its range at 0x%llx: %s", n,
		         a, b, why);
}

/* The stack is full: batch pages from it go back to their chunks under
 * the lock, and page n takes their place on the CPU (it is the hottest). */
static __attribute__((noinline)) void free_slow(struct pmm *p, struct pmm_cpu *cpu, uint64_t n)
{
	lock(p);
	spill(p, cpu, PMM_CPU_PAGES - p->batch);
	unlock(p);
	cpu->stack[cpu->count] = n;
	set_count(cpu, cpu->count + 1);
	local_exit(p);
}

void pmm_free_page(struct pmm *p, uint64_t pa)
{
	/* The page number, rotated: an unaligned address becomes a number far
	 * above npages, so one compare checks alignment and range. */
	uint64_t n = pa >> PAGE_SHIFT | pa << (64 - PAGE_SHIFT);

	if (__builtin_expect(n >= p->npages || !p->ready[n >> (GROUP_SHIFT + 6)], 0)) {
		bad_free(p, pa, 1);
		return;
	}
	/* The old bit decides: of two CPUs freeing the same page, exactly one
	 * clears it, the other sees it clear and reports. */
	if (__builtin_expect(!bit_test_clear(p, n), 0)) {
		bad_free(p, pa, 1);
		return;
	}
	struct pmm_cpu *cpu = local_enter(p);
	uint32_t k = cpu->count;
	if (__builtin_expect(k == PMM_CPU_PAGES, 0)) {
		free_slow(p, cpu, n);
		return;
	}
	cpu->stack[k] = n;
	set_count(cpu, k + 1);
	local_exit(p);
}

/* Mask of the pages of chunk c inside [s, e) (page addresses). */
static uint64_t span_mask(uint64_t c, uint64_t s, uint64_t e)
{
	uint64_t lo = c << CHUNK_SHIFT, hi = lo + CHUNK_SIZE;
	unsigned a = s > lo ? (unsigned)((s - lo) >> PAGE_SHIFT) : 0;
	unsigned b = e < hi ? (unsigned)((e - lo) >> PAGE_SHIFT) : 64;
	return (b - a == 64 ? ALL : ((1ull << (b - a)) - 1)) << a;
}

static void free_run(struct pmm *p, uint64_t pa, size_t n);
static void reclaim_acpi(struct pmm *p);

void pmm_free_pages(struct pmm *p, uint64_t pa, size_t n)
{
	if (n <= 1) {
		if (n)
			pmm_free_page(p, pa);
		return;
	}
	local_enter(p);
	lock(p);
	free_run(p, pa, n);
	unlock(p);
	local_exit(p);
}

/* Under the lock: the whole run is checked before anything changes. A
 * racing single-page free of a page in the run is caught by whichever of
 * the two clears the `alloc` bit second. */
static void free_run(struct pmm *p, uint64_t pa, size_t n)
{
	uint64_t limit = p->nchunks << CHUNK_SHIFT;
	bool ok = !(pa & (PMM_PAGE_SIZE - 1)) && pa < limit && n <= (limit - pa) >> PAGE_SHIFT;
	uint64_t end = ok ? pa + n * PMM_PAGE_SIZE : 0;
	/* Check every chunk first, so a bad call changes nothing. */
	for (uint64_t c = pa >> CHUNK_SHIFT; ok && c <= (end - 1) >> CHUNK_SHIFT; c++) {
		uint64_t mask = span_mask(c, pa, end);
		ok = ready(p, c) && (p->alloc[c] & mask) == mask;
	}
	if (!ok) {
		bad_free(p, pa, n);
		return;
	}
	for (uint64_t c = pa >> CHUNK_SHIFT; c <= (end - 1) >> CHUNK_SHIFT; c++) {
		struct pmm_chunk *d = &p->chunks[c];
		uint64_t old = d->pool, mask = span_mask(c, pa, end);
		alloc_clear(p, c, mask);
		d->pool |= mask;
		chunk_freed(p, c, d, old);
	}
	free_add(p, (int64_t)n);
}

/* ---- Contiguous runs --------------------------------------------------- */

/* Bit i set iff bits i..i+n-1 of m are all set (1 <= n <= 64). */
static uint64_t run_starts(uint64_t m, unsigned n)
{
	for (unsigned have = 1; have < n && m;) {
		unsigned sh = have < n - have ? have : n - have;
		m &= m >> sh;
		have += sh;
	}
	return m;
}

/* Take n pages aligned to align (both <= 64) from chunk c's pool, if it can. */
static uint64_t take_run(struct pmm *p, uint64_t c, struct pmm_chunk *d, unsigned n, unsigned align)
{
	uint64_t slots = align == 64 ? 1 : ALL / ((1ull << align) - 1); /* every align-th bit */
	uint64_t cand = run_starts(d->pool, n) & slots;
	if (cand == 0)
		return 0;
	unsigned i = (unsigned)__builtin_ctzll(cand);
	uint64_t mask = (n == 64 ? ALL : (1ull << n) - 1) << i;
	d->pool &= ~mask;
	alloc_set(p, c, mask);
	free_add(p, -(int64_t)n);
	if (d->pool == 0 && d->state == CH_PARTIAL) {
		partial_unlink(p, d);
		d->state = CH_FULL;
	}
	return (c << CHUNK_SHIFT) + ((uint64_t)i << PAGE_SHIFT);
}

/* Up to 64 pages: from the CPU's chunk, the first partial chunk, or a fresh one. */
static uint64_t alloc_small(struct pmm *p, struct pmm_cpu *cpu, unsigned n, unsigned align)
{
	uint64_t pa = 0, c;

	if (cpu->chunk != &p->none) {
		mask_return(p, cpu);
		pa = take_run(p, cpu->base / PMM_CHUNK_PAGES, cpu->chunk, n, align);
	}
	if (!pa && p->partial != NO_CHUNK)
		pa = take_run(p, p->partial, &p->chunks[p->partial], n, align);
	if (pa)
		return pa;
	if ((c = buddy_pop(p, 0)) == NO_CHUNK) {
		cpu_release(p, cpu); /* its pages may complete a chunk */
		if ((c = buddy_pop(p, 0)) == NO_CHUNK)
			return 0;
	}
	struct pmm_chunk *d = desc_w(p, c);
	*d = (struct pmm_chunk){.pool = ALL, .state = CH_FULL};
	pa = take_run(p, c, d, n, align);
	if (d->pool)
		partial_link(p, c, d);
	return pa;
}

/* More than 64 pages, or coarser alignment: a buddy block, its tail given back. */
static uint64_t alloc_large(struct pmm *p, struct pmm_cpu *cpu, size_t n, size_t align)
{
	uint64_t nc = (n + PMM_CHUNK_PAGES - 1) / PMM_CHUNK_PAGES, c;
	unsigned k = 0; /* <= PMM_MAX_ORDER, as n and align are at most 1 GiB */
	while ((1ull << k) < nc || ((uint64_t)PMM_CHUNK_PAGES << k) < align)
		k++;
	if ((c = buddy_pop(p, k)) == NO_CHUNK) {
		cpu_release(p, cpu);
		if ((c = buddy_pop(p, k)) == NO_CHUNK)
			return 0;
	}
	/* The tail [c + nc, c + 2^k) as aligned blocks: ctz(pos) < k fits. */
	for (uint64_t pos = c + nc; pos < c + (1ull << k); pos += 1ull << __builtin_ctzll(pos))
		buddy_free(p, pos, (unsigned)__builtin_ctzll(pos));
	/* These chunks were whole in the buddy: no page of theirs is in any
	 * CPU's stack, so nobody else touches their descriptors. */
	for (uint64_t i = 0; i < nc; i++) {
		*desc_w(p, c + i) = (struct pmm_chunk){.state = CH_FULL};
		p->alloc[c + i] = ALL;
	}
	if (n % PMM_CHUNK_PAGES) {
		struct pmm_chunk *last = &p->chunks[c + nc - 1];
		p->alloc[c + nc - 1] = ~(ALL << (n % PMM_CHUNK_PAGES));
		last->pool = ALL << (n % PMM_CHUNK_PAGES);
		partial_link(p, c + nc - 1, last);
	}
	free_add(p, -(int64_t)n);
	return c << CHUNK_SHIFT;
}

uint64_t pmm_alloc_pages(struct pmm *p, size_t n, size_t align)
{
	if (align == 0)
		align = 1;
	if (n == 0 || (align & (align - 1)) || n > PMM_MAX_CONTIG_PAGES ||
	    align > PMM_MAX_CONTIG_PAGES)
		return 0;
	if (n == 1 && align == 1)
		return pmm_alloc_page(p);
	struct pmm_cpu *cpu = local_enter(p);
	lock(p);
	uint64_t pa = n <= PMM_CHUNK_PAGES && align <= PMM_CHUNK_PAGES
	                      ? alloc_small(p, cpu, (unsigned)n, (unsigned)align)
	                      : alloc_large(p, cpu, n, align);
	unlock(p);
	local_exit(p);
	return pa;
}

/* ---- Building ---------------------------------------------------------- */

/* Add the pages of chunk c in mask to an edge chunk (page layer for good). */
static void add_edge(struct pmm *p, uint64_t c, uint64_t mask)
{
	struct pmm_chunk *d = desc_w(p, c);
	if (d->state == CH_BUDDY) /* first range to reach this chunk */
		*d = (struct pmm_chunk){.state = CH_FULL};
	uint64_t old = d->pool;
	d->pool |= mask;
	chunk_freed(p, c, d, old);
}

/*
 * Manage the pages of [s, e): the partial chunks at either end go to the
 * page layer, the whole chunks between them to the buddy as maximal aligned
 * blocks (pushed without merging at init, see the top comment).
 */
static void add_range(struct pmm *p, uint64_t s, uint64_t e, bool initial)
{
	if (s < PMM_PAGE_SIZE)
		s = PMM_PAGE_SIZE;
	if (e > p->nchunks << CHUNK_SHIFT)
		e = p->nchunks << CHUNK_SHIFT;
	if (s >= e)
		return;
	uint64_t first = (s + CHUNK_SIZE - 1) >> CHUNK_SHIFT, last = e >> CHUNK_SHIFT;
	p->total_pages += (e - s) >> PAGE_SHIFT;
	p->free_pages += (e - s) >> PAGE_SHIFT;
	if ((s & (CHUNK_SIZE - 1)) || first > last) /* first > last: inside one chunk */
		add_edge(p, s >> CHUNK_SHIFT, span_mask(s >> CHUNK_SHIFT, s, e));
	if ((e & (CHUNK_SIZE - 1)) && first <= last)
		add_edge(p, last, span_mask(last, s, e));
	for (uint64_t c = first; c < last;) {
		unsigned o = (unsigned)__builtin_ctzll(c); /* c >= 1: s >= 4 KiB */
		if (o > PMM_MAX_ORDER)
			o = PMM_MAX_ORDER;
		while (c + (1ull << o) > last)
			o--;
		if (initial)
			buddy_push(p, c, o, false);
		else
			buddy_free(p, c, o);
		c += 1ull << o;
	}
}

static uint64_t clamp_limit(uint64_t phys_limit)
{
	return (phys_limit && phys_limit < MAX_PHYS ? phys_limit : MAX_PHYS) & ~(PMM_PAGE_SIZE - 1);
}

/* Chunks the descriptors must cover: up to the end of the highest usable,
 * ACPI reclaim or loader memory below the limit (the last two may be added
 * later). */
static uint64_t managed_chunks(const struct memmap *m, uint64_t limit)
{
	uint64_t top = 0;
	for (size_t i = 0; i < m->count; i++) {
		const struct memmap_range *r = &m->ranges[i];
		if (r->mclass <= MEMMAP_KEEP_LOADER && r->start < limit)
			top = r->end < limit ? r->end : limit;
	}
	return (top + CHUNK_SIZE - 1) >> CHUNK_SHIFT;
}

uint64_t pmm_meta_bytes(const struct memmap *m, uint64_t phys_limit)
{
	uint64_t nchunks = managed_chunks(m, clamp_limit(phys_limit));
	uint64_t groups = (nchunks + (1u << GROUP_SHIFT) - 1) >> GROUP_SHIFT;
	uint64_t bytes = groups * GROUP_BYTES + groups + 8; /* descriptors, ready bytes */
	return (bytes + PMM_PAGE_SIZE - 1) & ~(PMM_PAGE_SIZE - 1);
}

int pmm_init(struct pmm *p, const struct memmap *m, const struct pmm_config *cfg)
{
	zero(p, sizeof(*p));
	if (!cfg->panic)
		return PMM_ERR_ARG;
	p->virt_offset = cfg->virt_offset;
	p->panic = cfg->panic;
	p->sync = cfg->sync;
	p->batch = cfg->cpu_batch ? cfg->cpu_batch : 1;
	if (p->batch > PMM_CPU_PAGES / 2)
		return PMM_ERR_ARG;
	p->map = m;
	p->key = 0x4b45535452454cull * 0x9e3779b97f4a7c15ull ^ cfg->virt_offset;
	p->partial = NO_CHUNK;
	p->none = (struct pmm_chunk){.state = CH_FULL};
	for (unsigned k = 0; k < PMM_ORDERS; k++)
		p->free_list[k].next = p->free_list[k].prev = &p->free_list[k];
	for (unsigned i = 0; i < PMM_MAX_CPUS; i++)
		p->cpu[i].chunk = &p->none;
	local_init(p);

	uint64_t limit = clamp_limit(cfg->phys_limit), meta = pmm_meta_bytes(m, limit);
	p->limit = limit;
	p->nchunks = managed_chunks(m, limit);
	/* Metadata at the top of the highest usable range that holds it, so
	 * that low memory (DMA, the SMP trampoline) stays available. */
	for (size_t i = m->count; i-- > 0 && p->nchunks;) {
		const struct memmap_range *r = &m->ranges[i];
		uint64_t end = r->end < limit ? r->end : limit;
		if (r->mclass == MEMMAP_USABLE && r->start < end && end - r->start >= meta) {
			p->meta_start = end - meta;
			p->meta_end = end;
			break;
		}
	}
	if (!p->meta_end)
		return PMM_ERR_NOMEM;
	uint64_t groups = (p->nchunks + (1u << GROUP_SHIFT) - 1) >> GROUP_SHIFT;
	p->npages = p->nchunks * PMM_CHUNK_PAGES;
	p->chunks = (struct pmm_chunk *)(uintptr_t)(p->meta_start + p->virt_offset);
	p->alloc = (uint64_t *)(uintptr_t)(p->meta_start + groups * GROUP_DESC_BYTES +
	                                   p->virt_offset);
	p->ready = (uint8_t *)(uintptr_t)(p->meta_start + groups * GROUP_BYTES + p->virt_offset);
	zero(p->ready, (size_t)(groups + 7) & ~(size_t)7);

	for (size_t i = 0; i < m->count; i++) {
		const struct memmap_range *r = &m->ranges[i];
		if (r->mclass != MEMMAP_USABLE)
			continue;
		uint64_t s = r->start, e = r->end;
		if (e > limit) {
			uint64_t from = s > limit ? s : limit;
			p->unmanaged_pages += (e - from) >> PAGE_SHIFT;
			e = from;
		}
		if (p->meta_start >= s && p->meta_end <= e) {
			add_range(p, s, p->meta_start, true);
			add_range(p, p->meta_end, e, true);
		} else {
			add_range(p, s, e, true);
		}
	}
	return PMM_OK;
}

int pmm_reclaim_acpi(struct pmm *p)
{
	local_enter(p);
	lock(p);
	int err = PMM_OK;
	if (p->acpi_reclaimed)
		err = PMM_ERR_ARG;
	else
		reclaim_acpi(p);
	unlock(p);
	local_exit(p);
	return err;
}

int pmm_reclaim_range(struct pmm *p, uint64_t start, uint64_t end, uint64_t *added)
{
	*added = 0;
	if ((start | end) & (PMM_PAGE_SIZE - 1) || start >= end || start < PMM_PAGE_SIZE)
		return PMM_ERR_ARG;
	/* Usable all through (touching ranges differ in class, so one range).
	 * Whether a page is managed already cannot be told in O(1) for pages
	 * that are free, hence the rule that a range is reclaimed once. */
	const struct memmap_range *r = memmap_find(p->map, start);
	if (!r || r->mclass != MEMMAP_USABLE || r->end < end)
		return PMM_ERR_ARG;
	local_enter(p);
	lock(p);
	uint64_t before = p->total_pages;
	if (start < p->limit)
		add_range(p, start, end < p->limit ? end : p->limit, false);
	*added = p->total_pages - before;
	p->reclaimed_pages += *added;
	unlock(p);
	local_exit(p);
	return PMM_OK;
}

static void reclaim_acpi(struct pmm *p)
{
	p->acpi_reclaimed = 1;
	uint64_t before = p->total_pages;
	for (size_t i = 0; i < p->map->count; i++) {
		const struct memmap_range *r = &p->map->ranges[i];
		if (r->mclass == MEMMAP_ACPI_RECLAIM)
			add_range(p, r->start, r->end, false);
	}
	p->reclaimed_pages += p->total_pages - before;
}

void pmm_stats(const struct pmm *p, struct pmm_stats *out)
{
	struct pmm *w = (struct pmm *)p; /* the lock is the only thing written */
	local_enter(w);
	lock(w);
	uint64_t held = 0;
	for (unsigned i = 0; i < PMM_MAX_CPUS; i++)
		held += __atomic_load_n(&p->cpu[i].count, __ATOMIC_RELAXED) +
		        (uint64_t)__builtin_popcountll(__atomic_load_n(&p->cpu[i].mask,
		                                                       __ATOMIC_RELAXED));
	uint64_t free = p->free_pages + held;
	*out = (struct pmm_stats){
	        .total_pages = p->total_pages,
	        .free_pages = free,
	        .used_pages = p->total_pages - free,
	        .meta_pages = (p->meta_end - p->meta_start) >> PAGE_SHIFT,
	        .unmanaged_pages = p->unmanaged_pages,
	        .reclaimed_pages = p->reclaimed_pages,
	        .partial_chunks = p->partial_chunks,
	};
	for (unsigned c = 0; c < MEMMAP_NCLASSES; c++)
		out->class_pages[c] = p->map->pages[c];
	for (unsigned k = 0; k < PMM_ORDERS; k++)
		out->free_blocks[k] = p->free_blocks[k];
	out->cpu_pages = held;
	unlock(w);
	local_exit(w);
}
