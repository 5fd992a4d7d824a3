/*
 * sysfuzz: random system calls with random arguments, from several
 * processes at once, for a bounded number of calls. Afterwards the kernel
 * must be alive (this program still runs and prints), every process must
 * have been reaped, and free memory must be back where it started (within
 * the CPU caches' slack, see bomb.c).
 *
 * Arguments are drawn from what finds bugs: small numbers, -1, huge
 * values, NULL, pointers into a valid buffer (so calls get past their
 * first check), pointers just past a mapping, kernel addresses. Calls that
 * would end the experiment rather than test the kernel are left out: exit,
 * kill (a random pid could be this parent), reboot, fork and its kin
 * (their children would escape the clean-up), execve (it would replace the
 * fuzzer). A child may block forever (read from the console, pause...):
 * the parent kills every child after its time budget.
 *
 * The children's seeds are 1..4, or BASE+1..BASE+4 with a decimal BASE as
 * the first argument (user.args=BASE), so that a person hunting bugs can
 * run many different sequences; each is repeatable.
 *
 * Each child is two threads: it starts a second one with clone (the flags
 * pthread_create passes) that fuzzes alongside it in the same address
 * space, so calls race with calls on the same descriptors, memory and
 * futex words; the child's exit_group, or the parent's SIGKILL, must end
 * both.
 */
#include "sys.h"

enum { CHILDREN = 4, CALLS = 3000, MAX_NR = 460 };

static unsigned long rng;

static unsigned long next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char buf[8192];

static long arg(void)
{
	switch (next() % 10) {
	case 0: return 0;
	case 1: return -1;
	case 2: return (long)(next() % 4096);
	case 3: return (long)buf + (long)(next() % sizeof(buf));
	case 4: return (long)buf;
	case 5: return (long)0xffff800000000000ul + (long)(next() % (1ul << 30)); /* kernel */
	case 6: return (long)(next() << 12);
	case 7: return (long)(next() % 64); /* a descriptor, perhaps */
	case 8: return -100; /* AT_FDCWD */
	default: return (long)next();
	}
}

static int excluded(long nr)
{
	static const short no[] = {
		56, 57, 58, 59, /* clone fork vfork execve */
		60, 231,        /* exit exit_group */
		62, 200, 234,   /* kill tkill tgkill */
		169,            /* reboot */
		322,            /* execveat */
		435,            /* clone3 */
		15,             /* rt_sigreturn: would jump to a random frame (kills only the child, but wastes it) */
	};
	for (unsigned i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (nr == no[i])
			return 1;
	return 0;
}

static void fuzz(void)
{
	for (int i = 0; i < CALLS; i++) {
		long nr = (long)(next() % MAX_NR);
		if (excluded(nr))
			continue;
		sys6(nr, arg(), arg(), arg(), arg(), arg(), arg());
	}
}

/* The second thread: fuzz, then end this thread only (exit, not exit_group). */
static void second_thread(void)
{
	fuzz();
	sys1(NR_exit, 0);
	__builtin_trap();
}

static char thread_stack[16384] __attribute__((aligned(16)));

/* clone a thread that calls fn on thread_stack. In assembly: the child
 * returns from the system call on the new stack, where this C function's
 * frame does not exist, so it must call fn without returning. */
static long spawn_thread(void (*fn)(void))
{
	long flags = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000; /* VM FS FILES SIGHAND THREAD SYSVSEM */
	long ret;
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	__asm__ volatile("syscall\n\t"
	                 "test %%rax, %%rax\n\t"
	                 "jnz 1f\n\t"
	                 "call *%%rbx\n\t"
	                 "ud2\n"
	                 "1:"
	                 : "=a"(ret)
	                 : "a"(56L), "D"(flags), "S"(thread_stack + sizeof(thread_stack)), "d"(0L),
	                   "r"(r10), "r"(r8), "b"(fn)
	                 : "rcx", "r11", "memory");
	return ret;
}

static void child(unsigned long seed)
{
	rng = seed * 0x9e3779b97f4a7c15ul + 1;
	if (spawn_thread(second_thread) <= 0)
		t_puts("sysfuzz: clone of a thread failed\n");
	fuzz(); /* both threads draw from rng: a race, and just as random */
	sys1(NR_exit_group, 0);
}


int main(int argc, char **argv, char **envp)
{
	(void)envp;
	unsigned long base = 0;
	if (argc > 1)
		for (const char *d = argv[1]; *d >= '0' && *d <= '9'; d++)
			base = base * 10 + (unsigned long)(*d - '0');
	t_puts("sysfuzz: seeds ");
	t_putnum((long)base + 1);
	t_puts("..");
	t_putnum((long)base + CHILDREN);
	t_puts("\n");
	unsigned long before = t_free_ram();
	long pids[CHILDREN];
	for (int c = 0; c < CHILDREN; c++) {
		pids[c] = sys0(NR_fork);
		if (pids[c] == 0)
			child(base + (unsigned long)c + 1);
	}
	struct { long s, ns; } budget = {5, 0};
	sys2(NR_nanosleep, &budget, 0);
	for (int c = 0; c < CHILDREN; c++)
		sys2(NR_kill, pids[c], 9);
	int status, reaped = 0, finished = 0, signalled = 0;
	long pid;
	while ((pid = sys4(NR_wait4, -1, &status, 0, 0)) > 0) {
		reaped++;
		if ((status & 0x7f) == 0)
			finished++;
		else
			signalled++;
	}
	t_puts("sysfuzz: children reaped=");
	t_putnum(reaped);
	t_puts(" finished=");
	t_putnum(finished);
	t_puts(" killed=");
	t_putnum(signalled);
	t_puts("\n");
	long lost = (long)(before - t_free_ram());
	t_puts("sysfuzz: free KiB below the start=");
	t_putnum(lost / 1024);
	t_puts("\n");
	/* Kernel stacks of ended threads stay cached (mm/kstack.c): at most
	 * two per child here (two threads each), plus the CPU caches' slack. */
	long slack = 2l * 2 * 32 * 4096 + 2 * CHILDREN * 20480l;
	int ok = reaped == CHILDREN && (lost < 0 ? -lost : lost) <= slack;
	t_puts(ok ? "sysfuzz: the kernel is alive, every process reaped, memory back\n"
	          : "sysfuzz: FAILED\n");
	return !ok;
}
