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

/* A mode the kernel can draw on: a linear framebuffer of 32-bit pixels with
 * red, green and blue in distinct, non-empty masks. A bitmask mode's pixel is
 * as wide as its highest mask bit (UEFI 2.10, 12.9, EFI_PIXEL_BITMASK), and
 * the kernel writes 32-bit pixels (kernel/console/fb.c), so some mask must
 * reach into the top byte: a 16- or 24-bit mode is refused. */
static int mode_usable(const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info)
{
	const EFI_PIXEL_BITMASK *m = &info->PixelInformation;
	UINT32 all = m->RedMask | m->GreenMask | m->BlueMask | m->ReservedMask;
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
	case PixelBlueGreenRedReserved8BitPerColor:
		return 1;
	case PixelBitMask:
		return m->RedMask && m->GreenMask && m->BlueMask && !(m->RedMask & m->GreenMask) &&
		       !(m->RedMask & m->BlueMask) && !(m->GreenMask & m->BlueMask) &&
		       (all >> 24) != 0;
	default:
		return 0; /* PixelBltOnly: no framebuffer to hand over */
	}
}

static const CHAR16 *format_name(EFI_GRAPHICS_PIXEL_FORMAT f)
{
	switch (f) {
	case PixelRedGreenBlueReserved8BitPerColor:
		return L"RGBX";
	case PixelBlueGreenRedReserved8BitPerColor:
		return L"BGRX";
	case PixelBitMask:
		return L"bitmask";
	case PixelBltOnly:
		return L"BltOnly";
	default:
		return L"unknown format";
	}
}

/*
 * Choose the screen mode: every mode is queried; BltOnly and unusable pixel
 * formats are skipped; of the rest, the largest that fits in 1920x1080 wins
 * (firmware often starts real panels at 800x600 or at 4K, where an 8x16
 * console is either cramped or tiny), the current mode on a tie. Changing
 * mode also clears the screen (UEFI 2.10, 12.9 SetMode).
 */
static void choose_mode(EFI_GRAPHICS_OUTPUT_PROTOCOL *gop, UINT32 want_w, UINT32 want_h)
{
	UINT32 wanted = ~0u;
	UINT32 best = gop->Mode->Mode, usable = 0;
	UINT64 best_area = 0;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info;
	UINTN size;

	for (UINT32 i = 0; i < gop->Mode->MaxMode; i++) {
		if (EFI_ERROR(gop->QueryMode(gop, i, &size, &info))) {
			ldr_detail(L"GOP mode %u: QueryMode failed", i);
			continue;
		}
		ldr_detail(L"GOP mode %u: %ux%u, pitch %u, %s%s", i, info->HorizontalResolution,
		           info->VerticalResolution, info->PixelsPerScanLine,
		           format_name(info->PixelFormat), mode_usable(info) ? L"" : L" (skipped)");
		if (mode_usable(info)) {
			usable++;
			if (info->HorizontalResolution == want_w && info->VerticalResolution == want_h)
				wanted = i;
			UINT64 area = (UINT64)info->HorizontalResolution * info->VerticalResolution;
			if (info->HorizontalResolution <= LDR_MAX_WIDTH &&
			    info->VerticalResolution <= LDR_MAX_HEIGHT &&
			    (area > best_area || (area == best_area && i == gop->Mode->Mode))) {
				best = i;
				best_area = area;
			}
		}
		FreePool(info);
	}
	ldr_info(L"GOP: %u modes, %u usable; current mode %u is %ux%u", gop->Mode->MaxMode, usable,
	         gop->Mode->Mode, gop->Mode->Info->HorizontalResolution,
	         gop->Mode->Info->VerticalResolution);
	if (want_w && wanted == ~0u)
		ldr_info(L"GOP: the configured resolution %ux%u is not offered; choosing automatically",
		         want_w, want_h);
	else if (want_w)
		best = wanted, best_area = 1;
	if (best_area == 0 || best == gop->Mode->Mode)
		return;
	EFI_STATUS st = gop->SetMode(gop, best);
	if (EFI_ERROR(st)) {
		/* Not fatal: the current mode still works. */
		CHAR16 desc[64];
		StatusToString(desc, st);
		ldr_info(L"warning: GOP: SetMode(%u) failed: %s; keeping mode %u", best, desc,
		         gop->Mode->Mode);
	}
}

void ldr_get_framebuffer(struct bootinfo_framebuffer *fb, UINT32 want_width, UINT32 want_height)
{
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
	EFI_STATUS st;

	SetMem(fb, sizeof(*fb), 0);
	fb->format = BOOTINFO_FB_NONE;
	/* The GOP of the console's output device is the one on the screen the
	 * user is looking at; a machine with two GPUs (or a firmware that also
	 * installs a GOP for an unconnected output) may list another first, so
	 * LocateProtocol's pick is only the fallback. */
	const CHAR16 *source = L"console output device";
	gop = NULL;
	st = EFI_NOT_FOUND;
	if (gST->ConsoleOutHandle)
		st = gBS->HandleProtocol(gST->ConsoleOutHandle, &GraphicsOutputProtocol, (void **)&gop);
	if (EFI_ERROR(st) || !gop) {
		source = L"first in the handle database";
		st = gBS->LocateProtocol(&GraphicsOutputProtocol, NULL, (void **)&gop);
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
		if (!mode_usable(info)) {
			ldr_info(L"GOP mode %u has unusable colour masks r=0x%x g=0x%x b=0x%x x=0x%x "
			         L"(overlapping, empty, or not a 32-bit pixel): serial only",
			         gop->Mode->Mode, m->RedMask, m->GreenMask, m->BlueMask, m->ReservedMask);
			return;
		}
		fb->format = BOOTINFO_FB_BITMASK;
		break;
	}
	default:
		ldr_info(L"GOP mode %u is BltOnly (no linear framebuffer): serial only",
		         gop->Mode->Mode);
		return;
	}
	fb->base_phys = gop->Mode->FrameBufferBase;
	fb->size = gop->Mode->FrameBufferSize;
	fb->width = info->HorizontalResolution;
	fb->height = info->VerticalResolution;
	fb->pitch = info->PixelsPerScanLine;
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
