/*
 * Shell commands that look at the file system: ls, cat, stat. They use the
 * same file API (fs/vfs.h) the system calls will, with kernel buffers, and
 * resolve relative paths from the root (the shell has no working
 * directory). A failure prints the path and the error: "ls: /nope: No such
 * file or directory (ENOENT)".
 */
#include "core/kprintf.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "shell/shell.h"

static int fail(const char *cmd, const char *path, int err)
{
	kprintf("%s: %s: %s (%s)\n", cmd, path, errno_text(err), errno_name(err));
	return 0;
}

/* "drwxr-xr-x" for a mode. */
static void mode_string(uint32_t mode, char out[11])
{
	static const char types[16] = {'?', 'p', 'c', '?', 'd', '?', 'b', '?',
	                               '-', '?', 'l', '?', 's', '?', '?', '?'};
	static const char rwx[] = "rwxrwxrwx";
	out[0] = types[(mode >> 12) & 15];
	for (int i = 0; i < 9; i++)
		out[1 + i] = mode & (0400u >> i) ? rwx[i] : '-';
	if (mode & S_ISUID)
		out[3] = out[3] == 'x' ? 's' : 'S';
	if (mode & S_ISGID)
		out[6] = out[6] == 'x' ? 's' : 'S';
	if (mode & S_ISVTX)
		out[9] = out[9] == 'x' ? 't' : 'T';
	out[10] = 0;
}

/* One line: mode, links, owner, size (or device numbers), name, target. */
static void ls_line(struct inode *dir, const char *path, const char *name)
{
	struct kstat st;
	int err = vfs_stat(dir, path, &st, VFS_NOFOLLOW);
	if (err) {
		fail("ls", name, err);
		return;
	}
	char mode[11];
	mode_string(st.mode, mode);
	if (S_ISCHR(st.mode) || S_ISBLK(st.mode))
		kprintf("%s %3u %5u %5u %4u, %4u %s", mode, st.nlink, st.uid, st.gid,
		        vfs_major(st.rdev), vfs_minor(st.rdev), name);
	else
		kprintf("%s %3u %5u %5u %10lld %s", mode, st.nlink, st.uid, st.gid,
		        (long long)st.size, name);
	if (S_ISLNK(st.mode)) {
		char target[VFS_NAME_MAX + 1];
		int64_t n = vfs_readlink(dir, path, target, sizeof(target) - 1);
		if (n >= 0)
			kprintf(" -> %.*s", (int)n, target);
	}
	kprintf("\n");
}

struct listing {
	char **names;
	size_t n, cap;
	bool nomem;
};

static int collect(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
                   int64_t next)
{
	struct listing *l = ctx;
	(void)ino, (void)type, (void)next;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		char **names = krealloc(l->names, cap * sizeof(*names));
		if (!names) {
			l->nomem = true;
			return 1;
		}
		l->names = names, l->cap = cap;
	}
	char *copy = kmalloc(len + 1);
	if (!copy) {
		l->nomem = true;
		return 1;
	}
	memcpy(copy, name, len);
	copy[len] = 0;
	l->names[l->n++] = copy;
	return 0;
}

int cmd_ls(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/";
	struct kstat st;
	int err = vfs_stat(NULL, path, &st, 0);
	if (err)
		return fail("ls", path, err);
	if (!S_ISDIR(st.mode)) {
		ls_line(NULL, path, path);
		return 0;
	}
	struct file *f;
	err = vfs_open(NULL, path, O_RDONLY | O_DIRECTORY, 0, &f);
	if (err)
		return fail("ls", path, err);
	struct listing l = {0};
	while (!l.nomem && (err = vfs_getdents(f, collect, &l)) > 0)
		;
	/* Sorted by name, as ls does (insertion sort: directories are small). */
	for (size_t i = 1; i < l.n; i++)
		for (size_t j = i; j > 0 && strcmp(l.names[j - 1], l.names[j]) > 0; j--) {
			char *t = l.names[j];
			l.names[j] = l.names[j - 1];
			l.names[j - 1] = t;
		}
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.names[i], ".") && strcmp(l.names[i], ".."))
			ls_line(f->inode, l.names[i], l.names[i]);
		kfree(l.names[i]);
	}
	kprintf("%zu entries\n", l.n >= 2 ? l.n - 2 : 0);
	if (l.nomem)
		kprintf("ls: out of memory: the list is incomplete\n");
	kfree(l.names);
	file_put(f);
	return err < 0 ? fail("ls", path, err) : 0;
}

int cmd_cat(int argc, char **argv)
{
	(void)argc;
	struct file *f;
	int err = vfs_open(NULL, argv[1], O_RDONLY, 0, &f);
	if (err)
		return fail("cat", argv[1], err);
	char buf[256];
	int64_t n;
	while ((n = vfs_read(f, buf, sizeof(buf))) > 0)
		kprintf("%.*s", (int)n, buf);
	file_put(f);
	return n < 0 ? fail("cat", argv[1], (int)n) : 0;
}

static void print_time(const char *what, const struct vfs_time *t)
{
	kprintf("%s: %lld.%09lld\n", what, (long long)t->sec, (long long)t->nsec);
}

int cmd_stat(int argc, char **argv)
{
	(void)argc;
	struct kstat st;
	int err = vfs_stat(NULL, argv[1], &st, VFS_NOFOLLOW);
	if (err)
		return fail("stat", argv[1], err);
	static const char *const kinds[16] = {
		"unknown", "fifo", "character device", "unknown", "directory", "unknown",
		"block device", "unknown", "regular file", "unknown", "symbolic link", "unknown",
		"socket", "unknown", "unknown", "unknown",
	};
	char mode[11];
	mode_string(st.mode, mode);
	kprintf("  File: %s\n", argv[1]);
	kprintf("  Size: %lld  Blocks: %lld  IO Block: %lld  %s\n", (long long)st.size,
	        (long long)st.blocks, (long long)st.blksize, kinds[(st.mode >> 12) & 15]);
	kprintf("Device: %u,%u  Inode: %llu  Links: %u", vfs_major(st.dev), vfs_minor(st.dev),
	        (unsigned long long)st.ino, st.nlink);
	if (S_ISCHR(st.mode) || S_ISBLK(st.mode))
		kprintf("  Device type: %u,%u", vfs_major(st.rdev), vfs_minor(st.rdev));
	kprintf("\nAccess: (%04o/%s)  Uid: %u  Gid: %u\n", st.mode & S_IALLUGO, mode, st.uid,
	        st.gid);
	print_time("Access", &st.atime);
	print_time("Modify", &st.mtime);
	print_time("Change", &st.ctime);
	return 0;
}
