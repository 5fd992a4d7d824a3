/*
 * I/O APIC driver (Intel 82093AA I/O APIC data sheet, section 3). Two MMIO
 * registers: IOREGSEL selects an internal register, IOWIN reads or writes it.
 * Redirection entry n is the 64-bit register pair 0x10 + 2n: vector,
 * delivery mode (fixed), destination mode (physical), polarity, trigger mode,
 * mask, and the destination APIC id in bits 56-63.
 */
#include "arch/x86_64/ioapic.h"

#include "core/kprintf.h"
#include "mm/vmm.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL 0x10
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)

static struct ioapic {
	volatile uint32_t *mmio;
	uint32_t gsi_base;
	uint32_t inputs;
	uint8_t id;
} ioapics[IOAPIC_MAX];
static unsigned nioapics;

static uint32_t reg_read(struct ioapic *io, uint32_t reg)
{
	io->mmio[IOREGSEL / 4] = reg;
	return io->mmio[IOWIN / 4];
}

static void reg_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->mmio[IOREGSEL / 4] = reg;
	io->mmio[IOWIN / 4] = v;
}

unsigned ioapic_count(void) { return nioapics; }

void ioapic_add(uint8_t id, uint64_t mmio_phys, uint32_t gsi_base)
{
	if (nioapics == IOAPIC_MAX) {
		kprintf("ioapic: more than %d I/O APICs; ignoring id %u\n", IOAPIC_MAX, id);
		return;
	}
	struct ioapic *io = &ioapics[nioapics++];
	io->mmio = vmm_map_mmio(mmio_phys, IOWIN + 4, "I/O APIC");
	io->gsi_base = gsi_base;
	io->id = id;
	io->inputs = ((reg_read(io, IOAPIC_VER) >> 16) & 0xff) + 1;
	for (uint32_t i = 0; i < io->inputs; i++) {
		reg_write(io, IOAPIC_REDTBL + 2 * i, RTE_MASKED);
		reg_write(io, IOAPIC_REDTBL + 2 * i + 1, 0);
	}
	kprintf("ioapic: id %u at 0x%llx, GSIs %u-%u\n", id, (unsigned long long)mmio_phys,
	        gsi_base, gsi_base + io->inputs - 1);
}

static struct ioapic *find(uint32_t gsi, uint32_t *pin)
{
	for (unsigned i = 0; i < nioapics; i++) {
		if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].inputs) {
			*pin = gsi - ioapics[i].gsi_base;
			return &ioapics[i];
		}
	}
	return 0;
}

bool ioapic_route(uint32_t gsi, uint8_t vector, bool active_low, bool level, uint32_t dest)
{
	uint32_t pin;
	struct ioapic *io = find(gsi, &pin);
	if (!io)
		return false;
	uint32_t lo = vector | (active_low ? RTE_ACTIVE_LOW : 0) | (level ? RTE_LEVEL : 0);
	/* Write the high half (destination) first, while the entry is masked. */
	reg_write(io, IOAPIC_REDTBL + 2 * pin, RTE_MASKED);
	reg_write(io, IOAPIC_REDTBL + 2 * pin + 1, dest << 24);
	reg_write(io, IOAPIC_REDTBL + 2 * pin, lo);
	return true;
}

void ioapic_mask(uint32_t gsi, bool masked)
{
	uint32_t pin;
	struct ioapic *io = find(gsi, &pin);
	if (!io)
		return;
	uint32_t lo = reg_read(io, IOAPIC_REDTBL + 2 * pin);
	reg_write(io, IOAPIC_REDTBL + 2 * pin, masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
}
