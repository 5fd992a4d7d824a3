/*
 * The shell loop and command dispatch (see shell.h).
 *
 * Input: bytes from the input queue, fed one at a time to the line editor.
 * When the queue is empty the CPU halts until the next interrupt; the check
 * and the halt happen with interrupts off, then "sti; hlt" (sti takes effect
 * after the next instruction), so a key arriving in between cannot be missed.
 * A finished line is split into words (double quotes group words), the
 * command is looked up in the table, its argument count checked, and run.
 */
#include "shell/shell.h"

#include <stdbool.h>

#include "arch/x86_64/cpu.h"
#include "console/console.h"
#include "dev/input.h"
#include "core/kprintf.h"
#include "lib/string.h"
#include "lib/vsnprintf.h"
#include "shell/line_edit.h"
#include "test/ktest.h"

#define PROMPT "\033[1;32mkestrel\033[0m> "
#define PROMPT_WIDTH 9

const struct shell_cmd shell_cmds[] = {
	{"help", "[command]", "list the commands, or explain one", 0, 1, cmd_help},
	{"clear", "", "clear the screen", 0, 0, cmd_clear},
	{"echo", "[word...]", "print the words", 0, SHELL_MAX_ARGS, cmd_echo},
	{"mem", "", "page-frame and heap statistics", 0, 0, cmd_mem},
	{"mmap", "", "the boot memory map", 0, 0, cmd_mmap},
	{"cpus", "", "the processors and their features", 0, 0, cmd_cpus},
	{"irq", "", "interrupt counts per vector, input statistics", 0, 0, cmd_irq},
	{"uptime", "", "time since the clock started", 0, 0, cmd_uptime},
	{"date", "", "date and time from the CMOS real-time clock", 0, 0, cmd_date},
	{"acpi", "", "the ACPI tables found, with OEM ids", 0, 0, cmd_acpi},
	{"pci", "", "the PCI functions found, and their drivers", 0, 0, cmd_pci},
	{"usb", "", "the USB controllers and devices, and which keyboard is in use", 0, 0, cmd_usb},
	{"bootinfo", "", "framebuffer mode, command line, boot timing", 0, 0, cmd_bootinfo},
	{"threads", "", "kernel threads", 0, 0, cmd_threads},
	{"ls", "[path]", "list a directory of the root file system (default /)", 0, 1, cmd_ls},
	{"cat", "path", "print a file", 1, 1, cmd_cat},
	{"stat", "path", "a file's type, size, mode, owner and times", 1, 1, cmd_stat},
	{"test", "[name]", "run the in-kernel self-tests", 0, 1, cmd_test},
	{"bench", "", "run the microbenchmarks", 0, 0, cmd_bench},
	{"fault", "pf|gp|ud|de|df|int3", "demonstrate a CPU exception", 1, 1, cmd_fault},
	{"reboot", "", "restart the machine", 0, 0, cmd_reboot},
	{"poweroff", "", "switch the machine off (ACPI S5)", 0, 0, cmd_poweroff},
};
const unsigned shell_ncmds = sizeof(shell_cmds) / sizeof(shell_cmds[0]);

static struct line_edit editor;

static void editor_out(void *ctx, const char *bytes, size_t n)
{
	(void)ctx;
	console_write(bytes, n);
}

static const struct shell_cmd *find(const char *name)
{
	for (unsigned i = 0; i < shell_ncmds; i++)
		if (strcmp(shell_cmds[i].name, name) == 0)
			return &shell_cmds[i];
	return NULL;
}

/* Split line (in place) into at most SHELL_MAX_ARGS + 1 words; "..." keeps
 * spaces. Returns the count, or -1 with a message. */
static int split(char *line, char **argv)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return argc;
		if (argc == SHELL_MAX_ARGS + 1) {
			kprintf("too many words (at most %d arguments)\n", SHELL_MAX_ARGS);
			return -1;
		}
		char *out = p;
		argv[argc++] = out;
		bool quoted = false;
		while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
			if (*p == '"')
				quoted = !quoted, p++;
			else
				*out++ = *p++;
		}
		if (quoted) {
			kprintf("unterminated \" in the line\n");
			return -1;
		}
		if (*p)
			p++;
		*out = 0;
	}
}

static void run_line(const char *text)
{
	char line[LINE_SIZE];
	char *argv[SHELL_MAX_ARGS + 2];

	strncpy_safe(line, text, sizeof(line));
	int argc = split(line, argv);
	if (argc <= 0)
		return;
	argv[argc] = NULL;
	const struct shell_cmd *cmd = find(argv[0]);
	if (!cmd) {
		kprintf("%s: unknown command (type 'help' for the list)\n", argv[0]);
		return;
	}
	if (argc - 1 < cmd->min_args || argc - 1 > cmd->max_args || cmd->run(argc, argv) < 0)
		kprintf("usage: %s %s\n", cmd->name, cmd->usage);
}

static void complete(void)
{
	const char *words[64];
	size_t n = 0;
	const char *text = line_text(&editor);

	if (line_cursor_word(&editor) == 0) {
		for (unsigned i = 0; i < shell_ncmds && n < 64; i++)
			words[n++] = shell_cmds[i].name;
	} else if (strncmp(text, "test ", 5) == 0) {
		n = ktest_names(words, 64, true);
	} else if (strncmp(text, "fault ", 6) == 0) {
		static const char *const kinds[] = {"pf", "gp", "ud", "de", "df", "int3"};
		for (; n < 6; n++)
			words[n] = kinds[n];
	} else if (strncmp(text, "help ", 5) == 0) {
		for (unsigned i = 0; i < shell_ncmds && n < 64; i++)
			words[n++] = shell_cmds[i].name;
	}
	line_complete(&editor, words, n);
}

/*
 * The line editor's width. Its output goes to the framebuffer terminal and
 * to the serial port at once (console.c), and it positions the cursor by
 * row and column, so both must see the same rows: the editor breaks them at
 * the narrower width (line_edit.h). Nothing on a serial line reports the
 * terminal's width; 80 columns is what every terminal offers. So a long line
 * wraps at 80 columns on a wide screen too, which is the price of one editor
 * driving two terminals.
 */
#define SHELL_SERIAL_COLS 80

static unsigned editor_width(void)
{
	unsigned cols, rows;
	console_size(&cols, &rows); /* 0 without a framebuffer */
	return cols != 0 && cols < SHELL_SERIAL_COLS ? cols : SHELL_SERIAL_COLS;
}

void shell_run(void)
{
	line_init(&editor, PROMPT, PROMPT_WIDTH, editor_width(), editor_out, NULL);
	kprintf("Kestrel shell: type 'help' for the commands; Tab completes, arrows edit\n");
	console_write("\033[?25h", 6); /* show the cursor */
	line_start(&editor);
	for (;;) {
		int c = input_getc();
		if (c < 0) {
			cpu_cli();
			if (input_pending())
				cpu_sti();
			else
				cpu_sti_hlt();
			continue;
		}
		switch (line_feed(&editor, (char)c)) {
		case LINE_DONE:
			run_line(line_text(&editor));
			line_start(&editor);
			break;
		case LINE_TOO_LONG:
			kprintf("line too long (at most %d characters): not run\n", LINE_MAX_CHARS);
			line_start(&editor);
			break;
		case LINE_COMPLETE:
			complete();
			break;
		default:
			break;
		}
	}
}

int cmd_help(int argc, char **argv)
{
	if (argc == 2) {
		const struct shell_cmd *cmd = find(argv[1]);
		if (!cmd) {
			kprintf("help: no command '%s' (type 'help' for the list)\n", argv[1]);
			return 0;
		}
		kprintf("%s %s\n    %s\n", cmd->name, cmd->usage, cmd->help);
		return 0;
	}
	for (unsigned i = 0; i < shell_ncmds; i++) {
		char left[40];
		ksnprintf(left, sizeof(left), "%s %s", shell_cmds[i].name, shell_cmds[i].usage);
		kprintf("  \033[1m%-28s\033[0m %s\n", left, shell_cmds[i].help);
	}
	return 0;
}
