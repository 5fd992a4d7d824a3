/*
 * The layout of the application-processor start-up page, shared by
 * smp_trampoline.S and smp.c. The page holds the real-mode code at offset 0
 * and its data at TRAMP_DATA; the three pages after it hold the start-up
 * page tables (PML4, PDPT, PD).
 */
#pragma once

#define TRAMP_DATA   0x800
#define TD_GDTR      0x00 /* limit (16) + base (32) of the start-up GDT */
#define TD_FAR32     0x08 /* far pointer (offset 32, selector 16) to the 32-bit code */
#define TD_FAR64     0x10 /* far pointer to the 64-bit code */
#define TD_CR3       0x18 /* physical address of the start-up PML4 (below 4 GiB) */
#define TD_EFER      0x20 /* EFER to load: LME and the boot CPU's NXE */
#define TD_STACK     0x28 /* the AP's first stack (top) */
#define TD_ENTRY     0x30 /* higher-half entry: smp_ap_entry64 */
#define TD_ARG       0x38 /* its argument: the struct cpu */
#define TD_KCR3      0x40 /* the kernel's own PML4 */
#define TD_STAGE     0x48 /* written by the AP: 1 real mode, 2 long mode */
#define TD_GDT       0x50 /* 4 descriptors: null, code32, data, code64 */

#define TRAMP_SEL_CODE32 0x08
#define TRAMP_SEL_DATA   0x10
#define TRAMP_SEL_CODE64 0x18

#define TRAMP_PAGES 4 /* code+data, PML4, PDPT, PD */
