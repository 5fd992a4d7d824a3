/*
 * HPET main counter (IA-PC HPET specification 1.0a, section 2.3). The general
 * capabilities register gives the counter period in femtoseconds (at most
 * 100 ns, so at least 10 MHz); setting ENABLE_CNF in the configuration register
 * starts the counter. No comparators or interrupts are used.
 *
 * The counter is 64 or 32 bits wide (COUNT_SIZE_CAP, capabilities bit 13;
 * spec 2.3.4). A 32-bit counter wraps every 2^32 ticks, seven minutes at the
 * spec's 10 MHz minimum and 43 s at QEMU's 100 MHz, and its register's upper
 * half is not guaranteed to read as zero. So hpet_counter returns the low
 * counter_mask bits only, and every interval is measured with
 * hpet_ticks_between, which is exact across one wrap. Reading the register
 * as a whole and subtracting 64-bit values gave a huge interval when a wrap
 * fell inside the TSC calibration window, and a TSC rate near 0.
 *
 * Test hooks on the command line (tests/boot, time.hpet-*): hpet.test=wrap32
 * treats QEMU's 64-bit counter as a 32-bit one that wraps 5 ms after its
 * first read, which is inside the calibration window; hpet.test=stuck
 * makes it never advance. The kernel says so when either is on.
 */
#include "time/hpet.h"

#include "acpi/boot.h"
#include "boot/boot.h"
#include "core/kprintf.h"
#include "mm/vmm.h"

#define HPET_CAPABILITIES 0x000
#define HPET_CONFIG 0x010
#define HPET_COUNTER 0x0f0
#define HPET_CAP_COUNT_SIZE (1ull << 13) /* 64-bit main counter, spec 2.3.4 */
#define HPET_CONFIG_ENABLE 1ull
#define HPET_MAX_PERIOD_FS 100000000ull /* 100 ns, spec 2.3.4 */
#define HPET_WRAP32_AFTER_NS 5000000ull  /* hpet.test=wrap32: 5 ms after the first read */

static volatile uint64_t *hpet;
static uint64_t period_fs;
static uint64_t counter_mask; /* ~0 for a 64-bit counter, 2^32 - 1 for a 32-bit one */

static enum { TEST_NONE, TEST_WRAP32, TEST_STUCK } test_hook;
static uint64_t test_offset; /* wrap32: added to the counter; set on the first read */
static bool test_offset_set;

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
	counter_mask = (caps & HPET_CAP_COUNT_SIZE) ? ~0ull : 0xffffffffull;
	if (boot_cmdline_is("hpet.test", "wrap32"))
		test_hook = TEST_WRAP32, counter_mask = 0xffffffffull;
	else if (boot_cmdline_is("hpet.test", "stuck"))
		test_hook = TEST_STUCK;
	kprintf("hpet: at 0x%llx, %llu Hz, %s-bit counter%s\n", (unsigned long long)mmio_phys,
	        (unsigned long long)(1000000000000000ull / period),
	        counter_mask == ~0ull ? "64" : "32",
	        test_hook == TEST_WRAP32  ? " (hpet.test=wrap32: treated as 32-bit, wrapping 5 ms "
	                                    "after the first read)"
	        : test_hook == TEST_STUCK ? " (hpet.test=stuck: made never to advance)"
	                                  : "");
	return true;
}

bool hpet_present(void) { return hpet != 0; }

uint64_t hpet_counter(void)
{
	uint64_t v = hpet[HPET_COUNTER / 8];
	switch (test_hook) {
	case TEST_STUCK:
		return 12345;
	case TEST_WRAP32:
		if (!test_offset_set) {
			uint64_t before_wrap = HPET_WRAP32_AFTER_NS * 1000000u / period_fs;
			test_offset = (1ull << 32) - before_wrap - (v & counter_mask);
			test_offset_set = true;
		}
		return (v + test_offset) & counter_mask;
	case TEST_NONE:
		break;
	}
	return v & counter_mask;
}

uint64_t hpet_ticks_between(uint64_t from, uint64_t to) { return (to - from) & counter_mask; }
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
