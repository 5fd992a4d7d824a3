/*
 * What the loader needs from the firmware beyond its tables, written here
 * instead of taken from gnu-efi's libefi.a: the system table pointers,
 * console output, status names, file information and a few comparisons.
 *
 * libefi.a is prebuilt with SSE (its Print family moves arguments through
 * %xmm registers), and a conforming firmware need not have enabled SSE when
 * it starts an application: U-Boot's UEFI leaves CR4.OSFXSR clear, and the
 * first Print raised #UD. The loader now links only gnu-efi's crt0 and
 * relocation code (libgnuefi.a, general registers only); everything else is
 * its own code, compiled with -mgeneral-regs-only, and the build check
 * loader-no-simd proves that no SSE/x87 instruction is left in the binary.
 *
 * Optional parts of the firmware are treated as optional: without a console
 * output (ConOut may be NULL, UEFI 2.10 section 4.3) messages go only to the
 * boot log.
 */
#include "loader.h"

EFI_SYSTEM_TABLE *gST;
EFI_BOOT_SERVICES *gBS;
EFI_RUNTIME_SERVICES *gRT;

void ldr_firmware_init(EFI_SYSTEM_TABLE *st)
{
	gST = st;
	gBS = st->BootServices;
	gRT = st->RuntimeServices;
}

/* OutputString wants "\r\n" line ends (UEFI 2.10, 12.4); the loader's
 * messages use "\n". Copy in chunks, expanding each '\n'. */
static void console_write(const CHAR16 *s)
{
	SIMPLE_TEXT_OUTPUT_INTERFACE *out = gST ? gST->ConOut : NULL;
	CHAR16 chunk[128];
	UINTN n = 0;

	if (!out)
		return;
	for (;; s++) {
		if (*s == '\n')
			chunk[n++] = '\r';
		if (*s)
			chunk[n++] = *s;
		if (!*s || n >= sizeof(chunk) / sizeof(chunk[0]) - 2) {
			chunk[n] = 0;
			out->OutputString(out, chunk);
			n = 0;
		}
		if (!*s)
			break;
	}
}

void ldr_vprint(const CHAR16 *fmt, va_list ap)
{
	CHAR16 buf[LDR_MESSAGE_MAX];

	fmt_vformat(buf, LDR_MESSAGE_MAX, fmt, ap);
	console_write(buf);
}

void ldr_print(const CHAR16 *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ldr_vprint(fmt, ap);
	va_end(ap);
}

/* The names gnu-efi's StatusToString used, which the docs and tests quote. */
const CHAR16 *ldr_status_str(EFI_STATUS st)
{
	static const CHAR16 *const errors[] = {
	        L"Success",          L"Load Error",           L"Invalid Parameter",
	        L"Unsupported",      L"Bad Buffer Size",      L"Buffer Too Small",
	        L"Not Ready",        L"Device Error",         L"Write Protected",
	        L"Out of Resources", L"Volume Corrupt",       L"Volume Full",
	        L"No Media",         L"Media changed",        L"Not Found",
	        L"Access Denied",    L"No Response",          L"No mapping",
	        L"Time out",         L"Not started",          L"Already started",
	        L"Aborted",          L"ICMP Error",           L"TFTP Error",
	        L"Protocol Error",   L"Incompatible Version", L"Security Policy Violation",
	        L"CRC Error",        L"End of Media",         L"Unknown status",
	        L"Unknown status",   L"End of File",          L"Invalid Languages",
	        L"Compromised Data",
	};
	/* UEFI 2.10, Appendix D: errors have the top bit set, and their codes
	 * count from 1; warnings count from 1 without it. */
	UINT64 code = (UINT64)st & ~EFI_ERROR_MASK;
	if (!EFI_ERROR(st))
		return st == EFI_SUCCESS ? errors[0] : L"Warning";
	if (code < sizeof(errors) / sizeof(errors[0]))
		return errors[code];
	return L"Unknown status";
}

EFI_STATUS ldr_file_info(EFI_FILE_HANDLE f, EFI_FILE_INFO **info)
{
	EFI_GUID id = EFI_FILE_INFO_ID;
	/* The structure plus a file name of up to 255 characters; a longer
	 * name gets the size the firmware asks for. */
	UINTN size = sizeof(EFI_FILE_INFO) + 256 * sizeof(CHAR16);
	EFI_STATUS st;

	for (int attempt = 0; attempt < 2; attempt++) {
		st = gBS->AllocatePool(EfiLoaderData, size, (void **)info);
		if (EFI_ERROR(st))
			break;
		st = f->GetInfo(f, &id, &size, *info);
		if (!EFI_ERROR(st))
			return EFI_SUCCESS;
		gBS->FreePool(*info);
		if (st != EFI_BUFFER_TOO_SMALL)
			break;
	}
	*info = NULL;
	return st;
}

int ldr_mem_equal(const void *a, const void *b, UINTN n)
{
	const UINT8 *x = a, *y = b;
	for (UINTN i = 0; i < n; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}
