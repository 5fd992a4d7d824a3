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

/* Where the framebuffer is mapped (write-combining), away from the direct map. */
#define VMM_FRAMEBUFFER_BASE 0xffffc00000000000ull

void vmm_init(void);
/* Map [va, va + 4 KiB) to pa. Fails if va is mapped already or a table
 * cannot be allocated. */
bool vmm_map(uint64_t va, uint64_t pa, unsigned flags);
/* Unmap a 4 KiB page; returns its physical address, or 0 if not mapped. */
uint64_t vmm_unmap(uint64_t va);
/* Change a 4 KiB page's permissions. */
bool vmm_protect(uint64_t va, unsigned flags);
/* The framebuffer's write-combining mapping (0 if none). */
uint64_t vmm_framebuffer(void);
/* Which protections are on: for the boot summary and tests. */
bool vmm_smep(void);
bool vmm_smap(void);
