/*
 * The file-system interface: path names, open files and what Linux's file
 * system calls do with them (docs/vfs.md). The root is one in-memory file
 * system (ramfs.c) that the initramfs fills at boot (initramfs.c).
 *
 * Conventions, Linux's throughout:
 *  - every function returns 0 or a count on success and a negated error
 *    number (lib/errno.h: -ENOENT) on failure;
 *  - flags, modes, file types and seek origins have Linux's values (O_CREAT
 *    is 0100), so the system-call layer passes them through unchanged;
 *  - paths are NUL-terminated kernel strings of at most VFS_PATH_MAX bytes
 *    with the NUL, components of at most VFS_NAME_MAX; an absolute path
 *    starts at the root, a relative one at `dir` (NULL: the root), the
 *    directory an *at() call names or the process's working directory;
 *  - buffers are kernel memory: the system-call layer copies to and from
 *    user space.
 *
 * Open files are struct file objects with a reference count; file_get and
 * file_put share one between descriptors and across fork. A node stays
 * alive while it has a name (a link) or an open file or an inode reference
 * (vfs_inode_get, for working directories), and its memory is freed when
 * the last of those goes.
 *
 * Locking: one mutex guards the whole tree, every node and every open
 * file's offset; each function here takes it and releases it, so none may
 * be called with a spinlock held or from an interrupt handler. Device
 * drivers' read and write run without it.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/errno.h"

#define VFS_PATH_MAX  4096 /* bytes of a path, the NUL included (Linux PATH_MAX) */
#define VFS_NAME_MAX  255  /* bytes of one component (Linux NAME_MAX) */
#define VFS_SYMLOOP_MAX 40 /* symlinks followed in one lookup (Linux MAXSYMLINKS) */

/* open() flags (Linux x86-64, asm-generic/fcntl.h). */
#define O_ACCMODE   00000003
#define O_RDONLY    00000000
#define O_WRONLY    00000001
#define O_RDWR      00000002
#define O_CREAT     00000100
#define O_EXCL      00000200
#define O_NOCTTY    00000400
#define O_TRUNC     00001000
#define O_APPEND    00002000
#define O_NONBLOCK  00004000
#define O_DIRECTORY 00200000
#define O_NOFOLLOW  00400000
#define O_CLOEXEC   02000000

/* File types and permission bits in a mode (Linux's stat.h). */
#define S_IFMT   0170000
#define S_IFSOCK 0140000
#define S_IFLNK  0120000
#define S_IFREG  0100000
#define S_IFBLK  0060000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000
#define S_ISUID  0004000
#define S_ISGID  0002000
#define S_ISVTX  0001000
#define S_IALLUGO 0007777 /* every permission bit, set-id and sticky included */
#define S_ISREG(m)  (((m) & S_IFMT) == S_IFREG)
#define S_ISDIR(m)  (((m) & S_IFMT) == S_IFDIR)
#define S_ISLNK(m)  (((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m)  (((m) & S_IFMT) == S_IFCHR)
#define S_ISBLK(m)  (((m) & S_IFMT) == S_IFBLK)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)
#define S_ISSOCK(m) (((m) & S_IFMT) == S_IFSOCK)

/* Directory entry types (Linux's dirent.h: d_type), and from a mode. */
#define DT_UNKNOWN 0
#define DT_FIFO    1
#define DT_CHR     2
#define DT_DIR     4
#define DT_BLK     6
#define DT_REG     8
#define DT_LNK     10
#define DT_SOCK    12
#define VFS_DT(mode) (((mode) & S_IFMT) >> 12)

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* Lookup flags for vfs_stat, vfs_chown, vfs_utimes. */
#define VFS_NOFOLLOW 1u /* a final symlink is the node itself (lstat) */

/* Device numbers as Linux's user space sees them in st_dev and st_rdev
 * (new_encode_dev; glibc's makedev agrees for major < 4096). */
static inline uint64_t vfs_makedev(uint32_t major, uint32_t minor)
{
	return (minor & 0xffu) | ((uint64_t)major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}
static inline uint32_t vfs_major(uint64_t dev) { return (uint32_t)((dev >> 8) & 0xfff); }
static inline uint32_t vfs_minor(uint64_t dev)
{
	return (uint32_t)((dev & 0xff) | ((dev >> 12) & 0xfff00));
}

struct vfs_time {
	int64_t sec; /* seconds since 1970-01-01 00:00 UTC */
	int64_t nsec;
};

/* What stat reports; the system-call layer copies it into Linux's struct stat. */
struct kstat {
	uint64_t dev;     /* the file system: vfs_makedev(0, 1) for the root ramfs */
	uint64_t ino;
	uint32_t mode;    /* S_IF* type and permission bits */
	uint32_t nlink;
	uint32_t uid, gid;
	uint64_t rdev;    /* a device node's vfs_makedev(major, minor), else 0 */
	int64_t size;     /* bytes; a symlink's target length */
	int64_t blksize;  /* 4096 */
	int64_t blocks;   /* 512-byte units of memory held */
	struct vfs_time atime, mtime, ctime;
};

struct inode; /* a node of the tree: fs/inode.h, private to fs/ */
struct file;

/* A device driver's side of an open device node (vfs_register_chrdev). It
 * runs without the file-system lock, so it may block. */
struct file_ops {
	/* optional; an error fails the open. flags as open(2) got them
	 * (f->flags has O_NOCTTY and the like removed). */
	int (*open)(struct file *f, int flags);
	int64_t (*read)(struct file *f, void *buf, size_t n);
	int64_t (*write)(struct file *f, const void *buf, size_t n);
	void (*release)(struct file *f); /* optional: the last reference went */
	/* optional: ioctl(2), arg as the program gave it (a user pointer for
	 * most requests: the driver copies); -ENOTTY when absent */
	int64_t (*ioctl)(struct file *f, unsigned long request, uint64_t arg);
	/* optional: VFS_POLLIN / VFS_POLLOUT as they are now; absent means
	 * always ready (regular files are) */
	unsigned (*poll)(struct file *f);
};

/* Readiness changes (fs/poll.c): a driver whose poll answer may have
 * changed calls vfs_poll_notify, after the change. A poller takes
 * vfs_poll_seq before it looks at its files, and if none is ready sleeps
 * in vfs_poll_wait until a notify came after that number (true) or it is
 * interrupted (false). */
uint64_t vfs_poll_seq(void);
void vfs_poll_notify(void);
bool vfs_poll_wait(uint64_t seq);
/* The same with a deadline (clock_ns; UINT64_MAX: none): also true once it
 * has passed. */
bool vfs_poll_wait_until(uint64_t seq, uint64_t deadline);

#define VFS_POLLIN 0x1u  /* Linux's POLLIN */
#define VFS_POLLOUT 0x4u /* POLLOUT */
#define VFS_POLLHUP 0x10u

struct file {
	_Atomic uint32_t refs; /* file_get / file_put */
	uint32_t flags;        /* the open() flags, less O_CREAT O_EXCL O_NOCTTY O_TRUNC */
	uint64_t pos;          /* the offset, or a directory's position; under the lock */
	struct inode *inode;   /* holds a reference to the node */
	const struct file_ops *ops; /* a device node's driver, else NULL */
	void *private;         /* the driver's */
	char *snap;            /* a synthetic file's contents, made at open (fs/synth.h) */
	size_t snap_len;
};

/* The page source and the clock (the kernel's: page-frame allocator, RTC
 * and TSC; host tests pass their own). pages are 4096 bytes, need not be
 * zeroed. */
struct vfs_platform {
	void *(*page_alloc)(void);
	void (*page_free)(void *page); /* a page the file lets go of */
	void (*now)(struct vfs_time *t);
	/* One more mapping of a file page (vfs_file_page); false: no memory
	 * to count it. Optional: without it files cannot be mapped. page_free
	 * must then free a page only when its last mapping is gone too. */
	bool (*page_share)(void *page);
};

/* An empty root directory (mode 0755). Once, before anything else here. */
int vfs_init(const struct vfs_platform *p);

/* The root, and references to a node (a process's working directory). */
struct inode *vfs_root(void);
struct inode *vfs_inode_get(struct inode *node);
void vfs_inode_put(struct inode *node);
/* Look a path up (following symlinks) and take a reference: chdir. */
int vfs_lookup(struct inode *dir, const char *path, struct inode **out);

/* getcwd(2): dir's absolute path into buf, NUL-terminated; its length with
 * the NUL, -ERANGE if size is too small, -ENOENT for a removed directory. */
int64_t vfs_getcwd(struct inode *dir, char *buf, size_t size);

/* ---- Open files ---------------------------------------------------------- */

/* open(): flags O_*; mode's permission bits for a file O_CREAT makes (the
 * caller applies its umask). Regular files, directories (O_RDONLY) and
 * device nodes with a registered driver (else -ENXIO; so are FIFOs and
 * sockets for now). */
int vfs_open(struct inode *dir, const char *path, int flags, uint32_t mode, struct file **out);
/* A file that is not in the tree (a pipe end): ops and private are its
 * driver's, type its S_IF* type for fstat. */
int file_new_anon(const struct file_ops *ops, void *private, int flags, uint32_t type,
                  struct file **out);
struct file *file_get(struct file *f);
/* Drop a reference; the last one releases the driver, the node reference
 * and the struct. It takes the lock: never call it with a spinlock held. */
void file_put(struct file *f);

/* read/write at the file's offset, which they advance; with O_APPEND a
 * write goes to the end first. A short count only at the end of the file
 * (read) or when memory runs out after some bytes (write). */
int64_t vfs_read(struct file *f, void *buf, size_t n);
/* mmap and execve: the page of f's contents at byte off (page-aligned), to
 * be mapped into a process instead of copied. The caller gets a share of
 * the page (the platform's page_share) and lets go of it like any shared
 * page. *page NULL: a hole, which reads as zeros. -ENXIO past the file's
 * last page (a fault there is SIGBUS), -ENODEV if f is not a regular file,
 * -EACCES if it was not opened for reading. */
int vfs_file_page(struct file *f, uint64_t off, void **page);
int64_t vfs_write(struct file *f, const void *buf, size_t n);
/* The same at an explicit offset, leaving the file's alone. */
int64_t vfs_pread(struct file *f, void *buf, size_t n, int64_t off);
int64_t vfs_pwrite(struct file *f, const void *buf, size_t n, int64_t off);
/* SEEK_SET, SEEK_CUR or SEEK_END; the new offset. */
int64_t vfs_lseek(struct file *f, int64_t off, int whence);
int vfs_fstat(struct file *f, struct kstat *st);
int vfs_ftruncate(struct file *f, int64_t length);
int vfs_fchmod(struct file *f, uint32_t mode);
/* fchown(2) ((uint32_t)-1 leaves one) and futimens(2) (NULL leaves one). */
int vfs_fchown(struct file *f, uint32_t uid, uint32_t gid);
int vfs_futimes(struct file *f, const struct vfs_time *atime, const struct vfs_time *mtime);
/* The file system's clock: the wall-clock time now. */
void vfs_now(struct vfs_time *t);

/*
 * getdents: the directory's entries from the file's position on, "." and
 * ".." first, each given to fill(ctx, name, len, ino, DT_* type, next),
 * where next is the position after that entry (Linux's d_off). fill returns
 * 0 to go on or nonzero to stop before that entry (its buffer is full); the
 * position then stays there. Positions survive entries being added and
 * removed in between: each names one entry for good. Returns the number of
 * entries given, or -ENOTDIR. fill runs with the lock held: it must not call
 * into the file system.
 */
typedef int (*vfs_filldir_fn)(void *ctx, const char *name, size_t len, uint64_t ino,
                              unsigned type, int64_t next);
int vfs_getdents(struct file *f, vfs_filldir_fn fill, void *ctx);

/* ---- Names ----------------------------------------------------------------- */

int vfs_stat(struct inode *dir, const char *path, struct kstat *st, unsigned flags);
int vfs_mkdir(struct inode *dir, const char *path, uint32_t mode);
int vfs_rmdir(struct inode *dir, const char *path);
int vfs_unlink(struct inode *dir, const char *path);
/* rename(2): replaces an existing new (a file by a file, a directory by a
 * directory that is empty), atomically. */
int vfs_rename(struct inode *olddir, const char *oldpath, struct inode *newdir,
               const char *newpath);
/* link(2): a second name for a node that is not a directory (-EPERM). */
int vfs_link(struct inode *olddir, const char *oldpath, struct inode *newdir,
             const char *newpath);
int vfs_symlink(const char *target, struct inode *dir, const char *path);
/* readlink(2): up to size bytes of the target, without a NUL; the count. */
int64_t vfs_readlink(struct inode *dir, const char *path, char *buf, size_t size);
/* mknod(2): mode's type is S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK or S_IFREG. */
int vfs_mknod(struct inode *dir, const char *path, uint32_t mode, uint32_t major,
              uint32_t minor);
int vfs_truncate(struct inode *dir, const char *path, int64_t length);
int vfs_chmod(struct inode *dir, const char *path, uint32_t mode);
int vfs_chown(struct inode *dir, const char *path, uint32_t uid, uint32_t gid, unsigned flags);
/* Set the access and modification times (NULL: leave that one). */
int vfs_utimes(struct inode *dir, const char *path, const struct vfs_time *atime,
               const struct vfs_time *mtime, unsigned flags);

/* ---- Devices and figures --------------------------------------------------- */

/* Opening a character-device node (major, minor) gives a file with these
 * ops. At most VFS_MAX_CHRDEVS; -EBUSY if taken, -ENOSPC if full. */
#define VFS_MAX_CHRDEVS 16
int vfs_register_chrdev(uint32_t major, uint32_t minor, const struct file_ops *ops);
/* The device numbers of the node a device file was opened on (a driver
 * with several, in its open). */
void vfs_file_device(const struct file *f, uint32_t *major, uint32_t *minor);

/* Mount the root of another file system (a synthetic tree: fs/synth.h) on
 * the directory at path (from dir, as for the other calls): lookups that
 * reach it continue in root, whose ".." is the directory's parent.
 * -ENOTDIR, -EBUSY (already a mount point, or the root), the lookup's
 * errors. There is no unmount. */
int vfs_mount(struct inode *dir, const char *path, struct inode *root);
/* st_dev of synthetic nodes (/proc): Linux gives its pseudo file systems
 * anonymous devices of major 0 too. */
#define VFS_SYNTH_DEV vfs_makedev(0, 4)

struct vfs_usage {
	uint64_t inodes;     /* nodes alive: linked or still open */
	uint64_t data_pages; /* pages of file contents */
	uint64_t open_files; /* struct file objects */
};
void vfs_usage(struct vfs_usage *u);
