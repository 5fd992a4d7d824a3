/*
 * Futexes: the kernel half of user-space locks (futex(2)). A thread that
 * finds a lock word taken sleeps "on the word" until another thread
 * changes it and wakes it. The kernel never interprets the word; it only
 * compares it, atomically with going to sleep, against the value the
 * caller saw.
 *
 * A futex is named by (address space, user address). Memory is shared
 * only by sharing a whole address space (threads, CLONE_VM: there are no
 * shared mappings), so that key names the same word for every thread
 * that can see it, and FUTEX_PRIVATE_FLAG changes nothing.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct vm;

#define FUTEX_BITSET_ANY 0xffffffffu

/* Sleep while *uaddr == val, until a wake whose bitset meets ours, the
 * deadline (clock_ns; 0: none) or a signal. 0 when woken, -EAGAIN if the
 * word differed, -EFAULT if it cannot be read, -ETIMEDOUT, -EINTR. uaddr
 * must be 4-aligned and in the current thread's address space vm. */
int futex_wait(struct vm *vm, uint64_t uaddr, uint32_t val, uint32_t bitset, uint64_t deadline);
/* Wake up to n waiters on (vm, uaddr) whose bitset meets bitset (at least
 * one when n is 0, as Linux); how many. Any context that may take a spinlock. */
int futex_wake(struct vm *vm, uint64_t uaddr, int n, uint32_t bitset);
/* FUTEX_REQUEUE / FUTEX_CMP_REQUEUE: with cmp, -EAGAIN unless *uaddr ==
 * val; wake up to nwake waiters of uaddr, move up to nmove others to wait
 * on uaddr2. How many were woken and moved, or -EFAULT / -EAGAIN. */
int futex_requeue(struct vm *vm, uint64_t uaddr, int nwake, uint64_t uaddr2, int nmove, bool cmp,
                  uint32_t val);
