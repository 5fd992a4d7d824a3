/*
 * What the loader allocates for the kernel. Every page allocation is
 * EfiLoaderData (UEFI 2.10 section 7.2), and this table records which
 * range holds what: the kernel keeps exactly these ranges (struct
 * bootinfo's ranges[]), and a failed boot gives them all back.
 *
 * Why not a memory type of our own: UEFI reserves 0x80000000 and up for OS
 * loaders, but some EDK2-derived firmware (older OVMF, VirtualBox) hangs or
 * corrupts its map on such types. EfiLoaderData is what every loader uses.
 * Invariant: the table lists every allocation made here and not yet freed,
 * at most BOOTINFO_MAX_RANGES of them, and they never overlap (the firmware
 * hands out each page once).
 */
#include "loader.h"
#include "cpu.h"

static struct bootinfo_range table[BOOTINFO_MAX_RANGES];
static UINT32 count;
/* What release gave back, for the check that it is really free. */
static struct bootinfo_range freed[BOOTINFO_MAX_RANGES];
static UINT32 nfreed;

EFI_STATUS ldr_allocate_pages(UINT32 kind, UINTN pages, EFI_PHYSICAL_ADDRESS *addr)
{
	if (count == BOOTINFO_MAX_RANGES)
		return ldr_error(EFI_OUT_OF_RESOURCES, L"more than %u ranges for the kernel",
		                 BOOTINFO_MAX_RANGES);
	UINT64 t0 = ldr_rdtsc();
	EFI_STATUS st = gBS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, addr);
	ldr_alloc_ticks += ldr_rdtsc() - t0;
	if (!EFI_ERROR(st))
		table[count++] = (struct bootinfo_range){*addr, pages * LDR_PAGE_SIZE, kind, 0};
	return st;
}

void ldr_free_pages(EFI_PHYSICAL_ADDRESS addr)
{
	for (UINT32 i = 0; i < count; i++) {
		if (table[i].phys != addr)
			continue;
		gBS->FreePages(addr, table[i].size / LDR_PAGE_SIZE);
		if (nfreed < BOOTINFO_MAX_RANGES)
			freed[nfreed++] = table[i];
		table[i] = table[--count];
		return;
	}
}

void ldr_free_all_pages(void)
{
	while (count)
		ldr_free_pages(table[0].phys);
}

UINT32 ldr_ranges(struct bootinfo_range *out)
{
	ldr_copy(out, table, count * sizeof(*out));
	return count;
}

const CHAR16 *ldr_range_name(UINT32 kind)
{
	switch (kind) {
	case BOOTINFO_MEM_KERNEL:
		return L"kernel";
	case BOOTINFO_MEM_BOOTINFO:
		return L"boot info";
	case BOOTINFO_MEM_PAGE_TABLES:
		return L"page tables";
	case BOOTINFO_MEM_STACK:
		return L"stack";
	case BOOTINFO_MEM_INITRD:
		return L"initrd";
	}
	return L"?";
}

/* Pages of the freed ranges that the firmware's map still calls loader
 * data. The map's own buffer is boot-services pool, so taking the map
 * cannot make a freed page loader data again. */
EFI_STATUS ldr_freed_pages_in_use(UINT64 *pages_out)
{
	UINTN size, desc_size;
	UINT32 ver;
	void *buf;
	UINT64 pages = 0;
	EFI_STATUS st = ldr_get_memory_map(&buf, &size, &desc_size, &ver);

	if (EFI_ERROR(st))
		return st;
	for (UINTN off = 0; off + desc_size <= size; off += desc_size) {
		EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)buf + off);
		UINT64 s = d->PhysicalStart, e = s + d->NumberOfPages * LDR_PAGE_SIZE;
		if (d->Type != EfiLoaderData)
			continue;
		for (UINT32 i = 0; i < nfreed; i++) {
			UINT64 fs = freed[i].phys, fe = fs + freed[i].size;
			UINT64 lo = s > fs ? s : fs, hi = e < fe ? e : fe;
			if (lo < hi)
				pages += (hi - lo) / LDR_PAGE_SIZE;
		}
	}
	gBS->FreePool(buf);
	*pages_out = pages;
	return EFI_SUCCESS;
}
