/*
 * The memory-map sanitizer: turns the raw UEFI memory map the loader handed
 * over (include/boot/bootinfo.h) into a list the kernel can trust.
 *
 * Invariant of a sanitized map: ranges are sorted by address, page aligned,
 * non-empty, do not overlap, and two ranges that touch have different
 * classes. Every address not covered by a range is not memory. Anything
 * that is not listed as MEMMAP_USABLE must never be handed out, so the list
 * errs on the safe side: usable memory is rounded inward to whole pages and
 * loses page 0, everything else is rounded outward and wins where it
 * overlaps usable memory.
 *
 * Pure C with no kernel dependencies: runs in the kernel and in host tests.
 */
#pragma once

#include <boot/bootinfo.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMMAP_PAGE_SIZE  4096ull
/* Intel SDM vol. 3A 4.1.4: physical addresses have at most 52 bits (MAXPHYADDR).
 * A descriptor that reaches past this is a firmware bug or a wrapped range. */
#define MEMMAP_PHYS_LIMIT (1ull << 52)
/* sizeof(EFI_MEMORY_DESCRIPTOR); firmware may use longer descriptors. */
#define MEMMAP_DESC_MIN   40u

/* Classes, in increasing order of restrictiveness: where descriptors overlap,
 * the higher value wins. */
enum memmap_class {
	MEMMAP_USABLE = 0,       /* conventional, boot services and loader code/data */
	MEMMAP_ACPI_RECLAIM = 1, /* ACPI tables: usable once ACPI has been parsed */
	MEMMAP_KEEP_LOADER = 2,  /* the loader's ranges: kernel, boot info, hand-off tables/stack, initrd */
	MEMMAP_RESERVED = 3,     /* runtime services, NVS, MMIO, unusable, unknown ... */
};
#define MEMMAP_NCLASSES 4
/* The classes the direct map covers: RAM the kernel may read. Reserved
 * ranges (firmware, ACPI NVS, MMIO, the framebuffer) are left out, so no
 * write-back alias of device memory exists. */
#define MEMMAP_IS_RAM(c) ((c) < MEMMAP_RESERVED)

enum {
	MEMMAP_OK = 0,
	MEMMAP_ERR_DESC_SIZE = -1, /* descriptor size < 40 or not a multiple of 8 */
	MEMMAP_ERR_MAP_SIZE = -2,  /* map size not a multiple of the descriptor size */
	MEMMAP_ERR_RANGE = -3,     /* a descriptor wraps or ends above MEMMAP_PHYS_LIMIT */
	MEMMAP_ERR_CAPACITY = -4,  /* more ranges than the caller's array holds */
	/* memmap_apply_bootinfo: loader range bad_index (and bad_other) is */
	MEMMAP_ERR_UNALIGNED = -5,   /* not page aligned (start or size) */
	MEMMAP_ERR_EMPTY = -6,       /* of size 0 */
	MEMMAP_ERR_OVERLAP = -7,     /* overlapping range bad_other */
	MEMMAP_ERR_OUTSIDE = -8,     /* not inside one usable range of the map */
	MEMMAP_ERR_ABOVE_LIMIT = -9, /* above BOOTINFO_DIRECT_MAP_MAX */
	MEMMAP_ERR_COUNT = -10,      /* nranges (bad_index) above BOOTINFO_MAX_RANGES */
};

struct memmap_range {
	uint64_t start;  /* page aligned */
	uint64_t end;    /* page aligned, exclusive, > start */
	uint32_t mclass; /* enum memmap_class */
	uint32_t reserved0;
};
_Static_assert(sizeof(struct memmap_range) == 24, "memmap_range layout");

struct memmap {
	struct memmap_range *ranges;     /* the caller's array... */
	size_t capacity;                 /* ...and how many entries it holds */
	size_t count;                    /* ranges stored (<= capacity) */
	size_t needed;                   /* ranges the whole map has (> capacity: truncated) */
	size_t bad_index;                /* the descriptor MEMMAP_ERR_RANGE refers to, or loader range */
	size_t bad_other;                /* the other loader range for MEMMAP_ERR_OVERLAP */
	uint64_t pages[MEMMAP_NCLASSES]; /* 4 KiB pages per class, whole map */
	uint64_t *scratch;               /* optional, see memmap_set_scratch */
	size_t scratch_words;
};

/* Prepare m to receive a map into storage[0..capacity). */
void memmap_init(struct memmap *m, struct memmap_range *storage, size_t capacity);

/*
 * Optional scratch memory for memmap_sanitize: two words per descriptor.
 * With enough of it the sanitizer sorts, O(n log n): about 40K instructions
 * for 100 descriptors, 135K for 300. Without, it sweeps in O(n^2) with no
 * memory at all: 0.35M for 100, 3.1M for 300. Both give the same result.
 */
void memmap_set_scratch(struct memmap *m, uint64_t *words, size_t nwords);

/*
 * Sanitize raw_size bytes of EFI memory descriptors, each desc_size bytes
 * long (the firmware's DescriptorSize, never sizeof). The raw map is only
 * read, never modified, and need not be aligned.
 *
 * On MEMMAP_ERR_CAPACITY the array holds the lowest `capacity` ranges of the
 * full result (still a valid, safe map: it only lacks memory), m->needed says
 * how many entries the whole map needs, and the totals cover the whole map.
 * On the other errors m->count is 0.
 */
int memmap_sanitize(struct memmap *m, const void *raw, size_t raw_size, size_t desc_size);

/*
 * Mark [start, end) (rounded outward to pages) as at least class c, before
 * the page allocator is built from the map: for memory the kernel must keep
 * that the loader did not tag. Holes stay holes. Splits at most two ranges;
 * MEMMAP_ERR_CAPACITY (map unchanged) if the array cannot hold them.
 * O(count).
 */
int memmap_reserve(struct memmap *m, uint64_t start, uint64_t end, enum memmap_class c);

/*
 * Lower the MEMMAP_KEEP_LOADER pages in [start, end) (rounded inward, never
 * page 0) to usable: for loader memory the kernel no longer needs, before
 * it is given to the page allocator. Other classes stay. Same splitting
 * and MEMMAP_ERR_CAPACITY rule as memmap_reserve.
 */
int memmap_release(struct memmap *m, uint64_t start, uint64_t end);

/*
 * What the boot info says about memory beyond the firmware's map, in one
 * place: the loader's ranges (bi->ranges) become MEMMAP_KEEP_LOADER after
 * they are checked (page aligned, not empty, disjoint, each inside one
 * usable range, below BOOTINFO_DIRECT_MAP_MAX; else MEMMAP_ERR_UNALIGNED,
 * _EMPTY, _OVERLAP, _OUTSIDE, _ABOVE_LIMIT or _COUNT with m->bad_index, and
 * the map is unchanged), and the framebuffer becomes MEMMAP_RESERVED. Call
 * it on a freshly sanitized map.
 */
int memmap_apply_bootinfo(struct memmap *m, const struct bootinfo *bi);

/* Where the direct map ends: the end of the highest RAM range
 * (MEMMAP_IS_RAM), at most max. 0 if there is none. */
uint64_t memmap_direct_map_end(const struct memmap *m, uint64_t max);
/* Whether every page of [start, end) is RAM (MEMMAP_IS_RAM), so in the
 * direct map if below its end. */
bool memmap_is_ram(const struct memmap *m, uint64_t start, uint64_t end);

/* The range containing pa, or NULL for a hole. O(log count). */
const struct memmap_range *memmap_find(const struct memmap *m, uint64_t pa);

/* Class of one EFI_MEMORY_TYPE or BOOTINFO_MEM_* value. */
enum memmap_class memmap_classify(uint32_t type);
const char *memmap_class_name(uint32_t c);
const char *memmap_strerror(int err);
