/* The legacy ISA input devices: PS/2 keyboard (IRQ 1) and COM1 receive (IRQ 4). */
#pragma once

#include <stdbool.h>

void isa_input_init(void);
/* Whether a PS/2 keyboard answered at boot (the shell's `usb` says which
 * keyboards are in use). */
bool isa_ps2_keyboard(void);
