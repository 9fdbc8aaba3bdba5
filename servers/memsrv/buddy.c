// The buddy allocator over the HIGHMEM ranges init gave memsrv. Each range
// is a zone indexed from its base rounded down to 2^MEMSRV_MAX_ORDER pages,
// so blocks are naturally aligned in physical memory (as Linux's); indices
// below the base are never free. Per zone: one bitmap of free blocks per
// order (with summary levels) and 16 bits of information per page, about
// 2.3 bytes of memsrv's own memory per page in all.
//
// Frames are zeroed when they are allocated, through memsrv's own window:
// a dead client's data stays in its freed frames until the next owner gets
// them, but no one can map a free frame, so nothing leaks. That window is
// in memsrv's space only, so its slots are used in turn and left mapped;
// all are cleared in one batch when the turn wraps (no flush per page).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ms.h"

struct zone zones[MS_ZONES_MAX];
uint32_t nzones, total_pages, free_pages;
static uint32_t zero_win;  // memsrv's own window at MS_ZERO_VA; 0: map with SPACE_MAP
static uint32_t zero_next; // its first slot not used since the last clear

int buddy_add(uint32_t slot)
{
	struct zone *z = &zones[nzones];
	size_t words = 0;
	uint32_t *mem, npages;
	uint64_t base;
	int err;

	if (nzones == MS_ZONES_MAX)
		return E_NOSLOT;
	if ((err = range_info(slot, &base, &npages)))
		return err;
	if (base >> 44 || !npages) // PFNs hold 28 bits: below 1 TiB
		return E_RANGE;
	z->slot = slot;
	z->base = (uint32_t)(base >> 12);
	z->npages = npages;
	z->origin = z->base & ~((1u << MEMSRV_MAX_ORDER) - 1);
	z->span = z->base - z->origin + z->npages;
	for (unsigned k = 0; k <= MEMSRV_MAX_ORDER; k++)
		words += bset_words((z->span >> k) + 1);
	z->info = calloc(z->span, sizeof(*z->info));
	mem = calloc(words, sizeof(*mem));
	if (!z->info || !mem) {
		free(z->info);
		free(mem);
		return E_NOMEM;
	}
	for (unsigned k = 0; k <= MEMSRV_MAX_ORDER; k++) {
		bset_init(&z->free[k], (z->span >> k) + 1, mem);
		mem += bset_words((z->span >> k) + 1);
	}
	// Carve the range into the largest aligned blocks that fit.
	for (uint32_t i = z->base - z->origin; i < z->span;) {
		unsigned k = MEMSRV_MAX_ORDER;

		while (k && ((i & ((1u << k) - 1)) || i + (1u << k) > z->span))
			k--;
		bset_set(&z->free[k], i >> k);
		i += 1u << k;
	}
	nzones++;
	total_pages += z->npages;
	free_pages += z->npages;
	return E_OK;
}

// The free block to split for 2^order pages in z: the smallest that fits
// (the lowest of its order), or with `high` the one reaching highest. Its
// order in *k; -1 when z has none.
static int32_t pick(struct zone *z, unsigned order, int high, unsigned *k)
{
	int32_t best = -1;

	for (unsigned o = order; o <= MEMSRV_MAX_ORDER; o++) {
		int32_t j = high ? bset_last(&z->free[o]) : bset_first(&z->free[o]);
		if (j < 0)
			continue;
		if (!high) {
			*k = o;
			return j;
		}
		if (best < 0 || ((uint32_t)j + 1) << o > ((uint32_t)best + 1) << *k) {
			best = j;
			*k = o;
		}
	}
	return best;
}

int buddy_alloc(unsigned order, uint8_t owner, int high, uint32_t *pfn)
{
	for (uint32_t n = 0; n < nzones; n++) {
		struct zone *z = &zones[high ? nzones - 1 - n : n];
		unsigned k;
		int32_t j = pick(z, order, high, &k);

		if (j < 0)
			continue;
		bset_clear(&z->free[k], (uint32_t)j);
		while (k >
		       order) { // split: keep one half (the upper one when high), free the other
			k--;
			j *= 2;
			bset_set(&z->free[k], (uint32_t)j + !high);
			j += high;
		}
		uint32_t i = (uint32_t)j << order;
		z->info[i] = owner | PI_HEAD | order << PI_ORDER_SHIFT;
		for (uint32_t p = 1; p < 1u << order; p++)
			z->info[i + p] = owner;
		free_pages -= 1u << order;
		*pfn = z->origin + i;
		return E_OK;
	}
	return E_NOMEM;
}

void buddy_free(uint32_t pfn, unsigned order)
{
	struct zone *z = zone_of(pfn);

	stale_flush(); // a lazily unmapped slot may still show the page
	uint32_t i = pfn - z->origin, j = i >> order;
	unsigned k = order;

	memset(&z->info[i], 0, (sizeof(*z->info)) << order);
	while (k < MEMSRV_MAX_ORDER) { // merge with free buddies
		uint32_t b = j ^ 1;

		if ((b + 1) << k > z->span || !bset_test(&z->free[k], b))
			break;
		bset_clear(&z->free[k], b);
		j >>= 1;
		k++;
	}
	bset_set(&z->free[k], j);
	free_pages += 1u << order;
}

struct zone *zone_of(uint32_t pfn)
{
	for (uint32_t n = 0; n < nzones; n++)
		if (pfn >= zones[n].base && pfn - zones[n].base < zones[n].npages)
			return &zones[n];
	return NULL;
}

uint16_t *page_info(uint32_t pfn)
{
	struct zone *z = zone_of(pfn);

	return z ? &z->info[pfn - z->origin] : NULL;
}

int frames_map_reply(struct req *q, uint32_t win, uint32_t slot, uint32_t pfn, uint32_t prot)
{
	struct zone *z = zone_of(pfn);

	if (!z)
		return E_PERM; // callers checked the page: not reached
	ipc_buffer_map(user_ipcbuf(), win, slot, z->slot, pfn - z->base, 1, prot);
	q->map_reply = 1;
	return E_OK;
}

int frames_map(uint32_t win, uint32_t first, uint32_t pfn, uint32_t n, uint32_t prot)
{
	while (n) {
		struct zone *z = zone_of(pfn);
		uint32_t k;
		int err;

		if (!z)
			return E_PERM; // callers checked every page: not reached
		k = z->base + z->npages - pfn;
		k = k < n ? k : n;
		err = window_map(win, first, z->slot, pfn - z->base, k, prot);
		if (err)
			return err;
		first += k;
		pfn += k;
		n -= k;
	}
	return E_OK;
}

int frames_init(void)
{
	int err = ms_create(CAP_WINDOW, &zero_win);

	if (!err && (err = window_bind(zero_win, WIN_SPACE, user_env.space, MS_ZERO_VA))) {
		ms_slot_destroy(zero_win);
		zero_win = 0;
	}
	return err;
}

// Zeroes n pages from va with multi-register stores: two STMs of eight
// zeroed registers per 64 bytes, 4 instructions where picolibc's memset
// (word stores, 12 instructions per 32 bytes) takes 24; about 260
// instructions a page instead of 1,540. Zeroing on demand, not ahead of it:
// a page zeroed ahead costs the same stores, only earlier, and a queue of
// zeroed pages to keep.
static void zero_pages(uint32_t va, uint32_t n)
{
	uint32_t p = va, end = va + n * PAGE_SIZE;

	__asm__ volatile("mov r3, #0\n\tmov r4, #0\n\tmov r5, #0\n\tmov r6, #0\n\t"
			 "mov r8, #0\n\tmov r9, #0\n\tmov r10, #0\n\tmov r12, #0\n"
			 "1:\tstmia %0!, {r3-r6, r8-r10, r12}\n\t"
			 "stmia %0!, {r3-r6, r8-r10, r12}\n\t"
			 "cmp %0, %1\n\t"
			 "bne 1b"
			 : "+r"(p)
			 : "r"(end)
			 : "r3", "r4", "r5", "r6", "r8", "r9", "r10", "r12", "cc", "memory");
}

// Zeroes n <= WINDOW_SLOTS frames from pfn, all in zone z.
static int zero_chunk(struct zone *z, uint32_t pfn, uint32_t n)
{
	uint32_t off = pfn - z->base;
	int err;

	if (zero_win) {
		if (zero_next + n > WINDOW_SLOTS) {
			if ((err = window_clear(zero_win, 0, zero_next)))
				return err;
			zero_next = 0;
		}
		err = window_map(zero_win, zero_next, z->slot, off, n, MS_PAGE_RW);
		if (err)
			return err;
		zero_pages(MS_ZERO_VA + zero_next * PAGE_SIZE, n);
		zero_next += n;
		return E_OK;
	}
	err = space_map(user_env.space, z->slot, off, MS_ZERO_VA, n, MS_PAGE_RW);
	if (err)
		return err;
	zero_pages(MS_ZERO_VA, n);
	return space_unmap(user_env.space, MS_ZERO_VA, n);
}

int frames_zero(uint32_t pfn, uint32_t n)
{
	while (n) {
		struct zone *z = zone_of(pfn);
		uint32_t k = z->base + z->npages - pfn;
		int err;

		k = k < n ? k : n;
		k = k < WINDOW_SLOTS ? k : WINDOW_SLOTS;
		if ((err = zero_chunk(z, pfn, k)))
			return err;
		pfn += k;
		n -= k;
	}
	return E_OK;
}
