/*
 * A tiny system-call layer for the project's freestanding test programs:
 * the raw Linux x86-64 convention (number in rax; arguments in rdi, rsi,
 * rdx, r10, r8, r9; rcx and r11 clobbered; the result or -errno in rax),
 * and the few helpers the tests share. No C library: every byte these
 * programs do is visible here.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

static inline long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
}
#define sys0(n) sys6((n), 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6((n), (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sys5(n, a, b, c, d, e) sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/* Linux x86-64 numbers (asm/unistd_64.h) of what the tests call. */
enum {
	NR_read = 0, NR_write = 1, NR_close = 3, NR_mmap = 9, NR_mprotect = 10, NR_munmap = 11,
	NR_pread64 = 17, NR_pwrite64 = 18, NR_mremap = 25, NR_unlink = 87, NR_openat = 257,
	NR_brk = 12, NR_rt_sigaction = 13, NR_ioctl = 16, NR_writev = 20, NR_sched_yield = 24,
	NR_madvise = 28, NR_dup = 32, NR_dup2 = 33, NR_nanosleep = 35, NR_getpid = 39,
	NR_fork = 57, NR_execve = 59, NR_exit = 60, NR_wait4 = 61, NR_kill = 62, NR_uname = 63,
	NR_fcntl = 72, NR_getppid = 110, NR_arch_prctl = 158, NR_gettid = 186,
	NR_clock_gettime = 228, NR_exit_group = 231, NR_getrandom = 318,
};

enum { EPERM = 1, ENOENT = 2, EBADF = 9, ECHILD = 10, EFAULT = 14, EINVAL = 22, ENOSYS = 38 };

static inline size_t t_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static inline void t_puts(const char *s) { sys3(NR_write, 1, s, t_strlen(s)); }

static inline void t_putnum(long v)
{
	char buf[24], *p = buf + sizeof(buf);
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
	*--p = 0;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	t_puts(p);
}

static inline int t_streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* struct sysinfo (Linux x86-64) and the free-memory figure it gives. */
struct t_sysinfo {
	long uptime;
	unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;
	unsigned pad2;
	unsigned long totalhigh, freehigh;
	unsigned mem_unit;
	char reserved[4];
};

static inline unsigned long t_free_ram(void)
{
	struct t_sysinfo si;
	sys1(99 /* sysinfo */, &si);
	return si.freeram;
}
