// kmap_local and kmap_atomic: two stacks per registered thread, mapped in
// its own window (bound WIN_THREAD at MEMSRV_LOCAL_VA, so its siblings
// cannot see it): kmap_local in slots 0..255, kmap_atomic in 256..511.
// Mappings are strictly nested (at most 16 each) but do not sit in fixed
// slots: each map takes the next slot of its region in turn, and an unmap
// leaves its entry behind, stale, as Linux's pkmap does for kmap. When the
// turn wraps, or before any page goes back to the allocator (local_release),
// every stale slot of the region is emptied at once: one WINDOW_CLEAR per
// run, one TLB flush. So a map writes an empty slot (no flush), an unmap
// costs no system call, and no entry outlives its page's ownership.
//
// kunmap_local is no request at all: the client library pops its own
// stack, and each MS_KMAP_LOCAL says how many mappings the thread still
// holds, so memsrv forgets the ones above first. memsrv's stack is thus an
// upper bound of what the thread holds (exact after each of its maps), and
// nothing depends on the thread telling the truth: a page leaving its owner
// has every slot that held it emptied (local_release), live or stale, and a
// page merely orphaned waits for the stacks that may still hold it.
//
// The kernel writes a map with the reply (MSG_MAP): memsrv makes no system
// call of its own for a kmap_local. These mappings are not in the per-page
// map counts (pagemeta.c): the stacks say what is mapped, and
// local_maps_in() reads them where a page's mappings matter.
//
// kmap_atomic's reply also pins the thread (MAP_PIN: the kernel pins it
// through its own window and empties the slots mapped under the pin if it
// is held too long); the client's last kunmap_atomic ends the pin itself
// (SYS_UNPIN). A kmap_atomic lives only while its thread is pinned: when
// memsrv finds the pin gone (atomic_held asks the kernel), it empties the
// region and forgets the stack.
#include "ms.h"

struct stack_kind {
	const char *map;      // its name, for log lines
	uint32_t first, size; // its region of the window
	uint32_t prot;        // of its mappings (kmap_atomic's pin the thread)
};

static const struct stack_kind local_kind = { "kmap_local", 0, KMAP_ATOMIC_FIRST, MS_PAGE_RW };
static const struct stack_kind atomic_kind = { "kmap_atomic", KMAP_ATOMIC_FIRST,
					       WINDOW_SLOTS - KMAP_ATOMIC_FIRST,
					       MS_PAGE_RW | MAP_PIN };

// The pfn of a stack entry whose page left its owner (its slot emptied): no
// zone has it, so it is never an orphan.
#define GONE_PFN 0xffffffffu

// The thread holds only the `depth` oldest mappings of st: the others were
// unmapped (their entries stay, stale). An orphan nothing maps now is freed.
static void forget_above(struct mstack *st, uint32_t depth)
{
	while (st->depth > depth) {
		uint32_t pfn = st->pfn[--st->depth];
		const pinfo_t *pi = page_info(pfn);
		if (pi && (*pi & PI_OWNER) == PI_ORPHAN)
			orphan_unmapped(pfn);
	}
}

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
			slots_clear(t->win, run, s - run);
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

// Pushes q's pfn onto stack st. E_OK with the va in q->out and the mapping
// in q->map (the kernel makes it with the reply).
static int push(struct req *q, struct mthread *t, const struct stack_kind *k, struct mstack *st)
{
	uint32_t pfn = q->w[0], slot;
	int err;

	if (q->len < 1)
		return req_fail(q, E_INVAL, "%s without a pfn", k->map);
	if (q->len >= 2) { // the mappings the thread still holds
		if (q->w[1] > st->depth)
			return req_fail(q, E_INVAL,
					"%s: says it holds %u mappings, it was given %u", k->map,
					q->w[1], st->depth);
		forget_above(st, q->w[1]);
	}
	if (st->depth == KMAP_LOCAL_MAX)
		return req_fail(q, E_NOSLOT, "%s of pfn 0x%x: %u mappings already", k->map, pfn,
				KMAP_LOCAL_MAX);
	if ((err = page_access(q->c->idx, pfn)))
		return req_fail(q, err, "%s of pfn 0x%x: neither owned nor shared", k->map, pfn);
	slot = next_slot(t, k, st);
	frames_map_reply(q, t->win, slot, pfn, k->prot);
	if ((*page_info(pfn) & PI_OWNER) == t->owner)
		st->foreign &= ~(1u << st->depth);
	else
		st->foreign |= 1u << st->depth;
	st->pfn[st->depth] = pfn;
	st->slot[st->depth++] = slot;
	st->dirty = 1;
	q->undo_t = t;
	q->undo_stack = st;
	q->out[0] = MEMSRV_LOCAL_VA + slot * PAGE_SIZE;
	q->nout = 1;
	return E_OK;
}

// atomic_held with t's stacks held. A thread no longer pinned holds no
// kmap_atomic mapping: its last kunmap_atomic ended the pin (SYS_UNPIN, no
// request), or the kernel did, at an overrun (which the kernel logs) or as
// the thread stopped. memsrv then forgets the stack, quietly: that is the
// common way it learns of a kunmap_atomic.
static uint32_t atomic_check(struct mthread *t)
{
	uint32_t pinned;

	if (!t->atomic.depth || thread_atomic(t->thread, ATOMIC_QUERY, &pinned) || pinned)
		return t->atomic.depth;
	uint32_t n = t->atomic.depth;

	t->atomic.depth = 0;                       // first: freeing an orphan looks at the stacks
	flush_region(t, &atomic_kind, &t->atomic); // a stop unpins, but leaves them mapped
	while (n)
		orphan_unmapped(t->atomic.pfn[--n]);
	return 0;
}

uint32_t atomic_held(struct mthread *t)
{
	uint32_t depth;

	stacks_lock(t);
	depth = atomic_check(t);
	stacks_unlock(t);
	return depth;
}

uint32_t local_maps_in(uint32_t pfn, uint32_t n)
{
	uint32_t maps = 0;

	for (uint32_t i = 0; i < threads_end; i++) {
		struct mthread *t = &threads[i];
		if (!t->badge)
			continue;
		stacks_lock(t);
		for (uint32_t d = 0; d < t->local.depth; d++)
			maps += t->local.pfn[d] - pfn < n;
		for (uint32_t d = 0, ad = atomic_check(t); d < ad; d++)
			maps += t->atomic.pfn[d] - pfn < n;
		stacks_unlock(t);
	}
	return maps;
}

// Empties the slots of st's entries holding pages [pfn, pfn + n).
static void release_in(struct mthread *t, struct mstack *st, uint32_t pfn, uint32_t n)
{
	for (uint32_t d = 0; d < st->depth; d++)
		if (st->pfn[d] - pfn < n) {
			slots_clear(t->win, st->slot[d], 1);
			st->pfn[d] = GONE_PFN;
		}
}

// local_release, compiled for one server and for several (smp: each
// thread's stacks held while its slots are emptied).
static inline __attribute__((always_inline)) void release_all(uint32_t pfn, uint32_t n,
							      const int smp)
{
	for (uint32_t i = 0; i < threads_end; i++) {
		struct mthread *t = &threads[i];
		if (!t->badge)
			continue;
		if (smp)
			spin_take(&t->lock);
		if (t->local.dirty)
			flush_region(t, &local_kind, &t->local);
		if (t->atomic.dirty)
			flush_region(t, &atomic_kind, &t->atomic);
		if (t->local.depth)
			release_in(t, &t->local, pfn, n);
		if (t->atomic.depth)
			release_in(t, &t->atomic, pfn, n);
		if (smp)
			spin_give(&t->lock);
	}
}

void local_release(uint32_t pfn, uint32_t n)
{
	if (!ms_smp) {
		release_all(pfn, n, 0);
		return;
	}
	// kmap_local's fast path may be mapping one of these pages for a
	// thread of their owner on another CPU, without ms_lock: the pages are
	// nobody's first, so that one either went before its stack is looked
	// at here (and is emptied) or is refused.
	buddy_set_owner(pfn, (unsigned)__builtin_ctz(n), PI_ORPHAN);
	release_all(pfn, n, 1);
}

void local_forget(struct mthread *t, uint32_t depth)
{
	stacks_lock(t);
	forget_above(&t->local, depth);
	stacks_unlock(t);
}

void local_undo(struct req *q)
{
	if (!q->undo_t) // reclaimed meanwhile (its badge answers no more)
		return;
	stacks_lock(q->undo_t);
	if (q->undo_stack->depth) // (nothing was pinned: the kernel checks all first)
		q->undo_stack->depth--;
	stacks_unlock(q->undo_t);
}

int ms_kmap_local(struct req *q)
{
	int err = E_OK;
	struct mthread *t = req_thread(q, "kmap_local", &err);

	if (!t)
		return err;
	stacks_lock(t);
	err = push(q, t, &local_kind, &t->local);
	stacks_unlock(t);
	return err;
}

int ms_kmap_atomic(struct req *q)
{
	int err = E_OK;
	struct mthread *t = req_thread(q, "kmap_atomic", &err);

	if (!t)
		return err;
	stacks_lock(t);
	if (q->len >= 2 && q->w[1])
		atomic_check(t); // nested: is the pin of the first still there?
	err = push(q, t, &atomic_kind, &t->atomic);
	stacks_unlock(t);
	return err;
}

// (With t's stacks held: thread_reclaim.)
void local_reclaim(struct mthread *t)
{
	while (t->local.depth)
		orphan_unmapped(t->local.pfn[--t->local.depth]); // (only orphans are freed)
	while (t->atomic.depth)
		orphan_unmapped(t->atomic.pfn[--t->atomic.depth]);
	t->local.dirty = t->atomic.dirty = 0; // the window goes with the thread
}

// The common case of kmap_local, and of a first kmap_atomic, served
// straight from the message (no request record): a registered thread's own
// capability, two words (the pfn and the mappings the thread still holds),
// a page its client owns, room on the stack. Anything else returns NULL and
// goes the general way, which names the error. On success the reply (with
// MSG_MAP) is in *m, and the stack pushed is returned. Compiled once for
// each kind (local_fast): with k a constant, its region and prot are
// immediates. With several servers (smp), it holds t's stacks meanwhile
// (another server may serve a sibling using t's badge, or empty t's slots),
// and forgets only mappings of its client's own pages (mstack.foreign): an
// orphan's would free it, which needs ms_lock. (A page owned when mapped
// stays owned, or is gone, while its owner's thread lives.)
static inline __attribute__((always_inline)) struct mstack *
stack_fast(struct msg *m, struct ipc_buffer *ipc, const struct stack_kind *k, const int smp)
{
	uint32_t badge = m->badge, arg = m->mr[0], held = m->mr[1];
	// fast_thread's lookup, its check below the label's: in this order the
	// common case takes 3 instructions fewer (profiled).
	struct mthread *t = &threads[badge & (MS_THREADS_MAX - 1)];
	struct mstack *st = k == &local_kind ? &t->local : &t->atomic;
	struct zone *z = &zones[0]; // usually the only one

	if (!(badge & THREAD_BADGE) || (smp && !spin_try(&t->lock)))
		return 0;
	if (t->badge != badge || held > st->depth)
		goto refuse;
	uint32_t off = arg - z->base; // in the zone's range
	if (off >= z->npages) {
		if (!(z = zone_of(arg)))
			goto refuse;
		off = arg - z->base;
	}
	uint32_t d = st->depth, slot = k->first + st->cursor;
	if (held == KMAP_LOCAL_MAX || (z->info[arg - z->origin] & PI_OWNER) != t->owner)
		goto refuse;
	if (d != held && smp && (st->foreign & ((1u << d) - 1)) >> held)
		goto refuse; // a shared page's mapping to forget: an orphan's would be freed
	if (smp)
		st->foreign &= ~(1u << held);
	if (d != held && !smp && orphan_pages) // else no page is an orphan: depth is set below
		forget_above(st, held);
	if (st->cursor < k->size && !(held && live(st, slot)))
		st->cursor++; // the next slot in turn, empty
	else
		slot = next_slot(t, k, st);
	st->pfn[held] = arg;
	st->slot[held] = slot;
	st->depth = held + 1;
	st->dirty = 1;
	ipc_buffer_map(ipc, t->win, slot, z->slot, off, 1, k->prot);
	if (smp) // after the map: another server emptying t's slots sees it in flight
		spin_give(&t->lock);
	m->info = MSG_INFO(E_OK, 1) | MSG_MAP;
	m->mr[0] = MEMSRV_LOCAL_VA + slot * PAGE_SIZE;
	return st;
refuse:
	if (smp)
		spin_give(&t->lock);
	return 0;
}

// stack_fast for a kmap_local, or for a first kmap_atomic, else NULL.
static inline __attribute__((always_inline)) struct mstack *
local_fast(struct msg *m, struct ipc_buffer *ipc, const int smp)
{
	if (m->info == (MSG_INFO(MS_KMAP_LOCAL, 2) | MSG_CALL))
		return stack_fast(m, ipc, &local_kind, smp);
	// a nested kmap_atomic asks the kernel whether the pin lasted
	if (m->info == (MSG_INFO(MS_KMAP_ATOMIC, 2) | MSG_CALL) && !m->mr[1])
		return stack_fast(m, ipc, &atomic_kind, smp);
	return NULL;
}

// local_serve's loop, compiled for one server and for several.
static inline __attribute__((always_inline)) int
local_loop(uint32_t ep, struct msg *m, struct ipc_buffer *ipc, struct req *undo, const int smp)
{
	struct msg r = *m; // a copy that never leaves registers
	struct mstack *st;
	int err = E_OK;

	while ((st = local_fast(&r, ipc, smp))) {
		uint32_t badge = r.badge;
		// MR2 and MR3 go to *m at once, as the fast path never reads them:
		// kept in registers through the loop, they cost it spills.
		r.mr[2] = r.mr[3] = 0;
		err = sys_reply_recv(ep, &r);
		m->mr[2] = r.mr[2];
		m->mr[3] = r.mr[3];
		if (err) { // what the report and the undo need
			undo->c = NULL;
			undo->badge = badge;
			undo->undo_t = thread_by_badge(badge);
			undo->undo_stack = st;
			break;
		}
	}
	m->info = r.info;
	m->mr[0] = r.mr[0];
	m->mr[1] = r.mr[1];
	m->badge = r.badge;
	return err;
}

SERVE_APART(local_serve, local_loop)
