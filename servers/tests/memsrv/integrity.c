// Data integrity over all of HIGHMEM: every page memsrv has is allocated
// (high orders first, from the bottom and from the top in turn), gets a word
// unique to it through kmap_local, and is read back through vmap (in chunks)
// and through kmap; a sample of whole pages is written with each primitive
// and read back through every other. One line says how many pages were
// checked and how many lie above 4 GiB.
//
// QEMU backs each guest page it sees touched with host memory, and memsrv
// zeroes every page it gives: taking everything at -m 16G costs the host
// 16 GiB and minutes. So the test takes at most INTEGRITY_MAX_PAGES (8 GiB:
// all of it at -m 8G and below), half from the bottom and half from the
// top of HIGHMEM, and says when it stopped there.
#include <stdio.h>
#include <stdlib.h>

#include "mstests.h"

#define SALT_WORD 0x1d7e9417u
#define SALT_PAGE 0x5a3c0000u
#define VCHUNK 16384 // pages per vmap (the area holds 28672)
#define SAMPLES 64   // whole pages, spread over all memory
#define INTEGRITY_MAX_PAGES (1u << 21)

struct block {
	pfn_t pfn;
	uint32_t order;
};
static struct block *blocks;
static uint32_t nblocks;
static page_t chunk[VCHUNK];

// Where in its page the unique word of pfn goes: a different place in
// neighbouring pages, so that a page mapped one off reads the wrong place.
static uint32_t word_at(pfn_t pfn)
{
	return (pfn * 37u) & (PAGE_SIZE / 4 - 1);
}

// The pfn of page n of all the pages held, in allocation order.
static pfn_t nth_page(uint32_t n)
{
	for (uint32_t b = 0; b < nblocks; b++) {
		if (n < 1u << blocks[b].order)
			return blocks[b].pfn + n;
		n -= 1u << blocks[b].order;
	}
	return 0;
}

// Takes every free page (at most max): order 10 down to 0, alternating
// MS_ALLOC_HIGH, until each order answers E_NOMEM both ways. Sets *pages.
static const char *take_all(uint32_t cap, uint32_t max, uint32_t *pages)
{
	uint32_t flags = 0;
	int err;

	*pages = 0;
	for (int order = MEMSRV_MAX_ORDER; order >= 0; order--) {
		while (*pages + (1u << order) <= max) {
			page_t p;

			flags ^= MS_ALLOC_HIGH;
			err = alloc_pages(flags, (unsigned)order, &p);
			if (err == E_NOMEM) {
				flags ^= MS_ALLOC_HIGH;
				err = alloc_pages(flags, (unsigned)order, &p);
			}
			if (err == E_NOMEM)
				break;
			OK(err);
			CHECK(nblocks < cap, "more than %u blocks", cap);
			CHECK((p & ((1u << order) - 1)) == 0, "order %d block at pfn 0x%x", order,
			      p);
			blocks[nblocks++] = (struct block){ p, (uint32_t)order };
			*pages += 1u << order;
		}
	}
	return NULL;
}

// Each page's word, written through kmap_local.
static const char *write_words(uint32_t *above4g)
{
	*above4g = 0;
	for (uint32_t b = 0; b < nblocks; b++)
		for (pfn_t p = blocks[b].pfn; p < blocks[b].pfn + (1u << blocks[b].order); p++) {
			uint32_t *va = kmap_local_page(p);

			CHECK(va, "kmap_local of pfn 0x%x: %s", p, hmk_strerror(highmem_errno));
			va[word_at(p)] = page_word(p, 0, SALT_WORD);
			OK(kunmap_local(va));
			*above4g += p >= PFN_4G;
		}
	return NULL;
}

// Reads the words back through read-only vmaps of up to VCHUNK pages.
static const char *check_vmap(uint32_t *checked)
{
	uint32_t n = 0, b = 0, k = 0;

	*checked = 0;
	while (b < nblocks) {
		for (n = 0; n < VCHUNK && b < nblocks;) {
			chunk[n++] = blocks[b].pfn + k;
			if (++k == 1u << blocks[b].order) {
				k = 0;
				b++;
			}
		}
		const uint8_t *va = vmap(chunk, n, PROT_READ);
		CHECK(va, "vmap of %u pages: %s", n, hmk_strerror(highmem_errno));
		for (uint32_t i = 0; i < n; i++) {
			uint32_t got = ((
				const volatile uint32_t *)(va + i * PAGE_SIZE))[word_at(chunk[i])];

			if (got != page_word(chunk[i], 0, SALT_WORD)) {
				vunmap(va);
				return fail_fmt("pfn 0x%x through vmap at 0x%x: 0x%x, wrote 0x%x",
						chunk[i], (uint32_t)va + i * PAGE_SIZE, got,
						page_word(chunk[i], 0, SALT_WORD));
			}
		}
		OK(vunmap(va));
		*checked += n;
	}
	return NULL;
}

// Reads the words back through kmap, one page at a time.
static const char *check_kmap(uint32_t *checked)
{
	*checked = 0;
	for (uint32_t b = 0; b < nblocks; b++)
		for (pfn_t p = blocks[b].pfn; p < blocks[b].pfn + (1u << blocks[b].order); p++) {
			const volatile uint32_t *va = kmap(p);

			CHECK(va, "kmap of pfn 0x%x: %s", p, hmk_strerror(highmem_errno));
			uint32_t got = va[word_at(p)];
			OK(kunmap(p));
			CHECK(got == page_word(p, 0, SALT_WORD),
			      "pfn 0x%x through kmap at 0x%x: 0x%x, wrote 0x%x", p, (uint32_t)va,
			      got, page_word(p, 0, SALT_WORD));
			(*checked)++;
		}
	return NULL;
}

enum prim { P_LOCAL, P_ATOMIC, P_KMAP, P_VMAP, P_COUNT };
static const char *const prim_names[P_COUNT] = { "kmap_local", "kmap_atomic", "kmap", "vmap" };

// Maps p with primitive `how`; NULL on failure.
static void *prim_map(enum prim how, pfn_t p)
{
	switch (how) {
	case P_LOCAL: return kmap_local_page(p);
	case P_ATOMIC: return kmap_atomic(p);
	case P_KMAP: return kmap(p);
	default: return vmap(&p, 1, PROT_READ | PROT_WRITE);
	}
}

static int prim_unmap(enum prim how, pfn_t p, void *va)
{
	switch (how) {
	case P_LOCAL: return kunmap_local(va);
	case P_ATOMIC: return kunmap_atomic(va);
	case P_KMAP: return kunmap(p);
	default: return vunmap(va);
	}
}

// Whole pages: written through one primitive, read through all four.
static const char *check_samples(uint32_t pages)
{
	for (uint32_t s = 0; s <= SAMPLES; s++) {
		uint32_t n = s == SAMPLES ? pages - 1 : (uint32_t)((uint64_t)pages * s / SAMPLES);
		pfn_t p = nth_page(n);
		enum prim w = (enum prim)(s % P_COUNT);
		uint32_t salt = SALT_PAGE + s;
		void *va = prim_map(w, p);

		CHECK(va, "%s of pfn 0x%x: %s", prim_names[w], p, hmk_strerror(highmem_errno));
		page_fill(va, p, salt);
		OK(prim_unmap(w, p, va));
		for (enum prim r = 0; r < P_COUNT; r++) {
			va = prim_map(r, p);
			CHECK(va, "%s of pfn 0x%x: %s", prim_names[r], p,
			      hmk_strerror(highmem_errno));
			int ok = page_holds(va, p, salt);
			OK(prim_unmap(r, p, va));
			CHECK(ok, "pfn 0x%x written through %s reads wrong through %s", p,
			      prim_names[w], prim_names[r]);
		}
	}
	return NULL;
}

static const char *integrity(void)
{
	struct highmem_stats st;
	uint32_t pages, above4g, nv, nk, cap, free, want;
	page_t p;

	OK(stats(&st));
	free = st.free_pages;
	want = free < INTEGRITY_MAX_PAGES ? free : INTEGRITY_MAX_PAGES;
	cap = want / (1u << MEMSRV_MAX_ORDER) + 16 * (MEMSRV_MAX_ORDER + 1) * 2;
	blocks = malloc(cap * sizeof(*blocks));
	CHECK(blocks, "no memory for %u block records", cap);
	TRY(take_all(cap, want, &pages));
	CHECK(pages == want, "took %u pages, MS_STATS said %u free", pages, free);
	if (want == free) { // nothing is left: the real out-of-memory answer, both ways
		EXPECT(alloc_pages(0, 0, &p), E_NOMEM);
		EXPECT(alloc_pages(MS_ALLOC_HIGH, 0, &p), E_NOMEM);
	}
	OK(stats(&st));
	CHECK(st.free_pages == free - pages && st.owned_pages == pages,
	      "stats free %u owned %u, %u taken of %u", st.free_pages, st.owned_pages, pages, free);
	TRY(write_words(&above4g));
	TRY(check_vmap(&nv));
	TRY(check_kmap(&nk));
	TRY(check_samples(pages));
	CHECK(nv == pages && nk == pages, "checked %u through vmap and %u through kmap of %u", nv,
	      nk, pages);
	printf("mstests: integrity: %u pages checked (%u above 4 GiB) through kmap_local, vmap and "
	       "kmap, %u whole pages through all four, 0 mismatches\n",
	       pages, above4g, SAMPLES + 1);
	if (pages < free)
		printf("mstests: integrity: stopped at %u of %u free pages (8 GiB, half from the "
		       "bottom of HIGHMEM, half from the top)\n",
		       pages, free);
	if (!above4g)
		printf("mstests: integrity: no HIGHMEM above 4 GiB on this machine: all of it lies "
		       "below\n");
	return NULL;
}

// Gives everything back whatever happened.
static const char *test_integrity(void)
{
	const char *why = integrity();
	int err = E_OK;

	for (uint32_t b = 0; b < nblocks; b++) {
		int e = __free_pages(blocks[b].pfn, blocks[b].order);

		if (e && !err)
			err = e;
	}
	nblocks = 0;
	free(blocks);
	blocks = NULL;
	if (!why && err)
		why = fail_fmt("free_pages at the end: %s", hmk_strerror(err));
	return why;
}

const struct test integrity_tests[] = {
	{ test_integrity, "every HIGHMEM page: a unique word through kmap_local, read back "
			  "through vmap and kmap; whole pages through all four" },
	{ 0, 0 },
};
