/*
 * crash: a program that dies the way the argument says, for the shell
 * tests: "null" writes through a null pointer (SIGSEGV), "ud2" runs an
 * invalid instruction (SIGILL). A shell must print what killed it and go on.
 */
#include "sys.h"

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc > 1 && t_streq(argv[1], "ud2"))
		__asm__ volatile("ud2");
	*(volatile int *)0 = 1;
	return 0;
}
