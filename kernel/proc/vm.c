/*
 * Address spaces of processes (see vm.h): the area list, demand-zero
 * faults, mmap/munmap/mprotect/brk, and fork's copy.
 *
 * The area list is a sorted singly linked list: a process has a handful of
 * areas (busybox: program, heap, stack, a few mmaps), so a walk is as fast
 * as a tree and much simpler to get right. Areas never overlap; splitting
 * one (munmap or mprotect of its middle) makes up to two more.
 */
#include "proc/vm.h"

#include <stdatomic.h>

#include "arch/x86_64/syscall.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "mm/uvm.h"
#include "mm/vmm.h"

#define PF_PRESENT (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_INSTR (1u << 4)

/* Where top-down mmap placement starts: below the stack and its gap. */
#define MMAP_TOP (USER_STACK_TOP - USER_STACK_MAX - USER_STACK_GAP)

static unsigned page_flags(unsigned prot)
{
	unsigned f = 0;
	if (prot & VM_WRITE)
		f |= VMM_WRITE;
	if (prot & VM_EXEC)
		f |= VMM_EXEC;
	return f;
}

struct vm *vm_create(size_t limit_pages)
{
	struct vm *vm = kcalloc(1, sizeof(*vm));
	if (!vm)
		return NULL;
	vm->pml4 = uvm_create();
	if (!vm->pml4) {
		kfree(vm);
		return NULL;
	}
	mutex_init(&vm->lock, "vm");
	vm->limit_pages = limit_pages;
	atomic_init(&vm->users, 1);
	return vm;
}

struct vm *vm_get(struct vm *vm)
{
	/* Relaxed: the caller already holds a reference, which keeps vm alive. */
	atomic_fetch_add_explicit(&vm->users, 1, memory_order_relaxed);
	return vm;
}

/* Other threads may have the tables loaded on other CPUs: every narrowing
 * change must be shot down there too (uvm.h). Read under vm->lock; a new
 * user that appears meanwhile has not run in the space yet, and one that
 * leaves only makes a shootdown unnecessary. */
static bool others(struct vm *vm)
{
	return atomic_load_explicit(&vm->users, memory_order_acquire) > 1;
}

void vm_put(struct vm *vm)
{
	if (!vm)
		return;
	/* Release/acquire: every use of the space by the other users happens
	 * before the last one tears it down. */
	if (atomic_fetch_sub_explicit(&vm->users, 1, memory_order_acq_rel) != 1)
		return;
	uvm_destroy(vm->pml4);
	for (struct vma *a = vm->vmas, *n; a; a = n) {
		n = a->next;
		kfree(a);
	}
	kfree(vm);
}

static struct vma *find(struct vm *vm, uint64_t addr)
{
	for (struct vma *a = vm->vmas; a && a->start <= addr; a = a->next)
		if (addr < a->end)
			return a;
	return NULL;
}

static bool range_free(struct vm *vm, uint64_t start, uint64_t end)
{
	for (struct vma *a = vm->vmas; a && a->start < end; a = a->next)
		if (a->end > start)
			return false;
	return true;
}

static void insert(struct vm *vm, struct vma *n)
{
	struct vma **p = &vm->vmas;
	while (*p && (*p)->start < n->start)
		p = &(*p)->next;
	n->next = *p;
	*p = n;
}

/* Split the area at addr (inside it) into two; false when out of memory. */
static bool split(struct vma *a, uint64_t addr)
{
	struct vma *b = kmalloc(sizeof(*b));
	if (!b)
		return false;
	*b = *a;
	b->start = addr;
	a->end = addr;
	a->next = b;
	return true;
}

/* Cut [start, end) out of the list and the page tables. */
static int remove_range(struct vm *vm, uint64_t start, uint64_t end)
{
	for (struct vma **p = &vm->vmas; *p;) {
		struct vma *a = *p;
		if (a->start >= end)
			break;
		if (a->end <= start) {
			p = &a->next;
			continue;
		}
		if (a->start < start) { /* keep the part below */
			if (!split(a, start))
				return -ENOMEM;
			p = &a->next;
			continue;
		}
		if (a->end > end && !split(a, end)) /* keep the part above */
			return -ENOMEM;
		*p = a->next;
		kfree(a);
	}
	vm->pages -= uvm_unmap_range(vm->pml4, start, end, others(vm));
	return 0;
}

/* The highest free range of len bytes below MMAP_TOP. */
static uint64_t find_free(struct vm *vm, uint64_t len)
{
	uint64_t top = MMAP_TOP;
	/* Walk areas from the top down: the list is sorted upwards, so
	 * collect the candidate gap below each area under `top`. */
	for (;;) {
		uint64_t start = top - len;
		if (len > top || start < USER_MIN_ADDR)
			return 0;
		struct vma *clash = NULL;
		for (struct vma *a = vm->vmas; a && a->start < top; a = a->next)
			if (a->end > start)
				clash = a; /* the highest area in the way */
		if (!clash)
			return start;
		top = clash->start;
	}
}

int vm_map(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot, enum vma_kind kind,
           bool fixed, uint64_t *out)
{
	if (len == 0 || addr % 4096)
		return -EINVAL;
	len = vm_page_up(len);
	if (len == 0)
		return -ENOMEM;
	struct vma *n = kmalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	mutex_lock(&vm->lock);
	uint64_t start = addr;
	bool fits = addr >= USER_MIN_ADDR && addr <= USER_TOP && len <= USER_TOP - addr;
	if (fixed) {
		int r = fits ? remove_range(vm, start, start + len) : -ENOMEM;
		if (r) {
			mutex_unlock(&vm->lock);
			kfree(n);
			return r;
		}
	} else if (!fits || !range_free(vm, start, start + len)) {
		start = find_free(vm, len);
		if (!start) {
			mutex_unlock(&vm->lock);
			kfree(n);
			return -ENOMEM;
		}
	}
	*n = (struct vma){.start = start, .end = start + len, .prot = prot, .kind = kind};
	insert(vm, n);
	mutex_unlock(&vm->lock);
	*out = start;
	return 0;
}

int vm_unmap(struct vm *vm, uint64_t addr, uint64_t len)
{
	if (addr % 4096 || len == 0 || addr >= USER_TOP || len > USER_TOP - addr)
		return -EINVAL;
	mutex_lock(&vm->lock);
	int r = remove_range(vm, addr, vm_page_up(addr + len));
	mutex_unlock(&vm->lock);
	return r;
}

int vm_protect(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot)
{
	if (addr % 4096 || addr >= USER_TOP || len > USER_TOP - addr)
		return -EINVAL;
	uint64_t end = vm_page_up(addr + len);
	mutex_lock(&vm->lock);
	/* Linux: ENOMEM when part of the range is not mapped. */
	uint64_t at = addr;
	for (struct vma *a = vm->vmas; a && at < end; a = a->next) {
		if (a->end <= at)
			continue;
		if (a->start > at)
			break;
		at = a->end;
	}
	if (at < end) {
		mutex_unlock(&vm->lock);
		return -ENOMEM;
	}
	for (struct vma *a = vm->vmas; a && a->start < end; a = a->next) {
		if (a->end <= addr)
			continue;
		if (a->start < addr) {
			if (!split(a, addr))
				goto nomem;
			continue; /* the next iteration sees the upper part */
		}
		if (a->end > end && !split(a, end))
			goto nomem;
		a->prot = prot;
	}
	uvm_protect_range(vm->pml4, addr, end, page_flags(prot), others(vm));
	mutex_unlock(&vm->lock);
	return 0;
nomem:
	mutex_unlock(&vm->lock);
	return -ENOMEM;
}

int vm_discard(struct vm *vm, uint64_t addr, uint64_t len)
{
	if (addr >= USER_TOP || len > USER_TOP - addr)
		return -EINVAL;
	mutex_lock(&vm->lock);
	vm->pages -= uvm_unmap_range(vm->pml4, addr, vm_page_up(addr + len), others(vm));
	mutex_unlock(&vm->lock);
	return 0;
}

uint64_t vm_brk(struct vm *vm, uint64_t new_end)
{
	mutex_lock(&vm->lock);
	uint64_t old = vm->brk;
	if (new_end < vm->brk_base || new_end > MMAP_TOP) {
		mutex_unlock(&vm->lock);
		return old;
	}
	uint64_t old_top = vm_page_up(old), new_top = vm_page_up(new_end);
	if (new_top > old_top) {
		if (!range_free(vm, old_top, new_top)) {
			mutex_unlock(&vm->lock);
			return old;
		}
		struct vma *heap = old_top > vm->brk_base ? find(vm, old_top - 1) : NULL;
		if (heap && heap->kind == VMA_HEAP) {
			heap->end = new_top;
		} else {
			struct vma *n = kmalloc(sizeof(*n));
			if (!n) {
				mutex_unlock(&vm->lock);
				return old;
			}
			*n = (struct vma){.start = old_top, .end = new_top, .prot = VM_READ | VM_WRITE,
			                  .kind = VMA_HEAP};
			insert(vm, n);
		}
	} else if (new_top < old_top) {
		remove_range(vm, new_top, old_top);
	}
	vm->brk = new_end;
	mutex_unlock(&vm->lock);
	return new_end;
}

/* Map a zeroed page at va with the area's permissions (lock held). */
static uint64_t add_page(struct vm *vm, uint64_t va, unsigned prot)
{
	if (vm->pages >= vm->limit_pages)
		return 0;
	uint64_t pa = pmm_alloc_page(mm_pmm());
	if (!pa)
		return 0;
	memset(phys_to_virt(pa), 0, 4096);
	if (!uvm_map(vm->pml4, va, pa, page_flags(prot))) {
		pmm_free_page(mm_pmm(), pa);
		return 0;
	}
	vm->pages++;
	return pa;
}

bool vm_fault(struct vm *vm, uint64_t addr, uint64_t err)
{
	if (addr >= USER_TOP)
		return false;
	mutex_lock(&vm->lock);
	struct vma *a = find(vm, addr);
	bool ok = a && (!(err & PF_WRITE) || (a->prot & VM_WRITE)) &&
	          (!(err & PF_INSTR) || (a->prot & VM_EXEC)) && (a->prot & (VM_READ | VM_WRITE | VM_EXEC));
	if (ok) {
		uint64_t va = vm_page_down(addr);
		/* Present: a write to a page shared since fork (copy-on-write:
		 * the area allows it, the entry did not), or a fault that
		 * raced with another mapping it. */
		if (uvm_lookup(vm->pml4, va, NULL))
			ok = (err & PF_PRESENT) && (err & PF_WRITE) ? uvm_unshare(vm->pml4, va, others(vm)) != 0
			                                            : !(err & PF_PRESENT);
		else
			ok = add_page(vm, va, a->prot) != 0;
	}
	mutex_unlock(&vm->lock);
	return ok;
}

int vm_write(struct vm *vm, uint64_t va, const void *src, size_t n)
{
	const uint8_t *s = src;
	mutex_lock(&vm->lock);
	while (n) {
		uint64_t page = vm_page_down(va), off = va - page;
		size_t chunk = 4096 - off < n ? 4096 - off : n;
		/* The kernel writes through the direct map, past the entry's
		 * permissions: a shared page must become this space's own. */
		uint64_t pa;
		if (uvm_lookup(vm->pml4, page, NULL)) {
			pa = uvm_unshare(vm->pml4, page, others(vm));
			if (!pa) {
				mutex_unlock(&vm->lock);
				return -ENOMEM;
			}
		} else {
			struct vma *a = find(vm, page);
			pa = a ? add_page(vm, page, a->prot) : 0;
			if (!pa) {
				mutex_unlock(&vm->lock);
				return a ? -ENOMEM : -EFAULT;
			}
		}
		memcpy((uint8_t *)phys_to_virt(pa) + off, s, chunk);
		s += chunk;
		va += chunk;
		n -= chunk;
	}
	mutex_unlock(&vm->lock);
	return 0;
}

struct vm *vm_fork(struct vm *src)
{
	struct vm *vm = vm_create(src->limit_pages);
	if (!vm)
		return NULL;
	mutex_lock(&src->lock);
	struct vma **tail = &vm->vmas;
	bool ok = true;
	for (struct vma *a = src->vmas; a && ok; a = a->next) {
		struct vma *n = kmalloc(sizeof(*n));
		if (!n) {
			ok = false;
			break;
		}
		*n = *a;
		n->next = NULL;
		*tail = n;
		tail = &n->next;
	}
	ok = ok && uvm_share(vm->pml4, src->pml4, others(src));
	vm->brk_base = src->brk_base;
	vm->brk = src->brk;
	vm->pages = src->pages;
	mutex_unlock(&src->lock);
	if (!ok) {
		vm_put(vm);
		return NULL;
	}
	return vm;
}
