/*
 * The memory-map sanitizer (see memmap.h for the invariant of its output).
 * It reads the firmware's descriptors in place, by descriptor size and
 * through unaligned-safe copies, and writes only the caller's range array:
 * no allocation, no scratch memory, so it can run before any allocator.
 */
#include "mm/memmap.h"

#include <boot/bootinfo.h>
#include <stdbool.h>

#define PAGE_MASK (MEMMAP_PAGE_SIZE - 1)
#define NO_CLASS  (-1)

enum memmap_class memmap_classify(uint32_t type)
{
	switch (type) {
	case BOOTINFO_EFI_CONVENTIONAL:
	case BOOTINFO_EFI_BOOT_SERVICES_CODE:
	case BOOTINFO_EFI_BOOT_SERVICES_DATA:
	case BOOTINFO_EFI_LOADER_CODE:
	case BOOTINFO_EFI_LOADER_DATA:
		return MEMMAP_USABLE;
	case BOOTINFO_EFI_ACPI_RECLAIM:
		return MEMMAP_ACPI_RECLAIM;
	case BOOTINFO_MEM_KERNEL:
	case BOOTINFO_MEM_BOOTINFO:
	case BOOTINFO_MEM_PAGE_TABLES:
	case BOOTINFO_MEM_STACK:
	case BOOTINFO_MEM_INITRD:
		/* The types loaders before boot-info version 3 used: still
		 * kept, though this loader's ranges come from the boot info. */
		return MEMMAP_KEEP_LOADER;
	default:
		/* Runtime services, ACPI NVS, MMIO, unusable, persistent,
		 * unaccepted, PAL code, OEM and OS types we did not allocate:
		 * whatever we do not understand, we leave alone. */
		return MEMMAP_RESERVED;
	}
}

const char *memmap_class_name(uint32_t c)
{
	static const char *const names[MEMMAP_NCLASSES] = {
	        "usable",
	        "ACPI reclaim",
	        "kept for the kernel (loader)",
	        "reserved",
	};
	return c < MEMMAP_NCLASSES ? names[c] : "?";
}

const char *memmap_strerror(int err)
{
	switch (err) {
	case MEMMAP_OK:
		return "ok";
	case MEMMAP_ERR_DESC_SIZE:
		return "descriptor size below 40 or not a multiple of 8";
	case MEMMAP_ERR_MAP_SIZE:
		return "map size not a multiple of the descriptor size";
	case MEMMAP_ERR_RANGE:
		return "a descriptor wraps around or ends above 2^52";
	case MEMMAP_ERR_CAPACITY:
		return "more ranges than the range array holds";
	case MEMMAP_ERR_UNALIGNED:
		return "not page aligned";
	case MEMMAP_ERR_EMPTY:
		return "empty";
	case MEMMAP_ERR_OVERLAP:
		return "overlaps another of the loader's ranges";
	case MEMMAP_ERR_OUTSIDE:
		return "not inside usable memory of the firmware's memory map";
	case MEMMAP_ERR_ABOVE_LIMIT:
		return "above the direct map's 64 TiB limit";
	case MEMMAP_ERR_COUNT:
		return "more ranges than the boot info holds";
	}
	return "unknown error";
}

void memmap_init(struct memmap *m, struct memmap_range *storage, size_t capacity)
{
	*m = (struct memmap){.ranges = storage, .capacity = capacity};
}

void memmap_set_scratch(struct memmap *m, uint64_t *words, size_t nwords)
{
	m->scratch = words;
	m->scratch_words = nwords;
}

/* One descriptor as a half-open page-aligned interval with its class. */
struct span {
	uint64_t start, end;
	int cls;
};

/*
 * Read descriptor i and apply the per-descriptor rules: usable memory is
 * rounded inward and never contains page 0, the other classes are rounded
 * outward. False for a descriptor that covers no whole page. The caller
 * has checked (check_ranges) that start + pages * 4 KiB does not pass
 * MEMMAP_PHYS_LIMIT, so nothing here can wrap.
 */
static bool read_span(const unsigned char *raw, size_t i, size_t desc_size, struct span *s)
{
	struct bootinfo_mmap_desc d;

	__builtin_memcpy(&d, raw + i * desc_size, sizeof(d));
	if (d.num_pages == 0)
		return false;
	uint64_t end = d.phys_start + d.num_pages * MEMMAP_PAGE_SIZE;
	s->cls = (int)memmap_classify(d.type);
	if (s->cls == MEMMAP_USABLE) {
		s->start = (d.phys_start + PAGE_MASK) & ~PAGE_MASK;
		s->end = end & ~PAGE_MASK;
		if (s->start < MEMMAP_PAGE_SIZE)
			s->start = MEMMAP_PAGE_SIZE;
	} else {
		s->start = d.phys_start & ~PAGE_MASK;
		s->end = (end + PAGE_MASK) & ~PAGE_MASK;
	}
	return s->start < s->end;
}

/* Refuse any descriptor whose range wraps or passes MEMMAP_PHYS_LIMIT. */
static int check_ranges(struct memmap *m, const unsigned char *raw, size_t n, size_t desc_size)
{
	for (size_t i = 0; i < n; i++) {
		struct bootinfo_mmap_desc d;
		__builtin_memcpy(&d, raw + i * desc_size, sizeof(d));
		if (d.num_pages == 0)
			continue;
		if (d.phys_start > MEMMAP_PHYS_LIMIT ||
		    d.num_pages > (MEMMAP_PHYS_LIMIT - d.phys_start) / MEMMAP_PAGE_SIZE) {
			m->bad_index = i;
			return MEMMAP_ERR_RANGE;
		}
	}
	return MEMMAP_OK;
}

/* Output side of the sweep: the range being grown, flushed into the array
 * (if it still has room) when a range that cannot extend it arrives. */
struct emitter {
	struct memmap *m;
	struct memmap_range cur;
	bool have;
};

static void flush(struct emitter *em)
{
	if (!em->have)
		return;
	struct memmap *m = em->m;
	if (m->count < m->capacity)
		m->ranges[m->count++] = em->cur;
	m->needed++;
	em->have = false;
}

static void emit(struct emitter *em, uint64_t start, uint64_t end, int cls)
{
	em->m->pages[cls] += (end - start) / MEMMAP_PAGE_SIZE;
	if (em->have && em->cur.end == start && em->cur.mclass == (uint32_t)cls) {
		em->cur.end = end;
		return;
	}
	flush(em);
	em->cur = (struct memmap_range){.start = start, .end = end, .mclass = (uint32_t)cls};
	em->have = true;
}

/*
 * The sweep without memory. Walk the address space from 0 by boundaries: at
 * position pos, one pass over all descriptors finds both the class that owns
 * [pos, next) (the most restrictive class of the descriptors covering pos)
 * and next, the nearest descriptor start or end above pos. Between two
 * consecutive boundaries no descriptor starts or ends, so the class is
 * constant there. Each step moves pos to a distinct boundary: at most 2n
 * steps of n descriptors each. (The firmware's map is never sorted in
 * place: it stays intact for boot_mmap_entry.)
 */
static void sweep_quadratic(struct emitter *em, const unsigned char *raw, size_t n, size_t dsz)
{
	uint64_t pos = 0;
	for (;;) {
		int cls = NO_CLASS;
		uint64_t next = UINT64_MAX; /* no boundary above pos yet */
		for (size_t i = 0; i < n; i++) {
			struct span s;
			if (!read_span(raw, i, dsz, &s))
				continue;
			if (s.start <= pos && pos < s.end) {
				if (s.cls > cls)
					cls = s.cls;
				if (s.end < next)
					next = s.end;
			} else if (s.start > pos && s.start < next) {
				next = s.start;
			}
		}
		if (next == UINT64_MAX)
			return; /* spans end at most at MEMMAP_PHYS_LIMIT */
		if (cls != NO_CLASS)
			emit(em, pos, next, cls);
		pos = next;
	}
}

/* In-place heapsort: O(k log k), no recursion, no memory. */
static void sift(uint64_t *a, size_t root, size_t k)
{
	for (size_t child; (child = 2 * root + 1) < k; root = child) {
		if (child + 1 < k && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		uint64_t t = a[root];
		a[root] = a[child];
		a[child] = t;
	}
}

static void heapsort(uint64_t *a, size_t k)
{
	for (size_t i = k / 2; i-- > 0;)
		sift(a, i, k);
	for (size_t end = k; end-- > 1;) {
		uint64_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift(a, 0, end);
	}
}

/*
 * The same sweep with scratch memory: every span becomes two events, one
 * word each (address << 4 | start flag << 3 | class; addresses have at most
 * 52 bits), sorted by address. Walking them with a count of open spans per
 * class gives the owning class of each stretch between event addresses.
 */
static void sweep_sorted(struct emitter *em, uint64_t *ev, const unsigned char *raw, size_t n,
                         size_t dsz)
{
	size_t k = 0, open[MEMMAP_NCLASSES] = {0};
	for (size_t i = 0; i < n; i++) {
		struct span s;
		if (read_span(raw, i, dsz, &s)) {
			ev[k++] = s.start << 4 | 8 | (uint64_t)s.cls;
			ev[k++] = s.end << 4 | (uint64_t)s.cls;
		}
	}
	heapsort(ev, k);
	for (size_t i = 0; i < k;) {
		uint64_t pos = ev[i] >> 4;
		for (; i < k && ev[i] >> 4 == pos; i++) {
			if (ev[i] & 8)
				open[ev[i] & 3]++;
			else
				open[ev[i] & 3]--;
		}
		int cls = NO_CLASS;
		for (int c = 0; c < MEMMAP_NCLASSES; c++)
			if (open[c])
				cls = c;
		if (i < k && cls != NO_CLASS)
			emit(em, pos, ev[i] >> 4, cls);
	}
}

int memmap_sanitize(struct memmap *m, const void *raw_map, size_t raw_size, size_t desc_size)
{
	const unsigned char *raw = raw_map;

	m->count = m->needed = m->bad_index = 0;
	for (int c = 0; c < MEMMAP_NCLASSES; c++)
		m->pages[c] = 0;
	if (desc_size < MEMMAP_DESC_MIN || desc_size % 8 != 0)
		return MEMMAP_ERR_DESC_SIZE;
	if (raw_size % desc_size != 0)
		return MEMMAP_ERR_MAP_SIZE;
	size_t n = raw_size / desc_size;
	int err = check_ranges(m, raw, n, desc_size);
	if (err)
		return err;

	struct emitter em = {.m = m};
	if (m->scratch && m->scratch_words / 2 >= n)
		sweep_sorted(&em, m->scratch, raw, n, desc_size);
	else
		sweep_quadratic(&em, raw, n, desc_size);
	flush(&em);
	return m->needed > m->capacity ? MEMMAP_ERR_CAPACITY : MEMMAP_OK;
}

const struct memmap_range *memmap_find(const struct memmap *m, uint64_t pa)
{
	size_t lo = 0, hi = m->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct memmap_range *r = &m->ranges[mid];
		if (pa < r->start)
			hi = mid;
		else if (pa >= r->end)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

/* Insert a copy of ranges[i] split at address at (strictly inside it). */
static void split_at(struct memmap *m, size_t i, uint64_t at)
{
	for (size_t j = m->count; j > i + 1; j--)
		m->ranges[j] = m->ranges[j - 1];
	m->ranges[i + 1] = m->ranges[i];
	m->ranges[i].end = at;
	m->ranges[i + 1].start = at;
	m->count++;
}

/* Whether class c becomes something else under the change (raise to
 * `to`, or lower kept pages to usable when `to` is MEMMAP_USABLE). */
static bool changes(uint32_t c, uint32_t to)
{
	return to == MEMMAP_USABLE ? c == MEMMAP_KEEP_LOADER : c < to;
}

/* Would a split at address at be needed (at strictly inside a range whose
 * class the change affects)? Returns the index to split, or SIZE_MAX. */
static size_t needs_split(const struct memmap *m, uint64_t at, uint32_t to)
{
	const struct memmap_range *r = memmap_find(m, at);
	if (!r || r->start == at || !changes(r->mclass, to))
		return SIZE_MAX;
	return (size_t)(r - m->ranges);
}

/* memmap_reserve and memmap_release: split at most two ranges, change the
 * class inside [start, end) (page aligned), re-merge and recount. */
static int set_class(struct memmap *m, uint64_t start, uint64_t end, uint32_t to)
{
	if (start >= end || m->needed > m->capacity)
		return start >= end ? MEMMAP_OK : MEMMAP_ERR_CAPACITY;
	size_t a = needs_split(m, start, to), b = needs_split(m, end, to);
	size_t extra = (a != SIZE_MAX) + (b != SIZE_MAX && b != a) + (a != SIZE_MAX && b == a);
	if (m->count + extra > m->capacity)
		return MEMMAP_ERR_CAPACITY;
	if (a != SIZE_MAX)
		split_at(m, a, start);
	b = needs_split(m, end, to); /* indices moved */
	if (b != SIZE_MAX)
		split_at(m, b, end);

	size_t out = 0;
	for (int k = 0; k < MEMMAP_NCLASSES; k++)
		m->pages[k] = 0;
	for (size_t i = 0; i < m->count; i++) {
		struct memmap_range r = m->ranges[i];
		if (r.start >= start && r.end <= end && changes(r.mclass, to))
			r.mclass = to;
		m->pages[r.mclass] += (r.end - r.start) / MEMMAP_PAGE_SIZE;
		if (out > 0 && m->ranges[out - 1].end == r.start &&
		    m->ranges[out - 1].mclass == r.mclass)
			m->ranges[out - 1].end = r.end;
		else
			m->ranges[out++] = r;
	}
	m->count = m->needed = out;
	return MEMMAP_OK;
}

int memmap_reserve(struct memmap *m, uint64_t start, uint64_t end, enum memmap_class c)
{
	start &= ~PAGE_MASK;
	end = end > MEMMAP_PHYS_LIMIT ? MEMMAP_PHYS_LIMIT : (end + PAGE_MASK) & ~PAGE_MASK;
	if (c == MEMMAP_USABLE)
		return MEMMAP_OK; /* nothing is below usable */
	return set_class(m, start, end, (uint32_t)c);
}

int memmap_release(struct memmap *m, uint64_t start, uint64_t end)
{
	/* Inward, like all usable memory, and never page 0. */
	start = (start + PAGE_MASK) & ~PAGE_MASK;
	end = end > MEMMAP_PHYS_LIMIT ? MEMMAP_PHYS_LIMIT : end & ~PAGE_MASK;
	if (start < MEMMAP_PAGE_SIZE)
		start = MEMMAP_PAGE_SIZE;
	return set_class(m, start, end, MEMMAP_USABLE);
}

/* The loader's ranges, checked before any is trusted: each page aligned and
 * not empty, none overlapping another, each inside one usable range of the
 * firmware's map (the loader allocated them as loader data) and below the
 * direct map's limit. Then they become MEMMAP_KEEP_LOADER. */
static int keep_loader_ranges(struct memmap *m, const struct bootinfo_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		m->bad_index = i;
		if ((r[i].phys | r[i].size) & PAGE_MASK)
			return MEMMAP_ERR_UNALIGNED;
		if (r[i].size == 0)
			return MEMMAP_ERR_EMPTY;
		for (size_t j = 0; j < i; j++) {
			m->bad_other = j;
			if (r[i].phys < r[j].phys + r[j].size && r[j].phys < r[i].phys + r[i].size)
				return MEMMAP_ERR_OVERLAP;
		}
		if (r[i].phys >= BOOTINFO_DIRECT_MAP_MAX ||
		    r[i].size > BOOTINFO_DIRECT_MAP_MAX - r[i].phys)
			return MEMMAP_ERR_ABOVE_LIMIT;
		/* Two touching ranges never share a class, so usable memory
		 * that covers the range is one range. */
		const struct memmap_range *u = memmap_find(m, r[i].phys);
		if (!u || u->mclass != MEMMAP_USABLE || u->end < r[i].phys + r[i].size)
			return MEMMAP_ERR_OUTSIDE;
	}
	for (size_t i = 0; i < n; i++) {
		int err = set_class(m, r[i].phys, r[i].phys + r[i].size, MEMMAP_KEEP_LOADER);
		if (err != MEMMAP_OK)
			return err;
	}
	return MEMMAP_OK;
}

int memmap_apply_bootinfo(struct memmap *m, const struct bootinfo *bi)
{
	if (bi->nranges > BOOTINFO_MAX_RANGES) {
		m->bad_index = bi->nranges;
		return MEMMAP_ERR_COUNT;
	}
	int err = keep_loader_ranges(m, bi->ranges, bi->nranges);
	if (err != MEMMAP_OK)
		return err;
	/* The framebuffer is device memory, but a GOP may place it in a range
	 * the firmware's map calls RAM (boot-services data, say): it must
	 * neither be handed out nor appear in the direct map. */
	const struct bootinfo_framebuffer *fb = &bi->fb;
	if (fb->format != BOOTINFO_FB_NONE && fb->size)
		err = memmap_reserve(m, fb->base_phys, fb->base_phys + fb->size, MEMMAP_RESERVED);
	return err;
}

uint64_t memmap_direct_map_end(const struct memmap *m, uint64_t max)
{
	for (size_t i = m->count; i-- > 0;) {
		const struct memmap_range *r = &m->ranges[i];
		if (MEMMAP_IS_RAM(r->mclass))
			return r->end < max ? r->end : max;
	}
	return 0;
}

bool memmap_is_ram(const struct memmap *m, uint64_t start, uint64_t end)
{
	/* RAM ranges can touch (usable next to kept), so walk them. */
	while (start < end) {
		const struct memmap_range *r = memmap_find(m, start);
		if (!r || !MEMMAP_IS_RAM(r->mclass))
			return false;
		start = r->end;
	}
	return true;
}
