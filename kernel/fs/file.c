/*
 * Open files (fs/vfs.h): open, read, write, lseek, getdents and the rest of
 * what works on a struct file, with the reference counting that lets a
 * system-call layer share one file between descriptors and processes.
 *
 * A struct file holds a reference on its node, so an unlinked file stays
 * readable until its last close, as on Linux. The count itself is atomic
 * (file_get needs no lock); the offset and the flags are guarded by the
 * file-system lock, so two threads reading one file share its offset one
 * read at a time. A device node's file calls its driver (vfs_register_chrdev)
 * without the lock: a console read may wait for a key.
 */
#include "fs/inode.h"

#include "core/panic.h"
#include "lib/string.h"
#include "mm/heap.h"

/* Linux's MAX_RW_COUNT: one read or write moves at most this much. */
#define MAX_RW ((size_t)0x7ffff000)

struct chrdev {
	uint32_t major, minor;
	const struct file_ops *ops;
};
static struct chrdev chrdevs[VFS_MAX_CHRDEVS]; /* guarded by the file-system lock */
static unsigned nchrdevs;
static uint64_t open_files; /* guarded by the file-system lock */

int vfs_register_chrdev(uint32_t major, uint32_t minor, const struct file_ops *ops)
{
	int err = 0;
	fs_lock();
	for (unsigned i = 0; i < nchrdevs; i++)
		if (chrdevs[i].major == major && chrdevs[i].minor == minor)
			err = -EBUSY;
	if (!err && nchrdevs == VFS_MAX_CHRDEVS)
		err = -ENOSPC;
	if (!err)
		chrdevs[nchrdevs++] = (struct chrdev){major, minor, ops};
	fs_unlock();
	return err;
}

void vfs_file_device(const struct file *f, uint32_t *major, uint32_t *minor)
{
	*major = f->inode->rdev_major; /* fixed for the node's life */
	*minor = f->inode->rdev_minor;
}

static const struct file_ops *find_chrdev(const struct inode *n)
{
	for (unsigned i = 0; i < nchrdevs; i++)
		if (chrdevs[i].major == n->rdev_major && chrdevs[i].minor == n->rdev_minor)
			return chrdevs[i].ops;
	return NULL;
}

/* Check the node nd found (or make it) for open's flags; the lock held. */
static int open_node(struct nameidata *nd, int flags, uint32_t mode, struct inode **out,
                     const struct file_ops **ops)
{
	struct inode *n = nd->node;
	int acc = flags & O_ACCMODE;

	if (!n) {
		if (!(flags & O_CREAT))
			return -ENOENT;
		if (flags & O_DIRECTORY)
			return -EINVAL;
		if (nd->trailing_slash)
			return -EISDIR;
		return fs_create(nd, S_IFREG | (mode & S_IALLUGO), NULL, out);
	}
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (S_ISLNK(n->mode))
		return -ELOOP; /* O_NOFOLLOW */
	if ((flags & O_DIRECTORY) && !S_ISDIR(n->mode))
		return -ENOTDIR;
	if (S_ISDIR(n->mode) && (acc != O_RDONLY || (flags & O_CREAT)))
		return -EISDIR;
	if (n->synth && acc != O_RDONLY)
		return -EACCES; /* synthetic files are read-only */
	if (S_ISCHR(n->mode)) {
		*ops = find_chrdev(n);
		if (!*ops)
			return -ENXIO;
	} else if (!S_ISREG(n->mode) && !S_ISDIR(n->mode)) {
		return -ENXIO; /* FIFOs, sockets and block devices: not yet */
	}
	/* Linux truncates even with O_RDONLY. */
	if (S_ISREG(n->mode) && (flags & O_TRUNC) && n->size) {
		int err = fs_truncate_node(n, 0);
		if (err)
			return err;
	}
	*out = n;
	return 0;
}

int vfs_open(struct inode *dir, const char *path, int flags, uint32_t mode, struct file **out)
{
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	struct file *f = kmalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	/* O_CREAT | O_EXCL never follows a final symlink: it must not exist. */
	bool excl = (flags & O_CREAT) && (flags & O_EXCL);
	unsigned lookup = (flags & O_NOFOLLOW) || excl ? 0 : LOOKUP_FOLLOW;
	const struct file_ops *ops = NULL;
	struct nameidata nd;
	struct inode *n = NULL;

	fs_lock();
	int err = fs_namei(dir, path, lookup, &nd);
	if (!err)
		err = open_node(&nd, flags, mode, &n, &ops);
	if (!err) {
		atomic_init(&f->refs, 1);
		f->flags = (uint32_t)flags & ~(uint32_t)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);
		f->pos = 0;
		f->inode = n;
		f->ops = ops;
		f->private = NULL;
		f->snap = NULL;
		f->snap_len = 0;
		fs_iget(n);
		open_files++;
	}
	fs_unlock();
	if (err) {
		kfree(f);
		return err;
	}
	/* A synthetic file's contents, made now without the lock (the node
	 * cannot go: f holds it), for this open file alone. */
	if (n->synth && S_ISREG(n->mode) && (err = synth_snapshot(n, &f->snap, &f->snap_len))) {
		file_put(f);
		return err;
	}
	if (ops && ops->open && (err = ops->open(f, flags)) != 0) {
		f->ops = NULL; /* no release for a driver that refused */
		file_put(f);
		return err;
	}
	*out = f;
	return 0;
}

int file_new_anon(const struct file_ops *ops, void *private, int flags, uint32_t type,
                  struct file **out)
{
	struct file *f = kmalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	fs_lock();
	/* A node with no name (nlink 0): fstat has something to describe, and
	 * the last file_put frees it like any unlinked file. */
	struct inode *n = ramfs_new_inode((type & S_IFMT) | 0600);
	if (n) {
		fs_iget(n);
		open_files++;
	}
	fs_unlock();
	if (!n) {
		kfree(f);
		return -ENOMEM;
	}
	atomic_init(&f->refs, 1);
	f->flags = (uint32_t)flags;
	f->pos = 0;
	f->inode = n;
	f->ops = ops;
	f->private = private;
	f->snap = NULL;
	f->snap_len = 0;
	*out = f;
	return 0;
}

struct file *file_get(struct file *f)
{
	/* Relaxed: the caller already holds a reference, so the file cannot
	 * go away meanwhile (Linux's get_file). */
	atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
	return f;
}

void file_put(struct file *f)
{
	/* Release: this holder's uses of the file happen before the free;
	 * acquire: the freeing thread sees everyone else's. */
	if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (f->ops && f->ops->release)
		f->ops->release(f);
	fs_lock();
	fs_iput(f->inode);
	open_files--;
	fs_unlock();
	kfree(f->snap);
	kfree(f);
}

static bool readable(const struct file *f) { return (f->flags & O_ACCMODE) != O_WRONLY; }
static bool writable(const struct file *f) { return (f->flags & O_ACCMODE) != O_RDONLY; }

/* Read at *pos and advance it; the lock held. */
static int64_t read_at(struct file *f, void *buf, size_t n, uint64_t *pos)
{
	struct inode *node = f->inode;
	if (S_ISDIR(node->mode))
		return -EISDIR;
	if (f->snap) {
		/* A synthetic file: its snapshot. */
		if (*pos >= f->snap_len)
			return 0;
		size_t k = f->snap_len - (size_t)*pos < n ? f->snap_len - (size_t)*pos : n;
		memcpy(buf, f->snap + *pos, k);
		*pos += k;
		return (int64_t)k;
	}
	int64_t r = ramfs_read(node, buf, n < MAX_RW ? n : MAX_RW, *pos);
	if (r > 0)
		*pos += (uint64_t)r;
	return r;
}

/* Write at *pos (or at the end, with O_APPEND) and advance it. */
static int64_t write_at(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
	struct inode *node = f->inode;
	if (S_ISDIR(node->mode))
		return -EISDIR;
	if (f->flags & O_APPEND)
		*pos = node->size;
	if (n == 0)
		return 0;
	int64_t r = ramfs_write(node, buf, n < MAX_RW ? n : MAX_RW, *pos);
	if (r > 0) {
		*pos += (uint64_t)r;
		fs_now(&node->mtime);
		node->ctime = node->mtime;
	}
	return r;
}

int64_t vfs_read(struct file *f, void *buf, size_t n)
{
	if (!readable(f))
		return -EBADF;
	if (f->ops)
		return f->ops->read ? f->ops->read(f, buf, n) : -EINVAL;
	fs_lock();
	int64_t r = read_at(f, buf, n, &f->pos);
	fs_unlock();
	return r;
}

int64_t vfs_write(struct file *f, const void *buf, size_t n)
{
	if (!writable(f))
		return -EBADF;
	if (f->ops)
		return f->ops->write ? f->ops->write(f, buf, n) : -EINVAL;
	fs_lock();
	int64_t r = write_at(f, buf, n, &f->pos);
	fs_unlock();
	return r;
}

int64_t vfs_pread(struct file *f, void *buf, size_t n, int64_t off)
{
	if (!readable(f))
		return -EBADF;
	if (f->ops)
		return -ESPIPE;
	if (off < 0)
		return -EINVAL;
	uint64_t pos = (uint64_t)off;
	fs_lock();
	int64_t r = read_at(f, buf, n, &pos);
	fs_unlock();
	return r;
}

int vfs_file_page(struct file *f, uint64_t off, void **page)
{
	*page = NULL;
	if (f->ops || !f->inode || !S_ISREG(f->inode->mode))
		return -ENODEV;
	if (!readable(f))
		return -EACCES;
	fs_lock();
	int r = ramfs_share_page(f->inode, off, page);
	fs_unlock();
	return r;
}

int64_t vfs_pwrite(struct file *f, const void *buf, size_t n, int64_t off)
{
	if (!writable(f))
		return -EBADF;
	if (f->ops)
		return -ESPIPE;
	if (off < 0)
		return -EINVAL;
	uint64_t pos = (uint64_t)off; /* with O_APPEND, Linux appends anyway */
	fs_lock();
	int64_t r = write_at(f, buf, n, &pos);
	fs_unlock();
	return r;
}

int64_t vfs_lseek(struct file *f, int64_t off, int whence)
{
	if (f->ops)
		return -ESPIPE;
	fs_lock();
	struct inode *n = f->inode;
	int64_t base, r;
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)f->pos; break;
	/* A directory's positions are not byte offsets: no SEEK_END. */
	case SEEK_END:
		/* A synthetic file ends where its snapshot does. */
		base = S_ISDIR(n->mode) ? -1 : f->snap ? (int64_t)f->snap_len : (int64_t)n->size;
		break;
	default: base = -1; break;
	}
	if (base < 0 || (off > 0 && base > INT64_MAX - off) || base + off < 0) {
		r = -EINVAL;
	} else {
		f->pos = (uint64_t)(base + off);
		r = base + off;
	}
	fs_unlock();
	return r;
}

int vfs_fstat(struct file *f, struct kstat *st)
{
	fs_lock();
	fs_fill_stat(f->inode, st);
	fs_unlock();
	return 0;
}

int vfs_ftruncate(struct file *f, int64_t length)
{
	if (!writable(f) || f->ops)
		return -EINVAL;
	fs_lock();
	int err = fs_truncate_node(f->inode, length);
	fs_unlock();
	return err;
}

int vfs_fchmod(struct file *f, uint32_t mode)
{
	fs_lock();
	struct inode *n = f->inode;
	n->mode = (n->mode & S_IFMT) | (mode & S_IALLUGO);
	fs_now(&n->ctime);
	fs_unlock();
	return 0;
}

int vfs_fchown(struct file *f, uint32_t uid, uint32_t gid)
{
	fs_lock();
	struct inode *n = f->inode;
	if (uid != UINT32_MAX)
		n->uid = uid;
	if (gid != UINT32_MAX)
		n->gid = gid;
	fs_now(&n->ctime);
	fs_unlock();
	return 0;
}

int vfs_futimes(struct file *f, const struct vfs_time *atime, const struct vfs_time *mtime)
{
	fs_lock();
	struct inode *n = f->inode;
	if (atime)
		n->atime = *atime;
	if (mtime)
		n->mtime = *mtime;
	fs_now(&n->ctime);
	fs_unlock();
	return 0;
}

void vfs_now(struct vfs_time *t) { fs_now(t); }

int vfs_getdents(struct file *f, vfs_filldir_fn fill, void *ctx)
{
	struct inode *dir = f->inode;
	int count = 0;

	fs_lock();
	if (!S_ISDIR(dir->mode)) {
		fs_unlock();
		return -ENOTDIR;
	}
	if (dir->nlink == 0)
		goto out; /* removed: nothing to list, as on Linux */
	synth_refresh(dir); /* /proc: the processes alive now */
	if (f->pos == 0) {
		if (fill(ctx, ".", 1, dir->ino, DT_DIR, 1))
			goto out;
		f->pos = 1, count++;
	}
	if (f->pos == 1) {
		if (fill(ctx, "..", 2, dir->dir.parent->ino, DT_DIR, 2))
			goto out;
		f->pos = 2, count++;
	}
	for (struct ramfs_dirent *d = dir->dir.first; d; d = d->next) {
		if (d->pos < f->pos)
			continue;
		if (fill(ctx, d->name, d->len, d->node->ino, VFS_DT(d->node->mode),
		         (int64_t)d->pos + 1))
			goto out;
		f->pos = d->pos + 1, count++;
	}
out:
	fs_unlock();
	return count;
}

void vfs_usage(struct vfs_usage *u)
{
	fs_lock();
	ramfs_usage(&u->inodes, &u->data_pages);
	u->open_files = open_files;
	fs_unlock();
}
