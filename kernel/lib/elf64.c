/*
 * The ELF checks (see elf64.h). Fields are read with memcpy at their
 * offsets in the file, so the buffer needs no alignment and the layout is
 * stated once, here, as the ELF-64 specification gives it.
 */
#include "lib/elf64.h"

#include "lib/string.h"

#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_GNU_STACK 0x6474e551
#define EM_X86_64 62
#define PAGE 4096ull

static uint64_t rd(const uint8_t *p, unsigned off, unsigned size)
{
	uint64_t v = 0;
	memcpy(&v, p + off, size); /* little-endian host and file */
	return v;
}

static bool add_ok(uint64_t a, uint64_t b, uint64_t *sum) { return !__builtin_add_overflow(a, b, sum); }

static const char *check_header(const uint8_t *b, size_t len, uint64_t file_size,
                                struct elf64_image *out)
{
	if (len < 64)
		return file_size < 64 ? "shorter than an ELF header" : "the ELF header was not read";
	if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
		return "not an ELF file (bad magic)";
	if (b[4] != 2)
		return "not a 64-bit ELF file";
	if (b[5] != 1)
		return "not little-endian";
	if (b[6] != 1 || rd(b, 20, 4) != 1)
		return "unknown ELF version";
	out->type = (uint16_t)rd(b, 16, 2);
	if (out->type != ELF64_ET_EXEC && out->type != ELF64_ET_DYN)
		return "not an executable (ELF type is neither EXEC nor DYN)";
	if (rd(b, 18, 2) != EM_X86_64)
		return "not an x86-64 program";
	if (rd(b, 54, 2) != ELF64_PHENT)
		return "program header size is not 56";
	out->entry = rd(b, 24, 8);
	out->phoff = rd(b, 32, 8);
	out->phnum = (uint16_t)rd(b, 56, 2);
	if (out->phnum == 0 || out->phnum > ELF64_MAX_PHNUM)
		return "no program headers, or too many";
	uint64_t end;
	if (!add_ok(out->phoff, (uint64_t)out->phnum * ELF64_PHENT, &end) || end > file_size)
		return "program headers extend past the end of the file";
	if (end > len)
		return "program headers lie beyond the bytes read";
	return NULL;
}

static const char *add_load(const uint8_t *ph, uint64_t file_size, struct elf64_image *out)
{
	struct elf64_load l = {
		.flags = (uint32_t)rd(ph, 4, 4),
		.offset = rd(ph, 8, 8),
		.vaddr = rd(ph, 16, 8),
		.filesz = rd(ph, 32, 8),
		.memsz = rd(ph, 40, 8),
	};
	uint64_t end;
	if (l.memsz == 0)
		return NULL; /* maps nothing */
	if (l.filesz > l.memsz)
		return "a segment's file size exceeds its memory size";
	if (!add_ok(l.offset, l.filesz, &end) || end > file_size)
		return "a segment's data extends past the end of the file";
	if (!add_ok(l.vaddr, l.memsz, &end) || !add_ok(end, PAGE - 1, &end))
		return "a segment's address range wraps around";
	if (out->nloads == ELF64_MAX_LOADS)
		return "too many loadable segments";
	if (out->nloads) {
		const struct elf64_load *prev = &out->loads[out->nloads - 1];
		if (l.vaddr < prev->vaddr + prev->memsz)
			return "loadable segments overlap or are out of order";
	}
	out->loads[out->nloads++] = l;
	return NULL;
}

uint64_t elf64_headers_end(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	if (len < 64)
		return 64;
	uint64_t end;
	if (!add_ok(rd(b, 32, 8), rd(b, 56, 2) * (uint64_t)ELF64_PHENT, &end))
		return UINT64_MAX;
	return end < 64 ? 64 : end;
}

const char *elf64_parse(const void *buf, size_t len, uint64_t min_addr, uint64_t limit,
                        uint64_t max_bias, struct elf64_image *out)
{
	return elf64_parse_headers(buf, len, len, min_addr, limit, max_bias, out);
}

const char *elf64_parse_headers(const void *buf, size_t len, uint64_t file_size, uint64_t min_addr,
                                uint64_t limit, uint64_t max_bias, struct elf64_image *out)
{
	const uint8_t *b = buf;
	*out = (struct elf64_image){0};
	if (len > file_size)
		len = (size_t)file_size;
	const char *err = check_header(b, len, file_size, out);
	if (err)
		return err;
	uint64_t phdr_vaddr = 0;
	bool have_phdr = false;
	for (unsigned i = 0; i < out->phnum; i++) {
		const uint8_t *ph = b + out->phoff + (uint64_t)i * ELF64_PHENT;
		uint32_t type = (uint32_t)rd(ph, 0, 4);
		if (type == PT_LOAD) {
			if ((err = add_load(ph, file_size, out)))
				return err;
		} else if (type == PT_INTERP) {
			out->has_interp = true;
		} else if (type == PT_PHDR) {
			phdr_vaddr = rd(ph, 16, 8);
			have_phdr = true;
		} else if (type == PT_GNU_STACK) {
			out->exec_stack = (rd(ph, 4, 4) & ELF64_PF_X) != 0;
		}
	}
	if (out->nloads == 0)
		return "no loadable segments";
	const struct elf64_load *last = &out->loads[out->nloads - 1];
	out->lo = out->loads[0].vaddr & ~(PAGE - 1);
	out->hi = (last->vaddr + last->memsz + PAGE - 1) & ~(PAGE - 1);
	uint64_t bias = out->type == ELF64_ET_DYN ? max_bias : 0;
	uint64_t lo, hi;
	if (!add_ok(out->lo, bias, &lo) || !add_ok(out->hi, bias, &hi) || lo < min_addr || hi > limit)
		return "segments lie outside the user address range";
	/* Where the program headers are in memory (AT_PHDR): PT_PHDR, else
	 * the loaded segment whose file bytes contain them. */
	if (!have_phdr) {
		for (unsigned i = 0; i < out->nloads; i++) {
			const struct elf64_load *l = &out->loads[i];
			if (out->phoff >= l->offset &&
			    out->phoff + (uint64_t)out->phnum * ELF64_PHENT <= l->offset + l->filesz) {
				phdr_vaddr = l->vaddr + (out->phoff - l->offset);
				have_phdr = true;
				break;
			}
		}
	}
	out->phdr_vaddr = have_phdr ? phdr_vaddr : 0;
	for (unsigned i = 0; i < out->nloads; i++) {
		const struct elf64_load *l = &out->loads[i];
		if ((l->flags & ELF64_PF_X) && out->entry >= l->vaddr && out->entry - l->vaddr < l->memsz)
			return NULL;
	}
	return "the entry point is not in an executable segment";
}
