/*
 * Synthetic files: read-only nodes whose contents are made by a function
 * when someone looks, the mechanism under /proc (proc/procfs.c). The file
 * system knows nothing of what they show; a higher layer gives each node a
 * struct synth_ops and an argument (a process id, say), and the VFS calls
 * the ops at the right moments:
 *
 *  - a regular file's show() runs at open, into a buffer that belongs to
 *    that open file: every read of it sees one consistent snapshot, and two
 *    readers never share one;
 *  - a symlink's target() runs at each lookup through it (/proc/self names
 *    whoever looks);
 *  - a directory's refresh() runs before each lookup in it and each listing
 *    of it, and adds and removes entries (synth_add, synth_sync) so that
 *    they match the world (the live processes).
 *
 * The nodes are ordinary ramfs nodes with ops attached, so names, link
 * counts, references and getdents positions work as everywhere else. An
 * entry refresh removes is taken out of its directory at once but freed
 * only when the file-system lock is next released, so a path lookup in
 * progress never holds a freed node; one that is still open lives on
 * without a name, as an unlinked file does.
 *
 * None of them can be written, created in, renamed, linked or changed:
 * those calls fail with Linux's errors for a read-only pseudo file system
 * (EACCES, EPERM, EXDEV, EBUSY).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct inode;

#define SYNTH_TARGET_MAX 64        /* bytes of a synthetic symlink's target, NUL included */
#define SYNTH_SHOW_MAX (256u << 10) /* the largest contents a show() may make */

struct synth_ops {
	/* Regular files: write the contents for arg into buf (size bytes)
	 * and return the length they need, as snprintf does: more than size
	 * means "call me again with that much room". Or a negated error
	 * (-ENOENT: what the file showed is gone). Runs at open, without the
	 * file-system lock; it may take spinlocks and allocate. */
	int64_t (*show)(uint64_t arg, char *buf, size_t size);
	/* Symlinks: the target for arg into buf (SYNTH_TARGET_MAX), its
	 * length, or a negated error. Runs with the file-system lock held. */
	int (*target)(uint64_t arg, char *buf, size_t size);
	/* Directories: bring dir's entries up to date. Runs with the lock
	 * held, so it may call synth_add and synth_sync (and nothing in
	 * vfs.h). Optional: a directory without it has fixed entries. */
	void (*refresh)(struct inode *dir, uint64_t arg);
};

/* A fixed entry of a directory: made with it, never removed on its own. */
struct synth_entry {
	const char *name;
	uint32_t mode; /* S_IFREG | 0444, S_IFDIR | 0555 or S_IFLNK | 0777 */
	const struct synth_ops *ops;
};

/* A new directory that is the root of a synthetic tree (for vfs_mount),
 * with its fixed entries (which get arg too). 0, or -ENOMEM. Takes the
 * file-system lock. */
int synth_new_root(const struct synth_ops *ops, uint64_t arg, const struct synth_entry *fixed,
                   size_t nfixed, struct inode **out);

/* In refresh (the lock held): add name to dir, a node of this mode with
 * ops and arg; a directory gets its fixed entries, each with the same arg.
 * 0, or -ENOMEM (then nothing was added). */
int synth_add(struct inode *dir, const char *name, uint32_t mode, const struct synth_ops *ops,
              uint64_t arg, const struct synth_entry *fixed, size_t nfixed);

/* In refresh (the lock held): make dir's entries of one kind (those whose
 * ops are `kind`) match the set args[0..n): remove those whose arg is not
 * in it, with everything under them, and call make(dir, arg) for each arg
 * that has no entry yet. */
void synth_sync(struct inode *dir, const struct synth_ops *kind, const uint64_t *args, size_t n,
                void (*make)(struct inode *dir, uint64_t arg));
