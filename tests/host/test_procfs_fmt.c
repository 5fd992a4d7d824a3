/*
 * Host test for kernel/proc/procfs_fmt.c and kernel/sched/loadavg.c: every
 * /proc file the formatter makes is read back with the parsers busybox 1.35
 * uses (libbb/procps.c's sscanf of /proc/PID/stat, top's read_cpu_jiffy and
 * parse_meminfo, free's sscanf of meminfo lines), field by field, so that a
 * missing or shifted field fails here rather than as a wrong column in ps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proc/procfs_fmt.h"
#include "sched/loadavg.h"

static char buf[65536];

static struct proc_info sample(void)
{
	struct proc_info p;
	memset(&p, 0, sizeof(p));
	p.pid = 42;
	p.ppid = 1;
	p.pgid = 42;
	p.sid = 7;
	p.tty_nr = (4 << 8) | 64; /* ttyS0 */
	p.tpgid = 51;
	p.state = 'S';
	strcpy(p.comm, "sh");
	p.threads = 1;
	p.cpu = 3;
	p.start_ns = 12340000000ull;   /* 1234 ticks */
	p.cpu_ns = 2500000000ull;      /* 250 ticks */
	p.children_cpu_ns = 10000000ull; /* 1 tick */
	p.vm_bytes = 10543104;
	p.rss_pages = 491;
	p.brk_base = 0x5ec000;
	p.sig_ignored = 1ull << 2;
	p.sig_caught = (1ull << 1) | (1ull << 33);
	p.umask = 022;
	memcpy(p.cmdline, "/bin/sh\0-l\0", 11);
	p.cmdline_len = 11;
	return p;
}

/* libbb/procps.c, without FEATURE_FAST_TOP, with TOP_SMP_PROCESS. */
static void test_stat_as_busybox_reads_it(void **state)
{
	(void)state;
	struct proc_info p = sample();
	int64_t n = procfs_fmt_stat(buf, sizeof(buf), &p);
	assert_int_equal(n, strlen(buf));
	assert_true(buf[n - 1] == '\n');
	char *cp = strrchr(buf, ')');
	assert_non_null(cp);
	*cp = 0;
	assert_string_equal(strchr(buf, '(') + 1, "sh");
	char st[2] = {0};
	unsigned ppid, pgid, sid;
	int tty, tpgid, cpu = -1;
	unsigned long utime, stime, start, vsz, rss;
	long nice;
	int got = sscanf(cp + 2,
	                 "%c %u %u %u %d %d %*s %*s %*s %*s %*s %lu %lu %*s %*s %*s %ld %*s %*s %lu "
	                 "%lu %lu %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %d",
	                 st, &ppid, &pgid, &sid, &tty, &tpgid, &utime, &stime, &nice, &start, &vsz, &rss, &cpu);
	assert_int_equal(got, 13);
	assert_int_equal(st[0], 'S');
	assert_int_equal(ppid, 1);
	assert_int_equal(pgid, 42);
	assert_int_equal(sid, 7);
	assert_int_equal(tty, 0x440); /* Linux's encoding of (4, 64) */
	assert_int_equal(tpgid, 51);
	assert_int_equal(utime, 250);
	assert_int_equal(stime, 0);
	assert_int_equal(nice, 0);
	assert_int_equal(start, 1234);
	assert_int_equal(vsz, 10543104);
	assert_int_equal(rss, 491);
	assert_int_equal(cpu, 3);
}

/* Linux 6.1 prints 52 fields; the name may hold spaces and parentheses. */
static void test_stat_fields_and_odd_names(void **state)
{
	(void)state;
	struct proc_info p = sample();
	strcpy(p.comm, "a) (b c");
	procfs_fmt_stat(buf, sizeof(buf), &p);
	assert_memory_equal(buf, "42 (a) (b c) S 1 42 7 ", 22);
	char *after = strrchr(buf, ')') + 1;
	int fields = 2; /* pid and the name */
	for (char *tok = strtok(after, " \n"); tok; tok = strtok(NULL, " \n"))
		fields++;
	assert_int_equal(fields, 52);
}

static void test_snprintf_semantics(void **state)
{
	(void)state;
	struct proc_info p = sample();
	int64_t whole = procfs_fmt_status(buf, sizeof(buf), &p);
	char small[32];
	memset(small, 'x', sizeof(small));
	assert_int_equal(procfs_fmt_status(small, sizeof(small), &p), whole);
	assert_int_equal(small[31], 0);
	assert_memory_equal(small, buf, 31);
	assert_int_equal(procfs_fmt_status(NULL, 0, &p), whole);
	/* cmdline keeps its NULs, and its length is exact. */
	assert_int_equal(procfs_fmt_cmdline(buf, sizeof(buf), &p), 11);
	assert_memory_equal(buf, "/bin/sh\0-l\0", 11);
	assert_int_equal(procfs_fmt_cmdline(small, 4, &p), 11);
	p.state = 'Z';
	assert_int_equal(procfs_fmt_cmdline(buf, sizeof(buf), &p), 0);
}

static const char *line_of(const char *text, const char *prefix)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, prefix, strlen(prefix)) == 0)
			return l;
	return NULL;
}

static void test_status(void **state)
{
	(void)state;
	struct proc_info p = sample();
	procfs_fmt_status(buf, sizeof(buf), &p);
	assert_non_null(line_of(buf, "Name:\tsh\n"));
	assert_non_null(line_of(buf, "Umask:\t0022\n"));
	assert_non_null(line_of(buf, "State:\tS (sleeping)\n"));
	assert_non_null(line_of(buf, "Tgid:\t42\n"));
	assert_non_null(line_of(buf, "Pid:\t42\n"));
	assert_non_null(line_of(buf, "PPid:\t1\n"));
	assert_non_null(line_of(buf, "Uid:\t0\t0\t0\t0\n"));
	assert_non_null(line_of(buf, "Threads:\t1\n"));
	unsigned long kb;
	assert_int_equal(sscanf(line_of(buf, "VmSize:"), "VmSize: %lu kB", &kb), 1);
	assert_int_equal(kb, 10543104 / 1024);
	assert_int_equal(sscanf(line_of(buf, "VmRSS:"), "VmRSS: %lu kB", &kb), 1);
	assert_int_equal(kb, 491 * 4);
	assert_non_null(line_of(buf, "SigIgn:\t0000000000000004\n"));
	assert_non_null(line_of(buf, "SigCgt:\t0000000200000002\n"));
	p.state = 'T';
	procfs_fmt_status(buf, sizeof(buf), &p);
	assert_non_null(line_of(buf, "State:\tT (stopped)\n"));
	assert_non_null(line_of(buf, "VmSize:"));
	procfs_fmt_stat(buf, sizeof(buf), &p);
	assert_non_null(strstr(buf, ") T "));
	/* A zombie has no memory lines, as on Linux. */
	p.state = 'Z';
	procfs_fmt_status(buf, sizeof(buf), &p);
	assert_non_null(line_of(buf, "State:\tZ (zombie)\n"));
	assert_null(line_of(buf, "VmSize:"));
}

static void test_meminfo(void **state)
{
	(void)state;
	struct procfs_mem m = {.total = 63007, .free = 61341, .file_pages = 536, .heap_pages = 73};
	procfs_fmt_meminfo(buf, sizeof(buf), &m);
	/* Linux's layout: the name in 16 columns, kB in 8. */
	assert_memory_equal(buf, "MemTotal:         252028 kB\nMemFree:          245364 kB\n", 56);
	/* free's parser. */
	unsigned long v;
	assert_int_equal(sscanf(line_of(buf, "Cached:"), "Cached: %lu %*s\n", &v), 1);
	assert_int_equal(v, 536 * 4);
	assert_int_equal(sscanf(line_of(buf, "MemAvailable:"), "MemAvailable: %lu %*s\n", &v), 1);
	assert_int_equal(v, 61341 * 4);
	assert_int_equal(sscanf(line_of(buf, "SReclaimable:"), "SReclaimable: %lu %*s\n", &v), 1);
	assert_int_equal(v, 0);
	/* top's: the number after the colon. */
	const char *names[] = {"MemTotal", "MemFree", "Buffers", "Cached", "SwapTotal", "SwapFree",
	                       "Shmem", "Slab"};
	unsigned long want[] = {252028, 245364, 0, 2144, 0, 0, 2144, 292};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char prefix[32];
		snprintf(prefix, sizeof(prefix), "%s:", names[i]);
		const char *l = line_of(buf, prefix);
		assert_non_null(l);
		assert_int_equal(strtoul(strchr(l, ':') + 1, NULL, 10), want[i]);
	}
}

static struct procfs_sys sys_sample(void)
{
	struct procfs_sys s;
	memset(&s, 0, sizeof(s));
	s.ncpus = 2;
	s.cpu[0] = (struct procfs_cpu){.busy_ns = 520000000, .idle_ns = 1100000000};
	s.cpu[1] = (struct procfs_cpu){.busy_ns = 790000000, .idle_ns = 810000000};
	s.uptime_ns = 1666000000;
	s.boot_epoch = 1796664375;
	s.context_switches = 69;
	s.forks = 13;
	s.procs = 2;
	s.runnable = 1;
	s.last_pid = 13;
	s.load[0] = 164; /* 0.08 */
	s.load[1] = LOADAVG_FIXED_1;
	s.load[2] = 3 * LOADAVG_FIXED_1 / 2;
	return s;
}

/* top's read_cpu_jiffy, with TOP_SMP_CPU ("cp%*s ..."): 8 numbers a line;
 * it counts CPUs while a line gives more than 4. */
static void test_cpustat_as_top_reads_it(void **state)
{
	(void)state;
	struct procfs_sys s = sys_sample();
	procfs_fmt_cpustat(buf, sizeof(buf), &s);
	unsigned long long v[8];
	const char *l = buf;
	assert_int_equal(sscanf(l, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
	                        &v[3], &v[4], &v[5], &v[6], &v[7]),
	                 8);
	assert_int_equal(v[0], 131);
	assert_int_equal(v[3], 191);
	int cpus = 0;
	for (l = strchr(l, '\n') + 1;
	     sscanf(l, "cp%*s %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
	            &v[4], &v[5], &v[6], &v[7]) > 4;
	     l = strchr(l, '\n') + 1)
		cpus++;
	assert_int_equal(cpus, 2);
	assert_non_null(line_of(buf, "btime 1796664375\n"));
	assert_non_null(line_of(buf, "processes 13\n"));
	assert_non_null(line_of(buf, "procs_running 1\n"));
	assert_non_null(line_of(buf, "ctxt 69\n"));
}

static void test_uptime_and_loadavg(void **state)
{
	(void)state;
	struct procfs_sys s = sys_sample();
	procfs_fmt_uptime(buf, sizeof(buf), &s);
	assert_string_equal(buf, "1.66 1.91\n");
	procfs_fmt_loadavg(buf, sizeof(buf), &s);
	assert_string_equal(buf, "0.08 1.00 1.50 1/2 13\n");
}

/* One busy thread from idle: the 1-minute figure is 1 - 1/e (0.63) after a
 * minute (12 samples), as on Linux, and every figure reaches 1.00 and
 * stays; then idle, each decays back to 0. */
static void test_loadavg_arithmetic(void **state)
{
	(void)state;
	uint64_t one = 0, fifteen = 0;
	for (int i = 0; i < 12; i++)
		one = loadavg_step(one, 1884, 1);
	assert_in_range(one, 1280, 1310); /* 0.625 to 0.64 */
	for (int i = 0; i < 2000; i++) {
		one = loadavg_step(one, 1884, 1);
		fifteen = loadavg_step(fifteen, 2037, 1);
	}
	assert_int_equal(one, LOADAVG_FIXED_1);
	assert_int_equal(fifteen, LOADAVG_FIXED_1);
	for (int i = 0; i < 2000; i++)
		one = loadavg_step(one, 1884, 0);
	assert_int_equal(one, 0);
	/* Four threads: 4.00 exactly. */
	for (int i = 0; i < 2000; i++)
		one = loadavg_step(one, 1884, 4);
	assert_int_equal(one, 4 * LOADAVG_FIXED_1);
}

static void test_cpuinfo_and_version(void **state)
{
	(void)state;
	struct procfs_cpuid c = {.vendor = "GenuineIntel", .model_name = "QEMU Virtual CPU",
	                         .family = 6, .model = 6, .stepping = 3, .tsc_hz = 2995200000ull};
	procfs_fmt_cpuinfo(buf, sizeof(buf), &c, 2);
	assert_non_null(line_of(buf, "processor\t: 0\n"));
	assert_non_null(line_of(buf, "processor\t: 1\n"));
	assert_non_null(line_of(buf, "vendor_id\t: GenuineIntel\n"));
	assert_non_null(line_of(buf, "cpu MHz\t\t: 2995.200\n"));
	procfs_fmt_version(buf, sizeof(buf));
	assert_string_equal(buf, "Linux version " PROCFS_RELEASE " (kestrel@kestrel) (clang) "
	                         PROCFS_VERSION "\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_as_busybox_reads_it),
		cmocka_unit_test(test_stat_fields_and_odd_names),
		cmocka_unit_test(test_snprintf_semantics),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_cpustat_as_top_reads_it),
		cmocka_unit_test(test_uptime_and_loadavg),
		cmocka_unit_test(test_loadavg_arithmetic),
		cmocka_unit_test(test_cpuinfo_and_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
