/*
 * The load average (see loadavg.h).
 *
 * Each average is an exponentially weighted moving average sampled every
 * 5 s: load' = load * e + active * (1 - e), where e = exp(-5 s / T) for a
 * window T of 1, 5 or 15 minutes. In LOADAVG_FSHIFT (11-bit) fixed point
 * the weights are 2048 * exp(-5/60) = 1884, 2048 * exp(-5/300) = 2014 and
 * 2048 * exp(-5/900) = 2037, the constants Linux uses, so a machine with
 * one busy thread climbs to 1.00 the way Linux's does: 0.63 after a
 * minute in the first figure.
 *
 * Only CPU 0's tick writes the averages; readers on any CPU load them with
 * relaxed atomics: each figure is one word, and three figures from two
 * neighbouring samples are as good as three from one.
 */
#include "sched/loadavg.h"

#include <stdatomic.h>

static const uint64_t weights[3] = {1884, 2014, 2037};
static _Atomic uint64_t averages[3];

uint64_t loadavg_step(uint64_t load, uint64_t exp, uint32_t active)
{
	uint64_t next = load * exp + (uint64_t)active * LOADAVG_FIXED_1 * (LOADAVG_FIXED_1 - exp);
	/* Round up while rising, as Linux does, so that a steady load of n
	 * reaches n.00 rather than stopping one unit short of it. */
	if (active * (uint64_t)LOADAVG_FIXED_1 >= load)
		next += LOADAVG_FIXED_1 - 1;
	return next >> LOADAVG_FSHIFT;
}

void loadavg_sample(uint32_t active)
{
	for (int i = 0; i < 3; i++) {
		uint64_t old = atomic_load_explicit(&averages[i], memory_order_relaxed);
		atomic_store_explicit(&averages[i], loadavg_step(old, weights[i], active),
		                      memory_order_relaxed);
	}
}

void loadavg_get(uint64_t out[3])
{
	for (int i = 0; i < 3; i++)
		out[i] = atomic_load_explicit(&averages[i], memory_order_relaxed);
}
