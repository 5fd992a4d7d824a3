/*
 * bomb: the kernel's limits under a fork bomb and an allocation bomb, from
 * user mode. Prints one verdict line; exits 0 when
 *   - forking until fork fails stops with EAGAIN (the process limit), and
 *     every child can be killed and reaped. Done twice: the kernel keeps
 *     the stacks of ended threads for reuse (mm/kstack.c), so the first
 *     round may leave free memory lower by that cache, but the second
 *     round reuses it and must end where the first ended, give or take
 *     SLACK: pages that wait in the CPUs' page and heap caches are not
 *     counted free, and a CPU's cache holds up to 2 x 32 pages. A leak of
 *     anything per process (511 of them per round) would show as more;
 *   - a child that touches memory without end is killed (SIGSEGV: its
 *     fault could not be served, by its limit or the machine's), the
 *     kernel and this process go on, and free memory is back again.
 */
#include "sys.h"



static long pids[1024];

#define SLACK (2l * 2 * 32 * 4096) /* two CPUs' page caches, full both ways */

static long absl(long v) { return v < 0 ? -v : v; }

static void say(const char *what, long v)
{
	t_puts("bomb: ");
	t_puts(what);
	t_putnum(v);
	t_puts("\n");
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	int bad = 0;
	unsigned long before = t_free_ram();

	unsigned long after_fork = 0;
	for (int round = 1; round <= 2; round++) {
		/* Fork bomb: children sleep; the parent forks until it cannot. */
		long n = 0, err = 0;
		while (n < 1024) {
			long pid = sys0(NR_fork);
			if (pid == 0) {
				struct { long s, ns; } ts = {1000, 0};
				sys2(NR_nanosleep, &ts, 0);
				sys1(NR_exit_group, 0);
			}
			if (pid < 0) {
				err = pid;
				break;
			}
			pids[n++] = pid;
		}
		say("fork stopped after children=", n);
		bad |= err != -11 /* EAGAIN */;
		for (long i = 0; i < n; i++)
			sys2(NR_kill, pids[i], 9);
		long reaped = 0;
		int st;
		while (sys4(NR_wait4, -1, &st, 0, 0) > 0)
			reaped++;
		say("reaped=", reaped);
		bad |= reaped != n;
		unsigned long now = t_free_ram();
		say("free KiB below the start (kept for reuse)=", (long)(before - now) / 1024);
		if (round == 2) {
			say("free KiB lost by the second round=", (long)(after_fork - now) / 1024);
			bad |= absl((long)(after_fork - now)) > SLACK;
		}
		after_fork = now;
	}

	/* Allocation bomb: a child touches 64 GiB of address space. */
	long pid = sys0(NR_fork);
	if (pid == 0) {
		long len = 64l << 30;
		long p = sys6(NR_mmap, 0, len, 3, 0x22 | 0x4000 /* MAP_NORESERVE */, -1, 0);
		if (p < 0)
			sys1(NR_exit_group, 3);
		for (long i = 0; i < len; i += 4096)
			*(volatile char *)(p + i) = 1;
		sys1(NR_exit_group, 4); /* never: the memory cannot all exist */
	}
	int status = 0;
	sys4(NR_wait4, pid, &status, 0, 0);
	say("allocation bomb ended with wait status=", status);
	bad |= (status & 0x7f) != 11; /* SIGSEGV */
	unsigned long after_alloc = t_free_ram();
	say("free KiB lost to the allocation bomb=", (long)(after_fork - after_alloc) / 1024);
	bad |= absl((long)(after_fork - after_alloc)) > SLACK;

	t_puts(bad ? "bomb: FAILED\n" : "bomb: the kernel survived both, and memory came back\n");
	return bad;
}
