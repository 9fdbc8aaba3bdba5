// kmap_local and kmap_atomic: two stacks per registered thread in its own
// window (bound WIN_THREAD at MEMSRV_LOCAL_VA, so its siblings cannot see
// it): slots 0..15 for kmap_local, 16..31 for kmap_atomic. Mappings are
// strictly nested. The kernel writes a map with the reply (MSG_MAP: no
// system call of memsrv's own). An unmap is lazy, as Linux's pkmap: the
// slot keeps its entry, marked stale, until it is mapped again (the kernel
// replaces it, break before make) or a page goes back to the allocator
// (stale_flush empties every stale slot first), so a page never outlives
// its ownership in any window. Only the thread itself could still read
// through a stale slot, a page it was allowed to map. The first atomic mapping pins the thread (THREAD_ATOMIC on
// its thread capability, naming the atomic slots, which the kernel clears
// itself if the pin is held too long); the last one unpins it.
#include "ms.h"

struct stack {
	const char *map, *unmap; // names for log lines
	uint32_t first;          // first window slot
	uint32_t max;
};

static const struct stack local_stack = { "kmap_local", "kunmap_local", 0, KMAP_LOCAL_MAX };
static const struct stack atomic_stack = { "kmap_atomic", "kunmap_atomic", KMAP_ATOMIC_FIRST,
					   KMAP_ATOMIC_MAX };

// Pushes pfn onto the stack s of t (pfns[], *depth). E_OK with the va in q->out.
static int push(struct req *q, struct mthread *t, const struct stack *s, uint32_t *pfns,
		uint32_t *depth)
{
	uint32_t pfn = q->w[0], slot = s->first + *depth;
	int err;

	if (q->len < 1)
		return req_fail(q, E_INVAL, "%s without a pfn", s->map);
	if (*depth == s->max)
		return req_fail(q, E_NOSLOT, "%s of pfn 0x%x: %u mappings already", s->map, pfn,
				s->max);
	if ((err = page_access(q->c->idx, pfn)))
		return req_fail(q, err, "%s of pfn 0x%x: neither owned nor shared", s->map, pfn);
	if ((err = map_inc(pfn, 1)))
		return req_fail(q, err, "%s of pfn 0x%x: no memory for its record", s->map, pfn);
	if ((err = frames_map_reply(q, t->win, slot, pfn, MS_PAGE_RW))) {
		map_dec(pfn, 1);
		return req_fail(q, err, "%s of pfn 0x%x: window slot %u", s->map, pfn, slot);
	}
	t->stale &= ~(1u << slot); // the kernel replaces a stale entry
	q->undo_t = t;
	q->undo_depth = depth;
	pfns[(*depth)++] = pfn;
	q->out[0] = MEMSRV_LOCAL_VA + slot * PAGE_SIZE;
	q->nout = 1;
	return E_OK;
}

// Pops the newest mapping of stack s, which va (any address in its page) must name.
static int pop(struct req *q, struct mthread *t, const struct stack *s, uint32_t *pfns,
	       uint32_t *depth)
{
	uint32_t va = q->w[0], slot = (va - MEMSRV_LOCAL_VA) / PAGE_SIZE;

	if (q->len < 1)
		return req_fail(q, E_INVAL, "%s without an address", s->unmap);
	if (va < MEMSRV_LOCAL_VA || slot < s->first || slot >= s->first + *depth)
		return req_fail(q, E_INVAL, "%s of 0x%x: no %s mapping there", s->unmap, va,
				s->map);
	if (slot != s->first + *depth - 1)
		return req_fail(q, E_ORDER, "%s of 0x%x, not the newest mapping", s->unmap, va);
	t->stale |= 1u << slot;
	map_dec(pfns[--(*depth)], 1);
	return E_OK;
}

// Takes back the newest push of t after the kernel refused its mapping.
void local_undo(struct req *q)
{
	struct mthread *t = q->undo_t;
	uint32_t *depth = q->undo_depth;
	int atomic = depth == &t->natomic;
	struct msg m;

	map_dec((atomic ? t->atomic : t->local)[--(*depth)], 1);
	if (atomic && !t->natomic)
		hmk_invoke(t->thread, THREAD_ATOMIC, 1, 0, 0, 0, 0, &m);
}

void stale_flush(void)
{
	struct msg m;

	for (uint32_t i = 0; i < MS_THREADS_MAX; i++) {
		struct mthread *t = &threads[i];
		if (!t->badge || !t->stale)
			continue;
		uint32_t first = (uint32_t)__builtin_ctz(t->stale), last = 31 - (uint32_t)__builtin_clz(t->stale);
		hmk_invoke(t->win, WINDOW_CLEAR, 3, first, last - first + 1, 0, 0, &m);
		t->stale = 0;
	}
}

int ms_kmap_local(struct req *q)
{
	int err = E_OK;
	struct mthread *t = req_thread(q, "kmap_local", &err);

	return t ? push(q, t, &local_stack, t->local, &t->nlocal) : err;
}

int ms_kunmap_local(struct req *q)
{
	int err = E_OK;
	struct mthread *t = req_thread(q, "kunmap_local", &err);

	return t ? pop(q, t, &local_stack, t->local, &t->nlocal) : err;
}

int ms_kmap_atomic(struct req *q)
{
	int err = E_OK;
	struct mthread *t = req_thread(q, "kmap_atomic", &err);
	struct msg m;

	if (!t || (err = push(q, t, &atomic_stack, t->atomic, &t->natomic)))
		return err;
	if (t->natomic == 1 && (err = hmk_invoke(t->thread, THREAD_ATOMIC, 4, 1, t->win,
						 KMAP_ATOMIC_FIRST, KMAP_ATOMIC_MAX, &m))) {
		map_dec(t->atomic[--t->natomic], 1); // not mapped yet: the reply would have
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
	struct msg m;

	if (!t || (err = pop(q, t, &atomic_stack, t->atomic, &t->natomic)))
		return err;
	if (!t->natomic)
		hmk_invoke(t->thread, THREAD_ATOMIC, 1, 0, 0, 0, 0, &m);
	return E_OK;
}

void local_reclaim(struct mthread *t)
{
	struct msg m;

	t->stale = 0; // the window goes with the thread
	if (t->nlocal)
		hmk_invoke(t->win, WINDOW_CLEAR, 3, 0, t->nlocal, 0, 0, &m);
	if (t->natomic)
		hmk_invoke(t->win, WINDOW_CLEAR, 3, KMAP_ATOMIC_FIRST, t->natomic, 0, 0, &m);
	while (t->nlocal)
		map_dec(t->local[--t->nlocal], 1);
	while (t->natomic)
		map_dec(t->atomic[--t->natomic], 1);
}
