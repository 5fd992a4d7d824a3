/*
 * Unpacking the initramfs (initramfs.h), entry by entry through the file
 * API, with the rules of Linux's init/initramfs.c:
 *
 *  - a name that exists with another file type is removed first (a
 *    directory only if it is empty), a symlink always; a regular file of the
 *    same name is truncated and rewritten: later entries replace earlier ones;
 *  - a directory that exists keeps its contents and takes the new mode and
 *    owner; directories get their mtime at the very end, after their
 *    contents stopped changing it;
 *  - entries of one archive with the same (device, inode) and nlink >= 2 are
 *    hard links: the first makes the file, the others link to it (the data
 *    may come with any of them, GNU cpio puts it in the last);
 *  - every entry gets the archive's mode, owner and mtime.
 *
 * Unlike Linux, which keeps what it unpacked before a malformed byte, the
 * whole buffer is read once before anything is created: a malformed
 * archive leaves the tree empty, so the kernel never runs a half-unpacked
 * /init. Names are relative to the root ("bin/sh", "./bin/sh" and
 * "/bin/sh" alike; ".." cannot climb above it).
 */
#include "fs/initramfs.h"

#include "core/kprintf.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "mm/heap.h"

#define MAX_REPORTED 8 /* problems printed one by one; the rest are counted */

struct hardlink {
	uint32_t dev_major, dev_minor, ino, type;
	const char *name; /* in the archive */
};

struct dirtime {
	const char *name;
	int64_t mtime;
};

struct unpack {
	struct initramfs_stats *st;
	struct hardlink *links;
	size_t nlinks;
	unsigned links_archive; /* the archive the links belong to */
	struct dirtime *dirs;
	size_t ndirs;
	char *target; /* a symlink target, NUL-terminated */
};

static void problem(struct unpack *u, const struct cpio_entry *e, const char *what, int err)
{
	if (u->st->problems++ < MAX_REPORTED)
		kprintf("initramfs: '%.64s' (offset %zu): %s: %s (%s)\n", e->name, e->offset, what,
		        errno_text(err), errno_name(err));
}

/* Linux's clean_path: remove an existing node of another type (any node
 * when always is set) so that the entry can take the name. */
static void clean_path(const char *name, uint32_t mode, bool always)
{
	struct kstat st;
	if (vfs_stat(NULL, name, &st, VFS_NOFOLLOW) != 0)
		return;
	if (!always && ((st.mode ^ mode) & S_IFMT) == 0)
		return;
	if (S_ISDIR(st.mode))
		vfs_rmdir(NULL, name);
	else
		vfs_unlink(NULL, name);
}

static void set_attrs(const struct cpio_entry *e, bool follow_mode)
{
	struct vfs_time t = {.sec = e->mtime};
	vfs_chown(NULL, e->name, e->uid, e->gid, VFS_NOFOLLOW);
	if (follow_mode)
		vfs_chmod(NULL, e->name, e->mode);
	vfs_utimes(NULL, e->name, &t, &t, VFS_NOFOLLOW);
}

/* A hard link to an earlier entry of this archive, or 0 (then remembered). */
static int maybe_link(struct unpack *u, const struct cpio_entry *e)
{
	if (e->nlink < 2)
		return 0;
	if (u->links_archive != e->archive) {
		u->nlinks = 0; /* Linux forgets them at each trailer */
		u->links_archive = e->archive;
	}
	uint32_t type = e->mode & S_IFMT;
	for (size_t i = 0; i < u->nlinks; i++) {
		const struct hardlink *h = &u->links[i];
		if (h->ino == e->ino && h->dev_major == e->dev_major && h->dev_minor == e->dev_minor &&
		    h->type == type) {
			clean_path(e->name, e->mode, true);
			int err = vfs_link(NULL, h->name, NULL, e->name);
			return err ? err : 1;
		}
	}
	u->links[u->nlinks++] = (struct hardlink){e->dev_major, e->dev_minor, e->ino, type, e->name};
	return 0;
}

static void regular(struct unpack *u, const struct cpio_entry *e)
{
	int linked = maybe_link(u, e);
	if (linked < 0) {
		problem(u, e, "cannot make the hard link", linked);
		return;
	}
	if (!linked)
		clean_path(e->name, e->mode, false);
	struct file *f;
	int flags = O_WRONLY | O_CREAT | (linked ? 0 : O_TRUNC);
	int err = vfs_open(NULL, e->name, flags, e->mode & S_IALLUGO, &f);
	if (err) {
		problem(u, e, "cannot create it", err);
		return;
	}
	int64_t n = e->size ? vfs_write(f, e->data, e->size) : 0;
	file_put(f);
	if (n >= 0 && (size_t)n != e->size)
		n = -ENOSPC;
	if (n < 0) {
		problem(u, e, "cannot write its data", (int)n);
		return;
	}
	set_attrs(e, true);
	u->st->files++;
	u->st->bytes += e->size;
}

static void directory(struct unpack *u, const struct cpio_entry *e)
{
	clean_path(e->name, e->mode, false);
	int err = vfs_mkdir(NULL, e->name, e->mode & S_IALLUGO);
	if (err && err != -EEXIST) {
		problem(u, e, "cannot make the directory", err);
		return;
	}
	set_attrs(e, true);
	u->dirs[u->ndirs++] = (struct dirtime){e->name, e->mtime};
	u->st->dirs++;
}

static void make_symlink(struct unpack *u, const struct cpio_entry *e)
{
	clean_path(e->name, e->mode, true);
	memcpy(u->target, e->data, e->size); /* the reader checked 1..4095 bytes, no NUL */
	u->target[e->size] = 0;
	int err = vfs_symlink(u->target, NULL, e->name);
	if (err) {
		problem(u, e, "cannot make the symlink", err);
		return;
	}
	set_attrs(e, false);
	u->st->symlinks++;
}

static void special(struct unpack *u, const struct cpio_entry *e)
{
	int linked = maybe_link(u, e);
	if (linked < 0) {
		problem(u, e, "cannot make the hard link", linked);
		return;
	}
	if (!linked) {
		clean_path(e->name, e->mode, false);
		int err = vfs_mknod(NULL, e->name, e->mode, e->rdev_major, e->rdev_minor);
		if (err) {
			problem(u, e, "cannot make the node", err);
			return;
		}
	}
	set_attrs(e, true);
	u->st->nodes++;
}

int initramfs_unpack(const void *buf, size_t len, struct initramfs_stats *st,
                     struct cpio_reader *r)
{
	struct cpio_entry e;
	size_t dirs = 0, links = 0;
	int status;

	*st = (struct initramfs_stats){0};
	cpio_reader_init(r, buf, len);
	while ((status = cpio_next(r, &e)) == CPIO_OK) {
		dirs += (e.mode & S_IFMT) == S_IFDIR;
		links += e.nlink >= 2 && (e.mode & S_IFMT) != S_IFDIR;
	}
	if (status != CPIO_END)
		return status;
	st->archives = r->archives;

	struct unpack u = {.st = st};
	u.links = kcalloc(links + 1, sizeof(*u.links));
	u.dirs = kcalloc(dirs + 1, sizeof(*u.dirs));
	u.target = kmalloc(CPIO_LINK_MAX + 1);
	if (!u.links || !u.dirs || !u.target) {
		kfree(u.links), kfree(u.dirs), kfree(u.target);
		kprintf("initramfs: out of memory for the unpacking's own tables\n");
		st->problems++;
		return 0;
	}
	cpio_reader_init(r, buf, len);
	while (cpio_next(r, &e) == CPIO_OK) {
		switch (e.mode & S_IFMT) {
		case S_IFREG: regular(&u, &e); break;
		case S_IFDIR: directory(&u, &e); break;
		case S_IFLNK: make_symlink(&u, &e); break;
		default: special(&u, &e); break;
		}
	}
	/* Directory times last: creating their contents changed them. */
	for (size_t i = 0; i < u.ndirs; i++) {
		struct vfs_time t = {.sec = u.dirs[i].mtime};
		vfs_utimes(NULL, u.dirs[i].name, &t, &t, 0);
	}
	if (st->problems > MAX_REPORTED)
		kprintf("initramfs: %u more entries could not be unpacked\n",
		        st->problems - MAX_REPORTED);
	kfree(u.links);
	kfree(u.dirs);
	kfree(u.target);
	return 0;
}

#ifndef KESTREL_HOST
#include "boot/boot.h"
#include "mm/mm.h"

static bool loaded;

bool initramfs_loaded(void) { return loaded; }

void initramfs_init(void)
{
	const struct bootinfo *bi = boot_info();
	struct initramfs_stats st;
	struct cpio_reader r;

	if (!bi->initrd_size) {
		kprintf("initramfs: none (the loader found no INITRD); the kernel's shell starts "
		        "instead of /init\n");
		return;
	}
	int err = initramfs_unpack(phys_to_virt(bi->initrd_phys), bi->initrd_size, &st, &r);
	/* The files hold copies: the archive's pages are free now, as on
	 * Linux, whether it unpacked or not. */
	mm_reclaim_initrd();
	if (err) {
		kprintf("initramfs: malformed archive at offset %zu: %s\n", r.error_offset, r.message);
		kprintf("initramfs: nothing unpacked; the kernel's shell starts instead of /init\n");
		return;
	}
	kprintf("initramfs: %u files, %u directories, %u symlinks, %llu KiB", st.files, st.dirs,
	        st.symlinks, (unsigned long long)((st.bytes + 1023) / 1024));
	if (st.nodes)
		kprintf("; %u device nodes", st.nodes);
	if (st.archives > 1)
		kprintf("; from %u archives", st.archives);
	kprintf("\n");
	if (st.problems)
		kprintf("initramfs: %u entries could not be unpacked (above)\n", st.problems);
	loaded = true;
}
#endif
