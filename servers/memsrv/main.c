// memsrv: the memory server. It owns the HIGHMEM ranges init gives it
// (libs/abi/init.h), hands out frames with a buddy allocator and maps them
// for its clients through windows, with the semantics of Linux's
// alloc_pages, kmap_local_page, kmap_atomic, kmap and vmap (the protocol:
// libs/abi/memsrv.h). Every request is answered with the error as the
// reply's label; every error is logged with one line naming the client.
//
// How memsrv tells clients and threads apart
// ------------------------------------------
// A client is a program: the badge of its SLOT_MEMSRV capability is its
// program id (init mints it; it must be below 2^31). MS_HELLO registers it
// (cap: its space, RIGHT_READ for the death watch, RIGHT_WRITE for binding
// windows) and answers MR0 = the client id.
//
// Thread-bound requests (MS_KMAP_LOCAL, MS_KMAP_ATOMIC) need to know the calling
// thread, which no badge from init tells. So MS_THREAD_HELLO (cap: the calling thread with
// RIGHT_READ and RIGHT_WRITE; the caller sets ipc_buffer.cap_recv to an empty slot) answers E_OK
// with MR0 = the thread's badge and, with MSG_CAP, an endpoint capability to memsrv (RIGHT_WRITE |
// RIGHT_GRANT) carrying that badge:
//
//     thread badge = 1 << 31 | generation (23 bits) << 8 | thread index (8 bits)
//
// The thread uses that capability for its thread-bound requests (and may
// use it for every other request: it names its client too). A thread-bound
// request through the program's SLOT_MEMSRV is served for the client's
// only registered thread when it has exactly one, and refused with E_PERM
// otherwise. A badge of a thread that died (or any unknown thread badge)
// gets E_PERM. The generation makes a recycled index a different badge.
//
// Deaths: memsrv watches each client space and registered thread
// (INV_WATCH) with one notification bound to its thread on CPU 0; its
// receive then returns label MSG_LABEL_NOTIFY and memsrv reclaims whatever
// died.
//
// On several CPUs memsrv serves each from a thread of its own, on an
// endpoint of its own (servers.c): every one of them runs serve().
#include <stdarg.h>
#include <stdio.h>

#include "ms.h"

// With objects it could not watch, memsrv looks for deaths every so many
// requests (and before MS_STATS, MS_HELLO and out-of-memory answers).
#define POLL_EVERY 32
static uint32_t polls;

typedef int (*handler_t)(struct req *);
static const struct {
	handler_t fn;
	const char *name;
} handlers[MS_COUNT] = {
	[MS_HELLO] = { ms_hello, "MS_HELLO" },
	[MS_THREAD_HELLO] = { ms_thread_hello, "MS_THREAD_HELLO" },
	[MS_ALLOC] = { ms_alloc, "MS_ALLOC" },
	[MS_FREE] = { ms_free, "MS_FREE" },
	[MS_SHARE] = { ms_share, "MS_SHARE" },
	[MS_KMAP_LOCAL] = { ms_kmap_local, "MS_KMAP_LOCAL" },
	[MS_KMAP_ATOMIC] = { ms_kmap_atomic, "MS_KMAP_ATOMIC" },
	[MS_KMAP] = { ms_kmap, "MS_KMAP" },
	[MS_KUNMAP] = { ms_kunmap, "MS_KUNMAP" },
	[MS_VMAP] = { ms_vmap, "MS_VMAP" },
	[MS_VMAP_MORE] = { ms_vmap_more, "MS_VMAP_MORE" },
	[MS_VUNMAP] = { ms_vunmap, "MS_VUNMAP" },
	[MS_STATS] = { ms_stats, "MS_STATS" },
	[MS_LIMIT] = { ms_limit, "MS_LIMIT" },
	[MS_STATS_MORE] = { ms_stats_more, "MS_STATS_MORE" },
	[MS_ENDPOINT] = { ms_endpoint, "MS_ENDPOINT" },
};

// Timer ticks since boot (100 a second), or 0 when the kernel does not say.
static uint32_t ticks(void)
{
	uint32_t t;

	return console_stats(SLOT_CONSOLE, NULL, NULL, &t) ? 0 : t;
}

// Whether one more line may go out under l, saying first how many lines
// the last interval left out. `who` names the client in that line.
static int log_allowed(struct loglimit *l, uint32_t who)
{
	uint32_t now = ticks();

	if (now - l->since >= LOG_TICKS) {
		if (l->suppressed)
			printf("memsrv: client %u: %u messages suppressed\n", who, l->suppressed);
		l->since = now;
		l->lines = 0;
		l->suppressed = 0;
	}
	if (l->lines < LOG_LINES) {
		l->lines++;
		l->written++;
		return 1;
	}
	l->suppressed++;
	l->dropped++;
	return 0;
}

int req_fail(struct req *q, int err, const char *fmt, ...)
{
	static struct loglimit strangers; // senders that are no client: one budget
	uint32_t who = q->c ? q->c->id : q->badge;
	char what[160];
	va_list ap;

	if (!log_allowed(q->c ? &q->c->log : &strangers, who))
		return err;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	printf("memsrv: client %u: %s (%s)\n", who, what, hmk_strerror(err));
	return err;
}

struct mthread *req_thread(struct req *q, const char *what, int *err)
{
	if (q->t)
		return q->t;
	if (q->c->nthreads == 1)
		for (uint32_t i = 0; i < threads_end; i++)
			if (threads[i].badge && threads[i].c == q->c)
				return &threads[i];
	*err = req_fail(q, E_PERM, "%s needs its thread's capability from MS_THREAD_HELLO", what);
	return NULL;
}

// Serves one request into q (q->out, q->nout); returns the error.
static int serve_one(struct req *q)
{
	uint32_t label = q->label;

	if (q->badge & THREAD_BADGE) {
		q->t = thread_by_badge(q->badge);
		if (!q->t)
			return req_fail(q, E_PERM, "badge 0x%x is no live thread's", q->badge);
		q->c = q->t->c;
	} else
		q->c = client_by_id(q->badge);
	if (label >= MS_COUNT || !handlers[label].fn)
		return req_fail(q, E_NOSYS, "unknown request %u", label);
	if (!q->called) // a `send`: nobody would learn the outcome, so nothing changes
		return req_fail(q, E_NOREPLY,
				"%s sent without waiting for the answer (send, not "
				"call): refused",
				handlers[label].name);
	if (label == MS_LIMIT)
		return q->badge ? req_fail(q, E_PERM, "MS_LIMIT from a client") : ms_limit(q);
	if (!q->c && label != MS_HELLO)
		return req_fail(q, E_PERM, "%s before MS_HELLO", handlers[label].name);
	if (ms_unwatched && (++polls % POLL_EVERY == 0 || label == MS_STATS || label == MS_HELLO))
		clients_reap(); // before stats, so that a dead client's pages are back
	return handlers[label].fn(q);
}

// Turns a message into a request, serves it and leaves the reply in *r.
static void request(const struct msg *m, uint32_t recv_slot, struct req *q, struct msg *r)
{
	struct ipc_buffer *ipc = user_ipcbuf();
	int err;

	// Field by field: zeroing the whole struct (64 words of message) would
	// cost more than serving a kmap_local.
	q->c = NULL;
	q->t = NULL;
	q->badge = m->badge;
	q->label = MSG_LABEL(m->info);
	q->len = MSG_LEN(m->info);
	q->called = (m->info & MSG_CALL) != 0;
	q->has_cap = (m->info & MSG_CAP) != 0;
	q->cap = recv_slot;
	q->cap_kept = 0;
	q->nout = 0;
	q->send_cap = 0;
	q->deferred = 0;
	q->map_reply = 0;
	q->undo_stack = NULL;
	for (uint32_t i = 0; i < MSG_REG_WORDS; i++) // words past len read as 0
		q->w[i] = i < q->len ? m->mr[i] : 0;
	for (uint32_t i = MSG_REG_WORDS; i < q->len; i++)
		q->w[i] = ipc->mr[i];
	err = serve_one(q);
	if (q->has_cap && !q->cap_kept) { // a capability nobody asked for
		space_delete(user_env.space, recv_slot);
	}
	if (err) {
		ms_slot_delete(q->send_cap);
		q->send_cap = 0;
		q->nout = 0;
		if (q->map_reply) // no map goes: none is in flight (maps_drain)
			ipc->map[IPC_MAP_WORD] = 0;
		q->map_reply = 0;
	}
	*r = (struct msg){ .info = MSG_INFO(err, q->nout) };
	if (q->map_reply) // the kernel maps (ipc->map, frames_map_reply), then replies
		r->info |= MSG_MAP;
	for (uint32_t i = 0; i < q->nout; i++) {
		if (i < MSG_REG_WORDS)
			r->mr[i] = q->out[i];
		else
			ipc->mr[i] = q->out[i];
	}
	if (q->send_cap) {
		ipc->cap_send = q->send_cap;
		r->info |= MSG_CAP;
	}
}

// The kernel refused the mapping a reply carried: E_AGAIN when the pin of
// a first kmap_atomic found its space's pinned-time budget spent; anything
// else is not reached when memsrv's checks are right. Nothing went out, so
// the push is taken back, the caller gets the error, and memsrv receives
// again on ep. Returns that receive's error, with the next request in *m.
static int refused_map(uint32_t ep, struct req *q, int err, struct msg *m)
{
	printf("memsrv: client %u: the kernel refused a mapping%s (%s)\n",
	       q->c ? q->c->id : q->badge,
	       err == E_AGAIN ? ": kmap_atomic's pin, its budget spent" : "", hmk_strerror(err));
	if (q->undo_stack) {
		ms_lock();
		local_undo(q);
		ms_unlock();
	}
	*m = (struct msg){ .info = MSG_INFO(err, 0) };
	sys_reply(m);
	return sys_recv(ep, m);
}

// Receives on ep and answers requests for ever. A deferred reply leaves
// nothing to answer (REPLY_SAVE took the caller), so reply_recv then only
// receives. The fast paths take the locks they need; the general way runs
// under ms_lock.
__attribute__((noreturn)) void serve(uint32_t ep)
{
	struct ipc_buffer *ipc = user_ipcbuf();
	uint32_t recv_slot, sent = 0;
	struct msg m, r;
	struct req q;
	int err;

	ms_lock();
	recv_slot = ms_slot_alloc();
	ms_unlock();
	ipc->cap_recv = recv_slot;
	err = sys_recv(ep, &m);
	for (;;) {
		if (sent) {
			ms_lock();
			ms_slot_delete(sent); // the capability the last reply carried
			ms_unlock();
			sent = 0;
		}
		if (err) {
			printf("memsrv: receive failed: %s\n", hmk_strerror(err));
			ipc->cap_recv = recv_slot;
			err = sys_recv(ep, &m);
			continue;
		}
		// the common cases of kmap_local, kmap_atomic, kmap, alloc, free,
		// stats, vmap and vunmap
		if (((MSG_LABEL(m.info) == MS_KMAP_LOCAL || MSG_LABEL(m.info) == MS_KMAP_ATOMIC) &&
		     (err = local_serve(ep, &m, ipc, &q))) ||
		    (MSG_LABEL(m.info) == MS_KMAP && (err = pool_serve_fast(ep, &m, ipc, &q))) ||
		    ((MSG_LABEL(m.info) == MS_ALLOC || MSG_LABEL(m.info) == MS_FREE) &&
		     (err = pages_serve_fast(ep, &m, ipc, &q))) ||
		    (MSG_LABEL(m.info) == MS_STATS && (err = stats_serve_fast(ep, &m, ipc, &q))) ||
		    ((MSG_LABEL(m.info) == MS_VMAP || MSG_LABEL(m.info) == MS_VUNMAP) &&
		     (err = vmap_serve_fast(ep, &m, ipc, &q)))) {
			if (m.info & MSG_MAP)
				err = refused_map(ep, &q, err, &m);
			continue;
		}
		ms_lock();
		if (MSG_LABEL(m.info) == MSG_LABEL_NOTIFY && !(m.info & MSG_CAP)) {
			clients_reap(); // m.badge holds the watch bits: scan them all
			r = (struct msg){ .info = MSG_INFO(E_NOSYS, 0) }; // a forged one
		} else {
			request(&m, recv_slot, &q, &r);
			sent = q.send_cap;
			if (q.cap_kept)
				recv_slot = ms_slot_alloc();
		}
		ms_unlock();
		ipc->cap_recv = recv_slot;
		m = r; // the reply goes out of m, the next request comes in
		err = sys_reply_recv(ep, &m);
		if (err && (r.info & MSG_MAP))
			err = refused_map(ep, &q, err, &m);
	}
}

// The virtual counter (CNTVCT, readable at PL0) and its frequency: under
// `-icount shift=0` one instruction is one nanosecond of it.
static uint64_t counter(void)
{
	uint32_t lo, hi;

	__asm__ volatile("isb\n\tmrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint32_t counter_hz(void)
{
	uint32_t hz;

	__asm__("mrc p15, 0, %0, c14, c0, 0" : "=r"(hz));
	return hz;
}

int main(void)
{
	uint32_t nranges = user_arg < MEMSRV_RANGES_MAX ? user_arg : MEMSRV_RANGES_MAX;
	uint64_t start = counter();
	uint32_t heap, books = 0, unused = 0, hz = counter_hz(), prio = 0;
	int err;

	user_slots_init(MEMSRV_RANGE_FIRST + nranges);
	for (uint32_t i = 0, u; i < nranges; i++) {
		books += range_add(MEMSRV_RANGE_FIRST + i, &u);
		unused += u;
	}
	// The rest of memsrv's own memory becomes heap now: the page tables the
	// kernel keeps for it are then made once, and the kernel's LOWMEM does
	// not grow with what memsrv later holds.
	heap = user_pages_free() > 64 ? (user_pages_free() - 64) * PAGE_SIZE : 0;
	if (heap && (err = user_heap_premap(heap)))
		printf("memsrv: heap not mapped up front (%s): page tables will grow\n",
		       hmk_strerror(err));
	printf("memsrv: bookkeeping %u KiB in HIGHMEM for %u pages (%u.%03u bytes a page, "
	       "%u page tables), %u KiB unused, heap %u KiB\n",
	       books * 4, total_pages,
	       total_pages ? (uint32_t)((uint64_t)books * 4096 / total_pages) : 0,
	       total_pages ? (uint32_t)((uint64_t)books * 4096000 / total_pages % 1000) : 0,
	       books_tables(), unused * 4, heap >> 10);
	if ((err = ms_create(CAP_NOTIFY, &ms_notify)) ||
	    (err = thread_bind_notify(user_env.thread, ms_notify)))
		printf("memsrv: no death notification (%s): dead clients are not reclaimed\n",
		       hmk_strerror(err));
	if ((err = frames_init()))
		printf("memsrv: no zeroing window (%s): zeroing through SPACE_MAP\n",
		       hmk_strerror(err));
	thread_info(user_env.thread, NULL, &prio, NULL);
	servers_start(prio);
	start = counter() - start;
	printf("memsrv: set up in %u us (%u instructions under -icount shift=0)\n",
	       (uint32_t)(start * 1000000 / hz), (uint32_t)(start * 1000000000 / hz));
	printf("memsrv: %u MiB of HIGHMEM in %u ranges, serving on %u CPU(s)\n", total_pages >> 8,
	       nzones, nservers);
	serve(servers[0].ep);
}
