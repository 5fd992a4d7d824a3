/*
 * /proc (see procfs.h): which files there are, and where each one's
 * figures come from. The text itself is procfs_fmt.c's.
 *
 *   /proc/PID/{stat,statm,status,cmdline,comm}  one directory per process
 *   /proc/self                                   -> the reader's PID
 *   /proc/{meminfo,stat,uptime,loadavg,cpuinfo,version,mounts}
 *
 * The root's refresh (synth.h) runs before every lookup in /proc and every
 * listing of it, and makes the PID directories match the process list:
 * one for each process alive or a zombie, none for a process reaped. A
 * file's contents come from proc_info(pid), which looks the process up by
 * pid under the tree lock each time and copies what it needs; nothing here
 * keeps a pointer to a struct proc, which the wait4 that reaps it frees.
 * So a file of a process that is gone fails to open (ENOENT, as on Linux),
 * and one opened before it went keeps the snapshot it was given.
 */
#include "proc/procfs.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "core/kprintf.h"
#include "fs/synth.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "lib/vsnprintf.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/pmm.h"
#include "proc/proc.h"
#include "proc/procfs_fmt.h"
#include "sched/loadavg.h"
#include "sched/sched.h"
#include "sched/wait.h"
#include "time/clock.h"

/* ---- /proc/PID ---------------------------------------------------------------- */

typedef int64_t (*fmt_proc_fn)(char *buf, size_t size, const struct proc_info *p);

/* The process as it is now, formatted; -ENOENT once it is reaped. The
 * copy is 4 KiB (argv), too much for a kernel stack. */
static int64_t show_proc(uint64_t pid, char *buf, size_t size, fmt_proc_fn fmt)
{
	struct proc_info *p = kmalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	int64_t r = proc_info((int)pid, p);
	if (r == 0)
		r = fmt(buf, size, p);
	kfree(p);
	return r;
}

static int64_t show_stat(uint64_t pid, char *buf, size_t size)
{
	return show_proc(pid, buf, size, procfs_fmt_stat);
}
static int64_t show_statm(uint64_t pid, char *buf, size_t size)
{
	return show_proc(pid, buf, size, procfs_fmt_statm);
}
static int64_t show_status(uint64_t pid, char *buf, size_t size)
{
	return show_proc(pid, buf, size, procfs_fmt_status);
}
static int64_t show_cmdline(uint64_t pid, char *buf, size_t size)
{
	return show_proc(pid, buf, size, procfs_fmt_cmdline);
}
static int64_t show_comm(uint64_t pid, char *buf, size_t size)
{
	return show_proc(pid, buf, size, procfs_fmt_comm);
}

static const struct synth_ops stat_ops = {.show = show_stat};
static const struct synth_ops statm_ops = {.show = show_statm};
static const struct synth_ops status_ops = {.show = show_status};
static const struct synth_ops cmdline_ops = {.show = show_cmdline};
static const struct synth_ops comm_ops = {.show = show_comm};

static const struct synth_entry pid_files[] = {
	{"cmdline", S_IFREG | 0444, &cmdline_ops},
	{"comm", S_IFREG | 0444, &comm_ops},
	{"stat", S_IFREG | 0444, &stat_ops},
	{"statm", S_IFREG | 0444, &statm_ops},
	{"status", S_IFREG | 0444, &status_ops},
};

/* A PID directory: fixed entries, so no refresh; its ops also mark which
 * of the root's entries are PID directories (synth_sync's kind). */
static const struct synth_ops pid_dir_ops = {0};

static void make_pid_dir(struct inode *root, uint64_t pid)
{
	char name[16];
	ksnprintf(name, sizeof(name), "%llu", (unsigned long long)pid);
	/* Out of memory: no directory for now; the next refresh tries again. */
	synth_add(root, name, S_IFDIR | 0555, &pid_dir_ops, pid, pid_files,
	          sizeof(pid_files) / sizeof(pid_files[0]));
}

static void refresh_root(struct inode *root, uint64_t arg)
{
	(void)arg;
	uint64_t *pids = kmalloc(PROC_MAX * sizeof(*pids));
	if (!pids)
		return; /* the entries stay as they were */
	uint32_t n = proc_pids(pids, PROC_MAX);
	synth_sync(root, &pid_dir_ops, pids, n < PROC_MAX ? n : PROC_MAX, make_pid_dir);
	kfree(pids);
}

/* /proc/self: the pid of whoever looks. A kernel thread (the kernel
 * shell) is no process: -ENOENT, as Linux gives a kernel thread. */
static int self_target(uint64_t arg, char *buf, size_t size)
{
	(void)arg;
	struct proc *p = proc_current();
	if (!p)
		return -ENOENT;
	return ksnprintf(buf, size, "%d", p->pid);
}

/* ---- The system's files ------------------------------------------------------ */

/* The figures of /proc/stat, uptime and loadavg, taken now. */
static void gather_sys(struct procfs_sys *s)
{
	s->ncpus = 0;
	s->context_switches = 0;
	for (uint32_t i = 0; i < percpu_count() && s->ncpus < PROCFS_MAX_CPUS; i++) {
		if (!percpu_get(i)->online)
			continue;
		uint64_t idle, total;
		sched_cpu_time(i, &idle, &total);
		s->cpu[s->ncpus].idle_ns = idle;
		s->cpu[s->ncpus].busy_ns = total - idle;
		s->ncpus++;
		s->context_switches += sched_switches(i);
	}
	s->uptime_ns = clock_ns();
	struct vfs_time now;
	vfs_now(&now);
	s->boot_epoch = now.sec - (int64_t)(s->uptime_ns / 1000000000u);
	s->forks = proc_forks();
	s->procs = proc_count();
	s->runnable = proc_runnable();
	s->last_pid = proc_last_pid();
	loadavg_get(s->load);
}

typedef int64_t (*fmt_sys_fn)(char *buf, size_t size, const struct procfs_sys *s);

static int64_t show_sys(char *buf, size_t size, fmt_sys_fn fmt)
{
	struct procfs_sys *s = kmalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	gather_sys(s);
	int64_t r = fmt(buf, size, s);
	kfree(s);
	return r;
}

static int64_t show_cpustat(uint64_t arg, char *buf, size_t size)
{
	(void)arg;
	return show_sys(buf, size, procfs_fmt_cpustat);
}
static int64_t show_uptime(uint64_t arg, char *buf, size_t size)
{
	(void)arg;
	return show_sys(buf, size, procfs_fmt_uptime);
}
static int64_t show_loadavg(uint64_t arg, char *buf, size_t size)
{
	(void)arg;
	return show_sys(buf, size, procfs_fmt_loadavg);
}

static int64_t show_meminfo(uint64_t arg, char *buf, size_t size)
{
	(void)arg;
	struct pmm_stats st;
	pmm_stats(mm_pmm(), &st);
	struct vfs_usage u;
	vfs_usage(&u);
	struct heap_stats hs;
	kheap_stats(&hs);
	struct procfs_mem m = {
		.total = st.total_pages,
		.free = st.free_pages,
		.file_pages = u.data_pages,
		.heap_pages = hs.pages,
	};
	return procfs_fmt_meminfo(buf, size, &m);
}

static void cpuid_string(uint32_t leaf, char *out)
{
	uint32_t r[4];
	cpu_cpuid(leaf, 0, &r[0], &r[1], &r[2], &r[3]);
	memcpy(out, r, sizeof(r));
}

static int64_t show_cpuinfo(uint64_t arg, char *buf, size_t size)
{
	(void)arg;
	struct procfs_cpuid c;
	memset(&c, 0, sizeof(c));
	uint32_t a, b, cx, d;
	cpu_cpuid(0, 0, &a, &b, &cx, &d);
	memcpy(c.vendor, &b, 4); /* "GenuineIntel" is EBX, EDX, ECX (SDM vol. 2A, CPUID leaf 0) */
	memcpy(c.vendor + 4, &d, 4);
	memcpy(c.vendor + 8, &cx, 4);
	cpu_cpuid(1, 0, &a, &b, &cx, &d);
	/* Family and model with their extended parts (SDM vol. 2A, CPUID leaf 1). */
	uint32_t family = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family == 0x6 || family >= 0xf)
		model |= ((a >> 16) & 0xf) << 4;
	c.family = family;
	c.model = model;
	c.stepping = a & 0xf;
	cpu_cpuid(0x80000000u, 0, &a, &b, &cx, &d);
	if (a >= 0x80000004u) {
		for (uint32_t i = 0; i < 3; i++)
			cpuid_string(0x80000002u + i, c.model_name + 16 * i);
		c.model_name[48] = 0;
	} else {
		strncpy_safe(c.model_name, "unknown", sizeof(c.model_name));
	}
	c.tsc_hz = clock_tsc_hz();
	return procfs_fmt_cpuinfo(buf, size, &c, percpu_online());
}

static int64_t show_version(uint64_t arg, char *buf, size_t size)
{
	(void)arg;
	return procfs_fmt_version(buf, size);
}

/* What is mounted: the root ramfs (Linux calls an initramfs root "rootfs")
 * and this. */
static int64_t show_mounts(uint64_t arg, char *buf, size_t size)
{
	(void)arg;
	return ksnprintf(buf, size,
	                 "rootfs / rootfs rw 0 0\nproc /proc proc rw,nosuid,nodev,noexec 0 0\n");
}

static const struct synth_ops cpustat_ops = {.show = show_cpustat};
static const struct synth_ops uptime_ops = {.show = show_uptime};
static const struct synth_ops loadavg_ops = {.show = show_loadavg};
static const struct synth_ops meminfo_ops = {.show = show_meminfo};
static const struct synth_ops cpuinfo_ops = {.show = show_cpuinfo};
static const struct synth_ops version_ops = {.show = show_version};
static const struct synth_ops mounts_ops = {.show = show_mounts};
static const struct synth_ops self_ops = {.target = self_target};
static const struct synth_ops root_ops = {.refresh = refresh_root};

static const struct synth_entry root_files[] = {
	{"self", S_IFLNK | 0777, &self_ops},
	{"cpuinfo", S_IFREG | 0444, &cpuinfo_ops},
	{"loadavg", S_IFREG | 0444, &loadavg_ops},
	{"meminfo", S_IFREG | 0444, &meminfo_ops},
	{"mounts", S_IFREG | 0444, &mounts_ops},
	{"stat", S_IFREG | 0444, &cpustat_ops},
	{"uptime", S_IFREG | 0444, &uptime_ops},
	{"version", S_IFREG | 0444, &version_ops},
};

/* The one instance (procfs_init makes it), and once mounted, where it is
 * as stat shows it. Guarded by mount_lock. */
static struct inode *root;
static bool mounted;
static struct kstat root_stat;
static struct mutex mount_lock = MUTEX_INIT("procfs mount");

int procfs_mount(struct inode *dir, const char *path)
{
	if (!root)
		return -ENODEV;
	mutex_lock(&mount_lock);
	int err;
	if (mounted) {
		/* Mounted already: there again is a no-op, elsewhere busy. */
		struct kstat st;
		err = vfs_stat(dir, path, &st, 0);
		if (!err && !S_ISDIR(st.mode))
			err = -ENOTDIR;
		if (!err && (st.dev != root_stat.dev || st.ino != root_stat.ino))
			err = -EBUSY;
	} else {
		err = vfs_mount(dir, path, root);
		if (!err)
			err = vfs_stat(dir, path, &root_stat, 0);
		mounted = !err;
	}
	mutex_unlock(&mount_lock);
	return err;
}

/* Build the tree, and mount it on /proc if the root file system has that
 * directory, as every Linux initramfs and root does (without one, the
 * root stays empty and mount(2) can put /proc where it is wanted). */
void procfs_init(void)
{
	struct inode *r;
	size_t nfiles = sizeof(root_files) / sizeof(root_files[0]);
	int err = synth_new_root(&root_ops, 0, root_files, nfiles, &r);
	if (err) {
		kprintf("procfs: no /proc: %s (%s)\n", errno_text(err), errno_name(err));
		return;
	}
	root = r;
	struct kstat st;
	if (vfs_stat(NULL, "/proc", &st, 0) == 0 && (err = procfs_mount(NULL, "/proc")))
		kprintf("procfs: cannot mount on /proc: %s (%s)\n", errno_text(err),
		        errno_name(err));
}
