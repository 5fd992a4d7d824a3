/*
 * The loader's formatter (see fmt.h). Its one invariant: nothing is stored
 * at or past buf[cap - 1] except the final NUL, whatever the format and the
 * arguments; every store goes through put().
 */
#include "fmt.h"

struct out {
	uint16_t *buf;
	size_t cap, len;
};

static void put(struct out *o, uint16_t c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len++] = c;
}

/* One converted field: `body` (n units of ASCII or UCS-2) padded to width. */
struct field {
	int left, zero;
	unsigned width;
};

static void pad(struct out *o, const struct field *f, size_t n, uint16_t c)
{
	for (size_t i = n; i < f->width; i++)
		put(o, c);
}

static void emit_ascii(struct out *o, const struct field *f, const char *s, size_t n)
{
	if (!f->left)
		pad(o, f, n, ' ');
	for (size_t i = 0; i < n; i++)
		put(o, (uint8_t)s[i]);
	if (f->left)
		pad(o, f, n, ' ');
}

static void emit_ucs2(struct out *o, const struct field *f, const uint16_t *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	if (!f->left)
		pad(o, f, n, ' ');
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (f->left)
		pad(o, f, n, ' ');
}

static void emit_number(struct out *o, const struct field *f, uint64_t v, int negative,
                        unsigned base)
{
	static const char digits[] = "0123456789ABCDEF";
	char tmp[20]; /* 2^64 - 1 has 20 decimal digits */
	size_t n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	size_t len = n + (negative ? 1 : 0);
	if (!f->left && !f->zero)
		pad(o, f, len, ' ');
	if (negative)
		put(o, '-');
	if (!f->left && f->zero)
		pad(o, f, len, '0');
	while (n)
		put(o, (uint8_t)tmp[--n]);
	if (f->left)
		pad(o, f, len, ' ');
}

size_t fmt_vformat(uint16_t *buf, size_t cap, const uint16_t *fmt, va_list ap)
{
	struct out o = {buf, cap, 0};

	for (const uint16_t *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		const uint16_t *start = p++;
		struct field f = {0, 0, 0};
		for (;; p++) {
			if (*p == '-')
				f.left = 1;
			else if (*p == '0')
				f.zero = 1;
			else
				break;
		}
		/* Widths beyond a screen line are a mistake; cap them. */
		while (*p >= '0' && *p <= '9') {
			f.width = f.width * 10 + (unsigned)(*p++ - '0');
			if (f.width > 1000)
				f.width = 1000;
		}
		int wide = 0;
		while (*p == 'l') {
			wide = 1;
			p++;
		}
		switch (*p) {
		case 'd': {
			int64_t v = wide ? va_arg(ap, int64_t) : va_arg(ap, int);
			/* Negate as unsigned: -INT64_MIN does not exist. */
			emit_number(&o, &f, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0, 10);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = wide ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			emit_number(&o, &f, v, 0, *p == 'u' ? 10 : 16);
			break;
		}
		case 's': {
			const uint16_t *s = va_arg(ap, const uint16_t *);
			if (s)
				emit_ucs2(&o, &f, s);
			else
				emit_ascii(&o, &f, "(null)", 6);
			break;
		}
		case 'a': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			size_t n = 0;
			while (s[n])
				n++;
			emit_ascii(&o, &f, s, n);
			break;
		}
		case 'c': {
			uint16_t c[2] = {(uint16_t)va_arg(ap, int), 0};
			emit_ucs2(&o, &f, c);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown (or the format ended): copy it as it stands. */
			for (const uint16_t *q = start; q <= p && *q; q++)
				put(&o, *q);
			if (!*p)
				p--; /* let the loop see the terminator */
		}
	}
	if (cap)
		buf[o.len] = 0;
	return o.len;
}

size_t fmt_format(uint16_t *buf, size_t cap, const uint16_t *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = fmt_vformat(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}
