/*
 * The text of /proc's files (see procfs_fmt.h), in Linux's layouts as
 * proc(5) documents them and as busybox's ps, top, free and uptime parse
 * them. Where Kestrel has no such figure (page faults, nice values, swap),
 * the field is there with the value Linux shows for "none", so that
 * parsers that count fields find every one.
 */
#include "proc/procfs_fmt.h"

#include <stdarg.h>

#include "lib/vsnprintf.h"

/* An output in progress: what was written so far (len, which may exceed
 * size: the length the whole text will have). */
struct out {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->size ? o->size - o->len : 0;
	int n = kvsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* Raw bytes (NULs included). */
static void put_bytes(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->size)
			o->buf[o->len] = s[i];
	if (o->size)
		o->buf[o->len < o->size ? o->len : o->size - 1] = 0;
}

static int64_t done(struct out *o) { return (int64_t)o->len; }

static const char *state_name(char s)
{
	switch (s) {
	case 'R': return "R (running)";
	case 'Z': return "Z (zombie)";
	case 'T': return "T (stopped)";
	default: return "S (sleeping)";
	}
}

/*
 * /proc/PID/stat: one line of 52 fields (proc(5)). The name goes between
 * parentheses as it is, spaces and parentheses included; parsers find its
 * end with the last ')' (busybox's procps_scan does).
 */
int64_t procfs_fmt_stat(char *buf, size_t size, const struct proc_info *p)
{
	struct out o = {buf, size, 0};
	uint64_t start = procfs_ticks(p->start_ns);
	put(&o, "%d (%s) %c %d %d %d", p->pid, p->comm, p->state, p->ppid, p->pgid, p->sid);
	/* tty_nr tpgid flags minflt cminflt majflt cmajflt */
	put(&o, " %u %d 0 0 0 0 0", p->tty_nr, p->tpgid);
	/* utime stime cutime cstime: all CPU time counts as user time (the
	 * kernel does not tell the two apart) */
	put(&o, " %llu 0 %llu 0", (unsigned long long)procfs_ticks(p->cpu_ns),
	    (unsigned long long)procfs_ticks(p->children_cpu_ns));
	/* priority nice num_threads itrealvalue starttime vsize rss rsslim */
	put(&o, " 20 0 %u 0 %llu %llu %llu 18446744073709551615", p->threads,
	    (unsigned long long)start, (unsigned long long)p->vm_bytes,
	    (unsigned long long)(p->state == 'Z' ? 0 : p->rss_pages));
	/* startcode endcode startstack kstkesp kstkeip */
	put(&o, " 0 0 0 0 0");
	/* signal blocked sigignore sigcatch: decimal bitmaps, 32 bits wide
	 * as Linux prints them (the real-time ones are in status) */
	put(&o, " %llu %llu %llu %llu", (unsigned long long)(p->sig_pending & 0xffffffffu),
	    (unsigned long long)(p->sig_blocked & 0xffffffffu),
	    (unsigned long long)(p->sig_ignored & 0xffffffffu),
	    (unsigned long long)(p->sig_caught & 0xffffffffu));
	/* wchan nswap cnswap exit_signal processor rt_priority policy
	 * delayacct_blkio_ticks guest_time cguest_time */
	put(&o, " 0 0 0 17 %u 0 0 0 0 0", p->cpu);
	/* start_data end_data start_brk arg_start arg_end env_start env_end exit_code */
	put(&o, " 0 0 %llu 0 0 0 0 0\n", (unsigned long long)p->brk_base);
	return done(&o);
}

/* /proc/PID/statm: sizes in pages. Shared, text and data pages are not
 * counted apart: 0. */
int64_t procfs_fmt_statm(char *buf, size_t size, const struct proc_info *p)
{
	struct out o = {buf, size, 0};
	put(&o, "%llu %llu 0 0 0 0 0\n", (unsigned long long)(p->vm_bytes / 4096),
	    (unsigned long long)p->rss_pages);
	return done(&o);
}

int64_t procfs_fmt_status(char *buf, size_t size, const struct proc_info *p)
{
	struct out o = {buf, size, 0};
	put(&o, "Name:\t%s\n", p->comm);
	put(&o, "Umask:\t%04o\n", p->umask);
	put(&o, "State:\t%s\n", state_name(p->state));
	put(&o, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", p->pid, p->pid,
	    p->ppid);
	put(&o, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t\n");
	if (p->state != 'Z') {
		uint64_t size_kb = p->vm_bytes / 1024, rss_kb = p->rss_pages * 4;
		put(&o, "VmPeak:\t%8llu kB\nVmSize:\t%8llu kB\n", (unsigned long long)size_kb,
		    (unsigned long long)size_kb);
		put(&o, "VmHWM:\t%8llu kB\nVmRSS:\t%8llu kB\n", (unsigned long long)rss_kb,
		    (unsigned long long)rss_kb);
		put(&o, "RssAnon:\t%8llu kB\n", (unsigned long long)rss_kb);
	}
	put(&o, "Threads:\t%u\n", p->threads);
	put(&o, "SigQ:\t0/0\nSigPnd:\t%016llx\nShdPnd:\t%016llx\n",
	    (unsigned long long)p->sig_pending, (unsigned long long)p->sig_pending);
	put(&o, "SigBlk:\t%016llx\nSigIgn:\t%016llx\nSigCgt:\t%016llx\n",
	    (unsigned long long)p->sig_blocked, (unsigned long long)p->sig_ignored,
	    (unsigned long long)p->sig_caught);
	put(&o, "Cpus_allowed_list:\t0-%u\n", PROCFS_MAX_CPUS - 1);
	return done(&o);
}

/* argv as exec recorded it: each string with its NUL; a zombie has none. */
int64_t procfs_fmt_cmdline(char *buf, size_t size, const struct proc_info *p)
{
	struct out o = {buf, size, 0};
	if (p->state != 'Z')
		put_bytes(&o, p->cmdline, p->cmdline_len);
	return done(&o);
}

int64_t procfs_fmt_comm(char *buf, size_t size, const struct proc_info *p)
{
	struct out o = {buf, size, 0};
	put(&o, "%s\n", p->comm);
	return done(&o);
}

/* One line of meminfo: the name padded to 16 columns, kB in 8. */
static void kb(struct out *o, const char *name, uint64_t pages)
{
	put(o, "%-16s%8llu kB\n", name, (unsigned long long)(pages * 4));
}

/*
 * /proc/meminfo. Memory is either free, file contents (ramfs: what Linux
 * calls Cached and Shmem, for tmpfs is the same thing), the kernel's heap
 * (Slab), or the rest (processes' pages, page tables, stacks). Nothing can
 * be reclaimed without freeing it by hand (there is no swap, and ramfs
 * pages have nowhere to go), so MemAvailable is MemFree.
 */
int64_t procfs_fmt_meminfo(char *buf, size_t size, const struct procfs_mem *m)
{
	struct out o = {buf, size, 0};
	kb(&o, "MemTotal:", m->total);
	kb(&o, "MemFree:", m->free);
	kb(&o, "MemAvailable:", m->free);
	kb(&o, "Buffers:", 0);
	kb(&o, "Cached:", m->file_pages);
	kb(&o, "SwapCached:", 0);
	kb(&o, "Active:", 0);
	kb(&o, "Inactive:", 0);
	kb(&o, "SwapTotal:", 0);
	kb(&o, "SwapFree:", 0);
	kb(&o, "Dirty:", 0);
	kb(&o, "Writeback:", 0);
	kb(&o, "Mapped:", 0);
	kb(&o, "Shmem:", m->file_pages);
	kb(&o, "Slab:", m->heap_pages);
	kb(&o, "SReclaimable:", 0);
	kb(&o, "SUnreclaim:", m->heap_pages);
	kb(&o, "CommitLimit:", m->total);
	return done(&o);
}

/* Seconds with two decimals, from nanoseconds. */
static void secs(struct out *o, uint64_t ns)
{
	uint64_t cs = ns / 10000000u;
	put(o, "%llu.%02llu", (unsigned long long)(cs / 100), (unsigned long long)(cs % 100));
}

/* /proc/uptime: seconds since boot, and seconds all CPUs spent idle. */
int64_t procfs_fmt_uptime(char *buf, size_t size, const struct procfs_sys *s)
{
	struct out o = {buf, size, 0};
	uint64_t idle = 0;
	for (uint32_t i = 0; i < s->ncpus && i < PROCFS_MAX_CPUS; i++)
		idle += s->cpu[i].idle_ns;
	secs(&o, s->uptime_ns);
	put(&o, " ");
	secs(&o, idle);
	put(&o, "\n");
	return done(&o);
}

/* A load figure as Linux prints it: the fixed point value rounded to two
 * decimals (LOAD_INT and LOAD_FRAC after adding 1/200). */
static void load(struct out *o, uint64_t fixed)
{
	fixed += (1u << 11) / 200;
	put(o, "%llu.%02llu", (unsigned long long)(fixed >> 11),
	    (unsigned long long)(((fixed & 2047) * 100) >> 11));
}

/* /proc/loadavg: the three averages, runnable/all processes, last pid. */
int64_t procfs_fmt_loadavg(char *buf, size_t size, const struct procfs_sys *s)
{
	struct out o = {buf, size, 0};
	for (int i = 0; i < 3; i++) {
		load(&o, s->load[i]);
		put(&o, " ");
	}
	put(&o, "%u/%u %d\n", s->runnable, s->procs, s->last_pid);
	return done(&o);
}

/* A "cpu" line: user nice system idle iowait irq softirq steal guest
 * guest_nice. Busy time counts as user time (see procfs_fmt_stat). */
static void cpu_line(struct out *o, const char *name, uint64_t busy_ns, uint64_t idle_ns)
{
	put(o, "%s %llu 0 0 %llu 0 0 0 0 0 0\n", name, (unsigned long long)procfs_ticks(busy_ns),
	    (unsigned long long)procfs_ticks(idle_ns));
}

/* /proc/stat: CPU time overall and per CPU, then the system's counters. */
int64_t procfs_fmt_cpustat(char *buf, size_t size, const struct procfs_sys *s)
{
	struct out o = {buf, size, 0};
	uint64_t busy = 0, idle = 0;
	uint32_t n = s->ncpus < PROCFS_MAX_CPUS ? s->ncpus : PROCFS_MAX_CPUS;
	for (uint32_t i = 0; i < n; i++) {
		busy += s->cpu[i].busy_ns;
		idle += s->cpu[i].idle_ns;
	}
	cpu_line(&o, "cpu ", busy, idle);
	for (uint32_t i = 0; i < n; i++) {
		char name[16];
		ksnprintf(name, sizeof(name), "cpu%u", i);
		cpu_line(&o, name, s->cpu[i].busy_ns, s->cpu[i].idle_ns);
	}
	put(&o, "intr 0\nctxt %llu\nbtime %lld\nprocesses %llu\n",
	    (unsigned long long)s->context_switches, (long long)s->boot_epoch,
	    (unsigned long long)s->forks);
	put(&o, "procs_running %u\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n", s->runnable);
	return done(&o);
}

/* /proc/cpuinfo: the fields programs look for, one block per CPU. */
int64_t procfs_fmt_cpuinfo(char *buf, size_t size, const struct procfs_cpuid *c, uint32_t ncpus)
{
	struct out o = {buf, size, 0};
	uint64_t khz = c->tsc_hz / 1000;
	for (uint32_t i = 0; i < ncpus; i++) {
		put(&o, "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n", i,
		    c->vendor, c->family, c->model);
		put(&o, "model name\t: %s\nstepping\t: %u\n", c->model_name, c->stepping);
		put(&o, "cpu MHz\t\t: %llu.%03llu\n", (unsigned long long)(khz / 1000),
		    (unsigned long long)(khz % 1000));
		put(&o, "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n",
		    ncpus, i, ncpus);
		put(&o, "fpu\t\t: yes\nfpu_exception\t: yes\nwp\t\t: yes\n\n");
	}
	return done(&o);
}

int64_t procfs_fmt_version(char *buf, size_t size)
{
	struct out o = {buf, size, 0};
	put(&o, "Linux version " PROCFS_RELEASE " (kestrel@kestrel) (clang) " PROCFS_VERSION "\n");
	return done(&o);
}
