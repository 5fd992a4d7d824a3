/*
 * Address spaces of processes (see vm.h): the area list, demand-zero
 * faults, mmap/munmap/mprotect/brk, and fork's copy.
 *
 * The area list is a sorted singly linked list: a process has a handful of
 * areas (busybox: program, heap, stack, a few mmaps), so a walk is as fast
 * as a tree and much simpler to get right. Areas never overlap; splitting
 * one (munmap or mprotect of its middle) makes up to two more.
 *
 * An area backed by a file (execve's segments, mmap of a file) holds a
 * reference to the open file. Its pages are the file's own pages, mapped
 * read-only and shared with the file system (mm/pageref.h counts the
 * sharers): a program's text is never copied. A write to one, where the
 * area allows writing, copies the page first, as after fork, so the
 * mapping is private; a write fault on a page not yet there takes the copy
 * at once.
 */
#include "proc/vm.h"

#include <stdatomic.h>

#include "arch/x86_64/syscall.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/pageref.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "mm/uvm.h"
#include "mm/vmm.h"
#include "proc/signal.h"

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

static void vma_free(struct vma *a)
{
	if (a->file)
		file_put(a->file);
	kfree(a);
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
		vma_free(a);
	}
	kfree(vm);
}

/* Sum the areas into size_bytes, after every change to the list (the lock
 * held). A handful of areas: cheaper than keeping the sum through every
 * split and cut, and obviously right. Other threads read it without the
 * lock (/proc), hence the atomic store. */
static void recount(struct vm *vm)
{
	uint64_t bytes = 0;
	for (struct vma *a = vm->vmas; a; a = a->next)
		bytes += a->end - a->start;
	__atomic_store_n(&vm->size_bytes, bytes, __ATOMIC_RELAXED);
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
	if (b->file) {
		file_get(b->file);
		b->off += addr - a->start;
	}
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
		vma_free(a);
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
	return vm_map_file(vm, addr, len, prot, kind, fixed, NULL, out);
}

int vm_map_file(struct vm *vm, uint64_t addr, uint64_t len, unsigned prot, enum vma_kind kind,
                bool fixed, const struct vm_map_opts *o, uint64_t *out)
{
	static const struct vm_map_opts anon;
	if (!o || !o->file)
		o = &anon;
	if (len == 0 || addr % 4096 || o->off % 4096)
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
	*n = (struct vma){.start = start, .end = start + len, .prot = prot, .kind = kind,
	                  .file = o->file ? file_get(o->file) : NULL, .off = o->off,
	                  .shared_ro = o->shared_ro};
	insert(vm, n);
	recount(vm);
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
	recount(vm);
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
	for (struct vma *a = vm->vmas; a && a->start < end && (prot & VM_WRITE); a = a->next) {
		if (a->end > addr && a->shared_ro) {
			mutex_unlock(&vm->lock);
			return -EACCES;
		}
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
	recount(vm);
	mutex_unlock(&vm->lock);
	return new_end;
}

int64_t vm_remap(struct vm *vm, uint64_t old, uint64_t old_len, uint64_t new_len, bool may_move,
                 bool fixed, uint64_t new_addr)
{
	if (old % 4096 || new_len == 0 || (fixed && (!may_move || new_addr % 4096)))
		return -EINVAL;
	old_len = vm_page_up(old_len);
	new_len = vm_page_up(new_len);
	if (old_len == 0 || new_len == 0 || old >= USER_TOP || old_len > USER_TOP - old)
		return -EINVAL; /* 0 would duplicate a shared mapping: there are none */
	if (fixed && (new_addr < USER_MIN_ADDR || new_addr > USER_TOP || new_len > USER_TOP - new_addr ||
	              (new_addr < old + old_len && old < new_addr + new_len)))
		return -EINVAL;
	mutex_lock(&vm->lock);
	struct vma *a = find(vm, old);
	int64_t r;
	if (!a || old + old_len > a->end) {
		r = -EFAULT; /* not one area from start to end */
		goto out;
	}
	if (!fixed && new_len <= old_len) { /* shrink in place */
		r = remove_range(vm, old + new_len, old + old_len);
		r = r ? r : (int64_t)old;
		goto out;
	}
	if (!fixed && old + old_len == a->end && old + new_len <= MMAP_TOP &&
	    range_free(vm, a->end, old + new_len)) { /* grow in place */
		a->end = old + new_len;
		r = (int64_t)old;
		goto out;
	}
	if (!may_move) {
		r = -ENOMEM;
		goto out;
	}
	uint64_t to = new_addr;
	if (fixed)
		r = remove_range(vm, to, to + new_len);
	else
		r = (to = find_free(vm, new_len)) ? 0 : -ENOMEM;
	if (r)
		goto out;
	/* The area again, after remove_range may have split the list. */
	a = find(vm, old);
	struct vma *n = kmalloc(sizeof(*n));
	if (!n) {
		r = -ENOMEM;
		goto out;
	}
	uint64_t keep = old_len < new_len ? old_len : new_len;
	if (!uvm_move_range(vm->pml4, old, to, keep, others(vm))) {
		kfree(n);
		r = -ENOMEM;
		goto out;
	}
	*n = *a;
	n->start = to;
	n->end = to + new_len;
	if (n->file) {
		file_get(n->file);
		n->off += old - a->start;
	}
	insert(vm, n);
	/* The old range's pages went with the move; what is left (the part
	 * past new_len of a shrinking move) is unmapped with the range. */
	r = remove_range(vm, old, old + old_len);
	r = r ? r : (int64_t)to;
out:
	mutex_unlock(&vm->lock);
	return r;
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

/* Bring in the page at va of area a, absent so far (lock held): the file's
 * page, shared read-only, or for a write a private copy of it at once;
 * a zeroed page for anonymous memory and for a hole in the file. Its
 * physical address, or 0 with *sig the signal the access earns: SIGBUS
 * past the end of the file (as Linux), SIGSEGV when memory runs out. */
static uint64_t populate(struct vm *vm, struct vma *a, uint64_t va, bool write, int *sig)
{
	*sig = SIGSEGV;
	if (!a->file)
		return add_page(vm, va, a->prot);
	if (vm->pages >= vm->limit_pages)
		return 0;
	void *page;
	int r = vfs_file_page(a->file, a->off + (va - a->start), &page);
	if (r == -ENXIO)
		*sig = SIGBUS;
	if (r)
		return 0;
	if (!page)
		return add_page(vm, va, a->prot); /* a hole */
	uint64_t pa = virt_to_phys(page);
	if (write) {
		uint64_t copy = pmm_alloc_page(mm_pmm());
		if (copy)
			memcpy(phys_to_virt(copy), page, 4096);
		if (pageref_drop(pa)) /* the file let go of it meanwhile */
			pmm_free_page(mm_pmm(), pa);
		if (!copy)
			return 0;
		pa = copy;
		if (!uvm_map(vm->pml4, va, pa, page_flags(a->prot))) {
			pmm_free_page(mm_pmm(), pa);
			return 0;
		}
	} else if (!uvm_map_shared(vm->pml4, va, pa, page_flags(a->prot))) {
		if (pageref_drop(pa))
			pmm_free_page(mm_pmm(), pa);
		return 0;
	}
	vm->pages++;
	return pa;
}

int vm_fault(struct vm *vm, uint64_t addr, uint64_t err)
{
	if (addr >= USER_TOP)
		return SIGSEGV;
	mutex_lock(&vm->lock);
	struct vma *a = find(vm, addr);
	bool ok = a && (!(err & PF_WRITE) || (a->prot & VM_WRITE)) &&
	          (!(err & PF_INSTR) || (a->prot & VM_EXEC)) && (a->prot & (VM_READ | VM_WRITE | VM_EXEC));
	int sig = SIGSEGV;
	if (ok) {
		uint64_t va = vm_page_down(addr);
		/* Present: a write to a page shared since fork or with a file
		 * (copy-on-write: the area allows it, the entry did not), or a
		 * fault that raced with another mapping it. */
		if (uvm_lookup(vm->pml4, va, NULL))
			ok = (err & PF_PRESENT) && (err & PF_WRITE) ? uvm_unshare(vm->pml4, va, others(vm)) != 0
			                                            : !(err & PF_PRESENT);
		else
			ok = populate(vm, a, va, (err & PF_WRITE) != 0, &sig) != 0;
	}
	mutex_unlock(&vm->lock);
	return ok ? 0 : sig;
}

bool vm_has_area(struct vm *vm, uint64_t addr)
{
	mutex_lock(&vm->lock);
	bool in = find(vm, addr) != NULL;
	mutex_unlock(&vm->lock);
	return in;
}

int vm_zero(struct vm *vm, uint64_t va, size_t n) { return vm_write(vm, va, NULL, n); }

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
			int sig;
			pa = a ? populate(vm, a, page, true, &sig) : 0;
			if (!pa) {
				mutex_unlock(&vm->lock);
				return a && sig != SIGBUS ? -ENOMEM : -EFAULT;
			}
		}
		if (s) {
			memcpy((uint8_t *)phys_to_virt(pa) + off, s, chunk);
			s += chunk;
		} else {
			memset((uint8_t *)phys_to_virt(pa) + off, 0, chunk);
		}
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
		if (n->file)
			file_get(n->file);
		*tail = n;
		tail = &n->next;
	}
	ok = ok && uvm_share(vm->pml4, src->pml4, others(src));
	vm->brk_base = src->brk_base;
	vm->brk = src->brk;
	vm->pages = src->pages;
	vm->size_bytes = src->size_bytes;
	mutex_unlock(&src->lock);
	if (!ok) {
		vm_put(vm);
		return NULL;
	}
	return vm;
}
