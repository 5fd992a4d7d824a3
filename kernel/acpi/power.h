/* Leaving the kernel: reboot and power off, the ways a PC offers. */
#pragma once

/* Tries the ACPI reset register, then the 8042 reset line, then a triple
 * fault; prints which one it is trying. Never returns. */
__attribute__((noreturn)) void power_reboot(void);
/* ACPI S5 (soft off) from the FADT's PM1 control blocks and the DSDT's \_S5.
 * Returns only if that is impossible, after printing why. */
void power_off(void);
