/*
 * The boot summary: what the loader found (framebuffer, memory, ACPI) and how
 * long each boot phase took, then the one stable line "kernel ready" that
 * scripts and tests wait for (docs/testing.md). Timings are TSC cycles, read
 * by the loader at its milestones and by _start; under QEMU's -icount they
 * count guest instructions (scripts/bench).
 *
 * Everything here is O(memory-map entries): the kernel must not touch all of
 * RAM at boot.
 */
#include "boot/summary.h"

#include "arch/x86_64/cpu.h"
#include "boot/boot.h"
#include "core/kprintf.h"

#define MIB (1024ull * 1024)
#define GIB (1024 * MIB)

static const char *fb_format_name(uint32_t f)
{
	switch (f) {
	case BOOTINFO_FB_RGBX: return "rgbx";
	case BOOTINFO_FB_BGRX: return "bgrx";
	case BOOTINFO_FB_BITMASK: return "bitmask";
	default: return "none";
	}
}

static void summary_memory(void)
{
	uint64_t usable = 0, highest = 0;
	size_t n = boot_mmap_count();

	for (size_t i = 0; i < n; i++) {
		const struct bootinfo_mmap_desc *d = boot_mmap_entry(i);
		uint64_t end = d->phys_start + d->num_pages * 4096;
		if (boot_mem_type_usable(d->type)) {
			usable += d->num_pages * 4096;
			if (end > highest)
				highest = end;
		}
	}
	kprintf("memory: %llu MiB usable, %zu map entries (descriptor size %llu), "
	        "RAM up to 0x%llx\n",
	        (unsigned long long)(usable / MIB), n,
	        (unsigned long long)boot_info()->mmap_desc_size, (unsigned long long)highest);
}

void boot_summary(void)
{
	const struct bootinfo *bi = boot_info();
	const struct bootinfo_framebuffer *fb = &bi->fb;

	kprintf("\033[1;36mKestrel\033[0m x86_64 kernel, booted by the Kestrel UEFI loader\n");
	if (fb->format == BOOTINFO_FB_NONE)
		kprintf("framebuffer: none (serial console only)\n");
	else
		kprintf("framebuffer: %ux%u, pitch %u pixels, format %s, at 0x%llx (%llu KiB)\n",
		        fb->width, fb->height, fb->pitch, fb_format_name(fb->format),
		        (unsigned long long)fb->base_phys, (unsigned long long)(fb->size / 1024));
	summary_memory();
	kprintf("acpi: RSDP at 0x%llx\n", (unsigned long long)bi->rsdp_phys);
	kprintf("kernel: %llu KiB at 0x%llx (virtual 0x%llx); loader's direct map of %llu GiB at 0x%llx\n",
	        (unsigned long long)(bi->kernel_phys_size / 1024),
	        (unsigned long long)bi->kernel_phys_base, (unsigned long long)bi->kernel_virt_base,
	        (unsigned long long)(bi->direct_map_size / GIB),
	        (unsigned long long)bi->direct_map_offset);
	if (bi->initrd_size)
		kprintf("initrd: %llu KiB at 0x%llx\n", (unsigned long long)(bi->initrd_size / 1024),
		        (unsigned long long)bi->initrd_phys);
	else
		kprintf("initrd: none\n");
	kprintf("command line: \"%s\"\n", boot_cmdline());
	boot_print_timing();
}

void boot_print_timing(void)
{
	const struct bootinfo *bi = boot_info();
	kprintf("boot timing (TSC cycles):\n"
	        "  loader   entry -> kernel loaded      %12llu\n"
	        "  loader   kernel loaded -> exit       %12llu\n"
	        "  firmware ExitBootServices            %12llu  (%u call%s)\n"
	        "  loader   exit -> kernel entry        %12llu\n"
	        "  kernel   entry -> summary            %12llu\n",
	        (unsigned long long)(bi->tsc_kernel_loaded - bi->tsc_loader_entry),
	        (unsigned long long)(bi->tsc_before_exit - bi->tsc_kernel_loaded),
	        (unsigned long long)(bi->tsc_after_exit - bi->tsc_before_exit),
	        bi->exit_attempts, bi->exit_attempts == 1 ? "" : "s",
	        (unsigned long long)(boot_tsc_kernel_entry() - bi->tsc_after_exit),
	        (unsigned long long)(cpu_rdtsc() - boot_tsc_kernel_entry()));
}

void boot_ready(void)
{
	uint64_t now = cpu_rdtsc();
	const struct bootinfo *bi = boot_info();

	kprintf("kernel ready\n");
	/* One machine-readable line for scripts/bench. */
	kprintf("boot-bench: loader_to_kernel=%llu exit_boot_services=%llu kernel_to_ready=%llu\n",
	        (unsigned long long)(boot_tsc_kernel_entry() - bi->tsc_loader_entry),
	        (unsigned long long)(bi->tsc_after_exit - bi->tsc_before_exit),
	        (unsigned long long)(now - boot_tsc_kernel_entry()));
}
