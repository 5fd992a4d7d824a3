/*
 * Parsing KESTREL.CFG (see config.h). Line by line, with every length
 * checked: an over-long value is a warning, never an overflow. Paths accept
 * '/' or '\' and must be absolute on the boot volume.
 */
#include "config.h"

static void warn(struct ldr_config *c, unsigned line, const char *what)
{
	if (c->nwarnings == CFG_MAX_WARNINGS) {
		c->nwarnings_dropped++;
		return;
	}
	char *w = c->warnings[c->nwarnings++];
	size_t n = 0;
	const char *prefix = "line ";
	while (*prefix && n < CFG_WARNING_LEN - 1)
		w[n++] = *prefix++;
	char digits[12];
	int d = 0;
	do
		digits[d++] = (char)('0' + line % 10);
	while ((line /= 10) && d < 11);
	while (d && n < CFG_WARNING_LEN - 1)
		w[n++] = digits[--d];
	const char *sep = ": ";
	while (*sep && n < CFG_WARNING_LEN - 1)
		w[n++] = *sep++;
	while (*what && n < CFG_WARNING_LEN - 1)
		w[n++] = *what++;
	w[n] = 0;
}

static int is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

static int key_is(const char *k, size_t klen, const char *name)
{
	size_t i = 0;
	for (; i < klen && name[i]; i++)
		if (k[i] != name[i])
			return 0;
	return i == klen && name[i] == 0;
}

/* Decimal in [lo, hi]; -1 on anything else. */
static long parse_num(const char *s, size_t len, long lo, long hi)
{
	long v = 0;
	if (len == 0 || len > 9)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < lo || v > hi ? -1 : v;
}

/* Copies only a value that fits and is printable ASCII: a bad line leaves
 * dst as an earlier line (or the default) set it. */
static int copy_value(char *dst, size_t cap, const char *v, size_t len)
{
	if (len >= cap)
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return -1;
	for (size_t i = 0; i < len; i++)
		dst[i] = v[i];
	dst[len] = 0;
	return 0;
}

/* An absolute path of printable ASCII into dst, '/' turned into '\'; -1
 * (dst unchanged) for anything else. */
static int copy_path(char *dst, const char *v, size_t len)
{
	if (len == 0 || (v[0] != '\\' && v[0] != '/') || copy_value(dst, CFG_PATH_MAX, v, len) != 0)
		return -1;
	for (char *p = dst; *p; p++)
		if (*p == '/')
			*p = '\\';
	return 0;
}

/* yes/no, with the spellings people use for them: 1 for yes, true, on and 1;
 * 0 for no, false, off and 0; -1 for anything else. */
static int parse_bool(const char *v, size_t vlen)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (key_is(v, vlen, yes[i]))
			return 1;
		if (key_is(v, vlen, no[i]))
			return 0;
	}
	return -1;
}

static void set(struct ldr_config *c, unsigned line, const char *k, size_t klen, const char *v,
                size_t vlen)
{
	if (key_is(k, klen, "kernel")) {
		if (copy_path(c->kernel, v, vlen) != 0) {
			warn(c, line, "kernel: needs an absolute path of printable ASCII; line ignored");
			return;
		}
	} else if (key_is(k, klen, "initrd")) {
		/* An empty value means: boot without an initramfs. */
		if (vlen != 0 && copy_path(c->initrd, v, vlen) != 0) {
			warn(c, line, "initrd: needs an absolute path of printable ASCII, or "
			              "nothing; line ignored");
			return;
		}
		if (vlen == 0)
			c->initrd[0] = 0;
		c->has_initrd = 1;
	} else if (key_is(k, klen, "cmdline")) {
		if (copy_value(c->cmdline, CFG_CMDLINE_MAX, v, vlen) != 0) {
			warn(c, line, "cmdline: too long or not printable ASCII; line ignored");
			return;
		}
		c->has_cmdline = 1;
	} else if (key_is(k, klen, "resolution")) {
		size_t x = 0;
		while (x < vlen && v[x] != 'x' && v[x] != 'X')
			x++;
		long w = parse_num(v, x, 320, 16384);
		long h = x < vlen ? parse_num(v + x + 1, vlen - x - 1, 200, 16384) : -1;
		if (w < 0 || h < 0) {
			warn(c, line, "resolution: expected WIDTHxHEIGHT (e.g. 1280x800); line ignored");
			return;
		}
		c->width = (uint32_t)w, c->height = (uint32_t)h;
	} else if (key_is(k, klen, "timeout")) {
		long t = parse_num(v, vlen, 0, 600);
		if (t < 0) {
			warn(c, line, "timeout: expected seconds, 0 to 600; line ignored");
			return;
		}
		c->timeout_s = (uint32_t)t;
	} else if (key_is(k, klen, "verbose")) {
		int on = parse_bool(v, vlen);
		if (on < 0) {
			warn(c, line, "verbose: expected yes or no; line ignored");
			return;
		}
		c->verbose = on;
	} else {
		warn(c, line, "unknown key (known: kernel, initrd, cmdline, resolution, timeout, "
		              "verbose); ignored");
	}
}

void cfg_parse(struct ldr_config *c, const char *text, size_t len)
{
	c->kernel[0] = 0;
	c->initrd[0] = 0;
	c->has_initrd = 0;
	c->cmdline[0] = 0;
	c->has_cmdline = 0;
	c->width = c->height = 0;
	c->timeout_s = 10;
	c->verbose = 0;
	c->nwarnings = 0;
	c->nwarnings_dropped = 0;

	unsigned line = 0;
	for (size_t pos = 0; pos < len;) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		line++;
		size_t a = pos, b = end;
		pos = end + 1;
		while (a < b && is_space(text[a]))
			a++;
		while (b > a && is_space(text[b - 1]))
			b--;
		if (a == b || text[a] == '#')
			continue;
		size_t eq = a;
		while (eq < b && text[eq] != '=')
			eq++;
		if (eq == b) {
			warn(c, line, "expected key = value; ignored");
			continue;
		}
		size_t ke = eq, vs = eq + 1;
		while (ke > a && is_space(text[ke - 1]))
			ke--;
		while (vs < b && is_space(text[vs]))
			vs++;
		set(c, line, text + a, ke - a, text + vs, b - vs);
	}
}
