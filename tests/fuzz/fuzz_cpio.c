/*
 * libFuzzer target for the initramfs's cpio reader (kernel/lib/cpio.c). The
 * input is copied into a block of exactly its size, so ASan catches a read
 * past the end. Whatever the bytes, the walk must end (an entry is never
 * returned twice: the offsets strictly increase, and there are at most
 * len / 110 entries), every entry must lie inside the buffer with a
 * NUL-terminated name of the stated length and a type the reader promises
 * (symlinks with a 1 to 4095 byte target without NUL; directories and
 * special files without data), an error must come with a message and an
 * offset inside the buffer and then repeat, and a second walk must give the
 * same result.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cpio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
	int status;
	unsigned entries;
	size_t error_offset;
	uint64_t hash; /* of every entry's offset, size and mode */
};

static void walk(const uint8_t *buf, size_t len, struct walk *w)
{
	struct cpio_reader r;
	struct cpio_entry e;
	size_t last = 0;

	cpio_reader_init(&r, buf, len);
	*w = (struct walk){.hash = 1469598103934665603ull};
	while ((w->status = cpio_next(&r, &e)) == CPIO_OK) {
		if (w->entries && e.offset <= last)
			abort();
		last = e.offset;
		if (++w->entries > len / CPIO_HEADER_SIZE)
			abort();
		const uint8_t *name = (const uint8_t *)e.name;
		if (name < buf || e.name_len == 0 || e.name_len >= CPIO_NAME_MAX ||
		    e.name_len >= (size_t)(buf + len - name) || name[e.name_len] != 0 ||
		    strlen(e.name) != e.name_len)
			abort();
		if (e.data < buf || e.size > (size_t)(buf + len - e.data))
			abort();
		uint32_t type = e.mode & CPIO_S_IFMT;
		if (type == CPIO_S_IFLNK &&
		    (e.size == 0 || e.size > CPIO_LINK_MAX || memchr(e.data, 0, e.size)))
			abort();
		if (type != CPIO_S_IFREG && type != CPIO_S_IFLNK && e.size != 0)
			abort();
		w->hash = (w->hash ^ e.offset ^ (uint64_t)e.size << 20 ^ e.mode) * 1099511628211ull;
	}
	if (w->status != CPIO_END) {
		if (w->status >= 0 || !r.message[0] || !memchr(r.message, 0, sizeof(r.message)) ||
		    r.error_offset > len || strcmp(cpio_status_str(w->status), "unknown status") == 0)
			abort();
		if (cpio_next(&r, &e) != w->status)
			abort();
		w->error_offset = r.error_offset;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		abort();
	if (size)
		memcpy(buf, data, size);
	struct walk a, b;
	walk(buf, size, &a);
	walk(buf, size, &b);
	if (memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	free(buf);
	return 0;
}
