/*
 * Self-tests for exceptions and interrupt entry. Each fault test announces
 * the exception it expects (exception_expect), causes it, and the report
 * path exits QEMU with success after printing the report; the boot test
 * checks the report text. If the fault does not happen, the test returns
 * false and the harness sees a failure.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/vectors.h"
#include "core/kprintf.h"
#include "lib/string.h"
#include "test/ktest.h"

bool ktest_int3(void)
{
	__asm__ volatile("int3");
	kprintf("int3: execution continued after the breakpoint\n");
	return true;
}

bool ktest_fault_de(void)
{
	volatile uint64_t zero = 0;
	uint64_t result;
	exception_expect(0);
	__asm__ volatile("xor %%edx, %%edx\n\tmov $1, %%eax\n\tdivq %1"
	                 : "=&a"(result) : "r"(zero) : "rdx"); /* & : zero must not live in rax */
	return false;
}

bool ktest_fault_ud(void)
{
	exception_expect(6);
	__asm__ volatile("ud2");
	return false;
}

/* A non-canonical address: #GP with error code 0 (SDM vol. 3A, 6.15). */
bool ktest_fault_gp(void)
{
	exception_expect(13);
	volatile uint64_t *p = (volatile uint64_t *)0x8000000000000000ull;
	(void)*p;
	return false;
}

/* A selector beyond the GDT limit: #GP with that selector as error code. */
bool ktest_fault_gp_selector(void)
{
	exception_expect(13);
	__asm__ volatile("mov %0, %%ds" : : "r"((uint16_t)0x78));
	return false;
}

bool ktest_fault_pf_read(void)
{
	exception_expect(14);
	volatile uint64_t *p = (volatile uint64_t *)8; /* in the unmapped null page */
	(void)*p;
	return false;
}

bool ktest_fault_pf_write(void)
{
	exception_expect(14);
	/* Far above the RAM the direct map covers in a 256 MiB guest: unmapped. */
	volatile uint64_t *p = (volatile uint64_t *)0xffff8f0000000000ull;
	*p = 1;
	return false;
}

bool ktest_fault_pf_text(void)
{
	exception_expect(14);
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)ktest_fault_pf_text;
	*p = 0xcc; /* kernel text is read-only: a protection violation */
	return false;
}

/* Runs off the end of the boot stack into its guard page. The #PF cannot
 * push its frame on the same stack, so the CPU raises #DF, which runs on its
 * own IST stack and reports. */
static volatile int keep_recursing = 1;

__attribute__((noinline)) static uint64_t recurse(uint64_t depth)
{
	volatile uint8_t frame[256];
	frame[0] = (uint8_t)depth;
	if (!keep_recursing)
		return depth;
	return recurse(depth + 1) + frame[0];
}

bool ktest_fault_stack_overflow(void)
{
	exception_expect(8);
	kprintf("stack-overflow: recursing until the boot stack's guard page\n");
	recurse(0);
	return false;
}

/* A vector nobody registered: reported by number and RIP, then execution
 * continues. */
bool ktest_unknown_vector(void)
{
	uint64_t before = trap_count(0x99);
	__asm__ volatile("int $0x99");
	if (trap_count(0x99) != before + 1)
		return false;
	kprintf("unknown-vector: execution continued after int $0x99\n");
	return true;
}

/*
 * The direction flag and stack alignment seen by a handler. The interrupted
 * code sets DF and raises VEC_TEST; the handler copies forward with
 * rep movsb (which would run backwards if the entry path did not clear DF),
 * and checks that its frame is 16-byte aligned. After iretq the interrupted
 * code must still have DF set and its own backward copy must be intact.
 */
static uint8_t src[64], dst[64];
static volatile bool handler_df_clear, handler_aligned, handler_copy_ok;

__attribute__((noinline)) static void test_vector_handler(struct trap_frame *tf)
{
	(void)tf;
	handler_df_clear = !(cpu_read_rflags() & RFLAGS_DF);
	handler_aligned = ((uint64_t)__builtin_frame_address(0) & 15) == 0;
	uint8_t a[32], b[32];
	for (int i = 0; i < 32; i++)
		a[i] = (uint8_t)(i + 1), b[i] = 0;
	cpu_rep_movsb(b, a, 32);
	handler_copy_ok = memcmp(a, b, 32) == 0;
}

bool ktest_direction_flag(void)
{
	for (int i = 0; i < 64; i++)
		src[i] = (uint8_t)(0xa0 + i), dst[i] = 0;
	trap_register(VEC_TEST, test_vector_handler, "self-test", 0);
	uint64_t flags = cpu_std_int_test_copy(dst + 63, src + 63, 64);
	bool df_kept = (flags & RFLAGS_DF) != 0;
	bool copy_ok = memcmp(src, dst, 64) == 0;
	kprintf("direction-flag: handler saw DF clear: %s, aligned stack: %s, handler copy ok: %s\n",
	        handler_df_clear ? "yes" : "no", handler_aligned ? "yes" : "no",
	        handler_copy_ok ? "yes" : "no");
	kprintf("direction-flag: interrupted code kept DF: %s, its backward copy ok: %s\n",
	        df_kept ? "yes" : "no", copy_ok ? "yes" : "no");
	return handler_df_clear && handler_aligned && handler_copy_ok && df_kept && copy_ok;
}

/* The shell's "fault KIND": the same faults, not announced, so the report
 * ends with the CPU halted (int3 continues). */
bool fault_demo(const char *kind)
{
	static const struct {
		const char *kind;
		bool (*cause)(void);
	} demos[] = {
		{"pf", ktest_fault_pf_read}, {"gp", ktest_fault_gp}, {"ud", ktest_fault_ud},
		{"de", ktest_fault_de}, {"df", ktest_fault_stack_overflow}, {"int3", ktest_int3},
	};
	for (size_t i = 0; i < sizeof(demos) / sizeof(demos[0]); i++) {
		if (strcmp(kind, demos[i].kind) == 0) {
			exception_ignore_expect(); /* the fault is the point: no QEMU exit */
			demos[i].cause();
			return true;
		}
	}
	return false;
}
