/*
 * libFuzzer target for the loader's ELF checks: any byte string must either
 * be refused with a status or describe segments that really lie inside the
 * file, do not overlap, and contain the entry point. ASan catches any read
 * outside the input. CTest runs it briefly, seeded with the real kernel.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "loader/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_image img;
	struct elf_error err;

	if (elf_parse(data, size, &img, &err) != ELF_OK) {
		if (err.status == ELF_OK)
			abort(); /* a failure must say which check */
		return 0;
	}
	int entry_found = 0;
	for (uint32_t i = 0; i < img.nsegs; i++) {
		const struct elf_segment *s = &img.segs[i];
		if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz)
			abort();
		if (s->vaddr < img.virt_base || s->vaddr + s->memsz > img.virt_end)
			abort();
		if ((s->flags & ELF_PF_W) && (s->flags & ELF_PF_X))
			abort();
		if ((s->flags & ELF_PF_X) && img.entry >= s->vaddr && img.entry - s->vaddr < s->memsz)
			entry_found = 1;
		/* No two segments share a page. */
		for (uint32_t j = i + 1; j < img.nsegs; j++) {
			const struct elf_segment *t = &img.segs[j];
			uint64_t a_lo = s->vaddr & ~4095ull, a_hi = (s->vaddr + s->memsz + 4095) & ~4095ull;
			uint64_t b_lo = t->vaddr & ~4095ull, b_hi = (t->vaddr + t->memsz + 4095) & ~4095ull;
			if (a_lo < b_hi && b_lo < a_hi)
				abort();
		}
	}
	if (!entry_found || img.nsegs == 0 || img.virt_end - img.virt_base > ELF_MAX_IMAGE_SPAN)
		abort();
	return 0;
}
