/*
 * What the host CPU offers the loader's SHA-256 (loader/sha256.h's
 * SHA256_CPU_* bits), for the host tests and the fuzzer. The loader probes
 * CPUID and the control registers itself (loader/verify.c); a Linux process
 * cannot read CR4, but Linux enables SSE for every process, so CPUID alone
 * decides here.
 */
#pragma once

#include <cpuid.h>

#include "loader/sha256.h"

static inline unsigned host_sha256_cpu(void)
{
	unsigned a, b, c, d, ecx1, ebx7 = 0, cpu = 0;

	if (!__get_cpuid(1, &a, &b, &ecx1, &d))
		return 0;
	if (__get_cpuid_max(0, NULL) >= 7)
		__cpuid_count(7, 0, a, ebx7, c, d);
	if ((ebx7 & (1u << 3)) && (ebx7 & (1u << 8))) /* BMI1, BMI2 */
		cpu |= SHA256_CPU_BMI2;
	if (ecx1 & (1u << 9)) /* SSSE3 */
		cpu |= SHA256_CPU_SSSE3;
	if ((ebx7 & (1u << 29)) && (ecx1 & (1u << 19))) /* SHA, SSE4.1 */
		cpu |= SHA256_CPU_SHA;
	return cpu;
}

/* 1 if this host can run impl. */
static inline int host_sha256_can(enum sha256_impl impl)
{
	return (sha256_impl_needs(impl) & ~host_sha256_cpu()) == 0;
}
