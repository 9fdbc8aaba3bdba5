// Several CPUs: memsrv's requests from every CPU at once, each page written
// on one CPU and checked on another. One worker thread per CPU:
//   1. allocates SMP_PAGES pages and fills each through kmap_local;
//   2. checks its neighbour's pages (the worker of the next CPU) through
//      kmap, one by one, and through one vmap of them all;
//   3. frees its neighbour's pages.
// The workers wait for each other between the steps, so every page is
// written on one CPU, read on another and freed there.
#include <stdio.h>

#include "mstests.h"

#define SMP_PAGES 32
#define SMP_SALT 0x5a5a0000u

static page_t smp_pages[8][SMP_PAGES];
static volatile uint32_t smp_step[8]; // the last step each worker finished
static volatile uint32_t smp_go;

// Yields until each of the n workers finished `step`; 0 when one took too long.
static int all_reached(uint32_t n, uint32_t step)
{
	for (int i = 0; i < WAIT_YIELDS; i++) {
		uint32_t k = 0;
		while (k < n && smp_step[k] >= step)
			k++;
		if (k == n)
			return 1;
		sys_yield();
	}
	return 0;
}

// Worker arg[0] of arg[1], on CPU arg[0]. out[0]: how far it got (3:
// done), out[1]: pages that read wrong, out[2]: the first error.
static void smp_worker(struct tthread *t)
{
	uint32_t me = t->arg[0], n = t->arg[1], next = (me + 1) % n, bad = 0;
	page_t *mine = smp_pages[me], *theirs = smp_pages[next];
	uint32_t *va;
	int err;

	if ((err = thread_set_cpu(t->slot, me)) != E_OK)
		goto out;
	while (!smp_go)
		sys_yield();
	for (uint32_t k = 0; k < SMP_PAGES; k++) {
		if ((err = alloc_page(0, &mine[k])) != E_OK)
			goto out;
		if (!(va = kmap_local_page(mine[k]))) {
			err = highmem_errno;
			goto out;
		}
		page_fill(va, mine[k], SMP_SALT);
		if ((err = kunmap_local(va)) != E_OK)
			goto out;
	}
	t->out[0] = smp_step[me] = 1;
	err = E_AGAIN; // the others took too long
	if (!all_reached(n, 1))
		goto out;
	for (uint32_t k = 0; k < SMP_PAGES; k++) {
		if (!(va = kmap(theirs[k]))) {
			err = highmem_errno;
			goto out;
		}
		bad += !page_holds(va, theirs[k], SMP_SALT);
		if ((err = kunmap(theirs[k])) != E_OK)
			goto out;
	}
	if (!(va = vmap(theirs, SMP_PAGES, PROT_READ))) {
		err = highmem_errno;
		goto out;
	}
	for (uint32_t k = 0; k < SMP_PAGES; k++)
		bad += !page_holds((const char *)va + k * PAGE_SIZE, theirs[k], SMP_SALT);
	if ((err = vunmap(va)) != E_OK)
		goto out;
	t->out[1] = bad;
	t->out[0] = smp_step[me] = 2;
	err = E_AGAIN; // the others took too long
	if (!all_reached(n, 2))
		goto out;
	for (uint32_t k = 0; k < SMP_PAGES; k++)
		if ((err = __free_page(theirs[k])) != E_OK)
			goto out;
	t->out[0] = smp_step[me] = 3;
	err = E_OK;
out:
	t->out[2] = (uint32_t)err;
}

static const char *test_every_cpu_at_once(void)
{
	uint32_t n = console_cpus(SLOT_CONSOLE);
	struct tthread *w[8];
	int err;

	if (n < 2)
		return TEST_SKIP "needs 2 CPUs";
	CHECK(n <= 8, "%u CPUs", n);
	smp_go = 0;
	for (uint32_t i = 0; i < n; i++) {
		smp_step[i] = 0;
		w[i] = tt_run(smp_worker, 0, i, n, &err);
		CHECK(w[i], "worker %u: %s", i, hmk_strerror(err));
	}
	smp_go = 1;
	for (uint32_t i = 0; i < n; i++) {
		CHECK(wait_word((volatile uint32_t *)&w[i]->done, 1),
		      "the worker on CPU %u never finished (step %u)", i, w[i]->out[0]);
		CHECK(w[i]->out[0] == 3 && w[i]->out[2] == E_OK,
		      "the worker on CPU %u: step %u, %s", i, w[i]->out[0],
		      hmk_strerror((int)w[i]->out[2]));
		CHECK(w[i]->out[1] == 0, "CPU %u: %u of CPU %u's pages read wrong", i, w[i]->out[1],
		      (i + 1) % n);
	}
	return NULL;
}

// A thread holding kmap_local, then kmap_atomic mappings is not moved to
// another CPU, as Linux keeps it on its CPU: THREAD_SET_CPU answers that
// the move waits (MR0 1), and the thread moves at its first tick holding
// none. The helper says where it runs (hmk_cpu) and steps with hold_step,
// four steps a kind (kind k's start at 4 * k): it maps on CPU 1, so that
// kmap_atomic's pinned spin leaves this CPU to the test.
#define MOVE_TICKS 100 // how long a move may take once nothing is held: 1 s
static const char *const hold_kinds[2] = { "kmap_local", "kmap_atomic" };
static volatile uint32_t hold_step, held_on[2], moved_to[2];

// Yields until the calling thread runs on CPU `cpu` (MOVE_TICKS at most);
// the CPU it runs on then.
static uint32_t until_on(uint32_t cpu)
{
	uint32_t t0 = ticks();

	while (hmk_cpu() != cpu && ticks() - t0 < MOVE_TICKS)
		sys_yield();
	return hmk_cpu();
}

static void holder(struct tthread *t)
{
	for (uint32_t k = 0, s = 0; k < 2; k++, s += 4) {
		void *va;

		while (hold_step == s)
			sys_yield();
		if (!(va = k ? kmap_atomic((page_t)t->arg[0]) : kmap_local_page((page_t)t->arg[0])))
			return;
		hold_step = s + 2;
		while (hold_step == s + 2)
			if (!k) // through ticks: a move now would be the kernel's error
				sys_yield(); // (kmap_atomic's holder is pinned: no yield)
		held_on[k] = hmk_cpu();
		t->out[k] = (uint32_t)(k ? kunmap_atomic(va) : kunmap_local(va));
		moved_to[k] = until_on(0);
		hold_step = s + 4;
	}
}

// THREAD_SET_CPU: E_OK or the error, and in *waits whether the move waits.
static int set_cpu(uint32_t thread, uint32_t cpu, uint32_t *waits)
{
	struct msg m;
	int err = hmk_invoke(thread, THREAD_SET_CPU, 1, cpu, 0, 0, 0, &m);

	*waits = m.mr[0];
	return err;
}

// Yields until the helper reached `step`, 2 * MOVE_TICKS at most: whether it did.
static int step_reached(uint32_t step)
{
	uint32_t t0 = ticks();

	while (hold_step != step && ticks() - t0 < 2 * MOVE_TICKS)
		sys_yield();
	return hold_step == step;
}

static const char *test_no_move_while_mapped(void)
{
	static const uint32_t held_ticks[2] = { 5, 3 }; // kmap_atomic's within its pinned budget
	struct tthread *t;
	uint32_t waits;
	page_t p;
	int err;

	NEEDS_2_CPUS();
	OK(t_alloc(0, 0, &p));
	hold_step = 0;
	t = tt_run(holder, 0, p, 0, &err);
	CHECK(t, "helper: %s", hmk_strerror(err));
	for (uint32_t k = 0, s = 0; k < 2; k++, s += 4) {
		const char *kind = hold_kinds[k];

		OK(set_cpu(t->slot, 1, &waits)); // nothing held: at once
		CHECK(!waits, "a move of a thread holding nothing waits");
		hold_step = s + 1;
		CHECK(wait_word(&hold_step, s + 2), "the helper never took %s", kind);
		OK(set_cpu(t->slot, 0, &waits)); // held (kmap_atomic: and pinned): the move waits
		CHECK(waits, "the move of a thread holding %s does not wait", kind);
		tick_wait(held_ticks[k]);
		hold_step = s + 3;
		CHECK(step_reached(s + 4), "the helper never unmapped %s", kind);
		EXPECT((int)t->out[k], E_OK);
		CHECK(held_on[k] == 1, "moved to CPU %u while it held %s", held_on[k], kind);
		CHECK(moved_to[k] == 0, "still on CPU %u %u ticks after its last %s unmapped",
		      moved_to[k], MOVE_TICKS, kind);
	}
	return NULL;
}

// A thread on CPU k calls memsrv's thread there: its endpoint for CPU k
// (the library asks memsrv for it, MS_ENDPOINT) is its own, not CPU 0's.
static void ep_worker(struct tthread *t)
{
	struct ipc_buffer *ipc = user_ipcbuf();
	uint32_t cpu = t->arg[0], *va;

	if ((t->out[2] = (uint32_t)thread_set_cpu(t->slot, cpu)) != E_OK)
		return;
	if (!(va = kmap_local_page((page_t)t->arg[1]))) {
		t->out[2] = (uint32_t)highmem_errno;
		return;
	}
	t->out[3] = *va;
	t->out[2] = (uint32_t)kunmap_local(va);
	t->out[0] = ipc->memsrv_ep[0];
	t->out[1] = ipc->memsrv_ep[cpu];
}

static const char *test_endpoint_per_cpu(void)
{
	uint32_t n = console_cpus(SLOT_CONSOLE), *va, type;
	page_t p;
	int err;

	NEEDS_2_CPUS();
	OK(t_alloc(0, 0, &p));
	CHECK((va = kmap_local_page(p)), "kmap_local: %s", hmk_strerror(highmem_errno));
	*va = 0x600d;
	OK(kunmap_local(va));
	for (uint32_t cpu = 0; cpu < n; cpu++) {
		struct tthread *t = tt_run(ep_worker, 0, cpu, p, &err);

		CHECK(t, "worker: %s", hmk_strerror(err));
		CHECK(wait_word((volatile uint32_t *)&t->done, 1),
		      "the worker on CPU %u never finished", cpu);
		OK((int)t->out[2]);
		CHECK(t->out[3] == 0x600d, "CPU %u read 0x%x", cpu, t->out[3]);
		CHECK(t->out[0] && t->out[1], "CPU %u: endpoints %u (CPU 0) and %u", cpu, t->out[0],
		      t->out[1]);
		CHECK(cpu == 0 || t->out[1] != t->out[0],
		      "CPU %u calls through CPU 0's endpoint (slot %u)", cpu, t->out[0]);
		OK(space_identify(SLOT_SPACE, t->out[1], &type, NULL, NULL));
		CHECK(type == CAP_ENDPOINT, "CPU %u: slot %u holds type %u", cpu, t->out[1], type);
		OK(tt_kill(t));
	}
	return NULL;
}

// A page freed on CPU 0 while a thread of the same program maps it with
// kmap_local on CPU 1, served by memsrv's thread there: once the free is
// answered, the page is mapped nowhere. Either the map went first (and the
// free emptied its slot: the thread faults there) or it is refused.
#define RACE_ROUNDS 100
static volatile uint32_t race_round, race_freed, race_ack;
static volatile page_t race_page;

static void racer(struct tthread *t)
{
	uint32_t word, *va;

	if (thread_set_cpu(t->slot, 1) != E_OK || !(va = kmap_local_page((page_t)t->arg[0])) ||
	    kunmap_local(va) != E_OK) // registered, and its endpoint for CPU 1 got
		return;
	race_ack = 1;
	for (uint32_t r = 1; r <= RACE_ROUNDS; r++) {
		while (race_round != r)
			sys_yield();
		va = kmap_local_page(race_page);
		while (race_freed != r)
			sys_yield();
		if (va) {
			t->out[0]++;
			t->out[2] += !probe_at(t, (uint32_t)va, &word); // read: still mapped
			kunmap_local(va);
		} else
			t->out[1] += highmem_errno == E_PERM;
		race_ack = 1;
	}
}

// Serves the racer's probe faults until it sets race_ack: patiently, as
// its CPU's host thread may wait for the host (RACE_PATIENCE times
// serve_probes' bound). The first thing that went wrong, or NULL.
#define RACE_PATIENCE 50
static const char *race_serve(uint32_t ep, struct tthread *t)
{
	const char *first = NULL;

	for (int i = 0; i < RACE_PATIENCE && !race_ack && !t->done; i++) {
		const char *why = serve_probes(ep, t, &race_ack);
		first = first ? first : why;
	}
	return race_ack ? NULL : first ? first : "the racer on CPU 1 stopped";
}

static const char *test_free_while_mapped(void)
{
	struct tthread *t;
	uint32_t ep;
	page_t p, warm;
	int err;

	NEEDS_2_CPUS();
	OK(t_alloc(0, 0, &warm));
	OK(t_create(CAP_ENDPOINT, 0, &ep));
	race_round = race_freed = race_ack = 0;
	t = tt_run(racer, ep, warm, 0, &err);
	CHECK(t, "racer: %s", hmk_strerror(err));
	TRY(race_serve(ep, t));
	for (uint32_t r = 1; r <= RACE_ROUNDS; r++) {
		OK(alloc_page(0, &p));
		race_page = p;
		race_ack = 0;
		race_round = r; // the racer maps it now, on CPU 1
		err = __free_page(p);
		race_freed = r;
		OK(err);
		const char *why = race_serve(ep, t);
		CHECK(!why, "round %u: %s", r, why);
	}
	CHECK(t->out[2] == 0,
	      "%u of %u mappings made on CPU 1 still read after the free on CPU 0 was answered",
	      t->out[2], t->out[0]);
	CHECK(t->out[0] + t->out[1] == RACE_ROUNDS,
	      "%u mapped, %u refused with E_PERM, of %u rounds", t->out[0], t->out[1], RACE_ROUNDS);
	printf("# %u mapped first (emptied by the free), %u refused\n", t->out[0], t->out[1]);
	OK(tt_kill(t));
	return NULL;
}

const struct test smp_tests[] = {
	{ test_every_cpu_at_once, "every CPU at once: alloc, kmap_local on one CPU, kmap and vmap "
				  "on the next, free there" },
	{ test_no_move_while_mapped,
	  "a thread holding kmap_local or kmap_atomic is not moved: "
	  "THREAD_SET_CPU waits, and the thread moves once it holds none" },
	{ test_endpoint_per_cpu, "a thread on CPU k calls memsrv's thread on CPU k (its own "
				 "endpoint)" },
	{ test_free_while_mapped, "a page freed on CPU 0 while kmap_local maps it on CPU 1: "
				  "mapped nowhere once the free is answered" },
	{ 0, 0 },
};
