/*
 * Shell commands about the machine as a whole: clear, echo, uptime, date,
 * reboot, poweroff, threads.
 */
#include "acpi/power.h"
#include "console/console.h"
#include "dev/rtc.h"
#include "core/kprintf.h"
#include "arch/x86_64/percpu.h"
#include "sched/thread.h"
#include "shell/shell.h"
#include "time/clock.h"
#include "time/timer.h"

int cmd_clear(int argc, char **argv)
{
	(void)argc, (void)argv;
	/* Default colours first: ESC[2J erases in the current background. */
	console_write("\033[0m\033[2J\033[H", 11);
	return 0;
}

int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		kprintf("%s%s", argv[i], i + 1 < argc ? " " : "");
	kprintf("\n");
	return 0;
}

int cmd_uptime(int argc, char **argv)
{
	(void)argc, (void)argv;
	uint64_t ms = clock_ns() / 1000000;
	uint64_t s = ms / 1000;
	kprintf("up %llud %02llu:%02llu:%02llu.%03llu (%llu timer ticks at %u Hz)\n",
	        (unsigned long long)(s / 86400), (unsigned long long)(s / 3600 % 24),
	        (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60),
	        (unsigned long long)(ms % 1000), (unsigned long long)timer_ticks(), timer_hz());
	return 0;
}

int cmd_date(int argc, char **argv)
{
	(void)argc, (void)argv;
	struct rtc_time t;
	if (!rtc_read(&t)) {
		kprintf("date: the CMOS clock did not give a valid time\n");
		return 0;
	}
	kprintf("%04u-%02u-%02u %02u:%02u:%02u (CMOS RTC time; usually UTC under QEMU)\n", t.year,
	        t.month, t.day, t.hour, t.minute, t.second);
	return 0;
}

int cmd_reboot(int argc, char **argv)
{
	(void)argc, (void)argv;
	power_reboot();
}

int cmd_poweroff(int argc, char **argv)
{
	(void)argc, (void)argv;
	power_off(); /* returns only if it failed, having said why */
	return 0;
}

static void print_thread(const struct thread *t, void *ctx)
{
	(void)ctx;
	uint32_t st = atomic_load_explicit(&t->state, memory_order_relaxed);
	uint64_t us = clock_tsc_to_ns(t->run_tsc) / 1000;
	kprintf("  %-4u %-22s %-9s %-3u %8llu.%03llu  %llu\n", t->id, t->name, thread_state_name(st),
	        t->cpu, (unsigned long long)(us / 1000), (unsigned long long)(us % 1000),
	        (unsigned long long)t->switches);
}

int cmd_threads(int argc, char **argv)
{
	(void)argc, (void)argv;
	kprintf("%u threads on %u CPUs\n", thread_count(), percpu_online());
	kprintf("  id   name                   state     cpu  run ms      switches\n");
	thread_for_each(print_thread, NULL);
	return 0;
}
