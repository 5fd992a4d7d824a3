/*
 * Host tests for the file system (kernel/fs/: namei.c, vfs.c, file.c,
 * ramfs.c, synth.c, initramfs.c) on the shim of fs_shim.c. The oracle is Linux's
 * behaviour as its man pages state it (path_resolution(7), open(2),
 * rename(2), getdents(2), ...): each case names the error Linux gives.
 *
 * Every test starts and ends with an empty root, and its teardown checks
 * that every kmalloc'd byte and every page came back: a node's memory must
 * go exactly when its last name and its last open file go. The shim can
 * make allocations fail, to check that a failed operation changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs/initramfs.h"
#include "fs/synth.h"
#include "fs/vfs.h"
#include "tests/host/cpio_build.h"
#include "tests/host/fs_shim.h"

static struct shim_counts at_start;

/* ---- Helpers ----------------------------------------------------------------- */

static void mkfile(const char *path, const char *text)
{
	struct file *f;
	assert_int_equal(vfs_open(NULL, path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f), 0);
	assert_int_equal(vfs_write(f, text, strlen(text)), (int64_t)strlen(text));
	file_put(f);
}

/* The whole file as a NUL-terminated malloc'd string (the caller frees). */
static char *slurp(const char *path)
{
	struct file *f;
	int err = vfs_open(NULL, path, O_RDONLY, 0, &f);
	if (err)
		fail_msg("open %s: %s", path, errno_name(err));
	size_t cap = 64, len = 0;
	char *s = malloc(cap);
	for (;;) {
		if (len + 32 > cap)
			s = realloc(s, cap *= 2);
		int64_t n = vfs_read(f, s + len, 31);
		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	s[len] = 0;
	file_put(f);
	return s;
}

static void expect_text(const char *path, const char *text)
{
	char *s = slurp(path);
	assert_string_equal(s, text);
	free(s);
}

static struct kstat st_of(const char *path, unsigned flags)
{
	struct kstat st;
	int err = vfs_stat(NULL, path, &st, flags);
	if (err)
		fail_msg("stat %s: %s", path, errno_name(err));
	return st;
}

struct names {
	char name[64][VFS_NAME_MAX + 1];
	int64_t next[64];
	unsigned type[64];
	size_t n, limit;
};

static int collect(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
                   int64_t next)
{
	struct names *l = ctx;
	(void)ino;
	if (l->n == l->limit)
		return 1;
	assert_true(len <= VFS_NAME_MAX);
	memcpy(l->name[l->n], name, len);
	l->name[l->n][len] = 0;
	l->next[l->n] = next;
	l->type[l->n] = type;
	l->n++;
	return 0;
}

/* rm -rf path (a directory's contents and itself), through the API. */
static void remove_tree(const char *path)
{
	struct kstat st;
	if (vfs_stat(NULL, path, &st, VFS_NOFOLLOW) != 0)
		return;
	if (!S_ISDIR(st.mode)) {
		assert_int_equal(vfs_unlink(NULL, path), 0);
		return;
	}
	struct file *f;
	assert_int_equal(vfs_open(NULL, path, O_RDONLY | O_DIRECTORY, 0, &f), 0);
	struct names *l = calloc(1, sizeof(*l));
	l->limit = 64;
	for (;;) {
		l->n = 0;
		int n = vfs_getdents(f, collect, l);
		assert_true(n >= 0);
		if (n == 0)
			break;
		for (size_t i = 0; i < l->n; i++) {
			if (!strcmp(l->name[i], ".") || !strcmp(l->name[i], ".."))
				continue;
			char child[4096];
			snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "",
			         l->name[i]);
			remove_tree(child);
		}
	}
	free(l);
	file_put(f);
	if (strcmp(path, "/") != 0)
		assert_int_equal(vfs_rmdir(NULL, path), 0);
}

static int setup(void **state)
{
	(void)state;
	shim_kmalloc_budget = shim_page_budget = -1;
	at_start = shim_counts();
	return 0;
}

/* The tree is empty again, and so is memory: nothing leaked, nothing open. */
static int teardown(void **state)
{
	(void)state;
	shim_kmalloc_budget = shim_page_budget = -1;
	remove_tree("/");
	struct shim_counts c = shim_counts();
	struct vfs_usage u;
	vfs_usage(&u);
	assert_int_equal(u.open_files, 0);
	assert_int_equal(u.inodes, 1); /* the root */
	assert_int_equal(u.data_pages, 0);
	assert_int_equal(c.pages, at_start.pages);
	assert_int_equal(c.allocs, at_start.allocs);
	assert_int_equal(c.bytes, at_start.bytes);
	return 0;
}

/* ---- Path lookup --------------------------------------------------------------- */

static void test_lookup(void **state)
{
	(void)state;
	assert_int_equal(vfs_mkdir(NULL, "/a", 0755), 0);
	assert_int_equal(vfs_mkdir(NULL, "a/b", 0700), 0);
	mkfile("/a/b/f", "x");
	uint64_t ino = st_of("/a/b/f", 0).ino;
	static const char *same[] = {"/a/b/f", "a/b/f", "//a///b//f", "/a/./b/../b/f", "/../a/b/f",
	                             "/a/b/./f", "./a/b/f", "/a/../a/b/f"};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		assert_int_equal(st_of(same[i], 0).ino, ino);
	/* Relative to a directory. */
	struct inode *b;
	assert_int_equal(vfs_lookup(NULL, "/a/b", &b), 0);
	struct kstat st;
	assert_int_equal(vfs_stat(b, "f", &st, 0), 0);
	assert_int_equal(st.ino, ino);
	assert_int_equal(vfs_stat(b, "../b/f", &st, 0), 0);
	assert_int_equal(vfs_stat(b, "/a/b/f", &st, 0), 0);
	assert_int_equal(vfs_stat(b, ".", &st, 0), 0);
	assert_true(S_ISDIR(st.mode));
	vfs_inode_put(b);
	/* "/" and "." are the root; trailing slashes on directories are fine. */
	assert_int_equal(st_of("/", 0).ino, st_of(".", 0).ino);
	assert_int_equal(st_of("/a/", 0).ino, st_of("/a//", 0).ino);

	assert_int_equal(vfs_stat(NULL, "", &st, 0), -ENOENT);
	assert_int_equal(vfs_stat(NULL, "/nope", &st, 0), -ENOENT);
	assert_int_equal(vfs_stat(NULL, "/nope/f", &st, 0), -ENOENT);
	assert_int_equal(vfs_stat(NULL, "/a/b/f/x", &st, 0), -ENOTDIR);
	assert_int_equal(vfs_stat(NULL, "/a/b/f/", &st, 0), -ENOTDIR);
	assert_int_equal(vfs_stat(NULL, "/a/b/f/.", &st, 0), -ENOTDIR);
	assert_int_equal(vfs_lookup(NULL, "/a/b/f/..", &b), -ENOTDIR);
	assert_int_equal(vfs_mkdir(NULL, "/a/b/f/d", 0755), -ENOTDIR);
}

static void test_name_limits(void **state)
{
	(void)state;
	char name[VFS_NAME_MAX + 2];
	memset(name, 'n', sizeof(name));
	name[VFS_NAME_MAX] = 0; /* 255 bytes: allowed */
	char path[VFS_PATH_MAX + 8];
	snprintf(path, sizeof(path), "/%s", name);
	mkfile(path, "long");
	expect_text(path, "long");
	name[VFS_NAME_MAX] = 'n';
	name[VFS_NAME_MAX + 1] = 0; /* 256: too long */
	snprintf(path, sizeof(path), "/%s", name);
	struct file *f;
	assert_int_equal(vfs_open(NULL, path, O_CREAT | O_WRONLY, 0644, &f), -ENAMETOOLONG);
	assert_int_equal(vfs_mkdir(NULL, path, 0755), -ENAMETOOLONG);
	struct kstat st;
	assert_int_equal(vfs_stat(NULL, path, &st, 0), -ENAMETOOLONG);
	/* A whole path of 4095 bytes is allowed, 4096 (no room for the NUL) is not. */
	memset(path, '/', sizeof(path));
	path[VFS_PATH_MAX - 1] = 0;
	assert_int_equal(vfs_stat(NULL, path, &st, 0), 0);
	path[VFS_PATH_MAX - 1] = '/';
	path[VFS_PATH_MAX] = 0;
	assert_int_equal(vfs_stat(NULL, path, &st, 0), -ENAMETOOLONG);
	assert_int_equal(vfs_symlink(path, NULL, "/l"), -ENAMETOOLONG);
	assert_int_equal(vfs_symlink("", NULL, "/l"), -ENOENT);
}

/* ---- Symlinks ------------------------------------------------------------------ */

static void test_symlinks(void **state)
{
	(void)state;
	assert_int_equal(vfs_mkdir(NULL, "/bin", 0755), 0);
	assert_int_equal(vfs_mkdir(NULL, "/usr", 0755), 0);
	assert_int_equal(vfs_mkdir(NULL, "/usr/bin", 0755), 0);
	mkfile("/bin/busybox", "BB");
	assert_int_equal(vfs_symlink("busybox", NULL, "/bin/sh"), 0);
	assert_int_equal(vfs_symlink("../../bin/busybox", NULL, "/usr/bin/awk"), 0);
	assert_int_equal(vfs_symlink("/bin/busybox", NULL, "/abs"), 0);
	assert_int_equal(vfs_symlink("usr/bin", NULL, "/ub"), 0);
	expect_text("/bin/sh", "BB");
	expect_text("/usr/bin/awk", "BB");
	expect_text("/abs", "BB");
	expect_text("/ub/awk", "BB"); /* a symlink in the middle of a path */
	uint64_t bb = st_of("/bin/busybox", 0).ino;
	assert_int_equal(st_of("/bin/sh", 0).ino, bb);
	struct kstat l = st_of("/bin/sh", VFS_NOFOLLOW);
	assert_true(S_ISLNK(l.mode));
	assert_int_equal(l.size, 7);
	assert_int_equal(l.mode & S_IALLUGO, 0777);
	/* A trailing slash follows a final symlink, to a directory only. */
	assert_true(S_ISDIR(st_of("/ub/", VFS_NOFOLLOW).mode));
	struct kstat st;
	assert_int_equal(vfs_stat(NULL, "/bin/sh/", &st, 0), -ENOTDIR);

	char buf[64];
	assert_int_equal(vfs_readlink(NULL, "/usr/bin/awk", buf, sizeof(buf)), 17);
	assert_memory_equal(buf, "../../bin/busybox", 17);
	assert_int_equal(vfs_readlink(NULL, "/usr/bin/awk", buf, 4), 4); /* truncated, no NUL */
	assert_int_equal(vfs_readlink(NULL, "/bin/busybox", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vfs_readlink(NULL, "/bin/sh", buf, 0), -EINVAL);

	/* Dangling: stat fails, lstat works, open(O_CREAT) makes the target. */
	assert_int_equal(vfs_symlink("/tmpfile", NULL, "/dangling"), 0);
	assert_int_equal(vfs_stat(NULL, "/dangling", &st, 0), -ENOENT);
	assert_int_equal(vfs_stat(NULL, "/dangling", &st, VFS_NOFOLLOW), 0);
	mkfile("/dangling", "made through the link");
	expect_text("/tmpfile", "made through the link");
	/* Symlinks into a symlinked directory, relative to where the link is. */
	assert_int_equal(vfs_symlink("../bin/sh", NULL, "/usr/sh"), 0);
	expect_text("/usr/sh", "BB");
}

static void test_symlink_loops(void **state)
{
	(void)state;
	struct kstat st;
	struct file *f;
	assert_int_equal(vfs_symlink("self", NULL, "/self"), 0);
	assert_int_equal(vfs_stat(NULL, "/self", &st, 0), -ELOOP);
	assert_int_equal(vfs_stat(NULL, "/self", &st, VFS_NOFOLLOW), 0);
	assert_int_equal(vfs_symlink("b", NULL, "/a"), 0);
	assert_int_equal(vfs_symlink("a", NULL, "/b"), 0);
	assert_int_equal(vfs_stat(NULL, "/a", &st, 0), -ELOOP);
	assert_int_equal(vfs_open(NULL, "/b", O_RDONLY, 0, &f), -ELOOP);
	assert_int_equal(vfs_stat(NULL, "/a/x", &st, 0), -ELOOP);
	/* A chain of 40 links resolves; one more is too many. */
	mkfile("/l0", "end");
	char name[16], target[16];
	for (int i = 1; i <= 41; i++) {
		snprintf(name, sizeof(name), "/l%d", i);
		snprintf(target, sizeof(target), "l%d", i - 1);
		assert_int_equal(vfs_symlink(target, NULL, name), 0);
	}
	expect_text("/l40", "end");
	assert_int_equal(vfs_stat(NULL, "/l41", &st, 0), -ELOOP);
	assert_int_equal(vfs_stat(NULL, "/l41", &st, VFS_NOFOLLOW), 0);
	/* O_NOFOLLOW on a symlink: ELOOP, as Linux. */
	assert_int_equal(vfs_open(NULL, "/l1", O_RDONLY | O_NOFOLLOW, 0, &f), -ELOOP);
	/* A directory loop through symlinks in the middle of a path. */
	assert_int_equal(vfs_mkdir(NULL, "/d", 0755), 0);
	assert_int_equal(vfs_symlink("/d", NULL, "/d/up"), 0);
	assert_int_equal(vfs_stat(NULL, "/d/up/up/up/up/up", &st, 0), 0);
	char deep[512] = "/d";
	for (int i = 0; i < 41; i++)
		strcat(deep, "/up");
	assert_int_equal(vfs_stat(NULL, deep, &st, 0), -ELOOP);
}

/* ---- open ----------------------------------------------------------------------- */

static void test_open_flags(void **state)
{
	(void)state;
	struct file *f;
	assert_int_equal(vfs_open(NULL, "/f", O_RDONLY, 0, &f), -ENOENT);
	assert_int_equal(vfs_open(NULL, "/f", O_WRONLY | O_CREAT | O_EXCL, 0640, &f), 0);
	assert_int_equal(vfs_write(f, "hello", 5), 5);
	assert_int_equal(vfs_read(f, (char[8]){0}, 8), -EBADF);
	file_put(f);
	struct kstat st = st_of("/f", 0);
	assert_int_equal(st.mode, S_IFREG | 0640);
	assert_int_equal(st.size, 5);
	assert_int_equal(st.nlink, 1);
	assert_int_equal(vfs_open(NULL, "/f", O_WRONLY | O_CREAT | O_EXCL, 0640, &f), -EEXIST);
	/* O_CREAT on an existing file keeps it (and its mode). */
	assert_int_equal(vfs_open(NULL, "/f", O_RDWR | O_CREAT, 0600, &f), 0);
	assert_int_equal(st_of("/f", 0).mode, S_IFREG | 0640);
	assert_int_equal(vfs_write(f, "J", 1), 1);
	file_put(f);
	expect_text("/f", "Jello");
	/* O_APPEND writes at the end, whatever the offset says. */
	assert_int_equal(vfs_open(NULL, "/f", O_WRONLY | O_APPEND, 0, &f), 0);
	assert_int_equal(vfs_lseek(f, 0, SEEK_SET), 0);
	assert_int_equal(vfs_write(f, "!", 1), 1);
	assert_int_equal(vfs_lseek(f, 0, SEEK_CUR), 6);
	assert_int_equal(vfs_read(f, (char[4]){0}, 4), -EBADF);
	file_put(f);
	expect_text("/f", "Jello!");
	/* O_TRUNC empties it, also with O_RDONLY (as Linux does). */
	assert_int_equal(vfs_open(NULL, "/f", O_RDONLY | O_TRUNC, 0, &f), 0);
	assert_int_equal(vfs_write(f, "x", 1), -EBADF);
	file_put(f);
	assert_int_equal(st_of("/f", 0).size, 0);

	assert_int_equal(vfs_mkdir(NULL, "/d", 0755), 0);
	assert_int_equal(vfs_open(NULL, "/f", O_RDONLY | O_DIRECTORY, 0, &f), -ENOTDIR);
	assert_int_equal(vfs_open(NULL, "/d", O_WRONLY, 0, &f), -EISDIR);
	assert_int_equal(vfs_open(NULL, "/d", O_RDWR, 0, &f), -EISDIR);
	assert_int_equal(vfs_open(NULL, "/d", O_RDONLY | O_CREAT, 0644, &f), -EISDIR);
	assert_int_equal(vfs_open(NULL, "/new", O_RDONLY | O_CREAT | O_DIRECTORY, 0, &f), -EINVAL);
	assert_int_equal(vfs_open(NULL, "/new/", O_WRONLY | O_CREAT, 0644, &f), -EISDIR);
	assert_int_equal(vfs_open(NULL, "/f/", O_RDONLY, 0, &f), -ENOTDIR);
	assert_int_equal(vfs_open(NULL, "/f", O_ACCMODE, 0, &f), -EINVAL);
	assert_int_equal(vfs_open(NULL, "/d", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	assert_int_equal(vfs_read(f, (char[4]){0}, 4), -EISDIR);
	file_put(f);
	/* O_CREAT | O_EXCL never follows a symlink, even a dangling one. */
	assert_int_equal(vfs_symlink("/target", NULL, "/link"), 0);
	assert_int_equal(vfs_open(NULL, "/link", O_WRONLY | O_CREAT | O_EXCL, 0644, &f), -EEXIST);
	assert_int_equal(vfs_stat(NULL, "/target", &st, 0), -ENOENT);
	/* The mode's type bits are ignored, the set-id and sticky bits kept. */
	assert_int_equal(vfs_open(NULL, "/m", O_WRONLY | O_CREAT, S_IFDIR | 04755, &f), 0);
	file_put(f);
	assert_int_equal(st_of("/m", 0).mode, S_IFREG | 04755);
}

struct dev_state {
	int opens, reads, writes, releases;
	int open_flags; /* as open(2) got them, O_NOCTTY included */
	char last[16];
};
static struct dev_state dev;

static int dev_open(struct file *f, int flags)
{
	f->private = &dev;
	dev.open_flags = flags;
	uint32_t major, minor;
	vfs_file_device(f, &major, &minor);
	assert_int_equal(major, 5);
	assert_int_equal(minor, 1);
	dev.opens++;
	return 0;
}
static int64_t dev_read(struct file *f, void *buf, size_t n)
{
	assert_ptr_equal(f->private, &dev);
	dev.reads++;
	memset(buf, 'z', n);
	return (int64_t)n;
}
static int64_t dev_write(struct file *f, const void *buf, size_t n)
{
	(void)f;
	dev.writes++;
	snprintf(dev.last, sizeof(dev.last), "%.*s", (int)n, (const char *)buf);
	return (int64_t)n;
}
static void dev_release(struct file *f)
{
	(void)f;
	dev.releases++;
}
static const struct file_ops dev_ops = {
	.open = dev_open, .read = dev_read, .write = dev_write, .release = dev_release};

static void test_device_nodes(void **state)
{
	(void)state;
	struct file *f;
	assert_int_equal(vfs_mkdir(NULL, "/dev", 0755), 0);
	assert_int_equal(vfs_mknod(NULL, "/dev/console", S_IFCHR | 0600, 5, 1), 0);
	assert_int_equal(vfs_mknod(NULL, "/dev/big", S_IFCHR | 0600, 4095, 0x12345), 0);
	assert_int_equal(vfs_mknod(NULL, "/dev/fifo", S_IFIFO | 0600, 0, 0), 0);
	assert_int_equal(vfs_mknod(NULL, "/dev/sda", S_IFBLK | 0600, 8, 0), 0);
	assert_int_equal(vfs_mknod(NULL, "/dev/plain", 0644, 0, 0), 0); /* no type: a file */
	assert_int_equal(vfs_mknod(NULL, "/dev/dir", S_IFDIR | 0755, 0, 0), -EPERM);
	assert_int_equal(vfs_mknod(NULL, "/dev/console", S_IFCHR | 0600, 5, 1), -EEXIST);
	struct kstat st = st_of("/dev/console", 0);
	assert_int_equal(st.mode, S_IFCHR | 0600);
	assert_int_equal(vfs_major(st.rdev), 5);
	assert_int_equal(vfs_minor(st.rdev), 1);
	assert_int_equal(st.size, 0);
	st = st_of("/dev/big", 0);
	assert_int_equal(vfs_major(st.rdev), 4095);
	assert_int_equal(vfs_minor(st.rdev), 0x12345);
	assert_true(S_ISREG(st_of("/dev/plain", 0).mode));
	/* No driver yet: ENXIO, as Linux for a device nobody handles. */
	assert_int_equal(vfs_open(NULL, "/dev/console", O_RDWR, 0, &f), -ENXIO);
	assert_int_equal(vfs_open(NULL, "/dev/fifo", O_RDONLY, 0, &f), -ENXIO);
	assert_int_equal(vfs_open(NULL, "/dev/sda", O_RDONLY, 0, &f), -ENXIO);
	/* With one, the file calls it. */
	static bool registered;
	if (!registered) {
		assert_int_equal(vfs_register_chrdev(5, 1, &dev_ops), 0);
		registered = true;
	}
	assert_int_equal(vfs_register_chrdev(5, 1, &dev_ops), -EBUSY);
	assert_int_equal(vfs_open(NULL, "/dev/console", O_RDWR | O_NOCTTY, 0, &f), 0);
	/* The driver sees O_NOCTTY (a terminal decides by it whether it
	 * becomes the caller's controlling one); the file keeps it not. */
	assert_int_equal(dev.open_flags, O_RDWR | O_NOCTTY);
	assert_int_equal(f->flags & O_NOCTTY, 0);
	char buf[4];
	assert_int_equal(vfs_read(f, buf, 4), 4);
	assert_memory_equal(buf, "zzzz", 4);
	assert_int_equal(vfs_write(f, "hi", 2), 2);
	assert_string_equal(dev.last, "hi");
	assert_int_equal(vfs_lseek(f, 0, SEEK_SET), -ESPIPE);
	assert_int_equal(vfs_pread(f, buf, 1, 0), -ESPIPE);
	struct file *g = file_get(f);
	file_put(f);
	assert_int_equal(dev.releases, 0);
	file_put(g);
	assert_int_equal(dev.opens, 1);
	assert_int_equal(dev.releases, 1);
}

/* ---- Data ----------------------------------------------------------------------- */

static void test_read_write_seek(void **state)
{
	(void)state;
	struct file *f;
	char buf[32];
	assert_int_equal(vfs_open(NULL, "/f", O_RDWR | O_CREAT, 0644, &f), 0);
	assert_int_equal(vfs_write(f, "0123456789", 10), 10);
	assert_int_equal(vfs_read(f, buf, 10), 0); /* at the end */
	assert_int_equal(vfs_lseek(f, 3, SEEK_SET), 3);
	assert_int_equal(vfs_read(f, buf, 4), 4);
	assert_memory_equal(buf, "3456", 4);
	assert_int_equal(vfs_lseek(f, -2, SEEK_CUR), 5);
	assert_int_equal(vfs_lseek(f, -1, SEEK_END), 9);
	assert_int_equal(vfs_read(f, buf, 32), 1);
	assert_int_equal(vfs_lseek(f, -11, SEEK_END), -EINVAL);
	assert_int_equal(vfs_lseek(f, 0, 7), -EINVAL);
	assert_int_equal(vfs_lseek(f, INT64_MAX, SEEK_SET), INT64_MAX);
	assert_int_equal(vfs_lseek(f, 1, SEEK_CUR), -EINVAL); /* overflow */
	/* pread/pwrite leave the offset alone. */
	assert_int_equal(vfs_lseek(f, 2, SEEK_SET), 2);
	assert_int_equal(vfs_pwrite(f, "AB", 2, 8), 2);
	assert_int_equal(vfs_pread(f, buf, 32, 7), 3);
	assert_memory_equal(buf, "7AB", 3);
	assert_int_equal(vfs_pread(f, buf, 1, -1), -EINVAL);
	assert_int_equal(vfs_lseek(f, 0, SEEK_CUR), 2);
	/* Writing past the end leaves a hole of zeros. */
	assert_int_equal(vfs_pwrite(f, "end", 3, 20000), 3);
	struct kstat st;
	assert_int_equal(vfs_fstat(f, &st), 0);
	assert_int_equal(st.size, 20003);
	assert_int_equal(st.blocks, 2 * 8); /* the first and the last page only */
	assert_int_equal(st.blksize, 4096);
	char *big = malloc(20003);
	assert_int_equal(vfs_pread(f, big, 20003, 0), 20003);
	assert_memory_equal(big, "01234567AB", 10);
	for (int i = 10; i < 20000; i++)
		if (big[i])
			fail_msg("byte %d of the hole is %d", i, big[i]);
	assert_memory_equal(big + 20000, "end", 3);
	free(big);
	file_put(f);
}

/* Several MiB, in chunks that straddle pages, checked byte for byte; then
 * shrunk and grown again, which must show zeros, not the old bytes. */
static void test_big_file_and_truncate(void **state)
{
	(void)state;
	const size_t size = 5 * 1024 * 1024 + 123;
	uint8_t *data = malloc(size), *back = malloc(size);
	for (size_t i = 0; i < size; i++)
		data[i] = (uint8_t)(i * 2654435761u >> 13);
	struct file *f;
	assert_int_equal(vfs_open(NULL, "/big", O_RDWR | O_CREAT, 0644, &f), 0);
	for (size_t done = 0, k = 1; done < size; k = k * 3 % 9973 + 1) {
		size_t n = k < size - done ? k : size - done;
		assert_int_equal(vfs_write(f, data + done, n), (int64_t)n);
		done += n;
	}
	struct kstat st;
	assert_int_equal(vfs_fstat(f, &st), 0);
	assert_int_equal(st.size, (int64_t)size);
	assert_int_equal(st.blocks, (int64_t)((size + 4095) / 4096 * 8));
	struct vfs_usage u;
	vfs_usage(&u);
	assert_int_equal(u.data_pages, (size + 4095) / 4096);
	assert_int_equal(vfs_pread(f, back, size, 0), (int64_t)size);
	assert_memory_equal(back, data, size);

	assert_int_equal(vfs_ftruncate(f, 5000), 0);
	assert_int_equal(vfs_fstat(f, &st), 0);
	assert_int_equal(st.size, 5000);
	assert_int_equal(st.blocks, 16);
	assert_int_equal(vfs_truncate(NULL, "/big", 9000), 0);
	memset(back, 0xee, 9000);
	assert_int_equal(vfs_pread(f, back, 9000, 0), 9000);
	assert_memory_equal(back, data, 5000);
	for (int i = 5000; i < 9000; i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(vfs_ftruncate(f, -1), -EINVAL);
	assert_int_equal(vfs_ftruncate(f, (int64_t)(4ull << 30) + 1), -EFBIG);
	assert_int_equal(vfs_pwrite(f, "x", 1, (int64_t)(4ull << 30)), -EFBIG);
	assert_int_equal(vfs_ftruncate(f, 0), 0);
	vfs_usage(&u);
	assert_int_equal(u.data_pages, 0);
	file_put(f);

	assert_int_equal(vfs_open(NULL, "/big", O_RDONLY, 0, &f), 0);
	assert_int_equal(vfs_ftruncate(f, 0), -EINVAL); /* not open for writing */
	file_put(f);
	assert_int_equal(vfs_mkdir(NULL, "/d", 0755), 0);
	assert_int_equal(vfs_truncate(NULL, "/d", 0), -EISDIR);
	free(data);
	free(back);
}

/* ---- Directories ------------------------------------------------------------------ */

static void test_mkdir_rmdir(void **state)
{
	(void)state;
	assert_int_equal(st_of("/", 0).nlink, 2);
	assert_int_equal(vfs_mkdir(NULL, "/a", 0750), 0);
	assert_int_equal(vfs_mkdir(NULL, "/a", 0750), -EEXIST);
	assert_int_equal(vfs_mkdir(NULL, "/a/", 0750), -EEXIST);
	assert_int_equal(vfs_mkdir(NULL, "/", 0750), -EEXIST);
	assert_int_equal(vfs_mkdir(NULL, "/a/.", 0750), -EEXIST);
	assert_int_equal(vfs_mkdir(NULL, "/x/y", 0750), -ENOENT);
	assert_int_equal(vfs_mkdir(NULL, "/a/b/", 0750), 0); /* a trailing slash is fine */
	assert_int_equal(vfs_mkdir(NULL, "/a/c", 0750), 0);
	struct kstat st = st_of("/a", 0);
	assert_int_equal(st.mode, S_IFDIR | 0750);
	assert_int_equal(st.nlink, 4); /* name, ".", and b's and c's ".." */
	assert_int_equal(st_of("/", 0).nlink, 3);
	assert_int_equal(st_of("/a/b", 0).nlink, 2);
	mkfile("/a/b/f", "");
	assert_int_equal(vfs_rmdir(NULL, "/a/b"), -ENOTEMPTY);
	assert_int_equal(vfs_rmdir(NULL, "/a/b/f"), -ENOTDIR);
	assert_int_equal(vfs_rmdir(NULL, "/a/nope"), -ENOENT);
	assert_int_equal(vfs_rmdir(NULL, "/a/b/."), -EINVAL);
	assert_int_equal(vfs_rmdir(NULL, "/a/b/.."), -ENOTEMPTY);
	assert_int_equal(vfs_rmdir(NULL, "/"), -EBUSY);
	assert_int_equal(vfs_unlink(NULL, "/a/b"), -EISDIR);
	assert_int_equal(vfs_unlink(NULL, "/a/b/f/"), -ENOTDIR);
	assert_int_equal(vfs_unlink(NULL, "/a/b/f"), 0);
	assert_int_equal(vfs_rmdir(NULL, "/a/b/"), 0);
	assert_int_equal(st_of("/a", 0).nlink, 3);
	assert_int_equal(vfs_unlink(NULL, "/a/b"), -ENOENT);
}

/* A removed directory that is still open (a working directory, say): no
 * new names in it, getdents lists nothing, ".." still works. */
static void test_removed_directory(void **state)
{
	(void)state;
	assert_int_equal(vfs_mkdir(NULL, "/p", 0755), 0);
	assert_int_equal(vfs_mkdir(NULL, "/p/d", 0755), 0);
	struct inode *d;
	assert_int_equal(vfs_lookup(NULL, "/p/d", &d), 0);
	assert_int_equal(vfs_rmdir(NULL, "/p/d"), 0);
	assert_int_equal(vfs_rmdir(NULL, "/p"), 0); /* the parent goes too */
	struct file *f;
	assert_int_equal(vfs_open(d, "new", O_CREAT | O_WRONLY, 0644, &f), -ENOENT);
	assert_int_equal(vfs_mkdir(d, "sub", 0755), -ENOENT);
	assert_int_equal(vfs_symlink("x", d, "l"), -ENOENT);
	struct kstat st;
	assert_int_equal(vfs_stat(d, ".", &st, 0), 0);
	assert_int_equal(st.nlink, 0);
	assert_int_equal(vfs_stat(d, "..", &st, 0), 0); /* the removed parent, kept alive */
	assert_int_equal(st.nlink, 0);
	assert_int_equal(vfs_open(d, ".", O_RDONLY, 0, &f), 0);
	struct names l = {.limit = 64};
	assert_int_equal(vfs_getdents(f, collect, &l), 0);
	file_put(f);
	struct vfs_usage u;
	vfs_usage(&u);
	assert_int_equal(u.inodes, 3); /* the root, d and its parent */
	vfs_inode_put(d);
	vfs_usage(&u);
	assert_int_equal(u.inodes, 1);
}

static void test_getdents(void **state)
{
	(void)state;
	assert_int_equal(vfs_mkdir(NULL, "/d", 0755), 0);
	char name[16];
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "/d/f%d", i);
		mkfile(name, "");
	}
	assert_int_equal(vfs_mkdir(NULL, "/d/sub", 0755), 0);
	assert_int_equal(vfs_symlink("f0", NULL, "/d/link"), 0);
	assert_int_equal(vfs_mknod(NULL, "/d/null", S_IFCHR | 0666, 1, 3), 0);
	struct file *f;
	assert_int_equal(vfs_open(NULL, "/d", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	struct names all = {.limit = 64};
	assert_int_equal(vfs_getdents(f, collect, &all), 15);
	assert_int_equal(vfs_getdents(f, collect, &all), 0); /* at the end */
	assert_string_equal(all.name[0], ".");
	assert_string_equal(all.name[1], "..");
	assert_string_equal(all.name[2], "f0");
	assert_string_equal(all.name[11], "f9");
	assert_int_equal(all.type[0], DT_DIR);
	assert_int_equal(all.type[2], DT_REG);
	assert_int_equal(all.type[12], DT_DIR);
	assert_int_equal(all.type[13], DT_LNK);
	assert_int_equal(all.type[14], DT_CHR);
	/* Three at a time, by a full buffer, gives the same list. */
	assert_int_equal(vfs_lseek(f, 0, SEEK_SET), 0);
	struct names part = {.limit = 3};
	size_t seen = 0;
	for (int n; (n = vfs_getdents(f, collect, &part)) > 0; part.n = 0) {
		for (size_t i = 0; i < part.n; i++)
			assert_string_equal(part.name[i], all.name[seen + i]);
		seen += part.n;
	}
	assert_int_equal(seen, 15);
	/* Resume from a saved position (d_off), as telldir/seekdir do. */
	assert_int_equal(vfs_lseek(f, all.next[5], SEEK_SET), all.next[5]);
	part.n = 0;
	part.limit = 1;
	assert_int_equal(vfs_getdents(f, collect, &part), 1);
	assert_string_equal(part.name[0], all.name[6]);
	/* Removing entries while reading skips none of the others (rm -rf). */
	assert_int_equal(vfs_lseek(f, 0, SEEK_SET), 0);
	part.n = 0;
	part.limit = 5;
	assert_int_equal(vfs_getdents(f, collect, &part), 5); /* ., .., f0, f1, f2 */
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "/d/f%d", i);
		assert_int_equal(vfs_unlink(NULL, name), 0);
	}
	mkfile("/d/late", ""); /* added at the end: listed too */
	part.n = 0;
	part.limit = 64;
	assert_int_equal(vfs_getdents(f, collect, &part), 9);
	assert_string_equal(part.name[0], "f5");
	assert_string_equal(part.name[8], "late");
	assert_int_equal(vfs_lseek(f, 0, SEEK_END), -EINVAL);
	file_put(f);
	assert_int_equal(vfs_open(NULL, "/d/f9", O_RDONLY, 0, &f), 0);
	assert_int_equal(vfs_getdents(f, collect, &part), -ENOTDIR);
	file_put(f);
	/* st_size of a directory: 20 bytes an entry, as tmpfs. */
	assert_int_equal(st_of("/d", 0).size, (2 + 9) * 20);
}

/* ---- Links, unlink, rename -------------------------------------------------------- */

static void test_unlink_open_file(void **state)
{
	(void)state;
	mkfile("/f", "still here");
	struct file *f;
	assert_int_equal(vfs_open(NULL, "/f", O_RDWR, 0, &f), 0);
	struct shim_counts with = shim_counts();
	assert_int_equal(vfs_unlink(NULL, "/f"), 0);
	struct kstat st;
	assert_int_equal(vfs_stat(NULL, "/f", &st, 0), -ENOENT);
	assert_int_equal(vfs_fstat(f, &st), 0);
	assert_int_equal(st.nlink, 0);
	char buf[16];
	assert_int_equal(vfs_pread(f, buf, sizeof(buf), 0), 10);
	assert_memory_equal(buf, "still here", 10);
	assert_int_equal(vfs_write(f, "more", 4), 4);
	/* The node and its page are kept while the file is open... */
	assert_int_equal(shim_counts().pages, with.pages);
	struct file *g = file_get(f);
	file_put(f);
	assert_int_equal(shim_counts().pages, with.pages);
	/* ...and go with the last reference. */
	file_put(g);
	assert_int_equal(shim_counts().pages, with.pages - 1);
}

/* vfs_file_page, what execve and mmap map: the file's own page, shared;
 * holes and the end of the file; a page outlives the file's hold on it
 * while a mapping has it, and is freed by the last to let go. */
static void test_file_pages(void **state)
{
	(void)state;
	struct file *f;
	assert_int_equal(vfs_open(NULL, "/p", O_RDWR | O_CREAT, 0644, &f), 0);
	assert_int_equal(vfs_pwrite(f, "page one", 8, 0), 8);
	assert_int_equal(vfs_pwrite(f, "page three", 10, 8192), 10);
	void *page = (void *)1;
	assert_int_equal(vfs_file_page(f, 4096, &page), 0); /* never written: a hole */
	assert_null(page);
	assert_int_equal(vfs_file_page(f, 12288, &page), -ENXIO); /* past the last page */
	assert_int_equal(vfs_file_page(f, 8192, &page), 0);
	assert_non_null(page);
	assert_memory_equal(page, "page three", 10);
	/* A write through the file shows in the shared page (no copy). */
	assert_int_equal(vfs_pwrite(f, "PAGE", 4, 8192), 4);
	assert_memory_equal(page, "PAGE three", 10);
	/* Truncated away: the file lets go, the mapping keeps the page. */
	struct shim_counts before = shim_counts();
	assert_int_equal(vfs_ftruncate(f, 100), 0);
	assert_int_equal(shim_counts().pages, before.pages);
	assert_memory_equal(page, "PAGE three", 10);
	shim_page_unshare(page);
	assert_int_equal(shim_counts().pages, before.pages - 1);
	/* Not a regular file, or not open for reading. */
	struct file *d, *w;
	assert_int_equal(vfs_open(NULL, "/", O_RDONLY, 0, &d), 0);
	assert_int_equal(vfs_file_page(d, 0, &page), -ENODEV);
	assert_int_equal(vfs_open(NULL, "/p", O_WRONLY, 0, &w), 0);
	assert_int_equal(vfs_file_page(w, 0, &page), -EACCES);
	file_put(d);
	file_put(w);
	/* A share taken, then the file deleted and closed: the page lives on
	 * until the mapping lets go. */
	assert_int_equal(vfs_file_page(f, 0, &page), 0);
	assert_non_null(page);
	before = shim_counts();
	file_put(f);
	assert_int_equal(vfs_unlink(NULL, "/p"), 0);
	assert_int_equal(shim_counts().pages, before.pages);
	assert_memory_equal(page, "page one", 8);
	shim_page_unshare(page);
	assert_int_equal(shim_counts().pages, before.pages - 1);
}

static void test_hard_links(void **state)
{
	(void)state;
	mkfile("/a", "shared");
	assert_int_equal(vfs_link(NULL, "/a", NULL, "/b"), 0);
	assert_int_equal(vfs_mkdir(NULL, "/d", 0755), 0);
	assert_int_equal(vfs_link(NULL, "/a", NULL, "/d/c"), 0);
	assert_int_equal(st_of("/a", 0).nlink, 3);
	assert_int_equal(st_of("/d/c", 0).ino, st_of("/a", 0).ino);
	assert_int_equal(vfs_link(NULL, "/a", NULL, "/b"), -EEXIST);
	assert_int_equal(vfs_link(NULL, "/d", NULL, "/e"), -EPERM);
	assert_int_equal(vfs_link(NULL, "/nope", NULL, "/e"), -ENOENT);
	assert_int_equal(vfs_link(NULL, "/a", NULL, "/nope/e"), -ENOENT);
	assert_int_equal(vfs_link(NULL, "/a", NULL, "/e/"), -ENOENT);
	/* link() does not follow a symlink: the new name is another symlink. */
	assert_int_equal(vfs_symlink("a", NULL, "/s"), 0);
	assert_int_equal(vfs_link(NULL, "/s", NULL, "/s2"), 0);
	assert_true(S_ISLNK(st_of("/s2", VFS_NOFOLLOW).mode));
	assert_int_equal(vfs_unlink(NULL, "/a"), 0);
	assert_int_equal(vfs_unlink(NULL, "/b"), 0);
	expect_text("/d/c", "shared");
	assert_int_equal(st_of("/d/c", 0).nlink, 1);
}

static void test_rename(void **state)
{
	(void)state;
	mkfile("/a", "A");
	mkfile("/b", "B");
	assert_int_equal(vfs_mkdir(NULL, "/d", 0755), 0);
	assert_int_equal(vfs_mkdir(NULL, "/e", 0755), 0);
	assert_int_equal(vfs_mkdir(NULL, "/d/sub", 0755), 0);
	mkfile("/d/sub/x", "X");
	struct shim_counts before = shim_counts();
	/* A file over a file: replaced, the old one freed. */
	assert_int_equal(vfs_rename(NULL, "/a", NULL, "/b"), 0);
	expect_text("/b", "A");
	struct kstat st;
	assert_int_equal(vfs_stat(NULL, "/a", &st, 0), -ENOENT);
	assert_int_equal(shim_counts().pages, before.pages - 1);
	/* Type mismatches. */
	assert_int_equal(vfs_rename(NULL, "/b", NULL, "/e"), -EISDIR);
	assert_int_equal(vfs_rename(NULL, "/e", NULL, "/b"), -ENOTDIR);
	assert_int_equal(vfs_rename(NULL, "/e", NULL, "/d"), -ENOTEMPTY);
	assert_int_equal(vfs_rename(NULL, "/d", NULL, "/d/sub/inside"), -EINVAL);
	assert_int_equal(vfs_rename(NULL, "/d", NULL, "/d/sub"), -EINVAL);
	assert_int_equal(vfs_rename(NULL, "/nope", NULL, "/x"), -ENOENT);
	assert_int_equal(vfs_rename(NULL, "/b", NULL, "/nope/x"), -ENOENT);
	assert_int_equal(vfs_rename(NULL, "/b/", NULL, "/c"), -ENOTDIR);
	assert_int_equal(vfs_rename(NULL, "/b", NULL, "/c/"), -ENOTDIR);
	assert_int_equal(vfs_rename(NULL, "/d/.", NULL, "/c"), -EBUSY);
	assert_int_equal(vfs_rename(NULL, "/", NULL, "/c"), -EBUSY);
	/* To itself, or to another name of the same node: nothing happens. */
	assert_int_equal(vfs_rename(NULL, "/b", NULL, "/b"), 0);
	assert_int_equal(vfs_link(NULL, "/b", NULL, "/b2"), 0);
	assert_int_equal(vfs_rename(NULL, "/b", NULL, "/b2"), 0);
	expect_text("/b", "A");
	expect_text("/b2", "A");
	/* A directory over an empty one, across parents: ".." and the link
	 * counts move with it. */
	assert_int_equal(vfs_mkdir(NULL, "/e/empty", 0755), 0);
	assert_int_equal(st_of("/e", 0).nlink, 3);
	assert_int_equal(vfs_rename(NULL, "/d/sub", NULL, "/e/empty"), 0);
	expect_text("/e/empty/x", "X");
	assert_int_equal(st_of("/e/empty/..", 0).ino, st_of("/e", 0).ino);
	assert_int_equal(st_of("/d", 0).nlink, 2);
	assert_int_equal(st_of("/e", 0).nlink, 3);
	/* A directory to a new name in the same parent, and a file across. */
	assert_int_equal(vfs_rename(NULL, "/e/empty", NULL, "/e/full"), 0);
	assert_int_equal(vfs_rename(NULL, "/e/full/x", NULL, "/d/x"), 0);
	expect_text("/d/x", "X");
	/* A symlink is renamed, not its target. */
	assert_int_equal(vfs_symlink("/d/x", NULL, "/s"), 0);
	assert_int_equal(vfs_rename(NULL, "/s", NULL, "/t"), 0);
	assert_true(S_ISLNK(st_of("/t", VFS_NOFOLLOW).mode));
	expect_text("/t", "X");
}

/* ---- Attributes ---------------------------------------------------------------------- */

static void test_stat_and_attributes(void **state)
{
	(void)state;
	shim_time = (struct vfs_time){.sec = 1700000000, .nsec = 5};
	mkfile("/f", "abc");
	struct kstat st = st_of("/f", 0);
	assert_int_equal(st.dev, vfs_makedev(0, 1));
	assert_int_equal(st.uid, 0);
	assert_int_equal(st.mtime.sec, 1700000000);
	assert_int_equal(st.mtime.nsec, 5);
	assert_int_equal(st.ctime.sec, 1700000000);
	assert_int_equal(st.rdev, 0);
	shim_time.sec += 10;
	assert_int_equal(vfs_chmod(NULL, "/f", S_IFDIR | 0600), 0);
	st = st_of("/f", 0);
	assert_int_equal(st.mode, S_IFREG | 0600);
	assert_int_equal(st.ctime.sec, 1700000010);
	assert_int_equal(st.mtime.sec, 1700000000);
	assert_int_equal(vfs_chown(NULL, "/f", 1000, 100, 0), 0);
	assert_int_equal(vfs_chown(NULL, "/f", UINT32_MAX, 5, 0), 0);
	st = st_of("/f", 0);
	assert_int_equal(st.uid, 1000);
	assert_int_equal(st.gid, 5);
	struct vfs_time t = {.sec = 42, .nsec = 7};
	assert_int_equal(vfs_utimes(NULL, "/f", NULL, &t, 0), 0);
	st = st_of("/f", 0);
	assert_int_equal(st.mtime.sec, 42);
	assert_int_equal(st.atime.sec, 1700000000);
	/* lchown and utimes on a symlink itself. */
	assert_int_equal(vfs_symlink("f", NULL, "/l"), 0);
	assert_int_equal(vfs_chown(NULL, "/l", 7, 7, VFS_NOFOLLOW), 0);
	assert_int_equal(st_of("/l", VFS_NOFOLLOW).uid, 7);
	assert_int_equal(st_of("/f", 0).uid, 1000);
	/* A write moves mtime and ctime; the directory's change with names. */
	shim_time.sec += 10;
	struct file *f;
	assert_int_equal(vfs_open(NULL, "/f", O_WRONLY, 0, &f), 0);
	assert_int_equal(vfs_fchmod(f, 0640), 0);
	assert_int_equal(vfs_write(f, "x", 1), 1);
	file_put(f);
	st = st_of("/f", 0);
	assert_int_equal(st.mtime.sec, 1700000020);
	assert_int_equal(st.mode, S_IFREG | 0640);
	assert_int_equal(st_of("/", 0).mtime.sec, 1700000010); /* the symlink's creation */
	shim_time.sec += 10;
	assert_int_equal(vfs_unlink(NULL, "/l"), 0);
	assert_int_equal(st_of("/", 0).mtime.sec, 1700000030);
	assert_int_equal(vfs_chmod(NULL, "/nope", 0), -ENOENT);
	assert_int_equal(vfs_chown(NULL, "/nope", 0, 0, 0), -ENOENT);
}

/* ---- Running out of memory ---------------------------------------------------------- */

static void test_out_of_memory(void **state)
{
	(void)state;
	struct file *f;
	assert_int_equal(vfs_mkdir(NULL, "/d", 0755), 0);
	/* Each allocation of a create failing in turn: an error, nothing made. */
	for (long budget = 0; budget < 3; budget++) {
		shim_kmalloc_budget = budget;
		int err = vfs_open(NULL, "/d/f", O_CREAT | O_WRONLY, 0644, &f);
		shim_kmalloc_budget = -1;
		assert_int_equal(err, -ENOMEM);
		struct kstat st;
		assert_int_equal(vfs_stat(NULL, "/d/f", &st, 0), -ENOENT);
		assert_int_equal(st_of("/d", 0).size, 40);
	}
	for (long budget = 0; budget < 3; budget++) {
		shim_kmalloc_budget = budget;
		int err = vfs_symlink("target", NULL, "/d/l");
		shim_kmalloc_budget = -1;
		assert_int_equal(err, -ENOMEM);
	}
	shim_kmalloc_budget = 1;
	assert_int_equal(vfs_mkdir(NULL, "/d/sub", 0755), -ENOMEM);
	shim_kmalloc_budget = -1;
	assert_int_equal(st_of("/d", 0).nlink, 2);
	/* rename needs one allocation, made before anything changes. */
	mkfile("/d/a", "A");
	mkfile("/d/b", "B");
	shim_kmalloc_budget = 0;
	assert_int_equal(vfs_rename(NULL, "/d/a", NULL, "/d/b"), -ENOMEM);
	assert_int_equal(vfs_link(NULL, "/d/a", NULL, "/d/c"), -ENOMEM);
	shim_kmalloc_budget = -1;
	expect_text("/d/a", "A");
	expect_text("/d/b", "B");
	/* Pages running out: a short write, then ENOSPC. */
	assert_int_equal(vfs_open(NULL, "/d/big", O_CREAT | O_WRONLY, 0644, &f), 0);
	static char chunk[3 * 4096];
	memset(chunk, 'c', sizeof(chunk));
	shim_page_budget = 2;
	assert_int_equal(vfs_write(f, chunk, sizeof(chunk)), 2 * 4096);
	assert_int_equal(vfs_write(f, chunk, sizeof(chunk)), -ENOSPC);
	shim_page_budget = -1;
	assert_int_equal(vfs_write(f, chunk, 10), 10);
	file_put(f);
	assert_int_equal(st_of("/d/big", 0).size, 2 * 4096 + 10);
}

/* ---- The initramfs ---------------------------------------------------------------- */

static void unpack_ok(const struct ar *a, struct initramfs_stats *st)
{
	struct cpio_reader r;
	uint8_t *copy = malloc(a->len);
	memcpy(copy, a->p, a->len);
	int err = initramfs_unpack(copy, a->len, st, &r);
	if (err)
		fail_msg("unpack: %s at %zu", r.message, r.error_offset);
	free(copy);
}

static void entry_ex(struct ar *a, const char *name, uint32_t mode, const char *data,
                     uint32_t uid, uint32_t mtime, uint32_t ino, uint32_t nlink)
{
	uint32_t f[13] = {0};
	f[INO] = ino;
	f[MODE] = mode;
	f[UID] = uid;
	f[NLINK] = nlink;
	f[MTIME] = mtime;
	f[FILESIZE] = data ? (uint32_t)strlen(data) : 0;
	f[NAMESIZE] = (uint32_t)strlen(name) + 1;
	raw(a, "070701", f, name, strlen(name) + 1, data, data ? strlen(data) : 0);
}

static void test_unpack(void **state)
{
	(void)state;
	struct ar a = {0};
	entry_ex(&a, ".", S_IFDIR | 0755, NULL, 0, 0, 1, 2);
	entry_ex(&a, "bin", S_IFDIR | 0755, NULL, 0, 1234, 2, 2);
	entry_ex(&a, "bin/busybox", S_IFREG | 0755, "ELF...", 0, 99, 3, 1);
	entry_ex(&a, "bin/sh", S_IFLNK | 0777, "busybox", 0, 0, 4, 1);
	entry_ex(&a, "./etc", S_IFDIR | 0755, NULL, 0, 0, 5, 2);
	entry_ex(&a, "/etc/passwd", S_IFREG | 0644, "root:x:0:0::/root:/bin/sh\n", 0, 0, 6, 1);
	entry_ex(&a, "etc/shadow", S_IFREG | 0600, "", 0, 0, 7, 1);
	entry_ex(&a, "dev", S_IFDIR | 0755, NULL, 0, 0, 8, 2);
	uint32_t f[13] = {0};
	f[INO] = 9, f[MODE] = S_IFCHR | 0600, f[NLINK] = 1, f[RDEVMAJ] = 5, f[RDEVMIN] = 1;
	f[NAMESIZE] = sizeof("dev/console");
	raw(&a, "070701", f, "dev/console", sizeof("dev/console"), NULL, 0);
	entry_ex(&a, "home", S_IFDIR | 0755, NULL, 1000, 0, 10, 2);
	trailer(&a);
	struct initramfs_stats st;
	unpack_ok(&a, &st);
	assert_int_equal(st.files, 3);
	assert_int_equal(st.dirs, 5);
	assert_int_equal(st.symlinks, 1);
	assert_int_equal(st.nodes, 1);
	assert_int_equal(st.problems, 0);
	assert_int_equal(st.bytes, 6 + 26);
	expect_text("/bin/sh", "ELF...");
	expect_text("/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
	assert_int_equal(st_of("/bin/busybox", 0).mtime.sec, 99);
	assert_int_equal(st_of("/bin", 0).mtime.sec, 1234); /* after its contents */
	assert_int_equal(st_of("/etc/shadow", 0).mode, S_IFREG | 0600);
	assert_int_equal(st_of("/home", 0).uid, 1000);
	assert_int_equal(vfs_major(st_of("/dev/console", 0).rdev), 5);
	free(a.p);
}

/* Later entries replace earlier ones, also across concatenated archives:
 * the rules of Linux's clean_path. */
static void test_unpack_replaces(void **state)
{
	(void)state;
	struct ar a = {0};
	entry_ex(&a, "etc", S_IFDIR | 0755, NULL, 0, 0, 1, 2);
	entry_ex(&a, "etc/motd", S_IFREG | 0644, "first, and longer\n", 0, 0, 2, 1);
	entry_ex(&a, "etc/link", S_IFLNK | 0777, "motd", 0, 0, 3, 1);
	entry_ex(&a, "etc/file", S_IFREG | 0644, "a file\n", 0, 0, 4, 1);
	entry_ex(&a, "etc/emptydir", S_IFDIR | 0755, NULL, 0, 0, 5, 2);
	entry_ex(&a, "etc/fulldir", S_IFDIR | 0755, NULL, 0, 0, 6, 2);
	entry_ex(&a, "etc/fulldir/x", S_IFREG | 0644, "x", 0, 0, 7, 1);
	trailer(&a);
	zeros(&a, 512 - a.len % 512);
	entry_ex(&a, "etc", S_IFDIR | 0700, NULL, 0, 0, 1, 2);  /* kept, new mode */
	entry_ex(&a, "etc/motd", S_IFREG | 0600, "second\n", 0, 0, 2, 1);
	entry_ex(&a, "etc/link", S_IFREG | 0644, "now a file\n", 0, 0, 3, 1);
	entry_ex(&a, "etc/file", S_IFLNK | 0777, "motd", 0, 0, 4, 1);
	entry_ex(&a, "etc/emptydir", S_IFREG | 0644, "was a directory\n", 0, 0, 5, 1);
	entry_ex(&a, "etc/fulldir", S_IFREG | 0644, "cannot replace it\n", 0, 0, 6, 1);
	trailer(&a);
	struct initramfs_stats st;
	shim_output_clear();
	unpack_ok(&a, &st);
	assert_int_equal(st.archives, 2);
	expect_text("/etc/motd", "second\n");
	assert_int_equal(st_of("/etc/motd", 0).mode, S_IFREG | 0600);
	assert_int_equal(st_of("/etc", 0).mode, S_IFDIR | 0700);
	assert_true(S_ISREG(st_of("/etc/link", VFS_NOFOLLOW).mode));
	expect_text("/etc/link", "now a file\n");
	assert_true(S_ISLNK(st_of("/etc/file", VFS_NOFOLLOW).mode));
	expect_text("/etc/file", "second\n");
	expect_text("/etc/emptydir", "was a directory\n");
	/* A directory with contents cannot be removed: the entry is a problem,
	 * reported, and the directory stays. */
	assert_int_equal(st.problems, 1);
	assert_true(S_ISDIR(st_of("/etc/fulldir", 0).mode));
	assert_non_null(strstr(shim_output(), "initramfs: 'etc/fulldir' (offset"));
	assert_non_null(strstr(shim_output(), "Is a directory (EISDIR)"));
	free(a.p);
}

static void test_unpack_hard_links_and_problems(void **state)
{
	(void)state;
	struct ar a = {0};
	/* GNU cpio's way: the data with the last name of the node. */
	entry_ex(&a, "one", S_IFREG | 0644, NULL, 0, 0, 77, 3);
	entry_ex(&a, "two", S_IFREG | 0644, NULL, 0, 0, 77, 3);
	entry_ex(&a, "three", S_IFREG | 0644, "linked data\n", 0, 0, 77, 3);
	entry_ex(&a, "missing/parent", S_IFREG | 0644, "x", 0, 0, 78, 1);
	trailer(&a);
	/* In another archive the same inode number is another file. */
	entry_ex(&a, "four", S_IFREG | 0644, "not linked\n", 0, 0, 77, 2);
	trailer(&a);
	struct initramfs_stats st;
	shim_output_clear();
	unpack_ok(&a, &st);
	expect_text("/one", "linked data\n");
	assert_int_equal(st_of("/one", 0).ino, st_of("/three", 0).ino);
	assert_int_equal(st_of("/two", 0).nlink, 3);
	expect_text("/four", "not linked\n");
	assert_int_equal(st_of("/four", 0).nlink, 1);
	assert_int_equal(st.problems, 1);
	assert_non_null(strstr(shim_output(), "'missing/parent'"));
	assert_non_null(strstr(shim_output(), "No such file or directory (ENOENT)"));
	free(a.p);
}

/* A malformed archive anywhere: nothing at all is unpacked. */
static void test_unpack_malformed(void **state)
{
	(void)state;
	struct ar a = {0};
	entry_ex(&a, "etc", S_IFDIR | 0755, NULL, 0, 0, 1, 2);
	entry_ex(&a, "etc/motd", S_IFREG | 0644, "hello\n", 0, 0, 2, 1);
	trailer(&a);
	size_t second = a.len;
	entry_ex(&a, "bad", S_IFREG | 0644, "x", 0, 0, 3, 1);
	trailer(&a);
	a.p[second + 2] = 'X'; /* the second archive's magic */
	struct initramfs_stats st;
	struct cpio_reader r;
	assert_int_equal(initramfs_unpack(a.p, a.len, &st, &r), CPIO_ERR_MAGIC);
	assert_int_equal(r.error_offset, second);
	struct kstat s;
	assert_int_equal(vfs_stat(NULL, "/etc", &s, 0), -ENOENT);
	/* A big file through the unpacking, as busybox is. */
	free(a.p);
	a = (struct ar){0};
	char *big = malloc(3 << 20);
	memset(big, 'b', (3 << 20) - 1);
	big[(3 << 20) - 1] = 0;
	entry_ex(&a, "big", S_IFREG | 0755, big, 0, 0, 1, 1);
	trailer(&a);
	unpack_ok(&a, &st);
	assert_int_equal(st_of("/big", 0).size, (3 << 20) - 1);
	free(big);
	free(a.p);
}

/* ---- Synthetic nodes and a mount (synth.c) ------------------------------------ */

/* The "world" a synthetic directory mirrors, as /proc mirrors processes. */
static uint64_t world[8];
static size_t world_n;
static bool shrink_on_refresh; /* each refresh drops world[0] first */

static bool in_world(uint64_t v)
{
	for (size_t i = 0; i < world_n; i++)
		if (world[i] == v)
			return true;
	return false;
}

static void world_set(const uint64_t *v, size_t n)
{
	memmove(world, v, n * sizeof(*v));
	world_n = n;
}

static int64_t show_item(uint64_t arg, char *buf, size_t size)
{
	if (!in_world(arg))
		return -ENOENT;
	return snprintf(buf, size, "item %llu\n", (unsigned long long)arg);
}

/* Bigger than the first buffer: made twice. */
static int64_t show_big(uint64_t arg, char *buf, size_t size)
{
	(void)arg;
	if (size > 10000) {
		memset(buf, 'z', 10000);
		buf[10000] = 0;
	}
	return 10000;
}

static int first_target(uint64_t arg, char *buf, size_t size)
{
	(void)arg;
	return world_n ? snprintf(buf, size, "%llu", (unsigned long long)world[0]) : -ENOENT;
}

static const struct synth_ops item_file_ops = {.show = show_item};
static const struct synth_entry item_files[] = {{"f", S_IFREG | 0444, &item_file_ops}};
static const struct synth_ops item_ops = {0};

static void make_item(struct inode *dir, uint64_t arg)
{
	char name[16];
	snprintf(name, sizeof(name), "%llu", (unsigned long long)arg);
	assert_int_equal(synth_add(dir, name, S_IFDIR | 0555, &item_ops, arg, item_files, 1), 0);
}

static void refresh_items(struct inode *dir, uint64_t arg)
{
	(void)arg;
	if (shrink_on_refresh && world_n)
		world_set(world + 1, world_n - 1);
	synth_sync(dir, &item_ops, world, world_n, make_item);
}

static const struct synth_ops big_ops = {.show = show_big};
static const struct synth_ops first_ops = {.target = first_target};
static const struct synth_ops root_ops = {.refresh = refresh_items};
static const struct synth_entry root_files[] = {
	{"big", S_IFREG | 0444, &big_ops},
	{"first", S_IFLNK | 0777, &first_ops},
};

static size_t list(const char *path, struct names *l)
{
	struct file *f;
	assert_int_equal(vfs_open(NULL, path, O_RDONLY | O_DIRECTORY, 0, &f), 0);
	l->n = 0;
	l->limit = 64;
	assert_true(vfs_getdents(f, collect, l) >= 0);
	file_put(f);
	return l->n;
}

/*
 * A synthetic tree mounted on /m, mirroring a set of numbers: entries come
 * and go with the set, contents are made at open and stay with the open
 * file, nothing can be changed, and every node a refresh removes is freed
 * (after the lookup that removed it, which may still hold it: the rename
 * below walks through a directory its second lookup removes, which
 * AddressSanitizer would catch if it were freed at once). It runs last:
 * the mount stays, so the tree is not empty afterwards.
 */
static void test_synthetic_mount(void **state)
{
	(void)state;
	struct inode *root;
	assert_int_equal(vfs_mkdir(NULL, "/m", 0555), 0);
	assert_int_equal(synth_new_root(&root_ops, 0, root_files, 2, &root), 0);
	assert_int_equal(vfs_mount(NULL, "/m/", root), 0);
	assert_int_equal(vfs_mount(NULL, "/m", root), -EBUSY);
	assert_int_equal(vfs_mount(NULL, "/", root), -EBUSY);
	/* A synthetic link keeps the room for its target from its first use. */
	char target[16] = {0};
	assert_int_equal(vfs_readlink(NULL, "/m/first", target, sizeof(target)), -ENOENT);
	struct shim_counts mounted = shim_counts();

	static const uint64_t three[] = {1, 2, 3};
	world_set(three, 3);
	struct names *l = calloc(1, sizeof(*l));
	assert_int_equal(list("/m", l), 7); /* . .. big first 1 2 3 */
	assert_string_equal(l->name[4], "1");
	assert_string_equal(l->name[6], "3");
	expect_text("/m/2/f", "item 2\n");
	expect_text("/m/first/f", "item 1\n");
	char *big = slurp("/m/big");
	assert_int_equal(strlen(big), 10000);
	free(big);
	assert_int_equal(vfs_readlink(NULL, "/m/first", target, sizeof(target)), 1);
	assert_string_equal(target, "1");

	/* A file system of its own, whose ".." is the mount point's parent. */
	assert_int_equal(st_of("/m/2/f", 0).dev, VFS_SYNTH_DEV);
	assert_int_equal(st_of("/m", 0).dev, VFS_SYNTH_DEV);
	assert_int_equal(st_of("/m/..", 0).ino, st_of("/", 0).ino);
	assert_int_equal(st_of("/m/2/../../m/1", 0).ino, st_of("/m/1", 0).ino);
	struct inode *two;
	assert_int_equal(vfs_lookup(NULL, "/m/2", &two), 0);
	char cwd[64];
	assert_int_equal(vfs_getcwd(two, cwd, sizeof(cwd)), 5);
	assert_string_equal(cwd, "/m/2");
	vfs_inode_put(two);

	/* Read-only. */
	struct file *f;
	assert_int_equal(vfs_open(NULL, "/m/1/f", O_WRONLY, 0, &f), -EACCES);
	assert_int_equal(vfs_open(NULL, "/m/new", O_WRONLY | O_CREAT, 0644, &f), -EACCES);
	assert_int_equal(vfs_mkdir(NULL, "/m/d", 0755), -EACCES);
	assert_int_equal(vfs_unlink(NULL, "/m/1/f"), -EACCES);
	assert_int_equal(vfs_rmdir(NULL, "/m/1"), -EACCES);
	assert_int_equal(vfs_rmdir(NULL, "/m"), -EBUSY);
	assert_int_equal(vfs_rename(NULL, "/m", NULL, "/n"), -EBUSY);
	assert_int_equal(vfs_rename(NULL, "/m/1/f", NULL, "/g"), -EXDEV);
	assert_int_equal(vfs_link(NULL, "/m/1/f", NULL, "/g"), -EXDEV);
	assert_int_equal(vfs_chmod(NULL, "/m/1/f", 0777), -EPERM);
	assert_int_equal(vfs_truncate(NULL, "/m/1/f", 0), -EACCES);

	/* A file opened before its item goes keeps its snapshot; the item's
	 * directory, held open, lives on empty. */
	struct file *f3, *d2;
	assert_int_equal(vfs_open(NULL, "/m/3/f", O_RDONLY, 0, &f3), 0);
	assert_int_equal(vfs_open(NULL, "/m/2", O_RDONLY | O_DIRECTORY, 0, &d2), 0);
	static const uint64_t one[] = {1};
	world_set(one, 1);
	struct kstat st;
	assert_int_equal(vfs_stat(NULL, "/m/3", &st, 0), -ENOENT);
	char buf[32] = {0};
	assert_int_equal(vfs_read(f3, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "item 3\n");
	assert_int_equal(vfs_lseek(f3, 0, SEEK_END), 7);
	assert_int_equal(vfs_pread(f3, buf, 4, 5), 2);
	file_put(f3);
	assert_int_equal(vfs_open(d2->inode, "f", O_RDONLY, 0, &f), -ENOENT);
	l->n = 0;
	assert_int_equal(vfs_getdents(d2, collect, l), 0);
	file_put(d2);
	assert_int_equal(list("/m", l), 5);

	/* An item that goes after its directory was found: show's -ENOENT
	 * fails the open. Then /m/first leads nowhere. */
	struct file *d1;
	assert_int_equal(vfs_open(NULL, "/m/1", O_RDONLY | O_DIRECTORY, 0, &d1), 0);
	world_n = 0;
	assert_int_equal(vfs_open(d1->inode, "f", O_RDONLY, 0, &f), -ENOENT);
	file_put(d1);
	assert_int_equal(vfs_open(NULL, "/m/first", O_RDONLY, 0, &f), -ENOENT);

	/* The second lookup of a rename removes what the first one found. */
	world_set(three, 3);
	shrink_on_refresh = true;
	assert_int_equal(vfs_rename(NULL, "/m/2/f", NULL, "/m/3/g"), -EXDEV);
	shrink_on_refresh = false;
	assert_int_equal(world_n, 1);

	/* Everything made since the mount is gone with the world. */
	world_n = 0;
	assert_int_equal(list("/m", l), 4);
	free(l);
	struct shim_counts c = shim_counts();
	assert_int_equal(c.allocs, mounted.allocs);
	assert_int_equal(c.bytes, mounted.bytes);
	assert_int_equal(c.pages, mounted.pages);
}

int main(void)
{
	if (vfs_init(&shim_platform) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_loops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_write_seek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_file_and_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_rmdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getdents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink_open_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hard_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stat_and_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpack_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpack_hard_links_and_problems, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpack_malformed, setup, teardown),
		cmocka_unit_test_setup(test_synthetic_mount, setup), /* last: the mount stays */
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
