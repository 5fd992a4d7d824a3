/*
 * Host tests for kernel/lib/string.c. The host C library already defines
 * memcpy and friends, so the kernel's versions are compiled into this file
 * under k-prefixed names and compared with the host ones, which serve as the
 * oracle. Buffers are surrounded by guard bytes or allocated to the exact
 * size, so AddressSanitizer catches any access outside them.
 */
#include <stddef.h>
#include <stdint.h>

#define memcpy  kmemcpy
#define memmove kmemmove
#define memset  kmemset
#define memcmp  kmemcmp
#define strlen  kstrlen
#define strnlen kstrnlen
#define strcmp  kstrcmp
#define strncmp kstrncmp
#define strchr  kstrchr
#include "lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define AREA  256 /* test buffer, guards included */
#define GUARD 32  /* bytes either side of the region a test may write */

/* xorshift64*: fixed seed, so a failure reproduces. */
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static void fill_random(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)rnd();
}

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

/* memcpy for every length up to 64 at every alignment of source and destination. */
static void test_memcpy(void **state)
{
    unsigned char src[AREA], dst[AREA], want[AREA];

    (void)state;
    for (size_t so = 0; so < 8; so++)
        for (size_t d = 0; d < 8; d++)
            for (size_t n = 0; n <= 64; n++) {
                fill_random(src, sizeof(src));
                fill_random(dst, sizeof(dst));
                memcpy(want, dst, sizeof(want));
                memcpy(want + GUARD + d, src + GUARD + so, n);
                assert_ptr_equal(kmemcpy(dst + GUARD + d, src + GUARD + so, n), dst + GUARD + d);
                assert_memory_equal(dst, want, sizeof(dst));
            }
}

/*
 * memmove over every overlap: source and destination at offsets 0..24 of the
 * same buffer with lengths 0..40, so the destination lies before, on, and
 * after the source, overlapping by every amount.
 */
static void test_memmove(void **state)
{
    unsigned char buf[AREA], want[AREA], tmp[AREA];

    (void)state;
    for (size_t so = 0; so <= 24; so++)
        for (size_t d = 0; d <= 24; d++)
            for (size_t n = 0; n <= 40; n++) {
                fill_random(buf, sizeof(buf));
                memcpy(want, buf, sizeof(want));
                memcpy(tmp, buf + GUARD + so, n);
                memcpy(want + GUARD + d, tmp, n);
                assert_ptr_equal(kmemmove(buf + GUARD + d, buf + GUARD + so, n), buf + GUARD + d);
                assert_memory_equal(buf, want, sizeof(buf));
            }
}

static void test_memmove_disjoint(void **state)
{
    unsigned char a[64], b[64], want[64];

    (void)state;
    fill_random(a, sizeof(a));
    fill_random(b, sizeof(b));
    memcpy(want, a, sizeof(want));
    kmemmove(b, a, sizeof(a));
    assert_memory_equal(b, want, sizeof(b));
    kmemmove(a, b, 0);
    assert_memory_equal(a, want, sizeof(a));
}

static void test_memset(void **state)
{
    static const int values[] = { 0, 1, 0x7f, 0x80, 0xff, -1, 0x1ab, INT32_MIN };
    unsigned char buf[AREA], want[AREA];

    (void)state;
    for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
        for (size_t off = 0; off < 8; off++)
            for (size_t n = 0; n <= 100; n++) {
                fill_random(buf, sizeof(buf));
                memcpy(want, buf, sizeof(want));
                memset(want + GUARD + off, values[v], n);
                assert_ptr_equal(kmemset(buf + GUARD + off, values[v], n), buf + GUARD + off);
                assert_memory_equal(buf, want, sizeof(buf));
            }
}

/* memcmp orders bytes as unsigned char: 0x80 is greater than 0x01. */
static void test_memcmp(void **state)
{
    static const unsigned char lo[] = { 0x01, 0x02, 0x03 };
    static const unsigned char hi[] = { 0x01, 0x02, 0x83 };
    unsigned char a[64], b[64];

    (void)state;
    assert_int_equal(kmemcmp(lo, hi, 0), 0);
    assert_int_equal(kmemcmp(lo, hi, 2), 0);
    assert_true(kmemcmp(lo, hi, 3) < 0);
    assert_true(kmemcmp(hi, lo, 3) > 0);
    assert_int_equal(kmemcmp(lo, lo, 3), 0);
    assert_true(kmemcmp("\x80", "\x7f", 1) > 0);
    assert_true(kmemcmp("\xff", "\x00", 1) > 0);
    assert_true(kmemcmp("a\0b", "a\0c", 3) < 0); /* NUL is just a byte here */

    for (int i = 0; i < 20000; i++) {
        size_t n = (size_t)(rnd() % 64);
        fill_random(a, sizeof(a));
        memcpy(b, a, sizeof(b));
        if (n > 0 && rnd() % 4 != 0)
            b[rnd() % n] = (unsigned char)rnd();
        assert_int_equal(sign(kmemcmp(a, b, n)), sign(memcmp(a, b, n)));
    }
}

/* Copies s into a heap block of exactly n bytes, so ASan flags any read beyond. */
static char *exact(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);

    assert_non_null(p);
    memcpy(p, s, n);
    return p;
}

static void test_strlen(void **state)
{
    char *s;

    (void)state;
    assert_int_equal(kstrlen(""), 0);
    assert_int_equal(kstrlen("a"), 1);
    assert_int_equal(kstrlen("kestrel"), 7);
    assert_int_equal(kstrlen("ab\0cd"), 2);
    assert_int_equal(kstrlen("\xff\x80"), 2);
    s = exact("exactly sized", 14);
    assert_int_equal(kstrlen(s), 13);
    free(s);
}

static void test_strnlen(void **state)
{
    char *s = exact("abcd", 4); /* no terminator */

    (void)state;
    assert_int_equal(kstrnlen(s, 0), 0);
    assert_int_equal(kstrnlen(s, 1), 1);
    assert_int_equal(kstrnlen(s, 4), 4); /* must not read s[4] */
    free(s);
    assert_int_equal(kstrnlen("", 10), 0);
    assert_int_equal(kstrnlen("abc", 10), 3);
    assert_int_equal(kstrnlen("abc", 3), 3);
    assert_int_equal(kstrnlen("abc", SIZE_MAX), 3);
    assert_int_equal(kstrnlen("ab\0cd", 5), 2);
}

static void test_strcmp(void **state)
{
    char a[40], b[40];

    (void)state;
    assert_int_equal(kstrcmp("", ""), 0);
    assert_int_equal(kstrcmp("abc", "abc"), 0);
    assert_true(kstrcmp("abc", "abd") < 0);
    assert_true(kstrcmp("abd", "abc") > 0);
    assert_true(kstrcmp("abc", "abcd") < 0); /* a prefix sorts first */
    assert_true(kstrcmp("abcd", "abc") > 0);
    assert_true(kstrcmp("", "a") < 0);
    assert_true(kstrcmp("\x80", "a") > 0);   /* unsigned: 0x80 > 'a' */
    assert_true(kstrcmp("a", "\xff") < 0);
    assert_int_equal(kstrcmp("ab\0x", "ab\0y"), 0);

    /* Random strings over a small alphabet, so equal prefixes are common. */
    for (int i = 0; i < 20000; i++) {
        size_t la = (size_t)(rnd() % 8), lb = (size_t)(rnd() % 8);
        for (size_t j = 0; j < la; j++)
            a[j] = "ab\x7f\x80\xff"[rnd() % 5];
        for (size_t j = 0; j < lb; j++)
            b[j] = "ab\x7f\x80\xff"[rnd() % 5];
        a[la] = b[lb] = '\0';
        assert_int_equal(sign(kstrcmp(a, b)), sign(strcmp(a, b)));
    }
}

static void test_strncmp(void **state)
{
    char *x = exact("abc", 3), *y = exact("abd", 3); /* no terminators */
    char a[40], b[40];

    (void)state;
    assert_int_equal(kstrncmp("abc", "xyz", 0), 0);
    assert_int_equal(kstrncmp("abc", "abd", 2), 0);
    assert_true(kstrncmp("abc", "abd", 3) < 0);
    assert_int_equal(kstrncmp("abc\0x", "abc\0y", 5), 0); /* stops at the NUL */
    assert_true(kstrncmp("abc", "abcd", 4) < 0);
    assert_int_equal(kstrncmp("abc", "abcd", 3), 0);
    assert_true(kstrncmp("\x80", "\x7f", 1) > 0);
    assert_int_equal(kstrncmp(x, x, 3), 0); /* must not read past n */
    assert_true(kstrncmp(x, y, 3) < 0);
    free(x);
    free(y);

    for (int i = 0; i < 20000; i++) {
        size_t la = (size_t)(rnd() % 8), lb = (size_t)(rnd() % 8), n = (size_t)(rnd() % 10);
        for (size_t j = 0; j < la; j++)
            a[j] = "ab\x80\xff"[rnd() % 4];
        for (size_t j = 0; j < lb; j++)
            b[j] = "ab\x80\xff"[rnd() % 4];
        a[la] = b[lb] = '\0';
        assert_int_equal(sign(kstrncmp(a, b, n)), sign(strncmp(a, b, n)));
    }
}

static void test_strchr(void **state)
{
    static const char s[] = "kestrel\xff kernel";

    (void)state;
    assert_ptr_equal(kstrchr(s, 'k'), s);
    assert_ptr_equal(kstrchr(s, 'e'), s + 1);      /* the first one */
    assert_ptr_equal(kstrchr(s, 'l'), s + 6);
    assert_ptr_equal(kstrchr(s, 'z'), NULL);
    assert_ptr_equal(kstrchr(s, '\0'), s + strlen(s)); /* the terminator counts */
    assert_ptr_equal(kstrchr(s, 0xff), s + 7);     /* int 255 is the char '\xff' */
    assert_ptr_equal(kstrchr(s, '\xff'), s + 7);   /* and so is (char)-1 */
    assert_ptr_equal(kstrchr(s, 'r' + 256), s + 4); /* converted to char */
    assert_ptr_equal(kstrchr("", 'a'), NULL);
    assert_ptr_equal(kstrchr(s + sizeof(s) - 1, '\0'), s + sizeof(s) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memcpy),
        cmocka_unit_test(test_memmove),
        cmocka_unit_test(test_memmove_disjoint),
        cmocka_unit_test(test_memset),
        cmocka_unit_test(test_memcmp),
        cmocka_unit_test(test_strlen),
        cmocka_unit_test(test_strnlen),
        cmocka_unit_test(test_strcmp),
        cmocka_unit_test(test_strncmp),
        cmocka_unit_test(test_strchr),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
