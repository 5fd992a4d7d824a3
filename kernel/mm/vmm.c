/*
 * Building the kernel's page tables (see vmm.h).
 *
 * Layout (4-level paging, Intel SDM vol. 3A, 4.5):
 *   0                        unmapped (null page and all low memory)
 *   0xffff800000000000       direct map of the RAM ranges below
 *                            mm_direct_map_end() (at most 64 TiB): RW, NX,
 *                            the largest pages alignment and the CPU allow
 *   0xffffc00000000000       framebuffer, RW, NX, write-combining (PAT 1)
 *   0xffffc08000000000       device registers (vmm_map_mmio): RW, NX,
 *                            uncacheable (PAT 3), a guard page after each
 *   0xffffffff80000000       kernel: .text RX, .rodata R+NX, .data/.bss RW+NX,
 *                            .ksyms R+NX, 4 KiB pages; guard pages unmapped
 * Page-table pages come from the page-frame allocator and are reached through
 * the direct map, so the tables can be edited after the switch.
 *
 * The PAT (SDM 11.12): entry 1 (PWT=1, PCD=0) is changed from write-through
 * to write-combining, so a leaf with only PWT set is WC; the framebuffer's
 * MTRR is uncacheable, and UC MTRR + WC PAT gives WC (SDM table 11-7).
 * Writes then go out in bursts instead of one uncached store at a time.
 * The direct map covers only RAM, so the framebuffer and device registers
 * have no write-back alias: the console uses the WC mapping, drivers the UC
 * one, and no access depends on the MTRRs.
 */
#include "mm/vmm.h"

#include <boot/bootinfo.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/stacks.h"
#include "boot/boot.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "lib/string.h"
#include "mm/kstack.h"
#include "mm/mm.h"
#include "mm/tlb.h"
#include "sync/spinlock.h"

#define PTE_GLOBAL (1ull << 8)
#define MSR_PAT 0x277
#define PAT_WC 0x01ull
#define CR4_UMIP (1ull << 11)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define SIZE_2M (1ull << 21)
#define MSR_EFER 0xc0000080u
#define EFER_NXE (1ull << 11)
#define SIZE_1G (1ull << 30)

extern const char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern const char __data_start[], __bss_end[], __ksyms_start[], __ksyms_end[];

/* Guards every page-table page below pml4_phys and mmio_next. Taken after
 * kstack's lock and before the page-frame allocator's. */
static struct spinlock lock = SPINLOCK_INIT("vmm");
static uint64_t pml4_phys;
static uint64_t cr4_bits; /* what every CPU must turn on: PGE, SMEP, SMAP, UMIP */
static uint64_t nx_bit; /* PTE_NX, or 0 when EFER.NXE is off (no NX: the bit is reserved) */
static uint64_t fb_virt;
static bool smep, smap;
static bool upper_frozen; /* no new kernel-half PML4 entries from now on */

static uint64_t *table(uint64_t entry) { return phys_to_virt(entry & PTE_ADDR_MASK); }

static uint64_t new_table(void)
{
	uint64_t pa = pmm_alloc_page(mm_pmm());
	if (pa)
		memset(phys_to_virt(pa), 0, 4096);
	return pa;
}

/* The entry for va at `level` (1 = PT, 2 = PD, 3 = PDPT), creating tables. */
static uint64_t *entry_for(uint64_t va, int level)
{
	uint64_t *t = table(pml4_phys);
	for (int l = 4; l > level; l--) {
		uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];
		if (!(*e & PTE_PRESENT)) {
			if (l == 4 && upper_frozen && (va >> 63))
				panic("vmm: a new top-level kernel table for 0x%llx after boot: user "
				      "address spaces would not see it", (unsigned long long)va);
			uint64_t pa = new_table();
			if (!pa)
				return NULL;
			*e = pa | PTE_PRESENT | PTE_WRITABLE | PTE_USER; /* the leaf decides */
		} else if (*e & PTE_HUGE) {
			return NULL; /* would have to split a large page */
		}
		t = table(*e);
	}
	return &t[(va >> (12 + 9 * (level - 1))) & 511];
}

/* The 4 KiB entry for va if every table above it exists, else NULL: for
 * unmap and protect, which must not build tables for nothing. */
static uint64_t *lookup_4k(uint64_t va)
{
	uint64_t *t = table(pml4_phys);
	for (int l = 4; l > 1; l--) {
		uint64_t e = t[(va >> (12 + 9 * (l - 1))) & 511];
		if (!(e & PTE_PRESENT) || (e & PTE_HUGE))
			return NULL;
		t = table(e);
	}
	return &t[(va >> 12) & 511];
}

static uint64_t leaf_bits(unsigned flags)
{
	uint64_t b = PTE_PRESENT;
	if (flags & VMM_WRITE)
		b |= PTE_WRITABLE;
	if (!(flags & VMM_EXEC))
		b |= nx_bit;
	if (flags & VMM_USER)
		b |= PTE_USER;
	else
		b |= PTE_GLOBAL;
	if (flags & VMM_WC)
		b |= PTE_PWT;
	if (flags & VMM_UC)
		b |= PTE_PWT | PTE_PCD;
	return b;
}

static bool is_live(void) { return (cpu_read_cr3() & PTE_ADDR_MASK) == pml4_phys; }

/*
 * Map `count` pages of the size `level` maps (1: 4 KiB, 2: 2 MiB, 3: 1 GiB)
 * from va to pa with leaf bits `bits` (PTE_HUGE added above level 1), none
 * mapped before. The tables are walked once per table (512 entries), not
 * once per page: boot maps thousands of pages (the kernel image, the ragged
 * ends of RAM ranges, the framebuffer, gigabytes of direct map in 2 MiB
 * pages where the CPU has no 1 GiB pages), and a walk for each was most of
 * what building the page tables cost. Returns false if a table cannot be
 * had or a page is already mapped (the earlier pages stay).
 */
static bool map_run_locked(uint64_t va, uint64_t pa, uint64_t count, int level, uint64_t bits)
{
	unsigned shift = 12 + 9 * (level - 1);
	if (level > 1)
		bits |= PTE_HUGE;
	while (count) {
		uint64_t *e = entry_for(va, level);
		if (!e)
			return false;
		uint64_t n = 512 - ((va >> shift) & 511);
		if (n > count)
			n = count;
		for (uint64_t i = 0; i < n; i++) {
			if (e[i] & PTE_PRESENT)
				return false;
			e[i] = ((pa + (i << shift)) & PTE_ADDR_MASK) | bits;
		}
		va += n << shift;
		pa += n << shift;
		count -= n;
	}
	return true; /* not present before: nothing cached to flush */
}

static bool map_locked(uint64_t va, uint64_t pa, unsigned flags)
{
	return map_run_locked(va, pa, 1, 1, leaf_bits(flags));
}

static bool map_run(uint64_t va, uint64_t pa, uint64_t pages, unsigned flags)
{
	spin_lock(&lock);
	bool ok = map_run_locked(va, pa, pages, 1, leaf_bits(flags));
	spin_unlock(&lock);
	return ok;
}

bool vmm_map(uint64_t va, uint64_t pa, unsigned flags)
{
	spin_lock(&lock);
	bool ok = map_locked(va, pa, flags);
	spin_unlock(&lock);
	return ok;
}

/* A live entry changed: this CPU's TLB, then every other CPU's (tlb.c),
 * outside the lock, before the caller may reuse the page. */
static void flushed(uint64_t va, bool live)
{
	if (!live)
		return;
	cpu_invlpg(va);
	tlb_shootdown(va);
}

uint64_t vmm_unmap(uint64_t va)
{
	spin_lock(&lock);
	uint64_t *e = lookup_4k(va);
	if (!e || !(*e & PTE_PRESENT)) {
		spin_unlock(&lock);
		return 0;
	}
	uint64_t pa = *e & PTE_ADDR_MASK;
	*e = 0;
	bool live = is_live();
	spin_unlock(&lock);
	flushed(va, live);
	return pa;
}

bool vmm_protect(uint64_t va, unsigned flags)
{
	spin_lock(&lock);
	uint64_t *e = lookup_4k(va);
	if (!e || !(*e & PTE_PRESENT)) {
		spin_unlock(&lock);
		return false;
	}
	*e = (*e & PTE_ADDR_MASK) | leaf_bits(flags);
	bool live = is_live();
	spin_unlock(&lock);
	flushed(va, live);
	return true;
}

/* A part of the kernel image, in runs between the guard pages (which stay
 * unmapped). */
static void map_range(const char *what, uint64_t start, uint64_t end, unsigned flags)
{
	const struct bootinfo *bi = boot_info();
	uint64_t run = start & ~4095ull;
	for (uint64_t va = run; va < end; va += 4096) {
		bool guard = stacks_guard_owner(va) != NULL;
		if (!guard && va + 4096 < end)
			continue;
		uint64_t stop = guard ? va : va + 4096;
		uint64_t pa = bi->kernel_phys_base + (run - bi->kernel_virt_base);
		if (stop > run && !map_run(run, pa, (stop - run) / 4096, flags))
			panic("vmm: cannot map %s pages %p-%p", what, (void *)run, (void *)stop);
		run = va + 4096;
	}
}

/* [s, e) of the direct map, in the largest pages alignment allows, one run
 * per page size: 4 KiB pages up to the first 2 MiB boundary, 2 MiB pages up
 * to the first 1 GiB boundary, 1 GiB pages, then 2 MiB and 4 KiB pages for
 * the tail. */
static void map_direct_run(uint64_t s, uint64_t e, bool huge)
{
	uint64_t bits = leaf_bits(VMM_WRITE); /* present, writable, NX, global */
	for (uint64_t pa = s; pa < e;) {
		int level = 1;
		/* `next`: the boundary where a larger page size may start. */
		uint64_t size = 4096, next = SIZE_2M;
		if (huge && !(pa & (SIZE_1G - 1)) && e - pa >= SIZE_1G)
			level = 3, size = SIZE_1G, next = 0;
		else if (!(pa & (SIZE_2M - 1)) && e - pa >= SIZE_2M)
			level = 2, size = SIZE_2M, next = huge ? SIZE_1G : 0;
		uint64_t stop = next ? (pa | (next - 1)) + 1 : e;
		if (stop > e || stop < pa)
			stop = e;
		uint64_t count = (stop - pa) / size;
		spin_lock(&lock);
		bool ok = map_run_locked(BOOTINFO_DIRECT_MAP_OFFSET + pa, pa, count, level, bits);
		spin_unlock(&lock);
		if (!ok)
			panic("vmm: out of memory for the direct map");
		pa += count * size;
	}
}

/*
 * The direct map covers RAM only (MEMMAP_IS_RAM: usable, ACPI reclaim, the
 * loader's ranges) below mm_direct_map_end(), so no write-back alias of
 * device memory, the framebuffer or firmware-reserved memory exists; those
 * are reached through their own mappings (vmm_map_phys). Touching RAM
 * ranges are joined first, so the pages are as large as alignment allows.
 */
static void map_direct(void)
{
	const struct memmap *m = mm_memmap();
	uint64_t limit = mm_direct_map_end(), s = 0, e = 0;
	uint32_t a, b, c, d;
	cpu_cpuid(0x80000001u, 0, &a, &b, &c, &d);
	bool huge = (d >> 26) & 1;
	for (size_t i = 0; i < m->count; i++) {
		const struct memmap_range *r = &m->ranges[i];
		if (!MEMMAP_IS_RAM(r->mclass) || r->start >= limit)
			continue;
		uint64_t end = r->end < limit ? r->end : limit;
		if (r->start != e) {
			map_direct_run(s, e, huge);
			s = r->start;
		}
		e = end;
	}
	map_direct_run(s, e, huge);
}

/* 2 MiB pages where the framebuffer allows (a 4 MiB framebuffer is two
 * entries instead of a thousand), 4 KiB pages for the ragged ends. The PAT
 * bit of a large-page entry is bit 12, not bit 7; only PWT is used here, so
 * the same entry index (1, WC) is selected at both sizes. */
static void map_framebuffer(void)
{
	const struct bootinfo_framebuffer *fb = &boot_info()->fb;
	if (fb->format == BOOTINFO_FB_NONE)
		return;
	uint64_t base = fb->base_phys & ~4095ull, end = fb->base_phys + fb->size;
	uint64_t offset = VMM_FRAMEBUFFER_BASE - base;
	for (uint64_t pa = base; pa < end;) {
		/* A 2 MiB page needs both addresses aligned; a base that is only
		 * 4 KiB aligned gets 4 KiB pages throughout. */
		if (((pa | (pa + offset)) & (SIZE_2M - 1)) == 0 && end - pa >= SIZE_2M) {
			uint64_t *e = entry_for(pa + offset, 2);
			if (!e || (*e & PTE_PRESENT))
				panic("vmm: cannot map the framebuffer");
			*e = pa | PTE_PRESENT | PTE_WRITABLE | nx_bit | PTE_GLOBAL | PTE_PWT | PTE_HUGE;
			pa += SIZE_2M;
		} else {
			/* 4 KiB pages up to the next 2 MiB boundary or the end. */
			uint64_t stop = (pa | (SIZE_2M - 1)) + 1;
			if (stop > end)
				stop = (end + 4095) & ~4095ull;
			if (!map_run(pa + offset, pa, (stop - pa) / 4096, VMM_WRITE | VMM_WC))
				panic("vmm: cannot map the framebuffer");
			pa = stop;
		}
	}
	fb_virt = VMM_FRAMEBUFFER_BASE + (fb->base_phys - base);
}

/* The CR4 protection bits this CPU offers (CPUID leaf 7: SMEP EBX.7,
 * SMAP EBX.20, UMIP ECX.2; Intel SDM vol. 3A, 2.5). */
static uint64_t offered_cr4(void)
{
	uint32_t a, b, c, d, max;
	uint64_t bits = CR4_PGE;
	cpu_cpuid(0, 0, &max, &b, &c, &d);
	if (max >= 7) {
		cpu_cpuid(7, 0, &a, &b, &c, &d);
		if ((b >> 7) & 1)
			bits |= CR4_SMEP;
		if ((b >> 20) & 1)
			bits |= CR4_SMAP;
		if ((c >> 2) & 1)
			bits |= CR4_UMIP;
	}
	return bits;
}

static void enable_protections(void)
{
	cr4_bits = offered_cr4();
	smep = cr4_bits & CR4_SMEP;
	smap = cr4_bits & CR4_SMAP;
	cpu_write_cr4(cpu_read_cr4() | cr4_bits);
}

static void set_pat(void)
{
	uint64_t pat = cpu_rdmsr(MSR_PAT);
	cpu_wrmsr(MSR_PAT, (pat & ~(0xffull << 8)) | (PAT_WC << 8));
}

const char *vmm_init_cpu(void)
{
	uint64_t have = offered_cr4();
	if ((have & cr4_bits) != cr4_bits)
		return (cr4_bits & ~have & CR4_SMEP) ? "SMEP" : (cr4_bits & ~have & CR4_SMAP) ? "SMAP" : "UMIP";
	if (nx_bit && !(cpu_rdmsr(MSR_EFER) & EFER_NXE))
		return "NX";
	/* Same PAT on every CPU (SDM 11.12.4: they must agree), then the same
	 * page tables and protections as the boot CPU. */
	set_pat();
	cpu_write_cr3(pml4_phys);
	cpu_write_cr4(cpu_read_cr4() | cr4_bits);
	cpu_init_protections();
	return NULL;
}

uint64_t vmm_kernel_cr3(void) { return pml4_phys; }
uint64_t vmm_nx_bit(void) { return nx_bit; }

void vmm_copy_kernel_half(uint64_t *pml4)
{
	const uint64_t *k = table(pml4_phys);
	for (unsigned i = 256; i < 512; i++)
		pml4[i] = k[i];
}

void vmm_init(void)
{
	/* The loader turned NXE on where the CPU has NX; without it the NX bit
	 * is reserved and setting it would fault every access. */
	nx_bit = (cpu_rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;
	pml4_phys = new_table();
	if (!pml4_phys)
		panic("vmm: no page for the PML4");
	map_direct();
	map_range("text", (uint64_t)__text_start, (uint64_t)__text_end, VMM_EXEC);
	map_range("rodata", (uint64_t)__rodata_start, (uint64_t)__rodata_end, 0);
	map_range("data", (uint64_t)__data_start, (uint64_t)__bss_end, VMM_WRITE);
	map_range("symbols", (uint64_t)__ksyms_start, (uint64_t)__ksyms_end, 0);
	map_framebuffer();
	/* Every user address space shares the kernel half by copying the
	 * top-level entries 256..511 once (uvm.c); a top-level table made
	 * later would be missing from them. So the windows that grow after
	 * boot (device registers, kernel stacks, the self-tests' scratch
	 * window) get theirs now. */
	if (!entry_for(VMM_MMIO_BASE, 3) || !entry_for(KSTACK_BASE, 3) || !entry_for(VMM_SCRATCH_BASE, 3))
		panic("vmm: no page for the upper-level tables");
	upper_frozen = true;

	/* Said before the switch: until console_set_framebuffer_mapping, the
	 * console draws through the loader's direct map, which the new tables
	 * leave out. */
	uint64_t offered = offered_cr4();
	kprintf("vmm: own page tables at 0x%llx: text RX, rodata R, data RW+NX, direct map of "
	        "RAM below 0x%llx NX, framebuffer WC; NX %s, SMEP %s, SMAP %s\n",
	        (unsigned long long)pml4_phys, (unsigned long long)mm_direct_map_end(),
	        nx_bit ? "on" : "not offered", offered & CR4_SMEP ? "on" : "not offered",
	        offered & CR4_SMAP ? "on" : "not offered");
	/* PAT entry 1 becomes WC before any WC mapping is used. */
	set_pat();
	cpu_write_cr4(cpu_read_cr4() | CR4_PGE); /* global pages survive CR3 loads */
	cpu_write_cr3(pml4_phys);
	enable_protections();
}

static uint64_t mmio_next = VMM_MMIO_BASE;

volatile void *vmm_map_mmio(uint64_t phys, uint64_t size, const char *what)
{
	return vmm_map_phys(phys, size, VMM_WRITE | VMM_UC, what);
}

volatile void *vmm_map_phys(uint64_t phys, uint64_t size, unsigned flags, const char *what)
{
	spin_lock(&lock);
	uint64_t first = phys & ~4095ull;
	uint64_t pages = (phys + size - first + 4095) / 4096;
	if (size == 0 || phys + size < phys ||
	    pages + 1 > (VMM_MMIO_BASE + VMM_MMIO_SIZE - mmio_next) / 4096)
		panic("vmm: cannot map %llu bytes of %s at 0x%llx", (unsigned long long)size,
		      what, (unsigned long long)phys);
	uint64_t va = mmio_next;
	if (!map_run_locked(va, first, pages, 1, leaf_bits(flags & ~(unsigned)VMM_EXEC)))
		panic("vmm: no page table for the %s", what);
	mmio_next = va + (pages + 1) * 4096; /* the next window starts after a gap */
	spin_unlock(&lock);
	return (volatile void *)(va + (phys - first));
}

bool vmm_in_direct_map(uint64_t va)
{
	return va >= BOOTINFO_DIRECT_MAP_OFFSET &&
	       mm_is_direct_mapped(va - BOOTINFO_DIRECT_MAP_OFFSET, 1);
}

bool vmm_is_mmio(uint64_t va) { return va >= VMM_MMIO_BASE && va < mmio_next; }

uint64_t vmm_framebuffer(void) { return fb_virt; }
bool vmm_smep(void) { return smep; }
bool vmm_smap(void) { return smap; }
