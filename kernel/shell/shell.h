/*
 * The interactive kernel shell: reads the one input queue (keyboard and
 * serial), edits lines with shell/line_edit.c, and runs commands from a table.
 * docs/shell.md lists the commands and follows a key press to a command.
 */
#pragma once

#define SHELL_MAX_ARGS 16

struct shell_cmd {
	const char *name;
	const char *usage; /* the arguments, "" if none */
	const char *help;  /* one line */
	int min_args, max_args;
	/* Returns 0, or -1 for bad arguments (the shell then prints the usage). */
	int (*run)(int argc, char **argv);
};

/* Never returns. */
__attribute__((noreturn)) void shell_run(void);

/* The command table (shell.c), for help and completion. */
extern const struct shell_cmd shell_cmds[];
extern const unsigned shell_ncmds;

/* Commands, grouped by file. */
int cmd_help(int argc, char **argv);
int cmd_clear(int argc, char **argv);
int cmd_echo(int argc, char **argv);
int cmd_uptime(int argc, char **argv);
int cmd_date(int argc, char **argv);
int cmd_reboot(int argc, char **argv);
int cmd_poweroff(int argc, char **argv);
int cmd_mem(int argc, char **argv);
int cmd_mmap(int argc, char **argv);
int cmd_cpus(int argc, char **argv);
int cmd_irq(int argc, char **argv);
int cmd_acpi(int argc, char **argv);
int cmd_pci(int argc, char **argv);
int cmd_usb(int argc, char **argv);
int cmd_bootinfo(int argc, char **argv);
int cmd_threads(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_fault(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_stat(int argc, char **argv);
