// kmap_local and kmap_atomic: private to their thread, strictly nested, 16
// deep; kmap_atomic pins the thread; a sibling faults on another thread's
// address; an unmapped and freed page is gone from the address; a thread
// that dies with mappings open gives them back.
#include "mstests.h"

#define LOCAL_END (MEMSRV_LOCAL_VA + KMAP_ATOMIC_FIRST * PAGE_SIZE)
#define ATOMIC_END (MEMSRV_LOCAL_VA + WINDOW_SIZE)
#define SALT 0x10ca1000u

// Fills pages [p, p + n) through kmap_local with page_fill(pfn, SALT).
static const char *fill_pages(page_t p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		void *va = kmap_local_page(p + i);

		CHECK(va, "kmap_local of pfn 0x%x: %s", p + i, hmk_strerror(highmem_errno));
		page_fill(va, p + i, SALT);
		OK(kunmap_local(va));
	}
	return NULL;
}

// kmap_local (atomic: kmap_atomic) of n pages from p, nested; checks the
// addresses (distinct, in their part of the thread window) and contents.
static const char *nest(page_t p, uint32_t n, int atomic, void **va)
{
	uint32_t lo = atomic ? LOCAL_END : MEMSRV_LOCAL_VA, hi = atomic ? ATOMIC_END : LOCAL_END;

	for (uint32_t i = 0; i < n; i++) {
		va[i] = atomic ? kmap_atomic(p + i) : kmap_local_page(p + i);
		CHECK(va[i], "mapping %u of pfn 0x%x: %s", i, p + i, hmk_strerror(highmem_errno));
		CHECK((uint32_t)va[i] >= lo && (uint32_t)va[i] < hi && !((uint32_t)va[i] & 0xfff),
		      "mapping %u at %p, outside [0x%x, 0x%x)", i, va[i], lo, hi);
		for (uint32_t k = 0; k < i; k++)
			CHECK(va[k] != va[i], "mappings %u and %u both at %p", k, i, va[i]);
	}
	for (uint32_t i = 0; i < n; i++)
		CHECK(page_holds(va[i], p + i, SALT), "mapping %u at %p shows another page", i,
		      va[i]);
	return NULL;
}

static const char *test_local_nesting(void)
{
	struct highmem_stats st;
	void *va[KMAP_LOCAL_MAX] = { 0 };
	page_t p;

	OK(t_alloc(5, 0, &p));
	TRY(fill_pages(p, KMAP_LOCAL_MAX + 1));
	const char *why = nest(p, KMAP_LOCAL_MAX, 0, va);
	for (int i = 0; i < KMAP_LOCAL_MAX && va[i]; i++)
		undo_kunmap_local(va[i]); // whatever happens, unmapped newest first
	TRY(why);
	OK(stats(&st));
	CHECK(st.kmap_local == KMAP_LOCAL_MAX, "stats kmap_local %u", st.kmap_local);
	EXPECT_NULL(kmap_local_page(p + KMAP_LOCAL_MAX), E_NOSLOT);
	EXPECT(kunmap_local(va[3]), E_ORDER);
	EXPECT(kunmap_local((char *)va[KMAP_LOCAL_MAX - 2] + 8), E_ORDER);
	// Any address inside the newest page unmaps it.
	OK(t_kunmap_local((char *)va[KMAP_LOCAL_MAX - 1] + PAGE_SIZE - 1));
	EXPECT(kunmap_local(va[KMAP_LOCAL_MAX - 1]), E_INVAL); // gone
	// Room again: one more, then every one off, newest first.
	void *again = t_kmap_local(p + KMAP_LOCAL_MAX);
	CHECK(again, "kmap_local after an unmap: %s", hmk_strerror(highmem_errno));
	CHECK(page_holds(again, p + KMAP_LOCAL_MAX, SALT), "the new mapping shows another page");
	OK(t_kunmap_local(again));
	for (int i = KMAP_LOCAL_MAX - 2; i >= 0; i--)
		OK(t_kunmap_local((char *)va[i] + 4 * i));
	OK(stats(&st));
	CHECK(st.kmap_local == 0, "stats kmap_local %u after all unmaps", st.kmap_local);
	EXPECT(kunmap_local((void *)MEMSRV_LOCAL_VA), E_INVAL);
	EXPECT(kunmap_local((void *)0x1000), E_INVAL);
	EXPECT(kunmap_local((void *)(MEMSRV_POOL_VA + 5 * PAGE_SIZE)), E_INVAL);
	EXPECT_NULL(kmap_local_page(0x10), E_PERM);
	return NULL;
}

static const char *test_atomic_nesting(void)
{
	struct highmem_stats st;
	void *va[KMAP_ATOMIC_MAX] = { 0 }, *loc;
	int yield_pinned, yield_free, err = E_OK;
	page_t p;

	OK(t_alloc(5, 0, &p));
	TRY(fill_pages(p, KMAP_ATOMIC_MAX));
	// Kept short: a pin held over ATOMIC_LIMIT_TICKS is taken away.
	const char *why = nest(p, KMAP_ATOMIC_MAX, 1, va);
	yield_pinned = sys_yield();
	void *extra = kmap_atomic(p + KMAP_ATOMIC_MAX);
	int extra_err = highmem_errno;
	int order = kunmap_atomic(va[0]);
	loc = kmap_local_page(p); // the other stack: independent
	int st_err = stats(&st);
	for (int i = KMAP_ATOMIC_MAX - 1; i >= 0; i--)
		if (va[i] && (err = kunmap_atomic((char *)va[i] + 100)))
			break;
	yield_free = sys_yield();
	if (loc)
		OK(kunmap_local(loc));
	TRY(why);
	OK(err);
	EXPECT(yield_pinned, E_BUSY);
	OK(yield_free);
	CHECK(!extra && extra_err == E_NOSLOT, "17th kmap_atomic: %p (%s)", extra,
	      hmk_strerror(extra_err));
	EXPECT(order, E_ORDER);
	CHECK(loc, "kmap_local while atomic mappings are held: %s", hmk_strerror(highmem_errno));
	OK(st_err);
	CHECK(st.kmap_atomic == KMAP_ATOMIC_MAX && st.kmap_local == 1, "stats atomic %u local %u",
	      st.kmap_atomic, st.kmap_local);
	EXPECT(kunmap_atomic(va[0]), E_INVAL);
	EXPECT(kunmap_atomic((void *)MEMSRV_LOCAL_VA), E_INVAL);
	EXPECT_NULL(kmap_atomic(0x10), E_PERM);
	return NULL;
}

// --- another thread's view of the local window ------------------------------
struct local_peek {
	page_t mine;   // the page the helper maps itself
	uint32_t peek; // the address it then reads: the main thread's mapping
	uint32_t va, value, faulted, own_ok;
};

// Registers, kmap_locals its own page, reads the main thread's address.
static void peeker(struct tthread *t)
{
	struct local_peek *k = (struct local_peek *)t->arg[0];
	void *va = kmap_local_page(k->mine);

	k->va = (uint32_t)va;
	if (va)
		k->own_ok = page_holds(va, k->mine, SALT);
	k->faulted = (uint32_t)probe_at(t, k->peek, &k->value);
	if (va)
		kunmap_local(va);
}

static const char *test_local_private(void)
{
	struct local_peek k = { 0 };
	struct tthread *t;
	uint32_t ep, value = 0;
	const char *why;
	void *mine;
	page_t p;
	int err, f;

	OK(t_alloc(1, 0, &p));
	TRY(fill_pages(p, 2));
	CHECK(mine = t_kmap_local(p), "kmap_local: %s", hmk_strerror(highmem_errno));
	// A sibling that never asked memsrv for anything: nothing there.
	f = probe_faults((uint32_t)mine, &value, &why);
	if (f < 0)
		return why;
	CHECK(f == 1, "a sibling read 0x%x at the main thread's kmap_local address %p", value,
	      mine);
	// A registered sibling with a kmap_local of its own: it sees its own
	// page, and never ours.
	OK(t_create(CAP_ENDPOINT, 0, &ep));
	k.mine = p + 1;
	k.peek = (uint32_t)mine;
	t = tt_run(peeker, ep, (uint32_t)&k, 0, &err);
	CHECK(t, "thread: %s", hmk_strerror(err));
	TRY(serve_probes(ep, t, NULL));
	CHECK(k.va && k.own_ok, "the sibling's own kmap_local (%x) shows another page", k.va);
	CHECK(k.faulted || (k.va == k.peek && k.value == page_word(p + 1, 0, SALT)),
	      "the sibling read 0x%x at %p: the main thread's page", k.value, mine);
	OK(tt_kill(t));
	CHECK(page_holds(mine, p, SALT), "our own mapping changed");
	return NULL;
}

// --- a freed page leaves no trace ---------------------------------------------
struct local_gone {
	page_t p;
	int unmap; // kunmap_local before the free (else the thread still holds it)
	volatile uint32_t mapped, go;
	uint32_t va, faulted, value, unmapped;
};

static void unmapper(struct tthread *t)
{
	struct local_gone *g = (struct local_gone *)t->arg[0];
	uint32_t *va = kmap_local_page(g->p);

	g->va = (uint32_t)va;
	if (va) {
		page_fill(va, g->p, SALT);
		if (g->unmap)
			kunmap_local(va);
	}
	g->mapped = 1;
	while (!g->go)
		sys_yield();
	if (va)
		g->faulted = (uint32_t)probe_at(t, (uint32_t)va, &g->value);
	if (va && !g->unmap) // the mapping memsrv emptied: still ours to pop
		g->unmapped = kunmap_local(va) == E_OK;
}

// A page its thread unmapped (unmap), or still holds, is freed by the main
// thread: its slot shows nothing afterwards.
static const char *local_free(int unmap)
{
	struct local_gone g = { .unmap = unmap };
	struct tthread *t;
	uint32_t ep;
	int err;

	OK(t_alloc(0, 0, &g.p));
	OK(t_create(CAP_ENDPOINT, 0, &ep));
	t = tt_run(unmapper, ep, (uint32_t)&g, 0, &err);
	CHECK(t, "thread: %s", hmk_strerror(err));
	CHECK(wait_word(&g.mapped, 1), "helper never mapped");
	CHECK(g.va, "helper's kmap_local failed");
	// Freed at once (memsrv cannot know whether a kmap_local is still in
	// use: kunmap_local is no request); then its old address shows nothing.
	OK(t_free(g.p, 0));
	g.go = 1;
	TRY(serve_probes(ep, t, NULL));
	CHECK(g.faulted, "after %sfree, 0x%x still reads 0x%x", unmap ? "kunmap_local and " : "",
	      g.va, g.value);
	CHECK(unmap || g.unmapped, "kunmap_local of the emptied mapping failed");
	OK(tt_kill(t));
	return NULL;
}

static const char *test_local_unmap_free(void)
{
	return local_free(1);
}

static const char *test_local_held_free(void)
{
	return local_free(0);
}

// --- a thread dies with mappings open ---------------------------------------
static void holder(struct tthread *t)
{
	page_t p = t->arg[0];

	t->out[0] = kmap_local_page(p) != NULL;
	t->out[1] = kmap_local_page(p + 1) != NULL;
	t->out[2] = kmap_atomic(p + 1) != NULL; // pinned from here: no yield
	t->out[3] = 1;
	thread_exit(); // suspends itself with three mappings; the stop ends the pin
}

static const char *test_thread_dies_mapped(void)
{
	struct highmem_stats st;
	struct tthread *t;
	page_t p;
	int err;

	OK(t_alloc(1, 0, &p));
	t = tt_run(holder, 0, p, 0, &err);
	CHECK(t, "thread: %s", hmk_strerror(err));
	CHECK(wait_word(&t->out[3], 1), "helper never mapped");
	CHECK(t->out[0] && t->out[1] && t->out[2], "helper's mappings failed");
	// Stopped, it is no longer pinned: memsrv took its kmap_atomic back (a
	// kmap_atomic lives only while pinned); its kmap_local ones stay.
	OK(stats(&st));
	CHECK(st.kmap_local == 2 && st.kmap_atomic == 0, "stats local %u atomic %u", st.kmap_local,
	      st.kmap_atomic);
	OK(tt_kill(t));
	OK(stats(&st));
	CHECK(st.kmap_local == 0 && st.kmap_atomic == 0, "after its death: local %u atomic %u",
	      st.kmap_local, st.kmap_atomic);
	OK(t_free(p, 1));
	return NULL;
}

const struct test local_tests[] = {
	{ test_local_nesting, "kmap_local: 16 nested, E_NOSLOT, E_ORDER, E_INVAL, E_PERM" },
	{ test_atomic_nesting, "kmap_atomic: 16 nested and pinned, E_NOSLOT, E_ORDER, own stack" },
	{ test_local_private, "a sibling faults on another thread's kmap_local address" },
	{ test_local_unmap_free, "kunmap_local, free: the old address faults" },
	{ test_local_held_free,
	  "free of a page a thread holds in kmap_local: E_OK, the slot faults" },
	{ test_thread_dies_mapped,
	  "a thread dies with kmap_local and kmap_atomic open: reclaimed" },
	{ 0, 0 },
};
