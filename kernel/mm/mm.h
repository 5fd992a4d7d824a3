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
const struct memmap *mm_memmap(void);
