/*
 * User address spaces at the page-table level: a top-level table per
 * process whose upper half is the kernel's (vmm_copy_kernel_half) and whose
 * lower half maps that process's pages, 4 KiB each, always with PTE_USER.
 * Mechanism only: which pages should exist is the process layer's decision
 * (proc/vm.c), and so is the locking (the caller holds the address space's
 * lock). Pages in the lower half belong to the address space: unmapping or
 * destroying frees them to the page-frame allocator.
 *
 * Pages may be shared between address spaces after fork (copy-on-write):
 * unmapping a shared page only drops this space's share.
 *
 * TLB: unmap and protect flush the page on this CPU when the tables are the
 * ones loaded here. A space's tables are loaded only on CPUs running one of
 * its threads (a kernel thread that follows one loads the kernel's, see
 * arch/x86_64/context.c). The caller says whether other threads may have
 * them loaded elsewhere (`others`): then every change that takes away a
 * translation or a permission is also shot down on every other CPU
 * (mm/tlb.h) before it returns, and a freed page is released only after
 * that. Without `others` no other CPU can hold a stale entry.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Leaf permissions: VMM_WRITE and VMM_EXEC from vmm.h; readable always. */

/* A new address space with nothing in its lower half: its top-level
 * table's physical address, or 0 when out of memory. */
uint64_t uvm_create(void);
/* Free every page and table of the lower half, then the top level. The
 * tables must not be loaded on any CPU. */
void uvm_destroy(uint64_t pml4);
/* Map the 4 KiB page at va (below USER_TOP) to pa. False if va is mapped
 * already or a table could not be allocated. */
bool uvm_map(uint64_t pml4, uint64_t va, uint64_t pa, unsigned flags);
/* The same for a page others share (a file's, counted in mm/pageref.h):
 * read-only, and where flags allow writing, copy-on-write, so the first
 * write gives this space its own copy (uvm_unshare). */
bool uvm_map_shared(uint64_t pml4, uint64_t va, uint64_t pa, unsigned flags);
/* mremap: move every page of [from, from + len) to the same offset from
 * `to` (the destination empty, the ranges disjoint); the pages keep their
 * entries' bits. False when out of memory for tables: nothing moved. */
bool uvm_move_range(uint64_t pml4, uint64_t from, uint64_t to, uint64_t len, bool others);
/* The page mapped at va and its permissions, or 0. */
uint64_t uvm_lookup(uint64_t pml4, uint64_t va, unsigned *flags);
/* Unmap and free every page in [start, end) (page-aligned); the number. */
size_t uvm_unmap_range(uint64_t pml4, uint64_t start, uint64_t end, bool others);
/* New permissions for every mapped page in [start, end). */
void uvm_protect_range(uint64_t pml4, uint64_t start, uint64_t end, unsigned flags, bool others);
/* fork: map every page of src's lower half in dst as well, read-only in
 * both; writable pages become copy-on-write (mm/pageref.h counts the
 * sharers). False when out of memory (dst then holds part; destroy it). */
bool uvm_share(uint64_t dst, uint64_t src, bool others);
/* Make the page at va this space's own (copying it if it is shared) and
 * writable if its owner may write it (a copy-on-write fault, or the kernel
 * about to write into it). Its physical address, or 0: not mapped, or no
 * memory for the copy. */
uint64_t uvm_unshare(uint64_t pml4, uint64_t va, bool others);
/* Pages mapped in the lower half (for limits and /proc). */
size_t uvm_count(uint64_t pml4);
