/* isa-debug-exit (see qemu_exit.h). */
#include "dev/qemu_exit.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"

void qemu_exit(bool success)
{
	cpu_cli();
	outl(QEMU_EXIT_PORT, success ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
	cpu_halt_forever();
}
