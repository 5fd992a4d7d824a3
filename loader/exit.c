/*
 * The final memory map and ExitBootServices (UEFI 2.10 section 7.4).
 *
 * ExitBootServices takes the key of the current memory map; any allocation in
 * between (by us or by a firmware timer event) changes the map and the call
 * fails with EFI_INVALID_PARAMETER. After a failed call only GetMemoryMap and
 * ExitBootServices may be used, so the buffer is allocated beforehand with
 * slack for the entries its own allocation and later events add, and nothing
 * is printed or allocated between the final GetMemoryMap and the jump.
 */
#include "loader.h"
#include "cpu.h"

#define LDR_EXIT_ATTEMPTS 8

EFI_STATUS ldr_get_memory_map(void **buf, UINTN *size, UINTN *desc_size, UINT32 *ver)
{
	UINTN key;
	EFI_STATUS st;

	*size = 0;
	*buf = NULL;
	st = gBS->GetMemoryMap(size, NULL, &key, desc_size, ver);
	if (st != EFI_BUFFER_TOO_SMALL)
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
	/* Room for the entries our own allocation adds. Boot-services pool:
	 * never confused with the kernel's loader-data ranges (ranges.c). */
	*size += 8 * *desc_size;
	st = gBS->AllocatePool(EfiBootServicesData, *size, buf);
	if (EFI_ERROR(st)) {
		*buf = NULL;
		return st;
	}
	st = gBS->GetMemoryMap(size, *buf, &key, desc_size, ver);
	if (EFI_ERROR(st) || *desc_size < sizeof(EFI_MEMORY_DESCRIPTOR)) {
		gBS->FreePool(*buf);
		*buf = NULL;
		return EFI_ERROR(st) ? st : EFI_INCOMPATIBLE_VERSION;
	}
	return EFI_SUCCESS;
}

EFI_STATUS ldr_memory_map_size(UINTN *map_size, UINTN *desc_size, UINT64 *max_addr)
{
	UINTN size;
	UINT32 ver;
	void *buf;
	EFI_STATUS st = ldr_get_memory_map(&buf, &size, desc_size, &ver);

	if (EFI_ERROR(st))
		return ldr_error(st, L"memory map: GetMemoryMap failed");
	/* Walk by DescriptorSize: the firmware's descriptor may be larger than
	 * the EFI_MEMORY_DESCRIPTOR we were compiled with (48 vs 40 on OVMF). */
	*max_addr = 0;
	for (UINTN off = 0; off + *desc_size <= size; off += *desc_size) {
		EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)buf + off);
		UINT64 end = d->PhysicalStart + d->NumberOfPages * LDR_PAGE_SIZE;
		if (end > *max_addr)
			*max_addr = end;
	}
	*map_size = size;
	gBS->FreePool(buf);
	return EFI_SUCCESS;
}

EFI_STATUS ldr_exit_boot_services(EFI_HANDLE image, struct bootinfo *bi, void *map, UINTN cap)
{
	EFI_STATUS st = EFI_SUCCESS;
	UINTN size, key, desc_size;
	UINT32 ver;

	for (UINT32 attempt = 1; attempt <= LDR_EXIT_ATTEMPTS; attempt++) {
		size = cap;
		st = gBS->GetMemoryMap(&size, map, &key, &desc_size, &ver);
		if (EFI_ERROR(st))
			break; /* too small even with slack: cannot allocate now */
		bi->tsc_before_exit = ldr_rdtsc();
		st = gBS->ExitBootServices(image, key);
		if (!EFI_ERROR(st)) {
			bi->tsc_after_exit = ldr_rdtsc();
			bi->exit_attempts = attempt;
			bi->mmap_phys = (UINT64)(UINTN)map;
			bi->mmap_size = size;
			bi->mmap_desc_size = desc_size;
			bi->mmap_desc_version = ver;
			return EFI_SUCCESS;
		}
		if (st != EFI_INVALID_PARAMETER)
			break;
	}
	/* UEFI 2.10 section 7.4: after a failed ExitBootServices only
	 * GetMemoryMap and ExitBootServices may be called, so returning to the
	 * firmware is not allowed. Print (the console may still work; it is the
	 * only trace we can leave) and stop here, rather than hang silently. */
	ldr_error(st, L"ExitBootServices failed after %u attempts; the machine is halted",
	          LDR_EXIT_ATTEMPTS);
	for (;;)
		__asm__ volatile("cli; hlt");
}
