/*
 * Validating and reading the boot info. The loader is a separate program
 * that may be older or newer than this kernel, so the header is checked before
 * any other field is trusted; a mismatch is reported on serial (the
 * framebuffer description itself is not trusted yet) and stops the boot.
 */
#include "boot/boot.h"

#include "core/kprintf.h"
#include "core/panic.h"
#include "mm/memmap.h"
#include "lib/string.h"

static struct bootinfo *bootinfo;
static uint64_t tsc_kernel_entry;
static bool test_mode;

void boot_init(struct bootinfo *bi, uint64_t tsc_entry)
{
	if (bi->magic != BOOTINFO_MAGIC)
		panic("boot info at %p: bad magic 0x%llx (expected 0x%llx): loader mismatch", bi,
		      (unsigned long long)bi->magic, BOOTINFO_MAGIC);
	/* The command line has been where it is since version 1, so a test run
	 * learns that it is one before the version check: a refused loader
	 * then ends the run with the failure code instead of a hang. */
	if (bi->size >= __builtin_offsetof(struct bootinfo, cmdline_len) + sizeof(bi->cmdline_len)) {
		bootinfo = bi;
		test_mode = boot_cmdline_get("test", &(size_t){0}) != NULL;
		panic_set_test_mode(test_mode);
	}
	/* A newer loader appends fields (version and size grow); an older one
	 * lacks fields this kernel reads (version 1: the initrd). */
	if (bi->version < BOOTINFO_VERSION || bi->size < sizeof(*bi))
		panic("boot info: version %u size %u, this kernel needs version %u size %zu or later "
		      "(an older loader: install the BOOTX64.EFI built with this kernel)",
		      bi->version, bi->size, BOOTINFO_VERSION, sizeof(*bi));
	if (bi->mmap_desc_size < sizeof(struct bootinfo_mmap_desc) || bi->mmap_desc_size % 8)
		panic("boot info: memory-map descriptor size %llu is invalid",
		      (unsigned long long)bi->mmap_desc_size);
	bootinfo = bi;
	tsc_kernel_entry = tsc_entry;
	test_mode = boot_cmdline_get("test", &(size_t){0}) != NULL;
	panic_set_test_mode(test_mode);
}

const struct bootinfo *boot_info(void) { return bootinfo; }
uint64_t boot_tsc_kernel_entry(void) { return tsc_kernel_entry; }
bool boot_test_mode(void) { return test_mode; }

const char *boot_cmdline(void)
{
	return bootinfo ? phys_to_virt(bootinfo->cmdline_phys) : "";
}

const char *boot_cmdline_get(const char *key, size_t *len)
{
	size_t klen = strlen(key);
	const char *p = boot_cmdline();

	while (*p) {
		while (*p == ' ')
			p++;
		const char *word = p;
		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - word) > klen && strncmp(word, key, klen) == 0 && word[klen] == '=') {
			*len = (size_t)(p - word) - klen - 1;
			return word + klen + 1;
		}
	}
	return NULL;
}

uint32_t boot_cmdline_uint(const char *key, uint32_t dflt, uint32_t max)
{
	size_t len;
	const char *v = boot_cmdline_get(key, &len);
	uint64_t n = 0;
	if (!v)
		return dflt;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9' || n > max) {
			n = 0;
			break;
		}
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	if (n == 0 || n > max) {
		kprintf("boot: %s=%.*s is not a number from 1 to %u; using %u\n", key, (int)len, v, max,
		        dflt);
		return dflt;
	}
	return (uint32_t)n;
}

bool boot_cmdline_is(const char *key, const char *value)
{
	size_t len;
	const char *v = boot_cmdline_get(key, &len);
	return v && len == strlen(value) && strncmp(v, value, len) == 0;
}

size_t boot_mmap_count(void)
{
	return bootinfo->mmap_size / bootinfo->mmap_desc_size;
}

const struct bootinfo_mmap_desc *boot_mmap_entry(size_t i)
{
	return (const struct bootinfo_mmap_desc *)((const char *)phys_to_virt(bootinfo->mmap_phys) +
	                                           i * bootinfo->mmap_desc_size);
}

/* One classification for the whole kernel: the sanitizer's (mm/memmap.c). */
bool boot_mem_type_usable(uint32_t type) { return memmap_classify(type) == MEMMAP_USABLE; }

const char *boot_mem_type_name(uint32_t type)
{
	static const char *const names[] = {
		"reserved", "loader code", "loader data", "boot code", "boot data",
		"runtime code", "runtime data", "conventional", "unusable", "ACPI reclaim",
		"ACPI NVS", "MMIO", "MMIO port", "PAL code", "persistent", "unaccepted",
	};
	switch (type) {
	case BOOTINFO_MEM_KERNEL: return "kernel";
	case BOOTINFO_MEM_BOOTINFO: return "boot info";
	case BOOTINFO_MEM_PAGE_TABLES: return "boot page tables";
	case BOOTINFO_MEM_STACK: return "boot stack";
	case BOOTINFO_MEM_INITRD: return "initrd";
	}
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}
