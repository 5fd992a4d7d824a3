/*
 * PCI enumeration over ECAM (pci.h). The MCFG (kernel/acpi/mcfg.c) gives
 * each segment's window; a function's configuration space is the 4 KiB at
 * window + (bus << 20 | dev << 15 | fn << 12) (PCI Express Base 4.0,
 * 7.2.2). Each bus's 1 MiB is mapped uncacheable (vmm_map_mmio) the first
 * time the walk reaches it, so a machine with three buses maps 3 MiB, not
 * the 256 MiB of a whole segment.
 *
 * The walk (PCI-to-PCI Bridge Architecture 1.2, chapter 3): bus 0 of each
 * segment, every device, function 0 and, if the header says multifunction,
 * functions 1-7; a vendor ID of 0xffff means nothing there. A type 1 header
 * is a bridge, and its secondary bus is walked next. The firmware's bus
 * numbers are used as they are (UEFI firmware assigns them all before it
 * starts us); a bus already walked, or outside the MCFG's range, is not
 * walked again, so a broken bridge cannot make the walk loop.
 *
 * Invariant: every struct pci_dev's cfg points into a mapped window, so
 * the accessors never fault. All of it runs at boot, before other threads;
 * afterwards the table is only read, and config accesses of different
 * drivers touch different devices.
 */
#include "pci/pci.h"

#include "acpi/boot.h"
#include "core/kprintf.h"
#include "mm/vmm.h"

#define PCI_MAX_BUSES 256
#define ECAM_BUS_SIZE (1u << 20)
#define ECAM_DEV_SHIFT 15
#define ECAM_FN_SHIFT 12
#define PCI_VENDOR_NONE 0xffff

static struct pci_dev devices[PCI_MAX_DEVICES];
static unsigned ndevices, dropped;

/* The window being walked. */
static const struct acpi_mcfg_alloc *win;
static volatile uint8_t *bus_map[PCI_MAX_BUSES];
static bool bus_seen[PCI_MAX_BUSES];

uint32_t pci_read32(const struct pci_dev *d, uint16_t off)
{
	return *(volatile uint32_t *)(d->cfg + (off & 0xffc));
}

uint16_t pci_read16(const struct pci_dev *d, uint16_t off)
{
	return *(volatile uint16_t *)(d->cfg + (off & 0xffe));
}

uint8_t pci_read8(const struct pci_dev *d, uint16_t off)
{
	return d->cfg[off & 0xfff];
}

void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v)
{
	*(volatile uint32_t *)(d->cfg + (off & 0xffc)) = v;
}

void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v)
{
	*(volatile uint16_t *)(d->cfg + (off & 0xffe)) = v;
}

static volatile uint8_t *function_cfg(uint8_t bus, uint8_t dev, uint8_t fn)
{
	if (bus_map[bus] == NULL) {
		uint64_t phys = win->base + (uint64_t)bus * ECAM_BUS_SIZE;
		bus_map[bus] = vmm_map_mmio(phys, ECAM_BUS_SIZE, "pci ecam");
	}
	return bus_map[bus] + ((uint32_t)dev << ECAM_DEV_SHIFT) + ((uint32_t)fn << ECAM_FN_SHIFT);
}

static void walk_bus(uint8_t bus);

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn, volatile uint8_t *cfg)
{
	struct pci_dev d = {
		.segment = win->segment, .bus = bus, .dev = dev, .fn = fn, .cfg = cfg,
	};
	d.vendor = pci_read16(&d, PCI_VENDOR_ID);
	d.device = pci_read16(&d, PCI_DEVICE_ID);
	uint32_t cr = pci_read32(&d, PCI_CLASS_REVISION);
	d.class_code = (uint8_t)(cr >> 24);
	d.subclass = (uint8_t)(cr >> 16);
	d.prog_if = (uint8_t)(cr >> 8);
	d.header_type = pci_read8(&d, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MASK;
	d.irq_pin = pci_read8(&d, PCI_INTERRUPT_PIN);
	if (ndevices < PCI_MAX_DEVICES)
		devices[ndevices++] = d;
	else
		dropped++;
	kprintf("pci: %04x:%02x:%02x.%u %04x:%04x class %02x%02x%02x %s\n", d.segment, bus, dev,
	        fn, d.vendor, d.device, d.class_code, d.subclass, d.prog_if, pci_class_name(&d));
	if (d.header_type == PCI_HEADER_BRIDGE) {
		uint8_t sec = pci_read8(&d, PCI_SECONDARY_BUS);
		if (sec > bus)
			walk_bus(sec);
	}
}

static void walk_bus(uint8_t bus)
{
	if (bus < win->start_bus || bus > win->end_bus || bus_seen[bus])
		return;
	bus_seen[bus] = true;
	for (uint8_t dev = 0; dev < 32; dev++) {
		volatile uint8_t *cfg = function_cfg(bus, dev, 0);
		if (*(volatile uint16_t *)cfg == PCI_VENDOR_NONE)
			continue;
		uint8_t fns = (cfg[PCI_HEADER_TYPE] & PCI_HEADER_MULTIFUNCTION) ? 8 : 1;
		for (uint8_t fn = 0; fn < fns; fn++) {
			volatile uint8_t *f = function_cfg(bus, dev, fn);
			if (*(volatile uint16_t *)f != PCI_VENDOR_NONE)
				add_function(bus, dev, fn, f);
		}
	}
}

void pci_init(void)
{
	static struct acpi_mcfg_info mcfg;
	const struct acpi *a = acpi_tables();

	if (a == NULL || acpi_parse_mcfg(a, &mcfg) != ACPI_OK || mcfg.count == 0) {
		kprintf("pci: no MCFG table: no PCI Express configuration space, no PCI devices\n");
		return;
	}
	for (uint32_t i = 0; i < mcfg.count; i++) {
		win = &mcfg.allocs[i];
		for (unsigned b = 0; b < PCI_MAX_BUSES; b++) {
			bus_map[b] = NULL;
			bus_seen[b] = false;
		}
		kprintf("pci: segment %u buses %u-%u, ECAM at 0x%llx\n", win->segment, win->start_bus,
		        win->end_bus, (unsigned long long)win->base);
		walk_bus(win->start_bus);
	}
	if (mcfg.rejected)
		kprintf("pci: %u MCFG allocations rejected (no bus in range, or base 0)\n",
		        mcfg.rejected);
	kprintf("pci: %u functions%s\n", ndevices, dropped ? " (table full: some not kept)" : "");
}

unsigned pci_count(void) { return ndevices; }

struct pci_dev *pci_get(unsigned i) { return i < ndevices ? &devices[i] : NULL; }

struct pci_dev *pci_find_class(uint8_t class_code, uint8_t subclass, uint8_t prog_if,
                               unsigned index)
{
	for (unsigned i = 0; i < ndevices; i++) {
		struct pci_dev *d = &devices[i];
		if (d->class_code == class_code && d->subclass == subclass && d->prog_if == prog_if &&
		    index-- == 0)
			return d;
	}
	return NULL;
}

void pci_claim(struct pci_dev *d, const char *driver) { d->driver = driver; }

const char *pci_class_name(const struct pci_dev *d)
{
	switch (d->class_code) {
	case 0x01: return "storage";
	case 0x02: return "network";
	case 0x03: return "display";
	case 0x04: return "multimedia";
	case 0x06:
		return d->subclass == 0x00 ? "host bridge" : d->subclass == 0x01 ? "isa bridge"
		       : d->subclass == 0x04 ? "pci bridge" : "bridge";
	case 0x0c:
		if (d->subclass == 0x03) {
			switch (d->prog_if) {
			case 0x00: return "usb (uhci)";
			case 0x10: return "usb (ohci)";
			case 0x20: return "usb (ehci)";
			case 0x30: return "usb (xhci)";
			default: return "usb";
			}
		}
		return d->subclass == 0x05 ? "smbus" : "serial bus";
	default: return "other";
	}
}

uint64_t pci_bar_mem(struct pci_dev *d, unsigned n, uint64_t *size)
{
	uint16_t off = (uint16_t)(PCI_BAR0 + 4 * n);
	uint32_t lo = pci_read32(d, off);

	*size = 0;
	if (n > 5 || (lo & 1))
		return 0;                       /* an I/O BAR */
	bool is64 = ((lo >> 1) & 3) == 2;
	uint64_t addr = lo & ~0xfull;
	uint64_t mask;
	/* Sizing (PCI Local Bus 3.0, 6.2.5.1): write all ones, read back which
	 * address bits stick, restore. */
	pci_write32(d, off, 0xffffffff);
	mask = pci_read32(d, off) & ~0xfull;
	pci_write32(d, off, lo);
	if (is64 && n < 5) {
		uint32_t hi = pci_read32(d, off + 4);
		addr |= (uint64_t)hi << 32;
		pci_write32(d, off + 4, 0xffffffff);
		mask |= (uint64_t)pci_read32(d, off + 4) << 32;
		pci_write32(d, off + 4, hi);
	} else {
		mask |= 0xffffffff00000000ull;
	}
	if ((mask & 0xffffffffull) == 0 && !is64)
		return 0;
	*size = ~mask + 1;
	return addr;
}

void pci_enable(struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id)
{
	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	uint8_t off = pci_read8(d, PCI_CAP_PTR) & 0xfc;
	/* At most 48 capabilities fit in the 192 bytes after the header: a
	 * bound, so a looping list ends. */
	for (int i = 0; off >= 0x40 && i < 48; i++) {
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1) & 0xfc;
	}
	return 0;
}

/* MSI capability (PCI Local Bus 3.0, 6.8.1). */
#define MSI_CTRL 2
#define MSI_CTRL_ENABLE (1u << 0)
#define MSI_CTRL_MME_MASK (7u << 4)     /* multiple message enable: 0 = one vector */
#define MSI_CTRL_64BIT (1u << 7)
#define MSI_ADDR_LO 4
#define MSI_ADDR_HI 8
#define MSI_DATA_32 8
#define MSI_DATA_64 12

bool pci_enable_msi(struct pci_dev *d, uint64_t address, uint32_t data)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_MSI);
	if (cap == 0)
		return false;
	uint16_t ctrl = pci_read16(d, cap + MSI_CTRL);
	pci_write32(d, cap + MSI_ADDR_LO, (uint32_t)address);
	if (ctrl & MSI_CTRL_64BIT) {
		pci_write32(d, cap + MSI_ADDR_HI, (uint32_t)(address >> 32));
		pci_write16(d, cap + MSI_DATA_64, (uint16_t)data);
	} else {
		pci_write16(d, cap + MSI_DATA_32, (uint16_t)data);
	}
	ctrl = (uint16_t)((ctrl & ~MSI_CTRL_MME_MASK) | MSI_CTRL_ENABLE);
	pci_write16(d, cap + MSI_CTRL, ctrl);
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_INTX_DISABLE);
	return true;
}

/* MSI-X capability and table (PCI Local Bus 3.0, 6.8.2). */
#define MSIX_CTRL 2
#define MSIX_CTRL_ENABLE (1u << 15)
#define MSIX_CTRL_MASK_ALL (1u << 14)
#define MSIX_TABLE 4                    /* BIR in bits 2:0, offset in the rest */
#define MSIX_ENTRY_SIZE 16
#define MSIX_VECTOR_MASKED 1u

bool pci_enable_msix(struct pci_dev *d, uint64_t address, uint32_t data)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_MSIX);
	if (cap == 0)
		return false;
	uint32_t table = pci_read32(d, cap + MSIX_TABLE);
	/* Only the BAR's address: sizing a BAR the device decodes would move
	 * it for a moment. */
	unsigned bir = table & 7;
	uint32_t lo = pci_read32(d, (uint16_t)(PCI_BAR0 + 4 * bir));
	if (bir > 5 || (lo & 1))
		return false;
	uint64_t bar = lo & ~0xfull;
	if (((lo >> 1) & 3) == 2 && bir < 5)
		bar |= (uint64_t)pci_read32(d, (uint16_t)(PCI_BAR0 + 4 * bir + 4)) << 32;
	uint16_t ctrl = pci_read16(d, cap + MSIX_CTRL);
	/* Function masked while entry 0 is written, then enabled. */
	pci_write16(d, cap + MSIX_CTRL, ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_MASK_ALL);
	volatile uint32_t *e = vmm_map_mmio(bar + (table & ~7u), MSIX_ENTRY_SIZE, "msi-x table");
	e[0] = (uint32_t)address;
	e[1] = (uint32_t)(address >> 32);
	e[2] = data;
	e[3] = 0;                               /* vector control: unmasked */
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_INTX_DISABLE);
	pci_write16(d, cap + MSIX_CTRL, (uint16_t)((ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASK_ALL));
	return true;
}
