/*
 * tty-check: controlling terminals, sessions and job control on the serial
 * terminal, from user mode, run as process 1 (test=user). Process 1 leads
 * session 1 and starts without a controlling terminal: /dev/console, its
 * descriptors 0-2, never becomes one by open (Linux's rule). Each check
 * says what Linux does; the program prints one line per failure and
 * "tty-check: all N checks passed" at the end.
 *
 * The order matters: the last check lets another session steal ttyS0.
 */
#include "sys.h"

enum {
	NR_open = 2, NR_rt_sigprocmask = 14, NR_pipe = 22, NR_setpgid = 109, NR_getpgrp = 111, NR_setsid = 112,
	NR_getsid = 124,
};
enum { ESRCH = 3, EIO = 5, ENXIO = 6, ENOTTY = 25 };
enum { O_RDWR = 2, O_NOCTTY = 0400, O_NONBLOCK = 04000, F_SETFL = 4 };
enum { TCGETS = 0x5401, TIOCSCTTY = 0x540e, TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410, TIOCNOTTY = 0x5422,
       TIOCGSID = 0x5429 };
enum { SIGHUP = 1, SIGKILL = 9, SIGSTOP = 19, SIGTTIN = 21, SIGTTOU = 22 };
enum { WNOHANG = 1, WUNTRACED = 2 };

static int checks, failures;

static void check(int ok, const char *what, long got, int line)
{
	checks++;
	if (ok)
		return;
	failures++;
	t_puts("tty-check: FAILED line ");
	t_putnum(line);
	t_puts(": ");
	t_puts(what);
	t_puts(" (got ");
	t_putnum(got);
	t_puts(")\n");
}
#define CHECK(expr, value) check((expr), #expr, (long)(value), __LINE__)

static long open_tty(const char *path, int flags) { return sys2(NR_open, path, flags); }

static long get_pgrp(long fd)
{
	int pg = -1;
	long r = sys3(NR_ioctl, fd, TIOCGPGRP, &pg);
	return r < 0 ? r : pg;
}

static long get_sid(long fd)
{
	int sid = -1;
	long r = sys3(NR_ioctl, fd, TIOCGSID, &sid);
	return r < 0 ? r : sid;
}

static long set_pgrp(long fd, int pg) { return sys3(NR_ioctl, fd, TIOCSPGRP, &pg); }

/* Fields 7 and 8 of /proc/self/stat (proc(5)): tty_nr and tpgid. */
static void stat_tty(long *tty_nr, long *tpgid)
{
	char buf[512];
	long fd = sys2(NR_open, "/proc/self/stat", 0);
	long n = fd < 0 ? 0 : sys3(NR_read, fd, buf, sizeof(buf) - 1);
	sys1(NR_close, fd);
	*tty_nr = *tpgid = -99;
	if (n <= 0)
		return;
	buf[n] = 0;
	char *p = buf + n;
	while (p > buf && *p != ')')
		p--;
	/* ")" ends field 2; then " S ppid pgrp session tty_nr tpgid" */
	int field = 2;
	long vals[9] = {0};
	for (p++; *p && field <= 8; p++) {
		if (*p == ' ') {
			field++;
			continue;
		}
		if (field >= 7 && field <= 8) {
			int neg = *p == '-';
			long v = 0;
			for (p += neg; *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (*p - '0');
			vals[field] = neg ? -v : v;
			p--;
		}
	}
	*tty_nr = vals[7];
	*tpgid = vals[8];
}

/* Until process pid is a zombie (state Z in /proc/PID/stat), at most ~5 s. */
static int wait_zombie(long pid)
{
	char path[32] = "/proc/", digits[16], buf[256];
	int n = 0, i = 6;
	for (long v = pid; v; v /= 10)
		digits[n++] = (char)('0' + v % 10);
	while (n)
		path[i++] = digits[--n];
	for (const char *t = "/stat"; *t;)
		path[i++] = *t++;
	path[i] = 0;
	for (int tries = 0; tries < 5000; tries++) {
		long fd = sys2(NR_open, path, 0);
		long len = fd < 0 ? 0 : sys3(NR_read, fd, buf, sizeof(buf) - 1);
		sys1(NR_close, fd);
		for (long k = len - 3; k > 1; k--)
			if (buf[k] == ')')
				if (buf[k + 2] == 'Z')
					return 1;
		struct { long s, ns; } ts = {0, 1000000};
		sys2(NR_nanosleep, &ts, 0);
	}
	return 0;
}

static long wait_for(long pid, int *st, int options) { return sys4(NR_wait4, pid, st, options, 0); }

static void ignore(int sig)
{
	struct { unsigned long handler, flags, restorer, mask; } sa = {1 /* SIG_IGN */, 0, 0, 0};
	sys4(NR_rt_sigaction, sig, &sa, 0, 8);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	/* As a shell does: this process changes the foreground group. */
	ignore(SIGTTOU);
	CHECK(sys1(NR_getsid, 0) == 1, sys1(NR_getsid, 0));

	/* No controlling terminal yet: /dev/tty has nothing to open, and
	 * the console is not one. */
	CHECK(open_tty("/dev/tty", O_RDWR) == -ENXIO, open_tty("/dev/tty", O_RDWR));
	CHECK(get_pgrp(1) == -ENOTTY, get_pgrp(1));
	long tty_nr, tpgid;
	stat_tty(&tty_nr, &tpgid);
	CHECK(tty_nr == 0 && tpgid == -1, tty_nr * 1000 + tpgid);

	/* O_NOCTTY: opened, not taken. */
	long quiet = open_tty("/dev/ttyS0", O_RDWR | O_NOCTTY);
	CHECK(quiet >= 0, quiet);
	CHECK(get_pgrp(quiet) == -ENOTTY, get_pgrp(quiet));

	/* A session leader without one opens a free terminal: it is taken,
	 * with this process's group in the foreground. */
	long fd = open_tty("/dev/ttyS0", O_RDWR);
	CHECK(fd >= 0, fd);
	CHECK(get_sid(fd) == 1, get_sid(fd));
	CHECK(get_pgrp(fd) == 1, get_pgrp(fd));
	CHECK(get_pgrp(quiet) == 1, get_pgrp(quiet)); /* the same terminal */
	long dev_tty = open_tty("/dev/tty", O_RDWR);
	CHECK(dev_tty >= 0, dev_tty);
	CHECK(get_pgrp(dev_tty) == 1, get_pgrp(dev_tty));
	stat_tty(&tty_nr, &tpgid);
	CHECK(tty_nr == (4 << 8 | 64), tty_nr); /* ttyS0 is (4, 64) */
	CHECK(tpgid == 1, tpgid);

	/* The foreground group must exist, and be one of this session's. */
	CHECK(set_pgrp(fd, 99999) == -ESRCH, set_pgrp(fd, 99999));
	CHECK(set_pgrp(fd, -1) == -EINVAL, set_pgrp(fd, -1));

	/* A child in a group of its own is in the background: reading the
	 * terminal stops it with SIGTTIN. */
	long pid = sys0(NR_fork);
	if (pid == 0) {
		sys2(NR_setpgid, 0, 0);
		char c;
		sys3(NR_read, fd, &c, 1);
		sys1(NR_exit_group, 42); /* not reached while stopped */
	}
	int st = 0;
	CHECK(wait_for(pid, &st, WUNTRACED) == pid, pid);
	CHECK((st & 0xff) == 0x7f && ((st >> 8) & 0xff) == SIGTTIN, st);
	sys2(NR_kill, pid, SIGKILL);
	wait_for(pid, &st, 0);
	CHECK((st & 0x7f) == SIGKILL, st);

	/* The foreground moves to a child's group and back; a process of
	 * the session that is not its leader gives the terminal up with
	 * TIOCNOTTY, for itself alone. */
	pid = sys0(NR_fork);
	if (pid == 0) {
		sys2(NR_setpgid, 0, 0);
		long mine = sys0(NR_getpgrp);
		int code = set_pgrp(fd, (int)mine) == 0 && get_pgrp(fd) == mine ? 0 : 1;
		code |= sys3(NR_ioctl, fd, TIOCNOTTY, 0) == 0 ? 0 : 2;
		code |= open_tty("/dev/tty", O_RDWR) == -ENXIO ? 0 : 4;
		code |= sys3(NR_ioctl, fd, TIOCSCTTY, 0) == -EPERM ? 0 : 8; /* not a leader */
		sys1(NR_exit_group, code);
	}
	wait_for(pid, &st, 0);
	CHECK(st == 0, st >> 8);
	CHECK(get_pgrp(fd) == pid, get_pgrp(fd)); /* it left its group in front */
	CHECK(set_pgrp(fd, 1) == 0, set_pgrp(fd, 1)); /* SIGTTOU ignored: allowed */
	CHECK(get_pgrp(fd) == 1, get_pgrp(fd));
	CHECK(get_sid(dev_tty) == 1, get_sid(dev_tty)); /* still ours */

	/* A group lives while any member does, a zombie included: a shell's
	 * last pipeline child joins the group, and makes it the foreground,
	 * after the first child (the group's leader) may have ended. */
	long lead = sys0(NR_fork);
	if (lead == 0) {
		sys2(NR_setpgid, 0, 0);
		sys1(NR_exit_group, 0);
	}
	CHECK(wait_zombie(lead), lead);
	pid = sys0(NR_fork);
	if (pid == 0) {
		int code = sys2(NR_setpgid, 0, lead) == 0 ? 0 : 1;
		code |= set_pgrp(fd, (int)lead) == 0 ? 0 : 2;
		sys1(NR_exit_group, code);
	}
	wait_for(pid, &st, 0);
	CHECK(st == 0, st >> 8);
	CHECK(get_pgrp(fd) == lead, get_pgrp(fd));
	CHECK(set_pgrp(fd, 1) == 0, set_pgrp(fd, 1));
	/* Until it is reaped a zombie is still found by kill, alone and as
	 * the last of its group: Linux answers 0 to both, and ESRCH after. */
	CHECK(sys2(NR_kill, lead, 0) == 0, sys2(NR_kill, lead, 0));
	CHECK(sys2(NR_kill, -lead, 0) == 0, sys2(NR_kill, -lead, 0));
	wait_for(lead, &st, 0);
	CHECK(sys2(NR_kill, lead, 0) == -ESRCH, sys2(NR_kill, lead, 0));
	CHECK(sys2(NR_kill, -lead, 0) == -ESRCH, sys2(NR_kill, -lead, 0));

	/* Orphaned process groups (POSIX): a child stops in a group of its
	 * own; its parent, which linked the group to the session, ends. The
	 * group is orphaned with a stopped member, so the kernel sends it
	 * SIGHUP and SIGCONT, and SIGHUP's default action ends the child,
	 * which came to process 1. A stopped child of process 1's own, whose
	 * parent still links its group, is left alone. */
	long kept = sys0(NR_fork);
	if (kept == 0) {
		sys2(NR_setpgid, 0, 0);
		sys2(NR_kill, sys0(NR_getpid), SIGSTOP);
		sys1(NR_exit_group, 3); /* after SIGCONT */
	}
	CHECK(wait_for(kept, &st, WUNTRACED) == kept && (st & 0xff) == 0x7f, st);
	int fds[2];
	CHECK(sys1(NR_pipe, fds) == 0, fds[0]);
	long mid = sys0(NR_fork);
	if (mid == 0) {
		long job = sys0(NR_fork);
		if (job == 0) {
			sys2(NR_setpgid, 0, 0);
			sys2(NR_kill, sys0(NR_getpid), SIGSTOP);
			sys1(NR_exit_group, 4); /* continued but not hung up: wrong */
		}
		int s = 0;
		long w = wait_for(job, &s, WUNTRACED);
		sys3(NR_write, fds[1], &job, sizeof(job));
		sys1(NR_exit_group, w == job && (s & 0xff) == 0x7f ? 0 : 1);
	}
	long job = 0;
	CHECK(sys3(NR_read, fds[0], &job, sizeof(job)) == sizeof(job), job);
	sys1(NR_close, fds[0]);
	sys1(NR_close, fds[1]);
	wait_for(mid, &st, 0);
	CHECK(st == 0 && job > 0, st); /* the job had stopped when mid ended */
	/* Its status: SIGHUP at once with the fix, stopped for ever without. */
	long got = 0;
	for (int tries = 0; tries < 5000 && got == 0; tries++) {
		got = wait_for(-1, &st, WNOHANG);
		if (got == 0) {
			struct { long s, ns; } ts = {0, 1000000};
			sys2(NR_nanosleep, &ts, 0);
		}
	}
	CHECK(got == job && (st & 0x7f) == SIGHUP, got > 0 ? st : got);
	if (got <= 0 && job > 0) { /* still stopped: do not leave it behind */
		sys2(NR_kill, job, SIGKILL);
		wait_for(job, &st, 0);
	}
	CHECK(wait_for(kept, &st, WNOHANG) == 0, st); /* still stopped */
	sys2(NR_kill, kept, SIGKILL);
	CHECK(wait_for(kept, &st, 0) == kept && (st & 0x7f) == SIGKILL, st);

	/* Another session: it may not take a terminal session 1 has, except
	 * by stealing (TIOCSCTTY 1, as root). When its leader ends, its
	 * foreground group gets SIGHUP, session 1 has lost the terminal, and
	 * the terminal is hung up: every file open on it then reads end of
	 * file and fails writes and ioctls with EIO (Linux's vhangup), also
	 * for a process that ignored SIGHUP, and also this process's own
	 * files; a file opened afterwards works, and so does /dev/console. */
	pid = sys0(NR_fork);
	if (pid == 0) {
		long sid = sys0(NR_setsid);
		long t = open_tty("/dev/ttyS0", O_RDWR);
		int code = sid > 1 ? 0 : 1;
		code |= open_tty("/dev/tty", O_RDWR) == -ENXIO ? 0 : 2; /* not taken */
		code |= sys3(NR_ioctl, t, TIOCSCTTY, 0) == -EPERM ? 0 : 4;
		code |= sys3(NR_ioctl, t, TIOCSCTTY, 1) == 0 ? 0 : 8;
		code |= get_sid(t) == sid ? 0 : 16;
		code |= get_pgrp(t) == sid ? 0 : 32;
		long g = sys0(NR_fork);
		if (g == 0) { /* in the foreground group; SIGHUP ends it */
			struct timespec_ { long s, ns; } ts = {5, 0}; /* then it says so */
			sys2(NR_nanosleep, &ts, 0);
			sys1(NR_exit_group, 99);
		}
		ignore(SIGHUP); /* before the fork: no window for the signal */
		long h = sys0(NR_fork);
		if (h == 0) { /* ignores SIGHUP, and finds the terminal hung up */
			for (int tries = 0; tries < 5000 && sys0(NR_getppid) != 1; tries++) {
				struct timespec_ { long s, ns; } ts = {0, 1000000};
				sys2(NR_nanosleep, &ts, 0);
			}
			int hc = sys0(NR_getppid) == 1 ? 0 : 1;
			sys3(NR_fcntl, t, F_SETFL, O_NONBLOCK); /* not hung up: EAGAIN */
			char c;
			hc |= sys3(NR_read, t, &c, 1) == 0 ? 0 : 2;
			hc |= sys3(NR_write, t, "x", 1) == -EIO ? 0 : 4;
			char tio[60];
			hc |= sys3(NR_ioctl, t, TCGETS, tio) == -EIO ? 0 : 8;
			long t2 = open_tty("/dev/ttyS0", O_RDWR | O_NOCTTY);
			hc |= sys3(NR_ioctl, t2, TCGETS, tio) == 0 ? 0 : 16;
			sys1(NR_exit_group, hc);
		}
		sys1(NR_exit_group, code);
	}
	wait_for(pid, &st, 0);
	CHECK(st == 0, st >> 8);
	/* The grandchildren came to process 1 when their parent ended: one
	 * died of SIGHUP, the other ignored it and checked the hang-up. */
	int hung = 0, checked = 0;
	for (int k = 0; k < 2; k++) {
		long g = wait_for(-1, &st, 0);
		if (g > 0 && (st & 0x7f) == SIGHUP)
			hung++;
		else if (g > 0 && (st & 0x7f) == 0)
			CHECK(st == 0, st >> 8), checked++; /* the bits of the hang-up checks */
	}
	CHECK(hung == 1 && checked == 1, hung * 10 + checked);
	/* This process's files on ttyS0 are hung up too. */
	CHECK(get_pgrp(fd) == -EIO, get_pgrp(fd));
	CHECK(sys3(NR_write, fd, "x", 1) == -EIO, sys3(NR_write, fd, "x", 1));
	CHECK(sys3(NR_ioctl, fd, TIOCSPGRP, 0) == -ENOTTY, 0);
	CHECK(open_tty("/dev/tty", O_RDWR) == -ENXIO, open_tty("/dev/tty", O_RDWR));
	/* Free again once that session let go: opened anew, it is taken. */
	long fd2 = open_tty("/dev/ttyS0", O_RDWR);
	CHECK(fd2 >= 0, fd2);
	CHECK(get_sid(fd2) == 1, get_sid(fd2));
	CHECK(get_pgrp(fd2) == 1, get_pgrp(fd2));

	if (failures) {
		t_puts("tty-check: ");
		t_putnum(failures);
		t_puts(" of ");
		t_putnum(checks);
		t_puts(" checks FAILED\n");
		return 1;
	}
	t_puts("tty-check: all ");
	t_putnum(checks);
	t_puts(" checks passed\n");
	return 0;
}
