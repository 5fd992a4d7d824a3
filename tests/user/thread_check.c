/*
 * thread-check: threads, futexes and the clone forms, checked from user
 * mode through a real C library. Unlike the other test programs this one
 * is built against musl (static, with its pthreads): pthread_create,
 * mutexes, condition variables and pthread_join are musl's own code, so
 * they issue clone, futex and set_tid_address exactly as they would on
 * Linux. Each check prints nothing when it holds and one line naming it
 * when it does not; the last line is the verdict the boot test looks for,
 * and the exit status is 0 only if every check passed.
 *
 * Anything that ends a process (exit_group from a thread, a fault in a
 * thread, execve from a thread) runs in a forked child, whose wait status
 * the parent checks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* futex(2) operations (Linux's <linux/futex.h>, which musl does not ship). */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define FUTEX_CMP_REQUEUE_PRIVATE 132
#define FUTEX_WAIT_BITSET_PRIVATE 137
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

static int checks, failures;

static void check(int ok, const char *what, long value, int line)
{
	checks++;
	if (ok)
		return;
	failures++;
	printf("thread-check: FAILED: %s (value %ld, line %d)\n", what, value, line);
	fflush(stdout);
}
#define CHECK(expr, value) check((expr), #expr, (long)(value), __LINE__)

static long gettid_(void) { return syscall(SYS_gettid); }

static long futex(void *uaddr, int op, uint32_t val, const struct timespec *ts, void *uaddr2,
                  uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static long now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* ---- a contended mutex: many threads, one counter ---- */

#define NTHREADS 4
#define ITERS 20000

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread long mine; /* each thread's own count */
static __thread int tls_marker = 7;

struct worker {
	int index;
	long tid;
	long pid;
	long counted;
	void *tls_addr;
	int tls_ok;
};

static void *count_up(void *arg)
{
	struct worker *w = arg;
	w->tid = gettid_();
	w->pid = getpid();
	w->tls_addr = &tls_marker;
	w->tls_ok = tls_marker == 7; /* initialised from the TLS image */
	tls_marker = 100 + w->index;
	for (int i = 0; i < ITERS; i++) {
		pthread_mutex_lock(&counter_lock);
		long v = counter;
		/* Now and then hold the lock across a yield: the others find it
		 * taken and sleep in FUTEX_WAIT, and the unlock must wake them. */
		if (i % 512 == 0)
			sched_yield();
		counter = v + 1;
		pthread_mutex_unlock(&counter_lock);
		mine++;
	}
	w->counted = mine;
	w->tls_ok &= tls_marker == 100 + w->index;
	return (void *)(intptr_t)(w->index + 1000);
}

static void check_counter(void)
{
	pthread_t t[NTHREADS];
	struct worker w[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){.index = i};
		int r = pthread_create(&t[i], NULL, count_up, &w[i]);
		CHECK(r == 0, r);
	}
	for (int i = 0; i < NTHREADS; i++) {
		void *ret = NULL;
		int r = pthread_join(t[i], &ret);
		CHECK(r == 0, r);
		CHECK((intptr_t)ret == i + 1000, (intptr_t)ret); /* join saw the thread's exit */
	}
	CHECK(counter == (long)NTHREADS * ITERS, counter);
	CHECK(mine == 0, mine); /* the main thread's copy was never touched */
	CHECK(tls_marker == 7, tls_marker);
	for (int i = 0; i < NTHREADS; i++) {
		CHECK(w[i].counted == ITERS, w[i].counted);
		CHECK(w[i].tls_ok, i);
		CHECK(w[i].pid == getpid(), w[i].pid);
		CHECK(w[i].tid != getpid() && w[i].tid > 0, w[i].tid);
		CHECK(w[i].tls_addr != (void *)&tls_marker, i);
		for (int j = 0; j < i; j++) {
			CHECK(w[i].tid != w[j].tid, w[i].tid);
			CHECK(w[i].tls_addr != w[j].tls_addr, j);
		}
	}
	CHECK(gettid_() == getpid(), gettid_());
}

/* ---- a condition variable: two threads take turns ---- */

#define ROUNDS 500
static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int turn, pp_errors;

static void *pong(void *arg)
{
	int me = (int)(intptr_t)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&pp_lock);
		while (turn % 2 != me)
			pthread_cond_wait(&pp_cond, &pp_lock);
		if (turn != 2 * i + me)
			pp_errors++;
		turn++;
		pthread_cond_broadcast(&pp_cond);
		pthread_mutex_unlock(&pp_lock);
	}
	return NULL;
}

static void check_ping_pong(void)
{
	pthread_t a, b;
	CHECK(pthread_create(&a, NULL, pong, (void *)0) == 0, 0);
	CHECK(pthread_create(&b, NULL, pong, (void *)1) == 0, 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	CHECK(turn == 2 * ROUNDS, turn);
	CHECK(pp_errors == 0, pp_errors);
}

/* ---- futex(2) directly ---- */

static _Atomic uint32_t word;
static _Atomic int waiter_state; /* 1: about to wait, 2: returned */
static _Atomic long waiter_result;

static void *futex_waiter(void *arg)
{
	(void)arg;
	atomic_store(&waiter_state, 1);
	long r;
	do /* a spurious return (EAGAIN before the store below) waits again */
		r = futex((void *)&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	while (atomic_load(&word) == 0);
	atomic_store(&waiter_result, r);
	atomic_store(&waiter_state, 2);
	return NULL;
}

static volatile sig_atomic_t usr2_seen;
static void on_usr2(int sig) { (void)sig; usr2_seen = 1; }

static _Atomic long eintr_result = 1;
static _Atomic int eintr_errno;
static _Atomic long eintr_tid;
static uint32_t never_changes;

static void *futex_sleeper(void *arg)
{
	(void)arg;
	atomic_store(&eintr_tid, gettid_());
	long r = futex(&never_changes, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	atomic_store(&eintr_errno, errno);
	atomic_store(&eintr_result, r);
	return NULL;
}

static void check_futex(void)
{
	uint32_t v = 5;
	struct timespec ts = {0, 20 * 1000 * 1000};
	long r = futex(&v, FUTEX_WAIT_PRIVATE, 6, &ts, NULL, 0);
	CHECK(r == -1 && errno == EAGAIN, errno);
	long t0 = now_ns(CLOCK_MONOTONIC);
	r = futex(&v, FUTEX_WAIT_PRIVATE, 5, &ts, NULL, 0);
	long took = now_ns(CLOCK_MONOTONIC) - t0;
	CHECK(r == -1 && errno == ETIMEDOUT, errno);
	CHECK(took >= 20 * 1000 * 1000, took);
	/* WAIT_BITSET: an absolute deadline, here on CLOCK_REALTIME. */
	struct timespec abs;
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += 10 * 1000 * 1000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	r = futex(&v, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &abs, NULL,
	          FUTEX_BITSET_MATCH_ANY);
	CHECK(r == -1 && errno == ETIMEDOUT, errno);
	r = futex((void *)8, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
	CHECK(r == -1 && errno == EFAULT, errno);
	r = futex((char *)&v + 1, FUTEX_WAIT_PRIVATE, 5, &ts, NULL, 0);
	CHECK(r == -1 && errno == EINVAL, errno);
	r = futex(&v, FUTEX_WAIT_BITSET_PRIVATE, 5, &ts, NULL, 0); /* bitset 0 */
	CHECK(r == -1 && errno == EINVAL, errno);
	struct timespec bad = {0, 1000000000};
	r = futex(&v, FUTEX_WAIT_PRIVATE, 5, &bad, NULL, 0);
	CHECK(r == -1 && errno == EINVAL, errno);
	CHECK(futex(&v, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0, 0); /* nobody waits */

	/* WAKE reaches a thread asleep on the word. */
	pthread_t t;
	CHECK(pthread_create(&t, NULL, futex_waiter, NULL) == 0, 0);
	while (atomic_load(&waiter_state) != 1)
		sched_yield();
	long woke = 0;
	for (int i = 0; i < 200 && !woke; i++) { /* until it is queued */
		usleep(1000);
		if (i == 100)
			atomic_store(&word, 1); /* late enough that it surely sleeps */
		if (i >= 100)
			woke = futex((void *)&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
	pthread_join(t, NULL);
	CHECK(woke == 1, woke);
	CHECK(atomic_load(&waiter_result) == 0, atomic_load(&waiter_result));

	/* A signal ends a wait with EINTR (no SA_RESTART). */
	struct sigaction sa = {0};
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	CHECK(pthread_create(&t, NULL, futex_sleeper, NULL) == 0, 0);
	while (!atomic_load(&eintr_tid))
		sched_yield();
	usleep(20000); /* asleep in the futex by now */
	r = syscall(SYS_tgkill, getpid(), atomic_load(&eintr_tid), SIGUSR2);
	CHECK(r == 0, r);
	pthread_join(t, NULL);
	CHECK(atomic_load(&eintr_result) == -1 && atomic_load(&eintr_errno) == EINTR,
	      atomic_load(&eintr_errno));
	CHECK(usr2_seen, usr2_seen);

	/* CMP_REQUEUE's comparison. */
	r = futex(&v, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &never_changes, 4);
	CHECK(r == -1 && errno == EAGAIN, errno);
	r = futex(&v, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &never_changes, 5);
	CHECK(r == 0, r);
}

/* Requeue with real waiters: two threads sleep on word_a; one is woken,
 * the other moved to word_b and woken from there. */
static uint32_t word_a, word_b;
static _Atomic int requeue_done, requeue_started;

static void *requeue_waiter(void *arg)
{
	(void)arg;
	atomic_fetch_add(&requeue_started, 1);
	futex(&word_a, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	atomic_fetch_add(&requeue_done, 1);
	return NULL;
}

static void check_requeue(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, requeue_waiter, NULL) == 0, i);
	while (atomic_load(&requeue_started) < 2)
		sched_yield();
	usleep(30000); /* both asleep on word_a by now */
	long r = futex(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &word_b, 0);
	CHECK(r == 2, r); /* one woken, one moved */
	for (int i = 0; i < 1000 && atomic_load(&requeue_done) < 1; i++)
		usleep(1000);
	usleep(20000);
	CHECK(atomic_load(&requeue_done) == 1, atomic_load(&requeue_done)); /* the other sleeps on */
	CHECK(futex(&word_a, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0, 0); /* not on word_a */
	r = futex(&word_b, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	CHECK(r == 1, r);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(atomic_load(&requeue_done) == 2, atomic_load(&requeue_done));
}

/* A thread bomb: creation stops with EAGAIN at the kernel's id limit
 * (threads count, as RLIMIT_NPROC counts them on Linux), and everything
 * works again once they are gone. */
#define BOMB_MAX 2048
static _Atomic int bomb_release;
static pthread_t bomb[BOMB_MAX];

static void *bomb_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&bomb_release))
		futex((void *)&bomb_release, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static void check_thread_bomb(void)
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 16384);
	int n = 0, err = 0;
	while (n < BOMB_MAX) {
		err = pthread_create(&bomb[n], &attr, bomb_thread, NULL);
		if (err)
			break;
		n++;
	}
	CHECK(err == EAGAIN, err);
	CHECK(n > 100 && n < BOMB_MAX, n);
	atomic_store(&bomb_release, 1);
	futex((void *)&bomb_release, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
	int joined = 0;
	for (int i = 0; i < n; i++)
		joined += pthread_join(bomb[i], NULL) == 0;
	CHECK(joined == n, joined);
	pthread_t t;
	CHECK(pthread_create(&t, &attr, bomb_thread, NULL) == 0, 0);
	pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
}

/* A timed wait woken long before its deadline returns 0 at once. */
static uint32_t timed_word;
static _Atomic int timed_state;
static _Atomic long timed_result = 1, timed_took;

static void *timed_waiter(void *arg)
{
	(void)arg;
	struct timespec ts = {5, 0};
	long t0 = now_ns(CLOCK_MONOTONIC);
	atomic_store(&timed_state, 1);
	long r = futex(&timed_word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
	atomic_store(&timed_took, now_ns(CLOCK_MONOTONIC) - t0);
	atomic_store(&timed_result, r);
	return NULL;
}

static void check_timed_wake(void)
{
	pthread_t t;
	CHECK(pthread_create(&t, NULL, timed_waiter, NULL) == 0, 0);
	while (!atomic_load(&timed_state))
		sched_yield();
	usleep(30000);
	long woke = futex(&timed_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	pthread_join(t, NULL);
	CHECK(woke == 1, woke);
	CHECK(atomic_load(&timed_result) == 0, atomic_load(&timed_result));
	CHECK(atomic_load(&timed_took) < 2000000000L, atomic_load(&timed_took));
}

/* ---- signals aimed at threads ---- */

static _Atomic long handled_by;
static void on_usr1(int sig)
{
	(void)sig;
	atomic_store(&handled_by, gettid_());
}

static _Atomic int stop_spinning;
static _Atomic long spinner_tid;
static void *spinner(void *arg)
{
	(void)arg;
	atomic_store(&spinner_tid, gettid_());
	while (!atomic_load(&stop_spinning))
		usleep(1000);
	return NULL;
}

static void check_signals(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, spinner, NULL) == 0, 0);
	while (!atomic_load(&spinner_tid))
		sched_yield();
	long tid = atomic_load(&spinner_tid);
	/* tgkill: that thread and no other runs the handler. */
	CHECK(syscall(SYS_tgkill, getpid(), tid, SIGUSR1) == 0, 0);
	for (int i = 0; i < 2000 && !atomic_load(&handled_by); i++)
		usleep(1000);
	CHECK(atomic_load(&handled_by) == tid, atomic_load(&handled_by));
	/* kill: to the process; with the main thread blocking it, only the
	 * other thread can take it. */
	atomic_store(&handled_by, 0);
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	CHECK(kill(getpid(), SIGUSR1) == 0, 0);
	for (int i = 0; i < 2000 && !atomic_load(&handled_by); i++)
		usleep(1000);
	CHECK(atomic_load(&handled_by) == tid, atomic_load(&handled_by));
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* tgkill checks that the thread is in that process. */
	long r = syscall(SYS_tgkill, getpid() + 100000, tid, 0);
	CHECK(r == -1 && errno == ESRCH, errno);
	r = syscall(SYS_tgkill, 0, tid, 0);
	CHECK(r == -1 && errno == EINVAL, errno);
	CHECK(syscall(SYS_tkill, tid, 0) == 0, 0);
	atomic_store(&stop_spinning, 1);
	pthread_join(t, NULL);
	r = syscall(SYS_tgkill, getpid(), tid, 0); /* gone once joined */
	CHECK(r == -1 && errno == ESRCH, errno);
}

/* ---- sigwait: a signal to the process taken by the thread waiting for it ---- */

static _Atomic int sigwaiter_ready;
static _Atomic long sigwaiter_tid, sigwaiter_pid, sigwaiter_code;
static _Atomic int sigwaiter_sig;

static void *sigwaiter(void *arg)
{
	(void)arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	siginfo_t si;
	atomic_store(&sigwaiter_tid, gettid_());
	atomic_store(&sigwaiter_ready, 1);
	int sig = sigwaitinfo(&set, &si); /* musl: rt_sigtimedwait, no timeout */
	atomic_store(&sigwaiter_pid, sig == SIGUSR2 ? si.si_pid : -1);
	atomic_store(&sigwaiter_code, sig == SIGUSR2 ? si.si_code : -1);
	atomic_store(&sigwaiter_sig, sig);
	/* And musl's sigwait, for one sent to this thread alone. */
	int got = 0;
	if (sigwait(&set, &got) != 0 || got != SIGUSR2)
		atomic_store(&sigwaiter_sig, -2);
	return NULL;
}

static void check_sigwait(void)
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	/* Blocked in every thread (the new one inherits the mask), so only
	 * the waiter can take it, whichever CPU sends it. */
	pthread_sigmask(SIG_BLOCK, &set, &old);
	struct timespec ts = {0, 20 * 1000 * 1000};
	long t0 = now_ns(CLOCK_MONOTONIC);
	CHECK(sigtimedwait(&set, NULL, &ts) == -1 && errno == EAGAIN, errno);
	CHECK(now_ns(CLOCK_MONOTONIC) - t0 >= 20 * 1000 * 1000, 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, sigwaiter, NULL) == 0, 0);
	while (!atomic_load(&sigwaiter_ready))
		sched_yield();
	usleep(20000); /* most likely asleep in its wait by now; either way it must take it */
	CHECK(kill(getpid(), SIGUSR2) == 0, 0);
	for (int i = 0; i < 5000 && !atomic_load(&sigwaiter_sig); i++)
		usleep(1000);
	CHECK(atomic_load(&sigwaiter_sig) == SIGUSR2, atomic_load(&sigwaiter_sig));
	CHECK(atomic_load(&sigwaiter_pid) == getpid(), atomic_load(&sigwaiter_pid));
	CHECK(atomic_load(&sigwaiter_code) == SI_USER, atomic_load(&sigwaiter_code));
	usleep(10000);
	CHECK(syscall(SYS_tgkill, getpid(), atomic_load(&sigwaiter_tid), SIGUSR2) == 0, 0);
	pthread_join(t, NULL);
	CHECK(atomic_load(&sigwaiter_sig) == SIGUSR2, atomic_load(&sigwaiter_sig));
	sigset_t pending;
	CHECK(sigpending(&pending) == 0 && !sigismember(&pending, SIGUSR2), 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- what ends a whole process, in children ---- */

static void *sleep_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
}

static void *exit_group_42(void *arg)
{
	(void)arg;
	usleep(10000);
	syscall(SYS_exit_group, 42);
	return NULL;
}

static void *segfault(void *arg)
{
	(void)arg;
	usleep(10000);
	*(volatile int *)8 = 1;
	return NULL;
}

static void *exit_9_late(void *arg)
{
	(void)arg;
	usleep(20000);
	exit(9);
}

static const char *self_path; /* argv[0]: this program */

static void *exec_self(void *arg)
{
	(void)arg;
	char pid[24];
	snprintf(pid, sizeof(pid), "%d", getpid());
	char *argv[] = {(char *)self_path, "--after-exec", pid, NULL};
	execv(self_path, argv);
	_exit(99);
}

/* Run fn in a forked child with some extra threads; its wait status. */
static int in_child(void *(*fn)(void *), int leader_exits)
{
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, sleep_forever, NULL);
		pthread_create(&t, NULL, fn, NULL);
		if (leader_exits)
			pthread_exit(NULL); /* the process lives on in its other threads */
		for (;;)
			pause();
	}
	int status = -1;
	pid_t got = waitpid(pid, &status, 0);
	CHECK(got == pid, got);
	return status;
}

static void check_process_end(void)
{
	int s = in_child(exit_group_42, 0);
	CHECK(WIFEXITED(s) && WEXITSTATUS(s) == 42, s);
	s = in_child(segfault, 0);
	CHECK(WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV, s);
	s = in_child(exit_9_late, 1);
	CHECK(WIFEXITED(s) && WEXITSTATUS(s) == 9, s);
	s = in_child(exec_self, 0);
	CHECK(WIFEXITED(s) && WEXITSTATUS(s) == 5, s);
	/* A process whose threads are all stuck still dies of SIGKILL. */
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, sleep_forever, NULL);
		pthread_create(&t, NULL, sleep_forever, NULL);
		for (;;)
			pause();
	}
	usleep(20000);
	kill(pid, SIGKILL);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      status);
}

/* ---- clone's other forms ---- */

static void check_clone(void)
{
	/* Combinations Linux refuses. */
	long r = syscall(SYS_clone, CLONE_THREAD | CLONE_VM | SIGCHLD, 0, 0, 0, 0);
	CHECK(r == -1 && errno == EINVAL, r);
	r = syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(99);
	CHECK(r == -1 && errno == EINVAL, r);
	/* vfork: the child runs in our memory while we wait. */
	static volatile int shared;
	pid_t pid = vfork();
	if (pid == 0) {
		shared = 123;
		_exit(3);
	}
	CHECK(shared == 123, shared); /* its write is ours, and done before we resumed */
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 3,
	      status);
	/* posix_spawn (musl: clone(CLONE_VM | CLONE_VFORK) on a stack of its own). */
	char *argv[] = {"busybox", "true", NULL};
	r = posix_spawn(&pid, "/bin/busybox", NULL, NULL, argv, NULL);
	CHECK(r == 0, r);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      status);
	char *missing[] = {"nothing", NULL};
	r = posix_spawn(&pid, "/bin/no-such-program", NULL, NULL, missing, NULL);
	CHECK(r == ENOENT, r);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--after-exec") == 0) {
		/* Run by a non-leader thread's execve: one thread now, with the
		 * process's id as its own. */
		int ok = getpid() == atoi(argv[2]) && gettid_() == getpid();
		return ok ? 5 : 6;
	}
	self_path = argv[0];
	setvbuf(stdout, NULL, _IONBF, 0);
	check_counter();
	check_ping_pong();
	check_futex();
	check_requeue();
	check_timed_wake();
	check_signals();
	check_sigwait();
	check_thread_bomb();
	check_process_end();
	check_clone();
	if (failures) {
		printf("thread-check: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("thread-check: all %d checks passed\n", checks);
	return 0;
}
