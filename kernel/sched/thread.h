/*
 * Kernel threads. Each has its own stack from mm/kstack (an unmapped guard
 * page below it), runs on one CPU at a time, and is preempted on the timer
 * tick. A thread is joinable: thread_join waits for it and frees it;
 * a detached thread is freed by the scheduler when it exits.
 *
 * States (sched.c moves threads between them, under the run-queue lock of
 * the CPU they belong to):
 *
 *   READY --picked--> RUNNING --preempted/yield--> READY
 *                        |  \--sleep--> SLEEPING --deadline--> READY
 *                        |  \--wait--> BLOCKED --wake--> READY
 *                        \--exit--> DEAD
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/context.h"
#include "arch/x86_64/percpu.h"
#include "sched/wait.h"

enum thread_state {
	THREAD_READY,
	THREAD_RUNNING,
	THREAD_BLOCKED,
	THREAD_SLEEPING,
	THREAD_DEAD,
};

#define THREAD_NAME_MAX 24
/* Bytes at the top of every thread's stack left free for the trap frame
 * of a user thread's entries from ring 3 (arch/x86_64/trapframe.h, which
 * checks the size); kernel threads never use them. */
#define THREAD_TOP_RESERVE 176
#define THREAD_ANY_CPU (~0ull)

struct thread {
	uint64_t rsp;          /* saved stack pointer while switched out (switch.S) */
	uint32_t irq_state;    /* the CPU's spinlock nesting and IF to restore when it
	                        * runs (percpu.h), without PERCPU_IRQ_NO_CHECKS */
	uint32_t id;
	_Atomic uint32_t state; /* enum thread_state */
	uint32_t cpu;          /* the CPU whose run queue owns it */
	uint32_t slice;        /* ticks left before preemption */
	uint64_t affinity;     /* bit i: may run on CPU i */
	struct thread *next;   /* run queue, sleep list or wait queue */
	struct thread *all_next;
	uint64_t stack_top;
	uint64_t wake_ns;      /* SLEEPING: the deadline (clock_ns) */
	uint64_t run_tsc;      /* TSC ticks spent running */
	uint64_t switches;     /* times it was switched in */
	_Atomic bool on_cpu;   /* its registers are live on some CPU */
	bool idle;             /* a CPU's idle thread */
	bool migrating;        /* leaving its CPU for one in its affinity */
	bool detached;
	bool exited;           /* guarded by joiners.lock */
	int exit_code;
	void (*fn)(void *);
	void *arg;
	struct wait_queue joiners;
	_Atomic bool interrupted; /* thread_interrupt: leave interruptible waits */
	struct spinlock wait_lock; /* guards waiting_on; taken before any wait queue's lock */
	struct wait_queue *waiting_on; /* in wait_event_interruptible, else NULL */
	struct arch_thread arch; /* user-mode state (context.h); zero for kernel threads */
	void *task;            /* the user task it runs (proc/task.h), NULL for kernel threads */
	char name[THREAD_NAME_MAX];
};
_Static_assert(__builtin_offsetof(struct thread, rsp) == 0, "switch.S saves rsp at offset 0");

/* Start fn(arg) in a new thread, ready to run on a CPU in `affinity`
 * (THREAD_ANY_CPU, or a mask of CPU indexes). NULL when out of memory or
 * stacks, or when affinity names no online CPU. */
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg, uint64_t affinity);
/* The same, freed by the scheduler when it exits (never joined). */
bool thread_spawn_detached(const char *name, void (*fn)(void *), void *arg, uint64_t affinity);
/* In two steps, for a thread that needs fields set before it runs (a
 * process's thread): a detached thread that will run fn(arg), not yet
 * started; then start it, or discard it unstarted. */
struct thread *thread_prepare(const char *name, void (*fn)(void *), void *arg);
bool thread_start(struct thread *t);
void thread_discard(struct thread *t);
/* End the running thread; its joiner gets `code`. */
__attribute__((noreturn)) void thread_exit(int code);
/* Wait for t to exit, free it, return its exit code. */
int thread_join(struct thread *t);

static inline struct thread *thread_current(void) { return percpu_current(); }
/* Give the CPU to another ready thread, if any. */
void thread_yield(void);
/* Sleep at least ns nanoseconds (woken on the first tick after). */
void thread_sleep_ns(uint64_t ns);
/* Sleep until clock_ns() >= deadline. */
void thread_sleep_until(uint64_t deadline_ns);
/* Restrict the running thread to the CPUs in mask (it moves if needed). */
bool thread_set_affinity(uint64_t mask);

/* Ask t to give up what it waits for: its wait_event_interruptible (if
 * any, now or later) returns false. For a process being killed. Sticky:
 * the thread is expected to end. */
void thread_interrupt(struct thread *t);
static inline bool thread_interrupted(void)
{
	return atomic_load_explicit(&thread_current()->interrupted, memory_order_seq_cst);
}

const char *thread_state_name(uint32_t state);
/* Call fn for every thread (the shell's `threads`), under the thread-list lock. */
void thread_for_each(void (*fn)(const struct thread *t, void *ctx), void *ctx);
uint32_t thread_count(void);
