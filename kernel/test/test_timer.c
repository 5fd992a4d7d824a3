/*
 * test=timer: the three clocks agree. Over half a second of ticks, the time
 * the tick count implies (ticks / hz), the TSC's time and the HPET's time
 * must agree within 5% of each other. The clocks are compared with each
 * other, never with the host's wall clock, so a slow or busy host does not
 * matter (all three are emulated from the same virtual time under QEMU).
 *
 * Also the timer-interrupt cost for scripts/bench (see test_bench.c).
 */
#include "arch/x86_64/cpu.h"
#include "lib/kprintf.h"
#include "test/ktest.h"
#include "time/clock.h"
#include "time/hpet.h"
#include "time/timer.h"

#define TOLERANCE_PERCENT 5

static bool agree(const char *a, uint64_t x, const char *b, uint64_t y)
{
	uint64_t diff = x > y ? x - y : y - x;
	bool ok = diff * 100 <= TOLERANCE_PERCENT * (x < y ? x : y);
	kprintf("timer: %s %llu ns vs %s %llu ns: %s\n", a, (unsigned long long)x, b,
	        (unsigned long long)y, ok ? "agree" : "DISAGREE");
	return ok;
}

bool ktest_timer(void)
{
	uint32_t hz = timer_hz();
	uint64_t n = hz / 2 ? hz / 2 : 1;

	uint64_t flags = cpu_irq_save();
	cpu_sti();
	uint64_t k0 = timer_ticks();
	while (timer_ticks() == k0) /* start on a tick edge */
		cpu_hlt();
	k0 = timer_ticks();
	uint64_t t0 = cpu_rdtsc(), h0 = hpet_present() ? hpet_counter() : 0;
	while (timer_ticks() < k0 + n)
		cpu_hlt();
	uint64_t t1 = cpu_rdtsc(), h1 = hpet_present() ? hpet_counter() : 0;
	uint64_t k1 = timer_ticks();
	cpu_cli();
	cpu_irq_restore(flags);

	uint64_t tick_ns = (k1 - k0) * 1000000000ull / hz;
	uint64_t tsc_ns = clock_tsc_to_ns(t1 - t0);
	kprintf("timer: %llu ticks at %u Hz\n", (unsigned long long)(k1 - k0), hz);
	bool ok = agree("ticks", tick_ns, "tsc", tsc_ns);
	if (hpet_present()) {
		uint64_t hpet_ns = hpet_counter_to_ns(hpet_ticks_between(h0, h1));
		ok &= agree("ticks", tick_ns, "hpet", hpet_ns);
		ok &= agree("tsc", tsc_ns, "hpet", hpet_ns);
	} else {
		kprintf("timer: no HPET to compare with\n");
	}
	if (ok)
		kprintf("timer: clocks agree within %d%%\n", TOLERANCE_PERCENT);
	return ok;
}
