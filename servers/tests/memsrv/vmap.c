// vmap: scattered pages side by side (runs over several messages), a guard
// page after each, read-only and uncached mappings, MS_VMAP_MORE by hand,
// an area that fills up, and every error.
#include "mstests.h"

#define SALT 0x7a9a0000u
#define VMAP_END (MEMSRV_VMAP_BASE + MEMSRV_VMAP_SIZE)
#define AREA_PAGES (MEMSRV_VMAP_SIZE / PAGE_SIZE)

static int in_area(const void *va)
{
	uint32_t a = (uint32_t)va;

	return a >= MEMSRV_VMAP_BASE && a < VMAP_END && !(a & (PAGE_SIZE - 1));
}

// Word 0 of each page of list[0..n) through kmap_local.
static const char *mark(const page_t *list, uint32_t n, uint32_t salt)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t *va = kmap_local_page(list[i]);

		CHECK(va, "kmap_local of pfn 0x%x: %s", list[i], hmk_strerror(highmem_errno));
		va[0] = page_word(list[i], 0, salt);
		OK(kunmap_local(va));
	}
	return NULL;
}

static page_t list[1200];

static const char *test_vmap_scattered(void)
{
	struct highmem_stats st;
	uint32_t *v;
	page_t p;

	OK(t_alloc(9, MS_ALLOC_HIGH, &p));
	// Every other page, backwards: 200 runs of one, seven messages.
	for (uint32_t i = 0; i < 200; i++)
		list[i] = p + 2 * (199 - i);
	TRY(mark(list, 200, SALT));
	CHECK(v = t_vmap(list, 200, PROT_READ | PROT_WRITE), "vmap: %s",
	      hmk_strerror(highmem_errno));
	CHECK(in_area(v), "vmap at %p", v);
	OK(stats(&st));
	CHECK(st.vmap == 1, "stats vmap %u", st.vmap);
	for (uint32_t i = 0; i < 200; i++) {
		volatile uint32_t *w = v + i * (PAGE_SIZE / 4);

		CHECK(w[0] == page_word(list[i], 0, SALT),
		      "page %u (pfn 0x%x) of the vmap reads 0x%x", i, list[i], w[0]);
		w[1] = page_word(list[i], 1, SALT);
	}
	for (uint32_t i = 0; i < 200; i += 13) {
		uint32_t got;

		OK(memcpy_from_page(&got, list[i], 4, 4));
		CHECK(got == page_word(list[i], 1, SALT),
		      "pfn 0x%x written through vmap reads 0x%x", list[i], got);
	}
	OK(t_vunmap(v));
	OK(stats(&st));
	CHECK(st.vmap == 0, "stats vmap %u after vunmap", st.vmap);
	return NULL;
}

static const char *test_vmap_guard(void)
{
	static uint32_t addrs[8], vals[8];
	static uint8_t faulted[8];
	uint8_t *a, *b;
	page_t p;

	OK(t_alloc(2, 0, &p));
	for (uint32_t i = 0; i < 4; i++)
		list[i] = p + i;
	TRY(mark(list, 4, SALT));
	CHECK(a = t_vmap(list, 3, PROT_READ | PROT_WRITE), "vmap: %s", hmk_strerror(highmem_errno));
	CHECK(b = t_vmap(list + 3, 1, PROT_READ), "vmap: %s", hmk_strerror(highmem_errno));
	CHECK(b < a || b >= a + 4 * PAGE_SIZE, "a vmap at %p in the guard page of the one at %p", b,
	      a);
	for (uint32_t i = 0; i < 4; i++)
		addrs[i] = (uint32_t)a + i * PAGE_SIZE;
	addrs[4] = (uint32_t)b;
	addrs[5] = (uint32_t)b + PAGE_SIZE;
	TRY(probe_reads(addrs, 6, vals, faulted));
	for (uint32_t i = 0; i < 3; i++)
		CHECK(!faulted[i] && vals[i] == page_word(p + i, 0, SALT),
		      "page %u of the vmap: %s", i, faulted[i] ? "faults" : "another page");
	CHECK(faulted[3], "the guard page after a vmap reads 0x%x", vals[3]);
	CHECK(!faulted[4] && vals[4] == page_word(p + 3, 0, SALT), "the second vmap is wrong");
	CHECK(faulted[5], "the guard page after the second vmap reads 0x%x", vals[5]);
	// Unmapped, our own pages may still read there (a lazy vunmap) until
	// they leave us: freed (MS_FREE's general path), they are gone from it.
	OK(t_vunmap(a));
	OK(t_vunmap(b));
	OK(t_free(p, 2));
	addrs[3] = (uint32_t)b;
	TRY(probe_reads(addrs, 4, vals, faulted));
	for (uint32_t i = 0; i < 4; i++)
		CHECK(faulted[i], "page %u of a vmap, vunmapped, then freed, still reads 0x%x", i,
		      vals[i]);
	return NULL;
}

// A lazy vunmap leaves the page mapped, stale, until it leaves us: once
// freed by MS_FREE's fast path (one page), the old address faults, also
// after the page is given out again.
static const char *test_vmap_lazy(void)
{
	struct highmem_stats st;
	uint32_t addr, val;
	uint8_t faulted;
	uint32_t *v;
	page_t p, q;

	OK(t_alloc(0, 0, &p));
	TRY(mark(&p, 1, SALT));
	CHECK(v = t_vmap(&p, 1, PROT_READ | PROT_WRITE), "vmap: %s", hmk_strerror(highmem_errno));
	CHECK(v[0] == page_word(p, 0, SALT), "the vmap reads 0x%x", v[0]);
	OK(t_vunmap(v));
	OK(stats(&st)); // so that memsrv takes the free in its fast path (not vunmap's)
	OK(t_free(p, 0));
	addr = (uint32_t)v;
	TRY(probe_reads(&addr, 1, &val, &faulted));
	CHECK(faulted, "a page vunmapped, then freed, reads 0x%x at its old vmap address", val);
	OK(t_alloc(0, 0, &q));
	TRY(probe_reads(&addr, 1, &val, &faulted));
	CHECK(faulted, "pfn 0x%x (0x%x before), allocated again, reads 0x%x at an old vmap address",
	      q, p, val);
	return NULL;
}

// Stale slots on both sides of a live vmap: the purge (a free) empties
// them and leaves the live one mapped.
static const char *test_vmap_purge(void)
{
	uint32_t addrs[3], vals[3];
	uint8_t faulted[3];
	uint32_t *a, *b, *c;
	page_t p, x;

	OK(t_alloc(2, 0, &p));
	OK(t_alloc(0, 0, &x));
	for (uint32_t i = 0; i < 3; i++)
		list[i] = p + i;
	TRY(mark(list, 3, SALT));
	CHECK((a = t_vmap(&list[0], 1, PROT_READ)) && (b = t_vmap(&list[1], 1, PROT_READ)) &&
		      (c = t_vmap(&list[2], 1, PROT_READ)),
	      "vmap: %s", hmk_strerror(highmem_errno));
	CHECK(a < b && b < c, "vmaps at %p, %p, %p: not in turn", a, b, c);
	OK(t_vunmap(a));
	OK(t_vunmap(c));
	OK(t_free(x, 0));
	addrs[0] = (uint32_t)a, addrs[1] = (uint32_t)b, addrs[2] = (uint32_t)c;
	TRY(probe_reads(addrs, 3, vals, faulted));
	CHECK(faulted[0] && faulted[2], "stale vmaps read after the purge: %s %s",
	      faulted[0] ? "" : "the first", faulted[2] ? "" : "the last");
	CHECK(!faulted[1] && vals[1] == page_word(p + 1, 0, SALT),
	      "the live vmap between stale ones %s after the purge",
	      faulted[1] ? "faults" : "reads another page");
	return NULL;
}

// A store through a read-only vmap is a permission fault; uncached works.
static void writer(struct tthread *t)
{
	t->out[0] = (uint32_t)probe_store_at(t, t->arg[0], 0xbad);
	t->out[1] = t->out[PROBE_DFSR];
}

static const char *test_vmap_prot(void)
{
	volatile uint32_t *ro, *nc;
	struct tthread *t;
	uint32_t ep, got;
	page_t p;
	int err;

	OK(t_alloc(0, 0, &p));
	list[0] = p;
	TRY(mark(list, 1, SALT));
	CHECK(ro = t_vmap(&p, 1, PROT_READ), "vmap: %s", hmk_strerror(highmem_errno));
	CHECK(ro[0] == page_word(p, 0, SALT), "read-only vmap reads 0x%x", ro[0]);
	OK(t_create(CAP_ENDPOINT, 0, &ep));
	t = tt_run(writer, ep, (uint32_t)ro, 0, &err);
	CHECK(t, "thread: %s", hmk_strerror(err));
	TRY(serve_probes(ep, t, NULL));
	CHECK(t->out[0] == 1 && DFSR_PERMISSION(t->out[1]) && (t->out[1] & (1u << 11)),
	      "store to a read-only vmap: %s, DFSR 0x%x", t->out[0] ? "faulted" : "went through",
	      t->out[1]);
	CHECK(ro[0] == page_word(p, 0, SALT), "the page changed: 0x%x", ro[0]);
	CHECK(nc = t_vmap(&p, 1, PROT_READ | PROT_WRITE | PROT_NOCACHE), "uncached vmap: %s",
	      hmk_strerror(highmem_errno));
	nc[9] = 0x600dcafe;
	OK(memcpy_from_page(&got, p, 36, 4));
	CHECK(got == 0x600dcafe && nc[0] == ro[0], "uncached vmap: 0x%x", got);
	return NULL;
}

static const char *test_vmap_errors(void)
{
	uint32_t w[6];
	struct msg r;
	page_t p, gone;

	OK(t_alloc(1, 0, &p));
	OK(alloc_page(0, &gone));
	OK(__free_page(gone));
	list[0] = p;
	list[1] = gone;
	EXPECT_NULL(vmap(list, 1, PROT_READ | PROT_EXEC), E_PERM);
	EXPECT_NULL(vmap(list, 1, 0), E_INVAL);
	EXPECT_NULL(vmap(list, 1, PROT_NOCACHE), E_INVAL);
	EXPECT_NULL(vmap(list, 1, PROT_READ | 0x10), E_INVAL);
	EXPECT_NULL(vmap(list, 0, PROT_READ), E_INVAL);
	EXPECT_NULL(vmap(list, 2, PROT_READ), E_PERM); // a page nobody owns
	// Raw: malformed messages.
	w[0] = 0, w[1] = PROT_READ, w[2] = p, w[3] = 1;
	EXPECT(ms_call(SLOT_MEMSRV, MS_VMAP, w, 4, 0, 0, &r), E_INVAL); // n = 0
	w[0] = 1;
	EXPECT(ms_call(SLOT_MEMSRV, MS_VMAP, w, 3, 0, 0, &r), E_INVAL); // half a run
	EXPECT(ms_call(SLOT_MEMSRV, MS_VMAP, w, 1, 0, 0, &r), E_INVAL);
	w[3] = 2;
	EXPECT(ms_call(SLOT_MEMSRV, MS_VMAP, w, 4, 0, 0, &r), E_INVAL); // more than n
	w[3] = 0;
	EXPECT(ms_call(SLOT_MEMSRV, MS_VMAP, w, 4, 0, 0, &r), E_INVAL); // an empty run
	w[0] = AREA_PAGES, w[3] = 1;
	EXPECT(ms_call(SLOT_MEMSRV, MS_VMAP, w, 4, 0, 0, &r), E_NOMEM); // larger than the area
	w[0] = 0x3800000;
	w[2] = 0x10;
	EXPECT(ms_call(SLOT_MEMSRV, MS_VMAP, w, 4, 0, 0, &r), E_NOMEM);
	w[0] = MEMSRV_VMAP_BASE, w[1] = p, w[2] = 1;
	EXPECT(ms_call(SLOT_MEMSRV, MS_VMAP_MORE, w, 3, 0, 0, &r), E_INVAL); // none being built
	EXPECT(vunmap((void *)MEMSRV_VMAP_BASE), E_INVAL);
	EXPECT(vunmap(NULL), E_INVAL);
	EXPECT(ms_call(SLOT_MEMSRV, MS_VUNMAP, w, 0, 0, 0, &r), E_INVAL);
	// Nothing of that changed anything.
	uint8_t *v = t_vmap(list, 1, PROT_READ);
	CHECK(v && in_area(v), "vmap after the errors: %s", hmk_strerror(highmem_errno));
	EXPECT(vunmap(v + PAGE_SIZE), E_INVAL);
	OK(t_vunmap(v));
	EXPECT(vunmap(v), E_INVAL);
	return NULL;
}

// MS_VMAP with fewer pages than it announces, then MS_VMAP_MORE.
static const char *test_vmap_more(void)
{
	uint32_t w[8], va;
	struct msg r;
	page_t p;

	OK(t_alloc(4, 0, &p));
	for (uint32_t i = 0; i < 10; i++)
		list[i] = p + i;
	TRY(mark(list, 10, SALT));
	w[0] = 10, w[1] = PROT_READ, w[2] = p, w[3] = 4;
	OK(ms_call(SLOT_MEMSRV, MS_VMAP, w, 4, 0, 0, &r));
	va = r.mr[0];
	CHECK(in_area((void *)va) && r.mr[1] == 4, "MS_VMAP: va 0x%x, %u mapped", va, r.mr[1]);
	undo_vunmap(va);
	w[0] = va, w[1] = p + 4, w[2] = 7;
	EXPECT(ms_call(SLOT_MEMSRV, MS_VMAP_MORE, w, 3, 0, 0, &r), E_INVAL); // past n
	w[2] = 2;
	EXPECT(ms_call(SLOT_MEMSRV, MS_VMAP_MORE, w, 2, 0, 0, &r), E_INVAL); // half a run
	w[3] = p + 6, w[4] = 4;
	OK(ms_call(SLOT_MEMSRV, MS_VMAP_MORE, w, 5, 0, 0, &r));
	CHECK(r.mr[0] == va && r.mr[1] == 10, "MS_VMAP_MORE: va 0x%x, %u mapped", r.mr[0], r.mr[1]);
	w[1] = p, w[2] = 1;
	EXPECT(ms_call(SLOT_MEMSRV, MS_VMAP_MORE, w, 3, 0, 0, &r), E_INVAL); // complete
	for (uint32_t i = 0; i < 10; i++)
		CHECK(*(volatile uint32_t *)(va + i * PAGE_SIZE) == page_word(p + i, 0, SALT),
		      "page %u of the vmap is wrong", i);
	OK(t_vunmap((void *)va));
	return NULL;
}

// The area: a vmap across windows, then one that no longer fits.
static const char *test_vmap_area(void)
{
	enum { BLOCKS = 20, BIG = BLOCKS << MEMSRV_MAX_ORDER };
	static page_t big[BIG];
	page_t blk[BLOCKS];
	uint32_t *a, *b;

	for (uint32_t i = 0; i < BLOCKS; i++) {
		OK(t_alloc(MEMSRV_MAX_ORDER, i & 1 ? MS_ALLOC_HIGH : 0, &blk[i]));
		for (uint32_t k = 0; k < 1u << MEMSRV_MAX_ORDER; k++)
			big[(i << MEMSRV_MAX_ORDER) + k] = blk[i] + k;
	}
	CHECK(a = t_vmap(big, BIG, PROT_READ | PROT_WRITE), "vmap of %u pages: %s", BIG,
	      hmk_strerror(highmem_errno));
	for (uint32_t i = 0; i < BIG; i++)
		a[i * (PAGE_SIZE / 4) + (i & 1023)] = page_word(big[i], 0, SALT);
	// No room for as much again, nor for what is left plus its guard.
	EXPECT_NULL(vmap(big, BIG / 2, PROT_READ), E_NOMEM);
	EXPECT_NULL(vmap(big, AREA_PAGES - BIG - 1, PROT_READ), E_NOMEM);
	// What fits, fits: the same frames a second time, read there.
	CHECK(b = t_vmap(big, AREA_PAGES - BIG - 2, PROT_READ), "vmap of the rest: %s",
	      hmk_strerror(highmem_errno));
	for (uint32_t i = 0; i < AREA_PAGES - BIG - 2; i++)
		CHECK(b[i * (PAGE_SIZE / 4) + (i & 1023)] == page_word(big[i], 0, SALT),
		      "page %u reads wrong through the second vmap", i);
	OK(t_vunmap(a));
	OK(t_vunmap(b));
	return NULL;
}

const struct test vmap_tests[] = {
	{ test_vmap_scattered, "vmap of 200 scattered pages (seven messages), both ways" },
	{ test_vmap_guard, "vmap: a guard page after each; vunmap, then free, leaves nothing" },
	{ test_vmap_lazy, "vmap: a lazy vunmap's page, freed, is gone from the old address" },
	{ test_vmap_purge, "vmap: the purge empties stale slots around a live vmap" },
	{ test_vmap_prot, "vmap read-only (a store faults) and uncached" },
	{ test_vmap_errors, "vmap errors: E_PERM, E_INVAL, E_NOMEM" },
	{ test_vmap_more, "MS_VMAP_MORE completes a vmap; its errors" },
	{ test_vmap_area, "vmap area: 20480 pages across windows, then E_NOMEM" },
	{ 0, 0 },
};
