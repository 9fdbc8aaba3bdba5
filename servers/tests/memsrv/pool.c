// kmap: the program's pool of 512 slots, kept by the library. The same
// page gives the same address, counted; every thread of the client sees
// it; memsrv maps only the slot the library names and empties the slots it
// is told to; the pool runs full, a caller then waits (its reply deferred)
// until a slot frees, or gets E_DEADLK when no slot ever could, or E_BUSY
// when it holds kmap_atomic; after a page is freed, referenced or not, and
// after the pool wraps, no old address shows a page any more.
#include "mstests.h"

#define POOL_END (MEMSRV_POOL_VA + KMAP_POOL_SLOTS * PAGE_SIZE)
#define SALT 0x9001c000u

static int in_pool(const void *va)
{
	uint32_t a = (uint32_t)va;

	return a >= MEMSRV_POOL_VA && a < POOL_END && !(a & (PAGE_SIZE - 1));
}

// Writes word 0 of pages [p, p + n) through kmap_local.
static const char *mark(page_t p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t *va = kmap_local_page(p + i);

		CHECK(va, "kmap_local of pfn 0x%x: %s", p + i, hmk_strerror(highmem_errno));
		va[0] = page_word(p + i, 0, SALT);
		OK(kunmap_local(va));
	}
	return NULL;
}

static const char *test_kmap_counted(void)
{
	struct highmem_stats st;
	struct msg r;
	page_t p, gone;
	uint32_t *a, *b, v = 0;
	const char *why;
	int f;

	OK(t_alloc(0, 0, &p));
	TRY(mark(p, 1));
	OK(kmap_flush());
	OK(stats(&st));
	CHECK(!st.kmap && !st.kmap_slots, "after kmap_flush: %u references, %u slots", st.kmap,
	      st.kmap_slots);
	CHECK(a = t_kmap(p), "kmap: %s", hmk_strerror(highmem_errno));
	CHECK(b = t_kmap(p), "kmap again: %s", hmk_strerror(highmem_errno));
	CHECK(a == b && in_pool(a), "kmap of one page at %p and %p", a, b);
	CHECK(a[0] == page_word(p, 0, SALT), "kmap shows 0x%x", a[0]);
	OK(stats(&st));
	CHECK(st.kmap == 2 && st.kmap_slots == 1, "stats: %u references in %u slots", st.kmap,
	      st.kmap_slots);
	// Every thread of ours sees it (the pool is bound to the space).
	f = probe_faults((uint32_t)a, &v, &why);
	if (f < 0)
		return why;
	CHECK(f == 0 && v == page_word(p, 0, SALT), "a sibling %s at %p",
	      f ? "faults" : "reads wrong", a);
	OK(t_kunmap(p));
	CHECK(a[0] == page_word(p, 0, SALT), "still counted once, yet gone");
	OK(t_kunmap(p));
	EXPECT(kunmap(p), E_INVAL);
	// Unreferenced, the slot stays (stale) and the page is found there again.
	OK(stats(&st));
	CHECK(!st.kmap && st.kmap_slots == 1, "stats: %u references in %u slots", st.kmap,
	      st.kmap_slots);
	CHECK(b = t_kmap(p), "kmap of a stale page: %s", hmk_strerror(highmem_errno));
	CHECK(a == b, "kmap of a stale page at %p, not %p", b, a);
	OK(t_kunmap(p));
	OK(alloc_page(0, &gone));
	OK(__free_page(gone));
	EXPECT(kunmap(gone), E_INVAL);
	EXPECT_NULL(kmap(gone), E_PERM);
	EXPECT_NULL(kmap(0x10), E_PERM);
	EXPECT(ms_call2(SLOT_MEMSRV, MS_KMAP, 0, 0, 0, &r), E_INVAL);
	EXPECT(ms_call2(SLOT_MEMSRV, MS_KMAP, 1, p, 0, &r), E_INVAL);
	EXPECT(ms_call2(SLOT_MEMSRV, MS_KMAP, 2, p, MS_KMAP_WAIT + 1, &r), E_INVAL);
	EXPECT(ms_call2(SLOT_MEMSRV, MS_KMAP, 2, gone, 3, &r), E_PERM);
	EXPECT(ms_call2(SLOT_MEMSRV, MS_KUNMAP, 0, 0, 0, &r), E_INVAL);
	return NULL;
}

// memsrv maps the slot it is told, whatever the library thinks, and
// empties the slots it is told: the library's affair, within its limit.
static const char *test_kmap_raw(void)
{
	uint32_t w[1 + KMAP_POOL_SLOTS / 32] = { 0 }, last = KMAP_POOL_SLOTS - 1, v = 0;
	uint32_t va = MEMSRV_POOL_VA + last * PAGE_SIZE;
	struct highmem_stats st;
	const char *why;
	struct msg r;
	page_t p;
	int f;

	OK(t_alloc(1, 0, &p));
	TRY(mark(p, 2));
	CHECK(t_kmap(p), "kmap: %s", hmk_strerror(highmem_errno));
	OK(t_kunmap(p));  // a slot freed: the library's count of them is not 0
	OK(kmap_flush()); // tells memsrv that count; slot 511 is empty for both
	// Waiting for a slot: a count older than memsrv's says a slot freed
	// since (try again at once); else, our only thread waiting, E_DEADLK.
	OK(ms_call2(SLOT_MEMSRV, MS_KMAP, 2, 0, MS_KMAP_WAIT, &r));
	EXPECT(ms_call2(SLOT_MEMSRV, MS_KMAP, 2, 0x40000000, MS_KMAP_WAIT, &r), E_DEADLK);
	OK(ms_call2(SLOT_MEMSRV, MS_KMAP, 2, p, last, &r));
	CHECK(r.mr[0] == va, "MS_KMAP into slot %u answered 0x%x", last, r.mr[0]);
	CHECK(*(volatile uint32_t *)va == page_word(p, 0, SALT), "slot %u shows 0x%x", last,
	      *(volatile uint32_t *)va);
	OK(ms_call2(SLOT_MEMSRV, MS_KMAP, 2, p + 1, last, &r)); // what it held goes
	CHECK(*(volatile uint32_t *)va == page_word(p + 1, 0, SALT), "slot %u shows 0x%x", last,
	      *(volatile uint32_t *)va);
	OK(stats(&st));
	CHECK(!st.kmap && st.kmap_slots == 1, "stats: %u references in %u slots", st.kmap,
	      st.kmap_slots);
	w[KMAP_POOL_SLOTS / 32] = 1u << 31;
	OK(ms_call(SLOT_MEMSRV, MS_KUNMAP, w, 1 + KMAP_POOL_SLOTS / 32, 0, 0, &r));
	OK(stats(&st));
	CHECK(!st.kmap_slots, "%u slots after MS_KUNMAP of the only one", st.kmap_slots);
	f = probe_faults(va, &v, &why);
	if (f < 0)
		return why;
	CHECK(f == 1, "slot %u emptied, yet it reads 0x%x", last, v);
	return NULL;
}

// kmap of n pages from p (n distinct addresses, all in the pool).
static const char *fill(page_t p, uint32_t n, void **va)
{
	for (uint32_t i = 0; i < n; i++) {
		va[i] = t_kmap(p + i);
		CHECK(va[i], "kmap %u of pfn 0x%x: %s", i, p + i, hmk_strerror(highmem_errno));
		CHECK(in_pool(va[i]), "kmap %u at %p", i, va[i]);
	}
	return NULL;
}

static void *va_all[KMAP_POOL_SLOTS];

static const char *test_pool_full(void)
{
	static uint8_t seen[KMAP_POOL_SLOTS];
	struct highmem_stats st;
	page_t p;
	void *va;

	OK(t_alloc(MEMSRV_MAX_ORDER, 0, &p));
	TRY(mark(p, KMAP_POOL_SLOTS + 1));
	TRY(fill(p, KMAP_POOL_SLOTS, va_all));
	for (uint32_t i = 0; i < KMAP_POOL_SLOTS; i++)
		seen[i] = 0;
	for (uint32_t i = 0; i < KMAP_POOL_SLOTS; i++) {
		uint32_t s = ((uint32_t)va_all[i] - MEMSRV_POOL_VA) / PAGE_SIZE;

		CHECK(!seen[s]++, "two pages in pool slot %u", s);
		CHECK(*(volatile uint32_t *)va_all[i] == page_word(p + i, 0, SALT),
		      "pool slot %u shows another page", s);
	}
	OK(stats(&st));
	CHECK(st.kmap == KMAP_POOL_SLOTS, "stats kmap %u", st.kmap);
	// The only thread of the client holds every slot: waiting would
	// never end.
	EXPECT_NULL(kmap(p + KMAP_POOL_SLOTS), E_DEADLK);
	// A page mapped already needs no new slot.
	CHECK(va = t_kmap(p + 7), "kmap of a mapped page in a full pool: %s",
	      hmk_strerror(highmem_errno));
	CHECK(va == va_all[7], "at %p, not %p", va, va_all[7]);
	OK(t_kunmap(p + 7));
	// kmap_atomic held: a kmap that would wait is refused.
	void *at = kmap_atomic(p + 900);
	CHECK(at, "kmap_atomic: %s", hmk_strerror(highmem_errno));
	void *busy = kmap(p + KMAP_POOL_SLOTS + 1);
	int busy_err = highmem_errno;
	OK(kunmap_atomic(at));
	CHECK(!busy && busy_err == E_BUSY, "kmap while atomic in a full pool: %p (%s)", busy,
	      hmk_strerror(busy_err));
	// One slot frees: the next kmap gets it.
	OK(t_kunmap(p + 100));
	CHECK(va = t_kmap(p + KMAP_POOL_SLOTS), "kmap after a kunmap: %s",
	      hmk_strerror(highmem_errno));
	CHECK(in_pool(va) && *(volatile uint32_t *)va == page_word(p + KMAP_POOL_SLOTS, 0, SALT),
	      "the new kmap at %p shows another page", va);
	return NULL;
}

// --- waiting for a slot ------------------------------------------------------
// Registers, waits for the go, then kmaps arg[0] (which may wait).
static void waiter(struct tthread *t)
{
	struct highmem_stats st;
	page_t p = t->arg[0];
	uint32_t *va;

	t->rc = highmem_stats(&st);
	t->out[0] = 1;
	while (!t->out[1])
		sys_yield();
	va = kmap(p);
	t->out[2] = (uint32_t)va;
	t->out[3] = va ? E_OK : (uint32_t)highmem_errno;
	if (va) {
		t->out[4] = va[0] == page_word(p, 0, SALT);
		kunmap(p);
	}
	t->out[5] = 1;
}

static const char *test_pool_wait(void)
{
	struct tthread *t;
	page_t p;
	int err;

	OK(t_alloc(MEMSRV_MAX_ORDER, 0, &p));
	TRY(mark(p, KMAP_POOL_SLOTS + 1));
	t = tt_run(waiter, 0, p + KMAP_POOL_SLOTS, 0, &err);
	CHECK(t, "thread: %s", hmk_strerror(err));
	CHECK(wait_word(&t->out[0], 1), "helper never registered");
	OK(t->rc);
	TRY(fill(p, KMAP_POOL_SLOTS, va_all));
	t->out[1] = 1;
	for (int i = 0; i < 100; i++)
		sys_yield();
	CHECK(!t->out[5], "kmap in a full pool returned (%p, %s) without waiting",
	      (void *)t->out[2], hmk_strerror((int)t->out[3]));
	CHECK(thread_state(t->slot) == TS_BLOCKED, "waiting helper in state %u",
	      thread_state(t->slot));
	// A slot frees: memsrv answers the deferred call.
	OK(t_kunmap(p + 200));
	CHECK(wait_word(&t->out[5], 1), "helper still waits after a slot freed");
	CHECK(t->out[2] && !t->out[3], "the waiting kmap got %s", hmk_strerror((int)t->out[3]));
	CHECK(in_pool((void *)t->out[2]) && t->out[4],
	      "the waiting kmap at 0x%x shows another page", t->out[2]);
	OK(tt_kill(t));
	return NULL;
}

static const char *test_pool_deadlock(void)
{
	struct tthread *t;
	page_t p;
	int err;

	OK(t_alloc(MEMSRV_MAX_ORDER, 0, &p));
	t = tt_run(waiter, 0, p + 1000, 0, &err);
	CHECK(t, "thread: %s", hmk_strerror(err));
	CHECK(wait_word(&t->out[0], 1), "helper never registered");
	// We hold the whole pool; the helper waits for a slot; we ask too:
	// every holder of a slot would be waiting, so both get E_DEADLK.
	TRY(fill(p, KMAP_POOL_SLOTS, va_all));
	t->out[1] = 1;
	for (int i = 0; i < 100; i++)
		sys_yield();
	CHECK(!t->out[5], "helper's kmap returned at once (%s)", hmk_strerror((int)t->out[3]));
	EXPECT_NULL(kmap(p + 1001), E_DEADLK);
	CHECK(wait_word(&t->out[5], 1), "the waiting helper was not answered");
	EXPECT((int)t->out[3], E_DEADLK);
	OK(tt_kill(t));
	// And the pool serves again once slots free.
	OK(t_kunmap(p + 3));
	CHECK(t_kmap(p + 1002), "kmap after the deadlock: %s", hmk_strerror(highmem_errno));
	return NULL;
}

// --- no page behind an old address once it left us ----------------------------
static const char *test_pool_freed(void)
{
	uint32_t *a, *b, *c, v = 0, *w;
	page_t p, q, g;
	const char *why;
	int f;

	OK(kmap_flush()); // a new turn: no slot is handed out twice in this test
	OK(t_alloc(0, 0, &p));
	OK(t_alloc(0, 0, &q));
	CHECK(a = kmap(p), "kmap: %s", hmk_strerror(highmem_errno));
	a[0] = page_word(p, 0, SALT);
	OK(kunmap(p));
	CHECK(b = kmap(q), "kmap: %s", hmk_strerror(highmem_errno));
	// Unreferenced (a stale slot) when freed.
	OK(t_free(p, 0));
	f = probe_faults((uint32_t)a, &v, &why);
	if (f < 0)
		return why;
	CHECK(f == 1, "pfn 0x%x freed, yet %p still reads 0x%x", p, a, v);
	// Still referenced when freed (a use after free): the free goes
	// through all the same, and the address faults.
	OK(t_free(q, 0));
	f = probe_faults((uint32_t)b, &v, &why);
	if (f < 0)
		return why;
	CHECK(f == 1, "pfn 0x%x freed while kmapped, yet %p still reads 0x%x", q, b, v);
	EXPECT(kunmap(q), E_INVAL); // the library forgot it with the free
	// One of them given back to us (the lowest free page), with new
	// contents: a kmap of it shows them; neither old address shows it.
	OK(t_alloc(0, 0, &g));
	CHECK(g == p || g == q, "given pfn 0x%x, not one of those just freed (0x%x, 0x%x)", g, p,
	      q);
	CHECK(w = t_kmap_local(g), "kmap_local: %s", hmk_strerror(highmem_errno));
	w[0] = page_word(g, 0, SALT + 1);
	OK(t_kunmap_local(w));
	CHECK(c = t_kmap(g), "kmap: %s", hmk_strerror(highmem_errno));
	CHECK(c != a && c != b && c[0] == page_word(g, 0, SALT + 1),
	      "pfn 0x%x given back: kmap at %p (old %p, %p) reads 0x%x", g, c, a, b, c[0]);
	for (int i = 0; i < 2; i++) {
		f = probe_faults((uint32_t)(i ? b : a), &v, &why);
		if (f < 0)
			return why;
		CHECK(f == 1, "the freed pages' old address %p reads 0x%x", i ? b : a, v);
	}
	return NULL;
}

// Several CPUs: a kmap address read on CPU 1, which so caches it, then the
// page freed here (CPU 0) and given out again with new contents: on CPU 1
// the old address faults. A flush that reached only this CPU would leave
// CPU 1 reading the frame.
static const char *test_pool_freed_other_cpu(void)
{
	uint32_t *a, *w, addr, v = 0;
	uint8_t f = 0;
	page_t p, g;

	NEEDS_2_CPUS();
	OK(kmap_flush());
	OK(t_alloc(0, 0, &p));
	CHECK(a = kmap(p), "kmap: %s", hmk_strerror(highmem_errno));
	a[0] = page_word(p, 0, SALT + 2);
	addr = (uint32_t)a;
	TRY(probe_reads_on(1, &addr, 1, &v, &f));
	CHECK(!f && v == page_word(p, 0, SALT + 2), "CPU 1 at %p: %s 0x%x", a,
	      f ? "fault" : "reads", v);
	OK(kunmap(p));
	OK(t_free(p, 0));
	OK(t_alloc(0, 0, &g));
	CHECK(w = t_kmap_local(g), "kmap_local: %s", hmk_strerror(highmem_errno));
	w[0] = page_word(g, 0, SALT + 3);
	OK(t_kunmap_local(w));
	TRY(probe_reads_on(1, &addr, 1, &v, &f));
	CHECK(f, "pfn 0x%x freed, pfn 0x%x given out: CPU 1 still reads 0x%x at %p", p, g, v, a);
	return NULL;
}

static const char *test_pool_wrap(void)
{
	static uint32_t addrs[KMAP_POOL_SLOTS], vals[KMAP_POOL_SLOTS];
	static uint8_t faulted[KMAP_POOL_SLOTS];
	uint32_t readable = 0;
	page_t p;
	void *n;

	OK(t_alloc(MEMSRV_MAX_ORDER, 0, &p));
	TRY(mark(p, KMAP_POOL_SLOTS + 1));
	TRY(fill(p, KMAP_POOL_SLOTS, va_all));
	for (uint32_t i = 0; i < KMAP_POOL_SLOTS; i++)
		OK(t_kunmap(p + i));
	// Every slot is unreferenced; the next kmap wraps the cursor, which
	// clears them all at once.
	CHECK(n = t_kmap(p + KMAP_POOL_SLOTS), "kmap: %s", hmk_strerror(highmem_errno));
	for (uint32_t i = 0; i < KMAP_POOL_SLOTS; i++)
		addrs[i] = MEMSRV_POOL_VA + i * PAGE_SIZE;
	TRY(probe_reads(addrs, KMAP_POOL_SLOTS, vals, faulted));
	for (uint32_t i = 0; i < KMAP_POOL_SLOTS; i++) {
		if (faulted[i])
			continue;
		readable++;
		CHECK(addrs[i] == (uint32_t)n, "after the wrap, pool slot %u still shows 0x%x", i,
		      vals[i]);
		CHECK(vals[i] == page_word(p + KMAP_POOL_SLOTS, 0, SALT),
		      "the live slot shows 0x%x", vals[i]);
	}
	CHECK(readable == 1, "%u pool slots readable, 1 mapping live", readable);
	return NULL;
}

const struct test pool_tests[] = {
	{ test_kmap_counted, "kmap: one address per page, counted, seen by siblings; errors" },
	{ test_kmap_raw, "MS_KMAP maps the slot named, waits by the library's count, MS_KUNMAP "
			 "empties the slots named" },
	{ test_pool_full, "kmap pool full: 512 slots, E_DEADLK alone, E_BUSY under kmap_atomic" },
	{ test_pool_wait, "kmap pool full: a second thread waits, a kunmap wakes it" },
	{ test_pool_deadlock, "kmap pool held by two waiting threads: E_DEADLK for both" },
	{ test_pool_freed, "kmap, free (referenced or not): the old address faults, also after "
			   "reuse" },
	{ test_pool_freed_other_cpu, "kmap read on CPU 1, page freed and reused on CPU 0: CPU 1 "
				     "faults at the old address" },
	{ test_pool_wrap, "kmap pool wrap: every stale slot cleared" },
	{ 0, 0 },
};
