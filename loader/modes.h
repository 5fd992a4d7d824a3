/*
 * Choosing the screen mode, as pure C (gop.c asks the firmware; this decides).
 * The host tests (tests/host/test_modes.c) feed it mode lists no QEMU display
 * offers: BltOnly modes, 16-bit and 24-bit bitmasks, a configured resolution
 * that is missing or BltOnly only, ties, and no usable mode at all.
 */
#pragma once

#include <stdint.h>

enum mode_format { MODE_RGBX, MODE_BGRX, MODE_BITMASK, MODE_BLT_ONLY, MODE_OTHER };

struct mode_info {
	int queried; /* QueryMode succeeded; the rest is meaningful only then */
	uint32_t width, height;
	enum mode_format format;
	uint32_t red_mask, green_mask, blue_mask, reserved_mask; /* MODE_BITMASK only */
};

/* A mode the kernel can draw on: a linear framebuffer of 32-bit pixels with
 * red, green and blue in distinct, non-empty masks (see modes.c). */
int mode_usable(const struct mode_info *m);

struct mode_choice {
	uint32_t index;        /* the mode to use (== current: keep it) */
	uint32_t usable;       /* how many modes are usable */
	int configured_found;  /* want_w x want_h was offered by a usable mode */
};

/* The configured resolution if a usable mode offers it, else the largest
 * usable mode within max_w x max_h (the current one on a tie, else the
 * first), else the current mode. */
struct mode_choice mode_choose(const struct mode_info *modes, uint32_t n, uint32_t current,
                               uint32_t want_w, uint32_t want_h, uint32_t max_w, uint32_t max_h);
