/*
 * In-kernel self-tests, selected by "test=NAME" on the command line
 * (docs/testing.md). A test returns true on success; the runner then exits
 * QEMU through isa-debug-exit with the success or failure code, which the
 * boot-test harness checks together with the serial output.
 */
#pragma once

#include <stdbool.h>

struct ktest {
	const char *name;
	const char *what;
	bool (*run)(void);
};

/* Runs the test the command line names, if any, and exits QEMU. Returns only
 * when there is no "test=" on the command line. */
void ktest_run_from_cmdline(void);

/* Individual tests, each in its own file. */
bool ktest_bootinfo(void);
bool ktest_screen(void);
bool ktest_bench(void);
bool ktest_timer(void);
bool ktest_int3(void);
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
bool ktest_keyboard_burst(void);
