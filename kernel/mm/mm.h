/*
 * The kernel's physical memory: the sanitized memory map and the page-frame
 * allocator built from it at boot (mm_init), for the rest of the kernel.
 */
#pragma once

#include "mm/memmap.h"
#include "mm/pmm.h"

/* Sanitize the boot memory map and start the page-frame allocator. */
void mm_init(void);
struct pmm *mm_pmm(void);
/* MM_LOW_PAGES pages below 1 MiB kept out of the allocator for the SMP
 * start-up code, or 0 if the map had no room there. */
#define MM_LOW_PAGES 4
uint64_t mm_low_pages(void);
const struct memmap *mm_memmap(void);
