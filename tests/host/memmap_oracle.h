/*
 * The memory-map sanitizer's rules applied to one page directly, as an
 * oracle for tests/host/test_memmap.c and tests/fuzz/fuzz_mm.c: the class of
 * the strictest descriptor covering the page (usable descriptors only count
 * where they cover the whole page, and never for page 0), or -1 for a hole.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <boot/bootinfo.h>

#include "mm/memmap.h"

static int memmap_oracle(const unsigned char *raw, size_t nd, size_t dsz, uint64_t page)
{
	const uint64_t pg = 4096;
	int cls = -1;
	for (size_t i = 0; i < nd; i++) {
		struct bootinfo_mmap_desc d;
		memcpy(&d, raw + i * dsz, sizeof(d));
		if (d.num_pages == 0)
			continue;
		uint64_t s = d.phys_start, e = s + d.num_pages * pg;
		int c = (int)memmap_classify(d.type);
		bool in = c == MEMMAP_USABLE ? page >= s && page + pg <= e && page != 0
		                             : page < e && page + pg > s;
		if (in && c > cls)
			cls = c;
	}
	return cls;
}
