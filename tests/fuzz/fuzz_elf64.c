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

/* exec.c's way: only the first `headers` bytes of the file are read. It
 * must agree with the whole-file parse whenever those bytes hold every
 * header, and refuse otherwise. */
static void check_headers_only(const uint8_t *data, size_t size, int whole_ok,
                               const struct elf64_image *whole)
{
	uint64_t end = elf64_headers_end(data, size);
	size_t headers = end < size ? (size_t)end : size;
	struct elf64_image im;
	const char *why = elf64_parse_headers(data, headers, size, MIN, LIMIT, BIAS, &im);
	if ((why == NULL) != whole_ok)
		abort();
	if (!why && (im.nloads != whole->nloads || im.entry != whole->entry || im.hi != whole->hi))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf64_image im;
	int ok = elf64_parse(data, size, MIN, LIMIT, BIAS, &im) == NULL;
	check_headers_only(data, size, ok, &im);
	if (!ok)
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
