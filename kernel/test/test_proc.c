/*
 * test=user: run a user program as process 1 and pass when it exits with
 * status 0. The program is `user.program=PATH` from the command line
 * (default /bin/proc-check, the project's own check of the system calls,
 * tests/user/proc_check.c), read through the file system like any execve;
 * it prints what it checks, and its own verdict line is what the boot test
 * matches, besides this test's. `user.args=a,b,c` gives its argv[1..]
 * (commas separate; there is no quoting).
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
		p = "/bin/proc-check";
		len = strlen(p);
	}
	if (len >= sizeof(path)) {
		kprintf("test user: user.program is too long\n");
		return false;
	}
	memcpy(path, p, len);
	path[len] = 0;
	/* argv: the path, then user.args split at commas, into one buffer. */
	static char args[256];
	const char *argv[16] = {path};
	unsigned argc = 1;
	const char *a = boot_cmdline_get("user.args", &len);
	if (a) {
		if (len >= sizeof(args)) {
			kprintf("test user: user.args is too long\n");
			return false;
		}
		memcpy(args, a, len);
		args[len] = 0;
		for (char *s = args; argc < 15;) {
			argv[argc++] = s;
			char *comma = strchr(s, ',');
			if (!comma)
				break;
			*comma = 0;
			s = comma + 1;
		}
	}
	argv[argc] = NULL;
	const char *const envp[] = {"HOME=/", "PATH=/bin:/sbin:/usr/bin:/usr/sbin", "TERM=linux", NULL};
	if (!proc_start_init(path, argv, envp))
		return false;
	int status = proc_wait_init();
	kprintf("test user: %s ended with wait status 0x%x\n", path, status);
	return status == 0;
}
