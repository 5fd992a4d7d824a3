/* The CMOS real-time clock: wall-clock date and time as the firmware keeps it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct rtc_time {
	uint16_t year;
	uint8_t month, day, hour, minute, second;
};

/* False if the RTC never left its update cycle or returned nonsense. */
bool rtc_read(struct rtc_time *t);
