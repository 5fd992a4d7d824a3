/*
 * The boot log: everything the loader says, plus details too long for the
 * screen (every GOP mode, the memory map by type, the ACPI tables, the CPU's
 * features, the kernel's segments), kept in memory and written to
 * \EFI\BOOT\BOOTLOG.TXT on the loader's own volume just before
 * ExitBootServices, or before the loader returns to the firmware after an
 * error. A person without a serial port can then take the stick to another
 * computer and read what happened (docs/real-hardware.md).
 *
 * The text is ASCII with CRLF line ends (it is read on Windows too), kept in
 * a textlog (textlog.c: it cannot overrun, and says so when it is full). The
 * buffer is allocated on the first line; if that fails, the log is missing
 * and the loader says so when it would write it. Writing is best effort: a read-only or
 * full medium gets a warning on screen, never an error, because a missing
 * log must not stop a machine from booting.
 */
#include "loader.h"
#include "cpu.h"
#include "textlog.h"

#define BOOTLOG_CAP (64u * 1024u)

static struct textlog bootlog;
static int bootlog_closed; /* freed: lines after that are dropped */

static void bootlog_put(const CHAR16 *s)
{
	if (bootlog_closed)
		return;
	if (!bootlog.buf) {
		void *buf;
		if (EFI_ERROR(gBS->AllocatePool(EfiLoaderData, BOOTLOG_CAP, &buf)))
			return; /* tried again on the next line */
		textlog_init(&bootlog, buf, BOOTLOG_CAP);
	}
	textlog_put(&bootlog, (const uint16_t *)s);
}

void ldr_bootlog_vline(const CHAR16 *prefix, const CHAR16 *fmt, va_list ap)
{
	CHAR16 line[LDR_MESSAGE_MAX];

	if (bootlog_closed || bootlog.full)
		return;
	fmt_vformat(line, LDR_MESSAGE_MAX, fmt, ap);
	bootlog_put(prefix);
	bootlog_put(line);
	bootlog_put(L"\n");
}

void ldr_bootlog_line(const CHAR16 *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ldr_bootlog_vline(L"", fmt, ap);
	va_end(ap);
}

void ldr_detail(const CHAR16 *fmt, ...)
{
	UINT64 t0 = ldr_rdtsc();
	va_list ap;
	va_start(ap, fmt);
	ldr_bootlog_vline(L"  ", fmt, ap);
	va_end(ap);
	ldr_log_ticks += ldr_rdtsc() - t0;
}

/* Replace the file: open (creating it), truncate by deleting when it already
 * held something, then write. Returns the first failing status. */
static EFI_STATUS bootlog_store(EFI_FILE_HANDLE root, const CHAR16 *path)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS st;
	UINT64 mode = EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE;

	st = root->Open(root, &f, (CHAR16 *)path, mode, 0);
	if (EFI_ERROR(st))
		return st;
	/* An old, longer log must not leave its tail behind: delete and create
	 * again when the file is not empty (or its size is unknown). */
	EFI_FILE_INFO *info;
	int empty = !EFI_ERROR(ldr_file_info(f, &info)) && info->FileSize == 0;
	if (info)
		gBS->FreePool(info);
	if (!empty) {
		st = f->Delete(f); /* closes the handle, even when it fails */
		if (st != EFI_SUCCESS)
			return st;
		st = root->Open(root, &f, (CHAR16 *)path, mode, 0);
		if (EFI_ERROR(st))
			return st;
	}
	UINTN n = bootlog.len;
	st = f->Write(f, &n, bootlog.buf);
	if (!EFI_ERROR(st) && n != bootlog.len)
		st = EFI_VOLUME_FULL;
	EFI_STATUS fst = f->Flush(f);
	f->Close(f);
	return EFI_ERROR(st) ? st : fst;
}

void ldr_bootlog_write(EFI_FILE_HANDLE root)
{
	if (!root)
		return; /* the volume never opened: nowhere to write */
	if (!bootlog.buf) {
		ldr_warn(L"boot log %s not written: no memory for its buffer",
		         LDR_BOOTLOG_PATH);
		return;
	}
	ldr_info(L"writing the boot log to %s", LDR_BOOTLOG_PATH);
	EFI_STATUS st = bootlog_store(root, LDR_BOOTLOG_PATH);
	if (EFI_ERROR(st)) {
		/* A warning, not an error: the boot goes on without the file. */
		ldr_warn(L"boot log %s not written: %s (EFI status 0x%lx)", LDR_BOOTLOG_PATH,
		         ldr_status_str(st), (UINT64)st);
	}
}

void ldr_bootlog_free(void)
{
	if (bootlog.buf)
		gBS->FreePool(bootlog.buf);
	textlog_init(&bootlog, NULL, 0);
	bootlog_closed = 1; /* no new buffer for lines printed after this */
}
