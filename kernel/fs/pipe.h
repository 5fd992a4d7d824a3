/*
 * Pipes: a bounded byte queue between two open files, one for reading and
 * one for writing (pipe(2)). Readers sleep while it is empty and writers
 * while it is full; the last writer closing gives readers end-of-file, the
 * last reader closing gives writers EPIPE (and the writing process
 * SIGPIPE, the syscall layer's part). Writes of at most PIPE_BUF bytes are
 * atomic: they never interleave with another writer's.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct file;

#define PIPE_SIZE 65536 /* bytes held, as Linux's default */
#define PIPE_BUF 4096   /* atomic write size (POSIX, Linux) */

/* Make a pipe: *rd and *wr get files with flags (O_NONBLOCK, O_CLOEXEC
 * are the caller's). 0 or -ENOMEM/-ENFILE. */
int pipe_create(struct file **rd, struct file **wr, int flags);
/* Whether f is a pipe end. */
bool pipe_is(const struct file *f);
