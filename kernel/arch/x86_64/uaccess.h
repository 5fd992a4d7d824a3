/*
 * Reading and writing user memory from the kernel. Every system call that
 * takes a pointer goes through these: the range is checked to lie below
 * USER_TOP (so a user cannot name kernel memory), and a page fault inside
 * the copy is first offered to the memory manager (demand paging, see
 * uaccess_set_fault_handler) and otherwise ends the copy early, so a bad
 * pointer becomes -EFAULT and never a kernel fault.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/trapframe.h"

#define UACCESS_EFAULT 14 /* Linux EFAULT */

/* Whether [addr, addr + n) lies in user space (no wrap-around). */
bool uaccess_ok(uint64_t addr, uint64_t n);

/* 0, or -EFAULT when any byte could not be reached. With interrupts off
 * (a spinlock held) a page that is not mapped yet is not faulted in: the
 * copy fails with -EFAULT, and the caller may retry without the lock. */
int copy_from_user(void *dst, uint64_t usrc, size_t n);
int copy_to_user(uint64_t udst, const void *src, size_t n);
int clear_user(uint64_t udst, size_t n);
/* A NUL-terminated string of at most max - 1 characters into dst (max
 * bytes): its length, -EFAULT, or -ENAMETOOLONG (36) when longer. */
int64_t strncpy_from_user(char *dst, uint64_t usrc, size_t max);

/* SMAP is on: the copies must open user access with stac/clac. */
void uaccess_init(bool smap);
/* The memory manager's page-fault resolver for user addresses: true when
 * the page is now mapped with the access the fault needed. Called with
 * interrupts on, from the faulting thread (it may sleep). */
void uaccess_set_fault_handler(bool (*fn)(uint64_t addr, uint64_t error_code));
bool uaccess_resolve(uint64_t addr, uint64_t error_code);
/* For the page-fault handler, a kernel-mode #PF: when tf->rip lies in a
 * user copy, resolve the fault or redirect the copy to its fixup, and
 * return true; false for any other kernel fault. */
bool uaccess_fault(struct trap_frame *tf, uint64_t addr);
