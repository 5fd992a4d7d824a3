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
#include "mm/phys.h"
#include "mm/pmm.h"
#include "mm/vmm.h"

#define LOWER_HALF_ENTRIES 256
#define TABLE_BITS (PTE_PRESENT | PTE_WRITABLE | PTE_USER)

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
	if (e & PTE_WRITABLE)
		f |= VMM_WRITE;
	if (!(e & PTE_NX) || !vmm_nx_bit())
		f |= VMM_EXEC;
	return f | VMM_USER;
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
			pmm_free_page(mm_pmm(), t[i] & PTE_ADDR_MASK);
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

struct unmap_ctx {
	size_t n;
	bool live;
};

static void unmap_one(uint64_t *e, uint64_t va, void *p)
{
	struct unmap_ctx *c = p;
	uint64_t pa = *e & PTE_ADDR_MASK;
	*e = 0;
	if (c->live)
		cpu_invlpg(va);
	pmm_free_page(mm_pmm(), pa);
	c->n++;
}

size_t uvm_unmap_range(uint64_t pml4, uint64_t start, uint64_t end)
{
	struct unmap_ctx c = {.live = is_live(pml4)};
	each_leaf(pml4, start, end, unmap_one, &c);
	return c.n;
}

struct protect_ctx {
	uint64_t bits;
	bool live;
};

static void protect_one(uint64_t *e, uint64_t va, void *p)
{
	struct protect_ctx *c = p;
	*e = (*e & PTE_ADDR_MASK) | c->bits;
	if (c->live)
		cpu_invlpg(va);
}

void uvm_protect_range(uint64_t pml4, uint64_t start, uint64_t end, unsigned flags)
{
	struct protect_ctx c = {.bits = leaf_bits(flags), .live = is_live(pml4)};
	each_leaf(pml4, start, end, protect_one, &c);
}

struct copy_ctx {
	uint64_t dst;
	bool ok;
};

static void copy_one(uint64_t *e, uint64_t va, void *p)
{
	struct copy_ctx *c = p;
	if (!c->ok)
		return;
	uint64_t pa = pmm_alloc_page(mm_pmm());
	if (!pa) {
		c->ok = false;
		return;
	}
	memcpy(phys_to_virt(pa), phys_to_virt(*e & PTE_ADDR_MASK), 4096);
	if (!uvm_map(c->dst, va, pa, leaf_flags(*e))) {
		pmm_free_page(mm_pmm(), pa);
		c->ok = false;
	}
}

bool uvm_copy(uint64_t dst, uint64_t src)
{
	struct copy_ctx c = {.dst = dst, .ok = true};
	each_leaf(src, 0, USER_TOP, copy_one, &c);
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
