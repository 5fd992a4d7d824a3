/*
 * ELF64 kernel image checks (see elf.h).
 *
 * Every size computation that combines two file-controlled numbers is done
 * with an overflow check first, because "offset + size <= file size" is true
 * for a huge offset whose sum wraps. The header is copied out of the file with
 * a byte loop instead of cast in place, so an unaligned buffer is fine too.
 */
#include "elf.h"

#include <stddef.h>

static const char *const elf_messages[ELF_STATUS_COUNT] = {
	[ELF_OK] = "ok",
	[ELF_ERR_TRUNCATED] = "file is shorter than an ELF64 header",
	[ELF_ERR_MAGIC] = "bad magic: not an ELF file",
	[ELF_ERR_CLASS] = "not ELFCLASS64 (a 64-bit ELF is required)",
	[ELF_ERR_ENDIAN] = "not little-endian (ELFDATA2LSB required)",
	[ELF_ERR_VERSION] = "unknown ELF version (1 required)",
	[ELF_ERR_TYPE] = "not an executable (ET_EXEC required)",
	[ELF_ERR_MACHINE] = "not an x86_64 executable (EM_X86_64 required)",
	[ELF_ERR_PHENTSIZE] = "program header entry size too small",
	[ELF_ERR_PHDRS_OUTSIDE] = "program header table lies outside the file",
	[ELF_ERR_NO_LOAD] = "no PT_LOAD segment",
	[ELF_ERR_TOO_MANY_SEGMENTS] = "too many PT_LOAD segments",
	[ELF_ERR_SEGMENT_OUTSIDE] = "segment data runs past the end of the file",
	[ELF_ERR_FILESZ_GT_MEMSZ] = "segment file size larger than its memory size",
	[ELF_ERR_ADDRESS] = "segment address not in the top 2 GiB (0xffffffff80000000 and up), or wraps",
	[ELF_ERR_ALIGN] = "segment alignment not a power of two",
	[ELF_ERR_WX] = "segment is both writable and executable",
	[ELF_ERR_OVERLAP] = "segments overlap (share a page)",
	[ELF_ERR_TOO_LARGE] = "loaded image too large",
	[ELF_ERR_ENTRY] = "entry point outside every executable segment",
};

const char *elf_status_str(enum elf_status status)
{
	if ((unsigned)status >= ELF_STATUS_COUNT)
		return "unknown ELF status";
	return elf_messages[status];
}

static void copy_bytes(void *dst, const uint8_t *src, uint64_t n)
{
	uint8_t *d = dst;
	for (uint64_t i = 0; i < n; i++)
		d[i] = src[i];
}

static enum elf_status fail(struct elf_error *err, enum elf_status st, uint32_t index,
                            uint64_t value, uint64_t limit)
{
	if (err) {
		err->status = st;
		err->index = index;
		err->value = value;
		err->limit = limit;
	}
	return st;
}

/* a + b <= limit, without overflow. */
static int range_fits(uint64_t a, uint64_t b, uint64_t limit)
{
	return a <= limit && b <= limit - a;
}

static uint64_t page_down(uint64_t v) { return v & ~(ELF_PAGE_SIZE - 1); }

/* Round up; the caller has checked that v is not within a page of 2^64. */
static uint64_t page_up(uint64_t v) { return (v + ELF_PAGE_SIZE - 1) & ~(ELF_PAGE_SIZE - 1); }

static enum elf_status check_header(const uint8_t *p, uint64_t size, struct elf64_ehdr *eh,
                                    struct elf_error *err)
{
	if (size < sizeof(*eh))
		return fail(err, ELF_ERR_TRUNCATED, 0, size, sizeof(*eh));
	copy_bytes(eh, p, sizeof(*eh));
	if (eh->e_ident[0] != 0x7f || eh->e_ident[1] != 'E' || eh->e_ident[2] != 'L' ||
	    eh->e_ident[3] != 'F')
		return fail(err, ELF_ERR_MAGIC, 0, eh->e_ident[0], 0x7f);
	if (eh->e_ident[4] != ELF_CLASS64)
		return fail(err, ELF_ERR_CLASS, 0, eh->e_ident[4], ELF_CLASS64);
	if (eh->e_ident[5] != ELF_DATA2LSB)
		return fail(err, ELF_ERR_ENDIAN, 0, eh->e_ident[5], ELF_DATA2LSB);
	if (eh->e_ident[6] != ELF_VERSION_CURRENT || eh->e_version != ELF_VERSION_CURRENT)
		return fail(err, ELF_ERR_VERSION, 0, eh->e_version, ELF_VERSION_CURRENT);
	if (eh->e_type != ELF_ET_EXEC)
		return fail(err, ELF_ERR_TYPE, 0, eh->e_type, ELF_ET_EXEC);
	if (eh->e_machine != ELF_EM_X86_64)
		return fail(err, ELF_ERR_MACHINE, 0, eh->e_machine, ELF_EM_X86_64);
	if (eh->e_phentsize < sizeof(struct elf64_phdr))
		return fail(err, ELF_ERR_PHENTSIZE, 0, eh->e_phentsize, sizeof(struct elf64_phdr));
	/* e_phnum * e_phentsize fits in 32 bits, so only the addition can wrap. */
	uint64_t table = (uint64_t)eh->e_phnum * eh->e_phentsize;
	if (eh->e_phnum == 0 || !range_fits(eh->e_phoff, table, size))
		return fail(err, ELF_ERR_PHDRS_OUTSIDE, 0, eh->e_phoff, size);
	return ELF_OK;
}

static enum elf_status check_segment(const struct elf64_phdr *ph, uint32_t i, uint64_t size,
                                     struct elf_error *err)
{
	if (!range_fits(ph->p_offset, ph->p_filesz, size))
		return fail(err, ELF_ERR_SEGMENT_OUTSIDE, i, ph->p_offset, size);
	if (ph->p_filesz > ph->p_memsz)
		return fail(err, ELF_ERR_FILESZ_GT_MEMSZ, i, ph->p_filesz, ph->p_memsz);
	/* The end must stay at least a page below 2^64 so rounding up cannot wrap. */
	if (ph->p_vaddr < ELF_KERNEL_MIN_VADDR ||
	    !range_fits(ph->p_vaddr, ph->p_memsz, UINT64_MAX - ELF_PAGE_SIZE))
		return fail(err, ELF_ERR_ADDRESS, i, ph->p_vaddr, ph->p_memsz);
	if (ph->p_align & (ph->p_align - 1))
		return fail(err, ELF_ERR_ALIGN, i, ph->p_align, 0);
	if ((ph->p_flags & ELF_PF_W) && (ph->p_flags & ELF_PF_X))
		return fail(err, ELF_ERR_WX, i, ph->p_vaddr, ph->p_flags);
	return ELF_OK;
}

enum elf_status elf_parse(const void *file, uint64_t size, struct elf_image *img,
                          struct elf_error *err)
{
	const uint8_t *p = file;
	struct elf64_ehdr eh;
	enum elf_status st;

	if (err)
		*err = (struct elf_error){ELF_OK, 0, 0, 0};
	img->nsegs = 0;
	st = check_header(p, size, &eh, err);
	if (st != ELF_OK)
		return st;

	for (uint32_t i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		copy_bytes(&ph, p + eh.e_phoff + (uint64_t)i * eh.e_phentsize, sizeof(ph));
		if (ph.p_type != ELF_PT_LOAD || ph.p_memsz == 0)
			continue;
		st = check_segment(&ph, i, size, err);
		if (st != ELF_OK)
			return st;
		if (img->nsegs == ELF_MAX_SEGMENTS)
			return fail(err, ELF_ERR_TOO_MANY_SEGMENTS, i, img->nsegs + 1u, ELF_MAX_SEGMENTS);
		img->segs[img->nsegs++] = (struct elf_segment){
			.vaddr = ph.p_vaddr,
			.memsz = ph.p_memsz,
			.offset = ph.p_offset,
			.filesz = ph.p_filesz,
			.flags = ph.p_flags,
		};
	}
	if (img->nsegs == 0)
		return fail(err, ELF_ERR_NO_LOAD, 0, eh.e_phnum, 0);

	/* Pages are mapped with one set of permissions each, so segments may not
	 * share a page: compare page-rounded ranges, every pair (at most 16). */
	img->virt_base = UINT64_MAX;
	img->virt_end = 0;
	for (uint32_t i = 0; i < img->nsegs; i++) {
		const struct elf_segment *a = &img->segs[i];
		uint64_t a_lo = page_down(a->vaddr), a_hi = page_up(a->vaddr + a->memsz);
		for (uint32_t j = i + 1; j < img->nsegs; j++) {
			const struct elf_segment *b = &img->segs[j];
			uint64_t b_lo = page_down(b->vaddr), b_hi = page_up(b->vaddr + b->memsz);
			if (a_lo < b_hi && b_lo < a_hi)
				return fail(err, ELF_ERR_OVERLAP, j, b->vaddr, a->vaddr);
		}
		if (a_lo < img->virt_base)
			img->virt_base = a_lo;
		if (a_hi > img->virt_end)
			img->virt_end = a_hi;
	}
	if (img->virt_end - img->virt_base > ELF_MAX_IMAGE_SPAN)
		return fail(err, ELF_ERR_TOO_LARGE, 0, img->virt_end - img->virt_base,
		            ELF_MAX_IMAGE_SPAN);

	img->entry = eh.e_entry;
	for (uint32_t i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];
		if ((s->flags & ELF_PF_X) && eh.e_entry >= s->vaddr && eh.e_entry - s->vaddr < s->memsz)
			return ELF_OK;
	}
	return fail(err, ELF_ERR_ENTRY, 0, eh.e_entry, 0);
}
