/*
 * Application-processor start-up (see smp.h; Intel SDM vol. 3A, 9.4 and
 * 9.8; the MultiProcessor spec's INIT-SIPI-SIPI sequence).
 *
 * The start-up page and three page-table pages below 1 MiB were kept out
 * of the page-frame allocator by mm_init (mm_low_pages). The tables map
 * the start-up page at its own address (an AP turns paging on while running
 * there) and share the kernel's upper half (PML4 entries 256..511), so the
 * AP can jump to smp_ap_entry64, which loads the kernel's own CR3.
 *
 * APs are started one at a time: the trampoline's data (stack, struct cpu)
 * is reused for the next one only after the previous has left it, which its
 * `online` flag (or a failure report) says.
 */
#include "arch/x86_64/smp.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/syscall.h"

#include <stdatomic.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp_tramp.h"
#include "arch/x86_64/tss.h"
#include "mm/phys.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "lib/string.h"
#include "lib/vsnprintf.h"
#include "mm/heap.h"
#include "mm/kstack.h"
#include "mm/mm.h"
#include "mm/vmm.h"
#include "time/clock.h"

#define MSR_EFER 0xc0000080u
#define EFER_LMA (1ull << 10)
/* How long a CPU gets to answer, in guest time. Generous: with 8 vCPUs on
 * 2 host cores a vCPU may wait a long time for its turn. */
#define ANSWER_NS 5000000000ull
#define STOP_WAIT_S 5 /* for the stop NMI to be taken, same reasoning */

extern const uint8_t smp_trampoline[], smp_trampoline_end[], smp_tramp_pm32[], smp_tramp_lm64[];
extern void smp_ap_entry64(void);
void smp_ap_main(struct cpu *c);

static void (*ap_continue)(void);
/* Test hook (smp_init's `silent`): the CPU with this index halts before it
 * says it is online, so the boot CPU's timeout path runs. 0: none. */
static uint32_t silent_cpu;
static _Atomic bool stopping;
static _Atomic uint32_t stopped; /* CPUs that took the stop NMI */
/* Why the CPU being started gave up (set by it before halting), or NULL. */
static const char *volatile ap_failed;

static const char *const ist_names[3] = {"double-fault IST stack", "NMI IST stack",
                                         "machine-check IST stack"};

bool smp_stopping(void) { return atomic_load_explicit(&stopping, memory_order_acquire); }

uint32_t smp_stop_others(void)
{
	if (atomic_exchange_explicit(&stopping, true, memory_order_acq_rel))
		return 0;
	/* Before the CPU table is filled (a panic in boot_init) no CPU counts
	 * as online, and the local APIC is not mapped yet: nobody to stop. */
	uint32_t online = percpu_online();
	if (online <= 1)
		return 0;
	uint32_t others = online - 1;
	lapic_send_nmi_others();
	/* Wait, boundedly, for them to say so: a report printed while another
	 * CPU still writes to memory could describe a moving target. */
	uint64_t end = cpu_rdtsc() + clock_tsc_hz() * STOP_WAIT_S;
	while (atomic_load_explicit(&stopped, memory_order_acquire) < others && cpu_rdtsc() < end)
		cpu_pause();
	return atomic_load_explicit(&stopped, memory_order_acquire);
}

__attribute__((noreturn)) void smp_stopped(void)
{
	atomic_fetch_add_explicit(&stopped, 1, memory_order_release);
	cpu_halt_forever();
}

void smp_ap_online(void) { this_cpu()->online = true; }

/* The AP's C entry, on its start-up stack, on the kernel's page tables,
 * interrupts off. */
void smp_ap_main(struct cpu *c)
{
	percpu_load(c);
	if (c->index == silent_cpu)
		cpu_halt_forever(); /* the test hook: never answer */
	gdt_init(c);
	idt_load();
	const char *missing = vmm_init_cpu();
	if (missing) {
		ap_failed = missing;
		cpu_halt_forever();
	}
	tss_init(c);
	fpu_init_cpu();
	syscall_init_cpu();
	lapic_init_ap();
	irq_init_cpu();
	ap_continue(); /* ends with smp_ap_online() */
	panic("smp: CPU %u's main function returned", c->index);
}

static void put32(uint8_t *page, unsigned off, uint32_t v) { memcpy(page + off, &v, 4); }
static void put64(uint8_t *page, unsigned off, uint64_t v) { memcpy(page + off, &v, 8); }

/* Copy the code, build the start-up GDT and page tables. */
static uint8_t *prepare(uint64_t base)
{
	uint8_t *page = phys_to_virt(base);
	uint64_t *pml4 = phys_to_virt(base + 0x1000), *pdpt = phys_to_virt(base + 0x2000),
	         *pd = phys_to_virt(base + 0x3000);
	size_t len = (size_t)(smp_trampoline_end - smp_trampoline);
	if (len > TRAMP_DATA)
		panic("smp: start-up code is %zu bytes, more than its %d", len, TRAMP_DATA);
	memset(page, 0, 4096 * TRAMP_PAGES);
	memcpy(page, smp_trampoline, len);

	/* Flat 32-bit code and data, 64-bit code (SDM 3.4.5). */
	put64(page, TRAMP_DATA + TD_GDT + 0x08, 0x00cf9a000000ffffull);
	put64(page, TRAMP_DATA + TD_GDT + 0x10, 0x00cf92000000ffffull);
	put64(page, TRAMP_DATA + TD_GDT + 0x18, 0x00af9a000000ffffull);
	uint16_t limit = 4 * 8 - 1;
	memcpy(page + TRAMP_DATA + TD_GDTR, &limit, 2);
	put32(page, TRAMP_DATA + TD_GDTR + 2, (uint32_t)(base + TRAMP_DATA + TD_GDT));
	put32(page, TRAMP_DATA + TD_FAR32, (uint32_t)(base + (smp_tramp_pm32 - smp_trampoline)));
	put32(page, TRAMP_DATA + TD_FAR32 + 4, TRAMP_SEL_CODE32);
	put32(page, TRAMP_DATA + TD_FAR64, (uint32_t)(base + (smp_tramp_lm64 - smp_trampoline)));
	put32(page, TRAMP_DATA + TD_FAR64 + 4, TRAMP_SEL_CODE64);

	/* The first 2 MiB identity mapped with one large page; the upper half
	 * shared with the kernel's tables. */
	pd[0] = PTE_PRESENT | PTE_WRITABLE | PTE_HUGE;
	pdpt[0] = (base + 0x3000) | PTE_PRESENT | PTE_WRITABLE;
	pml4[0] = (base + 0x2000) | PTE_PRESENT | PTE_WRITABLE;
	const uint64_t *kpml4 = phys_to_virt(vmm_kernel_cr3());
	for (unsigned i = 256; i < 512; i++)
		pml4[i] = kpml4[i];
	put64(page, TRAMP_DATA + TD_CR3, base + 0x1000);
	put64(page, TRAMP_DATA + TD_EFER, cpu_rdmsr(MSR_EFER) & ~EFER_LMA);
	put64(page, TRAMP_DATA + TD_ENTRY, (uint64_t)smp_ap_entry64);
	put64(page, TRAMP_DATA + TD_KCR3, vmm_kernel_cr3());
	return page;
}

static uint32_t stage(const uint8_t *page)
{
	return __atomic_load_n((const uint32_t *)(page + TRAMP_DATA + TD_STAGE), __ATOMIC_ACQUIRE);
}

static bool wait_for(struct cpu *c, uint64_t ns)
{
	uint64_t end = clock_ns() + ns;
	while (!c->online && !ap_failed && clock_ns() < end)
		cpu_pause();
	return c->online;
}

/* Start one AP; true when it is online. */
static bool start_one(uint8_t *page, uint64_t base, struct cpu *c, char *names)
{
	kheap_init_cpu(c);
	uint64_t stack = kstack_alloc(names);
	if (!stack)
		return false;
	c->boot_stack_top = stack;
	for (unsigned i = 0; i < 3; i++) {
		c->ist_top[i] = kstack_alloc(ist_names[i]);
		if (!c->ist_top[i])
			return false;
	}
	put64(page, TRAMP_DATA + TD_STACK, stack);
	put64(page, TRAMP_DATA + TD_ARG, (uint64_t)c);
	put32(page, TRAMP_DATA + TD_STAGE, 0);
	ap_failed = NULL;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the page is written before the IPIs */

	/* INIT, 10 ms, STARTUP, 200 us, and a second STARTUP if the first was
	 * not taken (SDM 9.4.4.1, the MP spec's universal algorithm). */
	lapic_send_init(c->apic_id);
	clock_delay_ns(10000000);
	lapic_send_startup(c->apic_id, (uint8_t)(base >> 12));
	clock_delay_ns(200000);
	if (stage(page) == 0) {
		lapic_send_startup(c->apic_id, (uint8_t)(base >> 12));
		clock_delay_ns(200000);
	}
	if (wait_for(c, ANSWER_NS))
		return true;
	if (ap_failed)
		kprintf("smp: CPU %u (APIC id %u) lacks %s, which the boot CPU uses: not used\n",
		        c->index, c->apic_id, ap_failed);
	else
		kprintf("smp: CPU %u (APIC id %u) did not answer within %llu ms (reached stage %u "
		        "of 2): not used\n", c->index, c->apic_id,
		        (unsigned long long)(ANSWER_NS / 1000000), stage(page));
	/* Park it: INIT returns it to wait-for-SIPI, so it cannot wake later
	 * on a reused trampoline. */
	lapic_send_init(c->apic_id);
	return false;
}

void smp_init(void (*ap_main)(void), uint32_t limit, uint32_t silent)
{
	silent_cpu = silent;
	const struct acpi_madt_info *m = irq_madt();
	struct cpu *bsp = this_cpu();
	uint32_t skipped = 0, unanswered = 0;
	static char names[MAX_CPUS][24];

	bsp->apic_id = lapic_id();
	bsp->online = true;
	ap_continue = ap_main;
	uint64_t base = mm_low_pages();
	uint8_t *page = NULL;

	for (uint32_t i = 0; i < m->cpu_count; i++) {
		const struct acpi_cpu *a = &m->cpus[i];
		if (a->apic_id == bsp->apic_id)
			continue;
		if (!a->enabled) {
			skipped++; /* online-capable: could be hot-added, not started now */
			continue;
		}
		if (percpu_count() >= limit) {
			skipped++;
			continue;
		}
		if (a->apic_id > 0xff && !lapic_x2apic()) {
			kprintf("smp: CPU with APIC id %u needs x2APIC mode: not used\n", a->apic_id);
			continue;
		}
		if (!base) {
			kprintf("smp: no free memory below 1 MiB for the start-up code: running on the "
			        "boot CPU only\n");
			break;
		}
		if (!page)
			page = prepare(base);
		struct cpu *c = percpu_add(a->apic_id);
		if (!c) {
			skipped++;
			continue;
		}
		ksnprintf(names[c->index], sizeof(names[0]), "CPU %u start-up stack", c->index);
		if (!start_one(page, base, c, names[c->index]))
			unanswered++;
	}
	kprintf("smp: %u CPU%s online:", percpu_online(), percpu_online() == 1 ? "" : "s");
	for (uint32_t i = 0; i < percpu_count(); i++)
		if (percpu_get(i)->online)
			kprintf(" %u (APIC id %u)", i, percpu_get(i)->apic_id);
	kprintf("\n");
	if (skipped || unanswered)
		kprintf("smp: %u CPU%s in the MADT not started (disabled or over maxcpus), %u did not "
		        "start\n", skipped, skipped == 1 ? "" : "s", unanswered);
}
