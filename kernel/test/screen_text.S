/* The fixed text of the screen test, shared with the host renderer. */
	.section .rodata
	.globl screen_text, screen_text_end
screen_text:
	.incbin KESTREL_SCREEN_TEXT
screen_text_end:
