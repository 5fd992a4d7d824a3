/*
 * Fixed kernel stacks and their guard pages (see stacks.h).
 *
 * The IST stacks live in .bss here, each preceded by a page-aligned guard;
 * the boot stack is defined in entry.S with the same layout. stacks_init()
 * unmaps each guard page in the page tables the loader built (they are
 * reached through the direct map). When the kernel builds its own tables,
 * it must keep these pages unmapped.
 */
#include "arch/x86_64/stacks.h"

#include <stddef.h>

#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tss.h"
#include "core/panic.h"

struct guarded_stack {
	uint8_t guard[STACK_GUARD_SIZE];
	uint8_t stack[STACK_SIZE];
} __attribute__((aligned(4096)));

static struct guarded_stack ist_stacks[3];
extern uint8_t boot_stack_guard[], boot_stack_top[];

static const struct {
	const char *name;
	uint8_t *guard;
} stacks[] = {
	{"boot stack", boot_stack_guard},
	{"double-fault IST stack", ist_stacks[TSS_IST_DOUBLE_FAULT - 1].guard},
	{"NMI IST stack", ist_stacks[TSS_IST_NMI - 1].guard},
	{"machine-check IST stack", ist_stacks[TSS_IST_MACHINE_CHECK - 1].guard},
};
#define NSTACKS (sizeof(stacks) / sizeof(stacks[0]))

uint64_t stacks_ist_top(unsigned ist)
{
	KASSERT(ist >= 1 && ist <= 3);
	return (uint64_t)(ist_stacks[ist - 1].stack + STACK_SIZE);
}

void stacks_init(void)
{
	for (unsigned i = 0; i < 3; i++)
		this_cpu()->ist_top[i] = stacks_ist_top(i + 1);
	for (size_t i = 0; i < NSTACKS; i++)
		if (!paging_unmap_page((uint64_t)stacks[i].guard))
			panic("stacks: guard page of the %s at %p is not mapped 4 KiB", stacks[i].name,
			      stacks[i].guard);
}

const char *stacks_guard_owner(uint64_t va)
{
	for (size_t i = 0; i < NSTACKS; i++) {
		uint64_t g = (uint64_t)stacks[i].guard;
		if (va >= g && va < g + STACK_GUARD_SIZE)
			return stacks[i].name;
	}
	return NULL;
}

const char *stacks_owner(uint64_t va)
{
	for (size_t i = 0; i < NSTACKS; i++) {
		uint64_t s = (uint64_t)stacks[i].guard + STACK_GUARD_SIZE;
		if (va >= s && va < s + STACK_SIZE)
			return stacks[i].name;
	}
	return NULL;
}
