/*
 * Self-tests of the kernel's page tables and CPU protections (mm/vmm.c).
 * Each causes one page fault that the report must describe: executing the
 * direct map or kernel data (NX), touching a stack guard page (named), and
 * the SMEP and SMAP checks on a user page, which are reported as skipped on
 * a CPU without them (QEMU -cpu qemu64).
 */
#include "acpi/boot.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "boot/boot.h"
#include "core/kprintf.h"
#include "mm/mm.h"
#include "mm/vmm.h"
#include "test/ktest.h"

#define USER_TEST_PAGE 0x400000ull

/* "ret", in .data (forced: never written, it would land in .rodata). */
__attribute__((section(".data"))) static uint8_t data_code[16] = {0xc3};
extern uint8_t boot_stack_guard[];

bool ktest_exec_direct_map(void)
{
	uint64_t pa = pmm_alloc_page(mm_pmm());
	uint8_t *p = phys_to_virt(pa);
	p[0] = 0xc3;
	exception_expect(14);
	((void (*)(void))p)();
	return false;
}

bool ktest_exec_data(void)
{
	exception_expect(14);
	((void (*)(void))data_code)();
	return false;
}

bool ktest_stack_guard(void)
{
	exception_expect(14);
	*(volatile uint8_t *)(boot_stack_guard + 100) = 1;
	return false;
}

/* A user-accessible page with a "ret" in it, for SMEP and SMAP. */
static uint8_t *user_page(void)
{
	uint64_t pa = pmm_alloc_page(mm_pmm());
	((uint8_t *)phys_to_virt(pa))[0] = 0xc3;
	if (!vmm_map(USER_TEST_PAGE, pa, VMM_USER | VMM_EXEC | VMM_WRITE))
		return NULL;
	return (uint8_t *)USER_TEST_PAGE;
}

bool ktest_smep(void)
{
	if (!vmm_smep()) {
		kprintf("smep: skipped: this CPU does not offer SMEP\n");
		return true;
	}
	uint8_t *u = user_page();
	if (!u)
		return false;
	exception_expect(14);
	((void (*)(void))u)(); /* supervisor fetch from a user page */
	return false;
}

bool ktest_smap(void)
{
	if (!vmm_smap()) {
		kprintf("smap: skipped: this CPU does not offer SMAP\n");
		return true;
	}
	uint8_t *u = user_page();
	if (!u)
		return false;
	exception_expect(14);
	kprintf("smap: read %u\n", *(volatile uint8_t *)u); /* supervisor read, AC clear */
	return false;
}

/*
 * test=vmm-api: the map/unmap/protect calls and their TLB invalidation,
 * without faulting: map a fresh page, write through the new address, make
 * it read-only and check the live entry (through a page-table walk), unmap
 * it and check that the walk no longer finds it. Each step changes an entry
 * the TLB may hold, so a missing invlpg would show as a stale lookup only
 * in the hardware, not here; the write after the remap checks that part:
 * it must land in the second page, not the first one the TLB remembered.
 */
bool ktest_vmm_api(void)
{
	const uint64_t va = VMM_SCRATCH_BASE + (1ull << 30); /* apart from the TLB test's page */
	struct pmm *p = mm_pmm();
	uint64_t pa1 = pmm_alloc_page(p), pa2 = pmm_alloc_page(p);
	int level;
	bool ok = pa1 && pa2 && vmm_map(va, pa1, VMM_WRITE);

	if (ok) {
		*(volatile uint64_t *)va = 0x1111;
		ok = *(volatile uint64_t *)phys_to_virt(pa1) == 0x1111;
		ok &= vmm_protect(va, 0) && !(paging_lookup(va, &level) & PTE_WRITABLE);
		ok &= vmm_unmap(va) == pa1 && paging_lookup(va, &level) == 0;
		/* Remap to another frame: the write must reach pa2. */
		ok &= vmm_map(va, pa2, VMM_WRITE);
		*(volatile uint64_t *)va = 0x2222;
		ok &= *(volatile uint64_t *)phys_to_virt(pa2) == 0x2222 &&
		      *(volatile uint64_t *)phys_to_virt(pa1) == 0x1111;
		ok &= vmm_unmap(va) == pa2 && !vmm_protect(va, VMM_WRITE) && vmm_unmap(va) == 0;
	}
	kprintf("vmm-api: map, write, protect, unmap, remap: %s\n", ok ? "ok" : "FAILED");
	if (pa1)
		pmm_free_page(p, pa1);
	if (pa2)
		pmm_free_page(p, pa2);
	return ok;
}

/*
 * test=mmio: vmm_map_mmio maps device registers uncacheable whatever the
 * MTRRs say. Map the local APIC's page again, check the entry (4 KiB, PCD
 * and PWT: PAT entry 3, UC; not executable), read the version register
 * through it and through the local APIC driver's own window (the same
 * device register, so the same value; the direct map has no alias of it),
 * then touch the unmapped page after the window: the fault report must call
 * it a device-register address.
 */
bool ktest_mmio(void)
{
	uint64_t phys = cpu_rdmsr(0x1b) & 0x000ffffffffff000ull; /* IA32_APIC_BASE */
	volatile uint32_t *regs = vmm_map_mmio(phys, 4096, "test: local APIC");
	int level;
	uint64_t pte = paging_lookup((uint64_t)regs, &level);
	bool nx_on = (cpu_rdmsr(0xc0000080u) >> 11) & 1; /* EFER.NXE */
	bool ok = level == 1 && (pte & (PTE_PCD | PTE_PWT)) == (PTE_PCD | PTE_PWT) &&
	          (!nx_on || (pte & PTE_NX)) && vmm_is_mmio((uint64_t)regs);
	uint32_t ver = regs[0x30 / 4];
	uint32_t ver_driver = lapic_read(0x30);
	ok &= ver == ver_driver && ver != 0 && ver != 0xffffffffu &&
	      paging_lookup((uint64_t)phys_to_virt(phys), &level) == 0;
	kprintf("mmio: local APIC at 0x%llx mapped at %p, entry 0x%llx, version 0x%x: %s\n",
	        (unsigned long long)phys, (void *)regs, (unsigned long long)pte, ver,
	        ok ? "uncacheable, ok" : "FAILED");
	if (!ok)
		return false;
	exception_expect(14);
	(void)regs[4096 / 4]; /* the guard page after the window */
	return false;
}

/*
 * test=direct-map: the direct map holds RAM and nothing else. The first and
 * last page of every range of the kernel's memory map are mapped there
 * exactly when the range is RAM (MEMMAP_IS_RAM) below mm_direct_map_end();
 * the local APIC and the framebuffer have no alias there; the FACS, which
 * OVMF puts in ACPI NVS, is read through acpi_map's own mapping; and the
 * loader's hand-off page tables and stack are usable memory again.
 */
bool ktest_direct_map(void)
{
	const struct bootinfo *bi = boot_info();
	const struct memmap *m = mm_memmap();
	int level, bad = 0;

	for (size_t i = 0; i < m->count; i++) {
		const struct memmap_range *r = &m->ranges[i];
		bool want = MEMMAP_IS_RAM(r->mclass) && r->start < mm_direct_map_end();
		uint64_t probe[2] = {r->start, r->end - 4096};
		for (int k = 0; k < 2; k++)
			if ((paging_lookup((uint64_t)phys_to_virt(probe[k]), &level) != 0) != want) {
				kprintf("direct-map: page 0x%llx (%s) is %s\n",
				        (unsigned long long)probe[k], memmap_class_name(r->mclass),
				        want ? "not mapped" : "mapped");
				bad++;
			}
	}
	uint64_t lapic = cpu_rdmsr(0x1b) & 0x000ffffffffff000ull; /* IA32_APIC_BASE */
	bad += paging_lookup((uint64_t)phys_to_virt(lapic), &level) != 0;
	if (bi->fb.format != BOOTINFO_FB_NONE)
		bad += paging_lookup((uint64_t)phys_to_virt(bi->fb.base_phys), &level) != 0;

	struct acpi_fadt_info fadt;
	const struct acpi *a = acpi_tables();
	if (!a || acpi_parse_fadt(a, &fadt) != ACPI_OK || !fadt.facs) {
		kprintf("direct-map: no FADT or FACS\n");
		return false;
	}
	const struct memmap_range *fr = memmap_find(m, fadt.facs);
	const char *facs = acpi_map(fadt.facs, 64);
	bool facs_ok = facs && facs[0] == 'F' && facs[1] == 'A' && facs[2] == 'C' && facs[3] == 'S';
	bool in_window = vmm_is_mmio((uint64_t)facs);
	bad += !facs_ok || in_window == mm_is_direct_mapped(fadt.facs, 64);

	uint64_t reclaimed = 0;
	for (uint32_t i = 0; i < bi->nranges; i++) {
		const struct bootinfo_range *r = &bi->ranges[i];
		if (r->kind != BOOTINFO_MEM_PAGE_TABLES && r->kind != BOOTINFO_MEM_STACK)
			continue;
		const struct memmap_range *u = memmap_find(m, r->phys);
		bad += !u || u->mclass != MEMMAP_USABLE || u->end < r->phys + r->size;
		reclaimed += r->size;
	}
	kprintf("direct-map: %zu ranges, RAM below 0x%llx, local APIC and framebuffer not "
	        "mapped, FACS at 0x%llx (%s) read through %s, %llu KiB of hand-off memory "
	        "usable: %s\n",
	        m->count, (unsigned long long)mm_direct_map_end(), (unsigned long long)fadt.facs,
	        fr ? memmap_class_name(fr->mclass) : "not in the map",
	        in_window ? "its own mapping" : "the direct map", (unsigned long long)(reclaimed >> 10),
	        bad ? "FAILED" : "ok");
	return bad == 0;
}
