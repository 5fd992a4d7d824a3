/*
 * The x87/SSE register state of user threads. The kernel itself is built
 * with -mgeneral-regs-only and never touches these registers, so only
 * threads that run user code own a save area, and the context switch saves
 * and restores it eagerly (no lazy #NM trapping, as Linux does today).
 *
 * The area is the 512-byte FXSAVE image (Intel SDM vol. 1, 10.5.1). CR4
 * stays without OSXSAVE, so CPUID tells user programs that AVX state is not
 * preserved and they keep to SSE (glibc and musl both check this).
 */
#pragma once

#include <stdint.h>

#define FPU_STATE_SIZE 512

struct fpu_state {
	uint8_t fxsave[FPU_STATE_SIZE];
} __attribute__((aligned(16)));
_Static_assert(sizeof(struct fpu_state) == 512, "FXSAVE image is 512 bytes");

/* This CPU: x87 and SSE on (CR0.MP, CR0.NE, CR4.OSFXSR, CR4.OSXMMEXCPT). */
void fpu_init_cpu(void);
/* The state a new process starts with: FCW 0x37f, MXCSR 0x1f80 (all
 * exceptions masked, round to nearest), every register zero. */
void fpu_state_init(struct fpu_state *s);

/* Out of line, so that these are the only kernel functions whose code
 * touches the registers (build.kernel-no-simd allows fpu_* to). */
void fpu_save(struct fpu_state *s);
void fpu_restore(const struct fpu_state *s);
