/*
 * Structures the system calls hand to programs, laid out exactly as
 * Linux's x86-64 ABI has them (the kernel's own definitions; the host test
 * tests/host/test_syscall_abi.c compares every field's offset with Linux's
 * headers, so a layout error cannot hide).
 */
#pragma once

#include <stdint.h>

/* struct stat as Linux x86-64 lays it out (asm/stat.h): 144 bytes. */
struct kernel_stat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	int64_t unused[3];
};
_Static_assert(sizeof(struct kernel_stat) == 144, "Linux x86-64 struct stat");

/* struct statx (linux/stat.h): 256 bytes. */
struct statx_ts {
	int64_t sec;
	uint32_t nsec;
	int32_t reserved;
};

struct kernel_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare2[14];
};
_Static_assert(sizeof(struct kernel_statx) == 256, "Linux struct statx");

struct sigcontext_user { /* asm/sigcontext.h, struct sigcontext (64-bit) */
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved[8];
};
_Static_assert(sizeof(struct sigcontext_user) == 256, "struct sigcontext");

struct ucontext_user { /* asm/ucontext.h */
	uint64_t flags, link;
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
	struct sigcontext_user mc;
	uint64_t sigmask;
};
_Static_assert(sizeof(struct ucontext_user) == 304, "struct ucontext");
_Static_assert(__builtin_offsetof(struct ucontext_user, mc) == 40, "uc_mcontext");

/* rseq(2)'s area and critical-section descriptor (linux/rseq.h), 32-byte
 * aligned; the first 32 bytes of the area are what every kernel fills. */
struct rseq_user {
	uint32_t cpu_id_start, cpu_id;
	uint64_t rseq_cs;  /* the thread's current critical section, or 0 */
	uint32_t flags;
	uint32_t node_id, mm_cid;
} __attribute__((aligned(32)));
_Static_assert(sizeof(struct rseq_user) == 32, "struct rseq");
struct rseq_cs_user {
	uint32_t version, flags;
	uint64_t start_ip, post_commit_offset, abort_ip;
} __attribute__((aligned(32)));
_Static_assert(sizeof(struct rseq_cs_user) == 32, "struct rseq_cs");
#define RSEQ_CPU_ID_UNINITIALIZED (-1)

#define ABI_UC_FP_XSTATE 0x1         /* uc_flags: the frame's FPU state is an XSAVE area */
#define ABI_UC_SIGCONTEXT_SS 0x2
#define ABI_UC_STRICT_RESTORE_SS 0x4
#define ABI_FP_XSTATE_MAGIC1 0x46505853u /* in fpx_sw_bytes.magic1 */
#define ABI_FP_XSTATE_MAGIC2 0x46505845u /* the 4 bytes after the XSAVE area */

/* Bytes 464..511 of the FXSAVE image in a signal frame (Linux's struct
 * _fpx_sw_bytes, asm/sigcontext.h), which the hardware leaves to software. */
struct fpx_sw_bytes {
	uint32_t magic1;        /* ABI_FP_XSTATE_MAGIC1 when an XSAVE area follows */
	uint32_t extended_size; /* the whole state with MAGIC2: xstate_size + 4 */
	uint64_t xfeatures;     /* the components in the frame */
	uint32_t xstate_size;   /* the XSAVE area, without MAGIC2 */
	uint32_t padding[7];
};
_Static_assert(sizeof(struct fpx_sw_bytes) == 48, "struct _fpx_sw_bytes");

struct siginfo_user {
	int32_t signo, err, code, pad;
	int32_t pid, uid, status, pad2;
	uint8_t rest[96];
};
_Static_assert(sizeof(struct siginfo_user) == 128, "siginfo_t");
