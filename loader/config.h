/*
 * The loader's optional configuration file, \EFI\BOOT\KESTREL.CFG: one
 * "key = value" per line, '#' starts a comment, blank lines are ignored.
 * Keys: kernel (path on the boot volume), initrd (path of the initramfs, or
 * empty for none), cmdline (kernel command line), resolution (WIDTHxHEIGHT),
 * timeout (seconds to show an error, 0-600), verbose (yes: every loader line
 * on the screen too, not only in the boot log).
 * Unknown keys and bad values produce a warning naming the line, and the line
 * is ignored (the default, or an earlier line's value, stays). Pure C (no UEFI), so the host tests run the same parser.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define CFG_PATH_MAX 128
#define CFG_CMDLINE_MAX 512
#define CFG_MAX_WARNINGS 8
#define CFG_WARNING_LEN 96

struct ldr_config {
	char kernel[CFG_PATH_MAX]; /* "" = the default \EFI\BOOT\KERNEL.ELF */
	char initrd[CFG_PATH_MAX]; /* with has_initrd: the path, or "" for no initrd */
	int has_initrd;            /* 0 = the default \EFI\BOOT\INITRD */
	char cmdline[CFG_CMDLINE_MAX];
	int has_cmdline;
	uint32_t width, height;    /* 0 = choose automatically */
	uint32_t timeout_s;        /* error wait, default 10 */
	int verbose;               /* 1: info lines on the screen as well; default 0 */
	unsigned nwarnings;
	unsigned nwarnings_dropped; /* beyond CFG_MAX_WARNINGS: counted, not kept */
	char warnings[CFG_MAX_WARNINGS][CFG_WARNING_LEN];
};

/* Defaults, then the settings in text[0..len) (not NUL-terminated). */
void cfg_parse(struct ldr_config *c, const char *text, size_t len);
