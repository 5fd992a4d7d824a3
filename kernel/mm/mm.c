/*
 * Bringing up physical memory (see mm.h). The sanitized map and the
 * allocator's state are static: nothing can be allocated before the
 * allocator exists. The allocator keeps direct-map pointers, so the direct
 * map must keep its offset (BOOTINFO_DIRECT_MAP_OFFSET) for good.
 * The allocator is locked inside (pmm.c); the map is read-only after
 * mm_init.
 */
#include "mm/mm.h"

#include "boot/boot.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "arch/x86_64/percpu.h"
#include "sync/spinlock.h"

#define MM_MAX_RANGES 512

static struct memmap_range map_ranges[MM_MAX_RANGES];
static uint64_t map_scratch[2 * MM_MAX_RANGES];
static struct memmap map;
static struct pmm pmm;
/* The page-frame allocator's shared state (buddy, chunks); what each CPU
 * holds needs only preemption off. Innermost of the memory locks. */
static struct spinlock pmm_lock = SPINLOCK_INIT("pmm");
/* Pages a CPU gives back from a full page stack per lock trip. */
#define MM_PMM_BATCH 32

static void pmm_lock_fn(void *ctx) { spin_lock(ctx); }
static void pmm_unlock_fn(void *ctx) { spin_unlock(ctx); }

static uint64_t low_pages; /* physical address of the reserved pages below 1 MiB, or 0 */

/* Keep MM_LOW_PAGES usable pages below 1 MiB for the application
 * processors' start-up code (a STARTUP IPI can only point below 1 MiB),
 * before the allocator can hand them out: the highest such run, above page
 * 0 (which stays unmanaged). */
static void reserve_low_pages(void)
{
	uint64_t need = MM_LOW_PAGES * 4096ull;
	for (size_t i = map.count; i-- > 0;) {
		const struct memmap_range *r = &map.ranges[i];
		uint64_t start = r->start < 0x1000 ? 0x1000 : r->start;
		uint64_t end = r->end > 0x100000 ? 0x100000 : r->end;
		if (r->mclass != MEMMAP_USABLE || end <= start || end - start < need)
			continue;
		if (memmap_reserve(&map, end - need, end, MEMMAP_KEEP_LOADER) == MEMMAP_OK)
			low_pages = end - need;
		return;
	}
}

uint64_t mm_low_pages(void) { return low_pages; }

/* The framebuffer is device memory, but a GOP may place it in a range the
 * firmware's map calls RAM (boot-services data, say): keep it out of the
 * allocator, or its pages would be handed out while the console draws. */
static void reserve_framebuffer(void)
{
	const struct bootinfo_framebuffer *fb = &boot_info()->fb;
	if (fb->format == BOOTINFO_FB_NONE || fb->size == 0)
		return;
	const struct memmap_range *r = memmap_find(&map, fb->base_phys);
	if (r && r->mclass == MEMMAP_USABLE)
		kprintf("mm: the framebuffer at 0x%llx lies in usable RAM: kept out of the "
		        "allocator\n", (unsigned long long)fb->base_phys);
	if (memmap_reserve(&map, fb->base_phys, fb->base_phys + fb->size, MEMMAP_RESERVED) !=
	    MEMMAP_OK)
		panic("mm: no room in the memory map to reserve the framebuffer");
}

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

	reserve_low_pages();
	reserve_framebuffer();
	struct pmm_config cfg = {
		.virt_offset = BOOTINFO_DIRECT_MAP_OFFSET,
		.phys_limit = bi->direct_map_size,
		.panic = panic,
		/* The per-CPU part is inline in the kernel's build of pmm.c. */
		.sync = {pmm_lock_fn, pmm_unlock_fn, NULL, NULL, &pmm_lock},
		.cpu_batch = MM_PMM_BATCH,
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
