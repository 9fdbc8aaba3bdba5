// Clients (programs, known by init's badge) and their threads (known by the
// badge memsrv mints for each at MS_THREAD_HELLO, at most MS_CLIENT_THREADS
// per client). memsrv watches every
// client space and thread with its one notification; when one dies it
// finds which (their capabilities answer E_DEAD) and takes back everything:
// thread windows, local and atomic mappings, pool references, waiting
// calls, vmaps and their windows, shares, and the frames the client owned
// (those still mapped by others stay, orphaned, until the last unmap).
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ms.h"

struct client clients[MS_CLIENTS_MAX + 1];
struct mthread threads[MS_THREADS_MAX];
uint32_t threads_end;
uint32_t ms_notify;
uint32_t ms_unwatched;
static uint32_t badge_gen; // generation of the next thread badge

struct client *client_by_id(uint32_t id)
{
	for (uint32_t i = 1; id && i <= MS_CLIENTS_MAX; i++)
		if (clients[i].id == id)
			return &clients[i];
	return NULL;
}

struct mthread *thread_by_badge(uint32_t badge)
{
	uint32_t i = THREAD_BADGE_INDEX(badge);

	if (!(badge & THREAD_BADGE))
		return NULL;
	if (i >= MS_THREADS_MAX) { // memsrv never made it: the kernel or memsrv is wrong
		printf("memsrv: badge 0x%x: thread index %u beyond the table (%u)\n", badge, i,
		       MS_THREADS_MAX);
		return NULL;
	}
	return threads[i].badge == badge ? &threads[i] : NULL;
}

// The kind and rights of the capability in slot; E_OK or the kernel's error.
static int identify(uint32_t slot, uint32_t type, uint32_t rights)
{
	uint32_t t, r;
	// Never INV_IDENTIFY: on an endpoint a client sent, that call would be
	// IPC, and memsrv would wait on the client.
	int err = space_identify(user_env.space, slot, &t, &r, NULL);

	if (err)
		return err;
	if (t != type)
		return E_TYPE;
	return (r & rights) == rights ? E_OK : E_PERM;
}

// Watches the object in slot for its death. Without RIGHT_READ on it the
// kernel refuses: memsrv then polls it (main.c) and says so once.
static int watch(struct req *q, uint32_t slot, uint32_t bit, int *unwatched)
{
	static int told;
	int err = inv_watch(slot, ms_notify, bit);

	if (err != E_PERM)
		return err;
	if (!told++)
		printf("memsrv: client %u: a %s capability without RIGHT_READ cannot be watched: "
		       "memsrv polls for deaths instead\n",
		       q->c ? q->c->id : q->badge, bit == WATCH_SPACE ? "space" : "thread");
	*unwatched = 1;
	ms_unwatched++;
	return E_OK;
}

int ms_hello(struct req *q)
{
	struct client *c = NULL;
	int err, unwatched = 0;

	if (q->c)
		return req_fail(q, E_INVAL, "MS_HELLO again");
	if (!q->has_cap)
		return req_fail(q, E_INVAL, "MS_HELLO without its space capability");
	if ((err = identify(q->cap, CAP_SPACE, RIGHT_WRITE)))
		return req_fail(q, err, "MS_HELLO: not a space with the write right");
	for (uint32_t i = 1; i <= MS_CLIENTS_MAX && !c; i++)
		if (!clients[i].id && !clients[i].space)
			c = &clients[i];
	if (!c)
		return req_fail(q, E_NOSLOT, "MS_HELLO: %u clients already", MS_CLIENTS_MAX);
	if ((err = watch(q, q->cap, WATCH_SPACE, &unwatched)))
		return req_fail(q, err, "MS_HELLO: cannot watch its space");
	memset(c, 0, sizeof(*c));
	c->unwatched = unwatched;
	c->id = q->badge;
	c->idx = (uint8_t)(c - clients);
	c->space = q->cap;
	c->lo = ~0u;
	limits_apply(c);
	q->cap_kept = 1;
	q->out[0] = c->id;
	q->nout = 1;
	return E_OK;
}

int ms_thread_hello(struct req *q)
{
	struct mthread *t = NULL;
	uint32_t win = 0, i;
	int err, unwatched = 0;

	if (!q->c)
		return req_fail(q, E_PERM, "MS_THREAD_HELLO before MS_HELLO");
	if (!q->has_cap)
		return req_fail(q, E_INVAL, "MS_THREAD_HELLO without its thread capability");
	if (q->c->nthreads >= MS_CLIENT_THREADS)
		return req_fail(q, E_NOSLOT,
				"MS_THREAD_HELLO: it has %u threads registered already",
				q->c->nthreads);
	if ((err = identify(q->cap, CAP_THREAD, RIGHT_WRITE)))
		return req_fail(q, err, "MS_THREAD_HELLO: not a thread with the write right");
	for (i = 0; i < MS_THREADS_MAX && !t; i++)
		if (!threads[i].badge)
			t = &threads[i];
	if (!t)
		return req_fail(q, E_NOSLOT, "MS_THREAD_HELLO: %u threads already", MS_THREADS_MAX);
	if ((err = ms_create(CAP_WINDOW, &win)))
		return req_fail(q, err, "MS_THREAD_HELLO: no window for it");
	if ((err = window_bind(win, WIN_THREAD, q->cap, MEMSRV_LOCAL_VA))) {
		ms_slot_destroy(win);
		return req_fail(q, err, "MS_THREAD_HELLO: cannot bind its window at 0x%x",
				MEMSRV_LOCAL_VA);
	}
	if ((err = watch(q, q->cap, WATCH_THREAD, &unwatched))) {
		ms_slot_destroy(win);
		return req_fail(q, err, "MS_THREAD_HELLO: cannot watch the thread");
	}
	badge_gen = (badge_gen + 1) & THREAD_BADGE_GEN_MASK;
	memset(t, 0, offsetof(struct mthread, lock));
	t->badge = THREAD_BADGE_MAKE(badge_gen, t - threads);
	if ((uint32_t)(t - threads) >= threads_end)
		threads_end = (uint32_t)(t - threads) + 1;
	t->c = q->c;
	t->owner = q->c->idx;
	t->thread = q->cap;
	t->win = win;
	t->unwatched = unwatched;
	t->serial = ++q->c->nserial;
	q->c->nthreads++;
	q->cap_kept = 1;
	// Its own capability to memsrv's endpoint, badged for this thread.
	if (!(q->send_cap = thread_endpoint(t, servers[0].ep)))
		printf("memsrv: client %u: no badged capability for its thread %u\n", q->c->id,
		       t->serial);
	q->out[0] = t->badge;
	q->nout = 1;
	return E_OK;
}

// Whether the object in slot has died (its capability answers E_DEAD).
static int dead(uint32_t slot)
{
	return space_identify(user_env.space, slot, NULL, NULL, NULL) == E_DEAD;
}

// Everything of thread t goes.
static void thread_reclaim(struct mthread *t)
{
	stacks_lock(t); // a fast path serving it (a sibling has its badge) finishes first
	local_reclaim(t);
	pool_forget_thread(t);
	ms_slot_destroy(t->win);
	ms_slot_delete(t->thread);
	t->c->nthreads--;
	ms_unwatched -= t->unwatched != 0;
	memset(t, 0, offsetof(struct mthread, lock));
	stacks_unlock(t);
	while (threads_end && !threads[threads_end - 1].badge)
		threads_end--;
}

// Frees what c owns; pages someone else still maps are orphaned instead.
static uint32_t frames_reclaim(struct client *c)
{
	uint32_t freed = 0, pfn = c->lo;
	unsigned order;

	while (c->owned && buddy_next_block(&pfn, c->hi + 1, c->idx, &order)) {
		uint32_t pages = 1u << order, mapped = 0;

		pool_clear(pfn, pages, NULL); // pool slots do not hold a page: emptied
		for (uint32_t p = pfn; p < pfn + pages; p++)
			mapped |= map_count(p);
		if (mapped || local_maps_in(pfn, pages)) {
			for (uint32_t p = pfn; p < pfn + pages; p++)
				share_revoke(p);
			block_orphan(pfn, order);
		} else {
			block_release(pfn, order, NULL);
			freed += pages;
		}
		c->owned -= pages;
		pfn += pages;
	}
	return freed;
}

// Everything of client c goes; its entry becomes free.
static void client_reclaim(struct client *c)
{
	uint32_t owned = c->owned, maps = c->nkmap + c->nvmaps, freed;

	for (uint32_t i = 0; i < threads_end; i++)
		if (threads[i].badge && threads[i].c == c) {
			maps += threads[i].local.depth + threads[i].atomic.depth;
			thread_reclaim(&threads[i]);
		}
	pool_forget_client(c);
	vmap_reclaim(c);
	freed = frames_reclaim(c);
	share_drop_client(c->idx);
	ms_slot_delete(c->space);
	ms_unwatched -= c->unwatched != 0;
	// Its threads over its life, not those still here: a thread that died
	// first may have been reclaimed already, or not, as deaths are seen.
	printf("memsrv: client %u gone: %u thread(s) registered, %u mapping(s), %u page(s) "
	       "reclaimed (%u still mapped by others)\n",
	       c->id, c->nserial, maps, owned, owned - freed);
	memset(c, 0, sizeof(*c));
}

void clients_reap(void)
{
	for (uint32_t i = 1; i <= MS_CLIENTS_MAX; i++) {
		struct client *c = &clients[i];

		if (!c->id)
			continue;
		if (dead(c->space)) {
			client_reclaim(c);
			continue;
		}
		for (uint32_t j = 0; j < threads_end; j++) {
			struct mthread *t = &threads[j];

			if (!t->badge || t->c != c || !dead(t->thread))
				continue;
			struct req q = { .c = c }; // its log budget: threads come and go at will
			if (t->local.depth || t->atomic.depth)
				req_fail(&q, E_DEAD,
					 "thread %u died with %u kmap_local and %u "
					 "kmap_atomic mapping(s): reclaimed",
					 t->serial, t->local.depth, t->atomic.depth);
			thread_reclaim(t);
		}
	}
	pool_serve();
}
