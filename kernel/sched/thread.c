/*
 * Kernel threads: creation, exit, join, and the list of all threads (see
 * thread.h). The scheduler (sched.c) does the rest.
 *
 * A new thread's stack is built so that the first sched_switch to it
 * "returns" into thread_entry (switch.S) with r12 = the thread:
 *
 *   top - 176 .. top              THREAD_TOP_RESERVE: a user thread's trap frame
 *   base -  8  0                   fake return address: backtraces end here
 *   base - 16  0                   (keeps thread_entry's calls 16-aligned)
 *   base - 24  thread_entry        popped by sched_switch's ret
 *   base - 72  rbp rbx r12 r13 r14 r15 = 0, 0, thread, 0, 0, 0  (popped)
 *
 * where base = top - THREAD_TOP_RESERVE.
 *
 * Exit: the exiting thread turns preemption off, marks itself exited under
 * its joiners' lock and wakes them, then switches away for good (DEAD). The
 * joiner waits for `exited`, then for DEAD and on_cpu to drop (the last
 * switch away has saved everything), and only then frees the stack. A detached thread is freed by the CPU that
 * switched away from it (sched_switch_done).
 */
#include "sched/thread.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "core/panic.h"
#include "lib/string.h"
#include "lib/vsnprintf.h"
#include "mm/heap.h"
#include "mm/kstack.h"
#include "sched/sched.h"
#include "sched/thread_internal.h"
#include "sync/spinlock.h"
#include "time/clock.h"

extern void thread_entry(void);
__attribute__((noreturn)) void thread_run(struct thread *t);

/* Guards all_threads and nthreads. Only the console lock is taken inside
 * (thread_for_each callers print). */
static struct spinlock list_lock = SPINLOCK_INIT("thread list");
static struct thread *all_threads;
static uint32_t nthreads;
static _Atomic uint32_t next_id;

static void list_add(struct thread *t)
{
	spin_lock(&list_lock);
	t->all_next = all_threads;
	all_threads = t;
	nthreads++;
	spin_unlock(&list_lock);
}

static void list_remove(struct thread *t)
{
	spin_lock(&list_lock);
	for (struct thread **p = &all_threads; *p; p = &(*p)->all_next)
		if (*p == t) {
			*p = t->all_next;
			nthreads--;
			break;
		}
	spin_unlock(&list_lock);
}

static struct thread *new_struct(const char *name)
{
	struct thread *t = kcalloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
	strncpy_safe(t->name, name, THREAD_NAME_MAX);
	t->affinity = THREAD_ANY_CPU;
	wait_queue_init(&t->joiners, "thread joiners");
	spin_init(&t->wait_lock, "thread wait_on");
	return t;
}

void thread_name_format(char *buf, const char *prefix, uint32_t n)
{
	ksnprintf(buf, THREAD_NAME_MAX, "%s %u", prefix, n);
}

struct thread *thread_adopt(const char *name, uint64_t stack_top)
{
	struct thread *t = new_struct(name);
	if (!t)
		return NULL;
	t->stack_top = stack_top;
	t->arch.kstack_top = stack_top;
	list_add(t);
	return t;
}

struct thread *thread_alloc(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = new_struct(name);
	if (!t)
		return NULL;
	uint64_t top = kstack_alloc(t->name);
	if (!top) {
		kfree(t);
		return NULL;
	}
	t->stack_top = top;
	t->arch.kstack_top = top;
	t->fn = fn;
	t->arg = arg;
	uint64_t *sp = (uint64_t *)(top - THREAD_TOP_RESERVE);
	*--sp = 0;
	*--sp = 0;
	*--sp = (uint64_t)thread_entry;
	*--sp = 0;             /* rbp */
	*--sp = 0;             /* rbx */
	*--sp = (uint64_t)t;   /* r12 */
	*--sp = 0;             /* r13 */
	*--sp = 0;             /* r14 */
	*--sp = 0;             /* r15 */
	t->rsp = (uint64_t)sp;
	/* What sched_switch_done installs: one lock held (the run queue's),
	 * interrupts on once it is released. */
	t->irq_state = PERCPU_IRQ_OUTERMOST_ON;
	list_add(t);
	return t;
}

void thread_free(struct thread *t)
{
	list_remove(t);
	if (t->stack_top && !t->idle)
		kstack_free(t->stack_top);
	kfree(t->arch.fpu);
	kfree(t);
}

__attribute__((noreturn)) void thread_run(struct thread *t)
{
	t->fn(t->arg);
	thread_exit(0);
}

static struct thread *create(const char *name, void (*fn)(void *), void *arg, uint64_t affinity,
                             bool detached)
{
	struct thread *t = thread_alloc(name, fn, arg);
	if (!t)
		return NULL;
	t->affinity = affinity;
	t->detached = detached;
	if (!sched_start(t)) {
		thread_free(t);
		return NULL;
	}
	return t;
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg, uint64_t affinity)
{
	return create(name, fn, arg, affinity, false);
}

bool thread_spawn_detached(const char *name, void (*fn)(void *), void *arg, uint64_t affinity)
{
	return create(name, fn, arg, affinity, true) != NULL;
}

struct thread *thread_prepare(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = thread_alloc(name, fn, arg);
	if (t)
		t->detached = true;
	return t;
}

bool thread_start(struct thread *t) { return sched_start(t); }
void thread_discard(struct thread *t) { thread_free(t); }

static bool has_exited(void *arg) { return ((struct thread *)arg)->exited; }

__attribute__((noreturn)) void thread_exit(int code)
{
	struct thread *me = thread_current();
	if (me->idle)
		panic("thread: the idle thread of CPU %u tried to exit", me->cpu);
	spin_assert_may_sleep("thread_exit", (uintptr_t)__builtin_return_address(0));
	me->exit_code = code;
	/* From `exited` to DEAD this thread must not be preempted: a joiner
	 * could otherwise free it while it waits in a run queue. sched_exit
	 * drops the count again. */
	percpu_preempt_disable();
	spin_lock(&me->joiners.lock);
	me->exited = true;
	spin_unlock(&me->joiners.lock);
	wake_all(&me->joiners);
	sched_exit();
}

int thread_join(struct thread *t)
{
	if (t == thread_current())
		panic("thread: %s tried to join itself", t->name);
	if (t->detached)
		panic("thread: joining detached thread %s", t->name);
	wait_event(&t->joiners, has_exited, t);
	/* It still has to become DEAD and finish its last switch away, which
	 * saves registers on its stack: a few instructions on its CPU. */
	while (atomic_load_explicit(&t->state, memory_order_acquire) != THREAD_DEAD ||
	       atomic_load_explicit(&t->on_cpu, memory_order_acquire))
		cpu_pause();
	int code = t->exit_code;
	thread_free(t);
	return code;
}

void thread_yield(void) { sched_yield(); }

void thread_sleep_ns(uint64_t ns)
{
	spin_assert_may_sleep("thread_sleep_ns", (uintptr_t)__builtin_return_address(0));
	sched_sleep_until(clock_ns() + ns);
}

void thread_sleep_until(uint64_t deadline)
{
	spin_assert_may_sleep("thread_sleep_until", (uintptr_t)__builtin_return_address(0));
	sched_sleep_until(deadline);
}

bool thread_set_affinity(uint64_t mask)
{
	bool any = false;
	for (uint32_t i = 0; i < percpu_count(); i++)
		any |= percpu_get(i)->online && ((mask >> i) & 1);
	if (!any)
		return false;
	thread_current()->affinity = mask;
	sched_migrate();
	return true;
}

const char *thread_state_name(uint32_t s)
{
	static const char *const names[] = {"ready", "running", "blocked", "sleeping", "dead"};
	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

void thread_for_each(void (*fn)(const struct thread *t, void *ctx), void *ctx)
{
	spin_lock(&list_lock);
	for (struct thread *t = all_threads; t; t = t->all_next)
		fn(t, ctx);
	spin_unlock(&list_lock);
}

uint32_t thread_count(void) { return nthreads; }
