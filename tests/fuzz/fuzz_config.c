/*
 * libFuzzer target for the loader's KESTREL.CFG parser (loader/config.c).
 * The input is copied into a buffer of exactly its size, without a NUL, so
 * ASan catches any read past len. Whatever the bytes, the result must be a
 * configuration the loader can use without further checks: every string is
 * NUL-terminated inside its array; at most CFG_MAX_WARNINGS warnings, each
 * "line N: ..." in printable ASCII; timeout_s in 0-600; width and height both
 * 0 (automatic) or both set; kernel "" (the default) or an absolute path of
 * printable ASCII with every '/' turned into '\', and initrd the same ("" is
 * the default without has_initrd, none with it); has_cmdline 0 or 1, with
 * cmdline "" when it is 0; cmdline printable ASCII. Parsing is deterministic
 * (two parses into zeroed structs are memcmp-equal) and does not depend on
 * what the struct held before (the loader parses into a reused global).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 0x20-0x7e only: what copy_value() lets into kernel and cmdline. */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static void check(const struct ldr_config *c)
{
	/* Terminated inside the array first: everything below relies on it. */
	if (!memchr(c->kernel, 0, sizeof c->kernel) || !memchr(c->cmdline, 0, sizeof c->cmdline) ||
	    !memchr(c->initrd, 0, sizeof c->initrd))
		abort();
	if (c->nwarnings > CFG_MAX_WARNINGS)
		abort();
	for (unsigned i = 0; i < c->nwarnings; i++) {
		const char *w = c->warnings[i];
		if (!memchr(w, 0, CFG_WARNING_LEN))
			abort();
		if (strncmp(w, "line ", 5) != 0 || w[5] < '0' || w[5] > '9' || !printable(w))
			abort();
	}
	if (c->timeout_s > 600)
		abort();
	if ((c->width == 0) != (c->height == 0))
		abort();
	/* Only absolute paths are kept, and '/' is rewritten to '\'. */
	if (c->kernel[0] && (c->kernel[0] != '\\' || strchr(c->kernel, '/') || !printable(c->kernel)))
		abort();
	if (c->initrd[0] && (c->initrd[0] != '\\' || strchr(c->initrd, '/') || !printable(c->initrd)))
		abort();
	if ((c->has_initrd != 0 && c->has_initrd != 1) || (!c->has_initrd && c->initrd[0]))
		abort();
	if (c->has_cmdline != 0 && c->has_cmdline != 1)
		abort();
	if (!c->has_cmdline && c->cmdline[0])
		abort();
	if (!printable(c->cmdline))
		abort();
}

/* The settings the loader reads, ignoring bytes past each string's NUL. */
static int same_settings(const struct ldr_config *a, const struct ldr_config *b)
{
	if (strcmp(a->kernel, b->kernel) || strcmp(a->cmdline, b->cmdline) ||
	    strcmp(a->initrd, b->initrd) || a->has_initrd != b->has_initrd ||
	    a->has_cmdline != b->has_cmdline || a->width != b->width || a->height != b->height ||
	    a->timeout_s != b->timeout_s || a->nwarnings != b->nwarnings)
		return 0;
	for (unsigned i = 0; i < a->nwarnings; i++)
		if (strcmp(a->warnings[i], b->warnings[i]))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Static: 1.4 KiB each, and the garbage fill below is re-done per run. */
	static struct ldr_config a, b, dirty;
	char *text = malloc(size); /* ASan gives a real 0-byte block for size 0 */

	if (!text && size)
		abort();
	if (size)
		memcpy(text, data, size);

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	cfg_parse(&a, text, size);
	cfg_parse(&b, text, size);
	check(&a);
	if (memcmp(&a, &b, sizeof a) != 0)
		abort();

	/* cfg_parse must set every default itself, not rely on a zeroed struct. */
	memset(&dirty, 0xa5, sizeof dirty);
	cfg_parse(&dirty, text, size);
	check(&dirty);
	if (!same_settings(&a, &dirty))
		abort();

	free(text);
	return 0;
}
