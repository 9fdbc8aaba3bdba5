// The buddy allocator over the HIGHMEM ranges init gave memsrv. Each range
// is a zone indexed from its base rounded down to 2^MEMSRV_MAX_ORDER pages,
// so blocks are naturally aligned in physical memory (as Linux's); indices
// below the base are never free. Per zone: one bitmap of free blocks per
// order (with summary levels, about 0.26 bytes a page) and one byte of
// information per page.
#include <string.h>

#include "buddy.h"

struct zone zones[MS_ZONES_MAX];
uint32_t nzones, total_pages, free_pages;

uint32_t buddy_info_bytes(uint32_t base, uint32_t npages)
{
	return (base & ((1u << MEMSRV_MAX_ORDER) - 1)) + npages;
}

size_t buddy_free_words(uint32_t base, uint32_t npages)
{
	uint32_t span = buddy_info_bytes(base, npages);
	size_t words = 0;

	for (unsigned k = 0; k <= MEMSRV_MAX_ORDER; k++)
		words += bset_words((span >> k) + 1);
	return words;
}

#define BUDDY_PAGE 4096u // bytes of a page (the leaf does without user.h)

// Pages of the bookkeeping of n pages from pfn base.
static void books(uint32_t base, uint32_t n, uint32_t *ipages, uint32_t *fpages)
{
	*ipages = (buddy_info_bytes(base, n) + BUDDY_PAGE - 1) / BUDDY_PAGE;
	*fpages = (uint32_t)((buddy_free_words(base, n) * 4 + BUDDY_PAGE - 1) / BUDDY_PAGE);
}

void buddy_fit(uint32_t base, uint32_t npages, uint32_t info_room, uint32_t free_room, uint32_t *n,
	       uint32_t *ipages, uint32_t *fpages)
{
	uint32_t lo = 0, hi = npages;

	// The most pages whose books fit (the fit only shrinks as n grows).
	while (lo < hi) {
		uint32_t mid = hi - (hi - lo) / 2;

		books(base, mid, ipages, fpages);
		if (mid + *ipages + *fpages <= npages && *ipages <= info_room &&
		    *fpages <= free_room)
			lo = mid;
		else
			hi = mid - 1;
	}
	// The zone ends on a 2^MEMSRV_MAX_ORDER boundary, as RAM does: no small
	// blocks at its top, which plain allocations (the smallest block that
	// fits) would take before the bottom's.
	if ((base + lo) >> MEMSRV_MAX_ORDER > base >> MEMSRV_MAX_ORDER)
		lo = ((base + lo) & ~((1u << MEMSRV_MAX_ORDER) - 1)) - base;
	*n = lo;
	books(base, lo, ipages, fpages);
}

// Block j of order k of z is free now / not any more.
static inline void free_add(struct zone *z, unsigned k, uint32_t j)
{
	bset_set(&z->free[k], j);
	z->orders |= 1u << k;
}

static inline void free_del(struct zone *z, unsigned k, uint32_t j)
{
	bset_clear(&z->free[k], j);
	if (bset_empty(&z->free[k]))
		z->orders &= ~(1u << k);
}

int buddy_add(uint32_t slot, uint32_t base, uint32_t npages, pinfo_t *info, uint32_t *words)
{
	struct zone *z = &zones[nzones];

	if (nzones == MS_ZONES_MAX)
		return E_NOSLOT;
	if (!npages || base >> 28 || npages > (1u << 28) - base) // PFNs hold 28 bits
		return E_RANGE;
	z->slot = slot;
	z->base = base;
	z->npages = npages;
	z->origin = z->base & ~((1u << MEMSRV_MAX_ORDER) - 1);
	z->span = z->base - z->origin + z->npages;
	z->info = info;
	for (unsigned k = 0; k <= MEMSRV_MAX_ORDER; k++) {
		bset_init(&z->free[k], (z->span >> k) + 1, words);
		words += bset_words((z->span >> k) + 1);
	}
	// Carve the range into the largest aligned blocks that fit.
	for (uint32_t i = z->base - z->origin; i < z->span;) {
		unsigned k = MEMSRV_MAX_ORDER;

		while (k && ((i & ((1u << k) - 1)) || i + (1u << k) > z->span))
			k--;
		free_add(z, k, i >> k);
		i += 1u << k;
	}
	nzones++;
	total_pages += z->npages;
	free_pages += z->npages;
	return E_OK;
}

// Marks the 2^order pages at index i of z allocated to owner.
static void take(struct zone *z, uint32_t i, unsigned order, uint8_t owner)
{
	z->info[i] = owner | PI_HEAD;
	if (order)
		memset(&z->info[i + 1], owner, (1u << order) - 1);
	free_pages -= 1u << order;
}

// Returns the 2^order pages at index i of z to its bitmaps, merged with
// their free buddies.
static void merge_free(struct zone *z, uint32_t i, unsigned order)
{
	uint32_t j = i >> order;
	unsigned k = order;

	while (k < MEMSRV_MAX_ORDER) { // merge with free buddies
		uint32_t b = j ^ 1;

		if ((b + 1) << k > z->span || !bset_test(&z->free[k], b))
			break;
		free_del(z, k, b);
		j >>= 1;
		k++;
	}
	free_add(z, k, j);
}

// Every zone's hot pages go back to its bitmaps.
static void hot_drain(void)
{
	for (uint32_t n = 0; n < nzones; n++) {
		struct zone *z = &zones[n];

		while (z->nhot)
			merge_free(z, z->hot[--z->nhot], 0);
	}
}

// The free block to split for 2^order pages in z: the smallest that fits
// (the lowest of its order), or with `high` the one reaching highest. Its
// order in *k; -1 when z has none.
static int32_t pick(struct zone *z, unsigned order, int high, unsigned *k)
{
	uint32_t m = z->orders >> order << order; // the orders that can serve
	int32_t best = -1;

	if (m && !high) {
		*k = (unsigned)__builtin_ctz(m);
		return bset_first(&z->free[*k]);
	}
	for (; m; m &= m - 1) {
		unsigned o = (unsigned)__builtin_ctz(m);
		int32_t j = bset_last(&z->free[o]);

		if (best < 0 || ((uint32_t)j + 1) << o > ((uint32_t)best + 1) << *k) {
			best = j;
			*k = o;
		}
	}
	return best;
}

int buddy_alloc(unsigned order, uint8_t owner, int high, uint32_t *pfn)
{
	struct zone *z = &zones[0];

	if (!order && !high && z->nhot) { // (other zones' are drained first)
		uint32_t i = z->hot[--z->nhot];

		z->info[i] = owner | PI_HEAD;
		free_pages--;
		*pfn = z->origin + i;
		return E_OK;
	}
	hot_drain();
	for (uint32_t n = 0; n < nzones; n++) {
		unsigned k;

		z = &zones[high ? nzones - 1 - n : n];
		int32_t j = pick(z, order, high, &k);

		if (j < 0)
			continue;
		free_del(z, k, (uint32_t)j);
		while (k >
		       order) { // split: keep one half (the upper one when high), free the other
			k--;
			j *= 2;
			free_add(z, k, (uint32_t)j + !high);
			j += high;
		}
		uint32_t i = (uint32_t)j << order;
		take(z, i, order, owner);
		*pfn = z->origin + i;
		return E_OK;
	}
	return E_NOMEM;
}

int buddy_alloc_at(uint32_t pfn, unsigned order, uint8_t owner)
{
	struct zone *z = zone_of(pfn);
	uint32_t i = z ? pfn - z->origin : 0;

	hot_drain();
	if (!z || order > MEMSRV_MAX_ORDER || (pfn & ((1u << order) - 1)) ||
	    pfn + (1u << order) > z->base + z->npages)
		return E_INVAL;
	for (unsigned k = order; k <= MEMSRV_MAX_ORDER; k++) {
		uint32_t j = i >> k;

		if (!bset_test(&z->free[k], j))
			continue;
		free_del(z, k, j);
		while (k > order) { // split: free the half without pfn
			k--;
			j = i >> k;
			free_add(z, k, j ^ 1);
		}
		take(z, i, order, owner);
		return E_OK;
	}
	return E_NOMEM;
}

void buddy_free(uint32_t pfn, unsigned order)
{
	struct zone *z = zone_of(pfn);

	if (!order && z->nhot < BUDDY_HOT) {
		z->info[pfn - z->origin] = 0;
		z->hot[z->nhot++] = pfn - z->origin;
		free_pages++;
		return;
	}
	memset(&z->info[pfn - z->origin], 0, 1u << order);
	merge_free(z, pfn - z->origin, order);
	free_pages += 1u << order;
}

struct zone *zone_find(uint32_t pfn)
{
	for (uint32_t n = 0; n < nzones; n++)
		if (pfn >= zones[n].base && pfn - zones[n].base < zones[n].npages)
			return &zones[n];
	return NULL;
}

// The order of z's allocated block whose head is index i: its length,
// the pages after the head of the same owner without PI_HEAD. One page per
// order is enough: the page 2^k after the head, when it is of the same
// owner and no head, belongs to a block whose head lies before it, in the
// 2^k pages already known to be this block's; so, blocks being aligned, the
// block holds all 2^(k + 1).
static unsigned block_order(const struct zone *z, uint32_t i)
{
	uint32_t owner = z->info[i] & PI_OWNER;
	unsigned k = 0;

	while (k < MEMSRV_MAX_ORDER && i + (1u << k) < z->span &&
	       (z->info[i + (1u << k)] & (PI_OWNER | PI_HEAD)) == owner)
		k++;
	return k;
}

int buddy_block(uint32_t pfn, uint32_t *head, unsigned *order)
{
	struct zone *z = zone_of(pfn);
	uint32_t i = z ? pfn - z->origin : 0;

	if (!z || !(z->info[i] & PI_OWNER))
		return E_INVAL;
	while (!(z->info[i] & PI_HEAD))
		i--;
	*head = z->origin + i;
	*order = block_order(z, i);
	return E_OK;
}

void buddy_set_owner(uint32_t head, unsigned order, uint8_t owner)
{
	pinfo_t *pi = page_info(head);

	for (uint32_t p = 0; p < 1u << order; p++)
		pi[p] = (pinfo_t)((pi[p] & ~PI_OWNER) | owner);
}

int buddy_next_block(uint32_t *pfn, uint32_t end, uint8_t owner, unsigned *order)
{
	for (uint32_t n = 0; n < nzones; n++) {
		struct zone *z = &zones[n];
		uint32_t i = *pfn > z->origin ? *pfn - z->origin : 0;
		uint32_t stop = end > z->origin ? end - z->origin : 0;

		for (stop = stop < z->span ? stop : z->span; i < stop; i++)
			if ((z->info[i] & (PI_OWNER | PI_HEAD)) == (owner | PI_HEAD)) {
				*pfn = z->origin + i;
				*order = block_order(z, i);
				return 1;
			}
	}
	return 0;
}
