/*
 * The legacy 8259A interrupt controllers. Kestrel uses the APICs; the PICs are
 * remapped away from the exception vectors and fully masked, because the
 * firmware may have left them enabled (and at their power-on vectors 0x08-0x0f,
 * which are CPU exceptions).
 */
#pragma once

#include <stdint.h>

void pic_disable(void);
/* A vector 0x27/0x2f arrived: a spurious IRQ 7/15 (the lines are masked). */
void pic_spurious(uint8_t vector);
uint64_t pic_spurious_count(void);
