/*
 * Unpacking the initramfs (docs/initramfs.md): the cpio archive(s) the
 * loader read from the ESP, into the root file system, as Linux's
 * init/initramfs.c does. Like Linux, the kernel will later run /init from
 * it as the first process; until then its shell can look at the tree.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cpio.h"

struct initramfs_stats {
	unsigned files, dirs, symlinks, nodes; /* entries unpacked, by kind */
	unsigned archives;                     /* cpio archives in the buffer */
	unsigned problems;                     /* entries that could not be created */
	uint64_t bytes;                        /* file contents written */
};

/*
 * Check the whole buffer first, then unpack every entry of every archive
 * in order into the root, a later entry replacing an earlier one of the
 * same name. Returns 0, or the reader's error (< 0): then nothing is
 * unpacked and *r holds the message and the offset. An entry the file
 * system refuses (a missing parent, memory) is reported, counted in
 * problems, and skipped.
 */
int initramfs_unpack(const void *buf, size_t len, struct initramfs_stats *st,
                     struct cpio_reader *r);

#ifndef KESTREL_HOST
/* Unpack the boot info's initrd, if any, and say what happened: the
 * summary line, or the problem and that the shell starts instead. */
void initramfs_init(void);
/* True when an archive was unpacked without an error. */
bool initramfs_loaded(void);
#endif
