/*
 * Linux x86-64 system-call names by number (syscall_names.c).
 */
#pragma once

#define SYSCALL_NAMES 451

extern const char *const syscall_names[SYSCALL_NAMES];
