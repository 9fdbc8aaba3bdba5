// The HIGHMEM ranges init gave memsrv, taken into the allocator. Each range
// keeps its own books: its top pages hold its zone's page information (one
// byte a page) and free-block bitmaps, mapped into memsrv's own space at
// the next free addresses of two regions (MS_INFO_VA, MS_FREE_VA). So
// memsrv's own memory (its quota) holds only the page tables of those
// mappings, whatever the size of RAM.
#include <stdio.h>

#include "ms.h"

static uint32_t info_va = MS_INFO_VA, free_va = MS_FREE_VA; // next free addresses
#define SECTION 0x200000u // what one page table maps (LPAE level 3)
_Static_assert(MS_INFO_VA % SECTION == 0 && MS_FREE_VA % SECTION == 0,
	       "each region starts a page table of its own");

// Maps npages of range slot from page off at va in memsrv's space and
// zeroes them. E_OK or SPACE_MAP's error (nothing left mapped).
static int books_map(uint32_t slot, uint32_t off, uint32_t va, uint32_t npages)
{
	int err = space_map(user_env.space, slot, off, va, npages, MS_PAGE_RW);

	if (!err)
		zero_pages(va, npages);
	return err;
}

uint32_t range_add(uint32_t slot, uint32_t *unused)
{
	uint32_t npages, pfn, n, ipages, fpages;
	uint64_t base;
	int err;

	*unused = 0;
	if ((err = range_info(slot, &base, &npages)) ||
	    (err = base >> 40 || !npages || (base >> 12) + npages > 1u << 28 ? E_RANGE : E_OK)) {
		printf("memsrv: range in slot %u left out: %s\n", slot, hmk_strerror(err));
		return 0;
	}
	pfn = (uint32_t)(base >> 12);
	buddy_fit(pfn, npages, (MS_INFO_END - info_va) / PAGE_SIZE,
		  (MS_FREE_END - free_va) / PAGE_SIZE, &n, &ipages, &fpages);
	err = n ? books_map(slot, npages - ipages - fpages, info_va, ipages) : E_NOMEM;
	if (!err && (err = books_map(slot, npages - fpages, free_va, fpages)))
		space_unmap(user_env.space, info_va, ipages);
	if (!err && (err = buddy_add(slot, pfn, n, (pinfo_t *)info_va, (uint32_t *)free_va))) {
		space_unmap(user_env.space, info_va, ipages);
		space_unmap(user_env.space, free_va, fpages);
	}
	if (err) {
		printf("memsrv: range in slot %u (%u MiB) left out: %s\n", slot, npages >> 8,
		       hmk_strerror(err));
		return 0;
	}
	info_va += ipages * PAGE_SIZE;
	free_va += fpages * PAGE_SIZE;
	if (n + ipages + fpages + (1u << MEMSRV_MAX_ORDER) <= npages)
		printf("memsrv: range in slot %u: %u of its %u pages left out (no room for their "
		       "bookkeeping)\n",
		       slot, npages - n - ipages - fpages, npages);
	*unused = npages - n - ipages - fpages;
	return ipages + fpages;
}

uint32_t books_tables(void)
{
	return (info_va - MS_INFO_VA + SECTION - 1) / SECTION +
	       (free_va - MS_FREE_VA + SECTION - 1) / SECTION;
}
