/*
 * The loader's stopwatch (scripts/bench reads its figures from the "loader
 * timing" line in main.c).
 *
 * The issue behind it asks how much work the loader itself does, apart from
 * the firmware's. Printing (ldr_print into the firmware console, and
 * formatting the boot log) and AllocatePages are counted separately as they
 * happen, and ldr_clock is the TSC minus both: a step timed with ldr_clock
 * is the loader's own code only, even when it prints or allocates inside.
 */
#include "loader.h"
#include "cpu.h"

UINT64 ldr_log_ticks, ldr_alloc_ticks;

UINT64 ldr_clock(void) { return ldr_rdtsc() - ldr_log_ticks - ldr_alloc_ticks; }
