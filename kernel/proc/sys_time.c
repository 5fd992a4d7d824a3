/*
 * Time, sleeping, and the system-information calls: clock_gettime and
 * friends, nanosleep, uname, sysinfo, times, getrandom.
 *
 * CLOCK_MONOTONIC is the kernel's clock (time/clock.c, nanoseconds since
 * boot). CLOCK_REALTIME is that plus the wall-clock time the RTC showed at
 * the first request (the RTC counts whole seconds in local time as the
 * firmware keeps it; on a PC that is usually UTC, and QEMU's is UTC).
 */
#include <stdatomic.h>

#include "arch/x86_64/uaccess.h"
#include "core/random.h"
#include "dev/rtc.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/mm.h"
#include "mm/pmm.h"
#include "proc/futex.h"
#include "proc/proc.h"
#include "proc/procfs_fmt.h"
#include "proc/sys.h"
#include "sched/loadavg.h"
#include "sync/spinlock.h"
#include "time/clock.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1
#define NS 1000000000ull
#define USER_HZ 100 /* clock ticks of times(2) and AT_CLKTCK */

struct timespec_user {
	int64_t sec, nsec;
};

/* Days since 1970-01-01 of a proleptic Gregorian date (the usual
 * shift-March-first formula). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static _Atomic int64_t wall_offset_ns; /* realtime - monotonic; 0: not read yet */

static uint64_t realtime_ns(void)
{
	int64_t off = atomic_load(&wall_offset_ns);
	if (!off) {
		struct rtc_time t;
		int64_t secs = 0;
		if (rtc_read(&t))
			secs = days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 +
			       t.minute * 60 + t.second;
		off = secs * (int64_t)NS - (int64_t)clock_ns();
		if (!off)
			off = 1;
		atomic_store(&wall_offset_ns, off);
	}
	return (uint64_t)((int64_t)clock_ns() + off);
}

static int clock_read(int clk, uint64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = clock_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		*ns = proc_cpu_ns(proc_current());
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = clock_tsc_to_ns(thread_current()->run_tsc);
		return 0;
	default:
		return -EINVAL;
	}
}

static int put_ts(uint64_t uts, uint64_t ns)
{
	struct timespec_user ts = {.sec = (int64_t)(ns / NS), .nsec = (int64_t)(ns % NS)};
	return copy_to_user(uts, &ts, sizeof(ts));
}

SYSCALL(clock_gettime)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	uint64_t ns;
	int r = clock_read((int)a0, &ns);
	return r ? r : put_ts(a1, ns);
}

SYSCALL(clock_getres)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	uint64_t ns;
	int r = clock_read((int)a0, &ns);
	return r ? r : a1 ? put_ts(a1, 1) : 0;
}

SYSCALL(gettimeofday) /* (struct timeval *tv, struct timezone *tz) */
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	uint64_t ns = realtime_ns();
	int64_t tv[2] = {(int64_t)(ns / NS), (int64_t)(ns % NS / 1000)};
	if (a0 && copy_to_user(a0, tv, sizeof(tv)))
		return -EFAULT;
	if (a1 && clear_user(a1, 8))
		return -EFAULT;
	return 0;
}

SYSCALL(time)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	int64_t t = (int64_t)(realtime_ns() / NS);
	if (a0 && copy_to_user(a0, &t, sizeof(t)))
		return -EFAULT;
	return t;
}

static int64_t sleep_until(uint64_t deadline)
{
	/* A pending kill ends the sleep early, within a tick: the sleep is
	 * cut into slices so that it is noticed. */
	while (clock_ns() < deadline) {
		if (thread_interrupted())
			return -EINTR;
		uint64_t now = clock_ns(), step = 50 * 1000 * 1000;
		thread_sleep_until(deadline - now > step ? now + step : deadline);
	}
	return 0;
}

static int get_ts(uint64_t uts, uint64_t *ns)
{
	struct timespec_user ts;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NS)
		return -EINVAL;
	*ns = (uint64_t)ts.sec > UINT64_MAX / NS - 1 ? UINT64_MAX / 2 : (uint64_t)ts.sec * NS + (uint64_t)ts.nsec;
	return 0;
}

/*
 * A sleep system call until deadline. Cut short by a signal, it returns
 * EINTR; a relative one also writes the time left at rem (if given) and
 * arms its task's restart block. If the signal was a stop, the way back to
 * user mode (jobctl.c) then turns the call into restart_syscall once the
 * process continues, and that sleeps until the same deadline: only what
 * was left, as Linux's restart_syscall does. An absolute sleep simply
 * runs again with its arguments.
 */
static int64_t sleep_call(uint64_t deadline, uint64_t rem, bool relative)
{
	int64_t s = sleep_until(deadline);
	if (!s)
		return 0;
	struct task *t = task_current();
	t->restart.deadline = deadline;
	t->restart.rem = rem;
	t->restart.armed = relative;
	if (rem && relative) {
		uint64_t now = clock_ns();
		put_ts(rem, deadline > now ? deadline - now : 0);
	}
	return s;
}

SYSCALL(nanosleep) /* (const struct timespec *req, struct timespec *rem) */
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	uint64_t ns;
	int r = get_ts(a0, &ns);
	if (r)
		return r;
	return sleep_call(clock_ns() + ns, a1, true);
}

/* restart_syscall(2): what jobctl.c puts in place of a relative sleep a
 * stop cut short. Called with nothing to restart, EINTR (as Linux). */
SYSCALL(restart_syscall)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct task *t = task_current();
	if (!t->restart.armed)
		return -EINTR;
	t->restart.armed = false;
	return sleep_call(t->restart.deadline, t->restart.rem, true);
}

SYSCALL(clock_nanosleep) /* (clockid_t clk, int flags, const struct timespec *req, struct timespec *rem) */
{
	(void)a4, (void)a5;
	uint64_t ns, now;
	int r = clock_read((int)a0, &now);
	if (!r && ((int)a0 == CLOCK_PROCESS_CPUTIME_ID || (int)a0 == CLOCK_THREAD_CPUTIME_ID))
		r = -ENOTSUP;
	if (!r)
		r = get_ts(a2, &ns);
	if (r)
		return r;
	/* Convert to the monotonic clock that sleeping uses. */
	uint64_t mono = clock_ns();
	uint64_t deadline = (a1 & TIMER_ABSTIME) ? (ns > now ? mono + (ns - now) : mono) : mono + ns;
	return sleep_call(deadline, a3, !(a1 & TIMER_ABSTIME));
}

SYSCALL(times) /* (struct tms *buf) */
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	uint64_t ticks = clock_ns() / (NS / USER_HZ);
	if (a0) {
		int64_t tms[4] = {(int64_t)(proc_cpu_ns(proc_current()) / (NS / USER_HZ)), 0,
		                  (int64_t)(proc_current()->children_cpu_ns / (NS / USER_HZ)), 0};
		if (copy_to_user(a0, tms, sizeof(tms)))
			return -EFAULT;
	}
	return (int64_t)ticks;
}

/* struct sysinfo (x86-64): 112 bytes. */
struct sysinfo_user {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint32_t pad2;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};
_Static_assert(sizeof(struct sysinfo_user) == 112, "Linux x86-64 struct sysinfo");

SYSCALL(sysinfo)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct pmm_stats st;
	pmm_stats(mm_pmm(), &st);
	struct vfs_usage u;
	vfs_usage(&u);
	uint64_t load[3];
	loadavg_get(load);
	/* The same figures as /proc/meminfo and /proc/loadavg: file contents
	 * (ramfs) are shared memory, as tmpfs's are on Linux; loads have 16
	 * fraction bits here (SI_LOAD_SHIFT), 11 in the scheduler's. */
	struct sysinfo_user si = {
		.uptime = (int64_t)(clock_ns() / NS),
		.loads = {load[0] << (16 - LOADAVG_FSHIFT), load[1] << (16 - LOADAVG_FSHIFT),
		          load[2] << (16 - LOADAVG_FSHIFT)},
		.totalram = st.total_pages * 4096,
		.freeram = st.free_pages * 4096,
		.sharedram = u.data_pages * 4096,
		.procs = (uint16_t)proc_count(),
		.mem_unit = 1,
	};
	return copy_to_user(a0, &si, sizeof(si));
}

SYSCALL(getrandom) /* (void *buf, size_t len, unsigned flags) */
{
	(void)a3, (void)a4, (void)a5;
	if (a2 & ~7ull) /* GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE */
		return -EINVAL;
	size_t n = a1 > (32u << 20) ? (32u << 20) : a1;
	uint8_t tmp[256];
	for (size_t done = 0; done < n;) {
		size_t k = n - done < sizeof(tmp) ? n - done : sizeof(tmp);
		random_bytes(tmp, k);
		if (copy_to_user(a0 + done, tmp, k))
			return done ? (int64_t)done : -EFAULT;
		done += k;
	}
	return (int64_t)n;
}

/* The names sethostname and setdomainname give (uname reports them). */
static struct spinlock names_lock = SPINLOCK_INIT("uts names");
static char hostname[65] = "kestrel", domainname[65] = "(none)";

static int64_t set_name(char *dst, uint64_t src, uint64_t len)
{
	if (len > 64)
		return -EINVAL;
	char tmp[65];
	if (copy_from_user(tmp, src, len))
		return -EFAULT;
	tmp[len] = 0;
	spin_lock(&names_lock);
	memcpy(dst, tmp, len + 1);
	spin_unlock(&names_lock);
	return 0;
}

SYSCALL(sethostname) { (void)a2, (void)a3, (void)a4, (void)a5; return set_name(hostname, a0, a1); }
SYSCALL(setdomainname) { (void)a2, (void)a3, (void)a4, (void)a5; return set_name(domainname, a0, a1); }

/* struct utsname: six fields of 65 bytes. The release is a Linux version
 * number, because C libraries refuse to run on a "kernel too old". */
struct utsname_user {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

SYSCALL(uname)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct utsname_user u;
	memset(&u, 0, sizeof(u));
	strncpy_safe(u.sysname, "Linux", sizeof(u.sysname));
	spin_lock(&names_lock);
	strncpy_safe(u.nodename, hostname, sizeof(u.nodename));
	strncpy_safe(u.domainname, domainname, sizeof(u.domainname));
	spin_unlock(&names_lock);
	strncpy_safe(u.release, PROCFS_RELEASE, sizeof(u.release));
	strncpy_safe(u.version, PROCFS_VERSION, sizeof(u.version));
	strncpy_safe(u.machine, "x86_64", sizeof(u.machine));
	return copy_to_user(a0, &u, sizeof(u));
}

/* ---- futex ---- */

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

/*
 * futex(2): the argument conventions; the wait queues are futex.c's.
 * FUTEX_WAIT's timeout is relative, FUTEX_WAIT_BITSET's absolute, on
 * CLOCK_MONOTONIC or, with FUTEX_CLOCK_REALTIME, CLOCK_REALTIME; both
 * become a deadline on the kernel's clock. For the requeue operations the
 * fourth argument is not a pointer but a count (val2). The PI operations
 * (priority-inheritance mutexes) are ENOSYS, which glibc and musl handle
 * by not offering PTHREAD_PRIO_INHERIT.
 */
SYSCALL(futex) /* (uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout | val2, uint32_t *uaddr2, uint32_t val3) */
{
	int cmd = (int)a1 & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool realtime = (a1 & FUTEX_CLOCK_REALTIME) != 0;
	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	struct vm *vm = proc_current()->vm;
	uint32_t bitset = FUTEX_BITSET_ANY;
	switch (cmd) {
	case FUTEX_WAIT_BITSET:
		bitset = (uint32_t)a5;
		/* fall through */
	case FUTEX_WAIT: {
		if (a0 % 4)
			return -EINVAL;
		if (!bitset)
			return -EINVAL;
		uint64_t deadline = 0;
		if (a3) {
			uint64_t ns;
			int r = get_ts(a3, &ns);
			if (r)
				return r;
			uint64_t mono = clock_ns();
			if (cmd == FUTEX_WAIT_BITSET) {
				uint64_t now;
				clock_read(realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, &now);
				deadline = mono + (ns > now ? ns - now : 0);
			} else {
				deadline = mono + ns;
			}
			if (!deadline)
				deadline = 1; /* 0 means "none" to futex_wait */
		}
		return futex_wait(vm, a0, (uint32_t)a2, bitset, deadline);
	}
	case FUTEX_WAKE_BITSET:
		bitset = (uint32_t)a5;
		/* fall through */
	case FUTEX_WAKE:
		if (a0 % 4)
			return -EINVAL;
		if (!bitset)
			return -EINVAL;
		return futex_wake(vm, a0, (int)a2, bitset);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		if (a0 % 4 || a4 % 4 || (int)a2 < 0 || (int)a3 < 0)
			return -EINVAL;
		return futex_requeue(vm, a0, (int)a2, a4, (int)a3, cmd == FUTEX_CMP_REQUEUE, (uint32_t)a5);
	default:
		return -ENOSYS;
	}
}
