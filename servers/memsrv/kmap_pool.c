// kmap: the shared pool, one window of 512 slots bound at MEMSRV_POOL_VA
// into every client space, in the manner of Linux's pkmap. A page has at
// most one slot (looked up by pfn), counted over every client's references.
// A slot whose count drops to 0 keeps its stale entry (a later kmap of the
// same page takes it again for free) until the cursor that hands out new
// slots wraps; then every stale slot is cleared at once. With no slot
// free, the caller's reply is saved and it waits (FIFO) until one frees;
// when every slot is held by clients that are all waiting here, nothing can
// ever free, and the waiting calls are answered E_DEADLK instead.
#include <stdlib.h>

#include "ms.h"

enum { SLOT_EMPTY, SLOT_USED, SLOT_STALE };
#define POOL_HASH 256
#define SPARE_REPLIES 8

static struct {
	uint32_t win;
	uint32_t pfn[KMAP_POOL_SLOTS];
	uint32_t count[KMAP_POOL_SLOTS]; // references, all clients
	uint8_t state[KMAP_POOL_SLOTS];
	int16_t next[KMAP_POOL_SLOTS]; // hash chains of used and stale slots
	int16_t head[POOL_HASH];
	uint32_t cursor; // the slot handed out last
	uint32_t nempty, nstale;
} pool;

// A call waiting for a slot.
struct waiter {
	struct waiter *next;
	struct client *c;
	struct mthread *t; // NULL when it called through the program's capability
	uint32_t pfn;
	uint32_t reply; // its saved reply
};
static struct waiter *queue, **queue_tail = &queue;
static uint32_t spare[SPARE_REPLIES], nspare; // reply objects kept for reuse

int pool_init(void)
{
	for (uint32_t i = 0; i < POOL_HASH; i++)
		pool.head[i] = -1;
	pool.nempty = KMAP_POOL_SLOTS;
	pool.cursor = KMAP_POOL_SLOTS - 1;
	return ms_create(CAP_WINDOW, &pool.win);
}

uint32_t pool_window(void)
{
	return pool.win;
}

static int lookup(uint32_t pfn)
{
	for (int i = pool.head[pfn % POOL_HASH]; i >= 0; i = pool.next[i])
		if (pool.pfn[i] == pfn)
			return i;
	return -1;
}

static void unhash(uint32_t s)
{
	int16_t *p = &pool.head[pool.pfn[s] % POOL_HASH];

	while (*p != (int16_t)s)
		p = &pool.next[*p];
	*p = pool.next[s];
}

// Clears stale slots [first, first + n) with one WINDOW_CLEAR and forgets them.
static void clear_run(uint32_t first, uint32_t n)
{
	struct msg m;

	if (hmk_invoke(pool.win, WINDOW_CLEAR, 3, first, n, 0, 0, &m))
		return; // still mapped: still counted
	for (uint32_t s = first; s < first + n; s++) {
		unhash(s);
		map_dec(pool.pfn[s], 1);
		pool.state[s] = SLOT_EMPTY;
		pool.nstale--;
		pool.nempty++;
	}
}

// The wrap: every stale slot goes, one WINDOW_CLEAR per run of them (the
// kernel clears only ranges; see the report).
static void flush(void)
{
	for (uint32_t s = 0; s < KMAP_POOL_SLOTS && pool.nstale;) {
		uint32_t e = s;

		while (e < KMAP_POOL_SLOTS && pool.state[e] == SLOT_STALE)
			e++;
		if (e > s)
			clear_run(s, e - s);
		s = e + 1;
	}
}

// An empty slot after the cursor, flushing the stale ones when it wraps; -1: none.
static int slot_get(void)
{
	if (!pool.nempty && !pool.nstale)
		return -1;
	for (uint32_t n = 0; n < 2 * KMAP_POOL_SLOTS; n++) {
		pool.cursor = (pool.cursor + 1) % KMAP_POOL_SLOTS;
		if (pool.cursor == 0)
			flush();
		if (pool.state[pool.cursor] == SLOT_EMPTY)
			return (int)pool.cursor;
	}
	return -1;
}

// The slot of pfn, mapping it into a new one when it has none. E_OK,
// E_AGAIN when no slot is free, or E_NOMEM / the kernel's error.
static int slot_of(uint32_t pfn, int *slot)
{
	int s = lookup(pfn), err;

	if (s >= 0) {
		*slot = s;
		return E_OK;
	}
	if ((s = slot_get()) < 0)
		return E_AGAIN;
	if ((err = map_inc(pfn, 1)))
		return err;
	if ((err = frames_map(pool.win, (uint32_t)s, pfn, 1, MS_PAGE_RW))) {
		map_dec(pfn, 1);
		return err;
	}
	pool.pfn[s] = pfn;
	pool.next[s] = pool.head[pfn % POOL_HASH];
	pool.head[pfn % POOL_HASH] = (int16_t)s;
	pool.state[s] = SLOT_USED;
	pool.nempty--;
	*slot = s;
	return E_OK;
}

static void take_ref(struct client *c, int s)
{
	if (pool.state[s] == SLOT_STALE)
		pool.nstale--;
	pool.state[s] = SLOT_USED;
	pool.count[s]++;
	c->kref[s]++;
	c->nkmap++;
}

// Drops n of c's references to slot s; returns 1 when the slot went stale.
static int drop_refs(struct client *c, int s, uint32_t n)
{
	pool.count[s] -= n;
	c->kref[s] -= (uint16_t)n;
	c->nkmap -= n;
	if (pool.count[s])
		return 0;
	pool.state[s] = SLOT_STALE;
	pool.nstale++;
	if ((*page_info(pool.pfn[s]) & PI_OWNER) == PI_ORPHAN)
		clear_run((uint32_t)s, 1); // no one may map it again: let it go now
	return 1;
}

// A client is stuck when all its registered threads (at least one call)
// wait here.
static int stuck(const struct client *c)
{
	return c->nwaiting && c->nwaiting >= (c->nthreads ? c->nthreads : 1);
}

// No slot can ever free: all are held, every holder is stuck.
static int deadlocked(void)
{
	if (pool.nempty || pool.nstale)
		return 0;
	for (uint32_t i = 1; i <= MS_CLIENTS_MAX; i++)
		if (clients[i].id && clients[i].nkmap && !stuck(&clients[i]))
			return 0;
	return 1;
}

// Takes w off the queue (it must be first when `first`), forgets it.
static void waiter_drop(struct waiter *w, int destroy_reply)
{
	struct waiter **p = &queue;

	while (*p != w)
		p = &(*p)->next;
	*p = w->next;
	if (queue_tail == &w->next)
		queue_tail = p;
	w->c->nwaiting--;
	if (w->t)
		w->t->nwaiting--;
	if (!destroy_reply && nspare < SPARE_REPLIES)
		spare[nspare++] = w->reply;
	else
		ms_slot_destroy(w->reply);
	free(w);
}

// Answers w with err (logged) or the va of slot s; returns the send's error.
static int answer(struct waiter *w, int err, int s)
{
	struct msg m = { .info = MSG_INFO(err, err ? 0 : 1),
			 .mr = { MEMSRV_POOL_VA + (uint32_t)s * PAGE_SIZE } };
	struct req q = { .c = w->c };

	if (err)
		req_fail(&q, err, "kmap of pfn 0x%x, waiting for a pool slot", w->pfn);
	return sys_send(w->reply, &m);
}

static void fail_all(void)
{
	while (queue) {
		answer(queue, E_DEADLK, 0);
		waiter_drop(queue, 0);
	}
}

void pool_serve(void)
{
	while (queue) {
		struct waiter *w = queue;
		int s = 0, err = page_access(w->c->idx, w->pfn);

		if (!err && (err = slot_of(w->pfn, &s)) == E_AGAIN)
			break;
		if (err) {
			answer(w, err, 0);
		} else {
			take_ref(w->c, s);
			if (answer(w, E_OK, s)) // the caller is gone
				drop_refs(w->c, s, 1);
		}
		waiter_drop(w, 0);
	}
	if (queue && deadlocked())
		fail_all();
}

// Saves the caller's reply and queues it. E_OK, or an error (nothing queued).
static int wait_slot(struct req *q, uint32_t pfn)
{
	struct waiter *w = malloc(sizeof(*w));
	struct msg m;
	int err = E_NOMEM;

	if (!w)
		return err;
	*w = (struct waiter){ .c = q->c, .t = q->t, .pfn = pfn };
	if (nspare)
		w->reply = spare[--nspare];
	else if ((err = ms_create(CAP_REPLY, &w->reply))) {
		free(w);
		return err;
	}
	if ((err = hmk_invoke(w->reply, REPLY_SAVE, 0, 0, 0, 0, 0, &m))) {
		ms_slot_destroy(w->reply);
		free(w);
		return err;
	}
	*queue_tail = w;
	queue_tail = &w->next;
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
	int s = 0, err;

	if (q->len < 1)
		return req_fail(q, E_INVAL, "kmap without a pfn");
	if ((err = page_access(q->c->idx, pfn)))
		return req_fail(q, err, "kmap of pfn 0x%x: neither owned nor shared", pfn);
	if (!q->c->kref && !(q->c->kref = calloc(KMAP_POOL_SLOTS, sizeof(*q->c->kref))))
		return req_fail(q, E_NOMEM, "kmap of pfn 0x%x: no memory for its record", pfn);
	err = queue ? E_AGAIN : slot_of(pfn, &s);
	if (queue && lookup(pfn) >= 0) // mapped already: no need to queue behind others
		err = slot_of(pfn, &s);
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
	if (t && t->atomic.depth)
		return req_fail(q, E_BUSY, "kmap of pfn 0x%x would wait while kmap_atomic is held",
				pfn);
	q->c->nwaiting++; // as if it waited: would that leave nothing to wait for?
	if (deadlocked()) {
		q->c->nwaiting--;
		fail_all();
		return req_fail(q, E_DEADLK,
				"kmap of pfn 0x%x: every pool slot is held by a "
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
	int s = q->len < 1 ? -1 : lookup(pfn);

	if (s < 0 || pool.state[s] != SLOT_USED || !q->c->kref || !q->c->kref[s])
		return req_fail(q, E_INVAL, "kunmap of pfn 0x%x: not kmapped by it", pfn);
	if (drop_refs(q->c, s, 1))
		pool_serve();
	return E_OK;
}

void pool_forget_client(struct client *c)
{
	for (struct waiter *w = queue, *n; w; w = n) {
		n = w->next;
		if (w->c == c)
			waiter_drop(w, 1);
	}
	for (int s = 0; c->kref && s < KMAP_POOL_SLOTS; s++)
		if (c->kref[s])
			drop_refs(c, s, c->kref[s]);
	free(c->kref);
	c->kref = NULL;
}

void pool_forget_thread(struct mthread *t)
{
	for (struct waiter *w = queue, *n; w; w = n) {
		n = w->next;
		if (w->t == t)
			waiter_drop(w, 1);
	}
}

void pool_clear_stale(uint32_t pfn)
{
	int s = lookup(pfn);

	if (s >= 0 && pool.state[s] == SLOT_STALE)
		clear_run((uint32_t)s, 1);
}

int pool_stale(uint32_t pfn)
{
	int s = lookup(pfn);

	return s >= 0 && pool.state[s] == SLOT_STALE;
}

void pool_gc(void)
{
	while (nspare)
		ms_slot_destroy(spare[--nspare]);
}
