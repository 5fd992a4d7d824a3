/*
 * Local APIC timer setup (Intel SDM vol. 3A, 11.5.4). The timer counts down
 * from an initial count at the bus (or crystal) clock divided by the divide
 * register; its frequency is not architecturally known, so it is measured:
 * run it one-shot from 0xffffffff, masked, for 5 ms of TSC time and see how
 * far it got. Then periodic mode with initial count = lapic_hz / timer_hz.
 *
 * Every CPU runs its own timer at the same rate (timer_init_cpu), with the
 * boot CPU's count of ticks. The handler counts and calls the scheduler's
 * hook (timer_set_hook), if one is set; scripts/bench measures the tick
 * before the scheduler is set up.
 */
#include "time/timer.h"

#include <stdatomic.h>

#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/vectors.h"
#include "boot/boot.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "sync/spinlock.h"
#include "time/clock.h"

#define CALIBRATION_NS 5000000ull /* 5 ms: QEMU's timer runs at ~62 MHz / 16 here */
#define TIMER_MAX_HZ 10000

static volatile uint64_t ticks; /* the boot CPU's: the system's tick count */
static uint32_t hz;
static uint64_t lapic_hz;
/* A start of the calibration that took longer than this was interrupted
 * by the host (see timer_init). */
#define CALIBRATION_PAIR_NS 20000u
static void (*tick_hook)(void);
/* More listeners: few, added once, never removed; read without a lock (a
 * slot is published by the count's release store after it is written). */
#define TIMER_MAX_HOOKS 4
static void (*extra_hooks[TIMER_MAX_HOOKS])(void);
static _Atomic unsigned extra_count;


/* Every CPU's timer: its own count; the boot CPU's is the system's. */
static void timer_tick(struct trap_frame *tf)
{
	(void)tf;
	struct cpu *c = this_cpu();
	c->ticks++;
	if (c->index == 0)
		ticks++;
	unsigned extra = atomic_load_explicit(&extra_count, memory_order_acquire);
	for (unsigned i = 0; i < extra; i++)
		extra_hooks[i]();
	if (tick_hook)
		tick_hook();
}

void timer_set_hook(void (*fn)(void)) { tick_hook = fn; }

bool timer_add_hook(void (*fn)(void))
{
	static struct spinlock add_lock = SPINLOCK_INIT("timer hooks");
	spin_lock(&add_lock);
	unsigned n = atomic_load_explicit(&extra_count, memory_order_relaxed);
	bool ok = n < TIMER_MAX_HOOKS;
	if (ok) {
		extra_hooks[n] = fn;
		atomic_store_explicit(&extra_count, n + 1, memory_order_release);
	}
	spin_unlock(&add_lock);
	return ok;
}

void timer_init_cpu(void)
{
	lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_TIMER_DIVIDE_16);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)(lapic_hz / hz));
}

uint64_t timer_ticks(void) { return ticks; }
uint32_t timer_hz(void) { return hz; }
uint64_t timer_lapic_hz(void) { return lapic_hz; }

static uint32_t parse_hz(void)
{
	size_t len;
	const char *v = boot_cmdline_get("timer_hz", &len);
	uint32_t n = 0;

	if (!v)
		return TIMER_DEFAULT_HZ;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9' || n > TIMER_MAX_HZ) {
			kprintf("timer: bad timer_hz=%.*s (1..%d); using %d\n", (int)len, v,
			        TIMER_MAX_HZ, TIMER_DEFAULT_HZ);
			return TIMER_DEFAULT_HZ;
		}
		n = n * 10 + (uint32_t)(v[i] - '0');
	}
	if (n == 0 || n > TIMER_MAX_HZ) {
		kprintf("timer: timer_hz=%u out of range (1..%d); using %d\n", n, TIMER_MAX_HZ,
		        TIMER_DEFAULT_HZ);
		return TIMER_DEFAULT_HZ;
	}
	return n;
}

void timer_init(void)
{
	hz = parse_hz();
	lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_TIMER_DIVIDE_16);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
	/* Start and end are each timed on both sides: the host may deschedule
	 * a virtual CPU between any two instructions, and a start stamped
	 * before such a gap would make the timer seem slower than it is (and
	 * the ticks come early). A start that took long is done again (each
	 * write restarts the count); of several end readings, the quickest. */
	uint64_t t0 = 0, t1 = 0, span = UINT64_MAX;
	for (int i = 0; i < 8 && span > CALIBRATION_PAIR_NS; i++) {
		uint64_t a = clock_ns();
		lapic_write(LAPIC_TIMER_INITIAL, 0xffffffffu);
		uint64_t b = clock_ns();
		span = b - a;
		t0 = a + span / 2;
	}
	clock_delay_ns(CALIBRATION_NS);
	uint32_t left = 0;
	span = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		uint64_t a = clock_ns();
		uint32_t cur = lapic_read(LAPIC_TIMER_CURRENT);
		uint64_t b = clock_ns();
		if (b - a < span) {
			span = b - a;
			left = cur;
			t1 = a + span / 2;
		}
	}
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	lapic_hz = (uint64_t)(0xffffffffu - left) * 1000000000ull / (t1 - t0);
	if (lapic_hz < hz)
		panic("timer: local APIC timer runs at %llu Hz, cannot tick at %u Hz",
		      (unsigned long long)lapic_hz, hz);

	trap_register(VEC_LAPIC_TIMER, timer_tick, "lapic timer", TRAP_EOI);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)(lapic_hz / hz));
	kprintf("timer: local APIC timer %llu Hz after divide-by-16, ticking at %u Hz\n",
	        (unsigned long long)lapic_hz, hz);
}
