/*
 * bench-syscall: system-call costs measured from user mode, printed for
 * scripts/bench (which boots under QEMU -icount, where rdtsc counts guest
 * instructions, so the figures are instruction counts and deterministic).
 * The same program runs under Linux for scripts/compare-linux: it uses
 * only the Linux system-call ABI.
 *
 *   getppid      the null system call: entry, dispatch, return
 *   pipe-pingpong  one byte there and back between two processes through
 *                two pipes (a round trip: two writes, two reads, two
 *                switches)
 *   poll-pingpong  the same, each side waiting in poll() with a timeout
 *                of 1 s before it reads: the wait must end when the byte
 *                arrives, not when a timer next looks
 *   fork-exit    fork + the child's exit_group + the parent's wait4
 *   exec-true    fork + execve of ARGV[1] (busybox's true) + wait4
 *
 * Each line: "bench-user: op=NAME count=N tsc=T" (T for all N together),
 * after a "bench-user: calibration instructions=I tsc=T" line.
 */
#include "sys.h"

static inline unsigned long rdtsc(void)
{
	unsigned lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((unsigned long)hi << 32) | lo;
}

static void report(const char *op, long count, unsigned long tsc)
{
	t_puts("bench-user: op=");
	t_puts(op);
	t_puts(" count=");
	t_putnum(count);
	t_puts(" tsc=");
	t_putnum((long)tsc);
	t_puts("\n");
}

/* TSC ticks per instruction, measured: a loop of exactly 2 instructions
 * per iteration (dec, jnz), run LOOPS times. Under -icount the ratio is
 * fixed (the TSC advances by the same amount for every instruction), so
 * each figure below is converted to instructions with this run's own
 * factor, whatever kernel runs the program. */
static void calibrate(void)
{
	enum { LOOPS = 1000000 };
	unsigned long n = LOOPS, t0 = rdtsc();
	__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n));
	unsigned long t1 = rdtsc();
	t_puts("bench-user: calibration instructions=");
	t_putnum(2l * LOOPS);
	t_puts(" tsc=");
	t_putnum((long)(t1 - t0));
	t_puts("\n");
}

/* rt_sigreturn's trampoline, as a C library's sa_restorer is. */
void bench_restorer(void);
__asm__(".text\n.globl bench_restorer\nbench_restorer:\n\tmovl $15, %eax\n\tsyscall\n\tud2\n");

static volatile long handled;
static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

/* kill(2) to itself with a handler installed: the signal is delivered on
 * the way out of kill, the handler runs, rt_sigreturn comes back. */
static void bench_signal(void)
{
	enum { SIGNALS = 2000, SIGUSR1 = 10, SA_RESTORER = 0x04000000 };
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} sa;
	/* Field by field: no relocations in the static PIE (see proc_check.c). */
	*(void (*volatile *)(int)) & sa.handler = on_signal;
	*(void (*volatile *)(void)) & sa.restorer = bench_restorer;
	sa.flags = SA_RESTORER;
	sa.mask = 0;
	sys4(13 /* rt_sigaction */, SIGUSR1, &sa, 0, 8);
	long me = sys0(NR_getpid);
	sys2(NR_kill, me, SIGUSR1); /* first delivery out of the loop */
	unsigned long t0 = rdtsc();
	for (int i = 0; i < SIGNALS; i++)
		sys2(NR_kill, me, SIGUSR1);
	unsigned long t = rdtsc() - t0;
	if (handled != SIGNALS + 1) {
		t_puts("bench-syscall: the handler did not run once per signal\n");
		sys1(NR_exit_group, 1);
	}
	report("signal-handler", SIGNALS, t);
}

int main(int argc, char **argv, char **envp)
{
	enum { NULLS = 20000, FORKS = 50, EXECS = 20 };
	calibrate();
	sys0(NR_getppid); /* first use out of the loop */
	unsigned long t0 = rdtsc();
	for (int i = 0; i < NULLS; i++)
		sys0(NR_getppid);
	report("getppid", NULLS, rdtsc() - t0);

	int status;
	enum { PINGS = 2000 };
	int there[2], back[2];
	sys1(22 /* pipe */, there);
	sys1(22, back);
	long echo = sys0(NR_fork);
	if (echo == 0) {
		char c;
		sys1(NR_close, there[1]); /* or its own copy keeps the pipe open: no EOF */
		sys1(NR_close, back[0]);
		while (sys3(NR_read, there[0], &c, 1) == 1)
			sys3(NR_write, back[1], &c, 1);
		sys1(NR_exit_group, 0);
	}
	sys1(NR_close, there[0]);
	sys1(NR_close, back[1]);
	char c = 'x';
	sys3(NR_write, there[1], &c, 1); /* first round trip out of the loop */
	sys3(NR_read, back[0], &c, 1);
	t0 = rdtsc();
	for (int i = 0; i < PINGS; i++) {
		sys3(NR_write, there[1], &c, 1);
		sys3(NR_read, back[0], &c, 1);
	}
	report("pipe-pingpong", PINGS, rdtsc() - t0);
	sys1(NR_close, there[1]); /* the echo sees end of file and exits */
	sys4(NR_wait4, echo, &status, 0, 0);
	sys1(NR_close, back[0]);

	/* The same round trip, each read preceded by poll(POLLIN, 1000 ms). */
	enum { POLL_PINGS = 200, POLLIN = 1, NR_poll = 7 };
	sys1(22, there);
	sys1(22, back);
	echo = sys0(NR_fork);
	if (echo == 0) {
		sys1(NR_close, there[1]);
		sys1(NR_close, back[0]);
		struct { int fd; short events, revents; } p = {there[0], POLLIN, 0};
		while (sys3(NR_poll, &p, 1, 1000) == 1 && sys3(NR_read, there[0], &c, 1) == 1)
			sys3(NR_write, back[1], &c, 1);
		sys1(NR_exit_group, 0);
	}
	sys1(NR_close, there[0]);
	sys1(NR_close, back[1]);
	struct { int fd; short events, revents; } pb = {back[0], POLLIN, 0};
	sys3(NR_write, there[1], &c, 1);
	sys3(NR_poll, &pb, 1, 1000);
	sys3(NR_read, back[0], &c, 1);
	t0 = rdtsc();
	for (int i = 0; i < POLL_PINGS; i++) {
		sys3(NR_write, there[1], &c, 1);
		if (sys3(NR_poll, &pb, 1, 1000) != 1) {
			t_puts("bench-syscall: poll timed out with a byte on its way\n");
			return 1;
		}
		sys3(NR_read, back[0], &c, 1);
	}
	report("poll-pingpong", POLL_PINGS, rdtsc() - t0);
	sys1(NR_close, there[1]);
	sys4(NR_wait4, echo, &status, 0, 0);
	sys1(NR_close, back[0]);

	t0 = rdtsc();
	for (int i = 0; i < FORKS; i++) {
		long pid = sys0(NR_fork);
		if (pid == 0)
			sys1(NR_exit_group, 0);
		sys4(NR_wait4, pid, &status, 0, 0);
	}
	report("fork-exit-wait", FORKS, rdtsc() - t0);
	bench_signal();

	if (argc > 1) {
		t0 = rdtsc();
		for (int i = 0; i < EXECS; i++) {
			long pid = sys0(NR_fork);
			if (pid == 0) {
				char *volatile args[2];
				args[0] = argv[1];
				args[1] = 0;
				sys3(NR_execve, argv[1], (char **)args, envp);
				sys1(NR_exit_group, 127);
			}
			sys4(NR_wait4, pid, &status, 0, 0);
			if (status != 0) {
				t_puts("bench-syscall: the exec'd program failed\n");
				return 1;
			}
		}
		report("fork-exec-wait", EXECS, rdtsc() - t0);
	}
	return 0;
}
