/*
 * Minimal access to the live page tables (the ones the loader built, reached
 * through the direct map): enough to unmap guard pages and to describe a
 * faulting address. The memory-management work replaces these tables with
 * the kernel's own and grows this into a full map/unmap/protect API.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_USER (1ull << 2)
#define PTE_PWT (1ull << 3) /* with PCD and PAT: the PAT entry (SDM 11.12.3) */
#define PTE_PCD (1ull << 4)
#define PTE_HUGE (1ull << 7) /* in a PDPTE or PDE: maps 1 GiB / 2 MiB */
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* The leaf entry that maps va (any level), or 0 if va is not mapped.
 * *level is 1 for 4 KiB, 2 for 2 MiB, 3 for 1 GiB. */
uint64_t paging_lookup(uint64_t va, int *level);
/* Clear the 4 KiB mapping of va and flush it from the TLB. False if va is not
 * mapped by a 4 KiB page. */
bool paging_unmap_page(uint64_t va);
