/*
 * The 8254 Programmable Interval Timer, used only as a last-resort reference
 * to calibrate the TSC when neither CPUID nor an HPET gives its frequency.
 */
#pragma once

#include <stdint.h>

#define PIT_HZ 1193182u /* the 8254's input clock: 14.31818 MHz / 12 */

/* Busy-wait ~ticks PIT ticks (at most 65535) using channel 2; returns the TSC
 * ticks that elapsed, or 0 if the PIT does not count (no PIT). */
uint64_t pit_measure_tsc(uint16_t ticks);
