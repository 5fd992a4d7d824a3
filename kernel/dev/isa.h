/* The legacy ISA input devices: PS/2 keyboard (IRQ 1) and COM1 receive (IRQ 4). */
#pragma once

void isa_input_init(void);
