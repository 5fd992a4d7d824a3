/*
 * What the boot log records about the machine, for a person debugging a real
 * PC without a serial port (docs/real-hardware.md): the firmware, the CPU's
 * features, the memory map by type and the ACPI tables the firmware offers.
 * These lines go only to the boot log (ldr_detail); the screen gets a short
 * summary from main.c.
 *
 * Everything read here is the firmware's, before ExitBootServices: memory is
 * identity mapped, so the ACPI tables are read in place. They are still
 * treated with care (lengths bounded, a table count capped) because a broken
 * firmware must not crash the loader that is trying to report on it.
 */
#include "loader.h"
#include "cpu.h"

#define ACPI_MAX_LISTED 64
#define REPORT_OTHER_TYPES 0xffffffffu /* the memory report's last slot, once full */
/* Tables never live in the first page; OVMF even unmaps it to catch NULL. */
#define ACPI_MIN_ADDRESS 0x1000u

void ldr_report_firmware(void)
{
	UINT32 rev = gST->Hdr.Revision;

	/* UEFI 2.10, 4.2.1: the low half is minor * 10 + a third digit. */
	if ((rev & 0xffff) % 10)
		ldr_detail(L"firmware: %s, revision 0x%x, UEFI %u.%u.%u", gST->FirmwareVendor,
		           gST->FirmwareRevision, rev >> 16, (rev & 0xffff) / 10, (rev & 0xffff) % 10);
	else
		ldr_detail(L"firmware: %s, revision 0x%x, UEFI %u.%u", gST->FirmwareVendor,
		           gST->FirmwareRevision, rev >> 16, (rev & 0xffff) / 10);
	ldr_detail(L"firmware: %lu configuration tables, boot services revision 0x%x",
	           (UINT64)gST->NumberOfTableEntries, gBS->Hdr.Revision);
}

static void cpuid_string(UINT32 leaf, char *out)
{
	UINT32 r[4];
	ldr_cpuid(leaf, &r[0], &r[1], &r[2], &r[3]);
	ldr_copy(out, r, 16);
}

void ldr_report_cpu(void)
{
	UINT32 a, b, c, d, max, maxext;
	char vendor[13], brand[49];

	ldr_cpuid(0, &max, &b, &c, &d);
	ldr_copy(vendor, &b, 4);
	ldr_copy(vendor + 4, &d, 4);
	ldr_copy(vendor + 8, &c, 4);
	vendor[12] = 0;
	ldr_cpuid(0x80000000u, &maxext, &b, &c, &d);
	brand[0] = 0;
	if (maxext >= 0x80000004u) {
		for (UINT32 i = 0; i < 3; i++)
			cpuid_string(0x80000002u + i, brand + 16 * i);
		brand[48] = 0;
	}
	ldr_cpuid(1, &a, &b, &c, &d);
	UINT32 family = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family == 0x6 || family >= 0xf)
		model |= ((a >> 16) & 0xf) << 4;
	ldr_detail(L"cpu: %a \"%a\", family 0x%x model 0x%x stepping %u", vendor, brand, family,
	           model, a & 0xf);

	UINT32 b7 = 0, c7 = 0, dext = ldr_cpuid_ext_edx(), eext = 0;
	if (max >= 7) {
		UINT32 a7, d7;
		ldr_cpuid(7, &a7, &b7, &c7, &d7);
	}
	if (maxext >= 0x80000007u) {
		UINT32 x;
		ldr_cpuid(0x80000007u, &x, &x, &x, &eext);
	}
	/* Features the kernel uses or reports on (docs/interrupts.md, memory.md). */
	ldr_detail(L"cpu: apic=%u x2apic=%u tsc=%u invariant-tsc=%u nx=%u 1g-pages=%u "
	           L"smep=%u smap=%u umip=%u rdrand=%u pcid=%u xsave=%u hypervisor=%u",
	           (d >> 9) & 1, (c >> 21) & 1, (d >> 4) & 1, (eext >> 8) & 1,
	           !!(dext & CPUID_EXT_NX), !!(dext & CPUID_EXT_PDPE1GB), (b7 >> 7) & 1,
	           (b7 >> 20) & 1, (c7 >> 2) & 1, (c >> 30) & 1, (c >> 17) & 1, (c >> 26) & 1,
	           (c >> 31) & 1);
	ldr_detail(L"cpu: paging levels %u (CR4.LA57=%u)", (ldr_read_cr4() & CR4_LA57) ? 5 : 4,
	           !!(ldr_read_cr4() & CR4_LA57));
}

static const CHAR16 *mem_type_name(UINT32 t)
{
	static const CHAR16 *const names[] = {
		L"Reserved", L"LoaderCode", L"LoaderData", L"BootServicesCode",
		L"BootServicesData", L"RuntimeServicesCode", L"RuntimeServicesData",
		L"Conventional", L"Unusable", L"ACPIReclaim", L"ACPINVS", L"MMIO",
		L"MMIOPortSpace", L"PalCode", L"Persistent", L"Unaccepted",
	};
	if (t < sizeof(names) / sizeof(names[0]))
		return names[t];
	if (t == REPORT_OTHER_TYPES)
		return L"(all further types)";
	/* UEFI 2.10, 7.2: 0x70000000-0x7fffffff OEM, 0x80000000 and up OS loaders. */
	if (t >= 0x80000000u)
		return L"other OS-loader type";
	return t >= 0x70000000u ? L"OEM type" : L"unknown type";
}

#define REPORT_MEM_TYPES 20

void ldr_report_memory(void)
{
	UINTN size, desc_size;
	UINT32 ver;
	void *buf;
	EFI_STATUS st = ldr_get_memory_map(&buf, &size, &desc_size, &ver);

	if (EFI_ERROR(st)) {
		ldr_detail(L"memory map: not available (EFI status 0x%lx)", (UINT64)st);
		return;
	}
	/* Pages and descriptor counts per type; slot REPORT_MEM_TYPES-1 collects
	 * every type this table has no slot for. */
	UINT32 types[REPORT_MEM_TYPES];
	UINT64 pages[REPORT_MEM_TYPES], count[REPORT_MEM_TYPES], top = 0;
	UINT32 ntypes = 0;
	for (UINTN off = 0; off + desc_size <= size; off += desc_size) {
		EFI_MEMORY_DESCRIPTOR *m = (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)buf + off);
		UINT32 i = 0;
		while (i < ntypes && types[i] != m->Type)
			i++;
		if (i == ntypes) {
			if (ntypes == REPORT_MEM_TYPES) {
				i = REPORT_MEM_TYPES - 1;
				types[i] = REPORT_OTHER_TYPES;
			} else {
				types[ntypes++] = m->Type, pages[i] = count[i] = 0;
			}
		}
		pages[i] += m->NumberOfPages;
		count[i]++;
		if (m->PhysicalStart + m->NumberOfPages * LDR_PAGE_SIZE > top)
			top = m->PhysicalStart + m->NumberOfPages * LDR_PAGE_SIZE;
	}
	ldr_detail(L"memory map: %lu descriptors of %lu bytes (version %u), highest address 0x%lx",
	           (UINT64)(size / desc_size), (UINT64)desc_size, ver, top);
	for (UINT32 i = 0; i < ntypes; i++)
		ldr_detail(L"memory map: %5lu ranges %9lu KiB  %s", count[i], pages[i] * 4,
		           mem_type_name(types[i]));
	gBS->FreePool(buf);
}

/* ACPI 6.5, 5.2.5.3 (RSDP) and 5.2.6 (the common table header). */
struct report_rsdp {
	char signature[8];
	UINT8 checksum;
	char oem_id[6];
	UINT8 revision;
	UINT32 rsdt;
	UINT32 length;
	UINT64 xsdt;
	UINT8 ext_checksum;
	UINT8 reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct report_rsdp) == 36, "ACPI RSDP layout");

struct report_sdt {
	char signature[4];
	UINT32 length;
	UINT8 revision;
	UINT8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	UINT32 oem_revision;
	UINT32 creator_id;
	UINT32 creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct report_sdt) == 36, "ACPI table header layout");

static void copy_name(char *dst, const char *src, UINTN n)
{
	for (UINTN i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[n] = 0;
}

void ldr_report_acpi(UINT64 rsdp_phys)
{
	if (!rsdp_phys) {
		ldr_detail(L"acpi: no RSDP");
		return;
	}
	const struct report_rsdp *r = (const struct report_rsdp *)(UINTN)rsdp_phys;
	char oem[7];
	copy_name(oem, r->oem_id, 6);
	int x = r->revision >= 2 && r->xsdt;
	UINT64 root = x ? r->xsdt : r->rsdt;
	ldr_detail(L"acpi: RSDP at 0x%lx, revision %u, OEM \"%a\", %a at 0x%lx", rsdp_phys,
	           r->revision, oem, x ? "XSDT" : "RSDT", root);
	if (!root)
		return;
	if (root < ACPI_MIN_ADDRESS) {
		ldr_detail(L"acpi: root table address 0x%lx is implausible", root);
		return;
	}
	const struct report_sdt *t = (const struct report_sdt *)(UINTN)root;
	UINTN entry = x ? 8 : 4;
	if (!ldr_mem_equal(t->signature, x ? "XSDT" : "RSDT", 4) || t->length < sizeof(*t) ||
	    t->length > 64 * 1024) {
		ldr_detail(L"acpi: the root table is not a valid %a (length %u)", x ? "XSDT" : "RSDT",
		           t->length);
		return;
	}
	UINTN n = (t->length - sizeof(*t)) / entry;
	const UINT8 *p = (const UINT8 *)(t + 1);
	for (UINTN i = 0; i < n && i < ACPI_MAX_LISTED; i++) {
		/* An entry is a 4- or 8-byte little-endian address, not aligned. */
		UINT64 a = 0;
		for (UINTN k = 0; k < entry; k++)
			a |= (UINT64)p[i * entry + k] << (8 * k);
		if (a < ACPI_MIN_ADDRESS) {
			ldr_detail(L"acpi: entry %lu points at 0x%lx: skipped", (UINT64)i, a);
			continue;
		}
		const struct report_sdt *h = (const struct report_sdt *)(UINTN)a;
		char sig[5], tid[9];
		copy_name(sig, h->signature, 4);
		copy_name(tid, h->oem_table_id, 8);
		ldr_detail(L"acpi: %a at 0x%lx, %u bytes, revision %u, OEM table \"%a\"", sig, a,
		           h->length, h->revision, tid);
	}
	if (n > ACPI_MAX_LISTED)
		ldr_detail(L"acpi: ... %lu more tables not listed", (UINT64)(n - ACPI_MAX_LISTED));
}
