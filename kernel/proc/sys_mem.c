/*
 * Memory system calls: brk, mmap (anonymous private memory and private
 * mappings of files), munmap, mprotect, madvise, mremap.
 *
 * A file mapping is private: it starts as the file's own pages and a
 * write copies the page (proc/vm.c). MAP_SHARED of a file is accepted
 * read-only (nothing can write through it, and mprotect refuses to make it
 * writable), since this kernel has no way yet to write a mapping's pages
 * back to its file; writable shared mappings are ENODEV.
 */
#include "core/kprintf.h"
#include "fs/vfs.h"
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
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2

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

/* The file an mmap names: NULL for anonymous memory (MAP_ANONYMOUS, or
 * /dev/zero, which Linux maps as such), else f with *shared_ro when the
 * mapping may never become writable; or an error. */
static int map_source(uint64_t flags, int fd, uint64_t prot, uint64_t off, uint64_t len,
                      struct file **out, bool *shared_ro)
{
	*out = NULL;
	*shared_ro = false;
	bool shared = (flags & MAP_TYPE) == MAP_SHARED;
	if (flags & MAP_ANONYMOUS)
		return shared ? -EINVAL : 0; /* shared anonymous memory: not yet */
	struct file *f = fd_file(fd);
	if (!f)
		return -EBADF;
	if (off % 4096)
		return -EINVAL;
	if (off + vm_page_up(len) < off)
		return -EOVERFLOW;
	struct kstat st;
	vfs_fstat(f, &st);
	if (S_ISCHR(st.mode) && st.rdev == vfs_makedev(1, 5) && !shared)
		return 0; /* /dev/zero */
	if (!S_ISREG(st.mode))
		return -ENODEV;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EACCES;
	if (shared && (prot & PROT_WRITE))
		return (f->flags & O_ACCMODE) == O_RDWR ? -ENODEV : -EACCES;
	*out = f;
	*shared_ro = shared;
	return 0;
}

SYSCALL(mmap) /* (void *addr, size_t len, int prot, int flags, int fd, off_t off) */
{
	uint64_t addr = a0, len = a1, flags = a3;
	if (len == 0 || (a2 & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if ((flags & MAP_TYPE) != MAP_PRIVATE && (flags & MAP_TYPE) != MAP_SHARED)
		return -EINVAL;
	struct file *file;
	bool shared_ro;
	int r = map_source(flags, (int)a4, a2, a5, len, &file, &shared_ro);
	if (r)
		return r;
	bool fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0;
	if (fixed && addr % 4096)
		return -EINVAL;
	struct vm *vm = proc_current()->vm;
	struct vm_map_opts o = {.file = file, .off = a5, .shared_ro = shared_ro};
	uint64_t got;
	if (flags & MAP_FIXED_NOREPLACE) {
		/* Exactly there, or EEXIST: vm_map without `fixed` takes addr
		 * when it is free and chooses elsewhere otherwise. */
		if ((r = vm_map_file(vm, addr, len, vm_prot(a2), VMA_ANON, false, &o, &got)))
			return r;
		if (got != addr) {
			vm_unmap(vm, got, len);
			return -EEXIST;
		}
		return (int64_t)got;
	}
	r = vm_map_file(vm, fixed ? addr : vm_page_down(addr), len, vm_prot(a2), VMA_ANON, fixed, &o,
	                &got);
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

SYSCALL(mremap) /* (void *old, size_t old_len, size_t new_len, int flags, void *new_addr) */
{
	(void)a5;
	if (a3 & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL; /* MREMAP_DONTUNMAP: not supported */
	return vm_remap(proc_current()->vm, a0, a1, a2, (a3 & MREMAP_MAYMOVE) != 0,
	                (a3 & MREMAP_FIXED) != 0, a4);
}
