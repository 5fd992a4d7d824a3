/*
 * Remapping and masking the two 8259As (Intel 8259A data sheet; OSDev "8259
 * PIC"). The initialisation sequence ICW1..ICW4 sets the vector base of each
 * chip; then OCW1 masks every line. Even masked, a 8259 can raise a spurious
 * IRQ 7 (or 15) when a line drops before the CPU acknowledges it; those are
 * recognised by the in-service register and never acknowledged, except that a
 * spurious IRQ 15 still needs an EOI to the master, which did see IRQ 2.
 */
#include "arch/x86_64/pic.h"

#include "arch/x86_64/io.h"
#include "arch/x86_64/vectors.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11 /* edge triggered, cascade, ICW4 follows */
#define ICW4_8086 0x01
#define OCW3_READ_ISR 0x0b
#define PIC_EOI 0x20

static uint64_t spurious;

/* A write to port 0x80 (POST codes) gives the 8259 time between commands. */
static void io_wait(void) { outb(0x80, 0); }

void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4), io_wait();
	outb(PIC2_CMD, ICW1_INIT_ICW4), io_wait();
	outb(PIC1_DATA, VEC_PIC_BASE), io_wait();     /* ICW2: master vectors 0x20-0x27 */
	outb(PIC2_DATA, VEC_PIC_BASE + 8), io_wait(); /* ICW2: slave vectors 0x28-0x2f */
	outb(PIC1_DATA, 1 << 2), io_wait();           /* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, 2), io_wait();                /* ICW3: slave identity 2 */
	outb(PIC1_DATA, ICW4_8086), io_wait();
	outb(PIC2_DATA, ICW4_8086), io_wait();
	outb(PIC1_DATA, 0xff);                        /* OCW1: mask everything */
	outb(PIC2_DATA, 0xff);
}

void pic_spurious(uint8_t vector)
{
	uint16_t cmd = vector == VEC_PIC_SPURIOUS_MASTER ? PIC1_CMD : PIC2_CMD;
	outb(cmd, OCW3_READ_ISR);
	if (inb(cmd) & 0x80)
		return; /* really in service: cannot happen with every line masked */
	spurious++;
	if (vector == VEC_PIC_SPURIOUS_SLAVE)
		outb(PIC1_CMD, PIC_EOI);
}

uint64_t pic_spurious_count(void) { return spurious; }
