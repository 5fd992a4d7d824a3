/*
 * SHA-256 (FIPS 180-4), shared by the loader and the host tests.
 *
 * The loader hashes the kernel file it read from the boot volume so that the
 * digest can be compared with an expected one. The module is pure C (no UEFI,
 * no libc, no SIMD), so the very same code runs hosted under ASan/UBSan and
 * libFuzzer (tests/host/test_sha256.c, tests/fuzz/fuzz_sha256.c).
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
