// Host tests of memsrv's page allocator: zones (aligned or not, several,
// refused ones), allocation from the bottom and from the top, every order,
// splitting and merging back, exhaustion, and the block queries reclaim and
// orphans use.
#include <stdlib.h>
#include <string.h>

#include "../buddy.h"
#include "check/check.h"

static void *mems[2 * MS_ZONES_MAX + 2];
static uint32_t nmems;

// Forgets every zone (the allocator's globals start empty).
static void reset(void)
{
	while (nmems)
		free(mems[--nmems]);
	memset(zones, 0, sizeof(zones));
	nzones = total_pages = free_pages = 0;
}

static int add(uint32_t base, uint32_t npages)
{
	pinfo_t *info = calloc(1, buddy_info_bytes(base, npages) + 1);
	uint32_t *words = calloc(buddy_free_words(base, npages), sizeof(uint32_t));
	int err = buddy_add(nzones + 16, base, npages, info, words);

	if (err) {
		free(info);
		free(words);
	} else {
		mems[nmems++] = info;
		mems[nmems++] = words;
	}
	return err;
}

static void test_add(void)
{
	reset();
	CHECK_EQ(add(0x100000, 4096), E_OK);
	CHECK_EQ(nzones, 1);
	CHECK_EQ(total_pages, 4096);
	CHECK_EQ(free_pages, 4096);
	CHECK(zone_of(0x100000) == &zones[0]);
	CHECK(zone_of(0x100fff) == &zones[0]);
	CHECK(zone_of(0x101000) == NULL);
	CHECK(zone_of(0xfffff) == NULL);
	CHECK(page_info(0x101000) == NULL);
	CHECK(page_info(0x100000) != NULL);
	CHECK_EQ(*page_info(0x100000), 0);
	// A byte a page, and about a quarter more for the bitmaps.
	CHECK_EQ(buddy_info_bytes(0x100003, 1u << 20), (1u << 20) + 3);
	CHECK(buddy_free_words(0x100000, 1u << 20) * 4 < (1u << 20) * 27 / 100);
	reset();
}

static void test_add_refused(void)
{
	reset();
	CHECK_EQ(add(0x100000, 0), E_RANGE);
	CHECK_EQ(add(1u << 28, 1), E_RANGE);
	CHECK_EQ(add((1u << 28) - 1, 2), E_RANGE);
	CHECK_EQ(add((1u << 28) - 1, 1), E_OK); // the very last page of 1 TiB
	CHECK_EQ(nzones, 1);
	reset();
	for (uint32_t i = 0; i < MS_ZONES_MAX; i++)
		CHECK_EQ(add(0x100000 + i * 0x1000, 16), E_OK);
	CHECK_EQ(add(0x200000, 16), E_NOSLOT);
	CHECK_EQ(nzones, MS_ZONES_MAX);
	CHECK_EQ(total_pages, 16 * MS_ZONES_MAX);
	reset();
}

static void test_low_and_high(void)
{
	uint32_t pfn;

	reset();
	CHECK_EQ(add(0x100000, 4096), E_OK);
	CHECK_EQ(buddy_alloc(0, 1, 0, &pfn), E_OK);
	CHECK_EQ(pfn, 0x100000);
	CHECK_EQ(*page_info(pfn), 1 | PI_HEAD);
	CHECK_EQ(buddy_alloc(0, 2, 0, &pfn), E_OK);
	CHECK_EQ(pfn, 0x100001);
	CHECK_EQ(buddy_alloc(0, 3, 1, &pfn), E_OK);
	CHECK_EQ(pfn, 0x100fff);
	CHECK_EQ(buddy_alloc(2, 3, 1, &pfn), E_OK);
	CHECK_EQ(pfn, 0x100ff8);
	CHECK_EQ(*page_info(pfn), 3 | PI_HEAD);
	CHECK_EQ(*page_info(pfn + 3), 3);
	uint32_t head;
	unsigned order;
	CHECK_EQ(buddy_block(pfn + 3, &head, &order), E_OK);
	CHECK_EQ(head, pfn);
	CHECK_EQ(order, 2);
	// The smallest free block that fits, even when a lower one is larger:
	// the order-0 half the splits for 0x100fff left.
	CHECK_EQ(buddy_alloc(0, 3, 0, &pfn), E_OK);
	CHECK_EQ(pfn, 0x100ffe);
	// Two blocks of one owner side by side stay two (the order is the length).
	CHECK_EQ(buddy_block(0x100ffe, &head, &order), E_OK);
	CHECK_EQ(head, 0x100ffe);
	CHECK_EQ(order, 0);
	CHECK_EQ(buddy_block(0x100fff, &head, &order), E_OK);
	CHECK_EQ(head, 0x100fff);
	CHECK_EQ(order, 0);
	CHECK_EQ(free_pages, 4096 - 8);
	reset();
}

static void test_orders(void)
{
	uint32_t pfn;

	reset();
	CHECK_EQ(add(0x100000, 1u << 14), E_OK);
	for (unsigned k = 0; k <= MEMSRV_MAX_ORDER; k++) {
		CHECK_EQ(buddy_alloc(k, 1, k & 1, &pfn), E_OK);
		CHECK_EQ(pfn & ((1u << k) - 1), 0); // naturally aligned
		CHECK_EQ(*page_info(pfn), 1 | PI_HEAD);
		uint32_t head = 0;
		unsigned order = 99;
		CHECK_EQ(buddy_block(pfn + (1u << k) - 1, &head, &order), E_OK);
		CHECK_EQ(head, pfn);
		CHECK_EQ(order, k);
	}
	CHECK_EQ(free_pages, (1u << 14) - (1u << (MEMSRV_MAX_ORDER + 1)) + 1);
	reset();
}

// Every page handed out once, then all given back in a scattered order: the
// zone merges back into blocks of the largest order.
static void test_exhaust_and_merge(void)
{
	uint32_t n = 4096, *got = calloc(n, sizeof(uint32_t)), pfn;

	reset();
	CHECK_EQ(add(0x100000, n), E_OK);
	for (uint32_t i = 0; i < n; i++) {
		CHECK_EQ(buddy_alloc(0, 1, i & 1, &got[i]), E_OK);
		CHECK(got[i] - 0x100000 < n);
	}
	CHECK_EQ(free_pages, 0);
	CHECK_EQ(buddy_alloc(0, 1, 0, &pfn), E_NOMEM);
	CHECK_EQ(buddy_alloc(0, 1, 1, &pfn), E_NOMEM);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t j = (i * 2731) % n; // 2731 is prime to 4096: every index once
		buddy_free(got[j], 0);
		CHECK_EQ(*page_info(got[j]), 0);
	}
	CHECK_EQ(free_pages, n);
	for (uint32_t i = 0; i < n >> MEMSRV_MAX_ORDER; i++)
		CHECK_EQ(buddy_alloc(MEMSRV_MAX_ORDER, 1, 0, &got[i]), E_OK);
	CHECK_EQ(buddy_alloc(0, 1, 0, &pfn), E_NOMEM);
	free(got);
	reset();
}

// A range that starts and ends off any large alignment: nothing outside it
// is handed out, and all of it is.
static void test_unaligned(void)
{
	uint32_t base = 0x100003, n = 5000, pfn, count = 0;

	reset();
	CHECK_EQ(add(base, n), E_OK);
	CHECK(page_info(base - 1) == NULL);
	CHECK(page_info(base + n) == NULL);
	for (unsigned k = MEMSRV_MAX_ORDER + 1; k-- > 0;)
		while (buddy_alloc(k, 5, 0, &pfn) == E_OK) {
			CHECK(pfn >= base && pfn + (1u << k) <= base + n);
			CHECK_EQ(pfn & ((1u << k) - 1), 0);
			count += 1u << k;
		}
	CHECK_EQ(count, n);
	CHECK_EQ(free_pages, 0);
	reset();
}

static void test_zones(void)
{
	uint32_t pfn;

	reset();
	CHECK_EQ(add(0x100000, 2), E_OK);
	CHECK_EQ(add(0x200000, 2), E_OK);
	CHECK_EQ(buddy_alloc(1, 1, 0, &pfn), E_OK);
	CHECK_EQ(pfn, 0x100000);
	CHECK_EQ(buddy_alloc(0, 1, 0, &pfn), E_OK);
	CHECK_EQ(pfn, 0x200000);
	CHECK_EQ(buddy_alloc(1, 1, 0, &pfn), E_NOMEM); // one page left: no order 1
	buddy_free(0x100000, 1);
	CHECK_EQ(buddy_alloc(0, 1, 1, &pfn), E_OK); // high: from the last zone
	CHECK_EQ(pfn, 0x200001);
	CHECK(zone_of(0x200001) == &zones[1]);
	CHECK(zone_of(0x150000) == NULL);
	reset();
}

static void test_blocks(void)
{
	uint32_t a, b, c, pfn, head;
	unsigned order;

	reset();
	CHECK_EQ(add(0x100000, 1024), E_OK);
	CHECK_EQ(buddy_alloc(2, 7, 0, &a), E_OK);
	CHECK_EQ(buddy_alloc(0, 8, 0, &b), E_OK);
	CHECK_EQ(buddy_alloc(3, 7, 0, &c), E_OK);
	CHECK_EQ(buddy_block(0x100000 + 1000, &head, &order), E_INVAL); // free
	CHECK_EQ(buddy_block(0x200000, &head, &order), E_INVAL);        // not memsrv's
	pfn = 0x100000;
	CHECK(buddy_next_block(&pfn, 0x100400, 7, &order));
	CHECK_EQ(pfn, a);
	CHECK_EQ(order, 2);
	pfn += 1u << order;
	CHECK(buddy_next_block(&pfn, 0x100400, 7, &order));
	CHECK_EQ(pfn, c);
	CHECK_EQ(order, 3);
	pfn += 1u << order;
	CHECK(!buddy_next_block(&pfn, 0x100400, 7, &order));
	pfn = c;
	CHECK(!buddy_next_block(&pfn, c, 7, &order)); // end is exclusive
	buddy_set_owner(c, 3, PI_ORPHAN);
	for (uint32_t p = c; p < c + 8; p++)
		CHECK_EQ(*page_info(p) & PI_OWNER, PI_ORPHAN);
	CHECK(*page_info(c) & PI_HEAD);
	pfn = 0x100000;
	CHECK(buddy_next_block(&pfn, ~0u, PI_ORPHAN, &order));
	CHECK_EQ(pfn, c);
	CHECK_EQ(buddy_block(c + 5, &head, &order), E_OK);
	CHECK_EQ(head, c);
	CHECK_EQ(order, 3);
	buddy_free(c, 3);
	buddy_free(b, 0);
	buddy_free(a, 2);
	CHECK_EQ(free_pages, 1024);
	CHECK_EQ(buddy_alloc(MEMSRV_MAX_ORDER, 1, 0, &pfn), E_OK);
	reset();
}

// Pages taken at a given pfn: split out of the block that holds them, the
// rest left free; refused when taken, unaligned or not the allocator's.
static void test_alloc_at(void)
{
	uint32_t pfn, n = 0;

	reset();
	CHECK_EQ(add(0x100000, 4096), E_OK);
	CHECK_EQ(buddy_alloc_at(0x100805, 0, 4), E_OK);
	CHECK_EQ(*page_info(0x100805), 4 | PI_HEAD);
	CHECK_EQ(free_pages, 4095);
	CHECK_EQ(buddy_alloc_at(0x100805, 0, 4), E_NOMEM);
	CHECK_EQ(buddy_alloc_at(0x100804, 2, 4), E_NOMEM); // holds 0x100805
	CHECK_EQ(buddy_alloc_at(0x100806, 1, 4), E_OK);
	CHECK_EQ(buddy_alloc_at(0x100802, 2, 4), E_INVAL); // not aligned
	CHECK_EQ(buddy_alloc_at(0x101000, 0, 4), E_INVAL); // beyond the zone
	CHECK_EQ(buddy_alloc_at(0x100c00, MEMSRV_MAX_ORDER, 4), E_OK);
	CHECK_EQ(buddy_alloc_at(0x100c00, MEMSRV_MAX_ORDER + 1, 4), E_INVAL);
	// Everything else is still there, and comes back whole.
	while (buddy_alloc(0, 5, 0, &pfn) == E_OK) {
		CHECK(pfn != 0x100805 && (pfn < 0x100806 || pfn > 0x100807) && pfn < 0x100c00);
		n++;
	}
	CHECK_EQ(n, 4096 - 1024 - 3);
	reset();
}

// How much of a range its own top pages can keep the books of: all but
// those pages (and up to an aligned end), a part when the rooms are short,
// nothing when not even one page fits.
static void test_fit(void)
{
	uint32_t n, ip, fp, room = ~0u;

	// 1 TiB less the first GiB: a byte a page and about a quarter more.
	buddy_fit(0x40000, (1u << 28) - 0x40000, room, room, &n, &ip, &fp);
	CHECK_EQ(n + ip + fp <= (1u << 28) - 0x40000, 1);
	CHECK(n + ip + fp + 1024 > (1u << 28) - 0x40000); // at most one block unused
	CHECK_EQ((0x40000 + n) % 1024, 0);
	CHECK(ip <= (1u << 28) / 4096 && ip * 4096 >= n);
	CHECK(fp * 4096 < n / 100 * 27);
	CHECK_EQ(ip, (buddy_info_bytes(0x40000, n) + 4095) / 4096);
	// Short of room: as many pages as the room's books cover.
	buddy_fit(0x100000, 1u << 20, 16, room, &n, &ip, &fp);
	CHECK_EQ(ip, 16);
	CHECK_EQ(n, 16 * 4096);
	buddy_fit(0x100000, 1u << 20, room, 1, &n, &ip, &fp);
	CHECK_EQ(fp, 1);
	CHECK(n > 0 && n < 4096 * 32);
	// Too small to keep its own books, or no room at all: nothing.
	buddy_fit(0x100000, 2, room, room, &n, &ip, &fp);
	CHECK_EQ(n, 0);
	buddy_fit(0x100000, 1u << 20, 0, room, &n, &ip, &fp);
	CHECK_EQ(n, 0);
	// Within one aligned block: no rounding, all but the books.
	buddy_fit(0x100100, 100, room, room, &n, &ip, &fp);
	CHECK_EQ(ip, 1);
	CHECK_EQ(fp, 1);
	CHECK_EQ(n, 98);
}

// Random allocations and frees of random orders against a shadow of the
// owners: no page is ever handed out twice, and all come back.
// Single pages freed lately stay out of the bitmaps (the hot list): the
// next single page is the newest of them; they read free; every other
// allocation (larger, high, at a pfn) sees them all, merged back.
static void test_hot(void)
{
	uint32_t a, b, pfn, all[BUDDY_HOT + 8];

	reset();
	CHECK_EQ(add(0x100000, 4096), E_OK);
	CHECK_EQ(buddy_alloc(0, 1, 0, &a), E_OK);
	CHECK_EQ(buddy_alloc(0, 1, 0, &b), E_OK);
	buddy_free(a, 0);
	CHECK_EQ(*page_info(a), 0);
	CHECK_EQ(free_pages, 4096 - 1);
	CHECK(zones[0].nhot == 1);
	CHECK_EQ(buddy_alloc(0, 2, 0, &pfn), E_OK);
	CHECK_EQ(pfn, a);
	CHECK_EQ(*page_info(pfn), 2 | PI_HEAD);
	buddy_free(b, 0);
	buddy_free(a, 0);
	CHECK_EQ(free_pages, 4096);
	// A block of the largest order needs its pages merged back: the hot ones.
	CHECK_EQ(buddy_alloc(MEMSRV_MAX_ORDER, 1, 0, &pfn), E_OK);
	CHECK_EQ(pfn, 0x100000);
	CHECK(zones[0].nhot == 0);
	buddy_free(pfn, MEMSRV_MAX_ORDER);
	// More single frees than the list holds: the rest merge at once.
	for (uint32_t i = 0; i < BUDDY_HOT + 8; i++)
		CHECK_EQ(buddy_alloc(0, 1, 0, &all[i]), E_OK);
	for (uint32_t i = 0; i < BUDDY_HOT + 8; i++)
		buddy_free(all[i], 0);
	CHECK(zones[0].nhot == BUDDY_HOT);
	CHECK_EQ(free_pages, 4096);
	// High and at see the hot pages where they are.
	CHECK_EQ(buddy_alloc(0, 1, 1, &pfn), E_OK);
	CHECK_EQ(pfn, 0x100fff);
	buddy_free(pfn, 0);
	CHECK_EQ(buddy_alloc_at(all[BUDDY_HOT + 7], 0, 3), E_OK);
	CHECK_EQ(*page_info(all[BUDDY_HOT + 7]), 3 | PI_HEAD);
	CHECK_EQ(buddy_alloc(0, 1, 1, &pfn), E_OK);
	CHECK_EQ(pfn, 0x100fff);
	CHECK_EQ(free_pages, 4096 - 2);
	reset();
}

static void test_random(void)
{
	enum { N = 1u << 13, LIVE = 200 };
	static uint8_t shadow[N];
	uint32_t live[LIVE], orders[LIVE], nlive = 0, base = 0x300005;

	reset();
	memset(shadow, 0, sizeof(shadow));
	CHECK_EQ(add(base, N - 5), E_OK);
	srand(7);
	for (int round = 0; round < 20000; round++) {
		if (nlive == LIVE || (nlive && rand() % 2)) {
			uint32_t j = (uint32_t)rand() % nlive;
			for (uint32_t p = 0; p < 1u << orders[j]; p++)
				shadow[live[j] - base + p] = 0;
			buddy_free(live[j], orders[j]);
			live[j] = live[--nlive];
			orders[j] = orders[nlive];
			continue;
		}
		unsigned k = (unsigned)rand() % 6;
		uint32_t pfn;
		if (buddy_alloc(k, 9, rand() & 1, &pfn))
			continue;
		for (uint32_t p = 0; p < 1u << k; p++) {
			CHECK(pfn + p - base < N - 5);
			CHECK_EQ(shadow[pfn - base + p], 0);
			shadow[pfn - base + p] = 1;
		}
		live[nlive] = pfn;
		orders[nlive++] = k;
	}
	while (nlive--)
		buddy_free(live[nlive], orders[nlive]);
	CHECK_EQ(free_pages, N - 5);
	reset();
}

static const struct check_case cases[] = {
	{ test_add, "a zone: its pages, its bounds, its bookkeeping" },
	{ test_add_refused, "no pages, beyond 28-bit pfns, more than MS_ZONES_MAX" },
	{ test_low_and_high, "lowest first; `high` from the top; owner, head, order" },
	{ test_orders, "every order, naturally aligned, found by buddy_block" },
	{ test_exhaust_and_merge, "exhausted, then merged back to the largest order" },
	{ test_unaligned, "an unaligned range: all of it and nothing beyond" },
	{ test_zones, "several zones: low from the first, high from the last" },
	{ test_blocks, "buddy_block, buddy_next_block, buddy_set_owner" },
	{ test_alloc_at, "buddy_alloc_at: split out at a pfn, refused when not free" },
	{ test_fit, "buddy_fit: the books at a range's top, short rooms, too small" },
	{ test_hot, "single pages freed lately: the next single one, seen by all others" },
	{ test_random, "random orders: no page twice, all come back" },
	{ 0 },
};

int main(void)
{
	return check_run("buddy", cases);
}
