/*
 * ACPI table discovery and the MADT, HPET and FADT decoders (see acpi.h for
 * the invariants). Every length read from firmware is checked before it is
 * used to address anything: a table is first mapped for its 36-byte header
 * only, and mapped at its declared length only once that length is sane; the
 * decoders then work inside that length. Arithmetic is done in 32 or 64 bits
 * on values known not to wrap (table lengths are capped at ACPI_MAX_TABLE_LEN).
 *
 * Nothing here prints: problems go into caller-visible strings (struct acpi's
 * problem and each broken table's reason) so the kernel can log them and the
 * shell can list them, and so host tests can check them.
 */
#include "acpi/acpi.h"

#include <stdarg.h>

#include "lib/vsnprintf.h"
#ifdef KESTREL_HOST
#include <string.h>
#else
#include "lib/string.h"
#endif

/* Writes "<what> at 0x<phys>: <detail>" into buf (ACPI_REASON_LEN bytes,
 * truncated if need be) and returns err: the one-line failure path. */
static int report(char *buf, const char *what, uint64_t phys, int err, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
static int report(char *buf, const char *what, uint64_t phys, int err, const char *fmt, ...)
{
	va_list ap;
	int n = ksnprintf(buf, ACPI_REASON_LEN, "%s at 0x%llx: ", what, (unsigned long long)phys);

	if (n >= 0 && n < ACPI_REASON_LEN) {
		va_start(ap, fmt);
		kvsnprintf(buf + n, ACPI_REASON_LEN - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* ---- Helpers ----------------------------------------------------------- */

static bool printable(char c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* Copy n firmware characters as a NUL-terminated string, '?' for any byte a
 * terminal should not see. */
static void copy_text(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = printable(src[i]) ? src[i] : '?';
	dst[n] = '\0';
}

/* ACPI checksums (5.2.5.3, 5.2.6): all bytes, including the checksum field,
 * sum to 0 modulo 256. Returns the sum, so 0 means "good". */
static uint8_t checksum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum;
}

static const void *map_range(const struct acpi *a, uint64_t phys, uint64_t len)
{
	if (len == 0 || phys + len < phys) /* wraps past 2^64 */
		return NULL;
	return a->map(a->ctx, phys, len);
}

/* The FADT as if it had every field up to ACPI 6.0: the table's own bytes,
 * then zeroes. Fields appear in revision order (5.2.9), so zero is what an
 * older table means by "not present". */
static void fadt_local(const struct acpi_sdt_header *h, struct acpi_fadt *f)
{
	size_t n = h->length < sizeof(*f) ? h->length : sizeof(*f);

	memset(f, 0, sizeof(*f));
	memcpy(f, h, n);
}

/* True if a table of `length` bytes holds the field [off, off + size). */
static bool has_field(uint32_t length, size_t off, size_t size)
{
	return length >= off + size;
}

static uint64_t fadt_dsdt(const struct acpi_fadt *f)
{
	if (has_field(f->hdr.length, offsetof(struct acpi_fadt, x_dsdt), 8) && f->x_dsdt != 0)
		return f->x_dsdt;
	return f->dsdt;
}

/* ---- Discovery --------------------------------------------------------- */

/*
 * The checks every table gets (ACPI 6.5 section 5.2.6), given its header h
 * as mapped (NULL if that failed): signature (`expect`, or any printable
 * one), 36 <= length <= the cap and, for a root table, header + n whole
 * entries; whole table mapped; checksum. *full gets the table if it passed;
 * otherwise buf says why, naming the table `what`.
 */
static int check_sdt(const struct acpi *a, uint64_t phys, const struct acpi_sdt_header *h,
                     const char *expect, uint32_t entry_size, char *buf, const char *what,
                     const struct acpi_sdt_header **full)
{
	if (h == NULL)
		return report(buf, what, phys, ACPI_ERR_UNMAPPED, "header not in mapped memory");
	if (expect != NULL && memcmp(h->signature, expect, 4) != 0) {
		char sig[5];
		copy_text(sig, h->signature, 4);
		return report(buf, what, phys, ACPI_ERR_ROOT_SIGNATURE, "signature \"%s\"", sig);
	}
	for (int i = 0; i < 4; i++)
		if (!printable(h->signature[i]))
			return report(buf, what, phys, ACPI_ERR_ROOT_SIGNATURE,
			              "signature not printable");

	uint32_t len = h->length;
	if (len < sizeof(*h))
		return report(buf, what, phys, ACPI_ERR_ROOT_LENGTH, "length %u < 36", len);
	if (len > ACPI_MAX_TABLE_LEN)
		return report(buf, what, phys, ACPI_ERR_ROOT_LENGTH, "length 0x%x too large", len);
	if ((len - sizeof(*h)) % entry_size != 0)
		return report(buf, what, phys, ACPI_ERR_ROOT_LENGTH, "length %u is not 36 + %un",
		              len, entry_size);
	const struct acpi_sdt_header *all = map_range(a, phys, len);
	if (all == NULL)
		return report(buf, what, phys, ACPI_ERR_UNMAPPED,
		              "length %u runs past mapped memory", len);
	uint8_t sum = checksum(all, len);
	if (sum != 0)
		return report(buf, what, phys, ACPI_ERR_ROOT_CHECKSUM, "checksum 0x%x != 0", sum);
	*full = all;
	return ACPI_OK;
}

/* Check the table at phys and append it to a->tables, valid or broken. */
static void add_table(struct acpi *a, uint64_t phys)
{
	for (uint32_t i = 0; i < a->count; i++)
		if (a->tables[i].phys == phys)
			return; /* listed twice (the DSDT in the XSDT too, say) */
	if (a->count == ACPI_MAX_TABLES) {
		a->dropped++;
		return;
	}

	struct acpi_table *t = &a->tables[a->count++];
	const struct acpi_sdt_header *h = map_range(a, phys, sizeof(*h));
	const struct acpi_sdt_header *full = NULL;

	memset(t, 0, sizeof(*t));
	t->phys = phys;
	copy_text(t->signature, "????", 4);
	if (h != NULL) {
		copy_text(t->signature, h->signature, 4);
		copy_text(t->oem_id, h->oem_id, 6);
		copy_text(t->oem_table_id, h->oem_table_id, 8);
		t->length = h->length;
		t->revision = h->revision;
	}
	const char *what = h != NULL ? t->signature : "table";
	if (check_sdt(a, phys, h, NULL, 1, t->reason, what, &full) == ACPI_OK) {
		t->valid = true;
		t->hdr = full;
	}
}

/* Validate the RSDT or XSDT at phys (ACPI 6.5 sections 5.2.7, 5.2.8). */
static int check_root(struct acpi *a, uint64_t phys, bool xsdt, const struct acpi_sdt_header **out)
{
	const char *sig = xsdt ? "XSDT" : "RSDT";

	return check_sdt(a, phys, map_range(a, phys, sizeof(struct acpi_sdt_header)), sig,
	                 xsdt ? 8 : 4, a->problem, sig, out);
}

int acpi_init(struct acpi *a, uint64_t rsdp_phys, acpi_map_fn map, void *ctx)
{
	char *why = a->problem;
	uint8_t sum;

	memset(a, 0, sizeof(*a));
	a->map = map;
	a->ctx = ctx;
	a->rsdp_phys = rsdp_phys;
	if (rsdp_phys == 0) {
		ksnprintf(why, ACPI_REASON_LEN, "no RSDP from the firmware");
		return ACPI_ERR_NO_RSDP;
	}

	/* RSDP, ACPI 6.5 section 5.2.5.3: the ACPI 1.0 part first, since only
	 * its checksum tells whether the revision and length are real. */
	const struct acpi_rsdp *r = map_range(a, rsdp_phys, ACPI_RSDP_V1_SIZE);
	if (r == NULL)
		return report(why, "RSDP", rsdp_phys, ACPI_ERR_UNMAPPED, "not in mapped memory");
	if (memcmp(r->signature, "RSD PTR ", 8) != 0)
		return report(why, "RSDP", rsdp_phys, ACPI_ERR_RSDP_SIGNATURE,
		              "signature is not \"RSD PTR \"");
	if ((sum = checksum(r, ACPI_RSDP_V1_SIZE)) != 0)
		return report(why, "RSDP", rsdp_phys, ACPI_ERR_RSDP_CHECKSUM, "checksum 0x%x != 0",
		              sum);
	a->rsdp_revision = r->revision;
	copy_text(a->rsdp_oem_id, r->oem_id, 6);
	uint64_t rsdt_phys = r->rsdt_address;
	uint64_t xsdt_phys = 0;

	/* Revision 0 is ACPI 1.0; 2 and later have the 36-byte structure. */
	if (r->revision >= 2) {
		const struct acpi_rsdp *r2 = map_range(a, rsdp_phys, sizeof(*r2));
		if (r2 == NULL)
			return report(why, "RSDP", rsdp_phys, ACPI_ERR_UNMAPPED,
			              "revision 2 part not in mapped memory");
		uint32_t len = r2->length;
		if (len < sizeof(*r2) || len > 4096)
			return report(why, "RSDP", rsdp_phys, ACPI_ERR_RSDP_LENGTH,
			              "length %u is not 36..4096", len);
		const void *all = map_range(a, rsdp_phys, len);
		if (all == NULL)
			return report(why, "RSDP", rsdp_phys, ACPI_ERR_UNMAPPED,
			              "length %u runs past mapped memory", len);
		if ((sum = checksum(all, len)) != 0)
			return report(why, "RSDP", rsdp_phys, ACPI_ERR_RSDP_EXT_CHECKSUM,
			              "extended checksum 0x%x != 0", sum);
		xsdt_phys = r2->xsdt_address;
	}

	/* Prefer the XSDT (5.2.5.3: OSPM uses it when present). A broken XSDT
	 * next to a good RSDT is survivable: fall back and keep the complaint. */
	const struct acpi_sdt_header *root = NULL;
	int err = ACPI_ERR_NO_ROOT;
	if (xsdt_phys != 0) {
		err = check_root(a, xsdt_phys, true, &root);
		a->xsdt = err == ACPI_OK;
	}
	if (root == NULL && rsdt_phys != 0) {
		char xsdt_problem[ACPI_REASON_LEN];
		memcpy(xsdt_problem, a->problem, sizeof(xsdt_problem));
		err = check_root(a, rsdt_phys, false, &root);
		if (err == ACPI_OK && xsdt_phys != 0)
			ksnprintf(a->problem, sizeof(a->problem), "%s; using the RSDT",
			          xsdt_problem);
	}
	if (root == NULL && err == ACPI_ERR_NO_ROOT)
		return report(why, "RSDP", rsdp_phys, err, "names neither RSDT nor XSDT");
	if (root == NULL)
		return err;
	a->root_phys = a->xsdt ? xsdt_phys : rsdt_phys;

	uint32_t entry_size = a->xsdt ? 8 : 4;
	a->root_entries = (root->length - (uint32_t)sizeof(*root)) / entry_size;
	for (uint32_t i = 0; i < a->root_entries; i++) {
		uint64_t phys = a->xsdt ? ((const struct acpi_xsdt *)root)->entry[i]
		                        : ((const struct acpi_rsdt *)root)->entry[i];
		if (phys != 0) /* ACPICA skips null entries too */
			add_table(a, phys);
	}

	/* The DSDT is not listed in the root table; the FADT names it. */
	const struct acpi_sdt_header *fh = acpi_find(a, "FACP", 0);
	if (fh != NULL) {
		struct acpi_fadt f;
		fadt_local(fh, &f);
		if (fadt_dsdt(&f) != 0)
			add_table(a, fadt_dsdt(&f));
	}
	return ACPI_OK;
}

const struct acpi_sdt_header *acpi_find(const struct acpi *a, const char sig[4], unsigned index)
{
	for (uint32_t i = 0; i < a->count; i++) {
		const struct acpi_table *t = &a->tables[i];
		if (t->valid && memcmp(t->hdr->signature, sig, 4) == 0 && index-- == 0)
			return t->hdr;
	}
	return NULL;
}

static const char *const error_text[] = {
        [-ACPI_OK] = "success",
        [-ACPI_ERR_NO_RSDP] = "no RSDP address",
        [-ACPI_ERR_UNMAPPED] = "address outside mapped memory",
        [-ACPI_ERR_RSDP_SIGNATURE] = "bad RSDP signature",
        [-ACPI_ERR_RSDP_CHECKSUM] = "bad RSDP checksum",
        [-ACPI_ERR_RSDP_LENGTH] = "bad RSDP length",
        [-ACPI_ERR_RSDP_EXT_CHECKSUM] = "bad RSDP extended checksum",
        [-ACPI_ERR_ROOT_SIGNATURE] = "bad RSDT/XSDT signature",
        [-ACPI_ERR_ROOT_LENGTH] = "bad RSDT/XSDT length",
        [-ACPI_ERR_ROOT_CHECKSUM] = "bad RSDT/XSDT checksum",
        [-ACPI_ERR_NOT_FOUND] = "no valid table with that signature",
        [-ACPI_ERR_TABLE_SHORT] = "table too short for its fields",
        [-ACPI_ERR_ENTRY_ZERO] = "MADT entry with length 0",
        [-ACPI_ERR_ENTRY_PAST_END] = "MADT entry runs past the table",
        [-ACPI_ERR_ENTRY_SHORT] = "MADT entry too short for its type",
        [-ACPI_ERR_HPET_SPACE] = "HPET registers not in system memory",
        [-ACPI_ERR_NO_ROOT] = "RSDP names no root table",
};

const char *acpi_strerror(int err)
{
	int n = (int)(sizeof(error_text) / sizeof(error_text[0]));

	/* Compare before negating: -INT_MIN overflows. */
	if (err > 0 || err <= -n || error_text[-err] == NULL)
		return "unknown ACPI error";
	return error_text[-err];
}

/* ---- MADT -------------------------------------------------------------- */

/* The smallest length of each entry type this file decodes (ACPI 6.5
 * sections 5.2.12.2 to 5.2.12.13); longer entries are allowed, for later
 * revisions. Other types (0 here) need only their 2-byte header. */
static const uint8_t madt_min_length[] = {
        [ACPI_MADT_LAPIC] = sizeof(struct acpi_madt_lapic),
        [ACPI_MADT_IOAPIC] = sizeof(struct acpi_madt_ioapic),
        [ACPI_MADT_ISO] = sizeof(struct acpi_madt_iso),
        [ACPI_MADT_LAPIC_NMI] = sizeof(struct acpi_madt_lapic_nmi),
        [ACPI_MADT_LAPIC_OVERRIDE] = sizeof(struct acpi_madt_lapic_override),
        [ACPI_MADT_X2APIC] = sizeof(struct acpi_madt_x2apic),
        [ACPI_MADT_X2APIC_NMI] = sizeof(struct acpi_madt_x2apic_nmi),
};

static void add_cpu(struct acpi_madt_info *out, uint32_t uid, uint32_t apic_id, uint32_t flags,
                    bool x2apic)
{
	if (out->cpu_seen++ >= ACPI_MAX_CPUS)
		return; /* counted, not stored */
	struct acpi_cpu *c = &out->cpus[out->cpu_count++];
	c->uid = uid;
	c->apic_id = apic_id;
	c->enabled = flags & ACPI_LAPIC_ENABLED;
	/* Online Capable exists from MADT revision 5 (ACPI 6.3); before that
	 * bit 1 was reserved and may hold anything (Linux checks the same). */
	c->online_capable = out->revision >= 5 && (flags & ACPI_LAPIC_ONLINE_CAPABLE);
	c->x2apic = x2apic;
}

/* MPS INTI flags, ACPI 6.5 table 5.26. */
static void inti_decode(uint16_t flags, enum acpi_polarity *pol, enum acpi_trigger *trig)
{
	*pol = (enum acpi_polarity)(flags & ACPI_INTI_POLARITY_MASK);
	*trig = (enum acpi_trigger)((flags & ACPI_INTI_TRIGGER_MASK) >> ACPI_INTI_TRIGGER_SHIFT);
}

static void add_nmi(struct acpi_madt_info *out, uint32_t uid, uint16_t flags, uint8_t lint)
{
	if (out->nmi_seen++ >= ACPI_MAX_NMIS)
		return; /* counted, not stored */
	struct acpi_nmi *n = &out->nmis[out->nmi_count++];
	n->uid = uid;
	n->lint = lint;
	inti_decode(flags, &n->polarity, &n->trigger);
}

/* Decode one entry whose length has been checked against its type. */
static void madt_entry(struct acpi_madt_info *out, const struct acpi_madt_entry *e)
{
	const struct acpi_madt_lapic *lapic = (const void *)e;
	const struct acpi_madt_x2apic *x2apic = (const void *)e;
	const struct acpi_madt_ioapic *io = (const void *)e;
	const struct acpi_madt_iso *iso = (const void *)e;
	const struct acpi_madt_lapic_nmi *nmi = (const void *)e;
	const struct acpi_madt_x2apic_nmi *x2nmi = (const void *)e;
	const struct acpi_madt_lapic_override *ovr = (const void *)e;

	switch (e->type) {
	case ACPI_MADT_LAPIC:
		add_cpu(out, lapic->processor_uid, lapic->apic_id, lapic->flags, false);
		break;
	case ACPI_MADT_X2APIC:
		add_cpu(out, x2apic->processor_uid, x2apic->x2apic_id, x2apic->flags, true);
		break;
	case ACPI_MADT_IOAPIC:
		if (out->ioapic_seen++ < ACPI_MAX_IOAPICS) {
			struct acpi_ioapic *d = &out->ioapics[out->ioapic_count++];
			d->id = io->ioapic_id;
			d->address = io->address;
			d->gsi_base = io->gsi_base;
		}
		break;
	case ACPI_MADT_ISO:
		if (out->iso_seen++ < ACPI_MAX_ISOS) {
			struct acpi_iso *d = &out->isos[out->iso_count++];
			d->bus = iso->bus;
			d->source = iso->source;
			d->gsi = iso->gsi;
			d->flags = iso->flags;
			inti_decode(iso->flags, &d->polarity, &d->trigger);
		}
		break;
	case ACPI_MADT_LAPIC_NMI:
		add_nmi(out, nmi->processor_uid == 0xff ? ACPI_NMI_ALL_CPUS : nmi->processor_uid,
		        nmi->flags, nmi->lint);
		break;
	case ACPI_MADT_X2APIC_NMI:
		add_nmi(out, x2nmi->processor_uid, x2nmi->flags, x2nmi->lint);
		break;
	case ACPI_MADT_LAPIC_OVERRIDE:
		out->lapic_address = ovr->address;
		out->lapic_overridden = true;
		break;
	default:
		break; /* I/O SAPIC, GIC, ...: not ours */
	}
}

int acpi_parse_madt(const struct acpi *a, struct acpi_madt_info *out)
{
	memset(out, 0, sizeof(*out));
	const struct acpi_sdt_header *h = acpi_find(a, "APIC", 0);
	if (h == NULL)
		return ACPI_ERR_NOT_FOUND;
	if (h->length < sizeof(struct acpi_madt))
		return ACPI_ERR_TABLE_SHORT;

	const struct acpi_madt *madt = (const void *)h;
	out->lapic_address = madt->lapic_address;
	out->pcat_compat = madt->flags & ACPI_MADT_PCAT_COMPAT;
	out->revision = h->revision;

	/* Each step advances by an entry length of at least 2 that was checked
	 * to lie inside the table, so the walk ends and never leaves it. */
	const uint8_t *base = (const uint8_t *)h;
	uint32_t len = h->length;
	uint32_t off = sizeof(struct acpi_madt);
	while (off < len) {
		out->bad_offset = off;
		if (len - off < sizeof(struct acpi_madt_entry))
			return ACPI_ERR_ENTRY_PAST_END;
		const struct acpi_madt_entry *e = (const void *)(base + off);
		if (e->length == 0)
			return ACPI_ERR_ENTRY_ZERO;
		if (e->length > len - off)
			return ACPI_ERR_ENTRY_PAST_END;
		if (e->length < sizeof(struct acpi_madt_entry) ||
		    (e->type < sizeof(madt_min_length) && e->length < madt_min_length[e->type]))
			return ACPI_ERR_ENTRY_SHORT;
		madt_entry(out, e);
		off += e->length;
	}
	out->bad_offset = 0;
	return ACPI_OK;
}

uint32_t acpi_isa_irq_to_gsi(const struct acpi_madt_info *m, uint8_t irq, bool *active_low,
                             bool *level)
{
	uint32_t gsi = irq;
	enum acpi_polarity pol = ACPI_POLARITY_CONFORMING;
	enum acpi_trigger trig = ACPI_TRIGGER_CONFORMING;

	for (uint32_t i = 0; i < m->iso_count; i++) {
		const struct acpi_iso *s = &m->isos[i];
		if (s->bus == 0 && s->source == irq) {
			gsi = s->gsi;
			pol = s->polarity;
			trig = s->trigger;
			break;
		}
	}
	/* Conforming means the bus default, which for ISA is active high and
	 * edge triggered (ACPI 6.5 section 5.2.12.5). */
	if (active_low != NULL)
		*active_low = pol == ACPI_POLARITY_LOW || pol == ACPI_POLARITY_RESERVED;
	if (level != NULL)
		*level = trig == ACPI_TRIGGER_LEVEL || trig == ACPI_TRIGGER_RESERVED;
	return gsi;
}

/* ---- HPET -------------------------------------------------------------- */

int acpi_parse_hpet(const struct acpi *a, struct acpi_hpet_info *out)
{
	memset(out, 0, sizeof(*out));
	const struct acpi_sdt_header *h = acpi_find(a, "HPET", 0);
	if (h == NULL)
		return ACPI_ERR_NOT_FOUND;
	if (h->length < sizeof(struct acpi_hpet))
		return ACPI_ERR_TABLE_SHORT;

	/* Event Timer Block ID layout: IA-PC HPET 1.0a section 3.2.4, table 3. */
	const struct acpi_hpet *t = (const void *)h;
	uint32_t id = t->event_timer_block_id;
	out->address = t->base.address;
	out->block_id = id;
	out->hw_rev = (uint8_t)id;
	out->last_comparator = (uint8_t)((id >> 8) & 0x1f);
	out->counter_64bit = id & (1u << 13);
	out->legacy_capable = id & (1u << 15);
	out->pci_vendor_id = (uint16_t)(id >> 16);
	out->number = t->hpet_number;
	out->min_tick = t->min_tick;
	out->page_protection = t->page_protection;
	/* The register block is memory-mapped (HPET 1.0a section 2.2). */
	if (t->base.space_id != ACPI_GAS_MEMORY)
		return ACPI_ERR_HPET_SPACE;
	return ACPI_OK;
}

/* ---- FADT -------------------------------------------------------------- */

/* PM1x_CNT: the X_ GAS if the table has it and its address is non-zero,
 * else the 32-bit port as an I/O-space GAS (ACPI 6.5 section 5.2.9). */
static struct acpi_gas pm1_cnt(const struct acpi_fadt *f, size_t x_off, struct acpi_gas x,
                               uint32_t port)
{
	struct acpi_gas g;

	if (has_field(f->hdr.length, x_off, sizeof(struct acpi_gas)) && x.address != 0)
		return x;
	memset(&g, 0, sizeof(g));
	if (port != 0) {
		g.space_id = ACPI_GAS_IO;
		g.bit_width = (uint8_t)(f->pm1_cnt_len * 8);
		g.address = port;
	}
	return g;
}

int acpi_parse_fadt(const struct acpi *a, struct acpi_fadt_info *out)
{
	memset(out, 0, sizeof(*out));
	const struct acpi_sdt_header *h = acpi_find(a, "FACP", 0);
	if (h == NULL)
		return ACPI_ERR_NOT_FOUND;
	/* Every FADT since ACPI 1.0 has at least the fields up to FLAGS. */
	if (h->length < ACPI_FADT_V1_SIZE)
		return ACPI_ERR_TABLE_SHORT;

	struct acpi_fadt f;
	fadt_local(h, &f);
	uint32_t len = h->length;
	out->revision = h->revision;
	out->length = len;
	out->dsdt = fadt_dsdt(&f);
	out->facs = f.firmware_ctrl;
	if (has_field(len, offsetof(struct acpi_fadt, x_firmware_ctrl), 8) &&
	    f.x_firmware_ctrl != 0)
		out->facs = f.x_firmware_ctrl;
	out->sci_irq = f.sci_int;
	out->smi_cmd = f.smi_cmd;
	out->acpi_enable = f.acpi_enable;
	out->acpi_disable = f.acpi_disable;
	out->pm1a_cnt = pm1_cnt(&f, offsetof(struct acpi_fadt, x_pm1a_cnt_blk), f.x_pm1a_cnt_blk,
	                        f.pm1a_cnt_blk);
	out->pm1b_cnt = pm1_cnt(&f, offsetof(struct acpi_fadt, x_pm1b_cnt_blk), f.x_pm1b_cnt_blk,
	                        f.pm1b_cnt_blk);
	out->flags = f.flags;
	out->hw_reduced = f.flags & ACPI_FADT_HW_REDUCED;
	out->century = f.century;

	/* RESET_REG and RESET_VALUE (ACPI 2.0; 5.2.9 lists the three address
	 * spaces the register may be in). */
	if (has_field(len, offsetof(struct acpi_fadt, reset_value), 1)) {
		out->reset_reg = f.reset_reg;
		out->reset_value = f.reset_value;
		uint8_t space = f.reset_reg.space_id;
		out->reset_supported = (f.flags & ACPI_FADT_RESET_REG_SUP) &&
		                       f.reset_reg.address != 0 &&
		                       (space == ACPI_GAS_MEMORY || space == ACPI_GAS_IO ||
		                        space == ACPI_GAS_PCI_CFG);
	}

	/* IAPC_BOOT_ARCH: a reserved byte in revision 1 (ACPI 1.0), defined
	 * from revision 2 with LEGACY_DEVICES only; the 8042 bit from revision
	 * 3 (ACPICA actbl.h; Linux checks revision >= 3 before trusting it). */
	if (h->revision >= 2 && has_field(len, offsetof(struct acpi_fadt, iapc_boot_arch), 2)) {
		out->boot_arch_valid = true;
		out->iapc_boot_arch = f.iapc_boot_arch;
		out->legacy_devices = f.iapc_boot_arch & ACPI_IAPC_LEGACY_DEVICES;
		out->has_8042 = h->revision >= 3 && (f.iapc_boot_arch & ACPI_IAPC_8042);
	}
	return ACPI_OK;
}
