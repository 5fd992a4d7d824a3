/*
 * The initramfs (docs/initramfs.md): a cpio archive the kernel unpacks into
 * its root file system, as Linux does. The loader does not look inside it;
 * it reads the file whole into fresh pages, a BOOTINFO_MEM_INITRD range
 * (ranges.c) that the kernel's memory map keeps, and hands their address and size over in the
 * boot info.
 *
 * The file is optional. Missing (or empty, or switched off with an empty
 * "initrd =" in KESTREL.CFG), the boot goes on without it and the loader
 * says so; the kernel then starts its own shell. A file that is there but
 * cannot be read is an error that stops the boot, like an unreadable
 * kernel: on a real machine that is a failing stick, and the message names
 * the file and the status. Under Secure Boot, main.c then checks the copy in
 * memory against the SHA-256 built into the loader (verify.c), so a replaced
 * archive stops the boot instead of running someone else's programs.
 */
#include "loader.h"

EFI_STATUS ldr_load_initrd(EFI_FILE_HANDLE root, const CHAR16 *path, struct ldr_initrd *out)
{
	EFI_STATUS st;

	out->phys = 0;
	out->size = 0;
	if (!path) {
		ldr_info(L"initrd: none (%s says \"initrd =\"); the kernel will start its own shell",
		         LDR_CONFIG_PATH);
		return EFI_SUCCESS;
	}
	st = ldr_read_file_pages(root, path, BOOTINFO_MEM_INITRD, &out->phys, &out->size);
	if (st == EFI_NOT_FOUND) {
		ldr_info(L"initrd %s: not on the boot volume; booting without one (the kernel will "
		         L"start its own shell)", path);
		return EFI_SUCCESS;
	}
	if (EFI_ERROR(st))
		return st; /* read_file_pages named the file and the problem */
	if (out->size == 0) {
		ldr_info(L"initrd %s: empty; booting without one (the kernel will start its own "
		         L"shell)", path);
		return EFI_SUCCESS;
	}
	ldr_info(L"initrd %s: %lu bytes at 0x%lx", path, (UINT64)out->size, out->phys);
	return EFI_SUCCESS;
}
