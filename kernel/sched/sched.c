/*
 * The scheduler (see sched.h).
 *
 * Each CPU has a run queue: a FIFO of READY threads, a list of SLEEPING
 * ones sorted by deadline, and its idle thread. The queue's lock guards
 * those lists and every state change of the threads that belong to the CPU
 * (thread->cpu), and it is held across a context switch: taken by the
 * thread that switches away, released by the one that runs next
 * (sched_switch_done). So while a CPU is between two threads, nobody can
 * wake, steal or inspect either of them.
 *
 * A switch happens only with exactly that lock held (a thread that tries to
 * sleep holding anything else panics, see spin_assert_may_sleep), and the
 * per-CPU interrupt nesting is saved in the thread, so each thread gets its
 * own interrupt state back.
 *
 * Balance: a CPU whose queue is empty takes a ready thread from another
 * CPU's queue (trylock only: two CPUs stealing from each other must not
 * deadlock), from its idle loop and whenever it schedules. Waking a thread
 * onto an idle CPU sends that CPU a reschedule IPI.
 */
#include "sched/sched.h"

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/vectors.h"
#include "core/panic.h"
#include "sched/loadavg.h"
#include "sched/thread.h"
#include "sched/thread_internal.h"
#include "sched/thread_queue.h"
#include "sync/spinlock.h"
#include "time/clock.h"
#include "time/timer.h"

struct runqueue {
	struct spinlock lock;       /* guards all below, and its threads' states */
	struct thread_queue ready;  /* READY, in order */
	uint32_t nready;
	struct thread *sleepers;    /* SLEEPING, earliest deadline first */
	struct thread *idle;
	struct thread *prev;        /* during a switch: the thread left */
	uint64_t switch_tsc;        /* when the current thread started */
	uint64_t switches;
	uint64_t online_ns;         /* clock_ns() when this CPU started scheduling */
} __attribute__((aligned(64)));

static struct runqueue rqs[MAX_CPUS];
static volatile bool running;
static bool idle_poll; /* "idle=poll": idle CPUs spin instead of halting */

void sched_switch(uint64_t *save_rsp, uint64_t load_rsp);
void sched_switch_done(struct thread *me);

static inline uint32_t state(const struct thread *t)
{
	return atomic_load_explicit(&t->state, memory_order_relaxed);
}

static inline void set_state(struct thread *t, uint32_t s)
{
	atomic_store_explicit(&t->state, s, memory_order_relaxed);
}

bool sched_running(void) { return running; }
uint32_t sched_ready(uint32_t cpu) { return rqs[cpu].nready; }
uint64_t sched_switches(uint32_t cpu) { return rqs[cpu].switches; }

/* Without the queue's lock: the idle thread's count only grows, and a
 * figure a moment old is as good as one taken under the lock. */
void sched_cpu_time(uint32_t cpu, uint64_t *idle_ns, uint64_t *total_ns)
{
	struct runqueue *rq = &rqs[cpu];
	*idle_ns = *total_ns = 0;
	if (!rq->idle || !percpu_get(cpu)->online)
		return;
	uint64_t tsc = __atomic_load_n(&rq->idle->run_tsc, __ATOMIC_RELAXED);
	if (__atomic_load_n(&percpu_get(cpu)->current, __ATOMIC_RELAXED) == rq->idle) {
		uint64_t since = __atomic_load_n(&rq->switch_tsc, __ATOMIC_RELAXED);
		uint64_t now = cpu_rdtsc();
		if (now > since)
			tsc += now - since; /* idling right now */
	}
	*total_ns = clock_ns() - rq->online_ns;
	*idle_ns = clock_tsc_to_ns(tsc);
	if (*idle_ns > *total_ns)
		*idle_ns = *total_ns;
}

/* Threads running (not idle) or ready, on every CPU: what the load average
 * counts. Reads other CPUs' queues without their locks (a racy count). */
static uint32_t active_threads(void)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < percpu_count(); i++) {
		struct cpu *c = percpu_get(i);
		if (!c->online || !rqs[i].idle)
			continue;
		n += __atomic_load_n(&rqs[i].nready, __ATOMIC_RELAXED);
		n += __atomic_load_n(&c->current, __ATOMIC_RELAXED) != rqs[i].idle;
	}
	return n;
}

static void enqueue(struct runqueue *rq, struct thread *t)
{
	tq_push(&rq->ready, t);
	rq->nready++;
}

/* The first READY thread that may run on `cpu`, unlinked. */
static struct thread *take(struct runqueue *rq, uint32_t cpu)
{
	struct thread *prev = NULL;
	for (struct thread *t = rq->ready.head; t; prev = t, t = t->next) {
		if (!((t->affinity >> cpu) & 1))
			continue;
		tq_unlink(&rq->ready, prev, t);
		rq->nready--;
		return t;
	}
	return NULL;
}

/* Lock the running CPU's queue. Interrupts go off first, so the thread
 * cannot move to another CPU between reading the index and locking. */
static struct runqueue *lock_own(struct cpu **cp)
{
	spin_irq_save();
	struct cpu *c = this_cpu();
	struct runqueue *rq = &rqs[c->index];
	spin_lock(&rq->lock);
	spin_irq_restore();
	*cp = c;
	return rq;
}

/* A ready thread from another CPU's queue, now owned by `self`; called with
 * self's queue locked. */
static struct thread *steal(uint32_t self)
{
	uint32_t n = percpu_count();
	for (uint32_t k = 1; k < n; k++) {
		uint32_t v = (self + k) % n;
		struct runqueue *o = &rqs[v];
		if (!percpu_get(v)->online || o->nready == 0 || !spin_trylock(&o->lock))
			continue;
		struct thread *t = take(o, self);
		if (t)
			t->cpu = self;
		spin_unlock(&o->lock);
		if (t)
			return t;
	}
	return NULL;
}

/*
 * The heart: rq (the running CPU's) is locked; the running thread's state
 * says where it goes (RUNNING: back in the queue; anything else: it stays
 * off). Picks the next thread and switches; returns, with the lock
 * released, when this thread runs again.
 */
static void (*resume_hook)(struct thread *t);

void sched_set_resume_hook(void (*fn)(struct thread *t)) { resume_hook = fn; }

static void schedule_locked(struct cpu *c, struct runqueue *rq)
{
	struct thread *prev = c->current, *next;
	if ((c->irq_state & PERCPU_IRQ_DEPTH_MASK) != PERCPU_IRQ_LEVEL)
		spin_assert_may_sleep("scheduling", (uintptr_t)__builtin_return_address(0)); /* names the extra lock and panics */
	uint32_t st = state(prev);
	if (st == THREAD_RUNNING && !prev->idle && !prev->migrating) {
		set_state(prev, THREAD_READY);
		enqueue(rq, prev);
	}
	next = take(rq, c->index);
	if (!next)
		next = steal(c->index);
	if (!next)
		next = st == THREAD_RUNNING && prev->idle ? prev : rq->idle;
	c->need_resched = false;
	if (next == prev) {
		set_state(prev, THREAD_RUNNING);
		spin_unlock(&rq->lock);
		return;
	}
	/* A thread that was queued here while still leaving another CPU (a
	 * migration) must finish that switch before it can run here. */
	while (atomic_load_explicit(&next->on_cpu, memory_order_acquire))
		cpu_pause();
	set_state(next, THREAD_RUNNING);
	if (next->arch.user && resume_hook)
		resume_hook(next);
	next->cpu = c->index;
	next->slice = SCHED_SLICE_TICKS;
	next->switches++;
	atomic_store_explicit(&next->on_cpu, true, memory_order_relaxed);
	uint64_t now = cpu_rdtsc();
	prev->run_tsc += now - rq->switch_tsc;
	rq->switch_tsc = now;
	rq->switches++;
	rq->prev = prev;
	prev->irq_state = c->irq_state & ~PERCPU_IRQ_NO_CHECKS;
	c->current = next;
	arch_thread_switch(c, &prev->arch, &next->arch);
	sched_switch(&prev->rsp, next->rsp);
	sched_switch_done(prev);
}

/* The first thing a thread does after being switched to: this CPU's queue
 * is locked (by the thread that left). Take over the CPU's interrupt state,
 * let the old thread go, unlock. */
void sched_switch_done(struct thread *me)
{
	struct cpu *c = this_cpu();
	struct runqueue *rq = &rqs[c->index];
	struct thread *prev = rq->prev;
	rq->prev = NULL;
	c->irq_state = (c->irq_state & PERCPU_IRQ_NO_CHECKS) | me->irq_state;
	bool reap = state(prev) == THREAD_DEAD && prev->detached;
	bool move = prev->migrating;
	/* Release: whoever sees on_cpu false also sees every register save. */
	atomic_store_explicit(&prev->on_cpu, false, memory_order_release);
	spin_unlock(&rq->lock);
	if (move) {
		prev->migrating = false;
		sched_start(prev);
	}
	if (reap)
		thread_free(prev);
}

void sched_block(void)
{
	struct cpu *c;
	struct runqueue *rq = lock_own(&c);
	if (state(c->current) == THREAD_BLOCKED)
		schedule_locked(c, rq);
	else
		spin_unlock(&rq->lock); /* woken before it could leave */
}

void sched_yield(void)
{
	struct cpu *c;
	struct runqueue *rq = lock_own(&c);
	schedule_locked(c, rq);
}

void sched_sleep_until(uint64_t deadline)
{
	struct cpu *c;
	struct runqueue *rq = lock_own(&c);
	struct thread *me = c->current, **p = &rq->sleepers;
	me->wake_ns = deadline;
	set_state(me, THREAD_SLEEPING);
	while (*p && (*p)->wake_ns <= deadline) /* equal deadlines: first come, first woken */
		p = &(*p)->next;
	me->next = *p;
	*p = me;
	schedule_locked(c, rq);
}

__attribute__((noreturn)) void sched_exit(void)
{
	struct cpu *c;
	struct runqueue *rq = lock_own(&c);
	c->preempt_off--; /* taken by thread_exit */
	/* Release: a joiner that sees DEAD sees the exit code too. */
	atomic_store_explicit(&c->current->state, THREAD_DEAD, memory_order_release);
	schedule_locked(c, rq);
	panic("sched: a dead thread ran again");
}

void sched_migrate(void)
{
	struct cpu *c;
	struct runqueue *rq = lock_own(&c);
	struct thread *me = c->current;
	if ((me->affinity >> c->index) & 1) {
		spin_unlock(&rq->lock);
		return;
	}
	me->migrating = true; /* sched_switch_done queues it elsewhere */
	schedule_locked(c, rq);
}

/* Wake `cpu` if it idles, so it looks at its queue. */
static void kick(uint32_t cpu, struct cpu *tc)
{
	if (cpu == this_cpu_index())
		this_cpu()->need_resched = true;
	else
		lapic_send_ipi(tc->apic_id, VEC_RESCHEDULE);
}

bool sched_wake(struct thread *t)
{
	for (;;) {
		uint32_t cpu = t->cpu;
		struct runqueue *rq = &rqs[cpu];
		spin_lock(&rq->lock);
		if (t->cpu != cpu) { /* it moved meanwhile: follow it */
			spin_unlock(&rq->lock);
			continue;
		}
		if (state(t) != THREAD_BLOCKED) {
			spin_unlock(&rq->lock);
			return false;
		}
		struct cpu *tc = percpu_get(cpu);
		if (tc->current == t) { /* still on its way out: it will not leave */
			set_state(t, THREAD_RUNNING);
			spin_unlock(&rq->lock);
			return true;
		}
		set_state(t, THREAD_READY);
		enqueue(rq, t);
		bool idle = tc->current->idle;
		spin_unlock(&rq->lock);
		if (idle)
			kick(cpu, tc);
		return true;
	}
}

/* The online CPU in `affinity` with the fewest threads, preferring this one. */
static int32_t pick_cpu(uint64_t affinity)
{
	int32_t best = -1;
	uint32_t best_load = UINT32_MAX, self = this_cpu_index();
	for (uint32_t i = 0; i < percpu_count(); i++) {
		struct cpu *c = percpu_get(i);
		if (!c->online || !((affinity >> i) & 1) || !rqs[i].idle)
			continue;
		uint32_t load = rqs[i].nready * 2 + (c->current && !c->current->idle ? 2 : 0) +
		                (i == self ? 0 : 1);
		if (load < best_load) {
			best = (int32_t)i;
			best_load = load;
		}
	}
	return best;
}

bool sched_start(struct thread *t)
{
	int32_t cpu = pick_cpu(t->affinity);
	if (cpu < 0)
		return false;
	struct runqueue *rq = &rqs[cpu];
	spin_lock(&rq->lock);
	t->cpu = (uint32_t)cpu;
	set_state(t, THREAD_READY);
	enqueue(rq, t);
	bool idle = percpu_get((uint32_t)cpu)->current->idle;
	spin_unlock(&rq->lock);
	if (idle)
		kick((uint32_t)cpu, percpu_get((uint32_t)cpu));
	return true;
}

/* Every tick on every CPU, in the interrupt handler: wake the sleepers whose
 * deadline has passed, and end the running thread's slice if others wait. */
static void tick(void)
{
	if (!running)
		return;
	struct cpu *c = this_cpu();
	struct runqueue *rq = &rqs[c->index];
	if (!rq->idle)
		return; /* this CPU has no scheduler yet */
	/* The load average: CPU 0 samples every LOADAVG_PERIOD_S seconds. */
	static uint64_t ticks_to_sample;
	if (c->index == 0 && ticks_to_sample-- == 0) {
		ticks_to_sample = (uint64_t)timer_hz() * LOADAVG_PERIOD_S - 1;
		loadavg_sample(active_threads());
	}
	/* Only threads on this CPU add sleepers (with interrupts off) and only
	 * this tick removes them, so a look at the head needs no lock; the
	 * lock is taken when there is someone to wake. */
	if (rq->sleepers && rq->sleepers->wake_ns <= clock_ns()) {
		spin_lock(&rq->lock);
		uint64_t now = clock_ns();
		while (rq->sleepers && rq->sleepers->wake_ns <= now) {
			struct thread *t = rq->sleepers;
			rq->sleepers = t->next;
			set_state(t, THREAD_READY);
			enqueue(rq, t);
		}
		spin_unlock(&rq->lock);
	}
	/* The running thread's slice is this CPU's alone. nready is read
	 * without the lock: a thread queued meanwhile is seen next tick. */
	struct thread *cur = c->current;
	if (rq->nready && (cur->idle || cur->slice <= 1))
		c->need_resched = true;
	else if (cur->slice > 1)
		cur->slice--;
}

/* After every interrupt into code with interrupts on: preempt if asked. */
static void preempt(struct trap_frame *tf)
{
	(void)tf;
	struct cpu *c = this_cpu();
	if (c->need_resched && !c->preempt_off && !(c->irq_state & PERCPU_IRQ_DEPTH_MASK) &&
	    rqs[c->index].idle)
		sched_yield();
}

static void resched_ipi(struct trap_frame *tf)
{
	(void)tf;
	this_cpu()->need_resched = true;
}

/* Whether another CPU has a thread this one could take. */
static bool work_elsewhere(uint32_t self)
{
	for (uint32_t i = 0; i < percpu_count(); i++)
		if (i != self && rqs[i].nready && percpu_get(i)->online)
			for (struct thread *t = rqs[i].ready.head; t; t = t->next) /* racy peek, then locked */
				if ((t->affinity >> self) & 1)
					return true;
	return false;
}

/* The idle thread of each CPU: run whatever appears, else halt until the
 * next interrupt (a tick, a wake-up IPI). sti;hlt is atomic: a wake-up
 * after the check but before the halt still ends the halt. */
static void idle_loop(void *arg)
{
	(void)arg;
	for (;;) {
		cpu_cli();
		struct cpu *c = this_cpu();
		if (c->need_resched || rqs[c->index].nready || work_elsewhere(c->index)) {
			cpu_sti();
			sched_yield();
			continue;
		}
		if (idle_poll) {
			cpu_sti();
			cpu_pause();
		} else {
			cpu_sti_hlt();
		}
	}
}

/* The running context becomes a thread of this CPU. */
static struct thread *adopt(const char *name, bool idle, uint64_t stack_top)
{
	struct cpu *c = this_cpu();
	struct thread *t = thread_adopt(name, stack_top);
	if (!t)
		panic("sched: no memory for the %s thread of CPU %u", name, c->index);
	t->idle = idle;
	t->cpu = c->index;
	t->affinity = 1ull << c->index;
	atomic_store_explicit(&t->on_cpu, true, memory_order_relaxed);
	set_state(t, THREAD_RUNNING);
	c->current = t;
	rqs[c->index].switch_tsc = cpu_rdtsc();
	return t;
}

void sched_set_idle_poll(bool on) { idle_poll = on; }

void sched_init(void)
{
	this_cpu()->online = true; /* the boot CPU takes threads from now on */
	for (uint32_t i = 0; i < MAX_CPUS; i++)
		spin_init(&rqs[i].lock, "runqueue");
	rqs[0].online_ns = clock_ns();
	struct thread *main = adopt("main", false, 0);
	main->affinity = THREAD_ANY_CPU;
	struct thread *idle = thread_alloc("idle 0", idle_loop, NULL);
	if (!idle)
		panic("sched: no memory for CPU 0's idle thread");
	idle->idle = true;
	idle->cpu = 0;
	idle->affinity = 1;
	set_state(idle, THREAD_READY);
	rqs[0].idle = idle;
	trap_register(VEC_RESCHEDULE, resched_ipi, "reschedule", TRAP_EOI);
	trap_set_after_irq(preempt);
	timer_set_hook(tick);
	running = true;
}

__attribute__((noreturn)) void sched_run_ap(void)
{
	struct cpu *c = this_cpu();
	static char names[MAX_CPUS][THREAD_NAME_MAX];
	thread_name_format(names[c->index], "idle", c->index);
	rqs[c->index].online_ns = clock_ns();
	rqs[c->index].idle = adopt(names[c->index], true, c->boot_stack_top);
	smp_ap_online();
	cpu_sti();
	idle_loop(NULL);
	panic("sched: idle loop returned");
}
