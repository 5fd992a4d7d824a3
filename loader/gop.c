/*
 * The framebuffer, from the Graphics Output Protocol (UEFI 2.10 section 12.9).
 *
 * choose_mode picks the screen mode (the configured resolution, else the
 * largest usable mode up to 1920x1080) and lists every mode in the boot log.
 * BltOnly modes have no linear framebuffer and count as "no framebuffer";
 * so does a machine without GOP at all (QEMU -vga none): the kernel then
 * runs on serial alone. ldr_clear_framebuffer blacks the screen with a Blt
 * fill as the last thing before ExitBootServices (after the loader's last
 * message), so the kernel console can assume a black framebuffer and draw
 * only its own text.
 */
#include "loader.h"
#include "cpu.h"
#include "modes.h"

static EFI_GRAPHICS_OUTPUT_PROTOCOL *ldr_gop;

static UINT32 mask_of_format(EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info, int which)
{
	/* which: 0 red, 1 green, 2 blue, 3 reserved. */
	static const UINT32 rgb[4] = {0x000000ff, 0x0000ff00, 0x00ff0000, 0xff000000};
	static const UINT32 bgr[4] = {0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000};
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		return rgb[which];
	case PixelBlueGreenRedReserved8BitPerColor:
		return bgr[which];
	default: {
		EFI_PIXEL_BITMASK *m = &info->PixelInformation;
		UINT32 masks[4] = {m->RedMask, m->GreenMask, m->BlueMask, m->ReservedMask};
		return masks[which];
	}
	}
}

/* The firmware's description of a mode, in modes.c's terms. */
static void describe(const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info, struct mode_info *m)
{
	m->queried = 1;
	m->width = info->HorizontalResolution;
	m->height = info->VerticalResolution;
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		m->format = MODE_RGBX;
		break;
	case PixelBlueGreenRedReserved8BitPerColor:
		m->format = MODE_BGRX;
		break;
	case PixelBitMask:
		m->format = MODE_BITMASK;
		break;
	case PixelBltOnly:
		m->format = MODE_BLT_ONLY;
		break;
	default:
		m->format = MODE_OTHER;
	}
	m->red_mask = info->PixelInformation.RedMask;
	m->green_mask = info->PixelInformation.GreenMask;
	m->blue_mask = info->PixelInformation.BlueMask;
	m->reserved_mask = info->PixelInformation.ReservedMask;
}

static const CHAR16 *format_name(enum mode_format f)
{
	static const CHAR16 *const names[] = {L"RGBX", L"BGRX", L"bitmask", L"BltOnly",
	                                      L"unknown format"};
	return names[f];
}

/*
 * Choose the screen mode: every mode is queried and listed in the boot log;
 * mode_choose (modes.c) picks the configured resolution if a usable mode
 * offers it, else the largest usable one within 1920x1080 (firmware often
 * starts real panels at 800x600 or at 4K, where an 8x16 console is either
 * cramped or tiny), the current mode on a tie. Changing mode also clears the
 * screen (UEFI 2.10, 12.9 SetMode).
 */
static void choose_mode(EFI_GRAPHICS_OUTPUT_PROTOCOL *gop, UINT32 want_w, UINT32 want_h)
{
	UINT32 n = gop->Mode->MaxMode;
	struct mode_info *modes;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info;
	UINTN size;

	if (EFI_ERROR(gBS->AllocatePool(EfiLoaderData, (n ? n : 1) * sizeof(*modes),
	                                (void **)&modes))) {
		ldr_warn(L"GOP: no memory to list %u modes; keeping mode %u", n,
		         gop->Mode->Mode);
		return;
	}
	for (UINT32 i = 0; i < n; i++) {
		ldr_zero(&modes[i], sizeof(modes[i]));
		if (EFI_ERROR(gop->QueryMode(gop, i, &size, &info))) {
			ldr_detail(L"GOP mode %u: QueryMode failed", i);
			continue;
		}
		describe(info, &modes[i]);
		ldr_detail(L"GOP mode %u: %ux%u, pitch %u, %s%s", i, modes[i].width, modes[i].height,
		           info->PixelsPerScanLine, format_name(modes[i].format),
		           mode_usable(&modes[i]) ? L"" : L" (skipped)");
		gBS->FreePool(info);
	}
	struct mode_choice c = mode_choose(modes, n, gop->Mode->Mode, want_w, want_h,
	                                   LDR_MAX_WIDTH, LDR_MAX_HEIGHT);
	gBS->FreePool(modes);
	ldr_info(L"GOP: %u modes, %u usable; current mode %u is %ux%u", n, c.usable,
	         gop->Mode->Mode, gop->Mode->Info->HorizontalResolution,
	         gop->Mode->Info->VerticalResolution);
	if (want_w && !c.configured_found)
		ldr_warn(L"GOP: the configured resolution %ux%u is not offered; choosing automatically",
		         want_w, want_h);
	if (c.index == gop->Mode->Mode)
		return;
	EFI_STATUS st = gop->SetMode(gop, c.index);
	if (EFI_ERROR(st)) {
		/* Not fatal: the current mode still works. */
		ldr_warn(L"GOP: SetMode(%u) failed: %s; keeping mode %u", c.index,
		         ldr_status_str(st),
		         gop->Mode->Mode);
	}
}

/*
 * The framebuffer's size, the one place it is decided. GOP's FrameBufferSize
 * is what the kernel maps (kernel/mm/vmm.c), and some GOP drivers report 0
 * there (the field exists for BltOnly modes too, UEFI 2.10, 12.9
 * EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE, and nothing requires it to be filled
 * in). The console's checks pass anyway, the kernel maps nothing, and its
 * first draw after the switch to its own page tables faults, as does the
 * fault report drawn on the same screen. So a size below what the mode
 * needs, pitch x height x 4 bytes (the kernel draws 32-bit pixels), is
 * replaced by that, and the boot log says so.
 */
static UINT64 framebuffer_size(UINT64 reported, const struct bootinfo_framebuffer *fb)
{
	UINT64 need = (UINT64)fb->pitch * fb->height * 4;
	if (reported >= need)
		return reported;
	ldr_warn(L"GOP reports a framebuffer of %lu bytes, but a %ux%u mode with pitch %u "
	         L"needs %lu: using %lu", reported, fb->width, fb->height, fb->pitch, need, need);
	return need;
}

void ldr_get_framebuffer(struct bootinfo_framebuffer *fb, UINT32 want_width, UINT32 want_height,
                         int test_size_zero)
{
	EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
	EFI_STATUS st;

	ldr_zero(fb, sizeof(*fb));
	fb->format = BOOTINFO_FB_NONE;
	/* The GOP of the console's output device is the one on the screen the
	 * user is looking at; a machine with two GPUs (or a firmware that also
	 * installs a GOP for an unconnected output) may list another first, so
	 * LocateProtocol's pick is only the fallback. */
	const CHAR16 *source = L"console output device";
	gop = NULL;
	st = EFI_NOT_FOUND;
	if (gST->ConsoleOutHandle)
		st = gBS->HandleProtocol(gST->ConsoleOutHandle, &gop_guid, (void **)&gop);
	if (EFI_ERROR(st) || !gop) {
		source = L"first in the handle database";
		st = gBS->LocateProtocol(&gop_guid, NULL, (void **)&gop);
	}
	if (EFI_ERROR(st) || !gop || !gop->Mode || !gop->Mode->Info) {
		ldr_info(L"no graphics output (GOP): the kernel will use serial only");
		return;
	}
	ldr_detail(L"GOP: the one on the %s", source);
	choose_mode(gop, want_width, want_height);
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = gop->Mode->Info;
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		fb->format = BOOTINFO_FB_RGBX;
		break;
	case PixelBlueGreenRedReserved8BitPerColor:
		fb->format = BOOTINFO_FB_BGRX;
		break;
	case PixelBitMask: {
		/* The kernel draws 32-bit pixels: insist on masks it can use. */
		EFI_PIXEL_BITMASK *m = &info->PixelInformation;
		struct mode_info mi;
		describe(info, &mi);
		if (!mode_usable(&mi)) {
			ldr_warn(L"GOP mode %u has unusable colour masks r=0x%x g=0x%x b=0x%x x=0x%x "
			         L"(overlapping, empty, or not a 32-bit pixel): serial only",
			         gop->Mode->Mode, m->RedMask, m->GreenMask, m->BlueMask, m->ReservedMask);
			return;
		}
		fb->format = BOOTINFO_FB_BITMASK;
		break;
	}
	default:
		ldr_warn(L"GOP mode %u is BltOnly (no linear framebuffer): serial only",
		         gop->Mode->Mode);
		return;
	}
	fb->base_phys = gop->Mode->FrameBufferBase;
	fb->width = info->HorizontalResolution;
	fb->height = info->VerticalResolution;
	fb->pitch = info->PixelsPerScanLine;
	fb->size = framebuffer_size(test_size_zero ? 0 : gop->Mode->FrameBufferSize, fb);
	fb->red_mask = mask_of_format(info, 0);
	fb->green_mask = mask_of_format(info, 1);
	fb->blue_mask = mask_of_format(info, 2);
	fb->reserved_mask = mask_of_format(info, 3);

	ldr_gop = gop;
	ldr_info(L"GOP: using mode %u, %ux%u, pitch %u, framebuffer at 0x%lx", gop->Mode->Mode,
	         fb->width, fb->height, fb->pitch, fb->base_phys);
}

void ldr_clear_framebuffer(const struct bootinfo_framebuffer *fb)
{
	EFI_GRAPHICS_OUTPUT_BLT_PIXEL black = {0, 0, 0, 0};

	if (ldr_gop && fb->format != BOOTINFO_FB_NONE)
		ldr_gop->Blt(ldr_gop, &black, EfiBltVideoFill, 0, 0, 0, 0, fb->width, fb->height, 0);
}
