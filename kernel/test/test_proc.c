/*
 * test=user: run a user program as process 1 and pass when it exits with
 * status 0. The program is `user.program=PATH` from the command line
 * (default /proc-check, the project's own check of the system calls,
 * tests/user/proc_check.c), read through the file system like any execve;
 * it prints what it checks, and its own verdict line is what the boot test
 * matches, besides this test's.
 */
#include "boot/boot.h"
#include "core/kprintf.h"
#include "lib/string.h"
#include "proc/proc.h"
#include "test/ktest.h"

bool ktest_user(void)
{
	char path[128];
	size_t len;
	const char *p = boot_cmdline_get("user.program", &len);
	if (!p) {
		p = "/proc-check";
		len = strlen(p);
	}
	if (len >= sizeof(path)) {
		kprintf("test user: user.program is too long\n");
		return false;
	}
	memcpy(path, p, len);
	path[len] = 0;
	const char *const argv[] = {path, NULL};
	const char *const envp[] = {"HOME=/", "PATH=/bin:/sbin:/usr/bin:/usr/sbin", "TERM=linux", NULL};
	if (!proc_start_init(path, argv, envp))
		return false;
	int status = proc_wait_init();
	kprintf("test user: %s ended with wait status 0x%x\n", path, status);
	return status == 0;
}
