/*
 * Loading a program into a process (execve's second half): check the ELF
 * file, build a fresh address space with its segments, a heap and a stack
 * holding argv, envp and the auxiliary vector (System V ABI AMD64, 3.4.1),
 * then replace the process's address space and registers.
 *
 *   USER_STACK_TOP -> +-----------------------------+
 *                     | 16 random bytes (AT_RANDOM) |
 *                     | "x86_64" (AT_PLATFORM)      |
 *                     | path (AT_EXECFN)            |
 *                     | envp strings, argv strings  |
 *                     +-----------------------------+ (16-byte aligned)
 *                     | auxv: (type, value) pairs,  |
 *                     |       AT_NULL last          |
 *                     | envp[0..n-1], NULL          |
 *                     | argv[0..n-1], NULL          |
 *   rsp at entry   -> | argc                        |
 *                     +-----------------------------+
 */
#pragma once

#include <stddef.h>

#include "arch/x86_64/trapframe.h"

struct proc;

/* Arguments in kernel memory. */
struct exec_args {
	const char *const *argv;
	const char *const *envp;
};

#define EXEC_ARGS_MAX (128u << 10) /* bytes of argv + envp strings and pointers: E2BIG past it */
#define EXEC_DYN_BASE 0x555555554000ull /* where a static PIE is loaded */

/* The whole file at path, in kernel memory the caller frees with kfree:
 * 0, or -ENOENT/-EACCES/-ENOMEM... from the file system (which registers
 * itself with exec_set_file_reader; without one, -ENOENT). */
int exec_read_file(const char *path, void **data, size_t *size);
void exec_set_file_reader(int (*fn)(const char *path, void **data, size_t *size));

/* Replace p's program with the ELF image (the whole file, size bytes) and
 * point tf at its entry. On failure p is unchanged and the result is
 * -ENOEXEC (with a one-line message naming path and the problem), -E2BIG,
 * -ENOMEM or -EFAULT. */
int exec_image(struct proc *p, const void *image, size_t size, const char *path,
               const struct exec_args *args, struct trap_frame *tf);
