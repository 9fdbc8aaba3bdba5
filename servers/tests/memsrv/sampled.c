// Sampled integrity: blocks of 32 pages at POINTS points spread evenly
// over all of HIGHMEM, taken where they lie (MS_ALLOC_AT), each page given
// a word unique to it through kmap_local and read back through one vmap and
// through kmap; every 64th page whole. It touches the same 4096 pages
// however large RAM is, so it runs at 255G and 1023G (mode MODE_SAMPLED:
// "run=mstests:6", this table alone) as well as in the full suite. The
// host backs guest RAM with 2 MiB pages where it can (QEMU asks for
// transparent huge pages): a block of 32 pages costs it 2 MiB, a lone page
// too, so the samples come in blocks: 256 MiB of the host's memory at most.
// And MS_ALLOC_AT's errors.
#include <stdio.h>

#include "mstests.h"

#define POINTS 128                // sample points
#define ORDER 5                   // a block of 32 pages at each
#define SAMPLES (POINTS << ORDER) // pages (one vmap holds them)
#define TRIES 64                  // blocks tried from each sample point
#define SALT_WORD 0x6a09e667u
#define SALT_PAGE 0xbb67ae85u

static pfn_t got[SAMPLES];
static uint32_t ngot;

// MS_ALLOC_AT of the 2^order pages at pfn. E_OK (the pfn in *p) or the error.
static int alloc_at(pfn_t pfn, unsigned order, pfn_t *p)
{
	uint32_t w[3] = { order, MS_ALLOC_AT, pfn };
	struct msg r;
	int err = ms_call(SLOT_MEMSRV, MS_ALLOC, w, 3, 0, 0, &r);

	*p = err ? 0 : r.mr[0];
	return err;
}

static const char *test_alloc_at_errors(void)
{
	struct msg r;
	page_t a, b;
	pfn_t p;

	OK(t_alloc(1, 0, &a));
	EXPECT(alloc_at(a, 0, &p), E_NOMEM);     // taken
	EXPECT(alloc_at(a + 1, 0, &p), E_NOMEM); // inside a taken block
	OK(t_alloc(0, MS_ALLOC_HIGH, &b));
	OK(t_free(b, 0));
	OK(alloc_at(b, 0, &p)); // free again: taken where it lies
	CHECK(p == b, "MS_ALLOC_AT of pfn 0x%x gave 0x%x", b, p);
	OK(__free_pages(p, 0));
	EXPECT(alloc_at(b | 1, 1, &p), E_INVAL); // not aligned to its order
	EXPECT(alloc_at(0x10, 0, &p), E_INVAL);  // not memsrv's (LOWMEM)
	EXPECT(alloc_at(0, 0, &p), E_INVAL);     // not RAM
	EXPECT(alloc_at(b, MEMSRV_MAX_ORDER + 1, &p), E_ORDER);
	EXPECT(ms_call2(SLOT_MEMSRV, MS_ALLOC, 2, 0, MS_ALLOC_AT, &r), E_INVAL); // no pfn
	return NULL;
}

// Takes a block at or just above each of POINTS points from lo to hi.
static void take_samples(pfn_t lo, pfn_t hi)
{
	ngot = 0;
	for (uint32_t s = 0; s < POINTS; s++) {
		pfn_t at = lo + (pfn_t)((uint64_t)(hi - lo) * s / (POINTS - 1)), p;

		at &= ~((1u << ORDER) - 1);
		for (uint32_t t = 0; t < TRIES && at + ((t + 1) << ORDER) - 1 <= hi; t++)
			if (!alloc_at(at + (t << ORDER), ORDER, &p)) {
				for (uint32_t i = 0; i < 1u << ORDER; i++)
					got[ngot++] = p + i;
				break;
			}
	}
}

static const char *check_samples(pfn_t lo, pfn_t hi)
{
	uint32_t above4g = 0;

	CHECK(ngot >= SAMPLES / 2, "only %u of %u sample pages could be taken", ngot, SAMPLES);
	for (uint32_t i = 0; i < ngot; i++) {
		uint32_t *va = kmap_local_page(got[i]);

		CHECK(va, "kmap_local of pfn 0x%x: %s", got[i], hmk_strerror(highmem_errno));
		if (i % 64 == 0)
			page_fill(va, got[i], SALT_PAGE);
		else
			va[got[i] & (PAGE_SIZE / 4 - 1)] = page_word(got[i], 0, SALT_WORD);
		OK(kunmap_local(va));
		above4g += got[i] >= PFN_4G;
	}
	const uint8_t *base = vmap(got, ngot, PROT_READ);
	CHECK(base, "vmap of %u sample pages: %s", ngot, hmk_strerror(highmem_errno));
	for (uint32_t i = 0; i < ngot; i++) {
		const uint32_t *va = (const uint32_t *)(base + i * PAGE_SIZE);
		int ok = i % 64 == 0 ? page_holds(va, got[i], SALT_PAGE)
				     : va[got[i] & (PAGE_SIZE / 4 - 1)] ==
					       page_word(got[i], 0, SALT_WORD);
		if (!ok) {
			vunmap(base);
			return fail_fmt("pfn 0x%x reads wrong through vmap", got[i]);
		}
	}
	OK(vunmap(base));
	for (uint32_t i = 0; i < ngot; i += 7) {
		const uint32_t *va = kmap(got[i]);

		CHECK(va, "kmap of pfn 0x%x: %s", got[i], hmk_strerror(highmem_errno));
		int ok = i % 64 == 0 ? page_holds(va, got[i], SALT_PAGE)
				     : va[got[i] & (PAGE_SIZE / 4 - 1)] ==
					       page_word(got[i], 0, SALT_WORD);
		OK(kunmap(got[i]));
		CHECK(ok, "pfn 0x%x reads wrong through kmap", got[i]);
	}
	printf("mstests: sampled: %u pages from pfn 0x%x to 0x%x (%u above 4 GiB), written "
	       "through kmap_local, read back through vmap and kmap, 0 mismatches\n",
	       ngot, got[0], got[ngot - 1], above4g);
	CHECK(got[0] - lo < TRIES << ORDER && hi - got[ngot - 1] < TRIES << ORDER,
	      "the samples span 0x%x..0x%x, not 0x%x..0x%x", got[0], got[ngot - 1], lo, hi);
	return NULL;
}

static const char *test_sampled(void)
{
	page_t lo, hi;
	const char *why;
	int err = E_OK;

	// The bottom and the top of HIGHMEM, as the allocator hands them out.
	OK(t_alloc(0, 0, &lo));
	OK(t_alloc(0, MS_ALLOC_HIGH, &hi));
	OK(t_free(lo, 0));
	OK(t_free(hi, 0));
	take_samples(lo, hi);
	why = check_samples(lo, hi);
	for (; ngot; ngot -= 1u << ORDER) { // whatever happened
		int e = __free_pages(got[ngot - (1u << ORDER)], ORDER);
		if (e && !err)
			err = e;
	}
	if (!why && err)
		why = fail_fmt("free_pages at the end: %s", hmk_strerror(err));
	return why;
}

const struct test sampled_tests[] = {
	{ test_alloc_at_errors, "MS_ALLOC_AT: pages where they lie; E_NOMEM, E_INVAL, E_ORDER" },
	{ test_sampled, "sampled blocks over all of HIGHMEM: kmap_local, read back through vmap "
			"and kmap" },
	{ 0, 0 },
};
