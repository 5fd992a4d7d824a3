/*
 * Loader messages, in three kinds:
 *  - info (ldr_info): what the loader did. It always goes to the boot log
 *    (bootlog.c), which the loader writes to the ESP; the screen gets it only
 *    with "verbose = yes" in KESTREL.CFG.
 *  - notice (ldr_notice): always on the screen too. Only the first line is
 *    one, so a person at the machine sees that the loader started and where
 *    its details are.
 *  - problems (ldr_warn, ldr_error): always on the screen too.
 * Why not print everything: the firmware's console is slow. On OVMF each line
 * goes through the text console, the graphics console's font rendering and
 * the serial port, which cost the loader far more than its own work
 * (scripts/bench measures it as "messages and boot log"); real firmware
 * drawing into a large framebuffer is slower still. The boot log costs only a
 * copy into memory.
 * The screen is ConOut, which on OVMF is both the display and the serial
 * port, so a person at a real machine and a test reading serial see the same
 * text. Errors end by waiting for a key or ten seconds, so the message can be
 * read before the firmware moves on to the next boot option.
 */
#include "loader.h"
#include "cpu.h"


static UINT64 error_wait_us = 10ull * 1000 * 1000;
static int verbose; /* KESTREL.CFG "verbose": info lines on the screen too */

void ldr_set_error_timeout(UINT32 seconds) { error_wait_us = (UINT64)seconds * 1000 * 1000; }

void ldr_set_verbose(int on) { verbose = on; }

/* One line: "kestrel: " and the prefix and message to the screen when
 * on_screen, the prefix and message to the boot log always. */
static void message(int on_screen, const CHAR16 *prefix, const CHAR16 *fmt, va_list ap)
{
	UINT64 t0 = ldr_rdtsc();
	va_list copy;

	if (on_screen) {
		va_copy(copy, ap);
		ldr_print(L"kestrel: %s", prefix);
		ldr_vprint(fmt, copy);
		ldr_print(L"\n");
		va_end(copy);
	}
	ldr_bootlog_vline(prefix, fmt, ap);
	ldr_log_ticks += ldr_rdtsc() - t0;
}

void ldr_info(const CHAR16 *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	message(verbose, L"", fmt, ap);
	va_end(ap);
}

void ldr_notice(const CHAR16 *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	message(1, L"", fmt, ap);
	va_end(ap);
}

void ldr_warn(const CHAR16 *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	message(1, L"warning: ", fmt, ap);
	va_end(ap);
}

EFI_STATUS ldr_error(EFI_STATUS status, const CHAR16 *fmt, ...)
{
	va_list ap;
	CHAR16 msg[LDR_MESSAGE_MAX];
	UINT64 t0 = ldr_rdtsc();
	const CHAR16 *desc = ldr_status_str(status);

	va_start(ap, fmt);
	fmt_vformat(msg, LDR_MESSAGE_MAX, fmt, ap);
	va_end(ap);
	ldr_print(L"kestrel: error: %s: %s (EFI status 0x%lx)\n", msg, desc, (UINT64)status);
	ldr_bootlog_line(L"error: %s: %s (EFI status 0x%lx)", msg, desc, (UINT64)status);
	ldr_log_ticks += ldr_rdtsc() - t0;
	return status;
}

/*
 * The boot manager armed a watchdog before starting the loader (five minutes
 * in EDK2; UEFI 2.10, 7.5.1 SetWatchdogTimer), and the error wait may be
 * longer (timeout accepts up to 600 s): left armed, it would reset the
 * machine into the same failing boot instead of returning to the firmware.
 * The boot manager arms it again for the next boot option. Only the error
 * path disables it: should the loader hang anywhere else, the reset is
 * welcome. The result goes to the boot log (called before it is written).
 */
void ldr_disable_watchdog(void)
{
	EFI_STATUS st = gBS->SetWatchdogTimer(0, 0, 0, NULL);
	if (EFI_ERROR(st))
		ldr_warn(L"cannot disable the firmware's watchdog: %s (EFI status 0x%lx); "
		         L"a long wait may end in a reset", ldr_status_str(st), (UINT64)st);
	else
		ldr_detail(L"firmware watchdog: disabled for the wait before returning");
}

/* Wait for a key press or the error timeout, whichever comes first. */
void ldr_wait_before_return(void)
{
	EFI_EVENT events[2];
	EFI_EVENT timer;
	UINTN index;

	/* ConIn is optional (UEFI 2.10, 4.3: NULL without a console input). */
	ldr_print(L"kestrel: returning to the firmware in %lu seconds%s\n", error_wait_us / 1000000,
	          gST->ConIn ? L" (press a key to continue now)" : L" (no console input for a key)");
	if (EFI_ERROR(gBS->CreateEvent(EVT_TIMER, 0, NULL, NULL, &timer))) {
		gBS->Stall(error_wait_us);
		return;
	}
	/* The timer period is in 100 ns units (UEFI 2.10, 7.1 SetTimer). */
	gBS->SetTimer(timer, TimerRelative, error_wait_us * 10);
	events[0] = gST->ConIn ? gST->ConIn->WaitForKey : timer;
	events[1] = timer;
	gBS->WaitForEvent(2, events, &index);
	gBS->CloseEvent(timer);
	/* Consume the key, or whatever runs next (the firmware's boot menu or
	 * shell) would read it as its own input. */
	if (index == 0 && gST->ConIn) {
		EFI_INPUT_KEY key;
		gST->ConIn->ReadKeyStroke(gST->ConIn, &key);
	}
}
