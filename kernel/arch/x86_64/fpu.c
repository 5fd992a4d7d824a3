/*
 * Turning the floating-point units on, and saving user threads' registers
 * (see fpu.h). Firmware leaves the units in any state: U-Boot starts the
 * loader with CR4.OSFXSR clear, where any SSE instruction raises #UD.
 * Every CPU sets the same bits.
 */
#include "arch/x86_64/fpu.h"

#include "arch/x86_64/cpu.h"
#include "core/panic.h"
#include "lib/string.h"
#include "mm/heap.h"

#define CR0_MP (1ull << 1) /* WAIT/FWAIT honour TS */
#define CR0_EM (1ull << 2) /* no x87: every x87/SSE instruction faults */
#define CR0_TS (1ull << 3) /* task switched: lazy FPU switching (unused) */
#define CR0_NE (1ull << 5) /* x87 errors as #MF, not the legacy IRQ 13 */
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10) /* SIMD exceptions as #XM, not #UD */
#define CR4_OSXSAVE (1ull << 18)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_AVX (1u << 28)

#define FXSAVE_FCW 0 /* x87 control word */
#define MXCSR_DEFAULT 0x1f80u
#define MXCSR_VALID 0xffbfu /* bits a program may set (DAZ included) */

/* Decided by the first CPU, before any user thread exists. */
static uint64_t xfeatures; /* XCR0; 0: FXSAVE only */
static size_t state_size = FPU_LEGACY_SIZE;

static void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_init_cpu(void)
{
	cpu_write_cr0((cpu_read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	cpu_write_cr4(cpu_read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ volatile("fninit");
	uint32_t a, b, c, d;
	cpu_cpuid(1, 0, &a, &b, &c, &d);
	static bool decided;
	if (!decided) {
		decided = true;
		if (c & CPUID1_ECX_XSAVE) {
			/* CPUID.0xD.0: EDX:EAX the components XCR0 may hold. */
			uint32_t lo, size, max, hi;
			cpu_cpuid(0xd, 0, &lo, &size, &max, &hi);
			uint64_t supported = ((uint64_t)hi << 32) | lo;
			xfeatures = XFEATURE_X87 | XFEATURE_SSE;
			if ((c & CPUID1_ECX_AVX) && (supported & XFEATURE_YMM))
				xfeatures |= XFEATURE_YMM;
		}
	}
	if (!xfeatures)
		return;
	if (!(c & CPUID1_ECX_XSAVE))
		panic("fpu: this CPU has no XSAVE, the first one had");
	cpu_write_cr4(cpu_read_cr4() | CR4_OSXSAVE);
	xsetbv(0, xfeatures);
	/* CPUID.0xD.0:EBX: the area XSAVE writes for what XCR0 now holds. */
	uint32_t lo, size, max, hi;
	cpu_cpuid(0xd, 0, &lo, &size, &max, &hi);
	if (state_size == FPU_LEGACY_SIZE)
		state_size = size;
	else if (size != state_size)
		panic("fpu: XSAVE area of %u bytes on this CPU, %u on the first", size,
		      (unsigned)state_size);
}

size_t fpu_state_size(void) { return state_size; }
uint64_t fpu_xfeatures(void) { return xfeatures; }

struct fpu_state *fpu_state_alloc(void)
{
	/* Zeroed: XSAVE writes only XSTATE_BV of the header, and XRSTOR
	 * faults on anything but zero in the rest of it. */
	struct fpu_state *s = kmalloc_aligned(state_size, 64);
	if (s)
		memset(s, 0, state_size);
	return s;
}

void fpu_state_init(struct fpu_state *s)
{
	uint8_t *b = fpu_bytes(s);
	memset(b, 0, state_size);
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = MXCSR_DEFAULT;
	memcpy(&b[FXSAVE_FCW], &fcw, sizeof(fcw));
	memcpy(&b[FPU_MXCSR_OFFSET], &mxcsr, sizeof(mxcsr));
	/* XSAVE header all zero: XSTATE_BV 0 means every component is in
	 * its initial state, which XRSTOR loads (MXCSR comes from the
	 * image regardless). */
}

void fpu_state_copy(struct fpu_state *dst, const struct fpu_state *src)
{
	memcpy(dst, src, state_size);
}

bool fpu_state_sanitize(struct fpu_state *s, uint64_t allowed)
{
	uint8_t *b = fpu_bytes(s);
	uint32_t mxcsr;
	memcpy(&mxcsr, &b[FPU_MXCSR_OFFSET], 4);
	mxcsr &= MXCSR_VALID;
	memcpy(&b[FPU_MXCSR_OFFSET], &mxcsr, 4);
	if (!xfeatures)
		return true;
	/* XRSTOR raises #GP on a compacted header (XCOMP_BV bit 63), on
	 * XSTATE_BV bits outside XCR0, and on non-zero reserved bytes
	 * (SDM vol. 1, 13.8). */
	uint64_t hdr[FPU_XSAVE_HEADER_SIZE / 8];
	memcpy(hdr, &b[FPU_XSAVE_HEADER], sizeof(hdr));
	for (unsigned i = 1; i < FPU_XSAVE_HEADER_SIZE / 8; i++)
		if (hdr[i])
			return false;
	if (hdr[0] & ~xfeatures)
		return false;
	/* Components the frame did not carry: their initial state. */
	hdr[0] &= allowed;
	memcpy(&b[FPU_XSAVE_HEADER], &hdr[0], 8);
	return true;
}

void fpu_save(struct fpu_state *s)
{
	if (xfeatures)
		__asm__ volatile("xsave64 (%0)" : : "r"(s), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(s) : "memory");
}

void fpu_restore(const struct fpu_state *s)
{
	if (xfeatures)
		__asm__ volatile("xrstor64 (%0)" : : "r"(s), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(s) : "memory");
}
