// Host tests of memsrv's page metadata over a real zone: mapcounts and
// their hint bit, the record limit, shares and access, dropping a client's
// shares, and many entries (growth, erasing inside probe runs) checked
// against a plain array.
#include <stdlib.h>
#include <string.h>

#include "../pagemeta.h"
#include "check/check.h"

#define NPAGES (1u << 16)

static void *mem;
// The zone's first pfn: each case has its own pages, as the hash (static in
// pagemeta.c) keeps what earlier cases left.
static uint32_t base;

// One zone of NPAGES from a pfn no earlier case used, all free.
static void setup(void)
{
	base = base ? base + NPAGES : 0x100000u;
	free(mem);
	memset(zones, 0, sizeof(zones));
	nzones = total_pages = free_pages = 0;
	mem = calloc(1, buddy_info_bytes(base, NPAGES) + buddy_free_words(base, NPAGES) * 4);
	CHECK_EQ(buddy_add(16, base, NPAGES, mem,
			   (uint32_t *)mem + (buddy_info_bytes(base, NPAGES) + 3) / 4),
		 E_OK);
}

static uint32_t alloc(unsigned order, uint8_t owner)
{
	uint32_t pfn = 0;

	CHECK_EQ(buddy_alloc(order, owner, 0, &pfn), E_OK);
	return pfn;
}

static void test_mapcount(void)
{
	setup();
	uint32_t p = alloc(1, 1);

	CHECK_EQ(map_count(p), 0);
	CHECK_EQ(map_inc(p, 2), E_OK);
	CHECK_EQ(map_inc(p + 1, 1), E_OK);
	CHECK_EQ(map_count(p), 1);
	CHECK_EQ(map_count(p + 1), 2);
	CHECK(*page_info(p) & PI_META);
	CHECK_EQ(map_put(p + 1, 1), 0); // one mapping left
	CHECK_EQ(map_count(p + 1), 1);
	CHECK_EQ(map_put(p, 1), 1);
	CHECK(!(*page_info(p) & PI_META));
	CHECK(*page_info(p + 1) & PI_META);
	CHECK_EQ(map_put(p + 1, 1), 1);
	CHECK(!(*page_info(p + 1) & PI_META));
	CHECK_EQ(map_count(p + 1), 0);
	CHECK_EQ(map_count(base + NPAGES), 0); // not memsrv's
	CHECK_EQ(map_inc(p, 2), E_OK);
	CHECK_EQ(map_inc(p, 1), E_OK);
	CHECK_EQ(map_put(p, 2), 1); // p + 1 unmapped, p still mapped once
	CHECK_EQ(map_put(p, 1), 1);
	CHECK_EQ(*page_info(p), 1 | PI_HEAD); // the rest untouched
	CHECK_EQ(*page_info(p + 1), 1);
}

// A count at its limit refuses one more, and a run of pages is then
// mapped all or not at all.
static void test_limit(void)
{
	setup();
	uint32_t p = alloc(1, 1);

	for (uint32_t i = 0; i < 0x3ffff; i++)
		map_inc(p + 1, 1);
	CHECK_EQ(map_count(p + 1), 0x3ffff);
	CHECK_EQ(map_inc(p + 1, 1), E_NOMEM);
	CHECK_EQ(map_inc(p, 2), E_NOMEM);
	CHECK_EQ(map_count(p), 0);
	CHECK(!(*page_info(p) & PI_META));
	CHECK_EQ(map_count(p + 1), 0x3ffff);
}

static void test_shares(void)
{
	setup();
	uint32_t p = alloc(0, 1), q = alloc(0, 2), free_pfn = base + NPAGES - 1;

	CHECK_EQ(page_access(1, p), E_OK);
	CHECK_EQ(page_access(2, p), E_PERM);
	CHECK_EQ(page_access(1, free_pfn), E_PERM);
	CHECK_EQ(page_access(1, base + NPAGES), E_PERM);
	CHECK_EQ(share_add(p, 2), E_OK);
	CHECK_EQ(share_add(p, 2), E_OK); // twice is once
	CHECK_EQ(share_add(p, 3), E_OK);
	CHECK_EQ(share_add(q, 3), E_OK);
	CHECK(*page_info(p) & PI_META);
	CHECK_EQ(page_access(2, p), E_OK);
	CHECK_EQ(page_access(3, p), E_OK);
	CHECK_EQ(page_access(4, p), E_PERM);
	share_drop_client(3);
	CHECK_EQ(page_access(3, p), E_PERM);
	CHECK_EQ(page_access(3, q), E_PERM);
	CHECK(!(*page_info(q) & PI_META)); // shared with nobody now
	CHECK(*page_info(p) & PI_META);
	CHECK_EQ(page_access(2, p), E_OK);
	share_revoke(p);
	CHECK_EQ(page_access(2, p), E_PERM);
	CHECK(!(*page_info(p) & PI_META));
	CHECK_EQ(page_access(1, p), E_OK);
	CHECK_EQ(share_add(q, 1), E_OK); // an orphan is nobody's
	buddy_set_owner(q, 0, PI_ORPHAN);
	CHECK_EQ(page_access(1, q), E_PERM);
	CHECK_EQ(page_access(2, q), E_PERM);
	CHECK_EQ(page_access(PI_ORPHAN, q), E_PERM);
}

// A page both mapped and shared keeps PI_META until neither is left,
// whichever goes first.
static void test_mapped_and_shared(void)
{
	setup();
	uint32_t r = alloc(0, 1);

	CHECK_EQ(map_inc(r, 1), E_OK);
	CHECK_EQ(share_add(r, 2), E_OK);
	share_revoke(r);
	CHECK(*page_info(r) & PI_META);
	CHECK_EQ(map_count(r), 1);
	CHECK_EQ(page_access(2, r), E_PERM);
	CHECK_EQ(map_put(r, 1), 1);
	CHECK(!(*page_info(r) & PI_META));
	CHECK_EQ(map_inc(r, 1), E_OK);
	CHECK_EQ(share_add(r, 2), E_OK);
	CHECK_EQ(map_put(r, 1), 1);
	CHECK(*page_info(r) & PI_META);
	CHECK_EQ(page_access(2, r), E_OK);
	CHECK_EQ(map_count(r), 0);
	share_drop_client(2);
	CHECK(!(*page_info(r) & PI_META));
	CHECK_EQ(page_access(2, r), E_PERM);
	CHECK_EQ(page_access(0, r), E_PERM); // no client has index 0
}

// Many pages mapped and shared at random, then released at random: every
// count agrees with a plain array, and the hash grows as it fills.
static void test_many(void)
{
	static uint16_t counts[NPAGES];
	static uint8_t shared[NPAGES];
	size_t before;

	setup();
	memset(counts, 0, sizeof(counts));
	memset(shared, 0, sizeof(shared));
	for (uint32_t i = 0; i < NPAGES; i++)
		alloc(0, 1);
	before = pagemeta_bytes();
	srand(3);
	for (int round = 0; round < 300000; round++) {
		uint32_t i = (uint32_t)rand() % 20000;

		if (counts[i] && rand() % 3 == 0) {
			CHECK_EQ(map_put(base + i, 1), --counts[i] == 0);
		} else if (counts[i] < 1000) {
			CHECK_EQ(map_inc(base + i, 1), E_OK);
			counts[i]++;
		}
		if (round % 5 == 0) {
			CHECK_EQ(share_add(base + i, (uint8_t)(2 + i % 7)), E_OK);
			shared[i] = 1;
		}
	}
	CHECK(pagemeta_bytes() > before);
	for (uint32_t i = 0; i < NPAGES; i++) {
		CHECK_EQ(map_count(base + i), counts[i]);
		CHECK_EQ(!!(*page_info(base + i) & PI_META), counts[i] || shared[i]);
	}
	for (uint32_t i = 0; i < 20000; i++) {
		while (counts[i])
			CHECK_EQ(map_put(base + i, 1), --counts[i] == 0);
		share_revoke(base + i);
		CHECK_EQ(page_access(2 + i % 7, base + i), E_PERM);
		CHECK_EQ(*page_info(base + i), 1 | PI_HEAD);
	}
}

static const struct check_case cases[] = {
	{ test_mapcount, "mapcounts and PI_META" },
	{ test_limit, "a count at its limit: E_NOMEM, nothing changed" },
	{ test_shares, "shares: owner, shared, dropped, revoked, orphaned" },
	{ test_mapped_and_shared, "mapped and shared: PI_META until neither is left" },
	{ test_many, "many entries against a plain array" },
	{ 0 },
};

int main(void)
{
	int rc = check_run("pagemeta", cases);

	free(mem);
	return rc;
}
