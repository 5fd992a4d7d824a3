/*
 * ACPI static tables: finding them from the RSDP the loader hands over
 * (bootinfo->rsdp_phys), checking them, and decoding the three the interrupt
 * and timer code needs (MADT, HPET, FADT). No AML: the DSDT is found and
 * checksummed, never interpreted.
 *
 * Firmware tables are input, not trusted data. Invariants:
 *  - acpi_find() only ever returns a table whose signature, length and
 *    checksum were checked and whose whole length the map function granted;
 *    a table that fails is listed as broken, with the reason, and skipped.
 *  - Nothing is read outside a range the map function returned, whatever the
 *    lengths inside the tables say; fixed arrays are filled up to their size
 *    and the rest is counted, never written.
 *
 * Physical memory is reached through a caller-supplied function, so the same
 * code runs in the kernel (direct map) and in host tests (a byte buffer).
 * Structures follow ACPI 6.5 section 5.2 and the IA-PC HPET specification
 * 1.0a; every multi-byte field is little-endian and may be unaligned, hence
 * the packed structures.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Hardware structures (ACPI 6.5 section 5.2) ---------------------- */

/* Generic Address Structure, ACPI 6.5 section 5.2.3.2. */
struct acpi_gas {
	uint8_t space_id; /* ACPI_GAS_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size; /* 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS layout");
_Static_assert(offsetof(struct acpi_gas, address) == 4, "GAS layout");

#define ACPI_GAS_MEMORY  0x00 /* system memory space */
#define ACPI_GAS_IO      0x01 /* system I/O space (x86 ports) */
#define ACPI_GAS_PCI_CFG 0x02 /* PCI configuration space */

/* Root System Description Pointer, ACPI 6.5 section 5.2.5.3. The first 20
 * bytes are the ACPI 1.0 structure and have their own checksum. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* bytes 0..19 sum to 0 */
	char oem_id[6];
	uint8_t revision; /* 0: ACPI 1.0 (20 bytes); 2: ACPI 2.0+ */
	uint32_t rsdt_address;
	uint32_t length; /* revision >= 2: whole structure, >= 36 */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* all `length` bytes sum to 0 */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP layout");
_Static_assert(offsetof(struct acpi_rsdp, rsdt_address) == 16, "RSDP layout");
_Static_assert(offsetof(struct acpi_rsdp, length) == 20, "RSDP layout");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_address) == 24, "RSDP layout");
_Static_assert(offsetof(struct acpi_rsdp, extended_checksum) == 32, "RSDP layout");
#define ACPI_RSDP_V1_SIZE 20u

/* System Description Table header, ACPI 6.5 section 5.2.6. */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length; /* whole table, header included */
	uint8_t revision;
	uint8_t checksum; /* all `length` bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header layout");
_Static_assert(offsetof(struct acpi_sdt_header, checksum) == 9, "SDT header layout");
_Static_assert(offsetof(struct acpi_sdt_header, oem_table_id) == 16, "SDT header layout");

/* RSDT (5.2.7) and XSDT (5.2.8): a header, then 32- or 64-bit physical
 * addresses. XSDT entries sit at offset 36, so they are not 8-aligned. */
struct acpi_rsdt {
	struct acpi_sdt_header hdr;
	uint32_t entry[];
} __attribute__((packed));
struct acpi_xsdt {
	struct acpi_sdt_header hdr;
	uint64_t entry[];
} __attribute__((packed));
_Static_assert(offsetof(struct acpi_xsdt, entry) == 36, "XSDT layout");

/*
 * Fixed ACPI Description Table, ACPI 6.5 section 5.2.9 (table 5.9), up to
 * the ACPI 6.0 end. Firmware ships every length from ACPI 1.0's 116 bytes
 * (QEMU's i440fx) to 276; fields past a table's length read as zero (see
 * acpi_parse_fadt).
 */
struct acpi_fadt {
	struct acpi_sdt_header hdr;
	uint32_t firmware_ctrl; /* FACS, 32-bit */
	uint32_t dsdt;          /* DSDT, 32-bit */
	uint8_t reserved0;      /* ACPI 1.0 INT_MODEL */
	uint8_t preferred_pm_profile;
	uint16_t sci_int; /* SCI as an 8259 IRQ / GSI */
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk; /* I/O port */
	uint32_t pm1b_cnt_blk; /* I/O port, 0 if none */
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len; /* bytes, >= 2 */
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;         /* CMOS index of the century, 0 if none */
	uint16_t iapc_boot_arch; /* ACPI_IAPC_* (reserved before revision 2) */
	uint8_t reserved1;
	uint32_t flags;            /* ACPI_FADT_* */
	struct acpi_gas reset_reg; /* from here on: ACPI 2.0 */
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg; /* ACPI 5.0 */
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id; /* ACPI 6.0 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, sci_int) == 46, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, pm1a_cnt_blk) == 64, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, pm1_cnt_len) == 89, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, century) == 108, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, reset_value) == 128, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, x_firmware_ctrl) == 132, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, x_pm1b_cnt_blk) == 184, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT layout");
#define ACPI_FADT_V1_SIZE 116u /* ACPI 1.0: everything up to and including flags */

/* FADT flags, ACPI 6.5 table 5.10 (selection). */
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED    (1u << 20)

/* IAPC_BOOT_ARCH, ACPI 6.5 table 5.11. The field appeared with FADT
 * revision 2 (ACPI 1.0b errata) holding only LEGACY_DEVICES; the 8042 bit
 * was defined from revision 3 (ACPI 2.0), as ACPICA's actbl.h records. */
#define ACPI_IAPC_LEGACY_DEVICES (1u << 0)
#define ACPI_IAPC_8042           (1u << 1)
#define ACPI_IAPC_NO_VGA         (1u << 2)
#define ACPI_IAPC_NO_MSI         (1u << 3)
#define ACPI_IAPC_NO_ASPM        (1u << 4)
#define ACPI_IAPC_NO_CMOS_RTC    (1u << 5)

/* Multiple APIC Description Table, ACPI 6.5 section 5.2.12: a header, then
 * variable-length interrupt controller structures, each starting with
 * (type, length). */
struct acpi_madt {
	struct acpi_sdt_header hdr;
	uint32_t lapic_address; /* 32-bit local APIC base for every CPU */
	uint32_t flags;         /* ACPI_MADT_PCAT_COMPAT */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT layout");
#define ACPI_MADT_PCAT_COMPAT (1u << 0) /* dual 8259s present: mask them */

struct acpi_madt_entry {
	uint8_t type;
	uint8_t length;
} __attribute__((packed));

#define ACPI_MADT_LAPIC          0  /* 5.2.12.2 */
#define ACPI_MADT_IOAPIC         1  /* 5.2.12.3 */
#define ACPI_MADT_ISO            2  /* 5.2.12.5 interrupt source override */
#define ACPI_MADT_LAPIC_NMI      4  /* 5.2.12.7 */
#define ACPI_MADT_LAPIC_OVERRIDE 5  /* 5.2.12.8 */
#define ACPI_MADT_X2APIC         9  /* 5.2.12.12 */
#define ACPI_MADT_X2APIC_NMI     10 /* 5.2.12.13 */

struct acpi_madt_lapic {
	struct acpi_madt_entry h; /* length 8 */
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags; /* ACPI_LAPIC_* */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC layout");

/* Local APIC flags, ACPI 6.5 table 5.23. Online Capable is defined from MADT
 * revision 5 (ACPI 6.3); earlier the bit was reserved. */
#define ACPI_LAPIC_ENABLED        (1u << 0)
#define ACPI_LAPIC_ONLINE_CAPABLE (1u << 1)

struct acpi_madt_ioapic {
	struct acpi_madt_entry h; /* length 12 */
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT I/O APIC layout");

struct acpi_madt_iso {
	struct acpi_madt_entry h; /* length 10 */
	uint8_t bus;              /* 0: ISA */
	uint8_t source;           /* bus-relative IRQ */
	uint32_t gsi;
	uint16_t flags; /* MPS INTI flags */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT ISO layout");

struct acpi_madt_lapic_nmi {
	struct acpi_madt_entry h; /* length 6 */
	uint8_t processor_uid;    /* 0xff: all processors */
	uint16_t flags;           /* MPS INTI flags */
	uint8_t lint;             /* LINT0 or LINT1 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT LAPIC NMI layout");

struct acpi_madt_lapic_override {
	struct acpi_madt_entry h; /* length 12 */
	uint16_t reserved;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_override) == 12, "MADT LAPIC override layout");

struct acpi_madt_x2apic {
	struct acpi_madt_entry h; /* length 16 */
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags; /* ACPI_LAPIC_* */
	uint32_t processor_uid;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT x2APIC layout");

struct acpi_madt_x2apic_nmi {
	struct acpi_madt_entry h; /* length 12 */
	uint16_t flags;           /* MPS INTI flags */
	uint32_t processor_uid;   /* 0xffffffff: all processors */
	uint8_t lint;
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_x2apic_nmi) == 12, "MADT x2APIC NMI layout");

/* MPS INTI flags, ACPI 6.5 table 5.26: two 2-bit fields. The decoded enums
 * below keep the raw values, so (flags & 3) is an enum acpi_polarity. */
#define ACPI_INTI_POLARITY_MASK 0x3u
#define ACPI_INTI_TRIGGER_SHIFT 2
#define ACPI_INTI_TRIGGER_MASK  0xcu

/* HPET Description Table, IA-PC HPET specification 1.0a section 3.2.4. */
struct acpi_hpet {
	struct acpi_sdt_header hdr;
	uint32_t event_timer_block_id; /* mirrors the GCAP_ID low 32 bits */
	struct acpi_gas base;          /* must be system memory */
	uint8_t hpet_number;
	uint16_t min_tick; /* minimum periodic tick, main counter units */
	uint8_t page_protection;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET layout");
_Static_assert(offsetof(struct acpi_hpet, base) == 40, "HPET layout");
_Static_assert(offsetof(struct acpi_hpet, hpet_number) == 52, "HPET layout");

/* ---- Discovery ------------------------------------------------------- */

/* Returns a pointer to `len` readable bytes at physical `phys`, or NULL if
 * that range is not accessible. Called for small ranges first (a header),
 * then for whole tables; never with len 0 or a range that wraps past 2^64.
 * A pointer returned must stay valid as long as the struct acpi that asked
 * for it is used (the direct map in the kernel). */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, uint64_t len);

enum acpi_error {
	ACPI_OK = 0,
	ACPI_ERR_NO_RSDP = -1,  /* rsdp_phys is 0 */
	ACPI_ERR_UNMAPPED = -2, /* the map function refused a range */
	ACPI_ERR_RSDP_SIGNATURE = -3,
	ACPI_ERR_RSDP_CHECKSUM = -4,
	ACPI_ERR_RSDP_LENGTH = -5, /* revision >= 2 with length < 36 or absurd */
	ACPI_ERR_RSDP_EXT_CHECKSUM = -6,
	ACPI_ERR_ROOT_SIGNATURE = -7, /* RSDT/XSDT signature */
	ACPI_ERR_ROOT_LENGTH = -8,    /* < header or not header + n entries */
	ACPI_ERR_ROOT_CHECKSUM = -9,
	ACPI_ERR_NOT_FOUND = -10,      /* no valid table with that signature */
	ACPI_ERR_TABLE_SHORT = -11,    /* shorter than its fixed fields */
	ACPI_ERR_ENTRY_ZERO = -12,     /* MADT entry of length 0 */
	ACPI_ERR_ENTRY_PAST_END = -13, /* MADT entry runs past the table */
	ACPI_ERR_ENTRY_SHORT = -14,    /* MADT entry shorter than its type needs (or 1) */
	ACPI_ERR_HPET_SPACE = -15,     /* HPET base not in system memory */
	ACPI_ERR_NO_ROOT = -16,        /* RSDP gives neither RSDT nor XSDT address */
};

#define ACPI_MAX_TABLES    64
#define ACPI_MAX_TABLE_LEN (16u << 20) /* larger lengths are corruption */
#define ACPI_REASON_LEN    72

/* One table the root table (or the FADT, for the DSDT) points at. Text fields
 * are NUL-terminated copies, non-printable bytes replaced by '?'. */
struct acpi_table {
	uint64_t phys;
	const struct acpi_sdt_header *hdr; /* valid tables only, else NULL */
	uint32_t length;                   /* 0 if the header was unreadable */
	uint8_t revision;
	bool valid;
	char signature[5];
	char oem_id[7];
	char oem_table_id[9];
	char reason[ACPI_REASON_LEN]; /* broken tables: why, "" if valid */
};

/* Everything acpi_init found. About 7 KiB: make it static, not a local. */
struct acpi {
	acpi_map_fn map;
	void *ctx;
	uint64_t rsdp_phys;
	uint8_t rsdp_revision;
	char rsdp_oem_id[7];
	bool xsdt; /* root is the XSDT (else the RSDT) */
	uint64_t root_phys;
	uint32_t root_entries; /* entries in the root table */
	uint32_t dropped;      /* entries beyond ACPI_MAX_TABLES */
	/* Why acpi_init failed, or why it fell back from a broken XSDT to the
	 * RSDT (then it returned ACPI_OK). "" otherwise. */
	char problem[ACPI_REASON_LEN];
	uint32_t count; /* entries in tables[] */
	struct acpi_table tables[ACPI_MAX_TABLES];
};

/*
 * Validate the RSDP at rsdp_phys and the root table it names, then check
 * every table the root lists (plus the DSDT the FADT names). Returns ACPI_OK
 * even if some tables are broken (they are in a->tables with valid == false);
 * a negative enum acpi_error if the RSDP or root table is unusable, with
 * a->problem saying where. *a is always left consistent (count 0 on error).
 */
int acpi_init(struct acpi *a, uint64_t rsdp_phys, acpi_map_fn map, void *ctx);

/* The index-th (from 0) valid table with signature sig, or NULL. The MADT's
 * signature is "APIC" and the FADT's "FACP" (ACPI 6.5 table 5.5). */
const struct acpi_sdt_header *acpi_find(const struct acpi *a, const char sig[4], unsigned index);

/* A short English description of an enum acpi_error, for log messages. */
const char *acpi_strerror(int err);

/* ---- MADT ------------------------------------------------------------ */

#define ACPI_MAX_CPUS     64
#define ACPI_MAX_IOAPICS  8
#define ACPI_MAX_ISOS     16
#define ACPI_MAX_NMIS     16
#define ACPI_NMI_ALL_CPUS 0xffffffffu

enum acpi_polarity {
	ACPI_POLARITY_CONFORMING = 0, /* bus default: ISA is active high */
	ACPI_POLARITY_HIGH = 1,
	ACPI_POLARITY_RESERVED = 2,
	ACPI_POLARITY_LOW = 3,
};
enum acpi_trigger {
	ACPI_TRIGGER_CONFORMING = 0, /* bus default: ISA is edge */
	ACPI_TRIGGER_EDGE = 1,
	ACPI_TRIGGER_RESERVED = 2,
	ACPI_TRIGGER_LEVEL = 3,
};

struct acpi_cpu {
	uint32_t uid;        /* ACPI processor UID */
	uint32_t apic_id;    /* (x2)APIC ID */
	bool enabled;        /* usable now */
	bool online_capable; /* may be enabled later (MADT rev >= 5 only) */
	bool x2apic;         /* from a type 9 entry */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t address; /* physical MMIO base */
	uint32_t gsi_base;
};

struct acpi_iso {
	uint8_t bus;    /* 0: ISA */
	uint8_t source; /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags; /* raw MPS INTI flags */
	enum acpi_polarity polarity;
	enum acpi_trigger trigger;
};

struct acpi_nmi {
	uint32_t uid; /* processor UID, or ACPI_NMI_ALL_CPUS */
	uint8_t lint; /* 0 or 1 */
	enum acpi_polarity polarity;
	enum acpi_trigger trigger;
};

/* Each *_count is how many entries are stored (at most the array size) and
 * each *_seen how many the MADT had: seen > count means the array was full
 * and the rest were dropped, which the caller should report. */
struct acpi_madt_info {
	uint64_t lapic_address; /* after any type 5 override */
	bool lapic_overridden;
	bool pcat_compat; /* dual 8259s present */
	uint8_t revision;
	uint32_t cpu_count, cpu_seen;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	uint32_t ioapic_count, ioapic_seen;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	uint32_t iso_count, iso_seen;
	struct acpi_iso isos[ACPI_MAX_ISOS];
	uint32_t nmi_count, nmi_seen;
	struct acpi_nmi nmis[ACPI_MAX_NMIS];
	uint32_t bad_offset; /* on an entry error: its offset in the table */
};

/*
 * Decode the first valid MADT. On an entry error (ACPI_ERR_ENTRY_*) the walk
 * stops; *out keeps what came before and bad_offset names the bad entry.
 * Unknown entry types are skipped by their length.
 */
int acpi_parse_madt(const struct acpi *a, struct acpi_madt_info *out);

/*
 * The GSI an ISA IRQ arrives on, and its polarity and trigger mode: the ISA
 * default (same number, active high, edge) unless a bus-0 override for that
 * IRQ says otherwise (ACPI 6.5 section 5.2.12.5). "Conforming" fields mean
 * the ISA default; the reserved encodings are taken as active low and level,
 * as Linux does (arch/x86/kernel/apic/io_apic.c). Note that the identity
 * mapping of IRQ 2 is meaningless when IRQ 0 is overridden to GSI 2.
 */
uint32_t acpi_isa_irq_to_gsi(const struct acpi_madt_info *m, uint8_t irq, bool *active_low,
                             bool *level);

/* ---- HPET ------------------------------------------------------------ */

struct acpi_hpet_info {
	uint64_t address;        /* physical MMIO base of the register block */
	uint32_t block_id;       /* raw event timer block ID */
	uint8_t hw_rev;          /* block_id bits 7:0 */
	uint8_t last_comparator; /* bits 12:8; QEMU puts timers - 1 here, as GCAP_ID */
	bool counter_64bit;      /* bit 13 */
	bool legacy_capable;     /* bit 15: legacy replacement routing */
	uint16_t pci_vendor_id;  /* bits 31:16 */
	uint8_t number;          /* HPET sequence number */
	uint16_t min_tick;
	uint8_t page_protection;
};

/* Decode the first valid HPET table; ACPI_ERR_HPET_SPACE (with *out filled,
 * address being whatever the GAS said) when the base is not system memory. */
int acpi_parse_hpet(const struct acpi *a, struct acpi_hpet_info *out);

/* ---- FADT ------------------------------------------------------------ */

struct acpi_fadt_info {
	uint8_t revision;
	uint32_t length;
	uint64_t dsdt;    /* X_DSDT if present and non-zero, else DSDT */
	uint64_t facs;    /* X_FIRMWARE_CTRL likewise, else FIRMWARE_CTRL */
	uint16_t sci_irq; /* SCI_INT: an ISA IRQ, map with acpi_isa_irq_to_gsi */
	uint32_t smi_cmd; /* I/O port, 0: no SMM handover needed */
	uint8_t acpi_enable, acpi_disable;
	/* PM1a/PM1b control blocks: the X_ GAS when present with a non-zero
	 * address (5.2.9: OSPM must then ignore the 32-bit field), else the
	 * 32-bit I/O port as an I/O-space GAS. Address 0: no such block. */
	struct acpi_gas pm1a_cnt;
	struct acpi_gas pm1b_cnt;
	uint32_t flags;  /* ACPI_FADT_* */
	bool hw_reduced; /* HW_REDUCED_ACPI: no PM1/legacy hardware */
	/* Reset: usable when reset_supported, which needs RESET_REG_SUP, a table
	 * long enough to hold the register, and one of the three address spaces
	 * 5.2.9 allows (memory, I/O, PCI config). */
	bool reset_supported;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint8_t century; /* CMOS RAM index of the century, 0 if none */
	/* IAPC_BOOT_ARCH, only when the revision defines it (>= 2) and the table
	 * holds it; otherwise boot_arch_valid is false and the field 0. has_8042
	 * is meaningful only from revision 3. A clear 8042 bit is weak evidence:
	 * plenty of firmware leaves it clear on machines that have a controller,
	 * which is why Linux still uses a PNP0303 device from the DSDT when one is
	 * there, and only skips blind probing. Treat "clear" as "probe carefully
	 * (with a timeout)", not as "absent". */
	bool boot_arch_valid;
	uint16_t iapc_boot_arch;
	bool has_8042;
	bool legacy_devices;
};

/* Decode the first valid FADT, zero-extending short revisions. */
int acpi_parse_fadt(const struct acpi *a, struct acpi_fadt_info *out);

/* ---- MCFG (PCI Express memory-mapped configuration space) ------------ */

/* MCFG, PCI Firmware Specification 3.2 section 4.1.2: a header, 8 reserved
 * bytes, then one allocation per ECAM range. */
struct acpi_mcfg {
	struct acpi_sdt_header hdr;
	uint64_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg) == 44, "MCFG layout");

struct acpi_mcfg_alloc {
	uint64_t base;       /* ECAM base: bus 0 of this segment, even if start_bus > 0 */
	uint16_t segment;
	uint8_t start_bus;
	uint8_t end_bus;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg_alloc) == 16, "MCFG allocation layout");

#define ACPI_MAX_MCFG 8

struct acpi_mcfg_info {
	uint32_t count, seen; /* stored, and present in the table */
	struct acpi_mcfg_alloc allocs[ACPI_MAX_MCFG];
	uint32_t rejected;    /* allocations with end_bus < start_bus or base 0 */
};

/* Decode the first valid MCFG (kernel/acpi/mcfg.c). ACPI_ERR_NOT_FOUND when
 * the firmware has none (a PC without PCI Express, or QEMU's i440fx). */
int acpi_parse_mcfg(const struct acpi *a, struct acpi_mcfg_info *out);
