/*
 * The kernel's view of the boot-info structure the loader handed over
 * (include/boot/bootinfo.h): validated once at entry, then read through
 * these accessors. Also the command line, which selects test modes.
 */
#pragma once

#include <boot/bootinfo.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/phys.h" /* phys_to_virt, for the boot info's addresses */

/* Checks magic, version and size; panics (over serial) if they are wrong. */
void boot_init(struct bootinfo *bi, uint64_t tsc_kernel_entry);

const struct bootinfo *boot_info(void);
uint64_t boot_tsc_kernel_entry(void);


const char *boot_cmdline(void);
/* Value of "key=value" on the command line (not NUL-terminated; *len set),
 * or NULL when absent. */
const char *boot_cmdline_get(const char *key, size_t *len);
/* True when the command line has key=value with exactly this value. */
bool boot_cmdline_is(const char *key, const char *value);
/* The decimal value of key=N, within [1, max]; dflt when absent; a bad or
 * out-of-range value is reported and gives dflt. */
uint32_t boot_cmdline_uint(const char *key, uint32_t dflt, uint32_t max);
/* True when the command line selects a self-test ("test=..."). */
bool boot_test_mode(void);

/* The i-th memory-map descriptor, walking by the firmware's descriptor size. */
size_t boot_mmap_count(void);
const struct bootinfo_mmap_desc *boot_mmap_entry(size_t i);
/* Whether a memory type is RAM the kernel may use once it owns memory. */
bool boot_mem_type_usable(uint32_t type);
const char *boot_mem_type_name(uint32_t type);
