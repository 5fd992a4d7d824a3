/*
 * Host tests for kernel/acpi/tables.c. Each test builds a synthetic firmware
 * image (RSDP, XSDT, RSDT, FADT, DSDT, MADT like QEMU q35's, HPET) in a byte
 * buffer at physical address IMG_BASE, with checksums computed by the
 * builder, then breaks one thing.
 *
 * The map function hands out a fresh heap copy of exactly the range asked
 * for, so AddressSanitizer reports any read past what the code mapped, not
 * only past the image; the copies are freed after each test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acpi/acpi.h"

#define IMG_BASE 0x7fe0000ull
#define IMG_SIZE 0x3000u

/* Where the builder puts each structure, as offsets into the image. */
enum {
	OFF_RSDP = 0x0,
	OFF_XSDT = 0x40,
	OFF_RSDT = 0x300,
	OFF_FADT = 0x480,
	OFF_DSDT = 0x5a0,
	OFF_HPET = 0x5e0,
	OFF_EXTRA = 0x620,
	OFF_MADT = 0x700,
	MADT_CAP = 0x1000
};
#define MAX_ROOT 80 /* fits between OFF_XSDT and OFF_RSDT */

static uint8_t img[IMG_SIZE];
static uint64_t root_entries[MAX_ROOT];
static unsigned n_root;
static size_t madt_len;

static struct acpi acpi;
static void *grants[1024];
static unsigned n_grants;

static const void *test_map(void *ctx, uint64_t phys, uint64_t len)
{
	(void)ctx;
	/* The contract (acpi.h): never an empty range or one that wraps, so
	 * a map function may compute phys + len without care. */
	assert_true(len > 0 && phys + len > phys);
	if (phys < IMG_BASE || phys - IMG_BASE > IMG_SIZE || len > IMG_SIZE - (phys - IMG_BASE))
		return NULL;
	assert_true(n_grants < sizeof(grants) / sizeof(grants[0]));
	void *p = malloc(len);
	assert_non_null(p);
	memcpy(p, img + (phys - IMG_BASE), len);
	grants[n_grants++] = p;
	return p;
}

static int teardown(void **state)
{
	(void)state;
	while (n_grants > 0)
		free(grants[--n_grants]);
	return 0;
}

static uint64_t phys_of(size_t off)
{
	return IMG_BASE + off;
}

static struct acpi_sdt_header *hdr_at(size_t off)
{
	return (struct acpi_sdt_header *)(img + off);
}

static void put_header(size_t off, const char *sig, uint32_t len, uint8_t rev)
{
	struct acpi_sdt_header *h = hdr_at(off);
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "BOCHS ", 6);
	memcpy(h->oem_table_id, "BXPC    ", 8);
	h->oem_revision = 1;
	h->creator_id = 0x43505842; /* "BXPC" */
	h->creator_revision = 1;
}

static uint8_t sum(const void *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + ((const uint8_t *)p)[i]);
	return s;
}

static void fix_checksum(size_t off)
{
	struct acpi_sdt_header *h = hdr_at(off);
	h->checksum = 0;
	h->checksum = (uint8_t)-sum(h, h->length);
}

static void madt_add(const void *entry, size_t len)
{
	assert_true(OFF_MADT + madt_len + len <= OFF_MADT + MADT_CAP);
	memcpy(img + OFF_MADT + madt_len, entry, len);
	madt_len += len;
}

static void madt_lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
	struct acpi_madt_lapic e = {{ACPI_MADT_LAPIC, 8}, uid, id, flags};
	madt_add(&e, sizeof(e));
}

static void madt_iso(uint8_t irq, uint32_t gsi, uint16_t flags)
{
	struct acpi_madt_iso e = {{ACPI_MADT_ISO, 10}, 0, irq, gsi, flags};
	madt_add(&e, sizeof(e));
}

static void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	struct acpi_madt_ioapic e = {{ACPI_MADT_IOAPIC, 12}, id, 0, addr, gsi_base};
	madt_add(&e, sizeof(e));
}

static void madt_start(uint8_t rev)
{
	memset(img + OFF_MADT, 0, MADT_CAP);
	put_header(OFF_MADT, "APIC", 0, rev);
	struct acpi_madt *m = (struct acpi_madt *)(img + OFF_MADT);
	m->lapic_address = 0xfee00000;
	m->flags = ACPI_MADT_PCAT_COMPAT;
	madt_len = sizeof(struct acpi_madt);
}

/* Recompute every length the builder owns, the root tables and all checksums. */
static void seal(void)
{
	hdr_at(OFF_MADT)->length = (uint32_t)madt_len;
	fix_checksum(OFF_MADT);
	fix_checksum(OFF_FADT);
	fix_checksum(OFF_DSDT);
	fix_checksum(OFF_HPET);

	assert_true(n_root <= MAX_ROOT);
	put_header(OFF_XSDT, "XSDT", 36 + 8 * n_root, 1);
	put_header(OFF_RSDT, "RSDT", 36 + 4 * n_root, 1);
	for (unsigned i = 0; i < n_root; i++) {
		uint64_t p = root_entries[i];
		memcpy(img + OFF_XSDT + 36 + 8 * i, &p, 8);
		uint32_t p32 = (uint32_t)p;
		memcpy(img + OFF_RSDT + 36 + 4 * i, &p32, 4);
	}
	fix_checksum(OFF_XSDT);
	fix_checksum(OFF_RSDT);

	struct acpi_rsdp *r = (struct acpi_rsdp *)(img + OFF_RSDP);
	r->checksum = 0;
	r->checksum = (uint8_t)-sum(r, ACPI_RSDP_V1_SIZE);
	if (r->revision >= 2) {
		r->extended_checksum = 0;
		r->extended_checksum = (uint8_t)-sum(r, r->length);
	}
}

/* A QEMU q35-like machine (tables as QEMU 7.2 with SeaBIOS builds them),
 * but with an ACPI 2.0 RSDP (revision 2) or an ACPI 1.0 one (revision 0). */
static void build(uint8_t rsdp_rev)
{
	memset(img, 0, sizeof(img));

	struct acpi_rsdp *r = (struct acpi_rsdp *)(img + OFF_RSDP);
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, "BOCHS ", 6);
	r->revision = rsdp_rev;
	r->rsdt_address = (uint32_t)phys_of(OFF_RSDT);
	if (rsdp_rev >= 2) {
		r->length = sizeof(*r);
		r->xsdt_address = phys_of(OFF_XSDT);
	}

	/* FADT revision 3, 244 bytes, as QEMU's q35. */
	put_header(OFF_FADT, "FACP", 244, 3);
	struct acpi_fadt *f = (struct acpi_fadt *)(img + OFF_FADT);
	f->dsdt = (uint32_t)phys_of(OFF_DSDT);
	f->x_dsdt = phys_of(OFF_DSDT);
	f->sci_int = 9;
	f->smi_cmd = 0xb2;
	f->acpi_enable = 2;
	f->acpi_disable = 3;
	f->pm1a_evt_blk = 0x600;
	f->pm1a_cnt_blk = 0x604;
	f->pm_tmr_blk = 0x608;
	f->pm1_evt_len = 4;
	f->pm1_cnt_len = 2;
	f->pm_tmr_len = 4;
	f->century = 0x32;
	f->iapc_boot_arch = ACPI_IAPC_8042;
	f->flags = 0x84a5; /* includes RESET_REG_SUP */
	f->reset_reg = (struct acpi_gas){ACPI_GAS_IO, 8, 0, 0, 0xcf9};
	f->reset_value = 0x0f;

	put_header(OFF_DSDT, "DSDT", 48, 1);
	memcpy(img + OFF_DSDT + 36,
	       "\x10\x0a\x5c\x00"
	       "AMLAMLAM",
	       12);

	put_header(OFF_HPET, "HPET", 56, 1);
	struct acpi_hpet *h = (struct acpi_hpet *)(img + OFF_HPET);
	h->event_timer_block_id = 0x8086a201;
	h->base = (struct acpi_gas){ACPI_GAS_MEMORY, 0, 0, 0, 0xfed00000};
	h->min_tick = 0x80;

	madt_start(1);
	madt_lapic(0, 0, ACPI_LAPIC_ENABLED);
	madt_ioapic(0, 0xfec00000, 0);
	madt_iso(0, 2, 0);
	madt_iso(5, 5, 0x0d);
	madt_iso(9, 9, 0x0d); /* the SCI: level, active high */
	madt_iso(10, 10, 0x0d);
	madt_iso(11, 11, 0x0d);
	struct acpi_madt_lapic_nmi nmi = {{ACPI_MADT_LAPIC_NMI, 6}, 0xff, 0, 1};
	madt_add(&nmi, sizeof(nmi));

	n_root = 0;
	root_entries[n_root++] = phys_of(OFF_FADT);
	root_entries[n_root++] = phys_of(OFF_MADT);
	root_entries[n_root++] = phys_of(OFF_HPET);
	seal();
}

static int init(void)
{
	return acpi_init(&acpi, phys_of(OFF_RSDP), test_map, NULL);
}

static const struct acpi_table *table_named(const char *sig)
{
	for (uint32_t i = 0; i < acpi.count; i++)
		if (strcmp(acpi.tables[i].signature, sig) == 0)
			return &acpi.tables[i];
	return NULL;
}

/* A cmocka test function; none uses the state pointer. */
#define TEST(name) static void name(void **state __attribute__((unused)))

/* ---- Good firmware ------------------------------------------------------ */

static void check_q35_tables(void)
{
	assert_int_equal(acpi.count, 4); /* FACP, APIC, HPET + the DSDT */
	for (uint32_t i = 0; i < acpi.count; i++) {
		assert_true(acpi.tables[i].valid);
		assert_string_equal(acpi.tables[i].reason, "");
		assert_string_equal(acpi.tables[i].oem_id, "BOCHS ");
		assert_string_equal(acpi.tables[i].oem_table_id, "BXPC    ");
	}
	assert_string_equal(acpi.tables[3].signature, "DSDT");
	assert_int_equal(acpi.tables[3].phys, phys_of(OFF_DSDT));
	assert_non_null(acpi_find(&acpi, "APIC", 0));
	assert_null(acpi_find(&acpi, "APIC", 1));
	assert_null(acpi_find(&acpi, "SSDT", 0));
	assert_int_equal(acpi_find(&acpi, "HPET", 0)->length, 56);
}

TEST(test_q35_xsdt)
{
	build(2);
	assert_int_equal(init(), ACPI_OK);
	assert_true(acpi.xsdt);
	assert_int_equal(acpi.root_phys, phys_of(OFF_XSDT));
	assert_int_equal(acpi.rsdp_revision, 2);
	assert_string_equal(acpi.rsdp_oem_id, "BOCHS ");
	assert_string_equal(acpi.problem, "");
	check_q35_tables();
}

TEST(test_q35_rsdt)
{
	build(0);
	assert_int_equal(init(), ACPI_OK);
	assert_false(acpi.xsdt);
	assert_int_equal(acpi.root_phys, phys_of(OFF_RSDT));
	check_q35_tables();
}

TEST(test_madt_q35)
{
	struct acpi_madt_info m;
	bool low, level;

	build(2);
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_madt(&acpi, &m), ACPI_OK);
	assert_int_equal(m.lapic_address, 0xfee00000);
	assert_false(m.lapic_overridden);
	assert_true(m.pcat_compat);
	assert_int_equal(m.cpu_count, 1);
	assert_int_equal(m.cpus[0].apic_id, 0);
	assert_true(m.cpus[0].enabled);
	assert_false(m.cpus[0].x2apic);
	assert_int_equal(m.ioapic_count, 1);
	assert_int_equal(m.ioapics[0].address, 0xfec00000);
	assert_int_equal(m.ioapics[0].gsi_base, 0);
	assert_int_equal(m.iso_count, 5);
	assert_int_equal(m.isos[0].polarity, ACPI_POLARITY_CONFORMING);
	assert_int_equal(m.isos[2].polarity, ACPI_POLARITY_HIGH);
	assert_int_equal(m.isos[2].trigger, ACPI_TRIGGER_LEVEL);
	assert_int_equal(m.nmi_count, 1);
	assert_int_equal(m.nmis[0].uid, ACPI_NMI_ALL_CPUS);
	assert_int_equal(m.nmis[0].lint, 1);

	assert_int_equal(acpi_isa_irq_to_gsi(&m, 0, &low, &level), 2); /* PIT */
	assert_false(low);
	assert_false(level);
	assert_int_equal(acpi_isa_irq_to_gsi(&m, 9, &low, &level), 9); /* SCI */
	assert_false(low);
	assert_true(level);
	assert_int_equal(acpi_isa_irq_to_gsi(&m, 1, &low, &level), 1); /* keyboard */
	assert_false(low);
	assert_false(level);
	assert_int_equal(acpi_isa_irq_to_gsi(&m, 4, NULL, NULL), 4);
}

TEST(test_isa_irq_flags)
{
	struct acpi_madt_info m;
	bool low, level;

	memset(&m, 0, sizeof(m));
	m.iso_count = 3;
	m.isos[0] = (struct acpi_iso){.bus = 0,
	                              .source = 3,
	                              .gsi = 20,
	                              .polarity = ACPI_POLARITY_LOW,
	                              .trigger = ACPI_TRIGGER_EDGE};
	m.isos[1] = (struct acpi_iso){.bus = 1, .source = 4, .gsi = 21}; /* not ISA */
	m.isos[2] = (struct acpi_iso){.bus = 0,
	                              .source = 6,
	                              .gsi = 6,
	                              .polarity = ACPI_POLARITY_RESERVED,
	                              .trigger = ACPI_TRIGGER_RESERVED};
	assert_int_equal(acpi_isa_irq_to_gsi(&m, 3, &low, &level), 20);
	assert_true(low);
	assert_false(level);
	assert_int_equal(acpi_isa_irq_to_gsi(&m, 4, &low, &level), 4);
	assert_false(low);
	assert_int_equal(acpi_isa_irq_to_gsi(&m, 6, &low, &level), 6);
	assert_true(low);
	assert_true(level);
}

TEST(test_madt_x2apic_and_override)
{
	struct acpi_madt_info m;

	build(2);
	madt_start(5);
	madt_lapic(0, 0, ACPI_LAPIC_ENABLED);
	madt_lapic(1, 1, ACPI_LAPIC_ONLINE_CAPABLE);
	struct acpi_madt_x2apic x = {{ACPI_MADT_X2APIC, 16}, 0, 300, ACPI_LAPIC_ENABLED, 7};
	madt_add(&x, sizeof(x));
	struct acpi_madt_lapic_override o = {{ACPI_MADT_LAPIC_OVERRIDE, 12}, 0, 0xfee10000};
	madt_add(&o, sizeof(o));
	struct acpi_madt_x2apic_nmi xn = {{ACPI_MADT_X2APIC_NMI, 12}, 0xd, 7, 1, {0}};
	madt_add(&xn, sizeof(xn));
	uint8_t unknown[5] = {0x7f, 5, 1, 2, 3}; /* skipped by its length */
	madt_add(unknown, sizeof(unknown));
	seal();

	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_madt(&acpi, &m), ACPI_OK);
	assert_int_equal(m.lapic_address, 0xfee10000);
	assert_true(m.lapic_overridden);
	assert_int_equal(m.cpu_count, 3);
	assert_false(m.cpus[1].enabled);
	assert_true(m.cpus[1].online_capable);
	assert_true(m.cpus[2].x2apic);
	assert_int_equal(m.cpus[2].apic_id, 300);
	assert_int_equal(m.cpus[2].uid, 7);
	assert_int_equal(m.nmi_count, 1);
	assert_int_equal(m.nmis[0].uid, 7);
	assert_int_equal(m.nmis[0].trigger, ACPI_TRIGGER_LEVEL);

	/* Before MADT revision 5 bit 1 is reserved, not "online capable". */
	build(2);
	madt_start(4);
	madt_lapic(1, 1, ACPI_LAPIC_ONLINE_CAPABLE);
	seal();
	teardown(NULL);
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_madt(&acpi, &m), ACPI_OK);
	assert_false(m.cpus[0].online_capable);
}

TEST(test_hpet)
{
	struct acpi_hpet_info h;

	build(2);
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_hpet(&acpi, &h), ACPI_OK);
	assert_int_equal(h.address, 0xfed00000);
	assert_int_equal(h.hw_rev, 1);
	assert_int_equal(h.last_comparator, 2);
	assert_true(h.counter_64bit);
	assert_true(h.legacy_capable);
	assert_int_equal(h.pci_vendor_id, 0x8086);
	assert_int_equal(h.min_tick, 0x80);
}

TEST(test_fadt_q35)
{
	struct acpi_fadt_info f;

	build(2);
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_fadt(&acpi, &f), ACPI_OK);
	assert_int_equal(f.revision, 3);
	assert_int_equal(f.dsdt, phys_of(OFF_DSDT));
	assert_int_equal(f.sci_irq, 9);
	assert_int_equal(f.pm1a_cnt.space_id, ACPI_GAS_IO);
	assert_int_equal(f.pm1a_cnt.address, 0x604);
	assert_int_equal(f.pm1a_cnt.bit_width, 16);
	assert_int_equal(f.pm1b_cnt.address, 0);
	assert_true(f.reset_supported);
	assert_int_equal(f.reset_reg.space_id, ACPI_GAS_IO);
	assert_int_equal(f.reset_reg.address, 0xcf9);
	assert_int_equal(f.reset_value, 0x0f);
	assert_int_equal(f.century, 0x32);
	assert_true(f.boot_arch_valid);
	assert_true(f.has_8042);
	assert_false(f.legacy_devices);
	assert_false(f.hw_reduced);
}

TEST(test_fadt_revisions)
{
	struct acpi_fadt_info f;
	struct acpi_fadt *raw = (struct acpi_fadt *)(img + OFF_FADT);

	/* ACPI 1.0: 116 bytes; the X_ fields and RESET_REG are not there even
	 * though the bytes after the table are not zero. */
	build(2);
	raw->hdr.length = ACPI_FADT_V1_SIZE;
	raw->hdr.revision = 1;
	raw->x_dsdt = 0x12345678;
	raw->dsdt = (uint32_t)phys_of(OFF_DSDT);
	raw->iapc_boot_arch = 0xff;
	seal();
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_fadt(&acpi, &f), ACPI_OK);
	assert_int_equal(f.dsdt, phys_of(OFF_DSDT));
	assert_false(f.reset_supported);
	assert_false(f.boot_arch_valid);
	assert_false(f.has_8042);
	assert_int_equal(f.century, 0x32);

	/* Revision 2 has IAPC_BOOT_ARCH but not yet the 8042 bit. */
	teardown(NULL);
	build(2);
	raw->hdr.revision = 2;
	raw->iapc_boot_arch = ACPI_IAPC_8042 | ACPI_IAPC_LEGACY_DEVICES;
	seal();
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_fadt(&acpi, &f), ACPI_OK);
	assert_true(f.boot_arch_valid);
	assert_true(f.legacy_devices);
	assert_false(f.has_8042);

	/* X_DSDT and X_PM1a_CNT_BLK win over the 32-bit fields when non-zero. */
	teardown(NULL);
	build(2);
	raw->dsdt = 0xdead0000;
	raw->x_pm1a_cnt_blk = (struct acpi_gas){ACPI_GAS_IO, 16, 0, 2, 0xb004};
	raw->reset_reg.space_id = 0x0a; /* PCC: not allowed for RESET_REG */
	seal();
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_fadt(&acpi, &f), ACPI_OK);
	assert_int_equal(f.dsdt, phys_of(OFF_DSDT));
	assert_int_equal(f.pm1a_cnt.address, 0xb004);
	assert_false(f.reset_supported);

	/* Shorter than any FADT revision. */
	teardown(NULL);
	build(2);
	raw->hdr.length = 100;
	seal();
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_fadt(&acpi, &f), ACPI_ERR_TABLE_SHORT);
}

/* ---- Broken RSDP and root tables ------------------------------------------ */

TEST(test_no_rsdp)
{
	assert_int_equal(acpi_init(&acpi, 0, test_map, NULL), ACPI_ERR_NO_RSDP);
	build(2);
	assert_int_equal(acpi_init(&acpi, 0x1000, test_map, NULL), ACPI_ERR_UNMAPPED);
	assert_int_equal(acpi.count, 0);
	assert_null(acpi_find(&acpi, "FACP", 0));
}

static void expect_init_error(int err, const char *needle)
{
	assert_int_equal(init(), err);
	assert_int_equal(acpi.count, 0);
	if (strstr(acpi.problem, needle) == NULL)
		fail_msg("problem \"%s\" lacks \"%s\"", acpi.problem, needle);
}

TEST(test_rsdp_signature)
{
	build(2);
	img[OFF_RSDP + 3] = 'X';
	expect_init_error(ACPI_ERR_RSDP_SIGNATURE, "RSDP at 0x7fe0000");
}

TEST(test_rsdp_checksum)
{
	build(2);
	img[OFF_RSDP + 9]++; /* OEM ID */
	expect_init_error(ACPI_ERR_RSDP_CHECKSUM, "checksum 0x1 != 0");
}

TEST(test_rsdp_ext_checksum)
{
	build(2);
	img[OFF_RSDP + 34] = 0x40; /* reserved, covered only by the extended sum */
	expect_init_error(ACPI_ERR_RSDP_EXT_CHECKSUM, "extended checksum 0x40");
}

TEST(test_rsdp_length)
{
	build(2);
	((struct acpi_rsdp *)(img + OFF_RSDP))->length = 20;
	seal();
	expect_init_error(ACPI_ERR_RSDP_LENGTH, "length 20");
}

TEST(test_no_root)
{
	build(2);
	((struct acpi_rsdp *)(img + OFF_RSDP))->xsdt_address = 0;
	((struct acpi_rsdp *)(img + OFF_RSDP))->rsdt_address = 0;
	seal();
	expect_init_error(ACPI_ERR_NO_ROOT, "neither");
}

TEST(test_xsdt_checksum)
{
	build(2);
	((struct acpi_rsdp *)(img + OFF_RSDP))->rsdt_address = 0; /* no fallback */
	seal();
	img[OFF_XSDT + 20]++;
	expect_init_error(ACPI_ERR_ROOT_CHECKSUM, "XSDT at 0x7fe0040: checksum 0x1 != 0");
}

TEST(test_xsdt_fallback)
{
	build(2);
	img[OFF_XSDT + 20]++;
	assert_int_equal(init(), ACPI_OK);
	assert_false(acpi.xsdt);
	assert_int_equal(acpi.root_phys, phys_of(OFF_RSDT));
	assert_non_null(strstr(acpi.problem, "XSDT at 0x7fe0040: checksum"));
	assert_non_null(strstr(acpi.problem, "using the RSDT"));
	check_q35_tables();
}

TEST(test_xsdt_length)
{
	build(2);
	((struct acpi_rsdp *)(img + OFF_RSDP))->rsdt_address = 0;
	seal();
	hdr_at(OFF_XSDT)->length = 36 + 8 * 3 + 4; /* a 32-bit entry too many */
	fix_checksum(OFF_XSDT);
	expect_init_error(ACPI_ERR_ROOT_LENGTH, "is not 36 + 8n");

	hdr_at(OFF_XSDT)->length = 30;
	expect_init_error(ACPI_ERR_ROOT_LENGTH, "length 30");

	hdr_at(OFF_XSDT)->length = 36 + 8 * 2000; /* past the image */
	expect_init_error(ACPI_ERR_UNMAPPED, "runs past mapped memory");

	memcpy(hdr_at(OFF_XSDT)->signature, "RSDT", 4);
	expect_init_error(ACPI_ERR_ROOT_SIGNATURE, "signature \"RSDT\"");
}

TEST(test_root_unmapped)
{
	build(2);
	((struct acpi_rsdp *)(img + OFF_RSDP))->xsdt_address = 0xfffffffffffffff0ull;
	((struct acpi_rsdp *)(img + OFF_RSDP))->rsdt_address = 0;
	seal();
	expect_init_error(ACPI_ERR_UNMAPPED, "header not in mapped memory");
}

/* ---- Broken tables: listed, not trusted, the rest still found --------- */

TEST(test_table_unmapped)
{
	build(2);
	root_entries[n_root++] = 0xdead0000;
	root_entries[n_root++] = 0;                     /* null entries are skipped */
	root_entries[n_root++] = phys_of(IMG_SIZE - 8); /* header straddles the end */
	seal();
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi.root_entries, 6);
	assert_int_equal(acpi.count, 6);
	assert_false(acpi.tables[3].valid);
	assert_null(acpi.tables[3].hdr);
	assert_string_equal(acpi.tables[3].reason,
	                    "table at 0xdead0000: header not in mapped memory");
	assert_false(acpi.tables[4].valid);
	assert_string_equal(acpi.tables[5].signature, "DSDT");
	assert_non_null(acpi_find(&acpi, "APIC", 0));
	assert_non_null(acpi_find(&acpi, "HPET", 0));
}

TEST(test_table_checksum)
{
	struct acpi_hpet_info h;
	struct acpi_madt_info m;

	build(2);
	img[OFF_HPET + 40] = 1; /* HPET base address space, after sealing */
	assert_int_equal(init(), ACPI_OK);
	const struct acpi_table *t = table_named("HPET");
	assert_non_null(t);
	assert_false(t->valid);
	assert_null(t->hdr);
	assert_string_equal(t->reason, "HPET at 0x7fe05e0: checksum 0x1 != 0");
	assert_null(acpi_find(&acpi, "HPET", 0));
	assert_int_equal(acpi_parse_hpet(&acpi, &h), ACPI_ERR_NOT_FOUND);
	assert_int_equal(acpi_parse_madt(&acpi, &m), ACPI_OK);
}

TEST(test_table_bad_header)
{
	build(2);
	memcpy(img + OFF_EXTRA, "SS\x01T", 4);
	hdr_at(OFF_EXTRA)->length = 36;
	put_header(OFF_EXTRA + 0x30, "SSDT", 20, 1);
	put_header(OFF_EXTRA + 0x60, "SSDT", 0x10000, 1);
	put_header(OFF_EXTRA + 0x90, "SSDT", 0xffffffff, 1);
	for (size_t off = 0; off <= 0x90; off += 0x30)
		root_entries[n_root++] = phys_of(OFF_EXTRA + off);
	seal();
	assert_int_equal(init(), ACPI_OK);
	assert_string_equal(acpi.tables[3].signature, "SS?T");
	assert_string_equal(acpi.tables[3].reason, "SS?T at 0x7fe0620: signature not printable");
	assert_string_equal(acpi.tables[4].reason, "SSDT at 0x7fe0650: length 20 < 36");
	assert_string_equal(acpi.tables[5].reason,
	                    "SSDT at 0x7fe0680: length 65536 runs past mapped memory");
	assert_string_equal(acpi.tables[6].reason,
	                    "SSDT at 0x7fe06b0: length 0xffffffff too large");
	assert_null(acpi_find(&acpi, "SSDT", 0));
}

TEST(test_too_many_tables)
{
	build(2);
	root_entries[n_root++] = phys_of(OFF_HPET); /* listed twice: recorded once */
	for (unsigned i = 0; n_root < 70; i++) {
		size_t off = OFF_MADT + MADT_CAP + 0x30 * i;
		put_header(off, "SSDT", 36, 2);
		fix_checksum(off);
		root_entries[n_root++] = phys_of(off);
	}
	seal();
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi.root_entries, 70);
	assert_int_equal(acpi.count, ACPI_MAX_TABLES);
	assert_int_equal(acpi.dropped, 70 - 1 - ACPI_MAX_TABLES + 1); /* + the DSDT */
	assert_non_null(acpi_find(&acpi, "HPET", 0));
	assert_null(acpi_find(&acpi, "HPET", 1));
	assert_non_null(acpi_find(&acpi, "SSDT", ACPI_MAX_TABLES - 4));
	assert_null(acpi_find(&acpi, "SSDT", ACPI_MAX_TABLES - 3));
}

/* ---- Broken MADT entries ------------------------------------------------ */

/* The q35 MADT cut down to one local APIC, then `bad`, then the table end. */
static int madt_with(const void *bad, size_t len, struct acpi_madt_info *m)
{
	teardown(NULL);
	build(2);
	madt_start(1);
	madt_lapic(0, 0, ACPI_LAPIC_ENABLED);
	madt_add(bad, len);
	seal();
	assert_int_equal(init(), ACPI_OK);
	return acpi_parse_madt(&acpi, m);
}

TEST(test_madt_entry_zero)
{
	struct acpi_madt_info m;
	uint8_t zero[8] = {ACPI_MADT_LAPIC, 0, 1, 1, 1, 0, 0, 0};

	assert_int_equal(madt_with(zero, sizeof(zero), &m), ACPI_ERR_ENTRY_ZERO);
	assert_int_equal(m.bad_offset, 44 + 8);
	assert_int_equal(m.cpu_count, 1); /* what came before is kept */
	uint8_t one[2] = {0x7f, 1};
	assert_int_equal(madt_with(one, sizeof(one), &m), ACPI_ERR_ENTRY_SHORT);
}

TEST(test_madt_entry_past_end)
{
	struct acpi_madt_info m;
	struct acpi_madt_ioapic io = {{ACPI_MADT_IOAPIC, 12}, 0, 0, 0xfec00000, 0};

	/* The table ends one byte short of the I/O APIC entry's end. */
	build(2);
	madt_start(1);
	madt_add(&io, sizeof(io));
	madt_len -= 1;
	seal();
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_madt(&acpi, &m), ACPI_ERR_ENTRY_PAST_END);
	assert_int_equal(m.bad_offset, 44);
	assert_int_equal(m.ioapic_count, 0);

	/* One stray byte: not even an entry header fits. */
	uint8_t stray = ACPI_MADT_LAPIC;
	assert_int_equal(madt_with(&stray, 1, &m), ACPI_ERR_ENTRY_PAST_END);
	assert_int_equal(m.bad_offset, 52);

	/* A length of 255 from an entry near the end. */
	uint8_t big[4] = {0x7f, 255, 0, 0};
	assert_int_equal(madt_with(big, sizeof(big), &m), ACPI_ERR_ENTRY_PAST_END);
}

TEST(test_madt_entry_short)
{
	struct acpi_madt_info m;
	uint8_t io[8] = {ACPI_MADT_IOAPIC, 8, 0, 0, 0, 0, 0xc0, 0xfe};
	uint8_t ovr[8] = {ACPI_MADT_LAPIC_OVERRIDE, 8, 0, 0, 0, 0, 0xe0, 0xfe};
	uint8_t x2[12] = {ACPI_MADT_X2APIC, 12};

	assert_int_equal(madt_with(io, sizeof(io), &m), ACPI_ERR_ENTRY_SHORT);
	assert_int_equal(m.ioapic_count, 0);
	assert_int_equal(madt_with(ovr, sizeof(ovr), &m), ACPI_ERR_ENTRY_SHORT);
	assert_false(m.lapic_overridden);
	assert_int_equal(madt_with(x2, sizeof(x2), &m), ACPI_ERR_ENTRY_SHORT);
}

TEST(test_madt_too_many)
{
	struct acpi_madt_info m;

	build(2);
	madt_start(1);
	for (unsigned i = 0; i < 100; i++)
		madt_lapic((uint8_t)i, (uint8_t)i, ACPI_LAPIC_ENABLED);
	for (unsigned i = 0; i < 10; i++)
		madt_ioapic((uint8_t)i, 0xfec00000 + 0x1000 * i, 24 * i);
	for (unsigned i = 0; i < 20; i++)
		madt_iso((uint8_t)i, i, 0);
	for (unsigned i = 0; i < 20; i++) {
		struct acpi_madt_lapic_nmi n = {{ACPI_MADT_LAPIC_NMI, 6}, (uint8_t)i, 0, 1};
		madt_add(&n, sizeof(n));
	}
	seal();
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_madt(&acpi, &m), ACPI_OK);
	assert_int_equal(m.cpu_count, ACPI_MAX_CPUS);
	assert_int_equal(m.cpu_seen, 100);
	assert_int_equal(m.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
	assert_int_equal(m.ioapic_count, ACPI_MAX_IOAPICS);
	assert_int_equal(m.ioapic_seen, 10);
	assert_int_equal(m.iso_count, ACPI_MAX_ISOS);
	assert_int_equal(m.iso_seen, 20);
	assert_int_equal(m.nmi_count, ACPI_MAX_NMIS);
	assert_int_equal(m.nmi_seen, 20);
}

TEST(test_madt_short_table)
{
	struct acpi_madt_info m;

	build(2);
	madt_start(1);
	madt_len = 40;
	seal();
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_madt(&acpi, &m), ACPI_ERR_TABLE_SHORT);
}

TEST(test_hpet_io_space)
{
	struct acpi_hpet_info h;
	struct acpi_hpet *raw = (struct acpi_hpet *)(img + OFF_HPET);

	build(2);
	raw->base.space_id = ACPI_GAS_IO;
	seal();
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_hpet(&acpi, &h), ACPI_ERR_HPET_SPACE);
	assert_int_equal(h.address, 0xfed00000);

	teardown(NULL);
	build(2);
	raw->hdr.length = 52;
	seal();
	assert_int_equal(init(), ACPI_OK);
	assert_int_equal(acpi_parse_hpet(&acpi, &h), ACPI_ERR_TABLE_SHORT);
}

TEST(test_strerror)
{
	const char *unknown = acpi_strerror(12345);
	for (int e = ACPI_OK; e >= ACPI_ERR_NO_ROOT; e--)
		assert_string_not_equal(acpi_strerror(e), unknown);
	assert_string_equal(acpi_strerror(ACPI_ERR_NO_ROOT - 1), unknown);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_q35_xsdt),
	        T(test_q35_rsdt),
	        T(test_madt_q35),
	        T(test_isa_irq_flags),
	        T(test_madt_x2apic_and_override),
	        T(test_hpet),
	        T(test_fadt_q35),
	        T(test_fadt_revisions),
	        T(test_no_rsdp),
	        T(test_rsdp_signature),
	        T(test_rsdp_checksum),
	        T(test_rsdp_ext_checksum),
	        T(test_rsdp_length),
	        T(test_no_root),
	        T(test_xsdt_checksum),
	        T(test_xsdt_fallback),
	        T(test_xsdt_length),
	        T(test_root_unmapped),
	        T(test_table_unmapped),
	        T(test_table_checksum),
	        T(test_table_bad_header),
	        T(test_too_many_tables),
	        T(test_madt_entry_zero),
	        T(test_madt_entry_past_end),
	        T(test_madt_entry_short),
	        T(test_madt_too_many),
	        T(test_madt_short_table),
	        T(test_hpet_io_space),
	        T(test_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
