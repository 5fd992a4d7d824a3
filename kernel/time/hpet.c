/*
 * HPET main counter (IA-PC HPET specification 1.0a, section 2.3). The general
 * capabilities register gives the counter period in femtoseconds (at most
 * 100 ns, so at least 10 MHz); setting ENABLE_CNF in the configuration register
 * starts the counter. No comparators or interrupts are used.
 */
#include "time/hpet.h"

#include "acpi/boot.h"
#include "boot/boot.h"
#include "core/kprintf.h"
#include "mm/vmm.h"

#define HPET_CAPABILITIES 0x000
#define HPET_CONFIG 0x010
#define HPET_COUNTER 0x0f0
#define HPET_CONFIG_ENABLE 1ull
#define HPET_MAX_PERIOD_FS 100000000ull /* 100 ns, spec 2.3.4 */

static volatile uint64_t *hpet;
static uint64_t period_fs;

bool hpet_init(uint64_t mmio_phys)
{
	volatile uint64_t *regs = vmm_map_mmio(mmio_phys, 1024, "HPET"); /* spec 2.3: 1 KiB */
	uint64_t caps = regs[HPET_CAPABILITIES / 8];
	uint64_t period = caps >> 32;

	if (period == 0 || period > HPET_MAX_PERIOD_FS) {
		kprintf("hpet: at 0x%llx reports period %llu fs: not usable\n",
		        (unsigned long long)mmio_phys, (unsigned long long)period);
		return false;
	}
	regs[HPET_CONFIG / 8] = regs[HPET_CONFIG / 8] | HPET_CONFIG_ENABLE;
	hpet = regs;
	period_fs = period;
	kprintf("hpet: at 0x%llx, %llu Hz, %s-bit counter\n", (unsigned long long)mmio_phys,
	        (unsigned long long)(1000000000000000ull / period), (caps & (1 << 13)) ? "64" : "32");
	return true;
}

bool hpet_present(void) { return hpet != 0; }
uint64_t hpet_counter(void) { return hpet[HPET_COUNTER / 8]; }
uint64_t hpet_period_fs(void) { return period_fs; }

uint64_t hpet_counter_to_ns(uint64_t ticks)
{
	/* ticks * period_fs overflows 64 bits after hours; split the product
	 * (and keep away from 128-bit division, which needs a libgcc call). */
	return (ticks / 1000000u) * period_fs + (ticks % 1000000u) * period_fs / 1000000u;
}

bool hpet_probe(void)
{
	struct acpi_hpet_info info;
	const struct acpi *a = acpi_tables();
	int err;

	if (!a)
		return false;
	err = acpi_parse_hpet(a, &info);
	if (err != ACPI_OK) {
		kprintf("hpet: %s\n", acpi_strerror(err));
		return false;
	}
	return hpet_init(info.address);
}
