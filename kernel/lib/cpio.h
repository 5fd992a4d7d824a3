/*
 * Reading cpio "newc" archives, the format of Linux's initramfs
 * (docs/initramfs.md has the byte layout). The reader walks a buffer entry
 * by entry and hands out pointers into it: nothing is copied or allocated.
 *
 * As in Linux, a buffer may hold several archives one after the other, each
 * ended by its TRAILER!!! entry, with NUL bytes between them (an archive's
 * next header must then start on a 4-byte boundary). The entries of all of
 * them come out in order; what a later entry of the same name means (it
 * replaces the earlier one) is for the caller to apply.
 *
 * Every length is checked against what is left of the buffer before it is
 * used, so no input makes the reader touch a byte outside it. A malformed
 * archive stops the walk with an error code, the offset of the problem and a
 * one-line message naming it; the reader then keeps returning that error.
 *
 * Freestanding C: the kernel and the host tests build it as it is.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPIO_HEADER_SIZE 110  /* magic (6) + 13 fields of 8 hex digits */
#define CPIO_NAME_MAX    4096 /* c_namesize limit, the NUL included: Linux's PATH_MAX */
#define CPIO_LINK_MAX    4095 /* longest symlink target */
#define CPIO_TRAILER     "TRAILER!!!"

/* c_mode's file types: the S_IF* values of Linux's struct stat. */
#define CPIO_S_IFMT   0170000u
#define CPIO_S_IFSOCK 0140000u
#define CPIO_S_IFLNK  0120000u
#define CPIO_S_IFREG  0100000u
#define CPIO_S_IFBLK  0060000u
#define CPIO_S_IFDIR  0040000u
#define CPIO_S_IFCHR  0020000u
#define CPIO_S_IFIFO  0010000u

enum cpio_status {
	CPIO_OK = 0,                 /* an entry was returned */
	CPIO_END = 1,                /* every archive read to its trailer */
	CPIO_ERR_MAGIC = -1,         /* a header does not start with 070701 or 070702 */
	CPIO_ERR_HEADER = -2,        /* fewer than 110 bytes left for a header */
	CPIO_ERR_HEX = -3,           /* a header field is not 8 hexadecimal digits */
	CPIO_ERR_NAME_SIZE = -4,     /* c_namesize is 0 or above CPIO_NAME_MAX */
	CPIO_ERR_NAME_TRUNCATED = -5, /* the name runs past the end of the buffer */
	CPIO_ERR_NAME_NUL = -6,      /* the name is not NUL-terminated, or has a NUL inside */
	CPIO_ERR_DATA_TRUNCATED = -7, /* the data run past the end of the buffer */
	CPIO_ERR_CHECKSUM = -8,      /* 070702: the data's byte sum differs from c_check */
	CPIO_ERR_NO_TRAILER = -9,    /* the buffer ends inside an archive */
	CPIO_ERR_PADDING = -10,      /* a non-NUL byte at an unaligned offset between archives */
	CPIO_ERR_TYPE = -11,         /* c_mode holds no known file type */
	CPIO_ERR_SIZE = -12,         /* data where the type allows none, or a bad symlink */
	CPIO_ERR_COMPRESSED = -13,   /* a compressed archive (gzip, xz, ...): not supported */
};

struct cpio_entry {
	const char *name;       /* NUL-terminated, inside the buffer */
	size_t name_len;        /* strlen(name), at least 1 */
	const uint8_t *data;    /* file contents or symlink target (not NUL-terminated) */
	size_t size;            /* c_filesize */
	uint32_t ino, mode, uid, gid, nlink, mtime;
	uint32_t dev_major, dev_minor;   /* the device the file was on (hard links) */
	uint32_t rdev_major, rdev_minor; /* a device node's own numbers */
	size_t offset;          /* of the entry's header in the buffer */
	unsigned archive;       /* 0 for the first archive in the buffer, then 1, ... */
};

struct cpio_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;          /* next byte to read */
	bool in_archive;     /* between an archive's first header and its trailer */
	unsigned archives;   /* archives started */
	size_t archive_start; /* offset of the current (or last) archive's first header */
	unsigned entries;    /* entries returned */
	int error;           /* 0, or the sticky error */
	size_t error_offset; /* where the problem is */
	char message[192];   /* one line, without the offset: "bad magic ..." */
};

void cpio_reader_init(struct cpio_reader *r, const void *buf, size_t len);

/*
 * The next entry (CPIO_OK; trailers are not entries), CPIO_END after the
 * last archive's trailer and any NUL padding after it, or an error. An
 * empty buffer, or one of only NUL bytes, holds no archive: CPIO_END.
 */
int cpio_next(struct cpio_reader *r, struct cpio_entry *e);

/* A short name for a status: "bad magic", "missing trailer", ... */
const char *cpio_status_str(int status);
