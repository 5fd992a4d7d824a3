/*
 * In-kernel self-tests, selected by "test=NAME" on the command line
 * (docs/testing.md). A test returns true on success; the runner then exits
 * QEMU through isa-debug-exit with the success or failure code, which the
 * boot-test harness checks together with the serial output.
 */
#pragma once

#include <stdbool.h>

#include <stddef.h>

struct ktest {
	const char *name;
	const char *what;
	bool (*run)(void);
	unsigned flags;
};

/* Safe to run from the shell: returns, and leaves the machine as it was. */
#define KTEST_SHELL 1u

/* Runs the test the command line names, if any, and exits QEMU. Returns only
 * when there is no "test=" on the command line. */
void ktest_run_from_cmdline(void);

/* The shell's "test [name]": runs every KTEST_SHELL test (or the one named)
 * and prints "N passed, N failed". Returns the number failed, or -1 if the
 * name is unknown. */
int ktest_run_shell(const char *name);
/* Names of the tests (only KTEST_SHELL ones if shell_only), for completion. */
size_t ktest_names(const char **out, size_t max, bool shell_only);
/* The shell's "fault KIND": cause that exception (without expecting it). */
bool fault_demo(const char *kind);

/* Individual tests, each in its own file. */
bool ktest_bootinfo(void);
bool ktest_screen(void);
bool ktest_bench(void);
bool ktest_timer(void);
bool ktest_int3(void);
bool ktest_user(void);
bool ktest_fault_de(void);
bool ktest_fault_ud(void);
bool ktest_fault_gp(void);
bool ktest_fault_gp_selector(void);
bool ktest_fault_pf_read(void);
bool ktest_fault_pf_write(void);
bool ktest_fault_pf_text(void);
bool ktest_fault_stack_overflow(void);
bool ktest_unknown_vector(void);
bool ktest_direction_flag(void);
bool ktest_keyboard(void);
bool ktest_pmm_all(void);
bool ktest_pmm_double_free(void);
bool ktest_heap(void);
bool ktest_kfree_double_free(void);
bool ktest_kmalloc_use_after_free(void);
/* Figures for scripts/bench, printed by ktest_bench (test=bench). */
void ktest_heap_bench(void);
void ktest_pmm_bench(void);
bool ktest_exec_direct_map(void);
bool ktest_exec_data(void);
bool ktest_stack_guard(void);
bool ktest_smep(void);
bool ktest_smap(void);
bool ktest_canary(void);
bool ktest_vmm_api(void);
bool ktest_mmio(void);
bool ktest_direct_map(void);
bool ktest_keyboard_burst(void);
bool ktest_smp(void);
bool ktest_tlb_shootdown(void);
bool ktest_lockdep(void);
bool ktest_spin_recursive(void);
bool ktest_sleep_in_spinlock(void);
bool ktest_mutex_in_irq(void);
bool ktest_spin_unheld(void);
bool ktest_panic_other_cpu(void);
bool ktest_bench_smp(void);
bool ktest_bench_pmm_scale(void);
bool ktest_vfs(void);
