/*
 * Fuzz target for kernel/lib/elf64.c: arbitrary bytes as a user program.
 * Besides ASan/UBSan catching any read outside the buffer, an accepted
 * image must satisfy what exec.c relies on; a violation aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/elf64.h"

#define MIN 0x10000ull
#define LIMIT 0x7ff000000000ull
#define BIAS 0x555555554000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf64_image im;
	if (elf64_parse(data, size, MIN, LIMIT, BIAS, &im))
		return 0;
	uint64_t bias = im.type == ELF64_ET_DYN ? BIAS : 0;
	if (im.nloads == 0 || im.nloads > ELF64_MAX_LOADS || im.lo + bias < MIN || im.hi + bias > LIMIT)
		abort();
	int entry_ok = 0;
	for (unsigned i = 0; i < im.nloads; i++) {
		const struct elf64_load *l = &im.loads[i];
		if (l->filesz > l->memsz || l->offset + l->filesz > size || l->offset + l->filesz < l->offset)
			abort();
		if (l->vaddr < im.lo || l->vaddr + l->memsz > im.hi)
			abort();
		if (i && l->vaddr < im.loads[i - 1].vaddr + im.loads[i - 1].memsz)
			abort();
		if ((l->flags & ELF64_PF_X) && im.entry >= l->vaddr && im.entry - l->vaddr < l->memsz)
			entry_ok = 1;
	}
	if (!entry_ok)
		abort();
	return 0;
}
