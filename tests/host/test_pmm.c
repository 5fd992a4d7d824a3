/*
 * Host tests for kernel/mm/pmm.c (and the naive baseline in pmm_naive.c).
 *
 * "Physical memory" is an anonymous MAP_NORESERVE mapping: physical address
 * pa lives at ram + pa, so the direct-map offset is the mapping's address.
 * The kernel never backs a page until something writes it, which lets one
 * test build the allocator over 17 GiB and count with mincore() how many
 * pages init and a few thousand operations really touched.
 *
 * Every allocated page gets its own address written into its first and last
 * word and checked when it is freed, so a page handed out twice, or one the
 * allocator itself writes into (metadata, list headers), is caught. A
 * reference model (one byte per page) cross-checks every result of long
 * random runs. The panic hook records the message and either longjmps out
 * (EXPECT_PANIC) or returns, to check that a refused free changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include <boot/bootinfo.h>

#include "mm/memmap.h"
#include "mm/pmm.h"

#define PG       4096ull
#define MIB      (1024ull * 1024)
#define GIB      (1024 * MIB)
#define RAM_SIZE (64 * MIB)
#define NPAGES   (RAM_SIZE / PG)

static unsigned char *ram;
static size_t ram_size;
static struct bootinfo_mmap_desc descs[64];
static size_t nd;
static struct memmap_range ranges[64];
static struct memmap map;
static struct pmm pmm;

#include "tests/host/panic_hook.h"

static void ram_map(size_t size)
{
	ram_size = size;
	ram = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
	           -1, 0);
	assert_true(ram != MAP_FAILED);
	/* RAM is not zero. 0x01 bytes are the nastiest junk here: a descriptor
	 * read before it is zeroed looks like the head of a free block. */
	memset(ram, 0x01, size);
}

static int teardown(void **state)
{
	(void)state;
	if (ram)
		munmap(ram, ram_size);
	ram = NULL;
	panic_returns = panic_armed = false;
	return 0;
}

static void add(uint32_t type, uint64_t start, uint64_t end)
{
	descs[nd++] = (struct bootinfo_mmap_desc){
	        .type = type, .phys_start = start, .num_pages = (end - start) / PG};
}

/* 64 MiB, shaped like OVMF's map: fragments, NVS inside one chunk, the
 * loader's pages, ACPI reclaim next to boot-services data. */
static void small_map(void)
{
	nd = 0;
	add(BOOTINFO_EFI_BOOT_SERVICES_CODE, 0, 0x1000);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x1000, 0xa0000);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x100000, 0x800000);
	add(BOOTINFO_EFI_ACPI_NVS, 0x800000, 0x808000);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x808000, 0x80b000);
	add(BOOTINFO_EFI_ACPI_NVS, 0x80b000, 0x80c000);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x80c000, 0x811000);
	add(BOOTINFO_EFI_ACPI_NVS, 0x811000, 0x900000);
	add(BOOTINFO_EFI_BOOT_SERVICES_DATA, 0x900000, 0x1000000);
	add(BOOTINFO_MEM_KERNEL, 0x1000000, 0x1080000);
	add(BOOTINFO_MEM_BOOTINFO, 0x1080000, 0x108c000);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x108c000, 0x3e00000);
	add(BOOTINFO_EFI_ACPI_RECLAIM, 0x3e00000, 0x3e04000);
	add(BOOTINFO_EFI_BOOT_SERVICES_DATA, 0x3e04000, 0x3f00000);
	add(BOOTINFO_EFI_RUNTIME_SERVICES_DATA, 0x3f00000, 0x4000000);
}

static void build(uint64_t phys_limit, int want)
{
	memmap_init(&map, ranges, 64);
	assert_int_equal(memmap_sanitize(&map, descs, nd * sizeof(descs[0]), sizeof(descs[0])),
	                 MEMMAP_OK);
	struct pmm_config cfg = {
	        .virt_offset = (uint64_t)(uintptr_t)ram, .phys_limit = phys_limit, .panic = hook};
	assert_int_equal(pmm_init(&pmm, &map, &cfg), want);
}

static void setup_small(void)
{
	ram_map(RAM_SIZE);
	small_map();
	build(0, PMM_OK);
}

static struct pmm_stats stats(void)
{
	struct pmm_stats s;
	pmm_stats(&pmm, &s);
	assert_int_equal(s.used_pages, s.total_pages - s.free_pages);
	return s;
}

/* ---- The model --------------------------------------------------------- */

static uint8_t owned[NPAGES];                /* 1: allocated according to the model */
static uint32_t list[NPAGES], where[NPAGES]; /* allocated pages, and each one's slot */
static size_t nlist;

static void *va(uint64_t pa)
{
	return ram + pa;
}

/* A page the allocator just handed out: check it and record it. */
static void took(uint64_t pa)
{
	uint64_t pg = pa / PG;
	const struct memmap_range *r = memmap_find(&map, pa);
	assert_true(pa != 0 && pa % PG == 0 && pa < RAM_SIZE);
	if (owned[pg])
		fail_msg("page 0x%llx handed out twice", (unsigned long long)pa);
	assert_true(r && r->mclass == MEMMAP_USABLE);
	assert_true(pa + PG <= pmm.meta_start || pa >= pmm.meta_end);
	owned[pg] = 1;
	where[pg] = (uint32_t)nlist;
	list[nlist++] = (uint32_t)pg;
	uint64_t *w = va(pa);
	w[0] = w[PG / 8 - 1] = pa;
}

static void took_run(uint64_t pa, size_t n, size_t align)
{
	assert_true(pa != 0);
	assert_int_equal(pa / PG % (align ? align : 1), 0);
	for (size_t i = 0; i < n; i++)
		took(pa + i * PG);
}

/* Forget a page (checking its contents) before the allocator frees it. */
static void give(uint64_t pa)
{
	uint64_t pg = pa / PG, *w = va(pa);
	assert_true(owned[pg]);
	if (w[0] != pa || w[PG / 8 - 1] != pa)
		fail_msg("page 0x%llx was overwritten while allocated", (unsigned long long)pa);
	owned[pg] = 0;
	uint32_t last = list[--nlist];
	list[where[pg]] = last;
	where[last] = where[pg];
}

static void model_reset(void)
{
	memset(owned, 0, sizeof(owned));
	nlist = 0;
}

static void free_everything(void)
{
	while (nlist) {
		uint64_t pa = (uint64_t)list[nlist - 1] * PG;
		give(pa);
		pmm_free_page(&pmm, pa);
	}
	pmm_cpu_release(&pmm, &pmm.cpu[0]);
}

/* After everything is freed and the CPU's stack and chunk given back, the
 * buddy is back to its initial blocks exactly. */
static void assert_back_to(const struct pmm_stats *initial)
{
	pmm_cpu_release(&pmm, &pmm.cpu[0]);
	struct pmm_stats s = stats();
	assert_int_equal(s.cpu_pages, 0);
	assert_int_equal(s.free_pages, s.total_pages);
	assert_int_equal(s.partial_chunks, initial->partial_chunks);
	assert_memory_equal(s.free_blocks, initial->free_blocks, sizeof(s.free_blocks));
}

/* ---- Tests ------------------------------------------------------------- */

static void test_init_stats(void **state)
{
	(void)state;
	setup_small();
	struct pmm_stats s = stats();
	assert_int_equal(s.meta_pages, pmm_meta_bytes(&map, 0) / PG);
	assert_int_equal(s.total_pages + s.meta_pages, map.pages[MEMMAP_USABLE]);
	assert_int_equal(s.free_pages, s.total_pages);
	assert_int_equal(s.class_pages[MEMMAP_KEEP_LOADER], 0x8c);
	assert_int_equal(s.class_pages[MEMMAP_ACPI_RECLAIM], 4);
	assert_int_equal(s.unmanaged_pages, 0);
	assert_true(pmm.meta_end == 0x3f00000); /* top of the highest usable range */
}

static void test_alloc_all_free_all(void **state)
{
	(void)state;
	setup_small();
	model_reset();
	struct pmm_stats initial = stats();
	for (int round = 0; round < 2; round++) {
		uint64_t pa;
		while ((pa = pmm_alloc_page(&pmm)) != 0)
			took(pa);
		assert_int_equal(nlist, initial.total_pages);
		assert_int_equal(stats().free_pages, 0);
		assert_int_equal(pmm_alloc_pages(&pmm, 2, 1), 0);
		assert_int_equal(pmm_alloc_pages(&pmm, 64, 64), 0);
		for (size_t i = nlist; i > 1; i--) { /* free in random order */
			size_t j = (size_t)rand() % i;
			uint32_t t = list[i - 1];
			list[i - 1] = list[j];
			list[j] = t;
			where[list[j]] = (uint32_t)j;
			where[list[i - 1]] = (uint32_t)(i - 1);
		}
		free_everything();
		assert_back_to(&initial);
	}
}

static void test_contiguous(void **state)
{
	(void)state;
	setup_small();
	model_reset();
	struct pmm_stats initial = stats();
	static const size_t ns[] = {1, 2, 3, 7, 63, 64, 65, 100, 512, 513, 1000, 4096};
	static const size_t aligns[] = {0, 1, 2, 8, 64, 128, 512, 2048};
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		for (size_t j = 0; j < sizeof(aligns) / sizeof(aligns[0]); j++) {
			uint64_t one = pmm_alloc_page(&pmm); /* keep some single pages */
			took(one);
			uint64_t pa = pmm_alloc_pages(&pmm, ns[i], aligns[j]);
			if (!pa)
				fail_msg("no run of %zu pages aligned to %zu", ns[i], aligns[j]);
			took_run(pa, ns[i], aligns[j]);
			if (ns[i] > 64 || aligns[j] > 64) { /* 64 MiB has few such blocks */
				for (size_t k = 0; k < ns[i]; k++)
					give(pa + k * PG);
				pmm_free_pages(&pmm, pa, ns[i]);
			}
		}
	free_everything();
	assert_back_to(&initial);
	/* Refused: not a power of two, too large, nothing. */
	assert_int_equal(pmm_alloc_pages(&pmm, 4, 3), 0);
	assert_int_equal(pmm_alloc_pages(&pmm, PMM_MAX_CONTIG_PAGES + 1, 1), 0);
	assert_int_equal(pmm_alloc_pages(&pmm, 1, PMM_MAX_CONTIG_PAGES * 2), 0);
	assert_int_equal(pmm_alloc_pages(&pmm, 0, 1), 0);
	assert_int_equal(pmm_alloc_pages(&pmm, 8192, 8192), 0); /* 32 MiB: no such block */
	assert_back_to(&initial);
	/* Pieces of a run can be freed separately, in any order. */
	uint64_t pa = pmm_alloc_pages(&pmm, 300, 64);
	took_run(pa, 300, 64);
	for (size_t i = 0; i < 10; i++)
		give(pa + i * PG);
	pmm_free_pages(&pmm, pa, 10);
	for (size_t i = 299; i >= 200; i--) {
		give(pa + i * PG);
		pmm_free_page(&pmm, pa + i * PG);
	}
	for (size_t i = 10; i < 200; i++)
		give(pa + i * PG);
	pmm_free_pages(&pmm, pa + 10 * PG, 190);
	assert_back_to(&initial);
}

/* A random allocated page and how many allocated pages follow it (<= max). */
static size_t allocated_run(uint64_t *pa, size_t max)
{
	uint64_t pg = list[(size_t)rand() % nlist];
	size_t n = 1;
	while (n < max && pg + n < NPAGES && owned[pg + n])
		n++;
	*pa = pg * PG;
	return n;
}

/*
 * Long random runs against the model, kept between a quarter and three
 * quarters full: single pages, runs with alignment, frees of single pages
 * and of stretches of adjacent allocated pages (across allocations), and
 * now and then a refused free (the hook returns) that must change nothing.
 */
static void random_run(unsigned seed, long ops)
{
	setup_small();
	model_reset();
	srand(seed);
	struct pmm_stats initial = stats();
	uint64_t total = initial.total_pages;
	long n_alloc = 0, n_run = 0, n_run_failed = 0, n_free = 0, n_free_run = 0, n_refused = 0;
	panic_returns = true;
	for (long op = 0; op < ops; op++) {
		int r = rand() % 100;
		bool fill = nlist < total / 4 || (nlist < total * 3 / 4 && rand() % 2);
		if (r < 2 && nlist) { /* refused: a page that is free */
			uint64_t pa;
			do
				pa = (uint64_t)(1 + rand() % (NPAGES - 1)) * PG;
			while (owned[pa / PG]);
			int before = panics;
			uint64_t free_before = stats().free_pages;
			pmm_free_pages(&pmm, pa, 1 + (size_t)(rand() % 3));
			assert_int_equal(panics, before + 1);
			assert_int_equal(stats().free_pages, free_before);
			n_refused++;
		} else if (fill && r < 90) {
			uint64_t pa = pmm_alloc_page(&pmm);
			n_alloc += pa != 0;
			if (pa)
				took(pa);
			else
				assert_int_equal(stats().free_pages, 0);
		} else if (fill) {
			size_t n = 1 + (size_t)(rand() % (rand() % 8 ? 80 : 700));
			size_t align = (size_t)1 << (rand() % 11);
			uint64_t pa = pmm_alloc_pages(&pmm, n, align);
			n_run += pa != 0;
			n_run_failed += pa == 0;
			if (pa)
				took_run(pa, n, align);
		} else if (nlist && r < 85) {
			uint64_t pa = (uint64_t)list[(size_t)rand() % nlist] * PG;
			give(pa);
			pmm_free_page(&pmm, pa);
			n_free++;
		} else if (nlist) {
			uint64_t pa;
			size_t n = allocated_run(&pa, 1 + (size_t)(rand() % 200));
			for (size_t i = 0; i < n; i++)
				give(pa + i * PG);
			pmm_free_pages(&pmm, pa, n);
			n_free_run++;
		}
		if (stats().free_pages != total - nlist)
			fail_msg("op %ld: allocator says %llu free, model %llu", op,
			         (unsigned long long)stats().free_pages,
			         (unsigned long long)(total - nlist));
	}
	panic_returns = false;
	print_message("seed %u: %ld pages, %ld runs (%ld refused), %ld frees, %ld run frees, "
	              "%ld bad frees refused\n",
	              seed, n_alloc, n_run, n_run_failed, n_free, n_free_run, n_refused);
	free_everything();
	assert_back_to(&initial);
}

static void test_random_1(void **state)
{
	(void)state;
	random_run(1, 150000);
}

static void test_random_2(void **state)
{
	(void)state;
	random_run(2, 150000);
}

static void test_random_3(void **state)
{
	(void)state;
	random_run(0xc0ffee, 150000);
}

static void test_bad_frees(void **state)
{
	(void)state;
	setup_small();
	model_reset();
	uint64_t a = pmm_alloc_page(&pmm), b = pmm_alloc_page(&pmm);
	pmm_free_page(&pmm, a);
	EXPECT_PANIC(pmm_free_page(&pmm, a), "double free of page"); /* free in the CPU's chunk */
	EXPECT_PANIC(pmm_free_pages(&pmm, a, 1), "double free");
	EXPECT_PANIC(pmm_free_page(&pmm, 0x3000000), "double free"); /* free in the buddy */
	EXPECT_PANIC(pmm_free_page(&pmm, 0), "never allocatable");
	EXPECT_PANIC(pmm_free_page(&pmm, 0x800000), "never allocatable: reserved");
	EXPECT_PANIC(pmm_free_page(&pmm, 0x80b000), "reserved"); /* inside an edge chunk */
	EXPECT_PANIC(pmm_free_page(&pmm, 0x1000000), "kept for the kernel");
	EXPECT_PANIC(pmm_free_page(&pmm, 0x3e00000), "never allocatable: ACPI reclaim");
	EXPECT_PANIC(pmm_free_page(&pmm, 0xa0000), "not memory");
	EXPECT_PANIC(pmm_free_page(&pmm, 0x80000000), "not memory");
	EXPECT_PANIC(pmm_free_page(&pmm, UINT64_MAX & ~(PG - 1)), "not memory");
	EXPECT_PANIC(pmm_free_page(&pmm, b + 8), "unaligned");
	EXPECT_PANIC(pmm_free_page(&pmm, pmm.meta_start), "metadata");
	EXPECT_PANIC(pmm_free_pages(&pmm, UINT64_MAX & ~(PG - 1), 2), "not memory");
	EXPECT_PANIC(pmm_free_pages(&pmm, b, SIZE_MAX), "already free");

	/* Runs that leave their range, or their allocation. */
	uint64_t pa;
	while ((pa = pmm_alloc_page(&pmm)) != 0)
		;
	EXPECT_PANIC(pmm_free_pages(&pmm, 0x9e000, 4), "runs out of its range at 0xa0000");
	EXPECT_PANIC(pmm_free_pages(&pmm, 0x80a000, 2), "runs out of its range at 0x80b000");
	EXPECT_PANIC(pmm_free_pages(&pmm, 0x3dfe000, 4), "ACPI reclaim");
	EXPECT_PANIC(pmm_free_pages(&pmm, pmm.meta_start - 2 * PG, 4), "metadata");
	pmm_free_pages(&pmm, 0x200000, 8);
	EXPECT_PANIC(pmm_free_pages(&pmm, 0x1fe000, 4), "0x200000 is already free");

	/* A refused free changes nothing: the hook returns here. */
	panic_returns = true;
	struct pmm_stats before = stats();
	pmm_free_pages(&pmm, 0x1fc000, 6);
	pmm_free_page(&pmm, 0x200000);
	struct pmm_stats after = stats();
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(pmm_alloc_pages(&pmm, 8, 8), 0x200000);
}

/* A free order-2 block whose 24-byte header was overwritten (a use after
 * free): all of it, only the check word, or only the links. */
enum { ALL_OF_IT, CHECK_WORD, LINKS, WILD_LINKS };

static uint64_t corrupted_block(int how)
{
	setup_small();
	uint64_t x = pmm_alloc_pages(&pmm, 512, 512); /* 2 MiB: chunks 0-7 of a block */
	assert_true(x != 0);
	pmm_free_pages(&pmm, x + MIB, 256); /* chunks 4-7: one free order-2 block */
	struct pmm_node *n = va(x + MIB);
	if (how == ALL_OF_IT)
		memset(n, 0x41, sizeof(*n));
	else if (how == CHECK_WORD)
		n->check ^= 1 << 12;
	else if (how == LINKS)
		n->next = n->prev = (struct pmm_node *)va(x + 2 * MIB);
	else
		n->next = n->prev = (struct pmm_node *)(uintptr_t)0x4141414141414141ull;
	return x;
}

static void test_corrupted_header(void **state)
{
	(void)state;
	corrupted_block(ALL_OF_IT);
	EXPECT_PANIC(pmm_alloc_pages(&pmm, 256, 256), "corrupted free-list header");
	assert_non_null(strstr(panic_msg, "order 2"));
	teardown(NULL);
	uint64_t x = corrupted_block(ALL_OF_IT);
	EXPECT_PANIC(pmm_free_pages(&pmm, x, 256), "corrupted free-list header"); /* merge */
	teardown(NULL);
	corrupted_block(CHECK_WORD);
	EXPECT_PANIC(pmm_alloc_pages(&pmm, 256, 256), "corrupted");
	teardown(NULL);
	corrupted_block(LINKS); /* plausible links, check word intact */
	EXPECT_PANIC(pmm_alloc_pages(&pmm, 256, 256), "corrupted");
	teardown(NULL);
	corrupted_block(WILD_LINKS); /* never followed */
	EXPECT_PANIC(pmm_alloc_pages(&pmm, 256, 256), "corrupted");
}

/* Pages of the mapping that the kernel has backed. */
static size_t resident(void)
{
	size_t n = ram_size / PG, count = 0;
	unsigned char *vec = malloc(n);
	assert_non_null(vec);
	assert_int_equal(mincore(ram, ram_size, vec), 0);
	for (size_t i = 0; i < n; i++)
		count += vec[i] & 1;
	free(vec);
	return count;
}

static size_t touched_by_init(uint64_t ram_bytes)
{
	ram_size = ram_bytes;
	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
	           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED) { /* vm.overcommit_memory=2 ignores MAP_NORESERVE */
		ram = NULL;
		print_message("cannot map %llu MiB of fake RAM here\n",
		              (unsigned long long)(ram_bytes / MIB));
		skip();
	}
	nd = 0;
	add(BOOTINFO_EFI_CONVENTIONAL, 0x1000, 0x9f000);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x100000, 0x800000);
	add(BOOTINFO_EFI_ACPI_NVS, 0x800000, 0x900000);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x900000, ram_bytes < 3 * GIB ? ram_bytes : 3 * GIB);
	if (ram_bytes > 4 * GIB)
		add(BOOTINFO_EFI_CONVENTIONAL, 4 * GIB, ram_bytes);
	build(0, PMM_OK);
	size_t n = resident();
	print_message("init over %llu MiB wrote %zu pages (%llu KiB of metadata reserved)\n",
	              (unsigned long long)(ram_bytes / MIB), n,
	              (unsigned long long)(stats().meta_pages * 4));
	return n;
}

static void test_init_is_lazy(void **state)
{
	(void)state;
	size_t small = touched_by_init(256 * MIB);
	teardown(NULL);
	size_t big = touched_by_init(17 * GIB);
	/* O(map entries + RAM / 1 GiB) pages: one per initial block header,
	 * plus descriptor pages for the edge chunks. */
	assert_true(small <= 32 && big <= 64);
	/* A few thousand operations touch little more. */
	for (int i = 0; i < 3000; i++)
		assert_true(pmm_alloc_page(&pmm) != 0);
	uint64_t pa = pmm_alloc_pages(&pmm, 512, 512);
	pmm_free_pages(&pmm, pa, 512);
	size_t after = resident();
	print_message("after 3000 allocations and a 2 MiB run: %zu pages\n", after);
	/* At most one list header per chunk taken from the buddy (3000 pages
	 * are 47 chunks) and a few descriptor pages. */
	assert_true(after <= big + 47 + 8);
	assert_int_equal(stats().used_pages, 3000);
}

/* Descriptors are not trusted before their page is zeroed: plant junk that
 * reads as "free block of order 8" and merge a 64 MiB block next to it. */
static void test_unready_descriptors_ignored(void **state)
{
	(void)state;
	ram_size = 512 * MIB;
	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
	           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(ram != MAP_FAILED);
	nd = 0;
	add(BOOTINFO_EFI_CONVENTIONAL, MIB, 512 * MIB);
	memmap_init(&map, ranges, 64);
	assert_int_equal(memmap_sanitize(&map, descs, sizeof(descs[0]), sizeof(descs[0])),
	                 MEMMAP_OK);
	uint64_t meta = pmm_meta_bytes(&map, 0);
	for (uint64_t off = 0; off < meta; off += sizeof(struct pmm_chunk)) {
		struct pmm_chunk junk = {.head = 8 + 1};
		memcpy(va(512 * MIB - meta + off), &junk, sizeof(junk));
	}
	build(0, PMM_OK);
	uint64_t total = stats().total_pages;
	uint64_t x = pmm_alloc_pages(&pmm, 16384, 16384); /* an initial order-8 block */
	assert_true(x != 0 && x % (64 * MIB) == 0);
	pmm_free_pages(&pmm, x, 16384); /* its buddy's descriptor was never written */
	assert_int_equal(stats().free_pages, total);
	assert_int_equal(pmm_alloc_pages(&pmm, 16384, 16384), x);
}

static void test_reclaim_acpi(void **state)
{
	(void)state;
	/* Whole chunks of ACPI tables in the middle of RAM: they merge into
	 * blocks with the edge chunks they complete. */
	ram_map(RAM_SIZE);
	small_map();
	descs[11].num_pages = (0x2010000 - 0x108c000) / PG;
	add(BOOTINFO_EFI_ACPI_RECLAIM, 0x2010000, 0x2490000);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x2490000, 0x3e00000);
	build(0, PMM_OK);
	model_reset();
	uint64_t total = stats().total_pages;
	assert_int_equal(pmm_reclaim_acpi(&pmm), PMM_OK);
	assert_int_equal(stats().total_pages, total + 4 + (0x2490000 - 0x2010000) / PG);
	assert_true(stats().free_blocks[4] > 0);
	for (int round = 0; round < 2; round++) {
		uint64_t pa;
		while ((pa = pmm_alloc_page(&pmm)) != 0)
			owned[pa / PG] = 1, nlist++;
		assert_int_equal(nlist, stats().total_pages);
		for (uint64_t pg = 0; pg < NPAGES; pg++)
			if (owned[pg])
				pmm_free_page(&pmm, pg * PG), owned[pg] = 0, nlist--;
		assert_int_equal(stats().free_pages, stats().total_pages);
	}
	teardown(NULL);

	setup_small();
	model_reset();
	uint64_t before = stats().total_pages;
	assert_int_equal(pmm_reclaim_acpi(&pmm), PMM_OK);
	assert_int_equal(pmm_reclaim_acpi(&pmm), PMM_ERR_ARG);
	struct pmm_stats s = stats();
	assert_int_equal(s.total_pages, before + 4);
	assert_int_equal(s.reclaimed_pages, 4);
	uint64_t pa;
	bool saw_acpi = false;
	while ((pa = pmm_alloc_page(&pmm)) != 0) {
		saw_acpi |= pa >= 0x3e00000 && pa < 0x3e04000;
		owned[pa / PG] = 1; /* the map still calls these pages ACPI reclaim */
		nlist++;
	}
	assert_true(saw_acpi);
	assert_int_equal(nlist, s.total_pages);
	pmm_free_page(&pmm, 0x3e00000);
	pmm_free_pages(&pmm, 0x3e01000, 3);
	assert_int_equal(stats().free_pages, 4);
	EXPECT_PANIC(pmm_free_page(&pmm, 0x3e00000), "double free"); /* usable now */
}

/* The loader's hand-off memory, once released in the map, joins the
 * allocator: only usable memory is accepted, every page is handed out,
 * and a page of it freed twice is a double free like any other. */
static void test_reclaim_range(void **state)
{
	(void)state;
	setup_small();
	model_reset();
	uint64_t before = stats().total_pages, added = 99;
	/* Still kept, unaligned, empty, page 0: refused, nothing added. */
	assert_int_equal(pmm_reclaim_range(&pmm, 0x1080000, 0x108c000, &added), PMM_ERR_ARG);
	assert_int_equal(added, 0);
	assert_int_equal(memmap_release(&map, 0x1080000, 0x108c000), MEMMAP_OK);
	assert_int_equal(pmm_reclaim_range(&pmm, 0x1080800, 0x108c000, &added), PMM_ERR_ARG);
	assert_int_equal(pmm_reclaim_range(&pmm, 0x1080000, 0x1080000, &added), PMM_ERR_ARG);
	assert_int_equal(pmm_reclaim_range(&pmm, 0, 0x1000, &added), PMM_ERR_ARG);
	/* Past the released part, into the kernel's range: refused. */
	assert_int_equal(pmm_reclaim_range(&pmm, 0x107f000, 0x108c000, &added), PMM_ERR_ARG);
	assert_int_equal(stats().total_pages, before);
	assert_int_equal(pmm_reclaim_range(&pmm, 0x1080000, 0x108c000, &added), PMM_OK);
	assert_int_equal(added, 12);
	struct pmm_stats s = stats();
	assert_int_equal(s.total_pages, before + 12);
	assert_int_equal(s.reclaimed_pages, 12);
	uint64_t pa;
	unsigned seen = 0;
	while ((pa = pmm_alloc_page(&pmm)) != 0) {
		seen += pa >= 0x1080000 && pa < 0x108c000;
		owned[pa / PG] = 1;
		nlist++;
	}
	assert_int_equal(seen, 12);
	assert_int_equal(nlist, s.total_pages);
	pmm_free_page(&pmm, 0x1081000);
	EXPECT_PANIC(pmm_free_page(&pmm, 0x1081000), "double free");
	EXPECT_PANIC(pmm_free_page(&pmm, 0x107f000), "never allocatable");
	/* Above phys_limit nothing is added, and that is not an error. */
	teardown(NULL);
	ram_map(RAM_SIZE);
	small_map();
	build(0x1000000, PMM_OK);
	assert_int_equal(memmap_release(&map, 0x1080000, 0x108c000), MEMMAP_OK);
	assert_int_equal(pmm_reclaim_range(&pmm, 0x1080000, 0x108c000, &added), PMM_OK);
	assert_int_equal(added, 0);
}

static void test_phys_limit(void **state)
{
	(void)state;
	ram_map(RAM_SIZE);
	small_map();
	build(0x2001000, PMM_OK); /* 32 MiB + 4 KiB: not chunk aligned */
	model_reset();
	struct pmm_stats s = stats();
	assert_int_equal(s.unmanaged_pages, (0x3e00000 - 0x2001000 + 0x3f00000 - 0x3e04000) / PG);
	assert_true(pmm.meta_end <= 0x2001000);
	uint64_t pa;
	while ((pa = pmm_alloc_page(&pmm)) != 0)
		took(pa);
	assert_int_equal(nlist, s.total_pages);
	for (size_t i = 0; i < nlist; i++)
		assert_true(list[i] < 0x2001000 / PG);
	EXPECT_PANIC(pmm_free_page(&pmm, 0x2001000), "outside the managed memory");
	EXPECT_PANIC(pmm_free_page(&pmm, 0x3000000), "outside the managed memory");
	EXPECT_PANIC(pmm_free_page(&pmm, 0x3f00000), "reserved");
	/* With no limit above, nchunks rounds 0x2001000 up: the rest of that chunk. */
	EXPECT_PANIC(pmm_free_page(&pmm, 0x2002000), "outside the managed memory");
}

static void test_no_memory(void **state)
{
	(void)state;
	ram_map(RAM_SIZE);
	nd = 0;
	add(BOOTINFO_EFI_RESERVED, 0x1000, 0x100000);
	build(0, PMM_ERR_NOMEM);
	add(BOOTINFO_EFI_CONVENTIONAL, 0x200000, 0x201000); /* no room for metadata */
	build(0, PMM_ERR_NOMEM);
	struct pmm_config cfg = {.virt_offset = (uint64_t)(uintptr_t)ram};
	assert_int_equal(pmm_init(&pmm, &map, &cfg), PMM_ERR_ARG); /* no panic hook */
}

static void test_naive(void **state)
{
	(void)state;
	ram_map(RAM_SIZE);
	small_map();
	build(0, PMM_OK);
	static uint64_t bits[NPAGES / 64];
	struct pmm_naive n;
	assert_int_equal(pmm_naive_words(&map, 0), 0x3f00000 / PG / 64);
	assert_int_equal(pmm_naive_init(&n, &map, 0, bits, NULL), PMM_ERR_ARG);
	assert_int_equal(pmm_naive_init(&n, &map, 0x1000, bits, hook), PMM_ERR_NOMEM);
	assert_int_equal(pmm_naive_init(&n, &map, 0, bits, hook), PMM_OK);
	assert_int_equal(n.total_pages, map.pages[MEMMAP_USABLE]);
	model_reset();
	uint64_t pa;
	while ((pa = pmm_naive_alloc_page(&n)) != 0) {
		const struct memmap_range *r = memmap_find(&map, pa);
		assert_true(r && r->mclass == MEMMAP_USABLE && !owned[pa / PG]);
		owned[pa / PG] = 1;
		nlist++;
	}
	assert_int_equal(nlist, n.total_pages);
	pmm_naive_free_page(&n, 0x200000);
	EXPECT_PANIC(pmm_naive_free_page(&n, 0x200000), "double free");
	EXPECT_PANIC(pmm_naive_free_page(&n, 0x800000), "never allocatable");
	assert_int_equal(pmm_naive_alloc_page(&n), 0x200000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_teardown(test_init_stats, teardown),
	        cmocka_unit_test_teardown(test_alloc_all_free_all, teardown),
	        cmocka_unit_test_teardown(test_contiguous, teardown),
	        cmocka_unit_test_teardown(test_random_1, teardown),
	        cmocka_unit_test_teardown(test_random_2, teardown),
	        cmocka_unit_test_teardown(test_random_3, teardown),
	        cmocka_unit_test_teardown(test_bad_frees, teardown),
	        cmocka_unit_test_teardown(test_corrupted_header, teardown),
	        cmocka_unit_test_teardown(test_init_is_lazy, teardown),
	        cmocka_unit_test_teardown(test_unready_descriptors_ignored, teardown),
	        cmocka_unit_test_teardown(test_reclaim_acpi, teardown),
	        cmocka_unit_test_teardown(test_reclaim_range, teardown),
	        cmocka_unit_test_teardown(test_phys_limit, teardown),
	        cmocka_unit_test_teardown(test_no_memory, teardown),
	        cmocka_unit_test_teardown(test_naive, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
