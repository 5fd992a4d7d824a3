/*
 * Stack canaries (see canary.h). A protected function copies
 * __stack_chk_guard below its return address on entry and compares it on
 * return; a mismatch calls __stack_chk_fail, which panics naming the
 * function whose frame was overwritten. The value has a zero low byte, so
 * string overflows (which stop at a NUL) cannot reproduce it.
 *
 * canary_init runs in _start, before kmain: every protected function called
 * later returns with the same value it stored. It must not itself be
 * protected (it changes the value under its own frame).
 */
#include "core/canary.h"

#include <stdbool.h>

#include "arch/x86_64/cpu.h"
#include "dev/qemu_exit.h"
#include "core/kprintf.h"
#include "lib/ksyms.h"
#include "core/panic.h"

#define CPUID1_ECX_RDRAND (1u << 30)

uint64_t __stack_chk_guard;
static const char *source = "none";
static bool expected;

__attribute__((no_stack_protector)) void canary_init(void)
{
	uint32_t a, b, c, d;
	uint64_t v = 0;
	bool ok = false;

	cpu_cpuid(1, 0, &a, &b, &c, &d);
	if (c & CPUID1_ECX_RDRAND)
		for (int i = 0; i < 32 && !ok; i++)
			ok = cpu_rdrand(&v);
	if (ok) {
		source = "rdrand";
	} else {
		/* Weak, but better than a constant: two TSC reads mixed. */
		uint64_t t = cpu_rdtsc();
		v = (t * 0x9e3779b97f4a7c15ull) ^ (cpu_rdtsc() << 29) ^ 0x5bd1e9955bd1e995ull;
		source = "tsc";
	}
	__stack_chk_guard = v & ~0xffull;
}

const char *canary_source(void) { return source; }
void canary_expect(void) { expected = true; }

__attribute__((noreturn)) void __stack_chk_fail(void);

__attribute__((noreturn)) void __stack_chk_fail(void)
{
	uint64_t ret = (uint64_t)__builtin_return_address(0), off = 0;
	const char *fn = ksyms_lookup(ret - 1, &off);
	if (expected) {
		kprintf("stack smashing detected in %s: the canary was overwritten (expected by "
		        "the test)\n", fn ? fn : "?");
		qemu_exit(true);
	}
	panic("stack smashing detected in %s (return address 0x%llx): the canary was overwritten",
	      fn ? fn : "?", (unsigned long long)ret);
}
