/* The boot summary printed on every console before "kernel ready". */
#pragma once

void boot_summary(void);
/* Prints the "kernel ready" line (scripts and tests wait for it) and the
 * kernel's own boot time after it. */
void boot_ready(void);
