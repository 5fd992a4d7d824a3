/*
 * Fuzz target for kernel/tty/ldisc.c: the input is a script of keys,
 * reads, writes and new settings. Besides ASan/UBSan, the ring's indices
 * must stay ordered and within the buffer, a read never returns more than
 * asked or than was available, and every byte emitted is accounted for.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tty/ldisc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t emitted;

static void emit(void *ctx, const uint8_t *s, size_t n)
{
	(void)ctx;
	if (n == 0 || !s)
		abort();
	emitted += n;
}

static void check(const struct ldisc *l)
{
	if (l->head - l->read_tail > LDISC_BUF || l->canon_head - l->read_tail > l->head - l->read_tail)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ldisc l;
	ldisc_init(&l, emit, NULL);
	size_t i = 0;
	while (i < size) {
		uint8_t op = data[i++];
		switch (op % 8) {
		case 0: { /* new settings from the next bytes */
			struct tty_termios t = l.t;
			size_t k = size - i < sizeof(t) ? size - i : sizeof(t);
			memcpy(&t, data + i, k);
			i += k;
			ldisc_set_termios(&l, &t);
			break;
		}
		case 1: { /* a read */
			uint8_t buf[512];
			size_t want = i < size ? data[i++] * 2u : 64;
			size_t avail = l.canon_head - l.read_tail;
			size_t got = ldisc_read(&l, buf, want);
			if (got > want || got > avail)
				abort();
			break;
		}
		case 2: /* a program's write */
			if (i < size) {
				size_t k = data[i++] % 64;
				k = k < size - i ? k : size - i;
				ldisc_write(&l, data + i, k);
				i += k;
			}
			break;
		case 3:
			ldisc_flush_input(&l);
			break;
		default: /* keys: the rest of a run of bytes */
			while (i < size && data[i] != 0xff) {
				int sig = ldisc_receive(&l, data[i++]);
				if (sig && sig != LDISC_SIGINT && sig != LDISC_SIGQUIT && sig != LDISC_SIGTSTP)
					abort();
				check(&l);
			}
			i++;
		}
		check(&l);
		(void)ldisc_read_ready(&l, op);
	}
	return 0;
}
