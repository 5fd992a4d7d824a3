/*
 * User page tables (see uvm.h). Tables are walked through the direct map,
 * so an address space can be built and torn down without being loaded.
 *
 *   PML4[0..255]    this process: PDPT -> PD -> PT -> 4 KiB pages
 *   PML4[256..511]  the kernel's entries, copied at creation, never freed
 *
 * Intermediate entries carry PRESENT | WRITABLE | USER (the leaf decides:
 * the CPU combines the bits of every level, Intel SDM vol. 3A, 4.6).
 */
#include "mm/uvm.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/syscall.h"
#include "lib/string.h"
#include "mm/mm.h"
#include "mm/pageref.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "mm/tlb.h"
#include "mm/vmm.h"

#define LOWER_HALF_ENTRIES 256
#define TABLE_BITS (PTE_PRESENT | PTE_WRITABLE | PTE_USER)
/* Software bit (ignored by the CPU, SDM 4.5 table 4-19): the page is
 * writable for its owner but shared after a fork, so the entry lacks
 * PTE_WRITABLE until a write fault gives this space its own copy. */
#define PTE_COW (1ull << 9)

static uint64_t *table(uint64_t entry) { return phys_to_virt(entry & PTE_ADDR_MASK); }

static uint64_t new_table(void)
{
	uint64_t pa = pmm_alloc_page(mm_pmm());
	if (pa)
		memset(phys_to_virt(pa), 0, 4096);
	return pa;
}

static unsigned index_at(uint64_t va, int level) { return (va >> (12 + 9 * (level - 1))) & 511; }

/* The PT entry for va; with create, making the tables on the way. */
static uint64_t *pte(uint64_t pml4, uint64_t va, bool create)
{
	uint64_t *t = phys_to_virt(pml4);
	for (int l = 4; l > 1; l--) {
		uint64_t *e = &t[index_at(va, l)];
		if (!(*e & PTE_PRESENT)) {
			if (!create)
				return NULL;
			uint64_t pa = new_table();
			if (!pa)
				return NULL;
			*e = pa | TABLE_BITS;
		}
		t = table(*e);
	}
	return &t[index_at(va, 1)];
}

static uint64_t leaf_bits(unsigned flags)
{
	uint64_t b = PTE_PRESENT | PTE_USER;
	if (flags & VMM_WRITE)
		b |= PTE_WRITABLE;
	if (!(flags & VMM_EXEC))
		b |= vmm_nx_bit();
	return b;
}

static unsigned leaf_flags(uint64_t e)
{
	unsigned f = 0;
	if (e & (PTE_WRITABLE | PTE_COW))
		f |= VMM_WRITE;
	if (!(e & PTE_NX) || !vmm_nx_bit())
		f |= VMM_EXEC;
	return f | VMM_USER;
}

/* A page leaves this address space: free it unless another still maps it. */
static void release(uint64_t pa)
{
	if (pageref_drop(pa))
		pmm_free_page(mm_pmm(), pa);
}

static bool is_live(uint64_t pml4) { return (cpu_read_cr3() & PTE_ADDR_MASK) == pml4; }

uint64_t uvm_create(void)
{
	uint64_t pml4 = new_table();
	if (pml4)
		vmm_copy_kernel_half(phys_to_virt(pml4));
	return pml4;
}

/* Free the pages and tables below the entry e of `level`. */
static void free_level(uint64_t e, int level)
{
	uint64_t *t = table(e);
	for (unsigned i = 0; i < 512; i++) {
		if (!(t[i] & PTE_PRESENT))
			continue;
		if (level > 1)
			free_level(t[i], level - 1);
		else
			release(t[i] & PTE_ADDR_MASK);
	}
	pmm_free_page(mm_pmm(), e & PTE_ADDR_MASK);
}

void uvm_destroy(uint64_t pml4)
{
	uint64_t *top = phys_to_virt(pml4);
	for (unsigned i = 0; i < LOWER_HALF_ENTRIES; i++)
		if (top[i] & PTE_PRESENT)
			free_level(top[i], 3);
	pmm_free_page(mm_pmm(), pml4);
}

bool uvm_map(uint64_t pml4, uint64_t va, uint64_t pa, unsigned flags)
{
	if (va >= USER_TOP)
		return false;
	uint64_t *e = pte(pml4, va, true);
	if (!e || (*e & PTE_PRESENT))
		return false;
	*e = (pa & PTE_ADDR_MASK) | leaf_bits(flags);
	return true; /* not present before: nothing cached to flush */
}

bool uvm_map_shared(uint64_t pml4, uint64_t va, uint64_t pa, unsigned flags)
{
	if (va >= USER_TOP)
		return false;
	uint64_t *e = pte(pml4, va, true);
	if (!e || (*e & PTE_PRESENT))
		return false;
	uint64_t bits = leaf_bits(flags);
	if (bits & PTE_WRITABLE)
		bits = (bits & ~PTE_WRITABLE) | PTE_COW; /* writable once it is this space's own */
	*e = (pa & PTE_ADDR_MASK) | bits;
	return true;
}

uint64_t uvm_lookup(uint64_t pml4, uint64_t va, unsigned *flags)
{
	if (va >= USER_TOP)
		return 0;
	uint64_t *e = pte(pml4, va, false);
	if (!e || !(*e & PTE_PRESENT))
		return 0;
	if (flags)
		*flags = leaf_flags(*e);
	return *e & PTE_ADDR_MASK;
}

/* Call fn on every present leaf in [start, end), skipping absent tables
 * a whole table at a time (a 1 GiB munmap of nothing must not walk 262144
 * entries). */
static void each_leaf(uint64_t pml4, uint64_t start, uint64_t end,
                      void (*fn)(uint64_t *e, uint64_t va, void *ctx), void *ctx)
{
	uint64_t va = start;
	while (va < end && va < USER_TOP) {
		uint64_t *t = phys_to_virt(pml4);
		int l = 4;
		for (; l > 1; l--) {
			uint64_t e = t[index_at(va, l)];
			if (!(e & PTE_PRESENT))
				break;
			t = table(e);
		}
		if (l > 1) { /* no table at level l: skip what it would map */
			uint64_t span = 1ull << (12 + 9 * (l - 1));
			va = (va & ~(span - 1)) + span;
			continue;
		}
		uint64_t *e = &t[index_at(va, 1)];
		if (*e & PTE_PRESENT)
			fn(e, va, ctx);
		va += 4096;
	}
}

/* With others (tables loaded on other CPUs too), a page may be freed only
 * after every CPU has dropped its translation: another thread could still
 * write through a stale entry into a page that is someone else's by then.
 * So the pages wait in a batch, the batch is flushed everywhere with one
 * shootdown, and only then are they released. */
#define UNMAP_BATCH 64

struct unmap_ctx {
	size_t n;
	bool live, others;
	unsigned held;
	uint64_t batch[UNMAP_BATCH];
};

static void unmap_flush(struct unmap_ctx *c)
{
	if (!c->held)
		return;
	tlb_shootdown_all();
	for (unsigned i = 0; i < c->held; i++)
		release(c->batch[i]);
	c->held = 0;
}

static void unmap_one(uint64_t *e, uint64_t va, void *p)
{
	struct unmap_ctx *c = p;
	uint64_t pa = *e & PTE_ADDR_MASK;
	*e = 0;
	if (c->live)
		cpu_invlpg(va);
	c->n++;
	if (!c->others) {
		release(pa);
		return;
	}
	c->batch[c->held++] = pa;
	if (c->held == UNMAP_BATCH)
		unmap_flush(c);
}

size_t uvm_unmap_range(uint64_t pml4, uint64_t start, uint64_t end, bool others)
{
	struct unmap_ctx c = {.live = is_live(pml4), .others = others};
	each_leaf(pml4, start, end, unmap_one, &c);
	unmap_flush(&c);
	return c.n;
}

struct protect_ctx {
	uint64_t bits;
	bool live;
};

static void protect_one(uint64_t *e, uint64_t va, void *p)
{
	struct protect_ctx *c = p;
	uint64_t bits = c->bits;
	if ((bits & PTE_WRITABLE) && pageref_shared(*e & PTE_ADDR_MASK))
		bits = (bits & ~PTE_WRITABLE) | PTE_COW; /* writable once it is this space's own */
	*e = (*e & PTE_ADDR_MASK) | bits;
	if (c->live)
		cpu_invlpg(va);
}

void uvm_protect_range(uint64_t pml4, uint64_t start, uint64_t end, unsigned flags, bool others)
{
	struct protect_ctx c = {.bits = leaf_bits(flags), .live = is_live(pml4)};
	each_leaf(pml4, start, end, protect_one, &c);
	if (others)
		tlb_shootdown_all();
}

struct share_ctx {
	uint64_t dst;
	bool ok;
};

/* fork: map the page in dst too, both read-only; a writable page becomes
 * copy-on-write in both. */
static void share_one(uint64_t *e, uint64_t va, void *p)
{
	struct share_ctx *c = p;
	if (!c->ok)
		return;
	uint64_t pa = *e & PTE_ADDR_MASK;
	uint64_t *d = pte(c->dst, va, true);
	if (!d || !pageref_share(pa)) {
		c->ok = false;
		return;
	}
	if (*e & PTE_WRITABLE)
		*e = (*e & ~PTE_WRITABLE) | PTE_COW;
	*d = *e;
}

bool uvm_share(uint64_t dst, uint64_t src, bool others)
{
	struct share_ctx c = {.dst = dst, .ok = true};
	each_leaf(src, 0, USER_TOP, share_one, &c);
	/* src's entries lost their write bit: no CPU may keep the old ones. */
	if (is_live(src))
		cpu_write_cr3(cpu_read_cr3());
	if (others)
		tlb_shootdown_all();
	return c.ok;
}

uint64_t uvm_unshare(uint64_t pml4, uint64_t va, bool others)
{
	uint64_t *e = pte(pml4, va, false);
	if (!e || !(*e & PTE_PRESENT))
		return 0;
	uint64_t pa = *e & PTE_ADDR_MASK;
	bool writable = (*e & (PTE_WRITABLE | PTE_COW)) != 0;
	uint64_t keep = *e & ~(PTE_ADDR_MASK | PTE_COW | PTE_WRITABLE);
	if (pageref_shared(pa)) {
		uint64_t copy = pmm_alloc_page(mm_pmm());
		if (!copy)
			return 0;
		memcpy(phys_to_virt(copy), phys_to_virt(pa), 4096);
		*e = copy | keep | (writable ? PTE_WRITABLE : 0);
		if (is_live(pml4))
			cpu_invlpg(va);
		if (others) /* nobody may go on reading the old page (see unmap) */
			tlb_shootdown(va);
		release(pa); /* the other side may have let go meanwhile */
		return copy;
	}
	*e = pa | keep | (writable ? PTE_WRITABLE : 0);
	if (is_live(pml4))
		cpu_invlpg(va);
	return pa;
}

struct move_ctx {
	uint64_t pml4;
	int64_t delta; /* destination minus source */
	bool ok;
	bool live;
};

static void move_prepare_one(uint64_t *e, uint64_t va, void *p)
{
	(void)e;
	struct move_ctx *c = p;
	if (c->ok && !pte(c->pml4, va + (uint64_t)c->delta, true))
		c->ok = false;
}

static void move_one(uint64_t *e, uint64_t va, void *p)
{
	struct move_ctx *c = p;
	uint64_t *d = pte(c->pml4, va + (uint64_t)c->delta, false); /* made by the first pass */
	*d = *e;
	*e = 0;
	if (c->live)
		cpu_invlpg(va);
}

bool uvm_move_range(uint64_t pml4, uint64_t from, uint64_t to, uint64_t len, bool others)
{
	struct move_ctx c = {.pml4 = pml4, .delta = (int64_t)(to - from), .ok = true,
	                     .live = is_live(pml4)};
	/* Tables first, so that the move itself cannot fail halfway. */
	each_leaf(pml4, from, from + len, move_prepare_one, &c);
	if (c.ok)
		each_leaf(pml4, from, from + len, move_one, &c);
	if (c.ok && others) /* the old entries may be cached on other CPUs */
		tlb_shootdown_all();
	return c.ok;
}

static void count_one(uint64_t *e, uint64_t va, void *p)
{
	(void)e;
	(void)va;
	(*(size_t *)p)++;
}

size_t uvm_count(uint64_t pml4)
{
	size_t n = 0;
	each_leaf(pml4, 0, USER_TOP, count_one, &n);
	return n;
}
