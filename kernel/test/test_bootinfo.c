/*
 * test=bootinfo: checks the boot info the loader handed over, the way a
 * suspicious kernel would: the memory map is non-empty and well formed, the
 * loader's own allocations are in its ranges table and in loader-data
 * descriptors of the map, the framebuffer
 * geometry is consistent, the RSDP has its signature and checksum, and the
 * command line is NUL-terminated at its length. Prints "bootinfo: ok" only if
 * every check passed, plus "bootinfo: ram above 4 GiB" when the map has RAM
 * there (the -m 4G test expects it).
 */
#include "acpi/boot.h"
#include "boot/boot.h"
#include "core/kprintf.h"
#include "lib/string.h"
#include "test/ktest.h"

#define PAGE 4096ull
#define FOUR_GIB (4ull << 30)

static int failures;

static void check(bool ok, const char *what)
{
	if (!ok) {
		failures++;
		kprintf("bootinfo: FAILED: %s\n", what);
	}
}

/* Is [base, base+size) inside one descriptor of type `type`? */
static bool range_has_type(uint64_t base, uint64_t size, uint32_t type)
{
	for (size_t i = 0; i < boot_mmap_count(); i++) {
		const struct bootinfo_mmap_desc *d = boot_mmap_entry(i);
		if (d->type == type && base >= d->phys_start &&
		    base + size <= d->phys_start + d->num_pages * PAGE)
			return true;
	}
	return false;
}

/* Is [base, base+size) inside one of the loader's ranges of this kind? */
static bool in_range_of_kind(uint64_t base, uint64_t size, uint32_t kind)
{
	const struct bootinfo *bi = boot_info();
	for (uint32_t i = 0; i < bi->nranges; i++) {
		const struct bootinfo_range *r = &bi->ranges[i];
		if (r->kind == kind && base >= r->phys && base + size <= r->phys + r->size)
			return true;
	}
	return false;
}

/* Every range in loader data, and each kind the loader always makes present. */
static void check_ranges(const struct bootinfo *bi)
{
	check(bi->nranges >= 4 && bi->nranges <= BOOTINFO_MAX_RANGES, "number of loader ranges");
	for (uint32_t i = 0; i < bi->nranges && i < BOOTINFO_MAX_RANGES; i++) {
		const struct bootinfo_range *r = &bi->ranges[i];
		check(range_has_type(r->phys, r->size, BOOTINFO_EFI_LOADER_DATA),
		      "a loader range is not in a loader-data map entry");
		kprintf("bootinfo: loader range %u: %s, %llu KiB\n", i, boot_mem_type_name(r->kind),
		        (unsigned long long)(r->size >> 10));
	}
	check(in_range_of_kind(bi->kernel_phys_base, bi->kernel_phys_size, BOOTINFO_MEM_KERNEL),
	      "kernel image not in a 'kernel' range");
	check(in_range_of_kind(bi->mmap_phys, bi->mmap_size, BOOTINFO_MEM_BOOTINFO) &&
	          in_range_of_kind(virt_to_phys(bi), sizeof(*bi), BOOTINFO_MEM_BOOTINFO),
	      "boot info or memory map not in a 'boot info' range");
	check(in_range_of_kind(bi->page_tables_phys, PAGE, BOOTINFO_MEM_PAGE_TABLES),
	      "PML4 not in a 'page tables' range");
	if (bi->initrd_size)
		check(in_range_of_kind(bi->initrd_phys, bi->initrd_size, BOOTINFO_MEM_INITRD),
		      "initrd not in an 'initrd' range");
}

static void check_mmap(const struct bootinfo *bi)
{
	size_t n = boot_mmap_count();
	bool aligned = true, nonempty = true, no_overlap = true, high_ram = false;
	uint64_t usable = 0;

	check(n > 0, "memory map is empty");
	check(bi->mmap_size % bi->mmap_desc_size == 0, "map size not a multiple of descriptor size");
	for (size_t i = 0; i < n; i++) {
		const struct bootinfo_mmap_desc *a = boot_mmap_entry(i);
		uint64_t a_end = a->phys_start + a->num_pages * PAGE;
		aligned &= (a->phys_start % PAGE) == 0;
		nonempty &= a->num_pages > 0 && a_end > a->phys_start;
		if (boot_mem_type_usable(a->type)) {
			usable += a->num_pages * PAGE;
			high_ram |= a_end > FOUR_GIB;
		}
		/* Quadratic, but maps have about a hundred entries. */
		for (size_t j = i + 1; j < n; j++) {
			const struct bootinfo_mmap_desc *b = boot_mmap_entry(j);
			uint64_t b_end = b->phys_start + b->num_pages * PAGE;
			if (a->phys_start < b_end && b->phys_start < a_end) {
				no_overlap = false;
				kprintf("bootinfo: entries %zu and %zu overlap\n", i, j);
			}
		}
	}
	check(aligned, "a descriptor is not page aligned");
	check(nonempty, "a descriptor is empty or wraps");
	check(no_overlap, "descriptors overlap");
	check(usable >= (16ull << 20), "less than 16 MiB usable RAM");
	check_ranges(bi);
	check((bi->initrd_phys == 0) == (bi->initrd_size == 0), "initrd address and size disagree");
	if (bi->initrd_size) {
		check(bi->initrd_phys % PAGE == 0, "initrd not page aligned");
		kprintf("bootinfo: initrd of %llu bytes\n", (unsigned long long)bi->initrd_size);
	}
	kprintf("bootinfo: %zu map entries, %llu MiB usable\n", n,
	        (unsigned long long)(usable >> 20));
	if (high_ram)
		kprintf("bootinfo: ram above 4 GiB\n");
}

static void check_framebuffer(const struct bootinfo_framebuffer *fb)
{
	if (fb->format == BOOTINFO_FB_NONE) {
		kprintf("bootinfo: no framebuffer\n");
		return;
	}
	check(fb->width > 0 && fb->height > 0, "framebuffer has no pixels");
	check(fb->pitch >= fb->width, "framebuffer pitch below width");
	check(fb->size >= (uint64_t)fb->pitch * fb->height * 4,
	      "framebuffer smaller than pitch x height x 4");
	check(fb->red_mask && fb->green_mask && fb->blue_mask &&
	          !(fb->red_mask & fb->green_mask) && !(fb->green_mask & fb->blue_mask) &&
	          !(fb->red_mask & fb->blue_mask),
	      "framebuffer colour masks empty or overlapping");
	kprintf("bootinfo: framebuffer %ux%u pitch %u, size %llu = pitch x height x 4 %s\n",
	        fb->width, fb->height, fb->pitch, (unsigned long long)fb->size,
	        fb->size == (uint64_t)fb->pitch * fb->height * 4 ? "exactly" : "(rounded up)");
}

static void check_rsdp(const struct bootinfo *bi)
{
	check(bi->rsdp_phys != 0, "no RSDP");
	if (!bi->rsdp_phys)
		return;
	/* In ACPI memory, which may be outside the direct map. */
	const uint8_t *r = acpi_map(bi->rsdp_phys, 36);
	check(memcmp(r, "RSD PTR ", 8) == 0, "RSDP signature is not 'RSD PTR '");
	/* ACPI 6.5 5.2.5.3: the first 20 bytes sum to 0; revision 2+ has a
	 * length at offset 20 and an extended checksum over all of it. */
	uint8_t sum = 0;
	for (int i = 0; i < 20; i++)
		sum += r[i];
	check(sum == 0, "RSDP checksum");
	if (r[15] >= 2) {
		uint32_t len = r[20] | r[21] << 8 | r[22] << 16 | (uint32_t)r[23] << 24;
		sum = 0;
		for (uint32_t i = 0; i < len && i < 36; i++)
			sum += r[i];
		check(len >= 36 && sum == 0, "RSDP extended checksum");
	}
	kprintf("bootinfo: RSDP revision %u, OEM '%.6s'\n", r[15], (const char *)r + 9);
}

bool ktest_bootinfo(void)
{
	const struct bootinfo *bi = boot_info();

	failures = 0;
	check(bi->magic == BOOTINFO_MAGIC && bi->version == BOOTINFO_VERSION &&
	          bi->size == sizeof(*bi),
	      "header");
	check_mmap(bi);
	check_framebuffer(&bi->fb);
	check_rsdp(bi);
	const char *cl = phys_to_virt(bi->cmdline_phys);
	check(strlen(cl) == bi->cmdline_len, "command line length");
	check(bi->direct_map_offset == BOOTINFO_DIRECT_MAP_OFFSET, "direct map offset");
	check(bi->tsc_loader_entry < bi->tsc_kernel_loaded &&
	          bi->tsc_kernel_loaded < bi->tsc_before_exit &&
	          bi->tsc_before_exit < bi->tsc_after_exit &&
	          bi->tsc_after_exit <= bi->tsc_before_jump &&
	          bi->tsc_before_jump < boot_tsc_kernel_entry(),
	      "loader timestamps out of order");
	check(bi->exit_attempts >= 1, "exit attempts");
	if (failures == 0)
		kprintf("bootinfo: ok\n");
	return failures == 0;
}
