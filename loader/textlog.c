/*
 * The boot log's buffer (see textlog.h). The invariant that keeps it safe:
 * until `full` is set, len <= cap - TEXTLOG_MIN_CAP, so the notice always
 * fits; every byte written first checks the room left under that limit.
 */
#include "textlog.h"

void textlog_init(struct textlog *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	t->full = buf == NULL || cap < TEXTLOG_MIN_CAP;
}

static void textlog_close(struct textlog *t)
{
	static const char notice[] = TEXTLOG_NOTICE;
	for (size_t i = 0; i < sizeof(notice) - 1; i++)
		t->buf[t->len++] = notice[i];
	t->full = 1;
}

void textlog_put(struct textlog *t, const uint16_t *s)
{
	if (t->full)
		return;
	size_t room = t->cap - TEXTLOG_MIN_CAP - t->len;
	for (; *s; s++) {
		if (*s == '\n') {
			if (room < 2) {
				textlog_close(t);
				return;
			}
			t->buf[t->len++] = '\r';
			t->buf[t->len++] = '\n';
			room -= 2;
			continue;
		}
		if (room < 1) {
			textlog_close(t);
			return;
		}
		t->buf[t->len++] = (*s >= 0x20 && *s < 0x7f) ? (char)*s : '?';
		room--;
	}
}
