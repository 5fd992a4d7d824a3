/*
 * The loader's printf: formats UCS-2 text (the firmware's CHAR16 strings)
 * into a caller's buffer. It replaces gnu-efi's Print family, whose prebuilt
 * libefi.a uses SSE registers: a firmware may start the loader with
 * CR4.OSFXSR clear (U-Boot does), and the first Print then raised #UD. This
 * one is plain C built with -mgeneral-regs-only, and pure, so the host tests
 * and a fuzz target run the same code (tests/host/test_fmt.c).
 *
 * Conversions, as the loader's messages use them (gnu-efi's meanings, so the
 * output reads as before):
 *   %s   a UCS-2 string (NULL prints "(null)")      %a  an ASCII string
 *   %c   one UCS-2 character, passed as an int      %%  a percent sign
 *   %d   int            %u  unsigned int             %x  unsigned int, hex
 *   %ld  int64_t        %lu uint64_t                 %lx uint64_t, hex
 * Hex digits are upper case (gnu-efi's habit, which the docs' logs show).
 * Flags: '-' (left-justify) and '0' (pad with zeros), then a decimal width.
 * Anything else after '%' is copied as it stands.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Format into buf, which holds cap UCS-2 units including the terminating NUL
 * (cap 0: nothing is written). Output that does not fit is dropped; the
 * result is always terminated. Returns the number of units written, without
 * the NUL.
 */
size_t fmt_vformat(uint16_t *buf, size_t cap, const uint16_t *fmt, va_list ap);
size_t fmt_format(uint16_t *buf, size_t cap, const uint16_t *fmt, ...);
