/*
 * test=bench-smp: the scheduler and lock figures for scripts/bench, in TSC
 * ticks (scripts/bench runs this under -icount, where they convert exactly
 * into guest instructions, and divides by its own calibration):
 *
 *   switch   one thread_yield to a ready thread on the same CPU
 *   spin     an uncontended spin_lock + spin_unlock (lockdep on and off)
 *   mutex    an uncontended mutex_lock + mutex_unlock
 *   wake     sem_up on one thread to the woken thread running, same CPU
 *   ipi      sending one IPI (the sender's side)
 *
 * test=bench-pmm-scale runs without -icount, on real parallel vCPUs: page
 * allocations in a fixed window with one CPU working, then with every CPU,
 * in the same boot, so the ratio does not depend on how fast the host is.
 * The same for a loop of plain arithmetic first: that ratio is what the
 * host gives two vCPUs at all, the ceiling for the allocator's. Each figure
 * is the best of three windows.
 */
#include <stdatomic.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/vectors.h"
#include "core/kprintf.h"
#include "mm/mm.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "sync/lockdep.h"
#include "sync/spinlock.h"
#include "test/ktest.h"
#include "time/clock.h"

#define SWITCHES 20000u
#define LOCKS 100000u
#define WAKES 5000u
#define IPIS 2000u

static _Atomic uint64_t switch_t0, switch_t1;

static void yielder(void *arg)
{
	bool first = arg != NULL;
	if (first)
		atomic_store(&switch_t0, cpu_rdtsc());
	for (uint32_t i = 0; i < SWITCHES / 2; i++)
		thread_yield();
	if (!first)
		atomic_store(&switch_t1, cpu_rdtsc());
}

static struct semaphore wake_sem, wake_back;
static uint64_t wake_sent, wake_total;

static void wakee(void *arg)
{
	(void)arg;
	for (uint32_t i = 0; i < WAKES; i++) {
		sem_down(&wake_sem);
		wake_total += cpu_rdtsc() - wake_sent;
		sem_up(&wake_back);
	}
}

bool ktest_bench_smp(void)
{
	uint64_t here = 1ull << this_cpu_index();

	/* Two threads on this CPU yield to each other; this thread waits in
	 * thread_join, off the run queue. */
	struct thread *a = thread_create("yield a", yielder, (void *)1, here);
	struct thread *b = thread_create("yield b", yielder, NULL, here);
	if (!a || !b)
		return false;
	thread_join(a);
	thread_join(b);
	kprintf("bench-sched: op=switch count=%u tsc=%llu\n", SWITCHES,
	        (unsigned long long)(atomic_load(&switch_t1) - atomic_load(&switch_t0)));

	/* The checks are a boot-time choice (lockdep=off): scripts/bench boots
	 * twice to print both figures. */
	static struct spinlock l = SPINLOCK_INIT("bench lock");
	spin_lock(&l); /* first use: class assignment, out of the loop */
	spin_unlock(&l);
	uint64_t t0 = cpu_rdtsc();
	for (uint32_t i = 0; i < LOCKS; i++) {
		spin_lock(&l);
		spin_unlock(&l);
	}
	uint64_t t1 = cpu_rdtsc();
	kprintf("bench-lock: op=spin-checks-%s count=%u tsc=%llu\n", spin_checks ? "on" : "off",
	        LOCKS, (unsigned long long)(t1 - t0));
	static struct mutex m = MUTEX_INIT("bench mutex");
	t0 = cpu_rdtsc();
	for (uint32_t i = 0; i < LOCKS; i++) {
		mutex_lock(&m);
		mutex_unlock(&m);
	}
	t1 = cpu_rdtsc();
	kprintf("bench-lock: op=mutex count=%u tsc=%llu\n", LOCKS, (unsigned long long)(t1 - t0));

	/* Wake-up: the wakee blocks on wake_sem; we stamp, sem_up (it becomes
	 * ready) and block on wake_back, so the next thing to run here is it. */
	sem_init(&wake_sem, 0);
	sem_init(&wake_back, 0);
	wake_total = 0;
	struct thread *w = thread_create("wakee", wakee, NULL, here);
	if (!w)
		return false;
	for (uint32_t i = 0; i < WAKES; i++) {
		wake_sent = cpu_rdtsc();
		sem_up(&wake_sem);
		sem_down(&wake_back);
	}
	thread_join(w);
	kprintf("bench-sched: op=wake count=%u tsc=%llu\n", WAKES, (unsigned long long)wake_total);

	if (percpu_online() > 1) {
		uint32_t other = this_cpu_index() == 0 ? 1 : 0;
		t0 = cpu_rdtsc();
		for (uint32_t i = 0; i < IPIS; i++)
			lapic_send_ipi(percpu_get(other)->apic_id, VEC_RESCHEDULE);
		t1 = cpu_rdtsc();
		kprintf("bench-ipi: op=send count=%u tsc=%llu\n", IPIS, (unsigned long long)(t1 - t0));
	}
	return true;
}

/* ---- Page allocation from one CPU, then from all ------------------------ */

#define SCALE_WINDOW_NS 200000000ull /* 200 ms of guest time per run */

static _Atomic bool scale_go;
static _Atomic uint64_t scale_ops;
static uint64_t scale_end;
static bool scale_compute_only;

/* Page alloc+free pairs until the window ends; or, for the host's own
 * baseline, the same loop doing only arithmetic: two vCPUs can never do
 * more than the host lets them, and that ratio says how much. */
static void scale_worker(void *arg)
{
	(void)arg;
	while (!atomic_load(&scale_go))
		cpu_pause();
	uint64_t n = 0;
	volatile uint64_t sink = 0;
	while (clock_ns() < scale_end) {
		for (int i = 0; i < 64; i++) {
			if (scale_compute_only) {
				sink = sink * 6364136223846793005ull + 1;
				continue;
			}
			uint64_t pa = pmm_alloc_page(mm_pmm());
			if (pa)
				pmm_free_page(mm_pmm(), pa);
		}
		n += 64;
	}
	atomic_fetch_add(&scale_ops, n);
}

static uint64_t scale_phase(uint32_t cpus)
{
	static struct thread *t[MAX_CPUS];
	uint32_t n = 0;
	atomic_store(&scale_go, false);
	atomic_store(&scale_ops, 0);
	for (uint32_t c = 0; c < percpu_count() && n < cpus; c++)
		if (percpu_get(c)->online && c != this_cpu_index())
			t[n++] = thread_create("pmm scale", scale_worker, NULL, 1ull << c);
	if (n < cpus) /* this CPU works too when there are not enough others */
		t[n++] = thread_create("pmm scale", scale_worker, NULL, 1ull << this_cpu_index());
	scale_end = clock_ns() + SCALE_WINDOW_NS;
	atomic_store(&scale_go, true);
	for (uint32_t i = 0; i < n; i++)
		thread_join(t[i]);
	return atomic_load(&scale_ops);
}

/* Best of three: a vCPU that the host does not run for part of a window
 * (it was halted, and its thread must be woken) only ever lowers a count,
 * so the largest of a few is the closest to what the CPUs can do. */
static uint64_t scale_best(uint32_t cpus)
{
	uint64_t best = 0;
	for (int i = 0; i < 3; i++) {
		uint64_t n = scale_phase(cpus);
		best = n > best ? n : best;
	}
	return best;
}

bool ktest_bench_pmm_scale(void)
{
	uint32_t n = percpu_online();
	scale_compute_only = true;
	uint64_t cone = scale_best(1), call = scale_best(n);
	kprintf("bench-pmm-scale: compute only: cpus=1 ops=%llu cpus=%u ops=%llu ratio=%llu.%02llu\n",
	        (unsigned long long)cone, n, (unsigned long long)call,
	        (unsigned long long)(call / (cone ? cone : 1)),
	        (unsigned long long)(call * 100 / (cone ? cone : 1) % 100));
	scale_compute_only = false;
	uint64_t one = scale_best(1), all = scale_best(n);
	kprintf("bench-pmm-scale: cpus=1 ops=%llu\n", (unsigned long long)one);
	kprintf("bench-pmm-scale: cpus=%u ops=%llu ratio=%llu.%02llu\n", n, (unsigned long long)all,
	        (unsigned long long)(all / (one ? one : 1)),
	        (unsigned long long)(all * 100 / (one ? one : 1) % 100));
	return one && all;
}
