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
/* The direct map covers the RAM ranges of the map (MEMMAP_IS_RAM) below
 * this address (at most BOOTINFO_DIRECT_MAP_MAX); nothing else. */
uint64_t mm_direct_map_end(void);
/* Whether [phys, phys + len) is wholly in the direct map. Anything else
 * (ACPI tables in reserved memory, device registers) must be mapped. */
bool mm_is_direct_mapped(uint64_t phys, uint64_t len);
/* After vmm_init: the loader's hand-off page tables and stack go to the
 * page-frame allocator (the boot log says how much), and the initramfs's
 * pages become usable in the map, before the other CPUs start. */
void mm_reclaim_handoff(void);
/* Once the initramfs is unpacked (its archive is copied into files, and
 * nothing reads it again): its pages go to the allocator. Only the first
 * call does anything. */
void mm_reclaim_initrd(void);
