/*
 * The scheduler: one run queue per CPU, round-robin with a time slice of
 * SCHED_SLICE_TICKS, preemption on the timer tick, work stealing by CPUs
 * whose queue is empty, and one idle thread per CPU that halts. The
 * interface for threads and sleeping locks (thread.c, wait.c); everything
 * else uses sched/thread.h and sched/wait.h.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct thread;

#define SCHED_SLICE_TICKS 2 /* 8 ms at the default 250 Hz */

/* On the boot CPU, once the heap, the timer and the IPIs work: the code
 * running kmain becomes thread "main"; CPU 0 gets its idle thread. */
void sched_init(void);
/* Idle CPUs spin (with pause) instead of halting: for measurements under
 * QEMU, where waking a halted vCPU costs the host a thread wake-up. */
void sched_set_idle_poll(bool on);
/* A function called for every user thread the scheduler switches to,
 * before it runs again (the process layer's: rseq must learn that the
 * thread was away). Under the run queue's lock, interrupts off: it may
 * only note the fact. */
void sched_set_resume_hook(void (*fn)(struct thread *t));
/* On each application processor, once it is online: this context becomes
 * the CPU's idle thread. */
__attribute__((noreturn)) void sched_run_ap(void);

/* The running thread set its state to BLOCKED (under a wait queue's lock,
 * released since): switch away, unless a wake-up came in between. */
void sched_block(void);
/* Make a BLOCKED thread READY (or RUNNING again if it has not switched
 * away yet). False if it was not blocked. */
bool sched_wake(struct thread *t);
/* Queue a new thread on a CPU its affinity allows. */
bool sched_start(struct thread *t);
/* The running thread is DEAD: switch away for good. */
__attribute__((noreturn)) void sched_exit(void);
void sched_yield(void);
void sched_sleep_until(uint64_t deadline_ns);
/* Move the running thread to a CPU in its (new) affinity. */
void sched_migrate(void);

/* Per CPU: threads ready to run, context switches so far. */
uint32_t sched_ready(uint32_t cpu);
uint64_t sched_switches(uint32_t cpu);
/* CPU time of one CPU since it started scheduling: *total_ns, of which its
 * idle thread ran *idle_ns (for /proc/stat and /proc/uptime). */
void sched_cpu_time(uint32_t cpu, uint64_t *idle_ns, uint64_t *total_ns);
bool sched_running(void);
