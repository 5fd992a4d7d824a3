/*
 * Pipes (see pipe.h). One ring of PIPE_SIZE bytes with free-running head
 * (bytes ever written) and tail (bytes ever read), guarded by a mutex; one
 * wait queue for both directions, woken whenever either end moves, so no
 * wake-up is lost: a sleeper's condition is checked under the queue's lock
 * and every change is followed by a wake_all, which takes it.
 */
#include "fs/pipe.h"

#include <stdbool.h>

#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "sched/thread.h"
#include "sched/wait.h"


struct pipe {
	struct mutex lock;
	struct wait_queue wait;
	uint8_t *buf;
	volatile uint64_t head, tail;
	volatile uint32_t readers, writers;
};

static int64_t pipe_read(struct file *f, void *buf, size_t n);
static int64_t pipe_write(struct file *f, const void *buf, size_t n);
static void pipe_release(struct file *f);

static unsigned pipe_poll(struct file *f);

static const struct file_ops read_ops = {.read = pipe_read, .release = pipe_release,
                                         .poll = pipe_poll};
static const struct file_ops write_ops = {.write = pipe_write, .release = pipe_release,
                                          .poll = pipe_poll};

bool pipe_is(const struct file *f) { return f->ops == &read_ops || f->ops == &write_ops; }

static bool can_read(void *arg)
{
	struct pipe *p = arg;
	return p->head != p->tail || p->writers == 0;
}

struct want {
	struct pipe *p;
	size_t room;
};

static bool can_write(void *arg)
{
	struct want *w = arg;
	return PIPE_SIZE - (w->p->head - w->p->tail) >= w->room || w->p->readers == 0;
}

static int64_t pipe_read(struct file *f, void *buf, size_t n)
{
	struct pipe *p = f->private;
	if (n == 0)
		return 0;
	for (;;) {
		mutex_lock(&p->lock);
		size_t avail = p->head - p->tail;
		if (avail) {
			size_t k = n < avail ? n : avail;
			for (size_t i = 0; i < k;) { /* at most two pieces around the ring's end */
				size_t at = (p->tail + i) % PIPE_SIZE;
				size_t piece = PIPE_SIZE - at < k - i ? PIPE_SIZE - at : k - i;
				memcpy((uint8_t *)buf + i, p->buf + at, piece);
				i += piece;
			}
			p->tail += k;
			mutex_unlock(&p->lock);
			wake_all(&p->wait);
	vfs_poll_notify();
			return (int64_t)k;
		}
		bool eof = p->writers == 0;
		mutex_unlock(&p->lock);
		if (eof)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (!wait_event_interruptible(&p->wait, can_read, p))
			return -EINTR;
	}
}

static int64_t pipe_write(struct file *f, const void *buf, size_t n)
{
	struct pipe *p = f->private;
	size_t done = 0;
	while (done < n) {
		/* Up to PIPE_BUF bytes go in one piece (atomic); more may be
		 * split wherever room runs out. */
		size_t left = n - done;
		struct want w = {p, left <= PIPE_BUF ? left : 1};
		mutex_lock(&p->lock);
		if (p->readers == 0) {
			mutex_unlock(&p->lock);
			return done ? (int64_t)done : -EPIPE;
		}
		size_t room = PIPE_SIZE - (p->head - p->tail);
		if (room < w.room) {
			mutex_unlock(&p->lock);
			if (f->flags & O_NONBLOCK)
				return done ? (int64_t)done : -EAGAIN;
			if (!wait_event_interruptible(&p->wait, can_write, &w))
				return done ? (int64_t)done : -EINTR;
			continue;
		}
		size_t k = left < room ? left : room;
		for (size_t i = 0; i < k;) {
			size_t at = (p->head + i) % PIPE_SIZE;
			size_t piece = PIPE_SIZE - at < k - i ? PIPE_SIZE - at : k - i;
			memcpy(p->buf + at, (const uint8_t *)buf + done + i, piece);
			i += piece;
		}
		p->head += k;
		done += k;
		mutex_unlock(&p->lock);
		wake_all(&p->wait);
	vfs_poll_notify();
	}
	return (int64_t)done;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->private;
	mutex_lock(&p->lock);
	if (f->ops == &read_ops)
		p->readers--;
	else
		p->writers--;
	bool last = p->readers == 0 && p->writers == 0;
	mutex_unlock(&p->lock);
	wake_all(&p->wait);
	vfs_poll_notify();
	if (last) {
		kfree(p->buf);
		kfree(p);
	}
}

/* Ready to read: data, or no writer left (end of file: POLLHUP too).
 * Ready to write: room for an atomic write, or no reader (the write fails
 * at once with EPIPE). */
static unsigned pipe_poll(struct file *f)
{
	struct pipe *p = f->private;
	if (f->ops == &read_ops)
		return (p->head != p->tail ? VFS_POLLIN : 0) | (p->writers == 0 ? VFS_POLLIN | VFS_POLLHUP : 0);
	return PIPE_SIZE - (p->head - p->tail) >= PIPE_BUF || p->readers == 0 ? VFS_POLLOUT : 0;
}

int pipe_create(struct file **rd, struct file **wr, int flags)
{
	struct pipe *p = kcalloc(1, sizeof(*p));
	uint8_t *buf = p ? kmalloc(PIPE_SIZE) : NULL;
	if (!buf) {
		kfree(p);
		return -ENOMEM;
	}
	mutex_init(&p->lock, "pipe");
	wait_queue_init(&p->wait, "pipe wait");
	p->buf = buf;
	p->readers = p->writers = 1;
	int r = file_new_anon(&read_ops, p, 0 /* O_RDONLY */ | (flags & O_NONBLOCK), S_IFIFO, rd);
	if (r == 0) {
		r = file_new_anon(&write_ops, p, 1 /* O_WRONLY */ | (flags & O_NONBLOCK), S_IFIFO, wr);
		if (r) {
			p->writers = 0; /* releasing the read end frees the pipe */
			file_put(*rd);
		}
	} else {
		kfree(buf);
		kfree(p);
	}
	return r;
}
