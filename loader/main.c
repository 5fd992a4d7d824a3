/*
 * The Kestrel loader: a UEFI application (EFI/BOOT/BOOTX64.EFI) that loads the
 * kernel ELF from its own volume and jumps to it with a struct bootinfo.
 *
 * efi_main reads as the boot chain's table of contents; each step lives in its
 * own file and returns an EFI_STATUS, having printed what failed. Any failure
 * before ExitBootServices is shown on screen and serial; the loader frees what
 * it allocated, writes the boot log, waits (a key, or the configured timeout,
 * 10 s by default) and returns the status so the firmware tries the next boot
 * option. docs/boot.md walks through every step.
 *
 * gnu-efi's crt0 calls efi_main with the SysV convention after relocating the
 * image, so efi_main is deliberately not EFIAPI. Newer gnu-efi (Debian 13's)
 * has crt0 call _entry instead, which libefi defines; the loader does not
 * link libefi, so it defines _entry itself (below), with the same convention.
 */
#include "loader.h"
#include "cpu.h"

#define LDR_STACK_PAGES 4
#define LDR_MMAP_SLACK_DESCRIPTORS 32
#define SIZE_1G (1ull << 30)

/* True when the space-separated word `w` occurs in `s`. */
static int has_word(const char *s, const char *w)
{
	for (const char *p = s; *p;) {
		while (*p == ' ')
			p++;
		const char *a = p, *b = w;
		while (*a && *a != ' ' && *a == *b)
			a++, b++;
		if (*b == 0 && (*a == 0 || *a == ' '))
			return 1;
		while (*p && *p != ' ')
			p++;
	}
	return 0;
}

static struct ldr_config config;
static EFI_FILE_HANDLE boot_volume; /* where the boot log goes, once open */

/*
 * What the loader has allocated from pool. Its page allocations are in
 * ranges.c. On success it all becomes the kernel's (or is reclaimed with
 * the boot-services memory); when the boot fails, the loader returns it to
 * the firmware before handing control back, because the firmware does not
 * free an application's pages when it exits, and the next boot option
 * should find the machine as it was.
 */
static struct {
	void *kernel_file, *cmdline;
} owned;

/* Give back everything, then ask the firmware's memory map whether any
 * page the loader gave back is still allocated. */
static void release_all(void)
{
	if (owned.kernel_file)
		gBS->FreePool(owned.kernel_file);
	if (owned.cmdline)
		gBS->FreePool(owned.cmdline);
	owned.kernel_file = owned.cmdline = NULL;
	ldr_free_all_pages();
	UINT64 left;
	EFI_STATUS st = ldr_freed_pages_in_use(&left);
	if (EFI_ERROR(st))
		ldr_warn(L"cannot check that the loader's memory is freed (memory map: "
		         L"EFI status 0x%lx)", (UINT64)st);
	else if (left)
		ldr_warn(L"%lu pages the loader allocated are still allocated", left);
	else
		ldr_info(L"all memory the loader allocated for the kernel is freed");
}

/*
 * Where the loader's time goes, in TSC ticks of ldr_clock (which leaves out
 * the time spent printing and logging, counted as `messages`, and the
 * firmware's AllocatePages calls, counted as `page allocations`). The
 * loader's own work is the ELF checks and copy, the SHA-256, the boot info
 * and the page tables; the rest is the firmware's (file reads, GOP SetMode,
 * memory-map calls, allocations). scripts/bench prints these next to
 * ExitBootServices.
 */
static struct {
	UINT64 reads, load, hash, bootinfo, paging; /* own work: load, hash, bootinfo, paging */
	UINT64 gop, memmap;
} timing;
#define TIMED(field, call)                               \
	do {                                                 \
		UINT64 t_ = ldr_clock();                         \
		call;                                            \
		timing.field += ldr_clock() - t_;                \
	} while (0)

/* The optional configuration file; its warnings name the line. Without the
 * file every setting keeps its default. */
static EFI_STATUS read_config(EFI_FILE_HANDLE root)
{
	void *data;
	UINTN size;
	EFI_STATUS st;

	TIMED(reads, st = ldr_read_file(root, LDR_CONFIG_PATH, &data, &size));
	if (st == EFI_NOT_FOUND) {
		cfg_parse(&config, "", 0);
		return EFI_SUCCESS;
	}
	if (EFI_ERROR(st))
		return st;
	cfg_parse(&config, data, size);
	gBS->FreePool(data);
	ldr_set_verbose(config.verbose);
	for (unsigned i = 0; i < config.nwarnings; i++)
		ldr_warn(L"%s %a", LDR_CONFIG_PATH, config.warnings[i]);
	if (config.nwarnings_dropped)
		ldr_warn(L"%s: %u more lines with problems not listed", LDR_CONFIG_PATH,
		         config.nwarnings_dropped);
	ldr_set_error_timeout(config.timeout_s);
	return EFI_SUCCESS;
}

/* Read the optional command-line file; without it, the configuration's
 * cmdline, else "". */
static EFI_STATUS read_cmdline(EFI_FILE_HANDLE root, char **out, UINTN *len)
{
	void *data;
	UINTN size;
	EFI_STATUS st;

	TIMED(reads, st = ldr_read_file(root, LDR_CMDLINE_PATH, &data, &size));
	if (st == EFI_NOT_FOUND) {
		*out = config.cmdline; /* "" unless the configuration set one */
		UINTN n = 0;
		while (config.cmdline[n])
			n++;
		*len = n;
		return EFI_SUCCESS;
	}
	if (EFI_ERROR(st))
		return st;
	owned.cmdline = data;
	if (size > LDR_CMDLINE_MAX)
		return ldr_error(EFI_BAD_BUFFER_SIZE, L"command line %s: %lu bytes, at most %u allowed",
		                 LDR_CMDLINE_PATH, (UINT64)size, LDR_CMDLINE_MAX);
	/* One line of printable ASCII: line breaks and tabs become spaces, and
	 * trailing white space (the editor's final newline) is dropped. */
	char *s = data;
	for (UINTN i = 0; i < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\r' || c == '\t')
			s[i] = ' ';
		else if (c < 0x20 || c > 0x7e)
			return ldr_error(EFI_INVALID_PARAMETER,
			                 L"command line %s: byte 0x%x at offset %lu is not printable ASCII",
			                 LDR_CMDLINE_PATH, c, (UINT64)i);
	}
	while (size > 0 && s[size - 1] == ' ')
		size--;
	s[size] = 0;
	*out = s;
	*len = size;
	return EFI_SUCCESS;
}

/*
 * The boot info block was sized for the memory map before the screen mode,
 * the page tables, the reports and the boot log allocated more, and each
 * allocation can split a free range into new descriptors. Measure again now
 * that nothing else will allocate; if the map might not fit any more, move
 * the boot info (header and command line) to a larger block. Without this a
 * firmware with a busier memory map would fail the final GetMemoryMap, and
 * after ExitBootServices has been tried the only way out is to halt.
 */
static EFI_STATUS ensure_map_room(struct bootinfo **bi, EFI_PHYSICAL_ADDRESS *bi_phys,
                                  UINTN map_off, UINTN *map_cap)
{
	UINTN size, desc_size;
	UINT64 max_addr;
	EFI_STATUS st = ldr_memory_map_size(&size, &desc_size, &max_addr);

	if (EFI_ERROR(st))
		return st;
	/* A timer event may still split a range or two before the exit. */
	if (size + 8 * desc_size <= *map_cap)
		return EFI_SUCCESS;
	UINTN cap = size + LDR_MMAP_SLACK_DESCRIPTORS * desc_size;
	UINTN pages = LDR_PAGES(map_off + cap);
	EFI_PHYSICAL_ADDRESS phys;
	st = ldr_allocate_pages(BOOTINFO_MEM_BOOTINFO, pages,
	                        &phys);
	if (EFI_ERROR(st))
		return ldr_error(st, L"boot info: the memory map grew to %lu bytes; cannot allocate "
		                     L"%lu pages to hold it", (UINT64)size, (UINT64)pages);
	struct bootinfo *moved = (struct bootinfo *)(UINTN)phys;
	ldr_copy(moved, *bi, map_off);
	moved->cmdline_phys = phys + sizeof(*moved);
	ldr_free_pages(*bi_phys);
	ldr_info(L"boot info moved to 0x%lx: the memory map (%lu bytes) outgrew the %lu bytes "
	         L"set aside", phys, (UINT64)size, (UINT64)*map_cap);
	*bi = moved;
	*bi_phys = phys;
	*map_cap = cap;
	return EFI_SUCCESS;
}

/* The kernel's segments and entry, for the boot log. */
static void report_kernel(const struct ldr_kernel *k)
{
	for (UINT32 i = 0; i < k->img.nsegs; i++) {
		const struct elf_segment *g = &k->img.segs[i];
		ldr_detail(L"kernel segment %u: 0x%lx-0x%lx %c%c%c, %lu bytes from file offset 0x%lx",
		           i, g->vaddr, g->vaddr + g->memsz, g->flags & ELF_PF_R ? 'r' : '-',
		           g->flags & ELF_PF_W ? 'w' : '-', g->flags & ELF_PF_X ? 'x' : '-', g->filesz,
		           g->offset);
	}
	ldr_detail(L"kernel image: 0x%lx-0x%lx at physical 0x%lx, entry 0x%lx", k->img.virt_base,
	           k->img.virt_end, k->phys_base, k->img.entry);
}

/* The ranges the kernel will keep, for the boot log (the firmware's map
 * calls them all loader data). */
static void report_ranges(void)
{
	struct bootinfo_range r[BOOTINFO_MAX_RANGES];
	UINT32 n = ldr_ranges(r);
	for (UINT32 i = 0; i < n; i++)
		ldr_detail(L"kernel keeps %s: 0x%lx-0x%lx, %lu KiB", ldr_range_name(r[i].kind),
		           r[i].phys, r[i].phys + r[i].size, r[i].size >> 10);
}

/* Test hooks (tests/boot): hand over a ranges table the kernel must refuse,
 * one for each of its checks. */
static void break_ranges(struct bootinfo *bi, const char *cmdline)
{
	struct bootinfo_range *r = &bi->ranges[bi->nranges];
	if (bi->nranges == BOOTINFO_MAX_RANGES)
		return;
	if (has_word(cmdline, "loader.test=range-overlap"))
		*r = bi->ranges[0]; /* the kernel's range, twice */
	else if (has_word(cmdline, "loader.test=range-unaligned"))
		*r = (struct bootinfo_range){bi->ranges[0].phys + 0x800, LDR_PAGE_SIZE,
		                             BOOTINFO_MEM_STACK, 0};
	else if (has_word(cmdline, "loader.test=range-outside"))
		*r = (struct bootinfo_range){0xfee00000, LDR_PAGE_SIZE, BOOTINFO_MEM_STACK, 0};
	else
		return;
	bi->nranges++;
}

static void report_timing(UINT64 tsc_entry)
{
	UINT64 own = timing.load + timing.hash + timing.bootinfo + timing.paging;
	ldr_info(L"loader timing (TSC ticks): own work %lu = ELF checks and copy %lu + SHA-256 %lu "
	         L"+ boot info %lu + page tables %lu; firmware: file reads %lu, screen mode %lu, "
	         L"memory map %lu, page allocations %lu; messages and boot log %lu; total so far %lu",
	         own, timing.load, timing.hash, timing.bootinfo, timing.paging, timing.reads,
	         timing.gop, timing.memmap, ldr_alloc_ticks, ldr_log_ticks,
	         ldr_rdtsc() - tsc_entry);
}

static EFI_STATUS ldr_boot(EFI_HANDLE image, UINT64 tsc_entry)
{
	EFI_FILE_HANDLE root;
	struct ldr_kernel kernel;
	struct ldr_paging paging;
	char *cmdline;
	UINTN cmdline_len, kernel_size, map_size, desc_size;
	UINT64 max_addr;
	void *kernel_file;
	EFI_STATUS st;

	/* The one line the screen always gets (log.c says why the rest go to
	 * the boot log unless KESTREL.CFG asks for them). */
	ldr_notice(L"loader starting (log: %s)", LDR_BOOTLOG_PATH);
	ldr_report_firmware();
	ldr_report_cpu();
	ldr_sha256_setup();

	st = ldr_open_volume(image, &root);
	if (EFI_ERROR(st))
		return st;
	boot_volume = root;
	st = read_config(root);
	if (EFI_ERROR(st))
		return st;
	int secure = ldr_secure_boot_state();
	st = read_cmdline(root, &cmdline, &cmdline_len);
	if (EFI_ERROR(st))
		return st;
	ldr_detail(L"command line: \"%a\"", cmdline);
	CHAR16 kernel_path[CFG_PATH_MAX];
	if (config.kernel[0]) {
		for (unsigned i = 0; i < CFG_PATH_MAX; i++)
			if ((kernel_path[i] = (CHAR16)config.kernel[i]) == 0)
				break;
	} else {
		ldr_copy(kernel_path, LDR_KERNEL_PATH, sizeof(LDR_KERNEL_PATH));
	}
	TIMED(reads, st = ldr_read_file(root, kernel_path, &kernel_file, &kernel_size));
	if (st == EFI_NOT_FOUND)
		return ldr_error(st, L"read kernel: %s is missing from the boot volume", kernel_path);
	if (EFI_ERROR(st))
		return st;
	owned.kernel_file = kernel_file;
	/* The digest is checked on the loader's copy before any parsing, and
	 * that same copy is what gets parsed and loaded. */
	TIMED(hash, st = ldr_verify_kernel(kernel_file, kernel_size, kernel_path, secure));
	if (EFI_ERROR(st))
		return st;
	TIMED(load, st = ldr_load_kernel(kernel_file, kernel_size, &kernel, kernel_path));
	if (EFI_ERROR(st))
		return st;
	UINT64 tsc_loaded = ldr_rdtsc();
	ldr_info(L"kernel %s: %lu bytes, %u segments, entry 0x%lx, loaded at 0x%lx",
	         kernel_path, (UINT64)kernel_size, kernel.img.nsegs, kernel.img.entry,
	         kernel.phys_base);
	report_kernel(&kernel);

	/* The initramfs: KESTREL.CFG's path, none if it says "initrd =", or
	 * the default. */
	CHAR16 initrd_path[CFG_PATH_MAX];
	const CHAR16 *initrd_want = initrd_path;
	if (!config.has_initrd)
		ldr_copy(initrd_path, LDR_INITRD_PATH, sizeof(LDR_INITRD_PATH));
	else if (!config.initrd[0])
		initrd_want = NULL;
	else
		for (unsigned i = 0; i < CFG_PATH_MAX; i++)
			if ((initrd_path[i] = (CHAR16)config.initrd[i]) == 0)
				break;
	struct ldr_initrd initrd;
	TIMED(reads, st = ldr_load_initrd(root, initrd_want, &initrd));
	if (EFI_ERROR(st))
		return st;
	if (initrd.size)
		TIMED(hash, st = ldr_verify_initrd((const void *)(UINTN)initrd.phys, initrd.size,
		                                   initrd_path, secure));
	if (EFI_ERROR(st))
		return st;

	/* One allocation holds the boot info, the command line and the final
	 * memory map, so the kernel has a single range to keep. */
	TIMED(memmap, st = ldr_memory_map_size(&map_size, &desc_size, &max_addr));
	if (EFI_ERROR(st))
		return st;
	UINTN map_cap = map_size + LDR_MMAP_SLACK_DESCRIPTORS * desc_size;
	UINTN map_off = (sizeof(struct bootinfo) + cmdline_len + 1 + 15) & ~(UINTN)15;
	UINTN bi_pages = LDR_PAGES(map_off + map_cap);
	EFI_PHYSICAL_ADDRESS bi_phys;
	UINT64 t_bi = ldr_clock();
	st = ldr_allocate_pages(BOOTINFO_MEM_BOOTINFO, bi_pages,
	                        &bi_phys);
	if (EFI_ERROR(st))
		return ldr_error(st, L"boot info: cannot allocate %lu pages", (UINT64)bi_pages);
	struct bootinfo *bi = (struct bootinfo *)(UINTN)bi_phys;
	/* Only the structure and the command line need zeroes; the memory map
	 * part is written by GetMemoryMap. */
	ldr_zero(bi, map_off);
	bi->magic = BOOTINFO_MAGIC;
	bi->version = BOOTINFO_VERSION;
	bi->size = sizeof(*bi);
	bi->cmdline_phys = bi_phys + sizeof(*bi);
	bi->cmdline_len = cmdline_len;
	ldr_copy((void *)(UINTN)bi->cmdline_phys, cmdline, cmdline_len);
	bi->tsc_loader_entry = tsc_entry;
	bi->tsc_kernel_loaded = tsc_loaded;
	bi->kernel_phys_base = kernel.phys_base;
	bi->kernel_phys_size = kernel.phys_size;
	bi->kernel_virt_base = kernel.img.virt_base;
	bi->kernel_virt_size = kernel.img.virt_end - kernel.img.virt_base;
	bi->initrd_phys = initrd.phys;
	bi->initrd_size = initrd.size;
	timing.bootinfo += ldr_clock() - t_bi;

	TIMED(gop, ldr_get_framebuffer(&bi->fb, config.width, config.height,
	                               !secure && has_word(cmdline, "loader.test=fb-size-zero")));
	bi->rsdp_phys = ldr_find_rsdp();
	if (!bi->rsdp_phys)
		ldr_warn(L"no ACPI RSDP in the configuration table");
	ldr_report_acpi(bi->rsdp_phys);

	EFI_PHYSICAL_ADDRESS stack;
	st = ldr_allocate_pages(BOOTINFO_MEM_STACK, LDR_STACK_PAGES, &stack);
	if (EFI_ERROR(st))
		return ldr_error(st, L"hand-off stack: cannot allocate %u pages", LDR_STACK_PAGES);

	/* Map at least the 32-bit space (MMIO: LAPIC, I/O APIC, HPET, a low
	 * framebuffer), all RAM, and the framebuffer wherever it is. */
	UINT64 dm = 4 * SIZE_1G;
	if (max_addr > dm)
		dm = max_addr;
	if (bi->fb.base_phys + bi->fb.size > dm)
		dm = bi->fb.base_phys + bi->fb.size;
	dm = (dm + SIZE_1G - 1) & ~(SIZE_1G - 1);
	/* The kernel's fixed windows start 64 TiB above the direct map's base:
	 * a machine with memory up there gets its first 64 TiB mapped. */
	if (dm > BOOTINFO_DIRECT_MAP_MAX) {
		ldr_warn(L"physical addresses reach 0x%lx; the direct map stops at 64 TiB",
		         dm);
		dm = BOOTINFO_DIRECT_MAP_MAX;
	}
	bi->direct_map_offset = BOOTINFO_DIRECT_MAP_OFFSET;
	bi->direct_map_size = dm;

	ldr_zero(&paging, sizeof(paging));
	TIMED(paging, st = ldr_build_page_tables(&paging, &kernel, dm, (UINT64)(UINTN)ldr_handoff,
	                                         stack, LDR_STACK_PAGES));
	if (EFI_ERROR(st))
		return st;
	bi->page_tables_phys = paging.pml4;
	ldr_detail(L"page tables: %lu pages, direct map of %lu GiB with %a pages, NX %a",
	           (UINT64)paging.used, dm >> 30, paging.huge1g ? "1 GiB" : "2 MiB",
	           paging.nx ? "on" : "not supported");
	report_ranges();

	/* Test hooks (tests/boot): fault inside boot services, so the harness
	 * can prove it recognises the firmware's exception dump; fail after every
	 * allocation, so a test can check that a failed boot frees them all;
	 * hand over version 1 of the boot info.
	 * (loader.test=fb-size-zero, above, is taken by ldr_get_framebuffer.)
	 * The command line is not covered by the signature, so under Secure
	 * Boot the hooks are ignored. */
	if (!secure && has_word(cmdline, "loader.test=fault")) {
		ldr_notice(L"loader.test=fault: executing ud2 on purpose");
		__builtin_trap();
	}
	/* Hand over the structure as a version-1 loader would have (224 bytes,
	 * no initrd fields): the kernel must refuse it with a message. */
	if (!secure && has_word(cmdline, "loader.test=bootinfo-v1")) {
		bi->version = 1;
		bi->size = __builtin_offsetof(struct bootinfo, initrd_phys);
	}
	if (!secure && has_word(cmdline, "loader.test=fail-late"))
		return ldr_error(EFI_ABORTED, L"loader.test=fail-late: failing on purpose after "
		                              L"every allocation");

	ldr_report_memory();
	report_timing(tsc_entry);
	ldr_info(L"exiting boot services, jumping to the kernel at 0x%lx", kernel.img.entry);
	ldr_bootlog_write(root);
	/* Nothing may allocate once ExitBootServices has been tried, not even the
	 * boot log's buffer for an error line: the log is written, drop it. */
	ldr_bootlog_free();
	if (!secure && has_word(cmdline, "loader.test=small-map"))
		map_cap = 0; /* test hook: pretend the map outgrew its room */
	st = ensure_map_room(&bi, &bi_phys, map_off, &map_cap);
	if (EFI_ERROR(st))
		return st;
	/* The ranges are final now: the boot info will not move again. */
	bi->nranges = ldr_ranges(bi->ranges);
	if (!secure)
		break_ranges(bi, cmdline);
	ldr_clear_framebuffer(&bi->fb);
	/* Returns only on success; on failure it has halted the machine. */
	ldr_exit_boot_services(image, bi, (UINT8 *)bi + map_off, map_cap);

	/* Boot services are gone: no printing, no allocating from here on. */
	if (paging.nx)
		ldr_wrmsr(MSR_EFER, ldr_rdmsr(MSR_EFER) | EFER_NXE);
	bi->tsc_before_jump = ldr_rdtsc();
	ldr_handoff(paging.pml4, kernel.img.entry,
	            BOOTINFO_DIRECT_MAP_OFFSET + stack + LDR_STACK_PAGES * LDR_PAGE_SIZE,
	            BOOTINFO_DIRECT_MAP_OFFSET + bi_phys);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	UINT64 tsc_entry = ldr_rdtsc();
	EFI_STATUS st;

	ldr_firmware_init(systab);
	st = ldr_boot(image, tsc_entry);
	/* Only reached on failure before the jump: give back what was
	 * allocated, and keep the story on the ESP. */
	release_all();
	ldr_disable_watchdog();
	ldr_bootlog_write(boot_volume);
	ldr_bootlog_free();
	if (boot_volume)
		boot_volume->Close(boot_volume);
	ldr_wait_before_return();
	return st;
}

/* crt0's target in newer gnu-efi (see the top of this file). */
EFI_STATUS _entry(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);
EFI_STATUS _entry(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab) { return efi_main(image, systab); }
