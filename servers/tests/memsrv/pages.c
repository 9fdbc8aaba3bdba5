// Pages: alloc_pages of every order, zeroed and aligned, from the bottom and
// from the top; __free_pages and share_page with each of their errors; the
// copy helpers of linux/highmem.h.
#include <string.h>

#include "mstests.h"

// 1 when every word of the page at va is 0.
static int page_zero(const void *va)
{
	const volatile uint32_t *w = va;

	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
		if (w[i])
			return 0;
	return 1;
}

static const char *test_alloc_orders(void)
{
	struct highmem_stats st0, st;
	page_t blk[MEMSRV_MAX_ORDER + 1];

	OK(stats(&st0));
	for (unsigned o = 0; o <= MEMSRV_MAX_ORDER; o++) {
		OK(t_alloc(o, 0, &blk[o]));
		CHECK((blk[o] & ((1u << o) - 1)) == 0, "order %u block at pfn 0x%x", o, blk[o]);
		for (unsigned k = 0; k < o; k++)
			CHECK(blk[o] + (1u << o) <= blk[k] || blk[k] + (1u << k) <= blk[o],
			      "order %u block 0x%x overlaps order %u block 0x%x", o, blk[o], k,
			      blk[k]);
	}
	OK(stats(&st));
	CHECK(st.owned_pages == (2u << MEMSRV_MAX_ORDER) - 1, "owned %u", st.owned_pages);
	CHECK(st.free_pages + st.owned_pages == st0.free_pages &&
		      st.used_pages == st0.used_pages + st.owned_pages,
	      "free %u used %u, was %u/%u", st.free_pages, st.used_pages, st0.free_pages,
	      st0.used_pages);
	for (int o = MEMSRV_MAX_ORDER; o >= 0; o--)
		OK(t_free(blk[o], (unsigned)o));
	OK(stats(&st));
	CHECK(st.free_pages == st0.free_pages && !st.owned_pages, "free %u (was %u) owned %u",
	      st.free_pages, st0.free_pages, st.owned_pages);
	OK(alloc_page(0, &blk[0]));
	OK(__free_page(blk[0]));
	return NULL;
}

// Pages come zeroed, even when their last owner wrote them.
static const char *test_alloc_zeroed(void)
{
	page_t a, b;
	void *va;

	OK(t_alloc(2, 0, &a));
	for (uint32_t i = 0; i < 4; i++) {
		CHECK(va = t_kmap_local(a + i), "kmap_local: %s", hmk_strerror(highmem_errno));
		page_fill(va, a + i, 0xd1d1);
		OK(t_kunmap_local(va));
	}
	OK(t_free(a, 2));
	OK(t_alloc(2, 0, &b)); // the lowest free block: the same, most likely
	for (uint32_t i = 0; i < 4; i++) {
		CHECK(va = t_kmap_local(b + i), "kmap_local: %s", hmk_strerror(highmem_errno));
		int zero = page_zero(va);
		OK(t_kunmap_local(va));
		CHECK(zero, "pfn 0x%x not zeroed (%s the block just freed)", b + i,
		      a == b ? "" : "not");
	}
	return NULL;
}

static const char *test_alloc_high(void)
{
	struct highmem_stats st;
	page_t lo, hi;

	OK(t_alloc(0, 0, &lo));
	OK(t_alloc(0, MS_ALLOC_HIGH, &hi));
	OK(stats(&st));
	CHECK(hi > lo, "MS_ALLOC_HIGH gave pfn 0x%x, below the plain 0x%x", hi, lo);
	// RAM starts at 1 GiB: with more HIGHMEM than the 3 GiB up to 4 GiB
	// holds, some is above, and the top must be there.
	if (st.free_pages + st.used_pages > PFN_4G - 0x40000u)
		CHECK(hi >= PFN_4G, "MS_ALLOC_HIGH gave pfn 0x%x, below 4 GiB, with %u pages", hi,
		      st.free_pages + st.used_pages);
	return NULL;
}

static const char *test_alloc_errors(void)
{
	struct msg r;
	page_t p;

	EXPECT(alloc_pages(0, MEMSRV_MAX_ORDER + 1, &p), E_ORDER);
	EXPECT(alloc_pages(MS_ALLOC_HIGH, 31, &p), E_ORDER);
	EXPECT(alloc_pages(0, ~0u, &p), E_ORDER);
	EXPECT(alloc_pages(2, 0, &p), E_INVAL);
	EXPECT(alloc_pages(1u << 31, 0, &p), E_INVAL);
	EXPECT(ms_call2(SLOT_MEMSRV, MS_ALLOC, 0, 0, 0, &r), E_INVAL);
	// One word: order 0, no flags.
	OK(ms_call2(SLOT_MEMSRV, MS_ALLOC, 1, 0, 0, &r));
	OK(__free_pages(r.mr[0], 0));
	OK(t_alloc(MEMSRV_MAX_ORDER, 0, &p));
	return NULL;
}

static const char *test_free_errors(void)
{
	struct msg r;
	page_t blk, gone;

	OK(t_alloc(3, 0, &blk));
	OK(alloc_page(0, &gone));
	OK(__free_page(gone));
	EXPECT(__free_pages(0x10, 0), E_INVAL);   // not memsrv's at all
	EXPECT(__free_pages(gone, 0), E_INVAL);   // free already
	EXPECT(__free_pages(blk, 11), E_INVAL);   // no such order
	EXPECT(__free_pages(blk + 1, 0), E_PERM); // inside the block
	EXPECT(__free_pages(blk, 2), E_PERM);     // a smaller block
	EXPECT(__free_pages(blk, 4), E_PERM);     // a larger one
	EXPECT(ms_call2(SLOT_MEMSRV, MS_FREE, 1, blk, 0, &r), E_INVAL);
	OK(t_free(blk, 3));
	EXPECT(__free_pages(blk, 3), E_INVAL); // twice
	return NULL;
}

// A block is not freed while a page of it is vmapped. Its kmap_atomic and
// kmap mappings do not hold it (memsrv cannot know when they end): they are
// emptied.
static const char *test_free_busy(void)
{
	struct highmem_stats st;
	uint32_t *k, v = 0;
	const char *why;
	page_t blk;
	void *va;
	int f;

	OK(t_alloc(1, 0, &blk));
	CHECK(va = kmap_atomic(blk), "kmap_atomic: %s", hmk_strerror(highmem_errno));
	int freed = t_free(blk, 1);
	OK(kunmap_atomic(va));
	OK(freed);
	OK(stats(&st));
	CHECK(!st.kmap_atomic, "kmap_atomic %u after the free", st.kmap_atomic);
	OK(t_alloc(1, 0, &blk));
	CHECK(va = t_vmap(&blk, 1, PROT_READ), "vmap: %s", hmk_strerror(highmem_errno));
	EXPECT(__free_pages(blk, 1), E_BUSY);
	OK(t_vunmap(va));
	CHECK(k = kmap(blk + 1), "kmap: %s", hmk_strerror(highmem_errno));
	OK(t_free(blk, 1)); // referenced: the caller's own use after free
	f = probe_faults((uint32_t)k, &v, &why);
	if (f < 0)
		return why;
	CHECK(f == 1, "freed while kmapped, yet %p reads 0x%x", k, v);
	EXPECT(kunmap(blk + 1), E_INVAL); // gone with the free
	return NULL;
}

static const char *test_share_errors(void)
{
	page_t p, gone;
	struct msg r;
	uint32_t me = highmem_client_id();

	OK(t_alloc(0, 0, &p));
	OK(alloc_page(0, &gone));
	OK(__free_page(gone));
	EXPECT(share_page(gone, me), E_PERM); // nobody's
	EXPECT(share_page(0x10, me), E_PERM); // not memsrv's
	EXPECT(share_page(p, 0), E_INVAL);
	EXPECT(share_page(p, 0x7ffffff0), E_INVAL);
	EXPECT(ms_call2(SLOT_MEMSRV, MS_SHARE, 1, p, 0, &r), E_INVAL);
	OK(share_page(p, me)); // with itself: nothing to do
	return NULL;
}

static const char *test_copy_helpers(void)
{
	static const char text[] = "pages above 4 GiB, through memsrv";
	char buf[sizeof(text)];
	page_t p;

	OK(t_alloc(1, MS_ALLOC_HIGH, &p));
	OK(memcpy_to_page(p, PAGE_SIZE - sizeof(text), text, sizeof(text)));
	OK(copy_highpage(p + 1, p));
	memset(buf, 0, sizeof(buf));
	OK(memcpy_from_page(buf, p + 1, PAGE_SIZE - sizeof(text), sizeof(text)));
	CHECK(!memcmp(buf, text, sizeof(text)), "copy reads \"%s\"", buf);
	OK(memzero_page(p + 1, PAGE_SIZE - sizeof(text), 5));
	OK(memcpy_from_page(buf, p + 1, PAGE_SIZE - sizeof(text), sizeof(text)));
	CHECK(!buf[0] && !buf[4] && buf[5] == ' ' && buf[6] == 'a', "after memzero_page: \"%s\"",
	      buf + 5);
	EXPECT(memcpy_to_page(p, PAGE_SIZE - 4, text, 5), E_RANGE);
	EXPECT(memcpy_from_page(buf, p, PAGE_SIZE + 1, 0), E_RANGE);
	EXPECT(memzero_page(p, 0, PAGE_SIZE + 1), E_RANGE);
	EXPECT(copy_highpage(p, 0x10), E_PERM);
	return NULL;
}

const struct test pages_tests[] = {
	{ test_alloc_orders, "alloc_pages of orders 0..10: aligned, disjoint, counted, freed" },
	{ test_alloc_zeroed, "pages come zeroed after another use" },
	{ test_alloc_high, "MS_ALLOC_HIGH takes from the top" },
	{ test_alloc_errors, "alloc_pages errors: E_ORDER, E_INVAL" },
	{ test_free_errors, "free_pages errors: E_INVAL, E_PERM" },
	{ test_free_busy, "free_pages of a vmapped block: E_BUSY; kmap_atomic and kmap: emptied" },
	{ test_share_errors, "share_page errors: E_PERM, E_INVAL" },
	{ test_copy_helpers, "memcpy_to/from_page, copy_highpage, memzero_page" },
	{ 0, 0 },
};
