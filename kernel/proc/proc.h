/*
 * Processes: a process is an address space (vm.h), the threads that run
 * in it (tasks, task.h), what they share (descriptors, working directory,
 * signal actions), and its place in the process tree (parent, children,
 * exit status for wait4). Process ids start at 1 (the first program,
 * init), as in Linux; thread ids come from the same space, and the first
 * thread's id is the process's (getpid is the thread-group id, gettid the
 * thread's own).
 *
 *        struct proc (pid 7)             shared by every task of the process
 *        +-------------------------+
 *        | vm -----------------------> struct vm (page tables, areas; its
 *        | fds[] cwd umask         |   users are counted, see vm.h)
 *        | sigactions[] sig_pending|
 *        | parent children status  |
 *        +-------------------------+
 *          tasks: task 7 -> task 9 -> task 12     one kernel thread each;
 *                 own mask, pending, altstack,    tid, TLS (FS base) and
 *                 clear_child_tid                 kernel stack per thread
 *
 * A process whose last task has ended is a zombie until its parent
 * collects its status; its children go to init.
 *
 * Lifetime: the tree lock (proc.c) guards parent/children links, states,
 * the pid list and every process's task list. The struct is freed by the
 * wait4 that reaps it. The descriptor table and cwd are guarded by
 * files_lock (fd.c), and the umask is one atomic word. Signal actions are
 * read and written whole under the tree lock (proc_get_sigaction); only
 * signal_wanted peeks at a handler word without it, where a stale value
 * is as good as a signal sent a moment earlier.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/trapframe.h"
#include "proc/procinfo.h"
#include "proc/task.h"
#include "proc/vm.h"
#include "sched/thread.h"
#include "sched/wait.h"

#define PROC_PID_MAX 32768     /* pids wrap below this, as Linux's default */
#define PROC_MAX 512           /* process and thread ids at once: a fork or thread
                                * bomb gets EAGAIN (RLIMIT_NPROC counts threads too) */
#define PROC_MEM_LIMIT_PAGES (256ull << 20 >> 12) /* 256 MiB resident per address space */

enum proc_state { PROC_ALIVE, PROC_ZOMBIE };

#define PROC_FD_MAX 64

struct file;
struct inode;
struct tty;

/* A descriptor: an open file (fs/vfs.h, shared with other descriptors and
 * processes by reference count) and its close-on-exec flag. */
struct fd {
	struct file *file; /* NULL: free */
	bool cloexec;
};

struct proc {
	int pid;                  /* the thread-group id */
	enum proc_state state;
	int wait_status;          /* wait4's status word once a zombie */
	struct proc *parent;
	int ppid;                 /* parent's pid (0: none), kept with parent for getppid */
	struct proc *children;    /* the first child; siblings linked */
	struct proc *sibling;
	struct proc *all_next;    /* every process (the pid list) */
	struct vm *vm;
	struct task *tasks;       /* its live threads (tree lock) */
	int ntasks;               /* how many (tree lock) */
	bool exiting;             /* exit_group or a fatal signal: group_status is final */
	int group_status;
	struct task *execing;     /* a task in execve waiting for the others to end */
	struct wait_queue task_gone; /* execve waits here for that */
	struct wait_queue child_wait; /* the parent sleeps here in wait4 */
	/* Job control (jobctl.c), under the tree lock: stopped by a stop
	 * signal until SIGCONT; what wait4 has yet to report to the parent. */
	bool stopped;
	int stop_sig;
	int job_report;           /* JOB_REPORT_* */
	struct wait_queue stop_wq; /* its stopped threads park here */
	uint64_t sig_pending;     /* sent to the process: bit sig - 1 (atomic) */
	uint64_t sig_info[64];    /* each pending signal's sender (signal.h, atomic) */
	int pgid, sid;
	struct tty *ctty;         /* the controlling terminal, or NULL (session.c) */
	uint64_t start_ns;
	uint64_t cpu_ns;          /* CPU time of its ended threads */
	uint64_t children_cpu_ns; /* of every child it reaped (and theirs) */
	struct {
		uint64_t handler, flags, restorer, mask;
	} sigactions[64];         /* rt_sigaction */
	struct mutex files_lock;  /* guards fds, cwd (a mutex: an inode reference may sleep) */
	uint32_t umask;           /* atomic */
	struct fd fds[PROC_FD_MAX];
	struct inode *cwd;        /* the working directory (a reference) */
	/* The program's name and argv (for /proc), written under the tree
	 * lock so that proc_info copies them whole. */
	char comm[PROC_COMM_MAX];
	uint32_t cmdline_len;
	char cmdline[PROC_CMDLINE_MAX];
};

void proc_init(void);
/* The running thread's process (not for kernel threads). */
static inline struct proc *proc_current(void) { return task_current()->proc; }

/* Start `path` as process 1 from a kernel thread; false with a message if
 * it cannot be loaded. */
bool proc_start_init(const char *path, const char *const argv[], const char *const envp[]);
/* Wait until process 1 has ended; its wait status. */
int proc_wait_init(void);
/* End the whole current process (exit_group, a fatal signal, a fault):
 * every other thread is told to leave, this one leaves at once. The first
 * status given wins. Never returns. */
__attribute__((noreturn)) void proc_exit(int wait_status);
/* What clone(2) asks for (0: fork). */
struct fork_opts {
	uint64_t newsp;          /* the child's stack pointer */
	uint64_t tls;            /* with set_tls: the child's FS base */
	bool set_tls;
	bool thread;             /* CLONE_THREAD: a new task in this process */
	bool share_vm;           /* CLONE_VM: the same address space */
	bool vfork;              /* CLONE_VFORK: wait until the child execs or ends */
	uint64_t parent_settid;  /* write the child's id there, in the parent's memory */
	uint64_t child_settid;   /* write the child's id there, in the child's memory */
	uint64_t child_cleartid; /* the child's clear_child_tid */
};
/* fork(2)/clone(2): a new process, or a new thread of this one, whose
 * thread returns 0 from the system call in frame tf; the child's id, or
 * -errno (-EAGAIN at PROC_MAX ids, -ENOMEM). */
int64_t proc_fork(const struct trap_frame *tf, const struct fork_opts *o);
/* execve's point of no return (exec.c): end every other thread of the
 * current process and wait until they are gone; the caller's thread takes
 * the process's id as its own, as on Linux. False when the caller must
 * give up and exit instead: the process is ending, or another thread's
 * execve came first. */
bool proc_exec_single(void);
/* After a successful execve: descriptors marked close-on-exec are closed
 * and caught signals return to their default action (sys_io.c). */
void proc_exec_done(struct proc *p);
/* wait4(2) core: pid > 0 a child, -1 any. Returns the pid reaped, 0 with
 * nohang and nothing to reap, or -ECHILD / -EINTR. */
int64_t proc_wait(int pid, int *status, int options);
#define PROC_WAIT_NOHANG 1     /* WNOHANG */
#define PROC_WAIT_STOPPED 2    /* WUNTRACED / WSTOPPED */
#define PROC_WAIT_CONTINUED 8  /* WCONTINUED */
/* setpgid(2): process pid (0: the caller; else the caller or one of its
 * children, -ESRCH otherwise) into group pgid (0: its own pid): a new
 * group, or one that exists in the same session (-EPERM otherwise); a
 * session leader cannot move (-EPERM). */
int proc_setpgid(int pid, int pgid);
/* Find a live process (the tree lock is not held on return: for ids). */
bool proc_exists(int pid);
/* Iterate over every process (for /proc and ps): fn under the tree lock. */
void proc_for_each(void (*fn)(const struct proc *p, void *ctx), void *ctx);
uint32_t proc_count(void);
/* A copy of process pid as it is now (procinfo.h), zombies included: 0,
 * or -ENOENT if there is no such process. Takes the tree lock. */
int proc_info(int pid, struct proc_info *out);
/* The pids of every process, zombies included, into out (at most max):
 * how many there are (which may be more than max). */
uint32_t proc_pids(uint64_t *out, uint32_t max);
/* Figures for /proc/stat and /proc/loadavg: processes made since boot
 * (forks), processes whose thread is running or ready, the last pid given. */
uint64_t proc_forks(void);
uint32_t proc_runnable(void);
int proc_last_pid(void);
/* execve's point of no return: p's new address space, name and argv
 * (cmdline: len bytes, NUL-separated), swapped in under the tree lock so
 * /proc never reads an address space being destroyed. The old space,
 * which the caller destroys. */
struct vm *proc_exec_commit(struct proc *p, struct vm *vm, const char *comm, const char *cmdline,
                            uint32_t len);
/* CPU time of p: its ended threads' and its live ones' so far. */
uint64_t proc_cpu_ns(struct proc *p);
/* The parent's pid (0 for none). No lock: ppid is written (under the tree
 * lock) only when p is handed to a new parent, and a stale value is as
 * good as a call made a moment earlier. Inline: getppid is the null
 * system call the benchmark measures. */
static inline int proc_parent_pid(const struct proc *p)
{
	return __atomic_load_n(&p->ppid, __ATOMIC_RELAXED);
}
/* kill(2) from the current process (SI_USER, its pid): pid > 0 that
 * process, 0 the caller's group, -1 every process but init and the
 * caller, < -1 group -pid. -ESRCH if none is alive; sig 0 only checks. */
int proc_kill_user(int pid, int sig);
/* The kernel's own (SI_KERNEL): to the live process with that pid (an
 * interval timer), or to every live process of group pgrp (the
 * terminal's signal keys). -ESRCH if none. */
int proc_kill_pid(int pid, int sig);
int proc_kill_pgrp(int pgrp, int sig);
/* A process ends: its interval timer goes (itimer.c). */
void itimer_exit(int pid);
/* Job control (jobctl.c). */
enum { JOB_REPORT_NONE, JOB_REPORT_STOPPED, JOB_REPORT_CONTINUED };
bool jobctl_is_stop_signal(int sig);
/* A signal is being sent to p (tree lock held): SIGCONT continues it and
 * cancels pending stops; a stop signal cancels a pending SIGCONT. */
void jobctl_on_send(struct proc *p, int sig);
struct task;
/* The default action of stop signal sig, taken by task t: stop the
 * process, tell the parent, park until SIGCONT or SIGKILL. */
void jobctl_stop(struct task *t, int sig, struct trap_frame *tf);
/* Under the tree lock, p ending (its children not yet given to init):
 * SIGHUP and SIGCONT to each process group p's exit orphans that has a
 * stopped member (jobctl.c says when a group is orphaned). */
void jobctl_exit_orphans(struct proc *p, const struct proc *init);
/* Park t while its process is stopped (its way back to user mode). */
void jobctl_park(struct task *t, struct trap_frame *tf);
/* The current process's group, and whether it ignores or blocks sig (the
 * terminal's background checks). */
int proc_current_pgrp(void);
bool proc_current_refuses(int sig);

/* rseq.c: the scheduler's note that a thread was away, once at start. */
void rseq_init(void);
/* The running process's user-mode trap frame (its thread's stack top). */
struct trap_frame *proc_frame(void);
/* Its descriptor table and working directory (fd.c): closed at exit,
 * shared by fork (each descriptor takes a reference on its file). */
void proc_files_close(struct proc *p);
int proc_files_fork(struct proc *child, struct proc *parent);
/* Init's: the root directory, and descriptors 0, 1, 2 on /dev/console. */
void proc_files_init(struct proc *p);
/* The running process's descriptor fd, or NULL. Borrowed: a reference
 * the task holds until its system call returns (task_release_borrowed). */
struct file *fd_file(int fd);
/* The working directory, borrowed the same way; set it (dir: a reference
 * the process takes over). */
struct inode *proc_cwd(void);
void proc_set_cwd(struct inode *dir);
/* The umask; with change, set it to `set` and return the old one. */
uint32_t proc_umask(uint32_t set, bool change);
/* The descriptor's close-on-exec flag; set it (false: no such fd). */
bool fd_get_cloexec(int fd);
bool fd_set_cloexec(int fd, bool on);
/* Put a reference to f at slot fd (dup2, dup3), closing what was there. */
void fd_install_at(int fd, struct file *f, bool cloexec);
/* Close fd: 0 or -EBADF. */
int fd_close(int fd);
/* Put f (a reference the caller gives away) in the lowest free slot at or
 * above `lowest`: the descriptor, or -EMFILE (then f is released). */
int fd_install(struct file *f, int lowest, bool cloexec);

/* Send sig to p (the tree lock held) from sender info (signal.h):
 * pending until one of its threads that does not block it returns to
 * user mode, where it runs its handler or the default action, or until a
 * thread takes it with rt_sigtimedwait. A signal p ignores is dropped
 * unless a thread blocks it or waits for it. Wakes one thread that takes
 * it from interruptible waits. */
void proc_kill_info(struct proc *p, int sig, uint64_t info);
/* The same from the kernel itself (SI_KERNEL; a child's SIGCHLD from its
 * end says which child and how). */
void proc_kill(struct proc *p, int sig);
/* Send sig to the running thread itself (SIGPIPE, as Linux sends it). */
void proc_signal_self(int sig);
/* A process's action for sig, read or written whole under the tree lock
 * (act: the four words of proc.sigactions[]). */
void proc_get_sigaction(struct proc *p, int sig, void *act);
void proc_set_sigaction(struct proc *p, int sig, const void *act);
/* execve succeeded or failed for good: a vfork parent may go on. */
void proc_vfork_release(void);
