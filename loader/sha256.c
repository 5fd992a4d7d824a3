/*
 * SHA-256, written from FIPS 180-4 ("Secure Hash Standard", NIST, 2015).
 *
 * How it works, for a reader new to it:
 *  - The message is padded (section 5.1.1) with one 1 bit, zeros, and its
 *    length in bits as a 64-bit big-endian number, to a multiple of 512 bits;
 *    then cut into 64-byte blocks, each read as 16 big-endian 32-bit words
 *    (sections 3.1 and 5.2.1).
 *  - The state is eight 32-bit words H0..H7, starting from the constants of
 *    section 5.3.3 (fractional parts of the square roots of the first eight
 *    primes).
 *  - Each block (section 6.2.2) expands its 16 words into a schedule of 64
 *    (W[t] for t >= 16 mixes W[t-2], W[t-7], W[t-15] and W[t-16] with the
 *    sigma functions of section 4.1.2), then runs 64 rounds over working
 *    variables a..h. A round computes T1 from h, e, the constant K[t]
 *    (section 4.2.2, cube roots of the first 64 primes) and W[t], and T2 from
 *    a, b, c; the variables shift down by one (h = g, ..., b = a) with
 *    e = d + T1 and a = T1 + T2. Finally the variables are added to H.
 *  - The digest is H0..H7 written big-endian (section 6.2.2, step 4).
 *
 * Speed: under Secure Boot the loader hashes the whole kernel file and the
 * initramfs, and that is most of its own work, so the block function (the
 * 64 rounds of one block) exists in four versions and the fastest one the
 * CPU can run is chosen once, at start-up (sha256_select; loader/verify.c
 * probes the CPU). All four keep the same state, so they agree block by
 * block and the rest of the file (padding, buffering) is shared:
 *  - general registers, plain x86_64: the fallback, and the one used when
 *    nothing else is known;
 *  - the same C with BMI1/BMI2 (rorx, andn), which need no enabling by the
 *    firmware;
 *  - the message schedule four words at a time in SSSE3, K[t] + W[t] kept
 *    in memory for the rounds, which use BMI2;
 *  - the SHA extensions, which do two rounds or four schedule words per
 *    instruction.
 * The SSE versions run only when the firmware has enabled SSE: some do not
 * (U-Boot), and the loader is built general-registers-only for them.
 * Whole blocks are hashed straight from the caller's buffer (only a partial
 * block is copied to ctx->buf), and the rounds are unrolled with the
 * variables renamed instead of shifted, so a..h stay in registers.
 * docs/secure-boot.md compares the versions; scripts/bench measures the one
 * QEMU's CPU runs.
 */
#include "sha256.h"

#include <immintrin.h>

/* Section 4.2.2. Aligned for the SSE paths, which load four at a time. */
_Alignas(16) static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

/* Section 5.3.3. */
static const uint32_t sha256_h0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* ROTR^n (section 3.2); n is always a constant in 1..31, which compilers
 * turn into one ror instruction. */
static inline uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * The functions of section 4.1.2, in equivalent forms with fewer operations.
 * Ch(x,y,z) = (x AND y) XOR (NOT x AND z) takes y where x is 1 and z where x
 * is 0, which is z ^ (x & (y ^ z)). Each capital sigma XORs three rotations
 * of x; rotating the partial XOR again instead, as in
 * ROTR^2(x ^ ROTR^11(x ^ ROTR^9 x)) = ROTR^2 x ^ ROTR^13 x ^ ROTR^22 x,
 * needs no extra copies of x. Small sigma the same with a shift.
 */
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define BSIG0(x)    (ror32(ror32(ror32(x, 9) ^ (x), 11) ^ (x), 2))
#define BSIG1(x)    (ror32(ror32(ror32(x, 14) ^ (x), 5) ^ (x), 6))
#define SSIG0(x)    (ror32(ror32(x, 11) ^ (x), 7) ^ ((x) >> 3))
#define SSIG1(x)    (ror32(ror32(x, 2) ^ (x), 17) ^ ((x) >> 10))

/*
 * Round t of section 6.2.2 step 3, with kw = K[t] + W[t]. Instead of moving
 * every variable down by one place, the caller passes them rotated by one
 * place per round, so the register that held h becomes the new a and the
 * one that held d the new e: round t + 1 is ROUND(h, a, b, c, d, e, f, g, ...),
 * and after eight rounds the names are back where they started.
 *
 * Maj(a,b,c) is the bitwise majority: b where a equals b, otherwise c; that is
 * b ^ ((a ^ b) & (b ^ c)). The b ^ c of a round is the a ^ b of the round
 * before (the names shifted), so it is carried over in bc.
 *
 * The order of the additions is the one that compiles best (measured): T1
 * grows in h from kw, Ch and Sigma1, then goes into d, then T2 joins it.
 */
#define ROUND(a, b, c, d, e, f, g, h, kw)                                                          \
	do {                                                                                       \
		h += (kw);                                                                         \
		h += CH(e, f, g);                                                                  \
		h += BSIG1(e); /* T1 */                                                            \
		d += h;                                                                            \
		uint32_t ab = (a) ^ (b);                                                           \
		h += BSIG0(a) + ((b) ^ (ab & bc)); /* T1 + T2 */                                   \
		bc = ab;                                                                           \
	} while (0)

#define ROUNDS8(t, KW)                                                                             \
	do {                                                                                       \
		ROUND(a, b, c, d, e, f, g, h, KW((t) + 0));                                        \
		ROUND(h, a, b, c, d, e, f, g, KW((t) + 1));                                        \
		ROUND(g, h, a, b, c, d, e, f, KW((t) + 2));                                        \
		ROUND(f, g, h, a, b, c, d, e, KW((t) + 3));                                        \
		ROUND(e, f, g, h, a, b, c, d, KW((t) + 4));                                        \
		ROUND(d, e, f, g, h, a, b, c, KW((t) + 5));                                        \
		ROUND(c, d, e, f, g, h, a, b, KW((t) + 6));                                        \
		ROUND(b, c, d, e, f, g, h, a, KW((t) + 7));                                        \
	} while (0)

/* The 64 rounds of one block and the addition into st (step 4); KW(t) is
 * the expression for K[t] + W[t]. Fully unrolled: the round constants
 * become immediates and a..h stay in registers. */
#define ROUNDS64(st, KW)                                                                           \
	do {                                                                                       \
		uint32_t a = st[0], b = st[1], c = st[2], d = st[3];                               \
		uint32_t e = st[4], f = st[5], g = st[6], h = st[7];                               \
		uint32_t bc = b ^ c;                                                               \
		ROUNDS8(0, KW);                                                                    \
		ROUNDS8(8, KW);                                                                    \
		ROUNDS8(16, KW);                                                                   \
		ROUNDS8(24, KW);                                                                   \
		ROUNDS8(32, KW);                                                                   \
		ROUNDS8(40, KW);                                                                   \
		ROUNDS8(48, KW);                                                                   \
		ROUNDS8(56, KW);                                                                   \
		st[0] += a;                                                                        \
		st[1] += b;                                                                        \
		st[2] += c;                                                                        \
		st[3] += d;                                                                        \
		st[4] += e;                                                                        \
		st[5] += f;                                                                        \
		st[6] += g;                                                                        \
		st[7] += h;                                                                        \
	} while (0)

#define KW_SCALAR(t) (sha256_k[t] + w[t])
#define KW_TABLE(t)  (wk[t])

/*
 * The portable block function: hashes nblocks (at least 1) whole 64-byte
 * blocks at p into the state st.
 *
 * The message schedule (section 6.2.2 step 1) is computed for the whole block
 * first, so the rounds read W[t] from memory and the registers are left to
 * a..h. The unroll counts were measured (instructions per byte under
 * callgrind): the 64 rounds fully unrolled turn K[t] into immediates, and an
 * 8-way unrolled schedule loop saves most of its loop overhead.
 *
 * It is always inlined into its two callers below, which compile the same C
 * for different instruction sets.
 */
static inline __attribute__((always_inline)) void blocks_scalar(uint32_t st[8], const uint8_t *p,
                                                                size_t nblocks)
{
	uint32_t w[64];

	do {
#pragma clang loop unroll(full)
		for (int t = 0; t < 16; t++)
			w[t] = load_be32(p + 4 * t);
#pragma clang loop unroll_count(8)
		for (int t = 16; t < 64; t++)
			w[t] = SSIG1(w[t - 2]) + w[t - 7] + SSIG0(w[t - 15]) + w[t - 16];
		ROUNDS64(st, KW_SCALAR);
		p += SHA256_BLOCK_SIZE;
	} while (--nblocks);
}

/* Plain x86_64: every rotation is a mov and a ror (two-operand instructions
 * destroy their input), which the nested forms of BSIG0/BSIG1 keep to one
 * extra mov per function. */
static void blocks_generic(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
	blocks_scalar(st, p, nblocks);
}

/*
 * The same C for CPUs with BMI1 and BMI2 (Intel SDM vol. 2, RORX and ANDN;
 * CPUID leaf 7, EBX bits 3 and 8). These are general-register instructions:
 * unlike SSE they need nothing enabled by the firmware, so this path is open
 * even where the firmware left SSE off. rorx writes a rotation of its input
 * to another register and andn computes ~x & y, so the copies that ror and
 * and need disappear. The target attribute enables them for this one
 * function; the rest of the file stays plain x86_64.
 */
__attribute__((target("bmi,bmi2"))) static void blocks_bmi2(uint32_t st[8], const uint8_t *p,
                                                           size_t nblocks)
{
	blocks_scalar(st, p, nblocks);
}

/*
 * The SSE paths. The loader is compiled -mgeneral-regs-only, because a
 * firmware may start it with SSE disabled (U-Boot leaves CR4.OSFXSR clear,
 * and then every SSE instruction raises #UD); these two functions enable
 * SSE for themselves with a target attribute, and sha256_select is only
 * asked for them when the caller has seen SSE enabled.
 *
 * Both are ms_abi functions. The firmware's calling convention (Microsoft
 * x64, UEFI 2.10 section 2.3.4.2) makes XMM6-XMM15 callee-saved, and the
 * loader may return to the firmware; gnu-efi's crt0 calls efi_main with the
 * System V convention, under which no XMM register is preserved, so nothing
 * between the firmware and these functions would save them. Declared
 * ms_abi, a function saves and restores the XMM6-15 registers it uses
 * itself (the loader-no-simd build check verifies it in the disassembly).
 * The intrinsics (immintrin.h) are the instructions one for one.
 */
#define SSE_FN(features) __attribute__((ms_abi, target(features))) static void

/* Each 32-bit word of x byte-swapped: big-endian message words (3.1) to
 * the little-endian lanes the arithmetic works on. */
#define BSWAP32_X4(x)                                                                              \
	_mm_shuffle_epi8((x), _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12))

/*
 * SSSE3 message schedule, BMI2 rounds.
 *
 * The rounds cannot use SIMD (each needs the one before), but the schedule
 * can: W[t..t+3] depend on words at least 2 back. With SSE2 there is no
 * vector rotate, so sigma0 of four words is made of shifts, with the right
 * and left shifts grouped like the nested rotations above:
 *   x>>3 ^ x>>7 ^ x>>18 = (((x>>11 ^ x) >> 4) ^ x) >> 3
 *   x<<14 ^ x<<25       = ((x<<11) ^ x) << 14
 * (ROTR^7 x = x>>7 ^ x<<25, the two halves having no bit in common).
 * W[t] and W[t+1] need sigma1 of W[t-2] and W[t-1], but W[t+2] and W[t+3]
 * need sigma1 of W[t] and W[t+1] themselves, so sigma1 is done on two words
 * at a time, each copied into both halves of a 64-bit lane: shifting the
 * 64-bit lane right by n then leaves ROTR^n of the word in its low half.
 * palignr (SSSE3) gathers the words that straddle two vectors (W[t-15..t-12],
 * W[t-7..t-4]) and pshufb (SSSE3) byte-swaps and places words.
 *
 * K[t] is added to each vector and the sums stored in wk[], so a round
 * reads K[t] + W[t] with a single add; the rounds are those of blocks_bmi2.
 */
/* An empty asm statement that claims to change x: the compiler must take
 * the value as it is, so it cannot rewrite the nested shifts below back
 * into five separate ones (which it otherwise does, at two more
 * instructions each time). */
#define OPAQUE(x) __asm__("" : "+x"(x))

static inline __attribute__((always_inline, target("ssse3"))) __m128i ssig0_x4(__m128i x)
{
	__m128i r = _mm_xor_si128(_mm_srli_epi32(x, 11), x);
	OPAQUE(r);
	r = _mm_xor_si128(_mm_srli_epi32(r, 4), x);
	OPAQUE(r);
	__m128i l = _mm_xor_si128(_mm_slli_epi32(x, 11), x);
	OPAQUE(l);
	return _mm_xor_si128(_mm_srli_epi32(r, 3), _mm_slli_epi32(l, 14));
}

/* sigma1 of the words in lanes 0 and 2, with d = (u, u, v, v): the 64-bit
 * shifts by 17 and 19 give the rotations (ROTR^19 x ^ ROTR^17 x is the 17 of
 * ROTR^2 x ^ x, nested as above). Lanes 1 and 3 are left with junk. */
static inline __attribute__((always_inline, target("ssse3"))) __m128i ssig1_x2(__m128i d)
{
	__m128i r = _mm_xor_si128(_mm_srli_epi64(d, 2), d);
	OPAQUE(r);
	return _mm_xor_si128(_mm_srli_epi64(r, 17), _mm_srli_epi32(d, 10));
}

/* x0 = W[t-16..t-13] becomes W[t..t+3] (x1, x2, x3: the next 12 words),
 * and K + W goes into wk[t..t+3]. */
#define SCHEDULE4(x0, x1, x2, x3, t)                                                               \
	do {                                                                                       \
		x0 = _mm_add_epi32(_mm_add_epi32(x0, _mm_alignr_epi8(x3, x2, 4)),                  \
		                   ssig0_x4(_mm_alignr_epi8(x1, x0, 4)));                          \
		x0 = _mm_add_epi32(x0, _mm_shuffle_epi8(ssig1_x2(_mm_shuffle_epi32(x3, 0xfa)),     \
		                                        sig1_low));                                \
		x0 = _mm_add_epi32(x0, _mm_shuffle_epi8(ssig1_x2(_mm_shuffle_epi32(x0, 0x50)),     \
		                                        sig1_high));                               \
		STORE_KW(x0, t);                                                                   \
	} while (0)

#define STORE_KW(x, t)                                                                             \
	_mm_store_si128((__m128i *)&wk[t],                                                         \
	                _mm_add_epi32((x), _mm_load_si128((const __m128i *)&sha256_k[t])))

SSE_FN("ssse3,bmi,bmi2") blocks_ssse3(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
	_Alignas(16) uint32_t wk[64];
	/* pshufb masks: lanes 0 and 2 to lanes 0 and 1, or to lanes 2 and 3;
	 * a byte index with bit 7 set makes a zero byte. */
	const __m128i sig1_low = _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, -1, -1, -1, -1, -1, -1,
	                                       -1, -1);
	const __m128i sig1_high = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 2, 3, 8, 9,
	                                        10, 11);

	do {
		__m128i x0 = BSWAP32_X4(_mm_loadu_si128((const __m128i *)p));
		__m128i x1 = BSWAP32_X4(_mm_loadu_si128((const __m128i *)(p + 16)));
		__m128i x2 = BSWAP32_X4(_mm_loadu_si128((const __m128i *)(p + 32)));
		__m128i x3 = BSWAP32_X4(_mm_loadu_si128((const __m128i *)(p + 48)));
		STORE_KW(x0, 0);
		STORE_KW(x1, 4);
		STORE_KW(x2, 8);
		STORE_KW(x3, 12);
		for (int t = 16; t < 64; t += 16) {
			SCHEDULE4(x0, x1, x2, x3, t);
			SCHEDULE4(x1, x2, x3, x0, t + 4);
			SCHEDULE4(x2, x3, x0, x1, t + 8);
			SCHEDULE4(x3, x0, x1, x2, t + 12);
		}
		ROUNDS64(st, KW_TABLE);
		p += SHA256_BLOCK_SIZE;
	} while (--nblocks);
}

/*
 * The SHA extensions (Intel SDM vol. 2: SHA256RNDS2, SHA256MSG1,
 * SHA256MSG2; CPUID leaf 7, EBX bit 29).
 *
 * sha256rnds2 does two rounds. It keeps the eight variables in two
 * registers, (A, B, E, F) and (C, D, G, H), A and C in the top lanes, and
 * takes K + W of the two rounds from the low half of xmm0. Its result is
 * the new (A, B, E, F); the new (C, D, G, H) is the old (A, B, E, F), since
 * two rounds move every variable down by two. So the two registers swap
 * roles every two rounds and are back after four.
 *
 * sha256msg1 adds sigma0 of W[t-15..t-12] to W[t-16..t-13]; adding
 * W[t-7..t-4] and then sha256msg2 (which adds sigma1, computing the last two
 * words from the first two as it goes) gives W[t..t+3].
 */
SSE_FN("sha,sse4.1") blocks_shani(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
	/* st[0..3] is (A, B, C, D) with A in lane 0; reorder into (F, E, B, A)
	 * and (H, G, D, C), lane 0 first. */
	__m128i abcd = _mm_loadu_si128((const __m128i *)st);
	__m128i efgh = _mm_loadu_si128((const __m128i *)(st + 4));
	__m128i badc = _mm_shuffle_epi32(abcd, 0xb1); /* lanes B A D C */
	__m128i hgfe = _mm_shuffle_epi32(efgh, 0x1b); /* lanes H G F E */
	__m128i abef = _mm_alignr_epi8(badc, hgfe, 8); /* F E B A */
	__m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xf0); /* H G D C */

	do {
		__m128i abef0 = abef, cdgh0 = cdgh, kw;
		__m128i m0 = BSWAP32_X4(_mm_loadu_si128((const __m128i *)p));
		__m128i m1 = BSWAP32_X4(_mm_loadu_si128((const __m128i *)(p + 16)));
		__m128i m2 = BSWAP32_X4(_mm_loadu_si128((const __m128i *)(p + 32)));
		__m128i m3 = BSWAP32_X4(_mm_loadu_si128((const __m128i *)(p + 48)));

/* Rounds t..t+3 with the message words m = W[t..t+3]. */
#define ROUNDS4(m, t)                                                                              \
	do {                                                                                       \
		kw = _mm_add_epi32((m), _mm_load_si128((const __m128i *)&sha256_k[t]));            \
		cdgh = _mm_sha256rnds2_epu32(cdgh, abef, kw);                                      \
		abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(kw, 0x0e));             \
	} while (0)
/* m0 = W[t-16..t-13] becomes W[t..t+3]. */
#define SCHEDULE4_SHA(m0, m1, m2, m3)                                                              \
	m0 = _mm_sha256msg2_epu32(                                                                 \
	        _mm_add_epi32(_mm_sha256msg1_epu32(m0, m1), _mm_alignr_epi8(m3, m2, 4)), m3)

		ROUNDS4(m0, 0);
		ROUNDS4(m1, 4);
		ROUNDS4(m2, 8);
		ROUNDS4(m3, 12);
		for (int t = 16; t < 64; t += 16) {
			SCHEDULE4_SHA(m0, m1, m2, m3);
			ROUNDS4(m0, t);
			SCHEDULE4_SHA(m1, m2, m3, m0);
			ROUNDS4(m1, t + 4);
			SCHEDULE4_SHA(m2, m3, m0, m1);
			ROUNDS4(m2, t + 8);
			SCHEDULE4_SHA(m3, m0, m1, m2);
			ROUNDS4(m3, t + 12);
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
		p += SHA256_BLOCK_SIZE;
	} while (--nblocks);

	/* Back to (A, B, C, D) and (E, F, G, H). */
	__m128i feba = _mm_shuffle_epi32(abef, 0x1b); /* A B E F */
	__m128i ghcd = _mm_shuffle_epi32(cdgh, 0xb1); /* G H C D */
	_mm_storeu_si128((__m128i *)st, _mm_blend_epi16(feba, ghcd, 0xf0));
	_mm_storeu_si128((__m128i *)(st + 4), _mm_alignr_epi8(ghcd, feba, 8));
}

/*
 * The dispatcher. selected starts as the portable implementation; the
 * caller raises it once (sha256_select) after probing the CPU.
 */
static enum sha256_impl selected = SHA256_GENERIC;

static const struct {
	const char *name;
	unsigned needs; /* SHA256_CPU_* */
} impls[SHA256_NIMPL] = {
        [SHA256_GENERIC] = {"general registers", 0},
        [SHA256_BMI2] = {"general registers with BMI2", SHA256_CPU_BMI2},
        [SHA256_SSSE3] = {"SSSE3 schedule + BMI2 rounds", SHA256_CPU_SSSE3 | SHA256_CPU_BMI2},
        [SHA256_SHANI] = {"SHA extensions", SHA256_CPU_SHA},
};

unsigned sha256_impl_needs(enum sha256_impl impl)
{
	return impls[impl].needs;
}

enum sha256_impl sha256_best(unsigned cpu)
{
	enum sha256_impl best = SHA256_GENERIC;

	for (int i = 0; i < SHA256_NIMPL; i++)
		if ((impls[i].needs & ~cpu) == 0)
			best = (enum sha256_impl)i;
	return best;
}

void sha256_select(enum sha256_impl impl)
{
	selected = impl;
}

enum sha256_impl sha256_selected(void)
{
	return selected;
}

const char *sha256_impl_name(enum sha256_impl impl)
{
	return impls[impl].name;
}

static void sha256_blocks(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
	switch (selected) {
	case SHA256_SHANI:
		blocks_shani(st, p, nblocks);
		break;
	case SHA256_SSSE3:
		blocks_ssse3(st, p, nblocks);
		break;
	case SHA256_BMI2:
		blocks_bmi2(st, p, nblocks);
		break;
	default:
		blocks_generic(st, p, nblocks);
		break;
	}
}

void sha256_init(struct sha256_ctx *c)
{
	for (int i = 0; i < 8; i++)
		c->h[i] = sha256_h0[i];
	c->len = 0;
	c->nbuf = 0;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t n)
{
	const uint8_t *p = data;

	if (n == 0)
		return; /* data may be NULL, and NULL + 0 is undefined in C */
	c->len += n;
	if (c->nbuf > 0) {
		while (c->nbuf < SHA256_BLOCK_SIZE && n > 0) {
			c->buf[c->nbuf++] = *p++;
			n--;
		}
		if (c->nbuf < SHA256_BLOCK_SIZE)
			return;
		sha256_blocks(c->h, c->buf, 1);
		c->nbuf = 0;
	}
	if (n >= SHA256_BLOCK_SIZE) {
		size_t nblocks = n / SHA256_BLOCK_SIZE;
		sha256_blocks(c->h, p, nblocks);
		p += nblocks * SHA256_BLOCK_SIZE;
		n -= nblocks * SHA256_BLOCK_SIZE;
	}
	while (n > 0) {
		c->buf[c->nbuf++] = *p++;
		n--;
	}
}

/*
 * Section 5.1.1: append the bit 1 (the byte 0x80, as messages here are whole
 * bytes), then zero bytes until 56 bytes of the last block are used, then the
 * message length in bits as a 64-bit big-endian number. When fewer than 9
 * bytes are left in the current block, the padding spills into one more.
 */
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE])
{
	uint64_t bits = c->len * 8;
	size_t n = c->nbuf;

	c->buf[n++] = 0x80;
	if (n > SHA256_BLOCK_SIZE - 8) {
		while (n < SHA256_BLOCK_SIZE)
			c->buf[n++] = 0;
		sha256_blocks(c->h, c->buf, 1);
		n = 0;
	}
	while (n < SHA256_BLOCK_SIZE - 8)
		c->buf[n++] = 0;
	store_be32(c->buf + 56, (uint32_t)(bits >> 32));
	store_be32(c->buf + 60, (uint32_t)bits);
	sha256_blocks(c->h, c->buf, 1);
	c->nbuf = 0;
	for (int i = 0; i < 8; i++)
		store_be32(out + 4 * i, c->h[i]);
}

void sha256(const void *data, size_t n, uint8_t out[SHA256_DIGEST_SIZE])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, data, n);
	sha256_final(&c, out);
}

/* No early exit: OR together the differences of all bytes, then turn "all
 * zero" into 1 without a branch ((0 - 1) >> 8 has its low bit set, while
 * (d - 1) >> 8 is 0 for d in 1..255). */
int sha256_equal(const uint8_t a[SHA256_DIGEST_SIZE], const uint8_t b[SHA256_DIGEST_SIZE])
{
	unsigned diff = 0;

	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		diff |= (unsigned)(a[i] ^ b[i]);
	return (int)(((diff - 1) >> 8) & 1);
}
