/*
 * The monotonic clock: nanoseconds since clock_init, from the TSC. The TSC
 * frequency comes from CPUID leaf 0x15/0x16 where the CPU reports it, and is
 * otherwise calibrated against the HPET or, failing that, the PIT.
 */
#pragma once

#include <stdint.h>

void clock_init(void);
uint64_t clock_tsc_hz(void);
/* How the TSC frequency was found: "cpuid 0x15", "hpet", ... */
const char *clock_source(void);
uint64_t clock_ns(void);
uint64_t clock_tsc_to_ns(uint64_t tsc_ticks);
/* Busy-wait at least ns nanoseconds (TSC based). */
void clock_delay_ns(uint64_t ns);
