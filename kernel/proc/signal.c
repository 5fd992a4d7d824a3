/*
 * Signal names, the exception-to-signal table, and the siginfo_t a
 * pending signal's sender word becomes (see signal.h).
 */
#include "proc/signal.h"

#include "lib/string.h"
#include "proc/abi.h"

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

int signal_fault_code(int sig, unsigned vector, uint64_t error_code)
{
	switch (sig) {
	case SIGSEGV:
		if (vector == 13)
			return 0x80; /* SI_KERNEL: a #GP has no address to name */
		return (error_code & 1) ? 2 /* SEGV_ACCERR */ : 1 /* SEGV_MAPERR */;
	case SIGBUS:
		return vector == 14 ? 2 /* BUS_ADRERR */ : 1 /* BUS_ADRALN */;
	case SIGILL:
		return 2; /* ILL_ILLOPN */
	case SIGFPE:
		return vector == 0 ? 1 /* FPE_INTDIV */ : 0;
	case SIGTRAP:
		return vector == 3 ? 1 /* TRAP_BRKPT */ : 2 /* TRAP_TRACE */;
	default:
		return 0;
	}
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

void signal_info_fill(struct siginfo_user *out, int sig, uint64_t info)
{
	memset(out, 0, sizeof(*out));
	out->signo = sig;
	out->code = sig_info_code(info);
	out->pid = sig_info_pid(info); /* si_uid stays 0: everyone is root */
	if (sig == SIGCHLD && out->code >= CLD_EXITED && out->code <= CLD_CONTINUED)
		out->status = sig_info_status(info);
}
