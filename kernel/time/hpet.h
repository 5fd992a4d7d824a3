/*
 * The High Precision Event Timer's main counter, as a clock to calibrate the
 * TSC and the local APIC timer against and to cross-check them in tests.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Find the HPET through the ACPI HPET table and enable its counter. */
bool hpet_probe(void);
/* Enable the HPET at mmio_phys. */
bool hpet_init(uint64_t mmio_phys);
bool hpet_present(void);
/* The main counter's value: its low 32 bits only, for a 32-bit counter. */
uint64_t hpet_counter(void);
/* Ticks from one hpet_counter value to a later one, exact across one wrap
 * of a 32-bit counter: always use this, never a plain subtraction. */
uint64_t hpet_ticks_between(uint64_t from, uint64_t to);
/* Counter period in femtoseconds (10^-15 s), from the capabilities register. */
uint64_t hpet_period_fs(void);
uint64_t hpet_counter_to_ns(uint64_t ticks);
