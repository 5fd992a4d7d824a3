/*
 * Reading the MC146818-compatible CMOS RTC (ports 0x70/0x71; OSDev "CMOS").
 * The clock updates once a second, and a read during the update can mix old
 * and new fields, so: wait until "update in progress" (status A bit 7) is
 * clear, read every field, and repeat until two reads agree. Status B says
 * whether fields are BCD (bit 2 clear) and whether hours are 12-hour (bit 1
 * clear, with bit 7 of the hour meaning PM). The century register is named by
 * the FADT when the firmware has one; otherwise 20xx is assumed.
 * The RTC is usually set to local time by other operating systems; PC
 * firmware does not say which, so the shell prints it as "RTC time".
 *
 * Port 0x70 is shared: its bit 7 is the chipset's NMI mask (Intel PCH
 * datasheets, "NMI Enable and Real Time Clock Index Register"; OSDev "NMI").
 * Each access masks NMIs while it selects a register, as is customary, and
 * then writes the index again with bit 7 clear, so NMIs are never left
 * masked: an earlier version did not, and after the first `date` a real
 * chipset delivered no NMI again (QEMU ignores the bit, so only
 * tests/host/test_rtc.c, with a model of the port, shows it). The index is
 * left at status register D, which is read-only, so a stray write to 0x71
 * cannot change the clock.
 *
 * The index/data pair is one shared piece of state: two CPUs reading the
 * clock at once (`date` in the shell while a program asks for the time)
 * could each select a register and read the other's. So every access, from
 * selecting the register to leaving the index at status D with NMIs
 * enabled, holds cmos_lock. A spinlock also disables interrupts on this
 * CPU, so an interrupt handler that reads the clock could not deadlock
 * against the code it interrupted (none does today). NMIs cannot be held
 * off by a lock; an NMI handler must not touch these ports.
 */
#include "dev/rtc.h"

#include "acpi/boot.h"
#include "arch/x86_64/io.h"
#include "sync/spinlock.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_DISABLE 0x80 /* bit 7 of the index: NMIs masked while it is set */
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_STATUS_D 0x0d /* read-only: where the index rests between accesses */
#define RTC_UPDATING 0x80
#define RTC_BINARY 0x04
#define RTC_24H 0x02
#define RTC_PM 0x80
#define RTC_SPIN_LIMIT 1000000

/* Guards ports 0x70/0x71 between the index write and the data access; a
 * leaf lock (nothing else is taken inside it). */
static struct spinlock cmos_lock = SPINLOCK_INIT("cmos");

static uint8_t cmos_read(uint8_t reg)
{
	spin_lock(&cmos_lock);
	outb(CMOS_INDEX, CMOS_NMI_DISABLE | reg);
	uint8_t v = inb(CMOS_DATA);
	outb(CMOS_INDEX, RTC_STATUS_D); /* bit 7 clear: NMIs enabled again */
	spin_unlock(&cmos_lock);
	return v;
}

static uint8_t century_register(void)
{
	struct acpi_fadt_info fadt;
	const struct acpi *a = acpi_tables();
	if (a && acpi_parse_fadt(a, &fadt) == ACPI_OK)
		return fadt.century;
	return 0;
}

static bool read_once(uint8_t raw[7], uint8_t century_reg)
{
	int spins = 0;
	while (cmos_read(RTC_STATUS_A) & RTC_UPDATING)
		if (++spins > RTC_SPIN_LIMIT)
			return false;
	static const uint8_t regs[6] = {0x00, 0x02, 0x04, 0x07, 0x08, 0x09};
	for (int i = 0; i < 6; i++)
		raw[i] = cmos_read(regs[i]);
	raw[6] = century_reg ? cmos_read(century_reg) : 0;
	return true;
}

static uint8_t from_bcd(uint8_t v) { return (uint8_t)((v >> 4) * 10 + (v & 15)); }

bool rtc_read(struct rtc_time *t)
{
	uint8_t a[7], b[7], century_reg = century_register();
	int tries = 0;

	do {
		if (!read_once(a, century_reg) || !read_once(b, century_reg) || ++tries > 10)
			return false;
	} while (a[0] != b[0] || a[1] != b[1] || a[2] != b[2] || a[3] != b[3] || a[4] != b[4] ||
	         a[5] != b[5] || a[6] != b[6]);

	uint8_t status_b = cmos_read(RTC_STATUS_B);
	bool pm = !(status_b & RTC_24H) && (a[2] & RTC_PM);
	a[2] &= (uint8_t)~RTC_PM;
	if (!(status_b & RTC_BINARY))
		for (int i = 0; i < 7; i++)
			a[i] = from_bcd(a[i]);
	if (!(status_b & RTC_24H))
		a[2] = (uint8_t)((a[2] % 12) + (pm ? 12 : 0));
	t->second = a[0], t->minute = a[1], t->hour = a[2];
	t->day = a[3], t->month = a[4];
	t->year = (uint16_t)((century_reg && a[6] ? a[6] : 20) * 100 + a[5]);
	return t->second < 60 && t->minute < 60 && t->hour < 24 && t->day >= 1 && t->day <= 31 &&
	       t->month >= 1 && t->month <= 12;
}
