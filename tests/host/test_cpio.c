/*
 * Host tests for kernel/lib/cpio.c, the newc reader. Archives are built here
 * byte by byte (the oracle is the format as docs/initramfs.md draws it, and
 * GNU cpio's output for the one archive checked in as a seed), then copied
 * into a heap block of exactly their size, so AddressSanitizer stops any read
 * past the end. Every malformed case must give its own status, the offset of
 * the problem and a message that names it; every truncation of a good
 * archive must give an error, never a crash or an entry with bytes outside
 * the buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/cpio.h"

#include "tests/host/cpio_build.h"

/* A small good archive: what most tests start from. */
static void sample(struct ar *a)
{
	entry(a, ".", CPIO_S_IFDIR | 0755, NULL, 0);
	entry(a, "bin", CPIO_S_IFDIR | 0755, NULL, 0);
	file(a, "bin/hello", "hello, world\n");
	entry(a, "bin/sh", CPIO_S_IFLNK | 0777, "hello", 5);
	uint32_t f[13];
	fields(a, f, "dev/console", CPIO_S_IFCHR | 0600, 0);
	f[RDEVMAJ] = 5, f[RDEVMIN] = 1;
	raw(a, "070701", f, "dev/console", sizeof("dev/console"), NULL, 0);
	trailer(a);
}

/* ---- Reading them back ---------------------------------------------------- */

#define MAXE 64

struct result {
	int status;
	size_t n;
	struct cpio_entry e[MAXE];
	struct cpio_reader r;
	uint8_t *copy; /* exactly len bytes */
};

static void parse(struct result *res, const struct ar *a, size_t len)
{
	res->copy = malloc(len ? len : 1);
	assert_non_null(res->copy);
	if (len)
		memcpy(res->copy, a->p, len);
	cpio_reader_init(&res->r, res->copy, len);
	res->n = 0;
	for (;;) {
		struct cpio_entry e;
		res->status = cpio_next(&res->r, &e);
		if (res->status != CPIO_OK)
			break;
		/* Everything an entry points at lies inside the buffer. */
		const uint8_t *lo = res->copy, *hi = res->copy + len;
		assert_true((const uint8_t *)e.name >= lo && (const uint8_t *)e.name + e.name_len < hi);
		assert_int_equal(strlen(e.name), e.name_len);
		assert_true(e.data >= lo && e.data + e.size <= hi);
		assert_true(res->n < MAXE);
		res->e[res->n++] = e;
	}
	if (res->status < 0) {
		assert_true(res->r.message[0] != 0);
		assert_true(res->r.error_offset <= len);
		/* Sticky: the same error again, nothing else. */
		struct cpio_entry e;
		assert_int_equal(cpio_next(&res->r, &e), res->status);
	} else {
		assert_int_equal(res->status, CPIO_END);
	}
}

static void done(struct result *res) { free(res->copy); }

/* A malformed archive: its status, offset and a message containing what. */
static void expect_error(const struct ar *a, int status, size_t offset, const char *what)
{
	struct result res;
	parse(&res, a, a->len);
	if (res.status != status)
		fail_msg("status %d (%s), expected %d (%s); message: %s", res.status,
		         cpio_status_str(res.status), status, cpio_status_str(status), res.r.message);
	if (res.r.error_offset != offset)
		fail_msg("offset %zu, expected %zu; message: %s", res.r.error_offset, offset,
		         res.r.message);
	if (!strstr(res.r.message, what))
		fail_msg("message \"%s\" does not say \"%s\"", res.r.message, what);
	done(&res);
}

/* ---- Good archives ---------------------------------------------------------- */

static void test_sample(void **state)
{
	(void)state;
	struct ar a = {0};
	sample(&a);
	struct result res;
	parse(&res, &a, a.len);
	assert_int_equal(res.status, CPIO_END);
	assert_int_equal(res.n, 5);
	assert_string_equal(res.e[0].name, ".");
	assert_int_equal(res.e[0].mode, CPIO_S_IFDIR | 0755);
	assert_int_equal(res.e[0].nlink, 2);
	assert_int_equal(res.e[0].offset, 0);
	assert_string_equal(res.e[2].name, "bin/hello");
	assert_int_equal(res.e[2].size, 13);
	assert_memory_equal(res.e[2].data, "hello, world\n", 13);
	assert_int_equal(res.e[2].ino, 3);
	assert_int_equal((uintptr_t)(res.e[2].data - res.copy) % 4, 0);
	assert_string_equal(res.e[3].name, "bin/sh");
	assert_int_equal(res.e[3].mode & CPIO_S_IFMT, CPIO_S_IFLNK);
	assert_memory_equal(res.e[3].data, "hello", 5);
	assert_string_equal(res.e[4].name, "dev/console");
	assert_int_equal(res.e[4].rdev_major, 5);
	assert_int_equal(res.e[4].rdev_minor, 1);
	for (size_t i = 0; i < res.n; i++)
		assert_int_equal(res.e[i].archive, 0);
	assert_int_equal(res.r.archives, 1);
	assert_int_equal(res.r.entries, 5);
	done(&res);
	free(a.p);
}

/* Names of every length mod 4 put the data at every padding. */
static void test_name_padding(void **state)
{
	(void)state;
	struct ar a = {0};
	static const char *names[] = {"a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg"};
	for (int i = 0; i < 7; i++)
		for (int s = 0; s < 5; s++) {
			char text[8];
			snprintf(text, sizeof(text), "%.*s", s, "wxyz!");
			file(&a, names[i], text);
		}
	trailer(&a);
	struct result res;
	parse(&res, &a, a.len);
	assert_int_equal(res.status, CPIO_END);
	assert_int_equal(res.n, 35);
	for (int i = 0; i < 35; i++) {
		assert_string_equal(res.e[i].name, names[i / 5]);
		assert_int_equal(res.e[i].size, (size_t)(i % 5));
		assert_memory_equal(res.e[i].data, "wxyz!", res.e[i].size);
		assert_int_equal(res.e[i].offset % 4, 0);
	}
	done(&res);
	free(a.p);
}

/* An empty buffer and one of NULs hold no archive: the end, no error. */
static void test_empty(void **state)
{
	(void)state;
	struct ar a = {0};
	struct result res;
	parse(&res, &a, 0);
	assert_int_equal(res.status, CPIO_END);
	assert_int_equal(res.n, 0);
	done(&res);
	zeros(&a, 1000);
	parse(&res, &a, a.len);
	assert_int_equal(res.status, CPIO_END);
	assert_int_equal(res.r.archives, 0);
	done(&res);
	free(a.p);
	/* Just a trailer: one archive, no entries. */
	a = (struct ar){0};
	trailer(&a);
	parse(&res, &a, a.len);
	assert_int_equal(res.status, CPIO_END);
	assert_int_equal(res.r.archives, 1);
	assert_int_equal(res.n, 0);
	done(&res);
	free(a.p);
}

/*
 * Concatenated archives, as a boot loader or `cat a.cpio b.cpio` makes them:
 * padded to 512 bytes (GNU cpio's blocks) with NULs, or not padded at all,
 * or with extra NULs. Every entry comes out, in order, with its archive.
 */
static void test_concatenated(void **state)
{
	(void)state;
	struct ar a = {0};
	file(&a, "etc/motd", "first\n");
	file(&a, "etc/hostname", "one\n");
	trailer(&a);
	zeros(&a, (512 - a.len % 512) % 512);
	file(&a, "etc/motd", "second\n");
	trailer(&a);
	file(&a, "etc/motd", "third\n"); /* no padding before it */
	trailer(&a);
	zeros(&a, 4096 + 3); /* trailing NULs, any number */
	struct result res;
	parse(&res, &a, a.len);
	assert_int_equal(res.status, CPIO_END);
	assert_int_equal(res.n, 4);
	assert_int_equal(res.r.archives, 3);
	assert_string_equal(res.e[0].name, "etc/motd");
	assert_int_equal(res.e[0].archive, 0);
	assert_int_equal(res.e[1].archive, 0);
	assert_int_equal(res.e[2].archive, 1);
	assert_int_equal(res.e[2].offset % 512, 0);
	assert_memory_equal(res.e[2].data, "second\n", 7);
	assert_int_equal(res.e[3].archive, 2);
	assert_memory_equal(res.e[3].data, "third\n", 6);
	done(&res);
	free(a.p);
}

/* 070702: c_check is the byte sum of the data, and it is checked. */
static void test_crc_format(void **state)
{
	(void)state;
	struct ar a = {0};
	uint32_t f[13];
	fields(&a, f, "data", CPIO_S_IFREG | 0600, 4);
	f[CHECK] = 0xff + 0x01 + 0x80 + 0x7f;
	raw(&a, "070702", f, "data", 5, "\xff\x01\x80\x7f", 4);
	trailer(&a);
	struct result res;
	parse(&res, &a, a.len);
	assert_int_equal(res.status, CPIO_END);
	assert_int_equal(res.n, 1);
	done(&res);

	a.len = 0;
	f[CHECK] = 0x1234;
	raw(&a, "070702", f, "data", 5, "\xff\x01\x80\x7f", 4);
	trailer(&a);
	expect_error(&a, CPIO_ERR_CHECKSUM, 116, "'data': data sum 0x000001ff, but c_check says 0x00001234");
	free(a.p);
}

/* Hex digits of either case; what the fields say comes out unchanged. */
static void test_fields(void **state)
{
	(void)state;
	struct ar a = {0};
	uint32_t f[13] = {0xdeadbeef, CPIO_S_IFREG | 04755, 1000, 100, 3, 0x7fffffff, 2,
	                  8, 1, 0, 0, 2, 0};
	raw(&a, "070701", f, "x", 2, "hi", 2);
	/* the same in lower case */
	char h[CPIO_HEADER_SIZE + 1];
	int n = snprintf(h, sizeof(h), "070701");
	for (int i = 0; i < 13; i++)
		n += snprintf(h + n, sizeof(h) - (size_t)n, "%08x", f[i]);
	put(&a, h, CPIO_HEADER_SIZE);
	put(&a, "x\0", 2);
	put(&a, "hi\0\0", 4);
	trailer(&a);
	struct result res;
	parse(&res, &a, a.len);
	assert_int_equal(res.status, CPIO_END);
	assert_int_equal(res.n, 2);
	for (int i = 0; i < 2; i++) {
		const struct cpio_entry *e = &res.e[i];
		assert_int_equal(e->ino, 0xdeadbeef);
		assert_int_equal(e->mode, CPIO_S_IFREG | 04755);
		assert_int_equal(e->uid, 1000);
		assert_int_equal(e->gid, 100);
		assert_int_equal(e->nlink, 3);
		assert_int_equal(e->mtime, 0x7fffffff);
		assert_int_equal(e->dev_major, 8);
		assert_int_equal(e->dev_minor, 1);
	}
	done(&res);
	free(a.p);
}

/* ---- Malformed archives, one check each ------------------------------------- */

static void test_bad_magic(void **state)
{
	(void)state;
	struct ar a = {0};
	sample(&a);
	a.p[3] = 'x';
	expect_error(&a, CPIO_ERR_MAGIC, 0,
	             "bad magic \"070x01\" (a newc header starts with 070701 or 070702)");
	/* In the third entry, with a byte that is not printable. */
	a.len = 0;
	a.ino = 0;
	sample(&a);
	size_t third = 112 + 116; /* "." is 112 bytes, "bin" 116 */
	assert_memory_equal(a.p + third, "070701", 6);
	a.p[third] = 0x01;
	expect_error(&a, CPIO_ERR_MAGIC, third, "bad magic \"\\x0170701\"");
	/* The old portable format is named. */
	a.len = 0;
	sample(&a);
	memcpy(a.p, "070707", 6);
	expect_error(&a, CPIO_ERR_MAGIC, 0, "old portable (odc) cpio format");
	free(a.p);
}

static void test_bad_hex_names_the_field(void **state)
{
	(void)state;
	static const char *names[13] = {"c_ino", "c_mode", "c_uid", "c_gid", "c_nlink", "c_mtime",
	                                "c_filesize", "c_devmajor", "c_devminor", "c_rdevmajor",
	                                "c_rdevminor", "c_namesize", "c_check"};
	for (int i = 0; i < 13; i++) {
		struct ar a = {0};
		sample(&a);
		a.p[6 + 8 * i + 5] = 'g';
		char want[64];
		snprintf(want, sizeof(want), "header field %s is \"", names[i]);
		expect_error(&a, CPIO_ERR_HEX, (size_t)(6 + 8 * i), want);
		/* a space, as a C library's strtoul would skip, is refused too */
		a.p[6 + 8 * i + 5] = '0';
		a.p[6 + 8 * i] = ' ';
		expect_error(&a, CPIO_ERR_HEX, (size_t)(6 + 8 * i), "not 8 hexadecimal digits");
		free(a.p);
	}
}

static void test_truncated_header(void **state)
{
	(void)state;
	struct ar a = {0};
	sample(&a);
	a.len = 112 + 50; /* the second header cut after 50 bytes */
	expect_error(&a, CPIO_ERR_HEADER, 112, "header truncated: 50 of 110 bytes");
	a.len = 4; /* "0707" */
	expect_error(&a, CPIO_ERR_HEADER, 0, "header truncated: 4 of 110");
	free(a.p);
}

static void test_name_size(void **state)
{
	(void)state;
	struct ar a = {0};
	uint32_t f[13];
	fields(&a, f, "x", CPIO_S_IFREG, 0);
	f[NAMESIZE] = 0;
	raw(&a, "070701", f, "", 0, NULL, 0);
	trailer(&a);
	expect_error(&a, CPIO_ERR_NAME_SIZE, 94, "name size 0 (1 to 4096 allowed");

	a.len = 0;
	f[NAMESIZE] = CPIO_NAME_MAX + 1;
	char *big = calloc(1, CPIO_NAME_MAX + 1);
	memset(big, 'n', CPIO_NAME_MAX);
	raw(&a, "070701", f, big, CPIO_NAME_MAX + 1, NULL, 0);
	trailer(&a);
	expect_error(&a, CPIO_ERR_NAME_SIZE, 94, "name size 4097");

	/* The largest allowed: 4095 characters and the NUL. */
	a.len = 0;
	big[CPIO_NAME_MAX - 1] = 0;
	f[NAMESIZE] = CPIO_NAME_MAX;
	raw(&a, "070701", f, big, CPIO_NAME_MAX, NULL, 0);
	trailer(&a);
	struct result res;
	parse(&res, &a, a.len);
	assert_int_equal(res.status, CPIO_END);
	assert_int_equal(res.e[0].name_len, CPIO_NAME_MAX - 1);
	done(&res);

	a.len = 0;
	f[NAMESIZE] = 0xffffffff;
	raw(&a, "070701", f, "x", 2, NULL, 0);
	expect_error(&a, CPIO_ERR_NAME_SIZE, 94, "name size 4294967295");
	free(big);
	free(a.p);
}

static void test_truncated_name(void **state)
{
	(void)state;
	struct ar a = {0};
	uint32_t f[13];
	fields(&a, f, "a-long-name", CPIO_S_IFREG, 0);
	f[NAMESIZE] = 200; /* more than is left */
	raw(&a, "070701", f, "a-long-name", 12, NULL, 0);
	trailer(&a);
	char want[96];
	snprintf(want, sizeof(want), "name of 200 bytes truncated: %zu bytes left", a.len - 110);
	expect_error(&a, CPIO_ERR_NAME_TRUNCATED, 110, want);
	free(a.p);
}

static void test_name_without_nul(void **state)
{
	(void)state;
	struct ar a = {0};
	uint32_t f[13];
	fields(&a, f, "abcd", CPIO_S_IFREG, 0);
	f[NAMESIZE] = 4; /* "abcd" without its NUL */
	raw(&a, "070701", f, "abcd", 4, NULL, 0);
	trailer(&a);
	expect_error(&a, CPIO_ERR_NAME_NUL, 110, "name of 4 bytes is not NUL-terminated");

	a.len = 0;
	f[NAMESIZE] = 5;
	raw(&a, "070701", f, "ab\0d", 5, NULL, 0);
	trailer(&a);
	expect_error(&a, CPIO_ERR_NAME_NUL, 110, "name of 5 bytes has a NUL at byte 2");

	a.len = 0;
	f[NAMESIZE] = 1;
	raw(&a, "070701", f, "", 1, NULL, 0);
	trailer(&a);
	expect_error(&a, CPIO_ERR_NAME_NUL, 110, "empty name");
	free(a.p);
}

static void test_truncated_data(void **state)
{
	(void)state;
	struct ar a = {0};
	file(&a, "big", "0123456789");
	a.len -= 2 + 3; /* padding and the last 3 bytes */
	expect_error(&a, CPIO_ERR_DATA_TRUNCATED, 116,
	             "'big': 10 bytes of data truncated: 7 bytes left in the buffer");

	/* A size no buffer can hold: refused, no wrap-around on 32 or 64 bits. */
	a.len = 0;
	uint32_t f[13];
	fields(&a, f, "huge", CPIO_S_IFREG, 0);
	f[FILESIZE] = 0xffffffff;
	raw(&a, "070701", f, "huge", 5, "abcd", 4);
	trailer(&a);
	expect_error(&a, CPIO_ERR_DATA_TRUNCATED, 116, "'huge': 4294967295 bytes of data truncated");
	free(a.p);
}

static void test_missing_trailer(void **state)
{
	(void)state;
	struct ar a = {0};
	sample(&a);
	a.len -= 124; /* the trailer entry: 110 + 11 + 3 padding */
	char want[96];
	snprintf(want, sizeof(want),
	         "archive 1 (from offset 0) ends at offset %zu without its TRAILER!!! entry", a.len);
	expect_error(&a, CPIO_ERR_NO_TRAILER, a.len, want);
	/* The same with NULs where the trailer should be. */
	zeros(&a, 300);
	expect_error(&a, CPIO_ERR_NO_TRAILER, a.len, "ends at offset 616 without its TRAILER!!!");
	/* In a second archive. */
	a.len = 0;
	sample(&a);
	size_t second = a.len;
	file(&a, "x", "y");
	snprintf(want, sizeof(want), "archive 2 (from offset %zu) ends at offset %zu", second, a.len);
	expect_error(&a, CPIO_ERR_NO_TRAILER, a.len, want);
	free(a.p);
}

static void test_broken_padding(void **state)
{
	(void)state;
	struct ar a = {0};
	sample(&a);
	size_t end = a.len;
	put(&a, "\0\0\0" "070701", 9); /* a header 3 bytes off the boundary */
	expect_error(&a, CPIO_ERR_PADDING, end + 3, "broken padding: byte 0x30");
	free(a.p);
}

static void test_unknown_type(void **state)
{
	(void)state;
	struct ar a = {0};
	entry(&a, "what", 0644, NULL, 0); /* no type bits */
	trailer(&a);
	expect_error(&a, CPIO_ERR_TYPE, 0, "'what': unknown file type 00 in c_mode 0644");
	a.len = 0;
	entry(&a, "what", 0170644, NULL, 0);
	trailer(&a);
	expect_error(&a, CPIO_ERR_TYPE, 0, "unknown file type 0170000");
	free(a.p);
}

static void test_sizes_by_type(void **state)
{
	(void)state;
	struct ar a = {0};
	entry(&a, "d", CPIO_S_IFDIR | 0755, "data", 4);
	trailer(&a);
	expect_error(&a, CPIO_ERR_SIZE, 0, "'d': a directory with 4 bytes of data");
	a.len = 0;
	entry(&a, "null", CPIO_S_IFCHR | 0666, "x", 1);
	trailer(&a);
	expect_error(&a, CPIO_ERR_SIZE, 0, "'null': a special file with 1 bytes");
	a.len = 0;
	entry(&a, "l", CPIO_S_IFLNK | 0777, NULL, 0);
	trailer(&a);
	expect_error(&a, CPIO_ERR_SIZE, 0, "'l': a symlink target of 0 bytes (1 to 4095 allowed)");
	a.len = 0;
	char *target = malloc(CPIO_LINK_MAX + 1);
	memset(target, 't', CPIO_LINK_MAX + 1);
	entry(&a, "l", CPIO_S_IFLNK | 0777, target, CPIO_LINK_MAX + 1);
	trailer(&a);
	expect_error(&a, CPIO_ERR_SIZE, 0, "a symlink target of 4096 bytes");
	a.len = 0;
	entry(&a, "l", CPIO_S_IFLNK | 0777, target, CPIO_LINK_MAX);
	trailer(&a);
	struct result res;
	parse(&res, &a, a.len);
	assert_int_equal(res.status, CPIO_END);
	done(&res);
	a.len = 0;
	entry(&a, "l", CPIO_S_IFLNK | 0777, "ab\0c", 4);
	trailer(&a);
	expect_error(&a, CPIO_ERR_SIZE, 0, "'l': the symlink target has a NUL at byte 2");
	free(target);
	free(a.p);
}

static void test_compressed(void **state)
{
	(void)state;
	static const struct {
		const char *magic, *name;
	} kinds[] = {{"\x1f\x8b\x08", "gzip"}, {"\xfd" "7zXZ", "xz"}, {"\x28\xb5\x2f\xfd", "zstd"},
	             {"BZh9", "bzip2"}};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct ar a = {0};
		put(&a, kinds[i].magic, strlen(kinds[i].magic));
		zeros(&a, 200);
		char want[64];
		snprintf(want, sizeof(want), "a %s-compressed archive", kinds[i].name);
		expect_error(&a, CPIO_ERR_COMPRESSED, 0, want);
		free(a.p);
	}
	/* Linux accepts a compressed archive after an uncompressed one; this
	 * reader names it at its offset. */
	struct ar a = {0};
	sample(&a);
	size_t end = a.len;
	put(&a, "\x1f\x8b", 2);
	expect_error(&a, CPIO_ERR_COMPRESSED, end, "gzip");
	free(a.p);
}

/*
 * Every prefix of a good archive: an error (never CPIO_END, since the trailer
 * is cut), of one of the truncation kinds, and the entries before the cut
 * come out whole. Also every single-byte change: no crash, and either an
 * error or entries that lie inside the buffer (parse checks that).
 */
static void test_every_truncation_and_byte(void **state)
{
	(void)state;
	struct ar a = {0};
	sample(&a);
	size_t full = a.len;
	/* The last 3 bytes are the trailer's padding: without them the archive
	 * is still whole. */
	for (size_t len = 1; len < full - 3; len++) {
		struct result res;
		parse(&res, &a, len);
		if (res.status == CPIO_END)
			fail_msg("a cut at %zu of %zu bytes parsed as complete", len, full);
		assert_true(res.status == CPIO_ERR_HEADER || res.status == CPIO_ERR_NAME_TRUNCATED ||
		            res.status == CPIO_ERR_NAME_NUL || res.status == CPIO_ERR_DATA_TRUNCATED ||
		            res.status == CPIO_ERR_NO_TRAILER || res.status == CPIO_ERR_SIZE);
		done(&res);
	}
	for (size_t i = 0; i < full; i++) {
		for (int v = 0; v < 256; v += 51) {
			uint8_t saved = a.p[i];
			a.p[i] = (uint8_t)v;
			struct result res;
			parse(&res, &a, full);
			done(&res);
			a.p[i] = saved;
		}
	}
	free(a.p);
}

static void test_status_names(void **state)
{
	(void)state;
	for (int s = CPIO_ERR_COMPRESSED; s <= CPIO_END; s++)
		assert_string_not_equal(cpio_status_str(s), "unknown status");
	assert_string_equal(cpio_status_str(CPIO_ERR_NO_TRAILER), "missing trailer");
	assert_string_equal(cpio_status_str(42), "unknown status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_name_padding),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_concatenated),
		cmocka_unit_test(test_crc_format),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_hex_names_the_field),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_name_size),
		cmocka_unit_test(test_truncated_name),
		cmocka_unit_test(test_name_without_nul),
		cmocka_unit_test(test_truncated_data),
		cmocka_unit_test(test_missing_trailer),
		cmocka_unit_test(test_broken_padding),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_sizes_by_type),
		cmocka_unit_test(test_compressed),
		cmocka_unit_test(test_every_truncation_and_byte),
		cmocka_unit_test(test_status_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
