/*
 * The C string and memory routines the kernel needs, with the standard
 * signatures. They must exist even if no kernel code called them: clang emits
 * calls to memcpy, memmove and memset for struct copies and initialisers, and
 * memcmp for some comparisons, even in freestanding code.
 *
 * Comparisons order bytes as unsigned char, as C requires (C11 7.24.4p1).
 * Include as "lib/string.h"; the kernel has no <string.h> of its own.
 */
#pragma once

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/* Copy at most size - 1 bytes of src and always NUL-terminate (size > 0). */
void strncpy_safe(char *dst, const char *src, size_t size);
