/*
 * Input self-tests, driven by the harness through QEMU (tests/boot):
 *
 * test=keyboard: prints "keyboard: ready", then collects bytes from the input
 * queue until a newline and prints them back ("keyboard: got '...'"), with
 * non-printable bytes as \xNN. The harness types with the monitor's sendkey
 * and checks the echo; the same test passes serial input through, since
 * both sources feed one queue.
 *
 * test=keyboard-burst burst=N: prints "keyboard-burst: ready" and does NOT
 * read while the harness injects N key presses, so the 256-byte queue fills
 * and the rest must be counted as dropped. The harness then writes one byte
 * to the serial port; its arrival (counted even when the queue is full) ends
 * the wait. The test prints how many key bytes were received and dropped and
 * the received characters, which the harness checks against what it sent.
 */
#include "arch/x86_64/cpu.h"
#include "boot/boot.h"
#include "dev/input.h"
#include "core/kprintf.h"
#include "test/ktest.h"
#include "time/clock.h"

#define INPUT_TIMEOUT_NS (120ull * 1000000000ull) /* guest time */

/* Wait (halting between interrupts) until cond() holds or the timeout. */
static bool wait_for(bool (*cond)(void))
{
	uint64_t deadline = clock_ns() + INPUT_TIMEOUT_NS;
	while (!cond()) {
		if (clock_ns() > deadline)
			return false;
		cpu_cli();
		if (!cond())
			cpu_sti_hlt(); /* no lost wake-up: sti takes effect after hlt starts */
		else
			cpu_sti();
	}
	return true;
}

static bool have_input(void) { return input_pending() > 0; }

static void put_escaped(char c)
{
	unsigned char u = (unsigned char)c;
	if (u >= 0x20 && u < 0x7f && u != '\\' && u != '\'')
		kprintf("%c", c);
	else
		kprintf("\\x%02x", u);
}

bool ktest_keyboard(void)
{
	char line[256];
	size_t n = 0;

	cpu_sti();
	kprintf("keyboard: ready\n");
	for (;;) {
		if (!wait_for(have_input)) {
			kprintf("keyboard: timed out after %zu bytes\n", n);
			return false;
		}
		int c = input_getc();
		if (c == '\n' || c == '\r')
			break;
		if (n < sizeof(line))
			line[n++] = (char)c;
	}
	kprintf("keyboard: got '");
	for (size_t i = 0; i < n; i++)
		put_escaped(line[i]);
	struct input_stats st = input_stats();
	kprintf("'\nkeyboard: %llu bytes from the keyboard, %llu from serial, %llu dropped\n",
	        (unsigned long long)st.received[INPUT_KEYBOARD],
	        (unsigned long long)st.received[INPUT_SERIAL],
	        (unsigned long long)(st.dropped[INPUT_KEYBOARD] + st.dropped[INPUT_SERIAL]));
	return true;
}

static bool serial_arrived(void) { return input_stats().received[INPUT_SERIAL] > 0; }

bool ktest_keyboard_burst(void)
{
	size_t len;
	const char *v = boot_cmdline_get("burst", &len);
	unsigned long long want = 0;

	for (size_t i = 0; v && i < len && v[i] >= '0' && v[i] <= '9'; i++)
		want = want * 10 + (unsigned long long)(v[i] - '0');
	if (!want) {
		kprintf("keyboard-burst: needs burst=N on the command line\n");
		return false;
	}
	cpu_sti();
	kprintf("keyboard-burst: ready for %llu keys\n", want);
	if (!wait_for(serial_arrived)) {
		kprintf("keyboard-burst: no end marker on serial\n");
		return false;
	}
	cpu_cli();
	struct input_stats st = input_stats();
	unsigned long long got = st.received[INPUT_KEYBOARD] - st.dropped[INPUT_KEYBOARD];
	kprintf("keyboard-burst: received %llu dropped %llu\n", got,
	        (unsigned long long)st.dropped[INPUT_KEYBOARD]);
	kprintf("keyboard-burst: data ");
	for (int c; (c = input_getc()) >= 0;)
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			kprintf("%c", c);
	kprintf("\n");
	return true;
}
