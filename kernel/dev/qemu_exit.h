/*
 * Leaving QEMU from a test: QEMU's isa-debug-exit device (enabled by the test
 * harness with -device isa-debug-exit,iobase=0xf4,iosize=0x04) ends QEMU with
 * status (value << 1) | 1. Only used in test mode, never on real hardware.
 *
 * Up to QEMU 9.0 the write ends QEMU at once. Since 9.1 (Debian 13 has 10.0)
 * it only asks QEMU's main loop to shut down, and the guest runs on for a
 * moment: whatever it printed then would land in the test's log, and a
 * second write (a panic after the exit, say) would replace the status. So
 * qemu_exit never returns: it halts this CPU after the write, on every QEMU.
 */
#pragma once

#include <stdbool.h>

#define QEMU_EXIT_PORT 0xf4
#define QEMU_EXIT_SUCCESS 0x10 /* QEMU exits with 33 */
#define QEMU_EXIT_FAILURE 0x11 /* QEMU exits with 35 */

/* Exits QEMU if the device is there; halts the CPU for good either way. */
__attribute__((noreturn)) void qemu_exit(bool success);
