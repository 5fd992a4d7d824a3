/*
 * Leaving QEMU from a test: QEMU's isa-debug-exit device (enabled by the test
 * harness with -device isa-debug-exit,iobase=0xf4,iosize=0x04) ends QEMU with
 * status (value << 1) | 1. Only used in test mode, never on real hardware.
 */
#pragma once

#include <stdbool.h>

#define QEMU_EXIT_PORT 0xf4
#define QEMU_EXIT_SUCCESS 0x10 /* QEMU exits with 33 */
#define QEMU_EXIT_FAILURE 0x11 /* QEMU exits with 35 */

/* Exits QEMU if the device is there; returns if it is not. */
void qemu_exit(bool success);
