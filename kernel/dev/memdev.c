/*
 * The memory character devices of Linux's major 1 (Documentation/admin-guide/
 * devices.txt): /dev/null (1,3) swallows writes and reads as empty,
 * /dev/zero (1,5) reads as zeros, /dev/full (1,7) reads as zeros and
 * refuses writes with ENOSPC, /dev/random (1,8) and /dev/urandom (1,9)
 * read as random bytes (core/random.c: RDRAND where the CPU has it).
 */
#include "dev/memdev.h"

#include "core/kprintf.h"
#include "core/random.h"
#include "fs/vfs.h"
#include "lib/string.h"

static int64_t null_read(struct file *f, void *buf, size_t n)
{
	(void)f, (void)buf, (void)n;
	return 0;
}

static int64_t null_write(struct file *f, const void *buf, size_t n)
{
	(void)f, (void)buf;
	return (int64_t)n;
}

static int64_t zero_read(struct file *f, void *buf, size_t n)
{
	(void)f;
	memset(buf, 0, n);
	return (int64_t)n;
}

static int64_t full_write(struct file *f, const void *buf, size_t n)
{
	(void)f, (void)buf, (void)n;
	return -ENOSPC;
}

static int64_t random_read(struct file *f, void *buf, size_t n)
{
	(void)f;
	random_bytes(buf, n);
	return (int64_t)n;
}

static const struct file_ops null_ops = {.read = null_read, .write = null_write};
static const struct file_ops zero_ops = {.read = zero_read, .write = null_write};
static const struct file_ops full_ops = {.read = zero_read, .write = full_write};
static const struct file_ops random_ops = {.read = random_read, .write = null_write};

void memdev_init(void)
{
	static const struct {
		uint32_t minor;
		const struct file_ops *ops;
	} devs[] = {{3, &null_ops}, {5, &zero_ops}, {7, &full_ops}, {8, &random_ops}, {9, &random_ops}};
	for (unsigned i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		int r = vfs_register_chrdev(1, devs[i].minor, devs[i].ops);
		if (r)
			kprintf("memdev: cannot register 1,%u: error %d\n", devs[i].minor, r);
	}
}
