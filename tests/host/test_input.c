/*
 * Host tests for kernel/dev/input.c, the keyboard/serial input queue.
 *
 * The single-threaded tests compare the queue with a trivially correct model
 * (an array and two counters) under FIFO order, wrap-around, full-queue drops
 * and random interleavings. The stress test runs the real thing with a
 * producer and a consumer thread, as an interrupt handler and the shell would
 * run: the producer pushes numbered packets of 1-8 bytes, the consumer checks
 * that what arrives is exactly the packets that were not dropped, whole and in
 * order. (ThreadSanitizer cannot be combined with the project's ASan build;
 * the memory orders are argued in input.c.)
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dev/input.h"

static int setup(void **state)
{
	(void)state;
	input_init();
	return 0;
}

static void push_str(enum input_source src, const char *s)
{
	input_push(src, s, strlen(s));
}

static void expect_str(const char *want)
{
	for (size_t i = 0; want[i] != '\0'; i++)
		assert_int_equal(input_getc(), (unsigned char)want[i]);
}

static void test_empty(void **state)
{
	(void)state;
	assert_int_equal(input_getc(), -1);
	assert_int_equal(input_pending(), 0);
	struct input_stats s = input_stats();
	for (int i = 0; i < INPUT_SOURCES; i++) {
		assert_int_equal(s.received[i], 0);
		assert_int_equal(s.dropped[i], 0);
	}
}

static void test_fifo_order(void **state)
{
	(void)state;
	push_str(INPUT_KEYBOARD, "hello");
	push_str(INPUT_SERIAL, ", ");
	push_str(INPUT_KEYBOARD, "\033[A");
	assert_int_equal(input_pending(), 10);
	expect_str("hello, \033[A");
	assert_int_equal(input_getc(), -1);
	/* Every byte value, including NUL and 0xff, survives as 0-255. */
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	input_push(INPUT_SERIAL, all, 256);
	for (int i = 0; i < 256; i++)
		assert_int_equal(input_getc(), i);
	assert_int_equal(input_getc(), -1);
}

/* Each byte keeps its source, across the wrap of the ring too: the
 * terminals split keyboard and serial input again by it. */
static void test_sources(void **state)
{
	(void)state;
	for (int round = 0; round < 3 * INPUT_QUEUE_SIZE / 5; round++) {
		push_str(INPUT_KEYBOARD, "ab");
		push_str(INPUT_SERIAL, "xyz");
		const char *want = "abxyz";
		for (int i = 0; i < 5; i++) {
			enum input_source src = INPUT_SOURCES;
			assert_int_equal(input_getc_source(&src), want[i]);
			assert_int_equal(src, i < 2 ? INPUT_KEYBOARD : INPUT_SERIAL);
		}
	}
	enum input_source src = INPUT_SOURCES;
	assert_int_equal(input_getc_source(&src), -1);
	assert_int_equal(src, INPUT_SOURCES); /* untouched when empty */
}

static void test_wrap_around(void **state)
{
	(void)state;
	/* 7-byte packets, never a multiple of the size: the packets straddle
	 * the end of the buffer at every offset, thousands of times. */
	for (uint32_t k = 0; k < 20000; k++) {
		char p[7];
		for (int i = 0; i < 7; i++)
			p[i] = (char)(k * 7 + i);
		input_push(INPUT_KEYBOARD, p, 7);
		if (k % 3 == 2) {               /* keep a few packets in flight */
			for (int j = 0; j < 3 * 7; j++)
				assert_int_equal(input_getc(), (uint8_t)((k - 2) * 7 + j));
		}
	}
	assert_int_equal(input_getc(), (uint8_t)(19998 * 7));
	assert_int_equal(input_pending(), 2 * 7 - 1);
	assert_int_equal(input_stats().dropped[INPUT_KEYBOARD], 0);
}

static void test_full_drops_and_keeps_old(void **state)
{
	(void)state;
	for (int i = 0; i < INPUT_QUEUE_SIZE; i++) {
		char c = (char)i;
		input_push(INPUT_KEYBOARD, &c, 1);
	}
	assert_int_equal(input_pending(), INPUT_QUEUE_SIZE);
	push_str(INPUT_KEYBOARD, "x");
	push_str(INPUT_SERIAL, "\033[3~");
	struct input_stats s = input_stats();
	assert_int_equal(s.received[INPUT_KEYBOARD], INPUT_QUEUE_SIZE + 1);
	assert_int_equal(s.dropped[INPUT_KEYBOARD], 1);
	assert_int_equal(s.received[INPUT_SERIAL], 4);
	assert_int_equal(s.dropped[INPUT_SERIAL], 4);
	assert_int_equal(input_pending(), INPUT_QUEUE_SIZE);

	/* One byte of room takes one byte, not a longer packet. */
	assert_int_equal(input_getc(), 0);
	push_str(INPUT_KEYBOARD, "ab");
	push_str(INPUT_KEYBOARD, "c");
	for (int i = 1; i < INPUT_QUEUE_SIZE; i++)
		assert_int_equal(input_getc(), i);
	assert_int_equal(input_getc(), 'c');
	assert_int_equal(input_getc(), -1);
	s = input_stats();
	assert_int_equal(s.dropped[INPUT_KEYBOARD], 3);
	assert_int_equal(s.received[INPUT_KEYBOARD], INPUT_QUEUE_SIZE + 4);
}

static void test_all_or_nothing(void **state)
{
	(void)state;
	char fill[INPUT_QUEUE_SIZE - 6];
	memset(fill, '.', sizeof(fill));
	input_push(INPUT_SERIAL, fill, sizeof(fill));
	push_str(INPUT_KEYBOARD, "\033[24~!!");   /* 7 bytes: no room, none queued */
	push_str(INPUT_KEYBOARD, "\033[24~");     /* 5 bytes: fits */
	assert_int_equal(input_pending(), INPUT_QUEUE_SIZE - 1);
	for (size_t i = 0; i < sizeof(fill); i++)
		assert_int_equal(input_getc(), '.');
	expect_str("\033[24~");
	assert_int_equal(input_getc(), -1);
	assert_int_equal(input_stats().dropped[INPUT_KEYBOARD], 7);

	/* Larger than the queue: dropped even when it is empty. */
	char big[INPUT_QUEUE_SIZE + 1];
	memset(big, 'b', sizeof(big));
	input_push(INPUT_SERIAL, big, sizeof(big));
	assert_int_equal(input_pending(), 0);
	assert_int_equal(input_stats().dropped[INPUT_SERIAL], sizeof(big));

	/* Nothing at all, and a source that does not exist, change nothing. */
	input_push(INPUT_KEYBOARD, "x", 0);
	input_push((enum input_source)7, "x", 1);
	struct input_stats s = input_stats();
	assert_int_equal(s.received[INPUT_KEYBOARD], 12);
	assert_int_equal(input_pending(), 0);
}

/* Random pushes and reads against a model queue. */
static void test_interleaved_against_model(void **state)
{
	(void)state;
	static uint8_t model[1 << 20];
	size_t mhead = 0, mtail = 0;
	uint64_t received[INPUT_SOURCES] = { 0 }, dropped[INPUT_SOURCES] = { 0 };
	uint64_t empty_reads = 0;
	uint32_t r = 12345;

	for (int step = 0; step < 200000; step++) {
		r = r * 1103515245u + 12345u;
		/* Phases of 5000 steps, mostly pushing (the queue stays full)
		 * or mostly reading (it runs empty). */
		uint32_t push_weight = (step / 5000) % 2 ? 2 : 12;
		uint32_t op = (r >> 16) % 16;
		if (op < push_weight) {                 /* push 1..8 bytes */
			enum input_source src = (r >> 8) & 1 ? INPUT_SERIAL : INPUT_KEYBOARD;
			size_t n = 1 + (r >> 4) % 8;
			char p[8];
			for (size_t i = 0; i < n; i++)
				p[i] = (char)(step + i);
			input_push(src, p, n);
			received[src] += n;
			if (mhead - mtail + n <= INPUT_QUEUE_SIZE) {
				for (size_t i = 0; i < n; i++)
					model[mhead++ % sizeof(model)] = (uint8_t)p[i];
			} else {
				dropped[src] += n;
			}
		} else {                                /* read one byte */
			int want = mhead == mtail ? -1 : model[mtail++ % sizeof(model)];
			empty_reads += want < 0;
			assert_int_equal(input_getc(), want);
		}
		assert_int_equal(input_pending(), mhead - mtail);
	}
	assert_true(empty_reads > 100);         /* and the empty case */
	struct input_stats s = input_stats();
	for (int i = 0; i < INPUT_SOURCES; i++) {
		assert_int_equal(s.received[i], received[i]);
		assert_int_equal(s.dropped[i], dropped[i]);
		assert_true(dropped[i] > 0);    /* the full case was exercised */
	}
}

/* --- Two threads ----------------------------------------------------- */

#define PACKETS 1500000u

static _Atomic uint8_t *packet_dropped;   /* written by the producer */
static atomic_bool producer_done;
static uint64_t pushed_bytes[INPUT_SOURCES];

static size_t packet_len(uint32_t k)
{
	return 1 + ((k * 2654435761u) >> 29);   /* 1..8, scattered */
}

static uint8_t packet_byte(uint32_t k, size_t i)
{
	return (uint8_t)(k * 31u + i * 7u + (k >> 8));
}

static enum input_source packet_source(uint32_t k)
{
	return k % 3 == 0 ? INPUT_SERIAL : INPUT_KEYBOARD;
}

static void *producer(void *arg)
{
	(void)arg;
	for (uint32_t k = 0; k < PACKETS; k++) {
		enum input_source src = packet_source(k);
		size_t n = packet_len(k);
		char p[8];
		for (size_t i = 0; i < n; i++)
			p[i] = (char)packet_byte(k, i);
		/* Only this thread writes the counters, so the difference tells
		 * whether this packet was dropped. */
		uint64_t before = input_stats().dropped[src];
		input_push(src, p, n);
		pushed_bytes[src] += n;
		uint64_t after = input_stats().dropped[src];
		if (after != before) {
			/* cmocka's asserts belong to the main thread */
			if (after - before != n) {
				fprintf(stderr, "packet %u: %zu bytes, %llu dropped\n", k, n,
				        (unsigned long long)(after - before));
				abort();
			}
			/* Published to the consumer by the next successful
			 * push's release store (or by producer_done). */
			atomic_store_explicit(&packet_dropped[k], 1, memory_order_relaxed);
		}
		if (k % 65536 == 0)
			usleep(200);            /* let the consumer drain it empty */
	}
	atomic_store_explicit(&producer_done, true, memory_order_release);
	return NULL;
}

static void test_two_threads(void **state)
{
	(void)state;
	packet_dropped = calloc(PACKETS, 1);
	assert_non_null(packet_dropped);
	atomic_store(&producer_done, false);
	memset(pushed_bytes, 0, sizeof(pushed_bytes));

	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, producer, NULL), 0);
	usleep(2000);   /* start late: the producer must overfill the queue */

	uint32_t k = 0;         /* the packet the next byte belongs to */
	size_t off = 0;         /* and its offset in that packet */
	uint64_t consumed = 0, empty_reads = 0;
	for (;;) {
		bool done = atomic_load_explicit(&producer_done, memory_order_acquire);
		int c = input_getc();
		if (c < 0) {
			empty_reads++;
			if (done)
				break;  /* done was set after the last push */
			continue;
		}
		if (off == 0) {
			/* The bytes of packet k arrived after every drop before
			 * it was recorded; skip the dropped ones. */
			while (k < PACKETS &&
			       atomic_load_explicit(&packet_dropped[k], memory_order_relaxed))
				k++;
			assert_true(k < PACKETS);
		}
		if (c != packet_byte(k, off))
			fail_msg("packet %u byte %zu: got 0x%02x, want 0x%02x", k, off, c,
			         packet_byte(k, off));
		consumed++;
		if (++off == packet_len(k)) {
			off = 0;
			k++;
		}
		if (consumed % 1000003 == 0)
			usleep(500);    /* stall mid-stream too */
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(off, 0);       /* no packet was cut */
	while (k < PACKETS && packet_dropped[k])
		k++;
	assert_int_equal(k, PACKETS);   /* everything after the last one was dropped */

	struct input_stats s = input_stats();
	uint64_t received = 0, dropped = 0;
	for (int i = 0; i < INPUT_SOURCES; i++) {
		assert_int_equal(s.received[i], pushed_bytes[i]);
		received += s.received[i];
		dropped += s.dropped[i];
	}
	uint64_t dropped_by_log[INPUT_SOURCES] = { 0 };
	for (uint32_t j = 0; j < PACKETS; j++) {
		if (packet_dropped[j])
			dropped_by_log[packet_source(j)] += packet_len(j);
	}
	for (int i = 0; i < INPUT_SOURCES; i++)
		assert_int_equal(s.dropped[i], dropped_by_log[i]);
	print_message("two threads: %llu bytes received, %llu consumed, %llu dropped, "
	              "%llu empty reads\n", (unsigned long long)received,
	              (unsigned long long)consumed, (unsigned long long)dropped,
	              (unsigned long long)empty_reads);
	assert_int_equal(received, consumed + dropped);
	assert_true(received > 5000000);
	assert_true(dropped > 0);
	assert_true(consumed > 0);
	assert_true(empty_reads > 0);
	free((void *)packet_dropped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty, setup),
		cmocka_unit_test_setup(test_fifo_order, setup),
		cmocka_unit_test_setup(test_sources, setup),
		cmocka_unit_test_setup(test_wrap_around, setup),
		cmocka_unit_test_setup(test_full_drops_and_keeps_old, setup),
		cmocka_unit_test_setup(test_all_or_nothing, setup),
		cmocka_unit_test_setup(test_interleaved_against_model, setup),
		cmocka_unit_test_setup(test_two_threads, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
