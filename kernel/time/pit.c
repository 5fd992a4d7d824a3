/*
 * PIT channel 2 as a one-shot stopwatch (Intel 8254 data sheet; OSDev
 * "Programmable Interval Timer"). Channel 2's gate is bit 0 of port 0x61 and
 * its output can be read back in bit 5, so it can be used without interrupts:
 * load a count in mode 0 (interrupt on terminal count), open the gate, and
 * poll until OUT goes high. The loop is bounded so a machine without a PIT
 * (some recent ones) cannot hang here.
 */
#include "time/pit.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"

#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
#define PIT_SPIN_LIMIT 50000000u

uint64_t pit_measure_tsc(uint16_t ticks)
{
	uint8_t b = inb(PORT_B);
	outb(PORT_B, (uint8_t)((b & ~PORT_B_SPEAKER) & ~PORT_B_GATE2)); /* gate off, speaker off */
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, ticks & 0xff);
	outb(PIT_CH2, ticks >> 8);
	uint64_t t0 = cpu_rdtsc();
	outb(PORT_B, (uint8_t)((b & ~PORT_B_SPEAKER) | PORT_B_GATE2)); /* start counting */
	for (uint32_t i = 0; i < PIT_SPIN_LIMIT; i++) {
		if (inb(PORT_B) & PORT_B_OUT2) {
			uint64_t t1 = cpu_rdtsc();
			outb(PORT_B, b);
			return t1 - t0;
		}
	}
	outb(PORT_B, b);
	return 0;
}
