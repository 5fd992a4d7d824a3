/*
 * Shell commands that show what the kernel knows: mem, mmap, cpus, irq,
 * acpi, pci, usb, bootinfo. They only read; none of them changes kernel state.
 */
#include "acpi/boot.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "sched/sched.h"
#include "sched/thread.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/trap.h"
#include "boot/boot.h"
#include "boot/summary.h"
#include "dev/i8042.h"
#include "dev/isa.h"
#include "dev/input.h"
#include "core/kprintf.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "pci/pci.h"
#include "shell/shell.h"
#include "time/clock.h"
#include "time/timer.h"
#include "usb/xhci.h"

#define MIB (1024ull * 1024)

int cmd_mmap(int argc, char **argv)
{
	(void)argc, (void)argv;
	size_t n = boot_mmap_count();
	kprintf("%zu entries (descriptor size %llu), in firmware order:\n", n,
	        (unsigned long long)boot_info()->mmap_desc_size);
	kprintf("  %-18s %-18s %10s  %s\n", "start", "end", "KiB", "type");
	for (size_t i = 0; i < n; i++) {
		const struct bootinfo_mmap_desc *d = boot_mmap_entry(i);
		kprintf("  0x%016llx 0x%016llx %10llu  %s\n", (unsigned long long)d->phys_start,
		        (unsigned long long)(d->phys_start + d->num_pages * 4096),
		        (unsigned long long)(d->num_pages * 4), boot_mem_type_name(d->type));
	}
	return 0;
}

int cmd_mem(int argc, char **argv)
{
	(void)argc, (void)argv;
	uint64_t by_type[21] = {0}, other = 0, usable = 0;
	size_t n = boot_mmap_count();

	for (size_t i = 0; i < n; i++) {
		const struct bootinfo_mmap_desc *d = boot_mmap_entry(i);
		uint64_t bytes = d->num_pages * 4096;
		if (d->type < 16)
			by_type[d->type] += bytes;
		else if (d->type >= BOOTINFO_MEM_KERNEL && d->type <= BOOTINFO_MEM_INITRD)
			by_type[16 + d->type - BOOTINFO_MEM_KERNEL] += bytes;
		else
			other += bytes;
		if (boot_mem_type_usable(d->type))
			usable += bytes;
	}
	kprintf("memory (from the boot memory map): %llu MiB usable RAM\n",
	        (unsigned long long)(usable / MIB));
	for (uint32_t t = 0; t < 21; t++) {
		if (!by_type[t])
			continue;
		uint32_t type = t < 16 ? t : BOOTINFO_MEM_KERNEL + (t - 16);
		kprintf("  %-18s %10llu KiB\n", boot_mem_type_name(type),
		        (unsigned long long)(by_type[t] / 1024));
	}
	if (other)
		kprintf("  %-18s %10llu KiB\n", "other", (unsigned long long)(other / 1024));
	struct pmm_stats st;
	pmm_stats(mm_pmm(), &st);
	kprintf("page-frame allocator: %llu pages (%llu MiB) managed, %llu free, %llu used, "
	        "%llu KiB metadata\n",
	        (unsigned long long)st.total_pages, (unsigned long long)(st.total_pages / 256),
	        (unsigned long long)st.free_pages, (unsigned long long)st.used_pages,
	        (unsigned long long)(st.meta_pages * 4));
	kprintf("  free buddy blocks of 256 KiB << k:");
	for (int k = 0; k < PMM_ORDERS; k++)
		if (st.free_blocks[k])
			kprintf(" %d:%llu", k, (unsigned long long)st.free_blocks[k]);
	kprintf("\n  partly used chunks %llu, pages in CPU caches %llu\n",
	        (unsigned long long)st.partial_chunks, (unsigned long long)st.cpu_pages);
	struct heap_stats hs;
	kheap_stats(&hs);
	kprintf("heap: %llu KiB in use in %llu pages (%llu in slabs); %llu large allocations; "
	        "%llu failed\n",
	        (unsigned long long)(hs.bytes_in_use / 1024), (unsigned long long)hs.pages,
	        (unsigned long long)hs.slab_pages, (unsigned long long)hs.large_count,
	        (unsigned long long)hs.failures);
	for (unsigned i = 0; i < HEAP_NCLASSES; i++)
		if (hs.cls[i].slabs)
			kprintf("  %4u-byte objects: %llu in use, %llu free, %llu slabs\n", hs.cls[i].size,
			        (unsigned long long)hs.cls[i].inuse, (unsigned long long)hs.cls[i].free,
			        (unsigned long long)hs.cls[i].slabs);
	return 0;
}

static void cpuid_string(uint32_t leaf, char *out)
{
	uint32_t r[4];
	cpu_cpuid(leaf, 0, &r[0], &r[1], &r[2], &r[3]);
	for (int i = 0; i < 16; i++)
		out[i] = (char)(r[i / 4] >> (8 * (i % 4)));
}

int cmd_cpus(int argc, char **argv)
{
	(void)argc, (void)argv;
	uint32_t a, b, c, d, max_ext;
	char vendor[13], brand[49] = {0};

	cpu_cpuid(0, 0, &a, &b, &c, &d);
	for (int i = 0; i < 4; i++) {
		vendor[i] = (char)(b >> (8 * i));
		vendor[4 + i] = (char)(d >> (8 * i));
		vendor[8 + i] = (char)(c >> (8 * i));
	}
	vendor[12] = 0;
	cpu_cpuid(0x80000000u, 0, &max_ext, &b, &c, &d);
	if (max_ext >= 0x80000004u)
		for (uint32_t i = 0; i < 3; i++)
			cpuid_string(0x80000002u + i, brand + 16 * i);
	kprintf("boot CPU: %s, %s\n", vendor, brand[0] ? brand : "(no brand string)");

	uint32_t f1c, f1d, f7b = 0, f7c = 0, e1d = 0, e7d = 0;
	cpu_cpuid(1, 0, &a, &b, &f1c, &f1d);
	cpu_cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 7)
		cpu_cpuid(7, 0, &a, &f7b, &f7c, &d);
	if (max_ext >= 0x80000001u)
		cpu_cpuid(0x80000001u, 0, &a, &b, &c, &e1d);
	if (max_ext >= 0x80000007u)
		cpu_cpuid(0x80000007u, 0, &a, &b, &c, &e7d);
	static const struct {
		const char *name;
		int reg; /* 0: 1.ECX 1: 1.EDX 2: 7.EBX 3: 7.ECX 4: 0x80000001.EDX 5: 0x80000007.EDX */
		int bit;
	} feats[] = {
		{"nx", 4, 20}, {"pdpe1gb", 4, 26}, {"smep", 2, 7}, {"smap", 2, 20}, {"umip", 3, 2},
		{"rdrand", 0, 30}, {"x2apic", 0, 21}, {"tsc-deadline", 0, 24}, {"invariant-tsc", 5, 8},
		{"pge", 1, 13}, {"pat", 1, 16}, {"sse2", 1, 26}, {"xsave", 0, 26},
	};
	uint32_t regs[6] = {f1c, f1d, f7b, f7c, e1d, e7d};
	kprintf("features:");
	for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++)
		if (regs[feats[i].reg] >> feats[i].bit & 1)
			kprintf(" %s", feats[i].name);
	kprintf("\nTSC %llu MHz (from %s); local APIC id %u in %s mode\n",
	        (unsigned long long)(clock_tsc_hz() / 1000000), clock_source(), lapic_id(),
	        lapic_x2apic() ? "x2APIC" : "xAPIC");
	const struct acpi_madt_info *m = irq_madt();
	kprintf("MADT: %u CPU%s; %u online\n", m->cpu_count, m->cpu_count == 1 ? "" : "s",
	        percpu_online());
	kprintf("  cpu  APIC id  ACPI uid  state     ticks       switches   ready  running\n");
	for (uint32_t i = 0; i < m->cpu_count; i++) {
		const struct cpu *pc = NULL;
		for (uint32_t k = 0; k < percpu_count(); k++)
			if (percpu_get(k)->apic_id == m->cpus[i].apic_id)
				pc = percpu_get(k);
		if (!pc || !pc->online) {
			kprintf("  -    %-7u  %-8u  %s\n", m->cpus[i].apic_id, m->cpus[i].uid,
			        !m->cpus[i].enabled ? "disabled" : pc ? "failed" : "not started");
			continue;
		}
		kprintf("  %-3u  %-7u  %-8u  online    %-10llu  %-9llu  %-5u  %s%s\n", pc->index,
		        pc->apic_id, m->cpus[i].uid, (unsigned long long)pc->ticks,
		        (unsigned long long)sched_switches(pc->index), sched_ready(pc->index),
		        pc->current ? pc->current->name : "?", pc == this_cpu() ? " (this shell)" : "");
	}
	return 0;
}

int cmd_irq(int argc, char **argv)
{
	(void)argc, (void)argv;
	kprintf("  vector  count       source\n");
	for (unsigned v = 0; v < 256; v++) {
		uint64_t n = trap_count((uint8_t)v);
		if (!n)
			continue;
		const char *name = trap_name((uint8_t)v);
		kprintf("  0x%02x   %-11llu %s\n", v, (unsigned long long)n,
		        name ? name : v < 32 ? "exception" : "unregistered");
	}
	struct input_stats in = input_stats();
	struct i8042_stats kb = i8042_stats();
	kprintf("input: keyboard %llu bytes (%llu dropped), serial %llu bytes (%llu dropped), "
	        "%zu waiting\n",
	        (unsigned long long)in.received[INPUT_KEYBOARD],
	        (unsigned long long)in.dropped[INPUT_KEYBOARD],
	        (unsigned long long)in.received[INPUT_SERIAL],
	        (unsigned long long)in.dropped[INPUT_SERIAL], input_pending());
	kprintf("ps/2: %llu scancode bytes, %llu key events, %llu unknown, %llu overruns; "
	        "8259 spurious: %llu\n",
	        (unsigned long long)kb.bytes, (unsigned long long)kb.events,
	        (unsigned long long)kb.unknown, (unsigned long long)kb.overruns,
	        (unsigned long long)pic_spurious_count());
	return 0;
}

int cmd_acpi(int argc, char **argv)
{
	(void)argc, (void)argv;
	const struct acpi *a = acpi_tables();
	if (!a) {
		kprintf("acpi: no usable tables\n");
		return 0;
	}
	kprintf("RSDP at 0x%llx, revision %u, OEM '%s', root %s at 0x%llx\n",
	        (unsigned long long)a->rsdp_phys, a->rsdp_revision, a->rsdp_oem_id,
	        a->xsdt ? "XSDT" : "RSDT", (unsigned long long)a->root_phys);
	kprintf("  sig  address            length rev  OEM    OEM table  state\n");
	for (uint32_t i = 0; i < a->count; i++) {
		const struct acpi_table *t = &a->tables[i];
		kprintf("  %-4s 0x%016llx %6u %3u  %-6s %-9s  %s\n", t->signature,
		        (unsigned long long)t->phys, t->length, t->revision, t->oem_id,
		        t->oem_table_id, t->valid ? "ok" : t->reason);
	}
	return 0;
}

int cmd_bootinfo(int argc, char **argv)
{
	(void)argc, (void)argv;
	const struct bootinfo *bi = boot_info();
	const struct bootinfo_framebuffer *fb = &bi->fb;
	kprintf("boot info version %u, %u bytes at %p\n", bi->version, bi->size, (const void *)bi);
	if (fb->format == BOOTINFO_FB_NONE)
		kprintf("framebuffer: none (serial only)\n");
	else
		kprintf("framebuffer: %ux%u, pitch %u, masks r 0x%08x g 0x%08x b 0x%08x, at 0x%llx\n",
		        fb->width, fb->height, fb->pitch, fb->red_mask, fb->green_mask,
		        fb->blue_mask, (unsigned long long)fb->base_phys);
	kprintf("command line: \"%s\"\n", boot_cmdline());
	kprintf("kernel: %llu KiB at physical 0x%llx; ExitBootServices took %u call%s\n",
	        (unsigned long long)(bi->kernel_phys_size / 1024),
	        (unsigned long long)bi->kernel_phys_base, bi->exit_attempts,
	        bi->exit_attempts == 1 ? "" : "s");
	boot_print_timing();
	return 0;
}

int cmd_pci(int argc, char **argv)
{
	(void)argc, (void)argv;
	if (pci_count() == 0) {
		kprintf("no PCI functions (no MCFG table?)\n");
		return 0;
	}
	for (unsigned i = 0; i < pci_count(); i++) {
		const struct pci_dev *d = pci_get(i);
		kprintf("%04x:%02x:%02x.%u %04x:%04x class %02x%02x%02x %s%s%s\n", d->segment, d->bus,
		        d->dev, d->fn, d->vendor, d->device, d->class_code, d->subclass, d->prog_if,
		        pci_class_name(d), d->driver ? " driver " : "", d->driver ? d->driver : "");
	}
	return 0;
}

int cmd_usb(int argc, char **argv)
{
	(void)argc, (void)argv;
	kprintf("PS/2 keyboard: %s\n", isa_ps2_keyboard() ? "ready (IRQ 1)" : "none");
	xhci_report();
	return 0;
}
