/*
 * The kernel's sleeping locks (sched/wait.h) for host tests of code that
 * takes a mutex (the file system): one thread, so a mutex is a flag, and
 * taking a held one or releasing a free one is a test failure (fs_shim.c
 * defines the hook). A test that includes such kernel code puts this
 * directory first on its include path.
 */
#pragma once

#include <stdbool.h>

struct mutex {
	bool held;
	const char *name;
};

#define MUTEX_INIT(n) {.name = (n)}

void fake_mutex_error(const struct mutex *m, const char *what);

static inline void mutex_lock(struct mutex *m)
{
	if (m->held)
		fake_mutex_error(m, "taken while held");
	m->held = true;
}

static inline void mutex_unlock(struct mutex *m)
{
	if (!m->held)
		fake_mutex_error(m, "released while free");
	m->held = false;
}

static inline bool mutex_held(const struct mutex *m) { return m->held; }
