/*
 * File system calls: descriptors, reading and writing, names, metadata,
 * pipes and waiting for readiness. They copy between user memory and the
 * VFS (fs/vfs.h), which works on kernel buffers, and translate Linux's
 * argument conventions (AT_FDCWD, AT_* flags, struct stat's layout).
 *
 * Paths: a relative path starts at the working directory, or at the
 * directory an *at() call names by descriptor; an absolute one at the
 * root. Bounce buffers hold at most BOUNCE bytes: a read returns what one
 * pass brought (regular files loop until the count or the end).
 */
#include <stdbool.h>

#include "arch/x86_64/uaccess.h"
#include "fs/pipe.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "proc/abi.h"
#include "proc/proc.h"
#include "proc/procfs.h"
#include "proc/signal.h"
#include "proc/sys.h"
#include "time/clock.h"

#define BOUNCE 65536
#define AT_FDCWD -100
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451
#define FIONBIO 0x5421
#define RENAME_NOREPLACE 1
#define POLLNVAL 0x20
#define UTIME_NOW ((1l << 30) - 1)
#define UTIME_OMIT ((1l << 30) - 2)

/* ---- paths ---- */

static int get_path(uint64_t upath, char **out)
{
	char *p = kmalloc(VFS_PATH_MAX);
	if (!p)
		return -ENOMEM;
	int64_t r = strncpy_from_user(p, upath, VFS_PATH_MAX);
	if (r < 0) {
		kfree(p);
		return (int)r;
	}
	*out = p;
	return 0;
}

/* Where a path given with dirfd starts. Borrowed: valid during the call. */
static int base_dir(int dirfd, const char *path, struct inode **out)
{
	if (path[0] == '/' || dirfd == AT_FDCWD) {
		*out = path[0] == '/' ? vfs_root() : proc_cwd();
		return 0;
	}
	struct file *f = fd_file(dirfd);
	if (!f)
		return -EBADF;
	struct kstat st;
	vfs_fstat(f, &st);
	if (!S_ISDIR(st.mode))
		return -ENOTDIR;
	*out = f->inode;
	return 0;
}

/* A path argument and its start, or an error; *path is freed by the caller. */
static int path_at(int dirfd, uint64_t upath, char **path, struct inode **dir)
{
	int r = get_path(upath, path);
	if (r)
		return r;
	r = base_dir(dirfd, *path, dir);
	if (r) {
		kfree(*path);
		*path = NULL;
	}
	return r;
}

/* ---- open, close, descriptors ---- */

static int64_t do_open(int dirfd, uint64_t upath, int flags, uint32_t mode)
{
	char *path;
	struct inode *dir;
	int r = path_at(dirfd, upath, &path, &dir);
	if (r)
		return r;
	struct file *f;
	r = vfs_open(dir, path, flags, mode & ~proc_umask(0, false) & S_IALLUGO, &f);
	kfree(path);
	if (r)
		return r;
	return fd_install(f, 0, (flags & O_CLOEXEC) != 0);
}

SYSCALL(open) { (void)a3, (void)a4, (void)a5; return do_open(AT_FDCWD, a0, (int)a1, (uint32_t)a2); }
SYSCALL(openat) { (void)a4, (void)a5; return do_open((int)a0, a1, (int)a2, (uint32_t)a3); }
SYSCALL(creat)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return do_open(AT_FDCWD, a0, O_CREAT | O_WRONLY | O_TRUNC, (uint32_t)a1);
}

SYSCALL(close)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return fd_close((int)a0);
}

SYSCALL(dup)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f = fd_file((int)a0);
	return f ? fd_install(file_get(f), 0, false) : -EBADF;
}

static int64_t dup3(int old, int new, uint64_t flags, bool dup2)
{
	struct file *f = fd_file(old);
	if (!f)
		return -EBADF;
	if (new < 0 || new >= PROC_FD_MAX)
		return -EBADF;
	if (flags & ~(uint64_t)O_CLOEXEC)
		return -EINVAL;
	if (old == new)
		return dup2 ? new : -EINVAL;
	fd_install_at(new, file_get(f), (flags & O_CLOEXEC) != 0);
	return new;
}

SYSCALL(dup2) { (void)a2, (void)a3, (void)a4, (void)a5; return dup3((int)a0, (int)a1, 0, true); }
SYSCALL(dup3) { (void)a3, (void)a4, (void)a5; return dup3((int)a0, (int)a1, a2, false); }

SYSCALL(fcntl) /* (int fd, int cmd, long arg) */
{
	(void)a3, (void)a4, (void)a5;
	int fd = (int)a0;
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	switch ((int)a1) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if ((int64_t)a2 < 0 || a2 >= PROC_FD_MAX)
			return -EINVAL;
		return fd_install(file_get(f), (int)a2, (int)a1 == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return fd_get_cloexec(fd) ? FD_CLOEXEC : 0;
	case F_SETFD:
		fd_set_cloexec(fd, (a2 & FD_CLOEXEC) != 0);
		return 0;
	case F_GETFL:
		return f->flags & (O_ACCMODE | O_APPEND | O_NONBLOCK);
	case F_SETFL:
		f->flags = (f->flags & ~(uint32_t)(O_APPEND | O_NONBLOCK)) |
		           ((uint32_t)a2 & (O_APPEND | O_NONBLOCK));
		return 0;
	default:
		return -EINVAL;
	}
}

SYSCALL(pipe2) /* (int fds[2], int flags) */
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a1 & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	struct file *rd, *wr;
	int r = pipe_create(&rd, &wr, (int)a1);
	if (r)
		return r;
	bool cloexec = (a1 & O_CLOEXEC) != 0;
	int fds[2];
	fds[0] = fd_install(rd, 0, cloexec);
	if (fds[0] < 0) {
		file_put(wr);
		return fds[0];
	}
	fds[1] = fd_install(wr, 0, cloexec);
	if (fds[1] < 0 || copy_to_user(a0, fds, sizeof(fds))) {
		r = fds[1] < 0 ? fds[1] : -EFAULT;
		fd_close(fds[0]);
		if (fds[1] >= 0) {
			fd_close(fds[1]);
		}
		return r;
	}
	return 0;
}

SYSCALL(pipe) { (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return sys_pipe2(a0, 0, 0, 0, 0, 0); }

/* ---- reading and writing ---- */

static bool is_plain(const struct file *f) { return f->ops == NULL; }

/* A write to a pipe nobody reads: EPIPE, and SIGPIPE unless ignored. */
static int64_t broken_pipe(int64_t r)
{
	struct proc *p = proc_current();
	if (r == -EPIPE && __atomic_load_n(&p->sigactions[SIGPIPE - 1].handler, __ATOMIC_RELAXED) != 1 /* SIG_IGN */)
		proc_signal_self(SIGPIPE);
	return r;
}

static int64_t read_user(struct file *f, uint64_t ubuf, size_t n, int64_t off)
{
	if (!uaccess_ok(ubuf, n))
		return -EFAULT;
	size_t chunk = n < BOUNCE ? n : BOUNCE;
	uint8_t *b = kmalloc(chunk ? chunk : 1);
	if (!b)
		return -ENOMEM;
	size_t done = 0;
	int64_t r = 0;
	do {
		size_t k = n - done < chunk ? n - done : chunk;
		r = off < 0 ? vfs_read(f, b, k) : vfs_pread(f, b, k, off + (int64_t)done);
		if (r <= 0)
			break;
		if (copy_to_user(ubuf + done, b, (size_t)r)) {
			r = -EFAULT;
			break;
		}
		done += (size_t)r;
		if ((size_t)r < k)
			break;
	} while (done < n && is_plain(f)); /* devices and pipes: one pass */
	kfree(b);
	return done ? (int64_t)done : r;
}

static int64_t write_user(struct file *f, uint64_t ubuf, size_t n, int64_t off)
{
	if (!uaccess_ok(ubuf, n))
		return -EFAULT;
	size_t chunk = n < BOUNCE ? n : BOUNCE;
	uint8_t *b = kmalloc(chunk ? chunk : 1);
	if (!b)
		return -ENOMEM;
	size_t done = 0;
	int64_t r = 0;
	do {
		size_t k = n - done < chunk ? n - done : chunk;
		if (copy_from_user(b, ubuf + done, k)) {
			r = -EFAULT;
			break;
		}
		r = off < 0 ? vfs_write(f, b, k) : vfs_pwrite(f, b, k, off + (int64_t)done);
		if (r <= 0)
			break;
		done += (size_t)r;
		if ((size_t)r < k)
			break;
	} while (done < n);
	kfree(b);
	return done ? (int64_t)done : broken_pipe(r);
}

SYSCALL(read)
{
	(void)a3, (void)a4, (void)a5;
	struct file *f = fd_file((int)a0);
	return f ? read_user(f, a1, a2, -1) : -EBADF;
}

SYSCALL(write)
{
	(void)a3, (void)a4, (void)a5;
	struct file *f = fd_file((int)a0);
	return f ? write_user(f, a1, a2, -1) : -EBADF;
}

SYSCALL(pread64)
{
	(void)a4, (void)a5;
	struct file *f = fd_file((int)a0);
	if (!f)
		return -EBADF;
	if ((int64_t)a3 < 0)
		return -EINVAL;
	return is_plain(f) ? read_user(f, a1, a2, (int64_t)a3) : -ESPIPE;
}

SYSCALL(pwrite64)
{
	(void)a4, (void)a5;
	struct file *f = fd_file((int)a0);
	if (!f)
		return -EBADF;
	if ((int64_t)a3 < 0)
		return -EINVAL;
	return is_plain(f) ? write_user(f, a1, a2, (int64_t)a3) : -ESPIPE;
}

struct iovec_user {
	uint64_t base, len;
};

static int64_t vector_io(int fd, uint64_t iov, uint64_t cnt, bool out)
{
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	if (cnt > 1024)
		return -EINVAL;
	int64_t total = 0;
	for (uint64_t i = 0; i < cnt; i++) {
		struct iovec_user v;
		if (copy_from_user(&v, iov + i * sizeof(v), sizeof(v)))
			return total ? total : -EFAULT;
		if (!v.len)
			continue;
		int64_t r = out ? write_user(f, v.base, v.len, -1) : read_user(f, v.base, v.len, -1);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((uint64_t)r < v.len)
			break;
		if (!out && !is_plain(f))
			break; /* a device or pipe read returns what one wait brought */
	}
	return total;
}

SYSCALL(readv) { (void)a3, (void)a4, (void)a5; return vector_io((int)a0, a1, a2, false); }
SYSCALL(writev) { (void)a3, (void)a4, (void)a5; return vector_io((int)a0, a1, a2, true); }

SYSCALL(lseek)
{
	(void)a3, (void)a4, (void)a5;
	struct file *f = fd_file((int)a0);
	return f ? vfs_lseek(f, (int64_t)a1, (int)a2) : -EBADF;
}

SYSCALL(sendfile) /* (int out, int in, off_t *offset, size_t count) */
{
	(void)a4, (void)a5;
	struct file *out = fd_file((int)a0), *in = fd_file((int)a1);
	if (!out || !in)
		return -EBADF;
	int64_t off = -1;
	if (a2 && copy_from_user(&off, a2, sizeof(off)))
		return -EFAULT;
	if (a2 && off < 0)
		return -EINVAL;
	size_t n = a3 < BOUNCE ? a3 : BOUNCE;
	uint8_t *b = kmalloc(n ? n : 1);
	if (!b)
		return -ENOMEM;
	int64_t r = off >= 0 ? vfs_pread(in, b, n, off) : vfs_read(in, b, n);
	if (r > 0) {
		int64_t w = vfs_write(out, b, (size_t)r);
		if (w < 0)
			r = broken_pipe(w);
		else
			r = w;
	}
	kfree(b);
	if (r > 0 && a2) {
		off += r;
		if (copy_to_user(a2, &off, sizeof(off)))
			return -EFAULT;
	}
	return r;
}

SYSCALL(ioctl) /* (int fd, unsigned long request, void *arg) */
{
	(void)a3, (void)a4, (void)a5;
	int fd = (int)a0;
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	switch (a1) {
	case FIOCLEX:
		fd_set_cloexec(fd, true);
		return 0;
	case FIONCLEX:
		fd_set_cloexec(fd, false);
		return 0;
	case FIONBIO: {
		int32_t on;
		if (copy_from_user(&on, a2, sizeof(on)))
			return -EFAULT;
		f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~(uint32_t)O_NONBLOCK;
		return 0;
	}
	}
	if (f->ops && f->ops->ioctl)
		return f->ops->ioctl(f, a1, a2);
	return -ENOTTY;
}

SYSCALL(fsync) /* memory is where the data lives: nothing to flush */
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return fd_file((int)a0) ? 0 : -EBADF;
}

SYSCALL(fdatasync) { return sys_fsync(a0, a1, a2, a3, a4, a5); }

/* sync(2): every file lives in memory; there is no disk to write back. */
SYSCALL(sync) { (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return 0; }

SYSCALL(ftruncate)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f = fd_file((int)a0);
	return f ? vfs_ftruncate(f, (int64_t)a1) : -EBADF;
}

/* ---- directories ---- */

struct dirent_buf {
	uint8_t *buf;
	size_t size, used;
};

/* struct linux_dirent64: d_ino, d_off, d_reclen, d_type, d_name[]. */
static int fill64(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type, int64_t next)
{
	struct dirent_buf *d = ctx;
	size_t reclen = (19 + len + 1 + 7) & ~(size_t)7;
	if (d->used + reclen > d->size)
		return 1;
	uint8_t *e = d->buf + d->used;
	memset(e, 0, reclen);
	memcpy(e, &ino, 8);
	memcpy(e + 8, &next, 8);
	uint16_t rl = (uint16_t)reclen;
	memcpy(e + 16, &rl, 2);
	e[18] = (uint8_t)type;
	memcpy(e + 19, name, len);
	d->used += reclen;
	return 0;
}

SYSCALL(getdents64) /* (int fd, void *dirp, unsigned count) */
{
	(void)a3, (void)a4, (void)a5;
	struct file *f = fd_file((int)a0);
	if (!f)
		return -EBADF;
	size_t size = a2 < BOUNCE ? a2 : BOUNCE;
	struct dirent_buf d = {.buf = kmalloc(size ? size : 1), .size = size};
	if (!d.buf)
		return -ENOMEM;
	int r = vfs_getdents(f, fill64, &d);
	if (r >= 0 && d.used == 0 && r == 0) {
		/* Nothing given: the end, or the first entry did not fit. */
		struct dirent_buf probe = {.buf = kmalloc(512), .size = 512};
		if (probe.buf) {
			uint64_t pos = f->pos;
			int more = vfs_getdents(f, fill64, &probe);
			f->pos = pos;
			if (more > 0)
				r = -EINVAL;
			kfree(probe.buf);
		}
	}
	int64_t ret = r < 0 ? r : (int64_t)d.used;
	if (ret > 0 && copy_to_user(a1, d.buf, d.used))
		ret = -EFAULT;
	kfree(d.buf);
	return ret;
}

SYSCALL(getcwd) /* (char *buf, size_t size): the length with the NUL */
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	size_t size = a1 < VFS_PATH_MAX ? a1 : VFS_PATH_MAX;
	char *b = kmalloc(size ? size : 1);
	if (!b)
		return -ENOMEM;
	int64_t r = vfs_getcwd(proc_cwd(), b, size);
	if (r > 0 && copy_to_user(a0, b, (size_t)r))
		r = -EFAULT;
	kfree(b);
	return r;
}

static int64_t change_dir(struct inode *dir, const char *path)
{
	struct kstat st;
	int r = vfs_stat(dir, path, &st, 0);
	if (r)
		return r;
	if (!S_ISDIR(st.mode))
		return -ENOTDIR;
	struct inode *n;
	r = vfs_lookup(dir, path, &n);
	if (r)
		return r;
	proc_set_cwd(n);
	return 0;
}

SYSCALL(chdir)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	char *path;
	struct inode *dir;
	int r = path_at(AT_FDCWD, a0, &path, &dir);
	if (r)
		return r;
	int64_t ret = change_dir(dir, path);
	kfree(path);
	return ret;
}

SYSCALL(fchdir)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f = fd_file((int)a0);
	if (!f)
		return -EBADF;
	return change_dir(f->inode, ".");
}

/* ---- names ---- */

/* Run op(dir, path) for a (dirfd, user path) pair. */
#define WITH_PATH(dirfd, upath, call)                         \
	({                                                        \
		char *path;                                           \
		struct inode *dir;                                    \
		int64_t r_ = path_at((dirfd), (upath), &path, &dir);  \
		if (!r_) {                                            \
			r_ = (call);                                      \
			kfree(path);                                      \
		}                                                     \
		r_;                                                   \
	})

static uint32_t masked(uint64_t mode) { return (uint32_t)mode & ~proc_umask(0, false) & S_IALLUGO; }

SYSCALL(mkdir) { (void)a2, (void)a3, (void)a4, (void)a5; return WITH_PATH(AT_FDCWD, a0, vfs_mkdir(dir, path, masked(a1))); }
SYSCALL(mkdirat) { (void)a3, (void)a4, (void)a5; return WITH_PATH((int)a0, a1, vfs_mkdir(dir, path, masked(a2))); }
SYSCALL(rmdir) { (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return WITH_PATH(AT_FDCWD, a0, vfs_rmdir(dir, path)); }
SYSCALL(unlink) { (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return WITH_PATH(AT_FDCWD, a0, vfs_unlink(dir, path)); }

SYSCALL(unlinkat) /* (int dirfd, const char *path, int flags) */
{
	(void)a3, (void)a4, (void)a5;
	if (a2 & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	if (a2 & AT_REMOVEDIR)
		return WITH_PATH((int)a0, a1, vfs_rmdir(dir, path));
	return WITH_PATH((int)a0, a1, vfs_unlink(dir, path));
}

SYSCALL(mknod) /* (const char *path, mode_t mode, dev_t dev) */
{
	(void)a3, (void)a4, (void)a5;
	uint32_t type = (uint32_t)a1 & S_IFMT;
	return WITH_PATH(AT_FDCWD, a0, vfs_mknod(dir, path, type | masked(a1), vfs_major(a2), vfs_minor(a2)));
}

SYSCALL(mknodat)
{
	(void)a4, (void)a5;
	uint32_t type = (uint32_t)a2 & S_IFMT;
	return WITH_PATH((int)a0, a1, vfs_mknod(dir, path, type | masked(a2), vfs_major(a3), vfs_minor(a3)));
}

static int64_t rename_at(int olddirfd, uint64_t uold, int newdirfd, uint64_t unew, uint64_t flags)
{
	if (flags & ~(uint64_t)RENAME_NOREPLACE)
		return -EINVAL;
	char *oldp, *newp;
	struct inode *olddir, *newdir;
	int64_t r = path_at(olddirfd, uold, &oldp, &olddir);
	if (r)
		return r;
	r = path_at(newdirfd, unew, &newp, &newdir);
	if (r) {
		kfree(oldp);
		return r;
	}
	struct kstat st;
	if ((flags & RENAME_NOREPLACE) && vfs_stat(newdir, newp, &st, VFS_NOFOLLOW) == 0)
		r = -EEXIST;
	else
		r = vfs_rename(olddir, oldp, newdir, newp);
	kfree(oldp);
	kfree(newp);
	return r;
}

SYSCALL(rename) { (void)a2, (void)a3, (void)a4, (void)a5; return rename_at(AT_FDCWD, a0, AT_FDCWD, a1, 0); }
SYSCALL(renameat) { (void)a4, (void)a5; return rename_at((int)a0, a1, (int)a2, a3, 0); }
SYSCALL(renameat2) { (void)a5; return rename_at((int)a0, a1, (int)a2, a3, a4); }

static int64_t link_at(int olddirfd, uint64_t uold, int newdirfd, uint64_t unew)
{
	char *oldp, *newp;
	struct inode *olddir, *newdir;
	int64_t r = path_at(olddirfd, uold, &oldp, &olddir);
	if (r)
		return r;
	r = path_at(newdirfd, unew, &newp, &newdir);
	if (!r) {
		r = vfs_link(olddir, oldp, newdir, newp);
		kfree(newp);
	}
	kfree(oldp);
	return r;
}

SYSCALL(link) { (void)a2, (void)a3, (void)a4, (void)a5; return link_at(AT_FDCWD, a0, AT_FDCWD, a1); }
SYSCALL(linkat) { (void)a4, (void)a5; return link_at((int)a0, a1, (int)a2, a3); }

static int64_t symlink_at(uint64_t utarget, int dirfd, uint64_t upath)
{
	char *target;
	int r = get_path(utarget, &target);
	if (r)
		return r;
	int64_t ret = WITH_PATH(dirfd, upath, vfs_symlink(target, dir, path));
	kfree(target);
	return ret;
}

SYSCALL(symlink) { (void)a2, (void)a3, (void)a4, (void)a5; return symlink_at(a0, AT_FDCWD, a1); }
SYSCALL(symlinkat) { (void)a3, (void)a4, (void)a5; return symlink_at(a0, (int)a1, a2); }

static int64_t readlink_at(int dirfd, uint64_t upath, uint64_t ubuf, uint64_t size)
{
	if ((int64_t)size <= 0)
		return -EINVAL;
	size_t n = size < VFS_PATH_MAX ? size : VFS_PATH_MAX;
	char *b = kmalloc(n);
	if (!b)
		return -ENOMEM;
	int64_t r = WITH_PATH(dirfd, upath, vfs_readlink(dir, path, b, n));
	if (r > 0 && copy_to_user(ubuf, b, (size_t)r))
		r = -EFAULT;
	kfree(b);
	return r;
}

SYSCALL(readlink) { (void)a3, (void)a4, (void)a5; return readlink_at(AT_FDCWD, a0, a1, a2); }
SYSCALL(readlinkat) { (void)a4, (void)a5; return readlink_at((int)a0, a1, a2, a3); }

SYSCALL(truncate) { (void)a2, (void)a3, (void)a4, (void)a5; return WITH_PATH(AT_FDCWD, a0, vfs_truncate(dir, path, (int64_t)a1)); }
SYSCALL(chmod) { (void)a2, (void)a3, (void)a4, (void)a5; return WITH_PATH(AT_FDCWD, a0, vfs_chmod(dir, path, (uint32_t)a1 & S_IALLUGO)); }
SYSCALL(fchmodat) { (void)a3, (void)a4, (void)a5; return WITH_PATH((int)a0, a1, vfs_chmod(dir, path, (uint32_t)a2 & S_IALLUGO)); }

SYSCALL(fchmod)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f = fd_file((int)a0);
	return f ? vfs_fchmod(f, (uint32_t)a1 & S_IALLUGO) : -EBADF;
}

SYSCALL(chown) { (void)a3, (void)a4, (void)a5; return WITH_PATH(AT_FDCWD, a0, vfs_chown(dir, path, (uint32_t)a1, (uint32_t)a2, 0)); }
SYSCALL(lchown) { (void)a3, (void)a4, (void)a5; return WITH_PATH(AT_FDCWD, a0, vfs_chown(dir, path, (uint32_t)a1, (uint32_t)a2, VFS_NOFOLLOW)); }

SYSCALL(fchownat) /* (int dirfd, const char *path, uid, gid, int flags) */
{
	(void)a5;
	unsigned fl = (a4 & AT_SYMLINK_NOFOLLOW) ? VFS_NOFOLLOW : 0;
	return WITH_PATH((int)a0, a1, vfs_chown(dir, path, (uint32_t)a2, (uint32_t)a3, fl));
}

SYSCALL(fchown)
{
	(void)a3, (void)a4, (void)a5;
	struct file *f = fd_file((int)a0);
	return f ? vfs_fchown(f, (uint32_t)a1, (uint32_t)a2) : -EBADF;
}

SYSCALL(umask)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return proc_umask((uint32_t)a0, true);
}

/*
 * mount(2), for the one file system there is to mount: "proc", which the
 * kernel itself mounts on /proc at boot (procfs.c). Mounting it there again,
 * as an init script does, succeeds and changes nothing (Linux would stack a
 * second instance showing the same); anywhere else it is EBUSY (unless it
 * was not mounted yet), and any other type is ENODEV, Linux's error for a
 * type it does not know. The source, flags and data are not looked at.
 */
SYSCALL(mount) /* (const char *source, const char *target, const char *type, flags, data) */
{
	(void)a0, (void)a3, (void)a4, (void)a5;
	char type[16];
	int64_t r = strncpy_from_user(type, a2, sizeof(type));
	if (r == -ENAMETOOLONG || (r >= 0 && strcmp(type, "proc") != 0))
		return -ENODEV;
	if (r < 0)
		return r;
	char *path;
	struct inode *dir;
	if ((r = path_at(AT_FDCWD, a1, &path, &dir)))
		return r;
	r = procfs_mount(dir, path);
	kfree(path);
	return r;
}

/* Everyone is root (uid 0): every permission holds, except that X_OK needs
 * an execute bit somewhere, as for root on Linux. */
static int64_t access_at(int dirfd, uint64_t upath, uint64_t mode, uint64_t flags)
{
	if (mode & ~7ull)
		return -EINVAL;
	struct kstat st;
	unsigned fl = (flags & AT_SYMLINK_NOFOLLOW) ? VFS_NOFOLLOW : 0;
	int64_t r = WITH_PATH(dirfd, upath, vfs_stat(dir, path, &st, fl));
	if (r)
		return r;
	if ((mode & 1) && !S_ISDIR(st.mode) && !(st.mode & 0111))
		return -EACCES;
	return 0;
}

SYSCALL(access) { (void)a2, (void)a3, (void)a4, (void)a5; return access_at(AT_FDCWD, a0, a1, 0); }
SYSCALL(faccessat) { (void)a3, (void)a4, (void)a5; return access_at((int)a0, a1, a2, 0); }
SYSCALL(faccessat2) { (void)a4, (void)a5; return access_at((int)a0, a1, a2, a3); }

SYSCALL(utimensat) /* (int dirfd, const char *path, const struct timespec t[2], int flags) */
{
	(void)a4, (void)a5;
	int64_t ts[4] = {0, UTIME_NOW, 0, UTIME_NOW}; /* NULL times: both now */
	if (a2 && copy_from_user(ts, a2, sizeof(ts)))
		return -EFAULT;
	struct vfs_time now, t[2], *set[2] = {NULL, NULL};
	vfs_now(&now);
	for (int i = 0; i < 2; i++) {
		int64_t nsec = ts[2 * i + 1];
		if (nsec == UTIME_OMIT)
			continue;
		if (nsec != UTIME_NOW && (nsec < 0 || nsec >= 1000000000))
			return -EINVAL;
		t[i] = nsec == UTIME_NOW ? now : (struct vfs_time){.sec = ts[2 * i], .nsec = nsec};
		set[i] = &t[i];
	}
	if (!a1) { /* futimens: the descriptor itself */
		struct file *f = fd_file((int)a0);
		return f ? vfs_futimes(f, set[0], set[1]) : -EBADF;
	}
	unsigned fl = (a3 & AT_SYMLINK_NOFOLLOW) ? VFS_NOFOLLOW : 0;
	return WITH_PATH((int)a0, a1, vfs_utimes(dir, path, set[0], set[1], fl));
}

/* ---- stat ---- */


static int put_stat(uint64_t ust, const struct kstat *k)
{
	struct kernel_stat s = {
		.dev = k->dev, .ino = k->ino, .nlink = k->nlink, .mode = k->mode, .uid = k->uid,
		.gid = k->gid, .rdev = k->rdev, .size = k->size, .blksize = k->blksize,
		.blocks = k->blocks, .atime = k->atime.sec, .atime_ns = k->atime.nsec,
		.mtime = k->mtime.sec, .mtime_ns = k->mtime.nsec, .ctime = k->ctime.sec,
		.ctime_ns = k->ctime.nsec,
	};
	return copy_to_user(ust, &s, sizeof(s));
}

static int64_t stat_at(int dirfd, uint64_t upath, uint64_t ust, uint64_t flags)
{
	struct kstat k;
	int64_t r;
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 /* AT_NO_AUTOMOUNT */))
		return -EINVAL;
	char first = 0;
	if ((flags & AT_EMPTY_PATH) && copy_from_user(&first, upath, 1) == 0 && first == 0) {
		struct file *f = dirfd == AT_FDCWD ? NULL : fd_file(dirfd);
		if (dirfd == AT_FDCWD)
			r = vfs_stat(proc_cwd(), ".", &k, 0);
		else
			r = f ? vfs_fstat(f, &k) : -EBADF;
	} else {
		unsigned fl = (flags & AT_SYMLINK_NOFOLLOW) ? VFS_NOFOLLOW : 0;
		r = WITH_PATH(dirfd, upath, vfs_stat(dir, path, &k, fl));
	}
	return r ? r : put_stat(ust, &k);
}

SYSCALL(stat) { (void)a2, (void)a3, (void)a4, (void)a5; return stat_at(AT_FDCWD, a0, a1, 0); }
SYSCALL(lstat) { (void)a2, (void)a3, (void)a4, (void)a5; return stat_at(AT_FDCWD, a0, a1, AT_SYMLINK_NOFOLLOW); }
SYSCALL(newfstatat) { (void)a4, (void)a5; return stat_at((int)a0, a1, a2, a3); }

SYSCALL(fstat)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct file *f = fd_file((int)a0);
	if (!f)
		return -EBADF;
	struct kstat k;
	vfs_fstat(f, &k);
	return put_stat(a1, &k);
}


#define STATX_BASIC_STATS 0x7ffu

SYSCALL(statx) /* (int dirfd, const char *path, int flags, unsigned mask, struct statx *) */
{
	(void)a5;
	struct kstat k;
	int64_t r;
	char first = 0;
	if ((a2 & AT_EMPTY_PATH) && copy_from_user(&first, a1, 1) == 0 && first == 0) {
		struct file *f = (int)a0 == AT_FDCWD ? NULL : fd_file((int)a0);
		r = (int)a0 == AT_FDCWD ? vfs_stat(proc_cwd(), ".", &k, 0)
		                        : f ? vfs_fstat(f, &k) : -EBADF;
	} else {
		unsigned fl = (a2 & AT_SYMLINK_NOFOLLOW) ? VFS_NOFOLLOW : 0;
		r = WITH_PATH((int)a0, a1, vfs_stat(dir, path, &k, fl));
	}
	(void)a3;
	if (r)
		return r;
	struct kernel_statx x = {
		.mask = STATX_BASIC_STATS, .blksize = (uint32_t)k.blksize, .nlink = k.nlink,
		.uid = k.uid, .gid = k.gid, .mode = (uint16_t)k.mode, .ino = k.ino,
		.size = (uint64_t)k.size, .blocks = (uint64_t)k.blocks,
		.atime = {k.atime.sec, (uint32_t)k.atime.nsec, 0},
		.ctime = {k.ctime.sec, (uint32_t)k.ctime.nsec, 0},
		.mtime = {k.mtime.sec, (uint32_t)k.mtime.nsec, 0},
		.rdev_major = vfs_major(k.rdev), .rdev_minor = vfs_minor(k.rdev),
		.dev_major = vfs_major(k.dev), .dev_minor = vfs_minor(k.dev),
	};
	return copy_to_user(a4, &x, sizeof(x));
}

/* ---- waiting for readiness: poll, select ---- */

static unsigned ready(struct file *f)
{
	return f->ops && f->ops->poll ? f->ops->poll(f) : VFS_POLLIN | VFS_POLLOUT;
}

/* Wait for the next readiness change; false when the deadline passed or
 * the thread is interrupted. seq is vfs_poll_seq() from before the caller
 * looked at its files. The wait ends at a readiness change (fs/poll.c) or
 * at the deadline, whichever comes first. */
static bool wait_step(uint64_t deadline, uint64_t seq)
{
	if (deadline != UINT64_MAX && (clock_ns() >= deadline || thread_interrupted()))
		return false;
	return vfs_poll_wait_until(seq, deadline);
}

struct pollfd_user {
	int32_t fd;
	int16_t events, revents;
};

static int64_t do_poll(uint64_t ufds, uint64_t n, uint64_t deadline)
{
	if (n > PROC_FD_MAX * 4)
		return -EINVAL;
	struct pollfd_user *fds = kmalloc(n * sizeof(*fds) + 1);
	if (!fds)
		return -ENOMEM;
	int64_t r = copy_from_user(fds, ufds, n * sizeof(*fds));
	while (!r) {
		uint64_t seq = vfs_poll_seq();
		int64_t count = 0;
		for (uint64_t i = 0; i < n; i++) {
			fds[i].revents = 0;
			if (fds[i].fd < 0)
				continue;
			struct file *f = fd_file(fds[i].fd);
			unsigned m = f ? ready(f) : POLLNVAL;
			fds[i].revents = (int16_t)(m & ((unsigned)(uint16_t)fds[i].events | VFS_POLLHUP | POLLNVAL));
			count += fds[i].revents != 0;
		}
		if (count) {
			r = copy_to_user(ufds, fds, n * sizeof(*fds)) ? -EFAULT : count;
			break;
		}
		if (!wait_step(deadline, seq)) {
			r = thread_interrupted() ? -EINTR : copy_to_user(ufds, fds, n * sizeof(*fds));
			break;
		}
	}
	kfree(fds);
	return r;
}

static uint64_t deadline_ms(int64_t ms)
{
	return ms < 0 ? UINT64_MAX : clock_ns() + (uint64_t)ms * 1000000;
}

static int deadline_ts(uint64_t uts, uint64_t *deadline)
{
	if (!uts) {
		*deadline = UINT64_MAX;
		return 0;
	}
	int64_t ts[2];
	if (copy_from_user(ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
		return -EINVAL;
	*deadline = clock_ns() + (uint64_t)ts[0] * 1000000000 + (uint64_t)ts[1];
	return 0;
}

SYSCALL(poll) { (void)a3, (void)a4, (void)a5; return do_poll(a0, a1, deadline_ms((int)a2)); }

SYSCALL(ppoll) /* (fds, n, const struct timespec *, const sigset_t *, size_t) */
{
	(void)a3, (void)a4, (void)a5;
	uint64_t deadline;
	int r = deadline_ts(a2, &deadline);
	return r ? r : do_poll(a0, a1, deadline);
}

static int64_t do_select(int n, uint64_t urd, uint64_t uwr, uint64_t uex, uint64_t deadline)
{
	if (n < 0 || n > PROC_FD_MAX)
		n = n < 0 ? -1 : PROC_FD_MAX;
	if (n < 0)
		return -EINVAL;
	uint64_t in[3] = {0}, out[3];
	uint64_t u[3] = {urd, uwr, uex};
	size_t bytes = ((size_t)n + 7) / 8;
	for (int k = 0; k < 3; k++)
		if (u[k] && copy_from_user(&in[k], u[k], bytes))
			return -EFAULT;
	for (int fd = 0; fd < n; fd++)
		if (((in[0] | in[1] | in[2]) >> fd & 1) && !fd_file(fd))
			return -EBADF;
	for (;;) {
		uint64_t seq = vfs_poll_seq();
		int64_t count = 0;
		out[0] = out[1] = out[2] = 0;
		for (int fd = 0; fd < n; fd++) {
			if (!((in[0] | in[1]) >> fd & 1))
				continue;
			unsigned m = ready(fd_file(fd));
			if ((in[0] >> fd & 1) && (m & (VFS_POLLIN | VFS_POLLHUP)))
				out[0] |= 1ull << fd, count++;
			if ((in[1] >> fd & 1) && (m & VFS_POLLOUT))
				out[1] |= 1ull << fd, count++;
		}
		if (count || !wait_step(deadline, seq)) {
			if (!count && thread_interrupted())
				return -EINTR;
			for (int k = 0; k < 3; k++)
				if (u[k] && copy_to_user(u[k], &out[k], bytes))
					return -EFAULT;
			return count;
		}
	}
}

_Static_assert(PROC_FD_MAX <= 64, "select's sets are one 64-bit word here");

SYSCALL(select) /* (int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv) */
{
	(void)a5;
	uint64_t deadline = UINT64_MAX;
	if (a4) {
		int64_t tv[2];
		if (copy_from_user(tv, a4, sizeof(tv)))
			return -EFAULT;
		if (tv[0] < 0 || tv[1] < 0)
			return -EINVAL;
		deadline = clock_ns() + (uint64_t)tv[0] * 1000000000 + (uint64_t)tv[1] * 1000;
	}
	return do_select((int)a0, a1, a2, a3, deadline);
}

SYSCALL(pselect6)
{
	(void)a5;
	uint64_t deadline;
	int r = deadline_ts(a4, &deadline);
	return r ? r : do_select((int)a0, a1, a2, a3, deadline);
}
