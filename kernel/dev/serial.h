/*
 * The 16550 UART at COM1 (I/O port 0x3f8), 115200 baud, 8N1: the console that
 * works on every PC and in QEMU before anything else does.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

void serial_init(void);
void serial_putc(char c);
/* Writes n bytes, turning "\n" into "\r\n" for terminals. */
void serial_write(const char *s, size_t n);
/* Returns a received byte, or -1 when none is waiting (polling, no IRQ). */
int serial_try_getc(void);
/* Interrupt-driven receive: enable the UART's receive interrupt; the IRQ 4
 * handler calls serial_irq(), which moves every waiting byte to the input
 * queue (dev/input.h). */
void serial_enable_rx_irq(void);
void serial_irq(void);
bool serial_available(void);
