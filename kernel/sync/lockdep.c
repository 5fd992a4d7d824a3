/*
 * The lock-order checker (see lockdep.h).
 *
 * State: `reach[a]` is the set of classes taken (directly or through a
 * chain) while a class-a lock was held, i.e. the transitive closure of the
 * order graph, one 64-bit mask per class; `edges` lists the direct a -> b
 * acquisitions that added to it, with the two sites of the first one (a
 * list, since a boot records a few hundred of the 63 x 63 possible: a
 * matrix would be 64 KiB of .bss the loader zeroes on every boot). A new edge a -> b closes a
 * cycle exactly when a is already in reach[b]. Adding it updates the closure
 * in O(classes): every class that reaches a (or is a) now also reaches b and
 * everything b reaches.
 *
 * The graph is shared by all CPUs and guarded by graph_lock, a bare atomic
 * flag rather than a spinlock (a spinlock would recurse into this file). The
 * fast path, an edge already known, reads reach[] without the flag: masks
 * only ever gain bits, so a stale read can only send us to the slow path.
 */
#include "sync/lockdep.h"

#include <stdatomic.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "core/kprintf.h"
#include "lib/ksyms.h"
#include "sync/spinlock.h"

static bool enabled = true;
static atomic_flag graph_lock = ATOMIC_FLAG_INIT;
static const char *class_name[LOCKDEP_MAX_CLASSES + 1]; /* class 0: none */
static uint32_t nclasses;
static _Atomic uint64_t reach[LOCKDEP_MAX_CLASSES + 1];
static uint64_t reported[LOCKDEP_MAX_CLASSES + 1];
#define LOCKDEP_MAX_EDGES 512
static struct edge {
	uint16_t held, taken; /* classes: `taken` was taken while `held` was held */
	uintptr_t held_site, taken_site;
} edges[LOCKDEP_MAX_EDGES];
static uint32_t nedges; /* under graph_lock; reports read it after */
static _Atomic uint32_t nreports;
static bool overflow_said;

void lockdep_set_enabled(bool on) { enabled = on; }
bool lockdep_enabled(void) { return enabled; }
uint32_t lockdep_reports(void) { return atomic_load_explicit(&nreports, memory_order_relaxed); }

/* The caller has interrupts off (spin_lock disabled them first). */
static void graph_take(void)
{
	while (atomic_flag_test_and_set_explicit(&graph_lock, memory_order_acquire))
		cpu_pause();
}

static void graph_drop(void) { atomic_flag_clear_explicit(&graph_lock, memory_order_release); }

/* "function+0xoffset", in one of four rotating buffers (a report names
 * four sites). Only reports use it, under graph_lock or after it. */
static const char *sym(uintptr_t a)
{
	static char buf[4][64];
	static unsigned which;
	return ksyms_format(buf[which++ & 3], sizeof(buf[0]), a);
}

/* Class of l, assigned on first use by name (under graph_lock). 0: table full. */
static uint16_t class_of(struct spinlock *l)
{
	if (l->cls)
		return l->cls;
	graph_take();
	uint16_t c = 0;
	for (uint32_t i = 1; i <= nclasses; i++)
		if (class_name[i] == l->name || (class_name[i] && l->name &&
		                                 __builtin_strcmp(class_name[i], l->name) == 0))
			c = (uint16_t)i;
	if (!c && nclasses < LOCKDEP_MAX_CLASSES) {
		c = (uint16_t)++nclasses;
		class_name[c] = l->name;
	}
	if (!c && !overflow_said) {
		overflow_said = true;
		graph_drop();
		kprintf("lockdep: more than %d lock classes; %s is not checked\n",
		        LOCKDEP_MAX_CLASSES, l->name);
		return 0;
	}
	graph_drop();
	l->cls = c;
	return c;
}

static void report(uint16_t a, uint16_t b, uintptr_t held_site, uintptr_t site)
{
	/* Earlier: b (held) then ... then a. Find the direct edge out of b on
	 * the way to a, to name a real site. */
	const struct edge *via = NULL;
	for (uint32_t i = 0; i < nedges; i++) {
		const struct edge *e = &edges[i];
		if (e->held != b)
			continue;
		if (e->taken == a) {
			via = e; /* the direct edge: the best name */
			break;
		}
		if (!via && (atomic_load_explicit(&reach[e->taken], memory_order_relaxed) >> a) & 1)
			via = e;
	}
	atomic_fetch_add_explicit(&nreports, 1, memory_order_relaxed);
	kprintf("lockdep: lock order inversion on CPU %u\n"
	        "  now:     %s (taken at %s) then %s (at %s)\n",
	        this_cpu_index(), class_name[a], sym(held_site), class_name[b], sym(site));
	if (via)
		kprintf("  earlier: %s (taken at %s) then %s (at %s)%s\n", class_name[b],
		        sym(via->held_site), class_name[via->taken], sym(via->taken_site),
		        via->taken == a ? "" : ", which leads back");
	kprintf("  two CPUs taking these in opposite orders can deadlock\n");
}

static void add_order(uint16_t a, uintptr_t held_site, uint16_t b, uintptr_t site)
{
	if (a == b)
		return; /* same class nested: only with trylock (see spinlock.c) */
	if ((atomic_load_explicit(&reach[a], memory_order_relaxed) >> b) & 1)
		return; /* known order: the fast path */
	graph_take();
	if ((atomic_load_explicit(&reach[b], memory_order_relaxed) >> a) & 1) {
		bool first = !((reported[a] >> b) & 1);
		reported[a] |= 1ull << b;
		reported[b] |= 1ull << a;
		graph_drop();
		if (first)
			report(a, b, held_site, site);
		return;
	}
	/* New to reach[a], so not listed yet; a full list only costs reports
	 * their "earlier" line. */
	if (nedges < LOCKDEP_MAX_EDGES)
		edges[nedges++] = (struct edge){a, b, held_site, site};
	uint64_t add = atomic_load_explicit(&reach[b], memory_order_relaxed) | (1ull << b);
	for (uint32_t x = 1; x <= nclasses; x++)
		if (x == a || ((atomic_load_explicit(&reach[x], memory_order_relaxed) >> a) & 1))
			atomic_fetch_or_explicit(&reach[x], add, memory_order_relaxed);
	graph_drop();
}

void lockdep_acquire(struct spinlock *l, uintptr_t site)
{
	if (!enabled)
		return;
	struct cpu *c = this_cpu();
	if (c->panicking)
		return;
	uint16_t b = class_of(l);
	if (!b)
		return;
	for (uint32_t i = 0; i < c->nheld; i++) {
		uint16_t a = class_of(c->held[i].lock);
		if (a)
			add_order(a, c->held[i].site, b, site);
	}
}

void lockdep_acquire_try(struct spinlock *l, uintptr_t site)
{
	(void)l;
	(void)site;
}

void lockdep_release(struct spinlock *l) { (void)l; }
