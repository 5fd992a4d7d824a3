/*
 * The per-CPU structs (see percpu.h). Entry 0 belongs to the boot CPU and is
 * live from _start on; smp.c adds one for each application processor before
 * starting it.
 */
#include "arch/x86_64/percpu.h"

#include "arch/x86_64/cpu.h"

/* In .bss, not .data: an initializer would put all 64 structs in the
 * kernel file. _start fills in entry 0's self pointer, smp_init its
 * `online`. */
struct cpu percpu_cpus[MAX_CPUS];
static uint32_t ncpus = 1;

uint32_t percpu_count(void) { return ncpus; }

uint32_t percpu_online(void)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < ncpus; i++)
		n += percpu_cpus[i].online;
	return n;
}

struct cpu *percpu_add(uint32_t apic_id)
{
	if (ncpus == MAX_CPUS)
		return 0;
	struct cpu *c = &percpu_cpus[ncpus];
	c->self = c;
	c->index = ncpus++;
	c->apic_id = apic_id;
	return c;
}

void percpu_load(struct cpu *c) { cpu_wrmsr(MSR_GS_BASE, (uint64_t)c); }
