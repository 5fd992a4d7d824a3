/*
 * The kernel's side of the file system's platform (fs/vfs.h, struct
 * vfs_platform): page-frame allocator pages and the time of day.
 */
#pragma once

/* An empty root file system (vfs_init), after the clock and the page-frame
 * allocator; panics if there is not even memory for the root. */
void fs_init_kernel(void);
