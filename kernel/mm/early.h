/*
 * Memory before the page-frame allocator: a few physically contiguous runs
 * of pages taken straight from the firmware's memory map, for what must
 * exist before mm_init but is sized by the machine (the console's cell
 * grids, sized to the screen). mm_init keeps the runs out of the allocator
 * for good (mm_early_run).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* `bytes` (rounded up to pages) of RAM, not zeroed, reached through the
 * direct map; panics, naming `what`, if the memory map has no room or the
 * few runs this keeps track of are taken. Before mm_init only. */
void *mm_alloc_early(uint64_t bytes, const char *what);

/* The i-th run handed out: false past the last. For mm_init. */
bool mm_early_run(size_t i, uint64_t *start, uint64_t *end, const char **what);
