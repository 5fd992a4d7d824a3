/*
 * What proc.c (the process tree, fork, wait4) and task.c (threads, exit,
 * exit_group) share, and nobody else. Everything here runs under, or
 * takes, the tree lock.
 */
#pragma once

#include <stdint.h>

#include "arch/x86_64/trapframe.h"
#include "sync/spinlock.h"

struct proc;
struct task;
struct thread;
struct vm;
struct fork_opts;
struct fpu_state;

/* Guards the tree: parent/children/sibling links, state, wait_status, the
 * pid list and the id count, and in every process its task list, ntasks,
 * exiting, group_status, execing, and the sigactions' writers. Lock
 * order: the tree lock, then a thread's wait_lock, then a wait queue's. */
extern struct spinlock proc_tree_lock;

/* Under the tree lock: the first of every process, linked by all_next. */
struct proc *proc_all(void);
/* Under the tree lock: a free id from the pid space (counted against
 * PROC_MAX), or 0 at the limit; give back a thread's id (not a
 * process's: that goes when the process is reaped). */
int proc_id_alloc(void);
void proc_id_release(void);
/* The last task of p has gone: close what the process holds, hand its
 * children to init and become a zombie with wait_status. */
void proc_end(struct proc *p, int wait_status);

/* A task for kernel thread th (th->task set), not yet in a process. */
struct task *task_new(struct thread *th);
/* Under the tree lock: into / out of p's task list. */
void task_link(struct proc *p, struct task *t);
void task_unlink(struct proc *p, struct task *t);

/* A new user thread's first code: "return" 0 from the system call. */
void proc_fork_child(void *arg);
/* The new thread's registers: the caller's at the system call, on the
 * stack and with the TLS that clone asked for. */
void proc_setup_thread(struct thread *th, struct vm *vm, const struct trap_frame *tf,
                       const struct fork_opts *o, struct fpu_state *fpu);
/* clone(CLONE_THREAD): a new task in the current process; its id. */
int64_t task_clone(const struct trap_frame *tf, const struct fork_opts *o);
