// Page requests: MS_ALLOC, MS_FREE, MS_SHARE and MS_STATS.
#include "ms.h"

// MS_ALLOC (order, flags) -> MR0 pfn. Frames come zeroed.
int ms_alloc(struct req *q)
{
	uint32_t order = q->w[0], flags = q->w[1], pfn;
	int err;

	if (q->len < 1)
		return req_fail(q, E_INVAL, "alloc_pages without an order");
	if (order > MEMSRV_MAX_ORDER)
		return req_fail(q, E_ORDER, "alloc_pages of order %u, beyond %u", order,
				MEMSRV_MAX_ORDER);
	if (q->len < 2)
		flags = 0;
	if (flags & ~MS_ALLOC_HIGH)
		return req_fail(q, E_INVAL, "alloc_pages with unknown flags 0x%x", flags);
	err = buddy_alloc(order, q->c->idx, flags & MS_ALLOC_HIGH, &pfn);
	if (err == E_NOMEM && ms_unwatched) { // a dead client's pages may be waiting
		clients_reap();
		err = buddy_alloc(order, q->c->idx, flags & MS_ALLOC_HIGH, &pfn);
	}
	if (err)
		return req_fail(q, err, "alloc_pages of order %u: %u pages free", order,
				free_pages);
	if ((err = frames_zero(pfn, 1u << order))) {
		buddy_free(pfn, order);
		return req_fail(q, err, "alloc_pages of order %u: cannot zero pfn 0x%x", order,
				pfn);
	}
	q->c->owned += 1u << order;
	q->c->lo = pfn < q->c->lo ? pfn : q->c->lo;
	q->c->hi = pfn + (1u << order) - 1 > q->c->hi ? pfn + (1u << order) - 1 : q->c->hi;
	q->out[0] = pfn;
	q->nout = 1;
	return E_OK;
}

// MS_FREE (pfn, order). Refused while a page of the block is mapped
// anywhere (E_BUSY); stale pool slots of its pages are cleared first.
int ms_free(struct req *q)
{
	uint32_t pfn = q->w[0], order = q->w[1], n, lmaps;
	uint16_t *pi = page_info(pfn);

	if (q->len < 2)
		return req_fail(q, E_INVAL, "free_pages needs a pfn and an order");
	if (!pi || !(*pi & PI_OWNER) || order > MEMSRV_MAX_ORDER)
		return req_fail(q, E_INVAL, "free_pages of pfn 0x%x order %u: no such block", pfn,
				order);
	if ((*pi & PI_OWNER) != q->c->idx)
		return req_fail(q, E_PERM, "free_pages of pfn 0x%x: not its page", pfn);
	if (!(*pi & PI_HEAD) || (*pi & PI_ORDER_MASK) >> PI_ORDER_SHIFT != order)
		return req_fail(q, E_PERM, "free_pages of pfn 0x%x order %u: it owns no such block",
				pfn, order);
	n = 1u << order;
	if ((lmaps = local_maps_in(pfn, n)))
		return req_fail(q, E_BUSY,
				"free_pages of pfn 0x%x order %u: %u kmap_local/kmap_atomic mapping(s) left",
				pfn, order, lmaps);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t maps = map_count(pfn + i);

		if (maps > (uint32_t)pool_stale(pfn + i))
			return req_fail(q, E_BUSY,
					"free_pages of pfn 0x%x order %u: pfn 0x%x still "
					"has %u mapping(s)",
					pfn, order, pfn + i, maps);
	}
	for (uint32_t i = 0; i < n; i++) {
		pool_clear_stale(pfn + i);
		share_revoke(pfn + i);
	}
	buddy_free(pfn, order);
	q->c->owned -= n;
	return E_OK;
}

// MS_SHARE (pfn, client id).
int ms_share(struct req *q)
{
	uint32_t pfn = q->w[0];
	uint16_t *pi = page_info(pfn);
	struct client *to = client_by_id(q->w[1]);
	int err;

	if (q->len < 2)
		return req_fail(q, E_INVAL, "share needs a pfn and a client");
	if (!pi || (*pi & PI_OWNER) != q->c->idx)
		return req_fail(q, E_PERM, "share of pfn 0x%x: not its page", pfn);
	if (!to)
		return req_fail(q, E_INVAL, "share of pfn 0x%x with client %u: no such client", pfn,
				q->w[1]);
	if (to != q->c && (err = share_add(pfn, to->idx)))
		return req_fail(q, err, "share of pfn 0x%x: no memory for the record", pfn);
	return E_OK;
}

// MS_STATS -> free, used, then the client's kmap_local, kmap_atomic, kmap,
// vmaps and owned pages.
int ms_stats(struct req *q)
{
	uint32_t local = 0, atomic = 0;

	for (uint32_t i = 0; i < MS_THREADS_MAX; i++)
		if (threads[i].badge && threads[i].c == q->c) {
			local += threads[i].local.depth;
			atomic += threads[i].atomic.depth;
		}
	q->out[0] = free_pages;
	q->out[1] = total_pages - free_pages;
	q->out[2] = local;
	q->out[3] = atomic;
	q->out[4] = q->c->nkmap;
	q->out[5] = q->c->nvmaps;
	q->out[6] = q->c->owned;
	q->nout = 7;
	return E_OK;
}
