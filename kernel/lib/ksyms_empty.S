/* The empty symbol table of the first link (see lib/ksyms.h). */
	.section .ksyms, "a"
	.p2align 3
	.globl ksyms_count, ksyms_table, ksyms_names
ksyms_count:
	.quad 0
ksyms_table:
ksyms_names:
	.byte 0
