// kmap_local and kmap_atomic: two stacks per registered thread in its own
// window (bound WIN_THREAD at MEMSRV_LOCAL_VA, so its siblings cannot see
// it): slots 0..15 for kmap_local, 16..31 for kmap_atomic. Mappings are
// strictly nested; an unmap clears its slot at once (the page may be freed
// right after). The first atomic mapping pins the thread (THREAD_ATOMIC on
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
	if ((err = frames_map(t->win, slot, pfn, 1, MS_PAGE_RW))) {
		map_dec(pfn, 1);
		return req_fail(q, err, "%s of pfn 0x%x: window slot %u", s->map, pfn, slot);
	}
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
	struct msg m;
	int err;

	if (q->len < 1)
		return req_fail(q, E_INVAL, "%s without an address", s->unmap);
	if (va < MEMSRV_LOCAL_VA || slot < s->first || slot >= s->first + *depth)
		return req_fail(q, E_INVAL, "%s of 0x%x: no %s mapping there", s->unmap, va,
				s->map);
	if (slot != s->first + *depth - 1)
		return req_fail(q, E_ORDER, "%s of 0x%x, not the newest mapping", s->unmap, va);
	if ((err = hmk_invoke(t->win, WINDOW_CLEAR, 3, slot, 1, 0, 0, &m)))
		return req_fail(q, err, "%s of 0x%x: window slot %u", s->unmap, va, slot);
	map_dec(pfns[--(*depth)], 1);
	return E_OK;
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
		hmk_invoke(t->win, WINDOW_CLEAR, 3, KMAP_ATOMIC_FIRST, 1, 0, 0, &m);
		map_dec(t->atomic[--t->natomic], 1);
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

	if (t->nlocal)
		hmk_invoke(t->win, WINDOW_CLEAR, 3, 0, t->nlocal, 0, 0, &m);
	if (t->natomic)
		hmk_invoke(t->win, WINDOW_CLEAR, 3, KMAP_ATOMIC_FIRST, t->natomic, 0, 0, &m);
	while (t->nlocal)
		map_dec(t->local[--t->nlocal], 1);
	while (t->natomic)
		map_dec(t->atomic[--t->natomic], 1);
}
