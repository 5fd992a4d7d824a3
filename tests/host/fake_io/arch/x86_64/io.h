/*
 * Port I/O for host tests: the kernel's arch/x86_64/io.h, replaced by calls
 * into the test's model of the device (test_rtc.c models the CMOS RTC). A
 * test that includes a kernel file using port I/O puts this directory first
 * on its include path.
 */
#pragma once

#include <stdint.h>

void outb(uint16_t port, uint8_t v);
uint8_t inb(uint16_t port);
