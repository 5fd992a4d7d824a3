/*
 * A process's address space: its page tables (mm/uvm.c) and the list of
 * areas that may hold pages (struct vma), as Linux's mm_struct and
 * vm_area_struct. Pages come on first touch: an area starts empty, and a
 * page fault inside it maps a zeroed page with the area's permissions
 * (demand-zero); outside every area, or against the area's permissions,
 * the fault is the program's error (SIGSEGV). After fork, parent and child
 * share their pages read-only until one of them writes one
 * (copy-on-write): that write faults and gets the writer its own copy.
 *
 *   0x10000 ........... program segments (ELF), then the heap (brk)
 *   ...
 *   mmap_top and down . mmap areas, placed top-down below the stack gap
 *   USER_STACK_TOP .... the stack: USER_STACK_MAX below it may be touched;
 *                       a guard gap below that stays unmapped
 *
 * Sharing: every thread that runs in the space holds a reference (users):
 * the threads of a process, and a process made by clone(CLONE_VM) without
 * CLONE_THREAD (vfork, posix_spawn). The last vm_put frees it, and a
 * thread drops its reference only after it has switched its own CPU to
 * the kernel's tables, so no CPU can run on tables that are gone. With
 * more than one user, a change that narrows a mapping is shot down on
 * every other CPU before it returns (uvm.h).
 *
 * Locking: vm->lock (a mutex: faults may sleep) guards the list, the page
 * tables and the counters.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/wait.h"

#define VM_READ 1u
#define VM_WRITE 2u
#define VM_EXEC 4u

#define USER_STACK_TOP 0x00007ffffffde000ull /* a few pages below USER_TOP */
#define USER_STACK_MAX (8ull << 20)          /* as Linux's default RLIMIT_STACK */
#define USER_STACK_GAP (1ull << 20)          /* unmapped below the stack */
#define USER_MIN_ADDR 0x10000ull             /* nothing below (null pointers) */

enum vma_kind { VMA_ANON, VMA_PROGRAM, VMA_HEAP, VMA_STACK };

struct file;

struct vma {
	uint64_t start, end; /* page-aligned, end exclusive */
	unsigned prot;       /* VM_* */
	enum vma_kind kind;
	struct file *file;   /* backing file (a reference), or NULL: anonymous */
	uint64_t off;        /* the file offset that start maps */
	bool shared_ro;      /* MAP_SHARED of a file: may never become writable */
	struct vma *next;    /* sorted by start */
};

struct vm {
	struct mutex lock;
	uint64_t pml4;
	struct vma *vmas;
	uint64_t brk_base, brk; /* the heap area is [brk_base, page_up(brk)) */
	size_t pages;           /* resident pages */
	uint64_t size_bytes;    /* bytes of all areas (/proc's VmSize), kept by recount */
	size_t limit_pages;     /* at most this many resident */
	_Atomic int users;      /* threads running in it (see above) */
};

/* A new, empty space with one user. */
struct vm *vm_create(size_t limit_pages);
/* One more user (a thread, a CLONE_VM child); vm_put drops one and frees
 * the space with the last (NULL: nothing). */
struct vm *vm_get(struct vm *vm);
void vm_put(struct vm *vm);
/* A copy of src for fork: every area, and every page shared copy-on-write
 * (uvm_share): the first write on either side copies that one page. */
struct vm *vm_fork(struct vm *src);

/* Add an area of anonymous demand-zero memory. With fixed, exactly at addr
 * (replacing what was there); otherwise at addr if free, else the highest
 * free range below the stack gap. 0 and *out, or -ENOMEM/-EINVAL. */
int vm_map(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot, enum vma_kind kind,
           bool fixed, uint64_t *out);
/* What backs a mapping: a file from offset off (page-aligned) on, or
 * nothing (anonymous). A file mapping is private: its pages are the file's
 * until written (the area takes its own reference on the file). */
struct vm_map_opts {
	struct file *file;
	uint64_t off;
	bool shared_ro; /* MAP_SHARED read-only: mprotect may not add VM_WRITE */
};
int vm_map_file(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot, enum vma_kind kind,
                bool fixed, const struct vm_map_opts *o, uint64_t *out);
int vm_unmap(struct vm *vm, uint64_t addr, uint64_t len);
/* mprotect: -ENOMEM where part of the range is unmapped, -EACCES to make
 * a read-only shared file mapping writable. */
int vm_protect(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot);
/* mremap(2): resize the mapping [old, old + old_len), which must lie in one
 * area (-EFAULT otherwise): shrink in place; grow in place when the
 * addresses above are free; else, with may_move, move it (its pages keep
 * their frames: page table entries move, nothing is copied), to new_addr
 * exactly with fixed. The new address, or -EINVAL / -ENOMEM. */
int64_t vm_remap(struct vm *vm, uint64_t old, uint64_t old_len, uint64_t new_len, bool may_move,
                 bool fixed, uint64_t new_addr);
/* madvise(MADV_DONTNEED): drop the pages of [addr, addr + len); the areas
 * stay, so the next touch gets zeroed pages again. */
int vm_discard(struct vm *vm, uint64_t addr, uint64_t len);
/* brk(2): move the end of the heap (0 asks). Returns the new (or old) end. */
uint64_t vm_brk(struct vm *vm, uint64_t new_end);
/* Resolve a page fault at addr (x86 #PF error code bits): 0, or the
 * signal the access earns: SIGSEGV when it is not allowed or there is no
 * memory, SIGBUS past the end of a mapped file. */
int vm_fault(struct vm *vm, uint64_t addr, uint64_t error_code);
/* Whether addr lies in an area (a fault there is a permission problem:
 * SEGV_ACCERR; outside every area, SEGV_MAPERR). */
bool vm_has_area(struct vm *vm, uint64_t addr);
/* Copy n kernel bytes to va in vm, mapping pages as needed (execve
 * filling segments and the stack before the program runs). */
int vm_write(struct vm *vm, uint64_t va, const void *src, size_t n);
/* The same with n zero bytes (the tail of a program's last file page). */
int vm_zero(struct vm *vm, uint64_t va, size_t n);
/* Page-aligned helpers. */
static inline uint64_t vm_page_down(uint64_t a) { return a & ~4095ull; }
static inline uint64_t vm_page_up(uint64_t a) { return (a + 4095) & ~4095ull; }
