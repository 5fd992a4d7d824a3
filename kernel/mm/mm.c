/*
 * Bringing up physical memory (see mm.h). The sanitized map and the
 * allocator's state are static: nothing can be allocated before the
 * allocator exists. The allocator keeps direct-map pointers, so the direct
 * map must keep its offset (BOOTINFO_DIRECT_MAP_OFFSET) for good.
 * Not locked yet: one CPU, and no interrupt handler allocates.
 */
#include "mm/mm.h"

#include "boot/boot.h"
#include "lib/kprintf.h"
#include "lib/panic.h"

#define MM_MAX_RANGES 512

static struct memmap_range map_ranges[MM_MAX_RANGES];
static uint64_t map_scratch[2 * MM_MAX_RANGES];
static struct memmap map;
static struct pmm pmm;

void mm_init(void)
{
	const struct bootinfo *bi = boot_info();
	int err;

	memmap_init(&map, map_ranges, MM_MAX_RANGES);
	memmap_set_scratch(&map, map_scratch, sizeof(map_scratch) / sizeof(map_scratch[0]));
	err = memmap_sanitize(&map, phys_to_virt(bi->mmap_phys), bi->mmap_size, bi->mmap_desc_size);
	if (err == MEMMAP_ERR_CAPACITY)
		kprintf("mm: the memory map has %zu ranges, %d kept: the highest are unused\n",
		        map.needed, MM_MAX_RANGES);
	else if (err != MEMMAP_OK)
		panic("mm: memory map rejected: %s (descriptor %zu)", memmap_strerror(err),
		      map.bad_index);

	struct pmm_config cfg = {
		.virt_offset = BOOTINFO_DIRECT_MAP_OFFSET,
		.phys_limit = bi->direct_map_size,
		.panic = panic,
	};
	err = pmm_init(&pmm, &map, &cfg);
	if (err != 0)
		panic("mm: page-frame allocator failed to start (error %d)", err);
	struct pmm_stats st;
	pmm_stats(&pmm, &st);
	kprintf("mm: %zu ranges; %llu MiB free in the page-frame allocator (%llu KiB metadata)\n",
	        map.count, (unsigned long long)(st.free_pages / 256),
	        (unsigned long long)(st.meta_pages * 4));
}

struct pmm *mm_pmm(void) { return &pmm; }
const struct memmap *mm_memmap(void) { return &map; }
