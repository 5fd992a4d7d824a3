/*
 * Kernel stacks with guard pages, for every stack that is not fixed at link
 * time: each application processor's start-up and IST stacks, and every
 * kernel thread's stack. They live in their own area of the address space,
 * one KSTACK_SLOT-sized slot each: an unmapped guard page, then the stack,
 * then unmapped space up to the next slot. Running off the bottom faults on
 * the guard, and the fault report names the stack's owner.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define KSTACK_BASE  0xffffc10000000000ull /* one PML4 slot above the MMIO window */
#define KSTACK_SIZE  16384ull              /* the stack itself */
#define KSTACK_SLOT  65536ull              /* address space per stack, guard included */
#define KSTACK_MAX   8192u                 /* stacks at most (512 MiB of address space) */

/* A stack's top (its initial RSP), or 0 when out of slots or memory.
 * `name` must outlive the stack (it is shown in fault reports). */
uint64_t kstack_alloc(const char *name);
/* Give a stack back. Its pages stay mapped and go to the next kstack_alloc,
 * so no TLB shootdown is ever needed for a stack. */
void kstack_free(uint64_t top);
void kstack_set_name(uint64_t top, const char *name);
/* The owner's name when va is in a stack's guard page / in the stack. */
const char *kstack_guard_owner(uint64_t va);
const char *kstack_owner(uint64_t va);
/* Stacks in use, and stacks mapped in all (in use + kept for reuse). */
uint32_t kstack_in_use(void);
uint32_t kstack_mapped(void);
