/*
 * The boot log: everything the loader says, plus details too long for the
 * screen (every GOP mode, the memory map by type, the ACPI tables, the CPU's
 * features, the kernel's segments), kept in memory and written to
 * \EFI\BOOT\BOOTLOG.TXT on the loader's own volume just before
 * ExitBootServices, or before the loader returns to the firmware after an
 * error. A person without a serial port can then take the stick to another
 * computer and read what happened (docs/real-hardware.md).
 *
 * The text is ASCII with CRLF line ends (it is read on Windows too). The
 * buffer is allocated on the first line; if that fails, or it fills up, the
 * log keeps what fits and says so. Writing is best effort: a read-only or
 * full medium gets a warning on screen, never an error, because a missing
 * log must not stop a machine from booting.
 */
#include "loader.h"
#include "cpu.h"

#define BOOTLOG_CAP (64u * 1024u)
static const char bootlog_truncated[] = "... (boot log full: later lines dropped)\r\n";

static char *bootlog_buf;
static UINTN bootlog_len;
static int bootlog_full;

static void bootlog_put(const CHAR16 *s)
{
	if (bootlog_full)
		return;
	if (!bootlog_buf) {
		if (EFI_ERROR(gBS->AllocatePool(EfiLoaderData, BOOTLOG_CAP, (void **)&bootlog_buf))) {
			bootlog_buf = NULL;
			return;
		}
	}
	/* Until bootlog_full is set, bootlog_len stays at most this limit, so
	 * the notice always fits after it. */
	UINTN room = BOOTLOG_CAP - sizeof(bootlog_truncated) - bootlog_len;
	for (; *s; s++) {
		if (*s == L'\n') {
			if (room < 2)
				goto full;
			bootlog_buf[bootlog_len++] = '\r';
			bootlog_buf[bootlog_len++] = '\n';
			room -= 2;
			continue;
		}
		if (room < 1)
			goto full;
		/* ASCII only: anything else (a vendor name in UCS-2) becomes '?'. */
		CHAR16 c = *s;
		bootlog_buf[bootlog_len++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		room--;
	}
	return;
full:
	if (!bootlog_full) {
		CopyMem(bootlog_buf + bootlog_len, bootlog_truncated, sizeof(bootlog_truncated) - 1);
		bootlog_len += sizeof(bootlog_truncated) - 1;
		bootlog_full = 1;
	}
}

void ldr_bootlog_vline(const CHAR16 *prefix, const CHAR16 *fmt, va_list ap)
{
	CHAR16 line[LDR_MESSAGE_MAX];

	if (bootlog_full)
		return;
	VSPrint(line, sizeof(line), fmt, ap);
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
	EFI_FILE_INFO *info = LibFileInfo(f);
	int empty = info && info->FileSize == 0;
	if (info)
		FreePool(info);
	if (!empty) {
		st = f->Delete(f); /* closes the handle, even when it fails */
		if (st != EFI_SUCCESS)
			return st;
		st = root->Open(root, &f, (CHAR16 *)path, mode, 0);
		if (EFI_ERROR(st))
			return st;
	}
	UINTN n = bootlog_len;
	st = f->Write(f, &n, bootlog_buf);
	if (!EFI_ERROR(st) && n != bootlog_len)
		st = EFI_VOLUME_FULL;
	EFI_STATUS fst = f->Flush(f);
	f->Close(f);
	return EFI_ERROR(st) ? st : fst;
}

void ldr_bootlog_write(EFI_FILE_HANDLE root)
{
	if (!root)
		return; /* the volume never opened: nowhere to write */
	if (!bootlog_buf) {
		ldr_info(L"warning: boot log %s not written: no memory for its buffer",
		         LDR_BOOTLOG_PATH);
		return;
	}
	ldr_info(L"writing the boot log to %s", LDR_BOOTLOG_PATH);
	EFI_STATUS st = bootlog_store(root, LDR_BOOTLOG_PATH);
	if (EFI_ERROR(st)) {
		CHAR16 desc[64];
		StatusToString(desc, st);
		/* A warning, not an error: the boot goes on without the file. */
		ldr_info(L"warning: boot log %s not written: %s (EFI status 0x%lx)", LDR_BOOTLOG_PATH,
		         desc, (UINT64)st);
	}
}

void ldr_bootlog_free(void)
{
	if (bootlog_buf)
		gBS->FreePool(bootlog_buf);
	bootlog_buf = NULL;
	bootlog_len = 0;
	bootlog_full = 1; /* no new buffer for lines printed after this */
}
