/*
 * Loading the kernel: validate the ELF (elf.c), then copy each PT_LOAD segment
 * into one contiguous run of fresh physical pages and zero the rest (bss and
 * the gaps between segments). Segments are visited in address order, so
 * every byte of the image is written exactly once.
 *
 * The pages come from AllocatePages(AllocateAnyPages): wherever the firmware
 * has room, never a fixed physical address, because real machines keep
 * firmware and MMIO at addresses a hobby loader might guess. They are loader
 * data, recorded as a BOOTINFO_MEM_KERNEL range (ranges.c) so the kernel's
 * page-frame allocator knows to keep them.
 * Segments are read from the loader's own copy of the file, never from memory
 * the segments are being written to.
 */
#include "loader.h"
#include "cpu.h"

EFI_STATUS ldr_load_kernel(const void *file, UINTN size, struct ldr_kernel *k, const CHAR16 *path)
{
	struct elf_error err;
	enum elf_status es;
	EFI_STATUS st;

	es = elf_parse(file, size, &k->img, &err);
	if (es != ELF_OK)
		return ldr_error(EFI_LOAD_ERROR,
		                 L"load kernel %s: %a (program header %u, value 0x%lx, limit 0x%lx)",
		                 path, elf_status_str(es), err.index, err.value, err.limit);

	k->phys_size = k->img.virt_end - k->img.virt_base;
	UINTN pages = LDR_PAGES(k->phys_size);
	st = ldr_allocate_pages(BOOTINFO_MEM_KERNEL, pages,
	                        &k->phys_base);
	if (EFI_ERROR(st))
		return ldr_error(st, L"load kernel %s: out of resources: needs %lu pages",
		                 path, (UINT64)pages);

	/* elf_parse guarantees no two segments share a page; order them by
	 * address (a handful: insertion sort). */
	UINT32 order[ELF_MAX_SEGMENTS];
	for (UINT32 i = 0; i < k->img.nsegs; i++) {
		UINT32 j = i;
		while (j > 0 && k->img.segs[order[j - 1]].vaddr > k->img.segs[i].vaddr) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	UINT8 *dst = (UINT8 *)(UINTN)k->phys_base;
	UINT64 pos = 0; /* image offset written so far */
	for (UINT32 i = 0; i < k->img.nsegs; i++) {
		const struct elf_segment *s = &k->img.segs[order[i]];
		UINT64 at = s->vaddr - k->img.virt_base;
		ldr_zero(dst + pos, at - pos);
		ldr_copy(dst + at, (const UINT8 *)file + s->offset, s->filesz);
		ldr_zero(dst + at + s->filesz, s->memsz - s->filesz);
		pos = at + s->memsz;
	}
	ldr_zero(dst + pos, k->phys_size - pos);
	return EFI_SUCCESS;
}
