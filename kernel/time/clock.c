/*
 * TSC frequency discovery and the monotonic clock (see clock.h).
 *
 * CPUID 0x15 gives the TSC/crystal ratio and (on newer CPUs) the crystal
 * frequency; 0x16 gives the nominal base frequency in MHz (Intel SDM vol. 2A,
 * CPUID). QEMU's TCG reports neither, so there the TSC is measured against
 * the HPET over 10 ms, or against the PIT when there is no HPET or the
 * HPET measurement fails.
 *
 * The HPET loop is bounded two ways, since a broken HPET must not hang the
 * boot: a counter that reads the same HPET_STUCK_READS times in a row has
 * stopped (at the spec's minimum of 10 MHz it advances every 100 ns, and one
 * uncached MMIO read takes longer than that), and a window that has not
 * closed after HPET_TSC_LIMIT TSC cycles is given up (the 10 ms window takes
 * at most 6 * 10^7 cycles at 6 GHz; the limit is 70 times that). Neither
 * bound is a time: both hold however fast the machine or emulator runs. A
 * failed or implausible measurement falls back to the PIT, and says why.
 *
 * Conversion avoids division on the hot path: ns = tsc * mult >> 32, with
 * mult = 10^9 * 2^32 / hz computed once (10^9 * 2^32 itself fits in 64 bits,
 * so any frequency of at least 1 Hz works; precision is 2^-32 ns per tick).
 */
#include "time/clock.h"

#include "arch/x86_64/cpu.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "time/hpet.h"
#include "time/pit.h"

/* 10 ms: a 10 MHz or faster HPET (spec minimum) gives 100,000+ ticks, a
 * 0.001% quantisation error; longer only costs boot time. */
#define CALIBRATION_NS 10000000ull
#define HPET_STUCK_READS 100000u
#define HPET_TSC_LIMIT (1ull << 32)
#define TSC_MIN_HZ 250000000ull /* below this, a measurement is wrong */

static uint64_t tsc_hz, tsc_mult, tsc_boot;
static const char *source = "none";

static uint64_t from_cpuid(void)
{
	uint32_t max, a, b, c, d;

	cpu_cpuid(0, 0, &max, &b, &c, &d);
	if (max >= 0x15) {
		cpu_cpuid(0x15, 0, &a, &b, &c, &d);
		if (a && b && c) {
			source = "cpuid 0x15";
			return (uint64_t)c * b / a;
		}
	}
	if (max >= 0x16) {
		cpu_cpuid(0x16, 0, &a, &b, &c, &d);
		if (a) {
			source = "cpuid 0x16";
			return (uint64_t)a * 1000000u;
		}
	}
	return 0;
}

/* An HPET reading and the TSC at the same moment: the TSC read on both
 * sides of the HPET read, the narrowest of a few tries kept, its middle
 * taken. A guest's vCPU can be descheduled by the host between any two
 * instructions (under TCG on a busy machine, for milliseconds): a pair
 * read across such a gap would skew the whole calibration, a sandwich
 * shows the gap and is thrown away. */
static void read_pair(uint64_t *hpet, uint64_t *tsc)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		uint64_t a = cpu_rdtsc(), h = hpet_counter(), b = cpu_rdtsc();
		if (b - a < best) {
			best = b - a;
			*hpet = h;
			*tsc = a + (b - a) / 2;
		}
	}
}

static uint64_t against_hpet(void)
{
	uint64_t want = CALIBRATION_NS * 1000000u / hpet_period_fs(); /* HPET ticks */
	uint64_t h0, t0, h1, t1;
	read_pair(&h0, &t0);
	uint64_t prev = h0;
	uint32_t same = 0;
	for (;;) {
		h1 = hpet_counter();
		t1 = cpu_rdtsc();
		if (hpet_ticks_between(h0, h1) >= want) {
			read_pair(&h1, &t1); /* the end, read as carefully as the start */
			break;
		}
		same = h1 == prev ? same + 1 : 0;
		prev = h1;
		if (same >= HPET_STUCK_READS) {
			kprintf("clock: the HPET counter stays at 0x%llx (%u reads): not using it\n",
			        (unsigned long long)h1, same);
			return 0;
		}
		if (t1 - t0 > HPET_TSC_LIMIT) {
			kprintf("clock: the HPET advanced %llu of %llu ticks in %llu TSC cycles: not "
			        "using it\n", (unsigned long long)hpet_ticks_between(h0, h1),
			        (unsigned long long)want, (unsigned long long)(t1 - t0));
			return 0;
		}
	}
	if (h1 < h0) /* rare on real hardware; hpet.test=wrap32 forces it */
		kprintf("clock: the HPET counter wrapped during the calibration (0x%llx -> 0x%llx)\n",
		        (unsigned long long)h0, (unsigned long long)h1);
	uint64_t hz = (t1 - t0) * 1000000000ull / hpet_counter_to_ns(hpet_ticks_between(h0, h1));
	if (hz < TSC_MIN_HZ) {
		kprintf("clock: against the HPET the TSC runs at %llu Hz, which is not plausible: "
		        "not using it\n", (unsigned long long)hz);
		return 0;
	}
	source = "hpet";
	return hz;
}

static uint64_t against_pit(void)
{
	const uint16_t ticks = 23864; /* 20 ms at PIT_HZ */
	uint64_t t = pit_measure_tsc(ticks);
	if (!t)
		return 0;
	source = "pit";
	return t * PIT_HZ / ticks;
}

void clock_init(void)
{
	tsc_boot = cpu_rdtsc();
	hpet_probe();
	tsc_hz = from_cpuid();
	if (!tsc_hz && hpet_present()) {
		tsc_hz = against_hpet();
		if (!tsc_hz)
			kprintf("clock: measuring the TSC against the PIT instead\n");
	}
	if (!tsc_hz)
		tsc_hz = against_pit();
	if (tsc_hz < TSC_MIN_HZ)
		panic("clock: TSC frequency %llu Hz (from %s) is not plausible",
		      (unsigned long long)tsc_hz, source);
	tsc_mult = (1000000000ull << 32) / tsc_hz;
	kprintf("clock: TSC %llu.%03llu MHz (from %s)\n", (unsigned long long)(tsc_hz / 1000000),
	        (unsigned long long)(tsc_hz / 1000 % 1000), source);
}

uint64_t clock_tsc_hz(void) { return tsc_hz; }
const char *clock_source(void) { return source; }

uint64_t clock_tsc_to_ns(uint64_t t)
{
	return (uint64_t)(((unsigned __int128)t * tsc_mult) >> 32);
}

uint64_t clock_ns(void) { return clock_tsc_to_ns(cpu_rdtsc() - tsc_boot); }

void clock_delay_ns(uint64_t ns)
{
	uint64_t end = clock_ns() + ns;
	while (clock_ns() < end)
		cpu_pause();
}
