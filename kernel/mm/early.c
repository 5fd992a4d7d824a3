/*
 * Memory before the page-frame allocator (see early.h), in the manner of
 * Linux's memblock, cut down to what the kernel needs: a handful of runs,
 * each carved from the top of the lowest conventional-memory descriptor
 * above 1 MiB that holds it.
 *
 * Only EfiConventionalMemory is taken: it is free after ExitBootServices,
 * whereas loader data may be the boot info, the kernel or the initrd, and
 * boot-services memory is only known free once the loader's ranges have
 * been applied (mm/memmap.c). The runs already carved from a descriptor
 * are taken off its top (taken_from), so a second run comes from below the
 * first. The lowest descriptor is chosen because the memory map keeps its
 * lowest ranges when it has to drop some, and the run must also lie in the
 * loader's direct map, the only way to reach it before vmm_init.
 */
#include "mm/early.h"

#include "boot/boot.h"
#include "core/panic.h"

#define EARLY_MAX_RUNS 4
#define MIB (1024ull * 1024)

static struct {
	uint64_t start, end;
	const char *what;
} runs[EARLY_MAX_RUNS];
static size_t nruns;

/* How much of descriptor i's top earlier runs have taken. */
static uint64_t taken_from(uint64_t desc_start, uint64_t desc_end)
{
	uint64_t taken = 0;
	for (size_t r = 0; r < nruns; r++)
		if (runs[r].start >= desc_start && runs[r].end <= desc_end)
			taken += runs[r].end - runs[r].start;
	return taken;
}

void *mm_alloc_early(uint64_t bytes, const char *what)
{
	uint64_t size = (bytes + 4095) & ~4095ull;
	uint64_t limit = boot_info()->direct_map_size;
	size_t n = boot_mmap_count();

	if (nruns == EARLY_MAX_RUNS)
		panic("mm: cannot allocate %llu KiB for %s: all %d early runs are taken",
		      (unsigned long long)(size / 1024), what, EARLY_MAX_RUNS);
	uint64_t best = UINT64_MAX, best_end = 0;
	for (size_t i = 0; i < n; i++) {
		const struct bootinfo_mmap_desc *d = boot_mmap_entry(i);
		/* The map is not sanitized yet (mm_init does that): a descriptor
		 * whose end would wrap or lie beyond the direct map is skipped. */
		if (d->phys_start >= limit || d->num_pages > (limit - d->phys_start) / 4096)
			continue;
		uint64_t start = d->phys_start, end = start + d->num_pages * 4096;
		if (d->type != BOOTINFO_EFI_CONVENTIONAL || start < MIB || end > limit ||
		    start >= best)
			continue;
		end -= taken_from(start, end);
		if (end - start >= size)
			best = start, best_end = end;
	}
	if (best != UINT64_MAX) {
		runs[nruns].start = best_end - size;
		runs[nruns].end = best_end;
		runs[nruns].what = what;
		return phys_to_virt(runs[nruns++].start);
	}
	panic("mm: cannot allocate %llu KiB for %s: no free range of the memory map above "
	      "1 MiB and inside the loader's direct map is that large",
	      (unsigned long long)(size / 1024), what);
}

bool mm_early_run(size_t i, uint64_t *start, uint64_t *end, const char **what)
{
	if (i >= nruns)
		return false;
	*start = runs[i].start;
	*end = runs[i].end;
	*what = runs[i].what;
	return true;
}
