/*
 * The kernel's random bytes (see random.h).
 */
#include "core/random.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "lib/string.h"

#define CPUID1_ECX_RDRAND (1u << 30)

static bool have_rdrand;
static _Atomic uint64_t mix_state;

void random_init(void)
{
	uint32_t a, b, c, d;
	cpu_cpuid(1, 0, &a, &b, &c, &d);
	have_rdrand = (c & CPUID1_ECX_RDRAND) != 0;
	atomic_store(&mix_state, cpu_rdtsc() * 0x9e3779b97f4a7c15ull);
}

const char *random_source(void) { return have_rdrand ? "rdrand" : "tsc-seeded splitmix64"; }

static uint64_t next64(void)
{
	uint64_t v;
	if (have_rdrand)
		for (int i = 0; i < 16; i++)
			if (cpu_rdrand(&v))
				return v;
	/* SplitMix64 (Steele, Lea, Flood 2014) over a shared counter, with
	 * the TSC folded in so that two boots differ. */
	uint64_t z = atomic_fetch_add(&mix_state, 0x9e3779b97f4a7c15ull) ^ cpu_rdtsc();
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		uint64_t v = next64();
		size_t k = n < 8 ? n : 8;
		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}
