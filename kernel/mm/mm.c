/*
 * Bringing up physical memory (see mm.h). The sanitized map and the
 * allocator's state are static: nothing can be allocated before the
 * allocator exists. The allocator keeps direct-map pointers, so the direct
 * map must keep its offset (BOOTINFO_DIRECT_MAP_OFFSET) for good.
 * The allocator is locked inside (pmm.c); the map is read-only once
 * mm_reclaim_handoff has run, before the other CPUs start.
 */
#include "mm/mm.h"

#include "boot/boot.h"
#include "mm/early.h"
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

static uint64_t direct_map_end;

/* The boot info's own facts about memory (mm/memmap.c): the loader's ranges
 * are kept, the framebuffer reserved. A bad range stops the boot here,
 * before the allocator could hand out the kernel's own pages. */
static void apply_bootinfo(const struct bootinfo *bi)
{
	const struct bootinfo_framebuffer *fb = &bi->fb;
	const struct memmap_range *r = memmap_find(&map, fb->base_phys);
	if (fb->format != BOOTINFO_FB_NONE && r && r->mclass == MEMMAP_USABLE)
		kprintf("mm: the framebuffer at 0x%llx lies in usable RAM: kept out of the "
		        "allocator and the direct map\n", (unsigned long long)fb->base_phys);
	int err = memmap_apply_bootinfo(&map, bi);
	if (err == MEMMAP_ERR_OVERLAP)
		panic("boot info: loader range %zu (%s at 0x%llx) overlaps loader range %zu (%s at "
		      "0x%llx)", map.bad_index, boot_mem_type_name(bi->ranges[map.bad_index].kind),
		      (unsigned long long)bi->ranges[map.bad_index].phys, map.bad_other,
		      boot_mem_type_name(bi->ranges[map.bad_other].kind),
		      (unsigned long long)bi->ranges[map.bad_other].phys);
	else if (err == MEMMAP_ERR_COUNT)
		panic("boot info: %u loader ranges: %s", bi->nranges, memmap_strerror(err));
	else if (err == MEMMAP_ERR_CAPACITY)
		panic("mm: no room in the memory map (%d ranges) to keep the loader's ranges and "
		      "reserve the framebuffer", MM_MAX_RANGES);
	else if (err != MEMMAP_OK)
		panic("boot info: loader range %zu (%s, 0x%llx, %llu bytes): %s", map.bad_index,
		      boot_mem_type_name(bi->ranges[map.bad_index].kind),
		      (unsigned long long)bi->ranges[map.bad_index].phys,
		      (unsigned long long)bi->ranges[map.bad_index].size, memmap_strerror(err));
	/* The boot info and the kernel must be among them, or their pages
	 * would be free memory. */
	uint64_t bi_phys = virt_to_phys(bi);
	const struct memmap_range *k = memmap_find(&map, bi->kernel_phys_base);
	const struct memmap_range *b = memmap_find(&map, bi_phys);
	if (!k || k->mclass != MEMMAP_KEEP_LOADER || !b || b->mclass != MEMMAP_KEEP_LOADER)
		panic("boot info: the loader's ranges leave out the %s",
		      !k || k->mclass != MEMMAP_KEEP_LOADER ? "kernel image" : "boot info");
}

/* What mm_alloc_early handed out before the allocator existed stays
 * out of it, as the loader's ranges do, and must be in the direct map,
 * where its users keep reaching it. */
static void keep_early_runs(bool check_direct_map)
{
	uint64_t start, end;
	const char *what;
	for (size_t i = 0; mm_early_run(i, &start, &end, &what); i++) {
		if (check_direct_map) {
			if (!mm_is_direct_mapped(start, end - start))
				panic("mm: %s at 0x%llx (mm_alloc_early) is outside the direct map",
				      what, (unsigned long long)start);
		} else if (memmap_reserve(&map, start, end, MEMMAP_KEEP_LOADER) != MEMMAP_OK) {
			panic("mm: no room in the memory map (%d ranges) to keep %s at 0x%llx",
			      MM_MAX_RANGES, what, (unsigned long long)start);
		}
	}
}

/* The direct map covers RAM up to the highest RAM range, but never more
 * than BOOTINFO_DIRECT_MAP_MAX: the kernel's windows begin there. */
static void bound_direct_map(void)
{
	direct_map_end = memmap_direct_map_end(&map, BOOTINFO_DIRECT_MAP_MAX);
	uint64_t all = memmap_direct_map_end(&map, MEMMAP_PHYS_LIMIT);
	if (all > direct_map_end)
		kprintf("mm: RAM reaches 0x%llx, but the direct map stops at 64 TiB: the memory "
		        "above is not used\n", (unsigned long long)all);
}

uint64_t mm_direct_map_end(void) { return direct_map_end; }

bool mm_is_direct_mapped(uint64_t phys, uint64_t len)
{
	return len <= direct_map_end && phys <= direct_map_end - len &&
	       memmap_is_ram(&map, phys & ~4095ull, (phys + len + 4095) & ~4095ull);
}

/* The initramfs's pages: usable in the map since mm_reclaim_handoff, not
 * yet the allocator's (mm_reclaim_initrd adds them). */
#define MM_MAX_INITRD_RANGES 4
static struct {
	uint64_t start, end;
} initrd_ranges[MM_MAX_INITRD_RANGES];
static unsigned n_initrd_ranges;

/* Give the hand-off page tables and stack to the allocator: the kernel
 * switched stacks in _start and page tables in vmm_init, and no other CPU
 * ever used either.
 *
 * The initramfs's ranges change class in the map here too, while this is
 * the only CPU: the map's array is rewritten when a range changes class
 * (neighbours merge), and after the other CPUs start, code on them reads it
 * without a lock (mm_is_direct_mapped, from fault reports). Its pages are
 * RAM either way, and only the allocator hands pages out, so they stay
 * untouched until mm_reclaim_initrd gives them to it, once the archive is
 * unpacked. */
void mm_reclaim_handoff(void)
{
	const struct bootinfo *bi = boot_info();
	uint64_t pages = 0, added;
	for (uint32_t i = 0; i < bi->nranges; i++) {
		const struct bootinfo_range *r = &bi->ranges[i];
		if (r->kind == BOOTINFO_MEM_INITRD && n_initrd_ranges < MM_MAX_INITRD_RANGES) {
			if (memmap_release(&map, r->phys, r->phys + r->size) != MEMMAP_OK)
				panic("mm: cannot release the initramfs's range at 0x%llx in the map",
				      (unsigned long long)r->phys);
			initrd_ranges[n_initrd_ranges].start = r->phys;
			initrd_ranges[n_initrd_ranges++].end = r->phys + r->size;
			continue;
		}
		if (r->kind != BOOTINFO_MEM_PAGE_TABLES && r->kind != BOOTINFO_MEM_STACK)
			continue;
		if (memmap_release(&map, r->phys, r->phys + r->size) != MEMMAP_OK ||
		    pmm_reclaim_range(&pmm, r->phys, r->phys + r->size, &added) != PMM_OK)
			panic("mm: cannot reclaim the loader's %s at 0x%llx",
			      boot_mem_type_name(r->kind), (unsigned long long)r->phys);
		pages += added;
	}
	struct pmm_stats st;
	pmm_stats(&pmm, &st);
	kprintf("mm: %llu KiB of the loader's hand-off page tables and stack reclaimed; "
	        "%llu KiB managed in all\n",
	        (unsigned long long)(pages * 4), (unsigned long long)(st.total_pages * 4));
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

	apply_bootinfo(bi);
	keep_early_runs(false);
	reserve_low_pages();
	bound_direct_map();
	keep_early_runs(true);
	struct pmm_config cfg = {
		.virt_offset = BOOTINFO_DIRECT_MAP_OFFSET,
		.phys_limit = direct_map_end,
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

void mm_reclaim_initrd(void)
{
	uint64_t pages = 0, added;
	for (unsigned i = 0; i < n_initrd_ranges; i++) {
		if (pmm_reclaim_range(&pmm, initrd_ranges[i].start, initrd_ranges[i].end, &added) !=
		    PMM_OK)
			panic("mm: cannot reclaim the initramfs's pages at 0x%llx",
			      (unsigned long long)initrd_ranges[i].start);
		pages += added;
	}
	if (!n_initrd_ranges)
		return;
	n_initrd_ranges = 0; /* once */
	struct pmm_stats st;
	pmm_stats(&pmm, &st);
	kprintf("mm: %llu KiB of the initramfs reclaimed; %llu KiB managed in all\n",
	        (unsigned long long)(pages * 4), (unsigned long long)(st.total_pages * 4));
}

struct pmm *mm_pmm(void) { return &pmm; }
const struct memmap *mm_memmap(void) { return &map; }
