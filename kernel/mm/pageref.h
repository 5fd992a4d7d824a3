/*
 * Sharing counts for physical pages: how many address spaces map a page
 * besides its first owner. A page nobody shares has no entry at all (count
 * 0), so the table costs memory only where fork has shared pages: it is a
 * two-level array indexed by page frame number whose leaves (one page, 1024
 * counts) are allocated on the first share in their 4 MiB of memory.
 *
 * The counts are atomic: two processes that shared a page may drop it on
 * two CPUs at once, and exactly one of them must see it as its own.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Before the first share: size the directory for the direct map. */
void pageref_init(uint64_t phys_limit);
/* One more sharer of the page at pa. False when out of memory. */
bool pageref_share(uint64_t pa);
/* One sharer lets go of the page at pa. True when it was the last one,
 * which then owns (and frees) the page. */
bool pageref_drop(uint64_t pa);
/* Whether anyone else maps the page (a write must copy it first). */
bool pageref_shared(uint64_t pa);
