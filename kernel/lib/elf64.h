/*
 * Checking a user program's ELF header and program headers (ELF-64 Object
 * File Format; System V ABI AMD64 supplement) before anything is mapped.
 * Freestanding C with no kernel dependency, so the host tests and the
 * fuzzer run exactly this code on arbitrary bytes.
 *
 * elf64_parse accepts a static executable for x86-64: ET_EXEC, or ET_DYN
 * without PT_INTERP (static PIE). It refuses, with a message naming the
 * problem, anything it would have to trust: headers past the end of the
 * file, file ranges past the end, sizes that wrap, segments out of order
 * or overlapping, segments outside [min, limit), an entry point outside
 * every executable segment.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF64_MAX_LOADS 16   /* PT_LOAD segments (busybox has 4) */
#define ELF64_MAX_PHNUM 64   /* program headers of any type */
#define ELF64_PHENT 56       /* sizeof(Elf64_Phdr) */

#define ELF64_ET_EXEC 2
#define ELF64_ET_DYN 3

/* Segment permissions (p_flags). */
#define ELF64_PF_X 1u
#define ELF64_PF_W 2u
#define ELF64_PF_R 4u

struct elf64_load {
	uint64_t vaddr, memsz;  /* where, before any load bias */
	uint64_t offset, filesz;
	uint32_t flags;         /* ELF64_PF_* */
};

struct elf64_image {
	uint16_t type;          /* ELF64_ET_EXEC or ELF64_ET_DYN */
	uint64_t entry;
	uint64_t phoff;         /* for AT_PHDR */
	uint16_t phnum;
	uint64_t phdr_vaddr;    /* where the program headers are in memory, 0 if nowhere */
	uint64_t lo, hi;        /* page-aligned span of all segments */
	bool has_interp;        /* PT_INTERP: dynamically linked */
	bool exec_stack;        /* PT_GNU_STACK with PF_X */
	unsigned nloads;
	struct elf64_load loads[ELF64_MAX_LOADS];
};

/* Check the len bytes at buf (a whole file). Addresses (plus, for ET_DYN,
 * up to `max_bias`) must stay within [min_addr, limit). Returns NULL and
 * fills *out, or a message saying what is wrong. */
const char *elf64_parse(const void *buf, size_t len, uint64_t min_addr, uint64_t limit,
                        uint64_t max_bias, struct elf64_image *out);
/* The same for a loader that reads only the headers, not the whole file:
 * buf holds the file's first len bytes, the file is file_size long. The
 * ELF header and every program header must lie within buf; segment file
 * ranges are checked against file_size. */
const char *elf64_parse_headers(const void *buf, size_t len, uint64_t file_size, uint64_t min_addr,
                                uint64_t limit, uint64_t max_bias, struct elf64_image *out);
/* How many of the file's first bytes hold the ELF header and the program
 * headers, judged from the len bytes at buf (64 when len < 64, so the
 * caller reads at least the ELF header first; UINT64_MAX if the header's
 * numbers wrap). Untrusted: a loader bounds it before reading that much. */
uint64_t elf64_headers_end(const void *buf, size_t len);
