/*
 * What the file system needs from the rest of the kernel (struct
 * vfs_platform): pages for file contents from the page-frame allocator,
 * through the direct map, shared with the processes that map them
 * (mm/pageref.h), and the time of day, which is the CMOS clock's
 * reading at start-up plus the monotonic clock since (there is no other
 * wall clock yet). Host tests give vfs_init a platform of their own.
 */
#include "fs/platform.h"

#include "core/kprintf.h"
#include "core/panic.h"
#include "dev/rtc.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "mm/pageref.h"
#include "mm/phys.h"
#include "time/clock.h"

static int64_t epoch_at_start; /* seconds since 1970 when clock_ns() read start_ns */
static uint64_t start_ns;

static void *page_alloc(void)
{
	uint64_t pa = pmm_alloc_page(mm_pmm());
	return pa ? phys_to_virt(pa) : NULL;
}

/* A file page may still be mapped by processes (pageref counts them): the
 * last of the file and its mappings to let go frees it. */
static void page_free(void *page)
{
	uint64_t pa = virt_to_phys(page);
	if (pageref_drop(pa))
		pmm_free_page(mm_pmm(), pa);
}

static bool page_share(void *page) { return pageref_share(virt_to_phys(page)); }

static void now(struct vfs_time *t)
{
	uint64_t ns = clock_ns() - start_ns;
	t->sec = epoch_at_start + (int64_t)(ns / 1000000000u);
	t->nsec = (int64_t)(ns % 1000000000u);
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil, http://howardhinnant.github.io/date_algorithms.html). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static const struct vfs_platform platform = {page_alloc, page_free, now, page_share};

void fs_init_kernel(void)
{
	struct rtc_time t;
	start_ns = clock_ns();
	if (rtc_read(&t))
		epoch_at_start = days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 +
		                 t.minute * 60 + t.second;
	else
		kprintf("fs: the CMOS clock gave no time; file times count from 1970\n");
	if (vfs_init(&platform) != 0)
		panic("fs: no memory for the root directory");
}
