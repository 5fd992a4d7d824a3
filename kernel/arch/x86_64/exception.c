/*
 * CPU exception reports. Every architectural exception prints one report on
 * every console: name, vector, error code (decoded for #PF and for the
 * selector errors), CR2 and what that address is for #PF, RIP with its
 * function name, the segment registers and flags, all general registers,
 * and a frame-pointer backtrace with function names (lib/ksyms.c).
 *
 * Then: #BP (int3) continues after the instruction; a fault a self-test
 * announced with exception_expect() exits QEMU with success; anything else
 * stops the CPU with interrupts off (test mode: QEMU exits with failure).
 *
 * This path takes no lock and allocates nothing; the report formats with
 * kvformat through kprintf. (When the console gets a lock, the report must
 * use an emergency path that bypasses it.)
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "console/console.h"
#include "mm/kstack.h"
#include "arch/x86_64/stacks.h"
#include "arch/x86_64/trap.h"
#include "dev/qemu_exit.h"
#include "core/kprintf.h"
#include "core/panic.h"
#include "lib/ksyms.h"
#include "mm/vmm.h"

#define VEC_BP 3
#define VEC_DF 8
#define VEC_PF 14

/* Intel SDM vol. 3A, table 6-1. */
static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range exceeded", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack-segment fault", "#GP general protection",
	"#PF page fault", "reserved (15)", "#MF x87 floating-point error", "#AC alignment check",
	"#MC machine check", "#XM SIMD floating-point", "#VE virtualization",
	"#CP control protection", "reserved (22)", "reserved (23)", "reserved (24)",
	"reserved (25)", "reserved (26)", "reserved (27)", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved (31)",
};

static int expected_vector = -1;
static bool ignore_expect;

void exception_expect(uint8_t vector)
{
	if (!ignore_expect)
		expected_vector = vector;
}

void exception_ignore_expect(void)
{
	ignore_expect = true;
	expected_vector = -1;
}

static bool has_selector_error(uint64_t v) { return v == 10 || v == 11 || v == 12 || v == 13; }

/* SDM vol. 3A, 6.13: EXT, IDT, TI and the selector index. */
static void print_selector_error(uint64_t e)
{
	if (e == 0) {
		kprintf(" [no selector]");
		return;
	}
	const char *table = (e & 2) ? "IDT vector" : (e & 4) ? "LDT selector" : "GDT selector";
	unsigned long long index = (e >> 3) & 0x1fff;
	if (e & 2)
		kprintf(" [%s%s %llu]", (e & 1) ? "external, " : "", table, index);
	else
		kprintf(" [%s%s 0x%llx]", (e & 1) ? "external, " : "", table, index << 3);
}

/* SDM vol. 3A, 4.7, figure 4-12: page-fault error code. */
static void print_pf_error(uint64_t e)
{
	kprintf(" [%s %s %s%s%s%s]", (e & 1) ? "protection-violation" : "not-present",
	        (e & 2) ? "write" : "read", (e & 4) ? "user" : "supervisor",
	        (e & 8) ? " reserved-bit" : "", (e & 16) ? " instruction-fetch" : "",
	        (e & 32) ? " protection-key" : "");
}

extern const char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern const char __data_start[], __bss_end[];

/* The fixed stacks (stacks.c) and the allocated ones (mm/kstack.c). */
static const char *guard_owner(uint64_t va)
{
	const char *s = stacks_guard_owner(va);
	return s ? s : kstack_guard_owner(va);
}

static const char *stack_owner(uint64_t va)
{
	const char *s = stacks_owner(va);
	return s ? s : kstack_owner(va);
}

static const char *describe_address(uint64_t va)
{
	const char *s;
	int level;

	if (va < 4096)
		return "null page";
	if ((s = guard_owner(va)))
		return s; /* printed as "guard page of the <stack>" */
	if (va >= (uint64_t)__text_start && va < (uint64_t)__text_end)
		return "kernel text";
	if (va >= (uint64_t)__rodata_start && va < (uint64_t)__rodata_end)
		return "kernel rodata";
	if (va >= (uint64_t)__data_start && va < (uint64_t)__bss_end)
		return "kernel data";
	if (vmm_in_direct_map(va))
		return "direct map";
	if (vmm_is_mmio(va))
		return "device registers (MMIO window)";
	uint64_t pte = paging_lookup(va, &level);
	if (!pte)
		return "unmapped";
	return (pte & PTE_USER) ? "user page" : "mapped";
}

/* The function containing `lookup`, printed with the offset of `shown`:
 * for a return address the function is found from the call instruction
 * (ret - 1: a call at a function's very end returns past it), but the
 * offset printed is that of the address printed. */
static void print_symbol_of(uint64_t lookup, uint64_t shown)
{
	uint64_t off;
	const char *sym = ksyms_lookup(lookup, &off);
	if (sym)
		kprintf(" <%s+0x%llx>", sym, (unsigned long long)(off + (shown - lookup)));
}

static void print_symbol(uint64_t addr) { print_symbol_of(addr, addr); }

/* A frame pointer is followed only if it is aligned, mapped, and moves up
 * the stack; the walk stops at the zero frame pointer _start leaves (and at
 * a zero return address). */
void backtrace_print(uint64_t rip, uint64_t rbp)
{
	int level;

	kprintf("backtrace:\n  #0  0x%016llx", (unsigned long long)rip);
	print_symbol(rip);
	kprintf("\n");
	/* Runs of the same return address (deep recursion) print once, with
	 * a count, so the interesting outer frames still fit on the screen. */
	uint64_t last = 0, repeats = 0;
	int printed = 1;
	for (int walked = 0; walked < 4096 && printed < 24; walked++) {
		if (rbp == 0 || (rbp & 7) || !paging_lookup(rbp, &level) ||
		    !paging_lookup(rbp + 8, &level))
			break;
		const uint64_t *frame = (const uint64_t *)rbp;
		uint64_t ret = frame[1], next = frame[0];
		if (ret == 0)
			break;
		if (ret == last) {
			repeats++;
		} else {
			if (repeats)
				kprintf("      ... the same frame %llu more times\n",
				        (unsigned long long)repeats);
			repeats = 0;
			kprintf("  #%-2d 0x%016llx", printed++, (unsigned long long)ret);
			print_symbol_of(ret - 1, ret);
			kprintf("\n");
			last = ret;
		}
		if (next <= rbp)
			break;
		rbp = next;
	}
	if (repeats)
		kprintf("      ... the same frame %llu more times\n", (unsigned long long)repeats);
}

void exception_report(const struct trap_frame *tf)
{
	/* Read CR2 before anything else can fault and overwrite it. */
	uint64_t cr2 = cpu_read_cr2();
	uint64_t v = tf->vector;
	const char *name = v < 32 ? exception_names[v] : "interrupt";

	kprintf("\n\033[1;31mexception:\033[0m %s (vector %llu) error 0x%llx", name,
	        (unsigned long long)v, (unsigned long long)tf->error_code);
	if (v == VEC_PF)
		print_pf_error(tf->error_code);
	else if (has_selector_error(v))
		print_selector_error(tf->error_code);
	kprintf("\n");
	if (v == VEC_PF) {
		const char *what = describe_address(cr2);
		kprintf("  cr2 0x%016llx (%s%s)\n", (unsigned long long)cr2,
		        guard_owner(cr2) ? "guard page of the " : "", what);
	}
	kprintf("  rip 0x%016llx", (unsigned long long)tf->rip);
	print_symbol(tf->rip);
	kprintf("\n  cs 0x%llx ss 0x%llx rflags 0x%llx rsp 0x%016llx",
	        (unsigned long long)tf->cs, (unsigned long long)tf->ss,
	        (unsigned long long)tf->rflags, (unsigned long long)tf->rsp);
	const char *stack = stack_owner(tf->rsp), *guard = guard_owner(tf->rsp);
	/* A push that hit the guard page leaves RSP at (or just above) the
	 * stack's lowest address: say what that means. */
	if (stack && guard_owner(tf->rsp - 256))
		kprintf(" (bottom of the %s: stack overflow)\n", stack);
	else if (stack)
		kprintf(" (%s)\n", stack);
	else if (guard)
		kprintf(" (guard page of the %s: stack overflow)\n", guard);
	else
		kprintf("\n");
	kprintf("  rax 0x%016llx rbx 0x%016llx rcx 0x%016llx rdx 0x%016llx\n"
	        "  rsi 0x%016llx rdi 0x%016llx rbp 0x%016llx r8  0x%016llx\n"
	        "  r9  0x%016llx r10 0x%016llx r11 0x%016llx r12 0x%016llx\n"
	        "  r13 0x%016llx r14 0x%016llx r15 0x%016llx\n",
	        (unsigned long long)tf->rax, (unsigned long long)tf->rbx,
	        (unsigned long long)tf->rcx, (unsigned long long)tf->rdx,
	        (unsigned long long)tf->rsi, (unsigned long long)tf->rdi,
	        (unsigned long long)tf->rbp, (unsigned long long)tf->r8,
	        (unsigned long long)tf->r9, (unsigned long long)tf->r10,
	        (unsigned long long)tf->r11, (unsigned long long)tf->r12,
	        (unsigned long long)tf->r13, (unsigned long long)tf->r14,
	        (unsigned long long)tf->r15);
	backtrace_print(tf->rip, tf->rbp);
}

/* An exception while reporting one (a fault in the console, say) must not
 * recurse: the nested one prints a single line and stops. */
static volatile int reporting;

void exception_handle(struct trap_frame *tf)
{
	if (reporting) {
		kprintf("\nexception: vector %llu at rip 0x%llx while reporting another: halted\n",
		        (unsigned long long)tf->vector, (unsigned long long)tf->rip);
		if (panic_test_mode())
			qemu_exit(false);
		cpu_halt_forever();
	}
	reporting = 1;
	if (tf->vector != VEC_BP) {
		/* Fatal (or the one a self-test expects): this CPU takes the
		 * console over and the others stop before the report. */
		this_cpu()->panicking = true;
		if (!console_emergency())
			cpu_halt_forever();
		uint32_t others = percpu_online() - 1, stopped = smp_stop_others();
		if (others)
			kprintf("\nfatal exception on CPU %u: %u of %u other CPU%s stopped", this_cpu_index(),
			        stopped, others, others == 1 ? "" : "s");
	}
	exception_report(tf);
	reporting = 0;
	if (tf->vector == VEC_BP) {
		kprintf("int3: continuing\n");
		return;
	}
	if ((int)tf->vector == expected_vector) {
		kprintf("test: expected exception %llu observed\n", (unsigned long long)tf->vector);
		qemu_exit(true);
	}
	kprintf("fatal exception: CPU halted\n");
	if (panic_test_mode())
		qemu_exit(false);
	cpu_halt_forever();
}
