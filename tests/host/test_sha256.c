/*
 * Host tests of the loader's SHA-256 (loader/sha256.c): the example messages
 * of FIPS 180-4 (NIST's "Example Algorithm" documents and the one-million-'a'
 * vector), the padding boundaries, a kernel-sized input, the same digest for
 * every way of splitting a message into sha256_update calls, and the digest
 * comparison.
 *
 * The digest tests run once for each implementation of the block function
 * (sha256_select): the general-register one everywhere, the others where the
 * host CPU has what they need (sha256_cpu.h), reported as skipped where it
 * has not. test_impls_agree compares each with the general-register one on
 * messages of every length up to 300 bytes and a few large ones.
 *
 * The expected digests of the pattern messages were made with Python's
 * hashlib, the pattern being byte i = (i * 31 + 7) mod 256:
 *   import hashlib
 *   pat = lambda n: bytes((i * 31 + 7) & 255 for i in range(n))
 *   for n in (55, 56, 63, 64, 119, 120, 524288):
 *       print(n, hashlib.sha256(pat(n)).hexdigest())
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader/sha256.h"
#include "sha256_cpu.h"

/* Selects the implementation the test was registered with (its state), or
 * skips the test, saying why, when the host CPU cannot run it. */
static void use_impl(void **state)
{
	enum sha256_impl impl = *(const enum sha256_impl *)*state;

	if (!host_sha256_can(impl)) {
		print_message("skipped: this CPU lacks what \"%s\" needs\n", sha256_impl_name(impl));
		skip();
	}
	sha256_select(impl);
}

static uint8_t pattern_byte(size_t i)
{
	return (uint8_t)(i * 31 + 7);
}

static uint8_t *pattern(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = pattern_byte(i);
	return p;
}

static void from_hex(const char *hex, uint8_t out[SHA256_DIGEST_SIZE])
{
	assert_int_equal(strlen(hex), 2 * SHA256_DIGEST_SIZE);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void assert_digest(const uint8_t got[SHA256_DIGEST_SIZE], const char *hex)
{
	uint8_t want[SHA256_DIGEST_SIZE];
	from_hex(hex, want);
	assert_memory_equal(got, want, SHA256_DIGEST_SIZE);
}

/* One-shot, and again one byte at a time. */
static void check_message(const void *msg, size_t n, const char *hex)
{
	uint8_t out[SHA256_DIGEST_SIZE];
	struct sha256_ctx c;
	const uint8_t *p = msg;

	sha256(msg, n, out);
	assert_digest(out, hex);
	sha256_init(&c);
	for (size_t i = 0; i < n; i++)
		sha256_update(&c, p + i, 1);
	sha256_final(&c, out);
	assert_digest(out, hex);
}

/* FIPS 180-4 examples: one block, ... */
static void test_abc(void **state)
{
	use_impl(state);
	check_message("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_empty(void **state)
{
	use_impl(state);
	uint8_t out[SHA256_DIGEST_SIZE];

	check_message("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256(NULL, 0, out); /* a NULL pointer with length 0 is allowed */
	assert_digest(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* ... 448 bits, whose padding needs a second block, ... */
static void test_448_bits(void **state)
{
	use_impl(state);
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check_message(m, strlen(m),
	              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* ... and 896 bits, two blocks of message and one of padding. */
static void test_896_bits(void **state)
{
	use_impl(state);
	const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	                "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	assert_int_equal(strlen(m), 112);
	check_message(m, strlen(m),
	              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a', one-shot and in 1000 updates of 1000 bytes. */
static void test_million_a(void **state)
{
	use_impl(state);
	const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	size_t n = 1000000;
	uint8_t *m = malloc(n);
	uint8_t out[SHA256_DIGEST_SIZE];
	struct sha256_ctx c;

	assert_non_null(m);
	memset(m, 'a', n);
	sha256(m, n, out);
	assert_digest(out, want);
	sha256_init(&c);
	for (size_t i = 0; i < n; i += 1000)
		sha256_update(&c, m + i, 1000);
	sha256_final(&c, out);
	assert_digest(out, want);
	free(m);
}

/* 55 bytes leave exactly room for 0x80 and the length in one block, 56 do
 * not; 63 and 64 end next to and on the block edge; 119 and 120 are the same
 * boundaries in the second block. */
static void test_padding_boundaries(void **state)
{
	use_impl(state);
	static const struct {
		size_t n;
		const char *hex;
	} cases[] = {
	        {55, "8aa994584139d128848eeebc4e815639ba5ab6e6e39574195a63ac4f14f7c43b"},
	        {56, "ad574708f75c044c9b85de64cb568ee7711ff4f36448c6242f053ba8f6cc2b63"},
	        {63, "280ed3e8ff1df845b2e7dfe6ac6cee817bef20e783cc65abc41b818b4d2fe076"},
	        {64, "c6ab9724ade5b6a7a1edfffb12f3aa9181351355af8fd08c919952ad211339dd"},
	        {119, "3d610547d68216dedf7435a4fb6260353911f6b3fd3f18805ddb8be285d726fe"},
	        {120, "1f80156a804cb7862ad113e8200e9d74499723e7c7854d5f48776d3148e09656"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *m = pattern(cases[i].n);
		check_message(m, cases[i].n, cases[i].hex);
		free(m);
	}
}

/* 512 KiB, the size of a kernel file: many whole blocks straight from the
 * caller's buffer, and a start that is not 4-byte aligned. */
static void test_kernel_sized(void **state)
{
	use_impl(state);
	const char *want = "e76b1a7d767af38dc9ecef3747e0fceb43280a70696c6ca4fa4487752b5668f8";
	size_t n = 512 * 1024;
	uint8_t *m = pattern(n);
	uint8_t *unaligned = malloc(n + 1);
	uint8_t out[SHA256_DIGEST_SIZE];

	assert_non_null(unaligned);
	check_message(m, n, want);
	memcpy(unaligned + 1, m, n);
	sha256(unaligned + 1, n, out);
	assert_digest(out, want);
	free(unaligned);
	free(m);
}

/* Feeds msg[0..n) in pieces of `chunk` bytes (the last one shorter). */
static void digest_in_chunks(const uint8_t *msg, size_t n, size_t chunk,
	                     uint8_t out[SHA256_DIGEST_SIZE])
{
	struct sha256_ctx c;

	sha256_init(&c);
	for (size_t i = 0; i < n; i += chunk)
		sha256_update(&c, msg + i, n - i < chunk ? n - i : chunk);
	sha256_final(&c, out);
}

/* Every length 0..300 (the buffered-byte count takes every value 0..63 at
 * every block boundary): the same digest one-shot, in fixed pieces around
 * the block size, in pieces of growing size, and with empty updates between. */
static void test_split_consistency(void **state)
{
	use_impl(state);
	static const size_t chunks[] = {1, 3, 63, 64, 65, 128};
	uint8_t *m = pattern(300);

	for (size_t n = 0; n <= 300; n++) {
		uint8_t one_shot[SHA256_DIGEST_SIZE], split[SHA256_DIGEST_SIZE];
		struct sha256_ctx c;

		sha256(m, n, one_shot);
		for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			digest_in_chunks(m, n, chunks[k], split);
			assert_memory_equal(split, one_shot, SHA256_DIGEST_SIZE);
		}

		sha256_init(&c);
		for (size_t i = 0, piece = 1; i < n; i += piece, piece++) {
			sha256_update(&c, m + i, n - i < piece ? n - i : piece);
			sha256_update(&c, m + i, 0);
		}
		sha256_final(&c, split);
		assert_memory_equal(split, one_shot, SHA256_DIGEST_SIZE);
	}
	free(m);
}

/* Lengths up to 300 differ pairwise: a buffered tail or a wrong length in
 * the padding would make some of them collide. */
static void test_lengths_differ(void **state)
{
	use_impl(state);
	uint8_t *m = pattern(300);
	uint8_t(*d)[SHA256_DIGEST_SIZE] = malloc(301 * SHA256_DIGEST_SIZE);

	assert_non_null(d);
	for (size_t n = 0; n <= 300; n++)
		sha256(m, n, d[n]);
	for (size_t i = 0; i <= 300; i++)
		for (size_t j = i + 1; j <= 300; j++)
			assert_memory_not_equal(d[i], d[j], SHA256_DIGEST_SIZE);
	free(d);
	free(m);
}

/* Every implementation the host can run gives the general-register one's
 * digest, one-shot and in pieces that straddle the block edges, for every
 * length up to 300 and for a few lengths around 64 KiB. */
static void test_impls_agree(void **state)
{
	(void)state;
	static const size_t big[] = {65535, 65536, 65537, 65536 + 63, 65536 + 65};
	size_t nmax = 65536 + 65;
	uint8_t *m = pattern(nmax);
	int checked = 0;

	for (int impl = SHA256_GENERIC + 1; impl < SHA256_NIMPL; impl++) {
		if (!host_sha256_can((enum sha256_impl)impl)) {
			print_message("not compared: this CPU lacks what \"%s\" needs\n",
			              sha256_impl_name((enum sha256_impl)impl));
			continue;
		}
		checked++;
		for (size_t k = 0; k < 301 + sizeof(big) / sizeof(big[0]); k++) {
			size_t n = k <= 300 ? k : big[k - 301];
			uint8_t want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];

			sha256_select(SHA256_GENERIC);
			sha256(m, n, want);
			sha256_select((enum sha256_impl)impl);
			sha256(m, n, got);
			assert_memory_equal(got, want, SHA256_DIGEST_SIZE);
			digest_in_chunks(m, n, 100, got);
			assert_memory_equal(got, want, SHA256_DIGEST_SIZE);
		}
	}
	sha256_select(SHA256_GENERIC);
	free(m);
	if (!checked) {
		print_message("skipped: this CPU runs only the general-register implementation\n");
		skip();
	}
}

/* sha256_best picks the fastest implementation the CPU bits allow. */
static void test_best(void **state)
{
	(void)state;
	assert_int_equal(sha256_best(0), SHA256_GENERIC);
	assert_int_equal(sha256_best(SHA256_CPU_BMI2), SHA256_BMI2);
	/* SSSE3 alone does not do: the rounds of that path use BMI2. */
	assert_int_equal(sha256_best(SHA256_CPU_SSSE3), SHA256_GENERIC);
	assert_int_equal(sha256_best(SHA256_CPU_SSSE3 | SHA256_CPU_BMI2), SHA256_SSSE3);
	assert_int_equal(sha256_best(SHA256_CPU_SHA), SHA256_SHANI);
	assert_int_equal(sha256_best(SHA256_CPU_SHA | SHA256_CPU_SSSE3 | SHA256_CPU_BMI2),
	                 SHA256_SHANI);
	for (int i = 0; i < SHA256_NIMPL; i++)
		assert_non_null(sha256_impl_name((enum sha256_impl)i));
}

static void test_equal(void **state)
{
	(void)state;
	uint8_t a[SHA256_DIGEST_SIZE], b[SHA256_DIGEST_SIZE];

	sha256("abc", 3, a);
	memcpy(b, a, sizeof(b));
	assert_int_equal(sha256_equal(a, b), 1);
	assert_int_equal(sha256_equal(a, a), 1);

	b[0] ^= 0x01;
	assert_int_equal(sha256_equal(a, b), 0);
	b[0] ^= 0x01;
	b[SHA256_DIGEST_SIZE - 1] ^= 0x80;
	assert_int_equal(sha256_equal(a, b), 0);
	b[SHA256_DIGEST_SIZE - 1] ^= 0x80;

	/* Every byte and every bit value of a difference. */
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		for (int x = 1; x < 256; x++) {
			b[i] ^= (uint8_t)x;
			assert_int_equal(sha256_equal(a, b), 0);
			b[i] ^= (uint8_t)x;
		}
	}
	assert_int_equal(sha256_equal(a, b), 1);
}

static const enum sha256_impl impl_generic = SHA256_GENERIC, impl_bmi2 = SHA256_BMI2,
                              impl_ssse3 = SHA256_SSSE3, impl_shani = SHA256_SHANI;

/* The digest tests, once per implementation. */
#define DIGEST_TESTS(impl)                                                                         \
	cmocka_unit_test_prestate(test_abc, (void *)&(impl)),                                      \
	        cmocka_unit_test_prestate(test_empty, (void *)&(impl)),                            \
	        cmocka_unit_test_prestate(test_448_bits, (void *)&(impl)),                         \
	        cmocka_unit_test_prestate(test_896_bits, (void *)&(impl)),                         \
	        cmocka_unit_test_prestate(test_million_a, (void *)&(impl)),                        \
	        cmocka_unit_test_prestate(test_padding_boundaries, (void *)&(impl)),               \
	        cmocka_unit_test_prestate(test_kernel_sized, (void *)&(impl)),                     \
	        cmocka_unit_test_prestate(test_split_consistency, (void *)&(impl)),                \
	        cmocka_unit_test_prestate(test_lengths_differ, (void *)&(impl))

int main(void)
{
	const struct CMUnitTest tests[] = {
	        DIGEST_TESTS(impl_generic),
	        DIGEST_TESTS(impl_bmi2),
	        DIGEST_TESTS(impl_ssse3),
	        DIGEST_TESTS(impl_shani),
	        cmocka_unit_test(test_impls_agree),
	        cmocka_unit_test(test_best),
	        cmocka_unit_test(test_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
