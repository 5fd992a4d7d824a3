/*
 * Host tests of the screen-mode choice (loader/modes.c) with mode lists that
 * QEMU's displays never offer: BltOnly modes, 16- and 24-bit bitmasks,
 * overlapping masks, a configured resolution that is missing or only BltOnly,
 * ties, failed queries, and no usable mode at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "loader/modes.h"

#define MAX_W 1920
#define MAX_H 1080

static struct mode_info rgbx(uint32_t w, uint32_t h) { return (struct mode_info){1, w, h, MODE_RGBX, 0, 0, 0, 0}; }
static struct mode_info bgrx(uint32_t w, uint32_t h) { return (struct mode_info){1, w, h, MODE_BGRX, 0, 0, 0, 0}; }
static struct mode_info blt(uint32_t w, uint32_t h) { return (struct mode_info){1, w, h, MODE_BLT_ONLY, 0, 0, 0, 0}; }
static struct mode_info mask(uint32_t w, uint32_t h, uint32_t r, uint32_t g, uint32_t b, uint32_t x)
{
	return (struct mode_info){1, w, h, MODE_BITMASK, r, g, b, x};
}

static struct mode_choice choose(const struct mode_info *m, uint32_t n, uint32_t cur, uint32_t ww,
                                 uint32_t wh)
{
	return mode_choose(m, n, cur, ww, wh, MAX_W, MAX_H);
}

static void test_usable_formats(void **state)
{
	(void)state;
	struct mode_info m = rgbx(800, 600);
	assert_true(mode_usable(&m));
	m = bgrx(800, 600);
	assert_true(mode_usable(&m));
	m = blt(800, 600);
	assert_false(mode_usable(&m));
	m = (struct mode_info){1, 800, 600, MODE_OTHER, 0, 0, 0, 0};
	assert_false(mode_usable(&m));
	/* 32-bit bitmasks: 8:8:8 with the reserved byte on top, 10:10:10:2. */
	m = mask(800, 600, 0xff0000, 0xff00, 0xff, 0xff000000);
	assert_true(mode_usable(&m));
	m = mask(800, 600, 0x3ff00000, 0xffc00, 0x3ff, 0xc0000000);
	assert_true(mode_usable(&m));
	/* 16-bit 5:6:5 and packed 24-bit: not 32-bit pixels. */
	m = mask(800, 600, 0xf800, 0x7e0, 0x1f, 0);
	assert_false(mode_usable(&m));
	m = mask(800, 600, 0xff0000, 0xff00, 0xff, 0);
	assert_false(mode_usable(&m));
	/* Empty or overlapping masks. */
	m = mask(800, 600, 0, 0xff00, 0xff, 0xff000000);
	assert_false(mode_usable(&m));
	m = mask(800, 600, 0xff0000, 0xff0000, 0xff, 0xff000000);
	assert_false(mode_usable(&m));
	m = mask(800, 600, 0xff0000, 0xff00, 0xff, 0xff0000ff);
	assert_false(mode_usable(&m));
	/* A failed QueryMode is never usable. */
	m = rgbx(800, 600);
	m.queried = 0;
	assert_false(mode_usable(&m));
}

static void test_largest_within_limit(void **state)
{
	(void)state;
	/* QEMU std VGA-like: starts at 1280x800, offers up to 2560x1600. */
	struct mode_info m[] = {bgrx(1280, 800), bgrx(640, 480), bgrx(2560, 1600), bgrx(1920, 1080),
	                        bgrx(1920, 1200)};
	struct mode_choice c = choose(m, 5, 0, 0, 0);
	assert_int_equal(c.index, 3);
	assert_int_equal(c.usable, 5);
	assert_false(c.configured_found);
}

static void test_blt_only_and_bad_masks_skipped(void **state)
{
	(void)state;
	/* The largest modes within the limit are unusable: the next one wins. */
	struct mode_info m[] = {rgbx(800, 600), blt(1920, 1080),
	                        mask(1680, 1050, 0xf800, 0x7e0, 0x1f, 0), rgbx(1024, 768)};
	struct mode_choice c = choose(m, 4, 0, 0, 0);
	assert_int_equal(c.index, 3);
	assert_int_equal(c.usable, 2);
}

static void test_configured_resolution(void **state)
{
	(void)state;
	struct mode_info m[] = {bgrx(1280, 800), bgrx(1024, 768), bgrx(2560, 1600), bgrx(1920, 1080)};
	/* Offered: taken, even above the automatic limit. */
	struct mode_choice c = choose(m, 4, 0, 2560, 1600);
	assert_int_equal(c.index, 2);
	assert_true(c.configured_found);
	c = choose(m, 4, 0, 1024, 768);
	assert_int_equal(c.index, 1);
	/* Not offered: automatic, and the caller is told. */
	c = choose(m, 4, 0, 800, 600);
	assert_int_equal(c.index, 3);
	assert_false(c.configured_found);
	/* Offered only as BltOnly: as good as not offered. */
	struct mode_info b[] = {bgrx(1280, 800), blt(1024, 768)};
	c = choose(b, 2, 0, 1024, 768);
	assert_false(c.configured_found);
	assert_int_equal(c.index, 0);
}

static void test_ties_and_current(void **state)
{
	(void)state;
	/* Two usable 1920x1080 modes (different formats): the current one stays. */
	struct mode_info m[] = {rgbx(1920, 1080), bgrx(800, 600), bgrx(1920, 1080)};
	assert_int_equal(choose(m, 3, 2, 0, 0).index, 2);
	assert_int_equal(choose(m, 3, 1, 0, 0).index, 0); /* not current: the first */
	assert_int_equal(choose(m, 3, 2, 1920, 1080).index, 2);
	assert_int_equal(choose(m, 3, 1, 1920, 1080).index, 0);
}

static void test_nothing_usable_keeps_current(void **state)
{
	(void)state;
	struct mode_info m[] = {blt(1024, 768), blt(800, 600), rgbx(800, 600)};
	m[2].queried = 0;
	struct mode_choice c = choose(m, 3, 1, 0, 0);
	assert_int_equal(c.index, 1);
	assert_int_equal(c.usable, 0);
	/* Every usable mode above the limit: keep the current one too. */
	struct mode_info big[] = {rgbx(2560, 1600), rgbx(3840, 2160)};
	assert_int_equal(choose(big, 2, 1, 0, 0).index, 1);
	/* No modes at all. */
	assert_int_equal(choose(NULL, 0, 0, 0, 0).index, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usable_formats),
		cmocka_unit_test(test_largest_within_limit),
		cmocka_unit_test(test_blt_only_and_bad_masks_skipped),
		cmocka_unit_test(test_configured_resolution),
		cmocka_unit_test(test_ties_and_current),
		cmocka_unit_test(test_nothing_usable_keeps_current),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
