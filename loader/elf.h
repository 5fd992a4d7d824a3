/*
 * ELF64 kernel image checks, shared by the loader and the host tests.
 *
 * The kernel file is untrusted input: a truncated build, a wrong file copied to
 * the stick, or a deliberately broken image must be refused with a message
 * naming the check, never trusted into an out-of-bounds read or a jump into
 * garbage. This module is pure C (no UEFI, no libc) so the very same code runs
 * hosted under ASan/UBSan and libFuzzer (tests/host/test_elf.c).
 *
 * Only the fields the loader uses are read, always through bounds-checked
 * offsets into the caller's copy of the file.
 */
#pragma once

#include <stdint.h>

/* ELF-64 Object File Format, version 1.5, sections 2-3 (the System V gABI). */
struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(__builtin_offsetof(struct elf64_ehdr, e_phoff) == 32, "e_phoff");
_Static_assert(__builtin_offsetof(struct elf64_ehdr, e_phentsize) == 54, "e_phentsize");

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header is 56 bytes");
_Static_assert(__builtin_offsetof(struct elf64_phdr, p_filesz) == 32, "p_filesz");

#define ELF_CLASS64 2
#define ELF_DATA2LSB 1
#define ELF_VERSION_CURRENT 1
#define ELF_ET_EXEC 2
#define ELF_EM_X86_64 62
#define ELF_PT_LOAD 1
#define ELF_PF_X 0x1u
#define ELF_PF_W 0x2u
#define ELF_PF_R 0x4u

/* The kernel must live in the top 2 GiB (what -mcmodel=kernel assumes), far
 * above the direct map at 0xffff800000000000, whose large pages the loader's
 * page-table builder must never have to split. */
#define ELF_KERNEL_MIN_VADDR 0xffffffff80000000ull
/* Refuse images whose loaded span is larger than this (a sane kernel is a few MiB). */
#define ELF_MAX_IMAGE_SPAN (1ull << 30)
#define ELF_MAX_SEGMENTS 16
#define ELF_PAGE_SIZE 4096ull

/* One status per check, so each failure has its own message. */
enum elf_status {
	ELF_OK = 0,
	ELF_ERR_TRUNCATED,        /* file shorter than the ELF header */
	ELF_ERR_MAGIC,            /* not \x7fELF */
	ELF_ERR_CLASS,            /* not ELFCLASS64 */
	ELF_ERR_ENDIAN,           /* not little-endian */
	ELF_ERR_VERSION,          /* EI_VERSION or e_version not 1 */
	ELF_ERR_TYPE,             /* not ET_EXEC */
	ELF_ERR_MACHINE,          /* not EM_X86_64 */
	ELF_ERR_PHENTSIZE,        /* program header entries smaller than Elf64_Phdr */
	ELF_ERR_PHDRS_OUTSIDE,    /* program header table not inside the file */
	ELF_ERR_NO_LOAD,          /* no PT_LOAD segment */
	ELF_ERR_TOO_MANY_SEGMENTS,
	ELF_ERR_SEGMENT_OUTSIDE,  /* offset + filesz past the end of file, or overflows */
	ELF_ERR_FILESZ_GT_MEMSZ,
	ELF_ERR_ADDRESS,          /* not canonical higher half, or vaddr + memsz wraps */
	ELF_ERR_ALIGN,            /* p_align not a power of two */
	ELF_ERR_WX,               /* writable and executable */
	ELF_ERR_OVERLAP,          /* two segments share a page */
	ELF_ERR_TOO_LARGE,        /* loaded span over ELF_MAX_IMAGE_SPAN */
	ELF_ERR_ENTRY,            /* entry point outside every executable segment */
	ELF_STATUS_COUNT
};

struct elf_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t offset;
	uint64_t filesz;
	uint32_t flags; /* ELF_PF_* */
};

struct elf_image {
	uint64_t entry;
	uint64_t virt_base; /* lowest segment address, rounded down to a page */
	uint64_t virt_end;  /* highest segment end, rounded up to a page */
	uint32_t nsegs;
	struct elf_segment segs[ELF_MAX_SEGMENTS];
};

/* What failed, with the values involved, for the loader's message. */
struct elf_error {
	enum elf_status status;
	uint32_t index;   /* program header index, where relevant */
	uint64_t value;   /* the offending value (meaning depends on status) */
	uint64_t limit;   /* what it was checked against */
};

/*
 * Check the file and describe its loadable segments. Reads only inside
 * [file, file + size). Returns ELF_OK or the first failed check, with details
 * in *err (which may be NULL).
 */
enum elf_status elf_parse(const void *file, uint64_t size, struct elf_image *img,
                          struct elf_error *err);

/* A one-line description of a status ("program header table lies outside the file"). */
const char *elf_status_str(enum elf_status status);
