// Pages leaving their owner: the one order in which a block goes back to
// the allocator (every slot ever written with its pages cleared, its shares
// revoked, then freed), and orphans (blocks whose owner died while others
// still mapped them) freed at their last unmap. The allocator and the page
// metadata below decide nothing of this.
#include "ms.h"

uint32_t block_release(uint32_t pfn, unsigned order, const struct client *by)
{
	uint32_t n = 1u << order, own = pool_clear(pfn, n, by);

	for (uint32_t p = pfn; p < pfn + n; p++)
		if (*page_info(p) & PI_META) // (else it has no record to look for)
			share_revoke(p);
	local_release(pfn, n);
	buddy_free(pfn, order);
	return own;
}

void orphan_unmapped(uint32_t pfn)
{
	pinfo_t *pi = page_info(pfn);
	uint32_t head;
	unsigned order;

	if (!pi || (*pi & PI_OWNER) != PI_ORPHAN || map_count(pfn) ||
	    buddy_block(pfn, &head, &order))
		return;
	for (uint32_t p = head; p < head + (1u << order); p++)
		if (map_count(p))
			return;
	if (!local_maps_in(head, 1u << order)) {
		orphan_pages -= 1u << order;
		block_release(head, order, NULL);
	}
}

uint32_t orphan_pages;

void block_orphan(uint32_t head, unsigned order)
{
	buddy_set_owner(head, order, PI_ORPHAN);
	orphan_pages += 1u << order;
}
