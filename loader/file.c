/*
 * Reading files from the loader's own volume: the EFI System Partition the
 * firmware loaded BOOTX64.EFI from (EFI_LOADED_IMAGE_PROTOCOL.DeviceHandle ->
 * EFI_SIMPLE_FILE_SYSTEM_PROTOCOL, UEFI 2.10 section 13.4). Files are read
 * whole into pool memory; the caller owns the buffer.
 */
#include "loader.h"

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

/* EFI_NOT_FOUND is returned silently (optional files); other errors print. */
EFI_STATUS ldr_read_file(EFI_FILE_HANDLE root, const CHAR16 *path, void **data, UINTN *size)
{
	EFI_FILE_HANDLE f;
	EFI_FILE_INFO *info;
	EFI_STATUS st;
	UINTN len;
	void *buf;

	st = root->Open(root, &f, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
	if (st == EFI_NOT_FOUND)
		return st;
	if (EFI_ERROR(st))
		return ldr_error(st, L"read %s: cannot open", path);

	st = ldr_file_info(f, &info);
	if (EFI_ERROR(st)) {
		f->Close(f);
		return ldr_error(st, L"read %s: cannot get file info", path);
	}
	len = info->FileSize;
	gBS->FreePool(info);

	/* One extra byte so text files can be NUL-terminated by the caller. */
	st = gBS->AllocatePool(EfiLoaderData, len + 1, &buf);
	if (EFI_ERROR(st)) {
		f->Close(f);
		return ldr_error(st, L"read %s: cannot allocate %lu bytes", path, (UINT64)len);
	}
	/* One Read should return the whole file (UEFI 2.10, 13.5), but a loop
	 * costs nothing and copes with a driver that returns less; a read of
	 * zero bytes before the end means the file is shorter than it said. */
	UINTN got = 0;
	for (;;) {
		UINTN n = len - got;
		st = f->Read(f, &n, (UINT8 *)buf + got);
		if (EFI_ERROR(st) || n == 0)
			break;
		got += n;
		if (got == len)
			break;
	}
	f->Close(f);
	if (EFI_ERROR(st) || got != len) {
		gBS->FreePool(buf);
		if (!EFI_ERROR(st))
			st = EFI_END_OF_FILE;
		return ldr_error(st, L"read %s: read %lu of %lu bytes", path, (UINT64)got, (UINT64)len);
	}
	((UINT8 *)buf)[len] = 0;
	*data = buf;
	*size = len;
	return EFI_SUCCESS;
}
