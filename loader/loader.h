/*
 * Declarations shared between the loader's steps (the .c files in loader/). Each step is
 * one file and returns an EFI_STATUS; on failure it has already printed a
 * message naming the step, the file and the status (ldr_error).
 */
#pragma once

/* gnu-efi's headers only: the loader links none of libefi.a (firmware.c). */
#include <efi.h>

#include <boot/bootinfo.h>

#include "config.h"
#include "elf.h"
#include "fmt.h"

/* Paths on the loader's own volume (docs/boot.md). */
#define LDR_KERNEL_PATH L"\\EFI\\BOOT\\KERNEL.ELF"
#define LDR_INITRD_PATH L"\\EFI\\BOOT\\INITRD"
#define LDR_CMDLINE_PATH L"\\EFI\\BOOT\\CMDLINE.TXT"
#define LDR_CONFIG_PATH L"\\EFI\\BOOT\\KESTREL.CFG"
#define LDR_BOOTLOG_PATH L"\\EFI\\BOOT\\BOOTLOG.TXT"
#define LDR_CMDLINE_MAX 4095
/* The largest screen mode the loader picks by itself (see gop.c). */
#define LDR_MAX_WIDTH 1920
#define LDR_MAX_HEIGHT 1080

#define LDR_PAGE_SIZE 4096ull
#define LDR_PAGES(bytes) (((bytes) + LDR_PAGE_SIZE - 1) / LDR_PAGE_SIZE)

/* firmware.c: the system table, console output and small helpers that
 * gnu-efi's libefi used to provide (without its SSE code). */
extern EFI_SYSTEM_TABLE *gST;
extern EFI_BOOT_SERVICES *gBS;
extern EFI_RUNTIME_SERVICES *gRT;
void ldr_firmware_init(EFI_SYSTEM_TABLE *st);
/* Format (fmt.h) and write to ConOut, '\n' as "\r\n"; nothing without a ConOut. */
void ldr_print(const CHAR16 *fmt, ...);
void ldr_vprint(const CHAR16 *fmt, va_list ap);
/* The status's name ("Not Found"), for messages that also give its number. */
const CHAR16 *ldr_status_str(EFI_STATUS st);
/* EFI_FILE_INFO of an open file, in pool memory the caller frees. */
EFI_STATUS ldr_file_info(EFI_FILE_HANDLE f, EFI_FILE_INFO **info);
int ldr_mem_equal(const void *a, const void *b, UINTN n);

/* log.c: messages. All go to the boot log; on the screen (ConOut, which OVMF
 * also mirrors to serial) only notices, warnings and errors, and info lines
 * too with "verbose = yes" in KESTREL.CFG. */
void ldr_info(const CHAR16 *fmt, ...);
void ldr_notice(const CHAR16 *fmt, ...);
void ldr_warn(const CHAR16 *fmt, ...); /* "warning: " and the message */
EFI_STATUS ldr_error(EFI_STATUS status, const CHAR16 *fmt, ...);
void ldr_set_verbose(int on);
void ldr_wait_before_return(void);
void ldr_disable_watchdog(void); /* before that wait: see log.c */
/* How long ldr_wait_before_return waits without a key (config "timeout"). */
void ldr_set_error_timeout(UINT32 seconds);
#define LDR_MESSAGE_MAX 512 /* characters of one formatted message */
/* clock.c: TSC ticks spent printing and logging, and in the firmware's
 * AllocatePages; ldr_clock is the TSC minus both, the clock main.c times the
 * loader's steps with, so a step's figure is the loader's own work. */
extern UINT64 ldr_log_ticks, ldr_alloc_ticks;
UINT64 ldr_clock(void);

/* ranges.c: the loader's allocations for the kernel, all EfiLoaderData.
 * ldr_allocate_pages (AllocateAnyPages, timed) records the range with its
 * kind (BOOTINFO_MEM_*); ldr_ranges copies the table into the boot info. */
EFI_STATUS ldr_allocate_pages(UINT32 kind, UINTN pages, EFI_PHYSICAL_ADDRESS *addr);
void ldr_free_pages(EFI_PHYSICAL_ADDRESS addr); /* a recorded range, whole */
void ldr_free_all_pages(void);
UINT32 ldr_ranges(struct bootinfo_range *out); /* BOOTINFO_MAX_RANGES room */
const CHAR16 *ldr_range_name(UINT32 kind);
/* Pages of the ranges freed so far that the firmware's map still calls
 * loader data (0 once the release worked). */
EFI_STATUS ldr_freed_pages_in_use(UINT64 *pages);

/* bootlog.c: the boot log, written to LDR_BOOTLOG_PATH before the loader
 * leaves (docs/real-hardware.md). ldr_info/ldr_error lines go there too;
 * ldr_detail lines go only there (indented), for what is too long for the
 * screen. Writing is best effort: failure prints a warning. */
void ldr_bootlog_vline(const CHAR16 *prefix, const CHAR16 *fmt, va_list ap);
void ldr_bootlog_line(const CHAR16 *fmt, ...);
void ldr_detail(const CHAR16 *fmt, ...);
void ldr_bootlog_write(EFI_FILE_HANDLE root);
void ldr_bootlog_free(void); /* after the last write; later lines are dropped */

/* file.c: read a whole file from the volume this loader was loaded from. */
EFI_STATUS ldr_open_volume(EFI_HANDLE image, EFI_FILE_HANDLE *root);
EFI_STATUS ldr_read_file(EFI_FILE_HANDLE root, const CHAR16 *path, void **data, UINTN *size);
/* The same into fresh pages for the kernel, kind BOOTINFO_MEM_* (the rest of the last
 * page zeroed); an empty file gives *phys = 0 and *size = 0, no pages. */
EFI_STATUS ldr_read_file_pages(EFI_FILE_HANDLE root, const CHAR16 *path, UINT32 type,
                               EFI_PHYSICAL_ADDRESS *phys, UINTN *size);

/* kernel.c: validate the ELF and copy its segments into fresh pages. */
struct ldr_kernel {
	struct elf_image img;
	EFI_PHYSICAL_ADDRESS phys_base; /* image virt_base lives here */
	UINT64 phys_size;
};
EFI_STATUS ldr_load_kernel(const void *file, UINTN size, struct ldr_kernel *k, const CHAR16 *path);

/* initrd.c: the optional initramfs (docs/initramfs.md), read whole into
 * pages of kind BOOTINFO_MEM_INITRD (ldr_verify_initrd then checks it under
 * Secure Boot). path NULL: none configured. Missing or empty is not an
 * error: phys and size 0, and the loader says so. */
struct ldr_initrd {
	EFI_PHYSICAL_ADDRESS phys;
	UINTN size;
};
EFI_STATUS ldr_load_initrd(EFI_FILE_HANDLE root, const CHAR16 *path, struct ldr_initrd *out);

/* gop.c: describe the framebuffer (format BOOTINFO_FB_NONE without GOP). */
/* want_width/height: a configured resolution, 0 for automatic.
 * test_size_zero: test hook loader.test=fb-size-zero, as if GOP reported a
 * FrameBufferSize of 0 (the size is then derived from the mode). */
void ldr_get_framebuffer(struct bootinfo_framebuffer *fb, UINT32 want_width, UINT32 want_height,
                         int test_size_zero);
/* Black screen for the kernel: call after the loader's last message. */
void ldr_clear_framebuffer(const struct bootinfo_framebuffer *fb);

/* report.c: firmware, CPU, memory map and ACPI details for the boot log. */
void ldr_report_firmware(void);
void ldr_report_cpu(void);
void ldr_report_memory(void);
void ldr_report_acpi(UINT64 rsdp_phys);

/* verify.c: Secure Boot state, and the SHA-256 of the kernel and of the
 * initrd against the digests built into the loader (checked only when
 * enforce is set). */
int ldr_secure_boot_state(void);
/* Chooses the SHA-256 implementation from CPUID and the control registers,
 * once, before anything is hashed; says which in the boot log. */
void ldr_sha256_setup(void);
EFI_STATUS ldr_verify_kernel(const void *file, UINTN size, const CHAR16 *path, int enforce);
EFI_STATUS ldr_verify_initrd(const void *file, UINTN size, const CHAR16 *path, int enforce);

/* acpi.c: the RSDP from the configuration table, or 0. */
UINT64 ldr_find_rsdp(void);

/* paging.c: the hand-off page tables. */
struct ldr_paging {
	EFI_PHYSICAL_ADDRESS pool; /* page-table pages come from here */
	UINTN pool_pages;
	UINTN used;
	UINT64 pml4;
	int nx; /* CPU supports execute-disable: set EFER.NXE before CR3 */
	int huge1g;
};
EFI_STATUS ldr_build_page_tables(struct ldr_paging *pg, const struct ldr_kernel *k,
                                 UINT64 direct_map_size, UINT64 handoff_phys, UINT64 stack_phys,
                                 UINTN stack_pages);

/* exit.c: the memory map and ExitBootServices. ldr_get_memory_map returns
 * the current map in a pool buffer the caller frees. */
EFI_STATUS ldr_get_memory_map(void **buf, UINTN *size, UINTN *desc_size, UINT32 *ver);
EFI_STATUS ldr_memory_map_size(UINTN *map_size, UINTN *desc_size, UINT64 *max_addr);
/* Returns only on success: after a failed ExitBootServices it halts. */
EFI_STATUS ldr_exit_boot_services(EFI_HANDLE image, struct bootinfo *bi, void *map, UINTN cap);

/* handoff.S: load CR3, switch stack, jump; never returns. */
void ldr_handoff(UINT64 cr3, UINT64 entry, UINT64 stack_top, UINT64 bootinfo_virt)
	__attribute__((noreturn));
