/*
 * test=bench: the figures scripts/bench collects. The boot figures themselves
 * are on the "boot-bench:" line that boot_ready() prints; this test adds a
 * calibration: how many TSC ticks a known number of instructions takes. Under
 * QEMU's -icount shift=7 every guest instruction advances the TSC by 2^7, so
 * the ratio should come out as 128; scripts/bench divides by the measured
 * ratio rather than trusting that.
 */
#include "arch/x86_64/cpu.h"
#include "lib/kprintf.h"
#include "test/ktest.h"

#define CALIBRATION_PAIRS 100000ull /* 200000 instructions */

bool ktest_bench(void)
{
	/* Warm up once so the loop is already translated by QEMU. */
	cpu_spin_instructions(1000);
	uint64_t t0 = cpu_rdtsc();
	cpu_spin_instructions(CALIBRATION_PAIRS);
	uint64_t t1 = cpu_rdtsc();
	kprintf("bench-calibration: instructions=%llu tsc=%llu\n",
	        (unsigned long long)(2 * CALIBRATION_PAIRS), (unsigned long long)(t1 - t0));
	return true;
}
