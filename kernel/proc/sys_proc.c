/*
 * Process system calls: identity, fork/clone/execve/exit/wait4, kill,
 * signals' bookkeeping, limits, and the thread-setup calls glibc makes
 * before main (arch_prctl, set_tid_address, set_robust_list).
 */
#include "acpi/power.h"
#include "arch/x86_64/context.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/uaccess.h"
#include "core/kprintf.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "proc/exec.h"
#include "proc/proc.h"
#include "proc/session.h"
#include "proc/signal.h"
#include "proc/sys.h"
#include "time/clock.h"

#define WNOHANG 1
#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_PTRACE 0x2000
#define CLONE_VFORK 0x4000
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_DETACHED 0x400000
#define CLONE_UNTRACED 0x800000
#define CLONE_CHILD_SETTID 0x1000000
#define CLONE_IO 0x80000000u
#define CSIGNAL 0xff
/* What clone accepts. CLONE_SYSVSEM needs nothing (there are no SysV
 * semaphores to undo), and the tracing and legacy bits mean nothing here;
 * the rest (namespaces, CLONE_PARENT, CLONE_PIDFD...) is EINVAL. */
#define CLONE_KNOWN                                                                          \
	(CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PTRACE | CLONE_VFORK | \
	 CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | \
	 CLONE_DETACHED | CLONE_UNTRACED | CLONE_CHILD_SETTID | CLONE_IO)

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

#define PR_SET_NAME 15
#define PR_GET_NAME 16

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SIG_IGN 1

#define RLIM_INFINITY (~0ull)
#define RLIMIT_STACK 3
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_NLIMITS 16

/* The process's id is its thread group's; each thread has its own too. */
SYSCALL(getpid) { (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return proc_current()->pid; }
SYSCALL(gettid) { (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return task_current()->tid; }
SYSCALL(getppid)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return proc_parent_pid(proc_current());
}
/* Everyone is root: there are no users yet. */
SYSCALL(getuid) { (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return 0; }
SYSCALL(geteuid) { (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return 0; }
SYSCALL(getgid) { (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return 0; }
SYSCALL(getegid) { (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return 0; }

SYSCALL(getpgrp) { (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return proc_current()->pgid; }

SYSCALL(getpgid) /* (pid_t pid) */
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct proc *p = proc_current();
	if (a0 == 0 || (int)a0 == p->pid)
		return p->pgid;
	return proc_exists((int)a0) ? -EPERM : -ESRCH; /* others' groups: with job control */
}

SYSCALL(getsid)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct proc *p = proc_current();
	if (a0 == 0 || (int)a0 == p->pid)
		return p->sid;
	return proc_exists((int)a0) ? -EPERM : -ESRCH;
}

SYSCALL(setpgid) /* (pid_t pid, pid_t pgid): the caller or one of its children */
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if ((int)a0 < 0 || (int)a1 < 0)
		return -EINVAL;
	return proc_setpgid((int)a0, (int)a1);
}

SYSCALL(setsid)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return session_setsid();
}

/* exit(2) ends the calling thread only; the process ends with its last. */
SYSCALL(exit)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	task_exit(((int)a0 & 0xff) << 8);
}

SYSCALL(exit_group)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	proc_exit(((int)a0 & 0xff) << 8);
}

/*
 * clone(2). The combinations Linux refuses are refused the same way:
 * a thread must share the signal handlers (CLONE_THREAD needs
 * CLONE_SIGHAND), and shared handlers need shared memory (CLONE_SIGHAND
 * needs CLONE_VM). Descriptors, cwd and handlers live in the process
 * (proc.h), so they are shared exactly between the threads of one
 * process: a thread must share them all (pthread_create does), and a new
 * process cannot share them with its parent (EINVAL for CLONE_FILES,
 * CLONE_FS or CLONE_SIGHAND without CLONE_THREAD). Memory can be shared
 * either way: CLONE_VM without CLONE_THREAD is a process in the same
 * address space (vfork, posix_spawn).
 */
static int64_t do_fork(uint64_t flags, uint64_t newsp, uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	if (flags & ~(uint64_t)CLONE_KNOWN)
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	uint64_t sharing = CLONE_FILES | CLONE_FS | CLONE_SIGHAND;
	if ((flags & CLONE_THREAD) ? (flags & sharing) != sharing : (flags & sharing) != 0)
		return -EINVAL;
	/* Linux accepts this pair; here the waiting parent thread would be
	 * one of the threads the child's execve must end first. */
	if ((flags & CLONE_THREAD) && (flags & CLONE_VFORK))
		return -EINVAL;
	struct fork_opts o = {.newsp = newsp, .tls = tls, .set_tls = (flags & CLONE_SETTLS) != 0,
	                      .thread = (flags & CLONE_THREAD) != 0,
	                      .share_vm = (flags & CLONE_VM) != 0,
	                      .vfork = (flags & CLONE_VFORK) != 0,
	                      .parent_settid = (flags & CLONE_PARENT_SETTID) ? ptid : 0,
	                      .child_settid = (flags & CLONE_CHILD_SETTID) ? ctid : 0,
	                      .child_cleartid = (flags & CLONE_CHILD_CLEARTID) ? ctid : 0};
	if (o.set_tls && tls >= USER_TOP)
		return -EPERM; /* as arch_prctl(ARCH_SET_FS) */
	return proc_fork(proc_frame(), &o);
}

SYSCALL(fork) { (void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return do_fork(0, 0, 0, 0, 0); }
/* vfork: the child runs in our memory, on our stack, while we sleep until
 * it execs or ends. */
SYSCALL(vfork)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return do_fork(CLONE_VM | CLONE_VFORK, 0, 0, 0, 0);
}

SYSCALL(clone) /* (flags, newsp, parent_tid, child_tid, tls): x86-64 order */
{
	(void)a5;
	return do_fork(a0, a1, a2, a3, a4);
}

SYSCALL(wait4) /* (pid_t pid, int *status, int options, struct rusage *ru) */
{
	(void)a4, (void)a5;
	if (a2 & ~(uint64_t)(WNOHANG | 2 /* WUNTRACED */ | 8 /* WCONTINUED */ | 0x40000000 /* __WALL */))
		return -EINVAL;
	int status = 0;
	int64_t pid = proc_wait((int)a0, &status, (int)(a2 & (WNOHANG | PROC_WAIT_STOPPED | PROC_WAIT_CONTINUED)));
	if (pid > 0 && a1 && copy_to_user(a1, &status, sizeof(status)))
		return -EFAULT;
	if (pid > 0 && a3 && clear_user(a3, 144 /* struct rusage */))
		return -EFAULT;
	return pid;
}

/* waitid(2): P_ALL or P_PID, WEXITED required; the result in a siginfo. */
SYSCALL(waitid) /* (int idtype, int id, siginfo_t *info, int options, struct rusage *) */
{
	(void)a5;
	enum { P_ALL = 0, P_PID = 1, P_PGID = 2, WEXITED = 4, WSTOPPED = 2, WCONTINUED = 8,
	       WNOWAIT = 0x01000000 };
	if (!(a3 & WEXITED) || (a3 & WNOWAIT) || (a3 & ~(uint64_t)(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | 0x40000000)))
		return -EINVAL;
	int pid;
	if ((int)a0 == P_ALL)
		pid = -1;
	else if ((int)a0 == P_PID && (int)a1 > 0)
		pid = (int)a1;
	else if ((int)a0 == P_PGID && (int)a1 >= 0)
		pid = (int)a1 ? -(int)a1 : 0;
	else
		return -EINVAL;
	int status = 0;
	int64_t got = proc_wait(pid, &status, (int)(a3 & (WNOHANG | WSTOPPED | WCONTINUED)));
	if (got < 0)
		return got;
	struct {
		int32_t signo, err, code, pad;
		int32_t pid, uid, status, pad2;
		uint8_t rest[96];
	} si;
	_Static_assert(sizeof(si) == 128, "siginfo_t");
	memset(&si, 0, sizeof(si));
	if (got > 0) {
		si.signo = SIGCHLD;
		si.pid = (int32_t)got;
		if (status == 0xffff) { /* continued */
			si.code = 6; /* CLD_CONTINUED */
			si.status = SIGCONT;
		} else if ((status & 0xff) == 0x7f) { /* stopped */
			si.code = 5; /* CLD_STOPPED */
			si.status = (status >> 8) & 0xff;
		} else {
			si.code = (status & 0x7f) ? 2 /* CLD_KILLED */ : 1 /* CLD_EXITED */;
			si.status = (status & 0x7f) ? status & 0x7f : (status >> 8) & 0xff;
		}
	}
	if (a2 && copy_to_user(a2, &si, sizeof(si)))
		return -EFAULT;
	if (a4 && clear_user(a4, 144))
		return -EFAULT;
	return 0;
}

/* getrusage(2): CPU time (as user time: the kernel's share is not split
 * out); the other fields, Linux's memory and I/O counters, are zero. */
SYSCALL(getrusage) /* (int who, struct rusage *ru) */
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct proc *p = proc_current();
	uint64_t ns;
	switch ((int)a0) {
	case 0:  /* RUSAGE_SELF: every thread */
		ns = proc_cpu_ns(p);
		break;
	case 1:  /* RUSAGE_THREAD */
		ns = clock_tsc_to_ns(thread_current()->run_tsc);
		break;
	case -1: /* RUSAGE_CHILDREN */
		ns = p->children_cpu_ns;
		break;
	default:
		return -EINVAL;
	}
	int64_t ru[18] = {(int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000 / 1000)};
	_Static_assert(sizeof(ru) == 144, "struct rusage");
	return copy_to_user(a1, ru, sizeof(ru));
}

/* kill(2): pid > 0 one process, 0 the caller's group, -1 everyone but
 * init and the caller, < -1 group -pid. */
static int64_t send(int pid, int sig)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	return proc_kill_user(pid, sig);
}

SYSCALL(kill) { (void)a2, (void)a3, (void)a4, (void)a5; return send((int)a0, (int)a1); }

/* tgkill(2) and tkill(2): a signal to one thread (tgkill also checks
 * that the thread belongs to process tgid, so that a reused id cannot be
 * hit by mistake). Only that thread takes it. */
SYSCALL(tgkill)
{
	(void)a3, (void)a4, (void)a5;
	if ((int)a0 <= 0 || (int)a1 <= 0 || (int)a2 < 0 || (int)a2 > NSIG)
		return -EINVAL;
	return task_kill((int)a0, (int)a1, (int)a2);
}

SYSCALL(tkill)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if ((int)a0 <= 0 || (int)a1 < 0 || (int)a1 > NSIG)
		return -EINVAL;
	return task_kill(0, (int)a0, (int)a1);
}

SYSCALL(rt_sigaction) /* (int sig, const struct sigaction *act, struct sigaction *old, size_t setsize) */
{
	(void)a4, (void)a5;
	int sig = (int)a0;
	if (sig < 1 || sig > NSIG || a3 != 8)
		return -EINVAL;
	struct proc *p = proc_current();
	if (a1 && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	uint64_t old[4], act[4];
	_Static_assert(sizeof(act) == sizeof(p->sigactions[0]), "struct sigaction (kernel's)");
	if (a1 && copy_from_user(act, a1, sizeof(act)))
		return -EFAULT;
	proc_get_sigaction(p, sig, old);
	if (a1)
		proc_set_sigaction(p, sig, act);
	if (a2 && copy_to_user(a2, old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL(rt_sigprocmask) /* (int how, const sigset_t *set, sigset_t *old, size_t setsize) */
{
	(void)a4, (void)a5;
	if (a3 != 8)
		return -EINVAL;
	struct task *p = task_current(); /* the mask is the thread's */
	uint64_t set = 0, old = p->sigmask;
	if (a1 && copy_from_user(&set, a1, sizeof(set)))
		return -EFAULT;
	if (a1) {
		uint64_t unblockable = (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1));
		switch ((int)a0) {
		case SIG_BLOCK: p->sigmask |= set; break;
		case SIG_UNBLOCK: p->sigmask &= ~set; break;
		case SIG_SETMASK: p->sigmask = set; break;
		default: return -EINVAL;
		}
		/* Others read it (choosing a thread for a signal): one store. */
		__atomic_store_n(&p->sigmask, p->sigmask & ~unblockable, __ATOMIC_RELAXED);
	}
	if (a2 && copy_to_user(a2, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYSCALL(arch_prctl) /* (int code, unsigned long addr) */
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct arch_thread *t = &thread_current()->arch;
	switch ((int)a0) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (a1 >= USER_TOP)
			return -EPERM;
		if ((int)a0 == ARCH_SET_FS)
			arch_thread_set_fs(t, a1);
		else
			arch_thread_set_gs(t, a1);
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(a1, &t->fs_base, sizeof(t->fs_base));
	case ARCH_GET_GS:
		return copy_to_user(a1, &t->gs_base, sizeof(t->gs_base));
	default:
		return -EINVAL;
	}
}

SYSCALL(set_tid_address) /* (int *tidptr) */
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct task *t = task_current();
	t->clear_child_tid = a0;
	return t->tid;
}

/* The robust-futex list matters when a thread dies holding a
 * process-shared lock (PTHREAD_MUTEX_ROBUST): Linux then marks each lock
 * on the list FUTEX_OWNER_DIED and wakes a waiter. The head is recorded
 * per thread but not walked at exit: robust mutexes are not supported, and
 * a waiter on a dead owner's lock waits for good. The size check is Linux's. */
SYSCALL(set_robust_list)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a1 != 24)
		return -EINVAL;
	task_current()->robust_list = a0;
	return 0;
}

SYSCALL(prctl)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct proc *p = proc_current();
	char name[PROC_COMM_MAX];
	switch ((int)a0) {
	case PR_SET_NAME: {
		int64_t r = strncpy_from_user(name, a1, sizeof(name));
		if (r == -EFAULT)
			return r;
		name[PROC_COMM_MAX - 1] = 0; /* longer names are cut, as Linux does */
		memcpy(p->comm, name, sizeof(name));
		return 0;
	}
	case PR_GET_NAME:
		return copy_to_user(a1, p->comm, sizeof(p->comm));
	default:
		return -EINVAL;
	}
}

SYSCALL(sched_yield)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	thread_yield();
	return 0;
}

static void limit(int res, uint64_t v[2])
{
	v[0] = v[1] = RLIM_INFINITY;
	if (res == RLIMIT_STACK)
		v[0] = USER_STACK_MAX;
	else if (res == RLIMIT_NOFILE)
		v[0] = v[1] = PROC_FD_MAX;
	else if (res == RLIMIT_NPROC)
		v[0] = v[1] = PROC_MAX;
}

SYSCALL(prlimit64) /* (pid_t pid, int resource, const struct rlimit *new, struct rlimit *old) */
{
	(void)a4, (void)a5;
	if (a0 && (int)a0 != proc_current()->pid)
		return proc_exists((int)a0) ? -EPERM : -ESRCH;
	if (a1 >= RLIMIT_NLIMITS)
		return -EINVAL;
	if (a2)
		return -EPERM; /* the limits are fixed for now */
	uint64_t v[2];
	limit((int)a1, v);
	return a3 ? copy_to_user(a3, v, sizeof(v)) : 0;
}

SYSCALL(getrlimit)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return sys_prlimit64(0, a0, 0, a1, 0, 0);
}

/* ---- execve ---- */

#define EXEC_PATH_MAX 4096
#define EXEC_MAX_STRINGS 4096

/* Copy a NULL-terminated user array of strings into one kernel block:
 * pointers first, then the strings. *used counts bytes against the limit. */
static int64_t copy_strings(uint64_t uarr, const char ***out, size_t *used)
{
	size_t n = 0;
	uint64_t ptr;
	if (uarr) {
		for (;; n++) {
			if (n == EXEC_MAX_STRINGS)
				return -E2BIG;
			if (copy_from_user(&ptr, uarr + n * 8, 8))
				return -EFAULT;
			if (!ptr)
				break;
		}
	}
	size_t cap = EXEC_ARGS_MAX;
	char **v = kmalloc((n + 1) * sizeof(char *) + cap);
	if (!v)
		return -ENOMEM;
	char *s = (char *)(v + n + 1);
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		if (copy_from_user(&ptr, uarr + i * 8, 8)) {
			kfree(v);
			return -EFAULT;
		}
		int64_t len = strncpy_from_user(s + off, ptr, cap - off);
		if (len < 0) {
			kfree(v);
			return len == -ENAMETOOLONG ? -E2BIG : len;
		}
		v[i] = s + off;
		off += (size_t)len + 1;
		*used += (size_t)len + 1 + 8;
		if (*used > EXEC_ARGS_MAX) {
			kfree(v);
			return -E2BIG;
		}
	}
	v[n] = NULL;
	*out = (const char **)v;
	return 0;
}

SYSCALL(execve) /* (const char *path, char *const argv[], char *const envp[]) */
{
	(void)a3, (void)a4, (void)a5;
	char *path = kmalloc(EXEC_PATH_MAX);
	if (!path)
		return -ENOMEM;
	int64_t r = strncpy_from_user(path, a0, EXEC_PATH_MAX);
	const char **argv = NULL, **envp = NULL;
	size_t used = 0;
	if (r >= 0)
		r = copy_strings(a1, &argv, &used);
	if (r >= 0)
		r = copy_strings(a2, &envp, &used);
	if (r >= 0) {
		struct exec_args args = {.argv = argv, .envp = envp};
		r = exec_path(proc_current(), path, &args, proc_frame());
	}
	/* Borrowed files must not outlive the old program's table: the
	 * close-on-exec pass below may be their last reference. */
	task_release_borrowed(task_current());
	if (r >= 0)
		proc_exec_done(proc_current());
	kfree(argv);
	kfree(envp);
	kfree(path);
	return r;
}

/* ---- reboot ---- */

#define REBOOT_MAGIC1 0xfee1deadu
#define REBOOT_MAGIC2 672274793u
#define REBOOT_MAGIC2A 85072278u
#define REBOOT_MAGIC2B 369367448u
#define REBOOT_MAGIC2C 537993216u
#define REBOOT_CMD_RESTART 0x01234567u
#define REBOOT_CMD_HALT 0xcdef0123u
#define REBOOT_CMD_POWER_OFF 0x4321fedcu
#define REBOOT_CMD_CAD_ON 0x89abcdefu
#define REBOOT_CMD_CAD_OFF 0x00000000u

/* reboot(2): only process 1's world ends this way; root (everyone) may. */
SYSCALL(reboot) /* (int magic, int magic2, unsigned cmd, void *arg) */
{
	(void)a3, (void)a4, (void)a5;
	uint32_t m2 = (uint32_t)a1;
	if ((uint32_t)a0 != REBOOT_MAGIC1 ||
	    (m2 != REBOOT_MAGIC2 && m2 != REBOOT_MAGIC2A && m2 != REBOOT_MAGIC2B && m2 != REBOOT_MAGIC2C))
		return -EINVAL;
	switch ((uint32_t)a2) {
	case REBOOT_CMD_CAD_ON:
	case REBOOT_CMD_CAD_OFF:
		return 0; /* Ctrl-Alt-Del is not wired to anything */
	case REBOOT_CMD_POWER_OFF:
		kprintf("reboot: power off requested by pid %d (%s)\n", proc_current()->pid,
		        proc_current()->comm);
		power_off(); /* returns only when ACPI cannot */
		return -EIO;
	case REBOOT_CMD_RESTART:
		kprintf("reboot: restart requested by pid %d (%s)\n", proc_current()->pid,
		        proc_current()->comm);
		power_reboot();
	case REBOOT_CMD_HALT:
		kprintf("reboot: halt requested by pid %d (%s): the system is halted\n",
		        proc_current()->pid, proc_current()->comm);
		smp_stop_others();
		cpu_cli();
		cpu_halt_forever();
	default:
		return -EINVAL;
	}
}
