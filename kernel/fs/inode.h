/*
 * Inside the file system (fs/ only): the node of the tree and the in-memory
 * file system's storage operations (ramfs.c), which the Linux semantics in
 * vfs.c, namei.c and file.c are written on.
 *
 * Every field of every node is guarded by the one file-system lock
 * (fs_lock_held()). A node is freed when it has no name (nlink 0) and no
 * reference (refs 0): open files, working directories. Lookups need no
 * reference of their own, because nothing is freed while the lock is held.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/vfs.h"

#define RAMFS_PAGE_SIZE 4096u
/* The largest regular file: the page array (8 bytes a page) stays at most
 * 8 MiB. Writing or truncating beyond it is -EFBIG. */
#define RAMFS_MAX_FILE_SIZE (4ull << 30)
/* What a directory entry costs in a directory's st_size (tmpfs's
 * BOGO_DIRENT_SIZE), counting "." and "..". */
#define RAMFS_DIRENT_SIZE 20

/* One name in a directory. */
struct ramfs_dirent {
	struct ramfs_dirent *next, *prev; /* in insertion order */
	struct inode *node;
	uint64_t pos;  /* getdents position: unique in the directory, increasing */
	uint16_t len;  /* of name, without the NUL */
	char name[];   /* NUL-terminated */
};

struct inode {
	uint64_t ino;
	uint32_t mode;   /* S_IF* | permission bits */
	uint32_t nlink;  /* names; a directory's also count "." and its subdirectories' ".." */
	uint32_t refs;   /* open files and vfs_inode_get references */
	uint32_t uid, gid;
	uint32_t rdev_major, rdev_minor; /* device nodes */
	uint64_t size;   /* regular: bytes; symlink: target length; directory: see above */
	struct vfs_time atime, mtime, ctime;
	union {
		struct {                      /* directories */
			struct ramfs_dirent *first, *last;
			struct inode *parent; /* "..": itself for the root */
			uint64_t next_pos;    /* the next entry's getdents position */
			uint32_t entries;
		} dir;
		struct {                      /* regular files */
			uint8_t **pages;      /* pages[i]: bytes [i * 4096, (i + 1) * 4096), or a hole */
			size_t slots;         /* length of pages[] */
			uint64_t resident;    /* pages allocated */
		} reg;
		char *target;                 /* symlinks: size bytes and a NUL */
	};
	/* A synthetic node (synth.c): its contents, target or entries come
	 * from ops, for arg; NULL for a ramfs node. */
	const struct synth_ops *synth;
	uint64_t synth_arg;
	/* A mount point (vfs_mount): a lookup that reaches this directory
	 * continues at the root of the file system mounted on it. */
	struct inode *mounted;
	/* synth.c: taken out of its tree, freed at the next fs_unlock. */
	struct inode *grave_next;
};

/* ---- The lock (vfs.c) ---------------------------------------------------- */

void fs_lock(void);
void fs_unlock(void);
bool fs_lock_held(void);
void fs_now(struct vfs_time *t);
extern struct inode *fs_root;

/* Node references under the lock; the last put of an unlinked node frees it. */
void fs_iget(struct inode *n);
void fs_iput(struct inode *n);
/* Free n if it has neither a name nor a reference (then its parent, if n
 * was a directory holding the last reference to it, and so on). */
void fs_reap(struct inode *n);

/* ---- Path lookup (namei.c) ----------------------------------------------- */

/*
 * The result of a lookup: the directory that holds (or would hold) the last
 * component, that component, and the node it names, or NULL when there is
 * no such name yet (a create). Pointers stay valid while the lock is held.
 */
struct nameidata {
	struct inode *dir;
	const char *last;   /* the final component (not NUL-terminated) */
	size_t last_len;    /* 0 for a path of slashes only: the root itself */
	struct inode *node; /* NULL: no such entry in dir */
	bool trailing_slash; /* the path ended in '/': the node must be a directory */
	unsigned links;     /* symlinks followed so far */
};

#define LOOKUP_FOLLOW 1u /* follow a final symlink (a trailing slash always does) */

/* Resolve all but the last component (each a directory, symlinks followed),
 * then look the last one up. -ENOENT, -ENOTDIR, -ENAMETOOLONG, -ELOOP. A
 * trailing slash on a node that is not a directory is -ENOTDIR. */
int fs_namei(struct inode *start, const char *path, unsigned flags, struct nameidata *nd);
/* The same, and the node must exist: -ENOENT otherwise. */
int fs_lookup_node(struct inode *start, const char *path, unsigned flags, struct inode **out);

/* ---- Shared steps of the operations (vfs.c) --------------------------------- */

/* Make a node of this mode under nd's last name, which the caller found
 * free: the common part of mkdir, mknod, symlink and open(O_CREAT). target:
 * a symlink's. -ENOENT in a removed directory, -ENOMEM. */
int fs_create(struct nameidata *nd, uint32_t mode, const char *target, struct inode **out);
int fs_truncate_node(struct inode *n, int64_t length);
void fs_fill_stat(struct inode *n, struct kstat *st);

/* ---- The in-memory file system (ramfs.c) ----------------------------------- */

void ramfs_init(const struct vfs_platform *p);
/* A node of this type and mode, nlink and refs 0, times now; NULL: -ENOMEM. */
struct inode *ramfs_new_inode(uint32_t mode);
/* Its memory: contents, entries (a directory must be empty), the node. */
void ramfs_free_inode(struct inode *n);

struct ramfs_dirent *ramfs_dir_find(struct inode *dir, const char *name, size_t len);
/* A dirent for node under name, not yet in any directory; NULL: -ENOMEM. */
struct ramfs_dirent *ramfs_dirent_new(const char *name, size_t len, struct inode *node);
void ramfs_dirent_free(struct ramfs_dirent *d);
/* Add at the end (a new position) / take out; size and entries follow. */
void ramfs_dir_insert(struct inode *dir, struct ramfs_dirent *d);
void ramfs_dir_remove(struct inode *dir, struct ramfs_dirent *d);

int64_t ramfs_read(struct inode *n, void *buf, size_t len, uint64_t off);
/* Bytes written (short only when memory ran out), or -ENOSPC, -EFBIG. */
int64_t ramfs_write(struct inode *n, const void *buf, size_t len, uint64_t off);
/* Holes and the tail of the last page read as zeros. -EFBIG, -ENOSPC. */
int ramfs_truncate(struct inode *n, uint64_t size);
/* The page holding byte off (a multiple of 4096) of regular file n, with a
 * share taken for the caller's mapping (the platform's page_share), or
 * NULL for a hole; -ENXIO past the last page of the file, -ENOMEM. */
int ramfs_share_page(struct inode *n, uint64_t off, void **page);
/* A symlink's target (copied); -ENOMEM. */
int ramfs_set_target(struct inode *n, const char *target, size_t len);

void ramfs_usage(uint64_t *inodes, uint64_t *data_pages);

/* ---- Synthetic nodes (synth.c) ---------------------------------------------- */

/* Bring a synthetic directory's entries up to date (its refresh), before
 * a lookup in it or a listing of it; nothing for other nodes. */
void synth_refresh(struct inode *dir);
/* A synthetic symlink's target, made now, in the node (valid while the
 * lock is held): its length and *out, or a negated error. */
int synth_target(struct inode *link, const char **out);
/* Free the nodes refresh took out of their trees (fs_unlock calls it,
 * so a lookup never sees a node freed under it). */
void synth_bury(void);
/* A synthetic regular file's contents, made now (its show), in a kmalloc'd
 * buffer for one open file: 0 with *buf and *len, or a negated error.
 * Called without the lock, on a node the caller holds a reference to. */
int synth_snapshot(struct inode *n, char **buf, size_t *len);
