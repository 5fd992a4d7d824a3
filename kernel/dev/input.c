/*
 * The input queue (input.h): a single-producer, single-consumer ring of
 * INPUT_QUEUE_SIZE bytes.
 *
 * Invariant: 0 <= head - tail <= INPUT_QUEUE_SIZE, where head counts bytes
 * ever queued and tail bytes ever taken (both uint32_t, free-running, so the
 * subtraction is right modulo 2^32). Slots [tail, head) hold unread input and
 * belong to the consumer; the others belong to the producer. Only the
 * producer writes head and only the consumer writes tail.
 *
 * Memory orders. Each side hands slots to the other by storing its own index
 * with release, and the other side loads that index with acquire before it
 * touches the slots:
 *  - push writes the bytes, then stores head (release); getc loads head
 *    (acquire) before reading a byte. So a consumer that sees the new head
 *    also sees the bytes, never stale slot contents.
 *  - getc reads the byte, then stores tail (release); push loads tail
 *    (acquire) before writing into the freed slot. So the producer cannot
 *    overwrite a byte the consumer is still reading.
 * Each side loads its own index relaxed: nobody else writes it.
 * On x86 (TSO) all of these compile to plain moves; the orders still matter,
 * because they stop the compiler from moving the slot accesses across the
 * index accesses, and they keep the code right on a weaker machine (the host
 * tests run the same code with a real second thread).
 *
 * The counters are written only by producers (one at a time, by contract)
 * and read by anyone; relaxed atomics are enough because no other data is
 * published through them. Incrementing with a plain load and store, not an
 * atomic read-modify-write, relies on the same one-producer-at-a-time rule.
 */
#include "dev/input.h"

#include <stdatomic.h>

_Static_assert((INPUT_QUEUE_SIZE & (INPUT_QUEUE_SIZE - 1)) == 0,
               "INPUT_QUEUE_SIZE must be a power of two");
_Static_assert(INPUT_QUEUE_SIZE <= UINT32_MAX / 2, "indices must not alias");

#define INPUT_MASK (INPUT_QUEUE_SIZE - 1u)

static struct {
	_Atomic uint32_t head;       /* written by the producer */
	_Atomic uint32_t tail;       /* written by the consumer */
	uint8_t buf[INPUT_QUEUE_SIZE];
	uint8_t src[INPUT_QUEUE_SIZE]; /* where each byte came from */
	_Atomic uint64_t received[INPUT_SOURCES];
	_Atomic uint64_t dropped[INPUT_SOURCES];
} q;

void input_init(void)
{
	atomic_store_explicit(&q.head, 0, memory_order_relaxed);
	atomic_store_explicit(&q.tail, 0, memory_order_relaxed);
	for (int i = 0; i < INPUT_SOURCES; i++) {
		atomic_store_explicit(&q.received[i], 0, memory_order_relaxed);
		atomic_store_explicit(&q.dropped[i], 0, memory_order_relaxed);
	}
}

/* Single-writer increment (see the top comment). */
static void counter_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
	                      memory_order_relaxed);
}

static void (*_Atomic listener)(void);

void input_set_listener(void (*fn)(void)) { atomic_store(&listener, fn); }

void input_push(enum input_source src, const char *bytes, size_t n)
{
	if ((unsigned)src >= INPUT_SOURCES || n == 0)
		return;
	counter_add(&q.received[src], n);

	uint32_t head = atomic_load_explicit(&q.head, memory_order_relaxed);
	/* acquire: pairs with the consumer's release of tail, so the slots it
	 * freed are really done with before we write into them. */
	uint32_t tail = atomic_load_explicit(&q.tail, memory_order_acquire);
	uint32_t room = INPUT_QUEUE_SIZE - (head - tail);

	if (n > room) {
		counter_add(&q.dropped[src], n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		q.buf[(head + i) & INPUT_MASK] = (uint8_t)bytes[i];
		q.src[(head + i) & INPUT_MASK] = (uint8_t)src;
	}
	/* release: the bytes above become visible no later than the new head. */
	atomic_store_explicit(&q.head, head + (uint32_t)n, memory_order_release);
	void (*fn)(void) = atomic_load(&listener);
	if (fn)
		fn();
}

int input_getc(void) { return input_getc_source(NULL); }

int input_getc_source(enum input_source *src)
{
	uint32_t tail = atomic_load_explicit(&q.tail, memory_order_relaxed);
	/* acquire: pairs with the producer's release of head, so the byte at
	 * tail is the one it wrote. */
	uint32_t head = atomic_load_explicit(&q.head, memory_order_acquire);

	if (head == tail)
		return -1;
	int c = q.buf[tail & INPUT_MASK];
	if (src)
		*src = (enum input_source)q.src[tail & INPUT_MASK];
	/* release: our read of the slot is done before the producer may reuse it. */
	atomic_store_explicit(&q.tail, tail + 1, memory_order_release);
	return c;
}

size_t input_pending(void)
{
	uint32_t tail = atomic_load_explicit(&q.tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&q.head, memory_order_acquire);
	uint32_t n = head - tail;
	/* Outside the consumer, tail may be stale and the difference too big. */
	return n > INPUT_QUEUE_SIZE ? INPUT_QUEUE_SIZE : n;
}

struct input_stats input_stats(void)
{
	struct input_stats s;
	for (int i = 0; i < INPUT_SOURCES; i++) {
		s.received[i] = atomic_load_explicit(&q.received[i], memory_order_relaxed);
		s.dropped[i] = atomic_load_explicit(&q.dropped[i], memory_order_relaxed);
	}
	return s;
}
