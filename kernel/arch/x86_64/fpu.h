/*
 * The x87/SSE/AVX register state of user threads. The kernel itself is
 * built with -mgeneral-regs-only and never touches these registers, so only
 * threads that run user code own a save area, and the context switch saves
 * and restores it eagerly (no lazy #NM trapping, as Linux does today).
 *
 * The save area's format depends on the CPU:
 *
 *   offset 0    512 bytes   the FXSAVE image: x87, MXCSR, XMM0-15
 *                           (Intel SDM vol. 1, 10.5.1); bytes 464-511 are
 *                           free for software (signal frames use them)
 *   offset 512   64 bytes   the XSAVE header: which components hold state
 *   offset 576  256 bytes   the upper halves of YMM0-15 (AVX)
 *
 * With XSAVE (CPUID.1:ECX bit 26) the kernel sets CR4.OSXSAVE and enables
 * x87, SSE and, where the CPU has it, AVX in XCR0, and saves with
 * XSAVE/XRSTOR in the standard (uncompacted) format: 832 bytes with AVX.
 * Without XSAVE only the FXSAVE image exists (512 bytes) and CPUID tells
 * programs that AVX state is not preserved, so they keep to SSE (glibc and
 * musl both check). Larger components (AVX-512, AMX) stay off: their state
 * would be another 2.5 KiB per thread and per signal frame.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FPU_LEGACY_SIZE 512      /* the FXSAVE image */
#define FPU_MXCSR_OFFSET 24
#define FPU_SW_BYTES_OFFSET 464  /* bytes 464..511 of the image: software's */
#define FPU_XSAVE_HEADER 512     /* XSTATE_BV, XCOMP_BV, 48 reserved bytes */
#define FPU_XSAVE_HEADER_SIZE 64

#define XFEATURE_X87 (1ull << 0)
#define XFEATURE_SSE (1ull << 1)
#define XFEATURE_YMM (1ull << 2)

/* fpu_state_size() bytes, 64-byte aligned (XSAVE needs it). */
struct fpu_state;

/* This CPU: x87 and SSE on (CR0.MP, CR0.NE, CR4.OSFXSR, CR4.OSXMMEXCPT),
 * and with XSAVE, CR4.OSXSAVE and XCR0. The first CPU to run it decides
 * the features; every other CPU sets the same, and panics if it cannot. */
void fpu_init_cpu(void);
/* The save area's size: 512, or XSAVE's size for the enabled features. */
size_t fpu_state_size(void);
/* XCR0 (the components XSAVE saves), or 0 without XSAVE. */
uint64_t fpu_xfeatures(void);

/* A zeroed save area from the heap (kfree releases it), NULL without
 * memory. */
struct fpu_state *fpu_state_alloc(void);
/* The state a new process starts with: FCW 0x37f, MXCSR 0x1f80 (all
 * exceptions masked, round to nearest), every register zero. */
void fpu_state_init(struct fpu_state *s);
void fpu_state_copy(struct fpu_state *dst, const struct fpu_state *src);
/* The area's bytes (fpu_state_size() of them), for signal frames. */
static inline uint8_t *fpu_bytes(struct fpu_state *s) { return (uint8_t *)s; }
/* An area read back from user memory (rt_sigreturn) made safe to load:
 * MXCSR's reserved bits cleared, and with XSAVE only components in XCR0
 * and `allowed`, the standard format, reserved header bytes zero. False if
 * the header is not valid (XRSTOR would fault on it). */
bool fpu_state_sanitize(struct fpu_state *s, uint64_t allowed);

/* Out of line, so that these are the only kernel functions whose code
 * touches the registers (build.kernel-no-simd allows fpu_* to). */
void fpu_save(struct fpu_state *s);
void fpu_restore(const struct fpu_state *s);
