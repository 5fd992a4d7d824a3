/*
 * Turning the floating-point units on (see fpu.h). Firmware leaves them in
 * any state: U-Boot starts the loader with CR4.OSFXSR clear, where any SSE
 * instruction raises #UD. Every CPU sets the same bits.
 */
#include "arch/x86_64/fpu.h"

#include "arch/x86_64/cpu.h"
#include "lib/string.h"

#define CR0_MP (1ull << 1) /* WAIT/FWAIT honour TS */
#define CR0_EM (1ull << 2) /* no x87: every x87/SSE instruction faults */
#define CR0_TS (1ull << 3) /* task switched: lazy FPU switching (unused) */
#define CR0_NE (1ull << 5) /* x87 errors as #MF, not the legacy IRQ 13 */
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10) /* SIMD exceptions as #XM, not #UD */

#define FXSAVE_FCW 0    /* x87 control word */
#define FXSAVE_MXCSR 24

void fpu_init_cpu(void)
{
	cpu_write_cr0((cpu_read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	cpu_write_cr4(cpu_read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ volatile("fninit");
}

void fpu_state_init(struct fpu_state *s)
{
	memset(s, 0, sizeof(*s));
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;
	memcpy(&s->fxsave[FXSAVE_FCW], &fcw, sizeof(fcw));
	memcpy(&s->fxsave[FXSAVE_MXCSR], &mxcsr, sizeof(mxcsr));
}

void fpu_save(struct fpu_state *s) { __asm__ volatile("fxsave64 %0" : "=m"(*s)); }
void fpu_restore(const struct fpu_state *s) { __asm__ volatile("fxrstor64 %0" : : "m"(*s)); }
