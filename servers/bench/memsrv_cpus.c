// memsrv's requests from several CPUs at once. For N = 1, 2 and 4 (as many
// as are online) one worker on each of CPUs 0..N-1 does K operations of one
// kind in a run. Each worker registered with memsrv and allocated its own
// pages before; all start at once, when CPU 0 reads the counter and sets
// the start flag, and CPU 0 reads it again once the last one finished.
// Under -icount the counter on CPU 0 counts what every CPU executes
// (docs/benchmarking.md, Several CPUs), so a run's figure, that difference
// divided by N * K, is instructions per operation over all CPUs: flat
// across N means the requests scale. Each figure's samples are its runs.
//
// A worker that finished calls CPU 0's thread, which answers only after
// the run: blocked, it executes nothing while the others work. The last to
// finish signals CPU 0's thread, which waits for that unless it is the last
// itself. That synchronisation, a few hundred instructions a run, is in the
// figure, spread over the N * K operations.
//
// The workers are threads of this program (on CPU 0 its own thread), but
// for the kmap misses: there the workers on CPUs 1.. are copies of the
// program started with CPUS_ARG, each with a kmap pool of its own. The
// threads of one program share its pool under a lock that waits by
// yielding in a loop, and under icount's round robin a CPU spinning so runs
// a whole time slice, millions of instructions, while the holder waits for
// memsrv on another CPU: what that would measure is QEMU's time slice.
#include <stdio.h>

#include "bench.h"
#include "highmem/highmem.h"
#include "user.h"

#define CPUS_MAX 4                        // the largest N
#define CPUS_RUNS 11                      // timed runs of a figure: its samples
#define CPUS_WARM 1                       // untimed runs before them
#define MISS_SET (1u << MEMSRV_MAX_ORDER) // a worker's pages to kmap in turn

// A page of a miss set comes back only after a wrap flushed it: every kmap
// of them is a miss.
_Static_assert(MISS_SET > KMAP_POOL_SLOTS, "a miss set fits in the kmap pool");

// The calls of a worker program to CPU 0's thread (labels).
enum { CPUS_HELLO = 1, CPUS_READY, CPUS_MAPPED, CPUS_PARKED };

// What the workers of a run share: in this program for threads, in a page
// shared with the worker programs (a vmap in each) for those.
struct cpus_sync {
	uint32_t c;               // the case: an index of cases[]
	uint32_t n, k;            // workers; operations of each in a run
	uint32_t go;              // the run the workers may start (atomic)
	uint32_t finished;        // workers that finished the run (atomic)
	uint32_t ready[CPUS_MAX]; // by CPU: the run it waits to start (atomic)
};

// A worker's own state (in its own program).
struct worker {
	uint32_t cpu;
	uint32_t done; // CPU 0's: the notification it waits on; the others': a signal to it
	uint32_t ep;   // the others': the endpoint they call CPU 0's thread on
	page_t base;   // its pages: 2^order from here
	uint32_t next; // kmap_misses: the next of them
	int err;       // a thread's setting up failed
	unsigned bad;  // operations that failed
};

// One kind of operation: figure <name>_cpus<N>.
struct cpus_case {
	const char *name;
	const char *op; // one operation (params.op)
	unsigned k;     // operations of each worker in a run
	unsigned order; // each worker allocates 2^order pages of its own before the runs
	int programs;   // the workers on CPUs 1.. are programs, not threads
	unsigned (*ops)(struct worker *w, unsigned k); // k operations: how many failed
};

static unsigned kmap_local_pairs(struct worker *w, unsigned k)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < k; i++) {
		void *va = kmap_local_page(w->base);
		bad += !va || kunmap_local(va);
	}
	return bad;
}

static unsigned alloc_frees(struct worker *w, unsigned k)
{
	unsigned bad = 0;
	page_t pg;

	(void)w;
	for (unsigned i = 0; i < k; i++)
		bad += alloc_pages(0, 0, &pg) || __free_pages(pg, 0);
	return bad;
}

static unsigned kmap_misses(struct worker *w, unsigned k)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < k; i++) {
		page_t p = w->base + w->next++ % MISS_SET;
		bad += !kmap(p) || kunmap(p);
	}
	return bad;
}

static unsigned null_syscalls(struct worker *w, unsigned k)
{
	(void)w;
	for (unsigned i = 0; i < k; i++)
		sys_null();
	return 0;
}

static unsigned no_ops(struct worker *w, unsigned k)
{
	(void)w;
	(void)k;
	return 0;
}

static const struct cpus_case cases[] = {
	// What the others carry: a run with nothing to do (its figure is the
	// whole run, not per operation).
	{ "cpus_sync", "none: a run's start, ends and waits alone, the whole run", 0, 0, 0,
	  no_ops },
	// The big kernel lock alone: every CPU entering the kernel at once.
	{ "null_syscall", "a system call that does nothing", 1000, 0, 0, null_syscalls },
	{ "memsrv_kmap_local_pair", "kmap_local_page + kunmap_local of the worker's own page", 500,
	  0, 0, kmap_local_pairs },
	{ "memsrv_alloc_free_o0", "alloc_pages + __free_pages of one page (zeroed)", 200, 0, 0,
	  alloc_frees },
	// Two whole turns of each worker's pool a run, so two wraps: the
	// untimed run leaves each pool's cursor past slot 0, where every run
	// then starts and ends.
	{ "memsrv_kmap_wrap",
	  "kmap + kunmap of a page not in the pool, 1024 pages of the worker's in turn; "
	  "each worker is a program of its own (on CPU 0 this one), and its 1024 misses a "
	  "run are two turns of its pool of 512 slots, each ending in the wrap that flushes "
	  "the 512 stale slots",
	  2 * KMAP_POOL_SLOTS, MEMSRV_MAX_ORDER, 1, kmap_misses },
};

// This program's side: the workers, and what it needs to start and end them.
static struct {
	struct worker w[CPUS_MAX];
	struct user_thread t[CPUS_MAX]; // threads
	uint32_t id[CPUS_MAX];          // programs: init's ids
	int live[CPUS_MAX];             // a thread or program to end
	struct cpus_sync local;         // the threads' sync
	struct cpus_sync *shared;       // the programs' (the shared page, mapped)
	page_t shared_page;
	uint32_t ep, done, done_sig;
} cpus;

// Worker w's part of a run: its operations, then the end: the last worker
// to finish signals CPU 0's thread, which otherwise waits for that.
static void work(struct cpus_sync *s, struct worker *w)
{
	struct msg m = { 0 };

	w->bad += cases[s->c].ops(w, s->k);
	if (__atomic_add_fetch(&s->finished, 1, __ATOMIC_ACQ_REL) == s->n) {
		if (w->cpu)
			sys_nbsend(w->done, &m);
	} else if (!w->cpu) {
		sys_recv(w->done, &m);
	}
}

// The runs of worker w on a CPU other than 0: for each, it says it is ready
// and waits for the start (spinning: untimed), does its part, then calls
// CPU 0's thread, which answers after the run.
static void worker_runs(struct cpus_sync *s, struct worker *w)
{
	struct msg m;

	for (uint32_t run = 1; run <= CPUS_WARM + CPUS_RUNS; run++) {
		__atomic_store_n(&s->ready[w->cpu], run, __ATOMIC_RELEASE);
		while (__atomic_load_n(&s->go, __ATOMIC_ACQUIRE) < run)
			sys_yield();
		work(s, w);
		m = (struct msg){ MSG_INFO(CPUS_PARKED, 0), { 0 }, 0 };
		sys_call(w->ep, &m);
	}
}

// A worker thread: it moves to its CPU before memsrv hears of it, then
// registers there as it takes its pages. Its first ready says it is set up
// (w->err says how).
static void worker_thread(uint32_t arg)
{
	struct worker *w = (struct worker *)arg;
	unsigned order = cases[cpus.local.c].order;

	if (!(w->err = thread_set_cpu(user_tcb()->thread_slot, w->cpu)))
		w->err = alloc_pages(0, order, &w->base);
	if (w->err) {
		__atomic_store_n(&cpus.local.ready[w->cpu], 1, __ATOMIC_RELEASE);
		return; // suspended till cpus_case_run destroys it
	}
	worker_runs(&cpus.local, w);
	__free_pages(w->base, order);
}

// A worker program (CPUS_ARG): asks for its CPU, moves there, registers and
// gets the shared page and the signal to CPU 0's thread, maps the page and
// takes its pages, telling CPU 0's thread each step's error, then works the
// runs. E_OK, or an error (the exit status).
int cpus_worker_main(void)
{
	struct worker w = { .done = user_slot_alloc(), .ep = SLOT_GIFT };
	struct msg m = { MSG_INFO(CPUS_HELLO, 0), { 0 }, 0 };
	struct cpus_sync *s = NULL;
	page_t shared;
	int err, e;

	if ((err = sys_call(SLOT_GIFT, &m)))
		return err;
	w.cpu = m.mr[0];
	shared = m.mr[1];
	if (!(err = thread_set_cpu(SLOT_THREAD, w.cpu)) && !highmem_client_id())
		err = highmem_errno;
	m = (struct msg){ MSG_INFO(CPUS_READY, 1), { highmem_client_id() }, 0 };
	user_ipcbuf()->cap_recv = w.done;
	e = sys_call(SLOT_GIFT, &m);
	user_ipcbuf()->cap_recv = 0;
	if (!err)
		err = e ? e : (int)m.mr[0];
	if (!err && !(s = vmap(&shared, 1, PROT_READ | PROT_WRITE)))
		err = highmem_errno;
	if (!err)
		err = alloc_pages(0, cases[s->c].order, &w.base);
	m = (struct msg){ MSG_INFO(CPUS_MAPPED, 1), { (uint32_t)err }, 0 };
	if ((e = sys_call(SLOT_GIFT, &m)) || err)
		return err ? err : e; // CPU 0's thread ends the benchmark
	worker_runs(s, &w);
	__free_pages(w.base, cases[s->c].order);
	vunmap(s);
	return w.bad ? E_INVAL : E_OK;
}

// Receives a call on cpus.ep: its first word, or ~0 on an error or when its
// label is not `label`.
static uint32_t recv_label(uint32_t label)
{
	struct msg m = { 0 };

	if (sys_recv(cpus.ep, &m) || MSG_LABEL(m.info) != label)
		return ~0u;
	return m.mr[0];
}

// Answers the call received last with words a, b, and capability cap when
// not 0.
static void answer(uint32_t a, uint32_t b, uint32_t cap)
{
	struct msg m = { MSG_INFO(0, 2) | (cap ? MSG_CAP : 0), { a, b }, 0 };

	user_ipcbuf()->cap_send = cap;
	sys_reply(&m);
	user_ipcbuf()->cap_send = 0;
}

// Starts worker `cpu` as a program and sees it set up (cpus_worker_main's
// side). E_OK or the error.
static int program_start(uint32_t cpu)
{
	uint32_t client, err;
	int e;

	if ((e = init_spawn("bench", CPUS_ARG, cpus.ep, &cpus.id[cpu])))
		return e;
	cpus.live[cpu] = 1;
	if (recv_label(CPUS_HELLO) == ~0u)
		return E_INVAL;
	answer(cpu, cpus.shared_page, 0);
	if ((client = recv_label(CPUS_READY)) == ~0u)
		return E_INVAL;
	err = (uint32_t)share_page(cpus.shared_page, client);
	answer(err, 0, cpus.done_sig);
	if ((err = recv_label(CPUS_MAPPED)))
		return err == ~0u ? E_INVAL : (int)err;
	answer(0, 0, 0);
	return E_OK;
}

// Starts worker `cpu` as a thread and waits until it is set up. E_OK or the error.
static int thread_start(uint32_t cpu)
{
	struct worker *w = &cpus.w[cpu];
	int err = thread_spawn(&cpus.t[cpu], worker_thread, (uint32_t)w, 2, bench_prio, 0);

	if (err)
		return err;
	cpus.live[cpu] = 1;
	while (!__atomic_load_n(&cpus.local.ready[cpu], __ATOMIC_ACQUIRE))
		sys_yield();
	return w->err;
}

// The runs, this thread being worker 0: each sample one run's instructions
// per operation (a whole run's when there is none).
static void cpus_runs(struct cpus_sync *s)
{
	uint32_t ops = s->k ? s->n * s->k : 1;

	for (uint32_t run = 1; run <= CPUS_WARM + CPUS_RUNS; run++) {
		for (uint32_t i = 1; i < s->n; i++)
			while (__atomic_load_n(&s->ready[i], __ATOMIC_ACQUIRE) < run)
				sys_yield();
		s->finished = 0;
		uint32_t t0 = ccnt();
		__atomic_store_n(&s->go, run, __ATOMIC_RELEASE);
		work(s, &cpus.w[0]);
		uint32_t t1 = ccnt();
		if (run > CPUS_WARM)
			samples[run - CPUS_WARM - 1] = (t1 - t0 - overhead + ops / 2) / ops;
		// Each worker's call after its part: answered, it goes on.
		for (uint32_t i = 1; i < s->n; i++)
			if (recv_label(CPUS_PARKED) != ~0u)
				answer(0, 0, 0);
	}
}

// Ends workers 1..n-1: after the runs they end by themselves (awaited
// here; a program's status says whether an operation failed), after a
// failure `err` they are killed. The first error.
static int workers_end(const struct cpus_case *c, uint32_t n, int err)
{
	uint32_t state;
	int status;

	for (uint32_t i = 1; i < n; i++) {
		if (!cpus.live[i])
			continue;
		cpus.live[i] = 0;
		if (c->programs && err) {
			init_kill(cpus.id[i]);
		} else if (c->programs) {
			if (init_wait(cpus.id[i], &status) || status)
				err = status ? status : E_INVAL;
		} else {
			while (!err && thread_info(cpus.t[i].slot, &state, NULL, NULL) == E_OK &&
			       state != TS_STOPPED)
				sys_yield();
			thread_destroy(&cpus.t[i]);
			err = err ? err : cpus.w[i].bad ? E_INVAL : E_OK;
		}
	}
	return err;
}

// The figure <c->name>_cpus<n>.
static void cpus_case_run(const struct cpus_case *c, uint32_t n)
{
	struct cpus_sync *s = c->programs ? cpus.shared : &cpus.local;
	char name[48], params[512];
	int err, e;

	snprintf(name, sizeof(name), "%s_cpus%u", c->name, n);
	*s = (struct cpus_sync){ .c = (uint32_t)(c - cases), .n = n, .k = c->k };
	for (uint32_t i = 0; i < n; i++)
		cpus.w[i] = (struct worker){ .cpu = i,
					     .done = i ? cpus.done_sig : cpus.done,
					     .ep = cpus.ep };
	if ((err = alloc_pages(0, c->order, &cpus.w[0].base))) {
		bench_fail(name, hmk_strerror(err));
		return;
	}
	for (uint32_t i = 1; i < n && !err; i++)
		err = c->programs ? program_start(i) : thread_start(i);
	if (!err)
		cpus_runs(s);
	err = workers_end(c, n, err);
	e = __free_pages(cpus.w[0].base, c->order);
	if (err || (err = cpus.w[0].bad ? E_INVAL : e)) {
		bench_fail(name, hmk_strerror(err));
		return;
	}
	snprintf(params, sizeof(params),
		 "{\"op\": \"%s\", \"cpus\": %u, \"k\": %u, \"sample\": \"one run: what every CPU "
		 "executed from the start to the last worker's end, per operation (/ cpus * k)\"}",
		 c->op, n, c->k);
	report(name, CPUS_RUNS, params);
}

void memsrv_cpus_benches(void)
{
	uint32_t online = console_cpus(SLOT_CONSOLE);

	if (!highmem_client_id())
		return; // memsrv_benches found no memsrv
	cpus.ep = new_object(CAP_ENDPOINT);
	cpus.done = new_notify(&cpus.done_sig);
	if (!cpus.ep || !cpus.done || alloc_page(0, &cpus.shared_page) ||
	    !(cpus.shared = vmap(&cpus.shared_page, 1, PROT_READ | PROT_WRITE))) {
		bench_fail("memsrv cpus", "no endpoint, notification or shared page");
		return;
	}
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (uint32_t n = 1; n <= CPUS_MAX && n <= online; n *= 2)
			cpus_case_run(&cases[c], n);
	vunmap(cpus.shared);
	__free_page(cpus.shared_page);
	delete_object(cpus.done_sig);
	delete_object(cpus.done);
	delete_object(cpus.ep);
}
