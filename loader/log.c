/*
 * Loader messages. Everything goes through the firmware console (ConOut),
 * which on OVMF is both the screen and the serial port, so a person at a real
 * machine and a test reading serial see the same text. Errors end by waiting
 * for a key or ten seconds, so the message can be read before the firmware
 * moves on to the next boot option. Every line also goes to the boot log
 * (bootlog.c), which the loader writes to the ESP.
 */
#include "loader.h"
#include "cpu.h"


static UINT64 error_wait_us = 10ull * 1000 * 1000;

void ldr_set_error_timeout(UINT32 seconds) { error_wait_us = (UINT64)seconds * 1000 * 1000; }

void ldr_info(const CHAR16 *fmt, ...)
{
	UINT64 t0 = ldr_rdtsc();
	va_list ap;
	va_start(ap, fmt);
	Print(L"kestrel: ");
	VPrint(fmt, ap);
	Print(L"\n");
	va_end(ap);
	va_start(ap, fmt);
	ldr_bootlog_vline(L"", fmt, ap);
	va_end(ap);
	ldr_log_ticks += ldr_rdtsc() - t0;
}

EFI_STATUS ldr_error(EFI_STATUS status, const CHAR16 *fmt, ...)
{
	va_list ap;
	CHAR16 desc[64], msg[LDR_MESSAGE_MAX];
	UINT64 t0 = ldr_rdtsc();

	StatusToString(desc, status);
	va_start(ap, fmt);
	VSPrint(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	Print(L"kestrel: error: %s: %s (EFI status 0x%lx)\n", msg, desc, (UINT64)status);
	ldr_bootlog_line(L"error: %s: %s (EFI status 0x%lx)", msg, desc, (UINT64)status);
	ldr_log_ticks += ldr_rdtsc() - t0;
	return status;
}

/* Wait for a key press or the error timeout, whichever comes first. */
void ldr_wait_before_return(void)
{
	EFI_EVENT events[2];
	EFI_EVENT timer;
	UINTN index;

	Print(L"kestrel: returning to the firmware in %lu seconds (press a key to continue now)\n",
	      error_wait_us / 1000000);
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
