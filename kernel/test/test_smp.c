/*
 * Concurrency self-tests (docs/scheduling.md says what each proves). They
 * run on every online CPU, whatever -smp says, and none measures time
 * against the host: a broken scheduler shows up as a wrong count or as a
 * hang that the harness's timeout reports.
 *
 *   test=smp            all of the checks below, in one boot
 *   test=tlb-shootdown  an unmapped page faults on the other CPU too
 *   test=lockdep        a lock-order inversion is reported
 *   test=spin-recursive, test=sleep-in-spinlock, test=mutex-in-irq:
 *                       the checks that must panic, with their message
 */
#include <stdatomic.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/vectors.h"
#include "arch/x86_64/irq.h"
#include "boot/boot.h"
#include "console/console.h"
#include "dev/qemu_exit.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/tlb.h"
#include "mm/vmm.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "sync/lockdep.h"
#include "sync/spinlock.h"
#include "test/ktest.h"
#include "time/clock.h"

#define PER_CPU 2 /* worker threads per CPU */
#define MAX_WORKERS (PER_CPU * MAX_CPUS)

static uint32_t ncpus(void) { return percpu_count(); }

/* Start PER_CPU workers pinned to each online CPU; join them all. */
static bool run_workers(const char *what, void (*fn)(void *), void *ctx)
{
	static struct thread *t[MAX_WORKERS];
	uint32_t n = 0;
	for (uint32_t c = 0; c < ncpus(); c++) {
		if (!percpu_get(c)->online)
			continue;
		for (uint32_t k = 0; k < PER_CPU; k++) {
			t[n] = thread_create(what, fn, ctx, 1ull << c);
			if (!t[n]) {
				kprintf("smp: cannot create %s thread %u\n", what, n);
				return false;
			}
			n++;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		thread_join(t[i]);
	return true;
}

static uint32_t workers(void) { return PER_CPU * percpu_online(); }

/* ---- A shared counter: spinlock, mutex, atomics ------------------------ */

enum { BY_SPINLOCK, BY_MUTEX, BY_ATOMIC };
static const char *const by_name[] = {"spinlock", "mutex", "atomics"};

static struct {
	struct spinlock lock;
	struct mutex mutex;
	volatile uint64_t plain;
	_Atomic uint64_t atomic;
	int kind;
	uint64_t rounds;
} counter = {.lock = SPINLOCK_INIT("test counter"), .mutex = MUTEX_INIT("test counter")};

static void count_worker(void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < counter.rounds; i++) {
		switch (counter.kind) {
		case BY_SPINLOCK:
			spin_lock(&counter.lock);
			counter.plain = counter.plain + 1; /* a read and a write: racy without the lock */
			spin_unlock(&counter.lock);
			break;
		case BY_MUTEX:
			mutex_lock(&counter.mutex);
			counter.plain = counter.plain + 1;
			if (i % 64 == 0)
				thread_yield(); /* sleep holding it now and then: others must block */
			mutex_unlock(&counter.mutex);
			break;
		default:
			/* Relaxed: only the final sum matters, read after the joins. */
			atomic_fetch_add_explicit(&counter.atomic, 1, memory_order_relaxed);
		}
	}
}

static bool test_counter(int kind, uint64_t rounds)
{
	counter.kind = kind;
	counter.rounds = rounds;
	counter.plain = 0;
	atomic_store(&counter.atomic, 0);
	if (!run_workers("counter", count_worker, NULL))
		return false;
	uint64_t got = kind == BY_ATOMIC ? atomic_load(&counter.atomic) : counter.plain;
	uint64_t want = workers() * rounds;
	kprintf("smp: %u threads x %llu increments under a %s: %llu (expected %llu): %s\n",
	        workers(), (unsigned long long)rounds, by_name[kind], (unsigned long long)got,
	        (unsigned long long)want, got == want ? "ok" : "WRONG");
	return got == want;
}

/* ---- Producer/consumer through a bounded queue ------------------------- */

#define QUEUE_SLOTS 8
#define ITEMS_PER_PRODUCER 500
#define STOP UINT32_MAX

static struct {
	struct mutex lock;
	struct condvar not_full, not_empty;
	uint32_t slot[QUEUE_SLOTS];
	uint32_t head, count;
	_Atomic uint32_t next_producer;
	_Atomic uint8_t *seen; /* one count per item: from the heap, sized to the workers */
} q = {.lock = MUTEX_INIT("test queue")};

static void put(uint32_t v)
{
	mutex_lock(&q.lock);
	while (q.count == QUEUE_SLOTS)
		cond_wait(&q.not_full, &q.lock);
	q.slot[(q.head + q.count++) % QUEUE_SLOTS] = v;
	cond_signal(&q.not_empty);
	mutex_unlock(&q.lock);
}

static uint32_t get(void)
{
	mutex_lock(&q.lock);
	while (q.count == 0)
		cond_wait(&q.not_empty, &q.lock);
	uint32_t v = q.slot[q.head];
	q.head = (q.head + 1) % QUEUE_SLOTS;
	q.count--;
	cond_signal(&q.not_full);
	mutex_unlock(&q.lock);
	return v;
}

static void producer(void *arg)
{
	(void)arg;
	uint32_t p = atomic_fetch_add(&q.next_producer, 1);
	for (uint32_t i = 0; i < ITEMS_PER_PRODUCER; i++)
		put(p * ITEMS_PER_PRODUCER + i);
}

static void consumer(void *arg)
{
	(void)arg;
	for (uint32_t v; (v = get()) != STOP;)
		atomic_fetch_add_explicit(&q.seen[v], 1, memory_order_relaxed);
}

static bool test_queue(void)
{
	static struct thread *cons[MAX_CPUS];
	uint32_t nprod = workers(), ncons = 0;
	cond_init(&q.not_full);
	cond_init(&q.not_empty);
	q.head = q.count = 0;
	atomic_store(&q.next_producer, 0);
	q.seen = kcalloc(nprod * ITEMS_PER_PRODUCER, sizeof(*q.seen));
	if (!q.seen)
		panic("smp: no memory for the queue test's %u item counts", nprod * ITEMS_PER_PRODUCER);
	for (uint32_t c = 0; c < ncpus(); c++)
		if (percpu_get(c)->online && !(cons[ncons++] = thread_create("consumer", consumer,
		                                                           NULL, THREAD_ANY_CPU)))
			return false;
	if (!run_workers("producer", producer, NULL))
		return false;
	for (uint32_t i = 0; i < ncons; i++)
		put(STOP);
	for (uint32_t i = 0; i < ncons; i++)
		thread_join(cons[i]);
	uint32_t once = 0, bad = 0;
	for (uint32_t i = 0; i < nprod * ITEMS_PER_PRODUCER; i++) {
		uint8_t s = atomic_load(&q.seen[i]);
		if (s == 1)
			once++;
		else if (bad++ < 4)
			kprintf("smp: item %u consumed %u times\n", i, s);
	}
	kprintf("smp: %u producers, %u consumers, %u items through an %d-slot queue: %u consumed "
	        "exactly once: %s\n", nprod, ncons, nprod * ITEMS_PER_PRODUCER, QUEUE_SLOTS, once,
	        bad ? "WRONG" : "ok");
	kfree((void *)q.seen);
	q.seen = NULL;
	return bad == 0;
}

/* ---- Preemption: a thread that never yields does not starve others ------ */

static _Atomic bool stop_spinning;
static _Atomic uint32_t probes;

static void spinner(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop_spinning, memory_order_relaxed))
		cpu_pause();
}

static void probe(void *arg)
{
	(void)arg;
	atomic_fetch_add(&probes, 1);
}

static bool test_preemption(void)
{
	static struct thread *spin[MAX_CPUS], *pr[MAX_CPUS];
	uint32_t n = 0;
	atomic_store(&stop_spinning, false);
	atomic_store(&probes, 0);
	for (uint32_t c = 0; c < ncpus(); c++) {
		if (!percpu_get(c)->online)
			continue;
		spin[n] = thread_create("spinner", spinner, NULL, 1ull << c);
		pr[n] = thread_create("probe", probe, NULL, 1ull << c);
		if (!spin[n] || !pr[n])
			return false;
		n++;
	}
	/* Each probe can run only if its CPU's spinner is preempted; this
	 * thread too shares CPU 0 with a spinner. No deadline: a scheduler
	 * that does not preempt hangs here, and the harness times out. */
	for (uint32_t i = 0; i < n; i++)
		thread_join(pr[i]);
	atomic_store(&stop_spinning, true);
	for (uint32_t i = 0; i < n; i++)
		thread_join(spin[i]);
	kprintf("smp: a spinning thread on each of %u CPUs; a second thread on each ran: %s\n", n,
	        atomic_load(&probes) == n ? "ok" : "WRONG");
	return atomic_load(&probes) == n;
}

/* ---- Sleeps: deadline order, never early -------------------------------- */

#define SLEEPERS 8
static const uint32_t sleep_ms[SLEEPERS] = {30, 10, 50, 20, 20, 40, 60, 0};
static struct {
	uint64_t deadline, woke;
	uint32_t order;
} sl[SLEEPERS];
static _Atomic uint32_t wake_seq;

static void sleeper(void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg;
	thread_sleep_until(sl[i].deadline);
	sl[i].woke = clock_ns();
	sl[i].order = atomic_fetch_add(&wake_seq, 1);
}

static bool test_sleep(void)
{
	static struct thread *t[SLEEPERS];
	uint64_t start = clock_ns() + 5000000;
	uint64_t cpu = 1ull << this_cpu_index(); /* one CPU's sleep list: a total order */
	atomic_store(&wake_seq, 0);
	for (uint32_t i = 0; i < SLEEPERS; i++) {
		sl[i].deadline = start + sleep_ms[i] * 1000000ull;
		if (!(t[i] = thread_create("sleeper", sleeper, (void *)(uintptr_t)i, cpu)))
			return false;
	}
	for (uint32_t i = 0; i < SLEEPERS; i++)
		thread_join(t[i]);
	bool ok = true;
	for (uint32_t i = 0; i < SLEEPERS; i++) {
		/* Expected rank: earlier deadlines first, ties in creation order. */
		uint32_t rank = 0;
		for (uint32_t j = 0; j < SLEEPERS; j++)
			rank += sleep_ms[j] < sleep_ms[i] || (sleep_ms[j] == sleep_ms[i] && j < i);
		if (sl[i].woke < sl[i].deadline) {
			kprintf("smp: sleeper %u woke %llu ns early\n", i,
			        (unsigned long long)(sl[i].deadline - sl[i].woke));
			ok = false;
		}
		if (sl[i].order != rank) {
			kprintf("smp: sleeper %u (%u ms) woke %u-th, expected %u-th\n", i, sleep_ms[i],
			        sl[i].order, rank);
			ok = false;
		}
	}
	kprintf("smp: %d sleepers woke in deadline order, none early: %s\n", SLEEPERS,
	        ok ? "ok" : "WRONG");
	return ok;
}

/* ---- Page and heap allocation from every CPU at once ------------------- */

#define ALLOC_TOTAL 1280 /* rounds over all workers, whatever the CPU count */
#define ALLOC_BATCH 24
static uint32_t alloc_rounds;

static _Atomic uint32_t alloc_bad;
static struct semaphore alloc_go, alloc_done, alloc_exit;

static void alloc_worker(void *arg)
{
	(void)arg;
	uint64_t me = (uint64_t)thread_current()->id << 32;
	uint64_t pages[ALLOC_BATCH];
	void *blocks[ALLOC_BATCH];
	sem_down(&alloc_go);
	for (uint32_t r = 0; r < alloc_rounds; r++) {
		uint64_t tag = me | r;
		for (uint32_t i = 0; i < ALLOC_BATCH; i++) {
			pages[i] = pmm_alloc_page(mm_pmm());
			size_t size = 16u << ((r + i) % 9); /* 16 B .. 4 KiB */
			blocks[i] = kmalloc(size);
			if (!pages[i] || !blocks[i]) {
				atomic_fetch_add(&alloc_bad, 1);
				continue;
			}
			uint64_t *p = phys_to_virt(pages[i]);
			p[0] = p[511] = tag ^ i;
			*(uint64_t *)blocks[i] = tag ^ i;
		}
		if (r % 8 == 0)
			thread_yield();
		for (uint32_t i = 0; i < ALLOC_BATCH; i++) {
			if (!pages[i] || !blocks[i])
				continue;
			uint64_t *p = phys_to_virt(pages[i]);
			/* Someone else's tag: the page or block was handed out twice. */
			if (p[0] != (tag ^ i) || p[511] != (tag ^ i) || *(uint64_t *)blocks[i] != (tag ^ i))
				atomic_fetch_add(&alloc_bad, 1);
			pmm_free_page(mm_pmm(), pages[i]);
			kfree(blocks[i]);
		}
	}
	sem_up(&alloc_done);
	sem_down(&alloc_exit);
}

static bool test_alloc(void)
{
	static struct thread *t[MAX_WORKERS];
	uint32_t n = 0;
	sem_init(&alloc_go, 0);
	sem_init(&alloc_done, 0);
	sem_init(&alloc_exit, 0);
	atomic_store(&alloc_bad, 0);
	alloc_rounds = ALLOC_TOTAL / workers();
	for (uint32_t c = 0; c < ncpus(); c++)
		for (uint32_t k = 0; k < PER_CPU && percpu_get(c)->online; k++)
			if (!(t[n++] = thread_create("alloc", alloc_worker, NULL, 1ull << c)))
				return false;
	/* Counted with every worker alive and waiting: their stacks and
	 * structs are in both figures. */
	struct pmm_stats a, b;
	struct heap_stats ha, hb;
	kheap_trim();
	pmm_stats(mm_pmm(), &a);
	kheap_stats(&ha);
	for (uint32_t i = 0; i < n; i++)
		sem_up(&alloc_go);
	for (uint32_t i = 0; i < n; i++)
		sem_down(&alloc_done);
	kheap_trim();
	pmm_stats(mm_pmm(), &b);
	kheap_stats(&hb);
	for (uint32_t i = 0; i < n; i++)
		sem_up(&alloc_exit);
	for (uint32_t i = 0; i < n; i++)
		thread_join(t[i]);
	bool ok = !atomic_load(&alloc_bad) && a.free_pages == b.free_pages &&
	          ha.bytes_in_use == hb.bytes_in_use;
	kprintf("smp: %u threads x %u rounds x %d pages and blocks: %u tag or allocation errors; "
	        "free pages %llu -> %llu, heap bytes in use %llu -> %llu: %s\n", n, alloc_rounds,
	        ALLOC_BATCH, atomic_load(&alloc_bad), (unsigned long long)a.free_pages,
	        (unsigned long long)b.free_pages, (unsigned long long)ha.bytes_in_use,
	        (unsigned long long)hb.bytes_in_use, ok ? "ok" : "WRONG");
	return ok;
}

bool ktest_smp(void)
{
	const struct acpi_madt_info *m = irq_madt();
	uint32_t enabled = 0;
	for (uint32_t i = 0; i < m->cpu_count; i++)
		enabled += m->cpus[i].enabled;
	bool limited = boot_cmdline_get("maxcpus", &(size_t){0}) != NULL;
	bool ok = limited || percpu_online() == enabled;
	uint64_t t0 = clock_ns(), t1;
#define LAP(what) (t1 = clock_ns(), kprintf("smp:   (%s took %llu ms)\n", what, \
	                                     (unsigned long long)((t1 - t0) / 1000000)), t0 = t1)
	kprintf("smp: %u CPUs online, %u enabled in the MADT: %s\n", percpu_online(), enabled,
	        ok ? "ok" : limited ? "limited by maxcpus" : "WRONG");
	/* The same total work at every CPU count: with 8 vCPUs time-sliced on
	 * 2 host cores, a lock handed to a waiting vCPU that is not running
	 * waits for the host to run it. */
	uint64_t total = 64000;
	ok &= test_counter(BY_SPINLOCK, total / workers());
	LAP("spinlock counter");
	ok &= test_counter(BY_MUTEX, total / 8 / workers());
	LAP("mutex counter");
	ok &= test_counter(BY_ATOMIC, total / workers());
	LAP("atomic counter");
	ok &= test_queue();
	LAP("queue");
	ok &= test_preemption();
	LAP("preemption");
	ok &= test_sleep();
	LAP("sleeps");
	ok &= test_alloc();
	LAP("allocation");
	return ok;
}

/* ---- TLB shootdown ------------------------------------------------------ */

#define TLB_TEST_VA VMM_SCRATCH_BASE
static _Atomic int tlb_step;

static void tlb_reader(void *arg)
{
	(void)arg;
	volatile uint64_t *p = (volatile uint64_t *)TLB_TEST_VA;
	uint64_t v = *p; /* now in this CPU's TLB */
	kprintf("tlb: CPU %u read 0x%llx through the mapping\n", this_cpu_index(),
	        (unsigned long long)v);
	atomic_store(&tlb_step, 1);
	while (atomic_load(&tlb_step) != 2)
		cpu_pause();
	exception_expect(14);
	v = *p; /* must fault: the page is gone on every CPU */
	kprintf("tlb: CPU %u still reads 0x%llx after the unmap: no shootdown\n", this_cpu_index(),
	        (unsigned long long)v);
	qemu_exit(false);
}

bool ktest_tlb_shootdown(void)
{
	if (percpu_online() < 2) {
		kprintf("tlb: needs two CPUs\n");
		return false;
	}
	uint64_t pa = pmm_alloc_page(mm_pmm());
	if (!pa || !vmm_map(TLB_TEST_VA, pa, VMM_WRITE))
		return false;
	*(volatile uint64_t *)TLB_TEST_VA = 0x5eed;
	uint32_t other = this_cpu_index() == 0 ? 1 : 0;
	struct thread *t = thread_create("tlb reader", tlb_reader, NULL, 1ull << other);
	if (!t)
		return false;
	while (atomic_load(&tlb_step) != 1)
		thread_yield();
	vmm_unmap(TLB_TEST_VA);
	kprintf("tlb: CPU %u unmapped 0x%llx (%llu shootdowns so far)\n", this_cpu_index(),
	        TLB_TEST_VA, (unsigned long long)tlb_shootdowns());
	atomic_store(&tlb_step, 2);
	thread_join(t); /* never returns if the test passes: the fault ends it */
	return false;
}

/* ---- The checks that must fire ------------------------------------------ */

static struct spinlock lock_a = SPINLOCK_INIT("test lock A");
static struct spinlock lock_b = SPINLOCK_INIT("test lock B");

__attribute__((noinline)) static void take_a_then_b(void)
{
	spin_lock(&lock_a);
	spin_lock(&lock_b);
	spin_unlock(&lock_b);
	spin_unlock(&lock_a);
}

__attribute__((noinline)) static void take_b_then_a(void)
{
	spin_lock(&lock_b);
	spin_lock(&lock_a);
	spin_unlock(&lock_a);
	spin_unlock(&lock_b);
}

bool ktest_lockdep(void)
{
	if (!lockdep_enabled()) {
		kprintf("lockdep: off (lockdep=off)\n");
		return false;
	}
	uint32_t before = lockdep_reports();
	take_a_then_b();
	take_a_then_b(); /* the same order again: no report */
	bool quiet = lockdep_reports() == before;
	take_b_then_a(); /* inverted: reported, though nothing deadlocked */
	take_b_then_a(); /* reported once only */
	uint32_t got = lockdep_reports() - before;
	kprintf("lockdep: %u report%s for one inversion taken twice, none before: %s\n", got,
	        got == 1 ? "" : "s", quiet && got == 1 ? "ok" : "WRONG");
	return quiet && got == 1;
}

__attribute__((noinline)) static void take_a_again(void)
{
	spin_lock(&lock_a);
	spin_unlock(&lock_a); /* not reached; keeps the call from being a tail jump */
}

bool ktest_spin_recursive(void)
{
	panic_expect();
	spin_lock(&lock_a);
	take_a_again();
	return false;
}

bool ktest_sleep_in_spinlock(void)
{
	panic_expect();
	spin_lock(&lock_a);
	thread_sleep_ns(1000000);
	return false;
}

static struct mutex irq_mutex = MUTEX_INIT("test mutex");

static void mutex_in_handler(struct trap_frame *tf)
{
	(void)tf;
	mutex_lock(&irq_mutex);
}

bool ktest_mutex_in_irq(void)
{
	panic_expect();
	trap_register(VEC_TEST, mutex_in_handler, "mutex test", 0);
	cpu_raise_test_vector();
	return false;
}

bool ktest_spin_unheld(void)
{
	panic_expect();
	spin_unlock(&lock_b); /* never taken */
	return false;
}

/* ---- A panic on one CPU while another holds the console lock ----------- */

static _Atomic bool console_held;

static void panicker(void *arg)
{
	(void)arg;
	while (!atomic_load(&console_held))
		cpu_pause();
	panic("test=panic-other-cpu: a deliberate panic on CPU %u while CPU 0 holds the console "
	      "lock", this_cpu_index());
}

bool ktest_panic_other_cpu(void)
{
	if (percpu_online() < 2) {
		kprintf("panic: needs two CPUs\n");
		return false;
	}
	panic_expect();
	if (!thread_create("panicker", panicker, NULL, 1ull << 1))
		return false;
	kprintf("panic-test: CPU %u takes the console lock and spins with interrupts off\n",
	        this_cpu_index());
	console_begin(); /* held for good: only an NMI gets this CPU out */
	atomic_store(&console_held, true);
	for (;;)
		cpu_pause();
}
