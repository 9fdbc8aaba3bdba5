// kmap and kunmap: the program's own kmap pool (KMAP_POOL_SLOTS slots at
// MEMSRV_POOL_VA), kept here as Linux keeps pkmap (mm/highmem.c: kmap_high,
// flush_all_zero_pkmaps): which page sits in which slot (hashed by pfn) and
// a count of references per slot, for all threads of the program, behind
// one lock. A kmap of a page the pool holds (referenced or stale) and every
// kunmap are local: no request. A kmap of another page takes the next empty
// slot in turn and asks memsrv to map it there (MS_KMAP); a slot whose
// count falls to 0 stays, stale, until the turn wraps, when every stale
// slot is emptied with one MS_KUNMAP. With every slot referenced, kmap
// waits in memsrv (MS_KMAP_WAIT) until a kunmap frees one.
//
// memsrv does not trust this cache: it empties our slots of a page before
// the page leaves its owner, and maps them back when we get the page again.
#include <string.h>

#include "client.h"
#include "highmem.h"
#include "kmap.h"

#define POOL_WORDS (KMAP_POOL_SLOTS / 32)
#define POOL_HASH 512 // a chain of one, mostly

static struct {
	uint32_t lock;                 // 1: taken
	uint32_t cursor;               // the next slot the turn looks at
	uint32_t gen;                  // kunmaps that freed a slot
	uint32_t nwaiting;             // threads waiting in memsrv for a slot
	uint32_t refs;                 // all references
	uint32_t occupied[POOL_WORDS]; // slots holding a page, referenced or stale
	uint32_t held[POOL_WORDS];     // slots whose count is not 0
	uint32_t pfn[KMAP_POOL_SLOTS]; // the page of an occupied slot
	uint32_t count[KMAP_POOL_SLOTS];
	uint16_t next[KMAP_POOL_SLOTS]; // hash chains of occupied slots: slot + 1, 0 ends
	uint16_t head[POOL_HASH];
} pool;

// Set once the calling thread is registered with memsrv: a thread holding
// references must be, or memsrv could take the others' wait for a deadlock.
static __thread int thread_known;

// The pool lock: a test-and-set that yields while another thread holds it
// (it may hold it across a request to memsrv).
static inline void lock(void)
{
	while (__atomic_exchange_n(&pool.lock, 1, __ATOMIC_ACQUIRE))
		sys_yield();
}

static inline void unlock(void)
{
	__atomic_store_n(&pool.lock, 0, __ATOMIC_RELEASE);
}

static void *slot_va(uint32_t s)
{
	return (void *)(MEMSRV_POOL_VA + s * PAGE_SIZE);
}

// The slot holding page, or -1. Under the lock.
static int lookup(page_t page)
{
	for (uint32_t s = pool.head[page % POOL_HASH]; s; s = pool.next[s - 1])
		if (pool.pfn[s - 1] == page)
			return (int)s - 1;
	return -1;
}

static void hash_add(uint32_t s)
{
	uint16_t *h = &pool.head[pool.pfn[s] % POOL_HASH];

	pool.next[s] = *h;
	*h = (uint16_t)(s + 1);
}

// One more reference to slot s. Under the lock.
static void take(uint32_t s)
{
	if (!pool.count[s]++)
		pool.held[s / 32] |= 1u << s % 32;
	pool.refs++;
}

// The hash again, of the occupied slots only. Under the lock.
static void rehash(void)
{
	memset(pool.head, 0, sizeof(pool.head));
	for (uint32_t i = 0; i < POOL_WORDS; i++)
		for (uint32_t b = pool.occupied[i]; b; b &= b - 1)
			hash_add(i * 32 + (uint32_t)__builtin_ctz(b));
}

// Empties every stale slot with one MS_KUNMAP and forgets them (Linux's
// flush_all_zero_pkmaps). Under the lock. E_OK or memsrv's error.
static int flush(void)
{
	uint32_t w[1 + POOL_WORDS], any = 0;
	struct msg r;
	int err;

	w[0] = pool.gen;
	for (uint32_t i = 0; i < POOL_WORDS; i++)
		any |= w[1 + i] = pool.occupied[i] & ~pool.held[i];
	if (!any)
		return E_OK;
	if ((err = ms_request(MS_KUNMAP, w, 1 + POOL_WORDS, &r)))
		return err;
	for (uint32_t i = 0; i < POOL_WORDS; i++)
		pool.occupied[i] = pool.held[i];
	rehash();
	return E_OK;
}

// The next empty slot in turn, flushing the stale ones when the turn
// wraps; -1 with *err E_OK when every slot is referenced. Under the lock.
static int slot_next(int *err)
{
	for (int wrapped = 0; wrapped < 2; wrapped++) {
		for (uint32_t s = pool.cursor; s < KMAP_POOL_SLOTS; s = (s | 31) + 1) {
			uint32_t free = ~pool.occupied[s / 32] >> (s % 32);

			if (free) {
				s += (uint32_t)__builtin_ctz(free);
				pool.cursor = s + 1;
				return (int)s;
			}
		}
		if ((*err = flush()))
			return -1;
		pool.cursor = 0;
	}
	return -1;
}

// Maps page into a new slot *s. Under the lock (dropped while waiting for
// a slot). E_OK, E_AGAIN after a wait (look again: another thread may have
// mapped the page), or the error.
static int map_new(page_t page, int *s)
{
	int err = E_OK;
	uint32_t gen;

	if ((*s = slot_next(&err)) < 0) {
		if (err)
			return err;
		gen = pool.gen;
		pool.nwaiting++;
		unlock();
		err = ms_request2(MS_KMAP, 2, gen, MS_KMAP_WAIT, NULL);
		lock();
		pool.nwaiting--;
		return err ? err : E_AGAIN;
	}
	err = ms_request2(MS_KMAP, 2, page, (uint32_t)*s, NULL);
	if (err == E_NOMEM && !flush()) // at the limit: stale slots count there
		err = ms_request2(MS_KMAP, 2, page, (uint32_t)*s, NULL);
	if (err)
		return err;
	pool.pfn[*s] = page;
	pool.occupied[*s / 32] |= 1u << *s % 32;
	hash_add((uint32_t)*s);
	return E_OK;
}

// kmap's first step in a thread memsrv has given no endpoint yet: it
// registers the thread (once). Nonzero when that failed. Out of line, so
// that kmap's common case reads no thread-local variable.
static __attribute__((noinline)) int register_thread(void)
{
	struct msg r;

	if (thread_known)
		return 0;
	if (hm_failed(ms_request(MS_STATS, NULL, 0, &r)))
		return 1;
	thread_known = 1;
	return 0;
}

void *kmap(page_t page)
{
	int s, err;

	if (__builtin_expect(!user_ipcbuf()->memsrv_ep[0], 0) && register_thread())
		return NULL;
	lock();
	while ((s = lookup(page)) < 0 && (err = map_new(page, &s)))
		if (err != E_AGAIN) {
			unlock();
			hm_failed(err);
			return NULL;
		}
	take((uint32_t)s);
	unlock();
	return slot_va((uint32_t)s);
}

int kunmap(page_t page)
{
	uint32_t wake = 0;
	int s;

	lock();
	if ((s = lookup(page)) < 0 || !pool.count[s]) {
		unlock();
		return hm_failed(E_INVAL);
	}
	pool.refs--;
	if (!--pool.count[s]) {
		pool.held[s / 32] &= ~(1u << s % 32);
		wake = pool.nwaiting;
		pool.gen++;
	}
	uint32_t gen = pool.gen;
	unlock();
	return wake ? hm_failed(ms_request2(MS_KUNMAP, 1, gen, 0, NULL)) : E_OK;
}

void kmap_forget(page_t page, uint32_t n)
{
	uint32_t freed = 0, wake, gen;

	lock();
	for (uint32_t s = 0; s < KMAP_POOL_SLOTS; s++) {
		if (!(pool.occupied[s / 32] >> s % 32 & 1) || pool.pfn[s] - page >= n)
			continue;
		pool.occupied[s / 32] &= ~(1u << s % 32);
		pool.held[s / 32] &= ~(1u << s % 32);
		pool.refs -= pool.count[s];
		freed += pool.count[s] != 0;
		pool.count[s] = 0;
	}
	rehash();
	pool.gen += freed;
	wake = freed && pool.nwaiting;
	gen = pool.gen;
	unlock();
	if (wake) // a slot freed (the page's references went with it)
		ms_request2(MS_KUNMAP, 1, gen, 0, NULL);
}

int kmap_flush(void)
{
	int err;

	lock();
	if (!(err = flush()))
		pool.cursor = 0;
	unlock();
	return hm_failed(err);
}

uint32_t kmap_refs(void)
{
	return __atomic_load_n(&pool.refs, __ATOMIC_RELAXED);
}
