/*
 * The self-test table and runner. Some entries exist to prove the harness
 * cannot be fooled: "fail" panics, "triple-fault" resets the machine, "hang"
 * never finishes. Each must be reported as a failure by tests/boot/harness.py.
 */
#include "test/ktest.h"

#include "arch/x86_64/cpu.h"
#include "boot/boot.h"
#include "dev/qemu_exit.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "lib/string.h"

static bool test_boot(void) { return true; }

static bool test_fail(void)
{
	panic("test=fail: a deliberate panic");
}

/* Load an empty IDT, then raise an exception: no handler for the #BP, none for
 * the #GP that follows, none for the #DF: the CPU shuts down (triple fault). */
static bool test_triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = {0, 0};
	kprintf("test: triple-faulting on purpose\n");
	__asm__ volatile("lidt %0\n\tint3" : : "m"(empty));
	return false;
}

static bool test_hang(void)
{
	kprintf("test: hanging on purpose with interrupts off\n");
	for (;;)
		cpu_cli(), cpu_pause();
}

static const struct ktest ktests[] = {
	{"boot", "boot to kernel ready and exit", test_boot, 0},
	{"bootinfo", "check the loader's boot info", ktest_bootinfo, KTEST_SHELL},
	{"screen", "draw a fixed screen for the screendump comparison", ktest_screen, 0},
	{"bench", "boot figures and TSC calibration for scripts/bench", ktest_bench, 0},
	{"bench-smp", "switch, lock, wake-up and IPI figures for scripts/bench", ktest_bench_smp, 0},
	{"bench-pmm-scale", "page allocations per second, one CPU vs all", ktest_bench_pmm_scale, 0},
	{"timer", "the tick, TSC and HPET agree", ktest_timer, KTEST_SHELL},
	{"int3", "int3 reports and continues", ktest_int3, KTEST_SHELL},
	{"user", "run a user program as init; it must exit 0", ktest_user, 0},
	{"fault-de", "divide error report", ktest_fault_de, 0},
	{"fault-ud", "invalid opcode report", ktest_fault_ud, 0},
	{"fault-gp", "general protection (non-canonical address) report", ktest_fault_gp, 0},
	{"fault-gp-selector", "general protection (bad selector) report", ktest_fault_gp_selector, 0},
	{"fault-pf-read", "page fault: read of the null page", ktest_fault_pf_read, 0},
	{"fault-pf-write", "page fault: write to an unmapped address", ktest_fault_pf_write, 0},
	{"fault-pf-text", "page fault: write to kernel text", ktest_fault_pf_text, 0},
	{"stack-overflow", "kernel stack overflow ends in a #DF report", ktest_fault_stack_overflow, 0},
	{"unknown-vector", "int $0x99 is reported and execution continues", ktest_unknown_vector, KTEST_SHELL},
	{"direction-flag", "DF and stack alignment across an interrupt", ktest_direction_flag, KTEST_SHELL},
	{"keyboard", "echo a line typed on the keyboard (or serial)", ktest_keyboard, 0},
	{"keyboard-burst", "a burst of keys: delivered or counted as dropped", ktest_keyboard_burst, 0},
	{"pmm-all", "allocate, fill, verify and free every free page", ktest_pmm_all, KTEST_SHELL},
	{"pmm-double-free", "freeing a page twice panics", ktest_pmm_double_free, 0},
	{"heap", "kmalloc stress: 16 B to 64 KiB, random free order, contents verified", ktest_heap, KTEST_SHELL},
	{"kfree-double-free", "kfree of a cached object panics", ktest_kfree_double_free, 0},
	{"kmalloc-use-after-free", "writing a cached object panics", ktest_kmalloc_use_after_free, 0},
	{"exec-direct-map", "executing the direct map faults (NX)", ktest_exec_direct_map, 0},
	{"exec-data", "executing kernel data faults (NX)", ktest_exec_data, 0},
	{"stack-guard", "touching a stack guard page faults, naming the stack", ktest_stack_guard, 0},
	{"smep", "the kernel cannot execute a user page (SMEP)", ktest_smep, 0},
	{"smap", "the kernel cannot read a user page (SMAP)", ktest_smap, 0},
	{"vmm-api", "map, protect, unmap and remap a page", ktest_vmm_api, KTEST_SHELL},
	{"mmio", "device registers are mapped uncacheable, with a guard page", ktest_mmio, 0},
	{"direct-map", "the direct map holds RAM only; ACPI tables outside it are mapped", ktest_direct_map, 0},
	{"canary", "a smashed stack canary is caught", ktest_canary, 0},
	{"smp", "threads on every CPU: counters, queue, preemption, sleeps, allocation", ktest_smp, KTEST_SHELL},
	{"tlb-shootdown", "an unmapped page faults on the other CPU too", ktest_tlb_shootdown, 0},
	{"lockdep", "a lock-order inversion is reported once", ktest_lockdep, 0},
	{"spin-recursive", "taking a held spinlock again panics", ktest_spin_recursive, 0},
	{"sleep-in-spinlock", "sleeping with a spinlock held panics", ktest_sleep_in_spinlock, 0},
	{"mutex-in-irq", "a mutex in an interrupt handler panics", ktest_mutex_in_irq, 0},
	{"spin-unheld", "releasing a spinlock not held panics", ktest_spin_unheld, 0},
	{"panic-other-cpu", "a panic on CPU 1 stops CPU 0, which holds the console lock", ktest_panic_other_cpu, 0},
	{"vfs", "files, names, symlinks and memory of the file system, on every CPU", ktest_vfs, 0},
	{"fail", "panic on purpose (harness self-check)", test_fail, 0},
	{"triple-fault", "triple-fault on purpose (harness self-check)", test_triple_fault, 0},
	{"hang", "hang on purpose (harness self-check)", test_hang, 0},
};

#define NKTESTS (sizeof(ktests) / sizeof(ktests[0]))

size_t ktest_names(const char **out, size_t max, bool shell_only)
{
	size_t n = 0;
	for (size_t i = 0; i < NKTESTS && n < max; i++)
		if (!shell_only || (ktests[i].flags & KTEST_SHELL))
			out[n++] = ktests[i].name;
	return n;
}

int ktest_run_shell(const char *name)
{
	unsigned passed = 0, failed = 0, ran = 0;

	for (size_t i = 0; i < NKTESTS; i++) {
		const struct ktest *t = &ktests[i];
		if (!(t->flags & KTEST_SHELL) || (name && strcmp(name, t->name) != 0))
			continue;
		ran++;
		kprintf("\033[1m== %s\033[0m: %s\n", t->name, t->what);
		bool ok = t->run();
		kprintf("%s: %s\n", t->name, ok ? "\033[32mpassed\033[0m" : "\033[31mFAILED\033[0m");
		ok ? passed++ : failed++;
	}
	if (!ran)
		return -1;
	kprintf("%u passed, %u failed\n", passed, failed);
	return (int)failed;
}

void ktest_run_from_cmdline(void)
{
	size_t len;
	const char *name = boot_cmdline_get("test", &len);

	if (!name)
		return;
	for (size_t i = 0; i < sizeof(ktests) / sizeof(ktests[0]); i++) {
		const struct ktest *t = &ktests[i];
		if (strlen(t->name) != len || strncmp(t->name, name, len) != 0)
			continue;
		kprintf("test %s: %s\n", t->name, t->what);
		bool ok = t->run();
		kprintf("test %s: %s\n", t->name, ok ? "passed" : "FAILED");
		qemu_exit(ok); /* without the exit device, the CPU halts here */
	}
	kprintf("unknown test '%.*s'; known tests:", (int)len, name);
	for (size_t i = 0; i < sizeof(ktests) / sizeof(ktests[0]); i++)
		kprintf(" %s", ktests[i].name);
	panic("unknown test");
}
