/*
 * The process tree: creation of init, fork (and clone's process forms),
 * wait4, the zombie a process becomes, signals to a process, and what
 * happens when a program faults (see proc.h). Threads, and how a process
 * ends, are task.c's.
 *
 * A user thread always has its user-mode trap frame at the top of its
 * kernel stack (THREAD_TOP_RESERVE): the SYSCALL entry and every interrupt
 * from ring 3 put it there, so clone copies it from there and a new thread
 * starts by filling its own and "returning" to user mode through it.
 *
 * Wait status words are Linux's: (code & 0xff) << 8 for an exit, the
 * signal number for a death by signal (WIFSIGNALED).
 */
#include "proc/proc.h"
#include "proc/session.h"
#include "tty/tty.h"
#include "proc/proc_internal.h"

#include "arch/x86_64/context.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/uaccess.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "proc/exec.h"
#include "proc/signal.h"
#include "proc/syscall.h"
#include "sync/spinlock.h"
#include "time/clock.h"

_Static_assert(THREAD_TOP_RESERVE == sizeof(struct trap_frame),
               "a user thread's trap frame fills the reserve at its stack top");

/* The tree lock: see proc_internal.h. */
struct spinlock proc_tree_lock = SPINLOCK_INIT("process tree");
static struct proc *all_procs;
static uint32_t nids; /* ids in use: every listed process's, and each non-leader thread's */
static int next_pid = 1;
static int last_pid;
static uint64_t forks; /* processes made since boot */
static struct proc *init_proc;
static struct wait_queue init_wait = WAIT_QUEUE_INIT("init ended");
static bool init_ended;
static int init_status;

static uint64_t sigbit(int sig) { return 1ull << (sig - 1); }

void proc_id_release(void) { nids--; }
struct proc *proc_all(void) { return all_procs; }

static struct trap_frame *user_frame(struct thread *t)
{
	return (struct trap_frame *)(t->arch.kstack_top - sizeof(struct trap_frame));
}

struct trap_frame *proc_frame(void) { return user_frame(thread_current()); }

/* ---- ids ---- */

/* Under the tree lock. An id is in use while a process has it as its pid
 * (zombies included: wait4 reports it) or a live thread as its tid. */
static bool id_used(int id)
{
	for (struct proc *q = all_procs; q; q = q->all_next) {
		if (q->pid == id)
			return true;
		for (struct task *t = q->tasks; t; t = t->group_next)
			if (t->tid == id)
				return true;
	}
	return false;
}

/* Under the tree lock: a free id, or 0 at the limit. Ids count up and
 * wrap below PROC_PID_MAX, skipping ones in use. */
int proc_id_alloc(void)
{
	if (nids >= PROC_MAX)
		return 0;
	for (;;) {
		int id = next_pid;
		next_pid = next_pid >= PROC_PID_MAX ? 2 : next_pid + 1;
		if (!id_used(id)) {
			nids++;
			last_pid = id;
			forks++; /* processes and threads made, as Linux counts them */
			return id;
		}
	}
}

/* ---- processes ---- */

/* A new struct with a pid, in the tree under parent; NULL at the limit. */
static struct proc *proc_new(struct proc *parent)
{
	struct proc *p = kcalloc(1, sizeof(*p));
	if (!p)
		return NULL;
	wait_queue_init(&p->child_wait, "child wait");
	wait_queue_init(&p->stop_wq, "stopped");
	wait_queue_init(&p->task_gone, "execve waits for threads");
	mutex_init(&p->files_lock, "descriptors");
	p->start_ns = clock_ns();
	spin_lock(&proc_tree_lock);
	p->pid = proc_id_alloc();
	if (!p->pid) {
		spin_unlock(&proc_tree_lock);
		kfree(p);
		return NULL;
	}
	p->all_next = all_procs;
	all_procs = p;
	p->parent = parent;
	p->ppid = parent ? parent->pid : 0;
	if (parent) {
		p->sibling = parent->children;
		__atomic_store_n(&parent->children, p, __ATOMIC_RELEASE);
		p->pgid = parent->pgid;
		p->sid = parent->sid;
		p->ctty = parent->ctty;
	} else {
		p->pgid = p->sid = p->pid;
	}
	spin_unlock(&proc_tree_lock);
	return p;
}

/* Remove a reaped (or never started) process from the pid list; the tree
 * lock is held and p is off its parent's child list. */
static void unlist(struct proc *p)
{
	for (struct proc **q = &all_procs; *q; q = &(*q)->all_next)
		if (*q == p) {
			*q = p->all_next;
			nids--;
			return;
		}
}

static void unlink_child(struct proc *p)
{
	if (!p->parent)
		return;
	for (struct proc **q = &p->parent->children; *q; q = &(*q)->sibling)
		if (*q == p) {
			*q = p->sibling;
			return;
		}
}

/* Drop a process that never ran (a failed fork or start). */
static void proc_discard(struct proc *p)
{
	spin_lock(&proc_tree_lock);
	unlink_child(p);
	unlist(p);
	spin_unlock(&proc_tree_lock);
	vm_put(p->vm);
	proc_files_close(p);
	kfree(p);
}

/* ---- init ---- */

struct init_start {
	struct proc *p;
	const char *path;
	const char *const *argv, *const *envp;
	struct semaphore done;
	int result;
};

static void init_thread(void *arg)
{
	struct init_start *s = arg;
	struct thread *t = thread_current();
	struct trap_frame *tf = user_frame(t);
	struct exec_args a = {.argv = s->argv, .envp = s->envp};
	s->result = exec_path(s->p, s->path, &a, tf);
	int ok = s->result == 0;
	sem_up(&s->done); /* s is gone after this */
	if (!ok)
		thread_exit(0);
	user_enter(tf);
}

bool proc_start_init(const char *path, const char *const argv[], const char *const envp[])
{
	struct proc *p = proc_new(NULL);
	if (!p)
		return false;
	proc_files_init(p);
	struct init_start s = {.p = p, .path = path, .argv = argv, .envp = envp};
	sem_init(&s.done, 0);
	struct thread *th = thread_prepare("init", init_thread, &s);
	struct task *t = th ? task_new(th) : NULL;
	if (!t) {
		if (th)
			thread_discard(th);
		proc_discard(p);
		return false;
	}
	t->tid = p->pid;
	spin_lock(&proc_tree_lock);
	task_link(p, t);
	spin_unlock(&proc_tree_lock);
	init_proc = p;
	init_ended = false;
	thread_start(th);
	sem_down(&s.done);
	if (s.result) {
		kprintf("init: cannot start %s: %s (%s)\n", path, errno_text(s.result),
		        errno_name(s.result));
		init_proc = NULL;
		spin_lock(&proc_tree_lock);
		task_unlink(p, t);
		spin_unlock(&proc_tree_lock);
		kfree(t); /* its thread ended by itself */
		proc_discard(p);
		return false;
	}
	return true;
}

/* ---- exit and wait ---- */

static bool init_has_ended(void *arg)
{
	(void)arg;
	return init_ended;
}

int proc_wait_init(void)
{
	wait_event(&init_wait, init_has_ended, NULL);
	return init_status;
}

static bool zombie_child(void *arg);

/* (proc_internal.h) p->vm has gone with the last task. */
void proc_end(struct proc *p, int wait_status)
{
	proc_files_close(p);
	session_exit(p);
	itimer_exit(p->pid);
	spin_lock(&proc_tree_lock);
	bool is_init = p == init_proc;
	struct proc *reaper = is_init ? NULL : init_proc;
	jobctl_exit_orphans(p, init_proc);
	if (is_init)
		init_proc = NULL; /* no more adoptions */
	/* Children go to init; with init itself gone, they have no parent and
	 * free themselves when they end (a zombie among them now). */
	struct proc *dead = NULL;
	bool gave = false;
	while (p->children) {
		struct proc *c = p->children;
		p->children = c->sibling;
		c->parent = reaper;
		__atomic_store_n(&c->ppid, reaper ? reaper->pid : 0, __ATOMIC_RELAXED);
		if (reaper) {
			c->sibling = reaper->children;
			__atomic_store_n(&reaper->children, c, __ATOMIC_RELEASE);
			gave |= c->state == PROC_ZOMBIE;
		} else if (c->state == PROC_ZOMBIE) {
			unlist(c);
			c->sibling = dead;
			dead = c;
		}
	}
	p->wait_status = wait_status;
	__atomic_store_n(&p->state, PROC_ZOMBIE, __ATOMIC_RELEASE);
	struct proc *parent = p->parent;
	bool orphan = !parent;
	if (orphan)
		unlist(p);
	/* Wake under the tree lock: the parent cannot be reaped and freed
	 * meanwhile, nor can init's children change. */
	if (parent) {
		proc_kill(parent, SIGCHLD);
		wake_all(&parent->child_wait);
	}
	if (gave)
		wake_all(&reaper->child_wait);
	spin_unlock(&proc_tree_lock);
	while (dead) {
		struct proc *n = dead->sibling;
		kfree(dead);
		dead = n;
	}
	if (is_init) {
		kprintf("init: process %d (%s) ended: %s %d\n", p->pid, p->comm,
		        (wait_status & 0x7f) ? "killed by signal" : "exit status",
		        (wait_status & 0x7f) ? wait_status & 0x7f : (wait_status >> 8) & 0xff);
		spin_lock(&init_wait.lock);
		init_ended = true;
		init_status = wait_status;
		spin_unlock(&init_wait.lock);
		wake_all(&init_wait);
	} else if (orphan) {
		kfree(p);
	}
}

struct wait_match {
	struct proc *me;
	int pid;
	int pgid;     /* with pid 0: children of this group */
	int options;  /* WUNTRACED, WCONTINUED */
};

/* A child that pid names: -1 any, > 0 that one, 0 my group, < -1 group -pid. */
static bool matches(const struct proc *c, const struct wait_match *w)
{
	if (w->pid == -1)
		return true;
	if (w->pid > 0)
		return c->pid == w->pid;
	return __atomic_load_n(&c->pgid, __ATOMIC_RELAXED) == w->pgid;
}

/* Something to report: an end, or with the options a stop or continue. */
static bool reportable(const struct proc *c, int options)
{
	if (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == PROC_ZOMBIE)
		return true;
	int r = __atomic_load_n(&c->job_report, __ATOMIC_ACQUIRE);
	return (r == JOB_REPORT_STOPPED && (options & PROC_WAIT_STOPPED)) ||
	       (r == JOB_REPORT_CONTINUED && (options & PROC_WAIT_CONTINUED));
}

/* The wait4 sleep condition. It runs under the wait queue's lock, so it
 * must not take the tree lock (proc_end wakes the queue while holding
 * the tree lock: tree, then queue). It reads the child list without it,
 * which is safe: only the parent itself removes children, and the others
 * only push at the head (after setting the new node's sibling), so a
 * reader sees either list, both well formed. Another thread of the same
 * process may reap meanwhile: the wait4 loop rechecks under the lock. */
static bool zombie_child(void *arg)
{
	struct wait_match *w = arg;
	for (struct proc *c = __atomic_load_n(&w->me->children, __ATOMIC_ACQUIRE); c;
	     c = __atomic_load_n(&c->sibling, __ATOMIC_ACQUIRE))
		if (matches(c, w) && reportable(c, w->options))
			return true;
	return false;
}

int64_t proc_wait(int pid, int *status, int options)
{
	struct proc *me = proc_current();
	struct wait_match w = {.me = me, .pid = pid, .options = options,
	                       .pgid = pid == 0 ? me->pgid : -pid};
	for (;;) {
		spin_lock(&proc_tree_lock);
		bool any = false;
		for (struct proc **q = &me->children; *q; q = &(*q)->sibling) {
			struct proc *c = *q;
			if (!matches(c, &w))
				continue;
			any = true;
			if (c->state != PROC_ZOMBIE) {
				/* A stop or a continue, reported once (stop_sig << 8
				 * | 0x7f, or 0xffff), the child left in place. */
				if (!reportable(c, options))
					continue;
				*status = c->job_report == JOB_REPORT_STOPPED ? (c->stop_sig << 8) | 0x7f : 0xffff;
				c->job_report = JOB_REPORT_NONE;
				int got = c->pid;
				spin_unlock(&proc_tree_lock);
				return got;
			}
			*q = c->sibling;
			unlist(c);
			me->children_cpu_ns += c->cpu_ns + c->children_cpu_ns;
			spin_unlock(&proc_tree_lock);
			int got = c->pid;
			*status = c->wait_status;
			kfree(c);
			return got;
		}
		spin_unlock(&proc_tree_lock);
		if (!any)
			return -ECHILD;
		if (options & PROC_WAIT_NOHANG)
			return 0;
		if (!wait_event_interruptible(&me->child_wait, zombie_child, &w))
			return -EINTR;
	}
}

int proc_setpgid(int pid, int pgid)
{
	struct proc *me = proc_current();
	int r = -ESRCH;
	spin_lock(&proc_tree_lock);
	struct proc *p = NULL;
	if (pid == 0 || pid == me->pid)
		p = me;
	else
		for (struct proc *c = me->children; c; c = c->sibling)
			if (c->pid == pid && c->state == PROC_ALIVE)
				p = c;
	if (p) {
		if (!pgid)
			pgid = p->pid;
		/* A group exists while any member does, a zombie not yet reaped
		 * included (Linux): the first process of a pipeline may have
		 * ended before the second joins its group. */
		bool exists = pgid == p->pid;
		for (struct proc *q = all_procs; q && !exists; q = q->all_next)
			exists = q->pgid == pgid && q->sid == p->sid;
		if (pgid == p->pgid)
			r = 0; /* already there (process 1, a session leader here, asks that) */
		else if (p->sid == p->pid || (p != me && p->sid != me->sid) || !exists)
			r = -EPERM;
		else {
			__atomic_store_n(&p->pgid, pgid, __ATOMIC_RELAXED);
			r = 0;
		}
	}
	spin_unlock(&proc_tree_lock);
	return r;
}

int proc_current_pgrp(void) { return __atomic_load_n(&proc_current()->pgid, __ATOMIC_RELAXED); }

bool proc_current_refuses(int sig)
{
	struct task *t = task_current();
	uint64_t h = __atomic_load_n(&t->proc->sigactions[sig - 1].handler, __ATOMIC_RELAXED);
	return h == 1 /* SIG_IGN */ || (t->sigmask & sigbit(sig));
}

/* kill(-1, sig): every process but init and the caller. */
static int kill_all(int sig, uint64_t info)
{
	int me = proc_current()->pid, r = -ESRCH;
	spin_lock(&proc_tree_lock);
	for (struct proc *q = all_procs; q; q = q->all_next)
		if (q->state == PROC_ALIVE && q->pid != 1 && q->pid != me) {
			if (sig)
				proc_kill_info(q, sig, info);
			r = 0;
		}
	spin_unlock(&proc_tree_lock);
	return r;
}

/* ---- fork and clone ---- */

void proc_fork_child(void *arg)
{
	(void)arg;
	struct trap_frame *tf = user_frame(thread_current());
	tf->rax = 0; /* the child's fork() returns 0 */
	user_enter(tf);
}

/* The new thread's registers: the parent's at the system call, on the
 * stack and with the TLS clone asked for. */
void proc_setup_thread(struct thread *th, struct vm *vm, const struct trap_frame *tf,
                         const struct fork_opts *o, struct fpu_state *fpu)
{
	struct trap_frame *ctf = user_frame(th);
	*ctf = *tf;
	if (o->newsp)
		ctf->rsp = o->newsp;
	struct thread *self = thread_current();
	fpu_save(fpu); /* this thread's live registers, as the child's */
	th->arch = (struct arch_thread){.user = true, .kstack_top = th->arch.kstack_top,
	                                .cr3 = vm->pml4,
	                                .fs_base = o->set_tls ? o->tls : self->arch.fs_base,
	                                .gs_base = self->arch.gs_base, .fpu = fpu};
}

int64_t proc_fork(const struct trap_frame *tf, const struct fork_opts *o)
{
	if (o->thread)
		return task_clone(tf, o);
	struct task *me = task_current();
	struct proc *mp = me->proc;
	struct proc *c = proc_new(mp);
	if (!c)
		return -EAGAIN;
	/* Published whole (release): proc_info may read it at once. */
	__atomic_store_n(&c->vm, o->share_vm ? vm_get(mp->vm) : vm_fork(mp->vm), __ATOMIC_RELEASE);
	struct fpu_state *fpu = fpu_state_alloc();
	struct thread *th = c->vm && fpu ? thread_prepare(mp->comm, proc_fork_child, NULL) : NULL;
	struct task *t = th ? task_new(th) : NULL;
	if (!t || proc_files_fork(c, mp)) {
		if (th)
			thread_discard(th);
		else
			kfree(fpu);
		kfree(t);
		proc_discard(c);
		return -ENOMEM;
	}
	/* The child runs the parent's program: the same name and argv, as
	 * Linux's child shares the memory its argv is in. */
	spin_lock(&proc_tree_lock);
	memcpy(c->comm, mp->comm, sizeof(c->comm));
	memcpy(c->cmdline, mp->cmdline, mp->cmdline_len);
	c->cmdline_len = mp->cmdline_len;
	spin_unlock(&proc_tree_lock);
	proc_setup_thread(th, c->vm, tf, o, fpu);
	t->tid = c->pid;
	t->sigmask = me->sigmask;
	if (!o->share_vm || o->vfork) { /* the same stack stays valid: keep the altstack */
		t->altstack_sp = me->altstack_sp;
		t->altstack_size = me->altstack_size;
	}
	t->clear_child_tid = o->child_cleartid;
	if (!o->share_vm) { /* fork keeps the registration, in the copy of the memory */
		t->rseq = me->rseq;
		t->rseq_len = me->rseq_len;
		t->rseq_sig = me->rseq_sig;
		t->rseq_pending = me->rseq != 0;
	}
	int32_t v = c->pid;
	if (o->parent_settid)
		copy_to_user(o->parent_settid, &v, sizeof(v));
	if (o->child_settid) /* a bad address is ignored, as in Linux */
		vm_write(c->vm, o->child_settid, &v, sizeof(v));
	struct semaphore done;
	if (o->vfork) {
		sem_init(&done, 0);
		t->vfork_done = &done;
	}
	spin_lock(&proc_tree_lock);
	memcpy(c->sigactions, mp->sigactions, sizeof(c->sigactions)); /* writers hold this lock */
	task_link(c, t);
	spin_unlock(&proc_tree_lock);
	int pid = c->pid;
	thread_start(th);
	/* vfork: the child borrows our memory, stack included, until it
	 * execs or ends (then it ups the semaphore; it never touches it
	 * again, so `done` may go with this frame). */
	if (o->vfork)
		sem_down(&done);
	return pid;
}

void proc_vfork_release(void)
{
	struct task *t = task_current();
	if (t->vfork_done) {
		sem_up(t->vfork_done);
		t->vfork_done = NULL;
	}
}

/* ---- faults and kills ---- */

/*
 * Sending. A signal p would ignore is dropped, unless a thread blocks it
 * or waits for it in rt_sigtimedwait: as on Linux, a blocked signal is
 * never ignored (its action may change before it is unblocked, and
 * sigwait takes it whatever the action; busybox init waits so for SIGCHLD,
 * which it leaves at SIG_DFL). Such a signal wakes only a thread waiting
 * for it, never one sleeping in read, which would return EINTR for
 * nothing. Senders hold the tree lock, under which rt_sigtimedwait
 * changes its mask and set: a sender sees the waiter either before (the
 * bit is pending when the waiter looks) or after (it is interrupted).
 */
static bool task_holds(const struct task *t, int sig)
{
	return ((__atomic_load_n(&t->sigmask, __ATOMIC_RELAXED) | t->sigwait) & sigbit(sig)) != 0;
}

/* Whether t is to be interrupted for sig: it does not block it, and
 * either p wants it (a handler or a default action) or t waits for it. */
static bool task_takes(const struct task *t, int sig, bool wanted)
{
	if (__atomic_load_n(&t->sigmask, __ATOMIC_RELAXED) & sigbit(sig))
		return false;
	return wanted || (t->sigwait & sigbit(sig));
}

/* Set sig's bit in a pending set, with its sender if it was not pending. */
static void make_pending(uint64_t *pending, uint64_t *infos, int sig, uint64_t info)
{
	if (!(__atomic_load_n(pending, __ATOMIC_ACQUIRE) & sigbit(sig)))
		__atomic_store_n(&infos[sig - 1], info, __ATOMIC_RELAXED);
	/* Release: a taker that sees the bit sees the sender too. */
	__atomic_or_fetch(pending, sigbit(sig), __ATOMIC_ACQ_REL);
}

void proc_kill_info(struct proc *p, int sig, uint64_t info)
{
	jobctl_on_send(p, sig);
	bool wanted = signal_wanted(p, sig);
	bool held = wanted;
	for (struct task *t = p->tasks; t && !held; t = t->group_next)
		held = task_holds(t, sig);
	if (!held)
		return;
	make_pending(&p->sig_pending, p->sig_info, sig, info);
	/* Out of an interruptible wait (wait4, pipes, futex...): the first
	 * thread that does not block it takes it; SIGKILL wakes them all,
	 * since it ends them all. */
	for (struct task *t = p->tasks; t; t = t->group_next) {
		if (sig == SIGKILL) {
			thread_interrupt(t->thread);
			continue;
		}
		if (task_takes(t, sig, wanted)) {
			thread_interrupt(t->thread);
			break;
		}
	}
}

/* A signal the kernel sends on its own: SI_KERNEL, except the SIGCHLD of
 * a child's end, which proc_end sends from the child's last thread:
 * that one says which child and how it ended, as Linux's does. */
void proc_kill(struct proc *p, int sig)
{
	uint64_t info = sig_info(SI_KERNEL, 0, 0);
	struct task *me = task_current();
	struct proc *child = me ? me->proc : NULL;
	if (sig == SIGCHLD && child && child->parent == p && child->state == PROC_ZOMBIE) {
		int st = child->wait_status;
		int code = !(st & 0x7f) ? CLD_EXITED : (st & 0x80) ? CLD_DUMPED : CLD_KILLED;
		info = sig_info(code, child->pid, (st & 0x7f) ? st & 0x7f : (st >> 8) & 0xff);
	}
	proc_kill_info(p, sig, info);
}

void proc_signal_self(int sig)
{
	struct task *t = task_current();
	if (signal_wanted(t->proc, sig) || task_holds(t, sig))
		make_pending(&t->sig_pending, t->sig_info, sig, sig_info(SI_USER, t->proc->pid, 0));
}

int task_kill(int tgid, int tid, int sig)
{
	int r = -ESRCH;
	uint64_t info = sig_info(SI_TKILL, proc_current()->pid, 0);
	spin_lock(&proc_tree_lock);
	for (struct proc *q = all_procs; q && r; q = q->all_next) {
		if (tgid > 0 && q->pid != tgid)
			continue;
		for (struct task *t = q->tasks; t; t = t->group_next) {
			if (t->tid != tid)
				continue;
			r = 0;
			if (!sig)
				break;
			jobctl_on_send(q, sig);
			bool wanted = signal_wanted(q, sig);
			if (wanted || task_holds(t, sig)) {
				make_pending(&t->sig_pending, t->sig_info, sig, info);
				if (sig == SIGKILL || task_takes(t, sig, wanted))
					thread_interrupt(t->thread);
			}
			break;
		}
	}
	spin_unlock(&proc_tree_lock);
	return r;
}

static const char *fault_kind(uint64_t err)
{
	if (err & 16)
		return "execute";
	return err & 2 ? "write" : "read";
}

static void user_exception(struct trap_frame *tf)
{
	uint64_t addr = tf->vector == 14 ? cpu_read_cr2() : 0; /* before anything can fault */
	if (!task_current())
		panic("proc: a ring-3 exception on kernel thread %s", thread_current()->name);
	struct proc *p = proc_current();
	if (tf->rflags & RFLAGS_IF)
		cpu_sti();
	int sig = tf->vector == 14 ? vm_fault(p->vm, addr, tf->error_code)
	                           : signal_for_exception((unsigned)tf->vector);
	if (!sig)
		return;
	/* A handler for it, not blocked: the thread runs it, with si_code and
	 * si_addr saying what happened (the fault repeats if the handler
	 * returns without fixing anything, as on Linux). Otherwise, as Linux's
	 * force_sig: the process ends, whatever the mask says. */
	struct task *t = task_current();
	uint64_t h = __atomic_load_n(&p->sigactions[sig - 1].handler, __ATOMIC_RELAXED);
	if (h > 1 && !(t->sigmask & sigbit(sig))) {
		t->fault.sig = sig;
		uint64_t err = tf->error_code;
		if (tf->vector == 14 && vm_has_area(p->vm, addr))
			err |= 1; /* in an area: a permission problem (SEGV_ACCERR) */
		t->fault.code = signal_fault_code(sig, (unsigned)tf->vector, err);
		t->fault.addr = tf->vector == 14 ? addr : tf->rip;
		if (tf->vector == 13)
			t->fault.addr = 0; /* #GP: no address (SI_KERNEL) */
		__atomic_or_fetch(&t->sig_pending, sigbit(sig), __ATOMIC_ACQ_REL);
		return; /* delivered on the way out (trap_dispatch) */
	}
	if (tf->vector == 14)
		kprintf("pid %d (%s): %s: %s at 0x%llx (%s), rip 0x%llx\n", p->pid, p->comm,
		        signal_name(sig), (tf->error_code & 1) ? "protection fault" : "page fault",
		        (unsigned long long)addr, fault_kind(tf->error_code), (unsigned long long)tf->rip);
	else
		kprintf("pid %d (%s): %s: exception %llu, rip 0x%llx\n", p->pid, p->comm,
		        signal_name(sig), (unsigned long long)tf->vector, (unsigned long long)tf->rip);
	proc_exit(sig);
}

static void user_return_work(struct task *t, struct trap_frame *tf);

static void user_return(struct trap_frame *tf)
{
	struct task *t = task_current();
	if (!t)
		return;
	/* After an interrupt or exception this runs with interrupts off, and
	 * the work here writes user memory (a signal frame, rseq's area) that
	 * may have to be faulted in, which a copy with interrupts off refuses
	 * to do (uaccess.c). So, as Linux's exit-to-user loop: interrupts on
	 * for the work, off again before the entry stub returns (it swaps GS
	 * and must not be interrupted). */
	bool irqs_off = !(cpu_read_rflags() & RFLAGS_IF);
	if (irqs_off)
		cpu_sti();
	user_return_work(t, tf);
	if (irqs_off)
		cpu_cli();
}

static void user_return_work(struct task *t, struct trap_frame *tf)
{
	if (t->rseq_pending)
		rseq_resume(t, tf);
	if (t->stop_pending || __atomic_load_n(&t->proc->stopped, __ATOMIC_ACQUIRE)) {
		t->stop_pending = 0;
		jobctl_park(t, tf);
	}
	uint64_t pending = __atomic_load_n(&t->sig_pending, __ATOMIC_ACQUIRE) |
	                   __atomic_load_n(&t->proc->sig_pending, __ATOMIC_ACQUIRE);
	if (pending & (~t->sigmask | sigbit(SIGKILL)))
		signal_deliver(tf);
}

static bool resolve(uint64_t addr, uint64_t err)
{
	struct task *t = task_current();
	return t && t->proc->vm && vm_fault(t->proc->vm, addr, err) == 0;
}

void proc_init(void)
{
	trap_set_user_exception(user_exception);
	session_init();
	rseq_init();
	syscall_set_user_return(user_return);
	uaccess_set_fault_handler(resolve);
	syscall_set_handler(syscall_handle);
}

/* ---- queries ---- */

bool proc_exists(int pid)
{
	bool found = false;
	spin_lock(&proc_tree_lock);
	for (struct proc *q = all_procs; q && !found; q = q->all_next)
		found = q->pid == pid && q->state == PROC_ALIVE;
	spin_unlock(&proc_tree_lock);
	return found;
}

static int kill_pid(int pid, int sig, uint64_t info)
{
	int r = -ESRCH;
	spin_lock(&proc_tree_lock);
	for (struct proc *q = all_procs; q && r; q = q->all_next) {
		/* Any thread's id names its process, as on Linux. A zombie
		 * keeps its id until it is reaped: it is found, and the signal
		 * has nobody to reach (kill(pid, 0) tells a parent the child
		 * has not been waited for). */
		bool hit = q->pid == pid;
		for (struct task *t = q->tasks; t && !hit; t = t->group_next)
			hit = t->tid == pid;
		if (hit) {
			if (sig && q->state == PROC_ALIVE)
				proc_kill_info(q, sig, info);
			r = 0;
		}
	}
	spin_unlock(&proc_tree_lock);
	return r;
}

static int kill_pgrp(int pgrp, int sig, uint64_t info)
{
	int r = -ESRCH;
	spin_lock(&proc_tree_lock);
	/* A group whose members are all zombies still exists (as for
	 * kill_pid): success, and nobody to signal. */
	for (struct proc *q = all_procs; q; q = q->all_next)
		if (q->pgid == pgrp) {
			if (sig && q->state == PROC_ALIVE)
				proc_kill_info(q, sig, info);
			r = 0;
		}
	spin_unlock(&proc_tree_lock);
	return r;
}

int proc_kill_pid(int pid, int sig) { return kill_pid(pid, sig, sig_info(SI_KERNEL, 0, 0)); }
int proc_kill_pgrp(int pgrp, int sig) { return kill_pgrp(pgrp, sig, sig_info(SI_KERNEL, 0, 0)); }

int proc_kill_user(int pid, int sig)
{
	uint64_t info = sig_info(SI_USER, proc_current()->pid, 0);
	if (pid == -1)
		return kill_all(sig, info);
	if (pid <= 0) /* a process group: 0 the caller's own */
		return kill_pgrp(pid == 0 ? proc_current_pgrp() : -pid, sig, info);
	return kill_pid(pid, sig, info);
}

void proc_for_each(void (*fn)(const struct proc *p, void *ctx), void *ctx)
{
	spin_lock(&proc_tree_lock);
	for (struct proc *q = all_procs; q; q = q->all_next)
		fn(q, ctx);
	spin_unlock(&proc_tree_lock);
}

uint32_t proc_count(void)
{
	uint32_t n = 0;
	spin_lock(&proc_tree_lock);
	for (struct proc *q = all_procs; q; q = q->all_next)
		n++;
	spin_unlock(&proc_tree_lock);
	return n;
}

void proc_set_sigaction(struct proc *p, int sig, const void *act)
{
	spin_lock(&proc_tree_lock);
	memcpy(&p->sigactions[sig - 1], act, sizeof(p->sigactions[0]));
	spin_unlock(&proc_tree_lock);
}

void proc_get_sigaction(struct proc *p, int sig, void *act)
{
	spin_lock(&proc_tree_lock);
	memcpy(act, &p->sigactions[sig - 1], sizeof(p->sigactions[0]));
	spin_unlock(&proc_tree_lock);
}

/* Under the tree lock: Z for a zombie, T stopped by job control (its
 * threads may still be on their way to park, as on Linux, where the group
 * is stopped once the stop is decided), R if any of its threads is running
 * or ready, else S. */
static char state_letter(const struct proc *p)
{
	if (p->state == PROC_ZOMBIE || !p->tasks)
		return 'Z';
	if (p->stopped)
		return 'T';
	for (const struct task *t = p->tasks; t; t = t->group_next) {
		uint32_t st = atomic_load_explicit(&t->thread->state, memory_order_relaxed);
		if (st == THREAD_RUNNING || st == THREAD_READY)
			return 'R';
	}
	return 'S';
}

/* Under the tree lock, every pointer read here is alive: p->vm is only
 * replaced or dropped under it (proc_exec_commit, the last task_exit), and
 * a task leaves p->tasks under it before its thread ends. The counters the
 * process's own thread updates meanwhile are read as they are. */
int proc_info(int pid, struct proc_info *out)
{
	int r = -ENOENT;
	spin_lock(&proc_tree_lock);
	for (struct proc *p = all_procs; p; p = p->all_next) {
		if (p->pid != pid)
			continue;
		out->pid = p->pid;
		out->ppid = p->ppid;
		out->pgid = p->pgid;
		out->sid = p->sid;
		out->tty_nr = p->ctty ? tty_device_number(p->ctty) : 0;
		out->tpgid = p->ctty ? tty_foreground(p->ctty) : -1;
		out->state = state_letter(p);
		memcpy(out->comm, p->comm, sizeof(out->comm));
		out->comm[PROC_COMM_MAX - 1] = 0;
		out->threads = (uint32_t)p->ntasks;
		out->start_ns = p->start_ns;
		out->children_cpu_ns = __atomic_load_n(&p->children_cpu_ns, __ATOMIC_RELAXED);
		out->cpu = p->tasks ? p->tasks->thread->cpu : 0;
		out->cpu_ns = p->cpu_ns; /* its ended threads', and the live ones' so far: */
		for (const struct task *t = p->tasks; t; t = t->group_next)
			out->cpu_ns += clock_tsc_to_ns(__atomic_load_n(&t->thread->run_tsc, __ATOMIC_RELAXED));
		struct vm *vm = p->vm;
		out->vm_bytes = vm ? __atomic_load_n(&vm->size_bytes, __ATOMIC_RELAXED) : 0;
		out->rss_pages = vm ? __atomic_load_n(&vm->pages, __ATOMIC_RELAXED) : 0;
		out->brk_base = vm ? vm->brk_base : 0;
		out->brk = vm ? __atomic_load_n(&vm->brk, __ATOMIC_RELAXED) : 0;
		out->sig_pending = __atomic_load_n(&p->sig_pending, __ATOMIC_RELAXED);
		out->sig_blocked = p->tasks ? p->tasks->sigmask : 0; /* the first thread's */
		out->sig_ignored = out->sig_caught = 0;
		for (int i = 0; i < 64; i++) {
			uint64_t h = p->sigactions[i].handler;
			if (h == 1) /* SIG_IGN */
				out->sig_ignored |= 1ull << i;
			else if (h > 1)
				out->sig_caught |= 1ull << i;
		}
		out->umask = p->umask;
		out->cmdline_len = p->cmdline_len;
		memcpy(out->cmdline, p->cmdline, p->cmdline_len);
		r = 0;
		break;
	}
	spin_unlock(&proc_tree_lock);
	return r;
}

uint32_t proc_pids(uint64_t *out, uint32_t max)
{
	uint32_t n = 0;
	spin_lock(&proc_tree_lock);
	for (struct proc *p = all_procs; p; p = p->all_next, n++)
		if (n < max)
			out[n] = (uint64_t)p->pid;
	spin_unlock(&proc_tree_lock);
	return n;
}

uint64_t proc_forks(void) { return __atomic_load_n(&forks, __ATOMIC_RELAXED); }
int proc_last_pid(void) { return __atomic_load_n(&last_pid, __ATOMIC_RELAXED); }

uint32_t proc_runnable(void)
{
	uint32_t n = 0;
	spin_lock(&proc_tree_lock);
	for (struct proc *p = all_procs; p; p = p->all_next)
		n += state_letter(p) == 'R';
	spin_unlock(&proc_tree_lock);
	return n;
}

struct vm *proc_exec_commit(struct proc *p, struct vm *vm, const char *comm, const char *cmdline,
                            uint32_t len)
{
	if (len > PROC_CMDLINE_MAX)
		len = PROC_CMDLINE_MAX;
	spin_lock(&proc_tree_lock);
	struct vm *old = p->vm;
	p->vm = vm;
	strncpy_safe(p->comm, comm, PROC_COMM_MAX);
	memcpy(p->cmdline, cmdline, len);
	p->cmdline_len = len;
	spin_unlock(&proc_tree_lock);
	return old;
}
