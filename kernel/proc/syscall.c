/*
 * System-call dispatch (see syscall.h): one table indexed by number. A
 * number with no entry returns -ENOSYS and is logged once, by number and
 * Linux name, so that running a new program shows at once which calls it
 * needs.
 */
#include "proc/syscall.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "arch/x86_64/syscall.h"
#include "core/kprintf.h"
#include "lib/errno.h"
#include "proc/proc.h"
#include "proc/sys.h"
#include "proc/syscall_names.h"

#define ENTRY(nr, name) [nr] = sys_##name

static const syscall_fn table[SYSCALL_NAMES] = {
	ENTRY(0, read),
	ENTRY(1, write),
	ENTRY(2, open),
	ENTRY(3, close),
	ENTRY(4, stat),
	ENTRY(5, fstat),
	ENTRY(6, lstat),
	ENTRY(7, poll),
	ENTRY(8, lseek),
	ENTRY(9, mmap),
	ENTRY(10, mprotect),
	ENTRY(11, munmap),
	ENTRY(12, brk),
	ENTRY(13, rt_sigaction),
	ENTRY(14, rt_sigprocmask),
	ENTRY(15, rt_sigreturn),
	ENTRY(16, ioctl),
	ENTRY(17, pread64),
	ENTRY(18, pwrite64),
	ENTRY(19, readv),
	ENTRY(20, writev),
	ENTRY(21, access),
	ENTRY(22, pipe),
	ENTRY(23, select),
	ENTRY(24, sched_yield),
	ENTRY(25, mremap),
	ENTRY(28, madvise),
	ENTRY(32, dup),
	ENTRY(33, dup2),
	ENTRY(34, pause),
	ENTRY(35, nanosleep),
	ENTRY(36, getitimer),
	ENTRY(37, alarm),
	ENTRY(38, setitimer),
	ENTRY(39, getpid),
	ENTRY(40, sendfile),
	ENTRY(56, clone),
	ENTRY(57, fork),
	ENTRY(58, vfork),
	ENTRY(59, execve),
	ENTRY(60, exit),
	ENTRY(61, wait4),
	ENTRY(62, kill),
	ENTRY(63, uname),
	ENTRY(72, fcntl),
	ENTRY(74, fsync),
	ENTRY(75, fdatasync),
	ENTRY(76, truncate),
	ENTRY(77, ftruncate),
	ENTRY(79, getcwd),
	ENTRY(80, chdir),
	ENTRY(81, fchdir),
	ENTRY(82, rename),
	ENTRY(83, mkdir),
	ENTRY(84, rmdir),
	ENTRY(85, creat),
	ENTRY(86, link),
	ENTRY(87, unlink),
	ENTRY(88, symlink),
	ENTRY(89, readlink),
	ENTRY(90, chmod),
	ENTRY(91, fchmod),
	ENTRY(92, chown),
	ENTRY(93, fchown),
	ENTRY(94, lchown),
	ENTRY(95, umask),
	ENTRY(96, gettimeofday),
	ENTRY(97, getrlimit),
	ENTRY(98, getrusage),
	ENTRY(99, sysinfo),
	ENTRY(100, times),
	ENTRY(102, getuid),
	ENTRY(104, getgid),
	ENTRY(107, geteuid),
	ENTRY(108, getegid),
	ENTRY(109, setpgid),
	ENTRY(110, getppid),
	ENTRY(111, getpgrp),
	ENTRY(112, setsid),
	ENTRY(121, getpgid),
	ENTRY(124, getsid),
	ENTRY(127, rt_sigpending),
	ENTRY(128, rt_sigtimedwait),
	ENTRY(130, rt_sigsuspend),
	ENTRY(131, sigaltstack),
	ENTRY(133, mknod),
	ENTRY(157, prctl),
	ENTRY(158, arch_prctl),
	ENTRY(162, sync),
	ENTRY(165, mount),
	ENTRY(169, reboot),
	ENTRY(170, sethostname),
	ENTRY(171, setdomainname),
	ENTRY(186, gettid),
	ENTRY(200, tkill),
	ENTRY(201, time),
	ENTRY(202, futex),
	ENTRY(217, getdents64),
	ENTRY(218, set_tid_address),
	ENTRY(219, restart_syscall),
	ENTRY(228, clock_gettime),
	ENTRY(229, clock_getres),
	ENTRY(230, clock_nanosleep),
	ENTRY(231, exit_group),
	ENTRY(234, tgkill),
	ENTRY(247, waitid),
	ENTRY(257, openat),
	ENTRY(258, mkdirat),
	ENTRY(259, mknodat),
	ENTRY(260, fchownat),
	ENTRY(262, newfstatat),
	ENTRY(263, unlinkat),
	ENTRY(264, renameat),
	ENTRY(265, linkat),
	ENTRY(266, symlinkat),
	ENTRY(267, readlinkat),
	ENTRY(268, fchmodat),
	ENTRY(269, faccessat),
	ENTRY(270, pselect6),
	ENTRY(271, ppoll),
	ENTRY(273, set_robust_list),
	ENTRY(280, utimensat),
	ENTRY(292, dup3),
	ENTRY(293, pipe2),
	ENTRY(302, prlimit64),
	ENTRY(316, renameat2),
	ENTRY(318, getrandom),
	ENTRY(332, statx),
	ENTRY(334, rseq),
	ENTRY(439, faccessat2),
};

/* One bit per number; the last one stands for every number past the table. */
static _Atomic uint64_t logged[(SYSCALL_NAMES + 1 + 63) / 64];
static _Atomic uint32_t unknown;

uint32_t syscall_unknown_count(void) { return atomic_load(&unknown); }

static int64_t not_implemented(uint64_t nr)
{
	uint64_t slot = nr < SYSCALL_NAMES ? nr : SYSCALL_NAMES;
	uint64_t bit = 1ull << (slot % 64);
	bool first = !(atomic_fetch_or(&logged[slot / 64], bit) & bit);
	if (first) {
		atomic_fetch_add(&unknown, 1);
		struct proc *p = task_current() ? proc_current() : NULL;
		const char *name = nr < SYSCALL_NAMES ? syscall_names[nr] : NULL;
		kprintf("syscall: %llu (%s) is not implemented: ENOSYS (first called by pid %d, %s)%s\n",
		        (unsigned long long)nr, name ? name : "no such system call", p ? p->pid : 0,
		        p ? p->comm : "?", nr < SYSCALL_NAMES ? "" : "; numbers past the table are logged once in all");
	}
	return -ENOSYS;
}

void syscall_handle(struct trap_frame *tf)
{
	uint64_t nr = tf->rax;
	struct task *t = task_current();
	t->syscall_nr = (int64_t)nr;
	syscall_fn fn = nr < SYSCALL_NAMES ? table[nr] : NULL;
	if (__builtin_expect(fn != NULL, 1))
		tf->rax = (uint64_t)fn(tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
	else
		tf->rax = (uint64_t)not_implemented(nr);
	/* Files and directories the call borrowed from a shared table, and
	 * rseq's area to refresh. */
	if (__builtin_expect(t->work != 0, 0)) {
		if (t->nborrowed)
			task_release_borrowed(t);
		if (t->rseq_pending)
			rseq_resume(t, tf);
		if (t->stop_pending) /* the process stopped: park there */
			syscall_user_return_work(tf);
	}
	/* The way back to user mode: a pending signal (or a kill) first;
	 * the thread's own, or its process's. */
	if (__builtin_expect((__atomic_load_n(&t->sig_pending, __ATOMIC_RELAXED) |
	                      __atomic_load_n(&t->proc->sig_pending, __ATOMIC_RELAXED)) != 0, 0))
		syscall_user_return_work(tf);
}
