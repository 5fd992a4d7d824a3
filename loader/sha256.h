/*
 * SHA-256 (FIPS 180-4), shared by the loader and the host tests.
 *
 * The loader hashes the kernel file it read from the boot volume so that the
 * digest can be compared with an expected one. The module is C with no UEFI
 * and no libc, so the very same code runs hosted under ASan/UBSan and
 * libFuzzer (tests/host/test_sha256.c, tests/fuzz/fuzz_sha256.c).
 *
 * It has several implementations of the block function (sha256.c explains
 * each); all give the same digests. The general-register one is used until
 * sha256_select picks another. The module cannot see the CPU itself: the
 * caller describes what the CPU offers (SHA256_CPU_*; the loader probes
 * CPUID and the control registers, the host tests CPUID), so that hosted
 * tests can run every implementation the host supports.
 *
 * Incremental use: sha256_init, any number of sha256_update calls with pieces
 * of any size, then sha256_final. The digest depends only on the concatenated
 * bytes, never on how they were split. A context must be initialised again
 * before it is reused after sha256_final.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE  64

struct sha256_ctx {
	uint32_t h[8];                  /* intermediate hash value H(i), FIPS 180-4 6.2.2 */
	uint64_t len;                   /* message bytes hashed so far, buffered ones included */
	uint8_t buf[SHA256_BLOCK_SIZE]; /* the start of an incomplete block */
	size_t nbuf;                    /* bytes in buf, always below SHA256_BLOCK_SIZE */
};

/* The block functions, slowest first. */
enum sha256_impl {
	SHA256_GENERIC, /* general registers, any x86_64 */
	SHA256_BMI2,    /* general registers with BMI1 and BMI2 (rorx, andn) */
	SHA256_SSSE3,   /* message schedule in SSSE3, rounds in BMI2 */
	SHA256_SHANI,   /* the SHA extensions */
	SHA256_NIMPL
};

/* What the CPU offers, as far as SHA-256 is concerned. The SSE-based bits
 * mean that the instructions exist (CPUID) and may be executed: SSE is
 * enabled (CR4.OSFXSR set, CR0.EM and CR0.TS clear). */
#define SHA256_CPU_BMI2  (1u << 0) /* BMI1 and BMI2 */
#define SHA256_CPU_SSSE3 (1u << 1) /* SSSE3, SSE enabled */
#define SHA256_CPU_SHA   (1u << 2) /* SHA extensions and SSE4.1, SSE enabled */

/* The SHA256_CPU_* bits that impl needs. */
unsigned sha256_impl_needs(enum sha256_impl impl);
/* The fastest implementation that a CPU with the bits cpu can run. */
enum sha256_impl sha256_best(unsigned cpu);
/* Makes impl the one every later call uses (a context may be in the middle
 * of a message: all implementations keep the same state). The caller
 * vouches that the CPU can run it. */
void sha256_select(enum sha256_impl impl);
enum sha256_impl sha256_selected(void);
/* "general registers", "SHA extensions", ... */
const char *sha256_impl_name(enum sha256_impl impl);

void sha256_init(struct sha256_ctx *c);
/* Adds data[0..n) to the message; data may be NULL when n is 0. */
void sha256_update(struct sha256_ctx *c, const void *data, size_t n);
/* Pads the message and writes its digest. */
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE]);
/* The digest of data[0..n) in one call. */
void sha256(const void *data, size_t n, uint8_t out[SHA256_DIGEST_SIZE]);
/* 1 if the digests are equal, else 0, in a time that does not depend on where
 * they differ. */
int sha256_equal(const uint8_t a[SHA256_DIGEST_SIZE], const uint8_t b[SHA256_DIGEST_SIZE]);
