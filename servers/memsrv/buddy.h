// The page allocator: the HIGHMEM ranges init gave, each a zone with its
// own buddy allocator, and one byte of information per page (its owner
// tag, whether it heads a block, and whether the page metadata holds
// anything for it). A leaf of memsrv: it knows nothing of mappings, clients
// or requests; whoever frees a block first makes sure nothing maps it any
// more (host tests: servers/memsrv/tests/test_buddy.c).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/init.h"
#include "abi/memsrv.h"
#include "bitset.h"

// Owner tags 1..MS_CLIENTS_MAX (registered programs at once): 6 bits of a
// page's byte, with 0 (free) and PI_ORPHAN, beside PI_HEAD and PI_META.
#define MS_CLIENTS_MAX 62
#define MS_ZONES_MAX MEMSRV_RANGES_MAX
#define BUDDY_HOT 32 // hot single pages per zone (struct zone)

// A page's information. An allocated block of order k is its head (PI_HEAD)
// and 2^k - 1 pages of the same owner without it: its order is its length.
typedef uint8_t pinfo_t;
#define PI_OWNER 0x3fu  // owner tag of the page; 0: free
#define PI_ORPHAN 0x3fu // owner died while others still had it mapped
#define PI_HEAD 0x40u   // first page of an allocated block
#define PI_META 0x80u   // the page metadata counts mappings or shares of it (pagemeta.h)
_Static_assert(MS_CLIENTS_MAX < PI_ORPHAN && PI_ORPHAN == PI_OWNER,
	       "owner tags 1..MS_CLIENTS_MAX fit PI_OWNER, below PI_ORPHAN");

struct zone {
	uint32_t slot; // the CAP_RANGE, in memsrv's table
	uint32_t base; // pfn of the range's first page
	uint32_t npages;
	uint32_t origin; // base rounded down to 2^MEMSRV_MAX_ORDER pages: index 0
	uint32_t span;   // indices in use: base - origin + npages
	pinfo_t *info;   // per index
	struct bset free[MEMSRV_MAX_ORDER + 1]; // free blocks, by order
	uint32_t orders;                        // bit k: free[k] holds a block
	// Single pages freed lately, kept out of the bitmaps as Linux keeps them
	// in its per-CPU lists: an order-0 allocation takes the newest (no
	// split, and its frame likely still in memsrv's zeroing window), an
	// order-0 free that finds room puts it here (no merge). Their
	// information reads free. Any other allocation gives them back to the
	// bitmaps first, so that larger blocks, `high` and `at` see all that is
	// free.
	uint32_t hot[BUDDY_HOT]; // indices, newest last
	uint32_t nhot;
};

extern struct zone zones[MS_ZONES_MAX];
extern uint32_t nzones, total_pages, free_pages;

// Bookkeeping of a zone of npages from pfn base (buddy_add's memory): its
// page information in bytes, its free-block bitmaps in words.
uint32_t buddy_info_bytes(uint32_t base, uint32_t npages);
size_t buddy_free_words(uint32_t base, uint32_t npages);
// How much of a range of npages frames from pfn base can be served when
// its own top pages keep the books, with at most info_room pages for the
// page information and free_room for the bitmaps: *n pages from base (the
// most that fit, ending on a 2^MEMSRV_MAX_ORDER boundary when the range
// crosses one), and the bookkeeping's *ipages and *fpages. *n is 0 when not
// even one page fits.
void buddy_fit(uint32_t base, uint32_t npages, uint32_t info_room, uint32_t free_room, uint32_t *n,
	       uint32_t *ipages, uint32_t *fpages);
// Takes npages frames from pfn base (the range in memsrv's slot) into the
// allocator as a new zone, all free; its bookkeeping in info and words
// (the sizes above, zeroed, kept for ever). Zones are added
// in rising pfn order and do not overlap. E_OK, E_NOSLOT when MS_ZONES_MAX
// zones exist, E_RANGE for no pages or pages beyond the 28-bit pfn space
// (nothing changed).
int buddy_add(uint32_t slot, uint32_t base, uint32_t npages, pinfo_t *info, uint32_t *words);
// Allocates 2^order contiguous pages for owner tag owner, from the lowest
// free block (from the highest with `high`) into *pfn. E_OK or E_NOMEM.
int buddy_alloc(unsigned order, uint8_t owner, int high, uint32_t *pfn);
// Allocates the 2^order pages at pfn (aligned to them) for owner tag owner,
// splitting the free block that holds them. E_OK, E_NOMEM when any of them
// is not free, E_INVAL for a pfn not aligned or not memsrv's.
int buddy_alloc_at(uint32_t pfn, unsigned order, uint8_t owner);
// Returns the allocated block at pfn of that order (its information is
// cleared, its buddies merged). The caller has made sure nothing maps it.
void buddy_free(uint32_t pfn, unsigned order);
// The allocated block holding pfn: its first page in *head, its order in
// *order. E_OK, or E_INVAL when pfn is free or not memsrv's. Reads the
// block's pages (its order is its length).
int buddy_block(uint32_t pfn, uint32_t *head, unsigned *order);
// Gives every page of the allocated block at head of that order to owner
// tag owner (PI_ORPHAN when its owner dies while the pages are mapped).
void buddy_set_owner(uint32_t head, unsigned order, uint8_t owner);
// The first allocated block of owner tag owner whose head is in
// [*pfn, end): its head in *pfn, its order in *order. 1 when found, else 0.
int buddy_next_block(uint32_t *pfn, uint32_t end, uint8_t owner, unsigned *order);

// The zone holding pfn, or NULL when memsrv does not own it: zone_of looks
// at the first zone (usually the only one) inline, zone_find at them all.
struct zone *zone_find(uint32_t pfn);
static inline struct zone *zone_of(uint32_t pfn)
{
	struct zone *z = &zones[0];

	return pfn - z->base < z->npages ? z : zone_find(pfn);
}

// The information of pfn, or NULL when memsrv does not own it.
static inline pinfo_t *page_info(uint32_t pfn)
{
	struct zone *z = zone_of(pfn);

	return z ? &z->info[pfn - z->origin] : NULL;
}
