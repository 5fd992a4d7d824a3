/*
 * Physical addresses as pointers: all of RAM is mapped at
 * BOOTINFO_DIRECT_MAP_OFFSET (the direct map, built by the loader and again
 * by vmm.c with the same offset), so converting is one addition. Every
 * layer uses this; it depends only on the boot ABI's constant.
 */
#pragma once

#include <boot/bootinfo.h>
#include <stdint.h>

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)(pa + BOOTINFO_DIRECT_MAP_OFFSET);
}

static inline uint64_t virt_to_phys(const void *va)
{
	return (uint64_t)(uintptr_t)va - BOOTINFO_DIRECT_MAP_OFFSET;
}
