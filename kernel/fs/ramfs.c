/*
 * The in-memory file system: where nodes, names and file contents live
 * (fs/inode.h). It knows nothing of paths or of Linux's rules, which vfs.c
 * applies on top; every function here is called with the file-system lock
 * held.
 *
 * A directory is a doubly linked list of entries in insertion order, each
 * with a getdents position that no other entry of that directory ever gets,
 * so a reader's position stays meaningful while entries come and go. A
 * regular file is an array of page pointers, one per 4 KiB of the file,
 * NULL for a hole (never written, or cut off by a truncate and grown back):
 * holes read as zeros and cost nothing, and a file of several MiB is only
 * a longer array. Pages come from the platform's page source (the page-frame
 * allocator), everything else from kmalloc; ramfs_free_inode gives back
 * every byte a node holds.
 *
 * A page may also be mapped into processes (ramfs_share_page: execve and
 * mmap map file pages instead of copying them). The platform counts those
 * sharers, and page_free only lets a page go back to the allocator once
 * nobody maps it any more: a file truncated or deleted under a mapping
 * leaves the mapping its page.
 */
#include "fs/inode.h"

#include "core/panic.h"
#include "lib/string.h"
#include "mm/heap.h"

static const struct vfs_platform *platform;
static uint64_t next_ino = 1;
static uint64_t live_inodes, data_pages;

void ramfs_init(const struct vfs_platform *p) { platform = p; }

void ramfs_usage(uint64_t *inodes, uint64_t *pages)
{
	*inodes = live_inodes;
	*pages = data_pages;
}

struct inode *ramfs_new_inode(uint32_t mode)
{
	struct inode *n = kcalloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->ino = next_ino++;
	n->mode = mode;
	fs_now(&n->mtime);
	n->atime = n->ctime = n->mtime;
	if (S_ISDIR(mode)) {
		n->dir.parent = n;
		n->dir.next_pos = 2; /* 0 and 1 are "." and ".." */
		n->size = 2 * RAMFS_DIRENT_SIZE;
	}
	live_inodes++;
	return n;
}

static void free_pages_from(struct inode *n, size_t first)
{
	for (size_t i = first; i < n->reg.slots; i++) {
		if (n->reg.pages[i]) {
			platform->page_free(n->reg.pages[i]);
			n->reg.pages[i] = NULL;
			n->reg.resident--;
			data_pages--;
		}
	}
}

void ramfs_free_inode(struct inode *n)
{
	KASSERT(n->nlink == 0 && n->refs == 0);
	if (S_ISREG(n->mode)) {
		free_pages_from(n, 0);
		kfree(n->reg.pages);
	} else if (S_ISLNK(n->mode)) {
		kfree(n->target);
	} else if (S_ISDIR(n->mode)) {
		KASSERT(n->dir.entries == 0);
	}
	live_inodes--;
	kfree(n);
}

/* ---- Directories ----------------------------------------------------------- */

struct ramfs_dirent *ramfs_dir_find(struct inode *dir, const char *name, size_t len)
{
	for (struct ramfs_dirent *d = dir->dir.first; d; d = d->next)
		if (d->len == len && memcmp(d->name, name, len) == 0)
			return d;
	return NULL;
}

struct ramfs_dirent *ramfs_dirent_new(const char *name, size_t len, struct inode *node)
{
	KASSERT(len > 0 && len <= VFS_NAME_MAX);
	struct ramfs_dirent *d = kmalloc(sizeof(*d) + len + 1);
	if (!d)
		return NULL;
	d->next = d->prev = NULL;
	d->node = node;
	d->pos = 0;
	d->len = (uint16_t)len;
	memcpy(d->name, name, len);
	d->name[len] = 0;
	return d;
}

void ramfs_dirent_free(struct ramfs_dirent *d) { kfree(d); }

void ramfs_dir_insert(struct inode *dir, struct ramfs_dirent *d)
{
	d->pos = dir->dir.next_pos++;
	d->next = NULL;
	d->prev = dir->dir.last;
	if (dir->dir.last)
		dir->dir.last->next = d;
	else
		dir->dir.first = d;
	dir->dir.last = d;
	dir->dir.entries++;
	dir->size += RAMFS_DIRENT_SIZE;
}

void ramfs_dir_remove(struct inode *dir, struct ramfs_dirent *d)
{
	if (d->prev)
		d->prev->next = d->next;
	else
		dir->dir.first = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		dir->dir.last = d->prev;
	d->next = d->prev = NULL;
	dir->dir.entries--;
	dir->size -= RAMFS_DIRENT_SIZE;
}

/* ---- Regular files ---------------------------------------------------------- */

/* Room in pages[] for page index `last`: the array doubles (at least 8). */
static int grow_slots(struct inode *n, size_t last)
{
	if (last < n->reg.slots)
		return 0;
	size_t slots = n->reg.slots ? n->reg.slots : 8;
	while (slots <= last)
		slots *= 2;
	uint8_t **pages = krealloc(n->reg.pages, slots * sizeof(*pages));
	if (!pages)
		return -ENOSPC;
	memset(pages + n->reg.slots, 0, (slots - n->reg.slots) * sizeof(*pages));
	n->reg.pages = pages;
	n->reg.slots = slots;
	return 0;
}

int64_t ramfs_read(struct inode *n, void *buf, size_t len, uint64_t off)
{
	if (off >= n->size)
		return 0;
	if (len > n->size - off)
		len = (size_t)(n->size - off);
	uint8_t *out = buf;
	for (size_t done = 0; done < len;) {
		uint64_t at = off + done;
		size_t page = (size_t)(at / RAMFS_PAGE_SIZE), in = (size_t)(at % RAMFS_PAGE_SIZE);
		size_t k = RAMFS_PAGE_SIZE - in < len - done ? RAMFS_PAGE_SIZE - in : len - done;
		if (page < n->reg.slots && n->reg.pages[page])
			memcpy(out + done, n->reg.pages[page] + in, k);
		else
			memset(out + done, 0, k);
		done += k;
	}
	return (int64_t)len;
}

int64_t ramfs_write(struct inode *n, const void *buf, size_t len, uint64_t off)
{
	if (len == 0)
		return 0;
	if (off >= RAMFS_MAX_FILE_SIZE)
		return -EFBIG;
	if (len > RAMFS_MAX_FILE_SIZE - off)
		len = (size_t)(RAMFS_MAX_FILE_SIZE - off);
	if (grow_slots(n, (size_t)((off + len - 1) / RAMFS_PAGE_SIZE)) != 0)
		return -ENOSPC;
	const uint8_t *in = buf;
	size_t done = 0;
	while (done < len) {
		uint64_t at = off + done;
		size_t page = (size_t)(at / RAMFS_PAGE_SIZE), o = (size_t)(at % RAMFS_PAGE_SIZE);
		size_t k = RAMFS_PAGE_SIZE - o < len - done ? RAMFS_PAGE_SIZE - o : len - done;
		if (!n->reg.pages[page]) {
			uint8_t *p = platform->page_alloc();
			if (!p)
				break;
			/* Only the parts this write does not cover need zeroes. */
			memset(p, 0, o);
			memset(p + o + k, 0, RAMFS_PAGE_SIZE - o - k);
			n->reg.pages[page] = p;
			n->reg.resident++;
			data_pages++;
		}
		memcpy(n->reg.pages[page] + o, in + done, k);
		done += k;
	}
	if (done == 0)
		return -ENOSPC;
	if (off + done > n->size)
		n->size = off + done;
	return (int64_t)done;
}

int ramfs_truncate(struct inode *n, uint64_t size)
{
	if (size > RAMFS_MAX_FILE_SIZE)
		return -EFBIG;
	if (size < n->size) {
		/* Pages wholly past the end go; the tail of the last one is
		 * zeroed, so growing the file again shows zeros there. */
		size_t keep = (size_t)((size + RAMFS_PAGE_SIZE - 1) / RAMFS_PAGE_SIZE);
		free_pages_from(n, keep);
		size_t in = (size_t)(size % RAMFS_PAGE_SIZE);
		if (in && keep - 1 < n->reg.slots && n->reg.pages[keep - 1])
			memset(n->reg.pages[keep - 1] + in, 0, RAMFS_PAGE_SIZE - in);
		if (size == 0) {
			kfree(n->reg.pages);
			n->reg.pages = NULL;
			n->reg.slots = 0;
		}
	}
	n->size = size;
	return 0;
}

int ramfs_share_page(struct inode *n, uint64_t off, void **page)
{
	*page = NULL;
	if (off >= (n->size + RAMFS_PAGE_SIZE - 1) / RAMFS_PAGE_SIZE * RAMFS_PAGE_SIZE)
		return -ENXIO;
	size_t i = (size_t)(off / RAMFS_PAGE_SIZE);
	if (i >= n->reg.slots || !n->reg.pages[i])
		return 0; /* a hole: zeros */
	if (!platform->page_share || !platform->page_share(n->reg.pages[i]))
		return -ENOMEM;
	*page = n->reg.pages[i];
	return 0;
}

/* ---- Symlinks ---------------------------------------------------------------- */

int ramfs_set_target(struct inode *n, const char *target, size_t len)
{
	char *t = kmalloc(len + 1);
	if (!t)
		return -ENOMEM;
	memcpy(t, target, len);
	t[len] = 0;
	kfree(n->target);
	n->target = t;
	n->size = len;
	return 0;
}
