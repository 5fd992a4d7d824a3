/*
 * The lock-order checker: a small cousin of Linux's lockdep. Locks are
 * grouped into classes by name (every run-queue lock is one class
 * "runqueue"). Each time a CPU takes a lock of class B while holding one of
 * class A, the edge A -> B is recorded with both acquisition sites. The
 * first time an acquisition would close a cycle (B -> ... -> A seen before,
 * now A -> B), the checker prints both orders with their sites, whether or
 * not the CPUs actually deadlocked. Each inverted pair is reported once.
 *
 * It is on unless the command line says lockdep=off (the benchmark's
 * uncontended figures are printed both ways). Trylocks are recorded as held
 * but add no ordering: they never wait, so they cannot close a deadlock.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct spinlock;

#define LOCKDEP_MAX_CLASSES 63 /* class 0 is "none"; bits 1..63 of a mask */

void lockdep_set_enabled(bool on);
void lockdep_acquire(struct spinlock *l, uintptr_t site);
void lockdep_acquire_try(struct spinlock *l, uintptr_t site);
void lockdep_release(struct spinlock *l);
/* Inversions reported so far (the test counts them). */
uint32_t lockdep_reports(void);
bool lockdep_enabled(void);
