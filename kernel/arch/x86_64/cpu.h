/*
 * Small accessors for x86_64 instructions. Generic kernel code calls these
 * and never contains inline assembly itself (as xv6's riscv.h, Linux's
 * arch/x86/include/asm/).
 */
#pragma once

#include <stdint.h>

static inline uint64_t cpu_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
                             uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline void cpu_cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void cpu_hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void cpu_pause(void) { __asm__ volatile("pause"); }

/* Stop this CPU for good: interrupts off, halt in a loop (an NMI would wake it). */
__attribute__((noreturn)) static inline void cpu_halt_forever(void)
{
	for (;;) {
		cpu_cli();
		cpu_hlt();
	}
}

/*
 * Executes exactly 2 * n instructions (n >= 1): a dec/jnz pair per iteration.
 * Used to check what one guest instruction is worth in TSC ticks under QEMU's
 * -icount (scripts/bench), instead of assuming it.
 */
static inline void cpu_spin_instructions(uint64_t n)
{
	__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n) : : "cc");
}

static inline uint64_t cpu_read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
