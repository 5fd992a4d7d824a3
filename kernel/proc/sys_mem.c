/*
 * Memory system calls: brk, mmap (anonymous private memory), munmap,
 * mprotect, madvise. File mappings come with the file system.
 */
#include "core/kprintf.h"
#include "lib/errno.h"
#include "mm/uvm.h"
#include "proc/proc.h"
#include "proc/sys.h"

#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MADV_DONTNEED 4

static unsigned vm_prot(uint64_t prot)
{
	return ((prot & PROT_READ) ? VM_READ : 0) | ((prot & PROT_WRITE) ? VM_WRITE : 0) |
	       ((prot & PROT_EXEC) ? VM_EXEC : 0);
}

SYSCALL(brk)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return (int64_t)vm_brk(proc_current()->vm, a0);
}

SYSCALL(mmap) /* (void *addr, size_t len, int prot, int flags, int fd, off_t off) */
{
	(void)a5;
	uint64_t addr = a0, len = a1, flags = a3;
	if (len == 0 || (a2 & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if ((flags & MAP_TYPE) != MAP_PRIVATE && (flags & MAP_TYPE) != MAP_SHARED)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return (int)a4 < 0 ? -EBADF : -ENODEV; /* file mappings: with the file system */
	if ((flags & MAP_TYPE) == MAP_SHARED)
		return -EINVAL; /* shared anonymous memory needs shared pages across fork */
	bool fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0;
	if (fixed && addr % 4096)
		return -EINVAL;
	struct vm *vm = proc_current()->vm;
	if (flags & MAP_FIXED_NOREPLACE) {
		/* Exactly there, or EEXIST: vm_map without `fixed` takes addr
		 * when it is free and chooses elsewhere otherwise. */
		uint64_t got;
		int r = vm_map(vm, addr, len, vm_prot(a2), VMA_ANON, false, &got);
		if (r)
			return r;
		if (got != addr) {
			vm_unmap(vm, got, len);
			return -EEXIST;
		}
		return (int64_t)got;
	}
	uint64_t got;
	int r = vm_map(vm, fixed ? addr : vm_page_down(addr), len, vm_prot(a2), VMA_ANON, fixed, &got);
	return r ? r : (int64_t)got;
}

SYSCALL(munmap)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return vm_unmap(proc_current()->vm, a0, a1);
}

SYSCALL(mprotect)
{
	(void)a3, (void)a4, (void)a5;
	if (a2 & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	return vm_protect(proc_current()->vm, a0, a1, vm_prot(a2));
}

SYSCALL(madvise) /* (void *addr, size_t len, int advice) */
{
	(void)a3, (void)a4, (void)a5;
	if (a0 % 4096)
		return -EINVAL;
	if ((int)a2 == MADV_DONTNEED)
		return vm_discard(proc_current()->vm, a0, a1);
	return 0; /* the other advice is about performance: taking none is correct */
}
