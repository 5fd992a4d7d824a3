/*
 * Signal names and the exception-to-signal table (see signal.h).
 */
#include "proc/signal.h"

static const char *const names[32] = {
	[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM", [16] = "SIGSTKFLT",
	[SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
	[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [23] = "SIGURG",      [24] = "SIGXCPU",
	[25] = "SIGXFSZ",      [26] = "SIGVTALRM",    [27] = "SIGPROF",      [28] = "SIGWINCH",
	[29] = "SIGIO",        [30] = "SIGPWR",       [31] = "SIGSYS",
};

const char *signal_name(int sig)
{
	if (sig > 0 && sig < 32)
		return names[sig];
	return sig > 0 && sig <= NSIG ? "real-time signal" : "invalid signal";
}

int signal_for_exception(unsigned vector)
{
	switch (vector) {
	case 0:  /* #DE */
	case 16: /* #MF */
	case 19: /* #XM */
		return SIGFPE;
	case 1: /* #DB */
	case 3: /* #BP */
		return SIGTRAP;
	case 6: /* #UD */
		return SIGILL;
	case 12: /* #SS */
	case 17: /* #AC */
		return SIGBUS;
	default: /* #GP, #PF, #OF, #BR and the rest */
		return SIGSEGV;
	}
}
