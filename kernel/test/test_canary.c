/*
 * test=canary: overwrite a protected function's canary on purpose (writing
 * past a local array through a volatile pointer the compiler cannot see
 * through), so the return check calls __stack_chk_fail, which must name the
 * function.
 */
#include "core/canary.h"
#include "core/kprintf.h"
#include "test/ktest.h"

__attribute__((noinline)) static void smash(volatile char *p, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = 'A';
}

__attribute__((noinline)) static int victim(int n)
{
	char buf[16];
	smash(buf, n);
	return buf[0];
}

bool ktest_canary(void)
{
	kprintf("canary: seeded from %s; overflowing a 16-byte buffer by 24 bytes\n",
	        canary_source());
	canary_expect();
	victim(16 + 24);
	return false;
}
