/*
 * The page tables the kernel starts on.
 *
 * OVMF's own tables are read-only and identity-map only what the firmware
 * needs, so the loader builds a fresh 4-level hierarchy (Intel SDM vol. 3A,
 * 4.5) from pages it allocated before ExitBootServices:
 *   - the kernel's segments at their linked higher-half addresses, 4 KiB pages,
 *     with the segment's permissions (writable only if PF_W, NX unless PF_X);
 *   - a direct map of physical memory [0, direct_map_size) at
 *     BOOTINFO_DIRECT_MAP_OFFSET, read-write and NX, with 1 GiB pages where the
 *     CPU has them and 2 MiB pages otherwise (16 GiB costs 16 page tables);
 *   - an identity mapping of only the pages holding ldr_handoff, because the
 *     instruction after "mov cr3" is fetched from the same virtual address.
 * All other low memory is unmapped, so a stray identity-mapped pointer in the
 * kernel faults instead of silently working.
 */
#include "loader.h"
#include "cpu.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PS (1ull << 7) /* in a PDPTE/PDE: this entry maps a 1 GiB / 2 MiB page */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define SIZE_2M (1ull << 21)
#define SIZE_1G (1ull << 30)
#define SIZE_512G (1ull << 39)

static UINT64 *alloc_table(struct ldr_paging *pg)
{
	if (pg->used == pg->pool_pages)
		return NULL;
	UINT64 *t = (UINT64 *)(UINTN)(pg->pool + pg->used * LDR_PAGE_SIZE);
	pg->used++;
	ldr_zero(t, LDR_PAGE_SIZE);
	return t;
}

/* The table that entry `index` of `table` points to, created if missing. */
static UINT64 *next_level(struct ldr_paging *pg, UINT64 *table, UINTN index)
{
	if (table[index] & PTE_P)
		return (UINT64 *)(UINTN)(table[index] & PTE_ADDR);
	UINT64 *t = alloc_table(pg);
	if (!t)
		return NULL;
	/* Intermediate levels grant everything; the leaf decides. */
	table[index] = (UINT64)(UINTN)t | PTE_P | PTE_W;
	return t;
}

/* Map one page of `size` (4 KiB, 2 MiB or 1 GiB) at va -> pa with leaf flags. */
static EFI_STATUS map_page(struct ldr_paging *pg, UINT64 va, UINT64 pa, UINT64 size, UINT64 flags)
{
	UINT64 *pml4 = (UINT64 *)(UINTN)pg->pml4;
	UINT64 *pdpt = next_level(pg, pml4, (va >> 39) & 511);
	if (!pdpt)
		return EFI_OUT_OF_RESOURCES;
	if (size == SIZE_1G) {
		pdpt[(va >> 30) & 511] = pa | flags | PTE_PS;
		return EFI_SUCCESS;
	}
	UINT64 *pd = next_level(pg, pdpt, (va >> 30) & 511);
	if (!pd)
		return EFI_OUT_OF_RESOURCES;
	if (size == SIZE_2M) {
		pd[(va >> 21) & 511] = pa | flags | PTE_PS;
		return EFI_SUCCESS;
	}
	UINT64 *pt = next_level(pg, pd, (va >> 21) & 511);
	if (!pt)
		return EFI_OUT_OF_RESOURCES;
	pt[(va >> 12) & 511] = pa | flags;
	return EFI_SUCCESS;
}

static UINTN div_up(UINT64 a, UINT64 b) { return (UINTN)((a + b - 1) / b); }

EFI_STATUS ldr_build_page_tables(struct ldr_paging *pg, const struct ldr_kernel *k,
                                 UINT64 direct_map_size, UINT64 handoff_phys, UINT64 stack_phys,
                                 UINTN stack_pages)
{
	EFI_STATUS st;
	UINT32 ext = ldr_cpuid_ext_edx();
	UINT64 nx;

	/* Our tables are 4-level; under 5-level paging CR3 would point at a PML5. */
	if (ldr_read_cr4() & CR4_LA57)
		return ldr_error(EFI_UNSUPPORTED, L"page tables: the firmware runs with 5-level "
		                 L"paging (CR4.LA57), which this loader does not support");
	pg->nx = (ext & CPUID_EXT_NX) != 0;
	pg->huge1g = (ext & CPUID_EXT_PDPE1GB) != 0;
	nx = pg->nx ? PTE_NX : 0;
	(void)stack_phys;
	(void)stack_pages; /* the stack is reached through the direct map */

	/* An upper bound on the tables needed: PML4, direct map, kernel, hand-off. */
	UINTN span = (UINTN)(k->img.virt_end - k->img.virt_base);
	pg->pool_pages = 1 + div_up(direct_map_size, SIZE_512G) +
	                 (pg->huge1g ? 0 : div_up(direct_map_size, SIZE_1G)) +
	                 2 + div_up(span, SIZE_2M) + k->img.nsegs + 2 + 6;
	st = ldr_allocate_pages(BOOTINFO_MEM_PAGE_TABLES, pg->pool_pages, &pg->pool);
	if (EFI_ERROR(st))
		return ldr_error(st, L"page tables: cannot allocate %lu pages", (UINT64)pg->pool_pages);
	pg->used = 0;
	pg->pml4 = (UINT64)(UINTN)alloc_table(pg);

	UINT64 step = pg->huge1g ? SIZE_1G : SIZE_2M;
	for (UINT64 pa = 0; pa < direct_map_size; pa += step) {
		st = map_page(pg, BOOTINFO_DIRECT_MAP_OFFSET + pa, pa, step, PTE_P | PTE_W | nx);
		if (EFI_ERROR(st))
			goto full;
	}

	for (UINT32 i = 0; i < k->img.nsegs; i++) {
		const struct elf_segment *s = &k->img.segs[i];
		UINT64 flags = PTE_P;
		if (s->flags & ELF_PF_W)
			flags |= PTE_W;
		if (!(s->flags & ELF_PF_X))
			flags |= nx;
		UINT64 va = s->vaddr & ~(LDR_PAGE_SIZE - 1);
		UINT64 end = s->vaddr + s->memsz;
		for (; va < end; va += LDR_PAGE_SIZE) {
			UINT64 pa = k->phys_base + (va - k->img.virt_base);
			st = map_page(pg, va, pa, LDR_PAGE_SIZE, flags);
			if (EFI_ERROR(st))
				goto full;
		}
	}

	/* ldr_handoff is at most two pages long; identity-map both, executable. */
	UINT64 h = handoff_phys & ~(LDR_PAGE_SIZE - 1);
	for (UINT64 va = h; va < h + 2 * LDR_PAGE_SIZE; va += LDR_PAGE_SIZE) {
		st = map_page(pg, va, va, LDR_PAGE_SIZE, PTE_P);
		if (EFI_ERROR(st))
			goto full;
	}
	return EFI_SUCCESS;

full:
	return ldr_error(st, L"page tables: pool of %lu pages exhausted (loader bug)",
	                 (UINT64)pg->pool_pages);
}
