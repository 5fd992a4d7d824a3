/*
 * The cpio "newc" reader (cpio.h). Invariant: r->pos never exceeds r->len,
 * and every comparison is of a length against what is left (len - pos), never
 * a sum that could wrap, so a size field of 0xffffffff is just "too large".
 *
 * A header is the magic and 13 fields of 8 ASCII hex digits (docs/
 * initramfs.md); the name follows, padded with NULs so that header + name end
 * on a multiple of 4 bytes, then the data, padded to a multiple of 4. Offsets
 * are taken from the start of the buffer, as Linux takes them from the start
 * of the initramfs (init/initramfs.c, N_ALIGN and do_reset).
 */
#include "lib/cpio.h"

#include "lib/vsnprintf.h"

/* Header fields in order, after the 6-byte magic. */
enum {
	F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR, F_DEVMINOR,
	F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, NFIELDS
};
static const char *const field_names[NFIELDS] = {
	"c_ino", "c_mode", "c_uid", "c_gid", "c_nlink", "c_mtime", "c_filesize",
	"c_devmajor", "c_devminor", "c_rdevmajor", "c_rdevminor", "c_namesize", "c_check",
};

__attribute__((format(printf, 3, 4))) static int fail(struct cpio_reader *r, int err,
                                                      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	r->error = err;
	return err;
}

/* fail() at a given offset. */
#define FAIL_AT(r, off, err, ...) ((r)->error_offset = (off), fail((r), (err), __VA_ARGS__))

/* n bytes as text for a message: printable ASCII as is, the rest as \xHH. */
static const char *show(char *out, size_t cap, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 <= cap; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '"') {
			out[o++] = (char)p[i];
		} else {
			out[o++] = '\\', out[o++] = 'x';
			out[o++] = hex[p[i] >> 4], out[o++] = hex[p[i] & 15];
		}
	}
	out[o] = 0;
	return out;
}

static bool bytes_equal(const uint8_t *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != (uint8_t)b[i])
			return false;
	return true;
}

static int hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The magic numbers of the compressed formats Linux can unpack
 * (lib/decompress.c, compressed_formats[]): named in the error. */
static const struct {
	uint8_t magic[4];
	size_t len;
	const char *name;
} compressed[] = {
	{{0x1f, 0x8b}, 2, "gzip"},      {{0x1f, 0x9e}, 2, "gzip"},
	{{0x42, 0x5a, 0x68}, 3, "bzip2"}, {{0x5d, 0x00, 0x00}, 3, "lzma"},
	{{0xfd, 0x37, 0x7a, 0x58}, 4, "xz"}, {{0x89, 0x4c, 0x5a, 0x4f}, 4, "lzo"},
	{{0x02, 0x21, 0x4c, 0x18}, 4, "lz4"}, {{0x28, 0xb5, 0x2f, 0xfd}, 4, "zstd"},
};

/* Between archives: skip NULs. A non-NUL byte must start a header on a
 * 4-byte boundary. Returns CPIO_OK (at a header), CPIO_END or an error. */
static int between_archives(struct cpio_reader *r)
{
	while (r->pos < r->len && r->buf[r->pos] == 0)
		r->pos++;
	if (r->pos == r->len)
		return CPIO_END;
	const uint8_t *p = r->buf + r->pos;
	size_t left = r->len - r->pos;
	for (size_t i = 0; i < sizeof(compressed) / sizeof(compressed[0]); i++)
		if (left >= compressed[i].len && bytes_equal(p, (const char *)compressed[i].magic,
		                                             compressed[i].len))
			return FAIL_AT(r, r->pos, CPIO_ERR_COMPRESSED,
			               "a %s-compressed archive: only uncompressed newc archives are "
			               "supported", compressed[i].name);
	if (r->pos % 4 != 0)
		return FAIL_AT(r, r->pos, CPIO_ERR_PADDING,
		               "broken padding: byte 0x%02x at an offset that is not a multiple of 4 "
		               "after archive %u", p[0], r->archives);
	r->in_archive = true;
	r->archives++;
	r->archive_start = r->pos;
	return CPIO_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The 13 fields of the header at r->pos (110 bytes are there). */
static int parse_fields(struct cpio_reader *r, uint32_t f[NFIELDS])
{
	const uint8_t *h = r->buf + r->pos;
	for (int i = 0; i < NFIELDS; i++) {
		const uint8_t *d = h + 6 + 8 * i;
		uint32_t v = 0;
		for (int k = 0; k < 8; k++) {
			int x = hex_digit(d[k]);
			if (x < 0) {
				char text[8 * 4 + 1];
				return FAIL_AT(r, r->pos + 6 + 8 * (size_t)i, CPIO_ERR_HEX,
				               "header field %s is \"%s\", not 8 hexadecimal digits",
				               field_names[i], show(text, sizeof(text), d, 8));
			}
			v = v << 4 | (uint32_t)x;
		}
		f[i] = v;
	}
	return CPIO_OK;
}

static int check_type(struct cpio_reader *r, const struct cpio_entry *e, size_t at)
{
	uint32_t type = e->mode & CPIO_S_IFMT;
	switch (type) {
	case CPIO_S_IFREG:
		return CPIO_OK;
	case CPIO_S_IFLNK:
		if (e->size == 0 || e->size > CPIO_LINK_MAX)
			return FAIL_AT(r, at, CPIO_ERR_SIZE,
			               "'%.64s': a symlink target of %zu bytes (1 to %u allowed)",
			               e->name, e->size, CPIO_LINK_MAX);
		for (size_t i = 0; i < e->size; i++)
			if (e->data[i] == 0)
				return FAIL_AT(r, at, CPIO_ERR_SIZE,
				               "'%.64s': the symlink target has a NUL at byte %zu",
				               e->name, i);
		return CPIO_OK;
	case CPIO_S_IFDIR:
	case CPIO_S_IFCHR:
	case CPIO_S_IFBLK:
	case CPIO_S_IFIFO:
	case CPIO_S_IFSOCK:
		if (e->size != 0)
			return FAIL_AT(r, at, CPIO_ERR_SIZE,
			               "'%.64s': a %s with %zu bytes of data (it can have none)",
			               e->name, type == CPIO_S_IFDIR ? "directory" : "special file",
			               e->size);
		return CPIO_OK;
	}
	return FAIL_AT(r, at, CPIO_ERR_TYPE, "'%.64s': unknown file type 0%o in c_mode 0%o",
	               e->name, type, e->mode);
}

void cpio_reader_init(struct cpio_reader *r, const void *buf, size_t len)
{
	*r = (struct cpio_reader){.buf = buf, .len = len};
	r->message[0] = 0;
}

int cpio_next(struct cpio_reader *r, struct cpio_entry *e)
{
	for (;;) {
		if (r->error)
			return r->error;
		if (!r->in_archive) {
			int st = between_archives(r);
			if (st != CPIO_OK)
				return st;
		}
		size_t at = r->pos, left = r->len - r->pos;
		if (all_zero(r->buf + at, left))
			return FAIL_AT(r, r->len, CPIO_ERR_NO_TRAILER,
			               "archive %u (from offset %zu) ends at offset %zu without its "
			               CPIO_TRAILER " entry", r->archives, r->archive_start, at);
		if (left < CPIO_HEADER_SIZE)
			return FAIL_AT(r, at, CPIO_ERR_HEADER,
			               "header truncated: %zu of %u bytes before the end of the buffer",
			               left, CPIO_HEADER_SIZE);
		const uint8_t *h = r->buf + at;
		bool crc = bytes_equal(h, "070702", 6);
		if (!crc && !bytes_equal(h, "070701", 6)) {
			char text[6 * 4 + 1];
			if (bytes_equal(h, "070707", 6))
				return FAIL_AT(r, at, CPIO_ERR_MAGIC,
				               "magic 070707 is the old portable (odc) cpio format: only "
				               "newc (070701, 070702) is supported");
			return FAIL_AT(r, at, CPIO_ERR_MAGIC,
			               "bad magic \"%s\" (a newc header starts with 070701 or 070702)",
			               show(text, sizeof(text), h, 6));
		}
		uint32_t f[NFIELDS];
		int st = parse_fields(r, f);
		if (st != CPIO_OK)
			return st;

		uint32_t namesize = f[F_NAMESIZE];
		if (namesize == 0 || namesize > CPIO_NAME_MAX)
			return FAIL_AT(r, at + 6 + 8 * F_NAMESIZE, CPIO_ERR_NAME_SIZE,
			               "name size %u (1 to %u allowed, the NUL included)", namesize,
			               CPIO_NAME_MAX);
		left -= CPIO_HEADER_SIZE;
		if (namesize > left)
			return FAIL_AT(r, at + CPIO_HEADER_SIZE, CPIO_ERR_NAME_TRUNCATED,
			               "name of %u bytes truncated: %zu bytes left in the buffer",
			               namesize, left);
		const char *name = (const char *)h + CPIO_HEADER_SIZE;
		if (name[namesize - 1] != 0)
			return FAIL_AT(r, at + CPIO_HEADER_SIZE, CPIO_ERR_NAME_NUL,
			               "name of %u bytes is not NUL-terminated", namesize);
		size_t name_len = 0;
		while (name[name_len])
			name_len++;
		if (name_len + 1 != namesize)
			return FAIL_AT(r, at + CPIO_HEADER_SIZE, CPIO_ERR_NAME_NUL,
			               "name of %u bytes has a NUL at byte %zu", namesize, name_len);
		if (name_len == 0)
			return FAIL_AT(r, at + CPIO_HEADER_SIZE, CPIO_ERR_NAME_NUL, "empty name");

		/* Header and name end on a 4-byte boundary: at most 3 NULs, which
		 * may be cut off only where the buffer ends anyway. */
		size_t data_at = at + CPIO_HEADER_SIZE + namesize;
		size_t pad = (4 - data_at % 4) % 4;
		left -= namesize;
		if (pad > left)
			pad = left;
		data_at += pad;
		left -= pad;
		uint32_t size = f[F_FILESIZE];
		if (size > left)
			return FAIL_AT(r, data_at, CPIO_ERR_DATA_TRUNCATED,
			               "'%.64s': %u bytes of data truncated: %zu bytes left in the buffer",
			               name, size, left);
		const uint8_t *data = r->buf + data_at;
		if (crc) {
			uint32_t sum = 0;
			for (uint32_t i = 0; i < size; i++)
				sum += data[i];
			if (sum != f[F_CHECK])
				return FAIL_AT(r, data_at, CPIO_ERR_CHECKSUM,
				               "'%.64s': data sum 0x%08x, but c_check says 0x%08x", name,
				               sum, f[F_CHECK]);
		}
		size_t next = data_at + size;
		next += (4 - next % 4) % 4;
		r->pos = next < r->len ? next : r->len;

		if (name_len == sizeof(CPIO_TRAILER) - 1 &&
		    bytes_equal((const uint8_t *)name, CPIO_TRAILER, name_len)) {
			r->in_archive = false;
			continue;
		}
		*e = (struct cpio_entry){
			.name = name, .name_len = name_len, .data = data, .size = size,
			.ino = f[F_INO], .mode = f[F_MODE], .uid = f[F_UID], .gid = f[F_GID],
			.nlink = f[F_NLINK], .mtime = f[F_MTIME],
			.dev_major = f[F_DEVMAJOR], .dev_minor = f[F_DEVMINOR],
			.rdev_major = f[F_RDEVMAJOR], .rdev_minor = f[F_RDEVMINOR],
			.offset = at, .archive = r->archives - 1,
		};
		st = check_type(r, e, at);
		if (st != CPIO_OK)
			return st;
		r->entries++;
		return CPIO_OK;
	}
}

const char *cpio_status_str(int status)
{
	switch (status) {
	case CPIO_OK: return "ok";
	case CPIO_END: return "end";
	case CPIO_ERR_MAGIC: return "bad magic";
	case CPIO_ERR_HEADER: return "truncated header";
	case CPIO_ERR_HEX: return "bad header field";
	case CPIO_ERR_NAME_SIZE: return "bad name size";
	case CPIO_ERR_NAME_TRUNCATED: return "truncated name";
	case CPIO_ERR_NAME_NUL: return "bad name";
	case CPIO_ERR_DATA_TRUNCATED: return "truncated data";
	case CPIO_ERR_CHECKSUM: return "bad checksum";
	case CPIO_ERR_NO_TRAILER: return "missing trailer";
	case CPIO_ERR_PADDING: return "broken padding";
	case CPIO_ERR_TYPE: return "unknown file type";
	case CPIO_ERR_SIZE: return "bad size for the file type";
	case CPIO_ERR_COMPRESSED: return "compressed archive";
	}
	return "unknown status";
}
