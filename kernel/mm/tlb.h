/*
 * TLB shootdown: after a live kernel mapping is removed or narrowed on one
 * CPU, every other online CPU drops its cached translation before the
 * change is reported done (an IPI each, and a wait for every answer).
 */
#pragma once

#include <stdint.h>

void tlb_init(void);
/* Invalidate va on every other online CPU and wait until all have. The
 * caller must hold no spinlock and have interrupts on: a CPU spinning with
 * interrupts off for a lock we held could never answer. */
void tlb_shootdown(uint64_t va);
/* The same for every non-global entry (a CR3 reload on each other CPU):
 * for a change to many pages of a user address space that other CPUs may
 * have loaded (its threads run there). Same rules for the caller. */
void tlb_shootdown_all(void);
/* Shootdowns sent and IPIs answered, for the shell and tests. */
uint64_t tlb_shootdowns(void);
