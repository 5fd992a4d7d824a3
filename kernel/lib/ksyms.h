/*
 * The kernel's own symbol table, for backtraces with function names. It is
 * generated at build time from a first link of the kernel (scripts/gen_ksyms.py)
 * and linked into the final image in a section placed after everything else,
 * so adding it moves no other symbol (tests/build checks that).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Name of the function containing addr and addr's offset in it, or NULL. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);
/* Address of a function by name, or 0. Linear: for tests and debugging. */
uint64_t ksyms_address(const char *name);
/* "function+0xoffset" (or "0x<address>" outside any function) into buf;
 * returns buf. */
char *ksyms_format(char *buf, size_t size, uint64_t addr);
