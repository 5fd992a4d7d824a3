/* The boot summary printed on every console before "kernel ready". */
#pragma once

void boot_summary(void);
/* The loader's and kernel's boot phases, in TSC cycles (and ms when the TSC
 * frequency is known). */
void boot_print_timing(void);
/* Prints the "kernel ready" line (scripts and tests wait for it) and the
 * kernel's own boot time after it. */
void boot_ready(void);
