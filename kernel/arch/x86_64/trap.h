/*
 * Interrupt and exception dispatch: trap_dispatch() receives every vector
 * from isr_stubs.S; exceptions go to exception.c, registered vectors to their
 * handler (with one EOI afterwards if the handler is an APIC interrupt),
 * anything else is reported as unexpected. Every vector is counted.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/trapframe.h"

typedef void (*trap_handler_fn)(struct trap_frame *tf);

#define TRAP_EOI 1u /* delivered by the local APIC: signal EOI after the handler */

void trap_register(uint8_t vector, trap_handler_fn fn, const char *name, unsigned flags);
uint64_t trap_count(uint8_t vector);
const char *trap_name(uint8_t vector);

void trap_dispatch(struct trap_frame *tf);
/* Called at the end of every hardware or software interrupt (not
 * exception) that interrupted code with interrupts on, after the EOI: the
 * scheduler's preemption point. */
void trap_set_after_irq(void (*fn)(struct trap_frame *tf));
/* Who handles an exception raised in ring 3 (the process layer: map a
 * page in, or deliver a signal). Called with interrupts off; it may turn
 * them on and sleep. */
void trap_set_user_exception(void (*fn)(struct trap_frame *tf));

/* exception.c */
void exception_handle(struct trap_frame *tf);
/* A self-test announces the exception it is about to cause; when it arrives
 * the report is printed and QEMU exits with success. */
void exception_expect(uint8_t vector);
/* From now on exception_expect() is ignored (the shell's fault demos reuse
 * the self-tests' fault code, but must end like a real fault). */
void exception_ignore_expect(void);
void exception_report(const struct trap_frame *tf);
void backtrace_print(uint64_t rip, uint64_t rbp);
