/*
 * The text of /proc's files, from plain figures (procinfo.h and the
 * structs below): pure functions with no locks and no kernel state, so the
 * host tests check every line against what Linux prints and what busybox
 * parses (tests/host/test_procfs_fmt.c).
 *
 * Each function writes into buf (at most size bytes, NUL included) and
 * returns the length the whole text has, as snprintf does: a result of
 * size or more means the buffer was too small (synth.h retries).
 *
 * Times are in clock ticks of PROCFS_HZ (Linux's USER_HZ, which is what
 * sysconf(_SC_CLK_TCK) and AT_CLKTCK tell programs); memory in kB where
 * Linux prints kB and in pages where it prints pages.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "proc/procinfo.h"

#define PROCFS_HZ 100 /* USER_HZ */
#define PROCFS_MAX_CPUS 64

/* Kestrel's answer to uname -r and -v (sys_time.c's uname gives them too):
 * a Linux release number, because C libraries refuse "too old" kernels. */
#define PROCFS_RELEASE "6.1.0-kestrel"
#define PROCFS_VERSION "#1 SMP Kestrel"

/* Memory figures in 4 KiB pages. */
struct procfs_mem {
	uint64_t total, free;
	uint64_t file_pages; /* ramfs contents: Linux counts tmpfs as Cached and Shmem */
	uint64_t heap_pages; /* the kernel heap (Slab) */
};

/* CPU time, in nanoseconds, of each CPU and the system. */
struct procfs_cpu {
	uint64_t busy_ns, idle_ns;
};
struct procfs_sys {
	uint32_t ncpus;
	struct procfs_cpu cpu[PROCFS_MAX_CPUS];
	uint64_t uptime_ns;
	int64_t boot_epoch;      /* seconds since 1970 at boot (btime) */
	uint64_t context_switches;
	uint64_t forks;          /* processes made since boot */
	uint32_t procs, runnable;
	int last_pid;
	uint64_t load[3];        /* sched/loadavg.h fixed point, 11 fraction bits */
};

/* One CPU as CPUID describes it (/proc/cpuinfo). */
struct procfs_cpuid {
	char vendor[13];
	char model_name[49];
	uint32_t family, model, stepping;
	uint64_t tsc_hz;
};

int64_t procfs_fmt_stat(char *buf, size_t size, const struct proc_info *p);
int64_t procfs_fmt_statm(char *buf, size_t size, const struct proc_info *p);
int64_t procfs_fmt_status(char *buf, size_t size, const struct proc_info *p);
int64_t procfs_fmt_cmdline(char *buf, size_t size, const struct proc_info *p);
int64_t procfs_fmt_comm(char *buf, size_t size, const struct proc_info *p);

int64_t procfs_fmt_meminfo(char *buf, size_t size, const struct procfs_mem *m);
int64_t procfs_fmt_uptime(char *buf, size_t size, const struct procfs_sys *s);
int64_t procfs_fmt_loadavg(char *buf, size_t size, const struct procfs_sys *s);
int64_t procfs_fmt_cpustat(char *buf, size_t size, const struct procfs_sys *s);
int64_t procfs_fmt_cpuinfo(char *buf, size_t size, const struct procfs_cpuid *c, uint32_t ncpus);
int64_t procfs_fmt_version(char *buf, size_t size);

/* Nanoseconds to clock ticks. */
static inline uint64_t procfs_ticks(uint64_t ns) { return ns / (1000000000u / PROCFS_HZ); }
