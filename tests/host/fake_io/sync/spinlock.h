/*
 * The kernel's spinlock (sync/spinlock.h) for host tests of code that
 * guards hardware with one: a flag and two hooks the test defines, so that
 * its device model can check that every port access happens with the lock
 * held (test_rtc.c). Taking a held lock or releasing a free one is a
 * failure there, as it is a panic in the kernel.
 */
#pragma once

#include <stdbool.h>

struct spinlock {
	bool held;
	const char *name;
};

#define SPINLOCK_INIT(lockname) {.name = (lockname)}

void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
