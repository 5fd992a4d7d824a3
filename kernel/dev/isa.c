/*
 * Bringing up the two input sources and routing their interrupts through the
 * I/O APIC. Both feed the one input queue (dev/input.c) the console reads.
 * A missing PS/2 controller (common on recent machines) or UART is reported,
 * not fatal: the other source still works.
 */
#include "dev/isa.h"

#include "arch/x86_64/irq.h"
#include "dev/i8042.h"
#include "dev/input.h"
#include "dev/serial.h"
#include "core/kprintf.h"

#define ISA_IRQ_KEYBOARD 1
#define ISA_IRQ_COM1 4

static bool ps2_keyboard;

bool isa_ps2_keyboard(void) { return ps2_keyboard; }

static void keyboard_irq(struct trap_frame *tf)
{
	(void)tf;
	i8042_irq();
}

static void com1_irq(struct trap_frame *tf)
{
	(void)tf;
	serial_irq();
}

void isa_input_init(void)
{
	const char *msg = "";

	input_init();
	enum i8042_error err = i8042_init(&msg);
	if (err == I8042_OK) {
		irq_route_isa(ISA_IRQ_KEYBOARD, keyboard_irq, "ps/2 keyboard");
		/* A byte that arrived before the route existed holds the edge-
		 * triggered line high; with no new edge IRQ 1 would never fire.
		 * Interrupts are still off here, so drain it by hand. */
		i8042_irq();
		ps2_keyboard = true;
		kprintf("keyboard: PS/2 keyboard ready (scancode set 1 via translation)\n");
	} else {
		kprintf("keyboard: %s\n", msg);
	}
	if (serial_available()) {
		irq_route_isa(ISA_IRQ_COM1, com1_irq, "com1 receive");
		serial_enable_rx_irq();
	}
}
