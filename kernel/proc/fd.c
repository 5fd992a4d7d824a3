/*
 * A process's descriptor table and working directory (see proc.h), shared
 * by its threads and guarded by files_lock. The files themselves are
 * reference-counted (fs/vfs.h) because fork and dup share them.
 *
 * Borrowing. A system call that looks up a descriptor uses the file for
 * the rest of the call, while another thread of the process may close that
 * descriptor. So with more than one thread, fd_file takes a reference
 * (under files_lock, before the close can drop the table's) and records it
 * in the task; the system-call exit drops every recorded reference
 * (task_release_borrowed). A file looked up twice is recorded once, so a
 * poll loop over the same descriptors does not fill the record. A
 * single-threaded process skips all this: only its one thread, busy in
 * this very call, could close anything, and a new thread appears only
 * through clone, which is not a descriptor call.
 */
#include "core/kprintf.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "proc/proc.h"

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
}

/* When the process has ended: no thread is left to race with. */
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
	mutex_lock(&parent->files_lock);
	for (int i = 0; i < PROC_FD_MAX; i++) {
		child->fds[i] = parent->fds[i];
		if (child->fds[i].file)
			file_get(child->fds[i].file);
	}
	child->cwd = parent->cwd ? vfs_inode_get(parent->cwd) : NULL;
	child->umask = parent->umask;
	mutex_unlock(&parent->files_lock);
	return 0;
}

/* After execve: the caller is the process's only thread (proc_exec_single). */
void proc_exec_done(struct proc *p)
{
	for (int i = 0; i < PROC_FD_MAX; i++)
		if (p->fds[i].file && p->fds[i].cloexec) {
			file_put(p->fds[i].file);
			p->fds[i].file = NULL;
			p->fds[i].cloexec = false;
		}
	/* Caught signals go back to their default action; ignored ones stay. */
	for (int s = 1; s <= 64; s++) {
		uint64_t act[4];
		proc_get_sigaction(p, s, act);
		if (act[0] > 1) {
			uint64_t none[4] = {0};
			proc_set_sigaction(p, s, none);
		}
	}
}

static bool shared_table(const struct proc *p)
{
	return __atomic_load_n(&p->ntasks, __ATOMIC_RELAXED) > 1;
}

/* Under files_lock (a mutex: vfs_inode_get may sleep): record a reference to obj in t (taking it unless t
 * has one already). False when the record is full. */
static bool borrow(struct task *t, void *obj, bool inode)
{
	for (unsigned i = 0; i < t->nborrowed; i++)
		if (t->borrowed[i].obj == obj)
			return true;
	if (t->nborrowed == TASK_BORROW_MAX)
		return false;
	if (inode)
		vfs_inode_get(obj);
	else
		file_get(obj);
	t->borrowed[t->nborrowed].obj = obj;
	t->borrowed[t->nborrowed].inode = inode;
	t->nborrowed++;
	return true;
}

void task_release_borrowed(struct task *t)
{
	while (t->nborrowed) {
		t->nborrowed--;
		void *obj = t->borrowed[t->nborrowed].obj;
		if (t->borrowed[t->nborrowed].inode)
			vfs_inode_put(obj);
		else
			file_put(obj);
	}
}

struct file *fd_file(int fd)
{
	struct task *t = task_current();
	struct proc *p = t->proc;
	if (fd < 0 || fd >= PROC_FD_MAX)
		return NULL;
	if (!shared_table(p))
		return p->fds[fd].file;
	mutex_lock(&p->files_lock);
	struct file *f = p->fds[fd].file;
	if (f && !borrow(t, f, false)) {
		/* A call that touched more distinct files than the record
		 * holds: refuse this one rather than use it unreferenced. */
		kprintf("pid %d (%s): too many descriptors in one call: EBADF\n", p->pid, p->comm);
		f = NULL;
	}
	mutex_unlock(&p->files_lock);
	return f;
}

struct inode *proc_cwd(void)
{
	struct task *t = task_current();
	struct proc *p = t->proc;
	if (!p->cwd)
		return vfs_root();
	if (!shared_table(p))
		return p->cwd;
	mutex_lock(&p->files_lock);
	struct inode *d = p->cwd;
	if (!borrow(t, d, true))
		d = vfs_root(); /* as fd_file; the root never goes away */
	mutex_unlock(&p->files_lock);
	return d;
}

void proc_set_cwd(struct inode *dir)
{
	struct proc *p = proc_current();
	mutex_lock(&p->files_lock);
	struct inode *old = p->cwd;
	p->cwd = dir;
	mutex_unlock(&p->files_lock);
	if (old)
		vfs_inode_put(old);
}

uint32_t proc_umask(uint32_t set, bool change)
{
	struct proc *p = proc_current();
	if (!change)
		return __atomic_load_n(&p->umask, __ATOMIC_RELAXED);
	return __atomic_exchange_n(&p->umask, set & 0777, __ATOMIC_RELAXED);
}

int fd_install(struct file *f, int lowest, bool cloexec)
{
	struct proc *p = proc_current();
	mutex_lock(&p->files_lock);
	for (int i = lowest < 0 ? 0 : lowest; i < PROC_FD_MAX; i++)
		if (!p->fds[i].file) {
			p->fds[i] = (struct fd){.file = f, .cloexec = cloexec};
			mutex_unlock(&p->files_lock);
			return i;
		}
	mutex_unlock(&p->files_lock);
	file_put(f);
	return -EMFILE;
}

void fd_install_at(int fd, struct file *f, bool cloexec)
{
	struct proc *p = proc_current();
	mutex_lock(&p->files_lock);
	struct file *gone = p->fds[fd].file;
	p->fds[fd] = (struct fd){.file = f, .cloexec = cloexec};
	mutex_unlock(&p->files_lock);
	if (gone)
		file_put(gone); /* outside the lock: the last put may sleep */
}

int fd_close(int fd)
{
	struct proc *p = proc_current();
	if (fd < 0 || fd >= PROC_FD_MAX)
		return -EBADF;
	mutex_lock(&p->files_lock);
	struct file *f = p->fds[fd].file;
	p->fds[fd] = (struct fd){0};
	mutex_unlock(&p->files_lock);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

bool fd_get_cloexec(int fd)
{
	struct proc *p = proc_current();
	mutex_lock(&p->files_lock);
	bool on = fd >= 0 && fd < PROC_FD_MAX && p->fds[fd].cloexec;
	mutex_unlock(&p->files_lock);
	return on;
}

bool fd_set_cloexec(int fd, bool on)
{
	struct proc *p = proc_current();
	if (fd < 0 || fd >= PROC_FD_MAX)
		return false;
	mutex_lock(&p->files_lock);
	bool ok = p->fds[fd].file != NULL;
	if (ok)
		p->fds[fd].cloexec = on;
	mutex_unlock(&p->files_lock);
	return ok;
}
