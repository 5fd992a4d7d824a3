/*
 * libFuzzer target for the loader's SHA-256 (loader/sha256.c). The input is
 * two control bytes and a message: the message is hashed one-shot, then
 * again split at a point chosen by the first control byte, then again in
 * pieces whose size (1..256) is the second control byte; all three digests
 * must be equal. Then each other implementation of the block function that
 * the host CPU can run (tests/host/sha256_cpu.h; the first run prints the
 * ones it cannot) must give the same digest, one-shot and split at the same
 * point. Digest comparison is checked on the way: a digest equals itself and
 * differs from itself with one bit flipped. ASan and UBSan catch any read
 * outside the message or overflow in the padding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/sha256.h"
#include "tests/host/sha256_cpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t one_shot[SHA256_DIGEST_SIZE], split[SHA256_DIGEST_SIZE];
	struct sha256_ctx c;

	if (size < 2)
		return 0;
	/* A copy of exactly the message's size, so ASan sees any overread. */
	size_t n = size - 2;
	uint8_t *msg = malloc(n ? n : 1);
	if (msg == NULL)
		abort();
	memcpy(msg, data + 2, n);

	sha256_select(SHA256_GENERIC);
	sha256(msg, n, one_shot);

	/* Split at a point scaled from the first control byte to 0..n. */
	size_t at = n * data[0] / 255;
	sha256_init(&c);
	sha256_update(&c, msg, at);
	sha256_update(&c, msg + at, n - at);
	sha256_final(&c, split);
	if (!sha256_equal(split, one_shot) || memcmp(split, one_shot, SHA256_DIGEST_SIZE) != 0)
		abort();

	size_t chunk = (size_t)data[1] + 1;
	sha256_init(&c);
	for (size_t i = 0; i < n; i += chunk)
		sha256_update(&c, msg + i, n - i < chunk ? n - i : chunk);
	sha256_final(&c, split);
	if (!sha256_equal(split, one_shot) || memcmp(split, one_shot, SHA256_DIGEST_SIZE) != 0)
		abort();

	static int reported;
	for (int impl = SHA256_GENERIC + 1; impl < SHA256_NIMPL; impl++) {
		if (!host_sha256_can((enum sha256_impl)impl)) {
			if (!reported)
				fprintf(stderr, "fuzz_sha256: not checking \"%s\": this CPU lacks it\n",
				        sha256_impl_name((enum sha256_impl)impl));
			continue;
		}
		sha256_select((enum sha256_impl)impl);
		sha256(msg, n, split);
		if (memcmp(split, one_shot, SHA256_DIGEST_SIZE) != 0)
			abort();
		sha256_init(&c);
		sha256_update(&c, msg, at);
		sha256_update(&c, msg + at, n - at);
		sha256_final(&c, split);
		if (memcmp(split, one_shot, SHA256_DIGEST_SIZE) != 0)
			abort();
	}
	reported = 1;
	sha256_select(SHA256_GENERIC);

	split[data[1] % SHA256_DIGEST_SIZE] ^= (uint8_t)(1u << (data[0] & 7));
	if (sha256_equal(split, one_shot))
		abort();

	free(msg);
	return 0;
}
