/*
 * Reading files from the loader's own volume: the EFI System Partition the
 * firmware loaded BOOTX64.EFI from (EFI_LOADED_IMAGE_PROTOCOL.DeviceHandle ->
 * EFI_SIMPLE_FILE_SYSTEM_PROTOCOL, UEFI 2.10 section 13.4). Files are read
 * whole, into pool memory or into pages of one of the loader's own memory
 * types (for what the kernel keeps); the caller owns the buffer.
 */
#include "loader.h"
#include "cpu.h"

EFI_STATUS ldr_open_volume(EFI_HANDLE image, EFI_FILE_HANDLE *root)
{
	EFI_GUID loaded_image = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	EFI_GUID simple_fs = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	EFI_LOADED_IMAGE *li;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_STATUS st;

	st = gBS->HandleProtocol(image, &loaded_image, (void **)&li);
	if (EFI_ERROR(st))
		return ldr_error(st, L"open volume: no loaded-image protocol for the loader");
	st = gBS->HandleProtocol(li->DeviceHandle, &simple_fs, (void **)&fs);
	if (EFI_ERROR(st))
		return ldr_error(st, L"open volume: the boot device has no FAT file system");
	st = fs->OpenVolume(fs, root);
	if (EFI_ERROR(st))
		return ldr_error(st, L"open volume: OpenVolume failed");
	return EFI_SUCCESS;
}

/* Open path for reading and get its size; a directory is an error.
 * EFI_NOT_FOUND is returned silently; other errors print. */
static EFI_STATUS open_file(EFI_FILE_HANDLE root, const CHAR16 *path, EFI_FILE_HANDLE *f,
                            UINTN *len)
{
	EFI_FILE_INFO *info;
	EFI_STATUS st = root->Open(root, f, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);

	if (st == EFI_NOT_FOUND)
		return st;
	if (EFI_ERROR(st))
		return ldr_error(st, L"read %s: cannot open", path);
	st = ldr_file_info(*f, &info);
	if (EFI_ERROR(st)) {
		(*f)->Close(*f);
		return ldr_error(st, L"read %s: cannot get file info", path);
	}
	*len = info->FileSize;
	UINT64 attr = info->Attribute;
	gBS->FreePool(info);
	if (attr & EFI_FILE_DIRECTORY) {
		(*f)->Close(*f);
		return ldr_error(EFI_INVALID_PARAMETER, L"read %s: it is a directory, not a file",
		                 path);
	}
	return EFI_SUCCESS;
}

/* Read len bytes into buf and close f. One Read should return the whole
 * file (UEFI 2.10, 13.5), but a loop costs nothing and copes with a driver
 * that returns less; a read of zero bytes before the end means the file is
 * shorter than it said. */
static EFI_STATUS read_all(EFI_FILE_HANDLE f, const CHAR16 *path, void *buf, UINTN len)
{
	EFI_STATUS st = EFI_SUCCESS;
	UINTN got = 0;

	while (got < len) {
		UINTN n = len - got;
		st = f->Read(f, &n, (UINT8 *)buf + got);
		if (EFI_ERROR(st) || n == 0)
			break;
		got += n;
	}
	f->Close(f);
	if (EFI_ERROR(st) || got != len) {
		if (!EFI_ERROR(st))
			st = EFI_END_OF_FILE;
		return ldr_error(st, L"read %s: read %lu of %lu bytes", path, (UINT64)got, (UINT64)len);
	}
	return EFI_SUCCESS;
}

/* EFI_NOT_FOUND is returned silently (optional files); other errors print. */
EFI_STATUS ldr_read_file(EFI_FILE_HANDLE root, const CHAR16 *path, void **data, UINTN *size)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS st;
	UINTN len;
	void *buf;

	st = open_file(root, path, &f, &len);
	if (EFI_ERROR(st))
		return st;
	/* One extra byte so text files can be NUL-terminated by the caller. */
	st = gBS->AllocatePool(EfiLoaderData, len + 1, &buf);
	if (EFI_ERROR(st)) {
		f->Close(f);
		return ldr_error(st, L"read %s: cannot allocate %lu bytes", path, (UINT64)len);
	}
	st = read_all(f, path, buf, len);
	if (EFI_ERROR(st)) {
		gBS->FreePool(buf);
		return st;
	}
	((UINT8 *)buf)[len] = 0;
	*data = buf;
	*size = len;
	return EFI_SUCCESS;
}

EFI_STATUS ldr_read_file_pages(EFI_FILE_HANDLE root, const CHAR16 *path, UINT32 type,
                               EFI_PHYSICAL_ADDRESS *phys, UINTN *size)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS st;
	UINTN len;

	*phys = 0;
	*size = 0;
	st = open_file(root, path, &f, &len);
	if (EFI_ERROR(st))
		return st;
	if (len == 0) {
		f->Close(f);
		return EFI_SUCCESS;
	}
	EFI_PHYSICAL_ADDRESS pa;
	st = ldr_allocate_pages(type, LDR_PAGES(len), &pa);
	if (EFI_ERROR(st)) {
		f->Close(f);
		return ldr_error(st, L"read %s: cannot allocate %lu pages for %lu bytes", path,
		                 (UINT64)LDR_PAGES(len), (UINT64)len);
	}
	st = read_all(f, path, (void *)(UINTN)pa, len);
	if (EFI_ERROR(st)) {
		ldr_free_pages(pa);
		return st;
	}
	/* The rest of the last page is the kernel's too: no stale bytes. */
	ldr_zero((UINT8 *)(UINTN)pa + len, LDR_PAGES(len) * LDR_PAGE_SIZE - len);
	*phys = pa;
	*size = len;
	return EFI_SUCCESS;
}
