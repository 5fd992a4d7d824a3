/*
 * libFuzzer target for the boot log's buffer (loader/textlog.c). The input
 * is a capacity byte and then UCS-2 text, cut into appends at NUL
 * characters. Whatever arrives, the buffer (malloc'd at exactly its capacity,
 * so ASan sees any overrun) must hold: len <= cap; only printable ASCII, CR
 * and LF; every LF preceded by CR; once full, the notice at the end and
 * nothing added later.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/textlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cap = TEXTLOG_MIN_CAP - 2 + data[0]; /* a little below the minimum, and up */
	char *buf = malloc(cap ? cap : 1);
	struct textlog t;
	textlog_init(&t, buf, cap);

	size_t n = (size - 1) / 2;
	uint16_t *text = malloc((n + 1) * sizeof(uint16_t));
	for (size_t i = 0; i < n; i++)
		text[i] = (uint16_t)(data[1 + 2 * i] | data[2 + 2 * i] << 8);
	text[n] = 0;
	size_t full_len = 0;
	for (size_t start = 0; start <= n;) {
		int was_full = t.full;
		textlog_put(&t, text + start); /* up to the next NUL */
		if (t.len > cap || (was_full && t.len != full_len))
			abort();
		if (t.full && !was_full)
			full_len = t.len;
		start += 1;
		while (start <= n && text[start - 1] != 0)
			start++;
	}
	size_t notice = sizeof(TEXTLOG_NOTICE) - 1;
	size_t body = t.len;
	if (t.full && t.len >= notice && t.len > 0) {
		if (memcmp(buf + t.len - notice, TEXTLOG_NOTICE, notice) != 0)
			abort();
		body = t.len - notice;
	}
	for (size_t i = 0; i < body; i++) {
		char c = buf[i];
		if (c == '\n' ? (i == 0 || buf[i - 1] != '\r')
		              : (c == '\r' ? (i + 1 >= body || buf[i + 1] != '\n')
		                           : (c < 0x20 || c > 0x7e)))
			abort();
	}
	free(text);
	free(buf);
	return 0;
}
