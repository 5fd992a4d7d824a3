/*
 * A copy of what one process looks like at one moment (proc_info in
 * proc.h), in plain data: what /proc shows about a process, taken under
 * the process-tree lock and formatted after it is released (procfs_fmt.c),
 * so no lock is held while text is made and nothing points back into a
 * struct proc that may be freed meanwhile.
 */
#pragma once

#include <stdint.h>

#define PROC_COMM_MAX 16       /* as Linux's TASK_COMM_LEN */
#define PROC_CMDLINE_MAX 4096  /* bytes of argv kept for /proc/PID/cmdline */

struct proc_info {
	int pid, ppid, pgid, sid;
	uint32_t tty_nr;          /* its controlling terminal's device number (0: none) */
	int tpgid;                /* that terminal's foreground group (-1: none) */
	char state;               /* 'R' running or ready, 'S' sleeping, 'T' stopped, 'Z' zombie */
	char comm[PROC_COMM_MAX]; /* NUL-terminated */
	uint32_t threads;
	uint32_t cpu;             /* the CPU it last ran on */
	uint64_t start_ns;        /* clock_ns() when it was made (fork) */
	uint64_t cpu_ns;          /* CPU time it has used */
	uint64_t children_cpu_ns; /* of the children it reaped */
	uint64_t vm_bytes;        /* its address space's areas */
	uint64_t rss_pages;       /* pages resident */
	uint64_t brk_base, brk;   /* its heap */
	uint64_t sig_pending, sig_blocked, sig_ignored, sig_caught;
	uint32_t umask;
	uint32_t cmdline_len;     /* bytes of cmdline: argv, each with its NUL */
	char cmdline[PROC_CMDLINE_MAX];
};
