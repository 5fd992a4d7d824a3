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
#include <stdint.h>

#include "arch/x86_64/trapframe.h"

struct proc;

/* Arguments in kernel memory. */
struct exec_args {
	const char *const *argv;
	const char *const *envp;
};

#define EXEC_ARGS_MAX (128u << 10) /* bytes of argv + envp strings and pointers: E2BIG past it */
#define EXEC_DYN_BASE 0x555555554000ull /* where a static PIE is loaded */

#define EXEC_HEAD 4096            /* bytes read first: the "#!" line or the ELF headers */
#define EXEC_HEADERS_MAX (64u << 10) /* program headers further in: ENOEXEC */
#define EXEC_SCRIPT_LINE 256      /* a "#!" line, as Linux's BINPRM_BUF_SIZE */
#define EXEC_SCRIPT_DEPTH 4       /* scripts run by scripts... (ELOOP past it) */

struct file;

/* A program opened for execve: the open file and its first bytes, which
 * hold the "#!" line or the ELF and program headers. */
struct exec_file {
	struct file *file;
	uint64_t size;   /* of the whole file */
	uint8_t *head;   /* its first head_len bytes (kmalloc) */
	size_t head_len;
};

/* Open path (relative to the current process's working directory) and read
 * its head: 0, or -ENOENT, -EACCES (not a regular file, no execute bit),
 * -ENOMEM. exec_close releases what it holds. */
int exec_open(const char *path, struct exec_file *ef);
void exec_close(struct exec_file *ef);

/* execve's core: the program at path, or the interpreter its "#!" line
 * names (argv then: interpreter, [its argument,] path, argv[1...]). */
int exec_path(struct proc *p, const char *path, const struct exec_args *args,
              struct trap_frame *tf);

/* Replace p's program with the ELF program ef (its segments mapped from
 * the file) and point tf at its entry. On failure p is unchanged and the
 * result is -ENOEXEC (with a one-line message naming path and the
 * problem), -E2BIG, -ENOMEM, -EIO or -EFAULT. */
int exec_image(struct proc *p, const struct exec_file *ef, const char *path,
               const struct exec_args *args, struct trap_frame *tf);
