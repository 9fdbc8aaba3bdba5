// The operations of each kind of kernel object (kernel/object/*.c), and the
// invocation handlers the system call layer dispatches to. Every handler is
// a decode, which checks all of its arguments (rights, slots, ranges) and
// changes nothing, then a perform, which cannot fail for a reason the decode
// could have found; it returns E_OK or the error for r0.
#pragma once

#include "object.h"

struct msg_in {
	uint32_t label, len;
	uint32_t mr[MSG_REG_WORDS]; // MR0..MR3 (MR4.. are in the caller's IPC buffer)
};
// Results of an invocation: MR0..MR3 and how many are set.
struct msg_out {
	uint32_t len;
	uint32_t mr[MSG_REG_WORDS];
};

// One invocation (SYS_CALL on a capability that is no endpoint), as the
// system call layer hands it to a handler: who calls, through which
// capability, with what message. The handler writes its results to `out`.
struct invocation {
	struct thread *caller;
	struct space *self; // the caller's space, whose table the argument slots name
	struct cap *cap;    // the capability invoked
	struct msg_in in;
	struct msg_out out;
};
// An invocation handler (one per capability type, syscall.c's table):
// decodes, then performs. E_OK with inv->out filled, or the error for r0
// (E_NOSYS for a label the type does not have). Kernel locked.
typedef int invoke_fn(struct invocation *inv);

// Address spaces (object/space.c).
extern uint32_t asid_generation;
// Lets TTBR0 walk (an empty user half until a space runs).
void space_init(void);
// A new, empty address space charged to `parent`, with `quota` pages of its
// own taken from the parent's quota; NULL and *err on failure.
struct space *space_create(struct space *parent, uint32_t quota, int *err);
void space_destroy(struct space *s);
void space_free(struct space *s);
// Gives `s` an ASID of the current generation (flushing the TLB when the
// ASIDs run out and a new generation starts).
void space_new_asid(struct space *s);
// Maps one frame: `how` says whether it is a LOWMEM frame the kernel owns
// (freed with the mapping), pinned (an IPC buffer, which user space may not
// unmap) or revocable (a derived range's); E_OK, E_NOMEM, E_BUSY.
#define MAP_KFRAME 1u
#define MAP_PINNED 2u
#define MAP_REVOCABLE 4u // through a derived range (PTE_REVOCABLE)
int space_map_frame(struct space *s, uint32_t va, uint64_t pa, unsigned prot, unsigned how);
// Whether n pages from va (checked to be user addresses) can be mapped
// into s with `extra` pages of quota to spare: E_BUSY when one is mapped or
// lies in a window's region, E_NOMEM when the tables they need and
// `extra` exceed its quota. Changes nothing.
int space_map_check(struct space *s, uint32_t va, uint32_t n, uint32_t extra);
// Removes the mapping at va without any check (kernel use).
void space_unmap_kernel(struct space *s, uint32_t va);
// The level-2 entry for va (allocating the level-2 table, charged to s,
// with `alloc`), or NULL.
pte_t *space_l2_entry(struct space *s, uint32_t va, int alloc);
// Forgets every TLB entry of s (by ASID).
void space_tlb_flush(struct space *s);
// Software bits of level-2 descriptors for windows (ignored by the MMU).
#define PTE_WINDOW (1ULL << 58)   // with a table: a window's table, not s's own
#define PTE_RESERVED PTE_WINDOW   // alone (invalid): the thread-window region
// Software bit of level-3 descriptors (spaces' and windows'): a frame mapped
// through a derived range, removed when that range dies.
#define PTE_REVOCABLE (1ULL << 57)
// Removes s's mappings of frames in [base, end) that carry PTE_REVOCABLE.
void space_revoke(struct space *s, uint64_t base, uint64_t end);
// Empties the entries of a level-3 table (a space's or a window's) that map
// frames of [base, end) through a derived range; how many it emptied. No
// TLB maintenance: the caller flushes.
uint32_t revoke_l3(pte_t *l3, uint64_t base, uint64_t end);
// Readies the 2 MiB region at va for a window: *out = its level-2 entry,
// empty. E_BUSY when anything of s's own is mapped there or another window
// holds it (an empty table of s's is freed); E_NOMEM.
int space_region_for_window(struct space *s, uint32_t va, pte_t **out);
// Whether space_region_for_window(s, va) would succeed, and if not, its
// error (E_BUSY, or E_NOMEM for s's quota). Changes nothing.
int space_region_check(struct space *s, uint32_t va);
// Whether va lies in a region held by a window (SPACE_MAP refuses it).
int space_in_window(struct space *s, uint32_t va);
invoke_fn space_invoke;

// Threads (object/thread.c).
struct thread *thread_create(struct space *charge);
void thread_destroy(struct thread *t);
// Stops `t` wherever it is: an IPC in progress ends (E_DEAD for its partner
// where one waits), and it leaves every queue.
void thread_stop(struct thread *t, uint8_t state);
// Ends a THREAD_ATOMIC pin.
void thread_unpin(struct thread *t);
// Charges a tick that found `t` pinned to its space's budget; once the
// budget is spent, clears the pinned slots and unpins `t` (logged once per
// space). Timer interrupt, kernel locked.
void thread_atomic_tick(struct thread *t);
invoke_fn thread_invoke;
// Binds `t` to space `s` with its IPC buffer at `ipcbuf_va` (boot, and
// THREAD_CONFIGURE's perform). The caller has checked that t is new and the
// page free and in s's quota (asserted in test kernels); E_NOMEM only when
// LOWMEM runs out.
int thread_configure(struct thread *t, struct space *s, uint32_t ipcbuf_va, struct endpoint *fault_ep,
		     uint32_t fault_badge, uint8_t prio);

// Endpoints and notifications (object/endpoint.c, object/notify.c).
void endpoint_destroy(struct endpoint *e);
void ep_enqueue(struct endpoint *e, struct thread *t, uint32_t state);
void ep_remove(struct thread *t);
void notify_destroy(struct notify *n);
// ORs `bits` into the word and wakes the waiter (IRQ context too).
void notify_signal(struct notify *n, uint32_t bits);
invoke_fn notify_invoke;

// Reply objects (object/reply.c).
void reply_destroy(struct reply *r);
invoke_fn reply_invoke;

// Windows (object/window.c).
// Computes the descriptor attributes of window slots (boot): slot_attrs[
// writable | uncached << 1], lpae_page's user, non-global, never
// executable encoding.
void window_init(void);
extern pte_t slot_attrs[4];
void window_destroy(struct window *w);
void window_free(struct window *w);
// Empties w's slots holding frames in [base, end) with PTE_REVOCABLE.
void window_revoke(struct window *w, uint64_t base, uint64_t end);
invoke_fn window_invoke;
// The WINDOW_MAP a reply carries (MSG_MAP): map[] = window slot in self's
// table, then WINDOW_MAP's words. E_OK or the error, checked in full first.
int window_map_request(struct space *self, const uint32_t *map);
// Empties slots [first, first + count) and makes every TLB forget them.
void window_clear(struct window *w, uint32_t first, uint32_t count);
// Installs t's thread window in its space (or removes a sibling's): called
// when the space's installed window is not t's.
void window_switch_local(struct space *s, struct thread *t);
// The thread dies: its window leaves its space.
void window_thread_gone(struct thread *t);

// Physical ranges, interrupts, the console (object/range.c, irq.c, console.c).
struct prange *range_create(uint64_t base, uint32_t pages, struct space *charge);
// A derived range dies: every mapping made through it goes.
void range_destroy(struct prange *r);
invoke_fn range_invoke;
extern struct kobj irqctl_object, console_object;
invoke_fn irqctl_invoke, irq_invoke;
void irq_handler_destroy(struct irq_handler *h);
invoke_fn console_invoke;
