/*
 * Building cpio "newc" archives byte by byte in host tests (test_cpio.c,
 * test_vfs.c): the format as docs/initramfs.md draws it, with every field
 * and size settable, so a test can also write malformed ones. Include after
 * <cmocka.h>.
 */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cpio.h"

struct ar {
	uint8_t *p;
	size_t len, cap;
	uint32_t ino;
};

static inline void put(struct ar *a, const void *d, size_t n)
{
	if (n == 0)
		return;
	if (a->len + n > a->cap) {
		a->cap = (a->len + n) * 2 + 64;
		a->p = realloc(a->p, a->cap);
		assert_non_null(a->p);
	}
	memcpy(a->p + a->len, d, n);
	a->len += n;
}

static inline void zeros(struct ar *a, size_t n)
{
	static const uint8_t z[512];
	while (n) {
		size_t k = n < sizeof(z) ? n : sizeof(z);
		put(a, z, k);
		n -= k;
	}
}

static inline void pad4(struct ar *a) { zeros(a, (4 - a->len % 4) % 4); }

enum { INO, MODE, UID, GID, NLINK, MTIME, FILESIZE, DEVMAJ, DEVMIN, RDEVMAJ, RDEVMIN, NAMESIZE,
       CHECK };

/* One header with the given magic and fields, the name (namesize bytes as
 * given, padded) and the data (padded). */
static inline void raw(struct ar *a, const char *magic, const uint32_t f[13], const void *name,
                size_t namesize, const void *data, size_t size)
{
	char h[CPIO_HEADER_SIZE + 1];
	int n = snprintf(h, sizeof(h), "%.6s", magic);
	for (int i = 0; i < 13; i++)
		n += snprintf(h + n, sizeof(h) - (size_t)n, "%08X", f[i]);
	assert_int_equal(n, CPIO_HEADER_SIZE);
	put(a, h, CPIO_HEADER_SIZE);
	put(a, name, namesize);
	pad4(a);
	put(a, data, size);
	pad4(a);
}

static inline void fields(struct ar *a, uint32_t f[13], const char *name, uint32_t mode, size_t size)
{
	memset(f, 0, 13 * sizeof(f[0]));
	f[INO] = ++a->ino;
	f[MODE] = mode;
	f[NLINK] = (mode & CPIO_S_IFMT) == CPIO_S_IFDIR ? 2 : 1;
	f[FILESIZE] = (uint32_t)size;
	f[NAMESIZE] = (uint32_t)strlen(name) + 1;
}

static inline void entry(struct ar *a, const char *name, uint32_t mode, const void *data, size_t size)
{
	uint32_t f[13];
	fields(a, f, name, mode, size);
	raw(a, "070701", f, name, strlen(name) + 1, data, size);
}

static inline void file(struct ar *a, const char *name, const char *text)
{
	entry(a, name, CPIO_S_IFREG | 0644, text, strlen(text));
}

static inline void trailer(struct ar *a)
{
	uint32_t f[13] = {0};
	f[NLINK] = 1;
	f[NAMESIZE] = sizeof(CPIO_TRAILER);
	raw(a, "070701", f, CPIO_TRAILER, sizeof(CPIO_TRAILER), NULL, 0);
}

