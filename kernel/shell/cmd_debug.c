/* Shell commands for testing and demonstration: test, bench, fault. */
#include "core/kprintf.h"
#include "lib/string.h"
#include "shell/shell.h"
#include "test/ktest.h"

int cmd_test(int argc, char **argv)
{
	if (ktest_run_shell(argc == 2 ? argv[1] : NULL) < 0) {
		const char *names[32];
		size_t n = ktest_names(names, 32, true);
		kprintf("test: no self-test '%s'; these run from the shell:", argv[1]);
		for (size_t i = 0; i < n; i++)
			kprintf(" %s", names[i]);
		kprintf("\n");
	}
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	(void)argc, (void)argv;
	ktest_bench();
	return 0;
}

int cmd_fault(int argc, char **argv)
{
	(void)argc;
	static const char *const kinds[] = {"pf", "gp", "ud", "de", "df", "int3"};
	for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(argv[1], kinds[i]) == 0) {
			kprintf("fault: causing %s on purpose; except for int3 the CPU stops after "
			        "the report\n", argv[1]);
			fault_demo(argv[1]);
			return 0;
		}
	}
	kprintf("fault: unknown kind '%s'\n", argv[1]);
	return -1;
}
