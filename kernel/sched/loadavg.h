/*
 * The load average, as Linux computes it (kernel/sched/loadavg.c there):
 * every 5 seconds the number of threads that are running or ready to run
 * is folded into three exponentially decaying averages, over 1, 5 and 15
 * minutes. It is what uptime(1), top(1), /proc/loadavg and sysinfo(2) show.
 */
#pragma once

#include <stdint.h>

/* Fixed point with LOADAVG_FSHIFT fraction bits: 1.0 is LOADAVG_FIXED_1. */
#define LOADAVG_FSHIFT 11
#define LOADAVG_FIXED_1 (1u << LOADAVG_FSHIFT)
#define LOADAVG_PERIOD_S 5 /* seconds between samples */

/* One sample: `active` threads running or ready now. The timer tick of
 * CPU 0 calls it every LOADAVG_PERIOD_S seconds. */
void loadavg_sample(uint32_t active);
/* The 1, 5 and 15 minute averages, in LOADAVG_FSHIFT fixed point. */
void loadavg_get(uint64_t out[3]);
/* One step of the average (pure, for tests): load decayed by exp (the
 * weight e^(-5 s / period), in fixed point) towards active. */
uint64_t loadavg_step(uint64_t load, uint64_t exp, uint32_t active);
