/*
 * Host tests of the CMOS RTC reader (kernel/dev/rtc.c) against a model of
 * ports 0x70/0x71 that also keeps the chipset's NMI mask (bit 7 of every
 * write to 0x70). The first version left NMIs masked for good after one
 * read; QEMU ignores that bit, so only a model shows it. Also: BCD and
 * 12-hour fields, the century register from the FADT, waiting out an update
 * in progress, and a second that ticks between the two reads. The lock
 * (tests/host/fake_io/sync/spinlock.h) must be held from the index write to
 * the data read and the index's reset, so that another CPU's access cannot
 * come between them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acpi/boot.h"
#include "arch/x86_64/io.h"
#include "dev/rtc.h"
#include "sync/spinlock.h"

static struct {
	uint8_t reg[128];
	uint8_t index;
	bool nmi_masked;
	int data_reads, data_reads_unmasked;
	int updating_reads;   /* status A reads that report an update in progress */
	int tick_after_reads; /* data reads before the seconds register advances */
	struct spinlock *lock; /* the reader's lock while it is held, else NULL */
	int locks;             /* times it was taken */
	bool selected_unlocked; /* a register was selected without the lock */
} cmos;

void spin_lock(struct spinlock *l)
{
	assert_false(l->held);
	assert_null(cmos.lock); /* one lock, never nested */
	l->held = true;
	cmos.lock = l;
	cmos.locks++;
}

void spin_unlock(struct spinlock *l)
{
	assert_true(l->held);
	assert_ptr_equal(cmos.lock, l);
	/* Released only with the index back at status D and NMIs enabled. */
	assert_int_equal(cmos.index, 0x0d);
	assert_false(cmos.nmi_masked);
	l->held = false;
	cmos.lock = NULL;
}

void outb(uint16_t port, uint8_t v)
{
	assert_int_equal(port, 0x70); /* the reader never writes the clock */
	if (!cmos.lock)
		cmos.selected_unlocked = true;
	cmos.index = v & 0x7f;
	cmos.nmi_masked = v & 0x80;
}

uint8_t inb(uint16_t port)
{
	assert_int_equal(port, 0x71);
	assert_non_null(cmos.lock); /* index and data under one hold of the lock */
	cmos.data_reads++;
	if (!cmos.nmi_masked)
		cmos.data_reads_unmasked++;
	if (cmos.tick_after_reads && --cmos.tick_after_reads == 0)
		cmos.reg[0x00]++;
	if (cmos.index == 0x0a && cmos.updating_reads > 0) {
		cmos.updating_reads--;
		return 0x80 | cmos.reg[0x0a];
	}
	return cmos.reg[cmos.index];
}

/* The FADT: no tables unless a test sets a century register. */
static uint8_t fadt_century;
static struct acpi fake_tables;

const struct acpi *acpi_tables(void)
{
	return fadt_century ? &fake_tables : NULL;
}

int acpi_parse_fadt(const struct acpi *a, struct acpi_fadt_info *out)
{
	assert_ptr_equal(a, &fake_tables);
	memset(out, 0, sizeof(*out));
	out->century = fadt_century;
	return ACPI_OK;
}

static int setup(void **state)
{
	(void)state;
	memset(&cmos, 0, sizeof(cmos));
	fadt_century = 0;
	return 0;
}

/* 2024-02-29 23:59:58 in binary, 24-hour mode. */
static void set_binary_time(void)
{
	cmos.reg[0x0b] = 0x02 | 0x04;
	cmos.reg[0x00] = 58, cmos.reg[0x02] = 59, cmos.reg[0x04] = 23;
	cmos.reg[0x07] = 29, cmos.reg[0x08] = 2, cmos.reg[0x09] = 24;
}

static void test_nmi_enabled_after_every_read(void **state)
{
	(void)state;
	set_binary_time();
	struct rtc_time t;
	for (int i = 0; i < 3; i++) {
		assert_true(rtc_read(&t));
		assert_false(cmos.nmi_masked);
		/* The index rests on read-only status register D. */
		assert_int_equal(cmos.index, 0x0d);
	}
	/* ...and every data read happened with NMIs masked. */
	assert_true(cmos.data_reads > 0);
	assert_int_equal(cmos.data_reads_unmasked, 0);
	assert_int_equal(t.year, 2024);
	assert_int_equal(t.month, 2);
	assert_int_equal(t.day, 29);
	assert_int_equal(t.hour, 23);
	assert_int_equal(t.minute, 59);
	assert_int_equal(t.second, 58);
}

/* Each access holds the lock from selecting the register to leaving the
 * index at status D: one hold per data read, nothing selected outside. */
static void test_every_access_under_the_lock(void **state)
{
	(void)state;
	set_binary_time();
	cmos.updating_reads = 3;
	struct rtc_time t;
	assert_true(rtc_read(&t));
	assert_true(cmos.data_reads > 0);
	assert_int_equal(cmos.locks, cmos.data_reads);
	assert_false(cmos.selected_unlocked);
	assert_null(cmos.lock);
}

static void test_bcd_12_hour_and_century(void **state)
{
	(void)state;
	cmos.reg[0x0b] = 0x00; /* BCD, 12-hour */
	cmos.reg[0x00] = 0x07, cmos.reg[0x02] = 0x45, cmos.reg[0x04] = 0x80 | 0x12; /* 12 PM */
	cmos.reg[0x07] = 0x31, cmos.reg[0x08] = 0x12, cmos.reg[0x09] = 0x99;
	cmos.reg[0x32] = 0x19;
	fadt_century = 0x32;
	struct rtc_time t;
	assert_true(rtc_read(&t));
	assert_int_equal(t.year, 1999);
	assert_int_equal(t.hour, 12);
	assert_int_equal(t.minute, 45);
	assert_int_equal(t.second, 7);
	cmos.reg[0x04] = 0x12; /* 12 AM is hour 0 */
	assert_true(rtc_read(&t));
	assert_int_equal(t.hour, 0);
	assert_false(cmos.nmi_masked);
}

static void test_waits_out_an_update(void **state)
{
	(void)state;
	set_binary_time();
	cmos.updating_reads = 50;
	struct rtc_time t;
	assert_true(rtc_read(&t));
	assert_int_equal(cmos.updating_reads, 0);
	assert_false(cmos.nmi_masked);
}

static void test_second_ticks_between_reads(void **state)
{
	(void)state;
	set_binary_time();
	cmos.tick_after_reads = 3; /* inside the first read's fields */
	struct rtc_time t;
	assert_true(rtc_read(&t));
	assert_int_equal(t.second, 59); /* the two reads after the tick agree */
}

static void test_stuck_update_fails_with_nmi_enabled(void **state)
{
	(void)state;
	set_binary_time();
	cmos.updating_reads = 1 << 30;
	struct rtc_time t;
	assert_false(rtc_read(&t));
	assert_false(cmos.nmi_masked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(test_nmi_enabled_after_every_read, setup),
	        cmocka_unit_test_setup(test_every_access_under_the_lock, setup),
	        cmocka_unit_test_setup(test_bcd_12_hour_and_century, setup),
	        cmocka_unit_test_setup(test_waits_out_an_update, setup),
	        cmocka_unit_test_setup(test_second_ticks_between_reads, setup),
	        cmocka_unit_test_setup(test_stuck_update_fails_with_nmi_enabled, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
