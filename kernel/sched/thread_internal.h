/*
 * What thread.c gives the scheduler (sched.c) and nobody else.
 */
#pragma once

#include <stdint.h>

struct thread;

/* A thread with a stack whose first switch runs fn(arg); not queued. */
struct thread *thread_alloc(const char *name, void (*fn)(void *), void *arg);
/* A struct for the code running now, on a stack it already has. */
struct thread *thread_adopt(const char *name, uint64_t stack_top);
/* Free an exited thread's stack and struct. */
void thread_free(struct thread *t);
/* "<prefix> <n>" into buf (THREAD_NAME_MAX bytes). */
void thread_name_format(char *buf, const char *prefix, uint32_t n);
