/*
 * Host tests for kernel/lib/elf64.c, the check of user programs before
 * execve maps them. Test images are built with the host's <elf.h> structs
 * (glibc's, the specification's layout), so the parser's own field offsets
 * are checked against an independent definition as a side effect. Every
 * refusal is checked by its message, so a wrong check cannot pass by
 * failing for another reason.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/elf64.h"

#define MIN 0x10000ull
#define LIMIT 0x7ff000000000ull
#define BIAS 0x555555554000ull

_Static_assert(sizeof(Elf64_Phdr) == ELF64_PHENT, "program header size");

struct image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[4];
	uint8_t body[0x3000];
};

/* A valid static executable: text RX at 0x400000 (file 0..0x2000), data
 * RW at 0x402000 (file 0x2000..0x2800, memory to 0x403000). */
static void make(struct image *im)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_ident[EI_VERSION] = EV_CURRENT;
	im->eh.e_type = ET_EXEC;
	im->eh.e_machine = EM_X86_64;
	im->eh.e_version = EV_CURRENT;
	im->eh.e_entry = 0x401000;
	im->eh.e_phoff = offsetof(struct image, ph);
	im->eh.e_ehsize = sizeof(Elf64_Ehdr);
	im->eh.e_phentsize = sizeof(Elf64_Phdr);
	im->eh.e_phnum = 2;
	im->ph[0] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
	                         .p_vaddr = 0x400000, .p_filesz = 0x2000, .p_memsz = 0x2000,
	                         .p_align = 0x1000};
	im->ph[1] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x2000,
	                         .p_vaddr = 0x402000, .p_filesz = 0x800, .p_memsz = 0x1000,
	                         .p_align = 0x1000};
}

static const char *parse(const struct image *im, size_t len, struct elf64_image *out)
{
	return elf64_parse(im, len, MIN, LIMIT, BIAS, out);
}

static void refused(const struct image *im, size_t len, const char *why)
{
	struct elf64_image out;
	const char *got = parse(im, len, &out);
	assert_non_null(got);
	assert_string_equal(got, why);
}

static void test_valid(void **state)
{
	(void)state;
	struct image im;
	make(&im);
	struct elf64_image out;
	assert_null(parse(&im, sizeof(im), &out));
	assert_int_equal(out.type, ELF64_ET_EXEC);
	assert_int_equal(out.nloads, 2);
	assert_int_equal(out.entry, 0x401000);
	assert_int_equal(out.lo, 0x400000);
	assert_int_equal(out.hi, 0x403000);
	assert_int_equal(out.loads[1].flags, ELF64_PF_R | ELF64_PF_W);
	/* No PT_PHDR: found in the first segment's file bytes. */
	assert_int_equal(out.phdr_vaddr, 0x400000 + offsetof(struct image, ph));
	assert_false(out.has_interp);
}

static void test_header_refusals(void **state)
{
	(void)state;
	struct image im;
	make(&im);
	refused(&im, 10, "shorter than an ELF header");
	make(&im), im.eh.e_ident[1] = 'X';
	refused(&im, sizeof(im), "not an ELF file (bad magic)");
	make(&im), im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	refused(&im, sizeof(im), "not a 64-bit ELF file");
	make(&im), im.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	refused(&im, sizeof(im), "not little-endian");
	make(&im), im.eh.e_version = 2;
	refused(&im, sizeof(im), "unknown ELF version");
	make(&im), im.eh.e_type = ET_REL;
	refused(&im, sizeof(im), "not an executable (ELF type is neither EXEC nor DYN)");
	make(&im), im.eh.e_machine = EM_386;
	refused(&im, sizeof(im), "not an x86-64 program");
	make(&im), im.eh.e_phentsize = 32;
	refused(&im, sizeof(im), "program header size is not 56");
	make(&im), im.eh.e_phnum = 0;
	refused(&im, sizeof(im), "no program headers, or too many");
	make(&im), im.eh.e_phnum = ELF64_MAX_PHNUM + 1;
	refused(&im, sizeof(im), "no program headers, or too many");
	make(&im), im.eh.e_phoff = sizeof(im) - 8;
	refused(&im, sizeof(im), "program headers extend past the end of the file");
	make(&im), im.eh.e_phoff = ~0ull - 8; /* the end would wrap around */
	refused(&im, sizeof(im), "program headers extend past the end of the file");
}

static void test_segment_refusals(void **state)
{
	(void)state;
	struct image im;
	make(&im), im.ph[1].p_filesz = 0x2000;
	refused(&im, sizeof(im), "a segment's file size exceeds its memory size");
	make(&im), im.ph[1].p_offset = sizeof(im) - 0x100;
	refused(&im, sizeof(im), "a segment's data extends past the end of the file");
	make(&im), im.ph[1].p_offset = ~0ull - 0x10;
	refused(&im, sizeof(im), "a segment's data extends past the end of the file");
	make(&im), im.ph[1].p_vaddr = ~0ull - 0x800, im.ph[1].p_filesz = 0;
	refused(&im, sizeof(im), "a segment's address range wraps around");
	make(&im), im.ph[1].p_vaddr = 0x401800; /* inside the first segment */
	refused(&im, sizeof(im), "loadable segments overlap or are out of order");
	make(&im), im.ph[1].p_vaddr = 0x300000; /* below the first */
	refused(&im, sizeof(im), "loadable segments overlap or are out of order");
	make(&im), im.ph[0].p_vaddr = 0x1000, im.ph[1].p_vaddr = 0x3000, im.eh.e_entry = 0x1800;
	refused(&im, sizeof(im), "segments lie outside the user address range");
	make(&im), im.ph[1].p_vaddr = LIMIT - 0x800;
	refused(&im, sizeof(im), "segments lie outside the user address range");
	make(&im), im.eh.e_entry = 0x402100; /* in the data segment */
	refused(&im, sizeof(im), "the entry point is not in an executable segment");
	make(&im), im.ph[0].p_type = PT_NOTE, im.ph[1].p_type = PT_NOTE;
	refused(&im, sizeof(im), "no loadable segments");
}

static void test_segments_may_share_a_page(void **state)
{
	(void)state;
	struct image im;
	make(&im);
	im.ph[0].p_memsz = im.ph[0].p_filesz = 0x1f00; /* ends inside the page... */
	im.ph[1].p_vaddr = 0x401f00;                    /* ...where data starts */
	im.ph[1].p_offset = 0x1f00;
	struct elf64_image out;
	assert_null(parse(&im, sizeof(im), &out));
	assert_int_equal(out.hi, 0x403000);
}

static void test_interp_phdr_stack(void **state)
{
	(void)state;
	struct image im;
	make(&im);
	im.eh.e_phnum = 4;
	im.ph[2] = (Elf64_Phdr){.p_type = PT_INTERP, .p_offset = 0x100, .p_filesz = 8};
	im.ph[3] = (Elf64_Phdr){.p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W | PF_X};
	struct elf64_image out;
	assert_null(parse(&im, sizeof(im), &out));
	assert_true(out.has_interp); /* the caller refuses it, by name */
	assert_true(out.exec_stack);
	im.ph[2] = (Elf64_Phdr){.p_type = PT_PHDR, .p_vaddr = 0x400040};
	assert_null(parse(&im, sizeof(im), &out));
	assert_int_equal(out.phdr_vaddr, 0x400040);
}

static void test_static_pie(void **state)
{
	(void)state;
	struct image im;
	make(&im);
	im.eh.e_type = ET_DYN;
	im.ph[0].p_vaddr = 0;
	im.ph[1].p_vaddr = 0x2000;
	im.eh.e_entry = 0x1000;
	struct elf64_image out;
	/* At vaddr 0, but loaded at BIAS: accepted. */
	assert_null(parse(&im, sizeof(im), &out));
	assert_int_equal(out.type, ELF64_ET_DYN);
	/* The same layout as ET_EXEC would sit on the null page. */
	im.eh.e_type = ET_EXEC;
	refused(&im, sizeof(im), "segments lie outside the user address range");
	/* A PIE so large that bias + size passes the limit. */
	im.eh.e_type = ET_DYN;
	im.ph[1].p_memsz = LIMIT;
	refused(&im, sizeof(im), "segments lie outside the user address range");
}

/* A loader that reads only the headers: the same verdicts, with segment
 * ranges checked against the whole file's size, and headers it did not
 * read refused by name rather than read past the buffer. */
static void test_headers_only(void **state)
{
	(void)state;
	struct image im;
	make(&im);
	struct elf64_image out;
	size_t hdrs = offsetof(struct image, ph) + 2 * sizeof(Elf64_Phdr);
	assert_int_equal(elf64_headers_end(&im, 10), 64);
	assert_int_equal(elf64_headers_end(&im, sizeof(im)), hdrs);
	assert_null(elf64_parse_headers(&im, hdrs, sizeof(im), MIN, LIMIT, BIAS, &out));
	assert_int_equal(out.nloads, 2);
	assert_int_equal(out.loads[1].offset, 0x2000);
	/* The second program header was not read. */
	const char *why = elf64_parse_headers(&im, hdrs - 1, sizeof(im), MIN, LIMIT, BIAS, &out);
	assert_non_null(why);
	assert_string_equal(why, "program headers lie beyond the bytes read");
	why = elf64_parse_headers(&im, 40, sizeof(im), MIN, LIMIT, BIAS, &out);
	assert_non_null(why);
	assert_string_equal(why, "the ELF header was not read");
	/* A file shorter than its data segment's bytes. */
	why = elf64_parse_headers(&im, hdrs, 0x2000 + 0x7ff, MIN, LIMIT, BIAS, &out);
	assert_non_null(why);
	assert_string_equal(why, "a segment's data extends past the end of the file");
	/* A buffer longer than the file counts only up to the file's end. */
	why = elf64_parse_headers(&im, sizeof(im), 10, MIN, LIMIT, BIAS, &out);
	assert_non_null(why);
	assert_string_equal(why, "shorter than an ELF header");
	/* Numbers that wrap. */
	make(&im), im.eh.e_phoff = ~0ull - 8;
	assert_int_equal(elf64_headers_end(&im, sizeof(im)), UINT64_MAX);
}

/* The real programs: the project's own test program and Debian's busybox. */
static void test_real_files(void **state)
{
	(void)state;
	const char *files[] = {KESTREL_USER_PROGRAM, KESTREL_USER_PROGRAM "-pie", "/bin/busybox"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f = fopen(files[i], "rb");
		if (!f) {
			assert_string_equal(files[i], "/bin/busybox"); /* only busybox may be absent */
			continue;
		}
		fseek(f, 0, SEEK_END);
		long n = ftell(f);
		fseek(f, 0, SEEK_SET);
		uint8_t *buf = malloc((size_t)n);
		assert_non_null(buf);
		assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
		fclose(f);
		struct elf64_image out;
		const char *why = elf64_parse(buf, (size_t)n, MIN, LIMIT, BIAS, &out);
		if (why)
			fail_msg("%s: %s", files[i], why);
		assert_false(out.has_interp);
		assert_true(out.nloads >= 2);
		/* Every byte of the file ranges must come out of the buffer. */
		for (unsigned k = 0; k < out.nloads; k++)
			assert_true(out.loads[k].offset + out.loads[k].filesz <= (uint64_t)n);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_header_refusals),
		cmocka_unit_test(test_segment_refusals),
		cmocka_unit_test(test_segments_may_share_a_page),
		cmocka_unit_test(test_interp_phdr_stack),
		cmocka_unit_test(test_static_pie),
		cmocka_unit_test(test_headers_only),
		cmocka_unit_test(test_real_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
