/*
 * Path lookup (fs/inode.h: fs_namei), with Linux's rules (path_resolution(7)):
 *
 *  - an absolute path starts at the root, a relative one at the start
 *    directory; repeated slashes count as one;
 *  - "." is the directory itself, ".." its parent (the root's is the root);
 *  - every component but the last must be a directory (else -ENOTDIR), after
 *    following it if it is a symlink; a symlink's target is resolved from
 *    the directory that holds the link (from the root if it is absolute);
 *  - the last component is followed only when asked (LOOKUP_FOLLOW) or when
 *    a trailing slash follows it, and a trailing slash makes a node that is
 *    not a directory -ENOTDIR;
 *  - at most VFS_SYMLOOP_MAX symlinks in one lookup, nested or not (-ELOOP);
 *    a path of VFS_PATH_MAX bytes or more, or a component longer than
 *    VFS_NAME_MAX, is -ENAMETOOLONG.
 *
 * A symlink's target is resolved by calling the walk again on it, so the
 * nesting depth is bounded by the symlink count (40 small frames). Nothing
 * takes references: the whole lookup runs under the file-system lock, and
 * nothing is freed while it is held (synthetic entries a refresh removes
 * wait for the lock's release: synth.c).
 *
 * Two things make more than one file system: a directory that is a mount
 * point (vfs_mount) is crossed into the root mounted on it as soon as a
 * step reaches it, so the mount point itself is never a lookup's result;
 * and a synthetic directory (/proc) brings its entries up to date before
 * a name is looked up in it. The mounted root's ".." is the mount point's
 * parent.
 */
#include "fs/inode.h"

#include "core/panic.h"
#include "lib/string.h"

static int walk(struct inode *start, const char *path, unsigned flags, struct nameidata *nd);

/* One step down from dir by name: the entry, ".", ".." or NULL. */
static struct inode *step(struct inode *dir, const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return dir;
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return dir->dir.parent;
	synth_refresh(dir);
	struct ramfs_dirent *d = ramfs_dir_find(dir, name, len);
	struct inode *n = d ? d->node : NULL;
	while (n && n->mounted)
		n = n->mounted;
	return n;
}

/* A symlink's target: stored, or made now for a synthetic one. */
static int link_target(struct inode *link, const char **out)
{
	if (link->synth) {
		int r = synth_target(link, out);
		return r < 0 ? r : 0;
	}
	*out = link->target;
	return 0;
}

/* The node a symlink in dir resolves to (all of it followed). */
static int follow(struct inode *dir, struct inode *link, struct nameidata *nd,
                  struct inode **out)
{
	if (++nd->links > VFS_SYMLOOP_MAX)
		return -ELOOP;
	struct nameidata sub = {.links = nd->links};
	const char *target;
	int err = link_target(link, &target);
	if (!err)
		err = walk(dir, target, LOOKUP_FOLLOW, &sub);
	nd->links = sub.links;
	if (err)
		return err;
	if (!sub.node)
		return -ENOENT;
	*out = sub.node;
	return 0;
}

static int walk(struct inode *start, const char *path, unsigned flags, struct nameidata *nd)
{
	struct inode *cur = path[0] == '/' ? fs_root : start;
	const char *p = path;

	while (*p == '/')
		p++;
	if (*p == 0) {
		/* "/" (or "///"): the start itself, as a node without a name. */
		*nd = (struct nameidata){.dir = cur, .last = p, .last_len = 0, .node = cur,
		                         .trailing_slash = path[0] == '/', .links = nd->links};
		return S_ISDIR(cur->mode) ? 0 : -ENOTDIR;
	}
	for (;;) {
		const char *name = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - name);
		if (len > VFS_NAME_MAX)
			return -ENAMETOOLONG;
		bool slash = *p == '/';
		while (*p == '/')
			p++;
		if (!S_ISDIR(cur->mode))
			return -ENOTDIR;
		if (*p == 0) {
			/* The last component. */
			nd->dir = cur;
			nd->last = name;
			nd->last_len = len;
			nd->trailing_slash = slash;
			nd->node = step(cur, name, len);
			if (nd->node && S_ISLNK(nd->node->mode) && ((flags & LOOKUP_FOLLOW) || slash)) {
				/* Where the link leads, also for a create: open(O_CREAT)
				 * through a dangling link makes its target. */
				if (++nd->links > VFS_SYMLOOP_MAX)
					return -ELOOP;
				struct nameidata sub = {.links = nd->links};
				const char *target;
				int err = link_target(nd->node, &target);
				if (!err)
					err = walk(cur, target, LOOKUP_FOLLOW, &sub);
				if (err)
					return err;
				sub.trailing_slash |= slash;
				*nd = sub;
			}
			if (nd->node && nd->trailing_slash && !S_ISDIR(nd->node->mode))
				return -ENOTDIR;
			return 0;
		}
		struct inode *next = step(cur, name, len);
		if (!next)
			return -ENOENT;
		if (S_ISLNK(next->mode)) {
			int err = follow(cur, next, nd, &next);
			if (err)
				return err;
		}
		cur = next;
	}
}

int fs_namei(struct inode *start, const char *path, unsigned flags, struct nameidata *nd)
{
	KASSERT(fs_lock_held());
	*nd = (struct nameidata){0};
	size_t len = strnlen(path, VFS_PATH_MAX);
	if (len == VFS_PATH_MAX)
		return -ENAMETOOLONG;
	if (len == 0)
		return -ENOENT;
	return walk(start ? start : fs_root, path, flags, nd);
}

int fs_lookup_node(struct inode *start, const char *path, unsigned flags, struct inode **out)
{
	struct nameidata nd;
	int err = fs_namei(start, path, flags, &nd);
	if (err)
		return err;
	if (!nd.node)
		return -ENOENT;
	*out = nd.node;
	return 0;
}

/* getcwd(2): the path of directory dir, built from the end by walking up
 * the ".." links and finding each directory's name in its parent. A
 * directory that was removed has no path: -ENOENT, as Linux gives. */
int64_t vfs_getcwd(struct inode *dir, char *buf, size_t size)
{
	fs_lock();
	size_t at = size;
	int64_t err = 0;
	if (!S_ISDIR(dir->mode) || dir->nlink == 0) {
		err = -ENOENT;
		goto out;
	}
	if (dir == fs_root) {
		if (size < 2) {
			err = -ERANGE;
			goto out;
		}
		buf[0] = '/';
		buf[1] = 0;
		fs_unlock();
		return 2;
	}
	if (size < 1) {
		err = -ERANGE;
		goto out;
	}
	buf[--at] = 0;
	for (struct inode *n = dir; n != fs_root;) {
		struct inode *parent = n->dir.parent;
		/* A mounted root's name is its mount point's. */
		struct ramfs_dirent *d = parent->dir.first;
		while (d && d->node != n && d->node->mounted != n)
			d = d->next;
		if (!d) {
			err = -ENOENT;
			goto out;
		}
		if (at < (size_t)d->len + 1) {
			err = -ERANGE;
			goto out;
		}
		at -= d->len;
		memcpy(buf + at, d->name, d->len);
		buf[--at] = '/';
		n = parent;
	}
	memmove(buf, buf + at, size - at);
	err = (int64_t)(size - at);
out:
	fs_unlock();
	return err;
}
