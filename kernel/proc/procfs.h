/*
 * /proc: the processes and the system's figures as files, Linux's layout
 * (proc(5)), on the file system's synthetic nodes (fs/synth.h). Every file
 * is made when it is opened, from a copy of the figures taken under their
 * locks (docs/procfs.md).
 */
#pragma once

struct inode;

/* Build the tree and mount it on /proc (made if the initramfs has no
 * such directory). Once, after the root file system is up. */
void procfs_init(void);
/* mount(2) of type "proc" on path: 0 if path is where /proc already is
 * (there is one instance, mounted at boot), else -EBUSY; the lookup's
 * errors. */
int procfs_mount(struct inode *dir, const char *path);
