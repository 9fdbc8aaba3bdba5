// Page requests: MS_ALLOC, MS_FREE, MS_SHARE, MS_STATS and MS_STATS_MORE;
// the limits of each client (MS_LIMIT).
#include "ms.h"

// MS_ALLOC (order, flags[, pfn with MS_ALLOC_AT]) -> MR0 pfn. Frames come zeroed.
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
	if (flags & ~(MS_ALLOC_HIGH | MS_ALLOC_AT) || (flags & MS_ALLOC_AT && q->len < 3))
		return req_fail(q, E_INVAL, "alloc_pages with unknown flags 0x%x", flags);
	if ((1u << order) > q->c->max_pages - q->c->owned)
		return req_fail(q, E_NOMEM,
				"alloc_pages of order %u: it owns %u pages, its limit is %u", order,
				q->c->owned, q->c->max_pages);
	if (flags & MS_ALLOC_AT) {
		if ((err = buddy_alloc_at(pfn = q->w[2], order, q->c->idx)))
			return req_fail(q, err, "alloc_pages of order %u at pfn 0x%x: %s", order,
					pfn, err == E_NOMEM ? "not free" : "no such pages");
	} else if ((err = buddy_alloc(order, q->c->idx, flags & MS_ALLOC_HIGH, &pfn)) == E_NOMEM &&
		   ms_unwatched) { // a dead client's pages may be waiting
		clients_reap();
		err = buddy_alloc(order, q->c->idx, flags & MS_ALLOC_HIGH, &pfn);
	}
	if (err)
		return req_fail(q, err, "alloc_pages of order %u: %u pages free", order,
				free_pages);
	if ((err = frames_zero(pfn, 1u << order))) {
		block_release(pfn, order, NULL);
		return req_fail(q, err, "alloc_pages of order %u: cannot zero pfn 0x%x", order,
				pfn);
	}
	q->c->owned += 1u << order;
	if (q->c->nrevoked)
		pool_regain(q->c, pfn, 1u << order);
	q->c->lo = pfn < q->c->lo ? pfn : q->c->lo;
	q->c->hi = pfn + (1u << order) - 1 > q->c->hi ? pfn + (1u << order) - 1 : q->c->hi;
	q->out[0] = pfn;
	q->nout = 1;
	return E_OK;
}

// MS_FREE (pfn, order). Refused while a page of the block is vmapped
// (E_BUSY); every kmap pool, kmap_local and kmap_atomic slot holding one of
// its pages is emptied first, since memsrv cannot know which are still in
// use (kunmap and kunmap_local are no requests). -> MR0 how many of the
// caller's own pool slots went.
int ms_free(struct req *q)
{
	uint32_t pfn = q->w[0], order = q->w[1], n, head, va;
	pinfo_t *pi = page_info(pfn);
	unsigned real;

	if (q->len < 2)
		return req_fail(q, E_INVAL, "free_pages needs a pfn and an order");
	if (!pi || !(*pi & PI_OWNER) || order > MEMSRV_MAX_ORDER)
		return req_fail(q, E_INVAL, "free_pages of pfn 0x%x order %u: no such block", pfn,
				order);
	if ((*pi & PI_OWNER) != q->c->idx)
		return req_fail(q, E_PERM, "free_pages of pfn 0x%x: not its page", pfn);
	if (!(*pi & PI_HEAD) || buddy_block(pfn, &head, &real) || real != order)
		return req_fail(q, E_PERM, "free_pages of pfn 0x%x order %u: it owns no such block",
				pfn, order);
	n = 1u << order;
	if ((va = vmap_holds(q->c, pfn, n)))
		return req_fail(q, E_BUSY, "free_pages of pfn 0x%x order %u: in its vmap at 0x%x",
				pfn, order, va);
	for (uint32_t i = 0; i < n; i++) { // another client's vmap of a shared page
		uint32_t maps = map_count(pfn + i);

		if (maps)
			return req_fail(q, E_BUSY,
					"free_pages of pfn 0x%x order %u: pfn 0x%x still "
					"has %u mapping(s)",
					pfn, order, pfn + i, maps);
	}
	if (q->c->stale_hi) // its vunmapped vmaps may still show the pages
		vmap_purge(q->c);
	q->out[0] = block_release(pfn, order, q->c);
	q->nout = 1;
	q->c->owned -= n;
	return E_OK;
}

// MS_SHARE (pfn, client id).
int ms_share(struct req *q)
{
	uint32_t pfn = q->w[0];
	pinfo_t *pi = page_info(pfn);
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
	if (to->nrevoked)
		pool_regain(to, pfn, 1);
	return E_OK;
}

// MS_ALLOC and MS_FREE of one page in their common case, answered in place:
// a registered thread's capability, no flags, within the client's limit, a
// page of the first zone that nothing but its owner's kmap pool may hold.
// The same steps as ms_alloc and ms_free without a struct req; anything
// else returns 0 and goes the general way, which also names the error.
static inline __attribute__((always_inline)) int pages_fast(struct msg *m, struct ipc_buffer *ipc)
{
	uint32_t pfn = m->mr[0];
	struct mthread *t = fast_thread(m->badge);
	struct zone *z = &zones[0];
	uint32_t i = pfn - z->origin;
	struct client *c;

	(void)ipc; // (the replies map nothing)
	if ((m->info != (MSG_INFO(MS_ALLOC, 2) | MSG_CALL) &&
	     m->info != (MSG_INFO(MS_FREE, 2) | MSG_CALL)) ||
	    m->mr[1] || !t || ms_unwatched)
		return 0;
	c = t->c;
	if (m->info == (MSG_INFO(MS_ALLOC, 2) | MSG_CALL)) { // (order 0, flags 0)
		if (pfn || c->owned >= c->max_pages || c->nrevoked ||
		    buddy_alloc(0, c->idx, 0, &pfn))
			return 0;
		if (frames_zero(pfn, 1)) {
			block_release(pfn, 0, NULL);
			return 0;
		}
		c->owned++;
		c->lo = pfn < c->lo ? pfn : c->lo;
		c->hi = pfn > c->hi ? pfn : c->hi;
		m->mr[0] = pfn;
	} else { // MS_FREE (pfn, order 0): its own head, no mapping counted, no stale vmap
		if (pfn - z->base >= z->npages || z->info[i] != (c->idx | PI_HEAD) ||
		    (i + 1 < z->span && (z->info[i + 1] & (PI_OWNER | PI_HEAD)) == c->idx) ||
		    c->stale_hi || (c->nvmaps && vmap_holds(c, pfn, 1)))
			return 0;
		m->mr[0] = block_release(pfn, 0, c);
		c->owned--;
	}
	m->info = MSG_INFO(E_OK, 1);
	return 1;
}

FAST_SERVE(pages_serve_fast, pages_fast)

// MS_STATS's four words for client c into w: free pages, the pages c owns,
// its kmap_local | kmap_atomic << 16 (summed over its threads: at most
// threads_end of them to look at) and its kmap pool slots | vmaps << 16.
// Answered in place by stats_fast and through a request by ms_stats.
_Static_assert((MS_CLIENT_THREADS * KMAP_LOCAL_MAX) < 1u << 16 &&
		       (MS_CLIENT_THREADS * KMAP_ATOMIC_MAX) < 1u << 16 &&
		       KMAP_POOL_SLOTS < 1u << 16 && MS_VMAP_PAGES / 2 < 1u << 16,
	       "MS_STATS's counts fit 16 bits: a client's threads times their stacks, its "
	       "pool's slots, its vmaps (each a page and a guard page of the vmap area)");
static inline __attribute__((always_inline)) void stats_words(const struct client *c, uint32_t *w)
{
	uint32_t local = 0, atomic = 0;

	for (uint32_t i = 0; i < threads_end; i++)
		if (threads[i].badge && threads[i].c == c) {
			local += threads[i].local.depth;
			if (threads[i].atomic.depth) // (atomic_held asks the kernel)
				atomic += atomic_held(&threads[i]);
		}
	w[0] = free_pages;
	w[1] = c->owned;
	w[2] = MS_STATS_PACK(local, atomic);
	w[3] = MS_STATS_PACK(c->nkmap, c->nvmaps);
}

// MS_STATS (held) -> its four words (stats_words).
int ms_stats(struct req *q)
{
	if (q->t && q->len >= 1)
		local_held(q->t, q->w[0]);
	stats_words(q->c, q->out);
	q->nout = 4;
	return E_OK;
}

// MS_STATS in its common case, answered in place: a registered thread's
// capability, its held word, and no client to poll for death first (the
// general way reaps before stats when some could not be watched). Anything
// else returns 0 and goes the general way.
static inline __attribute__((always_inline)) int stats_fast(struct msg *m, struct ipc_buffer *ipc)
{
	struct mthread *t = fast_thread(m->badge);

	(void)ipc; // (the reply maps nothing)
	if (m->info != (MSG_INFO(MS_STATS, 1) | MSG_CALL) || !t || ms_unwatched)
		return 0;
	local_held(t, m->mr[0]);
	stats_words(t->c, m->mr);
	m->info = MSG_INFO(E_OK, 4);
	return 1;
}

FAST_SERVE(stats_serve_fast, stats_fast)

// MS_STATS_MORE -> memsrv's pages, the caller's log lines written and left
// out, its page and mappings limits.
int ms_stats_more(struct req *q)
{
	q->out[0] = total_pages;
	q->out[1] = q->c->log.written;
	q->out[2] = q->c->log.dropped;
	q->out[3] = q->c->max_pages;
	q->out[4] = q->c->max_maps;
	q->nout = 5;
	return E_OK;
}

int limit_maps(struct req *q, const char *what)
{
	if (!maps_full(q->c))
		return E_OK;
	return req_fail(q, E_NOMEM, "%s: it holds %u kmap(s) and %u vmap(s), its limit is %u", what,
			q->c->nkmap, q->c->nvmaps, q->c->max_maps);
}

// Limits init set for programs that have not said MS_HELLO yet; the oldest
// goes when they are all taken (its program then gets the default).
static struct {
	uint32_t id, pages, maps;
} pending[MS_CLIENTS_MAX];
static uint32_t npending_next;

// MS_LIMIT (client id, pages, mappings), from the unbadged capability.
int ms_limit(struct req *q)
{
	uint32_t id = q->w[0], i;
	struct client *c = client_by_id(id);

	if (q->len < 3 || !id || id & THREAD_BADGE)
		return req_fail(q, E_INVAL, "MS_LIMIT needs a program id, pages and mappings");
	if (c) { // running already: from now on (what it holds stays)
		c->max_pages = q->w[1];
		c->max_maps = q->w[2];
		return E_OK;
	}
	for (i = 0; i < MS_CLIENTS_MAX && pending[i].id && pending[i].id != id; i++)
		;
	if (i == MS_CLIENTS_MAX)
		i = npending_next++ % MS_CLIENTS_MAX;
	pending[i].id = id;
	pending[i].pages = q->w[1];
	pending[i].maps = q->w[2];
	return E_OK;
}

void limits_apply(struct client *c)
{
	c->max_pages = total_pages / MS_DEFAULT_PAGES_DIV;
	c->max_maps = MS_DEFAULT_MAPS;
	for (uint32_t i = 0; i < MS_CLIENTS_MAX; i++)
		if (pending[i].id == c->id) {
			c->max_pages = pending[i].pages;
			c->max_maps = pending[i].maps;
			pending[i].id = 0;
		}
}
