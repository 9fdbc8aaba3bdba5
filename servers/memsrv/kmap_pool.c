// kmap: a pool of 512 slots per client, one window bound at MEMSRV_POOL_VA
// into that client's space only (made at its first kmap), in the manner of
// Linux's pkmap but never shared: clients are not trusted with each other's
// pages. Within a client the pool is Linux's: every thread of it sees it, a
// page has at most one slot (looked up by pfn), counted over the client's
// references. A slot whose count drops to 0 keeps its stale entry (a later
// kmap of the same page takes it again for free) until the cursor that
// hands out new slots wraps; then every stale slot is cleared at once. With
// no slot free, the caller's reply is saved and it waits (FIFO) until one
// of its client's frees; when every slot is held and every thread of the
// client waits here, nothing can ever free, and the waiting calls are
// answered E_DEADLK instead.
//
// The window (a kernel object and its table: 8 KiB of LOWMEM) is charged to
// memsrv's quota: a client gives memsrv no right to create objects from its
// own. MS_CLIENTS_MAX bounds them.
#include <stdlib.h>

#include "ms.h"

enum { SLOT_EMPTY, SLOT_USED, SLOT_STALE };
#define POOL_HASH 256
#define SPARE_REPLIES 8

// A call waiting for a slot.
struct waiter {
	struct waiter *next;
	struct mthread *t; // NULL when it called through the program's capability
	uint32_t pfn;
	uint32_t reply; // its saved reply
};

struct kpool {
	uint32_t win; // bound at MEMSRV_POOL_VA in its client's space
	uint32_t pfn[KMAP_POOL_SLOTS];
	uint32_t count[KMAP_POOL_SLOTS]; // references, all threads of the client
	uint8_t state[KMAP_POOL_SLOTS];
	int16_t next[KMAP_POOL_SLOTS]; // hash chains of used and stale slots
	int16_t head[POOL_HASH];
	uint32_t cursor; // the slot handed out last
	uint32_t nempty, nstale;
	struct waiter *queue, **queue_tail;
};

static uint32_t spare[SPARE_REPLIES], nspare; // reply objects kept for reuse

// c's pool, made and bound now when it has none. E_OK or the error.
static int pool_get(struct client *c)
{
	struct kpool *p;
	int err;

	if (c->pool)
		return E_OK;
	if (!(p = malloc(sizeof(*p))))
		return E_NOMEM;
	for (uint32_t i = 0; i < KMAP_POOL_SLOTS; i++)
		p->state[i] = SLOT_EMPTY;
	for (uint32_t i = 0; i < POOL_HASH; i++)
		p->head[i] = -1;
	p->nempty = KMAP_POOL_SLOTS;
	p->nstale = 0;
	p->cursor = KMAP_POOL_SLOTS - 1;
	p->queue = NULL;
	p->queue_tail = &p->queue;
	if ((err = ms_create(CAP_WINDOW, &p->win))) {
		free(p);
		return err;
	}
	if ((err = window_bind(p->win, WIN_SPACE, c->space, MEMSRV_POOL_VA))) {
		ms_slot_destroy(p->win);
		free(p);
		return err;
	}
	c->pool = p;
	return E_OK;
}

static int lookup(const struct kpool *p, uint32_t pfn)
{
	for (int i = p->head[pfn % POOL_HASH]; i >= 0; i = p->next[i])
		if (p->pfn[i] == pfn)
			return i;
	return -1;
}

static void unhash(struct kpool *p, uint32_t s)
{
	int16_t *h = &p->head[p->pfn[s] % POOL_HASH];

	while (*h != (int16_t)s)
		h = &p->next[*h];
	*h = p->next[s];
}

// Clears stale slots [first, first + n) with one WINDOW_CLEAR and forgets them.
static void clear_run(struct kpool *p, uint32_t first, uint32_t n)
{
	if (window_clear(p->win, first, n))
		return; // still mapped: still counted
	for (uint32_t s = first; s < first + n; s++) {
		unhash(p, s);
		map_dec(p->pfn[s], 1);
		p->state[s] = SLOT_EMPTY;
		p->nstale--;
		p->nempty++;
	}
}

// The wrap: every stale slot goes, one WINDOW_CLEAR per run of them (it
// empties one range of consecutive slots, with one TLB flush per call).
static void flush(struct kpool *p)
{
	for (uint32_t s = 0; s < KMAP_POOL_SLOTS && p->nstale;) {
		uint32_t e = s;

		while (e < KMAP_POOL_SLOTS && p->state[e] == SLOT_STALE)
			e++;
		if (e > s)
			clear_run(p, s, e - s);
		s = e + 1;
	}
}

// An empty slot after the cursor, flushing the stale ones when it wraps; -1: none.
static int slot_get(struct kpool *p)
{
	if (!p->nempty && !p->nstale)
		return -1;
	for (uint32_t n = 0; n < 2 * KMAP_POOL_SLOTS; n++) {
		p->cursor = (p->cursor + 1) % KMAP_POOL_SLOTS;
		if (p->cursor == 0)
			flush(p);
		if (p->state[p->cursor] == SLOT_EMPTY)
			return (int)p->cursor;
	}
	return -1;
}

// The slot of pfn, mapping it into a new one when it has none. E_OK,
// E_AGAIN when no slot is free, or E_NOMEM / the kernel's error.
static int slot_of(struct kpool *p, uint32_t pfn, int *slot)
{
	int s = lookup(p, pfn), err;

	if (s >= 0) {
		*slot = s;
		return E_OK;
	}
	if ((s = slot_get(p)) < 0)
		return E_AGAIN;
	if ((err = map_inc(pfn, 1)))
		return err;
	if ((err = frames_map(p->win, (uint32_t)s, pfn, 1, MS_PAGE_RW))) {
		map_dec(pfn, 1);
		return err;
	}
	p->pfn[s] = pfn;
	p->next[s] = p->head[pfn % POOL_HASH];
	p->head[pfn % POOL_HASH] = (int16_t)s;
	p->state[s] = SLOT_USED;
	p->count[s] = 0;
	p->nempty--;
	*slot = s;
	return E_OK;
}

static void take_ref(struct client *c, int s)
{
	struct kpool *p = c->pool;

	if (p->state[s] == SLOT_STALE)
		p->nstale--;
	p->state[s] = SLOT_USED;
	p->count[s]++;
	c->nkmap++;
}

// Drops n of c's references to slot s; returns 1 when the slot went stale.
static int drop_refs(struct client *c, int s, uint32_t n)
{
	struct kpool *p = c->pool;

	p->count[s] -= n;
	c->nkmap -= n;
	if (p->count[s])
		return 0;
	p->state[s] = SLOT_STALE;
	p->nstale++;
	if ((*page_info(p->pfn[s]) & PI_OWNER) == PI_ORPHAN)
		clear_run(p, (uint32_t)s, 1); // no one may map it again: let it go now
	return 1;
}

// No slot of c's pool can ever free: all are held, and every registered
// thread of c (at least one call) waits here.
static int deadlocked(const struct client *c)
{
	const struct kpool *p = c->pool;

	return !p->nempty && !p->nstale && c->nwaiting &&
	       c->nwaiting >= (c->nthreads ? c->nthreads : 1);
}

// Takes w off c's queue and forgets it.
static void waiter_drop(struct client *c, struct waiter *w, int destroy_reply)
{
	struct kpool *p = c->pool;
	struct waiter **h = &p->queue;

	while (*h != w)
		h = &(*h)->next;
	*h = w->next;
	if (p->queue_tail == &w->next)
		p->queue_tail = h;
	c->nwaiting--;
	if (w->t)
		w->t->nwaiting--;
	if (!destroy_reply && nspare < SPARE_REPLIES)
		spare[nspare++] = w->reply;
	else
		ms_slot_destroy(w->reply);
	free(w);
}

// Answers c's waiting call w with err (logged) or the va of slot s;
// returns the send's error.
static int answer(struct client *c, struct waiter *w, int err, int s)
{
	struct msg m = { .info = MSG_INFO(err, err ? 0 : 1),
			 .mr = { MEMSRV_POOL_VA + (uint32_t)s * PAGE_SIZE } };
	struct req q = { .c = c };

	if (err)
		req_fail(&q, err, "kmap of pfn 0x%x, waiting for a pool slot", w->pfn);
	return sys_send(w->reply, &m);
}

static void fail_all(struct client *c)
{
	while (c->pool->queue) {
		answer(c, c->pool->queue, E_DEADLK, 0);
		waiter_drop(c, c->pool->queue, 0);
	}
}

// Answers c's waiting calls that can be served now, or never.
static void serve_client(struct client *c)
{
	struct kpool *p = c->pool;

	while (p->queue) {
		struct waiter *w = p->queue;
		int s = 0, err = page_access(c->idx, w->pfn);

		if (!err && (err = slot_of(p, w->pfn, &s)) == E_AGAIN)
			break;
		if (err) {
			answer(c, w, err, 0);
		} else {
			take_ref(c, s);
			if (answer(c, w, E_OK, s)) // the caller is gone
				drop_refs(c, s, 1);
		}
		waiter_drop(c, w, 0);
	}
	if (p->queue && deadlocked(c))
		fail_all(c);
}

void pool_serve(void)
{
	for (uint32_t i = 1; i <= MS_CLIENTS_MAX; i++)
		if (clients[i].id && clients[i].pool && clients[i].pool->queue)
			serve_client(&clients[i]);
}

// Saves the caller's reply and queues it. E_OK, or an error (nothing queued).
static int wait_slot(struct req *q, uint32_t pfn)
{
	struct waiter *w = malloc(sizeof(*w));
	struct kpool *p = q->c->pool;
	int err = E_NOMEM;

	if (!w)
		return err;
	*w = (struct waiter){ .t = q->t, .pfn = pfn };
	if (nspare)
		w->reply = spare[--nspare];
	else if ((err = ms_create(CAP_REPLY, &w->reply))) {
		free(w);
		return err;
	}
	if ((err = reply_save(w->reply))) {
		ms_slot_destroy(w->reply);
		free(w);
		return err;
	}
	*p->queue_tail = w;
	p->queue_tail = &w->next;
	q->c->nwaiting++;
	if (q->t)
		q->t->nwaiting++;
	q->deferred = 1;
	return E_OK;
}

int ms_kmap(struct req *q)
{
	uint32_t pfn = q->w[0];
	struct mthread *t = q->t;
	struct kpool *p;
	int s = 0, err;

	if (q->len < 1)
		return req_fail(q, E_INVAL, "kmap without a pfn");
	if ((err = page_access(q->c->idx, pfn)))
		return req_fail(q, err, "kmap of pfn 0x%x: neither owned nor shared", pfn);
	if ((err = limit_maps(q, "kmap")))
		return err;
	if ((err = pool_get(q->c)))
		return req_fail(q, err, "kmap of pfn 0x%x: no kmap pool at 0x%x", pfn,
				MEMSRV_POOL_VA);
	p = q->c->pool;
	err = p->queue ? E_AGAIN : slot_of(p, pfn, &s);
	if (p->queue && lookup(p, pfn) >= 0) // mapped already: no need to queue behind others
		err = slot_of(p, pfn, &s);
	if (!err) {
		take_ref(q->c, s);
		q->out[0] = MEMSRV_POOL_VA + (uint32_t)s * PAGE_SIZE;
		q->nout = 1;
		return E_OK;
	}
	if (err != E_AGAIN)
		return req_fail(q, err, "kmap of pfn 0x%x", pfn);
	for (uint32_t i = 0; !t && q->c->nthreads == 1 && i < MS_THREADS_MAX; i++)
		if (threads[i].badge && threads[i].c == q->c)
			t = &threads[i]; // its only thread must be the caller
	if (t && atomic_held(t))
		return req_fail(q, E_BUSY, "kmap of pfn 0x%x would wait while kmap_atomic is held",
				pfn);
	q->c->nwaiting++; // as if it waited: would that leave nothing to wait for?
	if (deadlocked(q->c)) {
		q->c->nwaiting--;
		fail_all(q->c);
		return req_fail(q, E_DEADLK,
				"kmap of pfn 0x%x: every slot of its pool is held by a "
				"caller waiting for one",
				pfn);
	}
	q->c->nwaiting--;
	if ((err = wait_slot(q, pfn)))
		return req_fail(q, err, "kmap of pfn 0x%x: cannot wait for a pool slot", pfn);
	return E_OK;
}

int ms_kunmap(struct req *q)
{
	uint32_t pfn = q->w[0];
	struct kpool *p = q->c->pool;
	int s = q->len < 1 || !p ? -1 : lookup(p, pfn);

	if (s < 0 || p->state[s] != SLOT_USED)
		return req_fail(q, E_INVAL, "kunmap of pfn 0x%x: not kmapped by it", pfn);
	if (drop_refs(q->c, s, 1) && p->queue)
		serve_client(q->c);
	return E_OK;
}

void pool_forget_client(struct client *c)
{
	struct kpool *p = c->pool;

	if (!p)
		return;
	while (p->queue)
		waiter_drop(c, p->queue, 1);
	ms_slot_destroy(p->win); // every slot with it
	for (uint32_t s = 0; s < KMAP_POOL_SLOTS; s++)
		if (p->state[s] != SLOT_EMPTY)
			map_dec(p->pfn[s], 1);
	c->nkmap = 0;
	free(p);
	c->pool = NULL;
}

void pool_forget_thread(struct mthread *t)
{
	struct kpool *p = t->c->pool;

	for (struct waiter *w = p ? p->queue : NULL, *n; w; w = n) {
		n = w->next;
		if (w->t == t)
			waiter_drop(t->c, w, 1);
	}
}

void pool_clear_stale(uint32_t pfn)
{
	if (!map_count(pfn))
		return;
	for (uint32_t i = 1; i <= MS_CLIENTS_MAX; i++) {
		struct kpool *p = clients[i].id ? clients[i].pool : NULL;
		int s = p ? lookup(p, pfn) : -1;

		if (s >= 0 && p->state[s] == SLOT_STALE)
			clear_run(p, (uint32_t)s, 1);
	}
}

uint32_t pool_stale(uint32_t pfn)
{
	uint32_t n = 0;

	for (uint32_t i = 1; i <= MS_CLIENTS_MAX; i++) {
		struct kpool *p = clients[i].id ? clients[i].pool : NULL;
		int s = p ? lookup(p, pfn) : -1;

		n += s >= 0 && p->state[s] == SLOT_STALE;
	}
	return n;
}

void pool_gc(void)
{
	while (nspare)
		ms_slot_destroy(spare[--nspare]);
}
