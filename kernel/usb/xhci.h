/*
 * The xHCI (USB 3) host controller driver: every xHCI controller PCI
 * enumeration found is taken from the firmware, reset and run by a kernel
 * thread of its own, which enumerates the devices on its ports and drives
 * USB keyboards (docs/usb.md).
 */
#pragma once

/* Start a thread for each xHCI controller (after pci_init, with the
 * scheduler running). Prints a line if there is none. */
void xhci_init(void);
/* The controllers and their devices, for the shell's `usb`. */
void xhci_report(void);
