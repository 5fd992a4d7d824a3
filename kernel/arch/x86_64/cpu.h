/*
 * Small accessors for x86_64 instructions. Generic kernel code calls these
 * and never contains inline assembly itself (as xv6's riscv.h, Linux's
 * arch/x86/include/asm/).
 */
#pragma once

#include <stdbool.h>
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

static inline void cpu_invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t cpu_read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t cpu_read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t cpu_read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline uint64_t cpu_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpu_sti(void) { __asm__ volatile("sti" ::: "memory"); }

/* Enable interrupts and halt atomically (sti's one-instruction shadow). */
static inline void cpu_sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

static inline uint64_t cpu_read_rflags(void)
{
	uint64_t v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

#define RFLAGS_IF (1ull << 9)
#define RFLAGS_DF (1ull << 10)

/* Save IF and disable interrupts; restore with cpu_irq_restore. */
static inline uint64_t cpu_irq_save(void)
{
	uint64_t f = cpu_read_rflags();
	cpu_cli();
	return f;
}

static inline void cpu_irq_restore(uint64_t flags)
{
	if (flags & RFLAGS_IF)
		cpu_sti();
}

/* Forward byte copy with rep movsb (DF must be clear, as the ABI says). */
static inline void cpu_rep_movsb(void *dst, const void *src, uint64_t n)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

/*
 * For the direction-flag self-test: set DF, raise vector 0x80, then (still
 * with DF set) copy n bytes backwards from src_last to dst_last with
 * rep movsb, and return RFLAGS as it was right after the interrupt returned.
 */
static inline uint64_t cpu_std_int_test_copy(void *dst_last, const void *src_last, uint64_t n)
{
	uint64_t flags;
	__asm__ volatile("std\n\t"
	                 "int $0x80\n\t"
	                 "pushfq\n\t"
	                 "popq %0\n\t"
	                 "rep movsb\n\t"
	                 "cld"
	                 : "=&r"(flags), "+D"(dst_last), "+S"(src_last), "+c"(n)
	                 :
	                 : "memory");
	return flags;
}

#define CR0_WP (1ull << 16) /* SDM vol. 3A, 2.5: supervisor writes honour read-only pages */

static inline void cpu_write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }

/* Protections every x86_64 CPU has. (NX is on already: the loader set
 * EFER.NXE before switching to page tables that use it.) */
static inline void cpu_init_protections(void) { cpu_write_cr0(cpu_read_cr0() | CR0_WP); }

#define CR4_PGE (1ull << 7)

static inline void cpu_write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

/*
 * Bit `bit` of the bit string at base, atomically: set it, or clear it and
 * return whether it was set. With a register offset, bts and btr address
 * the bit string itself, any bit from base (SDM vol. 2A, BT: "bit base" and
 * "bit offset"), so the caller computes no word address: one locked
 * instruction, where a C fetch_and that must return the old value becomes
 * a compare-exchange loop.
 */
static inline void cpu_atomic_bit_set(uint64_t *base, uint64_t bit)
{
	__asm__ volatile("lock btsq %1, (%0)" : : "r"(base), "r"(bit) : "memory", "cc");
}

static inline bool cpu_atomic_bit_test_and_clear(uint64_t *base, uint64_t bit)
{
	bool was;
	__asm__ volatile("lock btrq %2, (%1)" : "=@ccc"(was) : "r"(base), "r"(bit) : "memory");
	return was;
}

/* Atomically set bit 0 of *word and return whether it was set already
 * (lock bts: one instruction and the flag, where an exchange needs a
 * register loaded with 1 and a test). A locked instruction is a full
 * barrier (SDM vol. 3A, 9.2.2), so it orders like an acquire and more. */
static inline bool cpu_atomic_test_and_set_bit0(uint32_t *word)
{
	bool was;
	__asm__ volatile("lock btsl $0, %0" : "+m"(*word), "=@ccc"(was) : : "memory");
	return was;
}

/* Raise the self-test vector (0x80) as a software interrupt. */
static inline void cpu_raise_test_vector(void) { __asm__ volatile("int $0x80" ::: "memory"); }

static inline void cpu_write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }

/* One RDRAND attempt (Intel SDM vol. 2, RDRAND): false when the DRNG had
 * nothing ready (CF clear); callers retry a few times. */
static inline bool cpu_rdrand(uint64_t *v)
{
	unsigned char ok;
	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
	return ok;
}

static inline uint64_t cpu_read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
