/*
 * The kernel's own Linux ABI definitions against Linux's headers on the
 * build machine (linux-libc-dev): every system-call name by number
 * (kernel/proc/syscall_names.c), and the structure layouts the system
 * calls write for programs, field by field.
 */
#include <asm/sigcontext.h>
#include <asm/siginfo.h>
#include <asm/signal.h>
#include <asm/stat.h>
#include <asm/ucontext.h>
#include <asm/unistd.h>
#include <linux/stat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proc/abi.h"
#include "proc/syscall_names.h"

static void test_names(void **state)
{
	(void)state;
	int checked = 0;
#define CHECK_NR(name)                                                   \
	do {                                                                 \
		assert_true(__NR_##name < SYSCALL_NAMES);                        \
		assert_non_null(syscall_names[__NR_##name]);                     \
		assert_string_equal(syscall_names[__NR_##name], #name);          \
		checked++;                                                       \
	} while (0)
	CHECK_NR(read); CHECK_NR(write); CHECK_NR(open); CHECK_NR(close); CHECK_NR(stat);
	CHECK_NR(fstat); CHECK_NR(lstat); CHECK_NR(poll); CHECK_NR(lseek); CHECK_NR(mmap);
	CHECK_NR(mprotect); CHECK_NR(munmap); CHECK_NR(brk); CHECK_NR(rt_sigaction);
	CHECK_NR(rt_sigprocmask); CHECK_NR(rt_sigreturn); CHECK_NR(ioctl); CHECK_NR(pread64);
	CHECK_NR(pwrite64); CHECK_NR(readv); CHECK_NR(writev); CHECK_NR(access); CHECK_NR(pipe);
	CHECK_NR(select); CHECK_NR(sched_yield); CHECK_NR(madvise); CHECK_NR(dup); CHECK_NR(dup2);
	CHECK_NR(nanosleep); CHECK_NR(getpid); CHECK_NR(sendfile); CHECK_NR(clone); CHECK_NR(fork);
	CHECK_NR(vfork); CHECK_NR(execve); CHECK_NR(exit); CHECK_NR(wait4); CHECK_NR(kill);
	CHECK_NR(uname); CHECK_NR(fcntl); CHECK_NR(fsync); CHECK_NR(fdatasync); CHECK_NR(truncate);
	CHECK_NR(ftruncate); CHECK_NR(getcwd); CHECK_NR(chdir); CHECK_NR(fchdir); CHECK_NR(rename);
	CHECK_NR(mkdir); CHECK_NR(rmdir); CHECK_NR(creat); CHECK_NR(link); CHECK_NR(unlink);
	CHECK_NR(symlink); CHECK_NR(readlink); CHECK_NR(chmod); CHECK_NR(fchmod); CHECK_NR(chown);
	CHECK_NR(fchown); CHECK_NR(lchown); CHECK_NR(umask); CHECK_NR(gettimeofday);
	CHECK_NR(getrlimit); CHECK_NR(sysinfo); CHECK_NR(times); CHECK_NR(getuid); CHECK_NR(getgid);
	CHECK_NR(geteuid); CHECK_NR(getegid); CHECK_NR(setpgid); CHECK_NR(getppid); CHECK_NR(getpgrp);
	CHECK_NR(setsid); CHECK_NR(getpgid); CHECK_NR(getsid); CHECK_NR(rt_sigsuspend); CHECK_NR(mknod);
	CHECK_NR(prctl); CHECK_NR(arch_prctl); CHECK_NR(sync); CHECK_NR(reboot); CHECK_NR(gettid);
	CHECK_NR(time); CHECK_NR(getdents64); CHECK_NR(set_tid_address); CHECK_NR(clock_gettime);
	CHECK_NR(clock_getres); CHECK_NR(clock_nanosleep); CHECK_NR(exit_group); CHECK_NR(tgkill);
	CHECK_NR(openat); CHECK_NR(mkdirat); CHECK_NR(mknodat); CHECK_NR(fchownat);
	CHECK_NR(newfstatat); CHECK_NR(unlinkat); CHECK_NR(renameat); CHECK_NR(linkat);
	CHECK_NR(symlinkat); CHECK_NR(readlinkat); CHECK_NR(fchmodat); CHECK_NR(faccessat);
	CHECK_NR(pselect6); CHECK_NR(ppoll); CHECK_NR(set_robust_list); CHECK_NR(utimensat);
	CHECK_NR(dup3); CHECK_NR(pipe2); CHECK_NR(prlimit64); CHECK_NR(renameat2); CHECK_NR(getrandom);
	CHECK_NR(statx); CHECK_NR(faccessat2); CHECK_NR(rseq); CHECK_NR(futex); CHECK_NR(mount);
	assert_int_equal(SYSCALL_NAMES, __NR_faccessat2 + 12); /* the table ends where Linux 6.1's does */
	assert_true(checked > 100);
}

#define SAME(ours, field_ours, theirs, field_theirs)                                   \
	do {                                                                               \
		assert_int_equal(offsetof(struct ours, field_ours), offsetof(struct theirs, field_theirs)); \
		assert_int_equal(sizeof(((struct ours *)0)->field_ours),                         \
		                 sizeof(((struct theirs *)0)->field_theirs));                    \
	} while (0)

/* proc/abi.h against Linux's struct stat, struct statx, struct sigcontext
 * and struct ucontext, field by field. */
static void test_layouts(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct kernel_stat), sizeof(struct stat));
	SAME(kernel_stat, dev, stat, st_dev);
	SAME(kernel_stat, ino, stat, st_ino);
	SAME(kernel_stat, nlink, stat, st_nlink);
	SAME(kernel_stat, mode, stat, st_mode);
	SAME(kernel_stat, uid, stat, st_uid);
	SAME(kernel_stat, gid, stat, st_gid);
	SAME(kernel_stat, rdev, stat, st_rdev);
	SAME(kernel_stat, size, stat, st_size);
	SAME(kernel_stat, blksize, stat, st_blksize);
	SAME(kernel_stat, blocks, stat, st_blocks);
	SAME(kernel_stat, atime, stat, st_atime);
	SAME(kernel_stat, atime_ns, stat, st_atime_nsec);
	SAME(kernel_stat, mtime, stat, st_mtime);
	SAME(kernel_stat, mtime_ns, stat, st_mtime_nsec);
	SAME(kernel_stat, ctime, stat, st_ctime);
	SAME(kernel_stat, ctime_ns, stat, st_ctime_nsec);

	assert_int_equal(sizeof(struct kernel_statx), sizeof(struct statx));
	SAME(kernel_statx, mask, statx, stx_mask);
	SAME(kernel_statx, blksize, statx, stx_blksize);
	SAME(kernel_statx, attributes, statx, stx_attributes);
	SAME(kernel_statx, nlink, statx, stx_nlink);
	SAME(kernel_statx, uid, statx, stx_uid);
	SAME(kernel_statx, gid, statx, stx_gid);
	SAME(kernel_statx, mode, statx, stx_mode);
	SAME(kernel_statx, ino, statx, stx_ino);
	SAME(kernel_statx, size, statx, stx_size);
	SAME(kernel_statx, blocks, statx, stx_blocks);
	SAME(kernel_statx, atime, statx, stx_atime);
	SAME(kernel_statx, btime, statx, stx_btime);
	SAME(kernel_statx, ctime, statx, stx_ctime);
	SAME(kernel_statx, mtime, statx, stx_mtime);
	SAME(kernel_statx, rdev_major, statx, stx_rdev_major);
	SAME(kernel_statx, rdev_minor, statx, stx_rdev_minor);
	SAME(kernel_statx, dev_major, statx, stx_dev_major);
	SAME(kernel_statx, dev_minor, statx, stx_dev_minor);

	assert_int_equal(sizeof(struct sigcontext_user), sizeof(struct sigcontext));
	SAME(sigcontext_user, r8, sigcontext, r8);
	SAME(sigcontext_user, r15, sigcontext, r15);
	SAME(sigcontext_user, rdi, sigcontext, rdi);
	SAME(sigcontext_user, rax, sigcontext, rax);
	SAME(sigcontext_user, rsp, sigcontext, rsp);
	SAME(sigcontext_user, rip, sigcontext, rip);
	SAME(sigcontext_user, eflags, sigcontext, eflags);
	SAME(sigcontext_user, cs, sigcontext, cs);
	SAME(sigcontext_user, ss, sigcontext, ss);
	SAME(sigcontext_user, err, sigcontext, err);
	SAME(sigcontext_user, trapno, sigcontext, trapno);
	SAME(sigcontext_user, oldmask, sigcontext, oldmask);
	SAME(sigcontext_user, cr2, sigcontext, cr2);
	SAME(sigcontext_user, fpstate, sigcontext, fpstate);

	assert_int_equal(offsetof(struct ucontext_user, mc), offsetof(struct ucontext, uc_mcontext));
	assert_int_equal(offsetof(struct ucontext_user, ss_sp), offsetof(struct ucontext, uc_stack));
	assert_int_equal(offsetof(struct ucontext_user, sigmask), offsetof(struct ucontext, uc_sigmask));
	assert_int_equal(sizeof(struct siginfo_user), 128); /* SI_MAX_SIZE */
	assert_int_equal(sizeof(struct siginfo_user), sizeof(siginfo_t));
	/* What a handler and rt_sigtimedwait receive: the kill and SIGCHLD
	 * members of the union. */
	assert_int_equal(offsetof(struct siginfo_user, signo), offsetof(siginfo_t, si_signo));
	assert_int_equal(offsetof(struct siginfo_user, err), offsetof(siginfo_t, si_errno));
	assert_int_equal(offsetof(struct siginfo_user, code), offsetof(siginfo_t, si_code));
	assert_int_equal(offsetof(struct siginfo_user, pid), offsetof(siginfo_t, si_pid));
	assert_int_equal(offsetof(struct siginfo_user, uid), offsetof(siginfo_t, si_uid));
	assert_int_equal(offsetof(struct siginfo_user, status), offsetof(siginfo_t, si_status));
	assert_int_equal(offsetof(struct siginfo_user, pad) + 4, offsetof(siginfo_t, si_addr));

	assert_int_equal(sizeof(struct fpx_sw_bytes), sizeof(struct _fpx_sw_bytes));
	SAME(fpx_sw_bytes, magic1, _fpx_sw_bytes, magic1);
	SAME(fpx_sw_bytes, extended_size, _fpx_sw_bytes, extended_size);
	SAME(fpx_sw_bytes, xfeatures, _fpx_sw_bytes, xfeatures);
	SAME(fpx_sw_bytes, xstate_size, _fpx_sw_bytes, xstate_size);
	assert_int_equal(ABI_FP_XSTATE_MAGIC1, FP_XSTATE_MAGIC1);
	assert_int_equal(ABI_FP_XSTATE_MAGIC2, FP_XSTATE_MAGIC2);
	assert_int_equal(ABI_UC_FP_XSTATE, UC_FP_XSTATE);
	assert_int_equal(ABI_UC_SIGCONTEXT_SS, UC_SIGCONTEXT_SS);
	assert_int_equal(ABI_UC_STRICT_RESTORE_SS, UC_STRICT_RESTORE_SS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_layouts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
