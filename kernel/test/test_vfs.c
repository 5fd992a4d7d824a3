/*
 * test=vfs: the file system on the real kernel, in a scratch directory
 * (/tmp/ktest-vfs, or /ktest-vfs without a /tmp): files of many sizes up to
 * 6 MiB written in odd chunks and read back, renames, a symlink loop
 * (ELOOP) and a 40-link chain, ENOTEMPTY, an unlinked file read until its
 * last close; then threads on every CPU at once: each its own files and
 * renames, all of them in one shared directory that another thread lists,
 * O_APPEND writers to one log (every record whole, none lost), and one
 * struct file read through by all threads (its shared offset hands out
 * every byte exactly once). At the end the page-frame allocator's free
 * pages, the heap's bytes in use and the file system's node and page counts
 * must be back at their start: memory goes exactly when the last name and
 * the last open file go. tests/host/test_vfs.c checks the rules case by
 * case; this checks them under the kernel's real allocators and locks.
 */
#include "arch/x86_64/percpu.h"
#include "core/kprintf.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "lib/vsnprintf.h"
#include "mm/heap.h"
#include "mm/mm.h"
#include "sched/thread.h"
#include "sched/wait.h"
#include "test/ktest.h"

#define BIG        (6u << 20)
#define FILES      48
#define ROUNDS     24
#define RECORD     64
#define RECORDS_PER_ROUND 6
#define SHARED_LEN (256u << 10)
#define MAX_THREADS 16

static char base[32];
static _Atomic unsigned failures;

#define CHECK(cond, ...)                                          \
	do {                                                      \
		if (!(cond)) {                                    \
			kprintf("vfs: FAILED: " __VA_ARGS__);     \
			kprintf("\n");                            \
			atomic_fetch_add(&failures, 1);           \
		}                                                 \
	} while (0)

static uint8_t pattern(unsigned id, uint64_t off) { return (uint8_t)((off * 131 + id * 7) >> 3); }

static void path(char *out, size_t cap, const char *fmt, unsigned a, unsigned b)
{
	char rel[48];
	ksnprintf(rel, sizeof(rel), fmt, a, b);
	ksnprintf(out, cap, "%s/%s", base, rel);
}

/* Write size bytes of pattern(id) in chunks of odd sizes; read them back. */
static bool write_file(const char *p, unsigned id, size_t size)
{
	uint8_t *buf = kmalloc(9000);
	struct file *f;
	int err = buf ? vfs_open(NULL, p, O_RDWR | O_CREAT | O_TRUNC, 0644, &f) : -ENOMEM;
	if (err) {
		CHECK(0, "open %s: %s", p, errno_name(err));
		kfree(buf);
		return false;
	}
	bool ok = true;
	for (size_t done = 0, k = 777; done < size; k = k * 5 % 8999 + 1) {
		size_t n = k < size - done ? k : size - done;
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(id, done + i);
		if (vfs_write(f, buf, n) != (int64_t)n)
			ok = false;
		done += n;
	}
	vfs_lseek(f, 0, SEEK_SET);
	for (size_t done = 0; done < size;) {
		int64_t n = vfs_read(f, buf, sizeof(buf));
		if (n <= 0) {
			ok = false;
			break;
		}
		for (int64_t i = 0; i < n; i++)
			ok &= buf[i] == pattern(id, done + (size_t)i);
		done += (size_t)n;
	}
	file_put(f);
	kfree(buf);
	CHECK(ok, "%s: %zu bytes not written and read back whole", p, size);
	return ok;
}

static bool same_contents(const char *p, unsigned id, size_t size)
{
	uint8_t *buf = kmalloc(4096);
	struct file *f;
	if (!buf || vfs_open(NULL, p, O_RDONLY, 0, &f) != 0) {
		kfree(buf);
		return false;
	}
	struct kstat st;
	vfs_fstat(f, &st);
	bool ok = st.size == (int64_t)size;
	for (size_t done = 0; ok && done < size;) {
		int64_t n = vfs_read(f, buf, sizeof(buf));
		ok = n > 0;
		for (int64_t i = 0; ok && i < n; i++)
			ok = buf[i] == pattern(id, done + (size_t)i);
		done += n > 0 ? (size_t)n : 0;
	}
	file_put(f);
	kfree(buf);
	return ok;
}

static void single(void)
{
	char p[96], q[96];
	for (unsigned i = 0; i < FILES; i++) {
		path(p, sizeof(p), "f%u", i, 0);
		write_file(p, i, (size_t)i * 7919 % 70000);
	}
	path(p, sizeof(p), "big", 0, 0);
	write_file(p, 99, BIG);
	for (unsigned i = 0; i < FILES; i++) {
		path(p, sizeof(p), "f%u", i, 0);
		path(q, sizeof(q), "g%u", i, 0);
		CHECK(vfs_rename(NULL, p, NULL, q) == 0, "rename %s", p);
		CHECK(same_contents(q, i, (size_t)i * 7919 % 70000), "%s after the rename", q);
		struct kstat st;
		CHECK(vfs_stat(NULL, p, &st, 0) == -ENOENT, "%s still there", p);
	}
	/* Symlinks: a loop, and a chain of exactly 40. */
	path(p, sizeof(p), "loop1", 0, 0);
	path(q, sizeof(q), "loop2", 0, 0);
	vfs_symlink("loop2", NULL, p);
	vfs_symlink("loop1", NULL, q);
	struct file *f;
	int err = vfs_open(NULL, p, O_RDONLY, 0, &f);
	CHECK(err == -ELOOP, "a symlink loop gave %s, not ELOOP", errno_name(err));
	for (unsigned i = 1; i <= 40; i++) {
		char target[16];
		ksnprintf(target, sizeof(target), i == 1 ? "g1" : "c%u", i - 1);
		path(p, sizeof(p), "c%u", i, 0);
		CHECK(vfs_symlink(target, NULL, p) == 0, "symlink %s", p);
	}
	path(p, sizeof(p), "c40", 0, 0);
	CHECK(same_contents(p, 1, 7919), "40 symlinks deep");
	/* ENOTEMPTY, then empty. */
	path(p, sizeof(p), "sub", 0, 0);
	path(q, sizeof(q), "sub/x", 0, 0);
	vfs_mkdir(NULL, p, 0755);
	write_file(q, 5, 10);
	err = vfs_rmdir(NULL, p);
	CHECK(err == -ENOTEMPTY, "rmdir of a full directory gave %s", errno_name(err));
	vfs_unlink(NULL, q);
	CHECK(vfs_rmdir(NULL, p) == 0, "rmdir of the emptied directory");
	/* The big file: shrunk, then unlinked while open and read to the end. */
	path(p, sizeof(p), "big", 0, 0);
	CHECK(vfs_truncate(NULL, p, 1u << 20) == 0 && same_contents(p, 99, 1u << 20), "truncate");
	if (vfs_open(NULL, p, O_RDONLY, 0, &f) == 0) {
		struct vfs_usage before, after;
		vfs_usage(&before);
		vfs_unlink(NULL, p);
		static uint8_t buf[4096]; /* one thread runs this part */
		size_t total = 0;
		for (int64_t n; (n = vfs_read(f, buf, sizeof(buf))) > 0;)
			total += (size_t)n;
		CHECK(total == 1u << 20, "read %zu bytes of the unlinked file", total);
		file_put(f);
		vfs_usage(&after);
		CHECK(after.data_pages + 256 == before.data_pages,
		      "the unlinked file's pages went at its last close (%llu -> %llu)",
		      (unsigned long long)before.data_pages, (unsigned long long)after.data_pages);
	}
	for (unsigned i = 0; i < FILES; i++) {
		path(p, sizeof(p), "g%u", i, 0);
		vfs_unlink(NULL, p);
	}
	for (unsigned i = 1; i <= 40; i++) {
		path(p, sizeof(p), "c%u", i, 0);
		vfs_unlink(NULL, p);
	}
	path(p, sizeof(p), "loop1", 0, 0);
	vfs_unlink(NULL, p);
	path(p, sizeof(p), "loop2", 0, 0);
	vfs_unlink(NULL, p);
}

/* ---- Every CPU at once ----------------------------------------------------------- */

static struct semaphore go, got, done, leave;
static struct file *shared;     /* read through by every thread */
static _Atomic uint64_t shared_bytes;
static _Atomic unsigned thread_failures, finished;

static void worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	char p[96], q[96], l[96], d[96];
	sem_down(&go);
	struct file *mine = file_get(shared);
	sem_up(&got);
	path(d, sizeof(d), "t%u", id, 0);
	bool ok = vfs_mkdir(NULL, d, 0755) == 0;
	for (unsigned r = 0; r < ROUNDS; r++) {
		path(p, sizeof(p), "t%u/a%u", id, r);
		path(q, sizeof(q), "t%u/b%u", id, r);
		path(l, sizeof(l), "t%u/l%u", id, r);
		size_t size = 1000 + r * 997;
		ok &= write_file(p, id + r, size);
		ok &= vfs_rename(NULL, p, NULL, q) == 0;
		ok &= vfs_symlink(q, NULL, l) == 0;
		ok &= same_contents(l, id + r, size);
		ok &= vfs_unlink(NULL, q) == 0 && vfs_unlink(NULL, l) == 0;
		/* A name in the shared directory, made and removed. */
		path(p, sizeof(p), "shared/x%u-%u", id, r);
		struct file *f;
		bool made = vfs_open(NULL, p, O_CREAT | O_EXCL | O_WRONLY, 0600, &f) == 0;
		if (made)
			file_put(f);
		ok &= made && vfs_unlink(NULL, p) == 0;
		/* Records appended to the log: "<id round>", filler, newline. */
		path(p, sizeof(p), "log", 0, 0);
		if (vfs_open(NULL, p, O_WRONLY | O_APPEND, 0, &f) == 0) {
			char rec[RECORD];
			for (unsigned k = 0; k < RECORDS_PER_ROUND; k++) {
				memset(rec, 'a' + (int)(id % 26), sizeof(rec));
				int len = ksnprintf(rec, sizeof(rec), "<%u %u>", id, r);
				rec[len] = 'a' + (char)(id % 26); /* over the NUL */
				rec[RECORD - 1] = '\n';
				ok &= vfs_write(f, rec, RECORD) == RECORD;
			}
			file_put(f);
		} else {
			ok = false;
		}
		/* Some of the shared file, at its shared offset: reads of 512
		 * bytes of a file of whole 512s stay aligned, and every word
		 * holds its own offset, so each word read once is a word of
		 * the file not read by anyone else. */
		uint64_t words[64];
		int64_t n = vfs_read(mine, words, sizeof(words));
		if (n > 0) {
			atomic_fetch_add(&shared_bytes, (uint64_t)n);
			ok &= n == sizeof(words) && words[0] % sizeof(words) == 0;
			for (int64_t i = 1; i < n / 8; i++)
				ok &= words[i] == words[0] + 8 * (uint64_t)i;
		}
	}
	ok &= vfs_rmdir(NULL, d) == 0;
	uint64_t words[64];
	for (int64_t n; (n = vfs_read(mine, words, sizeof(words))) > 0;)
		atomic_fetch_add(&shared_bytes, (uint64_t)n);
	file_put(mine);
	if (!ok)
		atomic_fetch_add(&thread_failures, 1);
	atomic_fetch_add(&finished, 1);
	sem_up(&done);
	sem_down(&leave);
}

/* Each word of the shared file holds its own offset. */
static bool make_shared(const char *p)
{
	struct file *f;
	uint64_t *words = kmalloc(4096);
	if (!words || vfs_open(NULL, p, O_RDWR | O_CREAT | O_TRUNC, 0600, &f) != 0) {
		kfree(words);
		return false;
	}
	for (uint64_t off = 0; off < SHARED_LEN; off += 4096) {
		for (unsigned i = 0; i < 512; i++)
			words[i] = off + 8 * i;
		vfs_write(f, words, 4096);
	}
	kfree(words);
	vfs_lseek(f, 0, SEEK_SET);
	shared = f;
	return true;
}

static int count_entry(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
                       int64_t next)
{
	(void)name, (void)len, (void)ino, (void)type, (void)next;
	(*(unsigned *)ctx)++;
	return 0;
}

/* The threads are made (and waiting) before memory is first counted:
 * their stacks are in both figures. */
static unsigned start_threads(struct thread **t)
{
	unsigned n = 0;
	sem_init(&go, 0);
	sem_init(&got, 0);
	sem_init(&done, 0);
	sem_init(&leave, 0);
	atomic_store(&finished, 0);
	for (uint32_t c = 0; c < percpu_count() && n < MAX_THREADS; c++)
		for (unsigned k = 0; k < 2 && percpu_get(c)->online && n < MAX_THREADS; k++)
			if ((t[n] = thread_create("vfs", worker, (void *)(uintptr_t)n, 1ull << c)))
				n++;
	return n;
}

static void stop_threads(struct thread **t, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		sem_up(&leave);
	for (unsigned i = 0; i < n; i++)
		thread_join(t[i]);
}

static void concurrent(unsigned n)
{
	char p[96];
	path(p, sizeof(p), "shared", 0, 0);
	vfs_mkdir(NULL, p, 0755);
	path(p, sizeof(p), "log", 0, 0);
	struct file *log;
	if (vfs_open(NULL, p, O_CREAT | O_WRONLY, 0644, &log) == 0)
		file_put(log);
	path(p, sizeof(p), "data", 0, 0);
	CHECK(make_shared(p), "the shared file");
	atomic_store(&shared_bytes, 0);
	atomic_store(&thread_failures, 0);
	for (unsigned i = 0; i < n; i++)
		sem_up(&go);
	for (unsigned i = 0; i < n; i++)
		sem_down(&got);
	file_put(shared); /* the threads hold their own references now */
	/* Meanwhile, list the shared directory: its entries come and go. */
	path(p, sizeof(p), "shared", 0, 0);
	unsigned listings = 0, seen = 0;
	while (atomic_load(&finished) < n) {
		struct file *d;
		if (vfs_open(NULL, p, O_RDONLY | O_DIRECTORY, 0, &d) == 0) {
			while (vfs_getdents(d, count_entry, &seen) > 0)
				;
			file_put(d);
			listings++;
		}
		thread_yield();
	}
	for (unsigned i = 0; i < n; i++)
		sem_down(&done);
	CHECK(atomic_load(&thread_failures) == 0, "%u of %u threads saw a wrong result",
	      atomic_load(&thread_failures), n);
	CHECK(atomic_load(&shared_bytes) == SHARED_LEN,
	      "%u threads read %llu bytes through one shared file of %u", n,
	      (unsigned long long)atomic_load(&shared_bytes), SHARED_LEN);
	/* The log: every record whole and in one piece, none lost. */
	path(p, sizeof(p), "log", 0, 0);
	struct kstat st;
	vfs_stat(NULL, p, &st, 0);
	uint64_t want = (uint64_t)n * ROUNDS * RECORDS_PER_ROUND * RECORD;
	CHECK((uint64_t)st.size == want, "the O_APPEND log has %lld bytes, not %llu",
	      (long long)st.size, (unsigned long long)want);
	if (vfs_open(NULL, p, O_RDONLY, 0, &log) == 0) {
		char rec[RECORD];
		unsigned bad = 0;
		while (vfs_read(log, rec, RECORD) == RECORD)
			bad += rec[0] != '<' || rec[RECORD - 1] != '\n' ||
			       rec[RECORD - 2] != rec[RECORD - 3];
		file_put(log);
		CHECK(bad == 0, "%u torn records in the O_APPEND log", bad);
	}
	kprintf("vfs: %u threads on %u CPUs: files, renames, symlinks, %u listings of a shared "
	        "directory, an O_APPEND log of %lld bytes, %llu bytes read through one shared "
	        "file: %s\n", n, percpu_online(), listings, (long long)st.size,
	        (unsigned long long)atomic_load(&shared_bytes),
	        atomic_load(&failures) ? "FAILED" : "ok");
	vfs_unlink(NULL, p);
	path(p, sizeof(p), "data", 0, 0);
	vfs_unlink(NULL, p);
	path(p, sizeof(p), "shared", 0, 0);
	CHECK(vfs_rmdir(NULL, p) == 0, "the shared directory is empty at the end");
}

bool ktest_vfs(void)
{
	struct pmm_stats pa, pb;
	struct heap_stats ha, hb;
	struct vfs_usage ua, ub;
	struct kstat st;

	static struct thread *t[MAX_THREADS];
	unsigned n = start_threads(t);
	atomic_store(&failures, 0);
	ksnprintf(base, sizeof(base), "%s", vfs_stat(NULL, "/tmp", &st, 0) == 0 ? "/tmp/ktest-vfs"
	                                                                         : "/ktest-vfs");
	kheap_trim();
	pmm_stats(mm_pmm(), &pa);
	kheap_stats(&ha);
	vfs_usage(&ua);
	int err = vfs_mkdir(NULL, base, 0755);
	if (err) {
		kprintf("vfs: cannot make %s: %s\n", base, errno_name(err));
		stop_threads(t, n);
		return false;
	}
	single();
	kprintf("vfs: %d files up to %u KiB and one of %u MiB, renamed, read back; a symlink "
	        "loop; 40 links deep; ENOTEMPTY; an unlinked file read to its last close: %s\n",
	        FILES, 70000 / 1024, BIG >> 20, atomic_load(&failures) ? "FAILED" : "ok");
	concurrent(n);
	CHECK(vfs_rmdir(NULL, base) == 0, "rmdir %s", base);
	kheap_trim();
	pmm_stats(mm_pmm(), &pb);
	kheap_stats(&hb);
	vfs_usage(&ub);
	stop_threads(t, n);
	bool back = pa.free_pages == pb.free_pages && ha.bytes_in_use == hb.bytes_in_use &&
	            ua.inodes == ub.inodes && ua.data_pages == ub.data_pages &&
	            ua.open_files == ub.open_files;
	kprintf("vfs: free pages %llu -> %llu, heap bytes in use %llu -> %llu, nodes %llu -> %llu, "
	        "file pages %llu -> %llu: %s\n",
	        (unsigned long long)pa.free_pages, (unsigned long long)pb.free_pages,
	        (unsigned long long)ha.bytes_in_use, (unsigned long long)hb.bytes_in_use,
	        (unsigned long long)ua.inodes, (unsigned long long)ub.inodes,
	        (unsigned long long)ua.data_pages, (unsigned long long)ub.data_pages,
	        back ? "back to the start" : "NOT BACK");
	return atomic_load(&failures) == 0 && back;
}
