/*
 * Host tests of the loader's ELF checks (loader/elf.c): a small valid image
 * built in memory, then one broken variant per check, each expecting its own
 * status; every truncation of the valid image; and the real kernel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader/elf.h"

#define BASE 0xffffffff80000000ull

struct image {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[3];
	uint8_t data[3 * 4096];
};

/* Three PT_LOAD segments like the real kernel: text RX, rodata R, data RW
 * with bss (memsz > filesz). */
static struct image valid(void)
{
	struct image im;
	memset(&im, 0, sizeof(im));
	memcpy(im.eh.e_ident, "\x7f" "ELF", 4);
	im.eh.e_ident[4] = ELF_CLASS64;
	im.eh.e_ident[5] = ELF_DATA2LSB;
	im.eh.e_ident[6] = ELF_VERSION_CURRENT;
	im.eh.e_type = ELF_ET_EXEC;
	im.eh.e_machine = ELF_EM_X86_64;
	im.eh.e_version = ELF_VERSION_CURRENT;
	im.eh.e_entry = BASE + 0x10;
	im.eh.e_phoff = offsetof(struct image, ph);
	im.eh.e_ehsize = sizeof(im.eh);
	im.eh.e_phentsize = sizeof(struct elf64_phdr);
	im.eh.e_phnum = 3;
	uint32_t flags[3] = {ELF_PF_R | ELF_PF_X, ELF_PF_R, ELF_PF_R | ELF_PF_W};
	for (int i = 0; i < 3; i++) {
		im.ph[i].p_type = ELF_PT_LOAD;
		im.ph[i].p_flags = flags[i];
		im.ph[i].p_offset = offsetof(struct image, data) + (uint64_t)i * 4096;
		im.ph[i].p_vaddr = BASE + (uint64_t)i * 4096;
		im.ph[i].p_filesz = 4096;
		im.ph[i].p_memsz = i == 2 ? 3 * 4096 : 4096;
		im.ph[i].p_align = 4096;
	}
	return im;
}

static enum elf_status parse(const struct image *im, uint64_t size, struct elf_error *err)
{
	struct elf_image out;
	return elf_parse(im, size, &out, err);
}

static void test_valid(void **state)
{
	(void)state;
	struct image im = valid();
	struct elf_image out;
	struct elf_error err;
	assert_int_equal(elf_parse(&im, sizeof(im), &out, &err), ELF_OK);
	assert_int_equal(out.nsegs, 3);
	assert_int_equal(out.entry, BASE + 0x10);
	assert_int_equal(out.virt_base, BASE);
	assert_int_equal(out.virt_end, BASE + 5 * 4096);
	assert_int_equal(out.segs[2].memsz, 3 * 4096);
	assert_string_equal(elf_status_str(ELF_OK), "ok");
}

/* Every prefix shorter than the whole file fails, and never reads past it
 * (each prefix is copied to an exact-size heap block, so ASan would see). */
static void test_truncations(void **state)
{
	(void)state;
	struct image im = valid();
	for (size_t n = 0; n < sizeof(im); n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, &im, n);
		struct elf_image out;
		enum elf_status st = elf_parse(copy, n, &out, NULL);
		free(copy);
		assert_int_not_equal(st, ELF_OK);
		if (n < sizeof(struct elf64_ehdr))
			assert_int_equal(st, ELF_ERR_TRUNCATED);
	}
}

/* One case per check: a mutation of the valid image and the status it must give. */
struct broken {
	const char *name;
	void (*mutate)(struct image *im);
	enum elf_status expect;
};

static void m_magic(struct image *im) { im->eh.e_ident[1] = 'X'; }
static void m_class(struct image *im) { im->eh.e_ident[4] = 1; }
static void m_endian(struct image *im) { im->eh.e_ident[5] = 2; }
static void m_version(struct image *im) { im->eh.e_version = 2; }
static void m_ident_version(struct image *im) { im->eh.e_ident[6] = 0; }
static void m_type(struct image *im) { im->eh.e_type = 3; }
static void m_machine(struct image *im) { im->eh.e_machine = 3; }
static void m_phentsize(struct image *im) { im->eh.e_phentsize = 40; }
static void m_phoff(struct image *im) { im->eh.e_phoff = sizeof(*im) - 10; }
static void m_phoff_wrap(struct image *im) { im->eh.e_phoff = UINT64_MAX - 8; }
static void m_phnum0(struct image *im) { im->eh.e_phnum = 0; }
static void m_no_load(struct image *im)
{
	for (int i = 0; i < 3; i++)
		im->ph[i].p_type = 4; /* PT_NOTE */
}
static void m_seg_outside(struct image *im) { im->ph[1].p_filesz = sizeof(*im); }
static void m_seg_wrap(struct image *im) { im->ph[1].p_offset = UINT64_MAX - 100; }
static void m_filesz(struct image *im) { im->ph[0].p_memsz = 100; }
static void m_low_addr(struct image *im) { im->ph[0].p_vaddr = 0x100000; }
static void m_direct_map(struct image *im) { im->ph[0].p_vaddr = 0xffff800000000000ull; }
static void m_addr_wrap(struct image *im) { im->ph[2].p_memsz = UINT64_MAX - 4096; }
static void m_align(struct image *im) { im->ph[1].p_align = 3000; }
static void m_wx(struct image *im) { im->ph[2].p_flags |= ELF_PF_X; }
static void m_overlap(struct image *im) { im->ph[1].p_vaddr = BASE + 100; }
static void m_share_page(struct image *im) { im->ph[1].p_vaddr = BASE + 4096 + 4000 - 4096; }
static void m_too_large(struct image *im) { im->ph[2].p_memsz = (1ull << 30) + 4096; }
static void m_entry(struct image *im) { im->eh.e_entry = BASE + 4096 + 8; /* in rodata */ }
static void m_entry_out(struct image *im) { im->eh.e_entry = BASE + 100 * 4096; }

static const struct broken cases[] = {
	{"bad magic", m_magic, ELF_ERR_MAGIC},
	{"ELFCLASS32", m_class, ELF_ERR_CLASS},
	{"big-endian", m_endian, ELF_ERR_ENDIAN},
	{"e_version 2", m_version, ELF_ERR_VERSION},
	{"EI_VERSION 0", m_ident_version, ELF_ERR_VERSION},
	{"ET_DYN", m_type, ELF_ERR_TYPE},
	{"EM_386", m_machine, ELF_ERR_MACHINE},
	{"small e_phentsize", m_phentsize, ELF_ERR_PHENTSIZE},
	{"phdrs past end", m_phoff, ELF_ERR_PHDRS_OUTSIDE},
	{"phoff wraps", m_phoff_wrap, ELF_ERR_PHDRS_OUTSIDE},
	{"no program headers", m_phnum0, ELF_ERR_PHDRS_OUTSIDE},
	{"no PT_LOAD", m_no_load, ELF_ERR_NO_LOAD},
	{"segment past end", m_seg_outside, ELF_ERR_SEGMENT_OUTSIDE},
	{"segment offset wraps", m_seg_wrap, ELF_ERR_SEGMENT_OUTSIDE},
	{"filesz > memsz", m_filesz, ELF_ERR_FILESZ_GT_MEMSZ},
	{"low address", m_low_addr, ELF_ERR_ADDRESS},
	{"inside the direct map", m_direct_map, ELF_ERR_ADDRESS},
	{"address wraps", m_addr_wrap, ELF_ERR_ADDRESS},
	{"alignment not power of two", m_align, ELF_ERR_ALIGN},
	{"W+X segment", m_wx, ELF_ERR_WX},
	{"overlapping segments", m_overlap, ELF_ERR_OVERLAP},
	{"segments sharing a page", m_share_page, ELF_ERR_OVERLAP},
	{"image over 1 GiB", m_too_large, ELF_ERR_TOO_LARGE},
	{"entry in non-executable segment", m_entry, ELF_ERR_ENTRY},
	{"entry outside all segments", m_entry_out, ELF_ERR_ENTRY},
};

static void test_broken(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct image im = valid();
		struct elf_error err;
		cases[i].mutate(&im);
		enum elf_status st = parse(&im, sizeof(im), &err);
		if (st != cases[i].expect)
			fail_msg("%s: got %d (%s), expected %d (%s)", cases[i].name, st,
			         elf_status_str(st), cases[i].expect, elf_status_str(cases[i].expect));
		assert_int_equal(err.status, st);
		/* Every status has its own message. */
		assert_string_not_equal(elf_status_str(st), elf_status_str(ELF_OK));
	}
}

static void test_too_many_segments(void **state)
{
	(void)state;
	/* 17 one-page PT_LOAD segments, each on its own page. */
	size_t n = ELF_MAX_SEGMENTS + 1;
	size_t size = sizeof(struct elf64_ehdr) + n * sizeof(struct elf64_phdr);
	uint8_t *buf = calloc(1, size);
	struct image im = valid();
	im.eh.e_phnum = (uint16_t)n;
	memcpy(buf, &im.eh, sizeof(im.eh));
	for (size_t i = 0; i < n; i++) {
		struct elf64_phdr ph = {ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0, BASE + i * 4096, 0, 0, 16, 4096};
		memcpy(buf + sizeof(im.eh) + i * sizeof(ph), &ph, sizeof(ph));
	}
	struct elf_image out;
	assert_int_equal(elf_parse(buf, size, &out, NULL), ELF_ERR_TOO_MANY_SEGMENTS);
	free(buf);
}

static void test_status_strings(void **state)
{
	(void)state;
	for (int a = 0; a < ELF_STATUS_COUNT; a++) {
		assert_non_null(elf_status_str((enum elf_status)a));
		for (int b = a + 1; b < ELF_STATUS_COUNT; b++)
			assert_string_not_equal(elf_status_str((enum elf_status)a),
			                        elf_status_str((enum elf_status)b));
	}
	assert_string_equal(elf_status_str(ELF_STATUS_COUNT), "unknown ELF status");
}

/* The kernel this build produced passes, with an executable entry segment. */
static void test_real_kernel(void **state)
{
	(void)state;
	FILE *f = fopen(KESTREL_KERNEL_ELF, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc((size_t)size);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	struct elf_image out;
	struct elf_error err;
	enum elf_status st = elf_parse(buf, (uint64_t)size, &out, &err);
	if (st != ELF_OK)
		fail_msg("real kernel: %s (index %u value 0x%llx)", elf_status_str(st), err.index,
		         (unsigned long long)err.value);
	assert_true(out.nsegs >= 3);
	assert_true(out.virt_base >= ELF_KERNEL_MIN_VADDR);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_too_many_segments),
		cmocka_unit_test(test_status_strings),
		cmocka_unit_test(test_real_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
