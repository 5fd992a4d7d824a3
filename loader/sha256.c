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
 * Speed: the loader hashes the whole kernel file (its instruction count is
 * measured), so whole blocks are hashed straight from the caller's buffer
 * (only a partial block is copied to ctx->buf), and the 64 rounds are
 * unrolled with the variables renamed instead of shifted, so a..h stay in
 * registers. No SIMD and no SHA instructions: the loader is built
 * general-registers only. About 43 instructions per byte on x86_64.
 */
#include "sha256.h"

/* Section 4.2.2. */
static const uint32_t sha256_k[64] = {
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
 * Round t of section 6.2.2 step 3. Instead of moving every variable down by
 * one place, the caller passes them rotated by one place per round, so the
 * register that held h becomes the new a and the one that held d the new e:
 * round t + 1 is ROUND(h, a, b, c, d, e, f, g, t + 1), and after eight rounds
 * the names are back where they started.
 *
 * Maj(a,b,c) is the bitwise majority: b where a equals b, otherwise c; that is
 * b ^ ((a ^ b) & (b ^ c)). The b ^ c of a round is the a ^ b of the round
 * before (the names shifted), so it is carried over in bc.
 */
#define ROUND(a, b, c, d, e, f, g, h, t)                                                           \
	do {                                                                                       \
		h += BSIG1(e) + CH(e, f, g) + sha256_k[t] + w[t]; /* T1 */                         \
		d += h;                                                                            \
		uint32_t ab = (a) ^ (b);                                                           \
		h += BSIG0(a) + ((b) ^ (ab & bc)); /* T1 + T2 */                                   \
		bc = ab;                                                                           \
	} while (0)

#define ROUNDS8(t)                                                                                 \
	do {                                                                                       \
		ROUND(a, b, c, d, e, f, g, h, (t) + 0);                                            \
		ROUND(h, a, b, c, d, e, f, g, (t) + 1);                                            \
		ROUND(g, h, a, b, c, d, e, f, (t) + 2);                                            \
		ROUND(f, g, h, a, b, c, d, e, (t) + 3);                                            \
		ROUND(e, f, g, h, a, b, c, d, (t) + 4);                                            \
		ROUND(d, e, f, g, h, a, b, c, (t) + 5);                                            \
		ROUND(c, d, e, f, g, h, a, b, (t) + 6);                                            \
		ROUND(b, c, d, e, f, g, h, a, (t) + 7);                                            \
	} while (0)

/*
 * Hashes nblocks (at least 1) whole 64-byte blocks at p into the state st.
 *
 * The message schedule (section 6.2.2 step 1) is computed for the whole block
 * first, so the rounds read W[t] from memory and the registers are left to
 * a..h. The unroll counts were measured (instructions per byte under
 * callgrind): the 64 rounds fully unrolled turn K[t] into immediates, and an
 * 8-way unrolled schedule loop saves most of its loop overhead.
 */
static void sha256_blocks(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
	uint32_t w[64];

	do {
#pragma clang loop unroll(full)
		for (int t = 0; t < 16; t++)
			w[t] = load_be32(p + 4 * t);
#pragma clang loop unroll_count(8)
		for (int t = 16; t < 64; t++)
			w[t] = SSIG1(w[t - 2]) + w[t - 7] + SSIG0(w[t - 15]) + w[t - 16];

		uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
		uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
		uint32_t bc = b ^ c;

		ROUNDS8(0);
		ROUNDS8(8);
		ROUNDS8(16);
		ROUNDS8(24);
		ROUNDS8(32);
		ROUNDS8(40);
		ROUNDS8(48);
		ROUNDS8(56);

		st[0] += a;
		st[1] += b;
		st[2] += c;
		st[3] += d;
		st[4] += e;
		st[5] += f;
		st[6] += g;
		st[7] += h;
		p += SHA256_BLOCK_SIZE;
	} while (--nblocks);
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
