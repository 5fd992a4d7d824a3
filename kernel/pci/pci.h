/*
 * PCI: configuration space through ECAM (the MCFG's memory windows), the
 * devices found on bus 0 and behind every bridge, their BARs, and MSI.
 * Enumeration runs once at boot (pci_init) and keeps the bus numbers the
 * firmware assigned; drivers then look devices up by class.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define PCI_MAX_DEVICES 64

/* Configuration header registers, PCI Local Bus 3.0 section 6.1. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CLASS_REVISION 0x08     /* class 31:24, subclass 23:16, prog-if 15:8 */
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x19      /* type 1 (bridge) header */
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAP_LIST (1u << 4)
#define PCI_HEADER_MULTIFUNCTION 0x80
#define PCI_HEADER_TYPE_MASK 0x7f
#define PCI_HEADER_BRIDGE 1

#define PCI_CAP_MSI 0x05
#define PCI_CAP_MSIX 0x11

/* Class codes (PCI Code and ID Assignment 1.11). */
#define PCI_CLASS_SERIAL_USB 0x0c03
#define PCI_PROGIF_XHCI 0x30

struct pci_dev {
	uint16_t segment;
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if;
	uint8_t header_type;        /* without the multifunction bit */
	uint8_t irq_pin;            /* 1-4: INTA#-INTD#, 0 none */
	volatile uint8_t *cfg;      /* its 4 KiB of ECAM, mapped uncacheable */
	const char *driver;         /* who claimed it (pci_claim), NULL if nobody */
};

/* Find the MCFG, map the windows a bus at a time as the walk reaches them,
 * and list every function found in the boot log. Without an MCFG: a line
 * saying so, and no devices. */
void pci_init(void);

unsigned pci_count(void);
struct pci_dev *pci_get(unsigned i);
/* The index-th device (from 0) of a class/subclass/prog-if, NULL if none. */
struct pci_dev *pci_find_class(uint8_t class_code, uint8_t subclass, uint8_t prog_if,
                               unsigned index);
void pci_claim(struct pci_dev *d, const char *driver);
/* A one-word description of the class ("usb", "bridge", ...). */
const char *pci_class_name(const struct pci_dev *d);

uint32_t pci_read32(const struct pci_dev *d, uint16_t off);
uint16_t pci_read16(const struct pci_dev *d, uint16_t off);
uint8_t pci_read8(const struct pci_dev *d, uint16_t off);
void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v);
void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v);

/* Memory BAR n: its physical address and size (0 if it is unimplemented or
 * an I/O BAR). 64-bit BARs use BAR n and n + 1. Sizing writes the BAR, so
 * call it before the device decodes memory (pci_enable). */
uint64_t pci_bar_mem(struct pci_dev *d, unsigned n, uint64_t *size);
/* Turn on memory decoding and bus mastering (DMA). */
void pci_enable(struct pci_dev *d);
/* The offset of capability id, 0 if the device has none. */
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id);
/* The same with MSI-X (PCI Local Bus 3.0, 6.8.2): table entry 0 gets the
 * message and is unmasked, the others stay masked. False when the device
 * has no MSI-X capability or its table is not in a memory BAR. */
bool pci_enable_msix(struct pci_dev *d, uint64_t address, uint32_t data);
/* Program and enable single-vector MSI with this address and data, and turn
 * the pin interrupt off. False when the device has no MSI capability. */
bool pci_enable_msi(struct pci_dev *d, uint64_t address, uint32_t data);
