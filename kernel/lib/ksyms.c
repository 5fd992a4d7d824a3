/*
 * Symbol lookup over the generated table (see ksyms.h). The addresses are
 * sorted, so lookup is a binary search for the last symbol at or below the
 * address; each symbol's size bounds the match, so an address in padding or
 * in assembly without a size reports no name rather than a wrong one.
 */
#include "lib/ksyms.h"

#include "lib/vsnprintf.h"

#include <stddef.h>

#include "lib/string.h"

struct ksym {
	uint64_t addr;
	uint32_t size;
	uint32_t name; /* offset into ksyms_names */
};
_Static_assert(sizeof(struct ksym) == 16, "matches scripts/gen_ksyms.py");

extern const uint64_t ksyms_count;
extern const struct ksym ksyms_table[];
extern const char ksyms_names[];

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = ksyms_count;

	while (lo < hi) { /* first entry with entry.addr > addr */
		size_t mid = lo + (hi - lo) / 2;
		if (ksyms_table[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct ksym *s = &ksyms_table[lo - 1];
	/* Size 0 (assembly labels) matches up to the next symbol. */
	if (s->size && addr - s->addr >= s->size)
		return NULL;
	*offset = addr - s->addr;
	return &ksyms_names[s->name];
}

uint64_t ksyms_address(const char *name)
{
	for (uint64_t i = 0; i < ksyms_count; i++)
		if (strcmp(&ksyms_names[ksyms_table[i].name], name) == 0)
			return ksyms_table[i].addr;
	return 0;
}

char *ksyms_format(char *buf, size_t size, uint64_t addr)
{
	uint64_t off;
	const char *s = ksyms_lookup(addr, &off);
	if (s)
		ksnprintf(buf, size, "%s+0x%llx", s, (unsigned long long)off);
	else
		ksnprintf(buf, size, "0x%llx", (unsigned long long)addr);
	return buf;
}
