/*
 * The screen-mode decision (see modes.h). A bitmask mode's pixel is as wide
 * as its highest mask bit (UEFI 2.10, 12.9, EFI_PIXEL_BITMASK; Linux's EFI
 * stub sizes it the same way), and the kernel writes 32-bit pixels
 * (kernel/console/fb.c), so some mask must reach into the top byte: a 16- or
 * 24-bit mode is refused rather than drawn as garbage.
 */
#include "modes.h"

int mode_usable(const struct mode_info *m)
{
	if (!m->queried)
		return 0;
	switch (m->format) {
	case MODE_RGBX:
	case MODE_BGRX:
		return 1;
	case MODE_BITMASK: {
		uint32_t r = m->red_mask, g = m->green_mask, b = m->blue_mask;
		uint32_t all = r | g | b | m->reserved_mask;
		return r && g && b && !(r & g) && !(r & b) && !(g & b) && !(m->reserved_mask & (r | g | b)) &&
		       (all >> 24) != 0;
	}
	default:
		return 0; /* BltOnly: no framebuffer to hand over */
	}
}

struct mode_choice mode_choose(const struct mode_info *modes, uint32_t n, uint32_t current,
                               uint32_t want_w, uint32_t want_h, uint32_t max_w, uint32_t max_h)
{
	struct mode_choice c = {current, 0, 0};
	uint32_t wanted = 0, best = current;
	uint64_t best_area = 0;

	for (uint32_t i = 0; i < n; i++) {
		const struct mode_info *m = &modes[i];
		if (!mode_usable(m))
			continue;
		c.usable++;
		/* The configured size: the first usable mode with it, or the current. */
		if (want_w && m->width == want_w && m->height == want_h &&
		    (!c.configured_found || i == current)) {
			c.configured_found = 1;
			wanted = i;
		}
		uint64_t area = (uint64_t)m->width * m->height;
		if (m->width <= max_w && m->height <= max_h &&
		    (area > best_area || (area == best_area && i == current))) {
			best = i;
			best_area = area;
		}
	}
	if (c.configured_found)
		c.index = wanted;
	else if (best_area)
		c.index = best;
	return c;
}
