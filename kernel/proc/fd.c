/*
 * A process's descriptor table and working directory (see proc.h). Only
 * the process's one thread touches its table, so it needs no lock; the
 * files themselves are reference-counted (fs/vfs.h) because fork and dup
 * share them.
 */
#include "core/kprintf.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "proc/proc.h"
#include "tty/tty.h"

void proc_files_init(struct proc *p)
{
	p->cwd = vfs_inode_get(vfs_root());
	p->umask = 022;
	for (int fd = 0; fd < 3; fd++) {
		struct file *f;
		int r = vfs_open(vfs_root(), "/dev/console", O_RDWR, 0, &f);
		if (r) {
			kprintf("init: cannot open /dev/console (error %d): it runs without "
			        "descriptors 0, 1, 2\n", -r);
			return;
		}
		p->fds[fd].file = f;
	}
	tty_set_foreground(p->pid);
}

void proc_files_close(struct proc *p)
{
	for (int i = 0; i < PROC_FD_MAX; i++)
		if (p->fds[i].file) {
			file_put(p->fds[i].file);
			p->fds[i].file = NULL;
		}
	if (p->cwd) {
		vfs_inode_put(p->cwd);
		p->cwd = NULL;
	}
}

int proc_files_fork(struct proc *child, struct proc *parent)
{
	for (int i = 0; i < PROC_FD_MAX; i++) {
		child->fds[i] = parent->fds[i];
		if (child->fds[i].file)
			file_get(child->fds[i].file);
	}
	child->cwd = parent->cwd ? vfs_inode_get(parent->cwd) : NULL;
	child->umask = parent->umask;
	child->sigmask = parent->sigmask;
	for (int s = 0; s < 64; s++)
		child->sigactions[s] = parent->sigactions[s];
	return 0;
}

void proc_exec_done(struct proc *p)
{
	for (int i = 0; i < PROC_FD_MAX; i++)
		if (p->fds[i].file && p->fds[i].cloexec) {
			file_put(p->fds[i].file);
			p->fds[i].file = NULL;
			p->fds[i].cloexec = false;
		}
	/* Caught signals go back to their default action; ignored ones stay. */
	for (int s = 0; s < 64; s++)
		if (p->sigactions[s].handler > 1)
			p->sigactions[s] = (typeof(p->sigactions[s])){0};
}

struct file *fd_file(int fd)
{
	struct proc *p = proc_current();
	if (fd < 0 || fd >= PROC_FD_MAX)
		return NULL;
	return p->fds[fd].file;
}

int fd_install(struct file *f, int lowest, bool cloexec)
{
	struct proc *p = proc_current();
	for (int i = lowest < 0 ? 0 : lowest; i < PROC_FD_MAX; i++)
		if (!p->fds[i].file) {
			p->fds[i] = (struct fd){.file = f, .cloexec = cloexec};
			return i;
		}
	file_put(f);
	return -EMFILE;
}
