/*
 * Walking the live 4-level page tables (Intel SDM vol. 3A, 4.5). Tables are
 * addressed physically by CR3 and each entry, and read through the direct map.
 */
#include "arch/x86_64/paging.h"

#include "arch/x86_64/cpu.h"
#include "mm/phys.h"

static uint64_t *table_at(uint64_t entry) { return phys_to_virt(entry & PTE_ADDR_MASK); }

/* Pointer to the entry for va at the deepest level reached; *level as above. */
static uint64_t *walk(uint64_t va, int *level)
{
	uint64_t *t = table_at(cpu_read_cr3());
	for (int l = 4; l >= 1; l--) {
		uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];
		if (l == 1 || !(*e & PTE_PRESENT) || (*e & PTE_HUGE)) {
			*level = l;
			return e;
		}
		t = table_at(*e);
	}
	return 0; /* not reached */
}

uint64_t paging_lookup(uint64_t va, int *level)
{
	uint64_t *e = walk(va, level);
	return (*e & PTE_PRESENT) ? *e : 0;
}

bool paging_unmap_page(uint64_t va)
{
	int level;
	uint64_t *e = walk(va, &level);
	if (level != 1 || !(*e & PTE_PRESENT))
		return false;
	*e = 0;
	cpu_invlpg(va);
	return true;
}
