/*
 * The threads of a process (see task.h): clone's thread form, the end of
 * one thread (exit) and of every thread (exit_group, fatal signals),
 * execve's "only this thread is left", and their CPU time.
 * The process side (the tree, fork, wait4) is proc.c; both work under
 * its tree lock (proc_internal.h).
 *
 * How a process ends. Each task leaves by task_exit: it clears and wakes
 * its clear_child_tid word (pthread_join waits on it), switches its CPU to
 * the kernel's page tables, drops its share of the address space, and
 * unlinks itself under the tree lock. The task that finds itself the last
 * one turns the process into a zombie (proc_end). exit_group (proc_exit)
 * first marks the process exiting with its status and tells every other
 * task to leave (must_exit, a SIGKILL bit and an interrupt out of any
 * wait); each leaves at its next return to user mode. execve does the
 * same to the others without marking the process, and waits for them
 * (proc_exec_single).
 *
 * Nothing runs on freed memory: a kernel stack is freed by the scheduler
 * only after its thread's last switch away (sched/thread.c); a task's
 * struct is freed by the task itself after it has left every list; the
 * address space goes with its last user, which is off its tables by then.
 */
#include "arch/x86_64/context.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/uaccess.h"
#include "core/panic.h"
#include "lib/errno.h"
#include "mm/heap.h"
#include "proc/futex.h"
#include "proc/proc.h"
#include "proc/proc_internal.h"
#include "proc/signal.h"
#include "time/clock.h"

static uint64_t sigbit(int sig) { return 1ull << (sig - 1); }

struct task *task_new(struct thread *th)
{
	struct task *t = kcalloc(1, sizeof(*t));
	if (!t)
		return NULL;
	wait_queue_init(&t->sig_wait, "sigsuspend");
	t->syscall_nr = -1;
	t->thread = th;
	th->task = t;
	return t;
}

void task_link(struct proc *p, struct task *t)
{
	t->proc = p;
	t->group_next = p->tasks;
	p->tasks = t;
	/* Read without the lock by fd.c and execve's wait: one store. */
	__atomic_store_n(&p->ntasks, p->ntasks + 1, __ATOMIC_RELEASE);
}

void task_unlink(struct proc *p, struct task *t)
{
	for (struct task **q = &p->tasks; *q; q = &(*q)->group_next)
		if (*q == t) {
			*q = t->group_next;
			__atomic_store_n(&p->ntasks, p->ntasks - 1, __ATOMIC_RELEASE);
			return;
		}
	panic("proc: task %d is not in process %d", t->tid, p->pid);
}

/* Under the tree lock: make t leave at its next return to user mode, and
 * get it out of any interruptible wait now. */
static void tell_to_exit(struct task *t)
{
	t->must_exit = true;
	__atomic_or_fetch(&t->sig_pending, sigbit(SIGKILL), __ATOMIC_ACQ_REL);
	thread_interrupt(t->thread);
}

/* ---- ending ---- */

void task_exit(int wait_status)
{
	struct task *t = task_current();
	struct proc *p = t->proc;
	struct thread *th = thread_current();
	/* For pthread_join: zero the thread's id word and wake a joiner
	 * (CLONE_CHILD_CLEARTID, set_tid_address). A bad address is ignored. */
	if (t->clear_child_tid) {
		int32_t zero = 0;
		if (!copy_to_user(t->clear_child_tid, &zero, sizeof(zero)))
			futex_wake(p->vm, t->clear_child_tid, 1, FUTEX_BITSET_ANY);
	}
	if (t->vfork_done) { /* the parent of a vfork goes on */
		sem_up(t->vfork_done);
		t->vfork_done = NULL;
	}
	task_release_borrowed(t);
	/* Off the page tables before our share of them goes. */
	uint64_t f = cpu_irq_save();
	th->arch.user = false;
	th->arch.cr3 = 0;
	arch_thread_load(&th->arch);
	cpu_irq_restore(f);
	/* p->vm is stable here: execve swaps it only once this task has
	 * left the list below (proc_exec_single waits for that), and it then
	 * drops its own share, not ours. */
	struct vm *vm = p->vm;

	spin_lock(&proc_tree_lock);
	task_unlink(p, t);
	bool last = p->ntasks == 0; /* decided here, under the lock: exactly one task sees it */
	if (last)
		p->vm = NULL;
	p->cpu_ns += clock_tsc_to_ns(th->run_tsc);
	if (t->tid != p->pid)
		proc_id_release(); /* a leader's id stays with the process until it is reaped */
	int status = p->exiting ? p->group_status : wait_status;
	if (!last)
		wake_all(&p->task_gone);
	spin_unlock(&proc_tree_lock);
	vm_put(vm);
	/* The process's end runs with the task still ours (closing files
	 * may look at the current process); nobody else can reach it now. */
	if (last)
		proc_end(p, status);
	th->task = NULL;
	kfree(t);
	thread_exit(0);
}

void proc_exit(int wait_status)
{
	struct task *me = task_current();
	struct proc *p = me->proc;
	spin_lock(&proc_tree_lock);
	if (!p->exiting) {
		p->exiting = true;
		p->group_status = wait_status;
	}
	for (struct task *t = p->tasks; t; t = t->group_next)
		if (t != me)
			tell_to_exit(t);
	spin_unlock(&proc_tree_lock);
	task_exit(wait_status);
}

static bool alone(void *arg)
{
	struct proc *p = arg;
	return __atomic_load_n(&p->ntasks, __ATOMIC_ACQUIRE) == 1;
}

bool proc_exec_single(void)
{
	struct task *me = task_current();
	struct proc *p = me->proc;
	spin_lock(&proc_tree_lock);
	if (p->exiting || p->execing || me->must_exit) {
		/* The process is ending, or another thread's execve got here
		 * first and has told this one to exit: two threads that each
		 * waited for the other to leave would wait for good. */
		spin_unlock(&proc_tree_lock);
		return false;
	}
	bool others = p->ntasks > 1;
	if (others) {
		p->execing = me;
		for (struct task *t = p->tasks; t; t = t->group_next)
			if (t != me)
				tell_to_exit(t);
	}
	spin_unlock(&proc_tree_lock);
	if (!others)
		return true;
	/* Uninterruptible: the others leave at their next return to user
	 * mode (or at once, from an interruptible wait). An exit_group by one
	 * of them meanwhile marks us too; we finish the execve and are then
	 * ended on the way back to user mode. */
	wait_event(&p->task_gone, alone, p);
	spin_lock(&proc_tree_lock);
	p->execing = NULL;
	if (me->tid != p->pid) { /* the new program runs as the leader, as on Linux */
		proc_id_release();
		me->tid = p->pid;
	}
	spin_unlock(&proc_tree_lock);
	return true;
}

/* ---- clone ---- */

/* clone(CLONE_THREAD): a new task in the current process. */
int64_t task_clone(const struct trap_frame *tf, const struct fork_opts *o)
{
	struct task *me = task_current();
	struct proc *p = me->proc;
	struct fpu_state *fpu = fpu_state_alloc();
	struct thread *th = fpu ? thread_prepare(p->comm, proc_fork_child, NULL) : NULL;
	struct task *t = th ? task_new(th) : NULL;
	if (!t) {
		if (th)
			thread_discard(th);
		kfree(fpu);
		return -ENOMEM;
	}
	proc_setup_thread(th, p->vm, tf, o, fpu);
	t->sigmask = me->sigmask; /* the altstack is not inherited (CLONE_VM) */
	t->clear_child_tid = o->child_cleartid;
	spin_lock(&proc_tree_lock);
	int tid = p->exiting || p->execing ? -1 : proc_id_alloc();
	if (tid <= 0) {
		spin_unlock(&proc_tree_lock);
		thread_discard(th); /* frees the fpu with it */
		kfree(t);
		return tid < 0 ? -EINTR : -EAGAIN; /* -EINTR: we are about to be ended anyway */
	}
	t->tid = tid;
	vm_get(p->vm);
	task_link(p, t);
	spin_unlock(&proc_tree_lock);
	/* Both id words before the thread can run: pthread_create reads the
	 * parent's, and the child may look at its own at once. */
	int32_t v = tid;
	if (o->parent_settid)
		copy_to_user(o->parent_settid, &v, sizeof(v));
	if (o->child_settid)
		copy_to_user(o->child_settid, &v, sizeof(v));
	thread_start(th);
	return tid;
}

/* ---- accounting ---- */

uint64_t proc_cpu_ns(struct proc *p)
{
	spin_lock(&proc_tree_lock);
	uint64_t ns = p->cpu_ns;
	for (struct task *t = p->tasks; t; t = t->group_next)
		ns += clock_tsc_to_ns(t->thread->run_tsc);
	spin_unlock(&proc_tree_lock);
	return ns;
}
