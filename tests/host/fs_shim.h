/*
 * What the file system (kernel/fs/) needs from the rest of the kernel, for
 * host tests (fs_shim.c): kmalloc and friends over malloc, counted and able
 * to fail on purpose; a page source of 4 KiB blocks, the same; a clock that
 * only moves when a test moves it; kprintf into a buffer the test can read;
 * panic as a test failure.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/vfs.h"

struct shim_counts {
	long allocs;       /* kmalloc'd blocks alive */
	long long bytes;   /* their bytes */
	long pages;        /* pages from the page source alive */
};

extern const struct vfs_platform shim_platform;
extern struct vfs_time shim_time; /* what the clock says */
/* The number of kmallocs / page allocations that still succeed; < 0: all. */
extern long shim_kmalloc_budget, shim_page_budget;

struct shim_counts shim_counts(void);
/* A mapping lets go of a file page it got from vfs_file_page. */
void shim_page_unshare(void *page);
/* Everything kprintf printed since the last shim_output_clear. */
const char *shim_output(void);
void shim_output_clear(void);
