// memsrv's own declarations: clients and their threads, and the request
// handlers (one file per area), above the leaves: the bitmap (bitset.h),
// the page allocator (buddy.h) and the page metadata (pagemeta.h), which
// know nothing of mappings or requests. The protocol itself is
// libs/abi/memsrv.h; how threads are told apart is at the top of main.c.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/memsrv.h"
#include "bitset.h"
#include "buddy.h"
#include "pagemeta.h"
#include "user.h"

// ---------------------------------------------------------------------------
// Limits and memsrv's own layout.
#define MS_THREADS_MAX 128 // registered threads at once, all clients
// memsrv's own address space (below 1 GiB, so that every VMSPLIT has it):
// its heap below MS_INFO_VA, then its bookkeeping (ranges.c) around the
// zeroing window.
#define MS_INFO_VA 0x20000000u // page information: one byte a page, 2^28 pages at most
#define MS_INFO_END 0x30000000u
#define MS_ZERO_VA 0x30000000u  // memsrv's own window: frames being zeroed
#define MS_FREE_VA 0x30200000u  // free-block bitmaps: about 0.26 bytes a page
#define MS_FREE_END 0x3f000000u // below its stack and IPC buffer
_Static_assert(USER_HEAP_MAX <= MS_INFO_VA && MS_INFO_END - MS_INFO_VA == 1u << 28 &&
		       MS_INFO_END <= MS_ZERO_VA && MS_ZERO_VA + WINDOW_SIZE <= MS_FREE_VA &&
		       MS_FREE_END <= USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE,
	       "memsrv's regions do not overlap, and the page information has a byte for "
	       "every pfn");
#define MS_VMAP_WINDOWS (MEMSRV_VMAP_SIZE / WINDOW_SIZE)
#define MS_VMAP_PAGES (MEMSRV_VMAP_SIZE / PAGE_SIZE)
#define MS_PAGE_RW (PROT_READ | PROT_WRITE)

// Bits of the notification memsrv's thread is bound to (INV_WATCH badges).
#define WATCH_SPACE (1u << 0)
#define WATCH_THREAD (1u << 1)

// A per-thread badge: bit 31, a generation, the thread table index (main.c).
// A client's badge is its program id, below bit 31; its index in clients[]
// is the owner tag of its pages (PI_OWNER) and of its shares (pagemeta.c),
// 6 bits with 0 and PI_ORPHAN reserved.
#define THREAD_BADGE (1u << 31)
#define THREAD_BADGE_GEN_BITS 23
#define THREAD_BADGE_INDEX_BITS 8
#define THREAD_BADGE_GEN_MASK ((1u << THREAD_BADGE_GEN_BITS) - 1)
#define THREAD_BADGE_INDEX(b) ((b) & ((1u << THREAD_BADGE_INDEX_BITS) - 1))
#define THREAD_BADGE_MAKE(gen, index)                                                              \
	(THREAD_BADGE | (gen) << THREAD_BADGE_INDEX_BITS | (uint32_t)(index))
_Static_assert(1 + THREAD_BADGE_GEN_BITS + THREAD_BADGE_INDEX_BITS == 32,
	       "a thread badge is bit 31, the generation and the index");
_Static_assert(MS_THREADS_MAX <= 1u << THREAD_BADGE_INDEX_BITS,
	       "every thread table index fits the badge's index field");
_Static_assert((MS_THREADS_MAX & (MS_THREADS_MAX - 1)) == 0,
	       "kmap_local's fast path masks a badge into threads[]");

// ---------------------------------------------------------------------------
// servers.c: memsrv's threads, one per CPU (servers[k] runs on CPU k), each
// receiving on its own endpoint; a client thread calls the one of its CPU
// (MS_ENDPOINT). With more than one, memsrv's state is shared between them:
//   - ms_lock guards all of it, but for the stacks of kmap_local and
//     kmap_atomic (struct mthread's local and atomic);
//   - each registered thread's `lock` guards those: kmap_local's fast path
//     takes only that one, so that threads on different CPUs are served at
//     once. The order is ms_lock, then a thread's lock.
// A reply that maps (MSG_MAP) is made by the kernel after the server let its
// locks go: before another server empties a slot such a map may fill, it
// waits for every map in flight (maps_drain). With one CPU, nothing of this
// is taken (ms_smp 0).
struct server {
	uint32_t ep;            // its endpoint (servers[0]: init's, SLOT_GIFT)
	struct ipc_buffer *ipc; // its IPC buffer: map[IPC_MAP_WORD] is 0 but while a
				//   reply's map is on its way (abi.h, MSG_MAP)
};
extern struct server servers[HMK_CPUS_MAX];
extern uint32_t nservers; // servers[0..nservers) serve
extern int ms_smp;        // nservers > 1: the locks are taken
extern uint32_t ms_big;   // ms_lock's word

// A lock word: 0 free, 1 held. Waiters spin with the YIELD hint, which
// QEMU's round-robin vCPUs (-icount) take as a cue to run the next vCPU.
static inline int spin_try(uint32_t *l)
{
	return !__atomic_exchange_n(l, 1u, __ATOMIC_ACQUIRE);
}
static inline void spin_take(uint32_t *l)
{
	while (!spin_try(l))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			__asm__ volatile("yield");
}
static inline void spin_give(uint32_t *l)
{
	__atomic_store_n(l, 0u, __ATOMIC_RELEASE);
}
static inline void ms_lock(void)
{
	if (ms_smp)
		spin_take(&ms_big);
}
static inline void ms_unlock(void)
{
	if (ms_smp)
		spin_give(&ms_big);
}
// Starts a server on every other CPU (as many as there are online, up to
// HMK_CPUS_MAX) at priority prio; says how many serve.
void servers_start(uint32_t prio);
// Waits until no other server has a reply's map in flight (ms_smp only).
void maps_drain(void);
// Empties slots [first, first + n) of window win once no map in flight may
// fill them after (maps_drain): how every memsrv slot is emptied.
int slots_clear(uint32_t win, uint32_t first, uint32_t n);
struct req;
int ms_endpoint(struct req *q);
struct mthread;
// A new slot of memsrv's with a capability to endpoint ep badged for thread
// t (RIGHT_WRITE | RIGHT_GRANT), or 0.
uint32_t thread_endpoint(const struct mthread *t, uint32_t ep);
// The serving loop of a server receiving on ep (main.c).
__attribute__((noreturn)) void serve(uint32_t ep);

// ---------------------------------------------------------------------------
// frames.c: frames as memory, through windows.
// Slots [first, first + n) of window win = frames pfn.. (which may cross
// from one range into the next). Returns E_OK or WINDOW_MAP's error.
int frames_map(uint32_t win, uint32_t first, uint32_t pfn, uint32_t n, uint32_t prot);
// The same for one page, done by the kernel with the reply (MSG_MAP):
// fills q->map. E_OK, or E_PERM for a pfn memsrv does not have.
struct req;
int frames_map_reply(struct req *q, uint32_t win, uint32_t slot, uint32_t pfn, uint32_t prot);
// Fills n frames from pfn with zeroes through memsrv's own window. E_OK or
// the kernel's error.
int frames_zero(uint32_t pfn, uint32_t n);
// Creates the zeroing window. Returns E_OK or the kernel's error.
int frames_init(void);
// Zeroes n pages of memsrv's own memory from va (page aligned).
void zero_pages(uint32_t va, uint32_t n);

// ranges.c: takes the range in memsrv's slot into the allocator, its
// bookkeeping at its top (as many of its pages as the regions have room
// for). Returns the pages that bookkeeping took, with those neither served
// nor bookkeeping in *unused (the zone's alignment, or no room); 0 when it
// took none of the range (said in a log line, as are pages it left out).
uint32_t range_add(uint32_t slot, uint32_t *unused);
// The page tables the kernel keeps for the bookkeeping's mappings (charged
// to memsrv's quota: the kernel's LOWMEM use grows by as many pages).
uint32_t books_tables(void);

// ---------------------------------------------------------------------------
// release.c: pages leaving their owner.
struct client;
// Returns the allocated block at pfn of that order to the allocator, in the
// one safe order: every slot that may show its pages emptied (kmap pool
// slots, kmap_local/kmap_atomic slots, live or stale), its shares revoked,
// then freed. The caller has checked that no vmap of its pages is left,
// and that no stale vmap slot shows them (vmap_purge).
// Returns how many slots of client by's kmap pool went (pool_clear).
uint32_t block_release(uint32_t pfn, unsigned order, const struct client *by);
// A page's mapping went: frees the page's block when it was orphaned (its
// owner died) and nothing maps it any more.
void orphan_unmapped(uint32_t pfn);
// The allocated block at head of that order is orphaned: its owner died
// while some of its pages were still mapped.
void block_orphan(uint32_t head, unsigned order);
extern uint32_t orphan_pages; // pages of orphaned blocks, not yet freed

// One mapping of n pages from pfn less (map_inc's pair): frees orphaned
// blocks that end up unmapped.
static inline void map_dec(uint32_t pfn, uint32_t n)
{
	if (map_put(pfn, n) && orphan_pages) // some page is unmapped now: an orphan's?
		for (uint32_t i = 0; i < n; i++)
			orphan_unmapped(pfn + i);
}

// ---------------------------------------------------------------------------
// clients.c: registered programs and threads.
struct vmap;
struct kpool;

// Log lines of one client: at most LOG_LINES per LOG_TICKS, then one line
// saying how many were left out (main.c).
#define LOG_LINES 20
#define LOG_TICKS 100 // 1 s at 100 Hz
struct loglimit {
	uint32_t since;            // the interval's first tick
	uint32_t lines;            // written in it
	uint32_t suppressed;       // left out in it
	uint32_t written, dropped; // all lines written and left out (MS_STATS_MORE)
};

struct client {
	uint32_t id;         // the program id (init's badge); 0: free entry
	uint8_t idx;         // its index here: the owner tag of its pages
	uint32_t space;      // its space, in memsrv's table
	uint32_t nthreads;   // live registered threads
	uint32_t nserial;    // threads it ever registered (their numbers in log lines)
	int unwatched;       // INV_WATCH refused (no RIGHT_READ): polled instead
	uint32_t nwaiting;   // its calls waiting for a kmap pool slot
	struct kpool *pool;  // its kmap pool (kmap_pool.c; NULL until its first kmap)
	uint32_t nkmap;      // its kmap pool slots mapped or owed (kmap_pool.c)
	uint32_t nrevoked;   // of them owed: emptied by memsrv, mapped back at regain
	uint32_t owned;      // pages it owns
	uint32_t max_pages;  // limits its starter set (MS_LIMIT): pages it may own,
	uint32_t max_maps;   //   kmap references and vmaps it may hold at once
	struct loglimit log; // its log lines in the current interval (main.c)
	uint32_t lo, hi;     // lowest and highest pfn it was ever given
	struct vmap *vmaps;  // sorted by address
	uint32_t nvmaps;
	uint32_t stale_lo, stale_hi; // vmap area pages [lo, hi) may still map pages of its own
				     //   vmaps since vunmapped (vmap.c); hi 0: none
	uint32_t vwin[MS_VMAP_WINDOWS]; // its vmap windows (0: not made yet)
};

// A kmap_local or kmap_atomic stack: its mappings, newest last, and where
// in its region of the thread window the next one goes.
struct mstack {
	uint32_t pfn[KMAP_LOCAL_MAX];
	uint32_t slot[KMAP_LOCAL_MAX];
	uint32_t depth;
	uint32_t cursor;  // next slot of the region, in turn
	int dirty;        // stale entries may be left in the region
	uint32_t foreign; // bit d: entry d maps a page its client does not own (shared):
			  //   forgetting it may free an orphan (kept with several servers)
};

struct mthread {
	uint32_t badge; // its badge (THREAD_BADGE | generation | index); 0: free
	struct client *c;
	uint32_t owner;              // c->idx, the owner tag of its client's pages (fast paths)
	uint32_t thread;             // its thread, in memsrv's table
	uint32_t win;                // its window (kmap_local slots 0..15, kmap_atomic 16..31)
	struct mstack local, atomic; // kmap_local and kmap_atomic (kmap_local.c)
	uint32_t nwaiting;           // its calls waiting for a pool slot (0 or 1)
	uint32_t serial;             // per client, for log lines
	int unwatched;
	uint32_t lock;           // guards local and atomic (with several servers); last: it
				 //   outlives the clearing of the rest (thread_reclaim)
} __attribute__((aligned(512))); // a power of two: the fast paths index by shifting
_Static_assert(sizeof(struct mthread) == 512, "threads[] is indexed by a shift, not a multiply");

// Thread t's stacks, held and let go (with several servers).
static inline void stacks_lock(struct mthread *t)
{
	if (ms_smp)
		spin_take(&t->lock);
}
static inline void stacks_unlock(struct mthread *t)
{
	if (ms_smp)
		spin_give(&t->lock);
}

extern struct client clients[MS_CLIENTS_MAX + 1]; // [0] unused
extern struct mthread threads[MS_THREADS_MAX];
extern uint32_t threads_end;  // threads[threads_end..] are all free
extern uint32_t ms_notify;    // the notification watches signal
extern uint32_t ms_unwatched; // clients and threads memsrv could not watch (polled)

struct client *client_by_id(uint32_t id);
// The thread a badge names, or NULL.
struct mthread *thread_by_badge(uint32_t badge);
// Finds dead clients and threads and reclaims everything they held.
void clients_reap(void);

// ---------------------------------------------------------------------------
// A request being served (main.c builds it, the handlers fill the result).
struct req {
	struct client *c;
	struct mthread *t; // the thread whose capability was used, or NULL
	uint32_t badge;
	uint32_t label;
	uint32_t len; // words
	int called;   // the sender waits for the reply (MSG_CALL): a call, not a send
	uint32_t w[MSG_MAX_WORDS];
	int has_cap;  // a capability arrived in recv_slot
	uint32_t cap; // that slot; a handler keeping it sets cap_kept
	int cap_kept;
	uint32_t out[5]; // result words (the longest answer: MS_STATS_MORE's five)
	uint32_t nout;
	uint32_t send_cap;         // a capability to send with the reply (deleted after)
	int deferred;              // the reply was saved; none now
	int map_reply;             // the reply carries MSG_MAP (the IPC buffer's map[], which
				   //   frames_map_reply filled): the kernel maps, then replies
	struct mstack *undo_stack; // should the kernel refuse that mapping: the push to take back
	struct mthread *undo_t;
};

// The thread whose badge a fast path received, or NULL. Masked into the
// table (a power of two), as cheap as the index itself: an index beyond it
// cannot match any thread's badge, so the request goes the general way,
// where thread_by_badge logs it.
static inline struct mthread *fast_thread(uint32_t badge)
{
	struct mthread *t = &threads[badge & (MS_THREADS_MAX - 1)];

	return (badge & THREAD_BADGE) && t->badge == badge ? t : NULL;
}

// Defines `int name(uint32_t ep, struct msg *m, struct ipc_buffer *ipc,
// struct req *undo)`: the serving loop `loop(ep, m, ipc, undo, smp, ...)`
// (always inline, smp a constant), compiled apart for one server (smp 0)
// and for several (1), and the one that ms_smp says called. In one
// function, the two share registers, and the one server's loop then
// reloads addresses it kept before (about 10 instructions a request,
// measured).
#define SERVE_APART(name, loop, ...)                                                               \
	static __attribute__((noinline)) int name##_one(uint32_t ep, struct msg *m,                \
							struct ipc_buffer *ipc, struct req *undo)  \
	{                                                                                          \
		return loop(ep, m, ipc, undo, 0, ##__VA_ARGS__);                                   \
	}                                                                                          \
	static __attribute__((noinline)) int name##_smp(uint32_t ep, struct msg *m,                \
							struct ipc_buffer *ipc, struct req *undo)  \
	{                                                                                          \
		return loop(ep, m, ipc, undo, 1, ##__VA_ARGS__);                                   \
	}                                                                                          \
	int name(uint32_t ep, struct msg *m, struct ipc_buffer *ipc, struct req *undo)             \
	{                                                                                          \
		return ms_smp ? name##_smp(ep, m, ipc, undo) : name##_one(ep, m, ipc, undo);       \
	}

// FAST_SERVE's loop (smp: each answer under ms_lock).
static inline __attribute__((always_inline)) int
fast_loop(uint32_t ep, struct msg *m, struct ipc_buffer *ipc, struct req *undo, const int smp,
	  int (*fast)(struct msg *, struct ipc_buffer *))
{
	for (;;) {
		if (smp)
			spin_take(&ms_big);
		int took = fast(m, ipc);
		if (smp)
			spin_give(&ms_big);
		if (!took)
			return E_OK;
		uint32_t badge = m->badge;
		int err = sys_reply_recv(ep, m);

		if (err) {
			*undo = (struct req){ .badge = badge };
			return err;
		}
	}
}

// Defines `int name(uint32_t ep, struct msg *m, struct ipc_buffer *ipc,
// struct req *undo)`, the loop of a fast path: it answers requests in place
// with `fast` (1 when it took *m, answering into it) and receives the next
// on ep, for as long as it takes them. E_OK with a request left to the
// general way in *m, or the error of a reply_recv (*undo: whose reply it
// carried; nothing to undo). Compiled apart for one server and several.
#define FAST_SERVE(name, fast) SERVE_APART(name, fast_loop, fast)

// main.c: logs one line naming the client and returns err.
int req_fail(struct req *q, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
// The thread a thread-bound request is for: the caller's thread capability,
// or the client's only registered thread. NULL after logging E_PERM in *err.
struct mthread *req_thread(struct req *q, const char *what, int *err);

// slots.c: memsrv's own capability slots.
// A free slot of memsrv's table (collecting idle objects when short), or 0.
uint32_t ms_slot_alloc(void);
// Destroys the object in slot (when it still lives) and frees the slot.
void ms_slot_destroy(uint32_t slot);
// Deletes the capability in slot and frees the slot.
void ms_slot_delete(uint32_t slot);
// Creates an object of type in a new slot of memsrv's table. E_OK or error.
int ms_create(uint32_t type, uint32_t *slot);

// Request handlers: E_OK with q->out filled, or the error (logged).
int ms_hello(struct req *q);
int ms_thread_hello(struct req *q);
int ms_alloc(struct req *q);
int ms_free(struct req *q);
int ms_share(struct req *q);
int ms_stats(struct req *q);
int ms_stats_more(struct req *q);
int ms_limit(struct req *q);
// Sets a new client's limits: what MS_LIMIT said for its id, or the default.
void limits_apply(struct client *c);
// Client c holds as many kmap pool slots and vmaps as its limit allows:
// the test of limit_maps and of the fast paths that add one.
static inline int maps_full(const struct client *c)
{
	return c->nkmap + c->nvmaps >= c->max_maps;
}
// E_OK when client q->c may hold one more kmap reference or vmap, else
// E_NOMEM (logged, naming what).
int limit_maps(struct req *q, const char *what);
int ms_kmap_local(struct req *q);
int ms_kmap_atomic(struct req *q);
// The kernel refused the mapping a kmap_local/kmap_atomic reply carried:
// takes the push back.
void local_undo(struct req *q);
// The block of n pages at pfn (n a power of two) leaves its owner: every
// kmap_local and kmap_atomic slot that may hold one of its pages is emptied
// now, in every thread: the stale ones (all of them) and the live ones with
// those pages (a thread still using one faults: a use after free), and the
// stacks forget those pages. (With several servers, the block is first
// nobody's: PI_ORPHAN until block_release frees it.)
void local_release(uint32_t pfn, uint32_t n);
// Thread t says it holds `depth` kmap_local mappings (MS_STATS): memsrv
// forgets the ones above (a larger depth changes nothing). Inline, since
// it usually holds all memsrv knows of: then nothing is to be done.
void local_forget(struct mthread *t, uint32_t depth);
static inline void local_held(struct mthread *t, uint32_t depth)
{
	if (depth < t->local.depth)
		local_forget(t, depth);
}
// Live kmap_local and kmap_atomic mappings of pages [pfn, pfn + n), of
// every thread, as far as memsrv knows (a thread's kunmap_local reaches it
// with its next kmap_local).
uint32_t local_maps_in(uint32_t pfn, uint32_t n);
// Serves kmap_local and a first kmap_atomic in their common case for as
// long as such requests come: answers *m in place (with MSG_MAP) and
// receives the next on endpoint ep. Returns E_OK with a request it leaves to
// the general way in *m, or the error of a reply_recv, with what refused_map
// needs in *undo (the thread and the stack of the refused mapping).
int local_serve(uint32_t ep, struct msg *m, struct ipc_buffer *ipc, struct req *undo);
int ms_kmap(struct req *q);
int ms_kunmap(struct req *q);
// Serves MS_KMAP in its common case (a registered thread's capability, a
// page its client owns, within its limit) for as long as such requests
// come, as local_serve does: answers *m in place (MSG_MAP) and receives the
// next on ep. E_OK with a request it leaves to the general way in *m, or
// the error of a reply_recv (with whose reply it was in *undo).
int pool_serve_fast(uint32_t ep, struct msg *m, struct ipc_buffer *ipc, struct req *undo);
// The same for MS_ALLOC and MS_FREE of one page (pages.c).
int pages_serve_fast(uint32_t ep, struct msg *m, struct ipc_buffer *ipc, struct req *undo);
// And for MS_STATS of a registered thread (pages.c).
int stats_serve_fast(uint32_t ep, struct msg *m, struct ipc_buffer *ipc, struct req *undo);
// The same for MS_VMAP of one owned page (mapped by the reply, MSG_MAP) and
// MS_VUNMAP (vmap.c).
int vmap_serve_fast(uint32_t ep, struct msg *m, struct ipc_buffer *ipc, struct req *undo);
int ms_vmap(struct req *q);
int ms_vmap_more(struct req *q);
int ms_vunmap(struct req *q);

// kmap_local.c: a dead thread's local and atomic mappings go.
void local_reclaim(struct mthread *t);
// t's kmap_atomic depth, after asking the kernel whether t is still pinned
// (THREAD_ATOMIC's ATOMIC_QUERY):
// when it reclaimed an overrun (cleared the slots, unpinned), the stack goes.
uint32_t atomic_held(struct mthread *t);

// kmap_pool.c
// Drops every pool reference and waiting call of client c (dying).
void pool_forget_client(struct client *c);
// Drops the waiting call of thread t (dying); re-checks for a deadlock.
void pool_forget_thread(struct mthread *t);
// Answers waiting calls that can be served now, or never.
void pool_serve(void);
// Before pages [pfn, pfn + n) leave their owner (free, the owner's death):
// every pool slot holding one, in every client's pool, stale or
// referenced, is emptied now; those of client `by` (the one freeing, or
// NULL) are forgotten, the others' mapped back at pool_regain. Returns how
// many slots of by's pool went.
uint32_t pool_clear(uint32_t pfn, uint32_t n, const struct client *by);
// Client c was given pages [pfn, pfn + n) (alloc, share): the slots of its
// pool pool_clear emptied of them hold them again. Only when c->nrevoked.
void pool_regain(struct client *c, uint32_t pfn, uint32_t n);
// Reply objects kept for reuse go (when slots are short).
void pool_gc(void);

// vmap.c: a dead client's vmaps and windows go.
void vmap_reclaim(struct client *c);
// The address of a vmap of client c holding one of pages [pfn, pfn + n),
// or 0. (Its own pages' vmaps are not in their mapping counts.)
uint32_t vmap_holds(const struct client *c, uint32_t pfn, uint32_t n);
// Destroys vmap windows no vmap uses (when slots are short).
void vmap_gc(void);
// Empties the stale slots of client c's vmap area (one WINDOW_CLEAR per
// window): before a page of c leaves it. Only when c->stale_hi.
void vmap_purge(struct client *c);
