/*
 * The kernel's own page tables, built at boot from the page-frame allocator,
 * replacing the loader's: kernel sections with their own permissions (W^X),
 * the direct map read-write and no-execute, the framebuffer write-combining,
 * nothing at the null page, nothing at any stack's guard page. Also the
 * map/unmap/protect API, with TLB invalidation.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Leaf permissions and cache types for vmm_map/vmm_protect. */
#define VMM_WRITE (1u << 0)
#define VMM_EXEC (1u << 1)
#define VMM_USER (1u << 2)
#define VMM_WC (1u << 3) /* write-combining, through the PAT */
#define VMM_UC (1u << 4) /* uncacheable (PCD and PWT: PAT entry 3) */

/* Where the framebuffer is mapped (write-combining), away from the direct map. */
#define VMM_FRAMEBUFFER_BASE 0xffffc00000000000ull
/* Device registers (vmm_map_mmio), uncacheable, one PML4 slot above. */
#define VMM_MMIO_BASE 0xffffc08000000000ull
#define VMM_MMIO_SIZE (1ull << 39)
/* A top-level slot for the self-tests' own mappings (test_smp.c). */
#define VMM_SCRATCH_BASE 0xffffc20000000000ull

void vmm_init(void);
/* On an application processor: check it offers every protection the boot
 * CPU turned on, then load the same PAT, page tables, CR4 and CR0 bits.
 * Returns NULL, or the name of the missing feature (the CPU is not used). */
const char *vmm_init_cpu(void);
/* The kernel's PML4 (physical), for CPUs being started. */
uint64_t vmm_kernel_cr3(void);
/* PTE_NX, or 0 on a CPU without NX (for user page tables, uvm.c). */
uint64_t vmm_nx_bit(void);
/* Fill entries 256..511 of a new top-level table with the kernel's, so
 * it maps the kernel half exactly as every other address space does. */
void vmm_copy_kernel_half(uint64_t *pml4);
/* Map [va, va + 4 KiB) to pa. Fails if va is mapped already or a table
 * cannot be allocated. */
bool vmm_map(uint64_t va, uint64_t pa, unsigned flags);
/* Unmap a 4 KiB page; returns its physical address, or 0 if not mapped. */
uint64_t vmm_unmap(uint64_t va);
/* Change a 4 KiB page's permissions. */
bool vmm_protect(uint64_t va, unsigned flags);
/* Map the device registers at [phys, phys + size) uncacheable and return
 * the address of phys in the mapping. Device registers must not be reached
 * through the direct map: its entries say write-back, and only the
 * firmware's MTRRs would make them uncacheable. Each call gets its own
 * window with an unmapped page after it. Panics when out of page tables or
 * window (boot-time use: a driver that cannot reach its device is broken). */
volatile void *vmm_map_mmio(uint64_t phys, uint64_t size, const char *what);
/* The same with other permissions and cache type (VMM_WRITE, VMM_UC,
 * VMM_WC; never executable): for memory outside the direct map that is not
 * registers, such as ACPI tables in reserved memory (0: write-back,
 * read-only). `what` names it in a panic. */
volatile void *vmm_map_phys(uint64_t phys, uint64_t size, unsigned flags, const char *what);
/* Whether va is mapped in the direct map (for exception reports). */
bool vmm_in_direct_map(uint64_t va);
/* Whether va lies in the MMIO window (for exception reports). */
bool vmm_is_mmio(uint64_t va);
/* The framebuffer's write-combining mapping (0 if none). */
uint64_t vmm_framebuffer(void);
/* Which protections are on: for the boot summary and tests. */
bool vmm_smep(void);
bool vmm_smap(void);
