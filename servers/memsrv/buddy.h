// The page allocator: the HIGHMEM ranges init gave, each a zone with its
// own buddy allocator, and 16 bits of information per page (its owner tag,
// whether it heads a block and of which order, and two hints for the page
// metadata). A leaf of memsrv: it knows nothing of mappings, clients or
// requests; whoever frees a block first makes sure nothing maps it any more
// (host tests: servers/memsrv/tests/test_buddy.c).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/init.h"
#include "abi/memsrv.h"
#include "bitset.h"

#define MS_CLIENTS_MAX 64 // owner tags 1..MS_CLIENTS_MAX: registered programs at once
#define MS_ZONES_MAX MEMSRV_RANGES_MAX

#define PI_OWNER 0x00ffu  // owner tag of the page; 0: free
#define PI_ORPHAN 0x00ffu // owner died while others still had it mapped
#define PI_HEAD 0x0100u   // first page of an allocated block
#define PI_ORDER_SHIFT 9  // the block's order, at its head (4 bits)
#define PI_ORDER_MASK (0xfu << PI_ORDER_SHIFT)
#define PI_SHARED 0x2000u // shared with some client (see pagemeta.h)
#define PI_MAPPED 0x4000u // mapped somewhere (mapcount in pagemeta.h)
_Static_assert(MS_CLIENTS_MAX < PI_ORPHAN && PI_ORPHAN == PI_OWNER && PI_OWNER <= 0xffu,
	       "owner tags 1..MS_CLIENTS_MAX fit PI_OWNER and a uint8_t, below PI_ORPHAN");

struct zone {
	uint32_t slot; // the CAP_RANGE, in memsrv's table
	uint32_t base; // pfn of the range's first page
	uint32_t npages;
	uint32_t origin; // base rounded down to 2^MEMSRV_MAX_ORDER pages: index 0
	uint32_t span;   // indices in use: base - origin + npages
	uint16_t *info;  // per index
	struct bset free[MEMSRV_MAX_ORDER + 1]; // free blocks, by order
};

extern struct zone zones[MS_ZONES_MAX];
extern uint32_t nzones, total_pages, free_pages;

// Bytes of bookkeeping a zone of npages from pfn base needs (buddy_add's mem).
size_t buddy_bytes(uint32_t base, uint32_t npages);
// Takes npages frames from pfn base (the range in memsrv's slot) into the
// allocator as a new zone, its bookkeeping in mem (buddy_bytes(base, npages)
// zeroed bytes, word aligned, kept for ever). Zones are added in rising pfn
// order and do not overlap. E_OK, E_NOSLOT when MS_ZONES_MAX zones exist,
// E_RANGE for no pages or pages beyond the 28-bit pfn space (nothing changed).
int buddy_add(uint32_t slot, uint32_t base, uint32_t npages, void *mem);
// Allocates 2^order contiguous pages for owner tag owner, from the lowest
// free block (from the highest with `high`) into *pfn. E_OK or E_NOMEM.
int buddy_alloc(unsigned order, uint8_t owner, int high, uint32_t *pfn);
// Returns the allocated block at pfn of that order (its information is
// cleared, its buddies merged). The caller has made sure nothing maps it.
void buddy_free(uint32_t pfn, unsigned order);
// The allocated block holding pfn: its first page in *head, its order in
// *order. E_OK, or E_INVAL when pfn is free or not memsrv's.
int buddy_block(uint32_t pfn, uint32_t *head, unsigned *order);
// Gives every page of the allocated block at head of that order to owner
// tag owner (PI_ORPHAN when its owner dies while the pages are mapped).
void buddy_set_owner(uint32_t head, unsigned order, uint8_t owner);
// The first allocated block of owner tag owner whose head is in
// [*pfn, end): its head in *pfn, its order in *order. 1 when found, else 0.
int buddy_next_block(uint32_t *pfn, uint32_t end, uint8_t owner, unsigned *order);

// The zone holding pfn, or NULL when memsrv does not own it.
struct zone *zone_of(uint32_t pfn);

// The information of pfn, or NULL when memsrv does not own it.
static inline uint16_t *page_info(uint32_t pfn)
{
	struct zone *z = &zones[0]; // usually the only one

	if (pfn - z->base >= z->npages && !(z = zone_of(pfn)))
		return NULL;
	return &z->info[pfn - z->origin];
}
