// Kernel objects and capabilities. Every object lives in LOWMEM pages taken
// from the frame allocator and charged to the quota of one address space.
//
// Lifetime: an object counts its capabilities and its references (the
// capabilities plus kernel pointers such as a thread's space or the space
// whose quota pays for it). INV_DESTROY, or deleting its last capability,
// kills it (its waiters fail with E_DEAD, its resources are released); its
// header stays until the last reference goes, so a stale pointer reads a
// dead object and never a freed page. Kernel pointers do not keep an
// object alive, so deleting the capability to the head of a chain of
// spaces frees the whole chain.
//
// Ownership: every object is charged to the space that paid for it (a new
// space takes its quota from the one it is charged to), and when a space
// dies, everything charged to it dies too, child spaces included, and so
// on down. Capabilities alone therefore never keep anything alive past its
// owner: a space holding a capability to itself, or spaces holding each
// other, die with the space that made them, and their threads stop. This
// needs no tracing: the charge tree is the ownership tree.
//
// Physical memory: a range derived for another space (RANGE_DERIVE: init
// gives each program its RAM this way) is charged to that space, so it
// dies with it; its death removes every mapping made through it, in every
// space and window. Once the owner is dead, nothing can map that RAM but
// the range it was derived from, and it can be handed out again. The boot
// objects (the console, interrupt control) cannot be destroyed at all.
//
// Locking: the kernel is not preemptible, and every entry takes one big
// kernel lock (kernel_lock()/kernel_unlock() in cpu.h), as seL4's SMP
// kernel does: everything here is touched only under it. Per-CPU state is
// in struct cpu.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/abi.h"
#include "context.h"
#include "lpae/lpae.h"
#include "memlayout.h"

struct cpu;
struct space;
struct notify;
struct window;

struct kobj {
	uint8_t type;           // enum cap_type
	uint8_t dead;           // destroyed; only the header remains
	uint8_t pages;          // pages charged for it (0: a static boot object)
	uint8_t reap;           // queued to be killed (REAP_KILL) or freed (REAP_FREE)
	uint32_t caps;          // capabilities naming it
	uint32_t refs;          // capabilities and kernel pointers
	struct space *charged;  // whose quota pays (holds a reference), or NULL (boot objects)
	struct kobj *reap_next; // on the list of objects to free
	struct notify *watch;   // signalled with watch_badge when it dies (INV_WATCH)
	uint32_t watch_badge;
	struct kobj *charge_next, *charge_prev; // in charged->owned, until freed
	struct kobj *all_next, *all_prev;       // every object not yet freed
};

struct cap {
	struct kobj *obj;
	uint8_t type;
	uint8_t rights;
	uint16_t unused;
	uint32_t badge;
	uint32_t unused2;
};
_Static_assert(sizeof(struct cap) * CAP_SLOTS == PAGE_SIZE, "a capability table is one page");

// Whether c is a capability of `type` with every right of `rights`, asked
// with one halfword load and one compare (type and rights are adjacent
// bytes, type the low one): the fastpath asks it of every capability it
// uses, and two byte loads with two branches cost it 2 instructions more
// each time.
static inline int cap_is(const struct cap *c, uint8_t type, uint8_t rights)
{
	uint16_t tr;

	__builtin_memcpy(&tr, &c->type, sizeof(tr));
	return (tr & (0xffu | (uint32_t)rights << 8)) == (type | (uint32_t)rights << 8);
}
_Static_assert(offsetof(struct cap, rights) == offsetof(struct cap, type) + 1 &&
		       __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "cap_is reads type and rights as one little-endian halfword");

struct thread;

struct tqueue {
	struct thread *head, *tail;
};

#define NR_CPUS HMK_CPUS_MAX

// A space as one CPU sees it: with more than one CPU online, each has a
// view of the space's thread-window region (vspace.c).
struct space_cpu {
	uint64_t ttbr;            // what the CPU loads: the space's ttbr0, or its view's root
	struct window *installed; // the thread window there now for this CPU, or NULL
	pte_t *view;              // its copy of the level-2 table holding local_va, or NULL
};

struct space {
	struct kobj hdr;
	uint64_t ttbr0;               // root table | ASID << 48, valid for asid_gen
	uint64_t asid_gen;            // generation the ASID belongs to (asid/asid.h)
	uint32_t quota;               // pages it may have charged to it
	uint32_t used;                // pages charged now
	struct space *parent;         // gave the quota (holds a reference), or NULL
	struct cap *caps;             // CAP_SLOTS slots, one page
	pte_t *root;                  // level 1 (or 2 when the user half is 1 GiB)
	struct thread *threads;       // threads configured into it
	uint32_t local_va;            // where its threads' windows go (0: none yet)
	struct space_cpu on[NR_CPUS]; // as CPU n sees it (CPU_INDEX)
	uint32_t id;
	struct kobj *owned; // objects charged to it (die with it)
	uint8_t revocable;  // has mapped a derived range's frames (PTE_REVOCABLE)
	// THREAD_ATOMIC budget, shared by its threads and across pins: ticks
	// found pinned (at most ATOMIC_LIMIT_TICKS), one forgiven per
	// ATOMIC_REFILL_TICKS after atomic_stamp. Zero: the whole budget.
	uint32_t atomic_used, atomic_stamp;
	uint8_t atomic_logged; // its overrun was logged (once per space)
	uint8_t pmu;           // its threads may use the PMU (CONSOLE_PMU)
	// Dead but still loaded on another CPU: on the list of spaces whose
	// tables and ASID go once no CPU has them loaded (space.c).
	struct space *unload_next;
};

enum ep_state { EP_IDLE, EP_SEND, EP_RECV };

struct endpoint {
	struct kobj hdr;
	uint32_t state; // what the queue holds
	struct tqueue q;
};

struct notify {
	struct kobj hdr;
	uint32_t word;
	struct thread *waiter; // in T_NOTIFY on it
	struct thread *bound;  // THREAD_BIND_NOTIFY: its recv on any endpoint ends on a signal
};

#define WIN_MAX_SPACES 500
struct window {
	struct kobj hdr;
	pte_t *table;          // the level-3 table (its own page)
	uint32_t kind;         // enum window_kind
	uint32_t va;           // WIN_SPACE: where it is installed (WIN_THREAD: space->local_va)
	struct thread *thread; // WIN_THREAD: its thread (a reference), NULL once it died
	uint32_t revocable;    // has held a derived range's frames (PTE_REVOCABLE)
	uint32_t nspaces;      // WIN_SPACE: spaces it is installed in (references)
	struct space *spaces[WIN_MAX_SPACES];
};

struct prange {
	struct kobj hdr;
	uint64_t base;
	uint32_t pages;
	uint8_t derived; // made by RANGE_DERIVE: its mappings go when it dies
	uint8_t mapped;  // derived and mapped at least once
};

struct reply {
	struct kobj hdr;
	struct thread *caller; // waiting for this reply, or NULL
	uint8_t caller_died;   // the caller it held died first
};

struct irq_handler {
	struct kobj hdr;
	uint32_t irq;
	struct notify *notify;
	uint32_t badge;
};

// Internal thread states (THREAD_INFO folds the blocked ones into TS_BLOCKED).
enum kthread_state {
	T_INACTIVE,
	T_READY,
	T_SEND,   // queued on an endpoint to send (or call)
	T_RECV,   // queued on an endpoint to receive
	T_REPLY,  // called, waiting for the reply
	T_NOTIFY, // waiting on a notification
	T_STOPPED,
	T_DEAD,
};

struct thread {
	struct regs ctx; // first: the exception entry saves user registers here
	struct kobj hdr;
	uint8_t state;
	uint8_t prio;
	uint8_t is_call;     // T_SEND: it called (wants a reply)
	uint8_t fault;       // its pending message is a fault (see fault.c)
	uint8_t caller_died; // the caller it held died before the reply
	uint8_t leaving;     // on a CPU's leaving list (sched_evict)
	uint8_t unused[2];
	struct space *space;       // holds a reference once configured
	struct ipc_buffer *ipcbuf; // kernel view (direct map), or NULL
	uint32_t ipcbuf_va;
	struct thread *next, *prev; // run queue or endpoint queue
	struct endpoint *ep;        // queued on, in T_SEND/T_RECV
	struct notify *waiting;     // in T_NOTIFY
	struct thread *caller;      // the implicit reply: who waits for this thread's reply
	struct thread *callee;      // in T_REPLY: the thread holding the reply, or
	struct reply *saved_in;     // the reply object it was saved in
	struct thread *space_next;  // in space->threads
	struct endpoint *fault_ep;  // holds a reference, or NULL
	uint32_t fault_badge;
	uint32_t snd[1 + MSG_REG_WORDS]; // T_SEND: info and MR0..3 as sent
	uint32_t snd_badge;
	uint32_t snd_cap; // T_SEND with MSG_CAP: sender's slot
	uint32_t slice;   // ticks left
	uint32_t faults;
	uint32_t id;
	struct window *local_win;    // its WIN_THREAD window (a reference), or NULL
	struct notify *bound_notify; // THREAD_BIND_NOTIFY (a reference), or NULL
	uint8_t atomic;              // THREAD_ATOMIC: pinned, not preempted
	struct window *atomic_win;   // slots to clear when it overruns (a reference)
	uint32_t atomic_first, atomic_count;
	struct cpu *cpu;           // runs there: its creator's, or THREAD_SET_CPU's
	struct cpu *move_to;       // THREAD_SET_CPU's, waiting until it holds no kmap (sched_tick)
	struct space_cpu *on;      // &space->on[cpu->id], for the switch (sched.h), or NULL
	struct thread *leave_next; // on that CPU's leaving list
};

// Layouts the code relies on. kobj_alloc gives each object one page and
// finds it by its header, which starts every object but a thread: a
// thread's saved registers come first, where the exception entry stores
// them (context.h). A space's level-1 root table shares its page (space.c).
_Static_assert(offsetof(struct thread, ctx) == 0, "a thread's registers start its page");
_Static_assert(sizeof(struct thread) <= PAGE_SIZE, "a thread fits its page");
_Static_assert(offsetof(struct space, hdr) == 0 && offsetof(struct endpoint, hdr) == 0 &&
		       offsetof(struct notify, hdr) == 0 && offsetof(struct window, hdr) == 0 &&
		       offsetof(struct prange, hdr) == 0 && offsetof(struct reply, hdr) == 0 &&
		       offsetof(struct irq_handler, hdr) == 0,
	       "the header starts every object but a thread");
_Static_assert(sizeof(struct endpoint) <= PAGE_SIZE && sizeof(struct notify) <= PAGE_SIZE &&
		       sizeof(struct window) <= PAGE_SIZE && sizeof(struct prange) <= PAGE_SIZE &&
		       sizeof(struct reply) <= PAGE_SIZE && sizeof(struct irq_handler) <= PAGE_SIZE,
	       "every object fits its page");
// A window is one level-3 table: WINDOW_SLOTS pages, one level-2 entry.
_Static_assert(WINDOW_SLOTS == LPAE_ENTRIES && WINDOW_SIZE == WINDOW_SLOTS * PAGE_SIZE &&
		       WINDOW_SIZE == LPAE_L2_SIZE,
	       "a window is one level-3 table");
_Static_assert(sizeof(struct ipc_buffer) <= PAGE_SIZE, "an IPC buffer is one page");

// Object memory and quota (object/kobj.c).
// Allocates `pages` zeroed LOWMEM pages for an object of `type`, charged to
// `charge` (NULL: the kernel's own boot objects). NULL when the quota or
// LOWMEM is exhausted.
void *kobj_alloc(uint8_t type, uint32_t pages, struct space *charge);
// Takes / drops a reference. Dropping the last queues the object to be
// freed; losing its last capability (cap_clear) queues it to be killed.
// kobj_reap() does both: the queue keeps the kernel stack flat however deep
// a chain of objects holding each other is.
static inline void kobj_get(struct kobj *o)
{
	o->refs++;
}
void kobj_release(struct kobj *o); // kobj_put's slow half: the last reference went
static inline void kobj_put(struct kobj *o)
{
	if (--o->refs || !o->pages)
		return; // still used, or a static boot object (console, IRQ control)
	kobj_release(o);
}
// Frees every queued object (and whatever that releases in turn). Called
// at the end of each kernel entry that may have dropped references.
void kobj_reap(void);
// Its last capability is gone: queues it to be killed.
void kobj_lost_caps(struct kobj *o);
// Kills the object: type-specific teardown; idempotent.
void kobj_destroy(struct kobj *o);
// Whether INV_DESTROY through c may kill its object (then kobj_destroy()):
// E_PERM without RIGHT_MANAGE or for a boot object (which no program may
// destroy), else E_OK. Changes nothing.
int kobj_destroy_check(const struct cap *c);
// Its owner space died: queues it to be killed, capabilities or not.
void kobj_doom(struct kobj *o);
// Removes every mapping made through a derived range of [base, end), in
// every live space and window (a derived range dies).
void kobj_revoke_frames(uint64_t base, uint64_t end);
// Whether s (NULL: the kernel, unlimited) can be charged `pages` more:
// E_OK or E_NOMEM (s dead or its quota short). Changes nothing.
int quota_check(const struct space *s, uint32_t pages);
// Charges / returns pages to a space's quota; 0 or E_NOMEM.
int quota_charge(struct space *s, uint32_t pages);
void quota_release(struct space *s, uint32_t pages);

// Capability tables (object/cap.c).
// The slot `i` of `s`'s table, or NULL when out of range.
struct cap *cap_slot(struct space *s, uint32_t i);
// Looks up slot `i` expecting `type` (CAP_NULL: any) and `rights`: 0 with
// *out, or E_CAP / E_TYPE / E_PERM / E_DEAD.
int cap_lookup(struct space *s, uint32_t i, uint8_t type, uint8_t rights, struct cap **out);
// Slot `i` of `s`'s table as the destination of a new capability: 0 with
// *out when it is empty, E_CAP when out of range, E_BUSY when it holds one.
int cap_empty(struct space *s, uint32_t i, struct cap **out);
// Fills an empty slot with a new reference to `o`.
void cap_set(struct cap *slot, struct kobj *o, uint8_t rights, uint32_t badge);
// Empties a slot, dropping its reference.
void cap_clear(struct cap *slot);
