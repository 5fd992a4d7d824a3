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
uint64_t hpet_counter(void);
/* Counter period in femtoseconds (10^-15 s), from the capabilities register. */
uint64_t hpet_period_fs(void);
uint64_t hpet_counter_to_ns(uint64_t ticks);
