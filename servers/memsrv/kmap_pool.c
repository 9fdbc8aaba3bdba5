// kmap: a pool of 512 slots per client, one window bound at MEMSRV_POOL_VA
// into that client's space only (made at its first kmap), in the manner of
// Linux's pkmap but never shared: clients are not trusted with each other's
// pages. The client's library keeps the pool as Linux keeps pkmap (which
// page is in which slot, the references, the turn of the free slots, stale
// slots until the turn wraps): a kmap of a page the pool holds, and every
// kunmap, cost no request. memsrv is asked only to map a page into a slot
// the library chose (MS_KMAP), to empty its stale slots at the wrap
// (MS_KUNMAP: one request, one WINDOW_CLEAR per run) and to let a caller
// wait while every slot is referenced.
//
// memsrv trusts none of the library's counts. It records which page it
// wrote into each slot (rec[], hashed by pfn) and, before any page leaves
// its owner (MS_FREE, the owner's death: pool_clear), empties every slot
// holding it in every pool, stale or referenced: a client still using it
// faults, as after a use-after-free. The freeing client's own slots go for
// good (MS_FREE tells how many, and its library forgets them); another
// client's are "revoked": its library may still believe it holds the page,
// so when that client is given the page again (MS_ALLOC, MS_SHARE:
// pool_regain) memsrv maps it back there, and a kmap that the library
// answers from its cache stays right.
//
// A slot is empty, mapped or revoked (bits mapped[], revoked[]); rec[]
// holds the page of the last two, hashed by pfn. Mapped records are counted
// in filter[], so that pool_clear knows at a glance that no pool holds a
// page. The client's mappings limit counts its mapped and revoked slots
// (nkmap). A wrap's MS_KUNMAP forgets its slots' records in one pass and
// hashes the few left again, so that a map into an empty slot has no
// record to look for in a chain.
//
// Waiting: the library calls MS_KMAP (gen, MS_KMAP_WAIT) when every slot is
// referenced; its reply is saved (FIFO) until the client's next MS_KUNMAP,
// which tells that a slot freed, or answered at once when one freed since
// the library looked (a newer gen). When every registered thread of the
// client waits, nothing can ever free and they are answered E_DEADLK.
//
// The window (a kernel object and its table: 8 KiB of LOWMEM) is charged to
// memsrv's quota: a client gives memsrv no right to create objects from its
// own. MS_CLIENTS_MAX bounds them.
#include <stdlib.h>

#include "ms.h"

#define POOL_HASH 256
#define POOL_WORDS (KMAP_POOL_SLOTS / 32)
#define FILTER_SIZE 4096 // counters of pool records, by pfn % FILTER_SIZE
#define SPARE_REPLIES 8
_Static_assert(KMAP_POOL_SLOTS % 32 == 0 && KMAP_POOL_SLOTS <= WINDOW_SLOTS,
	       "the pool is whole words of bits, in one window");
_Static_assert(MS_CLIENTS_MAX *KMAP_POOL_SLOTS <= 0xffff, "a filter counter cannot overflow");

// A call waiting for a slot.
struct waiter {
	struct waiter *next;
	struct mthread *t; // NULL when it called through the program's capability
	uint32_t reply;    // its saved reply
};

struct kpool {
	uint32_t win;                  // bound at MEMSRV_POOL_VA in its client's space
	uint32_t rec[KMAP_POOL_SLOTS]; // the page memsrv last wrote into the slot
	int16_t next[KMAP_POOL_SLOTS]; // hash chains of records (-1 ends)
	int16_t head[POOL_HASH];       //
	uint32_t mapped[POOL_WORDS];   // slots holding their record's page now
	uint32_t revoked[POOL_WORDS];  // emptied by memsrv: mapped back at regain
	uint32_t gen;                  // the newest free the client told (MS_KUNMAP)
	struct waiter *queue, **queue_tail;
};

static uint16_t filter[FILTER_SIZE];
static uint32_t spare[SPARE_REPLIES], nspare; // reply objects kept for reuse

static int bit(const uint32_t *set, uint32_t s)
{
	return set[s / 32] >> (s % 32) & 1;
}

// c's pool, made and bound now when it has none. E_OK or the error.
static int pool_get(struct client *c)
{
	struct kpool *p;
	int err;

	if (c->pool)
		return E_OK;
	if (!(p = calloc(1, sizeof(*p))))
		return E_NOMEM;
	for (uint32_t i = 0; i < POOL_HASH; i++)
		p->head[i] = -1;
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

// Forgets slot s's record (mapped or revoked: hashed).
static void rec_drop(struct kpool *p, uint32_t s)
{
	int16_t *h = &p->head[p->rec[s] % POOL_HASH];

	while (*h != (int16_t)s)
		h = &p->next[*h];
	*h = p->next[s];
	if (!bit(p->revoked, s))
		filter[p->rec[s] % FILTER_SIZE]--;
}

// The hash chains again, of the records left.
static void rehash(struct kpool *p)
{
	for (uint32_t i = 0; i < POOL_HASH; i++)
		p->head[i] = -1;
	for (uint32_t i = 0; i < POOL_WORDS; i++)
		for (uint32_t b = p->mapped[i] | p->revoked[i]; b; b &= b - 1) {
			uint32_t s = i * 32 + (uint32_t)__builtin_ctz(b);
			int16_t *h = &p->head[p->rec[s] % POOL_HASH];

			p->next[s] = *h;
			*h = (int16_t)s;
		}
}

static void rec_add(struct kpool *p, uint32_t s, uint32_t pfn)
{
	p->rec[s] = pfn;
	p->next[s] = p->head[pfn % POOL_HASH];
	p->head[pfn % POOL_HASH] = (int16_t)s;
	filter[pfn % FILTER_SIZE]++;
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

// Answers every waiting call of c with err (E_OK: try again).
static void answer_all(struct client *c, int err)
{
	struct msg m = { .info = MSG_INFO(err, 0) };

	while (c->pool->queue) {
		struct req q = { .c = c };

		if (err)
			req_fail(&q, err, "kmap waiting for a pool slot");
		sys_send(c->pool->queue->reply, &m);
		waiter_drop(c, c->pool->queue, 0);
	}
}

// No slot of c's pool can ever free: every registered thread of c (at
// least one call) waits for one.
static int deadlocked(const struct client *c)
{
	return c->nwaiting && c->nwaiting >= (c->nthreads ? c->nthreads : 1);
}

void pool_serve(void)
{
	for (uint32_t i = 1; i <= MS_CLIENTS_MAX; i++)
		if (clients[i].id && clients[i].pool && clients[i].pool->queue &&
		    deadlocked(&clients[i]))
			answer_all(&clients[i], E_DEADLK);
}

// Saves the caller's reply and queues it. E_OK, or an error (nothing queued).
static int wait_slot(struct req *q)
{
	struct waiter *w = malloc(sizeof(*w));
	struct kpool *p = q->c->pool;
	int err = E_NOMEM;

	if (!w)
		return err;
	*w = (struct waiter){ .t = q->t };
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

// MS_KMAP (gen, MS_KMAP_WAIT): every slot is referenced.
static int kmap_wait(struct req *q)
{
	struct mthread *t = q->t;
	uint32_t gen = q->w[0];
	int err;

	if ((int32_t)(q->c->pool->gen - gen) > 0)
		return E_OK; // a slot freed since the library looked: try again
	for (uint32_t i = 0; !t && q->c->nthreads == 1 && i < threads_end; i++)
		if (threads[i].badge && threads[i].c == q->c)
			t = &threads[i]; // its only thread must be the caller
	if (t && atomic_held(t))
		return req_fail(q, E_BUSY,
				"kmap would wait for a pool slot while kmap_atomic "
				"is held");
	q->c->nwaiting++; // as if it waited: would that leave nothing to wait for?
	if (deadlocked(q->c)) {
		q->c->nwaiting--;
		answer_all(q->c, E_DEADLK);
		return req_fail(q, E_DEADLK,
				"kmap: every slot of its pool is held, and every "
				"thread of it waits for one");
	}
	q->c->nwaiting--;
	if ((err = wait_slot(q)))
		return req_fail(q, err, "kmap: cannot wait for a pool slot");
	return E_OK;
}

// Slot s of c's pool counts towards c's mappings (mapped, or revoked).
static int counted(const struct kpool *p, uint32_t s)
{
	return (p->mapped[s / 32] | p->revoked[s / 32]) >> (s % 32) & 1;
}

// Records pfn in slot s of c's pool, mapped (the caller maps it);
// was_counted: counted(c->pool, s) before.
static inline __attribute__((always_inline)) void slot_set(struct client *c, uint32_t s,
							   uint32_t pfn, int was_counted)
{
	struct kpool *p = c->pool;
	uint32_t b = 1u << s % 32;

	if (was_counted) { // what the slot held goes (the client's own affair)
		rec_drop(p, s);
		if (p->revoked[s / 32] & b) {
			p->revoked[s / 32] &= ~b;
			c->nrevoked--;
		}
	} else
		c->nkmap++;
	rec_add(p, s, pfn);
	p->mapped[s / 32] |= b;
}

int ms_kmap(struct req *q)
{
	uint32_t pfn = q->w[0], s = q->w[1];
	struct kpool *p;
	int err, was;

	if (q->len < 2 || s > MS_KMAP_WAIT)
		return req_fail(q, E_INVAL, "kmap needs a pfn and a slot below %u",
				KMAP_POOL_SLOTS);
	if (s != MS_KMAP_WAIT && (err = page_access(q->c->idx, pfn)))
		return req_fail(q, err, "kmap of pfn 0x%x: neither owned nor shared", pfn);
	if ((err = pool_get(q->c)))
		return req_fail(q, err, "kmap: no kmap pool at 0x%x", MEMSRV_POOL_VA);
	if (s == MS_KMAP_WAIT)
		return kmap_wait(q);
	p = q->c->pool;
	was = counted(p, s);
	if (!was && (err = limit_maps(q, "kmap")))
		return err;
	slot_set(q->c, s, pfn, was);
	frames_map_reply(q, p->win, s, pfn, MS_PAGE_RW);
	q->out[0] = MEMSRV_POOL_VA + s * PAGE_SIZE;
	q->nout = 1;
	return E_OK;
}

// MS_KMAP in its common case, answered in place (with MSG_MAP): a
// registered thread's capability, a page its client owns, within its limit.
// Anything else returns 0 and goes the general way, which names the error.
static inline __attribute__((always_inline)) int pool_fast(struct msg *m, struct ipc_buffer *ipc)
{
	uint32_t pfn = m->mr[0], s = m->mr[1];
	struct mthread *t = fast_thread(m->badge);
	struct zone *z = &zones[0]; // usually the only one
	struct client *c;
	struct kpool *p;
	int was;

	if (m->info != (MSG_INFO(MS_KMAP, 2) | MSG_CALL) || !t || s >= KMAP_POOL_SLOTS)
		return 0;
	c = t->c;
	if (!(p = c->pool))
		return 0;
	if (pfn - z->base >= z->npages && !(z = zone_of(pfn)))
		return 0;
	if ((z->info[pfn - z->origin] & PI_OWNER) != c->idx) // shared, or not its own
		return 0;
	was = counted(p, s);
	if (!was && maps_full(c))
		return 0;
	slot_set(c, s, pfn, was);
	ipc_buffer_map(ipc, p->win, s, z->slot, pfn - z->base, 1, MS_PAGE_RW);
	m->info = MSG_INFO(E_OK, 1) | MSG_MAP;
	m->mr[0] = MEMSRV_POOL_VA + s * PAGE_SIZE;
	return 1;
}

FAST_SERVE(pool_serve_fast, pool_fast)

// The first slot at or after s whose bit in set is `want`, or KMAP_POOL_SLOTS.
static uint32_t scan(const uint32_t *set, uint32_t s, int want)
{
	while (s < KMAP_POOL_SLOTS) {
		uint32_t w = (want ? set[s / 32] : ~set[s / 32]) >> (s % 32);

		if (w)
			return s + (uint32_t)__builtin_ctz(w);
		s = (s | 31) + 1;
	}
	return KMAP_POOL_SLOTS;
}

int ms_kunmap(struct req *q)
{
	struct kpool *p = q->c->pool;
	uint32_t clear[POOL_WORDS], gone = 0;

	if (q->len < 1)
		return req_fail(q, E_INVAL, "kunmap without the library's free count");
	if (!p)
		return E_OK; // nothing mapped, nobody waits
	for (uint32_t i = 0; i < POOL_WORDS; i++) {
		uint32_t named = i + 1 < q->len ? q->w[i + 1] : 0;
		uint32_t r = named & p->revoked[i];
		const uint32_t *rec = &p->rec[i * 32];

		clear[i] = named & p->mapped[i];
		p->mapped[i] &= ~clear[i];
		p->revoked[i] &= ~r;
		q->c->nrevoked -= (uint32_t)__builtin_popcount(r);
		gone += (uint32_t)__builtin_popcount(clear[i] | r);
		if (clear[i] == ~0u) { // the usual wrap: a whole word of stale slots
#pragma GCC unroll 4
			for (uint32_t j = 0; j < 32; j++)
				filter[rec[j] % FILTER_SIZE]--;
		} else
			for (uint32_t b = clear[i]; b; b &= b - 1)
				filter[rec[__builtin_ctz(b)] % FILTER_SIZE]--;
	}
	q->c->nkmap -= gone;
	if (gone)
		rehash(p);
	for (uint32_t s = scan(clear, 0, 1), e; s < KMAP_POOL_SLOTS; s = scan(clear, e, 1)) {
		e = scan(clear, s, 0);
		slots_clear(p->win, s, e - s);
	}
	if ((int32_t)(q->w[0] - p->gen) > 0)
		p->gen = q->w[0];
	answer_all(q->c, E_OK); // a slot may be free: they try again
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
		if (bit(p->mapped, s))
			filter[p->rec[s] % FILTER_SIZE]--;
	c->nkmap = c->nrevoked = 0;
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

// pool_clear of one page held in some pool; returns how many slots of
// by's pool held it.
static uint32_t clear_page(uint32_t pfn, const struct client *by)
{
	uint32_t own = 0;

	for (uint32_t i = 1; i <= MS_CLIENTS_MAX; i++) {
		struct client *c = &clients[i];
		struct kpool *p = c->id ? c->pool : NULL;

		for (int s = p ? p->head[pfn % POOL_HASH] : -1, n; s >= 0; s = n) {
			n = p->next[s];
			if (p->rec[s] != pfn || !bit(p->mapped, (uint32_t)s))
				continue; // revoked already
			slots_clear(p->win, (uint32_t)s, 1);
			p->mapped[s / 32] &= ~(1u << s % 32);
			if (c == by) { // its library forgets it (MS_FREE's answer)
				rec_drop(p, (uint32_t)s);
				c->nkmap--;
				own++;
				continue;
			}
			filter[pfn % FILTER_SIZE]--;
			p->revoked[s / 32] |= 1u << s % 32;
			c->nrevoked++;
		}
	}
	return own;
}

uint32_t pool_clear(uint32_t pfn, uint32_t n, const struct client *by)
{
	uint32_t own = 0;

	for (uint32_t i = 0; i < n; i++)
		if (filter[(pfn + i) % FILTER_SIZE])
			own += clear_page(pfn + i, by);
	return own;
}

void pool_regain(struct client *c, uint32_t pfn, uint32_t n)
{
	struct kpool *p = c->pool;

	for (uint32_t i = 0; p && i < n; i++)
		for (int s = p->head[(pfn + i) % POOL_HASH]; s >= 0; s = p->next[s]) {
			if (p->rec[s] != pfn + i || !bit(p->revoked, (uint32_t)s) ||
			    frames_map(p->win, (uint32_t)s, pfn + i, 1, MS_PAGE_RW))
				continue; // (should the kernel refuse, the slot stays revoked)
			filter[(pfn + i) % FILTER_SIZE]++;
			p->revoked[s / 32] &= ~(1u << s % 32);
			p->mapped[s / 32] |= 1u << s % 32;
			c->nrevoked--;
		}
}

void pool_gc(void)
{
	while (nspare)
		ms_slot_destroy(spare[--nspare]);
}
