/*
 * Descriptors and input/output. Until the file system exists, the one
 * kind of open file is the console: writes go to every console (serial
 * and screen), reads take bytes from the keyboard/serial input queue.
 * open() and friends answer ENOENT. This file is where struct file takes
 * over once the VFS is in.
 */
#include <stdbool.h>

#include "arch/x86_64/uaccess.h"
#include "console/console.h"
#include "dev/input.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "proc/proc.h"
#include "proc/sys.h"

#define CHUNK 256

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1
#define O_RDWR 2
#define O_CLOEXEC 02000000

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413

void proc_files_close(struct proc *p)
{
	for (int i = 0; i < PROC_FD_MAX; i++)
		p->fds[i].kind = FD_NONE;
}

int proc_files_fork(struct proc *child, struct proc *parent)
{
	memcpy(child->fds, parent->fds, sizeof(child->fds));
	child->umask = parent->umask;
	child->sigmask = parent->sigmask;
	memcpy(child->sigactions, parent->sigactions, sizeof(child->sigactions));
	return 0;
}

void proc_exec_done(struct proc *p)
{
	for (int i = 0; i < PROC_FD_MAX; i++)
		if (p->fds[i].cloexec)
			p->fds[i].kind = FD_NONE;
	for (int s = 0; s < 64; s++)
		if (p->sigactions[s].handler > 1 /* neither SIG_DFL nor SIG_IGN */)
			p->sigactions[s] = (typeof(p->sigactions[s])){0};
}

static struct fd *get(int fd)
{
	struct proc *p = proc_current();
	if (fd < 0 || fd >= PROC_FD_MAX || p->fds[fd].kind == FD_NONE)
		return NULL;
	return &p->fds[fd];
}

static int64_t console_write_user(uint64_t buf, size_t n)
{
	char tmp[CHUNK];
	size_t done = 0;
	while (done < n) {
		size_t k = n - done < CHUNK ? n - done : CHUNK;
		if (copy_from_user(tmp, buf + done, k))
			return done ? (int64_t)done : -EFAULT;
		console_write(tmp, k);
		done += k;
	}
	return (int64_t)done;
}

/* Wait for the first byte, then take what is there (a line discipline
 * arrives with the terminal work; bytes come raw). */
static int64_t console_read_user(uint64_t buf, size_t n)
{
	if (n == 0)
		return 0;
	int c;
	while ((c = input_getc()) < 0) {
		if (proc_current()->kill_signal)
			return -EINTR;
		thread_sleep_ns(10 * 1000 * 1000);
	}
	char tmp[CHUNK];
	size_t k = 0;
	do {
		tmp[k++] = (char)(c == '\r' ? '\n' : c);
	} while (k < n && k < CHUNK && (c = input_getc()) >= 0);
	if (copy_to_user(buf, tmp, k))
		return -EFAULT;
	return (int64_t)k;
}

SYSCALL(write) /* (int fd, const void *buf, size_t n) */
{
	(void)a3, (void)a4, (void)a5;
	if (!get((int)a0))
		return -EBADF;
	return console_write_user(a1, a2);
}

SYSCALL(read) /* (int fd, void *buf, size_t n) */
{
	(void)a3, (void)a4, (void)a5;
	if (!get((int)a0))
		return -EBADF;
	return console_read_user(a1, a2);
}

struct iovec_user {
	uint64_t base, len;
};

static int64_t vector_io(int fd, uint64_t iov, uint64_t cnt, bool out)
{
	if (!get(fd))
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
		int64_t r = out ? console_write_user(v.base, v.len) : console_read_user(v.base, v.len);
		if (r < 0)
			return total ? total : r;
		total += r;
		if (!out || (uint64_t)r < v.len)
			break; /* a read returns what one wait brought */
	}
	return total;
}

SYSCALL(writev) /* (int fd, const struct iovec *iov, int cnt) */
{
	(void)a3, (void)a4, (void)a5;
	return vector_io((int)a0, a1, a2, true);
}

SYSCALL(readv)
{
	(void)a3, (void)a4, (void)a5;
	return vector_io((int)a0, a1, a2, false);
}

SYSCALL(close) /* (int fd) */
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct fd *f = get((int)a0);
	if (!f)
		return -EBADF;
	f->kind = FD_NONE;
	return 0;
}

static int64_t dup_to(struct fd *from, int lowest, bool cloexec)
{
	struct proc *p = proc_current();
	for (int i = lowest; i < PROC_FD_MAX; i++)
		if (p->fds[i].kind == FD_NONE) {
			p->fds[i] = (struct fd){.kind = from->kind, .cloexec = cloexec};
			return i;
		}
	return -EMFILE;
}

SYSCALL(dup)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct fd *f = get((int)a0);
	return f ? dup_to(f, 0, false) : -EBADF;
}

static int64_t dup3(int old, int new, uint64_t flags, bool allow_same)
{
	struct fd *f = get(old);
	if (!f)
		return -EBADF;
	if (new < 0 || new >= PROC_FD_MAX || (flags & ~(uint64_t)O_CLOEXEC))
		return new < 0 || new >= PROC_FD_MAX ? -EBADF : -EINVAL;
	if (old == new)
		return allow_same ? new : -EINVAL;
	struct proc *p = proc_current();
	p->fds[new] = (struct fd){.kind = f->kind, .cloexec = (flags & O_CLOEXEC) != 0};
	return new;
}

SYSCALL(dup2)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return dup3((int)a0, (int)a1, 0, true);
}

SYSCALL(dup3)
{
	(void)a3, (void)a4, (void)a5;
	return dup3((int)a0, (int)a1, a2, false);
}

SYSCALL(fcntl) /* (int fd, int cmd, long arg) */
{
	(void)a3, (void)a4, (void)a5;
	struct fd *f = get((int)a0);
	if (!f)
		return -EBADF;
	switch ((int)a1) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if ((int64_t)a2 < 0 || a2 >= PROC_FD_MAX)
			return -EINVAL;
		return dup_to(f, (int)a2, (int)a1 == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return f->cloexec ? FD_CLOEXEC : 0;
	case F_SETFD:
		f->cloexec = (a2 & FD_CLOEXEC) != 0;
		return 0;
	case F_GETFL:
		return O_RDWR;
	case F_SETFL:
		return 0;
	default:
		return -EINVAL;
	}
}

/* struct termios as the kernel's TCGETS fills it (asm-generic/termbits.h:
 * c_iflag, c_oflag, c_cflag, c_lflag, c_line, c_cc[19]). */
struct kernel_termios {
	uint32_t iflag, oflag, cflag, lflag;
	uint8_t line;
	uint8_t cc[19];
};
_Static_assert(sizeof(struct kernel_termios) == 36, "Linux's struct termios (TCGETS)");

SYSCALL(ioctl) /* (int fd, unsigned long request, void *arg) */
{
	(void)a3, (void)a4, (void)a5;
	if (!get((int)a0))
		return -EBADF;
	switch (a1) {
	case TCGETS: {
		/* A terminal in its usual cooked state: ICRNL, OPOST|ONLCR,
		 * B38400|CS8|CREAD, ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN. */
		struct kernel_termios t = {.iflag = 0x100, .oflag = 0x5, .cflag = 0xbf, .lflag = 0x8a3b};
		return copy_to_user(a2, &t, sizeof(t));
	}
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return 0;
	case TIOCGWINSZ: {
		unsigned cols, rows;
		console_size(&cols, &rows);
		uint16_t ws[4] = {(uint16_t)rows, (uint16_t)cols, 0, 0};
		return copy_to_user(a2, ws, sizeof(ws));
	}
	case TIOCGPGRP: {
		int32_t pg = proc_current()->pgid;
		return copy_to_user(a2, &pg, sizeof(pg));
	}
	case TIOCSPGRP:
		return 0;
	default:
		return -ENOTTY;
	}
}

SYSCALL(lseek)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return get((int)a0) ? -ESPIPE : -EBADF;
}

/* struct stat (x86-64, asm/stat.h): 144 bytes. */
struct kernel_stat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	uint64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	int64_t unused[3];
};
_Static_assert(sizeof(struct kernel_stat) == 144, "Linux x86-64 struct stat");

SYSCALL(fstat) /* (int fd, struct stat *st) */
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!get((int)a0))
		return -EBADF;
	/* The console: character device 5,1 (/dev/console). */
	struct kernel_stat st = {.dev = 5, .ino = 1, .nlink = 1, .mode = 0020620,
	                         .rdev = (5 << 8) | 1, .blksize = 1024};
	return copy_to_user(a1, &st, sizeof(st));
}

SYSCALL(newfstatat) /* (int dirfd, const char *path, struct stat *st, int flags) */
{
	(void)a4, (void)a5;
	char path[256];
	int64_t r = strncpy_from_user(path, a1, sizeof(path));
	if (r < 0)
		return r;
	if (path[0] == 0 && (a3 & 0x1000 /* AT_EMPTY_PATH */))
		return sys_fstat(a0, a2, 0, 0, 0, 0);
	return -ENOENT;
}

SYSCALL(open) /* (const char *path, int flags, mode_t mode) */
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	char path[256];
	int64_t r = strncpy_from_user(path, a0, sizeof(path));
	return r < 0 ? r : -ENOENT;
}

SYSCALL(openat)
{
	(void)a0, (void)a2, (void)a3, (void)a4, (void)a5;
	return sys_open(a1, 0, 0, 0, 0, 0);
}

SYSCALL(access)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return sys_open(a0, 0, 0, 0, 0, 0);
}

SYSCALL(getcwd) /* (char *buf, size_t size) */
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a1 < 2)
		return -ERANGE;
	int r = copy_to_user(a0, "/", 2);
	return r ? r : 2;
}
