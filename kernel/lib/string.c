/*
 * Simple implementations of the routines in string.h, favouring being
 * obviously correct over speed, with one exception each for memcpy and
 * memset: they move eight bytes per step, since the kernel copies whole
 * pages (copy-on-write) and signal frames, and a byte loop costs four
 * instructions a byte. x86-64 allows unaligned 8-byte loads and stores, so
 * no alignment dance is needed for memcpy; the u64_bytes type tells the
 * compiler so (aligned(1)) and that it may alias anything (may_alias).
 *
 * The kernel is compiled with -fno-builtin, which is what stops clang from
 * recognising the loops below as memcpy/memset idioms and compiling them into
 * calls to themselves (the build's objdump check guards this). Each function
 * is self-contained so it can also be compiled for the host under other names
 * (tests/host/test_string.c).
 */
#include "lib/string.h"

#include <stdint.h>

typedef uint64_t __attribute__((may_alias, aligned(1))) u64_bytes;

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    size_t i = 0;

    for (; i + 8 <= n; i += 8)
        *(u64_bytes *)(d + i) = *(const u64_bytes *)(s + i);
    for (; i < n; i++)
        d[i] = s[i];
    return dst;
}

/*
 * Copies forwards when the destination starts below the source and
 * backwards otherwise, so each source byte is read before the copy can
 * overwrite it. Comparing the addresses as integers is well defined even
 * when the two pointers point into different objects.
 */
void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if ((uintptr_t)d < (uintptr_t)s) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else if ((uintptr_t)d > (uintptr_t)s) {
        for (size_t i = n; i > 0; i--)
            d[i - 1] = s[i - 1];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    size_t i = 0;

    /* Eight bytes per store once aligned, eight stores per loop step:
     * zeroing a page-table page is 512 stores and 64 trips round the
     * loop, not 4096 byte stores (it counts in the boot-time budget, and
     * the loop's own add, compare and branch would otherwise cost more
     * than the stores). */
    if (n >= 16) {
        uint64_t w = (unsigned char)c * 0x0101010101010101ull;
        for (; ((uintptr_t)(d + i) & 7) != 0; i++)
            d[i] = (unsigned char)c;
        for (; i + 64 <= n; i += 64) {
            uint64_t *q = (uint64_t *)(void *)(d + i);
            q[0] = w, q[1] = w, q[2] = w, q[3] = w;
            q[4] = w, q[5] = w, q[6] = w, q[7] = w;
        }
        for (; i + 8 <= n; i += 8)
            *(uint64_t *)(void *)(d + i) = w;
    }
    for (; i < n; i++)
        d[i] = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a;
    const unsigned char *y = b;

    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

/* Never reads s[max] or beyond: s need not be terminated within max bytes. */
size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n] != '\0')
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a;
    const unsigned char *y = (const unsigned char *)b;

    while (*x != '\0' && *x == *y) {
        x++;
        y++;
    }
    return *x < *y ? -1 : *x > *y;
}

int strncmp(const char *a, const char *b, size_t n)
{
    const unsigned char *x = (const unsigned char *)a;
    const unsigned char *y = (const unsigned char *)b;

    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
        if (x[i] == '\0')
            return 0;
    }
    return 0;
}

/* The terminator is part of the string: strchr(s, 0) finds it (C11 7.24.5.2). */
char *strchr(const char *s, int c)
{
    const char ch = (char)c;

    for (;; s++) {
        if (*s == ch)
            return (char *)s;
        if (*s == '\0')
            return NULL;
    }
}

void strncpy_safe(char *dst, const char *src, size_t size)
{
    size_t i = 0;
    for (; i + 1 < size && src[i]; i++)
        dst[i] = src[i];
    dst[i] = 0;
}
