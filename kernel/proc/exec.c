/*
 * execve's loader (see exec.h). Everything is built in a new address space
 * first; the process keeps its old one until the new one is complete, so a
 * failure (a bad file, no memory) returns an error to a program that is
 * still intact.
 *
 * The file is never read whole: only its first page (the "#!" line, or the
 * ELF and program headers) is copied. Segments are mapped from the file
 * (vm_map_file): the program's pages are the file system's own, shared
 * read-only, brought in by the first touch, and copied only where the
 * program writes (its data). A program that runs `true` touches a few
 * dozen of busybox's 500 pages.
 */
#include "proc/exec.h"

#include "arch/x86_64/context.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/syscall.h"
#include "core/kprintf.h"
#include "core/random.h"
#include "lib/elf64.h"
#include "lib/errno.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "proc/proc.h"
#include "proc/vm.h"

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define NAUXV 19 /* pairs written below, AT_NULL included */

static unsigned seg_prot(uint32_t flags)
{
	return ((flags & ELF64_PF_R) ? VM_READ : 0) | ((flags & ELF64_PF_W) ? VM_WRITE : 0) |
	       ((flags & ELF64_PF_X) ? VM_EXEC : 0);
}

/* Copy n bytes of file f from offset off to va in vm, a page at a time. */
static int copy_from_file(struct vm *vm, uint64_t va, struct file *f, uint64_t off, uint64_t n)
{
	uint8_t *buf = kmalloc(4096);
	if (!buf)
		return -ENOMEM;
	int r = 0;
	while (n && !r) {
		size_t k = n < 4096 ? (size_t)n : 4096;
		int64_t got = vfs_pread(f, buf, k, (int64_t)off);
		if (got != (int64_t)k)
			r = got < 0 ? (int)got : -EIO; /* the file shrank under us */
		else
			r = vm_write(vm, va, buf, k);
		va += k;
		off += k;
		n -= k;
	}
	kfree(buf);
	return r;
}

/*
 * Areas for the segments. A segment whose address and file offset agree
 * modulo the page size (what every linker produces) is mapped from the
 * file: pages up to the end of its file bytes come from the file, the rest
 * (.bss) is anonymous, and the bytes of the last file page past the file
 * part are zeroed (which copies that one page). Otherwise, or when two
 * segments share a page (the end of one, the start of the next: that page
 * gets both segments' permissions), the bytes are copied in.
 *
 *   vaddr+bias                    +filesz            +memsz
 *   |  file pages (shared)  | last |zeroed|  anonymous  |
 *   ^ page_down                   page_up(filesz end)   ^ page_up
 */
static int load_segments(struct vm *vm, const struct elf64_image *img, struct file *file,
                         uint64_t bias)
{
	uint64_t covered = 0; /* end of the pages mapped so far */
	unsigned prev_prot = 0;
	for (unsigned i = 0; i < img->nloads; i++) {
		const struct elf64_load *l = &img->loads[i];
		uint64_t va = l->vaddr + bias;
		uint64_t start = vm_page_down(va), end = vm_page_up(va + l->memsz);
		unsigned prot = seg_prot(l->flags);
		bool mapped = l->filesz && (va - l->offset) % 4096 == 0;
		uint64_t at;
		int r;
		if (start < covered) { /* the first page is the previous segment's last */
			if ((r = vm_protect(vm, start, 4096, prev_prot | prot)))
				return r;
			start += 4096;
			mapped = false;
		}
		uint64_t file_end = mapped ? vm_page_up(va + l->filesz) : start;
		struct vm_map_opts o = {.file = file, .off = vm_page_down(l->offset)};
		if (mapped && (r = vm_map_file(vm, start, file_end - start, prot, VMA_PROGRAM, true, &o, &at)))
			return r;
		if (file_end < end && (r = vm_map(vm, file_end, end - file_end, prot, VMA_PROGRAM, true, &at)))
			return r;
		if (mapped && l->memsz > l->filesz && (va + l->filesz) % 4096)
			r = vm_zero(vm, va + l->filesz, file_end - (va + l->filesz));
		else if (!mapped && l->filesz)
			r = copy_from_file(vm, va, file, l->offset, l->filesz);
		if (r)
			return r;
		covered = end;
		prev_prot = prot;
	}
	return 0;
}

static size_t count(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* Lay out the initial stack (exec.h) in a kernel buffer, then copy it to
 * the top of the new stack. *sp gets the entry RSP. */
static int build_stack(struct vm *vm, const struct exec_args *a, const char *path,
                       const struct elf64_image *img, uint64_t bias, uint64_t *sp)
{
	size_t argc = count(a->argv), envc = count(a->envp);
	size_t strings = 16 + sizeof("x86_64") + strlen(path) + 1;
	for (size_t i = 0; i < argc; i++)
		strings += strlen(a->argv[i]) + 1;
	for (size_t i = 0; i < envc; i++)
		strings += strlen(a->envp[i]) + 1;
	size_t words = 1 + argc + 1 + envc + 1 + 2 * NAUXV;
	if (strings + words * 8 > EXEC_ARGS_MAX)
		return -E2BIG;
	/* strings at the top, then padding so that argc lands 16-aligned */
	uint64_t str_base = USER_STACK_TOP - strings;
	uint64_t bottom = (str_base - words * 8) & ~15ull;
	size_t total = USER_STACK_TOP - bottom;
	uint8_t *buf = kcalloc(1, total);
	if (!buf)
		return -ENOMEM;
	uint64_t *w = (uint64_t *)buf;
	char *s = (char *)buf + (str_base - bottom);
	uint64_t at = str_base;
#define PUT_STR(str)                                    \
	({                                                  \
		size_t n_ = strlen(str) + 1;                    \
		memcpy(s, (str), n_);                           \
		s += n_;                                        \
		at += n_;                                       \
		at - n_;                                        \
	})
	uint64_t random_at = at;
	random_bytes(s, 16);
	s += 16;
	at += 16;
	uint64_t platform_at = PUT_STR("x86_64");
	uint64_t execfn_at = PUT_STR(path);
	*w++ = argc;
	for (size_t i = 0; i < argc; i++)
		*w++ = PUT_STR(a->argv[i]);
	*w++ = 0;
	for (size_t i = 0; i < envc; i++)
		*w++ = PUT_STR(a->envp[i]);
	*w++ = 0;
#undef PUT_STR
	uint32_t ca, cb, cc, cd;
	cpu_cpuid(1, 0, &ca, &cb, &cc, &cd);
	const uint64_t aux[NAUXV][2] = {
		{AT_PHDR, img->phdr_vaddr ? img->phdr_vaddr + bias : 0},
		{AT_PHENT, ELF64_PHENT},
		{AT_PHNUM, img->phnum},
		{AT_PAGESZ, 4096},
		{AT_BASE, 0},
		{AT_FLAGS, 0},
		{AT_ENTRY, img->entry + bias},
		{AT_UID, 0},
		{AT_EUID, 0},
		{AT_GID, 0},
		{AT_EGID, 0},
		{AT_SECURE, 0},
		{AT_PLATFORM, platform_at},
		{AT_HWCAP, cd},
		{AT_HWCAP2, 0},
		{AT_CLKTCK, 100},
		{AT_RANDOM, random_at},
		{AT_EXECFN, execfn_at},
		{AT_NULL, 0},
	};
	memcpy(w, aux, sizeof(aux));
	int r = vm_write(vm, bottom, buf, total);
	kfree(buf);
	*sp = bottom;
	return r;
}

static const char *basename(const char *path)
{
	const char *b = path;
	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1])
			b = p + 1;
	return b;
}

int exec_image(struct proc *p, const struct exec_file *ef, const char *path,
               const struct exec_args *args, struct trap_frame *tf)
{
	struct elf64_image img;
	uint64_t limit = USER_STACK_TOP - USER_STACK_MAX - USER_STACK_GAP;
	const char *why = elf64_parse_headers(ef->head, ef->head_len, ef->size, USER_MIN_ADDR, limit,
	                                      EXEC_DYN_BASE, &img);
	if (!why && img.has_interp)
		why = "dynamically linked (needs an interpreter, which this kernel does not run)";
	if (why) {
		kprintf("exec: %s: %s\n", path, why);
		return -ENOEXEC;
	}
	uint64_t bias = img.type == ELF64_ET_DYN ? EXEC_DYN_BASE : 0;
	struct vm *vm = vm_create(PROC_MEM_LIMIT_PAGES);
	if (!vm)
		return -ENOMEM;
	uint64_t sp, at;
	int r = load_segments(vm, &img, ef->file, bias);
	if (!r)
		r = vm_map(vm, USER_STACK_TOP - USER_STACK_MAX, USER_STACK_MAX,
		           VM_READ | VM_WRITE | (img.exec_stack ? VM_EXEC : 0), VMA_STACK, true, &at);
	if (!r)
		r = build_stack(vm, args, path, &img, bias, &sp);
	/* argv for /proc/PID/cmdline: a bounded copy of the strings, each
	 * with its NUL, as Linux shows them. Linux reads them from the
	 * process's stack; a copy in struct proc spares /proc any access to
	 * another process's memory. */
	char *cmdline = r ? NULL : kmalloc(PROC_CMDLINE_MAX);
	if (!r && !cmdline)
		r = -ENOMEM;
	if (r) {
		vm_put(vm);
		return r;
	}
	uint32_t cmdline_len = 0;
	for (size_t i = 0; args->argv && args->argv[i] && cmdline_len < PROC_CMDLINE_MAX; i++) {
		size_t k = strlen(args->argv[i]) + 1;
		if (k > PROC_CMDLINE_MAX - cmdline_len)
			k = PROC_CMDLINE_MAX - cmdline_len;
		memcpy(cmdline + cmdline_len, args->argv[i], k);
		cmdline_len += (uint32_t)k;
	}
	vm->brk_base = vm->brk = img.hi + bias;

	/* The point of no return: the new program replaces the old. */
	struct thread *t = thread_current();
	struct fpu_state *fpu = t->arch.fpu;
	if (!fpu && !(fpu = fpu_state_alloc())) {
		kfree(cmdline);
		vm_put(vm);
		return -ENOMEM;
	}
	/* Other threads of the process end first (they run the old program
	 * in the old address space); this one becomes the only one. */
	if (!proc_exec_single()) {
		if (!t->arch.fpu)
			kfree(fpu);
		kfree(cmdline);
		vm_put(vm);
		/* The process ends, or another execve replaces it: this thread
		 * has been told to exit, which it does on its way back to user
		 * mode (after execve has freed its copies of the arguments). */
		return -EINTR;
	}
	struct task *task = task_current();
	task->altstack_sp = task->altstack_size = 0;
	task->clear_child_tid = 0;
	task->robust_list = 0;
	task->rseq = 0; /* the new program registers its own */
	fpu_state_init(fpu);
	struct vm *old = proc_exec_commit(p, vm, basename(path), cmdline, cmdline_len);
	kfree(cmdline);
	uint64_t f = cpu_irq_save();
	t->arch.fpu = fpu;
	t->arch.cr3 = vm->pml4;
	t->arch.fs_base = 0;
	t->arch.gs_base = 0;
	t->arch.user = true;
	arch_thread_load(&t->arch);
	cpu_irq_restore(f);
	vm_put(old); /* a vfork parent keeps its share */
	proc_vfork_release();
	user_frame_init(tf, img.entry + bias, sp);
	return 0;
}

int exec_open(const char *path, struct exec_file *ef)
{
	*ef = (struct exec_file){0};
	struct inode *dir = proc_cwd();
	int r = vfs_open(dir, path, O_RDONLY, 0, &ef->file);
	if (r)
		return r;
	struct kstat st;
	vfs_fstat(ef->file, &st);
	/* Only regular files with an execute bit run (EACCES, as Linux). */
	if (!S_ISREG(st.mode) || !(st.mode & 0111)) {
		exec_close(ef);
		return -EACCES;
	}
	ef->size = (uint64_t)st.size;
	/* The first page; more only if the program headers lie beyond it. */
	size_t want = ef->size < EXEC_HEAD ? (size_t)ef->size : EXEC_HEAD;
	for (int round = 0; round < 2; round++) {
		kfree(ef->head);
		ef->head = kmalloc(want ? want : 1);
		if (!ef->head) {
			exec_close(ef);
			return -ENOMEM;
		}
		int64_t got = vfs_pread(ef->file, ef->head, want, 0);
		ef->head_len = got > 0 ? (size_t)got : 0;
		uint64_t need = elf64_headers_end(ef->head, ef->head_len);
		if (need <= ef->head_len || need > ef->size || need > EXEC_HEADERS_MAX)
			break; /* enough, or elf64_parse_headers will say what is wrong */
		want = (size_t)need;
	}
	return 0;
}

void exec_close(struct exec_file *ef)
{
	if (ef->file)
		file_put(ef->file);
	kfree(ef->head);
	*ef = (struct exec_file){0};
}

/* "#!interpreter [one argument]" on the first line: the interpreter runs
 * with argv = interpreter, [argument,] path, argv[1...] (as Linux's
 * binfmt_script; the rest of the line after the first space is one
 * argument). Returns 1 and fills interp/arg when the image is a script. */
static int script_line(const uint8_t *img, size_t size, char *interp, char *arg, size_t max)
{
	if (size < 2 || img[0] != '#' || img[1] != '!')
		return 0;
	size_t i = 2, end = 2;
	while (end < size && end < max && img[end] != '\n')
		end++;
	if (end == max || (end == size && size >= max))
		return -ENOEXEC; /* an interpreter line longer than we read */
	while (i < end && (img[i] == ' ' || img[i] == '\t'))
		i++;
	size_t k = 0;
	while (i < end && img[i] != ' ' && img[i] != '\t' && k < max - 1)
		interp[k++] = (char)img[i++];
	interp[k] = 0;
	while (i < end && (img[i] == ' ' || img[i] == '\t'))
		i++;
	size_t j = 0;
	while (i < end && j < max - 1)
		arg[j++] = (char)img[i++];
	while (j && (arg[j - 1] == ' ' || arg[j - 1] == '\t' || arg[j - 1] == '\r'))
		j--;
	arg[j] = 0;
	return k ? 1 : -ENOEXEC;
}

int exec_path(struct proc *p, const char *path, const struct exec_args *args,
              struct trap_frame *tf)
{
	/* made[d]: the argv (with its strings after it) built for script
	 * level d; kept until the end, since each level's argv points into
	 * the one before. */
	const char **made[EXEC_SCRIPT_DEPTH + 1] = {0};
	char *scratch = kmalloc(2 * EXEC_SCRIPT_LINE);
	if (!scratch)
		return -ENOMEM;
	char *interp = scratch, *arg = scratch + EXEC_SCRIPT_LINE;
	const char *file = path;
	const char *const *argv = args->argv;
	int r;
	for (int depth = 0;; depth++) {
		struct exec_file ef;
		r = exec_open(file, &ef);
		if (r)
			break;
		int script = script_line(ef.head, ef.head_len, interp, arg, EXEC_SCRIPT_LINE);
		if (script <= 0) {
			if (script == 0) {
				struct exec_args a = {.argv = argv, .envp = args->envp};
				r = exec_image(p, &ef, file, &a, tf);
			} else {
				kprintf("exec: %s: the #! line is too long or names no interpreter\n", file);
				r = script;
			}
			exec_close(&ef);
			break;
		}
		exec_close(&ef);
		if (depth == EXEC_SCRIPT_DEPTH) {
			kprintf("exec: %s: more than %d nested #! interpreters\n", path, EXEC_SCRIPT_DEPTH);
			r = -ELOOP;
			break;
		}
		/* interp, [arg,] the script's path, the old argv[1...] */
		size_t old = 0;
		while (argv && argv[old])
			old++;
		size_t strings = strlen(interp) + 1 + strlen(arg) + 1 + strlen(file) + 1;
		const char **v = kmalloc((old + 4) * sizeof(char *) + strings);
		if (!v) {
			r = -ENOMEM;
			break;
		}
		char *at = (char *)(v + old + 4);
		size_t n = 0;
		const char *parts[3] = {interp, arg[0] ? arg : NULL, file};
		for (int k = 0; k < 3; k++) {
			if (!parts[k])
				continue;
			size_t len = strlen(parts[k]) + 1;
			memcpy(at, parts[k], len);
			v[n++] = at;
			at += len;
		}
		for (size_t i = 1; i < old; i++)
			v[n++] = argv[i];
		v[n] = NULL;
		made[depth] = v;
		argv = v;
		file = v[0]; /* the interpreter, next round */
	}
	for (int d = 0; d <= EXEC_SCRIPT_DEPTH; d++)
		kfree(made[d]);
	kfree(scratch);
	return r;
}
