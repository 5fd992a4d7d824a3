/*
 * Signal numbers (Linux x86-64 values), their names, and delivery
 * (sigframe.c): a handler runs on a frame on the user stack, as on Linux;
 * without one, the default action (end the process with the signal as its
 * wait status, or ignore it). Stopping signals are ignored until job
 * control exists. Exceptions in user mode (SIGSEGV, SIGILL, SIGFPE,
 * SIGBUS, SIGTRAP) end the process directly, handler or not.
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

struct proc;
struct trap_frame;

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
