/*
 * The console font, embedded in the kernel image: the PSF2 file that
 * scripts/mkfont.py made from Terminus 8x16 (console-setup-linux's
 * Uni2-Terminus16; Copyright (c) 2010 Dimitar Toshkov Zhekov, SIL Open Font
 * License 1.1, Reserved Font Name "Terminus Font"). Embedding it means the
 * console works before any filesystem or allocator exists; psf_parse checks
 * it at boot like any other input.
 *
 * The build passes the file's path as a quoted string:
 *   -DKESTREL_FONT_PATH="\"/path/to/build/font/console.psf\""
 */
#ifndef KESTREL_FONT_PATH
#error "KESTREL_FONT_PATH must name the converted console font (see cmake/Font.cmake)"
#endif

	.section .rodata, "a", @progbits
	.balign 16
	.globl console_font_psf
	.type console_font_psf, @object
console_font_psf:
	.incbin KESTREL_FONT_PATH
	.globl console_font_psf_end
	.type console_font_psf_end, @object
console_font_psf_end:
	.size console_font_psf, console_font_psf_end - console_font_psf
	.size console_font_psf_end, 0

	.section .note.GNU-stack, "", @progbits
