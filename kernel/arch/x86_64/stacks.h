/*
 * The kernel's fixed stacks (boot stack, IST stacks), each with an unmapped
 * guard page just below it, so running off the end faults at once instead of
 * silently overwriting whatever lies below. The page-fault report asks this
 * module whether an address is a guard page, and of which stack.
 */
#pragma once

#include <stdint.h>

#define STACK_SIZE 16384
#define STACK_GUARD_SIZE 4096

/* Top of the IST stack for slot 1..3 (tss.h). */
uint64_t stacks_ist_top(unsigned ist);
/* Unmap every guard page; call once the boot page tables are reachable.
 * Also gives the boot CPU its IST stacks (struct cpu's ist_top). */
void stacks_init(void);
/* Name of the stack whose guard page holds va, or NULL. */
const char *stacks_guard_owner(uint64_t va);
/* Name of the stack containing va, or NULL. */
const char *stacks_owner(uint64_t va);
