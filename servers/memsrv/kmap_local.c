// kmap_local and kmap_atomic: two stacks per registered thread, mapped in
// its own window (bound WIN_THREAD at MEMSRV_LOCAL_VA, so its siblings
// cannot see it): kmap_local in slots 0..255, kmap_atomic in 256..511.
// Mappings are strictly nested (at most 16 each) but do not sit in fixed
// slots: each map takes the next slot of its region in turn, and an unmap
// leaves its entry behind, stale, as Linux's pkmap does for kmap. When the
// turn wraps, or before any page goes back to the allocator (stale_flush),
// every stale slot of the region is emptied at once: one WINDOW_CLEAR per
// run, one TLB flush. So a map writes an empty slot (no flush), an unmap
// costs no system call, and no entry outlives its page's ownership. Only
// the thread itself could still read through a stale slot, a page it was
// allowed to map, until the next flush.
//
// The kernel writes a map with the reply (MSG_MAP): memsrv makes no system
// call of its own for a kmap_local. These mappings are not in the per-page
// map counts (pagemeta.c): the stacks say what is mapped, and
// local_maps_in() reads them where a page's mappings matter (freeing it).
// The first atomic mapping pins the
// thread (THREAD_ATOMIC on its thread capability, naming the atomic region,
// which the kernel empties itself if the pin is held too long); the last
// one unpins it. A kmap_atomic lives only while its thread is pinned: when
// memsrv finds the pin gone (the kernel ends it after ATOMIC_LIMIT_TICKS,
// or when the thread stops), it empties the region and forgets the stack.
#include "ms.h"

struct stack_kind {
	const char *map, *unmap; // names for log lines
	uint32_t first, size;    // its region of the window
};

static const struct stack_kind local_kind = { "kmap_local", "kunmap_local", 0, KMAP_ATOMIC_FIRST };
static const struct stack_kind atomic_kind = { "kmap_atomic", "kunmap_atomic", KMAP_ATOMIC_FIRST,
					       WINDOW_SLOTS - KMAP_ATOMIC_FIRST };

static int live(const struct mstack *st, uint32_t slot)
{
	for (uint32_t i = 0; i < st->depth; i++)
		if (st->slot[i] == slot)
			return 1;
	return 0;
}

// Empties the stale slots of st's region (all but its live ones).
static void flush_region(struct mthread *t, const struct stack_kind *k, struct mstack *st)
{
	uint32_t run = k->first;

	for (uint32_t s = k->first; s <= k->first + k->size; s++) {
		if (s < k->first + k->size && !live(st, s))
			continue;
		if (s > run) // [run, s) holds no live mapping
			window_clear(t->win, run, s - run);
		run = s + 1;
	}
	st->dirty = 0;
}

// The slot the next map of st takes: the next one in turn that holds no live
// mapping, after a flush when the turn wraps.
static uint32_t next_slot(struct mthread *t, const struct stack_kind *k, struct mstack *st)
{
	for (;;) {
		if (st->cursor == k->size) {
			flush_region(t, k, st);
			st->cursor = 0;
		}
		uint32_t s = k->first + st->cursor++;
		if (!live(st, s))
			return s;
	}
}

void stale_flush(void)
{
	for (uint32_t i = 0; i < MS_THREADS_MAX; i++) {
		struct mthread *t = &threads[i];
		if (!t->badge)
			continue;
		if (t->local.dirty)
			flush_region(t, &local_kind, &t->local);
		if (t->atomic.dirty)
			flush_region(t, &atomic_kind, &t->atomic);
	}
}

// Pushes q's pfn onto stack st. E_OK with the va in q->out and the mapping
// in q->map (the kernel makes it with the reply).
static int push(struct req *q, struct mthread *t, const struct stack_kind *k, struct mstack *st)
{
	uint32_t pfn = q->w[0], slot;
	int err;

	if (q->len < 1)
		return req_fail(q, E_INVAL, "%s without a pfn", k->map);
	if (st->depth == KMAP_LOCAL_MAX)
		return req_fail(q, E_NOSLOT, "%s of pfn 0x%x: %u mappings already", k->map, pfn,
				KMAP_LOCAL_MAX);
	if ((err = page_access(q->c->idx, pfn)))
		return req_fail(q, err, "%s of pfn 0x%x: neither owned nor shared", k->map, pfn);
	slot = next_slot(t, k, st);
	frames_map_reply(q, t->win, slot, pfn, MS_PAGE_RW);
	st->pi[st->depth] = page_info(pfn);
	st->pfn[st->depth] = pfn;
	st->slot[st->depth++] = slot;
	st->dirty = 1;
	q->undo_t = t;
	q->undo_stack = st;
	q->out[0] = MEMSRV_LOCAL_VA + slot * PAGE_SIZE;
	q->nout = 1;
	return E_OK;
}

// Pops the newest mapping of st, which va (any address in its page) must name.
static int pop(struct req *q, const struct stack_kind *k, struct mstack *st)
{
	uint32_t va = q->w[0], slot = (va - MEMSRV_LOCAL_VA) / PAGE_SIZE;

	if (q->len < 1)
		return req_fail(q, E_INVAL, "%s without an address", k->unmap);
	if (va < MEMSRV_LOCAL_VA || slot < k->first || slot >= k->first + k->size ||
	    !live(st, slot))
		return req_fail(q, E_INVAL, "%s of 0x%x: no %s mapping there", k->unmap, va,
				k->map);
	if (slot != st->slot[st->depth - 1])
		return req_fail(q, E_ORDER, "%s of 0x%x, not the newest mapping", k->unmap, va);
	st->depth--;
	if ((*st->pi[st->depth] & PI_OWNER) == PI_ORPHAN) // the entry stays, stale
		orphan_unmapped(st->pfn[st->depth]);
	return E_OK;
}

uint32_t atomic_held(struct mthread *t)
{
	uint32_t pinned;

	if (!t->atomic.depth || thread_atomic(t->thread, ATOMIC_QUERY, &pinned) || pinned)
		return t->atomic.depth;
	struct req q = { .c = t->c };
	uint32_t n = t->atomic.depth;

	req_fail(&q, E_BUSY,
		 "thread %u is no longer pinned (held too long, or stopped): its %u "
		 "kmap_atomic mapping(s) are taken back",
		 t->serial, n);
	t->atomic.depth = 0;                       // first: freeing an orphan looks at the stacks
	flush_region(t, &atomic_kind, &t->atomic); // a stop unpins, but leaves them mapped
	while (n)
		orphan_unmapped(t->atomic.pfn[--n]);
	return 0;
}

uint32_t local_maps_in(uint32_t pfn, uint32_t n)
{
	uint32_t maps = 0;

	for (uint32_t i = 0; i < MS_THREADS_MAX; i++) {
		struct mthread *t = &threads[i];
		if (!t->badge)
			continue;
		for (uint32_t d = 0; d < t->local.depth; d++)
			maps += t->local.pfn[d] - pfn < n;
		for (uint32_t d = 0, ad = atomic_held(t); d < ad; d++)
			maps += t->atomic.pfn[d] - pfn < n;
	}
	return maps;
}

void local_undo(struct req *q)
{
	struct mthread *t = q->undo_t;
	struct mstack *st = q->undo_stack;

	--st->depth;
	if (st == &t->atomic && !st->depth)
		thread_atomic(t->thread, 0, NULL);
}

int ms_kmap_local(struct req *q)
{
	int err = E_OK;
	struct mthread *t = req_thread(q, "kmap_local", &err);

	return t ? push(q, t, &local_kind, &t->local) : err;
}

int ms_kunmap_local(struct req *q)
{
	int err = E_OK;
	struct mthread *t = req_thread(q, "kunmap_local", &err);

	return t ? pop(q, &local_kind, &t->local) : err;
}

int ms_kmap_atomic(struct req *q)
{
	int err = E_OK;
	struct mthread *t = req_thread(q, "kmap_atomic", &err);

	if (t)
		atomic_held(t); // a nested one pins nothing: is the first still there?
	if (!t || (err = push(q, t, &atomic_kind, &t->atomic)))
		return err;
	if (t->atomic.depth == 1 &&
	    (err = thread_atomic_pin(t->thread, t->win, atomic_kind.first, atomic_kind.size))) {
		--t->atomic.depth; // not mapped: the reply would have
		q->map_reply = 0;
		q->nout = 0;
		return req_fail(q, err, "kmap_atomic of pfn 0x%x: cannot pin the thread", q->w[0]);
	}
	return E_OK;
}

int ms_kunmap_atomic(struct req *q)
{
	int err = E_OK;
	struct mthread *t = req_thread(q, "kunmap_atomic", &err);
	uint32_t pinned;

	if (t && t->atomic.depth > 1)
		atomic_held(t); // is the pin still there? (the last unmap's unpin says it)
	if (!t || (err = pop(q, &atomic_kind, &t->atomic)))
		return err;
	if (t->atomic.depth || thread_atomic(t->thread, 0, &pinned) || pinned)
		return E_OK;
	flush_region(t, &atomic_kind, &t->atomic); // a stop unpins, but leaves it mapped
	return req_fail(q, E_INVAL,
			"kunmap_atomic of 0x%x: no longer pinned (held too long, or "
			"stopped): the mapping was taken back",
			q->w[0]);
}

void local_reclaim(struct mthread *t)
{
	while (t->local.depth)
		orphan_unmapped(t->local.pfn[--t->local.depth]); // (only orphans are freed)
	while (t->atomic.depth)
		orphan_unmapped(t->atomic.pfn[--t->atomic.depth]);
	t->local.dirty = t->atomic.dirty = 0; // the window goes with the thread
}

// The common case of kmap_local and kunmap_local, served straight from the
// message (no request record): a registered thread's own capability, one
// word, a page its client owns, room on the stack (or the newest mapping).
// Anything else returns 0 and goes the general way, which names the error.
// On success the reply is in *m (a kmap_local's with MSG_MAP).
static inline int local_fast(struct msg *m, struct ipc_buffer *ipc)
{
	uint32_t label = MSG_LABEL(m->info), badge = m->badge, arg = m->mr[0];
	// Masked into the table (a power of two), as cheap as the index itself:
	// an index beyond it cannot match any thread's badge, so it goes the
	// general way, where thread_by_badge logs it.
	struct mthread *t = &threads[badge & (MS_THREADS_MAX - 1)];
	struct mstack *st = &t->local;

	if (m->info != (MSG_INFO(label, 1) | MSG_CALL) || !(badge & THREAD_BADGE) ||
	    t->badge != badge)
		return 0;
	if (label == MS_KMAP_LOCAL) {
		struct zone *z = &zones[0]; // usually the only one
		if (arg - z->base >= z->npages && !(z = zone_of(arg)))
			return 0;
		pinfo_t *pi = &z->info[arg - z->origin];
		uint32_t d = st->depth, slot = local_kind.first + st->cursor;
		if (d == KMAP_LOCAL_MAX || (*pi & PI_OWNER) != t->c->idx)
			return 0;
		if (st->cursor < local_kind.size && !(d && live(st, slot)))
			st->cursor++; // the next slot in turn, empty
		else
			slot = next_slot(t, &local_kind, st);
		st->pi[d] = pi;
		st->pfn[d] = arg;
		st->slot[d] = slot;
		st->depth = d + 1;
		st->dirty = 1;
		ipc_buffer_map(ipc, t->win, slot, z->slot, arg - z->base, 1, MS_PAGE_RW);
		m->info = MSG_INFO(E_OK, 1) | MSG_MAP;
		m->mr[0] = MEMSRV_LOCAL_VA + slot * PAGE_SIZE;
		return 1;
	}
	if (label == MS_KUNMAP_LOCAL) {
		uint32_t d = st->depth;
		if (!d || (arg - MEMSRV_LOCAL_VA) / PAGE_SIZE != st->slot[d - 1] ||
		    arg < MEMSRV_LOCAL_VA)
			return 0;
		st->depth = --d; // the entry stays, stale
		if ((*st->pi[d] & PI_OWNER) == PI_ORPHAN)
			orphan_unmapped(st->pfn[d]);
		m->info = MSG_INFO(E_OK, 0);
		return 1;
	}
	return 0;
}

int local_serve(uint32_t ep, struct msg *m, struct ipc_buffer *ipc, uint32_t *badge)
{
	while (local_fast(m, ipc)) {
		int err;
		*badge = m->badge;
		err = sys_reply_recv(ep, m);
		if (err)
			return err;
	}
	return E_OK;
}
