/*
 * The stack protector's guard (-fstack-protector-strong with
 * -mstack-protector-guard=global): one global canary value, seeded at entry
 * before any protected function can return.
 */
#pragma once

#include <stdint.h>

extern uint64_t __stack_chk_guard;

/* Seed the canary from RDRAND, or a TSC mix where RDRAND is absent. Called
 * by _start before kmain; itself never protected. */
void canary_init(void);
/* A self-test is about to smash its stack: report, then exit with success. */
void canary_expect(void);
/* How the canary was seeded ("rdrand" or "tsc"). */
const char *canary_source(void);
