/*
 * Host tests for kernel/mm/memmap.c. Each test writes a raw UEFI memory map
 * (descriptors of a chosen size, the bytes past the 40 that EFI defines
 * filled with junk), sanitizes it both ways (sorting in scratch memory, and
 * the quadratic sweep; the answers must be identical), and checks the
 * result twice: against the
 * output invariant (sorted, aligned, disjoint, merged, totals) and, page by
 * page at every interesting address, against an oracle that applies the
 * rules to the raw descriptors directly (most restrictive class wins, usable
 * rounded inward and never page 0, the rest rounded outward).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <boot/bootinfo.h>

#include "mm/memmap.h"
#include "tests/host/memmap_oracle.h"

#define PG   4096ull
#define MAXD 8192
#define CAP  16384

static unsigned char raw[MAXD * 64];
static size_t nd, dsz;
static struct memmap_range ranges[CAP];
static struct memmap map;

static void begin(size_t desc_size)
{
	nd = 0;
	dsz = desc_size;
	memset(raw, 0xa5, sizeof(raw));
}

static void add(uint32_t type, uint64_t start, uint64_t pages)
{
	struct bootinfo_mmap_desc d = {.type = type,
	                               .pad = 0xdeadbeef,
	                               .phys_start = start,
	                               .virt_start = 0x1234,
	                               .num_pages = pages,
	                               .attribute = ~0ull};
	assert_true(nd < MAXD);
	memcpy(raw + nd * dsz, &d, sizeof(d));
	nd++;
}

static uint64_t scratch[2 * MAXD];
static struct memmap_range ranges2[CAP];

/* Sanitize with scratch memory (sorting) and without (the quadratic sweep):
 * both must give exactly the same answer. */
static int sanitize_cap(size_t cap)
{
	struct memmap slow;
	memmap_init(&slow, ranges2, cap);
	int err = memmap_sanitize(&slow, raw, nd * dsz, dsz);
	memmap_init(&map, ranges, cap);
	memmap_set_scratch(&map, scratch, 2 * nd);
	assert_int_equal(memmap_sanitize(&map, raw, nd * dsz, dsz), err);
	assert_int_equal(map.count, slow.count);
	assert_int_equal(map.needed, slow.needed);
	assert_int_equal(map.bad_index, slow.bad_index);
	assert_memory_equal(map.pages, slow.pages, sizeof(map.pages));
	if (map.count)
		assert_memory_equal(ranges, ranges2, map.count * sizeof(ranges[0]));
	return err;
}

static int sanitize(void)
{
	return sanitize_cap(CAP);
}

/* The rules, applied to one page directly: class or -1 for a hole. */
static int oracle(uint64_t page) { return memmap_oracle(raw, nd, dsz, page); }

static void check_page(uint64_t page)
{
	page &= ~(PG - 1);
	const struct memmap_range *r = memmap_find(&map, page);
	int want = oracle(page);
	if ((r ? (int)r->mclass : -1) != want)
		fail_msg("page 0x%llx: sanitized class %d, oracle %d", (unsigned long long)page,
		         r ? (int)r->mclass : -1, want);
}

static void check_invariants(void)
{
	uint64_t pages[MEMMAP_NCLASSES] = {0};
	assert_true(map.count <= map.capacity);
	for (size_t i = 0; i < map.count; i++) {
		const struct memmap_range *r = &map.ranges[i];
		assert_true(r->start < r->end);
		assert_int_equal(r->start % PG, 0);
		assert_int_equal(r->end % PG, 0);
		assert_true(r->mclass < MEMMAP_NCLASSES);
		assert_true(r->end <= MEMMAP_PHYS_LIMIT);
		if (r->mclass == MEMMAP_USABLE)
			assert_true(r->start >= PG);
		if (i > 0) {
			const struct memmap_range *q = &map.ranges[i - 1];
			assert_true(q->end <= r->start);
			assert_false(q->end == r->start && q->mclass == r->mclass);
		}
		pages[r->mclass] += (r->end - r->start) / PG;
	}
	if (map.needed <= map.capacity)
		for (int c = 0; c < MEMMAP_NCLASSES; c++)
			assert_int_equal(pages[c], map.pages[c]);
}

/* Invariants, then the oracle at every descriptor and range edge. */
static void check_all(void)
{
	check_invariants();
	for (size_t i = 0; i < nd; i++) {
		struct bootinfo_mmap_desc d;
		memcpy(&d, raw + i * dsz, sizeof(d));
		uint64_t e = d.phys_start + d.num_pages * PG;
		uint64_t probes[] = {
		        d.phys_start, d.phys_start - PG, d.phys_start + PG, e, e - PG, e - 1,
		        e + PG};
		for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++)
			if (probes[k] < MEMMAP_PHYS_LIMIT)
				check_page(probes[k]);
	}
	for (size_t i = 0; i < map.count; i++) {
		check_page(map.ranges[i].start);
		check_page(map.ranges[i].end - PG);
		check_page(map.ranges[i].end);
	}
}

static void expect(size_t i, uint64_t start, uint64_t end, uint32_t cls)
{
	assert_true(i < map.count);
	if (map.ranges[i].start != start || map.ranges[i].end != end || map.ranges[i].mclass != cls)
		fail_msg("range %zu: [0x%llx, 0x%llx) class %u, want [0x%llx, 0x%llx) class %u", i,
		         (unsigned long long)map.ranges[i].start,
		         (unsigned long long)map.ranges[i].end, map.ranges[i].mclass,
		         (unsigned long long)start, (unsigned long long)end, cls);
}

/* A map shaped like OVMF's on QEMU q35 with 256 MiB, unsorted as OVMF's is. */
static void ovmf_map(void)
{
	add(BOOTINFO_EFI_BOOT_SERVICES_CODE, 0x0, 1);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x1000, 0x9f);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x100000, 0x700);
	add(BOOTINFO_EFI_ACPI_NVS, 0x800000, 8);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x808000, 3);
	add(BOOTINFO_EFI_ACPI_NVS, 0x80b000, 1);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x80c000, 5);
	add(BOOTINFO_EFI_ACPI_NVS, 0x811000, 0xef);
	add(BOOTINFO_EFI_BOOT_SERVICES_DATA, 0x900000, 0x100);
	add(BOOTINFO_MEM_KERNEL, 0x1000000, 0x80);
	add(BOOTINFO_MEM_BOOTINFO, 0x1080000, 2);
	add(BOOTINFO_MEM_PAGE_TABLES, 0x1082000, 6);
	add(BOOTINFO_MEM_STACK, 0x1088000, 4);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x108c000, 0xcf74);
	add(BOOTINFO_EFI_LOADER_CODE, 0xa00000, 0x200);
	add(BOOTINFO_EFI_CONVENTIONAL, 0xc00000, 0x400);
	add(BOOTINFO_EFI_RUNTIME_SERVICES_DATA, 0xe000000, 0x100);
	add(BOOTINFO_EFI_ACPI_RECLAIM, 0xe100000, 4);
	add(BOOTINFO_EFI_BOOT_SERVICES_DATA, 0xe104000, 0x1efc);
	add(BOOTINFO_EFI_RESERVED, 0xfef00000, 0x40);
	add(BOOTINFO_EFI_MMIO, 0xffc00000, 0x400);
}

static void test_ovmf_like(void **state)
{
	(void)state;
	static const size_t sizes[] = {40, 48, 56, 64, 128};
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		begin(sizes[s]);
		ovmf_map();
		assert_int_equal(sanitize(), MEMMAP_OK);
		check_all();
		expect(0, 0x1000, 0xa0000, MEMMAP_USABLE); /* page 0 dropped */
		expect(1, 0x100000, 0x800000, MEMMAP_USABLE);
		expect(2, 0x800000, 0x808000, MEMMAP_RESERVED);
		expect(5, 0x80c000, 0x811000, MEMMAP_USABLE);
		expect(6, 0x811000, 0x900000, MEMMAP_RESERVED);
		expect(7, 0x900000, 0x1000000, MEMMAP_USABLE); /* boot data + loader code merged */
		expect(8, 0x1000000, 0x108c000, MEMMAP_KEEP_LOADER);
		expect(9, 0x108c000, 0xe000000, MEMMAP_USABLE);
		expect(10, 0xe000000, 0xe100000, MEMMAP_RESERVED);
		expect(11, 0xe100000, 0xe104000, MEMMAP_ACPI_RECLAIM);
		expect(12, 0xe104000, 0x10000000, MEMMAP_USABLE);
		assert_int_equal(map.count, 15);
		assert_int_equal(map.pages[MEMMAP_KEEP_LOADER], 0x8c);
		assert_int_equal(map.pages[MEMMAP_ACPI_RECLAIM], 4);
	}
}

static void test_descriptor_sizes(void **state)
{
	(void)state;
	static const size_t bad[] = {0, 8, 32, 39, 41, 44, 47, 52, 63};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memmap_init(&map, ranges, CAP);
		assert_int_equal(memmap_sanitize(&map, raw, 480, bad[i]), MEMMAP_ERR_DESC_SIZE);
		assert_int_equal(map.count, 0);
	}
	begin(48);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x100000, 16);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x200000, 16);
	memmap_init(&map, ranges, CAP);
	assert_int_equal(memmap_sanitize(&map, raw, 2 * 48 - 8, 48), MEMMAP_ERR_MAP_SIZE);
	assert_int_equal(memmap_sanitize(&map, raw, 0, 48), MEMMAP_OK); /* empty map */
	assert_int_equal(map.count, 0);
	static unsigned char unaligned[2 * 48 + 1];
	memcpy(unaligned + 1, raw, 2 * 48);
	assert_int_equal(memmap_sanitize(&map, unaligned + 1, 2 * 48, 48), MEMMAP_OK);
	assert_int_equal(map.count, 2);
	begin(4096);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x100000, 16);
	add(BOOTINFO_EFI_RESERVED, 0x104000, 1);
	assert_int_equal(sanitize(), MEMMAP_OK);
	assert_int_equal(map.count, 3);
	check_all();
}

static void test_zero_length(void **state)
{
	(void)state;
	begin(48);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x100000, 0x100);
	add(BOOTINFO_EFI_RESERVED, 0x180000, 0);          /* would split it */
	add(BOOTINFO_EFI_CONVENTIONAL, 0x300000, 0);      /* would bridge nothing */
	add(BOOTINFO_EFI_MMIO, 0xfffffffffffff000ull, 0); /* would wrap if it counted */
	assert_int_equal(sanitize(), MEMMAP_OK);
	assert_int_equal(map.count, 1);
	expect(0, 0x100000, 0x200000, MEMMAP_USABLE);
	check_all();
}

/* Representative EFI type per class, lowest class first. */
static const uint32_t type_of[MEMMAP_NCLASSES] = {
        BOOTINFO_EFI_CONVENTIONAL,
        BOOTINFO_EFI_ACPI_RECLAIM,
        BOOTINFO_MEM_KERNEL,
        BOOTINFO_EFI_RUNTIME_SERVICES_CODE,
};

static void test_overlap_every_pair(void **state)
{
	(void)state;
	/* B against A = [16, 32) pages: left, right, inside, around, equal;
	 * then a page both cover. */
	static const uint64_t shapes[][3] = {
	        {8, 12, 17}, {24, 16, 25}, {20, 4, 21}, {8, 32, 20}, {16, 16, 20}};
	for (int a = 0; a < MEMMAP_NCLASSES; a++)
		for (int b = 0; b < MEMMAP_NCLASSES; b++)
			for (size_t s = 0; s < 5; s++) {
				begin(40 + 8 * (size_t)((a + b + (int)s) % 4));
				add(type_of[a], 16 * PG, 16);
				add(type_of[b], shapes[s][0] * PG, shapes[s][1]);
				assert_int_equal(sanitize(), MEMMAP_OK);
				check_all();
				int hi = a > b ? a : b;
				assert_int_equal(memmap_find(&map, shapes[s][2] * PG)->mclass, hi);
			}
}

static void test_unaligned(void **state)
{
	(void)state;
	begin(40);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x100800, 4); /* [0x100800, 0x104800) */
	add(BOOTINFO_EFI_ACPI_NVS, 0x200800, 1);     /* [0x200800, 0x201800) */
	add(BOOTINFO_EFI_CONVENTIONAL, 0x1ff000, 4); /* overlapped by the NVS page */
	add(BOOTINFO_EFI_LOADER_DATA, 0x300001, 1);  /* less than one whole page */
	assert_int_equal(sanitize(), MEMMAP_OK);
	check_all();
	expect(0, 0x101000, 0x104000, MEMMAP_USABLE); /* inward */
	expect(1, 0x1ff000, 0x200000, MEMMAP_USABLE);
	expect(2, 0x200000, 0x202000, MEMMAP_RESERVED); /* outward, wins */
	expect(3, 0x202000, 0x203000, MEMMAP_USABLE);
	assert_int_equal(map.count, 4);
}

static void test_unsorted_same_result(void **state)
{
	(void)state;
	struct memmap_range sorted[64];
	size_t n;
	begin(48);
	ovmf_map();
	assert_int_equal(sanitize(), MEMMAP_OK);
	n = map.count;
	memcpy(sorted, ranges, n * sizeof(sorted[0]));
	srand(7);
	for (int round = 0; round < 50; round++) {
		for (size_t i = nd - 1; i > 0; i--) { /* Fisher-Yates on descriptors */
			size_t j = (size_t)rand() % (i + 1);
			unsigned char t[48];
			memcpy(t, raw + i * 48, 48);
			memcpy(raw + i * 48, raw + j * 48, 48);
			memcpy(raw + j * 48, t, 48);
		}
		assert_int_equal(sanitize(), MEMMAP_OK);
		assert_int_equal(map.count, n);
		assert_memory_equal(ranges, sorted, n * sizeof(sorted[0]));
	}
}

static void test_page_zero(void **state)
{
	(void)state;
	begin(40);
	add(BOOTINFO_EFI_CONVENTIONAL, 0, 1); /* only page 0: nothing left */
	assert_int_equal(sanitize(), MEMMAP_OK);
	assert_int_equal(map.count, 0);
	begin(40);
	add(BOOTINFO_EFI_LOADER_DATA, 0, 8);
	add(BOOTINFO_EFI_RESERVED, 0x10000, 1);
	assert_int_equal(sanitize(), MEMMAP_OK);
	expect(0, 0x1000, 0x8000, MEMMAP_USABLE);
	begin(40);
	add(BOOTINFO_EFI_RESERVED, 0, 1); /* reserved page 0 stays reserved */
	add(BOOTINFO_EFI_CONVENTIONAL, 0x1000, 1);
	assert_int_equal(sanitize(), MEMMAP_OK);
	expect(0, 0, 0x1000, MEMMAP_RESERVED);
	expect(1, 0x1000, 0x2000, MEMMAP_USABLE);
	check_all();
}

static void test_wraparound(void **state)
{
	(void)state;
	struct {
		uint64_t start, pages;
		int ok;
	} cases[] = {
	        {0xfffffffffffff000ull, 1, 0},              /* ends at 2^64 */
	        {0xffffffff00000000ull, 0x100000000ull, 0}, /* wraps */
	        {0x1000, 1ull << 52, 0},                    /* pages * 4096 overflows */
	        {0x1000, UINT64_MAX, 0},
	        {MEMMAP_PHYS_LIMIT - 0x1000, 2, 0}, /* passes 2^52 */
	        {MEMMAP_PHYS_LIMIT - 0x1000, 1, 1}, /* ends exactly there */
	        {MEMMAP_PHYS_LIMIT - 0x1800, 1, 1}, /* unaligned, rounded out to it */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		begin(48);
		add(BOOTINFO_EFI_CONVENTIONAL, 0x100000, 1);
		add(BOOTINFO_EFI_MMIO, cases[i].start, cases[i].pages);
		add(BOOTINFO_EFI_CONVENTIONAL, 0x200000, 1);
		int err = sanitize();
		if (cases[i].ok) {
			assert_int_equal(err, MEMMAP_OK);
			check_all();
			assert_int_equal(map.ranges[map.count - 1].end, MEMMAP_PHYS_LIMIT);
		} else {
			assert_int_equal(err, MEMMAP_ERR_RANGE);
			assert_int_equal(map.bad_index, 1);
			assert_int_equal(map.count, 0);
		}
	}
}

static void test_fragmented(void **state)
{
	(void)state;
	/* 4000 adjacent usable descriptors of alternating types: one range. */
	begin(48);
	for (uint64_t i = 0; i < 4000; i++)
		add(i % 2 ? BOOTINFO_EFI_BOOT_SERVICES_DATA : BOOTINFO_EFI_CONVENTIONAL,
		    0x100000 + (3999 - i) * 3 * PG, 3);
	assert_int_equal(sanitize_cap(4), MEMMAP_OK);
	assert_int_equal(map.count, 1);
	expect(0, 0x100000, 0x100000 + 12000 * PG, MEMMAP_USABLE);
	memmap_set_scratch(&map, scratch, 2 * nd - 1); /* too small: the sweep */
	assert_int_equal(memmap_sanitize(&map, raw, nd * dsz, dsz), MEMMAP_OK);
	expect(0, 0x100000, 0x100000 + 12000 * PG, MEMMAP_USABLE);
	/* 3000 usable pages each followed by a reserved page, reversed. */
	begin(64);
	for (uint64_t i = 0; i < 3000; i++) {
		add(BOOTINFO_EFI_RESERVED, 0x100000 + (2999 - i) * 2 * PG + PG, 1);
		add(BOOTINFO_EFI_CONVENTIONAL, 0x100000 + (2999 - i) * 2 * PG, 1);
	}
	assert_int_equal(sanitize(), MEMMAP_OK);
	assert_int_equal(map.count, 6000);
	check_all();
	assert_int_equal(map.pages[MEMMAP_USABLE], 3000);
}

static void test_capacity(void **state)
{
	(void)state;
	begin(48);
	ovmf_map();
	assert_int_equal(sanitize(), MEMMAP_OK);
	size_t full = map.count;
	struct memmap_range want[64];
	memcpy(want, ranges, full * sizeof(want[0]));
	uint64_t usable = map.pages[MEMMAP_USABLE];
	for (size_t cap = 0; cap < full; cap++) {
		memset(ranges, 0x5a, sizeof(ranges));
		assert_int_equal(sanitize_cap(cap), MEMMAP_ERR_CAPACITY);
		assert_int_equal(map.count, cap);
		assert_int_equal(map.needed, full);
		assert_int_equal(map.pages[MEMMAP_USABLE], usable); /* totals: whole map */
		if (cap)
			assert_memory_equal(ranges, want, cap * sizeof(want[0])); /* lowest first */
		assert_int_equal(ranges[cap].start, 0x5a5a5a5a5a5a5a5aull);       /* untouched */
	}
	assert_int_equal(sanitize_cap(full), MEMMAP_OK);
}

static void test_classify(void **state)
{
	(void)state;
	for (uint32_t t = 0; t < 32; t++) {
		int want = (t >= 1 && t <= 4) || t == 7 ? MEMMAP_USABLE
		           : t == 9                     ? MEMMAP_ACPI_RECLAIM
		                                        : MEMMAP_RESERVED;
		assert_int_equal(memmap_classify(t), want);
	}
	for (uint32_t t = BOOTINFO_MEM_KERNEL; t <= BOOTINFO_MEM_INITRD; t++)
		assert_int_equal(memmap_classify(t), MEMMAP_KEEP_LOADER);
	assert_int_equal(memmap_classify(0x80000000u), MEMMAP_RESERVED);
	assert_int_equal(memmap_classify(0x80000006u), MEMMAP_RESERVED);
	assert_int_equal(memmap_classify(0x70000000u), MEMMAP_RESERVED); /* OEM */
	assert_int_equal(memmap_classify(UINT32_MAX), MEMMAP_RESERVED);
	assert_string_equal(memmap_class_name(MEMMAP_RESERVED), "reserved");
	assert_string_equal(memmap_class_name(99), "?");
	static const int errs[] = {MEMMAP_OK, MEMMAP_ERR_DESC_SIZE, MEMMAP_ERR_MAP_SIZE,
	                           MEMMAP_ERR_RANGE, MEMMAP_ERR_CAPACITY};
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		assert_string_not_equal(memmap_strerror(errs[i]), "unknown error");
	assert_string_equal(memmap_strerror(-99), "unknown error");
}

static void test_reserve(void **state)
{
	(void)state;
	begin(48);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x1000, 0x9f);    /* [0x1000, 0xa0000) */
	add(BOOTINFO_EFI_CONVENTIONAL, 0x100000, 0x100); /* [1 MiB, 2 MiB) */
	add(BOOTINFO_EFI_ACPI_RECLAIM, 0x200000, 0x10);
	assert_int_equal(sanitize_cap(5), MEMMAP_OK);
	/* The SMP trampoline page, in the middle of the first range. */
	assert_int_equal(memmap_reserve(&map, 0x8000, 0x8fff, MEMMAP_KEEP_LOADER), MEMMAP_OK);
	expect(0, 0x1000, 0x8000, MEMMAP_USABLE);
	expect(1, 0x8000, 0x9000, MEMMAP_KEEP_LOADER);
	expect(2, 0x9000, 0xa0000, MEMMAP_USABLE);
	assert_int_equal(map.count, 5);
	check_invariants();
	/* Two more splits do not fit in 5. */
	assert_int_equal(memmap_reserve(&map, 0x140000, 0x150000, MEMMAP_RESERVED),
	                 MEMMAP_ERR_CAPACITY);
	assert_int_equal(map.count, 5);
	/* Across a hole and the end of a range: holes stay holes. */
	assert_int_equal(memmap_reserve(&map, 0x90000, 0x180000, MEMMAP_RESERVED),
	                 MEMMAP_ERR_CAPACITY);
	memmap_init(&map, ranges, 16);
	assert_int_equal(memmap_sanitize(&map, raw, nd * dsz, dsz), MEMMAP_OK);
	assert_int_equal(memmap_reserve(&map, 0x90000, 0x180000, MEMMAP_RESERVED), MEMMAP_OK);
	expect(0, 0x1000, 0x90000, MEMMAP_USABLE);
	expect(1, 0x90000, 0xa0000, MEMMAP_RESERVED);
	expect(2, 0x100000, 0x180000, MEMMAP_RESERVED);
	expect(3, 0x180000, 0x200000, MEMMAP_USABLE);
	assert_null(memmap_find(&map, 0xa0000));
	check_invariants();
	/* A lower class changes nothing; a whole range re-merges with its neighbour. */
	assert_int_equal(memmap_reserve(&map, 0x1000, 0x200000, MEMMAP_USABLE), MEMMAP_OK);
	assert_int_equal(map.count, 5);
	assert_int_equal(memmap_reserve(&map, 0x180000, 0x200000, MEMMAP_RESERVED), MEMMAP_OK);
	expect(2, 0x100000, 0x200000, MEMMAP_RESERVED);
	check_invariants();
	assert_int_equal(map.pages[MEMMAP_RESERVED], 0x10 + 0x100);
	assert_int_equal(memmap_reserve(&map, 0x5000, 0x5000, MEMMAP_RESERVED), MEMMAP_OK);
	assert_int_equal(memmap_reserve(&map, 0x5000, UINT64_MAX, MEMMAP_RESERVED), MEMMAP_OK);
	assert_int_equal(map.count, 3); /* up to 2^52: holes stay holes */
	expect(0, 0x1000, 0x5000, MEMMAP_USABLE);
	expect(1, 0x5000, 0xa0000, MEMMAP_RESERVED);
	expect(2, 0x100000, 0x210000, MEMMAP_RESERVED);
	/* A truncated map cannot be edited. */
	begin(48);
	ovmf_map();
	assert_int_equal(sanitize_cap(3), MEMMAP_ERR_CAPACITY);
	assert_int_equal(memmap_reserve(&map, 0x2000, 0x3000, MEMMAP_RESERVED),
	                 MEMMAP_ERR_CAPACITY);
}

/* Random maps, including overlaps and unaligned and zero-length entries, against the oracle. */
static void test_random_maps(void **state)
{
	(void)state;
	static const uint32_t types[] = {0,
	                                 1,
	                                 2,
	                                 3,
	                                 4,
	                                 5,
	                                 6,
	                                 7,
	                                 7,
	                                 7,
	                                 8,
	                                 9,
	                                 10,
	                                 11,
	                                 14,
	                                 15,
	                                 BOOTINFO_MEM_KERNEL,
	                                 BOOTINFO_MEM_STACK,
	                                 0x80000009u};
	srand(12345);
	for (int round = 0; round < 400; round++) {
		begin(40 + 8 * (size_t)(rand() % 4));
		int n = 1 + rand() % 60;
		for (int i = 0; i < n; i++) {
			uint64_t start = (uint64_t)(rand() % 512) * PG / (rand() % 4 ? 1 : 3);
			add(types[rand() % (int)(sizeof(types) / sizeof(types[0]))], start,
			    (uint64_t)(rand() % 40));
		}
		assert_int_equal(sanitize(), MEMMAP_OK);
		check_all();
		for (uint64_t pg = 0; pg < 560; pg++)
			check_page(pg * PG);
	}
}

/* A map the way this loader leaves it: its ranges are loader data. */
static void loader_data_map(void)
{
	begin(48);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x1000, 0x9f);           /* [4 KiB, 640 KiB) */
	add(BOOTINFO_EFI_CONVENTIONAL, 0x100000, 0x700);        /* [1 MiB, 8 MiB) */
	add(BOOTINFO_EFI_ACPI_NVS, 0x800000, 0x10);             /* [8 MiB, 8 MiB + 64 KiB) */
	add(BOOTINFO_EFI_LOADER_DATA, 0x1000000, 0x100);        /* [16 MiB, 17 MiB) */
	add(BOOTINFO_EFI_BOOT_SERVICES_DATA, 0x1100000, 0x700); /* [17 MiB, 24 MiB) */
	add(BOOTINFO_EFI_ACPI_RECLAIM, 0x1800000, 0x10);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x1810000, 0x7f0);       /* up to 32 MiB */
	add(BOOTINFO_EFI_MMIO, 0xfee00000, 1);
	assert_int_equal(sanitize_cap(64), MEMMAP_OK);
}

static struct bootinfo bi;

static void set_range(unsigned i, uint64_t phys, uint64_t size, uint32_t kind)
{
	bi.ranges[i] = (struct bootinfo_range){phys, size, kind, 0};
	if (bi.nranges <= i)
		bi.nranges = i + 1;
}

/* The loader's five ranges inside its loader-data descriptor. */
static void good_ranges(void)
{
	memset(&bi, 0, sizeof(bi));
	set_range(0, 0x1000000, 0x80000, BOOTINFO_MEM_KERNEL);
	set_range(1, 0x10c0000, 0x20000, BOOTINFO_MEM_INITRD);
	set_range(2, 0x1080000, 0x2000, BOOTINFO_MEM_BOOTINFO);
	set_range(3, 0x1082000, 0x6000, BOOTINFO_MEM_PAGE_TABLES);
	set_range(4, 0x1088000, 0x4000, BOOTINFO_MEM_STACK);
}

static void test_loader_ranges_kept(void **state)
{
	(void)state;
	loader_data_map();
	good_ranges();
	assert_int_equal(memmap_apply_bootinfo(&map, &bi), MEMMAP_OK);
	check_invariants();
	/* The kernel through the stack merge into one kept range; the gap
	 * before the initrd and the rest of loader data stay usable. */
	const struct memmap_range *r = memmap_find(&map, 0x1000000);
	assert_non_null(r);
	assert_int_equal(r->mclass, MEMMAP_KEEP_LOADER);
	assert_int_equal(r->start, 0x1000000);
	assert_int_equal(r->end, 0x108c000);
	assert_int_equal(memmap_find(&map, 0x108c000)->mclass, MEMMAP_USABLE);
	assert_int_equal(memmap_find(&map, 0x10c0000)->mclass, MEMMAP_KEEP_LOADER);
	assert_int_equal(memmap_find(&map, 0x10e0000)->mclass, MEMMAP_USABLE);
	assert_int_equal(map.pages[MEMMAP_KEEP_LOADER], 0x8c + 0x20);
	/* Loader data on its own is usable: without a range nothing is kept. */
	loader_data_map();
	memset(&bi, 0, sizeof(bi));
	assert_int_equal(memmap_apply_bootinfo(&map, &bi), MEMMAP_OK);
	assert_int_equal(map.pages[MEMMAP_KEEP_LOADER], 0);
	/* A kind this kernel does not know is kept all the same. */
	set_range(0, 0x1000000, 0x1000, 0x1234);
	assert_int_equal(memmap_apply_bootinfo(&map, &bi), MEMMAP_OK);
	assert_int_equal(memmap_find(&map, 0x1000000)->mclass, MEMMAP_KEEP_LOADER);
}

/* Each bad range is refused with its own error and index, the map unchanged. */
static void expect_refused(int err, size_t index)
{
	struct memmap_range before[64];
	size_t count = map.count;
	memcpy(before, ranges, count * sizeof(before[0]));
	assert_int_equal(memmap_apply_bootinfo(&map, &bi), err);
	assert_int_equal(map.bad_index, index);
	assert_int_equal(map.count, count);
	assert_memory_equal(ranges, before, count * sizeof(before[0]));
	assert_true(memmap_strerror(err)[0] != 'u'); /* has a message of its own */
}

/* One bad range replacing (or added after) the good ones, and the error
 * it must get. */
static const struct {
	unsigned index;
	uint64_t phys, size;
	int err;
	size_t other; /* the range it overlaps */
} refused[] = {
	{3, 0x1082800, 0x6000, MEMMAP_ERR_UNALIGNED, 0},
	{4, 0x1088000, 0x4100, MEMMAP_ERR_UNALIGNED, 0},
	{2, 0x1080000, 0, MEMMAP_ERR_EMPTY, 0},
	/* Overlaps: the same range twice, one inside another, one across an end. */
	{5, 0x1000000, 0x80000, MEMMAP_ERR_OVERLAP, 0},
	{5, 0x1083000, 0x1000, MEMMAP_ERR_OVERLAP, 3},
	{4, 0x107f000, 0x2000, MEMMAP_ERR_OVERLAP, 0},
	/* Outside usable memory: device memory, a hole, ACPI NVS, from loader
	 * and boot-services data (one usable range) into ACPI reclaim, page 0. */
	{4, 0xfee00000, 0x1000, MEMMAP_ERR_OUTSIDE, 0},
	{4, 0xa0000, 0x1000, MEMMAP_ERR_OUTSIDE, 0},
	{4, 0x800000, 0x1000, MEMMAP_ERR_OUTSIDE, 0},
	{4, 0x17ff000, 0x2000, MEMMAP_ERR_OUTSIDE, 0},
	{4, 0, 0x1000, MEMMAP_ERR_OUTSIDE, 0},
	/* Wrapping, and above the direct map's limit. */
	{4, 0xfffffffffffff000ull, 0x2000, MEMMAP_ERR_ABOVE_LIMIT, 0},
	{4, BOOTINFO_DIRECT_MAP_MAX - 0x1000, 0x2000, MEMMAP_ERR_ABOVE_LIMIT, 0},
};

static void test_loader_ranges_refused(void **state)
{
	(void)state;
	loader_data_map();
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		good_ranges();
		set_range(refused[i].index, refused[i].phys, refused[i].size, BOOTINFO_MEM_STACK);
		expect_refused(refused[i].err, refused[i].index);
		if (refused[i].err == MEMMAP_ERR_OVERLAP)
			assert_int_equal(map.bad_other, refused[i].other);
	}
	good_ranges();
	bi.nranges = BOOTINFO_MAX_RANGES + 1;
	expect_refused(MEMMAP_ERR_COUNT, BOOTINFO_MAX_RANGES + 1);
}

/* The framebuffer leaves usable memory whatever the firmware called it,
 * rounded outward to whole pages; a framebuffer in device memory changes
 * nothing; without one nothing happens. */
static void test_framebuffer_reserved(void **state)
{
	(void)state;
	static const uint32_t types[] = {BOOTINFO_EFI_CONVENTIONAL,
	                                 BOOTINFO_EFI_BOOT_SERVICES_DATA,
	                                 BOOTINFO_EFI_LOADER_DATA};
	for (unsigned t = 0; t < 3; t++) {
		begin(48);
		add(BOOTINFO_EFI_CONVENTIONAL, 0x1000, 0xfff);
		add(types[t], 0x1000000, 0x1000); /* [16 MiB, 32 MiB) */
		add(BOOTINFO_EFI_CONVENTIONAL, 0x2000000, 0x1000);
		assert_int_equal(sanitize_cap(16), MEMMAP_OK);
		memset(&bi, 0, sizeof(bi));
		bi.fb = (struct bootinfo_framebuffer){.base_phys = 0x1400800, .size = 1024 * 768 * 4,
		                                      .width = 1024, .height = 768, .pitch = 1024,
		                                      .format = BOOTINFO_FB_BGRX};
		assert_int_equal(memmap_apply_bootinfo(&map, &bi), MEMMAP_OK);
		check_invariants();
		uint64_t end = (0x1400800 + 1024 * 768 * 4 + PG - 1) & ~(PG - 1);
		expect(1, 0x1400000, end, MEMMAP_RESERVED);
		assert_int_equal(memmap_find(&map, 0x13ff000)->mclass, MEMMAP_USABLE);
		assert_int_equal(memmap_find(&map, end)->mclass, MEMMAP_USABLE);
		assert_false(memmap_is_ram(&map, 0x1400000, 0x1401000));
	}
	/* In device memory (a PCI BAR, as QEMU's): nothing changes. */
	begin(48);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x1000, 0xfff);
	assert_int_equal(sanitize_cap(16), MEMMAP_OK);
	bi.fb.base_phys = 0x80000000;
	assert_int_equal(memmap_apply_bootinfo(&map, &bi), MEMMAP_OK);
	assert_int_equal(map.count, 1);
	/* No framebuffer: its fields are ignored. */
	bi.fb.base_phys = 0x2000;
	bi.fb.format = BOOTINFO_FB_NONE;
	assert_int_equal(memmap_apply_bootinfo(&map, &bi), MEMMAP_OK);
	assert_int_equal(map.count, 1);
}

/* Which memory the direct map covers, and where it ends. */
static void test_direct_map_ram(void **state)
{
	(void)state;
	loader_data_map();
	good_ranges();
	assert_int_equal(memmap_apply_bootinfo(&map, &bi), MEMMAP_OK);
	/* RAM: usable, kept and ACPI reclaim, also across their borders. */
	assert_true(memmap_is_ram(&map, 0x1000, 0xa0000));
	assert_true(memmap_is_ram(&map, 0xff0000, 0x1000000) == false); /* a hole */
	assert_true(memmap_is_ram(&map, 0x1000000, 0x2000000));
	assert_true(memmap_is_ram(&map, 0x17ff000, 0x1811000));
	assert_true(memmap_is_ram(&map, 0x5000, 0x5000)); /* empty */
	/* Not RAM: page 0, ACPI NVS, the hole below 1 MiB, MMIO. */
	assert_false(memmap_is_ram(&map, 0, 0x1000));
	assert_false(memmap_is_ram(&map, 0x800000, 0x801000));
	assert_false(memmap_is_ram(&map, 0x7ff000, 0x801000));
	assert_false(memmap_is_ram(&map, 0x9f000, 0xa1000));
	assert_false(memmap_is_ram(&map, 0xfee00000, 0xfee01000));
	assert_int_equal(memmap_direct_map_end(&map, BOOTINFO_DIRECT_MAP_MAX), 0x2000000);
	assert_int_equal(memmap_direct_map_end(&map, 0x1800000), 0x1800000);
	/* RAM above 64 TiB is clipped; reserved memory up there does not count. */
	begin(48);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x1000, 0xfff);
	add(BOOTINFO_EFI_CONVENTIONAL, BOOTINFO_DIRECT_MAP_MAX - 0x100000, 0x200);
	add(BOOTINFO_EFI_RESERVED, 1ull << 50, 0x10);
	assert_int_equal(sanitize_cap(16), MEMMAP_OK);
	assert_int_equal(memmap_direct_map_end(&map, BOOTINFO_DIRECT_MAP_MAX),
	                 BOOTINFO_DIRECT_MAP_MAX);
	assert_int_equal(memmap_direct_map_end(&map, MEMMAP_PHYS_LIMIT),
	                 BOOTINFO_DIRECT_MAP_MAX + 0x100000);
	begin(48);
	add(BOOTINFO_EFI_MMIO, 0xfee00000, 1);
	assert_int_equal(sanitize_cap(16), MEMMAP_OK);
	assert_int_equal(memmap_direct_map_end(&map, BOOTINFO_DIRECT_MAP_MAX), 0);
}

/* Releasing lowers only kept pages, inward, and re-merges. */
static void test_release(void **state)
{
	(void)state;
	loader_data_map();
	good_ranges();
	assert_int_equal(memmap_apply_bootinfo(&map, &bi), MEMMAP_OK);
	size_t count = map.count;
	/* The page tables and the stack: the kept range shrinks to the kernel
	 * and boot info, the freed part joins the usable range after it. */
	assert_int_equal(memmap_release(&map, 0x1082000, 0x1088000), MEMMAP_OK);
	assert_int_equal(memmap_release(&map, 0x1088000, 0x108c000), MEMMAP_OK);
	check_invariants();
	assert_int_equal(map.count, count);
	const struct memmap_range *r = memmap_find(&map, 0x1082000);
	assert_int_equal(r->mclass, MEMMAP_USABLE);
	assert_int_equal(r->start, 0x1082000);
	assert_int_equal(r->end, 0x10c0000);
	assert_int_equal(memmap_find(&map, 0x1081000)->mclass, MEMMAP_KEEP_LOADER);
	/* Nothing else is lowered: ACPI NVS and reclaim stay, partial pages
	 * round inward, page 0 is never released. */
	assert_int_equal(memmap_release(&map, 0, 0x2000000), MEMMAP_OK);
	check_invariants();
	assert_int_equal(memmap_find(&map, 0x800000)->mclass, MEMMAP_RESERVED);
	assert_int_equal(memmap_find(&map, 0x1800000)->mclass, MEMMAP_ACPI_RECLAIM);
	assert_int_equal(map.pages[MEMMAP_KEEP_LOADER], 0);
	assert_null(memmap_find(&map, 0));
	/* Lowering to usable through memmap_reserve is refused as a no-op. */
	assert_int_equal(memmap_reserve(&map, 0x800000, 0x810000, MEMMAP_USABLE), MEMMAP_OK);
	assert_int_equal(memmap_find(&map, 0x800000)->mclass, MEMMAP_RESERVED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ovmf_like),   cmocka_unit_test(test_descriptor_sizes),
	        cmocka_unit_test(test_zero_length), cmocka_unit_test(test_overlap_every_pair),
	        cmocka_unit_test(test_unaligned),   cmocka_unit_test(test_unsorted_same_result),
	        cmocka_unit_test(test_page_zero),   cmocka_unit_test(test_wraparound),
	        cmocka_unit_test(test_fragmented),  cmocka_unit_test(test_capacity),
	        cmocka_unit_test(test_classify),    cmocka_unit_test(test_reserve),
	        cmocka_unit_test(test_random_maps),
	        cmocka_unit_test(test_loader_ranges_kept),
	        cmocka_unit_test(test_loader_ranges_refused),
	        cmocka_unit_test(test_framebuffer_reserved),
	        cmocka_unit_test(test_direct_map_ram),
	        cmocka_unit_test(test_release),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
