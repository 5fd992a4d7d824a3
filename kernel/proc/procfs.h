/*
 * /proc: the processes and the system's figures as files, Linux's layout
 * (proc(5)), on the file system's synthetic nodes (fs/synth.h). Every file
 * is made when it is opened, from a copy of the figures taken under their
 * locks (docs/procfs.md).
 */
#pragma once

struct inode;

/* Build the tree, and mount it on /proc if that directory exists (the
 * initramfs has it). Once, after the root file system is up. */
void procfs_init(void);
/* mount(2) of type "proc" on path (from dir): mounts the one instance if
 * it is not mounted yet; if it is, 0 when path is where it is and -EBUSY
 * elsewhere. The lookup's errors, -ENOTDIR. */
int procfs_mount(struct inode *dir, const char *path);
