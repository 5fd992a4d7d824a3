/*
 * libFuzzer target for physical memory (kernel/mm): the input is a memory map
 * and then a program of allocator operations.
 *
 *   byte 0        descriptor size: 40, 48, 56, 64, 72, 128, or (invalid) 44, 32
 *   byte 1        number of descriptors
 *   byte 2        capacity of the sanitized range array (1..64; small ones
 *                 truncate the map, which must still be safe to use)
 *   descriptors   flag byte f, then either (f & 0x80) a raw 40-byte
 *                 EFI_MEMORY_DESCRIPTOR, or a compact one: type index (f & 0x1f),
 *                 start page (2 bytes), page count (2 bytes), +0x800 if f & 0x40,
 *                 and a high byte of address (1 byte) if f & 0x20
 *   operations    one byte each, some with operands (see run_ops)
 *
 * The map is sanitized both ways (sorted in scratch memory and swept), which
 * must agree, and checked against its invariant and against the rules
 * applied directly to the raw descriptors at every descriptor edge. The
 * allocator then manages whatever is usable below 64 MiB, over a 64 MiB
 * lazily backed mapping standing in for RAM, and every result is checked
 * against a reference model (one byte per page); allocated pages carry
 * their own address, checked at free time. Deliberately bad frees must call
 * the panic hook and change nothing; any other panic aborts.
 *
 * The seed (seeds/mm-ovmf.bin, 1031 bytes) is the 64 MiB OVMF-like map of
 * tests/host/test_pmm.c as 17 compact descriptors plus one raw MMIO one
 * (48-byte descriptors, capacity 63), then 400 operations drawn by a seeded
 * random generator: 45% single pages, 10% runs, 30% frees, 8% run frees, 4%
 * refused frees, the rest ACPI reclaim and CPU release.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <boot/bootinfo.h>

#include "mm/memmap.h"
#include "tests/host/memmap_oracle.h"
#include "mm/pmm.h"

#define PG       4096ull
#define RAM_SIZE (64ull << 20)
#define NPAGES   (RAM_SIZE / PG)
#define MAXD     256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes && in->n; i++, in->n--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

static unsigned char raw[MAXD * 128];
static struct memmap_range ranges[64], ranges2[64];
static uint64_t scratch[2 * MAXD];
static struct memmap map;
static struct pmm pmm;
static unsigned char *ram;
static uint8_t owned[NPAGES];
static uint32_t list[NPAGES], where[NPAGES];
static size_t nlist;
static bool panic_expected;
static int panics;

static void hook(const char *fmt, ...)
{
	(void)fmt;
	panics++;
	if (!panic_expected)
		abort();
}

static const uint32_t types[] = {
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        7,
        7,
        7,
        8,
        9,
        10,
        11,
        12,
        13,
        14,
        15,
        BOOTINFO_MEM_KERNEL,
        BOOTINFO_MEM_BOOTINFO,
        BOOTINFO_MEM_PAGE_TABLES,
        BOOTINFO_MEM_STACK,
        BOOTINFO_MEM_INITRD,
        0x80000006u,
        0x70000000u,
        99,
};

/* The rules applied to one page of the raw map: class, or -1 for a hole. */
static int oracle(size_t nd, size_t dsz, uint64_t page) { return memmap_oracle(raw, nd, dsz, page); }

static void check_map(size_t nd, size_t dsz)
{
	for (size_t i = 0; i < map.count; i++) {
		const struct memmap_range *r = &map.ranges[i];
		if (r->start >= r->end || r->start % PG || r->end % PG ||
		    r->mclass >= MEMMAP_NCLASSES)
			abort();
		if (i &&
		    (r[-1].end > r->start || (r[-1].end == r->start && r[-1].mclass == r->mclass)))
			abort();
	}
	if (map.needed > map.capacity)
		return; /* truncated: the oracle sees ranges the array does not hold */
	for (size_t i = 0; i < nd; i++) {
		struct bootinfo_mmap_desc d;
		memcpy(&d, raw + i * dsz, sizeof(d));
		uint64_t e = d.phys_start + d.num_pages * PG;
		uint64_t probes[] = {d.phys_start, d.phys_start - PG, e - PG, e};
		for (int k = 0; k < 4; k++) {
			uint64_t pg = probes[k] & ~(PG - 1);
			if (pg >= MEMMAP_PHYS_LIMIT)
				continue;
			const struct memmap_range *r = memmap_find(&map, pg);
			if ((r ? (int)r->mclass : -1) != oracle(nd, dsz, pg))
				abort();
		}
	}
}

static void took(uint64_t pa)
{
	const struct memmap_range *r = memmap_find(&map, pa);
	if (pa == 0 || pa % PG || pa >= RAM_SIZE || owned[pa / PG] || !r)
		abort();
	if (r->mclass != MEMMAP_USABLE && !(r->mclass == MEMMAP_ACPI_RECLAIM && pmm.acpi_reclaimed))
		abort();
	if (pa + PG > pmm.meta_start && pa < pmm.meta_end)
		abort();
	owned[pa / PG] = 1;
	where[pa / PG] = (uint32_t)nlist;
	list[nlist++] = (uint32_t)(pa / PG);
	uint64_t *w = (uint64_t *)(ram + pa);
	w[0] = w[PG / 8 - 1] = pa;
}

static void give(uint64_t pa)
{
	uint64_t *w = (uint64_t *)(ram + pa);
	if (!owned[pa / PG] || w[0] != pa || w[PG / 8 - 1] != pa)
		abort();
	owned[pa / PG] = 0;
	uint32_t last = list[--nlist];
	list[where[pa / PG]] = last;
	where[last] = where[pa / PG];
}

static uint64_t free_count(void)
{
	struct pmm_stats s;
	pmm_stats(&pmm, &s);
	if (s.free_pages > s.total_pages || s.total_pages - s.free_pages != nlist)
		abort();
	return s.free_pages;
}

static void run_ops(struct input *in)
{
	while (in->n) {
		uint8_t op = (uint8_t)take(in, 1);
		switch (op % 10) {
		case 0:
		case 1:
		case 2:
		case 3: {
			uint64_t pa = pmm_alloc_page(&pmm);
			if (pa)
				took(pa);
			else if (free_count() != 0)
				abort(); /* free pages, but none handed out */
			break;
		}
		case 4: {
			size_t n = 1 + (size_t)take(in, 1) * (op & 0x80 ? 8 : 1);
			size_t align = (size_t)1 << (take(in, 1) % 12);
			uint64_t pa = pmm_alloc_pages(&pmm, n, align);
			if (pa && pa % (align * PG))
				abort();
			for (size_t i = 0; pa && i < n; i++)
				took(pa + i * PG);
			break;
		}
		case 5:
		case 6: {
			if (!nlist)
				break;
			uint64_t pg = list[take(in, 2) % nlist];
			size_t n = 1, max = op % 10 == 6 ? 1 + (size_t)take(in, 1) * 2 : 1;
			while (n < max && pg + n < NPAGES && owned[pg + n])
				n++;
			for (size_t i = 0; i < n; i++)
				give((pg + i) * PG);
			pmm_free_pages(&pmm, pg * PG, n);
			break;
		}
		case 7: { /* a free the allocator must refuse without changing anything */
			uint64_t pa = take(in, 3) * PG, before = free_count();
			size_t n = 1 + (size_t)take(in, 1) % 4;
			if (pa < RAM_SIZE && owned[pa / PG])
				pa += 8; /* unaligned then */
			int p0 = panics;
			panic_expected = true;
			pmm_free_pages(&pmm, pa, n);
			panic_expected = false;
			if (panics != p0 + 1 || free_count() != before)
				abort();
			break;
		}
		case 8:
			pmm_reclaim_acpi(&pmm);
			break;
		case 9:
			pmm_cpu_release(&pmm, &pmm.cpu[0]);
			break;
		}
		free_count();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = {40, 48, 56, 64, 72, 128, 44, 32};
	struct input in = {data, size};
	size_t dsz = sizes[take(&in, 1) % 8], nd = (size_t)take(&in, 1);
	size_t cap = 1 + (size_t)take(&in, 1) % 64;

	memset(raw, 0xee, sizeof(raw));
	for (size_t i = 0; i < nd; i++) {
		uint8_t f = (uint8_t)take(&in, 1);
		struct bootinfo_mmap_desc d = {0};
		if (f & 0x80) {
			d.type = (uint32_t)take(&in, 4);
			d.pad = (uint32_t)take(&in, 4);
			d.phys_start = take(&in, 8);
			d.virt_start = take(&in, 8);
			d.num_pages = take(&in, 8);
			d.attribute = take(&in, 8);
		} else {
			d.type = types[(f & 0x1f) % (sizeof(types) / sizeof(types[0]))];
			d.phys_start = take(&in, 2) * PG + (f & 0x40 ? 0x800 : 0);
			d.num_pages = take(&in, 2);
			if (f & 0x20)
				d.phys_start |= take(&in, 1) << 40;
		}
		memcpy(raw + i * (dsz < 40 ? 40 : dsz), &d, sizeof(d));
	}
	memmap_init(&map, ranges, cap); /* both ways: sorted and swept */
	memmap_set_scratch(&map, scratch, 2 * nd);
	int err = memmap_sanitize(&map, raw, nd * dsz, dsz);
	struct memmap slow;
	memmap_init(&slow, ranges2, cap);
	if (memmap_sanitize(&slow, raw, nd * dsz, dsz) != err || slow.count != map.count ||
	    slow.needed != map.needed || memcmp(slow.pages, map.pages, sizeof(map.pages)) ||
	    memcmp(ranges, ranges2, map.count * sizeof(ranges[0])))
		abort();
	if ((dsz < 40 || dsz % 8) != (err == MEMMAP_ERR_DESC_SIZE))
		abort();
	if (err != MEMMAP_OK && err != MEMMAP_ERR_CAPACITY)
		return 0;
	check_map(nd, dsz);

	if (!ram) {
		ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (ram == MAP_FAILED)
			abort();
	}
	struct pmm_config cfg = {
	        .virt_offset = (uint64_t)(uintptr_t)ram, .phys_limit = RAM_SIZE, .panic = hook};
	if (pmm_init(&pmm, &map, &cfg) != PMM_OK)
		return 0;
	memset(owned, 0, sizeof(owned));
	nlist = 0;
	run_ops(&in);
	while (nlist) {
		uint64_t pa = (uint64_t)list[nlist - 1] * PG;
		give(pa);
		pmm_free_page(&pmm, pa);
	}
	struct pmm_stats s;
	pmm_stats(&pmm, &s);
	if (s.free_pages != s.total_pages)
		abort();
	return 0;
}
