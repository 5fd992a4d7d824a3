/*
 * The C side of the user copies (uaccess.h, uaccess.S).
 */
#include "arch/x86_64/uaccess.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/syscall.h"

#define ENAMETOOLONG 36

uint64_t uaccess_copy(void *dst, const void *src, uint64_t n);
uint64_t uaccess_zero(void *dst, uint64_t n);
int64_t uaccess_strncpy(char *dst, const char *usrc, uint64_t max);

extern const char uaccess_copy_fault_begin[], uaccess_copy_fault_end[], uaccess_copy_fixup[];
extern const char uaccess_copyq_fault_begin[], uaccess_copyq_fault_end[], uaccess_copyq_fixup[];
extern const char uaccess_zero_fault_begin[], uaccess_zero_fault_end[], uaccess_zero_fixup[];
extern const char uaccess_zeroq_fault_begin[], uaccess_zeroq_fault_end[], uaccess_zeroq_fixup[];
extern const char uaccess_str_fault_begin[], uaccess_str_fault_end[], uaccess_str_fixup[];

/* Read by uaccess.S. */
bool uaccess_smap;

static const struct {
	const char *begin, *end, *fixup;
} sites[] = {
	{uaccess_copy_fault_begin, uaccess_copy_fault_end, uaccess_copy_fixup},
	{uaccess_copyq_fault_begin, uaccess_copyq_fault_end, uaccess_copyq_fixup},
	{uaccess_zero_fault_begin, uaccess_zero_fault_end, uaccess_zero_fixup},
	{uaccess_zeroq_fault_begin, uaccess_zeroq_fault_end, uaccess_zeroq_fixup},
	{uaccess_str_fault_begin, uaccess_str_fault_end, uaccess_str_fixup},
};

static bool (*fault_handler)(uint64_t addr, uint64_t error_code);

void uaccess_init(bool smap) { uaccess_smap = smap; }
void uaccess_set_fault_handler(bool (*fn)(uint64_t, uint64_t)) { fault_handler = fn; }

bool uaccess_resolve(uint64_t addr, uint64_t error_code)
{
	return fault_handler && fault_handler(addr, error_code);
}

bool uaccess_ok(uint64_t addr, uint64_t n) { return addr <= USER_TOP && n <= USER_TOP - addr; }

int copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	if (!uaccess_ok(usrc, n))
		return -UACCESS_EFAULT;
	return uaccess_copy(dst, (const void *)usrc, n) ? -UACCESS_EFAULT : 0;
}

int copy_to_user(uint64_t udst, const void *src, size_t n)
{
	if (!uaccess_ok(udst, n))
		return -UACCESS_EFAULT;
	return uaccess_copy((void *)udst, src, n) ? -UACCESS_EFAULT : 0;
}

int clear_user(uint64_t udst, size_t n)
{
	if (!uaccess_ok(udst, n))
		return -UACCESS_EFAULT;
	return uaccess_zero((void *)udst, n) ? -UACCESS_EFAULT : 0;
}

int64_t strncpy_from_user(char *dst, uint64_t usrc, size_t max)
{
	if (max == 0 || usrc >= USER_TOP)
		return -UACCESS_EFAULT;
	/* Never read past the end of user space. */
	if (max > USER_TOP - usrc)
		max = USER_TOP - usrc;
	int64_t r = uaccess_strncpy(dst, (const char *)usrc, max);
	if (r == -2)
		return -UACCESS_EFAULT;
	if (r == -1) {
		dst[max - 1] = 0;
		return -ENAMETOOLONG;
	}
	return r;
}

bool uaccess_fault(struct trap_frame *tf, uint64_t addr)
{
	for (unsigned i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
		if (tf->rip < (uint64_t)sites[i].begin || tf->rip >= (uint64_t)sites[i].end)
			continue;
		/* Only user addresses may be resolved; a kernel address here
		 * means the range check was skipped: treat it as a bad pointer
		 * all the same (the copy fails), never map anything. */
		/* A copy made with interrupts off (under a spinlock: the futex
		 * word read under its bucket's lock) must not sleep in the
		 * resolver: it fails instead, and the caller faults the page in
		 * after dropping its lock (uaccess.h). */
		if (addr < USER_TOP && (tf->rflags & RFLAGS_IF)) {
			cpu_sti();
			bool ok = uaccess_resolve(addr, tf->error_code);
			cpu_cli();
			if (ok)
				return true; /* retry the instruction */
		}
		tf->rip = (uint64_t)sites[i].fixup;
		return true;
	}
	return false;
}
