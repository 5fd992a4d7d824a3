/*
 * Signal numbers (Linux x86-64 values), their names, what a pending
 * signal records about its sender (the siginfo_t fields), and delivery
 * (sigframe.c): a handler runs on a frame on the user stack, as on Linux;
 * without one, the default action (end the process, stop it, or ignore
 * the signal). Waiting for a signal without a handler is sigwait.c's.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define NSIG 64

/* si_code values (Linux's asm-generic/siginfo.h): who sent it, or for
 * SIGCHLD what happened to the child. */
#define SI_USER 0       /* kill(2) */
#define SI_KERNEL 0x80  /* the kernel: the terminal's keys, a timer */
#define SI_TKILL (-6)   /* tgkill(2), tkill(2) */
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

/*
 * What a pending signal says about where it came from, packed in one
 * word so that it is stored and read whole, without a lock: the sender's
 * pid (or the child's, for SIGCHLD), si_code, and for SIGCHLD si_status
 * (the exit code, or the signal that ended, stopped or continued it). Each
 * pending set keeps one word per signal beside its bit (proc.sig_info,
 * task.sig_info): written by the sender that sets the bit while it is
 * clear, so a signal sent again while pending keeps its first sender, as
 * Linux keeps one siginfo per pending standard signal.
 */
static inline uint64_t sig_info(int code, int pid, int status)
{
	return (uint32_t)pid | (uint64_t)(uint16_t)code << 32 | (uint64_t)(uint16_t)status << 48;
}
static inline int sig_info_pid(uint64_t info) { return (int32_t)(uint32_t)info; }
static inline int sig_info_code(uint64_t info) { return (int16_t)(uint16_t)(info >> 32); }
static inline int sig_info_status(uint64_t info) { return (uint16_t)(info >> 48); }

struct proc;
struct task;
struct trap_frame;
struct siginfo_user;

/* The siginfo_t a handler or sigtimedwait receives for sig (abi.h). */
void signal_info_fill(struct siginfo_user *out, int sig, uint64_t info);
/* Take one pending signal of t that allow permits: the thread's own
 * first, then its process's (claimed atomically, since any thread may
 * take those). Its number, and its sender in *info; 0 if none. */
int signal_take(struct task *t, uint64_t allow, uint64_t *info);
/* Something task t (a struct task *, for wait_event's test) does not
 * block is pending; SIGKILL is never blocked. */
bool signal_ready(void *t);
/* t leaves an interruptible wait: clear its interrupt flag unless it must
 * still leave (a signal it does not block is pending, it must exit, its
 * process is stopping); whether it stays set. Cleared before the checks,
 * so an interrupt sent meanwhile (after its pending bit) is never lost. */
bool signal_settle(struct task *t);

/* Whether sig would do anything to p (a handler, or a default action other
 * than ignoring): others are dropped when sent. */
bool signal_wanted(const struct proc *p, int sig);
/* On the way back to user mode: take a pending, unblocked signal; run its
 * default action or set tf up to enter its handler (sigframe.c). */
void signal_deliver(struct trap_frame *tf);

/* "SIGSEGV", or "signal 42". The buffer-free form: numbers above 31 share one name. */
const char *signal_name(int sig);
/* The signal an exception in ring 3 raises (as Linux's traps.c does). */
/* The si_code a fault's signal carries (Linux's SEGV_MAPERR, SEGV_ACCERR,
 * BUS_ADRERR, ILL_ILLOPN, FPE_INTDIV, TRAP_BRKPT...). For a page fault,
 * error_code's bit 0 says "a mapping was there" (ACCERR). */
int signal_fault_code(int sig, unsigned vector, uint64_t error_code);
int signal_for_exception(unsigned vector);
