/*
 * Host tests for kernel/lib/vsnprintf.c. The oracle is the host glibc: every
 * format the kernel formatter shares with C (and the glibc choices it
 * deliberately copies, see vsnprintf.h) is run through both vsnprintf and
 * kvsnprintf and must produce the same bytes and the same return value.
 *
 * Each comparison also runs kvsnprintf into a buffer followed by guard bytes,
 * so a write past size, a missing NUL or a wrong truncation fails the test;
 * most comparisons repeat that for every buffer size from 0 to one past the
 * full length. The unknown-conversion behaviour, where glibc returns -1, is
 * checked against explicit expectations instead.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/vsnprintf.h"

#define OUT_MAX    4096 /* largest output a comparison may produce */
#define GUARD      64   /* guard bytes after the buffer handed to kvsnprintf */
#define GUARD_BYTE 0xA5

static unsigned long n_compared; /* formats compared with glibc */
static unsigned long n_sized;    /* kvsnprintf calls checked byte for byte */

/* Renders output for a failure message: NULs and control bytes as \xNN. */
static const char *show(char *dst, size_t cap, const char *s, size_t n)
{
    size_t o = 0;

    for (size_t i = 0; i < n && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            dst[o++] = (char)c;
        else
            o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", c);
    }
    dst[o] = '\0';
    return dst;
}

/*
 * Runs kvsnprintf with a buffer of exactly `size` bytes and checks the
 * result against the first `want` bytes of `ref`: the return value, the kept
 * prefix, the terminating NUL, and that no byte after it was touched.
 */
static void check_size(const char *file, int line, const char *fmt, va_list ap, const char *ref,
                       int want, size_t size)
{
    static unsigned char area[OUT_MAX + GUARD];
    char a[256], b[256], c[256];
    size_t kept = size == 0 ? 0 : ((size_t)want < size - 1 ? (size_t)want : size - 1);
    va_list copy;
    int got;

    memset(area, GUARD_BYTE, sizeof(area));
    va_copy(copy, ap);
    got = kvsnprintf((char *)area, size, fmt, copy);
    va_end(copy);
    n_sized++;

    if (got != want)
        fail_msg("%s:%d: \"%s\" size %zu: returned %d, want %d (\"%s\")", file, line,
                 show(a, sizeof(a), fmt, strlen(fmt)), size, got, want,
                 show(b, sizeof(b), ref, (size_t)want));
    if (memcmp(area, ref, kept) != 0)
        fail_msg("%s:%d: \"%s\" size %zu: wrote \"%s\", want \"%s\"", file, line,
                 show(a, sizeof(a), fmt, strlen(fmt)), size,
                 show(b, sizeof(b), (const char *)area, kept), show(c, sizeof(c), ref, kept));
    if (size > 0 && area[kept] != '\0')
        fail_msg("%s:%d: \"%s\" size %zu: no NUL at offset %zu", file, line,
                 show(a, sizeof(a), fmt, strlen(fmt)), size, kept);
    for (size_t i = size == 0 ? 0 : kept + 1; i < size + GUARD; i++) {
        if (area[i] != GUARD_BYTE)
            fail_msg("%s:%d: \"%s\" size %zu: byte %zu after the output was written", file, line,
                     show(a, sizeof(a), fmt, strlen(fmt)), size, i);
    }
}

static void check_all_sizes(const char *file, int line, bool every_size, const char *fmt,
                            va_list ap, const char *ref, int want)
{
    if (want < 0 || want >= OUT_MAX - 1)
        fail_msg("%s:%d: \"%s\": expected length %d out of range", file, line, fmt, want);
    if (every_size) {
        for (size_t size = 0; size <= (size_t)want + 1; size++)
            check_size(file, line, fmt, ap, ref, want, size);
    } else {
        check_size(file, line, fmt, ap, ref, want, (size_t)want + 1);
    }
    check_size(file, line, fmt, ap, ref, want, OUT_MAX);
}

/* The core comparison with the host C library. */
static void compare_v(const char *file, int line, bool every_size, const char *fmt, va_list ap)
{
    char ref[OUT_MAX];
    va_list copy;
    int want;

    va_copy(copy, ap);
    want = vsnprintf(ref, sizeof(ref), fmt, copy);
    va_end(copy);
    n_compared++;
    check_all_sizes(file, line, every_size, fmt, ap, ref, want);
}

/* Formats within C's defined behaviour: clang checks the arguments at compile time. */
__attribute__((format(printf, 3, 4))) static void check_at(const char *file, int line,
                                                           const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    compare_v(file, line, true, fmt, ap);
    va_end(ap);
}
#define CHECK(...) check_at(__FILE__, __LINE__, __VA_ARGS__)

/*
 * No compile-time check: for formats C leaves undefined but glibc defines, for
 * defined ones clang still warns about (narrowed "%hhd" arguments, redundant
 * flags), and for formats built at run time.
 */
static void compare_at(const char *file, int line, bool every_size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    compare_v(file, line, every_size, fmt, ap);
    va_end(ap);
}
#define CHECK_NOWARN(...) compare_at(__FILE__, __LINE__, true, __VA_ARGS__)

/* For behaviour glibc does not share: an explicit expected output. */
static void expect_at(const char *file, int line, const char *want, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    check_all_sizes(file, line, true, fmt, ap, want, (int)strlen(want));
    va_end(ap);
}
#define EXPECT(...) expect_at(__FILE__, __LINE__, __VA_ARGS__)

/* -------------------------------------------------------------------------
 * Hand-written table, one group per conversion.
 */

static void test_literals(void **state)
{
    (void)state;
    CHECK("%s", "");
    CHECK("plain text, no conversions");
    CHECK("%%");
    CHECK("100%% sure, %d%%", 50);
    CHECK("%%%%%%");
    CHECK("a%%b%%c%s", "d");
    CHECK("tab\there\nnewline");
    CHECK("\xff\x80 high bytes %d", 1);
}

static void test_signed(void **state)
{
    (void)state;
    CHECK("%d", 0);
    CHECK("%d", 1);
    CHECK("%d", -1);
    CHECK("%d", INT_MAX);
    CHECK("%d", INT_MIN);
    CHECK("%i", INT_MIN);
    CHECK("%i", 123456789);
    CHECK("%hhd", (signed char)SCHAR_MIN);
    CHECK("%hhd", (signed char)SCHAR_MAX);
    CHECK_NOWARN("%hhd", 200);                 /* converted to signed char: -56 */
    CHECK_NOWARN("%hhi", -1);
    CHECK("%hd", (short)SHRT_MIN);
    CHECK("%hd", (short)SHRT_MAX);
    CHECK_NOWARN("%hd", 40000);                /* converted to short */
    CHECK("%ld", LONG_MIN);
    CHECK("%ld", LONG_MAX);
    CHECK("%li", 0L);
    CHECK("%lld", LLONG_MIN);
    CHECK("%lld", LLONG_MAX);
    CHECK("%lli", -1LL);
    CHECK("%zd", (ptrdiff_t)-5);
    CHECK("%zd", (ptrdiff_t)PTRDIFF_MAX);
    CHECK("%jd", INTMAX_MIN);
    CHECK("%jd", INTMAX_MAX);
    CHECK("%ji", (intmax_t)0);
    CHECK("%td", PTRDIFF_MIN);
    CHECK("%td", PTRDIFF_MAX);
    CHECK("%ti", (ptrdiff_t)42);
    CHECK("%d %i %ld %lld %hd %hhd", -1, 2, -3L, 4LL, (short)-5, (signed char)6);
}

static void test_unsigned(void **state)
{
    (void)state;
    CHECK("%u %x %X %o", 0u, 0u, 0u, 0u);
    CHECK("%u %x %X %o", UINT_MAX, UINT_MAX, UINT_MAX, UINT_MAX);
    CHECK("%u %x %X %o", 1u, 0xabcdefu, 0xabcdefu, 8u);
    CHECK_NOWARN("%hhu %hhx %hhX %hho", 255, 255, 256, 511);
    CHECK_NOWARN("%hu %hx %hX %ho", 65535, 65536, 0xbeef, 65535);
    CHECK("%lu %lx %lX %lo", ULONG_MAX, ULONG_MAX, 0xdeadbeefUL, ULONG_MAX);
    CHECK("%llu %llx %llX %llo", ULLONG_MAX, ULLONG_MAX, 0x0123456789abcdefULL, ULLONG_MAX);
    CHECK("%llu %llx %llX %llo", 0ULL, 0ULL, 0ULL, 0ULL);
    CHECK("%zu %zx %zX %zo", SIZE_MAX, SIZE_MAX, (size_t)0xfeed, (size_t)0);
    CHECK("%ju %jx %jX %jo", UINTMAX_MAX, UINTMAX_MAX, (uintmax_t)1 << 63, UINTMAX_MAX);
    CHECK("%tu %tx %tX %to", (ptrdiff_t)PTRDIFF_MAX, (ptrdiff_t)-1, (ptrdiff_t)255, (ptrdiff_t)8);
    CHECK("%lx", (unsigned long)UINT64_MAX);
    CHECK("%llo", (unsigned long long)INT64_MIN);
}

static void test_pointer(void **state)
{
    int local;

    (void)state;
    CHECK("%p", (void *)0);
    CHECK("%p", (void *)1);
    CHECK("%p", (void *)&local);
    CHECK("%p", (void *)test_pointer);
    CHECK("%p", (void *)UINTPTR_MAX);
    CHECK("%p", (void *)0xffffffff80000000ULL);
    CHECK("[%20p]", (void *)0xdeadbeef);
    CHECK("[%-20p]", (void *)0xdeadbeef);
    CHECK("[%3p]", (void *)0xdeadbeef);
    CHECK("[%20p]", (void *)0);
    CHECK("[%-20p]", (void *)0);
    CHECK("[%2p]", (void *)0);
    CHECK("[%*p]", 18, (void *)0x1000);
    CHECK("%p %p %p", (void *)1, (void *)0, (void *)2);
}

static void test_strings_and_chars(void **state)
{
    static const char unterminated[3] = { 'a', 'b', 'c' };
    char *exact = malloc(3);

    (void)state;
    assert_non_null(exact);
    memcpy(exact, "xyz", 3); /* no NUL: ASan catches any read past the precision */

    CHECK("%s", "hello");
    CHECK("[%10s]", "hello");
    CHECK("[%-10s]", "hello");
    CHECK("[%2s]", "hello");
    CHECK("[%.2s]", "hello");
    CHECK("[%.0s]", "hello");
    CHECK("[%.s]", "hello");
    CHECK("[%.10s]", "hello");
    CHECK("[%8.3s]", "hello");
    CHECK("[%-8.3s]", "hello");
    CHECK("[%*.*s]", 7, 2, "hello");
    CHECK("[%.3s]", unterminated);
    CHECK("[%.3s]", exact);
    CHECK("[%5.3s]", exact);
    CHECK("[%s]", "");
    CHECK("[%5s]", "");
    CHECK("%s%s%s", "a", "", "c");
    CHECK("%c", 'x');
    CHECK("%c%c%c", 'a', 'b', 'c');
    CHECK("[%5c]", 'x');
    CHECK("[%-5c]", 'x');
    CHECK("%c", 0);          /* a NUL inside the output still counts */
    CHECK("a%cb", 0);
    CHECK("%c", 255);
    CHECK("%c", 0x141);      /* converted to unsigned char */
    CHECK("%c", -1);
    free(exact);
}

static void test_flags(void **state)
{
    (void)state;
    CHECK("[%+d] [%+d] [%+d]", 0, 5, -5);
    CHECK("[% d] [% d] [% d]", 0, 5, -5);
    CHECK_NOWARN("[%+ d] [% +d]", 5, 5);           /* '+' wins over ' ' */
    CHECK("[%05d] [%05d] [%05d]", 42, -42, 0);
    CHECK_NOWARN("[%-05d]", 42);                   /* '-' wins over '0' */
    CHECK("[%-5d] [%-5d]", 42, -42);
    CHECK("[%+05d] [% 05d]", 42, 42);
    CHECK("[%05.3d] [%05.0d]", 7, 0);       /* a precision turns '0' off */
    CHECK("[%#x] [%#X] [%#o]", 255u, 255u, 8u);
    CHECK("[%#x] [%#X] [%#o]", 0u, 0u, 0u);
    CHECK("[%#010x] [%#-10x] [%#10X]", 255u, 255u, 255u);
    CHECK("[%#.5x] [%#.5o] [%#.1o]", 255u, 8u, 8u);
    CHECK("[%#.0o] [%#.0x] [%.0o]", 0u, 0u, 0u);
    CHECK("[%#5.0o] [%#5o]", 0u, 0u);
    CHECK("[%#o]", 01234u);
    CHECK("[%#llo]", ULLONG_MAX);
    CHECK("[%#llx]", ULLONG_MAX);
    CHECK("[%--5d] [%00005d] [%++d]", 1, 2, 3); /* repeated flags */
    CHECK_NOWARN("[%-+ 010d]", 77);
    CHECK_NOWARN("[%0-+ 10d]", -77);
    CHECK("[%0 10d]", -77);
}

static void test_width_and_precision(void **state)
{
    (void)state;
    CHECK("[%1d] [%2d] [%10d]", 123, 123, 123);
    CHECK("[%10d] [%-10d]", INT_MIN, INT_MIN);
    CHECK("[%.0d] [%.0d] [%.d]", 0, 1, 0);
    CHECK("[%.1d] [%.5d] [%.5d]", 0, 42, -42);
    CHECK("[%8.5d] [%-8.5d] [%+8.5d]", -42, 42, 42);
    CHECK("[%.30d]", INT_MIN);
    CHECK("[%.30lld]", LLONG_MIN);
    CHECK("[%40.30llx]", ULLONG_MAX);
    CHECK("[%.0u] [%.0x] [%.0X] [%.0o]", 0u, 0u, 0u, 0u);
    CHECK("[%5.0d]", 0);
    CHECK("[%100d]", 1);
    CHECK("[%-100d]", 1);
    CHECK("[%.100d]", -1);
    CHECK("[%0100d]", -1);
    CHECK("[%300s]", "wide");
    CHECK("[%.300d]", 7);
    CHECK("[%1000llx]", ULLONG_MAX);
    CHECK("[%0*d]", 3000, 5);
}

static void test_star_arguments(void **state)
{
    (void)state;
    CHECK("[%*d]", 5, 42);
    CHECK("[%*d]", -5, 42);                 /* negative width: left-justify */
    CHECK("[%-*d]", -5, 42);
    CHECK("[%0*d]", -5, 42);                /* ... and '-' wins over '0' */
    CHECK("[%*d]", 0, 42);
    CHECK("[%.*d]", 5, 42);
    CHECK("[%.*d]", -1, 42);                /* negative precision: as if omitted */
    CHECK("[%.*d]", 0, 0);
    CHECK("[%0.*d]", -3, 42);
    CHECK("[%08.*d]", -3, 42);              /* so '0' applies again */
    CHECK("[%*.*d]", 10, 5, -42);
    CHECK("[%*.*d]", -10, 5, -42);
    CHECK("[%*.*s]", 10, 3, "abcdef");
    CHECK("[%*.*s]", -10, -3, "abcdef");
    CHECK("[%*c]", 4, 'z');
    CHECK("[%*s|%.*s|%*d]", 3, "a", 1, "bc", -4, 9); /* argument order */
    CHECK("[%*llx]", 20, ULLONG_MAX);
    CHECK_NOWARN("[%.*hhd]", 6, -1);
}

/* C leaves these undefined; glibc defines them and the kernel copies glibc. */
static void test_glibc_choices(void **state)
{
    (void)state;
    CHECK_NOWARN("[%s]", (char *)NULL);
    CHECK_NOWARN("[%10s]", (char *)NULL);
    CHECK_NOWARN("[%-10s]", (char *)NULL);
    CHECK_NOWARN("[%.6s]", (char *)NULL);
    CHECK_NOWARN("[%.5s]", (char *)NULL);    /* "" rather than "(null" */
    CHECK_NOWARN("[%.0s]", (char *)NULL);
    CHECK_NOWARN("[%8.3s]", (char *)NULL);
    CHECK_NOWARN("[%+p] [% p] [%#p]", (void *)0x1234, (void *)0x1234, (void *)0x1234);
    CHECK_NOWARN("[%020p] [%.20p] [%-+20p]", (void *)0x1234, (void *)0x1234, (void *)0x1234);
    CHECK_NOWARN("[%+p] [%020p] [%.2p] [%.8p]", (void *)0, (void *)0, (void *)0, (void *)0);
    CHECK_NOWARN("[%05s] [%05c] [%+s] [% c] [%#s]", "ab", 'c', "d", 'e', "f");
    CHECK_NOWARN("[%.3c] [%.0c]", 'x', 'y');
    CHECK_NOWARN("[%#d] [%#u] [%+u] [% x] [%+o]", 1, 2u, 3u, 4u, 5u);
    CHECK_NOWARN("[%'d] [%'u]", 1234567, 7654321u);
    /*
     * Also glibc's behaviour, but ASan's printf interceptor objects to these
     * formats, so they are spelled out: length modifiers on %p, %s and %c
     * (other than the wide 'l') are ignored, and "%5%" is just '%'.
     */
    EXPECT("[0x1] [0x2] [0x3]", "[%lp] [%hhp] [%llp]", (void *)1, (void *)2, (void *)3);
    EXPECT("[a] [b] [c]", "[%hhs] [%hc] [%zs]", "a", 'b', "c");
    EXPECT("[%] [%] [%]", "[%5%] [%-5%] [%05%]");
}

/* -------------------------------------------------------------------------
 * Generated formats.
 */

enum kind { K_INT, K_UINT, K_LONG, K_ULONG, K_LLONG, K_ULLONG, K_SSIZE, K_SIZE,
            K_INTMAX, K_UINTMAX, K_PTRDIFF, K_UPTRDIFF, K_STR, K_PTR };

static const char *const lengths[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };

/* The type an argument is passed as, given its conversion and length modifier. */
static enum kind kind_for(char conv, const char *len)
{
    bool s = conv == 'd' || conv == 'i';

    if (conv == 's')
        return K_STR;
    if (conv == 'p')
        return K_PTR;
    if (conv == 'c' || len[0] == '\0' || len[0] == 'h')
        return s ? K_INT : K_UINT;
    if (strcmp(len, "l") == 0)
        return s ? K_LONG : K_ULONG;
    if (strcmp(len, "ll") == 0)
        return s ? K_LLONG : K_ULLONG;
    if (strcmp(len, "z") == 0)
        return s ? K_SSIZE : K_SIZE;
    if (strcmp(len, "j") == 0)
        return s ? K_INTMAX : K_UINTMAX;
    return s ? K_PTRDIFF : K_UPTRDIFF;
}

/*
 * Calls compare_at with up to two '*' ints and one value of the right type.
 * Out-of-range values are narrowed by the casts, as a caller's would be.
 */
#define CALL_STARS(VAL)                                                                  \
    do {                                                                                 \
        if (nstars == 0)                                                                 \
            compare_at(file, line, every, fmt, VAL);                                     \
        else if (nstars == 1)                                                            \
            compare_at(file, line, every, fmt, stars[0], VAL);                           \
        else                                                                             \
            compare_at(file, line, every, fmt, stars[0], stars[1], VAL);                 \
    } while (0)

static void compare_one(const char *file, int line, bool every, const char *fmt, int nstars,
                        const int *stars, enum kind kind, uint64_t v, const char *str)
{
    switch (kind) {
    case K_INT: CALL_STARS((int)v); break;
    case K_UINT: CALL_STARS((unsigned int)v); break;
    case K_LONG: CALL_STARS((long)v); break;
    case K_ULONG: CALL_STARS((unsigned long)v); break;
    case K_LLONG: CALL_STARS((long long)v); break;
    case K_ULLONG: CALL_STARS((unsigned long long)v); break;
    case K_SSIZE: CALL_STARS((ptrdiff_t)v); break; /* ssize_t, which C does not name */
    case K_SIZE: CALL_STARS((size_t)v); break;
    case K_INTMAX: CALL_STARS((intmax_t)v); break;
    case K_UINTMAX: CALL_STARS((uintmax_t)v); break;
    case K_PTRDIFF: CALL_STARS((ptrdiff_t)v); break;
    case K_UPTRDIFF: CALL_STARS((size_t)v); break;
    case K_STR: CALL_STARS(str); break;
    case K_PTR: CALL_STARS((void *)(uintptr_t)v); break;
    }
}

static const uint64_t edge_values[] = {
    0, 1, 2, 7, 8, 9, 10, 15, 16, 99, 100, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000,
    (uint64_t)-1, (uint64_t)-2, (uint64_t)-10,
    (uint64_t)INT8_MIN, INT8_MAX, (uint64_t)INT16_MIN, INT16_MAX,
    (uint64_t)INT32_MIN, INT32_MAX, UINT32_MAX, 0x100000000ULL,
    (uint64_t)INT64_MIN, INT64_MAX, 0x0123456789abcdefULL, 0xfedcba9876543210ULL,
};

/*
 * Every integer conversion with every length modifier, every combination of
 * the five flags, a few widths and precisions, against edge values.
 */
static void test_integer_grid(void **state)
{
    static const char convs[] = "diuxXo";
    static const char *const widths[] = { "", "1", "6", "25" };
    static const char *const precs[] = { "", ".", ".0", ".1", ".4", ".23" };
    static const char flag_chars[] = "-0+ #";
    char fmt[64];

    (void)state;
    for (const char *c = convs; *c; c++)
        for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++)
            for (unsigned f = 0; f < 32; f++)
                for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
                    for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++) {
                        char flags[6];
                        size_t nf = 0;
                        for (unsigned b = 0; b < 5; b++)
                            if (f & (1u << b))
                                flags[nf++] = flag_chars[b];
                        flags[nf] = '\0';
                        snprintf(fmt, sizeof(fmt), "[%%%s%s%s%s%c]", flags, widths[w], precs[p],
                                 lengths[l], *c);
                        for (size_t v = 0; v < sizeof(edge_values) / sizeof(edge_values[0]); v++)
                            compare_one(__FILE__, __LINE__, false, fmt, 0, NULL,
                                        kind_for(*c, lengths[l]), edge_values[v], NULL);
                    }
}

/* xorshift64*: fixed seed, so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned rnd_below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* Mostly edge values, otherwise random magnitudes of every size. */
static uint64_t rnd_value(void)
{
    if (rnd_below(3) == 0)
        return edge_values[rnd_below(sizeof(edge_values) / sizeof(edge_values[0]))];
    return rnd() >> rnd_below(64);
}

static void append(char *dst, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);

    assert_true(*len + n < cap);
    memcpy(dst + *len, s, n + 1);
    *len += n;
}

/* Random literal text, sometimes with "%%" in it. */
static void rnd_literal(char *dst, size_t cap, size_t *len)
{
    static const char chars[] = "abcXYZ 019.-+#*\t\\\"'";
    unsigned n = rnd_below(5);

    for (unsigned i = 0; i < n; i++) {
        char s[2] = { chars[rnd_below(sizeof(chars) - 1)], '\0' };
        append(dst, cap, len, rnd_below(6) == 0 ? "%%" : s);
    }
}

/*
 * Appends one random conversion specification from the supported grammar
 * and returns its conversion character. *nstars '*' arguments are stored.
 */
static char rnd_spec(char *dst, size_t cap, size_t *len, const char *convs, const char *const *lens,
                     unsigned nlens, int *stars, int *nstars, const char **len_out)
{
    static const char flag_chars[] = "-0+ #";
    char conv = convs[rnd_below((unsigned)strlen(convs))];
    char num[16];

    append(dst, cap, len, "%");
    for (unsigned n = rnd_below(4), i = 0; i < n; i++) {
        char s[2] = { flag_chars[rnd_below(5)], '\0' };
        append(dst, cap, len, s);
    }
    switch (rnd_below(3)) {
    case 0: break;
    case 1:
        snprintf(num, sizeof(num), "%u", 1 + rnd_below(30));
        append(dst, cap, len, num);
        break;
    default:
        append(dst, cap, len, "*");
        stars[(*nstars)++] = (int)rnd_below(61) - 30;
        break;
    }
    switch (rnd_below(4)) {
    case 0: break;
    case 1: append(dst, cap, len, "."); break;
    case 2:
        snprintf(num, sizeof(num), ".%u", rnd_below(30));
        append(dst, cap, len, num);
        break;
    default:
        append(dst, cap, len, ".*");
        stars[(*nstars)++] = (int)rnd_below(61) - 30;
        break;
    }
    *len_out = "";
    if (conv != 's' && conv != 'c' && conv != 'p') {
        *len_out = lens[rnd_below(nlens)];
        append(dst, cap, len, *len_out);
    }
    {
        char s[2] = { conv, '\0' };
        append(dst, cap, len, s);
    }
    return conv;
}

/* One conversion of any supported kind, in random text, several thousand times. */
static void test_random_single(void **state)
{
    static const char *const strings[] = {
        "", "a", "hello", "kestrel kernel", "(null)", "0123456789abcdefghijklmnopqrstuvwxyz",
        "tab\tand\\", "\xff\x80 high", NULL,
    };

    (void)state;
    for (int i = 0; i < 20000; i++) {
        char fmt[128];
        size_t len = 0;
        int stars[2];
        int nstars = 0;
        const char *lenmod;
        char conv;

        fmt[0] = '\0';
        rnd_literal(fmt, sizeof(fmt), &len);
        conv = rnd_spec(fmt, sizeof(fmt), &len, "diuxXopsc", lengths, 8, stars, &nstars, &lenmod);
        rnd_literal(fmt, sizeof(fmt), &len);
        compare_one(__FILE__, __LINE__, i % 8 == 0, fmt, nstars, stars, kind_for(conv, lenmod),
                    rnd_value(), strings[rnd_below(sizeof(strings) / sizeof(strings[0]))]);
    }
}

/*
 * Several conversions per format, to check that arguments are consumed in
 * order. All arguments are ints (values, widths and precisions alike), so one
 * call with a fixed argument list serves every format; surplus arguments are
 * ignored (C11 7.21.6.1p2). Values read as unsigned are kept non-negative so
 * they are representable in both types, as va_arg requires.
 */
static void test_random_multi(void **state)
{
    static const char *const int_lens[] = { "", "hh", "h" };

    (void)state;
    for (int i = 0; i < 5000; i++) {
        char fmt[256];
        size_t len = 0;
        int args[12] = { 0 };
        int nargs = 0;
        unsigned nconv = 1 + rnd_below(4);

        fmt[0] = '\0';
        rnd_literal(fmt, sizeof(fmt), &len);
        for (unsigned c = 0; c < nconv; c++) {
            int stars[2];
            int nstars = 0;
            const char *lenmod;
            char conv = rnd_spec(fmt, sizeof(fmt), &len, "diuxXoc", int_lens, 3, stars, &nstars,
                                 &lenmod);
            int v = (int)(uint32_t)rnd_value();
            for (int s = 0; s < nstars; s++)
                args[nargs++] = stars[s];
            if (conv != 'd' && conv != 'i' && v < 0)
                v = v == INT_MIN ? 0 : -v;
            args[nargs++] = v;
            rnd_literal(fmt, sizeof(fmt), &len);
        }
        compare_at(__FILE__, __LINE__, i % 8 == 0, fmt, args[0], args[1], args[2], args[3],
                   args[4], args[5], args[6], args[7], args[8], args[9], args[10], args[11]);
    }
}

/* -------------------------------------------------------------------------
 * Buffer handling, return values, streaming.
 */

static void test_truncation(void **state)
{
    (void)state;
    /* check_at already tries every size; these are longer and mixed. */
    CHECK("%s=%d, %s=%#llx, %s=%p", "alpha", -123456, "beta", ULLONG_MAX, "gamma", (void *)0x1);
    CHECK("[%-30s][%30s]", "left", "right");
    CHECK("%0200d|", 7);
    CHECK("%.200s", "short");
    CHECK("%c%c%c%c", 'a', 0, 'b', 0);
}

static void test_size_zero_and_one(void **state)
{
    char buf[4] = { 'x', 'x', 'x', 'x' };

    (void)state;
    assert_int_equal(ksnprintf(NULL, 0, "hello %d", 42), 8);
    assert_int_equal(ksnprintf(buf, 0, "hello"), 5);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(ksnprintf(buf, 1, "hello"), 5);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'x');
    assert_int_equal(ksnprintf(buf, 1, "%s", ""), 0);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(ksnprintf(buf, 4, "abc"), 3);
    assert_string_equal(buf, "abc");
    assert_int_equal(ksnprintf(buf, 4, "abcd"), 4);
    assert_string_equal(buf, "abc");
}

struct collected {
    char *data;
    size_t len;
    size_t cap;
    unsigned calls;
    bool empty_piece;
};

static void collect(void *ctx, const char *s, size_t n)
{
    struct collected *c = ctx;

    c->calls++;
    if (n == 0)
        c->empty_piece = true;
    if (c->len + n > c->cap) {
        c->cap = (c->len + n) * 2;
        c->data = realloc(c->data, c->cap);
        assert_non_null(c->data);
    }
    memcpy(c->data + c->len, s, n);
    c->len += n;
}

static int kformat_collect(struct collected *c, const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = kvformat(collect, c, fmt, ap);
    va_end(ap);
    return ret;
}

/* kvformat has no buffer limit and never hands the callback an empty piece. */
static void test_kvformat_streams(void **state)
{
    struct collected c = { 0 };
    char small[64];

    (void)state;
    assert_int_equal(kformat_collect(&c, "%*d", 100000, 7), 100000);
    assert_int_equal(c.len, 100000);
    assert_false(c.empty_piece);
    for (size_t i = 0; i < 99999; i++)
        assert_int_equal(c.data[i], ' ');
    assert_int_equal(c.data[99999], '7');

    c.len = 0;
    assert_int_equal(kformat_collect(&c, "a%sb%.0dc%sd", "", 0, ""), 4);
    assert_false(c.empty_piece);
    assert_memory_equal(c.data, "abcd", 4);

    c.len = 0;
    assert_int_equal(kformat_collect(&c, "x=%d y=%s", 3, "four"), 10);
    assert_int_equal(ksnprintf(small, sizeof(small), "x=%d y=%s", 3, "four"), 10);
    assert_memory_equal(c.data, small, 10);
    free(c.data);
}

/* A callback that formats again: the formatter must hold no shared state. */
static void nested_put(void *ctx, const char *s, size_t n)
{
    char inner[64];
    int r = ksnprintf(inner, sizeof(inner), "<%zu:%.*s>", n, (int)n, s);

    assert_true(r > 0 && (size_t)r < sizeof(inner));
    collect(ctx, inner, (size_t)r);
}

static int kformat_nested(struct collected *c, const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = kvformat(nested_put, c, fmt, ap);
    va_end(ap);
    return ret;
}

static void test_reentrant(void **state)
{
    /* literal "ab", number "5", literal "cd", padding "  ", char "x" */
    static const char expect[] = "<2:ab><1:5><2:cd><2:  ><1:x>";
    struct collected c = { 0 };

    (void)state;
    assert_int_equal(kformat_nested(&c, "ab%dcd%3c", 5, 'x'), 8);
    assert_int_equal(c.len, strlen(expect));
    assert_memory_equal(c.data, expect, c.len);
    free(c.data);
}

/*
 * Output longer than INT_MAX cannot be reported in an int: -1, like glibc's
 * EOVERFLOW. Exactly INT_MAX still fits. The buffer keeps what fits.
 */
static void test_overflow(void **state)
{
    char buf[8];

    (void)state;
    assert_int_equal(ksnprintf(buf, sizeof(buf), "%*d", INT_MAX, 1), INT_MAX);
    assert_string_equal(buf, "       ");
    assert_int_equal(ksnprintf(buf, sizeof(buf), "%*d%d", INT_MAX, 1, 2), -1);
    assert_string_equal(buf, "       ");
    assert_int_equal(ksnprintf(buf, sizeof(buf), "ab%2147483647d", 1), -1);
    assert_string_equal(buf, "ab     ");
    /* A width too large for an int saturates rather than wrapping. */
    assert_int_equal(ksnprintf(buf, sizeof(buf), "%99999999999d", 1), INT_MAX);
}

/* -------------------------------------------------------------------------
 * What glibc rejects: printed verbatim (see vsnprintf.h). The format strings
 * go through expect_at, which has no format attribute, so clang does not
 * reject them at compile time either.
 */
static void test_unknown_conversions(void **state)
{
    (void)state;
    EXPECT("%q", "%q");
    EXPECT("a%qb", "a%qb");
    EXPECT("[%-5q]", "[%-5q]");
    EXPECT("[%#012.5q]", "[%#012.5q]");
    EXPECT("%q|42", "%q|%d", 42);          /* the value is not consumed ... */
    EXPECT("%*q|42", "%*q|%d", 7, 42);     /* ... '*' arguments are */
    EXPECT("%.*q|42", "%.*q|%d", 7, 42);
    EXPECT("%*.*q|42", "%*.*q|%d", 1, 2, 42);
    EXPECT("%lq %hhq %zq", "%lq %hhq %zq");
    EXPECT("%n|3", "%n|%d", 3);           /* no %n, ever */
    EXPECT("%f %e %g %a|3", "%f %e %g %a|%d", 3);
    EXPECT("%Lf", "%Lf");                  /* 'L' is not a length modifier here */
    EXPECT("%ls|%lc|3", "%ls|%lc|%d", 3); /* no wide characters */
    EXPECT("%hhhd", "%hhhd");
    EXPECT("%\x01", "%\x01");
    EXPECT("%\xff|ok", "%\xff|%s", "ok");
}

static void test_truncated_specifications(void **state)
{
    (void)state;
    EXPECT("abc%", "abc%");
    EXPECT("%", "%");
    EXPECT("%-", "%-");
    EXPECT("%5", "%5");
    EXPECT("%.3", "%.3");
    EXPECT("%#08.3ll", "%#08.3ll");
    EXPECT("x=1 %*", "x=%d %*", 1, 5);
    EXPECT("7%", "%d%", 7);
}

static void test_report_counts(void **state)
{
    (void)state;
    print_message("compared %lu formats with glibc, checked %lu kvsnprintf calls\n", n_compared,
                  n_sized);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_signed),
        cmocka_unit_test(test_unsigned),
        cmocka_unit_test(test_pointer),
        cmocka_unit_test(test_strings_and_chars),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_width_and_precision),
        cmocka_unit_test(test_star_arguments),
        cmocka_unit_test(test_glibc_choices),
        cmocka_unit_test(test_integer_grid),
        cmocka_unit_test(test_random_single),
        cmocka_unit_test(test_random_multi),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_size_zero_and_one),
        cmocka_unit_test(test_kvformat_streams),
        cmocka_unit_test(test_reentrant),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_unknown_conversions),
        cmocka_unit_test(test_truncated_specifications),
        cmocka_unit_test(test_report_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
