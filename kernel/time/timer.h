/*
 * The periodic tick: the local APIC timer, calibrated against the TSC, at a
 * rate set by "timer_hz=" on the command line (default 250 Hz).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define TIMER_DEFAULT_HZ 250

void timer_init(void);
/* On an application processor: the same periodic timer, no calibration. */
void timer_init_cpu(void);
/* Called on every tick of every CPU, in the interrupt handler: the
 * scheduler's. */
void timer_set_hook(void (*fn)(void));
/* Another function for every tick (interval timers...), run before the
 * scheduler's; at most four. False when there is no room. */
bool timer_add_hook(void (*fn)(void));
uint64_t timer_ticks(void);
uint32_t timer_hz(void);
/* LAPIC timer input clock (bus clock / 16), measured. */
uint64_t timer_lapic_hz(void);
