/*
 * Synthetic nodes (fs/synth.h): ramfs nodes whose contents, targets and
 * entries come from a higher layer's functions, for /proc.
 *
 * The one subtle part is removal. A directory's refresh runs in the middle
 * of a path lookup, which holds bare pointers to the nodes it has walked
 * through (namei.c takes no references, relying on "nothing is freed while
 * the lock is held"). So a refresh that removes an entry takes it out of
 * its directory (it can no longer be found) but keeps it alive with a
 * reference of its own, on a list that fs_unlock empties: the node goes
 * when the lock is released, or later, when its last open file closes.
 */
#include "fs/synth.h"

#include "core/panic.h"
#include "fs/inode.h"
#include "lib/string.h"
#include "mm/heap.h"

/* Nodes taken out of their trees, each holding one reference; guarded by
 * the file-system lock. */
static struct inode *graveyard;

/* A new node under dir (nlink 1, or 2 for a directory, which holds a
 * reference on dir for its ".."), with its fixed entries. */
static int add_node(struct inode *dir, const char *name, size_t len, uint32_t mode,
                    const struct synth_ops *ops, uint64_t arg, const struct synth_entry *fixed,
                    size_t nfixed);

static void bury(struct inode *n)
{
	fs_iget(n);
	n->grave_next = graveyard;
	graveyard = n;
}

/* Take the entry d out of dir, and, for a directory, everything under it. */
static void remove_entry(struct inode *dir, struct ramfs_dirent *d)
{
	struct inode *n = d->node;
	if (S_ISDIR(n->mode))
		while (n->dir.first)
			remove_entry(n, n->dir.first);
	ramfs_dir_remove(dir, d);
	ramfs_dirent_free(d);
	if (S_ISDIR(n->mode)) {
		n->nlink = 0;
		dir->nlink--;
	} else {
		n->nlink--;
	}
	bury(n);
}

static int add_node(struct inode *dir, const char *name, size_t len, uint32_t mode,
                    const struct synth_ops *ops, uint64_t arg, const struct synth_entry *fixed,
                    size_t nfixed)
{
	struct inode *n = ramfs_new_inode(mode);
	if (!n)
		return -ENOMEM;
	struct ramfs_dirent *d = ramfs_dirent_new(name, len, n);
	if (!d) {
		ramfs_free_inode(n);
		return -ENOMEM;
	}
	n->synth = ops;
	n->synth_arg = arg;
	ramfs_dir_insert(dir, d);
	n->nlink = 1;
	if (S_ISDIR(mode)) {
		n->nlink = 2;
		n->dir.parent = dir;
		fs_iget(dir);
		dir->nlink++;
	}
	for (size_t i = 0; i < nfixed; i++) {
		int err = add_node(n, fixed[i].name, strlen(fixed[i].name), fixed[i].mode,
		                   fixed[i].ops, arg, NULL, 0);
		if (err) {
			remove_entry(dir, d); /* all or nothing */
			return err;
		}
	}
	return 0;
}

int synth_add(struct inode *dir, const char *name, uint32_t mode, const struct synth_ops *ops,
              uint64_t arg, const struct synth_entry *fixed, size_t nfixed)
{
	KASSERT(fs_lock_held());
	return add_node(dir, name, strlen(name), mode, ops, arg, fixed, nfixed);
}

int synth_new_root(const struct synth_ops *ops, uint64_t arg, const struct synth_entry *fixed,
                   size_t nfixed, struct inode **out)
{
	fs_lock();
	int err = 0;
	struct inode *root = ramfs_new_inode(S_IFDIR | 0555);
	if (!root) {
		err = -ENOMEM;
		goto out;
	}
	root->synth = ops;
	root->synth_arg = arg;
	root->nlink = 2;
	root->refs = 1; /* for good: a mounted root is never freed */
	for (size_t i = 0; i < nfixed && !err; i++)
		err = add_node(root, fixed[i].name, strlen(fixed[i].name), fixed[i].mode,
		               fixed[i].ops, arg, NULL, 0);
	*out = root;
out:
	fs_unlock();
	return err;
}

static bool in_set(uint64_t v, const uint64_t *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == v)
			return true;
	return false;
}

void synth_sync(struct inode *dir, const struct synth_ops *kind, const uint64_t *args, size_t n,
                void (*make)(struct inode *dir, uint64_t arg))
{
	KASSERT(fs_lock_held());
	for (struct ramfs_dirent *d = dir->dir.first, *next; d; d = next) {
		next = d->next;
		if (d->node->synth == kind && !in_set(d->node->synth_arg, args, n))
			remove_entry(dir, d);
	}
	for (size_t i = 0; i < n; i++) {
		bool present = false;
		for (struct ramfs_dirent *d = dir->dir.first; d && !present; d = d->next)
			present = d->node->synth == kind && d->node->synth_arg == args[i];
		if (!present)
			make(dir, args[i]);
	}
}

void synth_refresh(struct inode *dir)
{
	KASSERT(fs_lock_held());
	if (dir->synth && dir->synth->refresh && S_ISDIR(dir->mode) && dir->nlink)
		dir->synth->refresh(dir, dir->synth_arg);
}

int synth_target(struct inode *link, const char **out)
{
	if (!link->synth || !link->synth->target)
		return -ENOENT;
	/* The target lives in the node, made again at each lookup into the
	 * same SYNTH_TARGET_MAX bytes: a lookup's result (nameidata.last)
	 * may point into it, and must stay valid memory while the lock is
	 * held, even when a second lookup through the same link follows. */
	if (!link->target && !(link->target = kmalloc(SYNTH_TARGET_MAX)))
		return -ENOMEM;
	int r = link->synth->target(link->synth_arg, link->target, SYNTH_TARGET_MAX);
	if (r >= SYNTH_TARGET_MAX)
		r = -ENAMETOOLONG;
	if (r < 0) {
		link->target[0] = 0;
		return r;
	}
	link->target[r] = 0;
	link->size = (uint64_t)r;
	*out = link->target;
	return r;
}

void synth_bury(void)
{
	while (graveyard) {
		struct inode *n = graveyard;
		graveyard = n->grave_next;
		n->grave_next = NULL;
		fs_iput(n);
	}
}

int synth_snapshot(struct inode *n, char **buf, size_t *len)
{
	if (!n->synth->show)
		return -EINVAL;
	/* Most files fit in a page; a larger one says how much it needs and
	 * is made again (the world may have grown in between: retry). */
	size_t size = 4096;
	for (;;) {
		char *b = kmalloc(size);
		if (!b)
			return -ENOMEM;
		int64_t r = n->synth->show(n->synth_arg, b, size);
		if (r < 0) {
			kfree(b);
			return (int)r;
		}
		if ((uint64_t)r < size) { /* fits, with the NUL show wrote after it */
			*buf = b;
			*len = (size_t)r;
			return 0;
		}
		kfree(b);
		if ((uint64_t)r > SYNTH_SHOW_MAX)
			return -EFBIG;
		size = (size_t)r + 256;
	}
}
