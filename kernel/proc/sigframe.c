/*
 * Signal delivery to user handlers, Linux's x86-64 way (arch/x86/kernel/
 * signal.c is the reference for the layout; this is our own code): on the
 * way back to user mode, a pending signal that is not blocked either takes
 * its default action or makes the thread "call" its handler. The kernel
 * writes a frame on the user stack and points the thread's registers at
 * the handler; the handler returns into the C library's restorer
 * (SA_RESTORER, required on x86-64), which calls rt_sigreturn, which reads
 * the frame back.
 *
 *   higher addresses (the interrupted stack, 128-byte red zone skipped)
 *   +-------------------------------+
 *   | FP_XSTATE_MAGIC2 (4 bytes)    |  with XSAVE only
 *   | register state (aligned 64):  |  uc.uc_mcontext.fpstate points here
 *   |   FXSAVE image (512), then    |
 *   |   XSAVE header and AVX (320)  |
 *   +-------------------------------+
 *   | siginfo (128)                 |  rsi
 *   | ucontext (304): flags, link,  |  rdx
 *   |   stack_t, sigcontext (every  |
 *   |   register), blocked mask     |
 *   | return address: sa_restorer   |  rsp at the handler's entry
 *   +-------------------------------+  (rsp + 8 is 16-byte aligned)
 *
 * rdi holds the signal number. With XSAVE the register state is the
 * XSAVE area, and bytes 464-511 of its FXSAVE part describe it (Linux's
 * struct _fpx_sw_bytes: FP_XSTATE_MAGIC1, the sizes, the components), with
 * FP_XSTATE_MAGIC2 right after it, and uc_flags has UC_FP_XSTATE: that is
 * how the C library and rt_sigreturn know the frame has more than the
 * FXSAVE image. A frame without those marks gives back only the FXSAVE
 * part (the AVX halves start from zero), as Linux does.
 *
 * Registers given back by rt_sigreturn are checked: CS and SS are always the user's, RFLAGS keeps only flags a
 * program may change, RIP and RSP must lie in user space (an IRETQ to a
 * non-canonical address would fault inside the kernel), MXCSR's reserved
 * bits are cleared and the XSAVE header must be one XRSTOR accepts
 * (fpu_state_sanitize; either would raise #GP in the kernel). A frame that
 * cannot be written or read ends the process with SIGSEGV, as on Linux.
 */
#include <stdatomic.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/uaccess.h"
#include "core/kprintf.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "proc/abi.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/sys.h"

#define SA_NODEFER 0x40000000u
#define SA_RESETHAND 0x80000000u
#define SA_RESTART 0x10000000u
#define SA_RESTORER 0x04000000u
#define SA_ONSTACK 0x08000000u
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048
#define RED_ZONE 128
#define RFLAGS_USER 0x40dd5ull /* CF PF AF ZF SF TF DF OF AC */
_Static_assert(FPU_SW_BYTES_OFFSET + sizeof(struct fpx_sw_bytes) == FPU_LEGACY_SIZE,
               "the software bytes end the FXSAVE image");


struct rt_sigframe {
	uint64_t pretcode;
	struct ucontext_user uc;
	struct siginfo_user info;
};

static uint64_t bit(int sig) { return 1ull << (sig - 1); }

static bool default_ignores(int sig)
{
	/* Ignore: SIGCHLD, SIGCONT (whose continuing happens when it is
	 * sent, jobctl.c), SIGURG, SIGWINCH. */
	return sig == SIGCHLD || sig == SIGCONT || sig == 23 || sig == 28;
}

bool signal_wanted(const struct proc *p, int sig)
{
	uint64_t h = __atomic_load_n(&p->sigactions[sig - 1].handler, __ATOMIC_RELAXED);
	/* Process 1 gets only the signals it has a handler for (Linux's
	 * SIGNAL_UNKILLABLE): ^C at the console must not end the system. */
	if (p->pid == 1 && (h == 0 || sig == SIGKILL))
		return false;
	if (sig == SIGKILL)
		return true;
	return h == 0 ? !default_ignores(sig) : h != 1 /* SIG_IGN */;
}

struct action {
	uint64_t handler, flags, restorer, mask;
};

/* Build the frame and point tf at the handler; false if the stack is bad. */
static bool setup_frame(struct task *p, struct thread *t, struct trap_frame *tf, int sig,
                        uint64_t info, const struct action *act, uint64_t old_mask)
{
	struct fpu_state *fpu = t->arch.fpu;
	size_t xsize = fpu_xfeatures() ? fpu_state_size() : 0; /* 0: FXSAVE image only */
	size_t fpsize = xsize ? xsize + 4 : FPU_LEGACY_SIZE;
	uint64_t sp = tf->rsp - RED_ZONE;
	/* SA_ONSTACK: the alternate stack, unless already running on it. */
	bool on_alt = p->altstack_size && tf->rsp - p->altstack_sp <= p->altstack_size;
	if ((act->flags & SA_ONSTACK) && p->altstack_size && !on_alt)
		sp = p->altstack_sp + p->altstack_size;
	uint64_t fpstate = (sp - fpsize) & ~63ull;
	uint64_t frame = ((fpstate - sizeof(struct rt_sigframe)) & ~15ull) - 8;
	struct rt_sigframe f;
	memset(&f, 0, sizeof(f));
	f.pretcode = act->restorer;
	f.uc.mc = (struct sigcontext_user){
		.r8 = tf->r8, .r9 = tf->r9, .r10 = tf->r10, .r11 = tf->r11, .r12 = tf->r12,
		.r13 = tf->r13, .r14 = tf->r14, .r15 = tf->r15, .rdi = tf->rdi, .rsi = tf->rsi,
		.rbp = tf->rbp, .rbx = tf->rbx, .rdx = tf->rdx, .rax = tf->rax, .rcx = tf->rcx,
		.rsp = tf->rsp, .rip = tf->rip, .eflags = tf->rflags, .cs = (uint16_t)tf->cs,
		.ss = (uint16_t)tf->ss, .err = tf->error_code, .trapno = tf->vector,
		.oldmask = old_mask, .fpstate = fpstate,
	};
	f.uc.flags = ABI_UC_SIGCONTEXT_SS | ABI_UC_STRICT_RESTORE_SS | (xsize ? ABI_UC_FP_XSTATE : 0);
	f.uc.sigmask = old_mask;
	f.uc.ss_sp = p->altstack_sp;
	f.uc.ss_size = p->altstack_size;
	f.uc.ss_flags = p->altstack_size ? (on_alt ? SS_ONSTACK : 0) : SS_DISABLE;
	signal_info_fill(&f.info, sig, info);
	if (p->fault.sig == sig) { /* a fault: its si_code and si_addr */
		f.info.code = p->fault.code;
		memcpy((uint8_t *)&f.info + 16, &p->fault.addr, 8); /* si_addr: the union's start */
		p->fault.sig = 0;
	}
	uint64_t flags = cpu_irq_save();
	fpu_save(fpu); /* the live registers are the program's */
	cpu_irq_restore(flags);
	if (xsize) {
		struct fpx_sw_bytes sw = {.magic1 = ABI_FP_XSTATE_MAGIC1, .extended_size = (uint32_t)fpsize,
		                          .xfeatures = fpu_xfeatures(), .xstate_size = (uint32_t)xsize};
		memcpy(fpu_bytes(fpu) + FPU_SW_BYTES_OFFSET, &sw, sizeof(sw));
		uint32_t magic2 = ABI_FP_XSTATE_MAGIC2;
		if (copy_to_user(fpstate + xsize, &magic2, 4))
			return false;
	}
	if (copy_to_user(fpstate, fpu_bytes(fpu), xsize ? xsize : FPU_LEGACY_SIZE) ||
	    copy_to_user(frame, &f, sizeof(f)))
		return false;
	tf->rip = act->handler;
	tf->rsp = frame;
	tf->rdi = (uint64_t)sig;
	tf->rsi = frame + __builtin_offsetof(struct rt_sigframe, info);
	tf->rdx = frame + __builtin_offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rflags &= ~(RFLAGS_DF | (1ull << 8) /* TF */);
	/* The handler starts with a clean FPU state, as Linux gives it. */
	fpu_state_init(fpu);
	flags = cpu_irq_save();
	fpu_restore(fpu);
	cpu_irq_restore(flags);
	return true;
}

/* The thread's own signals first (tgkill), then the process's (kill),
 * which any of its threads may take: another thread may take that one
 * first, so its bit is claimed atomically. The sender word is read while
 * the bit is still set: a sender writes it only while the bit is clear. */
int signal_take(struct task *t, uint64_t allow, uint64_t *info)
{
	for (;;) {
		uint64_t mine = __atomic_load_n(&t->sig_pending, __ATOMIC_ACQUIRE) & allow;
		if (mine) {
			int sig = __builtin_ctzll(mine) + 1;
			*info = __atomic_load_n(&t->sig_info[sig - 1], __ATOMIC_RELAXED);
			__atomic_and_fetch(&t->sig_pending, ~bit(sig), __ATOMIC_ACQ_REL);
			return sig;
		}
		uint64_t shared = __atomic_load_n(&t->proc->sig_pending, __ATOMIC_ACQUIRE) & allow;
		if (!shared)
			return 0;
		int sig = __builtin_ctzll(shared) + 1;
		*info = __atomic_load_n(&t->proc->sig_info[sig - 1], __ATOMIC_RELAXED);
		if (__atomic_fetch_and(&t->proc->sig_pending, ~bit(sig), __ATOMIC_ACQ_REL) & bit(sig))
			return sig;
	}
}

bool signal_ready(void *arg)
{
	struct task *p = arg;
	return ((__atomic_load_n(&p->sig_pending, __ATOMIC_ACQUIRE) |
	         __atomic_load_n(&p->proc->sig_pending, __ATOMIC_ACQUIRE)) & ~p->sigmask) != 0;
}

bool signal_settle(struct task *t)
{
	struct thread *th = t->thread;
	/* Sequentially consistent, both: the checks below must not be read
	 * before the flag is cleared (a sender sets its bit, then the flag). */
	atomic_store_explicit(&th->interrupted, false, memory_order_seq_cst);
	bool stay = t->must_exit || t->stop_pending || __atomic_load_n(&t->proc->stopped, __ATOMIC_ACQUIRE) ||
	            signal_ready(t);
	if (stay)
		atomic_store_explicit(&th->interrupted, true, memory_order_seq_cst);
	return stay;
}

/* Linux's rule (signal(7), "Interruption of system calls and library
 * functions by signal handlers"): waits with a timeout or for a signal
 * return EINTR after a handler even with SA_RESTART. Restarting
 * rt_sigsuspend would wait for the signal that just came. */
static bool restartable(int64_t nr)
{
	switch (nr) {
	case 7:   /* poll */
	case 23:  /* select */
	case 34:  /* pause */
	case 35:  /* nanosleep */
	case 128: /* rt_sigtimedwait */
	case 130: /* rt_sigsuspend */
	case 219: /* restart_syscall: a sleep's rest */
	case 230: /* clock_nanosleep */
	case 232: /* epoll_wait */
	case 270: /* pselect6 */
	case 271: /* ppoll */
	case 281: /* epoll_pwait */
		return false;
	default:
		return true;
	}
}

void signal_deliver(struct trap_frame *tf)
{
	struct task *p = task_current();
	struct proc *proc = p->proc;
	struct thread *t = thread_current();
	if (p->must_exit) /* exit_group or execve in another thread */
		task_exit(0);
	if (p->rseq) /* a handler never returns into a critical section */
		rseq_resume(p, tf);
	for (;;) {
		uint64_t info;
		int sig = signal_take(p, ~p->sigmask | bit(SIGKILL) | bit(SIGSTOP), &info);
		if (!sig)
			break;
		struct action act;
		proc_get_sigaction(proc, sig, &act);
		uint64_t h = act.handler;
		/* Process 1 never takes a default action (signal_wanted); one
		 * pending here was kept because it was blocked. */
		if (h == 0 && proc->pid == 1 && sig != SIGKILL)
			continue;
		if (h == 0 && jobctl_is_stop_signal(sig)) {
			jobctl_stop(p, sig, tf); /* back when continued */
			continue;
		}
		if (sig == SIGKILL || (h == 0 && !default_ignores(sig)))
			proc_exit(sig); /* the whole process */
		if (h == 0 || h == 1)
			continue; /* ignored */
		uint64_t sa_flags = act.flags;
		/* An interrupted system call: restart it after the handler
		 * with SA_RESTART, else it returns EINTR. Some calls never
		 * restart after a handler, whatever SA_RESTART says (signal(7)). */
		if (tf->vector == TF_VECTOR_SYSCALL && (int64_t)tf->rax == -EINTR &&
		    (sa_flags & SA_RESTART) && p->syscall_nr >= 0 && restartable(p->syscall_nr)) {
			tf->rax = (uint64_t)p->syscall_nr;
			tf->rip -= 2; /* the syscall instruction again */
		}
		uint64_t old_mask = p->restore_mask ? p->saved_mask : p->sigmask;
		p->restore_mask = false;
		if (!(sa_flags & SA_RESTORER) || !setup_frame(p, t, tf, sig, info, &act, old_mask)) {
			kprintf("pid %d (%s): SIGSEGV: cannot deliver %s (%s)\n", proc->pid, proc->comm,
			        signal_name(sig), (sa_flags & SA_RESTORER) ? "bad stack" : "no SA_RESTORER");
			proc_exit(SIGSEGV);
		}
		p->sigmask |= act.mask | ((sa_flags & SA_NODEFER) ? 0 : bit(sig));
		p->sigmask &= ~(bit(SIGKILL) | bit(SIGSTOP));
		if (sa_flags & SA_RESETHAND) {
			act = (struct action){0};
			proc_set_sigaction(proc, sig, &act);
		}
		break; /* one handler per return; the next return delivers more */
	}
	if (p->restore_mask) { /* sigsuspend that ran no handler */
		p->sigmask = p->saved_mask;
		p->restore_mask = false;
	}
	/* Nothing deliverable left: interruptible waits may sleep again. */
	uint64_t left = (__atomic_load_n(&p->sig_pending, __ATOMIC_ACQUIRE) |
	                 __atomic_load_n(&proc->sig_pending, __ATOMIC_ACQUIRE)) & ~p->sigmask;
	if (!left && !p->must_exit)
		atomic_store_explicit(&t->interrupted, false, memory_order_release);
}

/* The registers saved at fpstate back into fpu and the CPU; false if they
 * cannot be read or would make XRSTOR fault. */
static bool restore_fpu(struct fpu_state *fpu, uint64_t fpstate)
{
	uint8_t *b = fpu_bytes(fpu);
	if (copy_from_user(b, fpstate, FPU_LEGACY_SIZE))
		return false;
	uint64_t allowed = XFEATURE_X87 | XFEATURE_SSE;
	size_t xsize = fpu_xfeatures() ? fpu_state_size() : 0;
	if (xsize) {
		struct fpx_sw_bytes sw;
		memcpy(&sw, b + FPU_SW_BYTES_OFFSET, sizeof(sw));
		uint32_t magic2 = 0;
		bool extended = sw.magic1 == ABI_FP_XSTATE_MAGIC1 && sw.xstate_size == xsize &&
		                sw.extended_size == xsize + 4 &&
		                !copy_from_user(&magic2, fpstate + xsize, 4) && magic2 == ABI_FP_XSTATE_MAGIC2;
		if (extended) {
			if (copy_from_user(b + FPU_LEGACY_SIZE, fpstate + FPU_LEGACY_SIZE,
			                   xsize - FPU_LEGACY_SIZE))
				return false;
			allowed = sw.xfeatures;
		} else {
			/* The FXSAVE image alone: its x87 and SSE state, the
			 * rest in its initial state. */
			uint64_t bv = XFEATURE_X87 | XFEATURE_SSE;
			memset(b + FPU_XSAVE_HEADER, 0, FPU_XSAVE_HEADER_SIZE);
			memcpy(b + FPU_XSAVE_HEADER, &bv, sizeof(bv));
		}
	}
	if (!fpu_state_sanitize(fpu, allowed))
		return false;
	uint64_t f = cpu_irq_save();
	fpu_restore(fpu);
	cpu_irq_restore(f);
	return true;
}

SYSCALL(rt_sigreturn)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct task *p = task_current();
	struct thread *t = thread_current();
	struct trap_frame *tf = proc_frame();
	struct ucontext_user uc;
	if (copy_from_user(&uc, tf->rsp, sizeof(uc)))
		goto bad;
	const struct sigcontext_user *m = &uc.mc;
	if (m->rip >= USER_TOP || m->rsp >= USER_TOP)
		goto bad;
	struct fpu_state *fpu = t->arch.fpu;
	if (m->fpstate && !restore_fpu(fpu, m->fpstate))
		goto bad;
	*tf = (struct trap_frame){
		.r8 = m->r8, .r9 = m->r9, .r10 = m->r10, .r11 = m->r11, .r12 = m->r12,
		.r13 = m->r13, .r14 = m->r14, .r15 = m->r15, .rdi = m->rdi, .rsi = m->rsi,
		.rbp = m->rbp, .rbx = m->rbx, .rdx = m->rdx, .rax = m->rax, .rcx = m->rcx,
		.rsp = m->rsp, .rip = m->rip, .vector = TF_VECTOR_SYSCALL,
		.rflags = (m->eflags & RFLAGS_USER) | RFLAGS_IF | 2, .cs = GDT_USER_CODE,
		.ss = GDT_USER_DATA,
	};
	p->sigmask = uc.sigmask & ~(bit(SIGKILL) | bit(SIGSTOP));
	p->syscall_nr = -1; /* nothing to restart */
	return (int64_t)tf->rax; /* syscall_handle stores it back into rax */
bad:
	kprintf("pid %d (%s): SIGSEGV: bad signal frame at 0x%llx\n", p->proc->pid, p->proc->comm,
	        (unsigned long long)tf->rsp);
	proc_exit(SIGSEGV);
}

SYSCALL(sigaltstack) /* (const stack_t *ss, stack_t *old) */
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct task *p = task_current();
	uint64_t rsp = proc_frame()->rsp;
	bool on = p->altstack_size && rsp - p->altstack_sp <= p->altstack_size;
	struct {
		uint64_t sp;
		int32_t flags, pad;
		uint64_t size;
	} st;
	_Static_assert(sizeof(st) == 24, "stack_t");
	if (a1) {
		st.sp = p->altstack_sp;
		st.size = p->altstack_size;
		st.flags = p->altstack_size ? (on ? SS_ONSTACK : 0) : SS_DISABLE;
		st.pad = 0;
		if (copy_to_user(a1, &st, sizeof(st)))
			return -EFAULT;
	}
	if (!a0)
		return 0;
	if (copy_from_user(&st, a0, sizeof(st)))
		return -EFAULT;
	if (on)
		return -EPERM; /* not while running on it */
	if (st.flags & ~SS_DISABLE)
		return -EINVAL;
	if (st.flags & SS_DISABLE) {
		p->altstack_sp = p->altstack_size = 0;
		return 0;
	}
	if (st.size < MINSIGSTKSZ)
		return -ENOMEM;
	if (!uaccess_ok(st.sp, st.size))
		return -EFAULT;
	p->altstack_sp = st.sp;
	p->altstack_size = st.size;
	return 0;
}

/* pause(2): sleep until a signal is delivered (its handler has run, or
 * it ended the process); always -EINTR. */
SYSCALL(pause)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct task *p = task_current();
	while (!signal_ready(p))
		if (!wait_event_interruptible(&p->sig_wait, signal_ready, p))
			break;
	return -EINTR;
}

SYSCALL(rt_sigsuspend) /* (const sigset_t *mask, size_t size) */
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a1 != 8)
		return -EINVAL;
	uint64_t mask;
	if (copy_from_user(&mask, a0, sizeof(mask)))
		return -EFAULT;
	struct task *p = task_current();
	p->saved_mask = p->sigmask;
	p->restore_mask = true;
	p->sigmask = mask & ~(bit(SIGKILL) | bit(SIGSTOP));
	while (!signal_ready(p))
		if (!wait_event_interruptible(&p->sig_wait, signal_ready, p))
			break;
	p->syscall_nr = -1; /* sigsuspend is never restarted */
	return -EINTR;
}
