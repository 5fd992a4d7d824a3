/*
 * /proc: the processes and the system's figures as files, Linux's layout
 * (proc(5)), on the file system's synthetic nodes (fs/synth.h). Every file
 * is made when it is opened, from a copy of the figures taken under their
 * locks (docs/procfs.md).
 */
#pragma once

/* Build the tree and mount it on /proc (made if the initramfs has no
 * such directory). Once, after the root file system is up. */
void procfs_init(void);
