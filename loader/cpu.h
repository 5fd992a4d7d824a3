/*
 * The few x86_64 instructions the loader needs, as static inline accessors so
 * the rest of the loader contains no inline assembly.
 */
#pragma once

#include <stdint.h>

#define MSR_EFER 0xc0000080u
#define EFER_NXE (1ull << 11) /* Intel SDM vol. 3A, 2.2.1: execute-disable enable */

#define CPUID_EXT_NX (1u << 20)      /* CPUID 0x80000001 EDX: execute disable */
#define CPUID_EXT_PDPE1GB (1u << 26) /* CPUID 0x80000001 EDX: 1 GiB pages */

static inline uint64_t ldr_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void ldr_cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/* EDX of CPUID 0x80000001, or 0 when the extended leaf is missing. */
static inline uint32_t ldr_cpuid_ext_edx(void)
{
	uint32_t a, b, c, d;
	ldr_cpuid(0x80000000u, &a, &b, &c, &d);
	if (a < 0x80000001u)
		return 0;
	ldr_cpuid(0x80000001u, &a, &b, &c, &d);
	return d;
}

#define CR4_LA57 (1ull << 12)   /* Intel SDM vol. 3A, 2.5: 5-level paging active */
#define CR4_OSFXSR (1ull << 9)  /* Intel SDM vol. 3A, 2.5: the OS supports SSE (fxsave) */
#define CR0_EM (1ull << 2)      /* Intel SDM vol. 3A, 2.5: no x87/SSE unit (SSE raises #UD) */
#define CR0_TS (1ull << 3)      /* Intel SDM vol. 3A, 2.5: task switched (SSE raises #NM) */

/* CPUID feature bits (Intel SDM vol. 2A, CPUID, tables 3-10 and 3-8). */
#define CPUID_1_ECX_SSSE3 (1u << 9)
#define CPUID_1_ECX_SSE41 (1u << 19)
#define CPUID_7_EBX_BMI1 (1u << 3)
#define CPUID_7_EBX_BMI2 (1u << 8)
#define CPUID_7_EBX_SHA (1u << 29)

static inline uint64_t ldr_read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t ldr_read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* Whether SSE instructions may run: the firmware has enabled them
 * (CR4.OSFXSR) and neither emulation nor a lazy-switch trap is armed
 * (CR0.EM, CR0.TS). Intel SDM vol. 3A, 13.1.3. U-Boot's UEFI, for one,
 * starts applications with OSFXSR clear. */
static inline int ldr_sse_enabled(void)
{
	return (ldr_read_cr4() & CR4_OSFXSR) && !(ldr_read_cr0() & (CR0_EM | CR0_TS));
}

/* ECX of CPUID leaf 1 and EBX of leaf 7 (subleaf 0), 0 when leaf 7 is missing. */
static inline void ldr_cpuid_features(uint32_t *ecx1, uint32_t *ebx7)
{
	uint32_t max, a, b, c, d;
	ldr_cpuid(0, &max, &b, &c, &d);
	ldr_cpuid(1, &a, &b, ecx1, &d);
	*ebx7 = 0;
	if (max >= 7)
		ldr_cpuid(7, &a, ebx7, &c, &d);
}

static inline uint64_t ldr_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void ldr_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/*
 * Bulk copy and zero with the string instructions: whole quadwords with
 * rep movsq/stosq, then the odd bytes. Speed matters for the kernel image
 * (its bss is hundreds of KiB), where byte loops were measurably slower.
 */
static inline void ldr_copy(void *dst, const void *src, uint64_t n)
{
	uint64_t q = n >> 3, r = n & 7;
	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(q) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(r) : : "memory");
}

static inline void ldr_zero(void *dst, uint64_t n)
{
	uint64_t q = n >> 3, r = n & 7;
	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(q) : "a"(0ull) : "memory");
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(r) : "a"(0ull) : "memory");
}
