/*
 * The console's pacer (see pacer.h): sleeps until a write leaves a redraw
 * owed, then until the redraw is allowed, and has it drawn.
 *
 * The wake-up comes from console_write through the function registered
 * with console_start_pacing, after the console lock is dropped. The wait
 * condition reads the owed flag without that lock: a stale "nothing owed"
 * cannot lose the wake-up, since the writer sets the flag before it takes
 * the wait queue's lock to wake us.
 */
#include "tty/pacer.h"

#include "console/console.h"
#include "core/kprintf.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "time/clock.h"

static struct wait_queue pacer_wq = WAIT_QUEUE_INIT("console pacer");

static bool owed(void *arg)
{
	(void)arg;
	return console_redraw_pending();
}

static void pacer_wake(void)
{
	wake_one(&pacer_wq);
}

static void pacer_thread(void *arg)
{
	(void)arg;
	for (;;) {
		wait_event(&pacer_wq, owed, NULL);
		/* Sleep only for a time still ahead: a sleep always lasts
		 * until a scheduler tick, even for a deadline already past.
		 * A kprintf may draw meanwhile and move the time on. */
		for (uint64_t due; (due = console_redraw_due()) != 0 && clock_ns() < due;)
			thread_sleep_until(due);
		console_drain(); /* draws what is owed, if anything still is */
	}
}

void pacer_start(void)
{
	if (!console_has_framebuffer())
		return;
	if (!thread_spawn_detached("console", pacer_thread, NULL, ~0ull)) {
		kprintf("console: cannot start the pacer thread; the screen is drawn on every "
		        "write\n");
		return;
	}
	console_start_pacing(pacer_wake);
}
