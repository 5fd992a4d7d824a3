/*
 * 16550 UART driver: polled transmit, receive by interrupt (IRQ 4, routed in
 * dev/isa.c) into the input queue, or polled before interrupts are up.
 * Register offsets and bits from the PC16550D data sheet.
 *
 * A machine without a UART at 0x3f8 reads 0xff from the status port;
 * serial_init notices and the port is then skipped altogether. Transmit waits
 * for THR empty with a bounded spin, so a UART that exists but never drains
 * (a stuck flow-control line) slows output down instead of hanging the kernel.
 */
#include "dev/serial.h"

#include "arch/x86_64/io.h"
#include "dev/input.h"

#define COM1 0x3f8
#define UART_DATA 0        /* THR on write, RBR on read (DLAB=0) */
#define UART_IER 1         /* interrupt enable (DLAB=0) / divisor high (DLAB=1) */
#define UART_FCR 2         /* FIFO control */
#define UART_LCR 3         /* line control */
#define UART_MCR 4         /* modem control */
#define UART_LSR 5         /* line status */
#define UART_DLL 0         /* divisor low (DLAB=1) */
#define UART_DLH 1

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR_14 0xc7 /* enable FIFOs, clear both, 14-byte threshold */
#define MCR_DTR_RTS_OUT2 0x0b
#define IER_RX_AVAILABLE 0x01
#define SERIAL_RX_BATCH 16 /* the 16550's FIFO depth */
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

#define UART_BASE_CLOCK 115200
#define SERIAL_BAUD 115200
#define SERIAL_SPIN_LIMIT 100000

static bool serial_present;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00); /* polled for now */
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, (UART_BASE_CLOCK / SERIAL_BAUD) & 0xff);
	outb(COM1 + UART_DLH, (UART_BASE_CLOCK / SERIAL_BAUD) >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR_14);
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
	/* No UART decodes the port: reads float high. */
	serial_present = inb(COM1 + UART_LSR) != 0xff;
}

void serial_putc(char c)
{
	if (!serial_present)
		return;
	for (int i = 0; i < SERIAL_SPIN_LIMIT && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); i++)
		;
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

int serial_try_getc(void)
{
	if (!serial_present || !(inb(COM1 + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + UART_DATA);
}

bool serial_available(void) { return serial_present; }

void serial_enable_rx_irq(void)
{
	if (serial_present)
		outb(COM1 + UART_IER, IER_RX_AVAILABLE);
}

/* Drain the receive FIFO in batches; bounded so a babbling line cannot keep
 * the CPU in the handler forever (the UART raises the interrupt again). */
void serial_irq(void)
{
	/* One byte per push: the queue keeps or drops each push whole, and a
	 * serial byte is a complete unit of input (a key sequence from a
	 * terminal cannot be told apart anyway). */
	for (int n = 0; n < SERIAL_RX_BATCH && (inb(COM1 + UART_LSR) & LSR_DATA_READY); n++) {
		char c = (char)inb(COM1 + UART_DATA);
		input_push(INPUT_SERIAL, &c, 1);
	}
}
