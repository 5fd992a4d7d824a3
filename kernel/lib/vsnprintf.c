/*
 * The formatter behind kprintf, ksnprintf and the panic path (the supported
 * grammar and the corner cases are listed in vsnprintf.h).
 *
 * kvformat parses the format once, left to right, and hands the output to a
 * callback in pieces: runs of literal text, padding in fixed-size chunks,
 * and each converted field. Nothing is buffered beyond one number's digits,
 * so the output length is unlimited and the stack use is small and fixed,
 * which matters on an exception stack. All state lives in locals; the only
 * static data is read-only.
 */
#include "lib/vsnprintf.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * %zd reads the signed type corresponding to size_t and %tu the unsigned type
 * corresponding to ptrdiff_t; C has no name for either, so we read the other
 * type of the pair, which is only right if they are the same width.
 */
_Static_assert(sizeof(size_t) == sizeof(ptrdiff_t), "size_t and ptrdiff_t differ in width");
/* <limits.h> is not among the headers the kernel uses; int is int32_t here. */
_Static_assert(sizeof(int) == sizeof(int32_t), "int is not 32 bits");

/* Flag characters of a conversion specification (C11 7.21.6.1p6). */
#define FMT_LEFT  (1u << 0) /* '-': pad on the right */
#define FMT_ZERO  (1u << 1) /* '0': pad numbers with zeros after sign and prefix */
#define FMT_PLUS  (1u << 2) /* '+': '+' before non-negative signed numbers */
#define FMT_SPACE (1u << 3) /* ' ': ' ' before non-negative signed numbers */
#define FMT_ALT   (1u << 4) /* '#': "0x" for hex, a leading 0 for octal */

enum fmt_length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

struct fmt_spec {
	unsigned flags;
	int width; /* >= 0 */
	int prec;  /* < 0 when absent */
	enum fmt_length len;
	char conv;
};

struct fmt_out {
	kformat_put_fn put;
	void *ctx;
	size_t total; /* bytes produced so far, truncated or not */
};

static void out_str(struct fmt_out *out, const char *s, size_t n)
{
	if (n == 0)
		return;
	out->put(out->ctx, s, n);
	out->total += n;
}

/* Padding comes from a constant run, so a width of 10000 is 157 calls, not 10000. */
static void out_pad(struct fmt_out *out, char c, size_t n)
{
	static const char spaces[] = "                                "
	                             "                                ";
	static const char zeros[] = "00000000000000000000000000000000"
	                            "00000000000000000000000000000000";
	const char *run = c == '0' ? zeros : spaces;

	while (n > 0) {
		size_t chunk = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		out_str(out, run, chunk);
		n -= chunk;
	}
}

/* Pads a field of len bytes to the spec's width, on the side the flags ask for. */
static void out_field(struct fmt_out *out, const struct fmt_spec *spec, const char *s, size_t len)
{
	size_t pad = (size_t)spec->width > len ? (size_t)spec->width - len : 0;

	if (!(spec->flags & FMT_LEFT))
		out_pad(out, ' ', pad);
	out_str(out, s, len);
	if (spec->flags & FMT_LEFT)
		out_pad(out, ' ', pad);
}

/* Never reads past max bytes: "%.3s" may point at an unterminated array. */
static size_t bounded_strlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

static void format_string(struct fmt_out *out, const struct fmt_spec *spec, const char *s)
{
	/* glibc prints nothing rather than a cut-off "(nu" when "(null)" does not fit. */
	if (s == NULL)
		s = spec->prec < 0 || spec->prec >= 6 ? "(null)" : "";
	out_field(out, spec, s, bounded_strlen(s, spec->prec < 0 ? SIZE_MAX : (size_t)spec->prec));
}

/*
 * Reads an integer argument at its promoted type and converts it to the type
 * the length modifier names, which is where "%hhd" of 200 becomes -56.
 */
static intmax_t fetch_signed(va_list *ap, enum fmt_length len)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_NONE:
		break;
	}
	return va_arg(*ap, int);
}

static uintmax_t fetch_unsigned(va_list *ap, enum fmt_length len)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	case LEN_T:
		return va_arg(*ap, size_t);
	case LEN_NONE:
		break;
	}
	return va_arg(*ap, unsigned int);
}

/*
 * A number is laid out as
 *     [spaces] [sign] [0x] [zeros] digits [spaces]
 * The precision is the minimum digit count, made up with zeros; a zero value
 * with precision 0 has no digits at all. The '0' flag widens the zeros to
 * fill the field, but only without a precision (C11 7.21.6.1p6). For octal,
 * '#' raises the precision just enough that the first digit is 0, so it never
 * adds a zero that is already there.
 */
static void format_number(struct fmt_out *out, const struct fmt_spec *spec, uintmax_t mag,
                          bool negative)
{
	static const char lower[] = "0123456789abcdef";
	static const char upper[] = "0123456789ABCDEF";
	const char *digit_chars = spec->conv == 'X' ? upper : lower;
	bool is_hex = spec->conv == 'x' || spec->conv == 'X' || spec->conv == 'p';
	unsigned base = spec->conv == 'o' ? 8 : is_hex ? 16 : 10;
	bool is_signed = spec->conv == 'd' || spec->conv == 'i' || spec->conv == 'p';
	char digits[24]; /* UINTMAX_MAX has 22 octal digits */
	size_t nd = 0;
	char prefix[3]; /* sign and "0x" together, as with "%+p" */
	size_t np = 0;
	size_t zeros, body;

	if (mag != 0 || spec->prec != 0) {
		uintmax_t v = mag;
		do {
			digits[sizeof(digits) - ++nd] = digit_chars[v % base];
			v /= base;
		} while (v != 0);
	}

	/* glibc treats %p as signed here: "%+p" prints "+0x1234". */
	if (negative)
		prefix[np++] = '-';
	else if (is_signed && (spec->flags & FMT_PLUS))
		prefix[np++] = '+';
	else if (is_signed && (spec->flags & FMT_SPACE))
		prefix[np++] = ' ';
	if (base == 16 && (spec->flags & FMT_ALT) && mag != 0) {
		prefix[np++] = '0';
		prefix[np++] = spec->conv == 'X' ? 'X' : 'x';
	}

	zeros = spec->prec > 0 && (size_t)spec->prec > nd ? (size_t)spec->prec - nd : 0;
	if (base == 8 && (spec->flags & FMT_ALT) && zeros == 0 &&
	    (nd == 0 || digits[sizeof(digits) - nd] != '0'))
		zeros = 1;

	body = np + zeros + nd;
	if ((spec->flags & (FMT_ZERO | FMT_LEFT)) == FMT_ZERO && spec->prec < 0 &&
	    (size_t)spec->width > body) {
		zeros += (size_t)spec->width - body;
		body = (size_t)spec->width;
	}

	if (!(spec->flags & FMT_LEFT))
		out_pad(out, ' ', (size_t)spec->width > body ? (size_t)spec->width - body : 0);
	out_str(out, prefix, np);
	out_pad(out, '0', zeros);
	out_str(out, digits + sizeof(digits) - nd, nd);
	if (spec->flags & FMT_LEFT)
		out_pad(out, ' ', (size_t)spec->width > body ? (size_t)spec->width - body : 0);
}

/* Reads a decimal field; saturates rather than overflowing on absurd widths. */
static int parse_decimal(const char **p)
{
	int v = 0;

	while (**p >= '0' && **p <= '9') {
		int d = **p - '0';
		v = v > (INT32_MAX - d) / 10 ? INT32_MAX : v * 10 + d;
		(*p)++;
	}
	return v;
}

/*
 * Parses the specification after the '%' at *p, consuming '*' arguments.
 * Leaves *p on the conversion character (or the terminating NUL).
 */
static void parse_spec(const char **p, struct fmt_spec *spec, va_list *ap)
{
	const char *s = *p;

	spec->flags = 0;
	for (;; s++) {
		if (*s == '-')
			spec->flags |= FMT_LEFT;
		else if (*s == '0')
			spec->flags |= FMT_ZERO;
		else if (*s == '+')
			spec->flags |= FMT_PLUS;
		else if (*s == ' ')
			spec->flags |= FMT_SPACE;
		else if (*s == '#')
			spec->flags |= FMT_ALT;
		else if (*s != '\'')
			break;
	}

	/* A negative '*' width is a '-' flag and a positive width (C11 7.21.6.1p5). */
	if (*s == '*') {
		int w = va_arg(*ap, int);
		s++;
		if (w < 0) {
			spec->flags |= FMT_LEFT;
			w = w == INT32_MIN ? INT32_MAX : -w;
		}
		spec->width = w;
	} else {
		spec->width = parse_decimal(&s);
	}

	/* A negative '*' precision is taken as if the precision were omitted. */
	spec->prec = -1;
	if (*s == '.') {
		s++;
		if (*s == '*') {
			int pr = va_arg(*ap, int);
			s++;
			spec->prec = pr < 0 ? -1 : pr;
		} else {
			spec->prec = parse_decimal(&s);
		}
	}

	spec->len = LEN_NONE;
	switch (*s) {
	case 'h':
		s++;
		spec->len = LEN_H;
		if (*s == 'h') {
			s++;
			spec->len = LEN_HH;
		}
		break;
	case 'l':
		s++;
		spec->len = LEN_L;
		if (*s == 'l') {
			s++;
			spec->len = LEN_LL;
		}
		break;
	case 'z':
		s++;
		spec->len = LEN_Z;
		break;
	case 'j':
		s++;
		spec->len = LEN_J;
		break;
	case 't':
		s++;
		spec->len = LEN_T;
		break;
	default:
		break;
	}

	spec->conv = *s;
	*p = s;
}

/*
 * Converts one specification; returns false if the conversion is not
 * supported, in which case no value argument has been consumed.
 */
static bool convert(struct fmt_out *out, const struct fmt_spec *spec, va_list *ap)
{
	switch (spec->conv) {
	case 'd':
	case 'i': {
		intmax_t v = fetch_signed(ap, spec->len);
		uintmax_t mag = v < 0 ? -(uintmax_t)v : (uintmax_t)v;
		format_number(out, spec, mag, v < 0);
		return true;
	}
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		format_number(out, spec, fetch_unsigned(ap, spec->len), false);
		return true;
	case 'p': {
		/* Length modifiers mean nothing to %p; glibc ignores them too. */
		const void *ptr = va_arg(*ap, const void *);
		struct fmt_spec hex = *spec;
		if (ptr == NULL) {
			hex.prec = -1;
			format_string(out, &hex, "(nil)");
		} else {
			hex.flags |= FMT_ALT;
			format_number(out, &hex, (uintptr_t)ptr, false);
		}
		return true;
	}
	case 's':
		/* %ls would be a wchar_t string, which this kernel has no use for. */
		if (spec->len == LEN_L)
			return false;
		format_string(out, spec, va_arg(*ap, const char *));
		return true;
	case 'c': {
		char c;
		struct fmt_spec chr = *spec;
		if (spec->len == LEN_L)
			return false;
		c = (char)(unsigned char)va_arg(*ap, int);
		chr.prec = -1;
		out_field(out, &chr, &c, 1);
		return true;
	}
	case '%':
		out_str(out, "%", 1);
		return true;
	default:
		return false;
	}
}

int kvformat(kformat_put_fn put, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out out = {.put = put, .ctx = ctx, .total = 0};
	const char *p = fmt;
	va_list args;

	/*
	 * The helpers take a va_list pointer; a copy is needed because on x86_64
	 * va_list is an array type, so &ap of a parameter has the wrong type.
	 */
	va_copy(args, ap);
	while (*p != '\0') {
		const char *start = p;
		struct fmt_spec spec;

		while (*p != '\0' && *p != '%')
			p++;
		out_str(&out, start, (size_t)(p - start));
		if (*p == '\0')
			break;

		start = p++;
		parse_spec(&p, &spec, &args);
		if (*p == '\0') {
			out_str(&out, start, (size_t)(p - start));
			break;
		}
		p++;
		if (!convert(&out, &spec, &args))
			out_str(&out, start, (size_t)(p - start));
	}
	va_end(args);

	return out.total > INT32_MAX ? -1 : (int)out.total;
}

/* Sink for kvsnprintf: keeps what fits, leaving room for the NUL. */
struct snprintf_buf {
	char *buf;
	size_t size;
	size_t used; /* < size whenever size > 0 */
};

static void snprintf_put(void *ctx, const char *s, size_t n)
{
	struct snprintf_buf *b = ctx;
	size_t room;

	if (b->size == 0)
		return;
	room = b->size - 1 - b->used;
	if (n > room)
		n = room;
	for (size_t i = 0; i < n; i++)
		b->buf[b->used + i] = s[i];
	b->used += n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct snprintf_buf b = {.buf = buf, .size = size, .used = 0};
	int ret = kvformat(snprintf_put, &b, fmt, ap);

	if (size > 0)
		buf[b.used] = '\0';
	return ret;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return ret;
}
