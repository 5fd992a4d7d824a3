/*
 * test=bench: the figures scripts/bench collects. The boot figures themselves
 * are on the "boot-bench:" line that boot_ready() prints; this test adds a
 * calibration: how many TSC ticks a known number of instructions takes. Under
 * QEMU's -icount shift=7 every guest instruction advances the TSC by 2^7, so
 * the ratio should come out as 128; scripts/bench divides by the measured
 * ratio rather than trusting that.
 */
#include "arch/x86_64/cpu.h"
#include "core/kprintf.h"
#include "test/ktest.h"
#include "time/timer.h"

#define CALIBRATION_PAIRS 100000ull /* 200000 instructions */
#define TIMER_BENCH_PAIRS 2000000ull /* 4 M instructions: dozens of ticks */

/*
 * The cost of one timer interrupt with no work, entry to exit: run a known
 * number of instructions with interrupts on; whatever the TSC counts beyond
 * them, divided by the ticks that happened, is the interrupt path (under
 * -icount every instruction, the handler's included, advances the TSC).
 */
static uint64_t bench_timer_irq(uint64_t calibration_tsc)
{
	cpu_sti();
	uint64_t k0 = timer_ticks();
	uint64_t t0 = cpu_rdtsc();
	cpu_spin_instructions(TIMER_BENCH_PAIRS);
	uint64_t t1 = cpu_rdtsc();
	uint64_t k1 = timer_ticks();
	cpu_cli();
	kprintf("bench-timer-irq: instructions=%llu tsc=%llu interrupts=%llu\n",
	        (unsigned long long)(2 * TIMER_BENCH_PAIRS), (unsigned long long)(t1 - t0),
	        (unsigned long long)(k1 - k0));
	/* The same loop without interrupts takes calibration_tsc per
	 * CALIBRATION_PAIRS; the rest is interrupt time. */
	uint64_t loop = calibration_tsc * (TIMER_BENCH_PAIRS / CALIBRATION_PAIRS);
	return k1 > k0 && t1 - t0 > loop ? (t1 - t0 - loop) / (k1 - k0) : 0;
}

bool ktest_bench(void)
{
	/* Interrupts off: a tick inside the loop would count as loop time. */
	uint64_t flags = cpu_irq_save();
	/* Warm up once so the loop is already translated by QEMU. */
	cpu_spin_instructions(1000);
	uint64_t t0 = cpu_rdtsc();
	cpu_spin_instructions(CALIBRATION_PAIRS);
	uint64_t t1 = cpu_rdtsc();
	kprintf("bench-calibration: instructions=%llu tsc=%llu\n",
	        (unsigned long long)(2 * CALIBRATION_PAIRS), (unsigned long long)(t1 - t0));
	ktest_heap_bench();
	ktest_pmm_bench();
	uint64_t per_irq = bench_timer_irq(t1 - t0);
	if (per_irq)
		kprintf("bench: one timer interrupt with no work costs about %llu TSC ticks; "
		        "scripts/bench turns this into guest instructions\n",
		        (unsigned long long)per_irq);
	cpu_irq_restore(flags);
	return true;
}
