/*
 * Processes: a process is an address space (vm.h), the thread that runs
 * in it, and its place in the process tree (parent, children, exit status
 * for wait4). Process ids start at 1 (the first program, init), as in
 * Linux; a process that exits stays a zombie until its parent collects its
 * status, and its children go to init.
 *
 * Lifetime: the tree lock guards parent/children links, states and the
 * pid list. A process's thread is the only one that changes its vm and
 * its fields outside the tree (one thread per process for now). The
 * struct is freed by the wait4 that reaps it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/trapframe.h"
#include "proc/procinfo.h"
#include "proc/vm.h"
#include "sched/thread.h"
#include "sched/wait.h"

#define PROC_PID_MAX 32768     /* pids wrap below this, as Linux's default */
#define PROC_MAX 512           /* processes at once: a fork bomb gets EAGAIN */
#define PROC_MEM_LIMIT_PAGES (256ull << 20 >> 12) /* 256 MiB resident per process */

enum proc_state { PROC_ALIVE, PROC_ZOMBIE };

#define PROC_FD_MAX 64

struct file;
struct inode;

/* A descriptor: an open file (fs/vfs.h, shared with other descriptors and
 * processes by reference count) and its close-on-exec flag. */
struct fd {
	struct file *file; /* NULL: free */
	bool cloexec;
};

struct proc {
	int pid;
	enum proc_state state;
	int wait_status;          /* wait4's status word once a zombie */
	struct proc *parent;
	int ppid;                 /* parent's pid (0: none), kept with parent for getppid */
	struct proc *children;    /* the first child; siblings linked */
	struct proc *sibling;
	struct proc *all_next;    /* every process (the pid list) */
	struct vm *vm;
	struct thread *thread;
	struct wait_queue child_wait; /* the parent sleeps here in wait4 */
	uint64_t sig_pending;     /* signals sent, not yet delivered: bit sig - 1 (atomic) */
	uint64_t saved_mask;      /* rt_sigsuspend: the mask to restore after delivery */
	bool restore_mask;
	int64_t syscall_nr;       /* the system call in progress (for SA_RESTART), or -1 */
	struct wait_queue sig_wait; /* rt_sigsuspend sleeps here */
	uint64_t altstack_sp, altstack_size; /* sigaltstack; size 0: none */
	int pgid, sid;
	uint64_t clear_child_tid; /* set_tid_address */
	uint64_t start_ns;
	uint64_t cpu_ns;          /* CPU time used, set when it ends */
	uint64_t children_cpu_ns; /* of every child it reaped (and theirs) */
	uint32_t umask;
	uint64_t sigmask;         /* blocked signals (rt_sigprocmask) */
	struct {
		uint64_t handler, flags, restorer, mask;
	} sigactions[64];         /* rt_sigaction: recorded; delivery comes later */
	struct fd fds[PROC_FD_MAX];
	struct inode *cwd;        /* the working directory (a reference) */
	/* The program's name and argv (for /proc), written under the tree
	 * lock so that proc_info copies them whole. */
	char comm[PROC_COMM_MAX];
	uint32_t cmdline_len;
	char cmdline[PROC_CMDLINE_MAX];
};

void proc_init(void);
/* The running thread's process, or NULL for a kernel thread. */
static inline struct proc *proc_current(void) { return thread_current()->proc; }

/* Start `path` as process 1 from a kernel thread; false with a message if
 * it cannot be loaded. */
bool proc_start_init(const char *path, const char *const argv[], const char *const envp[]);
/* Wait until process 1 has ended; its wait status. */
int proc_wait_init(void);
/* End the current process with a wait4 status word; never returns. */
__attribute__((noreturn)) void proc_exit(int wait_status);
/* What clone(2) may change about the copy (0: as the parent). */
struct fork_opts {
	uint64_t newsp;          /* the child's stack pointer */
	uint64_t tls;            /* with set_tls: the child's FS base */
	bool set_tls;
	uint64_t child_settid;   /* write the child's pid there, in the child */
	uint64_t child_cleartid; /* the child's clear_child_tid */
};
/* fork(2)/clone(2): a copy of the current process whose thread returns 0
 * from the system call in frame tf; the child's pid, or -errno. */
int64_t proc_fork(const struct trap_frame *tf, const struct fork_opts *o);
/* After a successful execve: descriptors marked close-on-exec are closed
 * and caught signals return to their default action (sys_io.c). */
void proc_exec_done(struct proc *p);
/* wait4(2) core: pid > 0 a child, -1 any. Returns the pid reaped, 0 with
 * nohang and nothing to reap, or -ECHILD / -EINTR. */
int64_t proc_wait(int pid, int *status, bool nohang);
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
/* The parent's pid (0 for none). */
int proc_parent_pid(const struct proc *p);
/* kill(pid, sig) core: -ESRCH if no live process has that pid; sig 0
 * only checks. */
int proc_kill_pid(int pid, int sig);
/* The same for every live process of group pgrp (kill(-pgrp), and the
 * terminal's signal keys). */
int proc_kill_pgrp(int pgrp, int sig);
/* A process ends: its interval timer goes (itimer.c). */
void itimer_exit(int pid);
/* The running process's user-mode trap frame (its thread's stack top). */
struct trap_frame *proc_frame(void);
/* Its descriptor table and working directory (fd.c): closed at exit,
 * shared by fork (each descriptor takes a reference on its file). */
void proc_files_close(struct proc *p);
int proc_files_fork(struct proc *child, struct proc *parent);
/* Init's: the root directory, and descriptors 0, 1, 2 on /dev/console. */
void proc_files_init(struct proc *p);
/* The running process's descriptor fd, or NULL (borrowed: valid until the
 * process closes it, and only this thread can). */
struct file *fd_file(int fd);
/* Put f (a reference the caller gives away) in the lowest free slot at or
 * above `lowest`: the descriptor, or -EMFILE (then f is released). */
int fd_install(struct file *f, int lowest, bool cloexec);

/* Send sig to p: pending until p returns to user mode, where it runs its
 * handler or the default action; a signal p ignores is dropped. Wakes p
 * from interruptible waits when the signal is not blocked. */
void proc_kill(struct proc *p, int sig);
