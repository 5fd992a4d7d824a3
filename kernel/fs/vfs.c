/*
 * The operations on names (fs/vfs.h): Linux's rules for mkdir, rmdir,
 * unlink, rename, link, symlink, readlink, mknod, stat, truncate, chmod,
 * chown and utimes, on the storage of ramfs.c, and the lock they all share.
 *
 * Link counts follow Linux: a file's nlink is its number of names; a
 * directory's is 2 (its name and its ".") plus one per subdirectory (their
 * ".."). A node is freed when nlink and refs are both 0 (fs_iput); a
 * subdirectory holds a reference on its parent, so ".." of a removed
 * directory someone still uses never points at freed memory.
 *
 * Each operation that can fail for lack of memory allocates first and
 * changes the tree only once nothing can fail any more, so an error leaves
 * the tree as it was.
 */
#include "fs/inode.h"

#include "core/panic.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "sched/wait.h"

/* Guards the whole tree: every node, every directory entry, every open
 * file's offset and flags, the device table. The outermost lock of the
 * file system; allocations (heap, page-frame allocator) nest inside it. */
static struct mutex lock = MUTEX_INIT("fs");
static const struct vfs_platform *platform;
struct inode *fs_root;

void fs_lock(void) { mutex_lock(&lock); }
void fs_unlock(void)
{
	synth_bury(); /* what a refresh removed, now that no lookup runs */
	mutex_unlock(&lock);
}
bool fs_lock_held(void) { return mutex_held(&lock); }
void fs_now(struct vfs_time *t) { platform->now(t); }

void fs_iget(struct inode *n) { n->refs++; }

void fs_reap(struct inode *n)
{
	while (n->refs == 0 && n->nlink == 0) {
		struct inode *parent = S_ISDIR(n->mode) && n->dir.parent != n ? n->dir.parent : NULL;
		ramfs_free_inode(n);
		if (!parent)
			return;
		/* The reference this directory held on its parent. */
		KASSERT(parent->refs > 0);
		parent->refs--;
		n = parent;
	}
}

void fs_iput(struct inode *n)
{
	KASSERT(n->refs > 0);
	n->refs--;
	fs_reap(n);
}

int vfs_init(const struct vfs_platform *p)
{
	platform = p;
	ramfs_init(p);
	fs_root = ramfs_new_inode(S_IFDIR | 0755);
	if (!fs_root)
		return -ENOMEM;
	fs_root->nlink = 2;
	fs_root->refs = 1; /* for good */
	return 0;
}

struct inode *vfs_root(void) { return fs_root; }

struct inode *vfs_inode_get(struct inode *n)
{
	fs_lock();
	fs_iget(n);
	fs_unlock();
	return n;
}

void vfs_inode_put(struct inode *n)
{
	fs_lock();
	fs_iput(n);
	fs_unlock();
}

int vfs_lookup(struct inode *dir, const char *path, struct inode **out)
{
	fs_lock();
	int err = fs_lookup_node(dir, path, LOOKUP_FOLLOW, out);
	if (!err)
		fs_iget(*out);
	fs_unlock();
	return err;
}

void fs_fill_stat(struct inode *n, struct kstat *st)
{
	*st = (struct kstat){
		.dev = n->synth ? VFS_SYNTH_DEV : vfs_makedev(0, 1),
		.ino = n->ino,
		.mode = n->mode,
		.nlink = n->nlink,
		.uid = n->uid,
		.gid = n->gid,
		.rdev = S_ISCHR(n->mode) || S_ISBLK(n->mode) ? vfs_makedev(n->rdev_major, n->rdev_minor)
		                                              : 0,
		.size = (int64_t)n->size,
		.blksize = RAMFS_PAGE_SIZE,
		.blocks = S_ISREG(n->mode) ? (int64_t)n->reg.resident * (RAMFS_PAGE_SIZE / 512) : 0,
		.atime = n->atime,
		.mtime = n->mtime,
		.ctime = n->ctime,
	};
}

/* A directory's contents changed: its mtime and ctime. */
static void dir_changed(struct inode *dir)
{
	fs_now(&dir->mtime);
	dir->ctime = dir->mtime;
}

int fs_create(struct nameidata *nd, uint32_t mode, const char *target, struct inode **out)
{
	struct inode *dir = nd->dir;
	if (dir->synth)
		return -EACCES; /* nothing is made in a synthetic tree */
	if (dir->nlink == 0)
		return -ENOENT; /* a removed directory takes no new names */
	if (nd->last_len == 0)
		return -EEXIST;
	struct inode *n = ramfs_new_inode(mode);
	if (!n)
		return -ENOMEM;
	struct ramfs_dirent *d = ramfs_dirent_new(nd->last, nd->last_len, n);
	int err = d ? 0 : -ENOMEM;
	if (!err && target)
		err = ramfs_set_target(n, target, strlen(target));
	if (err) {
		ramfs_dirent_free(d);
		ramfs_free_inode(n);
		return err;
	}
	ramfs_dir_insert(dir, d);
	n->nlink = 1;
	if (S_ISDIR(mode)) {
		n->nlink = 2;
		n->dir.parent = dir;
		fs_iget(dir);
		dir->nlink++;
	}
	dir_changed(dir);
	*out = n;
	return 0;
}

int vfs_stat(struct inode *dir, const char *path, struct kstat *st, unsigned flags)
{
	struct inode *n;
	fs_lock();
	int err = fs_lookup_node(dir, path, flags & VFS_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &n);
	if (!err)
		fs_fill_stat(n, st);
	fs_unlock();
	return err;
}

int vfs_mkdir(struct inode *dir, const char *path, uint32_t mode)
{
	struct nameidata nd;
	struct inode *n;
	fs_lock();
	int err = fs_namei(dir, path, 0, &nd);
	if (!err && nd.node)
		err = -EEXIST;
	if (!err)
		err = fs_create(&nd, S_IFDIR | (mode & S_IALLUGO), NULL, &n);
	fs_unlock();
	return err;
}

int vfs_mknod(struct inode *dir, const char *path, uint32_t mode, uint32_t major,
              uint32_t minor)
{
	uint32_t type = mode & S_IFMT;
	if (type == 0)
		type = S_IFREG; /* as Linux: no type means a regular file */
	if (type == S_IFDIR)
		return -EPERM;
	if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
	    type != S_IFSOCK)
		return -EINVAL;
	struct nameidata nd;
	struct inode *n;
	fs_lock();
	int err = fs_namei(dir, path, 0, &nd);
	if (!err && nd.node)
		err = -EEXIST;
	else if (!err && nd.trailing_slash)
		err = -ENOENT;
	if (!err)
		err = fs_create(&nd, type | (mode & S_IALLUGO), NULL, &n);
	if (!err) {
		n->rdev_major = major;
		n->rdev_minor = minor;
	}
	fs_unlock();
	return err;
}

int vfs_symlink(const char *target, struct inode *dir, const char *path)
{
	size_t len = strnlen(target, VFS_PATH_MAX);
	if (len == 0)
		return -ENOENT;
	if (len == VFS_PATH_MAX)
		return -ENAMETOOLONG;
	struct nameidata nd;
	struct inode *n;
	fs_lock();
	int err = fs_namei(dir, path, 0, &nd);
	if (!err && nd.node)
		err = -EEXIST;
	else if (!err && nd.trailing_slash)
		err = -ENOENT;
	if (!err)
		err = fs_create(&nd, S_IFLNK | 0777, target, &n);
	fs_unlock();
	return err;
}

/* Drop the name d (in dir) of node n: its link count, and the node itself
 * if nothing else holds it. A directory loses all its links at once. */
static void drop_name(struct inode *dir, struct ramfs_dirent *d)
{
	struct inode *n = d->node;
	ramfs_dir_remove(dir, d);
	ramfs_dirent_free(d);
	fs_now(&n->ctime);
	if (S_ISDIR(n->mode)) {
		n->nlink = 0;
		dir->nlink--;
	} else {
		n->nlink--;
	}
	dir_changed(dir);
	fs_reap(n);
}

int vfs_unlink(struct inode *dir, const char *path)
{
	struct nameidata nd;
	fs_lock();
	int err = fs_namei(dir, path, 0, &nd);
	if (!err && !nd.node)
		err = -ENOENT;
	else if (!err && S_ISDIR(nd.node->mode))
		err = -EISDIR;
	else if (!err && nd.dir->synth)
		err = -EACCES;
	if (!err)
		drop_name(nd.dir, ramfs_dir_find(nd.dir, nd.last, nd.last_len));
	fs_unlock();
	return err;
}

static bool is_dot(const struct nameidata *nd) { return nd->last_len == 1 && nd->last[0] == '.'; }

static bool is_dotdot(const struct nameidata *nd)
{
	return nd->last_len == 2 && nd->last[0] == '.' && nd->last[1] == '.';
}

int vfs_rmdir(struct inode *dir, const char *path)
{
	struct nameidata nd;
	fs_lock();
	int err = fs_namei(dir, path, 0, &nd);
	if (err)
		goto out;
	if (nd.dir->synth)
		err = -EACCES;
	else if (nd.last_len == 0 || nd.node == fs_root || (nd.node && nd.node->synth))
		err = -EBUSY; /* the root, or a mounted file system's */
	else if (is_dot(&nd))
		err = -EINVAL;
	else if (is_dotdot(&nd))
		err = -ENOTEMPTY;
	else if (!nd.node)
		err = -ENOENT;
	else if (!S_ISDIR(nd.node->mode))
		err = -ENOTDIR;
	else if (nd.node->dir.entries)
		err = -ENOTEMPTY;
	else
		drop_name(nd.dir, ramfs_dir_find(nd.dir, nd.last, nd.last_len));
out:
	fs_unlock();
	return err;
}

/* Is a inside the tree of directory d (or d itself)? */
static bool within(struct inode *a, struct inode *d)
{
	for (;;) {
		if (a == d)
			return true;
		if (a == fs_root || a->dir.parent == a)
			return false;
		a = a->dir.parent;
	}
}

int vfs_rename(struct inode *olddir, const char *oldpath, struct inode *newdir,
               const char *newpath)
{
	struct nameidata o, n;
	struct ramfs_dirent *fresh = NULL;
	fs_lock();
	int err = fs_namei(olddir, oldpath, 0, &o);
	if (!err)
		err = fs_namei(newdir, newpath, 0, &n);
	if (err)
		goto out;
	struct inode *node = o.node;
	if (!node) {
		err = -ENOENT;
	} else if (node->synth && !o.dir->synth) {
		err = -EBUSY; /* a mount point */
	} else if (n.node && n.node->synth && !n.dir->synth) {
		err = -EBUSY;
	} else if (o.dir->synth || n.dir->synth) {
		err = -EXDEV; /* in or out of a synthetic tree */
	} else if (o.last_len == 0 || n.last_len == 0 || is_dot(&o) || is_dotdot(&o) ||
	           is_dot(&n) || is_dotdot(&n)) {
		err = -EBUSY;
	} else if (node == n.node) {
		err = 0; /* the same node under both names (POSIX: nothing to do) */
		goto out;
	} else if (S_ISDIR(node->mode)) {
		if (within(n.dir, node))
			err = -EINVAL; /* into its own subtree */
		else if (n.node && !S_ISDIR(n.node->mode))
			err = -ENOTDIR;
		else if (n.node && n.node->dir.entries)
			err = -ENOTEMPTY;
	} else if (n.node && S_ISDIR(n.node->mode)) {
		err = -EISDIR;
	} else if (o.trailing_slash || n.trailing_slash) {
		err = -ENOTDIR;
	}
	if (!err && n.dir->nlink == 0)
		err = -ENOENT;
	if (!err && !(fresh = ramfs_dirent_new(n.last, n.last_len, node)))
		err = -ENOMEM;
	if (err)
		goto out;

	/* Nothing can fail from here on. */
	if (n.node)
		drop_name(n.dir, ramfs_dir_find(n.dir, n.last, n.last_len));
	struct ramfs_dirent *old = ramfs_dir_find(o.dir, o.last, o.last_len);
	ramfs_dir_remove(o.dir, old);
	ramfs_dirent_free(old);
	ramfs_dir_insert(n.dir, fresh);
	if (S_ISDIR(node->mode) && o.dir != n.dir) {
		o.dir->nlink--;
		n.dir->nlink++;
		node->dir.parent = n.dir;
		fs_iget(n.dir);
		fs_iput(o.dir);
	}
	dir_changed(o.dir);
	dir_changed(n.dir);
	fs_now(&node->ctime);
out:
	fs_unlock();
	return err;
}

int vfs_link(struct inode *olddir, const char *oldpath, struct inode *newdir,
             const char *newpath)
{
	struct nameidata o, n;
	fs_lock();
	int err = fs_namei(olddir, oldpath, 0, &o);
	if (!err && !o.node)
		err = -ENOENT;
	if (!err)
		err = fs_namei(newdir, newpath, 0, &n);
	if (err)
		goto out;
	if (o.node->synth || n.dir->synth)
		err = -EXDEV;
	else if (S_ISDIR(o.node->mode))
		err = -EPERM;
	else if (n.node || n.last_len == 0)
		err = -EEXIST;
	else if (n.trailing_slash)
		err = -ENOENT;
	else if (n.dir->nlink == 0)
		err = -ENOENT;
	if (!err) {
		struct ramfs_dirent *d = ramfs_dirent_new(n.last, n.last_len, o.node);
		if (!d) {
			err = -ENOMEM;
		} else {
			ramfs_dir_insert(n.dir, d);
			o.node->nlink++;
			fs_now(&o.node->ctime);
			dir_changed(n.dir);
		}
	}
out:
	fs_unlock();
	return err;
}

int64_t vfs_readlink(struct inode *dir, const char *path, char *buf, size_t size)
{
	struct inode *n;
	if (size == 0)
		return -EINVAL;
	fs_lock();
	int64_t ret = fs_lookup_node(dir, path, 0, &n);
	if (!ret && !S_ISLNK(n->mode))
		ret = -EINVAL;
	const char *target = NULL;
	if (!ret && n->synth) {
		int r = synth_target(n, &target);
		if (r < 0)
			ret = r;
	}
	if (!ret) {
		size_t k = n->size < size ? (size_t)n->size : size;
		memcpy(buf, n->synth ? target : n->target, k);
		ret = (int64_t)k;
	}
	fs_unlock();
	return ret;
}

int fs_truncate_node(struct inode *n, int64_t length)
{
	if (S_ISDIR(n->mode))
		return -EISDIR;
	if (n->synth)
		return -EACCES;
	if (!S_ISREG(n->mode))
		return -EINVAL;
	if (length < 0)
		return -EINVAL;
	int err = ramfs_truncate(n, (uint64_t)length);
	if (!err) {
		fs_now(&n->mtime);
		n->ctime = n->mtime;
	}
	return err;
}

int vfs_truncate(struct inode *dir, const char *path, int64_t length)
{
	struct inode *n;
	fs_lock();
	int err = fs_lookup_node(dir, path, LOOKUP_FOLLOW, &n);
	if (!err)
		err = fs_truncate_node(n, length);
	fs_unlock();
	return err;
}

int vfs_chmod(struct inode *dir, const char *path, uint32_t mode)
{
	struct inode *n;
	fs_lock();
	int err = fs_lookup_node(dir, path, LOOKUP_FOLLOW, &n);
	if (!err && n->synth)
		err = -EPERM;
	if (!err) {
		n->mode = (n->mode & S_IFMT) | (mode & S_IALLUGO);
		fs_now(&n->ctime);
	}
	fs_unlock();
	return err;
}

int vfs_chown(struct inode *dir, const char *path, uint32_t uid, uint32_t gid, unsigned flags)
{
	struct inode *n;
	fs_lock();
	int err = fs_lookup_node(dir, path, flags & VFS_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &n);
	if (!err && n->synth)
		err = -EPERM;
	if (!err) {
		/* (uid_t)-1 leaves it, as chown(2). */
		if (uid != UINT32_MAX)
			n->uid = uid;
		if (gid != UINT32_MAX)
			n->gid = gid;
		fs_now(&n->ctime);
	}
	fs_unlock();
	return err;
}

int vfs_utimes(struct inode *dir, const char *path, const struct vfs_time *atime,
               const struct vfs_time *mtime, unsigned flags)
{
	struct inode *n;
	fs_lock();
	int err = fs_lookup_node(dir, path, flags & VFS_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &n);
	if (!err && n->synth)
		err = -EPERM;
	if (!err) {
		if (atime)
			n->atime = *atime;
		if (mtime)
			n->mtime = *mtime;
		fs_now(&n->ctime);
	}
	fs_unlock();
	return err;
}

int vfs_mount(struct inode *dir, const char *path, struct inode *root)
{
	struct inode *mp;
	fs_lock();
	int err = fs_lookup_node(dir, path, LOOKUP_FOLLOW, &mp);
	if (!err && !S_ISDIR(mp->mode))
		err = -ENOTDIR;
	else if (!err && (mp == fs_root || mp->synth || !S_ISDIR(root->mode) || root->mounted))
		err = -EBUSY; /* the lookup crossed into a mounted root: taken */
	if (!err) {
		/* The mount point stays (its reference), and so does its parent,
		 * which is the mounted root's ".." (a reference for that). */
		fs_iget(mp);
		fs_iget(mp->dir.parent);
		root->dir.parent = mp->dir.parent;
		mp->mounted = root;
	}
	fs_unlock();
	return err;
}
