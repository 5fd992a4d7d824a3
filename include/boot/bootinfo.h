/*
 * The boot-info ABI: the one structure the loader (loader/) hands to the kernel
 * (kernel/). Nothing else is shared between the two programs.
 *
 * Conventions, in the spirit of the Limine boot protocol:
 *  - The structure starts with a magic, a version and its own size, so a kernel
 *    can refuse a loader it does not understand and a newer loader can append
 *    fields without breaking an older kernel.
 *  - Every address is a uint64_t. Physical addresses are named *_phys; the
 *    kernel reads them through the direct map (phys + direct_map_offset).
 *  - Fixed-width fields, explicit padding, and a _Static_assert on the size and
 *    on the offset of each group of fields, because two separately built programs (one
 *    a PE/COFF application compiled with the Microsoft ABI headers around it,
 *    one a freestanding ELF) must agree on it byte for byte.
 *
 * docs/bootinfo.md documents every field.
 */
#pragma once

#include <stdint.h>

#define BOOTINFO_MAGIC 0x4f464e49544f4f42ull /* "BOOTINFO" little-endian */
/*
 * Version 3 appended the loader's ranges (ranges[], nranges): the loader
 * allocates as EfiLoaderData and says here which pages the kernel must keep.
 * Version 2 appended initrd_phys and initrd_size (docs/bootinfo.md).
 * Version 1 ended at exit_attempts/reserved1, 224 bytes.
 */
#define BOOTINFO_VERSION 3

/*
 * The direct map never reaches this far (64 TiB): the kernel's fixed
 * windows start at BOOTINFO_DIRECT_MAP_OFFSET + this. Memory above it is
 * not mapped, by the loader or by the kernel.
 */
#define BOOTINFO_DIRECT_MAP_MAX (1ull << 46)

/* Where the loader maps all of physical memory (the "higher-half direct map"). */
#define BOOTINFO_DIRECT_MAP_OFFSET 0xffff800000000000ull

/*
 * What each of the loader's ranges holds (struct bootinfo_range.kind). The
 * loader allocates all of them as EfiLoaderData, which the memory map
 * calls usable; the ranges table is what tells the kernel to keep them.
 * (Loaders before version 3 used these values as OS-loader memory types,
 * 0x80000000 and up, which some EDK2-derived firmware mishandles.)
 */
#define BOOTINFO_MEM_KERNEL 0x80000001u      /* kernel segments */
#define BOOTINFO_MEM_BOOTINFO 0x80000002u    /* this structure, memory map, cmdline */
#define BOOTINFO_MEM_PAGE_TABLES 0x80000003u /* the hand-off page tables */
#define BOOTINFO_MEM_STACK 0x80000004u       /* the hand-off stack */
#define BOOTINFO_MEM_INITRD 0x80000005u      /* the initramfs as read from the ESP */

/* One range of pages the loader allocated for the kernel. */
struct bootinfo_range {
	uint64_t phys; /* page aligned */
	uint64_t size; /* bytes, a non-zero multiple of 4 KiB */
	uint32_t kind; /* BOOTINFO_MEM_*; a kind the kernel does not know is kept too */
	uint32_t reserved;
};
_Static_assert(sizeof(struct bootinfo_range) == 24, "bootinfo_range layout");
#define BOOTINFO_MAX_RANGES 8

/* Framebuffer pixel formats (mirrors EFI_GRAPHICS_PIXEL_FORMAT, UEFI 2.10 12.9). */
#define BOOTINFO_FB_NONE 0      /* no framebuffer: serial only */
#define BOOTINFO_FB_RGBX 1      /* byte 0 red, 1 green, 2 blue, 3 reserved */
#define BOOTINFO_FB_BGRX 2      /* byte 0 blue, 1 green, 2 red, 3 reserved */
#define BOOTINFO_FB_BITMASK 3   /* see the *_mask fields */

struct bootinfo_framebuffer {
	uint64_t base_phys;     /* physical address of pixel (0,0) */
	uint64_t size;          /* bytes, as reported by GOP */
	uint32_t width;         /* visible pixels per row */
	uint32_t height;        /* rows */
	uint32_t pitch;         /* pixels per scan line (>= width); 4 bytes each */
	uint32_t format;        /* BOOTINFO_FB_* */
	uint32_t red_mask;      /* for every format, the mask of each colour... */
	uint32_t green_mask;    /* ...in a 32-bit little-endian pixel, filled in */
	uint32_t blue_mask;     /* by the loader even for RGBX/BGRX so the kernel */
	uint32_t reserved_mask; /* needs only one code path */
};
_Static_assert(sizeof(struct bootinfo_framebuffer) == 48, "bootinfo_framebuffer layout");

/*
 * One entry of the memory map at mmap_phys: the UEFI EFI_MEMORY_DESCRIPTOR
 * (UEFI 2.10 section 7.2, GetMemoryMap), handed over unchanged. The firmware's
 * descriptors may be longer than this (mmap_desc_size), never shorter.
 */
struct bootinfo_mmap_desc {
	uint32_t type; /* BOOTINFO_EFI_* or a BOOTINFO_MEM_* loader type */
	uint32_t pad;
	uint64_t phys_start; /* 4 KiB aligned */
	uint64_t virt_start; /* unused: runtime services are not remapped */
	uint64_t num_pages;  /* 4 KiB pages */
	uint64_t attribute;  /* EFI_MEMORY_* capability bits */
};
_Static_assert(sizeof(struct bootinfo_mmap_desc) == 40, "EFI_MEMORY_DESCRIPTOR layout");
_Static_assert(__builtin_offsetof(struct bootinfo_mmap_desc, num_pages) == 24, "num_pages");

/* EFI_MEMORY_TYPE values (UEFI 2.10 table 7-5). */
#define BOOTINFO_EFI_RESERVED 0
#define BOOTINFO_EFI_LOADER_CODE 1
#define BOOTINFO_EFI_LOADER_DATA 2
#define BOOTINFO_EFI_BOOT_SERVICES_CODE 3
#define BOOTINFO_EFI_BOOT_SERVICES_DATA 4
#define BOOTINFO_EFI_RUNTIME_SERVICES_CODE 5
#define BOOTINFO_EFI_RUNTIME_SERVICES_DATA 6
#define BOOTINFO_EFI_CONVENTIONAL 7
#define BOOTINFO_EFI_UNUSABLE 8
#define BOOTINFO_EFI_ACPI_RECLAIM 9
#define BOOTINFO_EFI_ACPI_NVS 10
#define BOOTINFO_EFI_MMIO 11
#define BOOTINFO_EFI_MMIO_PORT_SPACE 12
#define BOOTINFO_EFI_PAL_CODE 13
#define BOOTINFO_EFI_PERSISTENT 14
#define BOOTINFO_EFI_UNACCEPTED 15

struct bootinfo {
	uint64_t magic;   /* BOOTINFO_MAGIC */
	uint32_t version; /* BOOTINFO_VERSION */
	uint32_t size;    /* sizeof(struct bootinfo) as the loader built it */

	/* The final UEFI memory map, exactly as GetMemoryMap returned it. Walk it
	 * by mmap_desc_size (48 on OVMF), never by sizeof(EFI_MEMORY_DESCRIPTOR).
	 * It is not sorted. */
	uint64_t mmap_phys;
	uint64_t mmap_size;      /* bytes */
	uint64_t mmap_desc_size; /* bytes per descriptor */
	uint32_t mmap_desc_version;
	uint32_t reserved0;

	struct bootinfo_framebuffer fb;

	uint64_t rsdp_phys; /* ACPI RSDP (2.0+ preferred), 0 if none */

	/* Kernel image: physical pages the loader allocated, and the virtual
	 * range the ELF was linked at. The physical range is contiguous. */
	uint64_t kernel_phys_base;
	uint64_t kernel_phys_size;
	uint64_t kernel_virt_base;
	uint64_t kernel_virt_size;

	uint64_t direct_map_offset; /* virtual = physical + this */
	uint64_t direct_map_size;   /* bytes of physical memory mapped from 0 */

	uint64_t cmdline_phys; /* NUL-terminated ASCII, never 0 (may be "") */
	uint64_t cmdline_len;  /* bytes, without the NUL */

	uint64_t page_tables_phys; /* the PML4 loaded into CR3 at hand-off */

	/* Time stamp counter readings taken by the loader (rdtsc). */
	uint64_t tsc_loader_entry;   /* first thing in efi_main */
	uint64_t tsc_kernel_loaded;  /* kernel segments copied */
	uint64_t tsc_before_exit;    /* just before ExitBootServices */
	uint64_t tsc_after_exit;     /* just after it succeeded */
	uint64_t tsc_before_jump;    /* the last instruction before the jump */
	uint32_t exit_attempts;      /* ExitBootServices calls (>1: stale map key) */
	uint32_t reserved1;

	/* Version 2: the initramfs (a cpio archive, docs/initramfs.md) in pages
	 * of type BOOTINFO_MEM_INITRD; both 0 when the loader found none. */
	uint64_t initrd_phys;
	uint64_t initrd_size; /* bytes */

	/* Version 3: every range the loader allocated for the kernel, in no
	 * particular order, disjoint; the kernel keeps them out of its
	 * page-frame allocator (the memory map calls them loader data). */
	uint32_t nranges; /* entries used in ranges[] */
	uint32_t reserved2;
	struct bootinfo_range ranges[BOOTINFO_MAX_RANGES];
};

_Static_assert(sizeof(struct bootinfo) == 440, "bootinfo layout");
_Static_assert(__builtin_offsetof(struct bootinfo, mmap_phys) == 16, "bootinfo layout");
_Static_assert(__builtin_offsetof(struct bootinfo, fb) == 48, "bootinfo layout");
_Static_assert(__builtin_offsetof(struct bootinfo, rsdp_phys) == 96, "bootinfo layout");
_Static_assert(__builtin_offsetof(struct bootinfo, kernel_phys_base) == 104, "bootinfo layout");
_Static_assert(__builtin_offsetof(struct bootinfo, direct_map_offset) == 136, "bootinfo layout");
_Static_assert(__builtin_offsetof(struct bootinfo, cmdline_phys) == 152, "bootinfo layout");
_Static_assert(__builtin_offsetof(struct bootinfo, page_tables_phys) == 168, "bootinfo layout");
_Static_assert(__builtin_offsetof(struct bootinfo, tsc_loader_entry) == 176, "bootinfo layout");
_Static_assert(__builtin_offsetof(struct bootinfo, exit_attempts) == 216, "bootinfo layout");
_Static_assert(__builtin_offsetof(struct bootinfo, initrd_phys) == 224, "bootinfo layout");
_Static_assert(__builtin_offsetof(struct bootinfo, initrd_size) == 232, "bootinfo layout");
_Static_assert(__builtin_offsetof(struct bootinfo, nranges) == 240, "bootinfo layout");
_Static_assert(__builtin_offsetof(struct bootinfo, ranges) == 248, "bootinfo layout");
/* The size of a version-2 structure, for the loader's test hook and the
 * kernel's refusal message. */
#define BOOTINFO_V2_SIZE 240
