// The memory server's protocol: how a client asks memsrv for HIGHMEM pages
// and for temporary mappings of them, with the semantics of Linux's
// alloc_pages, kmap_local_page, kmap_atomic, kmap and vmap. Shared by
// memsrv, its client library (libs/highmem) and the tests.
//
// A client is a program holding a capability to memsrv's endpoint (init
// gives every program it starts after memsrv one, in SLOT_MEMSRV, badged
// with the program's id: memsrv knows its clients by badge). Requests are
// calls; the reply's label is E_OK or the error, its words the results.
// Frames are named by PFN (physical address >> 12: 28 bits cover LPAE's
// 40-bit space).
//
// Threads: MS_THREAD_HELLO answers with a capability to memsrv's endpoint
// whose badge names that thread (bit 31 set, a generation in bits 8..30,
// the thread's index in bits 0..7; program ids stay below 2^31). Any
// request may come through it; the thread-bound ones (kmap_local,
// kmap_atomic and their unmaps) must, unless the program has registered
// exactly one thread. A badge of a thread that died answers E_PERM.
// memsrv runs a thread on every CPU, each receiving on its own endpoint:
// MS_THREAD_HELLO's capability reaches the one on CPU 0, MS_ENDPOINT gives
// the thread's capability (the same badge) to the one on another CPU, so
// that it is served on the CPU it runs on (the library asks once per CPU).
// Requests before MS_HELLO answer E_PERM.
//
// Every request must be a call: one sent with `send` (no one waits for the
// answer) is refused before anything changes, and not answered.
//
// The kmap pool is per client: one window at MEMSRV_POOL_VA in its space,
// made at its first kmap, seen by all its threads and by no other client
// (unlike Linux's pkmap, which all kernel code shares). The client's own
// library keeps it as Linux keeps pkmap (which page is in which slot, the
// references, stale slots until the turn of free slots wraps), so that a
// kmap of a page the pool holds, and every kunmap, need no request; memsrv
// maps a page into the slot the library names and empties stale slots when
// told. memsrv does not trust the library: before a page leaves its owner
// (free, the owner's death) it empties every pool slot holding it, in every
// client, stale or not (a kmap still in use then faults, as a use after
// free), and maps it back into those slots when the client is given the
// page again. kmap_local and kmap_atomic mappings are private to their
// thread.
//
// Limits: whoever starts a program tells memsrv (MS_LIMIT, on the unbadged
// capability only the starter holds) how many pages it may own and how
// many kmap pool slots and vmaps it may hold at once; beyond them MS_ALLOC,
// MS_KMAP and MS_VMAP answer E_NOMEM. Without MS_LIMIT a client gets
// MS_DEFAULT_PAGES_DIV-th of memsrv's pages and MS_DEFAULT_MAPS mappings.
// memsrv logs at most a few error lines per client a second, then one line
// saying how many it left out.
#pragma once

#include "abi/abi.h"

// Where memsrv's windows sit in every client (below 1 GiB: every VMSPLIT).
#define MEMSRV_LOCAL_VA 0x3f000000u  // per-thread window: kmap_local, then kmap_atomic
#define MEMSRV_POOL_VA 0x3f200000u   // the client's own kmap pool, 512 slots
#define MEMSRV_VMAP_BASE 0x38000000u // vmap area: 56 windows side by side
#define MEMSRV_VMAP_SIZE 0x07000000u
#define KMAP_LOCAL_MAX IPC_KMAP_MAX  // nesting depth of kmap_local (abi.h: the
#define KMAP_ATOMIC_MAX IPC_KMAP_MAX // library keeps both in the IPC buffer)
#define KMAP_ATOMIC_FIRST                                                                          \
	256 // the thread window: kmap_local takes slots 0..255 in
	    //   turn, kmap_atomic 256..511 (addresses are not stack slots)
#define KMAP_POOL_SLOTS 512
#define MEMSRV_MAX_ORDER 10      // alloc_pages orders 0..10 (4 KiB .. 4 MiB)
#define MS_CLIENT_THREADS 32     // registered threads of one client at once
#define MS_DEFAULT_PAGES_DIV 4   // no MS_LIMIT: a quarter of memsrv's pages
#define MS_DEFAULT_MAPS 4096     // and this many kmap pool slots and vmaps
#define MS_UNLIMITED 0xffffffffu // MS_LIMIT: no limit

enum memsrv_request {
	// Registration (each once, before the rest; the runtime does it).
	MS_HELLO = 1,    // cap: the client's own space (RIGHT_READ | RIGHT_WRITE: memsrv
			 //   binds windows in it and watches it die): its kmap pool and
			 //   vmap area go there when first used. -> MR0 client id. Again:
			 //   E_INVAL
	MS_THREAD_HELLO, // cap: the calling thread (RIGHT_READ | RIGHT_WRITE). Gives it a
			 //   local window at MEMSRV_LOCAL_VA; memsrv watches it and reclaims
			 //   at its death. -> MR0 the thread's badge, and (MSG_CAP) the
			 //   thread's own capability to memsrv (see above). E_NOSLOT past
			 //   MS_CLIENT_THREADS threads of one client

	// Pages.
	MS_ALLOC, // (order, flags MS_ALLOC_*[, pfn with MS_ALLOC_AT]) -> MR0 pfn of
		  //   2^order contiguous zeroed pages, owned by the caller. E_ORDER
		  //   beyond MEMSRV_MAX_ORDER, E_NOMEM, E_INVAL for unknown flags.
	MS_FREE,  // (pfn, order): E_PERM when the caller does not own exactly that
		  //   block (E_INVAL when no such block is allocated); E_BUSY while
		  //   a page of it is vmapped. Its kmap pool slots (anyone's) and its
		  //   kmap_local and kmap_atomic mappings (any thread's) are emptied,
		  //   not waited for (a thread still using one faults, as after any
		  //   use after free). -> MR0 how many slots of the caller's own pool
		  //   went (its library forgets them; another client's are mapped
		  //   back when it gets the page again)
	MS_SHARE, // (pfn, client id): that client may map the page too. Owner only
		  //   (E_PERM); E_INVAL for an unknown client.

	// Mappings (pfn: a page the caller owns or was shared; else E_PERM).
	MS_KMAP_LOCAL,  // (pfn, held) -> MR0 va. Private to the thread, strictly nested.
			//   held: how many of its kmap_local mappings the thread still
			//   holds (kunmap_local is no request: the client pops its own
			//   stack, and memsrv forgets the mappings above `held`, which
			//   stay mapped, stale, until memsrv empties them); more than
			//   memsrv gave it -> E_INVAL; without it, none are forgotten.
			//   The 17th held -> E_NOSLOT
	MS_KMAP_ATOMIC, // (pfn, held) -> MR0 va, as MS_KMAP_LOCAL (its own stack of
			//   16). The reply pins the thread (MAP_PIN): no preemption,
			//   no waiting IPC (E_BUSY), within THREAD_ATOMIC's budget
			//   (E_AGAIN when spent). kunmap_atomic is no request: the
			//   last one ends the pin itself (SYS_UNPIN). A pin the kernel
			//   ended (held too long) took the thread's kmap_atomic
			//   mappings with it: a nested map then answers E_INVAL.
	MS_KMAP,        // (pfn, slot) -> MR0 va of that slot of the client's pool, now
			//   mapping pfn (whatever it held goes). The library chooses the
			//   slot (E_INVAL beyond the pool). E_NOMEM at the mappings limit
			//   (the slots mapped, stale ones too: MS_KUNMAP them and retry).
			//   (gen, MS_KMAP_WAIT): every slot is referenced; the reply waits
			//   until the client's next MS_KUNMAP, or comes at once when one
			//   with a newer gen came since: E_OK, try again. E_DEADLK when no
			//   slot could ever free (every registered thread of the client
			//   waits); E_BUSY when the caller holds kmap_atomic
	MS_KUNMAP,      // (gen, then up to KMAP_POOL_SLOTS / 32 words: a bit per slot,
			//   slot 0 = bit 0 of MR1): empties those slots (the wrap's
			//   flush: one WINDOW_CLEAR per run), then answers the waiting
			//   MS_KMAPs. gen counts the library's kunmaps that freed a slot
	MS_VMAP,        // (n, prot, then runs: MR2.. = pfn, count, pfn, count ...) ->
			//   MR0 va of n contiguous pages. prot: PROT_READ/WRITE/NOCACHE
			//   (PROT_EXEC -> E_PERM). When the runs of one message do not
			//   reach n, the reply's MR1 says how many are mapped so far and
			//   MS_VMAP_MORE continues. E_NOMEM: no room in the vmap area, or
			//   the mappings limit; E_NOSLOT: memsrv cannot make the windows
			//   (nothing of the vmap is left).
	MS_VMAP_MORE,   // (va, runs...) -> MR0 va, MR1 pages mapped so far
	MS_VUNMAP,      // (va of a vmap) E_INVAL when it is not one. Each vmap keeps an
			//   unmapped guard page after it. A vmap of the caller's own
			//   pages only is unmapped lazily, as Linux's lazy vmap purge:
			//   until memsrv purges its stale slots (when a vmap finds no
			//   room or window otherwise, and always before any page of the caller
			//   leaves it: MS_FREE, its death), a use after vunmap may still
			//   reach the caller's own page, never a page that left it. A
			//   vmap holding a page shared with the caller is unmapped at once.

	MS_STATS, // (held: the calling thread's kmap_local mappings, optional)
		  //   -> four words, in registers (the kernel's IPC fastpath): MR0
		  //   free pages, MR1 pages the caller owns, then its live mappings
		  //   as far as memsrv knows (see MS_KMAP_LOCAL), two counts a word
		  //   (MS_STATS_LO/HI): MR2 kmap_local | kmap_atomic << 16, MR3 kmap
		  //   pool slots (mapped, stale ones too, or emptied by memsrv) |
		  //   vmap areas << 16. Each count is below 2^16 (memsrv asserts it)
	MS_LIMIT, // (client id, pages, mappings): the limits of a program about to
		  //   start (or running), from its starter only: the unbadged
		  //   capability (else E_PERM)

	// What MS_STATS leaves out, rarely asked: -> MR0 memsrv's pages (fixed
	// once it serves: free + used), MR1 error lines memsrv logged for the
	// caller, MR2 lines it left out (rate limit), MR3 its page limit, MR4
	// its mappings limit.
	MS_STATS_MORE,
	// (cpu) through a thread's own capability: -> (MSG_CAP) the thread's
	//   capability to memsrv's thread on CPU `cpu`, the same badge. memsrv
	//   runs one thread per CPU, each receiving on its own endpoint, so
	//   that a client's kmap_local is served on its own CPU, as Linux's
	//   per-CPU kmap slots; the library asks once per CPU it runs on.
	//   E_RANGE: memsrv has no thread on that CPU (use the one of MS_THREAD_HELLO)
	MS_ENDPOINT,
	MS_COUNT
};

// MS_ALLOC flags.
#define MS_ALLOC_HIGH                                                                              \
	(1u << 0) // from the top of HIGHMEM (Linux has no such flag;
		  //   tests and the demo use it to get pages above 4 GiB)
#define MS_ALLOC_AT                                                                                \
	(1u << 1) // exactly the pages at the third word's pfn (aligned to
		  //   the order): E_NOMEM when one is not free, E_INVAL when
		  //   memsrv has no such pages (tests sample all of HIGHMEM)

// MS_STATS's words MR2 and MR3: two counts each.
#define MS_STATS_PACK(lo, hi) ((uint32_t)(lo) | (uint32_t)(hi) << 16)
#define MS_STATS_LO(w) ((uint32_t)(w)&0xffffu)
#define MS_STATS_HI(w) ((w) >> 16)

// MS_KMAP's slot word that asks to wait for a free slot.
#define MS_KMAP_WAIT KMAP_POOL_SLOTS

// Runs per MS_VMAP / MS_VMAP_MORE message (pairs after the first two words).
#define MS_VMAP_RUNS ((MSG_MAX_WORDS - 2) / 2)
