/*
 * The host side of kernel/fs/ (fs_shim.h). Every kmalloc'd block carries a
 * 16-byte header with its size, so the counts are exact; AddressSanitizer
 * still sees each block as its own allocation.
 */
#include "tests/host/fs_shim.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/kprintf.h"
#include "core/panic.h"
#include "mm/heap.h"
#include "sched/wait.h"

struct vfs_time shim_time = {.sec = 1000000000};
long shim_kmalloc_budget = -1, shim_page_budget = -1;
static struct shim_counts counts;
static char output[1 << 16];
static size_t output_len;

struct shim_counts shim_counts(void) { return counts; }

#define HDR 16

void *kmalloc(size_t size)
{
	if (shim_kmalloc_budget == 0)
		return NULL;
	if (shim_kmalloc_budget > 0)
		shim_kmalloc_budget--;
	unsigned char *p = malloc(HDR + size);
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof(size));
	memset(p + HDR, 0xa5, size); /* no reliance on zeroed memory */
	counts.allocs++;
	counts.bytes += (long long)size;
	return p + HDR;
}

void kfree(void *ptr)
{
	if (!ptr)
		return;
	unsigned char *p = (unsigned char *)ptr - HDR;
	size_t size;
	memcpy(&size, p, sizeof(size));
	counts.allocs--;
	counts.bytes -= (long long)size;
	free(p);
}

void *kcalloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = kmalloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *krealloc(void *ptr, size_t size)
{
	if (!ptr)
		return kmalloc(size);
	size_t old;
	memcpy(&old, (unsigned char *)ptr - HDR, sizeof(old));
	void *q = kmalloc(size ? size : 1);
	if (!q)
		return NULL;
	memcpy(q, ptr, old < size ? old : size);
	kfree(ptr);
	return q;
}

static void *page_alloc(void)
{
	if (shim_page_budget == 0)
		return NULL;
	if (shim_page_budget > 0)
		shim_page_budget--;
	void *p = aligned_alloc(4096, 4096);
	if (p) {
		memset(p, 0x5a, 4096); /* pages need not be zeroed */
		counts.pages++;
	}
	return p;
}

/* Mappings of file pages (vfs_file_page), as the kernel's pageref counts
 * them: a page is freed by whichever of the file and its sharers lets go
 * last. A short table is enough for the tests. */
static struct {
	void *page;
	int shares;
} shared[16];

static int *shares_of(void *p, bool add)
{
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if (shared[i].page == p && shared[i].shares)
			return &shared[i].shares;
	if (!add)
		return NULL;
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if (!shared[i].shares) {
			shared[i].page = p;
			return &shared[i].shares;
		}
	return NULL;
}

static bool page_share(void *p)
{
	int *n = shares_of(p, true);
	if (!n)
		return false;
	++*n;
	return true;
}

static void page_free(void *p)
{
	assert_non_null(p);
	int *n = shares_of(p, false);
	if (n) { /* a mapping still has it */
		--*n;
		return;
	}
	counts.pages--;
	free(p);
}

void shim_page_unshare(void *p) { page_free(p); }

static void now(struct vfs_time *t) { *t = shim_time; }

const struct vfs_platform shim_platform = {page_alloc, page_free, now, page_share};

int kvprintf(const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(output + output_len, sizeof(output) - output_len, fmt, ap);
	if (n > 0)
		output_len += (size_t)n < sizeof(output) - output_len ? (size_t)n
		                                                      : sizeof(output) - 1 - output_len;
	vprintf(fmt, copy);
	va_end(copy);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

const char *shim_output(void) { return output; }

void shim_output_clear(void)
{
	output_len = 0;
	output[0] = 0;
}

void panic(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("panic: %s", msg);
	abort();
}

void fake_mutex_error(const struct mutex *m, const char *what)
{
	fail_msg("mutex %s %s", m->name, what);
}
