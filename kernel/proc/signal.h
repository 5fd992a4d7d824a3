/*
 * Signal numbers (Linux x86-64 values) and their names. Delivery to user
 * handlers comes with the terminal work; today a fatal signal ends the
 * process with that signal as its wait status, which is what the default
 * action of every signal raised here (SIGSEGV, SIGILL, SIGFPE, SIGBUS,
 * SIGTRAP, SIGKILL) is.
 */
#pragma once

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

/* "SIGSEGV", or "signal 42". The buffer-free form: numbers above 31 share one name. */
const char *signal_name(int sig);
/* The signal an exception in ring 3 raises (as Linux's traps.c does). */
int signal_for_exception(unsigned vector);
