/*
 * Random bytes for user programs (AT_RANDOM, getrandom, /dev/urandom):
 * RDRAND where the CPU has it; otherwise a SplitMix64 stream seeded from
 * the TSC, which is unpredictable enough for hash seeds and stack
 * canaries under emulation but no cryptographic source. random_source
 * says which one is in use.
 */
#pragma once

#include <stddef.h>

void random_init(void);
void random_bytes(void *buf, size_t n);
const char *random_source(void);
