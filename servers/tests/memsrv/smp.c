// Several CPUs: memsrv's requests from every CPU at once, each page written
// on one CPU and checked on another. One worker thread per CPU:
//   1. allocates SMP_PAGES pages and fills each through kmap_local;
//   2. checks its neighbour's pages (the worker of the next CPU) through
//      kmap, one by one, and through one vmap of them all;
//   3. frees its neighbour's pages.
// The workers wait for each other between the steps, so every page is
// written on one CPU, read on another and freed there.
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
// another CPU (E_BUSY), as Linux keeps it on its CPU; once it unmapped the
// last, it is. The helper runs on CPU 1 (so that its pinned spin leaves
// this CPU to the test) and steps with hold_step.
static volatile uint32_t hold_step;

static void holder(struct tthread *t)
{
	void *va;

	while (hold_step == 0)
		sys_yield();
	if (!(va = kmap_local_page((page_t)t->arg[0])))
		return;
	hold_step = 2;
	while (hold_step == 2)
		sys_yield();
	t->out[0] = (uint32_t)kunmap_local(va);
	if (!(va = kmap_atomic((page_t)t->arg[0])))
		return;
	hold_step = 4;
	while (hold_step == 4)
		; // pinned: no yield
	t->out[1] = (uint32_t)kunmap_atomic(va);
	hold_step = 6;
	while (hold_step == 6)
		sys_yield();
}

static const char *test_no_move_while_mapped(void)
{
	struct tthread *t;
	page_t p;
	int err;

	NEEDS_2_CPUS();
	OK(t_alloc(0, 0, &p));
	hold_step = 0;
	t = tt_run(holder, 0, p, 0, &err);
	CHECK(t, "helper: %s", hmk_strerror(err));
	OK(thread_set_cpu(t->slot, 1)); // nothing held yet
	hold_step = 1;
	CHECK(wait_word(&hold_step, 2), "the helper never mapped");
	EXPECT(thread_set_cpu(t->slot, 0), E_BUSY); // kmap_local held
	hold_step = 3;
	CHECK(wait_word(&hold_step, 4), "the helper never took kmap_atomic");
	EXPECT(thread_set_cpu(t->slot, 0), E_BUSY); // kmap_atomic held (and pinned)
	hold_step = 5;
	CHECK(wait_word(&hold_step, 6), "the helper never unmapped");
	EXPECT((int)t->out[0], E_OK);
	EXPECT((int)t->out[1], E_OK);
	OK(thread_set_cpu(t->slot, 0)); // nothing held
	hold_step = 7;
	return NULL;
}

const struct test smp_tests[] = {
	{ test_every_cpu_at_once, "every CPU at once: alloc, kmap_local on one CPU, kmap and vmap "
				  "on the next, free there" },
	{ test_no_move_while_mapped, "a thread holding kmap_local or kmap_atomic is not moved "
				     "(E_BUSY); unmapped, it is" },
	{ 0, 0 },
};
